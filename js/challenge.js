// The active-liveness challenge run on a camera: prompts each action, follows it at camera rate
// with the guidance pass (the step logic itself is the Rust core's, `followChallenge`), keeps a
// few downscaled JPEG frames around the actions, and asks the core for the verdict on them: the
// same function a server runs on the same record (`veriface challenge verify`).

import { VerifaceError } from "./errors.js";
import { waitForFrame } from "./capture.js";
import { context2d } from "./input.js";

/** What to tell the person for each action; pages may use their own words. */
export const PROMPTS = Object.freeze({
  turn_left: "Turn your head to your left, then back",
  turn_right: "Turn your head to your right, then back",
  blink: "Blink",
  come_closer: "Bring your face closer to the camera",
});

/** Resolves on the video's next frame (requestVideoFrameCallback where there is one). */
function nextFrame(video) {
  return new Promise((resolve) => {
    if (typeof video.requestVideoFrameCallback === "function") video.requestVideoFrameCallback(() => resolve());
    else requestAnimationFrame(() => resolve());
  });
}

/** A canvas's pixels as JPEG bytes. */
async function jpeg(canvas, quality) {
  const blob = typeof canvas.convertToBlob === "function"
    ? await canvas.convertToBlob({ type: "image/jpeg", quality })
    : await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", quality));
  return new Uint8Array(await blob.arrayBuffer());
}

function base64(bytes) {
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

/**
 * @param {import("./index.js").Veriface} vf
 * @param {HTMLVideoElement} video a playing camera video
 * @param {{ nonce: string, steps: Array<{ action: string, window_ms: number }> }} challenge
 * @param {{ onStep?: (s: object) => void, maxWidth?: number, jpegQuality?: number, signal?: AbortSignal }} options
 */
export async function runChallenge(vf, video, challenge, options = {}) {
  const { onStep, maxWidth = 480, jpegQuality = 0.85, signal } = options;
  if (!(typeof HTMLVideoElement === "function" && video instanceof HTMLVideoElement)) {
    throw new VerifaceError("BAD_PARAMETER", "bad parameter `video`: expected an HTMLVideoElement playing a camera stream");
  }
  const steps = challenge?.steps;
  if (!Array.isArray(steps) || steps.length === 0 || typeof challenge.nonce !== "string") {
    throw new VerifaceError("BAD_PARAMETER", "bad parameter `challenge`: expected what Veriface.challenge() or a server gives ({ nonce, steps, ... })");
  }
  await waitForFrame(video, 5000);
  const scale = Math.min(1, maxWidth / video.videoWidth);
  const [w, h] = [Math.round(video.videoWidth * scale), Math.round(video.videoHeight * scale)];
  const ctx = context2d(w, h);
  const started = performance.now();
  const startedAt = Date.now();
  const tracked = [];
  const shots = [];
  const events = [];
  let followed = [];
  let done = 0;
  const tell = (t, kind, step) => {
    events.push({ t, kind, step });
    onStep?.({ kind, step, of: steps.length, action: steps[step]?.action ?? null, prompt: PROMPTS[steps[step]?.action] ?? null, t });
  };
  tell(0, "prompt", 0);
  for (;;) {
    if (signal?.aborted) throw new VerifaceError("CAPTURE_FAILED", "the challenge was stopped before it finished");
    await nextFrame(video);
    const t = performance.now() - started;
    ctx.drawImage(video, 0, 0, w, h);
    const pixels = ctx.getImageData(0, 0, w, h);
    const [bytes, report] = await Promise.all([jpeg(ctx.canvas, jpegQuality), vf.quality(pixels, { models: false, follow: true })]);
    const eyes = report.checks.find((c) => c.code === "EYES_CLOSED");
    const box = report.face?.box;
    tracked.push({
      t,
      yaw: report.pose?.yaw ?? null,
      eyes: eyes?.value ?? null,
      width: box ? (box.x2 - box.x1) / Math.min(w, h) : null,
    });
    shots.push({ t, bytes });
    followed = await vf.followChallenge({ steps, frames: tracked });
    let now = 0;
    while (now < followed.length && followed[now].done) now++;
    while (done < now) {
      tell(t, "done", done);
      done++;
      if (done < steps.length) tell(t, "prompt", done);
    }
    if (done === steps.length) break;
    const since = done > 0 ? followed[done - 1].at_ms : 0;
    if (t > since + steps[done].window_ms) {
      tell(t, "timeout", done);
      break;
    }
  }
  // Keep the frames that show each step (before, during, after), the first and the last, and
  // evenly spaced ones if there are still fewer than three.
  const keep = new Set([0, shots.length - 1, ...followed.flatMap((s) => s.frames)]);
  for (let i = 0; keep.size < 3 && i < shots.length; i += Math.max(1, Math.floor(shots.length / 3))) keep.add(i);
  const notes = new Map();
  followed.forEach((s, k) => s.frames.forEach((i, j) => notes.set(i, `${s.action}:${["before", "during", "after"][j] ?? j}`)));
  const record = {
    nonce: challenge.nonce,
    started_at: startedAt,
    frames: [...keep].sort((a, b) => a - b).map((i) => ({ t: shots[i].t, image: base64(shots[i].bytes), note: notes.get(i) ?? null })),
    events,
  };
  const result = await vf.verifyChallenge(challenge, record);
  return { record, result };
}

/**
 * A Vlens liveness/multi request from a record: the three frames nearest the actions (each
 * step's "during" frame first), with `image` the ID front when given.
 */
export function vlensRequest(record, idFrontBase64) {
  const during = record.frames.filter((f) => f.note?.endsWith(":during"));
  const rest = record.frames.filter((f) => !during.includes(f));
  const three = [...during, ...rest].slice(0, 3).sort((a, b) => a.t - b.t);
  const body = { face_1: three[0]?.image, face_2: three[1]?.image, face_3: three[2]?.image };
  if (idFrontBase64) body.image = idFrontBase64;
  return body;
}
