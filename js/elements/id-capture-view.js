// What <veriface-id-capture> draws in its shadow DOM: which screen is open, the camera screen's
// card guide and prompt, and the review and error screens. Kept apart from the element so that
// id-capture.js reads as the flow (a file or the camera -> the checks -> review) and this file
// as what the person sees. The view also knows where the card guide sits on screen, so it is
// the one to cut the guided part out of a camera frame. It remembers only the object URL of the
// picture it shows; the flow's state stays in the element.

import { canvas2d } from "./media.js";

// The card guide in the 400 x 300 user units of the camera overlay (ID-1: 85.6 x 54 mm); the
// template's guide rectangle and dimmed surround are drawn with the same numbers.
const GUIDE = { x: 30, y: 60, width: 340, height: 214.5 };

export class IdCaptureView {
  #root;
  #url = null;

  /** @param {ShadowRoot} root the element's shadow root, already stamped with ID_CAPTURE_TEMPLATE */
  constructor(root) {
    this.#root = root;
  }

  /** Shows the section for `screen` and, unless told not to, focuses its heading. */
  show(screen, focus) {
    for (const s of this.#root.querySelectorAll("[data-screen]")) s.hidden = s.dataset.screen !== screen;
    if (focus) this.#root.querySelector(`[data-screen="${screen}"] h2`)?.focus({ preventScroll: true });
  }

  /**
   * The card region of the current camera frame: what the guide frames on screen (the viewport
   * shows the middle of the frame, object-fit: cover), as a canvas at the camera's resolution.
   */
  grab(video) {
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

  /** The card guide turns green while every check passes. */
  ready(on) {
    this.#root.querySelector(".card-guide").classList.toggle("ready", on);
  }

  /** The prompt over the camera (an aria-live region): written only when it changes. */
  prompt(text) {
    const el = this.#root.querySelector(".prompt");
    if (el.textContent !== text) el.textContent = text;
  }

  /** Lets the kept picture go (a reset): its object URL is revoked and the images emptied. */
  release() {
    if (this.#url) URL.revokeObjectURL(this.#url);
    this.#url = null;
    for (const el of this.#root.querySelectorAll(".picture")) el.removeAttribute("src");
  }

  /** Fills the review screen (and the done screen's picture) for a checked picture. */
  review(last) {
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
    this.fileName(last.from === "file" ? `${last.name}${last.scaled ? ` (scaled down from ${last.originalWidth} × ${last.originalHeight})` : ""}` : "");
  }

  /** Fills the error screen: a camera problem or anything else, in words, its code kept as data. */
  error(code, text) {
    const camera = code.startsWith("CAMERA_");
    const section = this.#root.querySelector('[data-screen="error"]');
    section.querySelector("h2").textContent = camera ? "We couldn't start the camera" : "Something went wrong";
    section.querySelector(".message").textContent = text;
    section.dataset.code = code;
  }

  /** The picture's file name, on the checking, review and done screens (empty for the camera). */
  fileName(text) {
    for (const el of this.#root.querySelectorAll(".file-name")) el.textContent = text;
  }

  /** The line on the intro that says why the camera stopped (empty to clear it). */
  notice(text) {
    this.#root.querySelector(".notice").textContent = text;
  }
}
