// The benchmarks' camera-shaped photos: each eval portrait scaled to 480 high and centred on a
// 640x480 grey frame, written once to test-output/bench/ (a.jpg from obama.jpg, b.jpg from
// obama2.jpg). Needs ffmpeg and ../shared/eval (or VERIFACE_EVAL_DIR).
import { existsSync, mkdirSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { root, evalPath, ffmpeg } from "../tests/browser/harness.mjs";

export const benchDataDir = join(root, "test-output", "bench");

export function benchPhotos() {
  mkdirSync(benchDataDir, { recursive: true });
  for (const [src, out] of [["obama.jpg", "a.jpg"], ["obama2.jpg", "b.jpg"]]) {
    const file = join(benchDataDir, out);
    if (existsSync(file)) continue;
    const input = evalPath("face_recognition_examples", "examples", src);
    execFileSync(ffmpeg(), ["-loglevel", "error", "-y", "-i", input, "-vf", "scale=-2:480,pad=640:480:(ow-iw)/2:0:gray", "-q:v", "3", file]);
  }
  return benchDataDir;
}
