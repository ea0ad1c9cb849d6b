// A wasm module's size as a server sends it: raw, gzip -9 and brotli 11 (what the README's
// browser figures and bench/engines.mjs report). `file` is in pkg/: veriface_bg.wasm (the default,
// the +simd128 module) or veriface_relaxed_bg.wasm.
import { readFileSync } from "node:fs";
import { gzipSync, brotliCompressSync, constants } from "node:zlib";
import { join } from "node:path";
import { root } from "../tests/browser/harness.mjs";

export function wasmSizes(file = "veriface_bg.wasm") {
  const wasm = readFileSync(join(root, "pkg", file));
  return {
    wasm_raw: wasm.length,
    wasm_gzip: gzipSync(wasm, { level: 9 }).length,
    wasm_brotli: brotliCompressSync(wasm, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: wasm.length },
    }).length,
  };
}
