// veriface (tract in wasm) against onnxruntime-web (its single-threaded wasm backend) on the same
// page, the same model files from /models/, in headless Chromium; plus the end-to-end figures.
//
//   node bench/engines.mjs [--runs N] [--sessions S] [--simd relaxed|simd128] [--json]
//
// Needs pkg/ (npm run build), onnxruntime-web (a devDependency: npm install), ffmpeg (for the
// two 640x480 photos written to test-output/bench/) and ../shared/eval (or VERIFACE_EVAL_DIR).
// Every figure is gathered over S fresh browser sessions (default 3) of N runs each (default 10);
// "median [p10 - p90]" is over all runs of all sessions, in milliseconds. --simd forces veriface's
// wasm module (default: the one the browser picks; bench/simd.mjs compares the two).
//
// Per model and input size (interleaved pairs: run i times veriface then ort, run i+1 ort then
// veriface, after one warm-up of each):
//   ort       InferenceSession.run on a tensor of the model's input shape: inference only.
//   veriface  the wasm API has no call that runs one model alone, so each is read from the stage
//             timings the pipeline reports (measured inside wasm, no worker messaging), which also
//             hold the stage's own pre- and post-processing; APPROXIMATE, biased against veriface:
//             detector 640  quality(640x480 frame).timings.detect_ms (the liveness frame checks
//                           run the 640 pass; detect() is coarse to fine and would answer at 320):
//                           resize, pad, tensor, network, box decoding and NMS;
//                           (the detector runs at the frame's own aspect, so ort gets 640x480 too)
//             detector 320  quality(frame, { models: false }).timings.detect_ms (the guidance pass
//                           runs the detector at 320);
//             embedders     compare(a, b).timings.embed_ms / 2 (tensor + network, one face), with
//                           Veriface.load({ embedder }) per embedder;
//             MiniFASNet    quality(frame).timings.liveness_ms - the same of the guidance pass
//                           (anti-spoofing crop + network; difference of two calls, so noisy);
//             eye, iris, face mesh: no way to isolate them, ort only.
//   ratio     median over pairs of veriface / ort (above 1: veriface slower).
// End to end (veriface only, the package as it ships, in its worker; wall time seen by the page):
//   compare_ms            warm compare of two 640x480 JPEG photos (decode included)
//   guidance_ms           quality(640x480 frame, { models: false }): the whole frame at 320
//   guidance_follow_ms    quality(the same frame, { models: false, follow: true }) called again and
//                         again, as the selfie element does: four calls in five look only in a
//                         window around the last face
//   liveness_3_frames_ms  liveness() of three 640x480 frames at 0, 100, 200 ms
//   challenge_step_ms     one step of runChallenge's loop without the camera wait: draw the frame
//                         into 480x360, its pixels, JPEG + guidance pass (follow: true) in
//                         parallel, followChallenge
//   cold_start_ms         Veriface.load() in a fresh browser context (empty HTTP cache and Cache API):
//                         until compare and guidance can run (detector and embedder optimised)
//   cold_prepared_ms      the same load until prepared() resolves: every model optimised (eye
//                         state, anti-spoofing, the 640 detector plan, the face mesh, done while
//                         the engine is idle)
//   cached_start_ms, cached_prepared_ms  a second Veriface.load() in the same context (models
//                         from the Cache API)
//   wasm_raw/gzip/brotli  bytes of the wasm module loaded (gzip -9, brotli 11)
// --json prints one object: `ratio` (per model and size), `compare_ms` (median), and the rest.
import { readFileSync, existsSync } from "node:fs";
import { benchPhotos } from "./photos.mjs";
import { wasmSizes } from "./sizes.mjs";
import { join } from "node:path";
import { root, serve } from "../tests/browser/harness.mjs";
import { benchArgs, inSessions, quantile } from "./sessions.mjs";

const { opts, runs: RUNS, sessions: SESSIONS } = benchArgs({ simd: { type: "string" } });
const ortDir = join(root, "node_modules", "onnxruntime-web", "dist");
if (!existsSync(join(ortDir, "ort.wasm.min.mjs"))) {
  console.error("onnxruntime-web is not installed: npm install");
  process.exit(2);
}

const dataDir = benchPhotos();


// The models compared: `vf` names how veriface's side is measured (null: ort only); `shape` is
// used where the model's input is dynamic (the detector), else the model's own static shape.
const manifest = JSON.parse(readFileSync(join(root, "models", "manifest.json"), "utf8"));
const MODELS = [
  { id: manifest.detector.id, file: manifest.detector.file, shape: [1, 3, 480, 640], vf: "detect640" },
  { id: manifest.detector.id, file: manifest.detector.file, shape: [1, 3, 240, 320], vf: "detect320" },
  ...manifest.embedders.map((e) => ({ id: e.id, file: e.file, vf: "embed", embedder: e.id })),
  ...(manifest.liveness ? [{ id: manifest.liveness.id, file: manifest.liveness.file, vf: "antispoof" }] : []),
  ...["eye", "iris", "mesh"].filter((k) => manifest[k]).map((k) => ({ id: manifest[k].id, file: manifest[k].file, vf: null })),
];

// In the page: loads ort and the sessions, the photos, the frames and one Veriface per embedder.
async function setupPage({ models, simd }) {
  const B = (window.bench = { vf: {}, ort: [] });
  const t0 = performance.now();
  const cold = await veriface.Veriface.load({ simd });
  const coldMs = performance.now() - t0;
  await cold.prepared();
  const coldPreparedMs = performance.now() - t0;
  cold.close();
  const t1 = performance.now();
  B.main = await veriface.Veriface.load({ simd });
  const cachedMs = performance.now() - t1;
  await B.main.prepared();
  const cachedPreparedMs = performance.now() - t1;
  B.vf[B.main.info.models.embedder] = B.main;
  for (const m of models) {
    if (m.embedder && !B.vf[m.embedder]) B.vf[m.embedder] = await veriface.Veriface.load({ simd, embedder: m.embedder, liveness: false });
  }
  const bytes = async (u) => new Uint8Array(await (await fetch(u)).arrayBuffer());
  B.a = await bytes("/bench-data/a.jpg");
  B.b = await bytes("/bench-data/b.jpg");
  const bitmap = await createImageBitmap(new Blob([B.a]));
  B.bitmap = bitmap;
  B.frame = (dx = 0) => {
    const ctx = new OffscreenCanvas(640, 480).getContext("2d");
    ctx.drawImage(bitmap, dx, 0);
    return ctx.getImageData(0, 0, 640, 480);
  };
  const ort = await import("/ort/ort.wasm.min.mjs");
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.wasmPaths = "/ort/";
  const files = {};
  for (const m of models) {
    const s = (files[m.file] ??= await ort.InferenceSession.create(await bytes(`/models/${m.file}`), { executionProviders: ["wasm"] }));
    const name = s.inputNames[0];
    const declared = s.inputMetadata?.[0]?.shape;
    const shape = declared && declared.every((d) => typeof d === "number") ? declared : m.shape;
    const data = new Float32Array(shape.reduce((x, y) => x * y, 1));
    for (let i = 0; i < data.length; i++) data[i] = ((i * 7919) % 255) / 255;
    B.ort.push({ session: s, feeds: { [name]: new ort.Tensor("float32", data, shape) }, shape });
  }
  // Nothing is timed while an engine still optimises models in the background.
  for (const vf of Object.values(B.vf)) await vf.prepared();
  return { coldMs, coldPreparedMs, cachedMs, cachedPreparedMs, shapes: B.ort.map((o) => o.shape), embedder: B.main.info.models.embedder, simd: B.main.info.simd, ortVersion: ort.env.versions?.web ?? null };
}

// In the page: `runs` interleaved pairs for model `k` (plus one warm-up of each side).
async function pairs({ k, m, runs }) {
  const B = window.bench;
  const frame = B.frame();
  const side = {
    detect640: async () => (await B.main.quality(frame)).timings.detect_ms,
    detect320: async () => (await B.main.quality(frame, { models: false })).timings.detect_ms,
    embed: async () => (await B.vf[m.embedder].compare(B.a, B.b)).timings.embed_ms / 2,
    antispoof: async () => {
      const full = await B.main.quality(frame);
      const guide = await B.main.quality(frame, { models: false });
      return full.timings.liveness_ms - guide.timings.liveness_ms;
    },
  }[m.vf];
  const o = B.ort[k];
  const ort = async () => {
    const t = performance.now();
    await o.session.run(o.feeds);
    return performance.now() - t;
  };
  if (side) await side();
  await ort();
  const out = [];
  for (let i = 0; i < runs; i++) {
    let v = null, r;
    if (i % 2 === 0) {
      if (side) v = await side();
      r = await ort();
    } else {
      r = await ort();
      if (side) v = await side();
    }
    out.push([v, r]);
  }
  return out;
}

// In the page: the end-to-end figures through the package in its worker.
async function endToEnd({ runs }) {
  const B = window.bench;
  const vf = B.main;
  const timed = async (f) => {
    const t = performance.now();
    await f();
    return performance.now() - t;
  };
  const frame = B.frame();
  const frames = [0, 3, 6].map((dx, i) => ({ image: B.frame(dx), timestamp: i * 100 }));
  // runChallenge's loop body on a 640x480 camera frame, scaled to its default maxWidth of 480.
  const challenge = await vf.challenge();
  const ctx = new OffscreenCanvas(480, 360).getContext("2d");
  const tracked = [];
  const step = async () => {
    ctx.drawImage(B.bitmap, 0, 0, 480, 360);
    const pixels = ctx.getImageData(0, 0, 480, 360);
    const [, report] = await Promise.all([
      ctx.canvas.convertToBlob({ type: "image/jpeg", quality: 0.85 }).then((b) => b.arrayBuffer()),
      vf.quality(pixels, { models: false, follow: true }),
    ]);
    const eyes = report.checks.find((c) => c.code === "EYES_CLOSED");
    const box = report.face?.box;
    tracked.push({ t: tracked.length * 33, yaw: report.pose?.yaw ?? null, eyes: eyes?.value ?? null, width: box ? (box.x2 - box.x1) / 360 : null });
    await vf.followChallenge({ steps: challenge.steps, frames: tracked });
  };
  const items = {
    compare_ms: () => vf.compare(B.a, B.b),
    guidance_ms: () => vf.quality(frame, { models: false }),
    guidance_follow_ms: () => vf.quality(frame, { models: false, follow: true }),
    liveness_3_frames_ms: () => vf.liveness(frames),
    challenge_step_ms: step,
  };
  const out = {};
  for (const [name, f] of Object.entries(items)) {
    await f();
    out[name] = [];
    for (let i = 0; i < runs; i++) out[name].push(await timed(f));
  }
  out.score = (await vf.compare(B.a, B.b)).score;
  return out;
}

const server = await serve({ dirs: { "/ort/": ortDir, "/bench-data/": dataDir } });
const perModel = MODELS.map(() => []);
const e2e = {};
const starts = { cold_start_ms: [], cold_prepared_ms: [], cached_start_ms: [], cached_prepared_ms: [] };
let info;
await inSessions(server, SESSIONS, async (page) => {
  info = await page.evaluate(setupPage, { models: MODELS, simd: opts.simd });
  starts.cold_start_ms.push(info.coldMs);
  starts.cold_prepared_ms.push(info.coldPreparedMs);
  starts.cached_start_ms.push(info.cachedMs);
  starts.cached_prepared_ms.push(info.cachedPreparedMs);
  for (let k = 0; k < MODELS.length; k++) perModel[k].push(...(await page.evaluate(pairs, { k, m: MODELS[k], runs: RUNS })));
  for (const [name, xs] of Object.entries(await page.evaluate(endToEnd, { runs: RUNS }))) {
    if (name === "score") e2e.score = xs;
    else (e2e[name] ??= []).push(...xs);
  }
});

const sizes = wasmSizes(info.simd === "relaxed" ? "veriface_relaxed_bg.wasm" : "veriface_bg.wasm");
const r1 = (x) => (x === null || x === undefined || Number.isNaN(x) ? null : Math.round(x * 10) / 10);
const stats = (xs) => (xs.length ? { median: r1(quantile(xs, 0.5)), p10: r1(quantile(xs, 0.1)), p90: r1(quantile(xs, 0.9)), n: xs.length } : null);

const models = MODELS.map((m, k) => {
  const rows = perModel[k];
  const vf = rows.map(([v]) => v).filter((v) => v !== null);
  const ratios = rows.filter(([v, r]) => v !== null && r > 0).map(([v, r]) => v / r);
  const shape = info.shapes[k];
  return {
    model: m.id,
    size: `${shape.at(-1) === 3 ? shape[2] : shape.at(-1)}x${shape.at(-1) === 3 ? shape[1] : shape.at(-2)}`,
    file: m.file,
    veriface_ms: stats(vf),
    veriface_measure: m.vf ? `${m.vf} (approximate: pipeline stage timing)` : "none (no way to run it alone)",
    ort_ms: stats(rows.map(([, r]) => r)),
    ratio: ratios.length ? Math.round(quantile(ratios, 0.5) * 100) / 100 : null,
  };
});
const key = (m) => `${m.model}@${m.size}`;
const report = {
  browser: "Debian chromium, headless, files from 127.0.0.1",
  sessions: SESSIONS,
  runs_per_session: RUNS,
  onnxruntime_web: info.ortVersion,
  veriface_wasm: info.simd,
  ratio: Object.fromEntries(models.map((m) => [key(m), m.ratio])),
  compare_ms: stats(e2e.compare_ms).median,
  models,
  end_to_end: {
    embedder: info.embedder,
    ...Object.fromEntries(Object.entries({ ...e2e, ...starts }).filter(([k]) => k !== "score").map(([k, xs]) => [k, stats(xs)])),
    score: e2e.score,
  },
  ...sizes,
};

if (opts.json) {
  console.log(JSON.stringify(report, null, 1));
} else {
  const fmt = (s) => (s ? `${s.median} [${s.p10} - ${s.p90}]` : "-");
  console.log(`${report.browser}; veriface ${report.veriface_wasm} module; onnxruntime-web ${report.onnxruntime_web} (wasm, 1 thread); ${SESSIONS} session(s) x ${RUNS} runs`);
  console.log("per model, ms: median [p10 - p90]; veriface side APPROXIMATE (pipeline stage timings, see header)");
  console.log(`${"model".padEnd(26)} ${"size".padEnd(8)} ${"veriface".padEnd(22)} ${"onnxruntime-web".padEnd(22)} ratio`);
  for (const m of models) console.log(`${m.model.padEnd(26)} ${m.size.padEnd(8)} ${fmt(m.veriface_ms).padEnd(22)} ${fmt(m.ort_ms).padEnd(22)} ${m.ratio ?? "-"}`);
  console.log(`end to end (veriface, worker, embedder ${info.embedder}), ms: median [p10 - p90]`);
  for (const [k, v] of Object.entries(report.end_to_end)) if (v && typeof v === "object") console.log(`  ${k.padEnd(22)} ${fmt(v)}`);
  console.log(`  ${"compare score".padEnd(22)} ${report.end_to_end.score}`);
  for (const k of Object.keys(sizes)) console.log(`  ${k.padEnd(22)} ${sizes[k]} bytes`);
}
