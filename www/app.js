// The veriface demo page: three flows (selfie vs ID, two photos, liveness only) over the npm
// package served beside the page. No framework, nothing loaded from elsewhere; every module is
// imported up front, so once the models are in, the page needs no network at all.
//
// This module wires the others to the page: load.js (the models), camera.js (the camera and its
// live guidance), flows.js (the three flows and their image slots), render.js (the result);
// page.js and ui.js are their helpers. What more than one of them reads is in `state` below,
// handed to each; the rest is each module's own.
import { createCamera } from "./camera.js";
import { createFlows } from "./flows.js";
import { load } from "./load.js";
import { $, tablist } from "./page.js";
import { createResults } from "./render.js";

const state = {
  /** The loaded package (Veriface.load), null until the models are in. */
  vf: null,
  /** The open flow: "id", "compare" or "liveness". */
  flow: "id",
  /** > 0 while a flow runs: the live guidance pauses so the worker is free. */
  busy: 0,
};

const results = createResults(state);
// The buttons depend on the camera, the slots and the models: flows.js keeps them current.
const camera = createCamera(state, () => flows.updateButtons());
const flows = createFlows(state, { camera, results });

function init() {
  tablist(document.querySelector(".tabs[aria-label='What to check']"), flows.selectFlow);
  for (const key of ["id", "a", "b"]) flows.wireSlot(key);
  $("camera-toggle").addEventListener("click", () => (camera.isOn() ? camera.stop() : camera.start()));
  $("capture").addEventListener("click", flows.takeSelfie);
  $("id-run").addEventListener("click", flows.runIdFlow);
  $("compare-run").addEventListener("click", flows.runCompareFlow);
  $("liveness-run").addEventListener("click", flows.runLivenessFlow);
  for (const b of document.querySelectorAll(".snap")) b.addEventListener("click", () => flows.snap(b.dataset.target));
  $("copy").addEventListener("click", results.copyJson);
  // Files dropped outside a drop zone would make the browser navigate away to show them.
  for (const ev of ["dragover", "drop"]) window.addEventListener(ev, (e) => e.preventDefault());
  document.querySelector('[data-camera-slot="id"]').append($("camera"));
  flows.updateButtons();
  load(state, flows.modelsReady);
}

init();
