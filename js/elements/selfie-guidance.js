// The live guidance of <veriface-selfie>: before the challenge, the camera is looked at over and
// over with the library's fast guidance pass (`quality` with `models: false`), and the first
// problem worth fixing is shown as a prompt in the oval. The challenge starts by itself once
// every check, the face's place in the oval included, has held for the element's `holdMs`, so
// nobody has to reach for a button while holding still. It is one loop with its own clock, kept
// apart from the element, which decides what runs before it and after it.

import { guidance } from "./words.js";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Never start the challenge sooner than this after the camera came on.
const MIN_CAMERA_MS = 1500;
// At most one look every this many ms (the hold ring's CSS transition smooths the steps between).
const LOOK_MS = 80;
// A look that throws is tried again 200 ms later; this many failures in a row are an error.
const MAX_FAILURES = 10;

/**
 * Guides the person in front of `video` on `view` (a SelfieView) until every check has held for
 * `holdMs()` and the camera has been on for MIN_CAMERA_MS since `cameraOnAt`: then resolves
 * `{ ready: true }`. Resolves `{ ready: false }` as soon as `live()` turns false (cancelled,
 * hidden, removed), and `{ ready: false, error }` after MAX_FAILURES failed looks in a row (the
 * camera is the element's to stop). `onAdvice(g, report)` is called when the advice changes
 * (`{ code, text }`, code HOLD when all is well).
 */
export async function guide(vf, video, view, { live, holdMs, cameraOnAt, onAdvice }) {
  let goodSince = null;
  let lastCode = null;
  let failures = 0;
  while (live()) {
    const t0 = performance.now();
    let report;
    try {
      report = await vf.quality(video, { models: false, follow: true });
      failures = 0;
    } catch (err) {
      if (!live()) return { ready: false };
      if (++failures >= MAX_FAILURES) return { ready: false, error: err };
      await sleep(200);
      continue;
    }
    if (!live()) return { ready: false };
    const failed = report.checks.filter((c) => !c.passed).map((c) => c.code);
    if (report.face && failed.length === 0) failed.push(...view.ovalProblems(report));
    const g = guidance(failed);
    const now = performance.now();
    if (g.code === "HOLD") goodSince ??= now;
    else goodSince = null;
    const held = goodSince === null ? 0 : now - goodSince;
    view.hold(Math.min(1, held / holdMs()));
    view.ready(g.code === "HOLD");
    view.prompt(g);
    if (g.code !== lastCode) {
      lastCode = g.code;
      onAdvice(g, report);
    }
    if (held >= holdMs() && now - cameraOnAt >= MIN_CAMERA_MS) return { ready: true };
    await sleep(Math.max(0, LOOK_MS - (performance.now() - t0)));
  }
  return { ready: false };
}
