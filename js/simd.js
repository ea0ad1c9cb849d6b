// Which of the two builds of the wasm module this browser runs. tools/build-wasm.sh builds the
// crate with +simd128 (every browser veriface supports) and with +simd128,+relaxed-simd as well:
// there tract-linalg's matrix kernels use f32x4.relaxed_madd, a fused multiply-add where the CPU
// has one, faster on the large models (README "Browser figures"). Relaxed SIMD is newer (Chrome
// 114, Firefox 146; Safari has none yet), and a module using it fails to compile where it is
// missing, so the choice is made before the download, by feature detection.
//
// The two modules come from the same Rust source, so wasm-bindgen writes the same JS glue for both
// (the build checks that): pkg/veriface.js runs whichever one is loaded.

import { VerifaceError } from "./errors.js";

/**
 * The smallest module that uses a relaxed-SIMD instruction: one function
 * (v128, v128, v128) -> v128 returning f32x4.relaxed_madd of its three parameters. Assembled by
 * hand from the binary format: header; type, function and code sections.
 */
const RELAXED_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // "\0asm", version 1
  0x01, 0x08, 0x01, 0x60, 0x03, 0x7b, 0x7b, 0x7b, 0x01, 0x7b, // type section: (v128 x3) -> v128
  0x03, 0x02, 0x01, 0x00, // function section: one function of type 0
  0x0a, 0x0d, 0x01, 0x0b, 0x00, // code section: one body of 11 bytes, no locals
  0x20, 0x00, 0x20, 0x01, 0x20, 0x02, // local.get 0, 1, 2
  0xfd, 0x85, 0x02, // f32x4.relaxed_madd: prefix 0xfd, opcode 0x105 as LEB128
  0x0b, // end
]);

/** Does this browser's WebAssembly accept relaxed-SIMD instructions? */
export function hasRelaxedSimd() {
  try {
    return WebAssembly.validate(RELAXED_PROBE);
  } catch {
    return false;
  }
}

const CHOICES = ["auto", "relaxed", "simd128"];

/**
 * The module to load: `choice` ("auto", "relaxed" or "simd128"; default `fallback`, the
 * package's build default) picked among `plain` (the +simd128 module) and `relaxed` (null when the
 * build skipped it). "auto" takes the relaxed module where the browser has relaxed SIMD and the
 * page has not pointed `wasmUrl` at a copy of the plain one alone (`ownUrl` true, `relaxedUrl`
 * false): the relaxed one would then be fetched from the package, a place the page did not name.
 */
export function pickWasm({ choice, fallback = "auto", plain, relaxed, ownUrl = false, relaxedUrl = false }) {
  const wanted = choice ?? fallback;
  if (!CHOICES.includes(wanted)) {
    throw new VerifaceError("BAD_PARAMETER", `bad parameter \`simd\`: expected "auto", "relaxed" or "simd128", not ${JSON.stringify(wanted)}`);
  }
  if (wanted === "simd128") return plain;
  if (wanted === "relaxed") {
    if (!relaxed) {
      throw new VerifaceError("BAD_PARAMETER", "bad parameter `simd`: this build has no relaxed-SIMD module (built with VERIFACE_WASM_RELAXED=0): use \"auto\" or \"simd128\"");
    }
    if (!hasRelaxedSimd()) {
      throw new VerifaceError("BAD_PARAMETER", "bad parameter `simd`: this browser has no relaxed SIMD, so it cannot run the relaxed module: use \"auto\" or \"simd128\"");
    }
    return relaxed;
  }
  return relaxed && (!ownUrl || relaxedUrl) && hasRelaxedSimd() ? relaxed : plain;
}
