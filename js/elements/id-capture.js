// <veriface-id-capture>: the ID-photo step of an identity check, framework-free, in its own
// shadow DOM. A photo of the front of an ID (the side with the portrait) from the camera, a file
// picker or a drop; it is accepted only when the detector finds the portrait and the picture is
// sharp and free of glare over the portrait (card-quality.js has the two measures and their
// thresholds). Then a review screen to keep it or take another, and a `result` event.
//
//   <veriface-id-capture></veriface-id-capture>
//   el.veriface = vf;   // a loaded Veriface, or the promise of one (else it loads one)
//   el.addEventListener("result", (e) => e.detail.passed && (selfie.idFront = e.detail.source));
//
// Any picture the browser can decode is accepted (JPEG, PNG, WebP, GIF, AVIF...): it is decoded
// here and large photos are brought under 4000 px a side first (media.js readImageFile). The
// camera view is not mirrored (an ID's text must read the right way round).
//
// This file is the element and its flow (a file or the camera -> the checks -> review, and what
// it tells the page). The markup is in templates.js, the drawing in id-capture-view.js, the
// checks and the live camera loop in id-capture-checks.js, and the Veriface it uses (the page's,
// or one it loads) in veriface-source.js. The lifecycle it shares with <veriface-selfie> (the
// shadow root, the camera's interruptions, failing, screens, events, the `veriface` property) is
// in capture-element.js, whose defaults this element keeps: only "camera" is a camera screen.

import { canvas2d, readImageFile, startCamera, toJpeg } from "./media.js";
import { CaptureElement } from "./capture-element.js";
import { ID_CAPTURE_TEMPLATE } from "./templates.js";
import { IdCaptureView } from "./id-capture-view.js";
import { PORTRAIT_MIN_PX, PROBLEMS, assess, watchCard } from "./id-capture-checks.js";
import { describeError } from "./words.js";

// Still exported from here, where pages and index.js have always found it.
export { PORTRAIT_MIN_PX };

export class VerifaceIdCaptureElement extends CaptureElement {
  static get observedAttributes() {
    return ["hold-ms"];
  }

  #last = null;
  #shutter = false;

  constructor() {
    super(ID_CAPTURE_TEMPLATE, IdCaptureView);
    const input = this._root.querySelector('input[type="file"]');
    this._root.addEventListener("click", (e) => {
      const action = e.target.closest?.("button[data-action]")?.dataset.action;
      if (action === "camera") this.startCamera();
      else if (action === "pick") input.click();
      else if (action === "cancel" || action === "back") this.reset();
      else if (action === "shutter") this.#shutter = true;
      else if (action === "again") this.reset();
      else if (action === "confirm") this.#confirm();
    });
    input.addEventListener("change", () => {
      const file = input.files?.[0];
      // Cleared at once: the picker never shows a name the element is not using.
      input.value = "";
      if (file) this.useFile(file);
    });
    const drop = this._root.querySelector(".drop");
    // A file dropped anywhere on the element (never the browser's own navigation to it).
    const accepting = () => ["intro", "review", "done", "error"].includes(this._screen);
    this.addEventListener("dragover", (e) => {
      e.preventDefault();
      drop.classList.toggle("over", accepting());
    });
    this.addEventListener("dragleave", () => drop.classList.remove("over"));
    this.addEventListener("drop", (e) => {
      e.preventDefault();
      drop.classList.remove("over");
      const file = e.dataTransfer?.files?.[0];
      if (file && accepting()) this.useFile(file);
    });
    this._root.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && this._screen === "camera") {
        e.preventDefault();
        this.reset();
      }
    });
  }

  /** The last picture's `result` event detail, or null. */
  get lastResult() {
    return this.#last;
  }

  /** Back to the intro, the camera off, nothing kept. */
  reset() {
    this._stopRunning();
    const had = this.#last;
    this.#last = null;
    this._view.release();
    this._view.notice("");
    this._show("intro");
    if (had) this._emit("progress", { screen: "intro", code: "CLEARED" });
  }

  /** Checks a picture file (any format the browser decodes). */
  async useFile(file) {
    const token = this._nextToken();
    this._stopCamera();
    this.#last = null;
    const name = file?.name || "The picture";
    this._view.fileName(name);
    this._show("checking");
    this._emit("progress", { screen: "checking", name });
    let read;
    try {
      read = await readImageFile(file);
    } catch (err) {
      if (token !== this._token) return;
      const { code, text } = describeError(err);
      this.#refuse({ from: "file", name, code, text, tip: "Use a photo of your ID (for example JPEG, PNG or WebP).", checks: [] });
      return;
    }
    if (token !== this._token) return;
    const region = { x: 0, y: 0, width: read.width, height: read.height };
    await this.#judge(token, { from: "file", name, source: read.source, bitmap: read.bitmap, region, scaled: read.scaled, originalWidth: read.originalWidth, originalHeight: read.originalHeight, image: read.decodedHere ? null : file });
  }

  /** Starts the camera (the back camera on a phone) with live checks and an automatic photo. */
  async startCamera() {
    const token = this._nextToken();
    this.#last = null;
    this._view.notice("");
    this._show("camera");
    this._view.prompt("Starting the camera…");
    const video = this._root.querySelector("video");
    const vfReady = this._ensureVeriface().catch((err) => err);
    try {
      this._stream = await startCamera(video, { facingMode: "environment", width: 1280, height: 720 });
    } catch (err) {
      if (token !== this._token) return;
      this._fail(err);
      return;
    }
    if (token !== this._token) {
      this._stopCamera();
      return;
    }
    if (!this._verifaceLoaded) this._view.prompt("Getting ready…");
    const vf = await vfReady;
    if (token !== this._token) return;
    if (vf instanceof Error) {
      this._stopCamera();
      this._fail(vf);
      return;
    }
    this.#live(token, vf);
  }

  // --- the flow -------------------------------------------------------------------------------

  /** The live checks (id-capture-checks.js), then the photo: when they have held, or on the button. */
  async #live(token, vf) {
    let lastCode = null;
    this.#shutter = false;
    const shot = await watchCard(vf, this._root.querySelector("video"), this._view, {
      live: () => token === this._token && this._screen === "camera",
      holdMs: () => this.holdMs,
      shutter: () => this.#shutter,
      onCode: (code, verdict) => {
        if (code === lastCode) return;
        lastCode = code;
        this._emit("progress", { screen: "camera", code, checks: verdict.checks });
      },
    });
    if (!shot) return;
    if (shot.error) {
      this._stopCamera();
      this._fail(shot.error);
      return;
    }
    const { card, verdict } = shot;
    this.#shutter = false;
    this._stopCamera();
    const image = await toJpeg(card, 0.92);
    if (token !== this._token) return;
    const result = { from: "camera", name: "Camera photo", source: image, image, region: null, scaled: false, width: card.width, height: card.height, ...verdict };
    this.#settle(result);
  }

  async #judge(token, picture) {
    let vf;
    try {
      vf = await this._ensureVeriface();
    } catch (err) {
      if (token !== this._token) return;
      this._fail(err);
      return;
    }
    if (token !== this._token) return;
    let verdict;
    try {
      verdict = await assess(vf, picture.source, picture.bitmap, picture.region);
    } catch (err) {
      if (token !== this._token) return;
      const { code, text } = describeError(err);
      this.#refuse({ ...picture, code, text, tip: "Use another photo of your ID.", checks: [] });
      return;
    }
    if (token !== this._token) return;
    let image = picture.image;
    if (!image) {
      // Decoded here (another format, or scaled down): the picture as a JPEG, for the page to keep.
      const ctx = canvas2d(picture.bitmap.width, picture.bitmap.height);
      ctx.drawImage(picture.bitmap, 0, 0);
      image = await toJpeg(ctx.canvas, 0.92);
    }
    if (token !== this._token) return;
    this.#settle({ ...picture, image, width: picture.bitmap.width, height: picture.bitmap.height, ...verdict });
  }

  /** A checked picture: the review screen, and a `result` at once when it was refused. */
  #settle(picture) {
    const first = picture.checks.find((c) => !c.passed);
    if (first) {
      const [text, tip] = PROBLEMS[first.code];
      this.#refuse({ ...picture, code: first.code, text, tip });
      return;
    }
    this.#last = { ...picture, passed: true, reason: null };
    this._review(this.#last);
  }

  #refuse(picture) {
    this.#last = { ...picture, passed: false, reason: { code: picture.code, text: picture.text, tip: picture.tip } };
    this._review(this.#last);
    this._emit("result", this.#detail(this.#last));
  }

  #confirm() {
    if (this.#last?.passed) this._keep(this.#detail(this.#last));
  }

  /** The event detail: what the page keeps. */
  #detail(last) {
    const { passed, reason, from, name, source, image, checks, detect, portrait, width, height, scaled } = last;
    return { passed, reason, from, name, source: passed ? source : null, image: passed ? image : null, checks, detect: detect ?? null, portrait: portrait ?? null, width, height, scaled: !!scaled };
  }
}

if (typeof customElements !== "undefined" && !customElements.get("veriface-id-capture")) {
  customElements.define("veriface-id-capture", VerifaceIdCaptureElement);
}
