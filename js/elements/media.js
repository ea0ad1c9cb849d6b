// The camera and picture files for the capture elements: starting a camera with the errors in
// words, and reading any picture file the browser can decode into something the library takes.

import { VerifaceError } from "../errors.js";
import { cameraErrorCode } from "./words.js";

/** An Error with one of the elements' camera codes (CAMERA_DENIED, ...). */
export function cameraError(code, message) {
  const err = new Error(message);
  err.name = "CameraError";
  err.code = code;
  return err;
}

/**
 * Starts a camera into `video` (muted, inline) and resolves once it shows a frame.
 * @param {HTMLVideoElement} video
 * @param {{ facingMode?: string, width?: number, height?: number }} options
 * @returns {Promise<MediaStream>}
 */
export async function startCamera(video, { facingMode = "user", width = 640, height = 480 } = {}) {
  if (!navigator.mediaDevices?.getUserMedia) {
    throw cameraError("CAMERA_UNAVAILABLE", "navigator.mediaDevices is missing: the page must be served over https or from localhost");
  }
  let stream;
  for (let attempt = 0; ; attempt++) {
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        video: { facingMode, width: { ideal: width }, height: { ideal: height } },
        audio: false,
      });
      break;
    } catch (err) {
      // A camera stopped a moment ago (cancel, then start again) can still be closing: the
      // browser says NotReadableError or AbortError. Worth two more tries before "in use".
      if (attempt < 2 && (err?.name === "NotReadableError" || err?.name === "AbortError")) {
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      throw cameraError(cameraErrorCode(err), `${err?.name ?? "Error"}: ${err?.message ?? err}`);
    }
  }
  video.muted = true;
  video.playsInline = true;
  video.srcObject = stream;
  // Not awaited: play() settles only once frames flow, so a camera that never sends one would
  // hang here with the 10 s limit below never armed (seen in CI: "STARTING" for 30 s). Autoplay
  // rules may refuse it; a muted inline video plays, and the first frame arrives either way.
  video.play().catch(() => {});
  if (video.readyState < 2) {
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(cameraError("CAMERA_FAILED", "the camera gave no picture within 10 s")), 10000);
      video.addEventListener("loadeddata", () => {
        clearTimeout(timer);
        resolve();
      }, { once: true });
    }).catch((err) => {
      stopStream(stream, video);
      throw err;
    });
  }
  return stream;
}

/** Stops every track of `stream` and detaches it from `video`. */
export function stopStream(stream, video) {
  for (const track of stream?.getTracks() ?? []) track.stop();
  if (video && video.srcObject) video.srcObject = null;
}

/** Largest side and pixel count a picture is brought under before it reaches the library. */
export const FILE_LIMITS = Object.freeze({ maxSide: 4000, maxPixels: 39_000_000, nativeBytes: 20 * 1024 * 1024 });

/** JPEG or PNG by their first bytes (what the library's own decoder reads). */
async function sniff(blob) {
  const b = new Uint8Array(await blob.slice(0, 8).arrayBuffer());
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return "jpeg";
  if (b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return "png";
  return null;
}

/** A canvas of `width` x `height` (an OffscreenCanvas where there is one). */
export function canvas2d(width, height) {
  const canvas = typeof OffscreenCanvas === "function"
    ? new OffscreenCanvas(width, height)
    : Object.assign(document.createElement("canvas"), { width, height });
  return canvas.getContext("2d", { willReadFrequently: true });
}

/**
 * Reads any picture the browser can decode (JPEG, PNG, WebP, GIF, AVIF, BMP, ...): decodes it
 * here with createImageBitmap (EXIF orientation applied) and brings it under
 * `FILE_LIMITS.maxSide` on its long side and `maxPixels` (a 48-megapixel phone photo becomes
 * about 4000 x 3000). A JPEG or PNG already within those limits is passed on as the file itself,
 * so the library decodes it exactly as natively; anything else as RGBA pixels.
 *
 * Resolves to `{ source, bitmap, width, height, originalWidth, originalHeight, scaled, name }`:
 * `source` is what to give the library, `bitmap` the (scaled) picture to show. Rejects with a
 * VerifaceError UNSUPPORTED_FORMAT when the browser cannot decode it, or EMPTY_INPUT.
 * @param {Blob} file
 */
export async function readImageFile(file, limits = FILE_LIMITS) {
  const name = file?.name ?? "the picture";
  if (!(file instanceof Blob)) throw new VerifaceError("BAD_PARAMETER", "readImageFile expects a File or Blob");
  if (file.size === 0) throw new VerifaceError("EMPTY_INPUT", `${name} is empty`);
  let bitmap;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
  } catch (err) {
    throw new VerifaceError("UNSUPPORTED_FORMAT", `this browser cannot decode ${name} (${file.type || "unknown type"}): ${err?.message ?? err}`);
  }
  const { width, height } = bitmap;
  const scale = Math.min(1, limits.maxSide / Math.max(width, height), Math.sqrt(limits.maxPixels / (width * height)));
  const kind = await sniff(file);
  if (scale === 1 && kind && file.size <= limits.nativeBytes) {
    return { source: file, bitmap, width, height, originalWidth: width, originalHeight: height, scaled: false, decodedHere: false, name };
  }
  const w = Math.max(1, Math.floor(width * scale));
  const h = Math.max(1, Math.floor(height * scale));
  const ctx = canvas2d(w, h);
  ctx.imageSmoothingQuality = "high";
  ctx.drawImage(bitmap, 0, 0, w, h);
  bitmap.close();
  const pixels = ctx.getImageData(0, 0, w, h);
  const small = await createImageBitmap(ctx.canvas);
  return {
    source: { width: w, height: h, data: pixels.data }, bitmap: small, width: w, height: h,
    originalWidth: width, originalHeight: height, scaled: scale < 1, decodedHere: true, name,
  };
}

/** A canvas's pixels as a JPEG Blob. */
export async function toJpeg(canvas, quality = 0.92) {
  if (typeof canvas.convertToBlob === "function") return canvas.convertToBlob({ type: "image/jpeg", quality });
  return new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", quality));
}

/** base64 text as a Blob of `type`. */
export function base64Blob(text, type = "image/jpeg") {
  const bin = atob(text);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new Blob([bytes], { type });
}
