// The checks <veriface-id-capture> makes on a picture of an ID, and the live loop that makes them
// on the camera. A picture is accepted only when the detector finds the portrait, large enough
// to match, and the card is sharp with no glare over the portrait (card-quality.js has the two
// measures and their thresholds): a blurred or washed-out portrait is what would spoil the face
// match later. The same checks run on a file and on each look at the camera. They are kept apart
// from the element, which only decides when they run and what happens with the verdict.

import { GLARE_MAX, SHARPNESS_MIN, around, glare, sharpness } from "./card-quality.js";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The smallest portrait (face box width, in pixels of the picture) worth matching. */
export const PORTRAIT_MIN_PX = 40;

/** The checks' words: what is wrong and what to do. */
export const PROBLEMS = {
  PORTRAIT_NOT_FOUND: ["We couldn't find the photo of your face on the ID.", "Use the side of the ID with your photo, fill the frame with it, and avoid shadows."],
  PORTRAIT_TOO_SMALL: ["The photo on the ID is too small to check.", "Move the camera closer, or use a larger picture of the ID."],
  CARD_BLURRY: ["The picture is blurry.", "Hold the camera steady, let it focus, and make sure there's enough light."],
  GLARE_ON_PORTRAIT: ["There's glare on the photo of your face.", "Tilt the ID or move away from direct light."],
};
const LIVE_PROMPTS = {
  PORTRAIT_NOT_FOUND: "Fit the front of your ID in the frame",
  PORTRAIT_TOO_SMALL: "Move the ID closer",
  CARD_BLURRY: "Hold still: the picture is blurry",
  GLARE_ON_PORTRAIT: "Tilt the ID to remove the glare",
  HOLD: "Hold still…",
};

/** The three checks on `source` (its card in `region`): portrait found and large enough, sharp, no glare over the portrait. */
export async function assess(vf, detectSource, pixelsSource, region) {
  const found = await vf.detect(detectSource);
  const faces = found.faces ?? [];
  const portrait = faces.reduce((a, b) => (!a || b.box.x2 - b.box.x1 > a.box.x2 - a.box.x1 ? b : a), null);
  const width = portrait ? portrait.box.x2 - portrait.box.x1 : 0;
  const checks = [
    { code: "PORTRAIT_NOT_FOUND", value: faces.length, threshold: 1, passed: faces.length >= 1 },
  ];
  if (portrait) {
    checks.push({ code: "PORTRAIT_TOO_SMALL", value: width, threshold: PORTRAIT_MIN_PX, passed: width >= PORTRAIT_MIN_PX });
  }
  const sharp = sharpness(pixelsSource, region);
  checks.push({ code: "CARD_BLURRY", value: sharp, threshold: SHARPNESS_MIN, passed: sharp >= SHARPNESS_MIN });
  if (portrait) {
    const g = glare(pixelsSource, around(portrait.box, 0.1, found.image_width, found.image_height));
    checks.push({ code: "GLARE_ON_PORTRAIT", value: g, threshold: GLARE_MAX, passed: g <= GLARE_MAX });
  }
  return { checks, detect: found, portrait, passed: checks.every((c) => c.passed) };
}

/**
 * The live checks: the card in the guide of `video` (cut out by `view`, an IdCaptureView) is
 * checked about four times a second, with the first problem as the prompt, until every check
 * has held for `holdMs()` or `shutter()` says the person pressed "Take photo now". Resolves
 * `{ card, verdict }` (the canvas to keep and its checks), `{ error }` after ten looks in a row
 * have thrown, or null as soon as `live()` turns false. A look that throws is tried again. `onCode(code, verdict)` is told every look's first
 * failed check (HOLD when none failed).
 */
/** Looks in a row that may fail before the camera gives up (as the selfie's guidance does). */
const MAX_FAILED_LOOKS = 10;

export async function watchCard(vf, video, view, { live, holdMs, shutter, onCode }) {
  let goodSince = null;
  let failures = 0;
  while (live()) {
    const t0 = performance.now();
    if (video.readyState < 2 || !video.videoWidth) {
      await sleep(100);
      continue;
    }
    const card = view.grab(video);
    let verdict;
    try {
      verdict = await assess(vf, card, card, { x: 0, y: 0, width: card.width, height: card.height });
      failures = 0;
    } catch (error) {
      if (!live()) return null;
      // One failed look is tried again; ten in a row (the library is gone, say) end the camera
      // with the error rather than a silent loop.
      if (++failures >= MAX_FAILED_LOOKS) return { error };
      await sleep(200);
      continue;
    }
    if (!live()) return null;
    const now = performance.now();
    const first = verdict.checks.find((c) => !c.passed);
    if (!first) goodSince ??= now;
    else goodSince = null;
    view.ready(!first);
    view.prompt(LIVE_PROMPTS[first?.code ?? "HOLD"]);
    onCode(first?.code ?? "HOLD", verdict);
    if ((goodSince !== null && now - goodSince >= holdMs()) || shutter()) return { card, verdict };
    await sleep(Math.max(0, 250 - (performance.now() - t0)));
  }
  return null;
}
