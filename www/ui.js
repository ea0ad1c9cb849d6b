// Words and small maths for the demo page: error codes and quality codes in plain language, why a
// result is not live, the face alignment drawn for the crops, number formatting.

/** Error codes (the package's and the page's own) in plain words. `who` names the image. */
const ERRORS = {
  EMPTY_INPUT: (who) => `${who} is empty.`,
  NOT_BASE64: (who) => `${who} is not an image file.`,
  UNSUPPORTED_FORMAT: (who) => `${who} is not a JPEG or PNG image.`,
  CORRUPT_IMAGE: (who) => `${who} is damaged and could not be read.`,
  IMAGE_TOO_LARGE: (who) => `${who} is too large (at most 40 megapixels, 20 MB, 12,000 pixels a side).`,
  BAD_FRAME: (who) => `${who} could not be read from the camera.`,
  NO_FACE: (who) => `No face was found in ${who}. Use a sharp, well-lit photo that shows the whole face.`,
  MULTIPLE_FACES: (who) => `There is more than one face in ${who}. Use a photo of one person.`,
  BAD_PARAMETER: () => "The page passed a value the library does not accept.",
  MODEL_HASH_MISMATCH: () => "A model file is damaged or not the expected version. Reload the page.",
  UNKNOWN_MODEL: () => "The page asked for a model the library does not have.",
  INFERENCE_FAILED: () => "The face models failed to run on this image.",
  MODEL_FETCH_FAILED: () => "The face models could not be downloaded. Check the connection and reload the page.",
  TAINTED_IMAGE: (who) => `The browser does not allow reading ${who}.`,
  CAPTURE_FAILED: () => "The camera did not deliver frames. Check that the camera is not used by another app and that this tab is visible.",
  WORKER_FAILED: () => "The background worker could not start in this browser.",
  VERIFIER_CLOSED: () => "The verifier was closed. Reload the page.",
  CAMERA_DENIED: () => "The camera was not allowed. Allow it in the browser's site settings and try again.",
  CAMERA_NOT_FOUND: () => "No camera was found.",
  CAMERA_BUSY: () => "The camera is in use by another app, or could not be started.",
  CAMERA_UNAVAILABLE: () => "This page cannot use the camera here (it needs https or localhost).",
  CAMERA_FAILED: () => "The camera could not be started.",
  LIVENESS_UNAVAILABLE: () => "Liveness is not available in this build of the library.",
};

/**
 * `{ text, code, detail }` for anything thrown. `names` is a string (the image concerned) or
 * `{ a, b }` to name the image a message mentions (`a`/`b` in the core's messages).
 */
export function describeError(err, names) {
  const code = typeof err?.code === "string" ? err.code : "UNEXPECTED";
  const detail = typeof err?.message === "string" ? err.message : String(err);
  let who = "the image";
  if (typeof names === "string") who = names;
  else if (names) {
    // The core names the image: "the first image", "the second image", "`a`", "`b`".
    const first = /\bfirst image\b|`a`|\bimage a\b/.test(detail);
    const second = /\bsecond image\b|`b`|\bimage b\b/.test(detail);
    who = first && !second ? names.a : second && !first ? names.b : `${names.a} or ${names.b}`;
  }
  const make = ERRORS[code];
  const text = make ? make(who).replace(/^./, (c) => c.toUpperCase()) : "Something unexpected went wrong.";
  return { text, code, detail };
}

/** The quality codes as labels for the checks table. */
const LABELS = {
  FACE_NOT_FOUND: "Face found",
  TOO_MANY_FACES: "Only one face",
  FACE_TOO_SMALL: "Face large enough",
  FACE_TOO_CLOSE: "Face not too close",
  FACE_CLOSE_TO_BORDER: "Face away from the edge",
  FACE_CROPPED: "Face fully in the frame",
  FACE_ANGLE_TOO_LARGE: "Facing the camera",
  EYES_CLOSED: "Eyes open",
  FACE_IS_OCCLUDED: "Face uncovered",
  FACE_NOT_LIVE: "Looks live (anti-spoofing model)",
  NOT_SAME_PERSON: "The same person in every frame",
  REPLAYED_STILL: "The frames differ (not one still picture)",
  PLANAR_MOTION_ONLY: "Motion of a 3-D head, not a flat picture",
  SCREEN_TEXTURE: "No screen pattern (moiré) on the skin",
};

/** Why a check failed, in a few words, for the verdict's explanation. */
const REASONS = {
  FACE_NOT_FOUND: "no face in a frame",
  TOO_MANY_FACES: "more than one face",
  FACE_TOO_SMALL: "the face is too far away",
  FACE_TOO_CLOSE: "the face is too close",
  FACE_CLOSE_TO_BORDER: "the face is near the edge",
  FACE_CROPPED: "the face is cut off by the edge",
  FACE_ANGLE_TOO_LARGE: "the head is turned",
  EYES_CLOSED: "the eyes are closed",
  FACE_IS_OCCLUDED: "the face is covered",
  FACE_NOT_LIVE: "the anti-spoofing model does not see a live face",
  NOT_SAME_PERSON: "the frames show different people",
  REPLAYED_STILL: "the frames are one still picture",
  PLANAR_MOTION_ONLY: "the face moves like a flat picture",
  SCREEN_TEXTURE: "the skin shows a screen's pixel pattern",
};

export function reason(code) {
  return REASONS[code] ?? checkLabel(code).toLowerCase();
}

export function checkLabel(code) {
  if (LABELS[code]) return LABELS[code];
  const words = String(code).toLowerCase().replace(/_/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Guidance for a failed quality check, in order of what to fix first. */
const GUIDANCE = [
  ["FACE_NOT_FOUND", "No face found: look into the camera"],
  ["TOO_MANY_FACES", "More than one face: only you in the picture, please"],
  ["FACE_CROPPED", "Centre your face in the frame"],
  ["FACE_CLOSE_TO_BORDER", "Centre your face in the frame"],
  ["FACE_TOO_SMALL", "Move closer"],
  ["FACE_TOO_CLOSE", "Move back a little"],
  ["FACE_ANGLE_TOO_LARGE", "Face the camera"],
  ["EYES_CLOSED", "Open your eyes"],
  ["FACE_IS_OCCLUDED", "Uncover your face"],
  ["FACE_NOT_LIVE", "This does not look like a live face"],
];

export function guidanceFor(checks, ready = "Good: hold still and take the selfie") {
  const failed = new Set((checks ?? []).filter((c) => c.passed === false).map((c) => c.code));
  for (const [code, text] of GUIDANCE) if (failed.has(code)) return { code, text };
  const other = [...failed][0];
  if (other) return { code: other, text: checkLabel(other) };
  return { code: "OK", text: ready };
}

/** ArcFace's five-point template on a 112 x 112 crop (eyes, nose, mouth corners). */
const TEMPLATE = [
  [38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366], [41.5493, 92.3655], [70.7299, 92.2041],
];

/**
 * The least-squares similarity (scale, rotation, shift) taking the five landmarks onto the
 * template scaled to `size` px, as `[a, b, tx, ty]`: x' = a x - b y + tx, y' = b x + a y + ty
 * (canvas: setTransform(a, b, -b, a, tx, ty)).
 */
export function alignTransform(landmarks, size) {
  const k = size / 112;
  const dst = TEMPLATE.map(([x, y]) => [x * k, y * k]);
  const src = landmarks.slice(0, 5);
  const n = src.length;
  const mean = (pts) => pts.reduce(([sx, sy], [x, y]) => [sx + x / n, sy + y / n], [0, 0]);
  const [sx, sy] = mean(src);
  const [dx, dy] = mean(dst);
  let num1 = 0;
  let num2 = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    const x = src[i][0] - sx;
    const y = src[i][1] - sy;
    const u = dst[i][0] - dx;
    const v = dst[i][1] - dy;
    num1 += x * u + y * v;
    num2 += x * v - y * u;
    den += x * x + y * y;
  }
  const a = den ? num1 / den : 1;
  const b = den ? num2 / den : 0;
  return [a, b, dx - (a * sx - b * sy), dy - (b * sx + a * sy)];
}

export function fmt(v, digits = 3) {
  if (v === null || v === undefined) return "–";
  if (typeof v === "boolean") return v ? "yes" : "no";
  if (typeof v !== "number") return String(v);
  if (!Number.isFinite(v)) return String(v);
  return Number.isInteger(v) ? String(v) : v.toFixed(digits);
}

export function fmtMs(ms, unit = true) {
  if (typeof ms !== "number" || !Number.isFinite(ms)) return "–";
  const text = ms >= 100 ? String(Math.round(ms)) : ms.toFixed(1);
  return unit ? `${text} ms` : text;
}

export const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** The failed checks the decision used, in words. */
export function whyNotLive(live) {
  const reasons = [];
  const addCode = (code) => {
    const text = `${reason(code)} (${code})`;
    if (!reasons.includes(text)) reasons.push(text);
  };
  for (const f of live.frames ?? []) for (const c of f.checks ?? []) if (c.passed === false) addCode(c.code);
  for (const c of live.sequence ?? []) if (c.passed === false && c.decisive) addCode(c.code);
  if (typeof live.live_mean === "number") {
    const t = liveThreshold(live);
    if (t !== null && live.live_mean < t) addCode("FACE_NOT_LIVE");
  }
  const kind = live.presentation_attack ? "Looks like a presentation attack" : "Not live";
  return reasons.length ? `${kind}: ${reasons.join("; ")}.` : `${kind}.`;
}

/** The anti-spoofing threshold the frames were held to, or null. */
export function liveThreshold(live) {
  for (const f of live.frames ?? []) {
    const c = (f.checks ?? []).find((x) => x.code === "FACE_NOT_LIVE");
    if (c && typeof c.threshold === "number") return c.threshold;
  }
  return null;
}
