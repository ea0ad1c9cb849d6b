// Shared by the browser tests: a static server on 127.0.0.1, Debian's Chromium driven by
// playwright-core, the eval data and the native CLI for parity.
//
// The server serves the package as it ships (js/, pkg/, models/), the test pages, and the eval
// images under /eval/ read in place from ../shared/eval (never copied). A few routes misbehave
// on purpose (/broken/...) so the error paths can be driven from a page.
import { createServer } from "node:http";
import { readFile, stat } from "node:fs/promises";
import { existsSync, mkdirSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { extname, join, resolve, sep } from "node:path";
import { chromium } from "playwright-core";
import { CSP } from "../../tools/csp.mjs";

export const root = resolve(new URL("../..", import.meta.url).pathname);
export const evalDir = resolve(process.env.VERIFACE_EVAL_DIR ?? join(root, "..", "shared", "eval"));
export const haveEval = existsSync(join(evalDir, "face_recognition_examples"));
export const skipEval = haveEval ? false : `SKIP: no eval data at ${evalDir} (set VERIFACE_EVAL_DIR)`;

const TYPES = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".mjs": "text/javascript",
  ".json": "application/json", ".wasm": "application/wasm", ".onnx": "application/octet-stream",
  ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".css": "text/css",
};

/**
 * Serves `dirs` (URL prefix -> folder) plus the `routes` given; returns { origin, close, requests }.
 * Every response carries the demo's Content-Security-Policy (tools/csp.mjs: no inline script, no
 * 'unsafe-eval', only 'wasm-unsafe-eval'), so every test runs the package under it; `headers`
 * (and a route's own) may replace it.
 */
export async function serve({ dirs = {}, routes = {}, headers: given = {} } = {}) {
  const headers = { "content-security-policy": CSP, ...given };
  // Given mounts come first, so a "/" mount (a built app) does not hide /eval/.
  const mounts = {
    "/eval/": evalDir,
    ...dirs,
    "/js/": join(root, "js"), "/pkg/": join(root, "pkg"), "/models/": join(root, "models"),
    "/pages/": join(root, "tests", "browser", "pages"),
  };
  const requests = [];
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, "http://127.0.0.1");
    requests.push(url.pathname);
    try {
      if (routes[url.pathname]) {
        const { status = 200, type = "application/octet-stream", body, headers: extra = {} } = await routes[url.pathname](req);
        res.writeHead(status, { "content-type": type, ...headers, ...extra }).end(body);
        return;
      }
      const prefix = Object.keys(mounts).find((p) => url.pathname.startsWith(p));
      if (!prefix) throw new Error("not found");
      const base = mounts[prefix];
      let file = resolve(base, decodeURIComponent(url.pathname.slice(prefix.length)));
      if (file !== base && !file.startsWith(base + sep)) throw new Error("outside root");
      if ((await stat(file)).isDirectory()) file = join(file, "index.html");
      const body = await readFile(file);
      res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream", ...headers }).end(body);
    } catch {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
    }
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address();
  return {
    origin: `http://127.0.0.1:${port}`,
    // The same server under another host name: a different origin, for cross-origin tests.
    otherOrigin: `http://localhost:${port}`,
    requests,
    close: () => new Promise((r) => server.close(r)),
  };
}

export const CHROMIUM_ARGS = [
  "--no-sandbox", "--headless", "--disable-gpu", "--no-first-run", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--disable-quic",
];

export async function launch(extraArgs = []) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: [...CHROMIUM_ARGS, ...extraArgs],
  });
}

/**
 * Opens the test page with the package imported as `window.veriface`; collects console errors and
 * every request that leaves 127.0.0.1/localhost (there must be none).
 */
export async function openPage(browser, origin, path = "/pages/index.html") {
  const context = await browser.newContext();
  const page = await context.newPage();
  const outside = [];
  page.on("request", (r) => {
    const u = new URL(r.url());
    if (!["127.0.0.1", "localhost"].includes(u.hostname) && u.protocol !== "data:" && u.protocol !== "blob:") outside.push(r.url());
  });
  const logs = [];
  page.on("console", (m) => logs.push(`${m.type()}: ${m.text()}`));
  page.on("pageerror", (e) => logs.push(`pageerror: ${e.message}`));
  await page.goto(origin + path);
  await page.waitForFunction(() => window.veriface !== undefined);
  return { page, context, outside, logs };
}

/** The native CLI built by `cargo test --release` (which also builds the binary), wherever
 * CARGO_TARGET_DIR puts it. */
export const nativeBin = join(resolve(root, process.env.CARGO_TARGET_DIR ?? "target"), "release", "veriface");

/** The native CLI's result for the same two files, for parity. */
export function nativeCompare(a, b, embedder) {
  const args = ["run", "--release", "--quiet", "--", ...(embedder ? ["--model", embedder] : []), "compare", a, b, "--json"];
  return JSON.parse(execFileSync("cargo", args, { cwd: root, encoding: "utf8" }));
}

export const evalPath = (...parts) => join(evalDir, ...parts);

/** ffmpeg: $FFMPEG, the one on PATH, or the static build in the imageio-ffmpeg wheel. */
export function ffmpeg() {
  if (process.env.FFMPEG) return process.env.FFMPEG;
  try {
    execFileSync("ffmpeg", ["-version"], { stdio: "ignore" });
    return "ffmpeg";
  } catch {
    return execFileSync("python3", ["-c", "import imageio_ffmpeg; print(imageio_ffmpeg.get_ffmpeg_exe())"], { encoding: "utf8" }).trim();
  }
}

/**
 * An eval video (path under ../shared/eval) as .y4m, what Chromium's fake camera reads: its
 * first 8 s, or with `still` one image repeated for 4 s (a photo held still to the camera).
 * Written under test-output/camera (not committed), once: delete it after changing this.
 */
export function y4m(source, { still = false } = {}) {
  const dir = join(root, "test-output", "camera");
  mkdirSync(dir, { recursive: true });
  const out = join(dir, `${source.replace(/[/.]/g, "_")}${still ? "_still" : ""}.y4m`);
  if (!existsSync(out)) {
    // A still: the whole photo in the 640 x 480 frame, as a print held up to the camera shows
    // it (a taller frame would be cropped by the camera to its middle, cutting the head).
    const fit = "scale=640:480:force_original_aspect_ratio=decrease,pad=640:480:(ow-iw)/2:(oh-ih)/2";
    const input = still ? ["-loop", "1", "-i", evalPath(source), "-t", "4", "-r", "15", "-vf", fit] : ["-i", evalPath(source), "-t", "8"];
    execFileSync(ffmpeg(), ["-loglevel", "error", "-y", ...input, "-pix_fmt", "yuv420p", out]);
  }
  return out;
}
