// An opt-in Service Worker that answers the KYC vendors' face-compare endpoints on the device,
// so an app written against Vlens, Valify, Deepvue or the OpenCV FR server works offline with no
// code change: its POST never leaves the browser. Serve the package folder as it is (js/, pkg/,
// models/ side by side, e.g. copied to /veriface/) and register it from the page:
//
//   navigator.serviceWorker.register("/veriface/js/service-worker.js", { type: "module", scope: "/" });
//
// The scope must cover the pages that call: serve it with `Service-Worker-Allowed: /`.
//
// It answers POSTs to the vendors' paths on this origin (/v1/ocr/face/compare,
// /v1/ocr/liveness/multi, /api/v1/face/match/, /v1/facematch, /compare, /veriface/compare,
// /veriface/liveness) and on the vendors' own hosts.
// Paths must match exactly (an app's own /api/products/compare is left alone); `prefix` adds a
// path prefix for same-origin calls. Options go in the script URL's query:
// `?embedder=dlib-resnet-v1&modelsUrl=/models/&prefix=/kyc&hosts=off` (`hosts=off`: same-origin
// paths only). Everything else passes through untouched.

import { loadEngine } from "./engine.js";
import { requestBody } from "./request.js";

const params = new URL(self.location.href).searchParams;
const VENDOR_HOSTS = params.get("hosts") === "off" ? [] : [
  "api.vlenseg.com",
  "valifystage.com",
  "valify.me",
  "production.deepvue.tech",
  "sandbox.deepvue.tech",
];
const PATHS = [
  "/v1/ocr/face/compare", "/v1/ocr/liveness/multi", "/api/v1/face/match", "/v1/facematch",
  "/veriface/compare", "/veriface/liveness", "/compare",
];
const PREFIX = (params.get("prefix") ?? "").replace(/\/+$/, "");

/** The vendor path `pathname` is, on this origin (after the prefix) or a vendor host; or null. */
function vendorPath(url) {
  const path = url.pathname.replace(/\/+$/, "");
  if (url.origin === self.location.origin) {
    if (!path.startsWith(PREFIX)) return null;
    const rest = path.slice(PREFIX.length);
    return PATHS.includes(rest) ? rest : null;
  }
  return VENDOR_HOSTS.includes(url.hostname) && PATHS.includes(path) ? path : null;
}
// The answer is made here, so the page may read it whatever origin it asked.
const CORS = { "access-control-allow-origin": "*" };

let engine = null;
function getEngine() {
  engine ??= loadEngine({
    embedder: params.get("embedder") ?? undefined,
    modelsUrl: params.get("modelsUrl") ?? undefined,
  }, null).catch((err) => {
    engine = null; // let the next request try again
    throw err;
  });
  return engine;
}

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("fetch", (event) => {
  const { request } = event;
  if (request.method !== "POST") return;
  const path = vendorPath(new URL(request.url));
  if (path === null) return;
  event.respondWith(answer(request, path));
});

async function answer(request, path) {
  const type = request.headers.get("content-type") ?? "";
  let body = null;
  try {
    body = /multipart\/form-data|x-www-form-urlencoded/.test(type) ? await request.formData() : await request.text();
  } catch {
    // An unreadable body gets the vendor's answer to a malformed request, from `handle`.
  }
  try {
    const { status, body: out } = (await getEngine()).handle(path, await requestBody(body));
    return json(status, out);
  } catch (err) {
    // The pipeline could not start (models missing, say): the app gets a clear 503, not a hang.
    return json(503, { message: `veriface could not answer on this device: ${err?.message ?? err}`, code: err?.code ?? "INFERENCE_FAILED" });
  }
}

function json(status, body) {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...CORS } });
}
