// Runs one compare through the wasm module in headless Chromium and prints the result with
// timings, for parity with the native CLI and for cold-start figures. Issue 4 groundwork.
//
//   node bench/browser-compare.mjs IMG_A IMG_B [EMBEDDER_ID]
//
// Serves the repository (pkg/, models/) and the two images on 127.0.0.1 only; the page makes no
// other request. Needs: tools/build-wasm.sh run first, `npm install`, Debian's chromium.
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, join, resolve } from "node:path";
import { chromium } from "playwright-core";

const [imgA, imgB, embedderId] = process.argv.slice(2);
if (!imgA || !imgB) {
  console.error("usage: node bench/browser-compare.mjs IMG_A IMG_B [EMBEDDER_ID]");
  process.exit(2);
}
const root = resolve(new URL("..", import.meta.url).pathname);
const types = { ".js": "text/javascript", ".wasm": "application/wasm", ".onnx": "application/octet-stream", ".html": "text/html" };
const page = `<!doctype html><meta charset="utf-8"><script type="module">
import init, { Verifier } from "/pkg/veriface.js";
window.run = async (embedder) => {
  const t0 = performance.now();
  await init({ module_or_path: "/pkg/veriface_bg.wasm" });
  const t1 = performance.now();
  const manifest = await (await fetch("/models/manifest.json")).json();
  const spec = embedder ? manifest.embedders.find(e => e.id === embedder) : manifest.embedders[0];
  const get = async (p) => new Uint8Array(await (await fetch(p)).arrayBuffer());
  const [det, emb] = await Promise.all([get("/models/" + manifest.detector.file), get("/models/" + spec.file)]);
  const t2 = performance.now();
  const v = new Verifier(det, emb, spec.id);
  const t3 = performance.now();
  const [a, b] = await Promise.all([get("/image/a"), get("/image/b")]);
  const first = v.compare(a, b, {});
  const t4 = performance.now();
  const warm = v.compare(a, b, {});
  const t5 = performance.now();
  let err = null;
  try { v.compare(new Uint8Array([0x47, 0x49, 0x46, 0x38, 0x39, 0x61]), b, {}); } catch (e) { err = { code: e.code, message: e.message }; }
  return { result: warm, first_score: first.score, error_example: err,
           ms: { wasm_fetch_compile: t1 - t0, model_fetch: t2 - t1, model_load_optimise: t3 - t2, first_compare: t4 - t3, warm_compare: t5 - t4 } };
};
window.ready = true;
</script>`;
const server = createServer(async (req, res) => {
  try {
    const url = new URL(req.url, "http://127.0.0.1");
    let body, type = "application/octet-stream";
    if (url.pathname === "/") { body = page; type = "text/html"; }
    else if (url.pathname === "/image/a") body = await readFile(imgA);
    else if (url.pathname === "/image/b") body = await readFile(imgB);
    else if (url.pathname.startsWith("/pkg/") || url.pathname.startsWith("/models/")) {
      const file = join(root, url.pathname);
      if (!file.startsWith(root)) throw new Error("outside root");
      body = await readFile(file); type = types[extname(file)] ?? type;
    } else { res.writeHead(404).end(); return; }
    res.writeHead(200, { "content-type": type }).end(body);
  } catch { res.writeHead(404).end(); }
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const port = server.address().port;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--headless", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-quic"],
});
try {
  const tab = await browser.newPage();
  const outside = [];
  tab.on("request", (r) => { if (!r.url().startsWith(`http://127.0.0.1:${port}/`)) outside.push(r.url()); });
  await tab.goto(`http://127.0.0.1:${port}/`);
  await tab.waitForFunction(() => window.ready === true);
  const out = await tab.evaluate((id) => window.run(id), embedderId ?? null);
  out.requests_outside_localhost = outside;
  console.log(JSON.stringify(out, null, 1));
} finally {
  await browser.close();
  server.close();
}
