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
// uses (the page's, or one it loads) in veriface-source.js. The lifecycle it shares with
// <veriface-id-capture> (the shadow root, the camera's interruptions, failing, screens, events,
// the `veriface` property) is in capture-element.js; this element's hooks there: the challenge
// is a camera screen too, and is aborted with everything else that runs when the element is
// interrupted, removed, cancelled or reset; a shown screen is scrolled into view; the camera
// view's dim is redrawn when the element is connected or resized.

import { ACTIONS, describeError } from "./words.js";
import { cameraError, startCamera } from "./media.js";
import { CaptureElement } from "./capture-element.js";
import { SELFIE_TEMPLATE } from "./templates.js";
import { SelfieView } from "./selfie-view.js";
import { guide } from "./selfie-guidance.js";
import { selfieOutcome } from "./selfie-result.js";

export class VerifaceSelfieElement extends CaptureElement {
  static get observedAttributes() {
    return ["actions", "hold-ms"];
  }

  #challenge = null;
  #idFront = null;
  #abort = null;
  #cameraOnAt = 0;
  #last = null;

  constructor() {
    super(SELFIE_TEMPLATE, SelfieView);
    this._root.addEventListener("click", (e) => {
      const action = e.target.closest?.("button[data-action]")?.dataset.action;
      if (action === "start") this.start();
      else if (action === "cancel") this.cancel();
      else if (action === "retake") this.retake();
      else if (action === "confirm") this.#confirm();
    });
    this._root.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && (this._screen === "camera" || this._screen === "challenge")) {
        e.preventDefault();
        this.cancel();
      }
    });
  }

  connectedCallback() {
    super.connectedCallback();
    this._view.drawDim();
  }

  // --- the hooks of capture-element.js ----------------------------------------------------------

  get _cameraScreens() {
    return ["camera", "challenge"];
  }

  _halt() {
    this.#abort?.abort();
  }

  _interruptNotice() {
    return describeError(cameraError("CAMERA_STOPPED", "hidden")).text;
  }

  _resized() {
    this._view.drawDim();
  }

  _show(screen, focus = true) {
    super._show(screen, focus);
    if (focus && screen !== "intro") this.scrollIntoView?.({ block: "nearest", behavior: matchMedia("(prefers-reduced-motion: reduce)").matches ? "auto" : "smooth" });
  }

  // --- the page's API ---------------------------------------------------------------------------

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

  /** The last attempt's `result` event detail, or null. */
  get lastResult() {
    return this.#last;
  }

  /** Starts the camera (what the intro's button does). */
  async start() {
    if (this._screen === "camera" || this._screen === "challenge" || this._screen === "checking") return;
    const token = this._nextToken();
    this._view.notice("");
    this.#last = null;
    this._show("camera");
    this._view.prompt({ code: "STARTING", text: "Starting the camera…" }, true);
    this._view.hold(0);
    this._view.stepbar(null);
    const vfReady = this._ensureVeriface().catch((err) => err);
    const video = this._root.querySelector("video");
    try {
      this._stream = await startCamera(video, { facingMode: "user" });
    } catch (err) {
      if (token !== this._token) return;
      this._fail(err);
      return;
    }
    if (token !== this._token) {
      this._stopCamera();
      return;
    }
    this.#cameraOnAt = performance.now();
    this._view.drawDim();
    if (!this._verifaceLoaded) this._view.prompt({ code: "LOADING", text: "Getting ready…" }, true);
    const vf = await vfReady;
    if (token !== this._token) return;
    if (vf instanceof Error) {
      this._stopCamera();
      this._fail(vf);
      return;
    }
    this.#guide(token, vf);
  }

  /** Stops the camera and goes back to the intro. */
  cancel() {
    this._stopRunning();
    this._show("intro");
    this._emit("progress", { screen: "intro", code: "CANCELLED" });
  }

  /** Drops the kept selfie and starts again at the camera. */
  retake() {
    // Whatever runs stops first (a call from code may come mid-challenge): its camera and its
    // challenge go, so the new attempt starts alone.
    this.#last = null;
    this._stopRunning();
    this._show("intro", false);
    this.start();
  }

  /** Back to the intro, the camera off, nothing kept. */
  reset() {
    this._stopRunning();
    this.#last = null;
    this._view.release();
    this._view.notice("");
    this._show("intro", false);
  }

  // --- the flow -------------------------------------------------------------------------------

  /** The live guidance (selfie-guidance.js), then the challenge once every check has held. */
  async #guide(token, vf) {
    const outcome = await guide(vf, this._root.querySelector("video"), this._view, {
      live: () => token === this._token && this._screen === "camera",
      holdMs: () => this.holdMs,
      cameraOnAt: this.#cameraOnAt,
      onAdvice: (g, report) => this._emit("progress", { screen: "camera", code: g.code, text: g.text, report }),
    });
    if (outcome.ready) {
      this.#runChallenge(token, vf);
    } else if ("error" in outcome) {
      this._stopCamera();
      this._fail(outcome.error);
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
    this._setScreen("challenge");
    this._view.challenge();
    const video = this._root.querySelector("video");
    let challenge;
    let run;
    let abort = null;
    try {
      challenge = await this.#nextChallenge(vf);
      if (token !== this._token) return;
      abort = new AbortController();
      this.#abort = abort;
      this._view.stepbar({ step: 0, of: challenge.steps.length });
      run = await vf.runChallenge(video, challenge, {
        signal: abort.signal,
        onStep: (s) => token === this._token && this.#onStep(s),
      });
    } catch (err) {
      if (token !== this._token) return; // stopped: cancelled, hidden or removed
      this._stopCamera();
      this._fail(err);
      return;
    } finally {
      // Only this run's: a newer attempt may have its own by now.
      if (this.#abort === abort) this.#abort = null;
    }
    if (token !== this._token) return;
    // The camera goes off as soon as the frames are in.
    this._stopCamera();
    this._show("checking");
    this._emit("progress", { screen: "checking" });
    const outcome = await selfieOutcome(vf, challenge, run, this.#idFront);
    if (token !== this._token) return;
    this.#last = outcome;
    this._review(this.#last);
    // A failure is final as soon as it is known; a pass once the person keeps it.
    if (!outcome.passed) this._emit("result", this.#last);
  }

  #onStep(s) {
    this._view.step(s);
    const action = ACTIONS[s.action];
    this._emit("progress", { screen: "challenge", code: s.kind.toUpperCase(), step: s.step, of: s.of, action: s.action, text: action?.prompt ?? s.prompt });
  }

  #confirm() {
    if (this.#last?.passed) this._keep(this.#last);
  }
}

if (typeof customElements !== "undefined" && !customElements.get("veriface-selfie")) {
  customElements.define("veriface-selfie", VerifaceSelfieElement);
}
