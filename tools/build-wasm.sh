#!/usr/bin/env bash
# Builds the browser modules into pkg/: the crate for wasm32 twice, with SIMD (+simd128, which
# every browser veriface supports runs) and with relaxed SIMD as well (+simd128,+relaxed-simd:
# tract-linalg's matrix kernels then use fused multiply-add, faster where the browser has it), each
# through wasm-bindgen --target web (wasm-opt only on request, see below). js/engine.js picks one
# at load by feature detection. Generated output; never committed.
# Installs what it needs: the wasm32 target, wasm-bindgen-cli matching Cargo.lock.
#
#   VERIFACE_WASM_RELAXED=0  skips the relaxed build (half the build time): pkg/ then has the
#                            +simd128 module only and every browser runs it.
#   VERIFACE_SIMD=simd128|relaxed  the package's default for the `simd` load option, written into
#                            pkg/manifest.js (default "auto"): runs the whole package, tests
#                            included, on one module.
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

relaxed=${VERIFACE_WASM_RELAXED:-1}
simd=${VERIFACE_SIMD:-auto}
case "$simd" in auto|simd128|relaxed) ;; *) echo "VERIFACE_SIMD must be auto, simd128 or relaxed, not $simd" >&2; exit 2 ;; esac
if [ "$simd" = relaxed ] && [ "$relaxed" = 0 ]; then
  echo "VERIFACE_SIMD=relaxed needs the relaxed module: unset VERIFACE_WASM_RELAXED=0" >&2
  exit 2
fi
target="${CARGO_TARGET_DIR:-target}"
RUSTFLAGS="-C target-feature=+simd128" cargo build --profile wasm-release --lib \
  --no-default-features --target wasm32-unknown-unknown
out="$target/wasm32-unknown-unknown/wasm-release/veriface.wasm"
relaxed_out=
if [ "$relaxed" != 0 ]; then
  # Its own target dir: Cargo rebuilds every crate when RUSTFLAGS change, so sharing one would
  # make each of the two builds throw the other's away.
  RUSTFLAGS="-C target-feature=+simd128,+relaxed-simd" CARGO_TARGET_DIR="$target/relaxed" \
    cargo build --profile wasm-release --lib --no-default-features --target wasm32-unknown-unknown
  relaxed_out="$target/relaxed/wasm32-unknown-unknown/wasm-release/veriface.wasm"
fi
stamp="$( (cat "$out" $relaxed_out models/manifest.json tools/build-wasm.sh; echo "${WASM_OPT:-} ${WASM_OPT_LEVEL:-} ${VERIFACE_WASM_NAMES:-} $relaxed $simd") | sha256sum | cut -d' ' -f1)"
if [ -f pkg/.built-from ] && [ "$(cat pkg/.built-from)" = "$stamp" ] && [ -f pkg/manifest.js ]; then
  echo "pkg/ is up to date with $out"
  exit 0
fi
rm -rf pkg
# The function-name section (1.56 MB raw, 0.27 MB brotli: 10% of the shipped module) is for
# debuggers and V8 traces only; VERIFACE_WASM_NAMES=1 keeps it, e.g. to read Chromium's
# --js-flags=--trace-deopt. (Not `strip = true` in the profile: that also drops the
# target_features section wasm-bindgen reads.)
names=--remove-name-section
[ -n "${VERIFACE_WASM_NAMES:-}" ] && names=
wasm-bindgen --target web --typescript $names --out-dir pkg --out-name veriface "$out"
if [ -n "$relaxed_out" ]; then
  # One JS glue (pkg/veriface.js) serves both modules: same Rust source, so the same imports and
  # exports. Checked rather than assumed: should they ever differ, the glue would call into a
  # module that does not match it.
  rm -rf pkg/.relaxed
  wasm-bindgen --target web $names --out-dir pkg/.relaxed --out-name veriface "$relaxed_out"
  if ! cmp -s pkg/veriface.js pkg/.relaxed/veriface.js; then
    echo "wasm-bindgen wrote different JS glue for the relaxed module: it cannot share pkg/veriface.js" >&2
    diff pkg/veriface.js pkg/.relaxed/veriface.js | head -20 >&2
    exit 1
  fi
  mv pkg/.relaxed/veriface_bg.wasm pkg/veriface_relaxed_bg.wasm
  rm -rf pkg/.relaxed
fi
# wasm-opt is off unless WASM_OPT_LEVEL is set (e.g. WASM_OPT_LEVEL=-O3), because it was measured
# to make veriface slower in Chromium: -O3 saves 15% of raw size and 6% brotli but warm compare
# goes from 342 to 432 ms and model initialisation from 536 to 744 ms; -Os is slower still
# (`node bench/browser.mjs --runs 3`, README "Browser figures"). LLVM with fat LTO has already
# optimised the module. When asked for, wasm-opt is $WASM_OPT, else Debian's if it is binaryen 116
# or newer, else the npm package binaryen (a devDependency). Binaryen before 116 (Debian bookworm
# ships 108) rewrites wasm-bindgen's externref table into one Chromium rejects at init
# ("WebAssembly.Table.set(): Argument 1 is invalid for table"), and wasm-bindgen 0.2.130 cannot
# do without that table (a build with -reference-types fails in wasm-bindgen).
if [ -n "${WASM_OPT_LEVEL:-}" ]; then
  opt=${WASM_OPT:-}
  if [ -z "$opt" ]; then
    debian_version=$(wasm-opt --version 2>/dev/null | awk '{print $3}' || true)
    if [ "${debian_version:-0}" -ge 116 ] 2>/dev/null; then
      opt=wasm-opt
    else
      [ -x node_modules/.bin/wasm-opt ] || npm install --no-audit --no-fund --loglevel=error
      opt=node_modules/.bin/wasm-opt
    fi
  fi
  echo "$($opt --version) $WASM_OPT_LEVEL"
  for f in pkg/veriface_bg.wasm ${relaxed_out:+pkg/veriface_relaxed_bg.wasm}; do
    "$opt" "$WASM_OPT_LEVEL" --enable-simd --enable-relaxed-simd --enable-bulk-memory \
      --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals \
      --enable-reference-types --enable-multivalue "$f" -o "$f"
  done
fi

# The file list the JS loader checks (and shows progress against): the model manifest plus each
# wasm module's own hash and size, which exist only now; `wasmRelaxed` is null without that
# module, and `simd` is the default of the `simd` load option.
node -e '
const fs = require("fs"), crypto = require("crypto");
const entry = (id, file, simd) => {
  const wasm = fs.readFileSync("pkg/" + file);
  return { id, file, simd, sha256: crypto.createHash("sha256").update(wasm).digest("hex"), bytes: wasm.length };
};
const [relaxed, simd] = process.argv.slice(1);
const manifest = JSON.parse(fs.readFileSync("models/manifest.json", "utf8"));
const plain = entry("veriface-wasm", "veriface_bg.wasm", "simd128");
const fused = relaxed === "0" ? null : entry("veriface-wasm-relaxed", "veriface_relaxed_bg.wasm", "relaxed");
fs.writeFileSync("pkg/manifest.js", "// Generated by tools/build-wasm.sh from models/manifest.json and the built wasm.\n" +
  "export const manifest = " + JSON.stringify(manifest) + ";\n" +
  "export const wasm = " + JSON.stringify(plain) + ";\n" +
  "export const wasmRelaxed = " + JSON.stringify(fused) + ";\n" +
  "export const simd = " + JSON.stringify(simd) + ";\n");
' "$relaxed" "$simd"
echo "$stamp" > pkg/.built-from
ls -l pkg/*.wasm
