#!/usr/bin/env bash
# The browser tests (tests/browser/*.test.mjs): the npm package in headless Chromium with the real
# models, the npm pack tarball in a fresh Vite app, and Chromium's fake camera fed a real video.
# Installs what a fresh machine lacks: Debian's chromium, the npm devDependencies, an ffmpeg (the
# imageio-ffmpeg wheel) to turn the eval videos into .y4m; then builds pkg/ and runs the tests.
# Tests that need ../shared/eval (or $VERIFACE_EVAL_DIR) skip with a message where it is absent.
# The package loads the relaxed-SIMD wasm module where the browser has relaxed SIMD (Chromium does)
# and the +simd128 one elsewhere; VERIFACE_SIMD=simd128 (or relaxed) builds pkg/ with that module
# as the default and so runs the whole suite on it (tests/browser/simd.test.mjs runs both always).
set -euo pipefail
cd "$(dirname "$0")/.."

export CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "Chromium not found at $CHROMIUM: install Debian's chromium or set CHROMIUM" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
if [ ! -d node_modules/playwright-core ] || [ ! -d node_modules/binaryen ] || [ ! -d node_modules/axe-core ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
if ! command -v ffmpeg >/dev/null 2>&1 && ! python3 -c "import imageio_ffmpeg" 2>/dev/null; then
  python3 -m pip install -q imageio-ffmpeg
fi

echo "== TypeScript declarations (tsc -p tests/types)"
npx --no-install tsc -p tests/types
bash tools/build-wasm.sh
node --test --test-concurrency=1 tests/browser/*.test.mjs
