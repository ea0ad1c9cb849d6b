// Does warm detection stay fast? Over S fresh headless-Chromium sessions, the package as it ships
// (worker, default options) detects the face in one 640x480 camera-shaped frame N times in a row,
// with a guidance pass (the detector at 320) and a compare of two photos of other shapes (a
// portrait and a square-ish one, so the detector runs at other aspects too) every tenth call, as
// a page that takes a selfie and an ID photo mixes them. Per session: the first warm detect (the median of calls 2-4), the median of the
// last 5 calls, and their ratio; a session "holds" when that ratio is at most 1.15.
//
//   node bench/steady.mjs [--sessions S] [--calls N] [--mix on|off] [--frame WxH] [--js-flags "..."] [--json]
//
// The detect time is the pipeline's own detect stage (timings.detect_ms, measured inside wasm:
// no worker messaging in it). --js-flags passes V8 flags to Chromium, to test a hypothesis about
// the engine (users cannot pass them: a finding made with a flag must become a change to the code).
// Needs pkg/ (npm run build), ffmpeg and ../shared/eval (or VERIFACE_EVAL_DIR) for the photo.
import { benchPhotos } from "./photos.mjs";
import { parseArgs } from "node:util";
import { launch, openPage, serve, haveEval, evalDir } from "../tests/browser/harness.mjs";

const { values: opts } = parseArgs({
  options: {
    sessions: { type: "string", default: "10" },
    calls: { type: "string", default: "50" },
    mix: { type: "string", default: "on" },
    frame: { type: "string", default: "640x480" },
    "js-flags": { type: "string", default: "" },
    json: { type: "boolean", default: false },
  },
});
const SESSIONS = Math.max(1, Number(opts.sessions));
const CALLS = Math.max(10, Number(opts.calls));
const FRAME = opts.frame.split("x").map(Number);
if (FRAME.length !== 2 || !FRAME.every((n) => n >= 64 && n <= 4096)) {
  console.error(`--frame wants WIDTHxHEIGHT, e.g. 640x480 (got ${opts.frame})`);
  process.exit(2);
}
if (!haveEval) {
  console.error(`no eval data at ${evalDir}: set VERIFACE_EVAL_DIR`);
  process.exit(2);
}

const dataDir = benchPhotos();

// In the page: the calls of one session; returns the detect stage times in call order.
async function session({ calls, mix, width, height }) {
  const vf = await veriface.Veriface.load();
  await vf.prepared();
  const get = async (u) => new Uint8Array(await (await fetch(u)).arrayBuffer());
  const bytes = await get("/bench-data/a.jpg");
  const [photoA, photoB] = await Promise.all(["obama.jpg", "obama2.jpg"].map((f) => get(`/eval/face_recognition_examples/examples/${f}`)));
  const bitmap = await createImageBitmap(new Blob([bytes]));
  const ctx = new OffscreenCanvas(width, height).getContext("2d");
  ctx.drawImage(bitmap, 0, 0);
  const frame = ctx.getImageData(0, 0, width, height);
  const times = [];
  for (let i = 0; i < calls; i++) {
    times.push((await vf.detect(frame)).timings.detect_ms);
    if (mix && i % 10 === 9) {
      await vf.quality(frame, { models: false });
      await vf.compare(photoA, photoB);
    }
  }
  vf.close();
  return times;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const r1 = (x) => Math.round(x * 10) / 10;

const server = await serve({ dirs: { "/bench-data/": dataDir } });
const rows = [];
try {
  for (let s = 0; s < SESSIONS; s++) {
    const browser = await launch(opts["js-flags"] ? [`--js-flags=${opts["js-flags"]}`] : []);
    try {
      const { page, logs } = await openPage(browser, server.origin);
      let times;
      try {
        times = await page.evaluate(session, { calls: CALLS, mix: opts.mix !== "off", width: FRAME[0], height: FRAME[1] });
      } catch (err) {
        console.error(logs.join("\n"));
        throw err;
      }
      const first = median(times.slice(1, 4));
      const last = median(times.slice(-5));
      rows.push({ session: s + 1, first_warm_ms: r1(first), last_ms: r1(last), ratio: Math.round((last / first) * 100) / 100, max_ms: r1(Math.max(...times.slice(1))), times: times.map(r1) });
      if (!opts.json) {
        const row = rows.at(-1);
        console.log(`session ${String(row.session).padStart(2)}: first warm ${row.first_warm_ms} ms, last 5 ${row.last_ms} ms, ratio ${row.ratio}, slowest ${row.max_ms} ms`);
      }
    } finally {
      await browser.close();
    }
  }
} finally {
  await server.close();
}
const held = rows.filter((r) => r.ratio <= 1.15).length;
const report = { calls: CALLS, mix: opts.mix !== "off", frame: opts.frame, js_flags: opts["js-flags"] || null, sessions: rows.length, held, sessions_detail: rows };
if (opts.json) console.log(JSON.stringify(report, null, 1));
else console.log(`${held} of ${rows.length} sessions held (last 5 calls within 15% of the first warm detect)${report.js_flags ? `; V8 flags: ${report.js_flags}` : ""}`);
