#!/usr/bin/env node
// `npm run demo`: serves the demo page (www/) and the package beside it on 127.0.0.1 and prints
// the URL. No dependencies, nothing fetched from elsewhere: once the page has loaded, the network
// can be switched off.
//
//   /                    www/            the page
//   /veriface/js/        js/             the package as it ships
//   /veriface/pkg/       pkg/            (built by tools/build-wasm.sh if missing)
//   /veriface/models/    models/
//
// PORT (default 8080; when taken, a free port is used instead), HOST (default 127.0.0.1).
// `--no-build` never builds pkg/ (it fails instead when pkg/ is missing).
import { createServer } from "node:http";
import { readFile, stat } from "node:fs/promises";
import { existsSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { CSP } from "./csp.mjs";

const root = resolve(fileURLToPath(new URL("..", import.meta.url)));

const MOUNTS = [
  ["/veriface/js/", join(root, "js")],
  ["/veriface/pkg/", join(root, "pkg")],
  ["/veriface/models/", join(root, "models")],
  ["/", join(root, "www")],
];

const TYPES = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
  ".json": "application/json", ".wasm": "application/wasm", ".onnx": "application/octet-stream",
  ".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".ico": "image/x-icon",
  ".md": "text/plain; charset=utf-8", ".ts": "text/plain; charset=utf-8",
};

/**
 * Brings pkg/ up to date with the sources: tools/build-wasm.sh installs what it needs, rebuilds
 * only what changed, and returns at once when pkg/ is current. With `--no-build` (the tests,
 * which build first) pkg/ must already exist.
 */
function ensureBuilt(allowBuild) {
  const needed = ["veriface.js", "veriface_bg.wasm", "manifest.js"].map((f) => join(root, "pkg", f));
  const present = needed.every((f) => existsSync(f));
  if (!allowBuild) {
    if (present) return;
    console.error("pkg/ is missing: run `npm run build` (or `npm run demo` without --no-build)");
    process.exit(1);
  }
  console.log(present ? "checking that pkg/ is up to date (tools/build-wasm.sh)" : "pkg/ is missing: building it with tools/build-wasm.sh (several minutes on a fresh clone)");
  const r = spawnSync("bash", [join(root, "tools", "build-wasm.sh")], { cwd: root, stdio: "inherit" });
  if (r.status !== 0) {
    console.error("the build failed: see above");
    process.exit(r.status ?? 1);
  }
}

async function handle(req, res) {
  const url = new URL(req.url, "http://127.0.0.1");
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.writeHead(405, { allow: "GET, HEAD" }).end();
    return;
  }
  let path;
  try {
    path = decodeURIComponent(url.pathname);
  } catch {
    res.writeHead(400).end("bad path");
    return;
  }
  const [prefix, base] = MOUNTS.find(([p]) => path.startsWith(p));
  let file = resolve(base, "." + sep + path.slice(prefix.length));
  if (file !== base && !file.startsWith(base + sep)) {
    res.writeHead(403).end("forbidden");
    return;
  }
  try {
    if ((await stat(file)).isDirectory()) file = join(file, "index.html");
    const body = await readFile(file);
    res.writeHead(200, {
      "content-type": TYPES[extname(file)] ?? "application/octet-stream",
      "content-length": body.length,
      // Always revalidate: a rebuilt pkg/ must not meet a stale page. The package keeps its own
      // hash-checked copy of the big files in the Cache API.
      "cache-control": "no-cache",
      "content-security-policy": CSP,
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
    });
    res.end(req.method === "HEAD" ? undefined : body);
  } catch {
    res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("not found");
  }
}

/** Listens on `port`, or on a free port when that one is taken. */
function listen(server, port, host) {
  return new Promise((resolveListen, reject) => {
    const onError = (err) => {
      if (err.code === "EADDRINUSE" && port !== 0) {
        console.log(`port ${port} is in use; using a free port instead`);
        server.listen(0, host);
      } else {
        reject(err);
      }
    };
    server.on("error", onError);
    // Fires once, for whichever listen succeeds.
    server.once("listening", () => {
      server.off("error", onError);
      resolveListen(server.address().port);
    });
    server.listen(port, host);
  });
}

const args = process.argv.slice(2);
ensureBuilt(!args.includes("--no-build"));
const host = process.env.HOST || "127.0.0.1";
const wanted = process.env.PORT === undefined || process.env.PORT === "" ? 8080 : Number(process.env.PORT);
if (!Number.isInteger(wanted) || wanted < 0 || wanted > 65535) {
  console.error(`bad PORT ${process.env.PORT}: a number from 0 to 65535`);
  process.exit(1);
}
const server = createServer((req, res) => {
  handle(req, res).catch(() => res.writeHead(500).end());
});
const port = await listen(server, wanted, host);
const shown = host.includes(":") ? `[${host}]` : host;
console.log(`veriface demo: http://${shown}:${port}/`);
console.log("(everything runs in your browser; press Ctrl+C to stop)");
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    server.close();
    process.exit(0);
  });
}
