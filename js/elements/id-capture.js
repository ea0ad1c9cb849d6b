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

import { GLARE_MAX, SHARPNESS_MIN, around, glare, sharpness } from "./card-quality.js";
import { canvas2d, readImageFile, startCamera, stopStream, toJpeg } from "./media.js";
import { ElementBase, adoptStyles } from "./styles.js";
import { describeError } from "./words.js";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The smallest portrait (face box width, in pixels of the picture) worth matching. */
export const PORTRAIT_MIN_PX = 40;
// The card guide in the 400 x 300 user units of the camera overlay (ID-1: 85.6 x 54 mm).
const GUIDE = { x: 30, y: 60, width: 340, height: 214.5 };

/** The checks' words: what is wrong and what to do. */
const PROBLEMS = {
  PORTRAIT_NOT_FOUND: ["We couldn't find the photo of your face on the ID.", "Use the side of the ID with your photo, fill the frame with it, and avoid shadows."],
  PORTRAIT_TOO_SMALL: ["The photo on the ID is too small to check.", "Move the camera closer, or use a larger picture of the ID."],
  CARD_BLURRY: ["The picture is blurry.", "Hold the camera steady, let it focus, and make sure there's enough light."],
  GLARE_ON_PORTRAIT: ["There's glare on the photo of your face.", "Tilt the ID or move away from direct light."],
};
const LIVE_PROMPTS = {
  PORTRAIT_NOT_FOUND: "Fit the front of your ID in the frame",
  PORTRAIT_TOO_SMALL: "Move the ID closer",
  CARD_BLURRY: "Hold still: the picture is blurry",
  GLARE_ON_PORTRAIT: "Tilt the ID to remove the glare",
  HOLD: "Hold still…",
};

const TEMPLATE = `
<section class="screen" part="screen" data-screen="intro">
  <h2 tabindex="-1" part="heading">Photo of your ID</h2>
  <ol class="steps">
    <li>Use the front of your ID card, or the photo page of your passport.</li>
    <li>Lay it on a dark, flat surface in good light.</li>
    <li>Make sure the whole ID is in the picture, with no glare on your photo.</li>
  </ol>
  <p class="privacy">The picture is checked on this device.</p>
  <div class="drop" part="drop">
    <p>Drop a photo of your ID here, or:</p>
  </div>
  <p class="notice status-line" role="status"></p>
  <div class="actions">
    <button type="button" class="primary" part="button primary" data-action="camera">Use the camera</button>
    <button type="button" class="secondary" part="button secondary" data-action="pick">Upload a photo</button>
  </div>
  <input type="file" accept="image/*" hidden tabindex="-1" aria-hidden="true">
</section>
<section class="screen" part="screen" data-screen="camera" hidden>
  <h2 class="visually-hidden" tabindex="-1" part="heading">ID camera</h2>
  <div class="viewport card" part="viewport">
    <video playsinline muted aria-hidden="true"></video>
    <svg viewBox="0 0 400 300" preserveAspectRatio="none" aria-hidden="true" focusable="false">
      <path class="dim" fill-rule="evenodd" d="M0 0H400V300H0Z M30 60H370V274.5H30Z"></path>
      <rect class="card-guide" x="30" y="60" width="340" height="214.5" rx="14"></rect>
    </svg>
    <p class="prompt" part="prompt" role="status" aria-live="polite" aria-atomic="true"></p>
  </div>
  <p class="muted status-line">The photo is taken automatically when the ID is sharp and in the frame.</p>
  <div class="actions">
    <button type="button" class="primary" part="button primary" data-action="shutter">Take photo now</button>
    <button type="button" class="secondary" part="button secondary" data-action="cancel">Cancel</button>
  </div>
</section>
<section class="screen" part="screen" data-screen="checking" hidden>
  <h2 tabindex="-1" part="heading">Checking the photo…</h2>
  <div class="spinner" aria-hidden="true"></div>
  <p class="file-name" role="status"></p>
</section>
<section class="screen" part="screen" data-screen="review" hidden>
  <h2 tabindex="-1" part="heading">Check your ID photo</h2>
  <img class="picture" alt="">
  <p class="file-name"></p>
  <p class="verdict" role="status"></p>
  <p class="tip muted"></p>
  <div class="actions">
    <button type="button" class="primary" part="button primary" data-action="confirm">Use this photo</button>
    <button type="button" class="secondary" part="button secondary" data-action="again">Take another</button>
  </div>
</section>
<section class="screen" part="screen" data-screen="done" hidden>
  <h2 tabindex="-1" part="heading">ID photo saved</h2>
  <img class="picture good" alt="">
  <p class="file-name"></p>
  <div class="actions"><button type="button" class="secondary" part="button secondary" data-action="again">Change photo</button></div>
</section>
<section class="screen" part="screen" data-screen="error" hidden>
  <h2 tabindex="-1" part="heading">We couldn't start the camera</h2>
  <p class="message" role="alert"></p>
  <div class="actions">
    <button type="button" class="primary" part="button primary" data-action="camera">Try again</button>
    <button type="button" class="secondary" part="button secondary" data-action="back">Upload a photo instead</button>
  </div>
</section>
<div class="loading" hidden><span>Getting ready…</span><progress max="1" aria-label="Getting ready"></progress></div>
`;

export class VerifaceIdCaptureElement extends ElementBase {
  static get observedAttributes() {
    return ["hold-ms"];
  }

  #root;
  #vf = null;
  #vfPromise = null;
  #screen = "intro";
  #stream = null;
  #token = 0;
  #last = null;
  #url = null;
  #resize = null;
  #shutter = false;

  constructor() {
    super();
    this.#root = this.attachShadow({ mode: "open" });
    adoptStyles(this.#root);
    const holder = document.createElement("div");
    holder.innerHTML = TEMPLATE;
    this.#root.append(...holder.childNodes);
    const input = this.#root.querySelector('input[type="file"]');
    this.#root.addEventListener("click", (e) => {
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
    const drop = this.#root.querySelector(".drop");
    // A file dropped anywhere on the element (never the browser's own navigation to it).
    const accepting = () => ["intro", "review", "done", "error"].includes(this.#screen);
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
    this.#root.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && this.#screen === "camera") {
        e.preventDefault();
        this.reset();
      }
    });
  }

  connectedCallback() {
    if (!this.hasAttribute("screen")) this.setAttribute("screen", this.#screen);
    document.addEventListener("visibilitychange", this.#onVisibility);
    if (typeof ResizeObserver === "function") {
      this.#resize = new ResizeObserver(([entry]) => {
        if (entry.contentRect.width === 0 && entry.contentRect.height === 0) this.#interrupt();
      });
      this.#resize.observe(this);
    }
  }

  disconnectedCallback() {
    document.removeEventListener("visibilitychange", this.#onVisibility);
    this.#resize?.disconnect();
    this.#token++;
    this.#stopCamera();
  }

  attributeChangedCallback() {}

  /** The loaded Veriface the element uses (or a promise of one). */
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

  /** How long the camera checks must hold before the photo is taken, in ms (default 1000). */
  get holdMs() {
    const v = Number(this.getAttribute("hold-ms"));
    return Number.isFinite(v) && v > 0 ? v : 1000;
  }

  set holdMs(value) {
    this.setAttribute("hold-ms", String(value));
  }

  /** The open screen: intro, camera, checking, review, done or error. */
  get screen() {
    return this.#screen;
  }

  /** The last picture's `result` event detail, or null. */
  get lastResult() {
    return this.#last;
  }

  /** Back to the intro, the camera off, nothing kept. */
  reset() {
    this.#token++;
    this.#stopCamera();
    const had = this.#last;
    this.#last = null;
    this.#notice("");
    this.#show("intro");
    if (had) this.#emit("progress", { screen: "intro", code: "CLEARED" });
  }

  /** Checks a picture file (any format the browser decodes). */
  async useFile(file) {
    const token = ++this.#token;
    this.#stopCamera();
    this.#last = null;
    const name = file?.name || "The picture";
    this.#fileName(name);
    this.#show("checking");
    this.#emit("progress", { screen: "checking", name });
    let read;
    try {
      read = await readImageFile(file);
    } catch (err) {
      if (token !== this.#token) return;
      const { code, text } = describeError(err);
      this.#refuse({ from: "file", name, code, text, tip: "Use a photo of your ID (for example JPEG, PNG or WebP).", checks: [] });
      return;
    }
    if (token !== this.#token) return;
    const region = { x: 0, y: 0, width: read.width, height: read.height };
    await this.#judge(token, { from: "file", name, source: read.source, bitmap: read.bitmap, region, scaled: read.scaled, originalWidth: read.originalWidth, originalHeight: read.originalHeight, image: read.decodedHere ? null : file });
  }

  /** Starts the camera (the back camera on a phone) with live checks and an automatic photo. */
  async startCamera() {
    const token = ++this.#token;
    this.#last = null;
    this.#notice("");
    this.#show("camera");
    this.#prompt("Starting the camera…");
    const video = this.#root.querySelector("video");
    const vfReady = this.#ensureVeriface().catch((err) => err);
    try {
      this.#stream = await startCamera(video, { facingMode: "environment", width: 1280, height: 720 });
    } catch (err) {
      if (token !== this.#token) return;
      this.#fail(err);
      return;
    }
    if (token !== this.#token) {
      this.#stopCamera();
      return;
    }
    if (!this.#vf) this.#prompt("Getting ready…");
    const vf = await vfReady;
    if (token !== this.#token) return;
    if (vf instanceof Error) {
      this.#stopCamera();
      this.#fail(vf);
      return;
    }
    this.#live(token, vf);
  }

  // --- the flow -------------------------------------------------------------------------------

  async #ensureVeriface() {
    if (this.#vf) return this.#vf;
    if (this.#vfPromise) return (this.#vf = await this.#vfPromise);
    const loading = this.#root.querySelector(".loading");
    loading.hidden = false;
    this.#root.querySelector(`[data-screen="${this.#screen}"]`)?.append(loading);
    const { Veriface } = await import("../index.js");
    const promise = Veriface.load({
      onProgress: (p) => {
        loading.querySelector("progress").value = p.total ? p.loaded / p.total : 0;
        this.#emit("progress", { screen: this.#screen, code: "LOADING", loaded: p.loaded, total: p.total });
      },
    });
    this.#vfPromise = promise;
    try {
      return (this.#vf = await promise);
    } catch (err) {
      if (this.#vfPromise === promise) this.#vfPromise = null;
      throw err;
    } finally {
      loading.hidden = true;
    }
  }

  /** The card region of the current camera frame: what the guide frames, as a canvas. */
  #grab(video) {
    const vw = video.videoWidth;
    const vh = video.videoHeight;
    const viewport = this.#root.querySelector(".viewport");
    const W = viewport.clientWidth || 400;
    const H = viewport.clientHeight || 300;
    const s = Math.max(W / vw, H / vh);
    const ox = (W - vw * s) / 2;
    const oy = (H - vh * s) / 2;
    const x = Math.max(0, Math.round(((GUIDE.x / 400) * W - ox) / s));
    const y = Math.max(0, Math.round(((GUIDE.y / 300) * H - oy) / s));
    const w = Math.min(vw - x, Math.round(((GUIDE.width / 400) * W) / s));
    const h = Math.min(vh - y, Math.round(((GUIDE.height / 300) * H) / s));
    const ctx = canvas2d(w, h);
    ctx.drawImage(video, x, y, w, h, 0, 0, w, h);
    return ctx.canvas;
  }

  async #live(token, vf) {
    const video = this.#root.querySelector("video");
    let goodSince = null;
    let lastCode = null;
    this.#shutter = false;
    while (token === this.#token && this.#screen === "camera") {
      const t0 = performance.now();
      if (video.readyState < 2 || !video.videoWidth) {
        await sleep(100);
        continue;
      }
      const card = this.#grab(video);
      let verdict;
      try {
        verdict = await this.#assess(vf, card, card, { x: 0, y: 0, width: card.width, height: card.height });
      } catch {
        if (token !== this.#token) return;
        await sleep(200);
        continue;
      }
      if (token !== this.#token || this.#screen !== "camera") return;
      const now = performance.now();
      const first = verdict.checks.find((c) => !c.passed);
      if (!first) goodSince ??= now;
      else goodSince = null;
      this.#root.querySelector(".card-guide").classList.toggle("ready", !first);
      this.#prompt(LIVE_PROMPTS[first?.code ?? "HOLD"]);
      if ((first?.code ?? "HOLD") !== lastCode) {
        lastCode = first?.code ?? "HOLD";
        this.#emit("progress", { screen: "camera", code: lastCode, checks: verdict.checks });
      }
      if ((goodSince !== null && now - goodSince >= this.holdMs) || this.#shutter) {
        this.#shutter = false;
        this.#stopCamera();
        const image = await toJpeg(card, 0.92);
        if (token !== this.#token) return;
        const result = { from: "camera", name: "Camera photo", source: image, image, region: null, scaled: false, width: card.width, height: card.height, ...verdict };
        this.#settle(result);
        return;
      }
      await sleep(Math.max(0, 250 - (performance.now() - t0)));
    }
  }

  /** The three checks on `source` (its card in `region`): portrait found and large enough, sharp, no glare over the portrait. */
  async #assess(vf, detectSource, pixelsSource, region) {
    const found = await vf.detect(detectSource);
    const faces = found.faces ?? [];
    const portrait = faces.reduce((a, b) => (!a || b.box.x2 - b.box.x1 > a.box.x2 - a.box.x1 ? b : a), null);
    const width = portrait ? portrait.box.x2 - portrait.box.x1 : 0;
    const checks = [
      { code: "PORTRAIT_NOT_FOUND", value: faces.length, threshold: 1, passed: faces.length >= 1 },
    ];
    if (portrait) {
      checks.push({ code: "PORTRAIT_TOO_SMALL", value: width, threshold: PORTRAIT_MIN_PX, passed: width >= PORTRAIT_MIN_PX });
    }
    const sharp = sharpness(pixelsSource, region);
    checks.push({ code: "CARD_BLURRY", value: sharp, threshold: SHARPNESS_MIN, passed: sharp >= SHARPNESS_MIN });
    if (portrait) {
      const g = glare(pixelsSource, around(portrait.box, 0.1, found.image_width, found.image_height));
      checks.push({ code: "GLARE_ON_PORTRAIT", value: g, threshold: GLARE_MAX, passed: g <= GLARE_MAX });
    }
    return { checks, detect: found, portrait, passed: checks.every((c) => c.passed) };
  }

  async #judge(token, picture) {
    let vf;
    try {
      vf = await this.#ensureVeriface();
    } catch (err) {
      if (token !== this.#token) return;
      this.#fail(err);
      return;
    }
    if (token !== this.#token) return;
    let verdict;
    try {
      verdict = await this.#assess(vf, picture.source, picture.bitmap, picture.region);
    } catch (err) {
      if (token !== this.#token) return;
      const { code, text } = describeError(err);
      this.#refuse({ ...picture, code, text, tip: "Use another photo of your ID.", checks: [] });
      return;
    }
    if (token !== this.#token) return;
    let image = picture.image;
    if (!image) {
      // Decoded here (another format, or scaled down): the picture as a JPEG, for the page to keep.
      const ctx = canvas2d(picture.bitmap.width, picture.bitmap.height);
      ctx.drawImage(picture.bitmap, 0, 0);
      image = await toJpeg(ctx.canvas, 0.92);
    }
    if (token !== this.#token) return;
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
    this.#review(this.#last);
  }

  #refuse(picture) {
    this.#last = { ...picture, passed: false, reason: { code: picture.code, text: picture.text, tip: picture.tip } };
    this.#review(this.#last);
    this.#emit("result", this.#detail(this.#last));
  }

  #review(last) {
    const section = this.#root.querySelector('[data-screen="review"]');
    const img = section.querySelector(".picture");
    if (this.#url) URL.revokeObjectURL(this.#url);
    this.#url = last.image ? URL.createObjectURL(last.image) : null;
    for (const el of this.#root.querySelectorAll(".picture")) {
      if (this.#url) el.src = this.#url;
      else el.removeAttribute("src");
      el.alt = `The picture of your ID${last.from === "file" ? `: ${last.name}` : ""}`;
    }
    img.hidden = !this.#url;
    img.classList.toggle("good", last.passed);
    img.classList.toggle("bad", !last.passed);
    const verdict = section.querySelector(".verdict");
    verdict.classList.toggle("good", last.passed);
    verdict.classList.toggle("bad", !last.passed);
    const confirm = section.querySelector('[data-action="confirm"]');
    const again = section.querySelector('[data-action="again"]');
    if (last.passed) {
      section.querySelector("h2").textContent = "Check your ID photo";
      verdict.textContent = "The photo is clear and we found your portrait on it.";
      section.querySelector(".tip").textContent = "Make sure it's your own ID, then keep it.";
      confirm.hidden = false;
      again.textContent = "Take another";
      again.className = "secondary";
      again.setAttribute("part", "button secondary");
    } else {
      section.querySelector("h2").textContent = "Let's try another photo";
      verdict.textContent = last.reason.text;
      section.querySelector(".tip").textContent = last.reason.tip ?? "";
      confirm.hidden = true;
      again.textContent = "Try again";
      again.className = "primary";
      again.setAttribute("part", "button primary");
    }
    this.#fileName(last.from === "file" ? `${last.name}${last.scaled ? ` (scaled down from ${last.originalWidth} × ${last.originalHeight})` : ""}` : "");
    this.#show("review");
    this.#emit("progress", { screen: "review", passed: last.passed, code: last.reason?.code ?? "PASSED" });
  }

  #confirm() {
    if (!this.#last?.passed) return;
    this.#show("done");
    this.#emit("result", this.#detail(this.#last));
  }

  /** The event detail: what the page keeps. */
  #detail(last) {
    const { passed, reason, from, name, source, image, checks, detect, portrait, width, height, scaled } = last;
    return { passed, reason, from, name, source: passed ? source : null, image: passed ? image : null, checks, detect: detect ?? null, portrait: portrait ?? null, width, height, scaled: !!scaled };
  }

  // --- the camera and drawing -----------------------------------------------------------------

  #stopCamera() {
    stopStream(this.#stream, this.#root.querySelector("video"));
    this.#stream = null;
  }

  #interrupt() {
    if (this.#screen !== "camera") return;
    this.#token++;
    this.#stopCamera();
    this.#show("intro", false);
    this.#notice(describeError({ code: "CAMERA_STOPPED" }).text);
    this.#emit("progress", { screen: "intro", code: "CAMERA_STOPPED" });
  }

  #onVisibility = () => {
    if (document.visibilityState === "hidden") this.#interrupt();
  };

  #fail(err) {
    const { code, text, detail } = describeError(err);
    const camera = code.startsWith("CAMERA_");
    const section = this.#root.querySelector('[data-screen="error"]');
    section.querySelector("h2").textContent = camera ? "We couldn't start the camera" : "Something went wrong";
    section.querySelector(".message").textContent = text;
    section.dataset.code = code;
    this.#show("error");
    this.#emit("error", { code, message: text, detail, error: err });
  }

  #show(screen, focus = true) {
    this.#screen = screen;
    this.setAttribute("screen", screen);
    for (const s of this.#root.querySelectorAll("[data-screen]")) s.hidden = s.dataset.screen !== screen;
    if (focus) this.#root.querySelector(`[data-screen="${screen}"] h2`)?.focus({ preventScroll: true });
  }

  #prompt(text) {
    const el = this.#root.querySelector(".prompt");
    if (el.textContent !== text) el.textContent = text;
  }

  #fileName(text) {
    for (const el of this.#root.querySelectorAll(".file-name")) el.textContent = text;
  }

  #notice(text) {
    this.#root.querySelector(".notice").textContent = text;
  }

  #emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }
}

if (typeof customElements !== "undefined" && !customElements.get("veriface-id-capture")) {
  customElements.define("veriface-id-capture", VerifaceIdCaptureElement);
}
