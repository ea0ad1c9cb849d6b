// The capture elements' shared look, as a constructable stylesheet (allowed by a strict
// Content-Security-Policy without 'unsafe-inline', unlike a <style> element). Everything a page
// may want to change is a CSS custom property on the element (or inherited from the page):
//
//   --veriface-font          font family                     (the system's UI font)
//   --veriface-text          text colour                     (#1b1f24)
//   --veriface-muted         secondary text                  (#4a5360)
//   --veriface-background    the element's background        (#ffffff)
//   --veriface-surface       panels, the intro's list        (#f5f7f9)
//   --veriface-accent        buttons, progress, the oval      (#0b5cad)
//   --veriface-on-accent     text on the accent colour       (#ffffff)
//   --veriface-good          a passed check, the oval when ready (#176b2c)
//   --veriface-bad           a failed check                  (#b3261e)
//   --veriface-radius        corner radius                   (12px)
//   --veriface-dim           the camera outside the oval     (rgba(0, 0, 0, 0.55))
//   --veriface-max-width     the element's largest width     (480px)
//
// Parts for finer styling: ::part(screen), ::part(heading), ::part(button),
// ::part(primary), ::part(secondary), ::part(viewport), ::part(prompt), ::part(progress).

const CSS = `
:host {
  --_text: var(--veriface-text, #1b1f24);
  --_muted: var(--veriface-muted, #4a5360);
  --_bg: var(--veriface-background, #ffffff);
  --_surface: var(--veriface-surface, #f5f7f9);
  --_accent: var(--veriface-accent, #0b5cad);
  --_on-accent: var(--veriface-on-accent, #ffffff);
  --_good: var(--veriface-good, #176b2c);
  --_bad: var(--veriface-bad, #b3261e);
  --_radius: var(--veriface-radius, 12px);
  --_dim: var(--veriface-dim, rgba(0, 0, 0, 0.55));
  display: block;
  box-sizing: border-box;
  max-width: var(--veriface-max-width, 480px);
  margin-inline: auto;
  color: var(--_text);
  background: var(--_bg);
  font-family: var(--veriface-font, system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif);
  line-height: 1.45;
  border-radius: var(--_radius);
}
:host([hidden]) { display: none; }
*, *::before, *::after { box-sizing: border-box; }
[hidden] { display: none !important; }
.screen { padding: 1rem; display: flex; flex-direction: column; gap: 0.75rem; }
h2 { font-size: 1.3rem; line-height: 1.25; margin: 0; }
h2:focus, h2:focus-visible { outline: none; }
p { margin: 0; }
.muted { color: var(--_muted); }
.steps { margin: 0; padding: 0.75rem 0.75rem 0.75rem 2.2rem; background: var(--_surface); border-radius: var(--_radius); display: grid; gap: 0.4rem; }
.privacy { font-size: 0.9rem; color: var(--_muted); }
.actions { display: flex; flex-wrap: wrap; gap: 0.5rem; }
.actions > button { flex: 1 1 10rem; }
button {
  font: inherit; font-weight: 600; min-height: 48px; padding: 0.6rem 1.1rem; border-radius: var(--_radius);
  cursor: pointer; border: 2px solid var(--_accent);
}
button.primary { background: var(--_accent); color: var(--_on-accent); }
button.secondary { background: var(--_bg); color: var(--_accent); }
button:hover { filter: brightness(0.93); }
button:focus-visible { outline: 3px solid var(--_text); outline-offset: 2px; }
button:disabled { background: #e9ecef; color: #5c6570; border-color: #c3c9cf; cursor: not-allowed; filter: none; }
.viewport {
  position: relative; width: min(100%, calc(66vh * 3 / 4)); aspect-ratio: 3 / 4; margin-inline: auto;
  background: #111; border-radius: var(--_radius); overflow: hidden;
}
.viewport video, .viewport .frame { position: absolute; inset: 0; width: 100%; height: 100%; object-fit: cover; }
.viewport.card { width: 100%; aspect-ratio: 4 / 3; }
.mirror { transform: scaleX(-1); }
.card-guide { fill: none; stroke: #ffffff; stroke-width: 3; }
.card-guide.ready { stroke: #3fb950; }
.drop { border: 2px dashed #7d8893; border-radius: var(--_radius); padding: 0.8rem; text-align: center; color: var(--_muted); }
.drop.over { border-color: var(--_accent); background: var(--_surface); color: var(--_text); }
.picture { display: block; max-width: 100%; max-height: 50vh; margin-inline: auto; border-radius: var(--_radius); border: 4px solid var(--_surface); }
.picture.good { border-color: var(--_good); }
.picture.bad { border-color: var(--_bad); }
.file-name { font-size: 0.9rem; color: var(--_muted); overflow-wrap: anywhere; }
.viewport svg { position: absolute; inset: 0; width: 100%; height: 100%; }
.dim { fill: var(--_dim); }
.guide { fill: none; stroke: #ffffff; stroke-width: 4; }
.guide.ready { stroke: #3fb950; }
.hold { fill: none; stroke: #3fb950; stroke-width: 8; stroke-linecap: round; transition: stroke-dashoffset 120ms linear; }
.hold.empty { visibility: hidden; }
.prompt {
  position: absolute; left: 50%; bottom: 6%; transform: translateX(-50%); width: max-content; max-width: 88%;
  text-align: center; font-weight: 700; font-size: 1.15rem; padding: 0.45rem 0.9rem; border-radius: 999px;
  background: rgba(0, 0, 0, 0.78); color: #ffffff;
}
.prompt:empty { display: none; }
.stepbar { position: absolute; left: 50%; top: 4%; transform: translateX(-50%); display: flex; gap: 0.4rem; align-items: center;
  background: rgba(0, 0, 0, 0.78); color: #ffffff; border-radius: 999px; padding: 0.3rem 0.8rem; font-weight: 600; font-size: 0.95rem; }
.dots { display: flex; gap: 0.3rem; }
.dot { width: 0.7rem; height: 0.7rem; border-radius: 50%; border: 2px solid #ffffff; }
.dot.done { background: #3fb950; border-color: #3fb950; }
.dot.now { background: #ffffff; }
.arrow { fill: #ffffff; stroke: rgba(0, 0, 0, 0.6); stroke-width: 2; }
.arrow.nudge-left { animation: nudge-left 1.2s ease-in-out infinite; }
.arrow.nudge-right { animation: nudge-right 1.2s ease-in-out infinite; }
@keyframes nudge-left { 50% { transform: translateX(-12px); } }
@keyframes nudge-right { 50% { transform: translateX(12px); } }
.spinner { width: 2.5rem; height: 2.5rem; border-radius: 50%; border: 4px solid var(--_surface); border-top-color: var(--_accent); animation: spin 1s linear infinite; margin: 1rem auto; }
@keyframes spin { to { transform: rotate(360deg); } }
.kept { display: block; width: min(100%, 260px); aspect-ratio: 3 / 4; object-fit: cover; margin-inline: auto; border-radius: 50% / 40%; border: 4px solid var(--_surface); }
.kept.good { border-color: var(--_good); }
.kept.bad { border-color: var(--_bad); }
.verdict { font-weight: 700; font-size: 1.1rem; }
.verdict.good { color: var(--_good); }
.verdict.bad { color: var(--_bad); }
.loading { display: grid; gap: 0.3rem; font-size: 0.9rem; color: var(--_muted); }
progress { width: 100%; height: 0.6rem; accent-color: var(--_accent); }
.status-line { font-size: 0.95rem; }
.visually-hidden { position: absolute !important; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
@media (prefers-reduced-motion: reduce) {
  .arrow.nudge-left, .arrow.nudge-right, .spinner { animation: none; }
  .hold { transition: none; }
}
`;

let sheet = null;

/** Gives `root` (a shadow root) the shared stylesheet, plus `extra` CSS of the element's own. */
export function adoptStyles(root, extra = "") {
  const sheets = [];
  if (typeof CSSStyleSheet === "function" && "adoptedStyleSheets" in root) {
    if (!sheet) {
      sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
    }
    sheets.push(sheet);
    if (extra) {
      const own = new CSSStyleSheet();
      own.replaceSync(extra);
      sheets.push(own);
    }
    root.adoptedStyleSheets = sheets;
    return;
  }
  // Older browsers: a <style> element (needs style-src 'unsafe-inline' under a strict CSP).
  const style = document.createElement("style");
  style.textContent = CSS + extra;
  root.append(style);
}

/** A custom element's base class, or a stand-in where there is no DOM (server rendering, workers). */
export const ElementBase = typeof HTMLElement === "function" ? HTMLElement : class {};
