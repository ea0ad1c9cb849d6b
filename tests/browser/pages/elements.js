// The capture-element page's script (a file: no inline script under tools/csp.mjs). The package
// as it ships; the elements are defined by importing it.
import * as veriface from "/js/index.js";

window.veriface = veriface;
// Every event the elements send, in order, for the tests to read.
window.events = [];
for (const el of document.querySelectorAll("veriface-selfie, veriface-id-capture")) {
  for (const type of ["progress", "result", "error"]) {
    el.addEventListener(type, (e) => {
      const d = e.detail ?? {};
      window.events.push({ el: el.id, type, screen: d.screen, code: d.code ?? d.reason?.code ?? null, passed: d.passed, text: d.text ?? d.message ?? d.reason?.text ?? null });
      if (type === "result") window[`${el.id}Result`] = d;
    });
  }
}
