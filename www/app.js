// The veriface demo page: three flows (selfie vs ID, two photos, liveness only) over the npm
// package served beside the page. No framework, nothing loaded from elsewhere; every module is
// imported up front, so once the models are in, the page needs no network at all.
import { Veriface, captureFrames } from "./veriface/js/index.js";
import { alignTransform, describeError, guidanceFor, checkLabel, fmt, fmtMs, plural, reason } from "./ui.js";

const $ = (id) => document.getElementById(id);
const FORMATS = ["veriface", "vlens", "valify", "deepvue", "opencv"];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const state = {
  vf: null,
  flow: "id",
  /** Image slots: { source, name, bitmap, width, height } (source is what the API is given). */
  slots: { id: null, a: null, b: null },
  /** Three-frame bursts: { frames, bitmaps } per flow. */
  bursts: { id: null },
  stream: null,
  loopToken: 0,
  /** > 0 while a flow runs: the live guidance pauses so the worker is free. */
  busy: 0,
  last: null,
  formatCache: new Map(),
  formatSource: null,
  activeFormat: "veriface",
};
// For the end-to-end tests and the curious: the last result, the state.
window.veriface_demo = state;

// ---------------------------------------------------------------------------------------------
// Loading

function onProgress(p) {
  const bar = $("load-progress");
  bar.value = p.total ? p.loaded / p.total : 0;
  const mb = (n) => (n / 1e6).toFixed(1);
  let text;
  if (p.phase === "download") text = `Downloading the face models: ${mb(p.loaded)} of ${mb(p.total)} MB`;
  else if (p.phase === "cache") text = `Reading the face models from this browser's storage: ${mb(p.loaded)} of ${mb(p.total)} MB`;
  else if (p.phase === "initialise") text = "Preparing the models…";
  else text = "Ready";
  $("load-status").textContent = text;
}

async function load() {
  const started = performance.now();
  try {
    state.vf = await Veriface.load({ liveness: true, onProgress });
  } catch (err) {
    document.body.dataset.state = "failed";
    $("loader").classList.add("failed");
    $("load-label").textContent = "The face models could not be loaded";
    $("load-status").textContent = "";
    // The error goes where the eye already is: in the loading box, with a way to try again.
    $("loader").append($("error"));
    showError(err, "Loading the models");
    const retry = document.createElement("button");
    retry.type = "button";
    retry.className = "secondary";
    retry.textContent = "Try again";
    retry.addEventListener("click", () => location.reload());
    $("error").append(retry);
    return;
  }
  const info = state.vf.info ?? {};
  const cached = info.fromCache && Object.values(info.fromCache).every(Boolean);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  $("load-progress").value = 1;
  $("load-status").textContent = `Ready: loaded in ${seconds} s${cached ? " from this browser's storage" : ""}. You can switch the network off now.`;
  $("loader").classList.add("done");
  document.body.dataset.state = "ready";
  document.body.dataset.liveness = typeof state.vf.liveness === "function" ? "yes" : "no";
  // Photos chosen while the models loaded get their face boxes now.
  for (const key of Object.keys(state.slots)) if (state.slots[key]) detectSlot(key);
  updateButtons();
}

const hasLiveness = () => typeof state.vf?.liveness === "function";
const hasQuality = () => typeof state.vf?.quality === "function";

// ---------------------------------------------------------------------------------------------
// Tabs (the flows, and the JSON formats): arrow keys move between tabs, as ARIA describes.

function tablist(list, onSelect) {
  const tabs = () => [...list.querySelectorAll('[role="tab"]')];
  const select = (tab, focus) => {
    for (const t of tabs()) {
      const on = t === tab;
      t.setAttribute("aria-selected", String(on));
      t.tabIndex = on ? 0 : -1;
    }
    if (focus) tab.focus();
    onSelect(tab);
  };
  list.addEventListener("click", (e) => {
    const tab = e.target.closest('[role="tab"]');
    if (tab) select(tab, false);
  });
  list.addEventListener("keydown", (e) => {
    const all = tabs();
    const i = all.indexOf(document.activeElement);
    if (i < 0) return;
    const next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: all.length - 1 }[e.key];
    if (next === undefined) return;
    e.preventDefault();
    select(all[(next + all.length) % all.length], true);
  });
  return select;
}

const FLOW_OF_TAB = { "tab-id": "id", "tab-compare": "compare", "tab-liveness": "liveness" };

function selectFlow(tab) {
  const flow = FLOW_OF_TAB[tab.id];
  if (flow === state.flow && !$(`panel-${flow}`).hidden) return;
  state.flow = flow;
  for (const t of Object.keys(FLOW_OF_TAB)) $(t.replace("tab", "panel")).hidden = FLOW_OF_TAB[t] !== flow;
  // The one camera goes where this flow wants it.
  const slot = document.querySelector(`[data-camera-slot="${flow}"]`);
  slot.append($("camera"));
  $("capture").hidden = flow !== "id";
  hideResults();
  clearError();
  updateButtons();
}

// ---------------------------------------------------------------------------------------------
// Image slots: file picker, drag and drop, camera snapshot.

async function setSlot(key, source, name) {
  clearError();
  hideResults();
  const status = $(`${key}-status`);
  // The previous photo's verdict goes at once: nothing may read it as this photo's.
  status.classList.remove("bad", "good");
  state.slots[key] = null;
  updateButtons();
  status.textContent = `${name}: reading…`;
  let bitmap = null;
  try {
    bitmap = source instanceof Blob
      ? await createImageBitmap(source)
      : await createImageBitmap(new ImageData(source.data, source.width, source.height));
  } catch {
    // The core will say precisely what is wrong with the file when it reads it.
  }
  state.slots[key] = { source, name, bitmap };
  drawPreview(key, null);
  updateButtons();
  if (state.vf) await detectSlot(key);
  else status.textContent = `${name}: waiting for the models to finish loading`;
}

async function detectSlot(key) {
  const slot = state.slots[key];
  const status = $(`${key}-status`);
  status.classList.remove("bad", "good");
  state.busy++;
  try {
    const r = await state.vf.detect(slot.source);
    if (state.slots[key] !== slot) return;
    slot.faces = r.faces;
    slot.error = r.faces.length === 0 ? "NO_FACE" : null;
    drawPreview(key, r.faces);
    const n = r.faces.length;
    status.textContent = n === 0
      ? `${slot.name}: no face found. Use a sharper photo that shows the face fully.`
      : `${slot.name}: ${plural(n, "face")} found${n > 1 ? key === "id" ? " (the largest is used)" : " (use a photo with one person)" : ""}.`;
    status.classList.add(n === 0 || (n > 1 && key !== "id") ? "bad" : "good");
  } catch (err) {
    if (state.slots[key] !== slot) return;
    slot.error = err?.code;
    const { text, code } = describeError(err, `“${slot.name}”`);
    status.textContent = `${text} (${code})`;
    status.classList.add("bad");
  } finally {
    state.busy--;
  }
}

function drawPreview(key, faces) {
  const slot = state.slots[key];
  const canvas = $(`${key}-preview`);
  if (!slot?.bitmap) {
    canvas.hidden = true;
    return;
  }
  const { bitmap } = slot;
  const scale = Math.min(1, 640 / bitmap.width);
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  const ctx = canvas.getContext("2d");
  ctx.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  for (const f of faces ?? []) drawFace(ctx, f, scale, "#1f7a3d");
  canvas.hidden = false;
}

function drawFace(ctx, face, scale, colour) {
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

function wireSlot(key) {
  const input = $(`${key}-file`);
  const drop = input.closest(".drop");
  input.addEventListener("change", () => {
    const file = input.files?.[0];
    if (file) setSlot(key, file, file.name);
  });
  drop.addEventListener("dragover", (e) => {
    e.preventDefault();
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    const file = e.dataTransfer?.files?.[0];
    if (file) setSlot(key, file, file.name);
  });
}

// ---------------------------------------------------------------------------------------------
// Camera, with the face box, landmarks and guidance drawn live.

async function startCamera() {
  if (state.stream) return true;
  clearError();
  if (!navigator.mediaDevices?.getUserMedia) {
    showError({ code: "CAMERA_UNAVAILABLE", message: "navigator.mediaDevices is missing: the page must be served over https or from localhost" }, "Starting the camera");
    return false;
  }
  const toggle = $("camera-toggle");
  toggle.disabled = true;
  try {
    state.stream = await navigator.mediaDevices.getUserMedia({
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
  video.srcObject = state.stream;
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
  updateButtons();
  guide(++state.loopToken);
  return true;
}

function stopCamera() {
  state.loopToken++;
  for (const t of state.stream?.getTracks() ?? []) t.stop();
  state.stream = null;
  $("video").srcObject = null;
  $("camera").classList.remove("on");
  $("camera-off").hidden = false;
  $("camera-toggle").textContent = "Start camera";
  const overlay = $("overlay");
  overlay.getContext("2d").clearRect(0, 0, overlay.width, overlay.height);
  setGuidance("Start the camera to take a selfie.", "idle");
  updateButtons();
}

/** One look at the current camera frame: the quality report, or a detection made to look like one. */
async function lookAtCamera(video) {
  if (hasQuality()) {
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
  while (state.stream && token === state.loopToken) {
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
      if (token !== state.loopToken) return;
      const { text, code } = describeError(err, "the camera frame");
      if (code !== lastError) setGuidance(`${text} (${code})`, "bad");
      lastError = code;
      await sleep(400);
      continue;
    }
    if (token !== state.loopToken) return;
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

function showBurst(el, b) {
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

/** One frame from the camera, for a compare slot. */
async function snap(key) {
  $("compare-camera").open = true;
  if (!(await startCamera())) return;
  state.busy++;
  try {
    const [frame] = await captureFrames($("video"), { count: 1, withinMs: 500 });
    $(`${key}-file`).value = "";
    await setSlot(key, frame, `Camera photo ${key.toUpperCase()}`);
  } catch (err) {
    showError(err, "Taking the photo");
  } finally {
    state.busy--;
  }
}

// ---------------------------------------------------------------------------------------------
// The flows

function updateButtons() {
  const ready = !!state.vf;
  const cameraOn = !!state.stream;
  $("capture").disabled = !ready || !cameraOn;
  $("capture").textContent = state.bursts.id ? "Retake selfie (3 frames)" : "Take selfie (3 frames)";
  $("id-run").disabled = !ready || !state.slots.id || !state.bursts.id;
  $("compare-run").disabled = !ready || !state.slots.a || !state.slots.b;
  $("liveness-run").disabled = !ready;
  for (const b of document.querySelectorAll(".snap")) b.disabled = !ready;
}

async function running(button, label, fn) {
  const before = button.textContent;
  button.disabled = true;
  button.textContent = label;
  button.setAttribute("aria-busy", "true");
  document.body.dataset.running = "yes";
  state.busy++;
  clearError();
  try {
    await fn();
  } finally {
    state.busy--;
    button.textContent = before;
    button.removeAttribute("aria-busy");
    delete document.body.dataset.running;
    updateButtons();
  }
}

async function runIdFlow() {
  const id = state.slots.id;
  const b = state.bursts.id;
  await running($("id-run"), "Verifying…", async () => {
    const t0 = performance.now();
    try {
      let live = null;
      let match = null;
      const idSource = { bitmap: id.bitmap, label: "ID card", faces: id.faces };
      const frameSources = b.bitmaps.map((bm, i) => ({ bitmap: bm, label: `Selfie, frame ${i + 1}`, frame: i }));
      let order = null;
      if (hasLiveness()) {
        live = await state.vf.liveness(b.frames, { idFront: id.source });
        match = live.id_match ?? null;
        live.frames?.forEach((f, i) => frameSources[i] && (frameSources[i].faces = f.face ? [f.face] : []));
      }
      if (!match) {
        // The middle frame is the one most likely sharp and centred.
        match = await state.vf.compare(id.source, b.frames[1], { facePolicy: "largest" });
        order = [idSource, frameSources[1]];
      }
      const pageMs = performance.now() - t0;
      renderResult({
        flow: "id", match, live, pageMs, capture: b, order,
        sources: [idSource, ...frameSources],
        formats: async (format) => {
          const matchOnly = () => state.vf.compare(id.source, b.frames[1], { facePolicy: "largest", format });
          if (!hasLiveness()) return { body: await matchOnly(), note: "The face match only: this build has no liveness." };
          try {
            return { body: await state.vf.liveness(b.frames, { idFront: id.source, format }) };
          } catch (err) {
            if (err?.code !== "BAD_PARAMETER") throw err;
            // A vendor without a liveness response: its face-match response instead.
            return { body: await matchOnly(), note: `${format} has no liveness response: this is its face-match response (the selfie's middle frame against the ID).` };
          }
        },
      });
    } catch (err) {
      showError(err, "Verifying", whichSlot(err, { id: "the ID photo" }, "the ID photo or the selfie"));
    }
  });
}

/**
 * Names the image an error is about when the core's message does not: the one slot whose own
 * face search failed with the same code.
 */
function whichSlot(err, names, fallback) {
  const bad = Object.keys(names).filter((k) => state.slots[k]?.error && state.slots[k].error === err?.code);
  if (bad.length === 1) return names[bad[0]];
  return fallback ?? names;
}

async function runCompareFlow() {
  const a = state.slots.a;
  const b = state.slots.b;
  await running($("compare-run"), "Comparing…", async () => {
    const t0 = performance.now();
    try {
      const match = await state.vf.compare(a.source, b.source);
      renderResult({
        flow: "compare", match, live: null, pageMs: performance.now() - t0,
        sources: [{ bitmap: a.bitmap, label: "Photo A" }, { bitmap: b.bitmap, label: "Photo B" }],
        order: [{ bitmap: a.bitmap, label: "Photo A" }, { bitmap: b.bitmap, label: "Photo B" }],
        formats: async (format) => ({ body: await state.vf.compare(a.source, b.source, { format }) }),
      });
    } catch (err) {
      showError(err, "Comparing", whichSlot(err, { a: "photo A", b: "photo B" }));
    }
  });
}

async function runLivenessFlow() {
  await running($("liveness-run"), "Checking…", async () => {
    if (!hasLiveness()) {
      showError({ code: "LIVENESS_UNAVAILABLE", message: "this build of the package has no liveness() yet" }, "Checking liveness");
      return;
    }
    const b = await burst();
    showBurst($("liveness-burst"), b);
    if (!b) return;
    const t0 = performance.now();
    try {
      const live = await state.vf.liveness(b.frames);
      renderResult({
        flow: "liveness", match: null, live, pageMs: performance.now() - t0, capture: b,
        sources: b.bitmaps.map((bm, i) => ({ bitmap: bm, label: `Frame ${i + 1}`, frame: i })),
        formats: async (format) => ({ body: await state.vf.liveness(b.frames, { format }) }),
      });
    } catch (err) {
      showError(err, "Checking liveness");
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Results

function hideResults() {
  $("results").hidden = true;
  state.formatSource = null;
}

function renderResult(r) {
  state.last = r;
  const { match, live } = r;
  const results = $("results");
  results.dataset.flow = r.flow;
  results.dataset.match = match ? String(match.is_match) : "";
  results.dataset.live = live ? String(live.is_live) : "";

  // The verdict in words.
  const verdict = $("verdict");
  verdict.replaceChildren();
  const add = (text, ok) => {
    const s = document.createElement("span");
    s.className = `badge ${ok ? "pass" : "fail"}`;
    s.textContent = `${ok ? "✓" : "✗"} ${text}`;
    verdict.append(s);
  };
  if (match) {
    const same = r.flow === "id" ? "Same person as on the ID" : "Same person";
    const other = r.flow === "id" ? "Not the person on the ID" : "Different people";
    add(match.is_match ? same : other, match.is_match);
  }
  if (live) add(live.is_live ? "Live" : "Not shown to be live", live.is_live);
  else if (r.flow === "id") {
    const s = document.createElement("span");
    s.className = "badge neutral";
    s.textContent = "Liveness not checked (not in this build)";
    verdict.append(s);
  }
  $("why").textContent = live && !live.is_live ? whyNotLive(live) : "";

  // Gauges: the score against its threshold.
  const gauges = $("gauges");
  gauges.replaceChildren();
  if (match) gauges.append(gauge("Match score", match.score, match.threshold, match.is_match));
  if (live && typeof live.live_mean === "number") {
    const t = liveThreshold(live);
    gauges.append(gauge("Liveness score (mean of the frames)", live.live_mean, t, live.is_live));
  }

  drawCrops(r);
  renderChecks(live);
  renderTimings(r);

  // JSON per format, computed when its tab is opened (each is a run of the pipeline).
  state.formatCache = new Map();
  state.formatSource = r.formats;
  buildFormatTabs();
  showFormat(state.activeFormat);

  results.hidden = false;
  results.focus({ preventScroll: true });
  results.scrollIntoView({ block: "start", behavior: "smooth" });
  document.body.dataset.result = r.flow;
  bump("runs");
}

/** Counters on <body> that tests (and anyone watching) can wait on. */
function bump(name) {
  document.body.dataset[name] = String(Number(document.body.dataset[name] ?? 0) + 1);
}

/** The failed checks the decision used, in words. */
function whyNotLive(live) {
  const reasons = [];
  const addCode = (code) => {
    const text = `${reason(code)} (${code})`;
    if (!reasons.includes(text)) reasons.push(text);
  };
  for (const f of live.frames ?? []) for (const c of f.checks ?? []) if (c.passed === false) addCode(c.code);
  for (const c of live.sequence ?? []) if (c.passed === false && c.decisive) addCode(c.code);
  if (typeof live.live_mean === "number") {
    const t = liveThreshold(live);
    if (t !== null && live.live_mean < t) addCode("FACE_NOT_LIVE");
  }
  const kind = live.presentation_attack ? "Looks like a presentation attack" : "Not live";
  return reasons.length ? `${kind}: ${reasons.join("; ")}.` : `${kind}.`;
}

function liveThreshold(live) {
  for (const f of live.frames ?? []) {
    const c = (f.checks ?? []).find((x) => x.code === "FACE_NOT_LIVE");
    if (c && typeof c.threshold === "number") return c.threshold;
  }
  return null;
}

function gauge(title, value, threshold, ok) {
  const wrap = document.createElement("div");
  wrap.className = "gauge";
  const v = Math.max(0, Math.min(1, value));
  const label = document.createElement("p");
  label.className = "gauge-label";
  const strong = document.createElement("strong");
  strong.textContent = fmt(value, 3);
  label.append(`${title}: `, strong, threshold !== null && threshold !== undefined ? ` (threshold ${fmt(threshold, 2)})` : "");
  const track = document.createElement("div");
  track.className = "gauge-track";
  const bar = document.createElement("div");
  bar.className = "gauge-bar";
  bar.setAttribute("role", "meter");
  bar.setAttribute("aria-valuemin", "0");
  bar.setAttribute("aria-valuemax", "1");
  bar.setAttribute("aria-valuenow", String(v));
  bar.setAttribute("aria-label", `${title}: ${fmt(value, 3)}${threshold != null ? `, threshold ${fmt(threshold, 2)}` : ""}`);
  const fill = document.createElement("div");
  // Coloured by this score against its own threshold (the overall verdict may rest on more).
  const above = threshold !== null && threshold !== undefined ? value >= threshold : ok;
  fill.className = `gauge-fill ${above ? "pass" : "fail"}`;
  fill.style.width = `${(v * 100).toFixed(1)}%`;
  bar.append(fill);
  track.append(bar);
  if (threshold !== null && threshold !== undefined) {
    const at = `${(Math.max(0, Math.min(1, threshold)) * 100).toFixed(1)}%`;
    const mark = document.createElement("div");
    mark.className = "gauge-mark";
    mark.style.left = at;
    const tag = document.createElement("span");
    tag.className = "gauge-tag";
    tag.setAttribute("aria-hidden", "true");
    tag.style.left = at;
    // Kept inside the gauge near either end.
    if (threshold < 0.15) tag.classList.add("start");
    else if (threshold > 0.85) tag.classList.add("end");
    tag.textContent = `threshold ${fmt(threshold, 2)}`;
    track.append(mark, tag);
  }
  const scale = document.createElement("div");
  scale.className = "gauge-scale";
  scale.setAttribute("aria-hidden", "true");
  scale.innerHTML = "<span>0</span><span>0.5</span><span>1</span>";
  wrap.append(label, track, scale);
  return wrap;
}

/**
 * The source a face of the result was found in, when the result does not say (the ID match in
 * a liveness result): the same size, and the nearest face among those found in it before.
 */
function sourceOf(face, sources) {
  const sameSize = sources.filter((s) => s.bitmap && s.bitmap.width === face.image_width && s.bitmap.height === face.image_height);
  if (sameSize.length <= 1) return sameSize[0] ?? null;
  let best = sameSize[0];
  let bestD = Infinity;
  for (const s of sameSize) {
    for (const other of s.faces ?? []) {
      const d = face.landmarks.reduce((sum, [x, y], i) => sum + Math.hypot(x - other.landmarks[i][0], y - other.landmarks[i][1]), 0);
      if (d < bestD) {
        bestD = d;
        best = s;
      }
    }
  }
  return best;
}

function drawCrops(r) {
  const fig = $("crops");
  let pairs = [];
  if (r.match) {
    pairs = [r.match.face_a, r.match.face_b].map((face, i) => ({ face, src: r.order ? r.order[i] : sourceOf(face, r.sources) }));
  } else if (r.live?.frames) {
    // Liveness only: the first and last frame's faces.
    const fs = r.live.frames;
    const idx = [0, fs.length - 1].filter((i, k, a) => fs[i]?.face && a.indexOf(i) === k);
    pairs = idx.map((i) => ({ face: fs[i].face, src: r.sources[i] }));
  }
  pairs = pairs.filter((p) => p.face && p.src?.bitmap);
  if (pairs.length === 0) {
    fig.hidden = true;
    return;
  }
  ["a", "b"].forEach((k, i) => {
    const canvas = $(`crop-${k}`);
    const holder = canvas.parentElement;
    holder.hidden = !pairs[i];
    if (!pairs[i]) return;
    const { face, src } = pairs[i];
    const ctx = canvas.getContext("2d");
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = "#000";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    const [a, b, tx, ty] = alignTransform(face.landmarks, canvas.width);
    ctx.setTransform(a, b, -b, a, tx, ty);
    ctx.imageSmoothingQuality = "high";
    ctx.drawImage(src.bitmap, 0, 0);
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    const label = r.flow === "liveness" ? `Frame ${(src.frame ?? 0) + 1}` : src.label;
    $(`crop-${k}-label`).textContent = label;
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", `Aligned face: ${label}`);
  });
  fig.hidden = false;
}

function cell(row, text, tag = "td", cls = "") {
  const c = document.createElement(tag);
  c.textContent = text;
  if (cls) c.className = cls;
  row.append(c);
  return c;
}

/** A header with a shorter text for narrow screens (the long one stays for screen readers). */
function headCell(row, long, short) {
  const th = cell(row, "", "th");
  const l = document.createElement("span");
  l.className = "long";
  l.textContent = long;
  const s = document.createElement("span");
  s.className = "short";
  s.setAttribute("aria-hidden", "true");
  s.textContent = short;
  th.append(l, s);
  return th;
}

/** A check code that may wrap after its underscores (and nowhere else). */
function codeElement(code) {
  const el = document.createElement("code");
  String(code).split("_").forEach((part, i) => {
    if (i) el.append("_", document.createElement("wbr"));
    el.append(part);
  });
  return el;
}

function verdictCell(row, passed) {
  const c = cell(row, passed === null || passed === undefined ? "–" : passed ? "✓ pass" : "✗ fail", "td", passed ? "pass" : passed === false ? "fail" : "");
  return c;
}

function renderChecks(live) {
  const box = $("checks");
  if (!live) {
    box.hidden = true;
    return;
  }
  const frames = live.frames ?? [];
  const table = $("frame-checks");
  table.replaceChildren();
  const caption = document.createElement("caption");
  caption.textContent = "Each frame: value, threshold and verdict per check";
  table.append(caption);
  const head = table.createTHead().insertRow();
  cell(head, "Check", "th");
  headCell(head, "Threshold", "Limit");
  frames.forEach((_, i) => headCell(head, `Frame ${i + 1}`, `#${i + 1}`));
  for (const th of head.cells) th.scope = "col";
  const codes = [];
  for (const f of frames) for (const c of f.checks ?? []) if (!codes.includes(c.code)) codes.push(c.code);
  const body = table.createTBody();
  for (const code of codes) {
    const row = body.insertRow();
    const th = cell(row, checkLabel(code), "th");
    th.scope = "row";
    th.append(document.createElement("br"), codeElement(code));
    const first = frames.map((f) => (f.checks ?? []).find((c) => c.code === code)).find(Boolean);
    cell(row, fmt(first?.threshold, 3), "td", "num");
    for (const f of frames) {
      const c = (f.checks ?? []).find((x) => x.code === code);
      const td = cell(row, c ? fmt(c.value, 3) : "–", "td", `num ${c ? (c.passed ? "pass" : "fail") : ""}`);
      if (c) {
        const mark = document.createElement("span");
        mark.className = "mark";
        mark.textContent = c.passed ? " ✓ pass" : " ✗ fail";
        td.append(mark);
      }
    }
  }
  const seq = $("sequence-checks");
  seq.replaceChildren();
  const cap2 = document.createElement("caption");
  cap2.textContent = `Across the ${frames.length} frames (${fmtMs(live.span_ms)} apart end to end)`;
  seq.append(cap2);
  const h2 = seq.createTHead().insertRow();
  for (const t of ["Check", "Value", "Threshold", "Result", "Decides"]) cell(h2, t, "th").scope = "col";
  const b2 = seq.createTBody();
  for (const c of live.sequence ?? []) {
    const row = b2.insertRow();
    const th = cell(row, checkLabel(c.code), "th");
    th.scope = "row";
    th.append(document.createElement("br"), codeElement(c.code));
    cell(row, fmt(c.value, 3), "td", "num");
    cell(row, fmt(c.threshold, 3), "td", "num");
    verdictCell(row, c.passed);
    cell(row, c.decisive ? "yes" : "reported only");
  }
  $("decision-rule").textContent = live.decision_rule ? `Decision rule: ${typeof live.decision_rule === "string" ? live.decision_rule : JSON.stringify(live.decision_rule)}` : "";
  box.hidden = false;
}

function renderTimings(r) {
  const table = $("timings");
  table.replaceChildren();
  const caption = document.createElement("caption");
  caption.textContent = "Milliseconds per stage, measured in this browser";
  table.append(caption);
  const head = table.createTHead().insertRow();
  cell(head, "Stage", "th").scope = "col";
  cell(head, "ms", "th").scope = "col";
  const body = table.createTBody();
  const row = (label, ms, cls = "") => {
    if (typeof ms !== "number" || !Number.isFinite(ms)) return;
    const tr = body.insertRow();
    if (cls) tr.className = cls;
    cell(tr, label, "th").scope = "row";
    cell(tr, fmtMs(ms, false), "td", "num");
  };
  const info = state.vf?.info?.timings;
  if (info) {
    row("Loading the models (once): fetch and compile", info.fetch_and_compile_ms, "once");
    row("Loading the models (once): optimise", info.model_init_ms, "once");
  }
  if (r.capture) row(`Camera: ${r.capture.frames.length} frames, first to last`, r.capture.spanMs);
  const STAGES = { decode_ms: "Decode", detect_ms: "Detect faces", align_ms: "Align", embed_ms: "Face embedding", liveness_ms: "Eyes, anti-spoofing, texture", total_ms: "Total" };
  if (r.match?.timings) {
    for (const [k, label] of Object.entries(STAGES)) {
      if (k === "liveness_ms" && !r.match.timings[k]) continue;
      row(`Match: ${label}`, r.match.timings[k], k === "total_ms" ? "total" : "");
    }
  }
  if (r.live?.timings) {
    for (const [k, v] of Object.entries(r.live.timings)) {
      if (typeof v === "number" && (v > 0 || k === "total_ms")) {
        row(`Liveness, all frames: ${STAGES[k] ?? k.replace(/_ms$/, "").replace(/_/g, " ")}`, v, k === "total_ms" ? "total" : "");
      }
    }
  }
  row("Whole call, as seen by the page (worker round trip included)", r.pageMs, "total");
}

function buildFormatTabs() {
  const list = $("format-tabs");
  if (list.childElementCount) return;
  for (const f of FORMATS) {
    const b = document.createElement("button");
    b.type = "button";
    b.setAttribute("role", "tab");
    b.id = `format-${f}`;
    b.dataset.format = f;
    b.setAttribute("aria-controls", "json");
    b.textContent = f;
    list.append(b);
  }
  const select = tablist(list, (tab) => showFormat(tab.dataset.format));
  select($(`format-${state.activeFormat}`), false);
}

async function showFormat(format) {
  state.activeFormat = format;
  for (const t of $("format-tabs").children) {
    const on = t.dataset.format === format;
    t.setAttribute("aria-selected", String(on));
    t.tabIndex = on ? 0 : -1;
  }
  const pre = $("json");
  pre.setAttribute("aria-labelledby", `format-${format}`);
  const source = state.formatSource;
  if (!source) return;
  let entry = state.formatCache.get(format);
  if (!entry) {
    entry = source(format).then(({ body, note }) => ({ text: JSON.stringify(body, null, 2), note: note ?? "" }), (err) => {
      const { text, code, detail } = describeError(err, "the images");
      return { text: "", note: `No ${format} response: ${text} (${code}: ${detail})` };
    });
    state.formatCache.set(format, entry);
  }
  pre.textContent = "Computing…";
  pre.dataset.format = "";
  $("format-note").textContent = "";
  state.busy++;
  let shown;
  try {
    shown = await entry;
  } finally {
    state.busy--;
  }
  if (state.activeFormat === format && state.formatSource === source) {
    pre.textContent = shown.text;
    pre.dataset.format = format;
    $("format-note").textContent = shown.note;
  }
}

async function copyJson() {
  const text = $("json").textContent;
  const status = $("copy-status");
  try {
    await navigator.clipboard.writeText(text);
    status.textContent = `Copied the ${state.activeFormat} JSON.`;
  } catch {
    // No clipboard permission (or an insecure page): select the text so Ctrl+C copies it.
    const range = document.createRange();
    range.selectNodeContents($("json"));
    const sel = getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
    status.textContent = "Selected the JSON: press Ctrl+C (or ⌘+C) to copy it.";
  }
}

// ---------------------------------------------------------------------------------------------
// Errors, in plain words with their code

function showError(err, doing, names) {
  const { text, code, detail } = describeError(err, names);
  const box = $("error");
  box.replaceChildren();
  const p = document.createElement("p");
  const strong = document.createElement("strong");
  strong.textContent = `${doing} failed: `;
  p.append(strong, text, " ");
  const c = document.createElement("code");
  c.textContent = code;
  p.append(c);
  box.append(p);
  if (detail) {
    const d = document.createElement("details");
    const s = document.createElement("summary");
    s.textContent = "Technical detail";
    const m = document.createElement("p");
    m.textContent = detail;
    d.append(s, m);
    box.append(d);
  }
  box.dataset.code = code;
  box.hidden = false;
  box.scrollIntoView({ block: "nearest", behavior: "smooth" });
  bump("errors");
}

function clearError() {
  $("error").hidden = true;
  $("error").replaceChildren();
  delete $("error").dataset.code;
}

// ---------------------------------------------------------------------------------------------

function init() {
  tablist(document.querySelector(".tabs[aria-label='What to check']"), selectFlow);
  for (const key of ["id", "a", "b"]) wireSlot(key);
  $("camera-toggle").addEventListener("click", () => (state.stream ? stopCamera() : startCamera()));
  $("capture").addEventListener("click", async () => {
    $("capture").disabled = true;
    const b = await burst();
    if (b) state.bursts.id = b;
    showBurst($("id-burst"), state.bursts.id);
    updateButtons();
  });
  $("id-run").addEventListener("click", runIdFlow);
  $("compare-run").addEventListener("click", runCompareFlow);
  $("liveness-run").addEventListener("click", runLivenessFlow);
  for (const b of document.querySelectorAll(".snap")) b.addEventListener("click", () => snap(b.dataset.target));
  $("copy").addEventListener("click", copyJson);
  // Files dropped outside a drop zone would make the browser navigate away to show them.
  for (const ev of ["dragover", "drop"]) window.addEventListener(ev, (e) => e.preventDefault());
  document.querySelector('[data-camera-slot="id"]').append($("camera"));
  updateButtons();
  load();
}

init();
