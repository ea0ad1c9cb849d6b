// The result: the verdict, the score gauges, the aligned crops, the checks tables, the timings
// and the JSON in each vendor's shape. The JSON tabs' state is this module's own; the shared
// `state` gives it the verifier (for its load timings) and `busy`.
import { $, bump, tablist } from "./page.js";
import { alignTransform, checkLabel, describeError, fmt, fmtMs, liveThreshold, whyNotLive } from "./ui.js";

const FORMATS = ["veriface", "vlens", "valify", "deepvue", "opencv"];

function gauge(title, value, threshold, ok) {
  const wrap = document.createElement("div");
  wrap.className = "gauge";
  const v = Math.max(0, Math.min(1, value));
  const label = document.createElement("p");
  label.className = "gauge-label";
  const strong = document.createElement("strong");
  strong.textContent = fmt(value, 3);
  label.append(`${title}: `, strong, threshold !== null && threshold !== undefined ? ` (threshold ${fmt(threshold, 2)})` : "");
  const track = document.createElement("div");
  track.className = "gauge-track";
  const bar = document.createElement("div");
  bar.className = "gauge-bar";
  bar.setAttribute("role", "meter");
  bar.setAttribute("aria-valuemin", "0");
  bar.setAttribute("aria-valuemax", "1");
  bar.setAttribute("aria-valuenow", String(v));
  bar.setAttribute("aria-label", `${title}: ${fmt(value, 3)}${threshold != null ? `, threshold ${fmt(threshold, 2)}` : ""}`);
  const fill = document.createElement("div");
  // Coloured by this score against its own threshold (the overall verdict may rest on more).
  const above = threshold !== null && threshold !== undefined ? value >= threshold : ok;
  fill.className = `gauge-fill ${above ? "pass" : "fail"}`;
  fill.style.width = `${(v * 100).toFixed(1)}%`;
  bar.append(fill);
  track.append(bar);
  if (threshold !== null && threshold !== undefined) {
    const at = `${(Math.max(0, Math.min(1, threshold)) * 100).toFixed(1)}%`;
    const mark = document.createElement("div");
    mark.className = "gauge-mark";
    mark.style.left = at;
    const tag = document.createElement("span");
    tag.className = "gauge-tag";
    tag.setAttribute("aria-hidden", "true");
    tag.style.left = at;
    // Kept inside the gauge near either end.
    if (threshold < 0.15) tag.classList.add("start");
    else if (threshold > 0.85) tag.classList.add("end");
    tag.textContent = `threshold ${fmt(threshold, 2)}`;
    track.append(mark, tag);
  }
  const scale = document.createElement("div");
  scale.className = "gauge-scale";
  scale.setAttribute("aria-hidden", "true");
  scale.innerHTML = "<span>0</span><span>0.5</span><span>1</span>";
  wrap.append(label, track, scale);
  return wrap;
}

/**
 * The source a face of the result was found in, when the result does not say (the ID match in
 * a liveness result): the same size, and the nearest face among those found in it before.
 */
function sourceOf(face, sources) {
  const sameSize = sources.filter((s) => s.bitmap && s.bitmap.width === face.image_width && s.bitmap.height === face.image_height);
  if (sameSize.length <= 1) return sameSize[0] ?? null;
  let best = sameSize[0];
  let bestD = Infinity;
  for (const s of sameSize) {
    for (const other of s.faces ?? []) {
      const d = face.landmarks.reduce((sum, [x, y], i) => sum + Math.hypot(x - other.landmarks[i][0], y - other.landmarks[i][1]), 0);
      if (d < bestD) {
        bestD = d;
        best = s;
      }
    }
  }
  return best;
}

function drawCrops(r) {
  const fig = $("crops");
  let pairs = [];
  if (r.match) {
    pairs = [r.match.face_a, r.match.face_b].map((face, i) => ({ face, src: r.order ? r.order[i] : sourceOf(face, r.sources) }));
  } else if (r.live?.frames) {
    // Liveness only: the first and last frame's faces.
    const fs = r.live.frames;
    const idx = [0, fs.length - 1].filter((i, k, a) => fs[i]?.face && a.indexOf(i) === k);
    pairs = idx.map((i) => ({ face: fs[i].face, src: r.sources[i] }));
  }
  pairs = pairs.filter((p) => p.face && p.src?.bitmap);
  if (pairs.length === 0) {
    fig.hidden = true;
    return;
  }
  ["a", "b"].forEach((k, i) => {
    const canvas = $(`crop-${k}`);
    const holder = canvas.parentElement;
    holder.hidden = !pairs[i];
    if (!pairs[i]) return;
    const { face, src } = pairs[i];
    const ctx = canvas.getContext("2d");
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = "#000";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    const [a, b, tx, ty] = alignTransform(face.landmarks, canvas.width);
    ctx.setTransform(a, b, -b, a, tx, ty);
    ctx.imageSmoothingQuality = "high";
    ctx.drawImage(src.bitmap, 0, 0);
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    const label = r.flow === "liveness" ? `Frame ${(src.frame ?? 0) + 1}` : src.label;
    $(`crop-${k}-label`).textContent = label;
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", `Aligned face: ${label}`);
  });
  fig.hidden = false;
}

function cell(row, text, tag = "td", cls = "") {
  const c = document.createElement(tag);
  c.textContent = text;
  if (cls) c.className = cls;
  row.append(c);
  return c;
}

/** A header with a shorter text for narrow screens (the long one stays for screen readers). */
function headCell(row, long, short) {
  const th = cell(row, "", "th");
  const l = document.createElement("span");
  l.className = "long";
  l.textContent = long;
  const s = document.createElement("span");
  s.className = "short";
  s.setAttribute("aria-hidden", "true");
  s.textContent = short;
  th.append(l, s);
  return th;
}

/** A check code that may wrap after its underscores (and nowhere else). */
function codeElement(code) {
  const el = document.createElement("code");
  String(code).split("_").forEach((part, i) => {
    if (i) el.append("_", document.createElement("wbr"));
    el.append(part);
  });
  return el;
}

function verdictCell(row, passed) {
  const c = cell(row, passed === null || passed === undefined ? "–" : passed ? "✓ pass" : "✗ fail", "td", passed ? "pass" : passed === false ? "fail" : "");
  return c;
}

function renderChecks(live) {
  const box = $("checks");
  if (!live) {
    box.hidden = true;
    return;
  }
  const frames = live.frames ?? [];
  const table = $("frame-checks");
  table.replaceChildren();
  const caption = document.createElement("caption");
  caption.textContent = "Each frame: value, threshold and verdict per check";
  table.append(caption);
  const head = table.createTHead().insertRow();
  cell(head, "Check", "th");
  headCell(head, "Threshold", "Limit");
  frames.forEach((_, i) => headCell(head, `Frame ${i + 1}`, `#${i + 1}`));
  for (const th of head.cells) th.scope = "col";
  const codes = [];
  for (const f of frames) for (const c of f.checks ?? []) if (!codes.includes(c.code)) codes.push(c.code);
  const body = table.createTBody();
  for (const code of codes) {
    const row = body.insertRow();
    const th = cell(row, checkLabel(code), "th");
    th.scope = "row";
    th.append(document.createElement("br"), codeElement(code));
    const first = frames.map((f) => (f.checks ?? []).find((c) => c.code === code)).find(Boolean);
    cell(row, fmt(first?.threshold, 3), "td", "num");
    for (const f of frames) {
      const c = (f.checks ?? []).find((x) => x.code === code);
      const td = cell(row, c ? fmt(c.value, 3) : "–", "td", `num ${c ? (c.passed ? "pass" : "fail") : ""}`);
      if (c) {
        const mark = document.createElement("span");
        mark.className = "mark";
        mark.textContent = c.passed ? " ✓ pass" : " ✗ fail";
        td.append(mark);
      }
    }
  }
  const seq = $("sequence-checks");
  seq.replaceChildren();
  const cap2 = document.createElement("caption");
  cap2.textContent = `Across the ${frames.length} frames (${fmtMs(live.span_ms)} apart end to end)`;
  seq.append(cap2);
  const h2 = seq.createTHead().insertRow();
  for (const t of ["Check", "Value", "Threshold", "Result", "Decides"]) cell(h2, t, "th").scope = "col";
  const b2 = seq.createTBody();
  for (const c of live.sequence ?? []) {
    const row = b2.insertRow();
    const th = cell(row, checkLabel(c.code), "th");
    th.scope = "row";
    th.append(document.createElement("br"), codeElement(c.code));
    cell(row, fmt(c.value, 3), "td", "num");
    cell(row, fmt(c.threshold, 3), "td", "num");
    verdictCell(row, c.passed);
    cell(row, c.decisive ? "yes" : "reported only");
  }
  $("decision-rule").textContent = live.decision_rule ? `Decision rule: ${typeof live.decision_rule === "string" ? live.decision_rule : JSON.stringify(live.decision_rule)}` : "";
  box.hidden = false;
}

/** The timings of result `r`; `info`: the models' load timings, when the package gives them. */
function renderTimings(r, info) {
  const table = $("timings");
  table.replaceChildren();
  const caption = document.createElement("caption");
  caption.textContent = "Milliseconds per stage, measured in this browser";
  table.append(caption);
  const head = table.createTHead().insertRow();
  cell(head, "Stage", "th").scope = "col";
  cell(head, "ms", "th").scope = "col";
  const body = table.createTBody();
  const row = (label, ms, cls = "") => {
    if (typeof ms !== "number" || !Number.isFinite(ms)) return;
    const tr = body.insertRow();
    if (cls) tr.className = cls;
    cell(tr, label, "th").scope = "row";
    cell(tr, fmtMs(ms, false), "td", "num");
  };
  if (info) {
    row("Loading the models (once): fetch and compile", info.fetch_and_compile_ms, "once");
    row("Loading the models (once): optimise", info.model_init_ms, "once");
  }
  if (r.capture) row(`Camera: ${r.capture.frames.length} frames, first to last`, r.capture.spanMs);
  const STAGES = { decode_ms: "Decode", detect_ms: "Detect faces", align_ms: "Align", embed_ms: "Face embedding", liveness_ms: "Eyes, anti-spoofing, texture", total_ms: "Total" };
  if (r.match?.timings) {
    for (const [k, label] of Object.entries(STAGES)) {
      if (k === "liveness_ms" && !r.match.timings[k]) continue;
      row(`Match: ${label}`, r.match.timings[k], k === "total_ms" ? "total" : "");
    }
  }
  if (r.live?.timings) {
    for (const [k, v] of Object.entries(r.live.timings)) {
      if (typeof v === "number" && (v > 0 || k === "total_ms")) {
        row(`Liveness, all frames: ${STAGES[k] ?? k.replace(/_ms$/, "").replace(/_/g, " ")}`, v, k === "total_ms" ? "total" : "");
      }
    }
  }
  row("Whole call, as seen by the page (worker round trip included)", r.pageMs, "total");
}

/**
 * The result section over the shared `state` ({ vf, busy }): show(r), hide(), copyJson().
 * `r` is { flow, match, live, pageMs, capture, order, sources, formats } from flows.js.
 */
export function createResults(state) {
  // The JSON tabs: the open format, and each format's response for the result shown (a promise
  // per format, made when its tab is first opened); `formatSource` is null while none is shown.
  let formatCache = new Map();
  let formatSource = null;
  let activeFormat = "veriface";

  function hideResults() {
    $("results").hidden = true;
    formatSource = null;
  }

  function renderResult(r) {
    const { match, live } = r;
    const results = $("results");
    results.dataset.flow = r.flow;
    results.dataset.match = match ? String(match.is_match) : "";
    results.dataset.live = live ? String(live.is_live) : "";
    // The last result as the package returned it, for the end-to-end tests and the curious
    // (it stays when a later run fails).
    results.dataset.result = JSON.stringify({ match, live });

    // The verdict in words.
    const verdict = $("verdict");
    verdict.replaceChildren();
    const add = (text, ok) => {
      const s = document.createElement("span");
      s.className = `badge ${ok ? "pass" : "fail"}`;
      s.textContent = `${ok ? "✓" : "✗"} ${text}`;
      verdict.append(s);
    };
    if (match) {
      const same = r.flow === "id" ? "Same person as on the ID" : "Same person";
      const other = r.flow === "id" ? "Not the person on the ID" : "Different people";
      add(match.is_match ? same : other, match.is_match);
    }
    if (live) add(live.is_live ? "Live" : "Not shown to be live", live.is_live);
    else if (r.flow === "id") {
      const s = document.createElement("span");
      s.className = "badge neutral";
      s.textContent = "Liveness not checked (not in this build)";
      verdict.append(s);
    }
    $("why").textContent = live && !live.is_live ? whyNotLive(live) : "";

    // Gauges: the score against its threshold.
    const gauges = $("gauges");
    gauges.replaceChildren();
    if (match) gauges.append(gauge("Match score", match.score, match.threshold, match.is_match));
    if (live && typeof live.live_mean === "number") {
      const t = liveThreshold(live);
      gauges.append(gauge("Liveness score (mean of the frames)", live.live_mean, t, live.is_live));
    }

    drawCrops(r);
    renderChecks(live);
    renderTimings(r, state.vf?.info?.timings);

    // JSON per format, computed when its tab is opened (each is a run of the pipeline).
    formatCache = new Map();
    formatSource = r.formats;
    buildFormatTabs();
    showFormat(activeFormat);

    results.hidden = false;
    results.focus({ preventScroll: true });
    results.scrollIntoView({ block: "start", behavior: "smooth" });
    document.body.dataset.result = r.flow;
    bump("runs");
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
      entry = source(format).then(({ body, note }) => ({ text: JSON.stringify(body, null, 2), note: note ?? "" }), (err) => {
        const { text, code, detail } = describeError(err, "the images");
        return { text: "", note: `No ${format} response: ${text} (${code}: ${detail})` };
      });
      formatCache.set(format, entry);
    }
    pre.textContent = "Computing…";
    pre.dataset.format = "";
    $("format-note").textContent = "";
    state.busy++;
    let shown;
    try {
      shown = await entry;
    } finally {
      state.busy--;
    }
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
      // No clipboard permission (or an insecure page): select the text so Ctrl+C copies it.
      const range = document.createRange();
      range.selectNodeContents($("json"));
      const sel = getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
      status.textContent = "Selected the JSON: press Ctrl+C (or ⌘+C) to copy it.";
    }
  }

  return { show: renderResult, hide: hideResults, copyJson };
}
