// A fusion of embedders in headless Chromium: the page fetches every member's file, the wasm
// module joins their vectors, and the score equals the native CLI's with the same fusion.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { evalPath, launch, nativeCompare, openPage, serve, skipEval } from "./harness.mjs";

const OBAMA = "/eval/face_recognition_examples/examples/obama.jpg";
const OBAMA2 = "/eval/face_recognition_examples/examples/obama2.jpg";
const BIDEN = "/eval/face_recognition_examples/examples/biden.jpg";

const manifest = JSON.parse(await readFile(new URL("../../models/manifest.json", import.meta.url), "utf8"));
const fusion = manifest.fusions[0];

let server, browser;
before(async () => {
  server = await serve({});
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

test(`the fusion ${fusion.id} loads every member and scores as natively`, { skip: skipEval }, async () => {
  const { page, outside, logs } = await openPage(browser, server.origin);
  const out = await page.evaluate(async ({ id, OBAMA, OBAMA2, BIDEN }) => {
    const vf = await veriface.Veriface.load({ embedder: id, liveness: false, cache: false });
    const same = await vf.compare(await bytes(OBAMA), await bytes(OBAMA2));
    const other = await vf.compare(await bytes(OBAMA), await bytes(BIDEN));
    vf.close();
    return { same, other, info: vf.info };
  }, { id: fusion.id, OBAMA, OBAMA2, BIDEN });
  for (const [key, a, b] of [["same", OBAMA, OBAMA2], ["other", OBAMA, BIDEN]]) {
    const native = nativeCompare(evalPath(a.slice(6)), evalPath(b.slice(6)), fusion.id);
    const got = out[key];
    assert.ok(Math.abs(got.score - native.score) < 1e-4, `${key}: score ${got.score} vs native ${native.score}`);
    assert.equal(got.is_match, native.is_match);
    assert.deepEqual(got.models, native.models);
    assert.deepEqual(got.evidence.models, native.evidence.models);
    console.log(`# ${key}: browser score ${got.score.toFixed(6)} native ${native.score.toFixed(6)}, embed ${got.timings.embed_ms.toFixed(0)} ms for two faces`);
  }
  assert.equal(out.same.is_match, true);
  assert.equal(out.other.is_match, false);
  assert.equal(out.info.models.embedder, fusion.id);
  const memberBytes = fusion.members.map((m) => manifest.embedders.find((e) => e.id === m).bytes);
  assert.equal(out.info.bytes.embedder, memberBytes.reduce((a, b) => a + b, 0));
  assert.deepEqual(outside, [], "requests left the machine");
  assert.ok(!logs.some((l) => l.startsWith("pageerror")), logs.join("\n"));
});
