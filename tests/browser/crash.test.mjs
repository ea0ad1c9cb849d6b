// A wasm trap must not leave the page with a dead library. A panic in the release build is an
// abort, which in wasm is a trap (`unreachable`): the module's state is unknown afterwards. The
// test makes one on purpose: each wasm module of pkg/ (veriface_bg.wasm and, where built,
// veriface_relaxed_bg.wasm: the page loads whichever this browser takes) with the body of one
// export (`verifier_detect`) replaced by `unreachable` (binaryen, at test time), served with a
// manifest that carries its hash, so the package loads it as it would the real one. Then:
//   - detect() rejects with ENGINE_CRASHED (not INFERENCE_FAILED, not a hang);
//   - the worker is replaced and the models come back from the Cache API (nothing downloaded);
//   - the next compare() works and equals the one before the crash;
//   - calls made while the worker restarts wait for it instead of failing.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import binaryen from "binaryen";
import { launch, openPage, root, serve, skipEval } from "./harness.mjs";

/** `file` in pkg/ with `verifier_detect` made to trap. */
async function trapping(file) {
  const module = binaryen.readBinary(await readFile(join(root, "pkg", file)));
  const exported = binaryen.getExportInfo(module.getExport("verifier_detect"));
  const fn = binaryen.getFunctionInfo(module.getFunction(exported.value));
  module.removeFunction(fn.name);
  module.addFunction(fn.name, fn.params, fn.results, fn.vars, module.unreachable());
  const bytes = Buffer.from(module.emitBinary());
  module.dispose();
  return bytes;
}

let server, browser;
before(async () => {
  const routes = {};
  let manifest = await readFile(join(root, "pkg", "manifest.js"), "utf8");
  for (const name of ["wasm", "wasmRelaxed"]) {
    manifest = await replaceAsync(manifest, new RegExp(`export const ${name} = (\\{[^}]*\\});`), async (json) => {
      const entry = JSON.parse(json);
      const body = await trapping(entry.file);
      const sha256 = createHash("sha256").update(body).digest("hex");
      routes[`/pkg/${entry.file}`] = async () => ({ type: "application/wasm", body });
      return `export const ${name} = ${JSON.stringify({ ...entry, sha256, bytes: body.length })};`;
    });
  }
  assert.ok(routes["/pkg/veriface_bg.wasm"], "the manifest's wasm entry was not replaced: has pkg/manifest.js changed shape?");
  routes["/pkg/manifest.js"] = async () => ({ type: "text/javascript", body: manifest });
  server = await serve({ routes });
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

test("a wasm trap rejects with ENGINE_CRASHED, the worker restarts from the Cache API, and the next call works", { skip: skipEval, timeout: 180000 }, async () => {
  const { page, logs } = await openPage(browser, server.origin);
  const fetched = [];
  page.on("request", (r) => fetched.push(new URL(r.url()).pathname));
  const out = await page.evaluate(async () => {
    const bytes = async (u) => new Uint8Array(await (await fetch(u)).arrayBuffer());
    const a = await bytes("/eval/face_recognition_examples/examples/obama.jpg");
    const b = await bytes("/eval/face_recognition_examples/examples/obama2.jpg");
    const vf = await veriface.Veriface.load({ liveness: false });
    const before = await vf.compare(a, b);
    const mark = performance.now();
    let crash = null;
    try {
      await vf.detect(a.slice());
    } catch (e) {
      crash = { code: e.code, message: e.message };
    }
    // Sent while the worker restarts: waits for it.
    const queued = vf.compare(a.slice(), b.slice());
    const after = await queued;
    const again = await vf.compare(a.slice(), b.slice());
    const restartMs = performance.now() - mark;
    let second = null;
    try {
      await vf.detect(a.slice());
    } catch (e) {
      second = e.code;
    }
    const last = await vf.compare(a.slice(), b.slice());
    vf.close();
    return { before: before.score, crash, after: after.score, again: again.score, second, last: last.score, restartMs };
  });
  console.log(`# crash: ${JSON.stringify(out.crash)}; restarted and compared again in ${out.restartMs.toFixed(0)} ms`);
  assert.equal(out.crash?.code, "ENGINE_CRASHED", JSON.stringify(out.crash));
  assert.match(out.crash.message, /restart/i);
  assert.equal(out.after, out.before);
  assert.equal(out.again, out.before);
  assert.equal(out.second, "ENGINE_CRASHED", "a second trap is handled the same way");
  assert.equal(out.last, out.before);
  // The restarts read the wasm and the models from the Cache API: nothing fetched twice.
  const twice = fetched.filter((p) => /\.(wasm|onnx)$/.test(p)).filter((p, i, all) => all.indexOf(p) !== i);
  assert.deepEqual(twice, [], `fetched again after the crash: ${twice.join(", ")}`);
  assert.ok(!logs.some((l) => l.startsWith("pageerror")), logs.join("\n"));
});

test("on the main thread a trap is ENGINE_CRASHED on every later call, with what to do", { skip: skipEval, timeout: 120000 }, async () => {
  const { page } = await openPage(browser, server.origin);
  const out = await page.evaluate(async () => {
    const a = new Uint8Array(await (await fetch("/eval/face_recognition_examples/examples/obama.jpg")).arrayBuffer());
    const vf = await veriface.Veriface.load({ liveness: false, worker: false });
    const codes = [];
    for (const call of [() => vf.detect(a), () => vf.compare(a, a)]) {
      try {
        await call();
        codes.push("none");
      } catch (e) {
        codes.push(`${e.code}: ${e.message}`);
      }
    }
    return codes;
  });
  assert.match(out[0], /^ENGINE_CRASHED: /);
  assert.match(out[1], /^ENGINE_CRASHED: .*reload/i);
});

/** `text` with the first match of `re` replaced by `await f(group 1)` (null entries stay). */
async function replaceAsync(text, re, f) {
  const m = text.match(re);
  return m ? text.replace(m[0], await f(m[1])) : text;
}
