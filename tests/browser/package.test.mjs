// The npm package in headless Chromium with the real models: scores equal to the native CLI's,
// every input type, the Cache API, the worker and main-thread modes, and every error code.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { evalPath, launch, nativeCompare, openPage, serve, skipEval } from "./harness.mjs";
import { CSP } from "../../tools/csp.mjs";

const OBAMA = "/eval/face_recognition_examples/examples/obama.jpg";
const OBAMA2 = "/eval/face_recognition_examples/examples/obama2.jpg";
const BIDEN = "/eval/face_recognition_examples/examples/biden.jpg";
const TWO = "/eval/face_recognition_examples/examples/two_people.jpg";
const PNG = "/eval/face_recognition_examples/examples/lin-manuel-miranda.png";

let server, browser;
before(async () => {
  const detector = await readFile(new URL("../../models/retinaface_mnet025.onnx", import.meta.url));
  const model = (file) => readFile(new URL(`../../models/${file}`, import.meta.url));
  // The default fusion's members: intact in /broken/, where only the detector is damaged.
  const embedders = Object.fromEntries(await Promise.all(
    ["faceplugin_fr_feature_fp16.onnx", "dlib_resnet_v1_fp16.onnx"].map(async (f) => [`/broken/${f}`, await model(f)]),
  ));
  const liveModel = await readFile(new URL("../../models/minifasnet_v2_2.7.onnx", import.meta.url));
  const eyeModel = await readFile(new URL("../../models/faceplugin_fr_eye.onnx", import.meta.url));
  const irisModel = await readFile(new URL("../../models/iris_landmark.onnx", import.meta.url));
  const meshModel = await readFile(new URL("../../models/face_landmark_468.onnx", import.meta.url));
  server = await serve({
    // The strict policy, except that TAINTED_IMAGE needs a picture from another origin on the page
    // (the same server as http://localhost:PORT).
    headers: { "content-security-policy": CSP.replace("img-src 'self'", "img-src 'self' http://localhost:*") },
    routes: {
      // The detector with one byte flipped: must be refused by hash, from JS and from wasm.
      "/broken/retinaface_mnet025.onnx": () => {
        const bad = Buffer.from(detector);
        bad[bad.length >> 1] ^= 0xff;
        return { body: bad };
      },
      ...Object.fromEntries(Object.entries(embedders).map(([path, body]) => [path, () => ({ body })])),
      // Intact: only the detector is damaged in this folder.
      "/broken/minifasnet_v2_2.7.onnx": () => ({ body: liveModel }),
      "/broken/faceplugin_fr_eye.onnx": () => ({ body: eyeModel }),
      "/broken/iris_landmark.onnx": () => ({ body: irisModel }),
      "/broken/face_landmark_468.onnx": () => ({ body: meshModel }),
      "/custom/retinaface_mnet025.onnx": () => ({ body: detector }),
      // The test page under a Content-Security-Policy that forbids workers.
      "/pages/no-workers.html": async () => ({
        type: "text/html",
        body: await readFile(new URL("./pages/index.html", import.meta.url)),
        headers: { "content-security-policy": "worker-src 'none'" },
      }),
      "/custom/garbage.onnx": () => ({ body: Buffer.from("this is not an ONNX model") }),
    },
  });
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

for (const worker of [true, false]) {
  test(`compare ${worker ? "in a worker" : "on the main thread"} equals the native CLI within 1e-4`, { skip: skipEval }, async () => {
    const { page, outside, logs } = await openPage(browser, server.origin);
    const out = await page.evaluate(async ({ worker, OBAMA, OBAMA2, BIDEN }) => {
      const events = [];
      const vf = await veriface.Veriface.load({ worker, onProgress: (p) => events.push(p) });
      const same = await vf.compare(await bytes(OBAMA), await bytes(OBAMA2));
      const other = await vf.compare(await bytes(OBAMA), await bytes(BIDEN));
      // The compares above ran while the engine optimised the other models between calls.
      const prepared = await vf.prepared();
      const again = await vf.compare(await bytes(OBAMA), await bytes(OBAMA2));
      vf.close();
      return { same, other, again, prepared, events, info: vf.info };
    }, { worker, OBAMA, OBAMA2, BIDEN });
    for (const [key, a, b] of [["same", OBAMA, OBAMA2], ["other", OBAMA, BIDEN]]) {
      const native = nativeCompare(evalPath(a.slice(6)), evalPath(b.slice(6)));
      const got = out[key];
      assert.ok(Math.abs(got.score - native.score) < 1e-4, `${key}: score ${got.score} vs native ${native.score}`);
      assert.ok(Math.abs(got.similarity - native.similarity) < 1e-4, `${key}: similarity ${got.similarity} vs native ${native.similarity}`);
      assert.equal(got.is_match, native.is_match);
      assert.deepEqual(got.models, native.models);
      console.log(`# ${worker ? "worker" : "main"} ${key}: browser score ${got.score.toFixed(6)} native ${native.score.toFixed(6)} |diff| ${Math.abs(got.score - native.score).toExponential(2)}`);
    }
    // The declared types (js/index.d.ts) name exactly the fields a result has.
    const dts = await readFile(new URL("../../js/index.d.ts", import.meta.url), "utf8");
    const fields = (name) => dts.match(new RegExp(`interface ${name} \\{([\\s\\S]*?)\\n\\}`))[1]
      .split("\n").map((l) => l.match(/^\s*(\w+)\??:/)?.[1]).filter(Boolean).sort();
    // `liveness` is there only with checkLiveness (tests/browser/liveness.test.mjs).
    assert.deepEqual(Object.keys(out.same).sort(), fields("CompareResult").filter((f) => f !== "liveness"));
    assert.deepEqual(Object.keys(out.same.face_a).sort(), fields("FaceReport"));
    assert.deepEqual(Object.keys(out.same.timings).sort(), fields("Timings"));
    assert.deepEqual(Object.keys(out.info).sort(), fields("LoadInfo"));
    assert.equal(out.same.is_match, true);
    assert.equal(out.other.is_match, false);
    assert.ok(out.prepared.prepared_ms >= 0, JSON.stringify(out.prepared));
    assert.equal(out.again.score, out.same.score, "a compare after every model is prepared scores as one during it");
    // Progress: bytes only go up, end at the total, and the total is the three files' sizes.
    const { events, info } = out;
    assert.ok(events.length >= 4, `only ${events.length} progress events`);
    for (let i = 1; i < events.length; i++) assert.ok(events[i].loaded >= events[i - 1].loaded);
    const last = events[events.length - 1];
    assert.equal(last.phase, "ready");
    assert.equal(last.loaded, last.total);
    // The wasm, the detector, the embedder and (loaded by default) the liveness models
    // (anti-spoofing, eye state, iris) and the face mesh a challenge's turns need.
    const { wasm, detector, embedder, liveness, eye, iris, mesh } = info.bytes;
    assert.equal(last.total, wasm + detector + embedder + liveness + eye + iris + mesh);
    assert.ok(liveness > 0 && eye > 0 && iris > 0 && mesh > 0, JSON.stringify(info.bytes));
    assert.deepEqual(outside, [], "requests left the machine");
    assert.ok(!logs.some((l) => l.startsWith("pageerror")), logs.join("\n"));
  });
}

test("a second load reads the wasm and models from the Cache API, and a damaged entry is fetched again", { skip: skipEval }, async () => {
  const { page } = await openPage(browser, server.origin);
  const first = await page.evaluate(async () => {
    // What an older version left behind, which this load must clear away.
    await (await caches.open("veriface-0000000000000000")).put("/old.onnx", new Response("old"));
    const vf = await veriface.Veriface.load();
    vf.close();
    return { fromCache: vf.info.fromCache, caches: await caches.keys() };
  });
  assert.deepEqual(first.fromCache, { wasm: false, detector: false, embedder: false, liveness: false, eye: false, iris: false, mesh: false });
  assert.equal(first.caches.length, 1, `caches: ${first.caches}`);
  assert.notEqual(first.caches[0], "veriface-0000000000000000");
  const before = server.requests.filter((p) => p.endsWith(".onnx") || p.endsWith(".wasm")).length;
  const second = await page.evaluate(async () => {
    const vf = await veriface.Veriface.load();
    vf.close();
    return vf.info.fromCache;
  });
  assert.deepEqual(second, { wasm: true, detector: true, embedder: true, liveness: true, eye: true, iris: true, mesh: true });
  assert.equal(server.requests.filter((p) => p.endsWith(".onnx") || p.endsWith(".wasm")).length, before, "files were fetched again");
  // Overwrite the cached detector with other bytes: the next load must notice and refetch it.
  const third = await page.evaluate(async () => {
    for (const name of await caches.keys()) {
      const cache = await caches.open(name);
      for (const req of await cache.keys()) {
        if (req.url.endsWith("retinaface_mnet025.onnx")) await cache.put(req, new Response(new Uint8Array([1, 2, 3])));
      }
    }
    const vf = await veriface.Veriface.load();
    vf.close();
    return vf.info.fromCache;
  });
  assert.deepEqual(third, { wasm: true, detector: false, embedder: true, liveness: true, eye: true, iris: true, mesh: true });
});

test("every input type reaches the pipeline", { skip: skipEval }, async () => {
  const { page } = await openPage(browser, server.origin);
  const out = await page.evaluate(async ({ OBAMA, OBAMA2, PNG }) => {
    const vf = await veriface.Veriface.load();
    const ref = await bytes(OBAMA);
    const raw = await bytes(OBAMA2);
    const blob = new Blob([raw], { type: "image/jpeg" });
    const img = new Image();
    img.src = OBAMA2;
    await img.decode();
    const bitmap = await createImageBitmap(blob);
    const canvas = document.createElement("canvas");
    canvas.width = bitmap.width;
    canvas.height = bitmap.height;
    canvas.getContext("2d").drawImage(bitmap, 0, 0);
    const imageData = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height);
    let binary = "";
    for (const b of raw) binary += String.fromCharCode(b);
    const b64 = btoa(binary);
    const inputs = {
      Uint8Array: raw,
      ArrayBuffer: raw.slice().buffer,
      DataView: new DataView(raw.slice().buffer),
      Blob: blob,
      File: new File([raw], "obama2.jpg", { type: "image/jpeg" }),
      base64: b64,
      dataUrl: `data:image/jpeg;base64,${b64}`,
      HTMLImageElement: img,
      HTMLCanvasElement: canvas,
      OffscreenCanvas: (() => { const c = new OffscreenCanvas(bitmap.width, bitmap.height); c.getContext("2d").drawImage(bitmap, 0, 0); return c; })(),
      ImageBitmap: bitmap,
      ImageData: imageData,
      plainPixels: { width: imageData.width, height: imageData.height, data: new Uint8Array(imageData.data) },
      png: await bytes(PNG),
    };
    const scores = {};
    for (const [name, input] of Object.entries(inputs)) {
      const r = await vf.compare(ref, input);
      scores[name] = r.score;
    }
    // The caller's buffer is still theirs after a call (copied to the worker, not transferred).
    const stillThere = raw.byteLength;
    const detected = await vf.detect(canvas);
    vf.close();
    return { scores, stillThere, faces: detected.faces.length };
  }, { OBAMA, OBAMA2, PNG });
  const { scores } = out;
  assert.ok(out.stillThere > 0, "the caller's Uint8Array was detached");
  assert.equal(out.faces, 1);
  // Encoded bytes go through the same decoder as native: identical scores.
  for (const name of ["ArrayBuffer", "DataView", "Blob", "File", "base64", "dataUrl"]) {
    assert.equal(scores[name], scores.Uint8Array, name);
  }
  // Pixels decoded by the browser's JPEG decoder differ from the core's in the last bits, so
  // the score moves a little; it must stay the same decision and close.
  for (const name of ["HTMLImageElement", "HTMLCanvasElement", "OffscreenCanvas", "ImageBitmap", "ImageData", "plainPixels"]) {
    assert.ok(Math.abs(scores[name] - scores.Uint8Array) < 0.02, `${name}: ${scores[name]} vs ${scores.Uint8Array}`);
  }
  assert.ok(scores.Uint8Array > 0.9);
  assert.ok(scores.png < 0.5, `obama vs lin-manuel-miranda scored ${scores.png}`);
  console.log(`# scores by input type: ${JSON.stringify(scores)}`);
});

test("every error reaches JS as a VerifaceError with its code", { skip: skipEval }, async () => {
  const { page } = await openPage(browser, server.origin);
  const out = await page.evaluate(async ({ OBAMA, TWO, origin, otherOrigin }) => {
    const { Veriface } = veriface;
    const vf = await Veriface.load();
    const face = await bytes(OBAMA);
    const jpeg = face;
    // A valid PNG header (CRC and all) claiming 30000 x 30000 pixels: refused before decoding.
    const crc32 = (bytes) => {
      let c = ~0;
      for (const b of bytes) { c ^= b; for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1)); }
      return ~c >>> 0;
    };
    const ihdr = [0x49, 0x48, 0x44, 0x52, 0, 0, 0x75, 0x30, 0, 0, 0x75, 0x30, 8, 6, 0, 0, 0];
    const crc = crc32(ihdr);
    const hugePng = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, ...ihdr,
      crc >>> 24, (crc >>> 16) & 255, (crc >>> 8) & 255, crc & 255]);
    const grey = { width: 64, height: 64, data: new Uint8Array(64 * 64 * 4).fill(128) };
    const crossImg = new Image();
    crossImg.src = otherOrigin + "/eval/face_recognition_examples/examples/obama.jpg";
    await crossImg.decode();
    const cases = {
      EMPTY_INPUT: () => vf.compare(new Uint8Array(0), face),
      NOT_BASE64: () => vf.compare("this is not base64!", face),
      UNSUPPORTED_FORMAT: () => vf.compare(new TextEncoder().encode("GIF89a........"), face),
      CORRUPT_IMAGE: () => vf.compare(jpeg.slice(0, jpeg.length >> 1), face),
      IMAGE_TOO_LARGE: () => vf.compare(hugePng, face),
      BAD_FRAME: () => vf.compare({ width: 10, height: 10, data: new Uint8Array(7) }, face),
      BAD_FRAME_data: () => vf.compare({ width: 1, height: 1, data: -1 }, face),
      BAD_FRAME_wasm: async () => {
        // Straight into the wasm class: a `data` Uint8Array cannot take must be refused before
        // it throws inside a method (which would leave the object unusable), and the object
        // must still work afterwards.
        const { default: init, Verifier } = await import("/pkg/veriface.js");
        await init({ module_or_path: "/pkg/veriface_bg.wasm" });
        const v = new Verifier(await bytes("/models/retinaface_mnet025.onnx"), await bytes("/models/faceplugin_fr_feature.onnx"), "faceplugin-fr-512");
        let code = null;
        try { v.detect({ width: 1, height: 1, data: -1 }); } catch (e) { code = e.code; }
        const after = v.detect(face).faces.length;
        v.free();
        if (code === "BAD_FRAME" && after === 1) throw Object.assign(new Error("refused, and still usable"), { code });
        return { code, after };
      },
      NO_FACE: () => vf.compare(grey, face),
      MULTIPLE_FACES: async () => vf.compare(await bytes(TWO), face),
      BAD_PARAMETER: () => vf.compare(face, face, { threshold: 1.5 }),
      BAD_PARAMETER_input: () => vf.compare(42, face),
      BAD_PARAMETER_policy: () => vf.compare(face, face, { facePolicy: "biggest" }),
      MODEL_HASH_MISMATCH: () => Veriface.load({ modelsUrl: origin + "/broken/" }),
      MODEL_HASH_MISMATCH_wasm: async () => {
        // The wasm class itself, handed damaged bytes directly: its own check.
        const { default: init, Verifier } = await import("/pkg/veriface.js");
        await init({ module_or_path: "/pkg/veriface_bg.wasm" });
        const det = await bytes("/broken/retinaface_mnet025.onnx");
        const emb = await bytes("/models/faceplugin_fr_feature.onnx");
        return new Verifier(det, emb, "faceplugin-fr-512");
      },
      UNKNOWN_MODEL: () => Veriface.load({ embedder: "no-such-model" }),
      UNKNOWN_MODEL_wasm: async () => {
        const { Verifier } = await import("/pkg/veriface.js");
        return new Verifier(await bytes("/models/retinaface_mnet025.onnx"), await bytes("/models/faceplugin_fr_feature.onnx"), "no-such-model");
      },
      INFERENCE_FAILED: async () => {
        // A manifest whose embedder entry matches these bytes' hash but which are no ONNX model.
        const { manifest } = await import("/pkg/manifest.js");
        const garbage = await bytes("/custom/garbage.onnx");
        const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", garbage));
        const sha256 = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
        const custom = structuredClone(manifest);
        custom.embedders = [{ ...custom.embedders[0], id: "garbage", file: "garbage.onnx", sha256, bytes: garbage.length }];
        return Veriface.load({ manifest: custom, modelsUrl: "/custom/", embedder: "garbage", cache: false, liveness: false });
      },
      MODEL_FETCH_FAILED: () => Veriface.load({ modelsUrl: origin + "/no-such-folder/" }),
      TAINTED_IMAGE: () => vf.compare(crossImg, face),
      CAPTURE_FAILED: () => veriface.captureFrames(document.getElementById("camera"), { timeoutMs: 300 }),
      VERIFIER_CLOSED: async () => {
        const v2 = await Veriface.load();
        v2.close();
        return v2.compare(face, face);
      },
      VERIFIER_CLOSED_input: async () => {
        // Closed while a call is running in the worker: the call is rejected, not left hanging.
        const v3 = await Veriface.load();
        const pending = v3.compare(face, face);
        await new Promise((r) => setTimeout(r, 0));
        v3.close();
        return pending;
      },
    };
    const results = {};
    for (const [name, fn] of Object.entries(cases)) results[name] = await codeOf(fn);
    // After every one of those errors the verifier still works.
    results.still_usable = (await vf.detect(face)).faces.length;
    vf.close();
    return results;
  }, { OBAMA, TWO, origin: server.origin, otherOrigin: server.otherOrigin });
  assert.equal(out.still_usable, 1);
  delete out.still_usable;
  for (const [name, r] of Object.entries(out)) {
    const want = name.replace(/_(input|policy|wasm|data)$/, "");
    assert.equal(r.code, want, `${name}: got ${JSON.stringify(r)}`);
    assert.ok(r.message && r.message.length > 20, `${name}: message ${r.message}`);
  }
  // Every code the package can raise is declared in the types and explained in the README.
  const dts = await readFile(new URL("../../js/index.d.ts", import.meta.url), "utf8");
  const readme = await readFile(new URL("../../README.md", import.meta.url), "utf8");
  const declared = [...dts.match(/type ErrorCode =([^;]*);/)[1].matchAll(/"(\w+)"/g)].map((m) => m[1]);
  const raised = new Set(Object.keys(out).map((n) => n.replace(/_(input|policy|wasm|data)$/, "")));
  raised.add("WORKER_FAILED"); // raised in its own test below (it needs a CSP header)
  raised.add("ENGINE_CRASHED"); // raised in tests/browser/crash.test.mjs (it needs a trapping build)
  assert.deepEqual([...raised].sort(), [...declared].sort());
  for (const code of declared) assert.ok(readme.includes(`| \`${code}\` |`), `${code} is not in the README's error tables`);
  console.log(`# error codes reached JS: ${Object.keys(out).length} cases`);
});

test("a page whose CSP forbids workers gets WORKER_FAILED, and worker: false still works there", { skip: skipEval }, async () => {
  const { page } = await openPage(browser, server.origin, "/pages/no-workers.html");
  const out = await page.evaluate(async (OBAMA) => {
    const blocked = await codeOf(() => veriface.Veriface.load());
    const vf = await veriface.Veriface.load({ worker: false });
    const r = await vf.detect(await bytes(OBAMA));
    vf.close();
    return { blocked, faces: r.faces.length };
  }, OBAMA);
  assert.equal(out.blocked.code, "WORKER_FAILED", JSON.stringify(out.blocked));
  assert.equal(out.faces, 1);
});

test("a compare in the worker leaves the page's main thread free; on the main thread it blocks", { skip: skipEval }, async () => {
  const { page } = await openPage(browser, server.origin);
  const out = await page.evaluate(async ({ OBAMA, OBAMA2 }) => {
    const a = await bytes(OBAMA);
    const b = await bytes(OBAMA2);
    const longestGap = async (vf) => {
      await vf.compare(a, b); // warm
      let last = performance.now();
      let gap = 0;
      const timer = setInterval(() => {
        const t = performance.now();
        gap = Math.max(gap, t - last);
        last = t;
      }, 5);
      const s = performance.now();
      await vf.compare(a, b);
      const took = performance.now() - s;
      await new Promise((r) => setTimeout(r, 20));
      clearInterval(timer);
      vf.close();
      return { gap, took };
    };
    return {
      worker: await longestGap(await veriface.Veriface.load()),
      main: await longestGap(await veriface.Veriface.load({ worker: false })),
    };
  }, { OBAMA, OBAMA2 });
  console.log(`# longest main-thread pause during a compare: worker ${out.worker.gap.toFixed(0)} ms of ${out.worker.took.toFixed(0)} ms; main thread ${out.main.gap.toFixed(0)} ms of ${out.main.took.toFixed(0)} ms`);
  // Relative, not absolute, so a slow machine does not fail it: the worker mode never stops
  // the page for a large part of the compare, the main-thread mode stops it for most of it.
  assert.ok(out.worker.gap < out.worker.took / 2, JSON.stringify(out.worker));
  assert.ok(out.main.gap > out.main.took / 2, JSON.stringify(out.main));
});
