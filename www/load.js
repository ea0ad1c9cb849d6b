// Loading the models: the progress bar, the time it took, and a way to try again when it fails.
import { Veriface } from "./veriface/js/index.js";
import { $, showError } from "./page.js";

/** What the package loaded offers (an older build may lack them). */
export const hasLiveness = (vf) => typeof vf?.liveness === "function";
export const hasQuality = (vf) => typeof vf?.quality === "function";

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

/** Loads the models into `state.vf`; `onReady()` when they are in (not when loading failed). */
export async function load(state, onReady) {
  const started = performance.now();
  try {
    state.vf = await Veriface.load({ liveness: true, onProgress });
  } catch (err) {
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
    return;
  }
  const info = state.vf.info ?? {};
  const cached = info.fromCache && Object.values(info.fromCache).every(Boolean);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  $("load-progress").value = 1;
  $("load-status").textContent = `Ready: loaded in ${seconds} s${cached ? " from this browser's storage" : ""}. You can switch the network off now.`;
  $("loader").classList.add("done");
  document.body.dataset.state = "ready";
  document.body.dataset.liveness = hasLiveness(state.vf) ? "yes" : "no";
  onReady();
}
