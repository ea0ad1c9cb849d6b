// <veriface-selfie>: the whole selfie step of an identity check, framework-free, in its own
// shadow DOM. Intro (what will happen) -> a portrait camera view with an oval guide and live
// prompts from the guidance pass -> an automatic start once every check has held for about a
// second -> the active challenge (head turns, blink...) with its progress -> a review screen to
// keep or retake -> a `result` event with the library's own objects.
//
//   <veriface-selfie></veriface-selfie>
//   el.veriface = vf;              // a loaded Veriface, or the promise of one (else it loads one)
//   el.idFront = idFile;           // optional: the selfie must also match this ID photo
//   el.addEventListener("result", (e) => e.detail.passed && submit(e.detail.record));
//
// The camera preview and the kept picture are shown mirrored, as people expect to see
// themselves; everything the element hands over (the record's frames, `image`) is as the camera
// saw it. "Left" and "right" in the prompts are the person's own.

import { ACTIONS, GUIDANCE, challengeFailure, describeError, guidance, matchWords } from "./words.js";
import { base64Blob, cameraError, startCamera, stopStream } from "./media.js";
import { ElementBase, adoptStyles } from "./styles.js";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The oval, in the 300 x 400 user units of the overlay (a 3:4 viewport).
const OVAL = { cx: 150, cy: 185, rx: 105, ry: 140 };
// How far the face may sit from the oval's centre (share of its radii) and how wide it may be
// (share of the oval's width) before the person is asked to move.
const OVAL_OFFSET = 0.4;
const OVAL_MIN_WIDTH = 0.5;
const OVAL_MAX_WIDTH = 1.25;
// Degrees of head yaw beyond which the person is asked to look straight (the challenge's own
// frontal limit is 12).
const LOOK_STRAIGHT_YAW = 12;
// Never start the challenge sooner than this after the camera came on.
const MIN_CAMERA_MS = 1500;

const TEMPLATE = `
<section class="screen" part="screen" data-screen="intro">
  <h2 tabindex="-1" part="heading">Take a selfie</h2>
  <ol class="steps">
    <li>Allow the camera when your browser asks.</li>
    <li>Fit your face in the oval and hold still. The picture is taken for you.</li>
    <li>Follow two or three short prompts, like turning your head.</li>
  </ol>
  <p class="muted">Find good light, take off sunglasses or a hat, and hold the camera at eye level. It takes about 20 seconds.</p>
  <p class="privacy">Your camera pictures are checked on this device.</p>
  <p class="notice status-line" role="status"></p>
  <div class="actions"><button type="button" class="primary" part="button primary" data-action="start">Start</button></div>
</section>
<section class="screen" part="screen" data-screen="camera" hidden>
  <h2 class="visually-hidden" tabindex="-1" part="heading">Selfie camera</h2>
  <div class="viewport" part="viewport">
    <video class="mirror" playsinline muted aria-hidden="true"></video>
    <svg viewBox="0 0 300 400" preserveAspectRatio="none" aria-hidden="true" focusable="false">
      <path class="dim" fill-rule="evenodd" d=""></path>
      <ellipse class="guide" cx="150" cy="185" rx="105" ry="140"></ellipse>
      <path class="hold empty" d="M150 45a105 140 0 1 1 0 280a105 140 0 1 1 0 -280" pathLength="100" stroke-dasharray="100 100" stroke-dashoffset="100"></path>
      <g class="arrow-left" hidden><path class="arrow nudge-left" d="M30 185 l26 -24 v14 h22 v20 h-22 v14 z"></path></g>
      <g class="arrow-right" hidden><path class="arrow nudge-right" d="M270 185 l-26 -24 v14 h-22 v20 h22 v14 z"></path></g>
    </svg>
    <div class="stepbar" part="progress" role="progressbar" aria-label="Selfie check progress" aria-valuemin="0" hidden>
      <span class="steptext"></span><span class="dots" aria-hidden="true"></span>
    </div>
    <p class="prompt" part="prompt" role="status" aria-live="polite" aria-atomic="true"></p>
  </div>
  <p class="muted status-line camera-hint">The picture is taken automatically when you're in position.</p>
  <div class="actions"><button type="button" class="secondary" part="button secondary" data-action="cancel">Cancel</button></div>
</section>
<section class="screen" part="screen" data-screen="checking" hidden>
  <h2 tabindex="-1" part="heading">Checking your selfie…</h2>
  <div class="spinner" aria-hidden="true"></div>
  <p class="muted" role="status">This takes a few seconds.</p>
</section>
<section class="screen" part="screen" data-screen="review" hidden>
  <h2 tabindex="-1" part="heading">Check your selfie</h2>
  <img class="kept mirror" alt="">
  <p class="verdict" role="status"></p>
  <p class="tip muted"></p>
  <div class="actions">
    <button type="button" class="primary" part="button primary" data-action="confirm">Use this selfie</button>
    <button type="button" class="secondary" part="button secondary" data-action="retake">Retake</button>
  </div>
</section>
<section class="screen" part="screen" data-screen="done" hidden>
  <h2 tabindex="-1" part="heading">Selfie done</h2>
  <img class="kept good mirror" alt="">
  <p class="verdict good">Thank you. Your selfie is saved.</p>
  <div class="actions"><button type="button" class="secondary" part="button secondary" data-action="retake">Retake selfie</button></div>
</section>
<section class="screen" part="screen" data-screen="error" hidden>
  <h2 tabindex="-1" part="heading">We couldn't start the camera</h2>
  <p class="message" role="alert"></p>
  <div class="actions"><button type="button" class="primary" part="button primary" data-action="start">Try again</button></div>
</section>
<div class="loading" hidden><span class="loading-text">Getting ready…</span><progress max="1" aria-label="Getting ready"></progress></div>
`;

/** The frame of a challenge record to keep: the most frontal one with the eyes most open. */
function bestFrame(result, record) {
  const n = record.frames.length;
  const seen = (result.frames ?? []).slice(0, n);
  const frontal = seen.map((f, i) => ({ f, i })).filter(({ f }) => f.face && typeof f.yaw === "number" && Math.abs(f.yaw) <= 12);
  if (frontal.length) {
    frontal.sort((a, b) => (b.f.eyes_open ?? 0) - (a.f.eyes_open ?? 0) || Math.abs(a.f.yaw) - Math.abs(b.f.yaw));
    return frontal[0].i;
  }
  let best = 0;
  seen.forEach((f, i) => {
    if (f.face && Math.abs(f.yaw ?? 99) < Math.abs(seen[best]?.yaw ?? 99)) best = i;
  });
  return best;
}

export class VerifaceSelfieElement extends ElementBase {
  static get observedAttributes() {
    return ["actions", "hold-ms"];
  }

  #root;
  #vf = null;
  #vfPromise = null;
  #challenge = null;
  #idFront = null;
  #screen = "intro";
  #stream = null;
  #token = 0;
  #abort = null;
  #cameraOnAt = 0;
  #last = null;
  #keptUrl = null;
  #resize = null;
  #shownPrompt = null;
  #pendingPrompt = null;

  constructor() {
    super();
    this.#root = this.attachShadow({ mode: "open" });
    adoptStyles(this.#root);
    const holder = document.createElement("div");
    holder.innerHTML = TEMPLATE;
    this.#root.append(...holder.childNodes);
    this.#root.addEventListener("click", (e) => {
      const action = e.target.closest?.("button[data-action]")?.dataset.action;
      if (action === "start") this.start();
      else if (action === "cancel") this.cancel();
      else if (action === "retake") this.retake();
      else if (action === "confirm") this.#confirm();
    });
    this.#root.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && (this.#screen === "camera" || this.#screen === "challenge")) {
        e.preventDefault();
        this.cancel();
      }
    });
  }

  connectedCallback() {
    if (!this.hasAttribute("screen")) this.setAttribute("screen", this.#screen);
    document.addEventListener("visibilitychange", this.#onVisibility);
    if (typeof ResizeObserver === "function") {
      // Hidden (display: none here or on an ancestor, e.g. a closed tab panel): the camera stops.
      this.#resize = new ResizeObserver(([entry]) => {
        const { width, height } = entry.contentRect;
        if (width === 0 && height === 0) this.#interrupt();
        else this.#drawDim();
      });
      this.#resize.observe(this);
    }
    this.#drawDim();
  }

  disconnectedCallback() {
    document.removeEventListener("visibilitychange", this.#onVisibility);
    this.#resize?.disconnect();
    this.#resize = null;
    this.#token++;
    this.#abort?.abort();
    this.#stopCamera();
  }

  attributeChangedCallback() {}

  /** The loaded Veriface the element uses (or a promise of one); set it to share the page's. */
  get veriface() {
    return this.#vf ?? this.#vfPromise;
  }

  set veriface(value) {
    if (value && typeof value.then === "function") {
      this.#vfPromise = value;
      this.#vf = null;
      value.then((vf) => {
        if (this.#vfPromise === value) this.#vf = vf;
      }, () => {});
    } else {
      this.#vf = value ?? null;
      this.#vfPromise = null;
    }
  }

  /**
   * The challenge for the next attempt: an object (from a server, or `vf.challenge()`) used once,
   * or a function `(veriface) => challenge` called for every attempt. Default: `vf.challenge()`
   * with the `actions` attribute's actions, or random ones.
   */
  get challenge() {
    return this.#challenge;
  }

  set challenge(value) {
    this.#challenge = value ?? null;
  }

  /** An ID photo (anything `compare` takes): the selfie must also match its portrait. */
  get idFront() {
    return this.#idFront;
  }

  set idFront(value) {
    this.#idFront = value ?? null;
  }

  /** Comma-separated challenge actions, e.g. "turn_left,blink"; random when absent. */
  get actions() {
    return this.getAttribute("actions") ?? "";
  }

  set actions(value) {
    if (value) this.setAttribute("actions", String(value));
    else this.removeAttribute("actions");
  }

  /** How long every guidance check must hold before the challenge starts, in ms (default 1000). */
  get holdMs() {
    const v = Number(this.getAttribute("hold-ms"));
    return Number.isFinite(v) && v > 0 ? v : 1000;
  }

  set holdMs(value) {
    this.setAttribute("hold-ms", String(value));
  }

  /** The open screen: intro, camera, challenge, checking, review, done or error. */
  get screen() {
    return this.#screen;
  }

  /** The last attempt's `result` event detail, or null. */
  get lastResult() {
    return this.#last;
  }

  /** Starts the camera (what the intro's button does). */
  async start() {
    if (this.#screen === "camera" || this.#screen === "challenge" || this.#screen === "checking") return;
    const token = ++this.#token;
    this.#notice("");
    this.#last = null;
    this.#show("camera");
    this.#setPrompt({ code: "STARTING", text: "Starting the camera…" }, true);
    this.#setHold(0);
    this.#stepbar(null);
    const vfReady = this.#ensureVeriface().catch((err) => err);
    const video = this.#root.querySelector("video");
    try {
      this.#stream = await startCamera(video, { facingMode: "user" });
    } catch (err) {
      if (token !== this.#token) return;
      this.#fail(err);
      return;
    }
    if (token !== this.#token) {
      this.#stopCamera();
      return;
    }
    this.#cameraOnAt = performance.now();
    this.#drawDim();
    if (!this.#vf) this.#setPrompt({ code: "LOADING", text: "Getting ready…" }, true);
    const vf = await vfReady;
    if (token !== this.#token) return;
    if (vf instanceof Error) {
      this.#stopCamera();
      this.#fail(vf);
      return;
    }
    this.#guide(token, vf);
  }

  /** Stops the camera and goes back to the intro. */
  cancel() {
    this.#token++;
    this.#abort?.abort();
    this.#stopCamera();
    this.#show("intro");
    this.#emit("progress", { screen: "intro", code: "CANCELLED" });
  }

  /** Drops the kept selfie and starts again at the camera. */
  retake() {
    this.#last = null;
    this.#token++;
    this.#show("intro", false);
    this.start();
  }

  /** Back to the intro, the camera off, nothing kept. */
  reset() {
    this.#token++;
    this.#abort?.abort();
    this.#stopCamera();
    this.#last = null;
    this.#notice("");
    this.#show("intro", false);
  }

  // --- the flow -------------------------------------------------------------------------------

  async #ensureVeriface() {
    if (this.#vf) return this.#vf;
    if (this.#vfPromise) return (this.#vf = await this.#vfPromise);
    const loading = this.#root.querySelector(".loading");
    const bar = loading.querySelector("progress");
    loading.hidden = false;
    this.#root.querySelector(`[data-screen="${this.#screen}"]`)?.append(loading);
    const { Veriface } = await import("../index.js");
    const promise = Veriface.load({
      onProgress: (p) => {
        bar.value = p.total ? p.loaded / p.total : 0;
        this.#emit("progress", { screen: this.#screen, code: "LOADING", loaded: p.loaded, total: p.total });
      },
    });
    this.#vfPromise = promise;
    try {
      this.#vf = await promise;
      return this.#vf;
    } catch (err) {
      if (this.#vfPromise === promise) this.#vfPromise = null;
      throw err;
    } finally {
      loading.hidden = true;
    }
  }

  /** The live guidance: prompts until every check has held for `holdMs`, then the challenge. */
  async #guide(token, vf) {
    const video = this.#root.querySelector("video");
    let goodSince = null;
    let lastCode = null;
    let failures = 0;
    while (token === this.#token && this.#screen === "camera") {
      const t0 = performance.now();
      let report;
      try {
        report = await vf.quality(video, { models: false });
        failures = 0;
      } catch (err) {
        if (token !== this.#token) return;
        if (++failures >= 10) {
          this.#stopCamera();
          this.#fail(err);
          return;
        }
        await sleep(200);
        continue;
      }
      if (token !== this.#token || this.#screen !== "camera") return;
      const failed = report.checks.filter((c) => !c.passed).map((c) => c.code);
      if (report.face && failed.length === 0) failed.push(...this.#ovalProblems(report));
      const g = guidance(failed);
      const now = performance.now();
      if (g.code === "HOLD") goodSince ??= now;
      else goodSince = null;
      const held = goodSince === null ? 0 : now - goodSince;
      this.#setHold(Math.min(1, held / this.holdMs));
      this.#root.querySelector(".guide").classList.toggle("ready", g.code === "HOLD");
      this.#setPrompt(g);
      if (g.code !== lastCode) {
        lastCode = g.code;
        this.#emit("progress", { screen: "camera", code: g.code, text: g.text, report });
      }
      if (held >= this.holdMs && now - this.#cameraOnAt >= MIN_CAMERA_MS) {
        this.#runChallenge(token, vf);
        return;
      }
      await sleep(Math.max(0, 80 - (performance.now() - t0)));
    }
  }

  /** Where the face sits in the oval the person sees (the viewport shows the middle of the frame). */
  #ovalProblems(report) {
    const viewport = this.#root.querySelector(".viewport");
    const W = viewport.clientWidth;
    const H = viewport.clientHeight;
    const { image_width: vw, image_height: vh } = report;
    if (!W || !H || !vw || !vh) return [];
    const out = [];
    const yaw = report.pose?.yaw;
    const s = Math.max(W / vw, H / vh);
    const ox = (W - vw * s) / 2;
    const oy = (H - vh * s) / 2;
    const { x1, y1, x2, y2 } = report.face.box;
    // Mirrored, as shown.
    const cx = W - (ox + ((x1 + x2) / 2) * s);
    const cy = oy + ((y1 + y2) / 2) * s;
    const rx = (OVAL.rx / 300) * W;
    const ry = (OVAL.ry / 400) * H;
    const dx = (cx - (OVAL.cx / 300) * W) / rx;
    const dy = (cy - (OVAL.cy / 400) * H) / ry;
    const width = ((x2 - x1) * s) / (2 * rx);
    if (Math.hypot(dx, dy) > OVAL_OFFSET) out.push("OUT_OF_OVAL");
    else if (width < OVAL_MIN_WIDTH) out.push("FACE_TOO_SMALL");
    else if (width > OVAL_MAX_WIDTH) out.push("FACE_TOO_CLOSE");
    if (typeof yaw === "number" && Math.abs(yaw) > LOOK_STRAIGHT_YAW) out.push("LOOK_STRAIGHT");
    return out;
  }

  async #nextChallenge(vf) {
    const given = this.#challenge;
    if (typeof given === "function") return given(vf);
    if (given) {
      this.#challenge = null; // a challenge is good for one attempt
      return given;
    }
    const actions = this.actions.split(",").map((a) => a.trim()).filter(Boolean);
    return vf.challenge(actions.length ? actions : undefined);
  }

  async #runChallenge(token, vf) {
    this.#screen = "challenge";
    this.setAttribute("screen", "challenge");
    this.#setHold(0);
    this.#root.querySelector(".guide").classList.remove("ready");
    this.#root.querySelector(".camera-hint").textContent = "Follow the prompts in the oval.";
    const video = this.#root.querySelector("video");
    let challenge;
    let run;
    try {
      challenge = await this.#nextChallenge(vf);
      if (token !== this.#token) return;
      this.#abort = new AbortController();
      this.#stepbar({ step: 0, of: challenge.steps.length });
      run = await vf.runChallenge(video, challenge, {
        signal: this.#abort.signal,
        onStep: (s) => token === this.#token && this.#onStep(s),
      });
    } catch (err) {
      if (token !== this.#token) return; // stopped: cancelled, hidden or removed
      this.#stopCamera();
      this.#fail(err);
      return;
    } finally {
      this.#abort = null;
    }
    if (token !== this.#token) return;
    // The camera goes off as soon as the frames are in.
    this.#stopCamera();
    this.#show("checking");
    this.#emit("progress", { screen: "checking" });
    const { record, result } = run;
    const index = bestFrame(result, record);
    const image = base64Blob(record.frames[index]?.image ?? "");
    let idMatch = null;
    let idError = null;
    if (this.#idFront && result.passed) {
      try {
        idMatch = await vf.compare(image, this.#idFront, { facePolicy: "largest" });
      } catch (err) {
        idError = err;
      }
    }
    if (token !== this.#token) return;
    const failure = challengeFailure(result);
    let reason = failure;
    if (!reason && idError) reason = { code: idError.code ?? "UNEXPECTED", text: describeError(idError).text, tip: "Check the ID photo, then try again." };
    if (!reason && idMatch && !idMatch.is_match) reason = { code: "ID_MISMATCH", ...matchWords(idMatch) };
    const passed = !reason;
    this.#last = {
      passed, reason, challenge, record, result, idMatch, idError: idError ? describeError(idError) : null,
      image, frameIndex: index,
    };
    this.#review(this.#last);
    // A failure is final as soon as it is known; a pass once the person keeps it.
    if (!passed) this.#emit("result", this.#last);
  }

  #onStep(s) {
    const action = ACTIONS[s.action];
    if (s.kind === "prompt") {
      this.#stepbar({ step: s.step, of: s.of });
      this.#arrow(s.action);
      this.#setPrompt({ code: s.action, text: action?.prompt ?? s.prompt ?? "", step: `Step ${s.step + 1} of ${s.of}: ` }, true);
    } else if (s.kind === "done") {
      this.#stepbar({ step: s.step + 1, of: s.of });
      if (s.step + 1 === s.of) {
        this.#arrow(null);
        this.#setPrompt({ code: "DONE", text: "Done. Hold on…" }, true);
      }
    } else if (s.kind === "timeout") {
      this.#arrow(null);
    }
    this.#emit("progress", { screen: "challenge", code: s.kind.toUpperCase(), step: s.step, of: s.of, action: s.action, text: action?.prompt ?? s.prompt });
  }

  #review(last) {
    const img = this.#root.querySelector('[data-screen="review"] .kept');
    if (this.#keptUrl) URL.revokeObjectURL(this.#keptUrl);
    this.#keptUrl = URL.createObjectURL(last.image);
    for (const el of this.#root.querySelectorAll(".kept")) {
      el.src = this.#keptUrl;
      el.alt = "Your selfie, shown mirrored as in the camera view";
    }
    img.classList.toggle("good", last.passed);
    img.classList.toggle("bad", !last.passed);
    const h = this.#root.querySelector('[data-screen="review"] h2');
    const verdict = this.#root.querySelector('[data-screen="review"] .verdict');
    const tip = this.#root.querySelector('[data-screen="review"] .tip');
    const confirm = this.#root.querySelector('[data-action="confirm"]');
    const retake = this.#root.querySelector('[data-screen="review"] [data-action="retake"]');
    verdict.classList.toggle("good", last.passed);
    verdict.classList.toggle("bad", !last.passed);
    if (last.passed) {
      h.textContent = "Check your selfie";
      verdict.textContent = last.idMatch ? "Looks good. We saw you follow the prompts, and you match the photo on your ID." : "Looks good. We saw you follow the prompts.";
      tip.textContent = "Keep this selfie, or take it again.";
      confirm.hidden = false;
      retake.textContent = "Retake";
      retake.className = "secondary";
      retake.setAttribute("part", "button secondary");
    } else {
      h.textContent = "Let's try that again";
      verdict.textContent = last.reason.text;
      tip.textContent = last.reason.tip ?? "";
      confirm.hidden = true;
      retake.textContent = "Try again";
      retake.className = "primary";
      retake.setAttribute("part", "button primary");
    }
    this.#show("review");
    this.#emit("progress", { screen: "review", passed: last.passed, code: last.reason?.code ?? "PASSED" });
  }

  #confirm() {
    if (!this.#last?.passed) return;
    this.#show("done");
    this.#emit("result", this.#last);
  }

  // --- the camera and its interruptions -------------------------------------------------------

  #stopCamera() {
    stopStream(this.#stream, this.#root.querySelector("video"));
    this.#stream = null;
  }

  /** The page or the element was hidden while the camera ran: stop, and say so on the intro. */
  #interrupt() {
    if (!["camera", "challenge"].includes(this.#screen)) return;
    this.#token++;
    this.#abort?.abort();
    this.#stopCamera();
    this.#show("intro", false);
    this.#notice(describeError(cameraError("CAMERA_STOPPED", "hidden")).text);
    this.#emit("progress", { screen: "intro", code: "CAMERA_STOPPED" });
  }

  #onVisibility = () => {
    if (document.visibilityState === "hidden") this.#interrupt();
  };

  #fail(err) {
    const { code, text, detail } = describeError(err);
    const camera = code.startsWith("CAMERA_");
    this.#root.querySelector('[data-screen="error"] h2').textContent = camera ? "We couldn't start the camera" : "Something went wrong";
    this.#root.querySelector('[data-screen="error"] .message').textContent = text;
    this.#root.querySelector('[data-screen="error"]').dataset.code = code;
    this.#show("error");
    this.#emit("error", { code, message: text, detail, error: err });
  }

  // --- drawing --------------------------------------------------------------------------------

  #show(screen, focus = true) {
    this.#screen = screen;
    this.setAttribute("screen", screen);
    const section = screen === "challenge" ? "camera" : screen;
    for (const s of this.#root.querySelectorAll("[data-screen]")) s.hidden = s.dataset.screen !== section;
    if (screen === "camera") {
      this.#root.querySelector(".camera-hint").textContent = "The picture is taken automatically when you're in position.";
      this.#arrow(null);
    }
    if (focus) {
      const h = this.#root.querySelector(`[data-screen="${section}"] h2`);
      h?.focus({ preventScroll: true });
      if (screen !== "intro") this.scrollIntoView?.({ block: "nearest", behavior: matchMedia("(prefers-reduced-motion: reduce)").matches ? "auto" : "smooth" });
    }
  }

  /** The prompt in the oval (an aria-live region): changed only when the advice has settled. */
  #setPrompt(g, now = false) {
    const el = this.#root.querySelector(".prompt");
    // Advice is shown once two looks in a row agree on it: no flicker, no chatter.
    const pending = this.#pendingPrompt;
    this.#pendingPrompt = g.code;
    if (!now && pending !== g.code && this.#shownPrompt) return;
    if (this.#shownPrompt?.code === g.code && this.#shownPrompt?.text === g.text) return;
    this.#shownPrompt = { code: g.code, text: g.text };
    el.dataset.code = g.code;
    el.replaceChildren();
    if (g.step) {
      const s = document.createElement("span");
      s.className = "visually-hidden";
      s.textContent = g.step;
      el.append(s);
    }
    el.append(g.text);
  }

  #setHold(share) {
    const hold = this.#root.querySelector(".hold");
    hold.setAttribute("stroke-dashoffset", String(100 - share * 100));
    hold.classList.toggle("empty", share <= 0);
  }

  #stepbar(p) {
    const bar = this.#root.querySelector(".stepbar");
    if (!p) {
      bar.hidden = true;
      return;
    }
    bar.hidden = false;
    const current = Math.min(p.step + 1, p.of);
    bar.querySelector(".steptext").textContent = p.step >= p.of ? "All steps done" : `Step ${current} of ${p.of}`;
    bar.setAttribute("aria-valuemax", String(p.of));
    bar.setAttribute("aria-valuenow", String(p.step));
    bar.setAttribute("aria-valuetext", bar.querySelector(".steptext").textContent);
    const dots = bar.querySelector(".dots");
    dots.replaceChildren(...Array.from({ length: p.of }, (_, i) => {
      const d = document.createElement("span");
      d.className = `dot${i < p.step ? " done" : i === p.step ? " now" : ""}`;
      return d;
    }));
  }

  /** The arrow beside the oval for a turn (mirrored view: the person's left is the screen's left). */
  #arrow(action) {
    this.#root.querySelector(".arrow-left").hidden = action !== "turn_left";
    this.#root.querySelector(".arrow-right").hidden = action !== "turn_right";
  }

  /** The dimmed surround with the oval cut out. */
  #drawDim() {
    const { cx, cy, rx, ry } = OVAL;
    const d = `M0 0H300V400H0Z M${cx - rx} ${cy}a${rx} ${ry} 0 1 0 ${2 * rx} 0a${rx} ${ry} 0 1 0 ${-2 * rx} 0Z`;
    this.#root.querySelector(".dim").setAttribute("d", d);
  }

  #notice(text) {
    this.#root.querySelector(".notice").textContent = text;
  }

  #emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }
}

if (typeof customElements !== "undefined" && !customElements.get("veriface-selfie")) {
  customElements.define("veriface-selfie", VerifaceSelfieElement);
}
