// Words and small maths for the demo page: codes as labels for the developer tables, errors in
// plain words (the package's own sentences), the face alignment drawn for the crops, numbers.
import { describeCaptureError } from "./veriface/js/elements/index.js";

/** `{ text, code, detail }` for anything thrown: `text` for people, the rest for developers. */
export function describeError(err) {
  return describeCaptureError(err);
}

/** Codes as labels for the developer tables. */
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
  NOT_SAME_PERSON: "The same person throughout",
  BAD_SIGNATURE: "Signed by the server's key",
  CHALLENGE_EXPIRED: "Not expired",
  NONCE_REUSED: "Used once",
  WRONG_CHALLENGE: "Answers this challenge",
  BAD_TIMING: "Frame times plausible",
  ACTION_NOT_DONE: "Every action done in order, in time",
  NO_3D_MOTION: "Head turns move in 3-D",
  PORTRAIT_NOT_FOUND: "Portrait found",
  PORTRAIT_TOO_SMALL: "Portrait large enough (px)",
  CARD_BLURRY: "Sharp (Laplacian variance)",
  GLARE_ON_PORTRAIT: "No glare on the portrait (clipped share)",
};

export function checkLabel(code) {
  if (LABELS[code]) return LABELS[code];
  const words = String(code).toLowerCase().replace(/_/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** What each challenge action is called in the tables. */
export const ACTION_LABELS = { turn_left: "Turn to their left", turn_right: "Turn to their right", blink: "Blink", come_closer: "Come closer" };

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

/** A fresh id for one run of a flow: the transaction id every vendor tab shows. */
export function newRunId() {
  if (typeof crypto?.randomUUID === "function") return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
