#!/usr/bin/env bash
# The photo path side by side in one run, on one pinned core: photos in, every face's 68 points out. dlib's HOG detector
# + shape predictor (peers' bin/dlib_predict --e2e; again at 2x when it finds nothing) against KeypointML's engine
# (keypointml bench --photos: decode, detect, crop, landmarks, decode output) on the same files.
#   scripts/photos-vs-dlib.sh FOLDER [COUNT] [MODEL] [MIN_FACE ...]
# FOLDER's photos (recursively, name order, the first COUNT, default 24); MODEL default ibug68-fast; each MIN_FACE
# (pixels, default: the library's default) is one KeypointML row. Prints ms per photo of each and the ratio (dlib's
# runner times detector + predictor and not the JPEG decode: KeypointML's figure is given without and with its decode).
# Env: PEERS (default ../shared/peers), PEERS_WORK (default ~/.cache/keypointml-peers).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
folder="$(cd "$1" && pwd)"; count="${2:-24}"; model="${3:-ibug68-fast}"; shift $(( $# < 3 ? $# : 3 )); minfaces=("$@")
peers_src="${PEERS:-$repo/../shared/peers}"
work="${PEERS_WORK:-${XDG_CACHE_HOME:-$HOME/.cache}/keypointml-peers}"
pin=""; command -v taskset >/dev/null && pin="taskset -c 0"
mkdir -p "$work" && cp -p "$peers_src"/* "$work"/ && chmod -R u+w "$work"
( cd "$work" && ./setup.sh >/dev/null )
out="$work/out/photos"; rm -rf "$out"; mkdir -p "$out/photos"
# The chosen photos, linked into one folder so that both read exactly the same files.
find "$folder" -type f \( -iname '*.jpg' -o -iname '*.jpeg' -o -iname '*.png' \) | LC_ALL=C sort | head -n "$count" |
  while read -r f; do ln -s "$f" "$out/photos/$(echo "${f#$folder/}" | tr '/' '_')"; done
python3 - "$out/photos" "$out/photos.xml" <<'PY'
import os, sys
root, out = sys.argv[1], sys.argv[2]
with open(out, "w") as f:
    f.write("<?xml version='1.0'?>\n<dataset><images>\n")
    for n in sorted(os.listdir(root)):
        f.write(f"<image file='{n}'><box top='0' left='0' width='1' height='1'>" + "".join(f"<part name='{k:02d}' x='0' y='0'/>" for k in range(68)) + "</box></image>\n")
    f.write("</images></dataset>\n")
PY
( cd "$work" && $pin bin/dlib_predict .deps/root/usr/share/dlib/shape_predictor_68_face_landmarks.dat "$out/photos.xml" \
    --e2e "$out/dlib.csv" --image-root "$out/photos" > "$out/dlib.json" 2> "$out/dlib.log" )
dotnet build "$repo/KeypointML.Cli" -c Release >/dev/null
[ ${#minfaces[@]} -gt 0 ] || minfaces=(default)
for mf in "${minfaces[@]}"; do
  extra=(); [ "$mf" = default ] || extra=(--min-face "$mf")
  KEYPOINTML_MODELS="$repo/models" $pin dotnet "$repo/KeypointML.Cli/bin/Release/net10.0/KeypointML.Cli.dll" \
    bench --photos "$out/photos" --images "$count" --model "$model" --threads 1 --json "${extra[@]}" | tail -1 > "$out/keypointml_$mf.json"
done
python3 - "$out" "${minfaces[@]}" <<'PY'
import csv, json, statistics, sys
out, runs = sys.argv[1], sys.argv[2:]
d = json.load(open(f"{out}/dlib.json"))
faces = sum(1 for _ in csv.DictReader(open(f"{out}/dlib.csv")))
dl = d["ms_per_image_median"]
print(f"dlib 19.24 HOG + shape predictor: {faces} faces, {dl:.1f} ms per photo (median; detector + predictor, JPEG decode not timed)")
for r in runs:
    k = json.load(open(f"{out}/keypointml_{r}.json"))
    print(f"KeypointML {k['model']} + {k['detector']} (MinFaceSize {k['minFaceSize']}): {k['faces']} faces, {k['msPerPhoto']:.1f} ms per photo "
          f"(decode {k['msPerPhotoDecode']:.1f}, detect {k['msPerPhotoDetect']:.1f}, crop {k['msPerPhotoCrop']:.2f}, landmarks {k['msPerPhotoLandmarks']:.1f}, output {k['msPerPhotoDecodeOutput']:.2f}); "
          f"without the decode {k['msPerPhoto'] - k['msPerPhotoDecode']:.1f} ms = {(k['msPerPhoto'] - k['msPerPhotoDecode']) / dl:.2f} of dlib's time, with it {k['msPerPhoto'] / dl:.2f}")
PY
