// Loads the wasm module and the models and holds the wasm `Verifier`. Runs wherever it is
// imported: inside the package's Web Worker (the default) or on the main thread (`worker: false`).
//
// Loading is where the bytes are: every file is fetched with progress, its SHA-256 checked with
// SubtleCrypto against the manifest the build wrote (pkg/manifest.js), and kept in the Cache API so
// a second visit reads it from disk. The wasm `Verifier` checks the model hashes again itself; the
// check here is what lets a damaged cache entry be dropped and fetched afresh instead of failing.

import init, { Verifier, formatCompare } from "../pkg/veriface.js";
import { manifest, wasm as wasmFile, wasmRelaxed, simd as simdDefault } from "../pkg/manifest.js";
import { VerifaceError, toVerifaceError } from "./errors.js";
import { pickWasm } from "./simd.js";
import { resolveEmbedder } from "./embedders.js";

// Written out one by one so that bundlers (Vite, webpack 5) see each file and copy it into the
// build; a computed path would be invisible to them.
const PACKAGED = {
  "veriface_bg.wasm": new URL("../pkg/veriface_bg.wasm", import.meta.url),
  "veriface_relaxed_bg.wasm": new URL("../pkg/veriface_relaxed_bg.wasm", import.meta.url),
  "retinaface_mnet025.onnx": new URL("../models/retinaface_mnet025.onnx", import.meta.url),
  "faceplugin_fr_feature.onnx": new URL("../models/faceplugin_fr_feature.onnx", import.meta.url),
  "faceplugin_fr_feature_fp16.onnx": new URL("../models/faceplugin_fr_feature_fp16.onnx", import.meta.url),
  "dlib_resnet_v1.onnx": new URL("../models/dlib_resnet_v1.onnx", import.meta.url),
  "dlib_resnet_v1_fp16.onnx": new URL("../models/dlib_resnet_v1_fp16.onnx", import.meta.url),
  "minifasnet_v2_2.7.onnx": new URL("../models/minifasnet_v2_2.7.onnx", import.meta.url),
  "faceplugin_fr_eye.onnx": new URL("../models/faceplugin_fr_eye.onnx", import.meta.url),
  "iris_landmark.onnx": new URL("../models/iris_landmark.onnx", import.meta.url),
  "face_landmark_468.onnx": new URL("../models/face_landmark_468.onnx", import.meta.url),
};

/** The Cache API bucket; versioned by the wasm hash so an upgrade never mixes files. (Both
 * modules come from one build: the +simd128 one's hash stands for the pair.) */
const CACHE_NAME = `veriface-${wasmFile.sha256.slice(0, 16)}`;

const now = () => globalThis.performance.now();

/**
 * Where to fetch `file` from: `modelsUrl` (for models) or `wasmUrl` when given, else the copy
 * that ships in the package.
 */
function urlFor(file, base) {
  if (base) {
    const folder = String(base).endsWith("/") ? String(base) : `${base}/`;
    return new URL(file, new URL(folder, globalThis.location?.href)).href;
  }
  const packaged = PACKAGED[file];
  if (!packaged) {
    throw new VerifaceError("MODEL_FETCH_FAILED", `${file} is not in the package: pass modelsUrl pointing at a folder that serves it`);
  }
  return packaged.href;
}

/**
 * The module's bytes with a custom section no other load has. V8 shares the compiled code of
 * identical module bytes between the workers of a page, with the call targets its optimiser
 * speculated on; a second Veriface calling other targets (another embedder) then runs
 * de-optimised code. A section of random bytes makes each load its own module. Custom sections
 * do not change what the module does.
 */
function ownCopy(bytes) {
  const name = new TextEncoder().encode("veriface-load");
  const salt = new Uint8Array(16);
  if (globalThis.crypto?.getRandomValues) globalThis.crypto.getRandomValues(salt);
  else for (let i = 0; i < salt.length; i++) salt[i] = Math.floor(Math.random() * 256);
  const body = 1 + name.length + salt.length; // < 128: one LEB128 byte each
  const out = new Uint8Array(bytes.length + 2 + body);
  out.set(bytes, 0);
  out.set([0, body, name.length], bytes.length);
  out.set(name, bytes.length + 3);
  out.set(salt, bytes.length + 3 + name.length);
  return out;
}

async function sha256Hex(bytes) {
  const subtle = globalThis.crypto?.subtle;
  // SubtleCrypto exists only in secure contexts (https, localhost). Elsewhere the wasm module
  // still checks the model hashes; only the wasm file itself goes unchecked.
  if (!subtle) return null;
  const digest = new Uint8Array(await subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function openCache(enabled) {
  // Without SubtleCrypto (an insecure context) nothing could tell a damaged or wrong cached
  // file from a good one, so nothing is cached.
  if (!enabled || !globalThis.caches || !globalThis.crypto?.subtle) return null;
  try {
    // Files of other veriface versions are dead weight in the user's storage: drop them.
    for (const name of await globalThis.caches.keys()) {
      if (name.startsWith("veriface-") && name !== CACHE_NAME) await globalThis.caches.delete(name);
    }
    return await globalThis.caches.open(CACHE_NAME);
  } catch {
    // Opaque origins and some private modes refuse the Cache API: load without it.
    return null;
  }
}

/** Reads a response body in chunks, reporting each one. */
async function readWithProgress(response, onChunk) {
  if (!response.body) {
    const bytes = new Uint8Array(await response.arrayBuffer());
    onChunk(bytes.length);
    return bytes;
  }
  const reader = response.body.getReader();
  const chunks = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    length += value.length;
    onChunk(value.length);
  }
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const c of chunks) {
    bytes.set(c, offset);
    offset += c.length;
  }
  return bytes;
}

/**
 * Fetches one file (cache first), checks its hash, stores it in the cache.
 * @param {{ file: string, url: string, sha256: string, bytes: number }} spec
 */
async function loadFile(spec, cache, progress) {
  if (cache) {
    const hit = await cache.match(spec.url).catch(() => undefined);
    if (hit) {
      const bytes = new Uint8Array(await hit.arrayBuffer());
      const actual = await sha256Hex(bytes);
      if (actual === null || actual === spec.sha256) {
        progress(spec.file, bytes.length, "cache");
        return { bytes, fromCache: true };
      }
      // A damaged or stale entry: drop it and fetch the file again.
      await cache.delete(spec.url).catch(() => false);
    }
  }
  let response;
  try {
    response = await fetch(spec.url, { credentials: "same-origin" });
  } catch (err) {
    throw new VerifaceError("MODEL_FETCH_FAILED", `could not fetch ${spec.url} (${err?.message ?? err}): check modelsUrl and that the server is reachable`);
  }
  if (!response.ok) {
    throw new VerifaceError("MODEL_FETCH_FAILED", `fetching ${spec.url} gave HTTP ${response.status}: check modelsUrl; the folder must serve ${spec.file}`);
  }
  let bytes;
  try {
    bytes = await readWithProgress(response, (n) => progress(spec.file, n, "download"));
  } catch (err) {
    throw new VerifaceError("MODEL_FETCH_FAILED", `the download of ${spec.url} broke off (${err?.message ?? err}): check the connection and load again`);
  }
  const actual = await sha256Hex(bytes);
  if (actual !== null && actual !== spec.sha256) {
    throw new VerifaceError("MODEL_HASH_MISMATCH", `${spec.file} from ${spec.url} has SHA-256 ${actual}, expected ${spec.sha256}: the file is damaged or not the one veriface was calibrated for; serve the file from the package`);
  }
  if (cache) {
    // Caching is an optimisation: a full quota must not fail the load.
    await cache.put(spec.url, new Response(bytes, { headers: { "content-type": "application/octet-stream" } })).catch(() => {});
  }
  return { bytes, fromCache: false };
}

/**
 * Loads everything and returns the engine the worker (or the main thread) calls into.
 * @param {{ modelsUrl?: string, wasmUrl?: string, wasmRelaxedUrl?: string, simd?: string, embedder?: string, cache?: boolean, manifest?: object, liveness?: boolean }} options
 * @param {(event: object) => void} onProgress
 */
export async function loadEngine(options, onProgress) {
  const started = now();
  const custom = options.manifest ?? null;
  const models = custom ?? manifest;
  const embedder = resolveEmbedder(models, options.embedder);
  const base = globalThis.location?.href;
  // The liveness models (anti-spoofing, eye state and iris: 4.6 MB) unless the page only
  // compares; the face mesh (2.4 MB) for the head turns of a challenge unless told otherwise.
  const liveness = options.liveness !== false;
  const challenge = liveness && options.challenge !== false;
  if (liveness && !(models.liveness && models.eye && models.iris)) {
    throw new VerifaceError("UNKNOWN_MODEL", "the manifest names no liveness, eye and iris models: add them, or load with { liveness: false }");
  }
  if (challenge && !models.mesh) {
    throw new VerifaceError("UNKNOWN_MODEL", "the manifest names no face mesh model: add it, or load with { challenge: false }");
  }
  const model = (role, spec) => ({ ...spec, role, url: urlFor(spec.file, options.modelsUrl) });
  const wasmSpec = pickWasm({
    choice: options.simd,
    fallback: simdDefault,
    plain: wasmFile,
    relaxed: wasmRelaxed,
    ownUrl: Boolean(options.wasmUrl),
    relaxedUrl: Boolean(options.wasmRelaxedUrl),
  });
  const ownWasmUrl = wasmSpec === wasmFile ? options.wasmUrl : options.wasmRelaxedUrl;
  const files = [
    { ...wasmSpec, role: "wasm", url: ownWasmUrl ? new URL(ownWasmUrl, base).href : urlFor(wasmSpec.file) },
    model("detector", models.detector),
    // A fusion's members: the first is "embedder", the others "fused:<id>".
    ...embedder.members.map((m, i) => model(i === 0 ? "embedder" : `fused:${m.id}`, m)),
    ...(liveness ? [model("liveness", models.liveness), model("eye", models.eye), model("iris", models.iris)] : []),
    ...(challenge ? [model("mesh", models.mesh)] : []),
  ];
  const total = files.reduce((sum, f) => sum + f.bytes, 0);
  let loaded = 0;
  const progress = (file, n, phase) => {
    loaded += n;
    onProgress?.({ phase, file, loaded: Math.min(loaded, total), total });
  };
  const cache = await openCache(options.cache !== false);

  // The wasm compiles while the models download.
  const wasmReady = loadFile(files[0], cache, progress).then(async ({ bytes, fromCache }) => {
    const t = now();
    let module;
    try {
      module = await WebAssembly.compile(ownCopy(bytes));
    } catch (err) {
      throw new VerifaceError("INFERENCE_FAILED", `this browser cannot compile the veriface module (${err?.message ?? err}): it needs WebAssembly with SIMD (Chrome 91+, Firefox 89+, Safari 16.4+)`);
    }
    const exports = await init({ module_or_path: module });
    return { compileMs: now() - t, fromCache, memory: exports.memory };
  });
  const [wasmInfo, ...loadedFiles] = await Promise.all([
    wasmReady,
    ...files.slice(1).map((f) => loadFile(f, cache, progress)),
  ]);
  const got = Object.fromEntries(files.slice(1).map((f, i) => [f.role, loadedFiles[i]]));
  const fetched = now();
  onProgress?.({ phase: "initialise", file: null, loaded: total, total });
  let verifier;
  try {
    const fusedWith = embedder.members.slice(1).map((m) => got[`fused:${m.id}`].bytes);
    verifier = new Verifier(got.detector.bytes, got.embedder.bytes, embedder.id, custom ? JSON.stringify(custom) : undefined, fusedWith.length ? fusedWith : undefined);
    if (liveness) verifier.loadPassive(got.liveness.bytes, got.eye.bytes, got.iris.bytes);
    if (challenge) verifier.loadMesh(got.mesh.bytes);
  } catch (err) {
    throw toVerifaceError(err, "INFERENCE_FAILED");
  }
  const ready = now();
  onProgress?.({ phase: "ready", file: null, loaded: total, total });
  const roles = ["detector", "embedder", "liveness", "eye", "iris", "mesh"];
  // A fusion's members count as the embedder.
  const filesOf = (role) => files.slice(1).filter((f) => f.role === role || (role === "embedder" && f.role.startsWith("fused:")));
  const ids = { detector: models.detector, embedder, liveness: models.liveness, eye: models.eye, iris: models.iris, mesh: models.mesh };
  const info = {
    simd: wasmSpec.simd,
    models: Object.fromEntries(roles.map((r) => [r, got[r] ? ids[r].id : null])),
    bytes: { wasm: files[0].bytes, ...Object.fromEntries(roles.map((r) => [r, filesOf(r).reduce((sum, f) => sum + f.bytes, 0)])) },
    fromCache: { wasm: wasmInfo.fromCache, ...Object.fromEntries(roles.map((r) => [r, filesOf(r).length > 0 && filesOf(r).every((f) => got[f.role].fromCache)])) },
    timings: {
      fetch_and_compile_ms: fetched - started,
      wasm_compile_ms: wasmInfo.compileMs,
      model_init_ms: ready - fetched,
      total_ms: ready - started,
    },
  };
  const engine = new Engine(verifier, info);
  engine.wasmMemory = wasmInfo.memory;
  return engine;
}

/**
 * An image as the wasm module deserialises it: strings and bytes as they are, pixels as a plain
 * `{ width, height, data: Uint8Array }` (serde sees neither ImageData's getters nor a
 * Uint8ClampedArray; the view shares the buffer, so nothing is copied).
 */
function plain(image) {
  if (image === null || typeof image !== "object" || ArrayBuffer.isView(image) || image instanceof ArrayBuffer) return image;
  let { data } = image;
  if (data instanceof Uint8ClampedArray) data = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return { width: image.width, height: image.height, data };
}

/** The options object, or a BAD_PARAMETER error for anything that is not one. */
function options(value) {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new VerifaceError("BAD_PARAMETER", "bad parameter `options`: expected an object such as { threshold: 0.7 }");
  }
  return value;
}

/** The ENGINE_CRASHED error for a trap with `message`. */
function crashedError(message, onMainThread) {
  const next = onMainThread
    ? "the library cannot be used again on this page: reload the page (the default worker mode restarts itself)"
    : "the worker is being restarted with the models from the cache; call again";
  return new VerifaceError("ENGINE_CRASHED", `the wasm engine stopped on an internal error (${message}): ${next}`);
}

/** The loaded pipeline: synchronous calls into wasm, errors turned into `VerifaceError`s. */
class Engine {
  constructor(verifier, info) {
    this.verifier = verifier;
    this.info = info;
    /** The trap's message once the module has trapped; null before. */
    this.crashed = null;
    /** Outside a worker (set by index.js): a crash cannot be healed by a new worker. */
    this.onMainThread = false;
    /** The module's WebAssembly.Memory (set by loadEngine), for `memory()`. */
    this.wasmMemory = null;
    this.#prepare();
  }

  /** The pending idle step of #prepare, to cancel on close. */
  #idle = null;
  /** Resolves with `{ prepared_ms }` once every model plan is optimised (or the engine closed). */
  #prepared = null;
  /** Resolves #prepared early, when the engine closes. */
  #stopPreparing = null;

  /**
   * Optimises, one per idle moment of this thread (a task each), the model plans loading left
   * for later (`prepareNext`: the eye-state, anti-spoofing and 640 detector plans, the face
   * mesh): the page can compare and guide as soon as `load()` resolves, and a call arriving
   * meanwhile waits for one plan at most (100-500 ms) rather than for all of them. A plan that
   * fails here fails again, with its error, in the call that needs it.
   */
  #prepare() {
    const started = now();
    this.#prepared = new Promise((resolve) => {
      this.#stopPreparing = () => resolve({ prepared_ms: now() - started });
      const step = () => {
        this.#idle = null;
        let more = false;
        try {
          more = !this.crashed && this.verifier !== null && this.verifier.prepareNext();
        } catch (err) {
          if (err instanceof WebAssembly.RuntimeError) this.crashed = err.message;
        }
        if (more) this.#idle = setTimeout(step, 0);
        else resolve({ prepared_ms: now() - started });
      };
      this.#idle = setTimeout(step, 0);
    });
  }

  /** Resolves with `{ prepared_ms }` (time since load) once every model plan is optimised. */
  prepared() {
    return this.#prepared;
  }

  /**
   * Runs `call` on the wasm verifier, turning whatever it throws into a `VerifaceError`. A trap
   * (a Rust panic is an abort in the release build, which wasm runs as `unreachable`) leaves the
   * module's memory in an unknown state, so this engine refuses every later call: the worker's
   * owner replaces the worker; on the main thread the page must be reloaded.
   */
  #run(call) {
    if (this.crashed) throw crashedError(this.crashed, this.onMainThread);
    try {
      return call(this.verifier);
    } catch (err) {
      if (err instanceof WebAssembly.RuntimeError) {
        this.crashed = err.message;
        throw crashedError(err.message, this.onMainThread);
      }
      throw toVerifaceError(err, "INFERENCE_FAILED");
    }
  }

  compare(a, b, opts) {
    return this.#run((v) => v.compare({ ...options(opts), a: plain(a), b: plain(b) }));
  }

  detect(image) {
    return this.#run((v) => v.detect(plain(image)));
  }

  quality(image, opts) {
    return this.#run((v) => v.quality({ ...options(opts), image: plain(image) }));
  }

  liveness(frames, opts) {
    return this.#run((v) => {
      const { idFront, ...rest } = options(opts);
      const list = Array.isArray(frames)
        ? frames.map((f) => (f && typeof f === "object" && "image" in f ? { image: plain(f.image), timestamp: f.timestamp ?? null } : plain(f)))
        : frames;
      return v.liveness({ ...rest, frames: list, idFront: plain(idFront) ?? null });
    });
  }

  /**
   * What this engine holds: the wasm linear memory (it grows and never shrinks, so a leak shows
   * as growth) and, where the browser tells (Chromium), this thread's JS heap.
   */
  memory() {
    // Only where the browser exposes it (--js-flags=--expose-gc, as bench/soak.mjs runs):
    // collected first, the heap figure is what is alive rather than garbage not yet collected.
    globalThis.gc?.();
    const heap = globalThis.performance?.memory;
    return {
      wasm_bytes: this.wasmMemory?.buffer.byteLength ?? null,
      js_heap_bytes: typeof heap?.usedJSHeapSize === "number" ? heap.usedJSHeapSize : null,
    };
  }

  format(result, format, opts) {
    return this.#run(() => formatCompare({ ...options(opts), result, format }));
  }

  newChallenge(actions) {
    return this.#run((v) => v.newChallenge(actions ?? undefined));
  }

  followChallenge(request) {
    return this.#run((v) => v.followChallenge(request));
  }

  verifyChallenge(request) {
    return this.#run((v) => v.verifyChallenge(request));
  }

  /** A vendor request answered as the vendor would: `{ status, body }`. */
  handle(endpoint, body) {
    return this.#run((v) => v.handle(String(endpoint), body));
  }

  close() {
    if (this.#idle !== null) clearTimeout(this.#idle);
    this.#idle = null;
    this.#stopPreparing?.();
    this.verifier.free();
    this.verifier = null;
  }
}
