// Which Veriface a capture element uses: the page's own, set as `el.veriface` (loaded, or the
// promise of one, so the page can hand it over before the models are in), or else one the
// element loads itself the first time it needs it, with a loading bar on the open screen. Both
// elements work the same way here, so it is written once; each element owns its instance.
// The library is imported here only, and only when an element has to load one: importing the
// elements (for their words helpers, say) does not pull in the library and its engine.

export class VerifaceSource {
  #vf = null;
  #promise = null;

  /** The loaded Veriface, else the promise of one, else null (what `el.veriface` reads). */
  get value() {
    return this.#vf ?? this.#promise;
  }

  /** A loaded Veriface or a promise of one (what `el.veriface = ...` sets); null to forget it. */
  set value(value) {
    if (value && typeof value.then === "function") {
      this.#promise = value;
      this.#vf = null;
      value.then((vf) => {
        if (this.#promise === value) this.#vf = vf;
      }, () => {});
    } else {
      this.#vf = value ?? null;
      this.#promise = null;
    }
  }

  /** The Veriface if it is loaded already (else null): the element says "Getting ready…" when not. */
  get loaded() {
    return this.#vf;
  }

  /**
   * The Veriface, loading one if the page gave none. While it loads, the element's `.loading`
   * bar is shown in the section of `screen`, and `onProgress` gets the library's progress. A
   * failed load is forgotten, so the next attempt tries again.
   * @param {ShadowRoot} root
   * @param {string} screen
   * @param {(p: { loaded: number, total: number }) => void} onProgress
   */
  async ensure(root, screen, onProgress) {
    if (this.#vf) return this.#vf;
    if (this.#promise) return (this.#vf = await this.#promise);
    const loading = root.querySelector(".loading");
    const bar = loading.querySelector("progress");
    loading.hidden = false;
    root.querySelector(`[data-screen="${screen}"]`)?.append(loading);
    // The promise is set before the first await, so a second call while the library is still
    // being imported waits for this load instead of starting another.
    const promise = import("../index.js").then(({ Veriface }) =>
      Veriface.load({
        onProgress: (p) => {
          bar.value = p.total ? p.loaded / p.total : 0;
          onProgress(p);
        },
      }),
    );
    this.#promise = promise;
    try {
      return (this.#vf = await promise);
    } catch (err) {
      if (this.#promise === promise) this.#promise = null;
      throw err;
    } finally {
      loading.hidden = true;
    }
  }
}
