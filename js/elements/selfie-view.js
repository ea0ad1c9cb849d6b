// What <veriface-selfie> draws in its shadow DOM: which screen is open, the camera screen (the
// prompt in the oval, the hold ring, the step bar, the turn arrows, the dimmed surround) and the
// review screen. Kept apart from the element so that selfie.js reads as the flow (camera ->
// guidance -> challenge -> review) and this file as what the person sees at each point. The view
// holds only what drawing needs to remember (the prompt shown and the one pending, the kept
// picture's object URL); the flow's state stays in the element.

import { ACTIONS } from "./words.js";

// The oval, in the 300 x 400 user units of the overlay (a 3:4 viewport); the template's guide
// ellipse and hold ring are drawn with the same numbers.
const OVAL = { cx: 150, cy: 185, rx: 105, ry: 140 };
// How far the face may sit from the oval's centre (share of its radii) and how wide it may be
// (share of the oval's width) before the person is asked to move.
const OVAL_OFFSET = 0.4;
const OVAL_MIN_WIDTH = 0.5;
const OVAL_MAX_WIDTH = 1.25;
// Degrees of head yaw beyond which the person is asked to look straight (the challenge's own
// frontal limit is 12).
const LOOK_STRAIGHT_YAW = 12;

const CAMERA_HINT = "The picture is taken automatically when you're in position.";

export class SelfieView {
  #root;
  #shownPrompt = null;
  #pendingPrompt = null;
  #keptUrl = null;

  /** @param {ShadowRoot} root the element's shadow root, already stamped with SELFIE_TEMPLATE */
  constructor(root) {
    this.#root = root;
  }

  /** Shows the section for `screen` (the challenge runs in the camera's) and focuses its heading. */
  show(screen, focus) {
    const section = screen === "challenge" ? "camera" : screen;
    for (const s of this.#root.querySelectorAll("[data-screen]")) s.hidden = s.dataset.screen !== section;
    if (screen === "camera") {
      this.#root.querySelector(".camera-hint").textContent = CAMERA_HINT;
      this.arrow(null);
    }
    if (focus) this.#root.querySelector(`[data-screen="${section}"] h2`)?.focus({ preventScroll: true });
  }

  /** The prompt in the oval (an aria-live region): changed only when the advice has settled. */
  prompt(g, now = false) {
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

  /** The ring round the oval that fills while every check holds (`share` 0..1 of the hold time). */
  hold(share) {
    const hold = this.#root.querySelector(".hold");
    hold.setAttribute("stroke-dashoffset", String(100 - share * 100));
    hold.classList.toggle("empty", share <= 0);
  }

  /** The oval turns green while every check passes. */
  ready(on) {
    this.#root.querySelector(".guide").classList.toggle("ready", on);
  }

  /** The camera screen as the challenge starts: no ring, a plain oval, the hint below changed. */
  challenge() {
    this.hold(0);
    this.#root.querySelector(".guide").classList.remove("ready");
    this.#root.querySelector(".camera-hint").textContent = "Follow the prompts in the oval.";
  }

  /** The challenge's step bar: `{ step, of }` (steps done, steps in all), or null to hide it. */
  stepbar(p) {
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

  /** A challenge step as `runChallenge`'s onStep reports it: the step bar, the arrow, the prompt. */
  step(s) {
    if (s.kind === "prompt") {
      this.stepbar({ step: s.step, of: s.of });
      this.arrow(s.action);
      this.prompt({ code: s.action, text: ACTIONS[s.action]?.prompt ?? s.prompt ?? "", step: `Step ${s.step + 1} of ${s.of}: ` }, true);
    } else if (s.kind === "done") {
      this.stepbar({ step: s.step + 1, of: s.of });
      if (s.step + 1 === s.of) {
        this.arrow(null);
        this.prompt({ code: "DONE", text: "Done. Hold on…" }, true);
      }
    } else if (s.kind === "timeout") {
      this.arrow(null);
    }
  }

  /** The arrow beside the oval for a turn (mirrored view: the person's left is the screen's left). */
  arrow(action) {
    this.#root.querySelector(".arrow-left").hidden = action !== "turn_left";
    this.#root.querySelector(".arrow-right").hidden = action !== "turn_right";
  }

  /** The dimmed surround with the oval cut out. */
  drawDim() {
    const { cx, cy, rx, ry } = OVAL;
    const d = `M0 0H300V400H0Z M${cx - rx} ${cy}a${rx} ${ry} 0 1 0 ${2 * rx} 0a${rx} ${ry} 0 1 0 ${-2 * rx} 0Z`;
    this.#root.querySelector(".dim").setAttribute("d", d);
  }

  /**
   * Where the face of a guidance `report` sits in the oval the person sees, as extra failed
   * codes (OUT_OF_OVAL, FACE_TOO_SMALL, FACE_TOO_CLOSE, LOOK_STRAIGHT). Measured on the screen,
   * not the frame: the viewport shows the middle of the frame (object-fit: cover), mirrored.
   */
  ovalProblems(report) {
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

  /** Lets the kept picture go (a reset): its object URL is revoked and the images emptied. */
  release() {
    if (this.#keptUrl) URL.revokeObjectURL(this.#keptUrl);
    this.#keptUrl = null;
    for (const el of this.#root.querySelectorAll(".kept")) el.removeAttribute("src");
  }

  /** Fills the review screen (and the done screen's picture) for an attempt's `result` detail. */
  review(last) {
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
  }

  /** Fills the error screen: a camera problem or anything else, in words, its code kept as data. */
  error(code, text) {
    const camera = code.startsWith("CAMERA_");
    this.#root.querySelector('[data-screen="error"] h2').textContent = camera ? "We couldn't start the camera" : "Something went wrong";
    this.#root.querySelector('[data-screen="error"] .message').textContent = text;
    this.#root.querySelector('[data-screen="error"]').dataset.code = code;
  }

  /** The line on the intro that says why the camera stopped (empty to clear it). */
  notice(text) {
    this.#root.querySelector(".notice").textContent = text;
  }
}
