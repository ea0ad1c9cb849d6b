// Grabs a burst of frames from a playing <video> (usually a getUserMedia stream), each with the
// time it was captured, for liveness: "three frames captured within 0.5 seconds".
//
// requestVideoFrameCallback fires once per frame the compositor receives and tells when the
// camera captured it, so the timestamps describe the frames, not when our code happened to run.
// Where it is missing, requestAnimationFrame polling with performance.now() is the fallback.

import { VerifaceError } from "./errors.js";
import { context2d } from "./input.js";

/**
 * @param {HTMLVideoElement} video a playing video element
 * @param {{ count?: number, withinMs?: number, minGapMs?: number, timeoutMs?: number }} [options]
 * @returns {Promise<Array<{ width: number, height: number, data: Uint8ClampedArray, timestamp: number, timestampSource: string }>>}
 */
export async function captureFrames(video, options = {}) {
  const count = options.count ?? 3;
  const withinMs = options.withinMs ?? 500;
  // Spread the frames over about 60% of the window: far enough apart to show motion, with room
  // for one late frame before the span runs over.
  const minGapMs = options.minGapMs ?? (count > 1 ? (withinMs * 0.6) / (count - 1) : 0);
  const timeoutMs = options.timeoutMs ?? 5000;
  if (!(typeof HTMLVideoElement === "function" && video instanceof HTMLVideoElement)) {
    throw new VerifaceError("BAD_PARAMETER", "bad parameter `video`: expected an HTMLVideoElement playing a camera stream");
  }
  if (!Number.isInteger(count) || count < 1 || count > 10) {
    throw new VerifaceError("BAD_PARAMETER", `bad parameter \`count\`: must be a whole number from 1 to 10, got ${count}`);
  }
  if (!(withinMs > 0) || !(minGapMs >= 0) || minGapMs * (count - 1) > withinMs) {
    throw new VerifaceError("BAD_PARAMETER", `bad parameter \`withinMs\`: ${count} frames ${minGapMs} ms apart cannot fit in ${withinMs} ms`);
  }
  await waitForFrame(video, timeoutMs);

  const width = video.videoWidth;
  const height = video.videoHeight;
  const ctx = context2d(width, height);
  const grab = (timestamp, timestampSource) => {
    ctx.drawImage(video, 0, 0, width, height);
    const { data } = ctx.getImageData(0, 0, width, height);
    return { width, height, data, timestamp, timestampSource };
  };

  return new Promise((resolve, reject) => {
    const frames = [];
    const gaps = [];
    let lastFrameMs = null;
    let settled = false;
    let handle = null;
    const finish = (fn, value) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (handle !== null && typeof video.cancelVideoFrameCallback === "function") video.cancelVideoFrameCallback(handle);
      fn(value);
    };
    // The deadline runs on its own timer: a paused, ended or hidden video delivers no frame that
    // could notice it.
    const timer = setTimeout(() => {
      gaps.sort((x, y) => x - y);
      const median = gaps.length ? `${Math.round(gaps[gaps.length >> 1])} ms` : "no frame";
      finish(reject, new VerifaceError("CAPTURE_FAILED", `could not capture ${count} frames within ${withinMs} ms in ${timeoutMs} ms (the video gave ${median} between frames): check the camera is playing and the tab visible`));
    }, timeoutMs);
    const onFrame = (now, metadata) => {
      if (settled) return;
      try {
        // captureTime is set for camera streams; presentationTime otherwise. All share
        // performance.now()'s time origin.
        const [timestamp, source] = metadata?.captureTime !== undefined ? [metadata.captureTime, "captureTime"]
          : metadata?.presentationTime !== undefined ? [metadata.presentationTime, "presentationTime"]
          : [now, "performance.now"];
        if (lastFrameMs !== null) gaps.push(timestamp - lastFrameMs);
        lastFrameMs = timestamp;
        const prev = frames[frames.length - 1];
        if (!prev || timestamp - prev.timestamp >= minGapMs) {
          frames.push(grab(timestamp, source));
          // Slide the window: drop frames that make the span too long, keep the newest.
          while (frames.length > 1 && timestamp - frames[0].timestamp > withinMs) frames.shift();
          if (frames.length === count) {
            finish(resolve, frames);
            return;
          }
        }
        schedule();
      } catch (err) {
        const code = err?.name === "SecurityError" ? "TAINTED_IMAGE" : "CAPTURE_FAILED";
        finish(reject, new VerifaceError(code, `reading a frame of the video failed (${err?.message ?? err})${code === "TAINTED_IMAGE" ? ": the video comes from another origin without CORS" : ""}`));
      }
    };
    const schedule = () => {
      if (typeof video.requestVideoFrameCallback === "function") {
        handle = video.requestVideoFrameCallback(onFrame);
      } else {
        pollFrame(video, onFrame, () => settled);
      }
    };
    schedule();
  });
}

/** Resolves when the video has a current frame, or fails after `timeoutMs`. */
export function waitForFrame(video, timeoutMs) {
  if (video.readyState >= 2 && video.videoWidth > 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      video.removeEventListener("loadeddata", done);
      reject(new VerifaceError("CAPTURE_FAILED", `the video had no frame after ${timeoutMs} ms: attach a getUserMedia stream (video.srcObject) and call video.play()`));
    }, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    video.addEventListener("loadeddata", done, { once: true });
  });
}

/** Fallback for browsers without requestVideoFrameCallback: a new frame is a new currentTime. */
function pollFrame(video, callback, stopped) {
  const seen = video.currentTime;
  const tick = (now) => {
    if (stopped()) return;
    if (video.currentTime !== seen) callback(now, undefined);
    else requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}
