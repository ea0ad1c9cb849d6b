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
//
// This file is the element and its flow (what happens when, and what it tells the page). The
// markup is in templates.js, the drawing in selfie-view.js, the live guidance before the
// challenge in selfie-guidance.js, the `result` detail in selfie-result.js, and the Veriface it
// uses (the page's, or one it loads) in veriface-source.js.

import { ACTIONS, describeError } from "./words.js";
import { cameraError, startCamera, stopStream } from "./media.js";
import { ElementBase, adoptStyles } from "./styles.js";
import { SELFIE_TEMPLATE, stamp } from "./templates.js";
import { SelfieView } from "./selfie-view.js";
import { guide } from "./selfie-guidance.js";
import { selfieOutcome } from "./selfie-result.js";
import { VerifaceSource } from "./veriface-source.js";

export class VerifaceSelfieElement extends ElementBase {
  static get observedAttributes() {
    return ["actions", "hold-ms"];
  }

  #root;
  #vf = new VerifaceSource();
  #challenge = null;
  #idFront = null;
  #screen = "intro";
  #stream = null;
  #token = 0;
  #abort = null;
  #cameraOnAt = 0;
  #last = null;
  #resize = null;
  #view;

  constructor() {
    super();
    this.#root = this.attachShadow({ mode: "open" });
    adoptStyles(this.#root);
    stamp(this.#root, SELFIE_TEMPLATE);
    this.#view = new SelfieView(this.#root);
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
        else this.#view.drawDim();
      });
      this.#resize.observe(this);
    }
    this.#view.drawDim();
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
    return this.#vf.value;
  }

  set veriface(value) {
    this.#vf.value = value;
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
    this.#view.notice("");
    this.#last = null;
    this.#show("camera");
    this.#view.prompt({ code: "STARTING", text: "Starting the camera…" }, true);
    this.#view.hold(0);
    this.#view.stepbar(null);
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
    this.#view.drawDim();
    if (!this.#vf.loaded) this.#view.prompt({ code: "LOADING", text: "Getting ready…" }, true);
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
    // Whatever runs stops first (a call from code may come mid-challenge): its camera and its
    // challenge go, so the new attempt starts alone.
    this.#last = null;
    this.#token++;
    this.#abort?.abort();
    this.#stopCamera();
    this.#show("intro", false);
    this.start();
  }

  /** Back to the intro, the camera off, nothing kept. */
  reset() {
    this.#token++;
    this.#abort?.abort();
    this.#stopCamera();
    this.#last = null;
    this.#view.release();
    this.#view.notice("");
    this.#show("intro", false);
  }

  // --- the flow -------------------------------------------------------------------------------

  #ensureVeriface() {
    return this.#vf.ensure(this.#root, this.#screen, (p) => {
      this.#emit("progress", { screen: this.#screen, code: "LOADING", loaded: p.loaded, total: p.total });
    });
  }

  /** The live guidance (selfie-guidance.js), then the challenge once every check has held. */
  async #guide(token, vf) {
    const outcome = await guide(vf, this.#root.querySelector("video"), this.#view, {
      live: () => token === this.#token && this.#screen === "camera",
      holdMs: () => this.holdMs,
      cameraOnAt: this.#cameraOnAt,
      onAdvice: (g, report) => this.#emit("progress", { screen: "camera", code: g.code, text: g.text, report }),
    });
    if (outcome.ready) {
      this.#runChallenge(token, vf);
    } else if ("error" in outcome) {
      this.#stopCamera();
      this.#fail(outcome.error);
    }
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
    this.#view.challenge();
    const video = this.#root.querySelector("video");
    let challenge;
    let run;
    let abort = null;
    try {
      challenge = await this.#nextChallenge(vf);
      if (token !== this.#token) return;
      abort = new AbortController();
      this.#abort = abort;
      this.#view.stepbar({ step: 0, of: challenge.steps.length });
      run = await vf.runChallenge(video, challenge, {
        signal: abort.signal,
        onStep: (s) => token === this.#token && this.#onStep(s),
      });
    } catch (err) {
      if (token !== this.#token) return; // stopped: cancelled, hidden or removed
      this.#stopCamera();
      this.#fail(err);
      return;
    } finally {
      // Only this run's: a newer attempt may have its own by now.
      if (this.#abort === abort) this.#abort = null;
    }
    if (token !== this.#token) return;
    // The camera goes off as soon as the frames are in.
    this.#stopCamera();
    this.#show("checking");
    this.#emit("progress", { screen: "checking" });
    const outcome = await selfieOutcome(vf, challenge, run, this.#idFront);
    if (token !== this.#token) return;
    this.#last = outcome;
    this.#review(this.#last);
    // A failure is final as soon as it is known; a pass once the person keeps it.
    if (!outcome.passed) this.#emit("result", this.#last);
  }

  #onStep(s) {
    this.#view.step(s);
    const action = ACTIONS[s.action];
    this.#emit("progress", { screen: "challenge", code: s.kind.toUpperCase(), step: s.step, of: s.of, action: s.action, text: action?.prompt ?? s.prompt });
  }

  #review(last) {
    this.#view.review(last);
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
    this.#view.notice(describeError(cameraError("CAMERA_STOPPED", "hidden")).text);
    this.#emit("progress", { screen: "intro", code: "CAMERA_STOPPED" });
  }

  #onVisibility = () => {
    if (document.visibilityState === "hidden") this.#interrupt();
  };

  #fail(err) {
    const { code, text, detail } = describeError(err);
    this.#view.error(code, text);
    this.#show("error");
    this.#emit("error", { code, message: text, detail, error: err });
  }

  // --- the screens and events -----------------------------------------------------------------

  #show(screen, focus = true) {
    this.#screen = screen;
    this.setAttribute("screen", screen);
    this.#view.show(screen, focus);
    if (focus && screen !== "intro") this.scrollIntoView?.({ block: "nearest", behavior: matchMedia("(prefers-reduced-motion: reduce)").matches ? "auto" : "smooth" });
  }

  #emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }
}

if (typeof customElements !== "undefined" && !customElements.get("veriface-selfie")) {
  customElements.define("veriface-selfie", VerifaceSelfieElement);
}
