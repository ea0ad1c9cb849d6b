// CaptureElement: what <veriface-selfie> (selfie.js) and <veriface-id-capture> (id-capture.js)
// share, so that the two behave alike where they should and the code for it exists once. Each
// element is a shadow DOM with a view (its drawing), a camera it may run, a Veriface it uses (the
// page's, or one it loads: veriface-source.js) and a screen it shows. This class owns:
//
//   - the shadow root, its styles and markup, and the view (from the subclass's template and view);
//   - the page lifecycle: a hidden page (visibilitychange) or a hidden element (a ResizeObserver
//     that sees 0 x 0, e.g. display: none on a closed tab panel) stops the camera and says so on
//     the intro; a removed element stops whatever runs;
//   - the state both flows use: the open screen, the camera's stream, and the token that every
//     asynchronous step checks so that a stopped or superseded attempt does nothing more;
//   - the shared steps: turning the camera off, the review screen and keeping an attempt, failing
//     (the error screen and an `error` event),
//     showing a screen, and dispatching events (they bubble and cross the shadow boundary);
//   - the `veriface`, `screen` and `holdMs` properties.
//
// What an element adds, or does differently, goes through these hooks (defaults in brackets):
//
//   _cameraScreens     the screens on which the camera runs and an interruption stops it ["camera"]
//   _halt()            stop the element's own work beyond the camera, e.g. a running challenge
//                      (on interruption, removal and _stopRunning()) [nothing]
//   _interruptNotice() the text the intro shows after an interruption [CAMERA_STOPPED's text]
//   _resized()         the element has a size again (not 0 x 0) [nothing]
//   _show()            may be overridden to do more after showing a screen (call super._show)
//
// JavaScript has no protected members: those of this class meant for the subclasses only are
// named with a leading underscore. They are not the page's API (index.d.ts declares none of them)
// and pages must not use them; state private to one class stays in # fields.

import { stopStream } from "./media.js";
import { ElementBase, adoptStyles } from "./styles.js";
import { stamp } from "./templates.js";
import { VerifaceSource } from "./veriface-source.js";
import { describeError } from "./words.js";

export class CaptureElement extends ElementBase {
  #root;
  #view;
  #vf = new VerifaceSource();
  #screen = "intro";
  #stream = null;
  #token = 0;
  #resize = null;

  /**
   * @param {string} template the element's markup (templates.js), stamped into its shadow root
   * @param {new (root: ShadowRoot) => object} View the class that draws it, made with the root
   */
  constructor(template, View) {
    super();
    this.#root = this.attachShadow({ mode: "open" });
    adoptStyles(this.#root);
    stamp(this.#root, template);
    this.#view = new View(this.#root);
  }

  /**
   * How long every live check must hold before the element acts on it, in ms (the `hold-ms`
   * attribute, default 1000): the selfie then starts the challenge, the ID element takes the photo.
   */
  get holdMs() {
    const v = Number(this.getAttribute("hold-ms"));
    return Number.isFinite(v) && v > 0 ? v : 1000;
  }

  set holdMs(value) {
    this.setAttribute("hold-ms", String(value));
  }

  /** The review screen for an attempt (`last`: its picture, verdict and reason), and its progress event. */
  _review(last) {
    this.#view.review(last);
    this._show("review");
    this._emit("progress", { screen: "review", passed: last.passed, code: last.reason?.code ?? "PASSED" });
  }

  /** The person keeps a passed attempt: the done screen, then the `result` event with `detail`. */
  _keep(detail) {
    this._show("done");
    this._emit("result", detail);
  }

  connectedCallback() {
    if (!this.hasAttribute("screen")) this.setAttribute("screen", this.#screen);
    document.addEventListener("visibilitychange", this.#onVisibility);
    if (typeof ResizeObserver === "function") {
      // Hidden (display: none here or on an ancestor, e.g. a closed tab panel): the camera stops.
      this.#resize = new ResizeObserver(([entry]) => {
        const { width, height } = entry.contentRect;
        if (width === 0 && height === 0) this.#interrupt();
        else this._resized();
      });
      this.#resize.observe(this);
    }
  }

  disconnectedCallback() {
    document.removeEventListener("visibilitychange", this.#onVisibility);
    this.#resize?.disconnect();
    this.#resize = null;
    this._stopRunning();
  }

  attributeChangedCallback() {}

  /** The loaded Veriface the element uses (or a promise of one); set it to share the page's. */
  get veriface() {
    return this.#vf.value;
  }

  set veriface(value) {
    this.#vf.value = value;
  }

  /** The open screen: intro, camera, checking, review, done or error (and the selfie's challenge). */
  get screen() {
    return this.#screen;
  }

  // --- hooks (see the header) -----------------------------------------------------------------

  get _cameraScreens() {
    return ["camera"];
  }

  _halt() {}

  _interruptNotice() {
    return describeError({ code: "CAMERA_STOPPED" }).text;
  }

  _resized() {}

  // --- for the subclasses ---------------------------------------------------------------------

  /** The shadow root. */
  get _root() {
    return this.#root;
  }

  /** The view (the subclass's drawing class, made in the constructor). */
  get _view() {
    return this.#view;
  }

  /** The open screen (also `screen`); set it only through _show() or _setScreen(). */
  get _screen() {
    return this.#screen;
  }

  /** The current attempt's token: an asynchronous step whose token differs has been stopped. */
  get _token() {
    return this.#token;
  }

  /** Stops every running asynchronous step (their tokens no longer match) and returns the new token. */
  _nextToken() {
    return ++this.#token;
  }

  /** The camera's stream, once started; _stopCamera() stops it. */
  set _stream(stream) {
    this.#stream = stream;
  }

  /** Whether the Veriface is loaded already (not to be waited for). */
  get _verifaceLoaded() {
    return this.#vf.loaded;
  }

  /** The Veriface (the page's, or one loaded now), with `progress` events while it loads. */
  _ensureVeriface() {
    return this.#vf.ensure(this.#root, this.#screen, (p) => {
      this._emit("progress", { screen: this.#screen, code: "LOADING", loaded: p.loaded, total: p.total });
    });
  }

  /** Stops what runs: the running steps (a new token), the subclass's own work, the camera. */
  _stopRunning() {
    this.#token++;
    this._halt();
    this._stopCamera();
  }

  _stopCamera() {
    stopStream(this.#stream, this.#root.querySelector("video"));
    this.#stream = null;
  }

  /** The error screen for `err` (words.js describeError) and an `error` event. */
  _fail(err) {
    const { code, text, detail } = describeError(err);
    this.#view.error(code, text);
    this._show("error");
    this._emit("error", { code, message: text, detail, error: err });
  }

  /** Opens a screen: the `screen` attribute and the view (which moves the focus when asked). */
  _show(screen, focus = true) {
    this.#screen = screen;
    this.setAttribute("screen", screen);
    this.#view.show(screen, focus);
  }

  /** Only the `screen` property and attribute, for a screen the view opens itself. */
  _setScreen(screen) {
    this.#screen = screen;
    this.setAttribute("screen", screen);
  }

  _emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }

  // --- interruptions --------------------------------------------------------------------------

  /** The page or the element was hidden while the camera ran: stop, and say so on the intro. */
  #interrupt() {
    if (!this._cameraScreens.includes(this.#screen)) return;
    this._stopRunning();
    this._show("intro", false);
    this.#view.notice(this._interruptNotice());
    this._emit("progress", { screen: "intro", code: "CAMERA_STOPPED" });
  }

  #onVisibility = () => {
    if (document.visibilityState === "hidden") this.#interrupt();
  };
}
