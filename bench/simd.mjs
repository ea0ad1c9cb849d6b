// The relaxed-SIMD module against the +simd128 one (js/simd.js), on the same page in headless
// Chromium: one Veriface of each (`simd: "relaxed"` and `simd: "simd128"`), each in its own worker,
// per embedder, timed in interleaved pairs so that a machine busy with something else slows both
// sides of a pair alike.
//
//   node bench/simd.mjs [--runs N] [--sessions S] [--json]
//
// Needs pkg/ with both modules (npm run build), a browser with relaxed SIMD, ffmpeg (for the
// two 640x480 photos of bench/photos.mjs) and ../shared/eval (or VERIFACE_EVAL_DIR). Each figure
// is over S fresh browser sessions (default 3) of N pairs each (default 10), after one warm-up of
// each side; pair i runs simd128 first when i is even, relaxed first when it is odd.
// Per model, as bench/engines.mjs reads them (stage timings measured inside wasm):
//   detector 640   detect(640x480 frame).timings.detect_ms
//   detector 320   quality(frame, { models: false }).timings.detect_ms
//   embedders      compare(a, b).timings.embed_ms / 2
//   MiniFASNet     quality(frame).timings.liveness_ms - the same of the guidance pass
// End to end (wall time seen by the page): compare_ms (two 640x480 JPEGs), liveness_3_frames_ms.
//   ratio   median over pairs of relaxed / simd128 (below 1: the relaxed module is faster),
//           with the 10th and 90th percentiles of the pair ratios.
// Also the compare score of each module (they differ by FMA's rounding only).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { benchPhotos } from "./photos.mjs";
import { root, serve } from "../tests/browser/harness.mjs";
import { benchArgs, inSessions, quantile } from "./sessions.mjs";

const { opts, runs: RUNS, sessions: SESSIONS } = benchArgs();
const manifest = JSON.parse(readFileSync(join(root, "models", "manifest.json"), "utf8"));
const ITEMS = [
  { name: `${manifest.detector.id}@640x480`, how: "detect640" },
  { name: `${manifest.detector.id}@320x240`, how: "detect320" },
  ...manifest.embedders.map((e) => ({ name: e.id, how: "embed", embedder: e.id })),
  { name: manifest.liveness.id, how: "antispoof" },
  { name: "compare_ms (end to end)", how: "compare" },
  { name: "liveness_3_frames_ms (end to end)", how: "liveness" },
];
const SIDES = ["simd128", "relaxed"];

// In the page: per side, the default Veriface (with liveness) and one per other embedder.
async function setupPage({ items, sides }) {
  const bytes = async (u) => new Uint8Array(await (await fetch(u)).arrayBuffer());
  const B = (window.bench = { a: await bytes("/bench-data/a.jpg"), b: await bytes("/bench-data/b.jpg"), vf: {} });
  const bitmap = await createImageBitmap(new Blob([B.a]));
  B.frame = (dx = 0) => {
    const ctx = new OffscreenCanvas(640, 480).getContext("2d");
    ctx.drawImage(bitmap, dx, 0);
    return ctx.getImageData(0, 0, 640, 480);
  };
  const scores = {};
  for (const simd of sides) {
    const main = await veriface.Veriface.load({ simd, cache: false });
    if (main.info.simd !== simd) throw new Error(`asked for ${simd}, loaded ${main.info.simd}`);
    B.vf[simd] = { main, [main.info.models.embedder]: main };
    for (const it of items) {
      if (it.embedder && !B.vf[simd][it.embedder]) B.vf[simd][it.embedder] = await veriface.Veriface.load({ simd, cache: false, embedder: it.embedder, liveness: false });
    }
    for (const vf of Object.values(B.vf[simd])) await vf.prepared();
    scores[simd] = (await main.compare(B.a, B.b)).score;
  }
  return scores;
}

// In the page: `runs` interleaved pairs [simd128, relaxed] for one item.
async function pairs({ it, runs }) {
  const B = window.bench;
  const frame = B.frame();
  const frames = [0, 3, 6].map((dx, i) => ({ image: B.frame(dx), timestamp: i * 100 }));
  const wall = async (f) => {
    const t = performance.now();
    await f();
    return performance.now() - t;
  };
  const one = async (simd) => {
    const V = B.vf[simd];
    if (it.how === "detect640") return (await V.main.detect(frame)).timings.detect_ms;
    if (it.how === "detect320") return (await V.main.quality(frame, { models: false })).timings.detect_ms;
    if (it.how === "embed") return (await V[it.embedder].compare(B.a, B.b)).timings.embed_ms / 2;
    if (it.how === "antispoof") {
      const full = await V.main.quality(frame);
      const guide = await V.main.quality(frame, { models: false });
      return full.timings.liveness_ms - guide.timings.liveness_ms;
    }
    if (it.how === "compare") return wall(() => V.main.compare(B.a, B.b));
    return wall(() => V.main.liveness(frames));
  };
  await one("simd128");
  await one("relaxed");
  const out = [];
  for (let i = 0; i < runs; i++) {
    if (i % 2 === 0) {
      const s = await one("simd128");
      out.push([s, await one("relaxed")]);
    } else {
      const r = await one("relaxed");
      out.push([await one("simd128"), r]);
    }
  }
  return out;
}

const server = await serve({ dirs: { "/bench-data/": benchPhotos() } });
const rows = ITEMS.map(() => []);
const scores = [];
await inSessions(server, SESSIONS, async (page) => {
  scores.push(await page.evaluate(setupPage, { items: ITEMS, sides: SIDES }));
  for (let k = 0; k < ITEMS.length; k++) rows[k].push(...(await page.evaluate(pairs, { it: ITEMS[k], runs: RUNS })));
});

const r1 = (x) => Math.round(x * 10) / 10;
const r3 = (x) => Math.round(x * 1000) / 1000;
const report = {
  browser: "Debian chromium, headless, files from 127.0.0.1",
  sessions: SESSIONS,
  pairs_per_session: RUNS,
  items: ITEMS.map((it, k) => {
    const ratios = rows[k].filter(([s]) => s > 0).map(([s, r]) => r / s);
    return {
      item: it.name,
      simd128_ms: r1(quantile(rows[k].map(([s]) => s), 0.5)),
      relaxed_ms: r1(quantile(rows[k].map(([, r]) => r), 0.5)),
      ratio: r3(quantile(ratios, 0.5)),
      ratio_p10: r3(quantile(ratios, 0.1)),
      ratio_p90: r3(quantile(ratios, 0.9)),
      pairs: ratios.length,
    };
  }),
  scores: scores[0],
};
if (opts.json) {
  console.log(JSON.stringify(report, null, 1));
} else {
  console.log(`${report.browser}; ${SESSIONS} session(s) x ${RUNS} interleaved pairs; medians in ms; ratio = relaxed / simd128 per pair: median [p10 - p90]`);
  console.log(`${"item".padEnd(36)} ${"simd128".padStart(8)} ${"relaxed".padStart(8)}  ratio`);
  for (const i of report.items) console.log(`${i.item.padEnd(36)} ${String(i.simd128_ms).padStart(8)} ${String(i.relaxed_ms).padStart(8)}  ${i.ratio} [${i.ratio_p10} - ${i.ratio_p90}] (${i.pairs} pairs)`);
  console.log(`compare score: simd128 ${report.scores.simd128}, relaxed ${report.scores.relaxed}`);
}
