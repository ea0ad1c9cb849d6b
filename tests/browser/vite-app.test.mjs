// The package as a user gets it: `npm pack`, installed into a throwaway Vite 7 app, built with
// `vite build`, served, and run in Chromium. Catches what a bundler does to the package (asset
// URLs, the worker, the wasm) that the in-repo tests cannot.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { evalPath, launch, nativeCompare, root, serve, skipEval } from "./harness.mjs";

const npm = (args, cwd) => execFileSync("npm", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });

let app, server, browser;
before(async () => {
  if (skipEval) return;
  app = mkdtempSync(join(tmpdir(), "veriface-vite-"));
  // --ignore-scripts: the package is built already (tools/test-browser.sh builds it first).
  const packed = JSON.parse(npm(["pack", "--json", "--ignore-scripts", "--pack-destination", app], root))[0];
  const tarball = join(app, packed.filename);
  console.log(`# npm pack: ${packed.filename}, ${packed.size} bytes packed, ${packed.unpackedSize} unpacked, ${packed.entryCount} files`);
  const names = packed.files.map((f) => f.path);
  for (const want of ["js/index.js", "js/index.d.ts", "js/worker.js", "js/simd.js", "pkg/veriface_bg.wasm", "pkg/veriface.js", "pkg/manifest.js", "models/retinaface_mnet025.onnx", "models/faceplugin_fr_feature.onnx", "LICENSE",
    // The relaxed-SIMD module, unless the build skipped it (VERIFACE_WASM_RELAXED=0).
    ...(existsSync(join(root, "pkg", "veriface_relaxed_bg.wasm")) ? ["pkg/veriface_relaxed_bg.wasm"] : [])]) {
    assert.ok(names.includes(want), `${want} missing from the tarball: ${names.join(", ")}`);
  }
  writeFileSync(join(app, "package.json"), JSON.stringify({
    name: "veriface-vite-smoke", private: true, type: "module",
    scripts: { build: "vite build" },
    dependencies: { veriface: `file:${tarball}` },
    devDependencies: { vite: "^7.0.0" },
  }, null, 2));
  writeFileSync(join(app, "index.html"), `<!doctype html><meta charset="utf-8"><title>app</title><script type="module" src="/main.js"></script>
<veriface-selfie id="selfie" actions="turn_left"></veriface-selfie>`);
  // Ten lines, as the README promises: load, compare, show.
  writeFileSync(join(app, "main.js"), `import { Veriface } from "veriface";
import "veriface/elements";
window.compareUrls = async (a, b) => {
  const vf = await Veriface.load();
  const [fa, fb] = await Promise.all([a, b].map(async (u) => (await fetch(u)).blob()));
  const result = await vf.compare(fa, fb);
  vf.close();
  return result;
};
window.appReady = true;
`);
  npm(["install", "--no-audit", "--no-fund", "--loglevel=error"], app);
  execFileSync("npx", ["vite", "build", "--logLevel", "warn"], { cwd: app, stdio: "inherit" });
  const dist = join(app, "dist");
  const assets = readdirSync(join(dist, "assets")).map((f) => `${f} (${statSync(join(dist, "assets", f)).size})`);
  console.log(`# vite build: ${assets.join(", ")}`);
  server = await serve({ dirs: { "/": dist } });
  // Chromium's own test pattern as the camera, for the capture element.
  browser = await launch(["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]);
});
after(async () => {
  await browser?.close();
  await server?.close();
  if (app) rmSync(app, { recursive: true, force: true });
});

test("the npm pack tarball, installed and built by Vite 7, compares two faces in Chromium like the native CLI", { skip: skipEval }, async () => {
  const page = await browser.newPage();
  const outside = [];
  page.on("request", (r) => { if (!r.url().startsWith(server.origin)) outside.push(r.url()); });
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`${server.origin}/index.html`);
  await page.waitForFunction(() => window.appReady === true);
  const a = "/eval/face_recognition_examples/examples/obama.jpg";
  const b = "/eval/face_recognition_examples/examples/obama2.jpg";
  const result = await page.evaluate(([a, b]) => window.compareUrls(a, b), [a, b]);
  const native = nativeCompare(evalPath(a.slice(6)), evalPath(b.slice(6)));
  console.log(`# vite app: score ${result.score} native ${native.score}`);
  assert.ok(Math.abs(result.score - native.score) < 1e-4);
  assert.equal(result.is_match, true);
  assert.deepEqual(errors, []);
  assert.deepEqual(outside, []);
});

test("the capture element from the tarball, bundled by Vite: defined, starts the camera, prompts, stops on cancel", { skip: skipEval }, async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`${server.origin}/index.html`);
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  await page.waitForFunction(() => window.appReady === true && customElements.get("veriface-selfie"), null, { timeout: 10000 }).catch((e) => {
    throw new Error(`${e.message}: ${errors.join("; ")}`);
  });
  assert.equal(await page.evaluate(() => document.getElementById("selfie").screen), "intro");
  // The element loads the models itself (no Veriface handed to it): the bundled worker and wasm.
  await page.click("veriface-selfie >> button[data-action=start]");
  await page.waitForFunction(() => {
    const root = document.getElementById("selfie").shadowRoot;
    return root.querySelector("video").readyState >= 2 && !["STARTING", "LOADING"].includes(root.querySelector(".prompt").dataset.code ?? "STARTING");
  }, null, { timeout: 90000 });
  const prompt = await page.evaluate(() => document.getElementById("selfie").shadowRoot.querySelector(".prompt").textContent);
  console.log(`# vite app element: "${prompt}"`);
  assert.match(prompt, /face/i, "the test pattern has no face: the element must say so");
  await page.click("veriface-selfie >> button[data-action=cancel]");
  assert.equal(await page.evaluate(() => document.getElementById("selfie").shadowRoot.querySelector("video").srcObject), null);
  assert.deepEqual(errors, []);
});
