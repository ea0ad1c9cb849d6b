// veriface in the browser: face verification that runs on the device. The entry point.
//
//   import { Veriface } from "veriface";
//   const vf = await Veriface.load({ onProgress: (p) => bar.value = p.loaded / p.total });
//   const result = await vf.compare(selfieFile, idCardImg);
//   if (result.is_match) ...
//
// By default the pipeline runs in a Web Worker (`worker: false` keeps it on the main thread).
// Either way no image leaves the page: the only requests are for the wasm and model files.

import { VerifaceError, toVerifaceError } from "./errors.js";
import { prepareImage } from "./input.js";
import { requestBody } from "./request.js";
import { runChallenge } from "./challenge.js";

export { captureFrames } from "./capture.js";
export { PROMPTS, vlensRequest } from "./challenge.js";
export { VerifaceError, JS_ERROR_CODES } from "./errors.js";
export { prepareImage } from "./input.js";
// The capture elements (<veriface-selfie>, <veriface-id-capture>): defined when imported.
export { VerifaceSelfieElement, VerifaceIdCaptureElement, readImageFile } from "./elements/index.js";

/**
 * Calls into a worker, one promise per request id. When the wasm in the worker traps (the worker
 * answers `crashed`, or dies), the call in flight and those queued behind it reject with
 * ENGINE_CRASHED, a new worker loads the same files (from the Cache API when caching is on), and
 * calls made meanwhile wait for it: one trap never leaves the page with a dead library.
 */
class WorkerTransport {
  /**
   * @param {() => Worker} spawn starts a worker
   * @param {object} loadOptions what the worker's `load` is given, again on a restart
   * @param {(p: object) => void} [onProgress] the first load's progress
   */
  constructor(spawn, loadOptions, onProgress) {
    this.spawn = spawn;
    this.loadOptions = loadOptions;
    this.onProgress = onProgress;
    this.pending = new Map();
    this.nextId = 1;
    this.loaded = false;
    this.closed = false;
    /** Resolves once a restarted worker has loaded; null while none is under way. */
    this.restarting = null;
    /** Set when a restart failed: later calls reject with it. */
    this.failed = null;
    this.worker = null;
  }

  /** Starts the first worker and loads it; resolves to the load's info. */
  start() {
    this.#attach(this.spawn());
    return this.#send("load", [this.loadOptions]).then((info) => {
      this.loaded = true;
      return info;
    });
  }

  #attach(worker) {
    this.worker = worker;
    worker.onmessage = (event) => {
      if (worker !== this.worker) return;
      const { id, progress, ok, value, error, crashed } = event.data;
      const call = this.pending.get(id);
      if (!call) return;
      if (progress) {
        if (!this.loaded) this.onProgress?.(progress);
        return;
      }
      this.pending.delete(id);
      if (ok) call.resolve(value);
      else call.reject(new VerifaceError(error.code, error.message));
      if (crashed) this.#restart(error.message);
    };
    worker.onerror = (event) => {
      if (worker !== this.worker) return;
      event.preventDefault?.();
      if (this.loaded && !this.restarting) {
        // A loaded worker that dies (out of memory, an uncaught error) is a crash like a trap.
        this.#restart(event.message ?? "the worker stopped");
        return;
      }
      // A worker that fails to start (blocked by CSP, a script error) fails every pending call.
      const err = new VerifaceError("WORKER_FAILED", `the veriface worker failed (${event.message ?? "it could not start"}): pass { worker: false } to run on the main thread`);
      this.#rejectAll(err);
    };
  }

  #rejectAll(err) {
    for (const call of this.pending.values()) call.reject(err);
    this.pending.clear();
  }

  /** Replaces a crashed worker: what was queued in it fails, a new one loads the same files. */
  #restart(message) {
    if (this.closed) return;
    this.worker.terminate();
    this.#rejectAll(new VerifaceError("ENGINE_CRASHED", `the wasm engine stopped on an internal error (${message}): the worker is being restarted with the models from the cache; call again`));
    this.#attach(this.spawn());
    const waiting = this.#send("load", [this.loadOptions])
      .then(
        () => {},
        (err) => {
          // The restart itself failed (the files are gone, say): every later call says why.
          if (!this.closed) this.failed = err;
        },
      )
      .finally(() => {
        if (this.restarting === waiting) this.restarting = null;
      });
    this.restarting = waiting;
  }

  #send(op, args, transfer = []) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      try {
        this.worker.postMessage({ id, op, args }, transfer);
      } catch (err) {
        this.pending.delete(id);
        reject(new VerifaceError("BAD_PARAMETER", `the arguments cannot be sent to the worker (${err?.message ?? err}): pass plain data, images and options objects`));
      }
    });
  }

  async call(op, args, transfer = []) {
    if (this.restarting) await this.restarting;
    if (this.failed) throw this.failed;
    if (this.closed) throw new VerifaceError("VERIFIER_CLOSED", "this Veriface is closed: call Veriface.load() again");
    return this.#send(op, args, transfer);
  }

  terminate() {
    this.closed = true;
    this.worker?.terminate();
    this.#rejectAll(new VerifaceError("VERIFIER_CLOSED", "this Veriface was closed while the call was running: call Veriface.load() again"));
  }
}

/** The same interface over an engine on this thread. */
class LocalTransport {
  constructor(engine) {
    this.engine = engine;
    engine.onMainThread = true;
  }

  async call(op, args) {
    if (op === "compare") return this.engine.compare(args[0], args[1], args[2]);
    if (op === "detect") return this.engine.detect(args[0]);
    if (op === "handle") return this.engine.handle(args[0], args[1]);
    if (op === "quality") return this.engine.quality(args[0], args[1]);
    if (op === "liveness") return this.engine.liveness(args[0], args[1]);
    if (op === "format") return this.engine.format(args[0], args[1], args[2]);
    if (op === "memory") return this.engine.memory();
    if (op === "prepared") return this.engine.prepared();
    if (op === "newChallenge") return this.engine.newChallenge(args[0]);
    if (op === "followChallenge") return this.engine.followChallenge(args[0]);
    if (op === "verifyChallenge") return this.engine.verifyChallenge(args[0]);
    throw new VerifaceError("BAD_PARAMETER", `unknown operation ${op}`);
  }

  terminate() {
    this.engine.close();
  }
}

/** Awaits `promise`, turning whatever it throws (a DOMException, say) into a VerifaceError. */
async function coded(promise, fallbackCode) {
  try {
    return await promise;
  } catch (err) {
    throw toVerifaceError(err, fallbackCode);
  }
}

/** `url` made absolute against the page (a folder URL keeps its trailing slash). */
function absolute(url, folder) {
  if (url === undefined || url === null) return undefined;
  let text = String(url);
  if (folder && !text.endsWith("/")) text += "/";
  return new URL(text, globalThis.location?.href).href;
}

export class Veriface {
  /**
   * Fetches (or reads from the cache) the wasm module and the models, checks their SHA-256 and
   * starts the pipeline.
   * @param {import("./index.d.ts").LoadOptions} [options]
   */
  static async load(options = {}) {
    const { onProgress, worker = true, ...rest } = options;
    const engineOptions = {
      embedder: rest.embedder,
      cache: rest.cache,
      liveness: rest.liveness,
      manifest: rest.manifest,
      // Resolved here, against the page: inside the worker a relative URL would resolve
      // against the worker script instead.
      modelsUrl: absolute(rest.modelsUrl, true),
      wasmUrl: absolute(rest.wasmUrl, false),
      wasmRelaxedUrl: absolute(rest.wasmRelaxedUrl, false),
      simd: rest.simd,
    };
    if (worker) {
      const spawn = () => new Worker(new URL("./worker.js", import.meta.url), { type: "module", name: "veriface" });
      const transport = new WorkerTransport(spawn, engineOptions, onProgress);
      try {
        return new Veriface(transport, await transport.start());
      } catch (err) {
        transport.terminate();
        if (err instanceof VerifaceError) throw err;
        throw new VerifaceError("WORKER_FAILED", `could not start the veriface worker (${err?.message ?? err}): pass { worker: false } to run on the main thread`);
      }
    }
    try {
      const { loadEngine } = await import("./engine.js");
      const engine = await loadEngine(engineOptions, onProgress);
      return new Veriface(new LocalTransport(engine), engine.info);
    } catch (err) {
      throw toVerifaceError(err, "INFERENCE_FAILED");
    }
  }

  /** @private use Veriface.load() */
  constructor(transport, info) {
    this.transport = transport;
    /** Model ids, byte counts, cache hits and load timings. */
    this.info = info;
  }

  /**
   * Are `a` and `b` the same person? Resolves to the result (score, decision, faces, timings,
   * evidence); rejects with a `VerifaceError` whose `code` says what went wrong. With
   * `options.format` ("vlens", "valify", "deepvue", "opencv", "veriface") it resolves to that
   * vendor's response body instead, for errors as well, as the vendor's API would answer.
   */
  async compare(a, b, options = {}) {
    this.#check();
    const [pa, pb] = await coded(Promise.all([prepareImage(a, "a"), prepareImage(b, "b")]), "BAD_PARAMETER");
    this.#check();
    return this.transport.call("compare", [pa.image, pb.image, options], [...pa.transfer, ...pb.transfer]);
  }

  /**
   * A compare `result` already computed, as `format`'s response body ("vlens", "valify",
   * "deepvue", "opencv", "veriface"), without running the models again. `options.transactionId`
   * keeps one id across the formats of one result (default: a fresh one).
   */
  async format(result, format, options = {}) {
    this.#check();
    return this.transport.call("format", [result, format, options]);
  }

  /**
   * Memory held by the engine: `{ wasm_bytes, js_heap_bytes }` (the wasm linear memory, and the
   * worker's JS heap where the browser reports it, else null). For monitoring a long-lived page:
   * wasm memory grows to its high-water mark and stays; steady growth would be a leak.
   */
  async memory() {
    this.#check();
    return this.transport.call("memory", []);
  }

  /**
   * Resolves with `{ prepared_ms }` once every model is optimised. `load()` resolves as soon as
   * the detector and embedder are ready; the engine then optimises the others (eye state,
   * anti-spoofing, the 640 detector pass, the face mesh) while it is idle. Calls work at any
   * time (one that needs a model not yet optimised waits for it); await this only to start a
   * liveness step with nothing left to wait for.
   */
  async prepared() {
    this.#check();
    return this.transport.call("prepared", []);
  }

  /** Every face in `image`, with boxes, landmarks and detector scores. */
  async detect(image) {
    this.#check();
    const p = await coded(prepareImage(image, "image"), "BAD_PARAMETER");
    this.#check();
    return this.transport.call("detect", [p.image], p.transfer);
  }

  /**
   * The single-frame checks on one image (usually a camera frame), each with its value,
   * threshold and verdict: face found, alone, size, distance, border, cropping, head angle,
   * occlusion and, with the liveness models, eyes open and the anti-spoofing score.
   * `{ models: false }` runs only what needs no model but the detector, at a quarter of the
   * pixels: the pass to run on every camera frame to guide the user.
   */
  async quality(image, options = {}) {
    this.#check();
    const p = await coded(prepareImage(image, "image"), "BAD_PARAMETER");
    this.#check();
    return this.transport.call("quality", [p.image, options], p.transfer);
  }

  /**
   * Is a live person in front of the camera? `frames` are 2 to 5 frames captured within
   * `maxSpanMs` (default 500): what `captureFrames` returns, or `{ image, timestamp }` objects.
   * With `idFront` the live face must also match the ID portrait; with `format` the answer is
   * that vendor's body (Vlens liveness/multi, the OpenCV FR liveness error, ...).
   */
  async liveness(frames, options = {}) {
    this.#check();
    if (!Array.isArray(frames)) {
      throw new VerifaceError("BAD_PARAMETER", "bad parameter `frames`: expected an array of 2 to 5 frames (what captureFrames returns)");
    }
    const prepared = await coded(
      Promise.all(
        frames.map((f, i) => {
          // A captured frame is itself an image ({ width, height, data }) with a timestamp.
          const image = f && typeof f === "object" && "image" in f ? f.image : f;
          return prepareImage(image, `frames[${i}]`).then((p) => ({ p, timestamp: f?.timestamp }));
        }),
      ),
      "BAD_PARAMETER",
    );
    const { idFront, ...rest } = options ?? {};
    const id = idFront === undefined || idFront === null ? null : await coded(prepareImage(idFront, "idFront"), "BAD_PARAMETER");
    this.#check();
    const list = prepared.map(({ p, timestamp }) => ({ image: p.image, timestamp }));
    const transfer = [...prepared.flatMap(({ p }) => p.transfer), ...(id ? id.transfer : [])];
    return this.transport.call("liveness", [list, id ? { ...rest, idFront: id.image } : rest], transfer);
  }

  /**
   * Answers a vendor request as the vendor's server would: `endpoint` is its path or URL
   * (`/v1/ocr/face/compare`, `https://production.deepvue.tech/v1/facematch`, ...), `body` the
   * request body (an object, a JSON string, or Deepvue's FormData). Resolves to `{ status, body }`.
   */
  async handle(endpoint, body) {
    this.#check();
    const request = await coded(requestBody(body), "BAD_PARAMETER");
    this.#check();
    return this.transport.call("handle", [String(endpoint), request]);
  }

  /**
   * A fresh active-liveness challenge made on this device: 2 or 3 random actions (or `actions`,
   * e.g. ["turn_left", "blink"]), a nonce and an expiry. Unsigned, so only advisory: for a
   * decision a business relies on, get the challenge from your server (`veriface serve`,
   * `veriface challenge new --key-file K`) and send it the record to verify.
   */
  async challenge(actions) {
    this.#check();
    return this.transport.call("newChallenge", [actions ?? null]);
  }

  /**
   * Runs `challenge` on a playing camera `video`: prompts each action (`onStep`), follows it at
   * camera rate, keeps a few frames around the actions, and resolves to `{ record, result }`: the
   * record to send to a server, and this device's own (advisory) verdict on it.
   */
  async runChallenge(video, challenge, options = {}) {
    this.#check();
    return runChallenge(this, video, challenge, options);
  }

  /** The verdict on a record of `challenge`, computed here (advisory: a server's is the one to trust). */
  async verifyChallenge(challenge, record) {
    this.#check();
    return this.transport.call("verifyChallenge", [{ challenge, record }]);
  }

  /** @private the live follower the capture loop calls per frame */
  followChallenge(request) {
    this.#check();
    return this.transport.call("followChallenge", [request]);
  }

  /** Frees the wasm memory and stops the worker. The instance cannot be used afterwards. */
  close() {
    if (!this.transport) return;
    this.transport.terminate();
    this.transport = null;
  }

  #check() {
    if (!this.transport) throw new VerifaceError("VERIFIER_CLOSED", "this Veriface was closed: call Veriface.load() again");
  }
}
