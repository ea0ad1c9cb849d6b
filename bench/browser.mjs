// Browser figures for the README: wasm size (raw, gzip, brotli), model bytes, cold start and
// warm compare time in headless Chromium, through the npm package exactly as it ships.
//
//   node bench/browser.mjs [--runs N] [--embedder ID] [--simd relaxed|simd128] [--main-thread] [--no-liveness] [--json]
//
// Needs pkg/ (npm run build) and ../shared/eval (or VERIFACE_EVAL_DIR) for the two face images.
// Cold start is a fresh browser profile (nothing cached): fetch from 127.0.0.1 + compile + model
// optimisation. "Cached start" is a second load in the same profile (Cache API). Each figure is
// the median over --runs browser launches (default 5); compare and detect are medians of 10 calls.
import { wasmSizes } from "./sizes.mjs";
import { parseArgs } from "node:util";
import { launch, openPage, serve, haveEval, evalDir } from "../tests/browser/harness.mjs";

const { values: opts } = parseArgs({
  options: {
    runs: { type: "string", default: "5" },
    embedder: { type: "string" },
    simd: { type: "string" },
    "main-thread": { type: "boolean", default: false },
    "no-liveness": { type: "boolean", default: false },
    json: { type: "boolean", default: false },
  },
});
if (!haveEval) {
  console.error(`no eval data at ${evalDir}: set VERIFACE_EVAL_DIR`);
  process.exit(2);
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

const server = await serve();
const runs = [];
for (let i = 0; i < Number(opts.runs); i++) {
  const browser = await launch();
  try {
    const { page } = await openPage(browser, server.origin);
    runs.push(
      await page.evaluate(
        async ({ embedder, worker, liveness, simd }) => {
          const t0 = performance.now();
          const vf = await veriface.Veriface.load({ embedder, worker, liveness, simd });
          const cold = performance.now() - t0;
          await vf.prepared();
          const a = await bytes("/eval/face_recognition_examples/examples/obama.jpg");
          const b = await bytes("/eval/face_recognition_examples/examples/obama2.jpg");
          const first = await vf.compare(a, b);
          const compare = [];
          const detect = [];
          const inside = [];
          for (let k = 0; k < 10; k++) {
            const s = performance.now();
            const r = await vf.compare(a, b);
            compare.push(performance.now() - s);
            inside.push(r.timings);
          }
          for (let k = 0; k < 10; k++) {
            const s = performance.now();
            await vf.detect(a);
            detect.push(performance.now() - s);
          }
          // Liveness on camera-sized frames: the photo drawn into 640 x 480, as a camera gives it,
          // shifted a few pixels per frame.
          const frameOf = async (dx) => {
            const img = await createImageBitmap(new Blob([a]));
            const c = new OffscreenCanvas(640, 480);
            const ctx = c.getContext("2d");
            const h = 420, w = (img.width * h) / img.height;
            ctx.drawImage(img, 320 - w / 2 + dx, 30, w, h);
            return ctx.getImageData(0, 0, 640, 480);
          };
          const guidance = [];
          const full = [];
          const live = [];
          if (liveness) {
            const f0 = await frameOf(0);
            await vf.quality(f0, { models: false });
            for (let k = 0; k < 10; k++) {
              let s = performance.now();
              await vf.quality(f0, { models: false });
              guidance.push(performance.now() - s);
              s = performance.now();
              await vf.quality(f0);
              full.push(performance.now() - s);
            }
            const frames = [await frameOf(0), await frameOf(3), await frameOf(6)].map((image, i) => ({ image, timestamp: i * 160 }));
            for (let k = 0; k < 3; k++) {
              const s = performance.now();
              await vf.liveness(frames);
              live.push(performance.now() - s);
            }
          }
          vf.close();
          const t1 = performance.now();
          const again = await veriface.Veriface.load({ embedder, worker, liveness, simd });
          const cached = performance.now() - t1;
          again.close();
          return { cold, info: vf.info, cached, first_compare: first.timings.total_ms, compare, detect, inside, score: first.score, guidance, full, live };
        },
        { embedder: opts.embedder, worker: !opts["main-thread"], liveness: !opts["no-liveness"], simd: opts.simd },
      ),
    );
  } finally {
    await browser.close();
  }
}
await server.close();

const m = (f) => Math.round(median(runs.map(f)) * 10) / 10;
const report = {
  browser: "Debian chromium, headless, files from 127.0.0.1",
  mode: opts["main-thread"] ? "main thread" : "worker",
  embedder: runs[0].info.models.embedder,
  wasm_module: runs[0].info.simd,
  ...wasmSizes(runs[0].info.simd === "relaxed" ? "veriface_relaxed_bg.wasm" : "veriface_bg.wasm"),
  model_bytes: {
    detector: runs[0].info.bytes.detector,
    embedder: runs[0].info.bytes.embedder,
    liveness: runs[0].info.bytes.liveness,
    eye: runs[0].info.bytes.eye,
  },
  cold_start_ms: m((r) => r.cold),
  cold_fetch_and_compile_ms: m((r) => r.info.timings.fetch_and_compile_ms),
  cold_wasm_compile_ms: m((r) => r.info.timings.wasm_compile_ms),
  cold_model_init_ms: m((r) => r.info.timings.model_init_ms),
  cached_start_ms: m((r) => r.cached),
  first_compare_ms: m((r) => r.first_compare),
  warm_compare_ms: m((r) => median(r.compare)),
  warm_compare_stages_ms: Object.fromEntries(
    ["decode_ms", "detect_ms", "align_ms", "embed_ms"].map((k) => [k, m((r) => median(r.inside.map((t) => t[k])))]),
  ),
  warm_detect_ms: m((r) => median(r.detect)),
  ...(opts["no-liveness"]
    ? {}
    : {
        warm_guidance_quality_640x480_ms: m((r) => median(r.guidance)),
        warm_full_quality_640x480_ms: m((r) => median(r.full)),
        warm_liveness_3_frames_640x480_ms: m((r) => median(r.live)),
      }),
  score: runs[0].score,
  runs: runs.length,
};
if (opts.json) console.log(JSON.stringify(report, null, 1));
else for (const [k, v] of Object.entries(report)) console.log(`${k.padEnd(28)} ${typeof v === "object" ? JSON.stringify(v) : v}`);
