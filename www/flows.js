// The three flows (selfie vs ID, compare two photos, liveness only) and their image slots: file
// picker, drag and drop, camera snapshot. The slots and the selfie are this module's own; the
// shared `state` gives it the verifier, the open flow and `busy`.
import { captureFrames } from "./veriface/js/index.js";
import { drawFace, showBurst } from "./camera.js";
import { hasLiveness } from "./load.js";
import { $, clearError, showError } from "./page.js";
import { describeError, plural } from "./ui.js";

const FLOW_OF_TAB = { "tab-id": "id", "tab-compare": "compare", "tab-liveness": "liveness" };

/**
 * The flows over the shared `state`, the `camera` (camera.js) and the `results` (render.js).
 * Returns what app.js wires to the page.
 */
export function createFlows(state, { camera, results }) {
  /** Image slots: { source, name, bitmap, faces, error } (source is what the API is given). */
  const slots = { id: null, a: null, b: null };
  /** Three-frame bursts: { frames, bitmaps, captureMs, spanMs } per flow. */
  const bursts = { id: null };

  function selectFlow(tab) {
    const flow = FLOW_OF_TAB[tab.id];
    if (flow === state.flow && !$(`panel-${flow}`).hidden) return;
    state.flow = flow;
    for (const t of Object.keys(FLOW_OF_TAB)) $(t.replace("tab", "panel")).hidden = FLOW_OF_TAB[t] !== flow;
    // The one camera goes where this flow wants it.
    const slot = document.querySelector(`[data-camera-slot="${flow}"]`);
    slot.append($("camera"));
    $("capture").hidden = flow !== "id";
    results.hide();
    clearError();
    updateButtons();
  }

  async function setSlot(key, source, name) {
    clearError();
    results.hide();
    const status = $(`${key}-status`);
    // The previous photo's verdict goes at once: nothing may read it as this photo's.
    status.classList.remove("bad", "good");
    slots[key] = null;
    updateButtons();
    status.textContent = `${name}: reading…`;
    let bitmap = null;
    try {
      bitmap = source instanceof Blob
        ? await createImageBitmap(source)
        : await createImageBitmap(new ImageData(source.data, source.width, source.height));
    } catch {
      // The core will say precisely what is wrong with the file when it reads it.
    }
    slots[key] = { source, name, bitmap };
    drawPreview(key, null);
    updateButtons();
    if (state.vf) await detectSlot(key);
    else status.textContent = `${name}: waiting for the models to finish loading`;
  }

  async function detectSlot(key) {
    const slot = slots[key];
    const status = $(`${key}-status`);
    status.classList.remove("bad", "good");
    state.busy++;
    try {
      const r = await state.vf.detect(slot.source);
      if (slots[key] !== slot) return;
      slot.faces = r.faces;
      slot.error = r.faces.length === 0 ? "NO_FACE" : null;
      drawPreview(key, r.faces);
      const n = r.faces.length;
      status.textContent = n === 0
        ? `${slot.name}: no face found. Use a sharper photo that shows the face fully.`
        : `${slot.name}: ${plural(n, "face")} found${n > 1 ? key === "id" ? " (the largest is used)" : " (use a photo with one person)" : ""}.`;
      status.classList.add(n === 0 || (n > 1 && key !== "id") ? "bad" : "good");
    } catch (err) {
      if (slots[key] !== slot) return;
      slot.error = err?.code;
      const { text, code } = describeError(err, `“${slot.name}”`);
      status.textContent = `${text} (${code})`;
      status.classList.add("bad");
    } finally {
      state.busy--;
    }
  }

  function drawPreview(key, faces) {
    const slot = slots[key];
    const canvas = $(`${key}-preview`);
    if (!slot?.bitmap) {
      canvas.hidden = true;
      return;
    }
    const { bitmap } = slot;
    const scale = Math.min(1, 640 / bitmap.width);
    canvas.width = Math.round(bitmap.width * scale);
    canvas.height = Math.round(bitmap.height * scale);
    const ctx = canvas.getContext("2d");
    ctx.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    for (const f of faces ?? []) drawFace(ctx, f, scale, "#1f7a3d");
    canvas.hidden = false;
  }

  function wireSlot(key) {
    const input = $(`${key}-file`);
    const drop = input.closest(".drop");
    input.addEventListener("change", () => {
      const file = input.files?.[0];
      if (file) setSlot(key, file, file.name);
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
      if (file) setSlot(key, file, file.name);
    });
  }

  /** The selfie for the ID flow: three frames, kept until the next selfie. */
  async function takeSelfie() {
    $("capture").disabled = true;
    const b = await camera.burst();
    if (b) bursts.id = b;
    showBurst($("id-burst"), bursts.id);
    updateButtons();
  }

  /** One frame from the camera, for a compare slot. */
  async function snap(key) {
    $("compare-camera").open = true;
    if (!(await camera.start())) return;
    state.busy++;
    try {
      const [frame] = await captureFrames($("video"), { count: 1, withinMs: 500 });
      $(`${key}-file`).value = "";
      await setSlot(key, frame, `Camera photo ${key.toUpperCase()}`);
    } catch (err) {
      showError(err, "Taking the photo");
    } finally {
      state.busy--;
    }
  }

  /** The models are in. */
  function modelsReady() {
    // Photos chosen while the models loaded get their face boxes now.
    for (const key of Object.keys(slots)) if (slots[key]) detectSlot(key);
    updateButtons();
  }

  function updateButtons() {
    const ready = !!state.vf;
    const cameraOn = camera.isOn();
    $("capture").disabled = !ready || !cameraOn;
    $("capture").textContent = bursts.id ? "Retake selfie (3 frames)" : "Take selfie (3 frames)";
    $("id-run").disabled = !ready || !slots.id || !bursts.id;
    $("compare-run").disabled = !ready || !slots.a || !slots.b;
    $("liveness-run").disabled = !ready;
    for (const b of document.querySelectorAll(".snap")) b.disabled = !ready;
  }

  async function running(button, label, fn) {
    const before = button.textContent;
    button.disabled = true;
    button.textContent = label;
    button.setAttribute("aria-busy", "true");
    document.body.dataset.running = "yes";
    state.busy++;
    clearError();
    try {
      await fn();
    } finally {
      state.busy--;
      button.textContent = before;
      button.removeAttribute("aria-busy");
      delete document.body.dataset.running;
      updateButtons();
    }
  }

  async function runIdFlow() {
    const id = slots.id;
    const b = bursts.id;
    await running($("id-run"), "Verifying…", async () => {
      const t0 = performance.now();
      try {
        let live = null;
        let match = null;
        const idSource = { bitmap: id.bitmap, label: "ID card", faces: id.faces };
        const frameSources = b.bitmaps.map((bm, i) => ({ bitmap: bm, label: `Selfie, frame ${i + 1}`, frame: i }));
        let order = null;
        if (hasLiveness(state.vf)) {
          live = await state.vf.liveness(b.frames, { idFront: id.source });
          match = live.id_match ?? null;
          live.frames?.forEach((f, i) => frameSources[i] && (frameSources[i].faces = f.face ? [f.face] : []));
        }
        if (!match) {
          // The middle frame is the one most likely sharp and centred.
          match = await state.vf.compare(id.source, b.frames[1], { facePolicy: "largest" });
          order = [idSource, frameSources[1]];
        }
        const pageMs = performance.now() - t0;
        results.show({
          flow: "id", match, live, pageMs, capture: b, order,
          sources: [idSource, ...frameSources],
          formats: async (format) => {
            const matchOnly = () => state.vf.compare(id.source, b.frames[1], { facePolicy: "largest", format });
            if (!hasLiveness(state.vf)) return { body: await matchOnly(), note: "The face match only: this build has no liveness." };
            try {
              return { body: await state.vf.liveness(b.frames, { idFront: id.source, format }) };
            } catch (err) {
              if (err?.code !== "BAD_PARAMETER") throw err;
              // A vendor without a liveness response: its face-match response instead.
              return { body: await matchOnly(), note: `${format} has no liveness response: this is its face-match response (the selfie's middle frame against the ID).` };
            }
          },
        });
      } catch (err) {
        showError(err, "Verifying", whichSlot(err, { id: "the ID photo" }, "the ID photo or the selfie"));
      }
    });
  }

  /**
   * Names the image an error is about when the core's message does not: the one slot whose own
   * face search failed with the same code.
   */
  function whichSlot(err, names, fallback) {
    const bad = Object.keys(names).filter((k) => slots[k]?.error && slots[k].error === err?.code);
    if (bad.length === 1) return names[bad[0]];
    return fallback ?? names;
  }

  async function runCompareFlow() {
    const a = slots.a;
    const b = slots.b;
    await running($("compare-run"), "Comparing…", async () => {
      const t0 = performance.now();
      try {
        const match = await state.vf.compare(a.source, b.source);
        results.show({
          flow: "compare", match, live: null, pageMs: performance.now() - t0,
          sources: [{ bitmap: a.bitmap, label: "Photo A" }, { bitmap: b.bitmap, label: "Photo B" }],
          order: [{ bitmap: a.bitmap, label: "Photo A" }, { bitmap: b.bitmap, label: "Photo B" }],
          formats: async (format) => ({ body: await state.vf.compare(a.source, b.source, { format }) }),
        });
      } catch (err) {
        showError(err, "Comparing", whichSlot(err, { a: "photo A", b: "photo B" }));
      }
    });
  }

  async function runLivenessFlow() {
    await running($("liveness-run"), "Checking…", async () => {
      if (!hasLiveness(state.vf)) {
        showError({ code: "LIVENESS_UNAVAILABLE", message: "this build of the package has no liveness() yet" }, "Checking liveness");
        return;
      }
      const b = await camera.burst();
      showBurst($("liveness-burst"), b);
      if (!b) return;
      const t0 = performance.now();
      try {
        const live = await state.vf.liveness(b.frames);
        results.show({
          flow: "liveness", match: null, live, pageMs: performance.now() - t0, capture: b,
          sources: b.bitmaps.map((bm, i) => ({ bitmap: bm, label: `Frame ${i + 1}`, frame: i })),
          formats: async (format) => ({ body: await state.vf.liveness(b.frames, { format }) }),
        });
      } catch (err) {
        showError(err, "Checking liveness");
      }
    });
  }

  return { selectFlow, wireSlot, takeSelfie, snap, modelsReady, updateButtons, runIdFlow, runCompareFlow, runLivenessFlow };
}
