// The veriface demo page: three flows over the npm package served beside the page. Selfie vs ID
// and liveness only are the package's capture elements (<veriface-id-capture>,
// <veriface-selfie>); compare two photos is two file slots. No framework, nothing loaded from
// elsewhere: once the models are in, the page needs no network at all.
//
// load.js loads the models (one promise, handed to every element), flows.js turns the elements'
// results into the verdict, render.js draws it; page.js and ui.js are their helpers.
import { createFlows } from "./flows.js";
import { load } from "./load.js";
import { $, tablist } from "./page.js";
import { createResults } from "./render.js";

const state = {
  /** The loaded package (Veriface.load), null until the models are in. */
  vf: null,
  /** The promise of it, for what may start before the models are in. */
  vfReady: null,
};

const results = createResults(state);
const flows = createFlows(state, { results });

function init() {
  tablist(document.querySelector(".tabs[aria-label='What to check']"), flows.selectFlow);
  flows.wireIdFlow();
  flows.wireLivenessFlow();
  flows.wireCompare();
  $("copy").addEventListener("click", results.copyJson);
  // Files dropped outside a drop zone would make the browser navigate away to show them.
  for (const ev of ["dragover", "drop"]) window.addEventListener(ev, (e) => e.preventDefault());
  state.vfReady = load(state, flows.updateButtons);
  // The elements share the page's models (they would load their own otherwise).
  for (const el of document.querySelectorAll("veriface-selfie, veriface-id-capture")) el.veriface = state.vfReady;
  flows.updateButtons();
}

init();
