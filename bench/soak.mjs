// Soak: many camera frames through the fast guidance pass and many full liveness checks in the
// worker, with the wasm memory (the worker's big allocation) and the page's JS heap sampled along
// the way. After a warm-up (the first 10% of each phase) neither may grow by more than 5%: a leak
// per frame, however small, shows over thousands of frames. (A worker's own JS heap is not
// measurable in Chromium without cross-origin isolation; `vf.memory()` reports null for it.)
//
//   node bench/soak.mjs [--frames 10000] [--liveness 500] [--json]
//
// The camera is Chromium's fake device playing a real person's head turns (made from
// ../shared/eval at run time, tests/browser/capture-fixtures.mjs). tests/browser/soak.test.mjs
// runs the same code with 1,000 frames and 50 liveness checks.
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { launch, openPage, serve } from "../tests/browser/harness.mjs";
import { cameraArgs, clips } from "../tests/browser/capture-fixtures.mjs";

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/**
 * Growth of one series after warm-up: the median of the last fifth of the samples against the
 * median of the first fifth after warm-up. Medians, because a collection that lands between two
 * samples makes single spikes either way; a leak moves the whole tail.
 */
function growth(samples, key, warmup) {
  const after = samples.filter((s) => s.i >= warmup && typeof s[key] === "number").map((s) => s[key]);
  if (after.length < 5) return null;
  const fifth = Math.max(1, Math.floor(after.length / 5));
  const base = median(after.slice(0, fifth));
  return (median(after.slice(-fifth)) - base) / base;
}

/**
 * Runs the soak and returns { frames, liveness, ms, samples, growth: { guidance, liveness } }
 * with growth per series (wasm_bytes, worker_heap, page_heap) as a fraction.
 */
export async function soak({ frames = 10000, liveness = 500, every = 50 } = {}) {
  const server = await serve();
  const browser = await launch([...cameraArgs(clips().live), "--enable-precise-memory-info", "--js-flags=--expose-gc"]);
  try {
    const { page } = await openPage(browser, server.origin);
    const out = await page.evaluate(async ({ frames, liveness, every }) => {
      const vf = await veriface.Veriface.load();
      await vf.prepared();
      const video = document.getElementById("camera");
      video.srcObject = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 } });
      await video.play();
      const sample = async (phase, i) => {
        globalThis.gc?.();
        const m = await vf.memory();
        return { phase, i, wasm_bytes: m.wasm_bytes, worker_heap: m.js_heap_bytes, page_heap: performance.memory?.usedJSHeapSize ?? null };
      };
      const samples = [];
      const t0 = performance.now();
      let faces = 0;
      for (let i = 0; i < frames; i++) {
        const r = await vf.quality(video, { models: false });
        if (r.face) faces++;
        if (i % every === 0 || i === frames - 1) samples.push(await sample("guidance", i));
      }
      const guidanceMs = performance.now() - t0;
      const t1 = performance.now();
      let live = 0;
      for (let i = 0; i < liveness; i++) {
        const shots = await veriface.captureFrames(video, { count: 3, withinMs: 500 });
        const r = await vf.liveness(shots);
        if (r.is_live) live++;
        if (i % Math.max(1, Math.round(every / 50)) === 0 || i === liveness - 1) samples.push(await sample("liveness", i));
      }
      const livenessMs = performance.now() - t1;
      vf.close();
      return { samples, faces, live, guidanceMs, livenessMs };
    }, { frames, liveness, every });
    const phase = (p) => out.samples.filter((s) => s.phase === p);
    const series = (p, n) => Object.fromEntries(["wasm_bytes", "worker_heap", "page_heap"].map((k) => [k, growth(phase(p), k, Math.floor(n / 10))]));
    return {
      frames, liveness,
      faces_found: out.faces, live_verdicts: out.live,
      ms: { guidance_per_frame: out.guidanceMs / frames, liveness_per_check: liveness ? out.livenessMs / liveness : null },
      growth: { guidance: series("guidance", frames), liveness: series("liveness", liveness) },
      first: out.samples[0], last: out.samples.at(-1),
      samples: out.samples,
    };
  } finally {
    await browser.close();
    await server.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values: opts } = parseArgs({ options: { frames: { type: "string", default: "10000" }, liveness: { type: "string", default: "500" }, json: { type: "boolean", default: false } } });
  const r = await soak({ frames: Number(opts.frames), liveness: Number(opts.liveness) });
  if (opts.json) console.log(JSON.stringify({ ...r, samples: undefined }));
  else {
    const pct = (x) => (x === null ? "n/a" : `${(x * 100).toFixed(2)}%`);
    console.log(`${r.frames} guidance frames (${r.faces_found} with a face), ${r.ms.guidance_per_frame.toFixed(1)} ms each; ${r.liveness} liveness checks (${r.live_verdicts} live), ${r.ms.liveness_per_check?.toFixed(0)} ms each`);
    for (const p of ["guidance", "liveness"]) {
      const g = r.growth[p];
      console.log(`${p}: growth after warm-up: wasm ${pct(g.wasm_bytes)}, worker heap ${pct(g.worker_heap)}, page heap ${pct(g.page_heap)}`);
    }
    const mb = (x) => (typeof x === "number" ? `${(x / 1e6).toFixed(1)} MB` : "n/a");
    console.log(`wasm memory ${mb(r.first.wasm_bytes)} -> ${mb(r.last.wasm_bytes)}; page heap ${mb(r.first.page_heap)} -> ${mb(r.last.page_heap)}; worker heap ${mb(r.first.worker_heap)} -> ${mb(r.last.worker_heap)}`);
  }
}
