// Loading the models: the progress bar, the time it took, and a way to try again when it fails.
// The capture elements are handed the same promise, so the page loads the models once.
import { Veriface } from "./veriface/js/index.js";
import { $, showError } from "./page.js";

function onProgress(p) {
  const bar = $("load-progress");
  bar.value = p.total ? p.loaded / p.total : 0;
  const mb = (n) => (n / 1e6).toFixed(1);
  let text;
  if (p.phase === "download") text = `Downloading the face models: ${mb(p.loaded)} of ${mb(p.total)} MB`;
  else if (p.phase === "cache") text = `Reading the face models from this browser's storage: ${mb(p.loaded)} of ${mb(p.total)} MB`;
  else if (p.phase === "initialise") text = "Preparing the models…";
  else text = "Ready";
  $("load-status").textContent = text;
}

/**
 * Starts loading the models; returns the promise (for the elements) and, once they are in,
 * sets `state.vf` and calls `onReady()` (not when loading failed).
 */
export function load(state, onReady) {
  const started = performance.now();
  const promise = Veriface.load({ liveness: true, onProgress });
  promise.then((vf) => {
    state.vf = vf;
    const info = vf.info ?? {};
    const cached = info.fromCache && Object.values(info.fromCache).every(Boolean);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    $("load-progress").value = 1;
    $("load-status").textContent = `Ready: loaded in ${seconds} s${cached ? " from this browser's storage" : ""}. You can switch the network off now.`;
    $("loader").classList.add("done");
    document.body.dataset.state = "ready";
    onReady();
  }, (err) => {
    document.body.dataset.state = "failed";
    $("loader").classList.add("failed");
    $("load-label").textContent = "The face models could not be loaded";
    $("load-status").textContent = "";
    // The error goes where the eye already is: in the loading box, with a way to try again.
    $("loader").append($("error"));
    showError(err, "Loading the models");
    const retry = document.createElement("button");
    retry.type = "button";
    retry.className = "secondary";
    retry.textContent = "Try again";
    retry.addEventListener("click", () => location.reload());
    $("error").append(retry);
  });
  return promise;
}
