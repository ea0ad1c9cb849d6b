// The privacy promise, entry point by entry point: once `Veriface.load()` has resolved, nothing
// the package does asks the network for anything. After the load every request from the page and
// its worker is aborted (and the context set offline); then each public call runs on real faces
// and the fake camera (a real person's head turns, capture-fixtures.mjs) and must work, and the
// list of requests tried must stay empty. The page is served under the demo's strict CSP
// (harness.mjs), so this also holds with no 'unsafe-eval' and no inline script.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launch, openPage, serve, skipEval } from "./harness.mjs";
import { cameraArgs, clips } from "./capture-fixtures.mjs";

let server, browser;
before(async () => {
  server = await serve();
  if (skipEval) return;
  browser = await launch(cameraArgs(clips().live));
});
after(async () => {
  await browser?.close();
  await server?.close();
});

test("with every request blocked after load, every public entry point works and asks for nothing", { skip: skipEval, timeout: 240000 }, async () => {
  const { page, context, outside, logs } = await openPage(browser, server.origin);
  await page.evaluate(async () => {
    const EX = "/eval/face_recognition_examples/examples/";
    window.a = await bytes(EX + "obama.jpg");
    window.b = await bytes(EX + "obama2.jpg");
    window.vf = await veriface.Veriface.load();
    const video = document.getElementById("camera");
    video.srcObject = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 } });
    await video.play();
  });
  const tried = [];
  await context.route("**", (route) => {
    tried.push(route.request().url());
    return route.abort("internetdisconnected");
  });
  await context.setOffline(true);

  const out = await page.evaluate(async () => {
    const { vf, a, b } = window;
    const video = document.getElementById("camera");
    const done = {};
    const run = async (name, fn) => {
      try {
        done[name] = await fn();
      } catch (e) {
        done[name] = { failed: `${e.code}: ${e.message}` };
      }
    };
    await run("detect", async () => (await vf.detect(a)).faces.length);
    await run("compare", async () => (await vf.compare(a, b)).is_match);
    await run("compare_vlens", async () => (await vf.compare(a, b, { format: "vlens" })).data.isMatched);
    await run("format", async () => (await vf.format(await vf.compare(a, b), "deepvue")).data.match);
    await run("handle", async () => (await vf.handle("/v1/facematch", { file_a: btoa(String.fromCharCode(...a.slice(0, 0))) })).status);
    await run("guidance", async () => (await vf.quality(video, { models: false })).checks.length > 0);
    await run("quality", async () => (await vf.quality(video)).checks.length > 0);
    await run("liveness", async () => {
      const frames = await veriface.captureFrames(video, { count: 3, withinMs: 500 });
      return typeof (await vf.liveness(frames, { idFront: b })).is_live;
    });
    await run("challenge", async () => {
      const challenge = await vf.challenge(["turn_right", "turn_left"]);
      for (const s of challenge.steps) s.window_ms = 12000;
      const { record, result } = await vf.runChallenge(video, challenge);
      const verdict = await vf.verifyChallenge(challenge, record);
      return { frames: record.frames.length, device: typeof result.passed, again: verdict.passed === result.passed };
    });
    await run("element", async () => {
      const el = document.createElement("veriface-selfie");
      el.veriface = vf;
      document.body.append(el);
      el.start();
      const until = Date.now() + 20000;
      while (!(el.screen === "camera" && el.shadowRoot.querySelector(".prompt").dataset.code && !["STARTING", "LOADING"].includes(el.shadowRoot.querySelector(".prompt").dataset.code)) && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 100));
      }
      const code = el.shadowRoot.querySelector(".prompt").dataset.code;
      el.cancel();
      el.remove();
      return code;
    });
    return done;
  });
  console.log(`# offline: ${JSON.stringify(out)}`);
  const failed = Object.entries(out).filter(([, v]) => v && typeof v === "object" && "failed" in v);
  assert.deepEqual(failed, [], "an entry point failed offline");
  assert.equal(out.detect, 1);
  assert.equal(out.compare, true);
  assert.equal(out.compare_vlens, true);
  assert.equal(out.format, true);
  assert.equal(typeof out.handle, "number");
  assert.equal(out.liveness, "boolean");
  assert.ok(out.challenge.frames > 0 && out.challenge.again, JSON.stringify(out.challenge));
  assert.ok(out.element && !["STARTING", "LOADING"].includes(out.element), `the element never got past ${out.element}`);
  assert.deepEqual(tried, [], "a request was made after load");
  assert.deepEqual(outside, []);
  assert.ok(!logs.some((l) => l.startsWith("pageerror")), logs.join("\n"));
});
