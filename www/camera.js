// The one camera, with the face box, landmarks and guidance drawn live, and the frames taken
// from it. The stream and the live loop are this module's own; the shared `state` gives it the
// verifier, the open flow and `busy` (> 0 while a flow runs: the live guidance pauses so the
// worker is free).
import { captureFrames } from "./veriface/js/index.js";
import { hasQuality } from "./load.js";
import { $, clearError, showError } from "./page.js";
import { describeError, fmtMs, guidanceFor } from "./ui.js";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const READY = {
  id: "Good: hold still and take the selfie",
  liveness: "Good: hold still and press “Check liveness”",
  compare: "Good: hold still and take the photo",
};

function setGuidance(text, kind, code = "") {
  const el = $("guidance");
  if (el.textContent !== text) el.textContent = text;
  el.dataset.kind = kind;
  el.dataset.code = code;
}

export function drawFace(ctx, face, scale, colour) {
  const { x1, y1, x2, y2 } = face.box;
  const lw = Math.max(2, Math.round(ctx.canvas.width / 200));
  ctx.lineWidth = lw + 2;
  ctx.strokeStyle = "rgba(0,0,0,0.6)";
  ctx.strokeRect(x1 * scale, y1 * scale, (x2 - x1) * scale, (y2 - y1) * scale);
  ctx.lineWidth = lw;
  ctx.strokeStyle = colour;
  ctx.strokeRect(x1 * scale, y1 * scale, (x2 - x1) * scale, (y2 - y1) * scale);
  // Dots in proportion to the face, so a small face is not hidden under them.
  const r = Math.max(1.5, Math.min(lw, ((x2 - x1) * scale) / 30));
  for (const [x, y] of face.landmarks ?? []) {
    ctx.beginPath();
    ctx.arc(x * scale, y * scale, r, 0, Math.PI * 2);
    ctx.fillStyle = "#ffffff";
    ctx.fill();
    ctx.lineWidth = 1.5;
    ctx.strokeStyle = "#000000";
    ctx.stroke();
  }
}

export function showBurst(el, b) {
  el.replaceChildren();
  if (!b) return;
  const list = document.createElement("div");
  list.className = "thumbs";
  b.bitmaps.forEach((bm, i) => {
    const c = document.createElement("canvas");
    c.width = 120;
    c.height = Math.round((bm.height / bm.width) * 120);
    c.getContext("2d").drawImage(bm, 0, 0, c.width, c.height);
    c.setAttribute("role", "img");
    c.setAttribute("aria-label", `Frame ${i + 1}`);
    list.append(c);
  });
  const p = document.createElement("p");
  p.className = "status good";
  p.textContent = `${b.frames.length} frames taken within ${fmtMs(b.spanMs)}.`;
  el.append(list, p);
}

/**
 * The camera over the shared `state` ({ vf, flow, busy }): start(), stop(), isOn(), burst().
 * `onChange()` runs when it starts or stops (the buttons depend on it).
 */
export function createCamera(state, onChange) {
  let stream = null;
  let loopToken = 0;

  async function startCamera() {
    if (stream) return true;
    clearError();
    if (!navigator.mediaDevices?.getUserMedia) {
      showError({ code: "CAMERA_UNAVAILABLE", message: "navigator.mediaDevices is missing: the page must be served over https or from localhost" }, "Starting the camera");
      return false;
    }
    const toggle = $("camera-toggle");
    toggle.disabled = true;
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        video: { facingMode: "user", width: { ideal: 640 }, height: { ideal: 480 } },
        audio: false,
      });
    } catch (err) {
      toggle.disabled = false;
      const code = { NotAllowedError: "CAMERA_DENIED", SecurityError: "CAMERA_DENIED", NotFoundError: "CAMERA_NOT_FOUND", OverconstrainedError: "CAMERA_NOT_FOUND", NotReadableError: "CAMERA_BUSY", AbortError: "CAMERA_BUSY" }[err?.name] ?? "CAMERA_FAILED";
      showError({ code, message: `${err?.name}: ${err?.message}` }, "Starting the camera");
      return false;
    }
    const video = $("video");
    video.srcObject = stream;
    try {
      await video.play();
    } catch {
      // Autoplay rules: muted inline video plays; if not, the first frame still arrives.
    }
    if (video.readyState < 2) await new Promise((r) => video.addEventListener("loadeddata", r, { once: true }));
    $("camera").classList.add("on");
    $("camera-off").hidden = true;
    toggle.disabled = false;
    toggle.textContent = "Stop camera";
    onChange();
    guide(++loopToken);
    return true;
  }

  function stopCamera() {
    loopToken++;
    for (const t of stream?.getTracks() ?? []) t.stop();
    stream = null;
    $("video").srcObject = null;
    $("camera").classList.remove("on");
    $("camera-off").hidden = false;
    $("camera-toggle").textContent = "Start camera";
    const overlay = $("overlay");
    overlay.getContext("2d").clearRect(0, 0, overlay.width, overlay.height);
    setGuidance("Start the camera to take a selfie.", "idle");
    onChange();
  }

  /** One look at the current camera frame: the quality report, or a detection made to look like one. */
  async function lookAtCamera(video) {
    if (hasQuality(state.vf)) {
      const r = await state.vf.quality(video, { models: false });
      return { width: r.image_width, height: r.image_height, faces: r.face ? [r.face] : [], checks: r.checks ?? [], passed: r.passed };
    }
    const r = await state.vf.detect(video);
    const checks = [];
    const n = r.faces.length;
    checks.push({ code: "FACE_NOT_FOUND", passed: n > 0 });
    checks.push({ code: "TOO_MANY_FACES", passed: n <= 1 });
    if (n >= 1) {
      const f = r.faces.reduce((a, b) => ((a.box.x2 - a.box.x1) >= (b.box.x2 - b.box.x1) ? a : b));
      const share = (f.box.x2 - f.box.x1) / r.image_width;
      checks.push({ code: "FACE_TOO_SMALL", value: share, threshold: 0.2, passed: share >= 0.2 });
      checks.push({ code: "FACE_TOO_CLOSE", value: share, threshold: 0.8, passed: share <= 0.8 });
    }
    return { width: r.image_width, height: r.image_height, faces: r.faces, checks, passed: checks.every((c) => c.passed) };
  }

  async function guide(token) {
    const video = $("video");
    const overlay = $("overlay");
    let lastError = null;
    while (stream && token === loopToken) {
      if (!state.vf || state.busy || video.readyState < 2) {
        await sleep(100);
        continue;
      }
      const t0 = performance.now();
      let look;
      try {
        look = await lookAtCamera(video);
        lastError = null;
      } catch (err) {
        if (token !== loopToken) return;
        const { text, code } = describeError(err, "the camera frame");
        if (code !== lastError) setGuidance(`${text} (${code})`, "bad");
        lastError = code;
        await sleep(400);
        continue;
      }
      if (token !== loopToken) return;
      if (overlay.width !== look.width || overlay.height !== look.height) {
        overlay.width = look.width;
        overlay.height = look.height;
      }
      const ctx = overlay.getContext("2d");
      ctx.clearRect(0, 0, overlay.width, overlay.height);
      for (const f of look.faces) drawFace(ctx, f, 1, look.passed ? "#2ea043" : "#f0a020");
      const g = guidanceFor(look.checks, READY[state.flow]);
      if (!state.busy) setGuidance(g.text, look.passed ? "good" : "bad", g.code);
      // The worker answers at its own pace (about 150 ms a frame here); no need to ask faster.
      await sleep(Math.max(30, 100 - (performance.now() - t0)));
    }
  }

  /** Three frames within 500 ms, with their capture times. */
  async function burst() {
    if (!(await startCamera())) return null;
    state.busy++;
    setGuidance("Hold still…", "busy", "HOLD_STILL");
    try {
      const t0 = performance.now();
      const frames = await captureFrames($("video"), { count: 3, withinMs: 500 });
      const bitmaps = await Promise.all(frames.map((f) => createImageBitmap(new ImageData(f.data, f.width, f.height))));
      return { frames, bitmaps, captureMs: performance.now() - t0, spanMs: frames[frames.length - 1].timestamp - frames[0].timestamp };
    } catch (err) {
      showError(err, "Taking the frames");
      return null;
    } finally {
      state.busy--;
    }
  }

  return { start: startCamera, stop: stopCamera, burst, isOn: () => !!stream };
}
