// Turns whatever a web page has (a File, an <img>, a <video>, a canvas, an ImageBitmap...) into
// one of the three forms the wasm module takes: a base64 string, encoded JPEG/PNG bytes, or RGBA
// pixels. Runs on the main thread, because DOM elements cannot be sent to a worker.
//
// Encoded files are passed as bytes rather than drawn to a canvas: the core then decodes them
// itself (with the EXIF orientation and the size caps applied before decoding), so a file gives
// the same score in the browser as in the native CLI.

import { VerifaceError } from "./errors.js";

/** Pixel-count cap, the same as the core's (src/image.rs `Limits`): checked before drawing. */
const MAX_PIXELS = 40_000_000;

/**
 * @typedef {string | Uint8Array | { width: number, height: number, data: Uint8Array | Uint8ClampedArray }} WasmImage
 * @typedef {{ image: WasmImage, transfer: Transferable[] }} Prepared
 */

/**
 * @param {unknown} input
 * @param {string} which names the argument in error messages
 * @returns {Promise<Prepared>}
 */
export async function prepareImage(input, which = "image") {
  if (typeof input === "string") return { image: input, transfer: [] };
  // Copies, never transfers, what the caller owns: handing their buffer to a worker would
  // detach it under them.
  if (input instanceof Uint8Array) return { image: input, transfer: [] };
  if (input instanceof ArrayBuffer) return { image: new Uint8Array(input), transfer: [] };
  if (ArrayBuffer.isView(input)) {
    return { image: new Uint8Array(input.buffer, input.byteOffset, input.byteLength), transfer: [] };
  }
  if (typeof Blob !== "undefined" && input instanceof Blob) {
    const bytes = new Uint8Array(await input.arrayBuffer());
    return { image: bytes, transfer: [bytes.buffer] };
  }
  if (isPixels(input)) {
    const { data } = input;
    if (!(data instanceof Uint8Array || data instanceof Uint8ClampedArray || data instanceof ArrayBuffer || Array.isArray(data))) {
      throw new VerifaceError("BAD_FRAME", `the RGBA frame given as \`${which}\` is malformed: \`data\` must be a Uint8Array, Uint8ClampedArray, ArrayBuffer or array of bytes`);
    }
    return { image: { width: input.width, height: input.height, data }, transfer: [] };
  }
  const source = drawable(input);
  if (source) return drawPixels(source, which);
  throw new VerifaceError(
    "BAD_PARAMETER",
    `bad parameter \`${which}\`: expected a base64 string, bytes (Uint8Array, ArrayBuffer), a Blob or File, ImageData or { width, height, data }, an <img>, <canvas>, <video>, ImageBitmap, OffscreenCanvas or VideoFrame`,
  );
}

function isPixels(x) {
  return x !== null && typeof x === "object" && typeof x.width === "number" && typeof x.height === "number" &&
    x.data !== undefined;
}

/** The element and its intrinsic size, or null when `x` is not something a canvas can draw. */
function drawable(x) {
  const is = (name) => typeof globalThis[name] === "function" && x instanceof globalThis[name];
  if (is("HTMLImageElement")) return { el: x, width: x.naturalWidth, height: x.naturalHeight, kind: "img" };
  if (is("HTMLVideoElement")) return { el: x, width: x.videoWidth, height: x.videoHeight, kind: "video" };
  if (is("HTMLCanvasElement") || is("OffscreenCanvas")) return { el: x, width: x.width, height: x.height, kind: "canvas" };
  if (is("ImageBitmap")) return { el: x, width: x.width, height: x.height, kind: "bitmap" };
  if (is("VideoFrame")) return { el: x, width: x.displayWidth, height: x.displayHeight, kind: "frame" };
  return null;
}

async function drawPixels(source, which) {
  const { el, kind } = source;
  if (kind === "img" && !el.complete) {
    try {
      await el.decode();
    } catch {
      throw new VerifaceError("CORRUPT_IMAGE", `the <img> given as \`${which}\` failed to load or decode (${el.currentSrc || el.src}): check its URL`);
    }
  }
  const width = kind === "img" ? el.naturalWidth : source.width;
  const height = kind === "img" ? el.naturalHeight : source.height;
  if (kind === "video" && el.readyState < 2) {
    throw new VerifaceError("BAD_FRAME", `the <video> given as \`${which}\` has no frame yet: wait for its "loadeddata" event (or use captureFrames)`);
  }
  if (!width || !height) {
    throw new VerifaceError("BAD_FRAME", `the ${kind} given as \`${which}\` has no pixels (0x0): wait until it has loaded`);
  }
  if (width * height > MAX_PIXELS) {
    throw new VerifaceError("IMAGE_TOO_LARGE", `the image is too large: pixel count is ${width * height}, the limit is ${MAX_PIXELS}; scale it down before sending`);
  }
  const ctx = context2d(width, height);
  ctx.drawImage(el, 0, 0, width, height);
  let pixels;
  try {
    pixels = ctx.getImageData(0, 0, width, height);
  } catch (err) {
    if (err?.name === "SecurityError") {
      throw new VerifaceError("TAINTED_IMAGE", `the ${kind} given as \`${which}\` comes from another origin without CORS, so the browser forbids reading its pixels: serve it with Access-Control-Allow-Origin and set crossOrigin="anonymous", or pass the file's bytes`);
    }
    throw err;
  }
  return { image: { width, height, data: pixels.data }, transfer: [pixels.data.buffer] };
}

/** A 2D context to read pixels back from: an OffscreenCanvas where there is one (workers too). */
export function context2d(width, height) {
  const canvas = typeof OffscreenCanvas === "function"
    ? new OffscreenCanvas(width, height)
    : Object.assign(document.createElement("canvas"), { width, height });
  return canvas.getContext("2d", { willReadFrequently: true });
}
