// The active-liveness challenge in Chromium with a fake camera, and the native verifier on the
// browser's own record.
//
// The camera plays a clip the test cuts (test-output/, not committed) from a real person's video
// (../shared/eval/liveportrait_driving_videos/d3.mp4, labelled in eval-labels/actions.csv): her
// head turn to her right (0.00-1.07 s, yaw -30), her head turn to her left (8.00-9.67 s, yaw +43),
// then 6 s of a still frontal frame, looping. A challenge of those two actions in that order
// passes; the other order cannot be done within its 3 s second window (the next right turn comes
// 6 s later), and fails; a still photo as the camera does nothing asked of it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { evalPath, ffmpeg, launch, nativeBin, openPage, root, serve, skipEval } from "./harness.mjs";

const dir = join(root, "test-output", "challenge");
let server, clip, still;

function make(name, args) {
  mkdirSync(dir, { recursive: true });
  const out = join(dir, name);
  if (!existsSync(out)) execFileSync(ffmpeg(), ["-loglevel", "error", "-y", ...args, out]);
  return out;
}

before(async () => {
  server = await serve();
  if (skipEval) return;
  const d3 = evalPath("liveportrait_driving_videos", "d3.mp4");
  clip = make("turn-right-then-left.y4m", [
    "-i", d3, "-filter_complex",
    "[0:v]trim=0:1.3,setpts=PTS-STARTPTS[a];[0:v]trim=7.9:9.9,setpts=PTS-STARTPTS[b];[a][b]concat=n=2:v=1[c];[c]tpad=stop_mode=clone:stop_duration=6,fps=25[v]",
    "-map", "[v]", "-pix_fmt", "yuv420p",
  ]);
  const frame = make("frontal-d0.png", ["-ss", "1", "-i", evalPath("liveportrait_driving_videos", "d0.mp4"), "-frames:v", "1"]);
  still = make("still-d0.y4m", ["-loop", "1", "-i", frame, "-t", "6", "-r", "25", "-pix_fmt", "yuv420p"]);
});
after(async () => server?.close());

/** Runs a challenge of `actions` (first window 12 s, then 3 s) on the fake camera `file`. */
async function run(file, actions) {
  const browser = await launch([
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    `--use-file-for-fake-video-capture=${file}`,
  ]);
  try {
    const { page, outside, logs } = await openPage(browser, server.origin);
    const out = await page.evaluate(async (actions) => {
      const vf = await veriface.Veriface.load();
      const el = document.getElementById("camera");
      el.srcObject = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 } });
      await el.play();
      const challenge = await vf.challenge(actions);
      challenge.steps[0].window_ms = 12000;
      for (const s of challenge.steps.slice(1)) s.window_ms = 3000;
      const seen = [];
      const { record, result } = await vf.runChallenge(el, challenge, { onStep: (s) => seen.push(s) });
      const vlens = veriface.vlensRequest(record);
      vf.close();
      return { challenge, record, result, seen, vlensKeys: Object.keys(vlens).filter((k) => vlens[k]) };
    }, actions);
    assert.deepEqual(outside, []);
    assert.ok(!logs.some((l) => l.startsWith("pageerror")), logs.join("\n"));
    return out;
  } finally {
    await browser.close();
  }
}

/** The native CLI's verdict on the browser's record. */
function native(name, { challenge, record }) {
  const c = join(dir, `${name}-challenge.json`);
  const r = join(dir, `${name}-record.json`);
  writeFileSync(c, JSON.stringify(challenge));
  writeFileSync(r, JSON.stringify(record));
  let stdout;
  try {
    stdout = execFileSync(nativeBin, ["challenge", "verify", c, r], { encoding: "utf8", cwd: root });
  } catch (err) {
    if (err.status !== 1) throw err; // no binary, or a crash: not a verdict
    stdout = err.stdout; // exit 1: not passed, still a verdict
  }
  return JSON.parse(stdout);
}

function agree(browser, cli) {
  assert.equal(cli.passed, browser.passed);
  assert.deepEqual(cli.failed_codes, browser.failed_codes);
  assert.deepEqual(cli.steps.map((s) => s.done), browser.steps.map((s) => s.done));
}

test("a real person doing the challenge's actions in order passes, and the native verdict agrees", { skip: skipEval }, async () => {
  const out = await run(clip, ["turn_right", "turn_left"]);
  const { result, record } = out;
  console.log(`# in order: passed ${result.passed}, steps ${JSON.stringify(result.steps.map((s) => [s.action, s.done, s.value?.toFixed(1), s.parallax?.toFixed(3)]))}, ${record.frames.length} frames kept, failed ${result.failed_codes}`);
  assert.equal(result.passed, true, JSON.stringify(result.checks.filter((c) => !c.passed)));
  const limit = result.checks.find((c) => c.code === "NO_3D_MOTION")?.threshold;
  assert.ok(limit > 0, "the 3D evidence check states its limit");
  assert.ok(result.steps.every((s) => s.parallax >= limit), "each turn shows 3D motion");
  assert.ok(record.frames.length >= 5 && record.frames.length <= 12);
  assert.deepEqual(out.seen.filter((s) => s.kind === "done").map((s) => s.action), ["turn_right", "turn_left"]);
  assert.equal(out.vlensKeys.length, 3, "three frames for a Vlens liveness/multi request");
  agree(result, native("in-order", out));
});

test("the same video against the other order fails: the second action does not come in its window", { skip: skipEval }, async () => {
  const out = await run(clip, ["turn_left", "turn_right"]);
  const { result } = out;
  console.log(`# other order: passed ${result.passed}, failed ${result.failed_codes}`);
  assert.equal(result.passed, false);
  assert.ok(result.failed_codes.includes("ACTION_NOT_DONE"));
  assert.equal(result.steps[0].done, true);
  assert.equal(result.steps[1].done, false);
  agree(result, native("other-order", out));
});

test("a still photo as the camera does none of the actions and fails, saying which", { skip: skipEval }, async () => {
  const out = await run(still, ["turn_right", "turn_left"]);
  const { result } = out;
  assert.equal(result.passed, false);
  assert.ok(result.failed_codes.includes("ACTION_NOT_DONE"), result.failed_codes.join());
  const why = result.checks.find((c) => c.code === "ACTION_NOT_DONE").detail;
  assert.match(why, /turn_right/);
  agree(result, native("still", out));
});
