// The three flows. Selfie vs ID and liveness only are the package's capture elements
// (<veriface-id-capture>, <veriface-selfie>); this module turns their `result` events into the
// verdict and the developer details. Compare two photos is two file slots (any picture the
// browser decodes, scaled down here when large) and a button.
import { readImageFile } from "./veriface/js/index.js";
import { $, clearError, showError } from "./page.js";
import { ACTION_LABELS, checkLabel, describeError, fmt, newRunId, plural } from "./ui.js";
import { frameStrip, table, verdictCell } from "./render.js";

const FLOW_OF_TAB = { "tab-id": "id", "tab-compare": "compare", "tab-liveness": "liveness" };

/** The developer tables of a challenge: its steps, its checks, the frames it kept. */
function challengeSections(result, record) {
  const out = [];
  const h = document.createElement("h3");
  h.textContent = "Liveness challenge";
  out.push(h);
  out.push(table("Each action asked, in order", ["Action", "Done", "Value", "Threshold", "3-D evidence"], (result.steps ?? []).map((s) => [
    ACTION_LABELS[s.action] ?? s.action, verdictCell(s.done), fmt(s.value, 1), fmt(s.threshold, 1), s.parallax === null ? "–" : fmt(s.parallax, 3),
  ])));
  out.push(table("Checks on the record (this device's verdict, advisory)", ["Check", "Result", "Detail"], (result.checks ?? []).map((c) => [
    checkLabel(c.code), verdictCell(c.passed), `${c.code}: ${c.detail}`,
  ])));
  const p = document.createElement("p");
  p.className = "hint";
  p.textContent = `Decision rule: ${result.decision_rule}`;
  out.push(p);
  if (record?.frames?.length) {
    const h4 = document.createElement("h4");
    h4.textContent = `The ${record.frames.length} frames kept for the record (as the camera saw them, not mirrored)`;
    out.push(h4, frameStrip(record.frames));
  }
  return out;
}

/** The ID photo's checks as a table. */
function idSections(id) {
  const h = document.createElement("h3");
  h.textContent = "ID photo";
  return [h, table(`Checks on the ID photo (${id.from === "file" ? id.name : "camera"}, ${id.width} × ${id.height} px${id.scaled ? ", scaled down here" : ""})`, ["Check", "Value", "Threshold", "Result"], id.checks.map((c) => [
    checkLabel(c.code), fmt(c.value, 3), fmt(c.threshold, 3), verdictCell(c.passed),
  ]))];
}

/**
 * The flows over the shared `state` ({ vf }) and the `results` (render.js). Returns what app.js
 * wires to the page.
 */
export function createFlows(state, { results }) {
  /** Compare slots: { source, bitmap, name, faces } once a picture with a face is in. */
  const slots = { a: null, b: null };
  /** The ID photo the selfie is matched against (the id-capture's result detail). */
  let id = null;

  function selectFlow(tab) {
    const flow = FLOW_OF_TAB[tab.id];
    for (const t of Object.keys(FLOW_OF_TAB)) $(t.replace("tab", "panel")).hidden = FLOW_OF_TAB[t] !== flow;
    results.hide();
    clearError();
  }

  // --- Selfie vs ID -------------------------------------------------------------------------

  function clearId() {
    id = null;
    const selfie = $("id-selfie");
    selfie.reset();
    selfie.idFront = null;
    selfie.hidden = true;
    $("selfie-waiting").hidden = false;
    results.hide();
  }

  function wireIdFlow() {
    const capture = $("id-capture");
    const selfie = $("id-selfie");
    capture.addEventListener("result", (e) => {
      if (!e.detail.passed) {
        clearId();
        return;
      }
      id = e.detail;
      selfie.idFront = id.source;
      selfie.reset();
      selfie.hidden = false;
      $("selfie-waiting").hidden = true;
      results.hide();
    });
    // Changing the ID photo drops the one kept, and the selfie matched against it.
    capture.addEventListener("progress", (e) => {
      if (id && ["intro", "camera", "checking"].includes(e.detail.screen)) clearId();
    });
    selfie.addEventListener("progress", (e) => {
      if (e.detail.screen === "camera" || e.detail.screen === "intro") results.hide();
    });
    selfie.addEventListener("result", (e) => showIdResult(e.detail));
  }

  async function showIdResult(d) {
    const runId = newRunId();
    const ok = d.passed;
    const verdict = ok
      ? { ok, title: "Verified", text: "You are the person on the ID, and the selfie shows a live person.", next: "What happens next: a real service would now send the record to its server to confirm this, and carry on. Nothing has left this device." }
      : { ok, title: "Not verified", text: d.reason.text, next: `What to do: ${d.reason.tip} Then press “Try again” on the selfie above.` };
    const [idBitmap, selfieBitmap] = await Promise.all([
      id?.image ? createImageBitmap(id.image) : null,
      d.image ? createImageBitmap(d.image) : null,
    ]);
    const m = d.idMatch;
    const timings = [
      ["Selfie: the challenge's verdict on its kept frames", d.result?.timings?.total_ms],
      ["ID match: decode", m?.timings?.decode_ms],
      ["ID match: detect faces", m?.timings?.detect_ms],
      ["ID match: face embedding", m?.timings?.embed_ms],
      ["ID match: total", m?.timings?.total_ms, "total"],
    ];
    const info = state.vf?.info?.timings;
    if (info) timings.unshift(["Loading the models (once)", info.total_ms, "once"]);
    results.show({
      flow: "id", runId, verdict, match: m,
      again: ok ? () => { $("id-capture").reset(); clearId(); $("id-capture").scrollIntoView({ block: "start" }); } : null,
      live: d.result ? { title: "Anti-spoofing (mean of the frontal frames)", value: d.result.live_mean, threshold: liveLimit(d.result) } : null,
      crops: m ? [{ face: m.face_b, bitmap: idBitmap, label: "ID portrait" }, { face: m.face_a, bitmap: selfieBitmap, label: "Selfie (kept frame)" }] : [],
      sections: [...(id ? idSections(id) : []), ...challengeSections(d.result, d.record)],
      timings,
      data: { passed: ok, reason: d.reason, idMatch: m, liveness: d.result },
      formats: async (format) => {
        if (format === "veriface") {
          return { body: { transaction_id: runId, verified: ok, liveness: d.result, id_match: m, id_checks: id?.checks ?? null }, note: "veriface's own objects for this run, as the elements returned them: nothing was recomputed." };
        }
        if (!m) return { body: null, note: `No ${format} response: no face match was made, because the liveness check did not pass.` };
        const body = await state.vf.format(m, format, { transactionId: runId });
        return { body, note: `This run's ID match in ${format}'s face-match response (${format} has no active-liveness response): the same result formatted, nothing recomputed.` };
      },
    });
  }

  /** The anti-spoofing limit a challenge result was held to (from its FACE_NOT_LIVE check). */
  function liveLimit(result) {
    const c = (result.checks ?? []).find((x) => x.code === "FACE_NOT_LIVE");
    return typeof c?.threshold === "number" ? c.threshold : 0.5;
  }

  // --- Liveness only ------------------------------------------------------------------------

  function wireLivenessFlow() {
    const selfie = $("live-selfie");
    selfie.addEventListener("progress", (e) => {
      if (e.detail.screen === "camera" || e.detail.screen === "intro") results.hide();
    });
    selfie.addEventListener("result", (e) => {
      const d = e.detail;
      const runId = newRunId();
      const ok = d.passed;
      results.show({
        flow: "liveness", runId,
        verdict: ok
          ? { ok, title: "Live person confirmed", text: "We saw a live person follow the prompts.", next: "What happens next: a real service would send the record to its server, which checks it again with its own key." }
          : { ok, title: "Not confirmed as live", text: d.reason.text, next: `What to do: ${d.reason.tip} Then press “Try again” above.` },
        again: ok ? () => selfie.retake() : null,
        live: { title: "Anti-spoofing (mean of the frontal frames)", value: d.result.live_mean, threshold: liveLimit(d.result) },
        sections: challengeSections(d.result, d.record),
        timings: [["The challenge's verdict on its kept frames", d.result.timings?.total_ms, "total"]],
        data: { passed: ok, reason: d.reason, liveness: d.result },
        formats: async (format) => {
          if (format === "veriface") return { body: { transaction_id: runId, live: ok, liveness: d.result, record: { nonce: d.record.nonce, started_at: d.record.started_at, frames: d.record.frames.length, events: d.record.events } }, note: "veriface's own verdict for this run: nothing was recomputed." };
          if (format === "vlens") {
            return { body: null, note: "Vlens's liveness answer (liveness/multi) is a passive check of three frames, not a challenge: this result has no Vlens shape. Selfie vs ID shows the Vlens face-match answer." };
          }
          return { body: null, note: `${format}'s API has no liveness response: Selfie vs ID shows its face-match answer.` };
        },
      });
    });
  }

  // --- Compare two photos -------------------------------------------------------------------

  async function setSlot(key, file) {
    clearError();
    results.hide();
    const status = $(`${key}-status`);
    // The previous photo goes at once: nothing may read as this one's.
    slots[key] = null;
    $(`${key}-preview`).hidden = true;
    status.classList.remove("bad", "good");
    status.textContent = `${file.name}: reading…`;
    updateButtons();
    const mine = Symbol(key);
    setSlot.current = { ...setSlot.current, [key]: mine };
    const stale = () => setSlot.current[key] !== mine;
    let read;
    try {
      read = await readImageFile(file);
      if (stale()) return;
      status.textContent = read.scaled ? `${file.name}: scaled down from ${read.originalWidth} × ${read.originalHeight} to ${read.width} × ${read.height}; looking for a face…` : `${file.name}: looking for a face…`;
      const vf = await state.vfReady;
      const found = await vf.detect(read.source);
      if (stale()) return;
      drawPreview(key, read.bitmap, found.faces);
      const n = found.faces.length;
      if (n === 0) throw Object.assign(new Error("no face"), { code: "NO_FACE" });
      if (n > 1) throw Object.assign(new Error("more than one face"), { code: "MULTIPLE_FACES" });
      slots[key] = { source: read.source, bitmap: read.bitmap, name: file.name, faces: found.faces };
      const scaled = read.scaled ? ` (scaled down from ${read.originalWidth} × ${read.originalHeight} to ${read.width} × ${read.height})` : "";
      status.textContent = `${file.name}: 1 face found${scaled}.`;
      status.classList.add("good");
    } catch (err) {
      if (stale()) return;
      status.textContent = `${file.name}: ${describeError(err).text}`;
      status.dataset.code = err?.code ?? "";
      status.classList.add("bad");
    } finally {
      updateButtons();
    }
  }
  setSlot.current = {};

  function drawPreview(key, bitmap, faces) {
    const canvas = $(`${key}-preview`);
    const scale = Math.min(1, 640 / bitmap.width);
    canvas.width = Math.round(bitmap.width * scale);
    canvas.height = Math.round(bitmap.height * scale);
    const ctx = canvas.getContext("2d");
    ctx.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    ctx.lineWidth = Math.max(2, Math.round(canvas.width / 200));
    for (const f of faces ?? []) {
      const { x1, y1, x2, y2 } = f.box;
      ctx.strokeStyle = "rgba(0,0,0,0.6)";
      ctx.strokeRect(x1 * scale, y1 * scale, (x2 - x1) * scale, (y2 - y1) * scale);
      ctx.strokeStyle = "#2ea043";
      ctx.strokeRect(x1 * scale + 1, y1 * scale + 1, (x2 - x1) * scale - 2, (y2 - y1) * scale - 2);
    }
    canvas.hidden = false;
  }

  function wireCompare() {
    for (const key of ["a", "b"]) {
      const input = $(`${key}-file`);
      const drop = $(`${key}-drop`);
      input.addEventListener("change", () => {
        const file = input.files?.[0];
        // Cleared at once: the picker never holds a name the page is not using.
        input.value = "";
        if (file) setSlot(key, file);
      });
      drop.addEventListener("dragover", (e) => {
        e.preventDefault();
        drop.classList.add("over");
      });
      drop.addEventListener("dragleave", () => drop.classList.remove("over"));
      drop.addEventListener("drop", (e) => {
        e.preventDefault();
        drop.classList.remove("over");
        const file = e.dataTransfer?.files?.[0];
        if (file) setSlot(key, file);
      });
    }
    for (const b of document.querySelectorAll(".pick")) b.addEventListener("click", () => $(`${b.dataset.target}-file`).click());
    $("compare-run").addEventListener("click", runCompare);
  }

  function updateButtons() {
    $("compare-run").disabled = !state.vf || !slots.a || !slots.b;
  }

  async function runCompare() {
    const a = slots.a;
    const b = slots.b;
    const button = $("compare-run");
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    button.textContent = "Comparing…";
    clearError();
    try {
      const t0 = performance.now();
      const match = await state.vf.compare(a.source, b.source);
      const pageMs = performance.now() - t0;
      const runId = newRunId();
      results.show({
        flow: "compare", runId, match,
        verdict: match.is_match
          ? { ok: true, title: "Same person", text: "These two photos show the same person." }
          : { ok: false, title: "Different people", text: "These two photos show two different people." },
        crops: [{ face: match.face_a, bitmap: a.bitmap, label: `Photo A: ${a.name}` }, { face: match.face_b, bitmap: b.bitmap, label: `Photo B: ${b.name}` }],
        timings: [
          ["Decode", match.timings.decode_ms], ["Detect faces", match.timings.detect_ms], ["Align", match.timings.align_ms],
          ["Face embedding", match.timings.embed_ms], ["Total, in the library", match.timings.total_ms, "total"],
          ["Whole call, as seen by the page (worker round trip included)", pageMs, "total"],
        ],
        data: { match },
        formats: async (format) => {
          const body = await state.vf.format(match, format, { transactionId: runId });
          return { body, note: `This run's result in ${format}'s response shape: the same result formatted, nothing recomputed.` };
        },
      });
    } catch (err) {
      showError(err, "Comparing");
    } finally {
      button.textContent = "Compare";
      button.removeAttribute("aria-busy");
      updateButtons();
    }
  }

  return { selectFlow, wireIdFlow, wireLivenessFlow, wireCompare, updateButtons, plural };
}
