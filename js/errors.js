// Errors with a stable `code`, shared by the main thread and the worker.
//
// The pipeline's own codes come from the Rust core (src/error.rs) unchanged; the codes below are
// the ones only the JavaScript side can raise (network, browser security, camera, lifecycle).

/** Codes raised by the JavaScript package itself; the README's error table lists them all. */
export const JS_ERROR_CODES = Object.freeze([
  "MODEL_FETCH_FAILED",
  "TAINTED_IMAGE",
  "CAPTURE_FAILED",
  "WORKER_FAILED",
  "VERIFIER_CLOSED",
  "ENGINE_CRASHED",
]);

/** An `Error` carrying the stable `code` callers branch on. */
export class VerifaceError extends Error {
  /**
   * @param {string} code
   * @param {string} message
   */
  constructor(code, message) {
    super(message);
    this.name = "VerifaceError";
    this.code = code;
  }
}

/**
 * Turns anything thrown (a wasm `Error` with `code`, a DOMException, a plain object that crossed
 * the worker boundary) into a `VerifaceError`, keeping the code when there is one.
 * @param {unknown} err
 * @param {string} fallbackCode the code to use when `err` has none
 */
export function toVerifaceError(err, fallbackCode) {
  if (err instanceof VerifaceError) return err;
  const e = /** @type {{ code?: unknown, message?: unknown }} */ (err ?? {});
  const code = typeof e.code === "string" ? e.code : fallbackCode;
  const message = typeof e.message === "string" ? e.message : String(err);
  return new VerifaceError(code, message);
}

/** The plain, structured-cloneable form of an error, for `postMessage`. */
export function serializeError(err) {
  const e = toVerifaceError(err, "INFERENCE_FAILED");
  return { code: e.code, message: e.message };
}
