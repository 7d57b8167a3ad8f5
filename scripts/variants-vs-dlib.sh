#!/usr/bin/env bash
# Test faces turned in the image plane and made small (../shared/peers/make_variants.py), end to end, KeypointML's
# models and dlib's HOG + predictor side by side on the same files: the roll and small-face figures of the README and
# docs/engine.md.
#   scripts/variants-vs-dlib.sh OUT [MODEL[:SMALL] ...]      (default model ibug68-heatmap)
# MODEL:SMALL gives the small-face model too (predict --small-face-model SMALL; none = MODEL for every face); a bare
# MODEL gets predict's default (ibug68-small for 68-point models).
# VARIANTS (comma-separated, default "roll 0,roll 30,roll 60,roll 90,small 48,small 32,small 24,small 16") picks the
# variants; each is made once under OUT. Prints per variant: found / expected, NME_io (%), FR@8 (%) for dlib and each
# model (misses count as failures). Needs Debian's python3-pil (make_variants.py) and the opencv-doc photos.
# Env: PEERS (default ../shared/peers), PEERS_WORK (default ~/.cache/keypointml-peers).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
out="$1"; shift; models=("$@"); [ ${#models[@]} -gt 0 ] || models=(ibug68-heatmap)
peers_src="${PEERS:-$repo/../shared/peers}"
work="${PEERS_WORK:-${XDG_CACHE_HOME:-$HOME/.cache}/keypointml-peers}"
mkdir -p "$work" "$out" && cp -p "$peers_src"/* "$work"/ && chmod -R u+w "$work"
( cd "$work" && ./setup.sh >/dev/null )
dotnet build "$repo/KeypointML.Cli" -c Release >/dev/null
cli=(dotnet "$repo/KeypointML.Cli/bin/Release/net10.0/KeypointML.Cli.dll")
summary() { python3 "$peers_src/score.py" "$1" "$2" --e2e --json-only | python3 -c "import json, sys
d = json.load(sys.stdin)
print(f\"{d['faces']}/{d['expected']} {d.get('nme_io', float('nan')):.2f}% FR@8 {d['fr8']:.2f}%\")"; }
IFS=, read -ra variants <<< "${VARIANTS:-roll 0,roll 30,roll 60,roll 90,small 48,small 32,small 24,small 16}"
for v in "${variants[@]}"; do
  read -r kind value <<< "$v"; d="$(mkdir -p "$out" && cd "$out" && pwd)/$kind$value"
  [ -f "$d/labels.xml" ] || /usr/bin/python3 "$peers_src/make_variants.py" "$kind" "$value" "$d" >/dev/null
  ( cd "$work" && bin/dlib_predict .deps/root/usr/share/dlib/shape_predictor_68_face_landmarks.dat "$d/labels_int.xml" \
      --e2e "$d/dlib.csv" --image-root "$d" > "$d/dlib.json" 2> "$d/dlib.log" )
  line="$kind $value: dlib $(summary "$d/labels.xml" "$d/dlib.csv")"
  for m in "${models[@]}"; do
    small=(); [[ "$m" == *:* ]] && small=(--small-face-model "${m#*:}")
    KEYPOINTML_MODELS="${KEYPOINTML_MODELS:-$repo/models}" "${cli[@]}" predict --faces --model "${m%%:*}" "${small[@]}" --data "$d/labels.xml" --out "$d/${m//[:\/]/_}.csv" >/dev/null
    line="$line | $m $(summary "$d/labels.xml" "$d/${m//[:\/]/_}.csv")"
  done
  echo "$line"
done
