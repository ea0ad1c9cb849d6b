#!/usr/bin/env bash
# The project's whole test suite, as the README's quick start gives it. Installs what a fresh
# machine lacks, then: model hashes, formatting, lints (native and wasm32), every Rust test (unit,
# integration, doc), then the browser tests (tools/test-browser.sh). Tests that need
# ../shared/eval (or $VERIFACE_EVAL_DIR) skip with a message where it is absent.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cargo >/dev/null 2>&1; then
  echo "cargo not found: install the Rust toolchain (https://rustup.rs) first" >&2
  exit 1
fi
for component in rustfmt clippy; do
  if ! rustup component list --installed 2>/dev/null | grep -q "^$component"; then
    rustup component add "$component"
  fi
done
if ! rustup target list --installed 2>/dev/null | grep -q '^wasm32-unknown-unknown$'; then
  rustup target add wasm32-unknown-unknown
fi

# ffmpeg for the tests that read the eval videos (eval liveness, the fake camera): Debian's if
# present, else the static build in the imageio-ffmpeg wheel.
if ! command -v ffmpeg >/dev/null 2>&1 && ! python3 -c "import imageio_ffmpeg" 2>/dev/null; then
  python3 -m pip install -q imageio-ffmpeg
fi

echo "== model files"
bash tools/fetch_models.sh --check-only
echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy -D warnings"
cargo clippy --all-targets --release -- -D warnings
echo "== cargo clippy -D warnings, wasm32 (the core and src/wasm.rs build for the browser)"
cargo clippy --release --lib --no-default-features --target wasm32-unknown-unknown -- -D warnings
echo "== cargo test"
cargo test --release
echo "== browser tests (headless Chromium)"
bash tools/test-browser.sh
