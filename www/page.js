// The page's shared pieces: element lookup, the ARIA tabs, the error box, and the counters on
// <body> that tests (and anyone watching) can wait on.
import { describeError } from "./ui.js";

export const $ = (id) => document.getElementById(id);

/** Tabs (the flows, and the JSON formats): arrow keys move between tabs, as ARIA describes. */
export function tablist(list, onSelect) {
  const tabs = () => [...list.querySelectorAll('[role="tab"]')];
  const select = (tab, focus) => {
    for (const t of tabs()) {
      const on = t === tab;
      t.setAttribute("aria-selected", String(on));
      t.tabIndex = on ? 0 : -1;
    }
    if (focus) tab.focus();
    onSelect(tab);
  };
  list.addEventListener("click", (e) => {
    const tab = e.target.closest('[role="tab"]');
    if (tab) select(tab, false);
  });
  list.addEventListener("keydown", (e) => {
    const all = tabs();
    const i = all.indexOf(document.activeElement);
    if (i < 0) return;
    const next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: all.length - 1 }[e.key];
    if (next === undefined) return;
    e.preventDefault();
    select(all[(next + all.length) % all.length], true);
  });
  return select;
}

/** An error in plain words in the error box (the code and the library's message under "Technical detail"). */
export function showError(err, doing) {
  const { text, code, detail } = describeError(err);
  const box = $("error");
  box.replaceChildren();
  const p = document.createElement("p");
  const strong = document.createElement("strong");
  strong.textContent = `${doing} failed: `;
  p.append(strong, text);
  box.append(p);
  const d = document.createElement("details");
  const s = document.createElement("summary");
  s.textContent = "Technical detail";
  const m = document.createElement("p");
  const c = document.createElement("code");
  c.textContent = code;
  m.append(c, ` ${detail}`);
  d.append(s, m);
  box.append(d);
  box.dataset.code = code;
  box.hidden = false;
  box.scrollIntoView({ block: "nearest", behavior: matchMedia("(prefers-reduced-motion: reduce)").matches ? "auto" : "smooth" });
  bump("errors");
}

export function clearError() {
  $("error").hidden = true;
  $("error").replaceChildren();
  delete $("error").dataset.code;
}

/** Counters on <body> that tests (and anyone watching) can wait on. */
export function bump(name) {
  document.body.dataset[name] = String(Number(document.body.dataset[name] ?? 0) + 1);
}
