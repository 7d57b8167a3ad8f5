#!/usr/bin/env bash
# Speed side by side in one run, on one pinned core: KeypointML's per-face call (keypointml bench --stages, the peers'
# scope: a decoded image and its box in, points out) against dlib's shape predictor and face-api, on the 300-W test crops.
# Prints each one's ms per face and the ratio to dlib. Speed on these machines is only meaningful as such a ratio.
#   scripts/bench-vs-peers.sh [MODEL ...]      (default: every 68-point model in models/)
# Env: PEERS (the harness, default ../shared/peers), PEERS_WORK (its writable copy, default ~/.cache/keypointml-peers),
#      DATA (default ../shared/data), FACES (default 64), REPEAT (per-face repeats, default 5).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
peers_src="${PEERS:-$repo/../shared/peers}"
work="${PEERS_WORK:-${XDG_CACHE_HOME:-$HOME/.cache}/keypointml-peers}"
data="${DATA:-$repo/../shared/data}"
faces="${FACES:-64}"
models=("$@"); [ ${#models[@]} -gt 0 ] || models=(ibug68-fast ibug68-heatmap ibug68-resnet18)
pin=""; command -v taskset >/dev/null && pin="taskset -c 0"

mkdir -p "$work" && cp -p "$peers_src"/* "$work"/ && chmod -R u+w "$work"
( cd "$work" && DATA="$data/ibug_300w" ./setup.sh >/dev/null )
out="$work/out/speed"; mkdir -p "$out"
xml="$data/ibug_300w/labels_ibug_300W_test.xml"
( cd "$work" && $pin bin/dlib_predict .deps/root/usr/share/dlib/shape_predictor_68_face_landmarks.dat "$xml" "$out/dlib.csv" \
    --box-map 1.056,-0.002,-0.084 --repeat "${REPEAT:-5}" > "$out/dlib.json" )
( cd "$work" && $pin node faceapi_predict.js "$xml" "$out/faceapi_full.csv" --model full --scale 1.3 --threads 1 --repeat "${REPEAT:-5}" > "$out/faceapi_full.json" 2>/dev/null )
( cd "$work" && $pin node faceapi_predict.js "$xml" "$out/faceapi_tiny.csv" --model tiny --scale 1.3 --threads 1 --repeat "${REPEAT:-5}" > "$out/faceapi_tiny.json" 2>/dev/null )
dotnet build "$repo/KeypointML.Cli" -c Release >/dev/null
for m in "${models[@]}"; do
  KEYPOINTML_DATA="$data" $pin dotnet "$repo/KeypointML.Cli/bin/Release/net10.0/KeypointML.Cli.dll" \
    bench --stages --model "$m" --data ibug-test --images "$faces" --repeats "${REPEAT:-5}" --threads 1 --json 2>/dev/null | tail -1 > "$out/keypointml_$m.json"
done
python3 - "$out" "${models[@]}" <<'PY'
import json, sys
out, models = sys.argv[1], sys.argv[2:]
dlib = json.load(open(f"{out}/dlib.json"))["ms_per_face_median"]
print("| per-face call, one core (decoded image and box in, points out) | ms/face | x dlib |\n|---|---:|---:|")
print(f"| dlib ERT 68 (HOG-convention box) | {dlib:.2f} | 1.00 |")
for k in ("full", "tiny"):
    ms = json.load(open(f"{out}/faceapi_{k}.json"))["ms_per_face_median"]
    print(f"| face-api {k} | {ms:.2f} | {ms / dlib:.2f} |")
stages = {}
for m in models:
    j = stages[m] = json.load(open(f"{out}/keypointml_{m}.json"))
    print(f"| KeypointML {m} | {j['msPerFaceTotal']:.2f} | {j['msPerFaceTotal'] / dlib:.2f} |")
print("\n| KeypointML stage, ms per face | " + " | ".join(models) + " |\n|---|" + "---:|" * len(models))
for key, name in [("msPerFaceDecodeJpeg", "JPEG decode"), ("msPerFaceDecodeJpegReduced", "JPEG decode, reduced for the crop"),
                  ("msPerFacePreprocess", "crop + grey + resize + normalize"), ("msPerFaceModel", "model run (1 face)"),
                  ("msPerFaceModelBatched", "model run (batch of 16), per face"), ("msPerFaceDecodeOutput", "decode output"),
                  ("msPerFaceTotal", "per-face call (decoded image in)"), ("msPerFacePipeline", "all but the model, decoded image"),
                  ("msPerFacePipelineFromFile", "all but the model, from the file"),
                  ("msPerFacePipelineFromFileReduced", "all but the model, from the file, reduced decoding")]:
    print(f"| {name} | " + " | ".join(f"{stages[m][key]:.3f}" for m in models) + " |")
PY
