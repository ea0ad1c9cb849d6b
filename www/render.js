// The result: one plain verdict up front (what happened, what to do next, what the score means),
// and behind "Developer details" the score gauge, the aligned crops, the checks, the timings and
// the JSON in each vendor's shape. Each vendor body is made at most once per run, all with the
// run's one transaction id.
import { scoreSentence } from "./veriface/js/elements/index.js";
import { $, bump, tablist } from "./page.js";
import { alignTransform, describeError, fmt, fmtMs } from "./ui.js";

const FORMATS = ["veriface", "vlens", "valify", "deepvue", "opencv"];

function gauge(title, value, threshold) {
  const wrap = document.createElement("div");
  wrap.className = "gauge";
  const v = Math.max(0, Math.min(1, value));
  const label = document.createElement("p");
  label.className = "gauge-label";
  const strong = document.createElement("strong");
  strong.textContent = fmt(value, 3);
  label.append(`${title}: `, strong, ` (threshold ${fmt(threshold, 2)})`);
  const track = document.createElement("div");
  track.className = "gauge-track";
  const bar = document.createElement("div");
  bar.className = "gauge-bar";
  bar.setAttribute("role", "meter");
  bar.setAttribute("aria-valuemin", "0");
  bar.setAttribute("aria-valuemax", "1");
  bar.setAttribute("aria-valuenow", String(v));
  bar.setAttribute("aria-label", `${title}: ${fmt(value, 3)}, threshold ${fmt(threshold, 2)}`);
  const fill = document.createElement("div");
  fill.className = `gauge-fill ${value >= threshold ? "pass" : "fail"}`;
  fill.style.width = `${(v * 100).toFixed(1)}%`;
  bar.append(fill);
  const at = `${(Math.max(0, Math.min(1, threshold)) * 100).toFixed(1)}%`;
  const mark = document.createElement("div");
  mark.className = "gauge-mark";
  mark.style.left = at;
  const tag = document.createElement("span");
  tag.className = "gauge-tag";
  tag.setAttribute("aria-hidden", "true");
  tag.style.left = at;
  if (threshold > 0.85) tag.classList.add("end");
  else if (threshold < 0.15) tag.classList.add("start");
  tag.textContent = `threshold ${fmt(threshold, 2)}`;
  track.append(bar, mark, tag);
  const scale = document.createElement("div");
  scale.className = "gauge-scale";
  scale.setAttribute("aria-hidden", "true");
  for (const t of ["0", "0.5", "1"]) {
    const s = document.createElement("span");
    s.textContent = t;
    scale.append(s);
  }
  wrap.append(label, track, scale);
  return wrap;
}

/** The aligned face crops: `pairs` of { face, bitmap, label }. */
function drawCrops(pairs) {
  const fig = $("crops");
  const usable = (pairs ?? []).filter((p) => p?.face && p.bitmap);
  fig.hidden = usable.length === 0;
  ["a", "b"].forEach((k, i) => {
    const canvas = $(`crop-${k}`);
    canvas.parentElement.hidden = !usable[i];
    if (!usable[i]) return;
    const { face, bitmap, label } = usable[i];
    const ctx = canvas.getContext("2d");
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = "#000";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    const [a, b, tx, ty] = alignTransform(face.landmarks, canvas.width);
    ctx.setTransform(a, b, -b, a, tx, ty);
    ctx.imageSmoothingQuality = "high";
    ctx.drawImage(bitmap, 0, 0);
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    $(`crop-${k}-label`).textContent = label;
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", `Aligned face: ${label}`);
  });
}

/** A table with a caption, column headers and rows of cells ({ text, cls } or text). */
function table(caption, headers, rows) {
  const wrap = document.createElement("div");
  wrap.className = "table-wrap";
  wrap.tabIndex = 0;
  wrap.setAttribute("role", "region");
  wrap.setAttribute("aria-label", caption);
  const t = document.createElement("table");
  const c = document.createElement("caption");
  c.textContent = caption;
  t.append(c);
  const head = t.createTHead().insertRow();
  for (const h of headers) {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = h;
    head.append(th);
  }
  const body = t.createTBody();
  for (const row of rows) {
    const tr = body.insertRow();
    row.forEach((cell, i) => {
      const el = document.createElement(i === 0 ? "th" : "td");
      if (i === 0) el.scope = "row";
      const { text, cls } = typeof cell === "object" && cell !== null ? cell : { text: cell };
      el.textContent = text;
      if (cls) el.className = cls;
      tr.append(el);
    });
  }
  wrap.append(t);
  return wrap;
}

const verdictCell = (passed) => ({ text: passed ? "✓ pass" : "✗ fail", cls: passed ? "pass" : "fail" });

/** Thumbnails of frames (unmirrored, as kept), each with its label. */
function frameStrip(frames) {
  const list = document.createElement("div");
  list.className = "thumbs";
  for (const f of frames) {
    const fig = document.createElement("figure");
    const img = document.createElement("img");
    img.src = `data:image/jpeg;base64,${f.image}`;
    img.alt = `Frame at ${Math.round(f.t)} ms${f.note ? ` (${f.note})` : ""}`;
    const cap = document.createElement("figcaption");
    cap.textContent = `${Math.round(f.t)} ms${f.note ? ` · ${f.note}` : ""}`;
    fig.append(img, cap);
    list.append(fig);
  }
  return list;
}

/**
 * The result section over the shared `state` ({ vf }): show(r), hide(), copyJson().
 * `r`: { flow, runId, verdict: { ok, title, text, next }, match, sections: [Node], crops,
 * timings: [[label, ms, cls]], formats: (format) => Promise<{ body, note }> }.
 */
export function createResults(state) {
  let formatCache = new Map();
  let formatSource = null;
  let activeFormat = "veriface";

  function hide() {
    $("results").hidden = true;
    formatSource = null;
  }

  function show(r) {
    const results = $("results");
    results.dataset.flow = r.flow;
    results.dataset.ok = String(!!r.verdict.ok);
    results.dataset.runId = r.runId;
    results.dataset.result = JSON.stringify(r.data ?? null);
    $("verdict-card").className = `verdict-card ${r.verdict.ok ? "pass" : "fail"}`;
    $("verdict-title").textContent = r.verdict.title;
    $("verdict-text").textContent = r.verdict.text;
    $("next").textContent = r.verdict.next ?? "";
    $("score-sentence").textContent = r.match ? scoreSentence(r.match) : "";
    $("again").hidden = !r.again;
    $("again").onclick = r.again ?? null;
    $("transaction").textContent = `Transaction id of this run: ${r.runId} (the same in every format below).`;

    const gauges = $("gauges");
    gauges.replaceChildren();
    if (r.match) gauges.append(gauge("Match score", r.match.score, r.match.threshold));
    if (typeof r.live?.value === "number") gauges.append(gauge(r.live.title, r.live.value, r.live.threshold));
    drawCrops(r.crops);
    const checks = $("checks");
    checks.replaceChildren(...(r.sections ?? []));
    renderTimings(r.timings ?? []);

    formatCache = new Map();
    formatSource = r.formats;
    buildFormatTabs();
    showFormat(activeFormat);

    results.hidden = false;
    results.focus({ preventScroll: true });
    results.scrollIntoView({ block: "start", behavior: matchMedia("(prefers-reduced-motion: reduce)").matches ? "auto" : "smooth" });
    document.body.dataset.result = r.flow;
    bump("runs");
  }

  function renderTimings(rows) {
    const t = $("timings");
    t.replaceChildren();
    const caption = document.createElement("caption");
    caption.textContent = "Milliseconds per stage, measured in this browser";
    t.append(caption);
    const head = t.createTHead().insertRow();
    for (const h of ["Stage", "ms"]) {
      const th = document.createElement("th");
      th.scope = "col";
      th.textContent = h;
      head.append(th);
    }
    const body = t.createTBody();
    for (const [label, ms, cls] of rows) {
      if (typeof ms !== "number" || !Number.isFinite(ms)) continue;
      const tr = body.insertRow();
      if (cls) tr.className = cls;
      const th = document.createElement("th");
      th.scope = "row";
      th.textContent = label;
      const td = document.createElement("td");
      td.className = "num";
      td.textContent = fmtMs(ms, false);
      tr.append(th, td);
    }
  }

  function buildFormatTabs() {
    const list = $("format-tabs");
    if (list.childElementCount) return;
    for (const f of FORMATS) {
      const b = document.createElement("button");
      b.type = "button";
      b.setAttribute("role", "tab");
      b.id = `format-${f}`;
      b.dataset.format = f;
      b.setAttribute("aria-controls", "json");
      b.textContent = f;
      list.append(b);
    }
    const select = tablist(list, (tab) => showFormat(tab.dataset.format));
    select($(`format-${activeFormat}`), false);
  }

  async function showFormat(format) {
    activeFormat = format;
    for (const t of $("format-tabs").children) {
      const on = t.dataset.format === format;
      t.setAttribute("aria-selected", String(on));
      t.tabIndex = on ? 0 : -1;
    }
    const pre = $("json");
    pre.setAttribute("aria-labelledby", `format-${format}`);
    const source = formatSource;
    if (!source) return;
    let entry = formatCache.get(format);
    if (!entry) {
      // Made once per run and kept: switching tabs never recomputes anything.
      entry = source(format).then(({ body, note }) => ({ text: body === null ? "" : JSON.stringify(body, null, 2), note: note ?? "" }), (err) => {
        const { text, code } = describeError(err);
        return { text: "", note: `No ${format} response: ${text} (${code})` };
      });
      formatCache.set(format, entry);
    }
    pre.textContent = "Computing…";
    pre.dataset.format = "";
    $("format-note").textContent = "";
    const shown = await entry;
    if (activeFormat === format && formatSource === source) {
      pre.textContent = shown.text;
      pre.dataset.format = format;
      $("format-note").textContent = shown.note;
    }
  }

  async function copyJson() {
    const text = $("json").textContent;
    const status = $("copy-status");
    try {
      await navigator.clipboard.writeText(text);
      status.textContent = `Copied the ${activeFormat} JSON.`;
    } catch {
      const range = document.createRange();
      range.selectNodeContents($("json"));
      const sel = getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
      status.textContent = "Selected the JSON: press Ctrl+C (or ⌘+C) to copy it.";
    }
  }

  return { show, hide, copyJson, table, verdictCell, frameStrip };
}

export { table, verdictCell, frameStrip };
