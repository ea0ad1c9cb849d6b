// Vendor shapes from the wasm build: every response validated against schemas/ (ajv) and equal
// to the native golden files (tests/golden/, ids and timestamps masked); `handle` with each
// vendor's example request; and the Service Worker answering a page's POST to vendor paths.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFile, readdir } from "node:fs/promises";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Ajv2020 from "ajv/dist/2020.js";
import { evalPath, launch, openPage, root, serve, skipEval } from "./harness.mjs";
import { CSP } from "../../tools/csp.mjs";

const SCHEMAS = {
  vlens: "vlens-compare.schema.json", valify: "valify-face-match.schema.json",
  deepvue: "deepvue-facematch.schema.json", opencv: "opencv-compare.schema.json",
  veriface: "veriface-compare.schema.json",
};
const ENDPOINT_FORMAT = { "/v1/ocr/face/compare": "vlens", "/api/v1/face/match/": "valify", "/v1/facematch": "deepvue", "/compare": "opencv", "/veriface/compare": "veriface" };
const ajv = new Ajv2020({ allErrors: true, strict: false });
const validators = {};
before(async () => {
  for (const [format, file] of Object.entries(SCHEMAS)) {
    validators[format] = ajv.compile(JSON.parse(await readFile(join(root, "schemas", file), "utf8")));
  }
});

function validate(format, body, what) {
  const ok = validators[format](body);
  assert.ok(ok, `${what}: ${format} body fails its schema: ${ajv.errorsText(validators[format].errors)}\n${JSON.stringify(body, null, 1)}`);
}

/**
 * As tests/vendor_shapes.rs `stable`, plus the random id and the clock masked to their constants.
 * wasm and native detectors differ in the last float bits (SIMD kernels sum in another order:
 * box corners by ~1e-4 px), so numbers are compared to 2 decimals and the crop digests, which
 * those bits change, are masked; `verify-evidence` is the test that the two agree where it counts.
 */
function stable(v, key = "") {
  if (key === "transaction_id" && typeof v === "string" && /^[0-9a-f-]{36}$/.test(v)) return "00000000-0000-4000-8000-000000000000";
  if (key === "timestamp" && typeof v === "number") return 1710444590759;
  if (key.endsWith("_ms")) return "<ms>";
  if (key === "crops") return "<sha256 of each crop>";
  if (Array.isArray(v)) return v.map((x) => stable(x));
  if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, stable(x, k)]));
  if (typeof v === "number" && !Number.isInteger(v)) return Math.round(v * 100) / 100;
  return v;
}

async function golden(name) {
  return JSON.parse(await readFile(join(root, "tests", "golden", `${name}.json`), "utf8"));
}

let server, browser;
before(async () => {
  server = await serve({
    // The strict policy, except that the page may address the vendors' hosts: the Service Worker
    // answers those requests (a page calling a vendor's API unchanged is what it is for).
    headers: { "content-security-policy": CSP.replace("connect-src 'self'", "connect-src 'self' https://api.vlenseg.com https://valifystage.com https://production.deepvue.tech") },
    routes: {
      // Served with Service-Worker-Allowed so it may control the whole origin from /js/.
      "/js/service-worker.js": async () => ({
        type: "text/javascript",
        body: await readFile(join(root, "js", "service-worker.js")),
        headers: { "service-worker-allowed": "/" },
      }),
    },
  });
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

const EX = "/eval/face_recognition_examples/examples/";

test("compare with each format gives the native golden responses, schema-valid, from wasm", { skip: skipEval }, async () => {
  const { page } = await openPage(browser, server.origin);
  const out = await page.evaluate(async (EX) => {
    const vf = await veriface.Veriface.load();
    const [obama, obama2, biden, two] = await Promise.all(["obama.jpg", "obama2.jpg", "biden.jpg", "two_people.jpg"].map((f) => bytes(EX + f)));
    // A face-less image made here: a grey gradient, as PNG bytes.
    const c = new OffscreenCanvas(96, 96);
    const g = c.getContext("2d");
    for (let y = 0; y < 96; y++) for (let x = 0; x < 96; x++) { g.fillStyle = `rgb(${x * 2},${y * 2},${(x + y) % 256})`; g.fillRect(x, y, 1, 1); }
    const blank = new Uint8Array(await (await c.convertToBlob({ type: "image/png" })).arrayBuffer());
    const cases = { match: [obama, obama2], no_match: [obama, biden], multiple_faces: [obama, two], unsupported_format: [new TextEncoder().encode("GIF89a\x01\x00\x01\x00"), blank], empty_input: [new Uint8Array(0), blank] };
    const results = {};
    for (const format of ["vlens", "valify", "deepvue", "opencv", "veriface"]) {
      // The golden files were made with the default face policy ("single"); Deepvue and OpenCV
      // default to the largest face, so it is set here to get the same outcome.
      for (const [name, [a, b]] of Object.entries(cases)) results[`${format}/${name}`] = await vf.compare(a, b, { format, facePolicy: "single" });
      // Their own default: the largest face, so the two-person photo compares.
      results[`${format}/multiple_faces_default_policy`] = await vf.compare(obama, two, { format });
      results[`${format}/no_face_made_here`] = await vf.compare(blank, blank, { format });
    }
    vf.close();
    return results;
  }, EX);
  let compared = 0;
  for (const [name, body] of Object.entries(out)) {
    const format = name.split("/")[0];
    validate(format, body, name);
    if (name.endsWith("made_here")) continue; // a browser-drawn PNG, not the golden file's image
    if (name.endsWith("default_policy")) {
      const largest = ["deepvue", "opencv"].includes(format);
      const succeeded = { vlens: body.error_code === 0, valify: body.result !== undefined, deepvue: body.sub_code === "SUCCESS", opencv: body.is_match !== undefined, veriface: body.error === null }[format];
      assert.equal(succeeded, largest, `${name}: ${JSON.stringify(body)}`);
      continue;
    }
    const want = await golden(name);
    assert.deepEqual(stable(body), stable(want.body), `${name} differs from tests/golden/${name}.json`);
    compared++;
  }
  console.log(`# ${Object.keys(out).length} wasm responses schema-valid, ${compared} equal to the native golden files`);
});

test("format(result, vendor) gives the body compare(..., { format }) gives, with the caller's transaction id", { skip: skipEval }, async () => {
  const { page } = await openPage(browser, server.origin);
  const out = await page.evaluate(async (EX) => {
    const vf = await veriface.Veriface.load();
    const [obama, obama2, biden] = await Promise.all(["obama.jpg", "obama2.jpg", "biden.jpg"].map((f) => bytes(EX + f)));
    const rows = [];
    for (const [name, a, b] of [["match", obama, obama2], ["no_match", obama, biden]]) {
      const result = await vf.compare(a, b);
      for (const format of ["vlens", "valify", "deepvue", "opencv", "veriface"]) {
        const direct = await vf.compare(a, b, { format });
        const formatted = await vf.format(result, format, { transactionId: "6f1c2d3e-0000-4000-8000-000000000001" });
        rows.push({ name: `${format}/${name}`, direct, formatted });
      }
    }
    const errors = [];
    for (const bad of [[{}, "vlens"], [await vf.compare(obama, obama2), "aws"], [await vf.compare(obama, obama2), "vlens", { transactionId: "" }]]) {
      try {
        await vf.format(...bad);
        errors.push("none");
      } catch (e) {
        errors.push(e.code);
      }
    }
    vf.close();
    return { rows, errors };
  }, EX);
  for (const { name, direct, formatted } of out.rows) {
    validate(name.split("/")[0], formatted, name);
    // Equal but for what differs between two runs: ids, clocks and timings.
    assert.deepEqual(stable(formatted), stable(direct), name);
    const ids = JSON.stringify(formatted).match(/"transaction_id":"([^"]*)"/g) ?? [];
    for (const id of ids) assert.equal(id, `"transaction_id":"6f1c2d3e-0000-4000-8000-000000000001"`, name);
  }
  assert.deepEqual(out.errors, ["BAD_PARAMETER", "BAD_PARAMETER", "BAD_PARAMETER"]);
});

test("handle answers each vendor's example request like the native build", { skip: skipEval }, async () => {
  const seeds = [
    ["vlens_seed_example", "https://api.vlenseg.com/v1/ocr/face/compare", { face_image1: "/9j/FACE1_BASE64...", face_image2: "/9j/FACE2_BASE64..." }],
    ["valify_seed_example", "https://valifystage.com/api/v1/face/match/", { first_img: "<base64>", second_img: "<base64>", bundle_key: "<bundle key>", lang: "<lang>" }],
    ["deepvue_seed_example", "https://production.deepvue.tech/v1/facematch", { file_a: "example_string", file_b: "example_string" }],
    ["opencv_seed_example", "/compare", { check_liveness: false, face_base_64: "U2Vjb25kIGltYWdl", min_similarity_score: 0.7, ref_face_base_64: "Rmlyc3QgaW1hZ2U=" }],
  ];
  const { page } = await openPage(browser, server.origin);
  const out = await page.evaluate(async ({ seeds, EX }) => {
    const vf = await veriface.Veriface.load();
    const results = {};
    for (const [name, endpoint, body] of seeds) results[name] = await vf.handle(endpoint, body);
    // Deepvue's real multipart form, with Files.
    const form = new FormData();
    form.append("file_a", new File([await bytes(EX + "obama.jpg")], "a.jpg", { type: "image/jpeg" }));
    form.append("file_b", new File([await bytes(EX + "biden.jpg")], "b.JPEG", { type: "image/jpeg" }));
    results.deepvue_no_match = await vf.handle("/v1/facematch", form);
    vf.close();
    return results;
  }, { seeds, EX });
  for (const [name, response] of Object.entries(out)) {
    const endpoint = Object.keys(ENDPOINT_FORMAT).find((e) => name.startsWith(ENDPOINT_FORMAT[e]));
    validate(ENDPOINT_FORMAT[endpoint], response.body, name);
    const want = await golden(`handle/${name}`);
    assert.deepEqual(stable(response), stable(want), `${name} differs from tests/golden/handle/${name}.json`);
  }
});

test("the Service Worker answers a page's POSTs to vendor paths and vendor hosts, offline", { skip: skipEval }, async () => {
  const { page } = await openPage(browser, server.origin);
  const out = await page.evaluate(async (EX) => {
    const reg = await navigator.serviceWorker.register("/js/service-worker.js", { type: "module", scope: "/" });
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      await new Promise((r) => navigator.serviceWorker.addEventListener("controllerchange", r, { once: true }));
    }
    const b64 = async (f) => { const u = await bytes(EX + f); let s = ""; for (const x of u) s += String.fromCharCode(x); return btoa(s); };
    const [a, b] = await Promise.all([b64("obama.jpg"), b64("obama2.jpg")]);
    const post = async (url, body, headers = { "content-type": "application/json" }) => {
      const r = await fetch(url, { method: "POST", headers, body });
      return { status: r.status, body: await r.json() };
    };
    const form = new FormData();
    form.append("file_a", new File([await bytes(EX + "obama.jpg")], "a.jpg", { type: "image/jpeg" }));
    form.append("file_b", new File([await bytes(EX + "obama2.jpg")], "b.jpg", { type: "image/jpeg" }));
    const results = {
      vlens_same_origin: await post("/v1/ocr/face/compare", JSON.stringify({ face_image1: a, face_image2: b, request_id: "r-1" }), { "content-type": "application/json", ApiKey: "k" }),
      // The vendor's own host: there is no network here, so only the worker can answer.
      vlens_vendor_host: await post("https://api.vlenseg.com/v1/ocr/face/compare", JSON.stringify({ face_image1: a, face_image2: b })),
      valify_missing_bundle_key: await post("/api/v1/face/match/", JSON.stringify({ first_img: a, second_img: b })),
      deepvue_form: await post("/v1/facematch", form, {}),
      opencv: await post("/compare", JSON.stringify({ face_base_64: a, ref_face_base_64: b, min_similarity_score: 0.7, check_liveness: false })),
      // Not vendor paths (one merely ends like one): they pass through to the server (404 here).
      other: (await fetch("/not-a-vendor-path", { method: "POST", body: "{}" })).status,
      app_compare: (await fetch("/api/products/compare", { method: "POST", body: "{}" })).status,
    };
    await reg.unregister();
    return results;
  }, EX);
  assert.equal(out.vlens_same_origin.status, 200);
  assert.equal(out.vlens_same_origin.body.data.isMatched, true);
  assert.equal(out.vlens_same_origin.body.data.request_id, "r-1");
  validate("vlens", out.vlens_same_origin.body, "sw vlens");
  assert.equal(out.vlens_vendor_host.status, 200);
  assert.equal(out.vlens_vendor_host.body.data.isMatched, true);
  assert.equal(out.valify_missing_bundle_key.status, 400);
  validate("valify", out.valify_missing_bundle_key.body, "sw valify");
  assert.equal(out.deepvue_form.status, 200);
  assert.equal(out.deepvue_form.body.data.match, true);
  validate("deepvue", out.deepvue_form.body, "sw deepvue");
  assert.deepEqual(out.opencv, { status: 200, body: { is_match: true } });
  assert.equal(out.other, 404);
  assert.equal(out.app_compare, 404);
});

test("a result the browser claims is confirmed by the native verify-evidence, and a tampered one refuted", { skip: skipEval }, async () => {
  const { page } = await openPage(browser, server.origin);
  const claim = await page.evaluate(async (EX) => {
    const vf = await veriface.Veriface.load();
    const r = await vf.compare(await bytes(EX + "obama.jpg"), await bytes(EX + "obama2.jpg"), { format: "veriface" });
    vf.close();
    return r;
  }, EX);
  const dir = mkdtempSync(join(tmpdir(), "veriface-evidence-"));
  const a = evalPath("face_recognition_examples/examples/obama.jpg");
  const b = evalPath("face_recognition_examples/examples/obama2.jpg");
  const check = (file) => {
    const r = spawnSync("cargo", ["run", "--release", "--quiet", "--", "verify-evidence", file, a, b], { cwd: root, encoding: "utf8" });
    return { status: r.status, report: JSON.parse(r.stdout) };
  };
  try {
    writeFileSync(join(dir, "claim.json"), JSON.stringify(claim));
    const honest = check(join(dir, "claim.json"));
    console.log(`# verify-evidence on the browser's claim: confirmed ${honest.report.confirmed}, |score difference| ${honest.report.score_difference.toExponential(2)}, crops identical ${honest.report.crops_identical}`);
    assert.equal(honest.status, 0);
    assert.equal(honest.report.confirmed, true);
    writeFileSync(join(dir, "tampered.json"), JSON.stringify({ ...claim, is_match: false, score: 0.2, dissimilarity: 0.8 }));
    const tampered = check(join(dir, "tampered.json"));
    assert.equal(tampered.status, 1);
    assert.equal(tampered.report.confirmed, false);
    assert.deepEqual(tampered.report.checks.filter((c) => !c.ok).map((c) => c.name), ["score", "is_match"]);
    // The same claim over other inputs: the input digests give it away.
    const other = spawnSync("cargo", ["run", "--release", "--quiet", "--", "verify-evidence", join(dir, "claim.json"), a, evalPath("face_recognition_examples/examples/obama-480p.jpg")], { cwd: root, encoding: "utf8" });
    assert.equal(other.status, 1);
    assert.equal(JSON.parse(other.stdout).checks.find((c) => c.name === "inputs").ok, false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
