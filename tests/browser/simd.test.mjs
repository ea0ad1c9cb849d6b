// The two wasm modules (js/simd.js): the +simd128 one every SIMD browser runs and the
// relaxed-SIMD one (fused multiply-add), chosen at load by feature detection or forced with
// `simd`. Both must give the native CLI's scores within the tolerance of package.test.mjs: fused
// multiply-add rounds once where mul + add round twice, so the relaxed module's scores differ
// from the other's in the last digits, never in a decision. The whole suite runs on one module
// with `VERIFACE_SIMD=simd128 bash tools/test-browser.sh` (or relaxed).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { evalPath, launch, nativeCompare, openPage, root, serve, skipEval } from "./harness.mjs";

const OBAMA = "/eval/face_recognition_examples/examples/obama.jpg";
const OBAMA2 = "/eval/face_recognition_examples/examples/obama2.jpg";
const BIDEN = "/eval/face_recognition_examples/examples/biden.jpg";

const manifestText = await readFile(join(root, "pkg", "manifest.js"), "utf8");
const { wasm, wasmRelaxed, simd: buildDefault } = await import(`data:text/javascript,${encodeURIComponent(manifestText)}`);

let server, browser;
before(async () => {
  server = await serve();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

test("the relaxed-SIMD probe agrees with the browser: it validates exactly where the relaxed module does", { skip: wasmRelaxed ? false : "SKIP: no relaxed module (VERIFACE_WASM_RELAXED=0)" }, async () => {
  const { page } = await openPage(browser, server.origin);
  const out = await page.evaluate(async (file) => {
    const { hasRelaxedSimd } = await import("/js/simd.js");
    const module = new Uint8Array(await (await fetch(`/pkg/${file}`)).arrayBuffer());
    return { probe: hasRelaxedSimd(), module: WebAssembly.validate(module) };
  }, wasmRelaxed.file);
  console.log(`# this Chromium: relaxed SIMD ${out.probe ? "present" : "absent"}`);
  assert.equal(out.probe, out.module);
  await page.context().close();
});

for (const [simd, entry] of [["simd128", wasm], ["relaxed", wasmRelaxed]]) {
  test(`simd: "${simd}" loads ${entry?.file ?? "no module"} and compares like the native CLI within 1e-4`, { skip: skipEval || (entry ? false : "SKIP: no relaxed module") }, async () => {
    const { page, outside } = await openPage(browser, server.origin);
    const out = await page.evaluate(async ({ simd, OBAMA, OBAMA2, BIDEN }) => {
      const vf = await veriface.Veriface.load({ simd, liveness: false, cache: false });
      const same = await vf.compare(await bytes(OBAMA), await bytes(OBAMA2));
      const other = await vf.compare(await bytes(OBAMA), await bytes(BIDEN));
      vf.close();
      return { same, other, info: vf.info };
    }, { simd, OBAMA, OBAMA2, BIDEN });
    assert.equal(out.info.simd, simd);
    assert.equal(out.info.bytes.wasm, entry.bytes);
    for (const [key, a, b] of [["same", OBAMA, OBAMA2], ["other", OBAMA, BIDEN]]) {
      const native = nativeCompare(evalPath(a.slice(6)), evalPath(b.slice(6)));
      const got = out[key];
      console.log(`# ${simd} ${key}: browser score ${got.score.toFixed(7)} native ${native.score.toFixed(7)} |diff| ${Math.abs(got.score - native.score).toExponential(2)}`);
      assert.ok(Math.abs(got.score - native.score) < 1e-4, `${simd} ${key}: score ${got.score} vs native ${native.score}`);
      assert.ok(Math.abs(got.similarity - native.similarity) < 1e-4, `${simd} ${key}: similarity ${got.similarity} vs native ${native.similarity}`);
      assert.equal(got.is_match, native.is_match);
    }
    assert.deepEqual(outside, []);
    await page.context().close();
  });
}

test("the default is the build's (auto: relaxed where the browser has it); wasmUrl alone keeps auto on the +simd128 module; a bad value is BAD_PARAMETER", async () => {
  const { page } = await openPage(browser, server.origin);
  const out = await page.evaluate(async () => {
    const { hasRelaxedSimd } = await import("/js/simd.js");
    const info = async (options) => {
      const vf = await veriface.Veriface.load({ liveness: false, cache: false, ...options });
      vf.close();
      return vf.info.simd;
    };
    return {
      probe: hasRelaxedSimd(),
      auto: await info({}),
      wasmUrlOnly: await info({ simd: "auto", wasmUrl: "/pkg/veriface_bg.wasm" }),
      bad: await codeOf(() => veriface.Veriface.load({ simd: "fast", liveness: false })),
    };
  });
  const expected = buildDefault !== "auto" ? buildDefault : wasmRelaxed && out.probe ? "relaxed" : "simd128";
  console.log(`# default (build says "${buildDefault}"): ${out.auto}`);
  assert.equal(out.auto, expected);
  assert.equal(out.wasmUrlOnly, "simd128");
  assert.equal(out.bad.code, "BAD_PARAMETER");
  assert.match(out.bad.message, /simd/);
  await page.context().close();
});
