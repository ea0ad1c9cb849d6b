#!/usr/bin/env bash
# Builds the browser module into pkg/: the crate for wasm32 with SIMD (+simd128), wasm-bindgen
# --target web, then wasm-opt (Debian's binaryen). Generated output; never committed.
# Installs what it needs: the wasm32 target, wasm-bindgen-cli matching Cargo.lock, binaryen.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! rustup target list --installed 2>/dev/null | grep -q '^wasm32-unknown-unknown$'; then
  rustup target add wasm32-unknown-unknown
fi
want=$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  # Not --locked: one locked dependency of wasm-bindgen-cli is missing from the registry.
  cargo install wasm-bindgen-cli --version "$want"
fi
if ! command -v wasm-opt >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  apt-get update -qq && apt-get install -y -qq binaryen || true
fi

RUSTFLAGS="-C target-feature=+simd128" cargo build --profile wasm-release --lib \
  --no-default-features --target wasm32-unknown-unknown
rm -rf pkg
wasm-bindgen --target web --typescript --out-dir pkg --out-name veriface \
  target/wasm32-unknown-unknown/wasm-release/veriface.wasm
# Binaryen before 116 (Debian bookworm ships 108) rewrites wasm-bindgen's externref table into one
# the browser rejects at init ("WebAssembly.Table.set(): Argument 1 is invalid for table"), seen
# here in Chromium: skip it rather than ship a broken module.
opt_version=$(wasm-opt --version 2>/dev/null | awk '{print $3}')
if [ "${opt_version:-0}" -ge 116 ] 2>/dev/null; then
  wasm-opt -O3 --enable-simd --enable-bulk-memory --enable-nontrapping-float-to-int \
    --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue \
    pkg/veriface_bg.wasm -o pkg/veriface_bg.wasm
else
  echo "wasm-opt ${opt_version:-missing} is older than 116 and breaks externref tables: not optimising" >&2
fi
ls -l pkg/veriface_bg.wasm
