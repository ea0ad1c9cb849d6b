// What the capture elements (and the demo page) tell people, in plain words: the live guidance,
// the challenge prompts, why a capture failed and what to do next, and errors. Codes stay in
// the events and data attributes for developers; people read only these sentences.
//
// "Left" and "right" are always the person's own: with the mirrored camera view they see
// themselves as in a mirror, where turning to their left moves the head towards the screen's left.

/** The guidance pass's codes (and the element's own OUT_OF_OVAL, LOOK_STRAIGHT) as prompts. */
export const GUIDANCE = Object.freeze({
  FACE_NOT_FOUND: "Put your face in the oval",
  TOO_MANY_FACES: "Make sure only your face is in view",
  FACE_CROPPED: "Move your face into the oval",
  FACE_CLOSE_TO_BORDER: "Move your face into the oval",
  OUT_OF_OVAL: "Move your face into the oval",
  FACE_TOO_SMALL: "Move closer",
  FACE_TOO_CLOSE: "Move back a little",
  FACE_ANGLE_TOO_LARGE: "Look straight at the camera",
  LOOK_STRAIGHT: "Look straight at the camera",
  EYES_CLOSED: "Keep your eyes open",
  FACE_IS_OCCLUDED: "Uncover your face: no mask, hand or sunglasses",
  FACE_NOT_LIVE: "Look straight at the camera in good light",
  HOLD: "Hold still…",
});

/** The order in which problems are worth fixing: the first failed one is the prompt. */
const GUIDANCE_ORDER = [
  "FACE_NOT_FOUND", "TOO_MANY_FACES", "FACE_CROPPED", "FACE_CLOSE_TO_BORDER", "OUT_OF_OVAL",
  "FACE_TOO_SMALL", "FACE_TOO_CLOSE", "FACE_ANGLE_TOO_LARGE", "LOOK_STRAIGHT", "EYES_CLOSED",
  "FACE_IS_OCCLUDED", "FACE_NOT_LIVE",
];

/**
 * The prompt for a set of failed check codes: `{ code, text }`, code "HOLD" when none failed.
 * @param {Iterable<string>} failed
 */
export function guidance(failed) {
  const set = new Set(failed);
  for (const code of GUIDANCE_ORDER) if (set.has(code)) return { code, text: GUIDANCE[code] };
  const other = [...set][0];
  if (other) return { code: other, text: "Look straight at the camera" };
  return { code: "HOLD", text: GUIDANCE.HOLD };
}

/** What to ask for each challenge action (the person's own left and right). */
export const ACTIONS = Object.freeze({
  turn_left: { prompt: "Turn your head to your left, then back", missed: "We couldn't see you turn your head to your left.", tip: "Turn your head slowly to your left, as far as is comfortable, then look back at the camera." },
  turn_right: { prompt: "Turn your head to your right, then back", missed: "We couldn't see you turn your head to your right.", tip: "Turn your head slowly to your right, as far as is comfortable, then look back at the camera." },
  blink: { prompt: "Blink", missed: "We couldn't see you blink.", tip: "Blink once, normally, while looking at the camera." },
  come_closer: { prompt: "Bring your face closer to the camera", missed: "We couldn't see you bring your face closer.", tip: "Move your face towards the camera until it fills the oval." },
});

/**
 * Why a challenge failed and what to do, from its result (ChallengeResult):
 * `{ code, text, tip }`, or null when it passed.
 */
export function challengeFailure(result) {
  if (!result || result.passed) return null;
  const codes = result.failed_codes ?? [];
  const missed = (result.steps ?? []).find((s) => !s.done);
  if (codes.includes("ACTION_NOT_DONE") && missed) {
    const a = ACTIONS[missed.action] ?? { missed: "We couldn't see you do what was asked.", tip: "Follow each prompt as it appears." };
    return { code: "ACTION_NOT_DONE", text: a.missed, tip: a.tip };
  }
  const first = codes[0] ?? "ACTION_NOT_DONE";
  const words = {
    NO_3D_MOTION: ["It looked like a picture being moved, not a head turning.", "Keep the camera still and turn your own head."],
    FACE_NOT_FOUND: ["We lost sight of your face.", "Keep your whole face in the oval the whole time, in good light."],
    NOT_SAME_PERSON: ["We saw more than one person.", "Make sure only you are in view."],
    FACE_NOT_LIVE: ["We couldn't confirm that a live person was in front of the camera.", "Use good, even light, remove anything covering your face, and look straight at the camera."],
    BAD_TIMING: ["The camera didn't keep up.", "Close other apps that use the camera or a lot of power, then try again."],
    CHALLENGE_EXPIRED: ["That took too long.", "Start again and follow the prompts as they appear."],
    NONCE_REUSED: ["This check was already used.", "Start again."],
    WRONG_CHALLENGE: ["Something went wrong on our side.", "Start again."],
    BAD_SIGNATURE: ["Something went wrong on our side.", "Start again."],
    ACTION_NOT_DONE: ["We couldn't see you do what was asked.", "Follow each prompt as it appears."],
  }[first] ?? ["We couldn't complete the check.", "Try again."];
  return { code: first, text: words[0], tip: words[1] };
}

/** The verdict on a face match in words: `{ text, tip }`. */
export function matchWords(match) {
  if (!match) return null;
  return match.is_match
    ? { text: "Your selfie matches the photo on your ID.", tip: "" }
    : { text: "Your selfie doesn't match the photo on your ID.", tip: "Check that you used your own ID, with the photo clear and free of glare, then try again." };
}

/**
 * A sentence that says what a match score means (the README's "What the score means"): the
 * score is calibrated so that 0.7 is where 1 in 1,000 comparisons of different people pass.
 */
export function scoreSentence(match) {
  if (!match || typeof match.score !== "number") return "";
  const s = match.score.toFixed(3);
  const t = match.threshold.toFixed(2);
  const why = "Scores pile up near 1 for two photos of the same person and near 0 for different people, so most results are close to one or the other.";
  return match.is_match
    ? `Match score ${s}, at or above the ${t} needed to count as the same person (at ${t}, about 1 in 1,000 pairs of different people would pass). ${why}`
    : `Match score ${s}, below the ${t} needed to count as the same person (at ${t}, about 1 in 1,000 pairs of different people would pass). ${why}`;
}

/** Errors (the library's codes and the elements' camera codes) in plain words. */
const ERRORS = {
  EMPTY_INPUT: "The file is empty.",
  NOT_BASE64: "That is not an image file.",
  UNSUPPORTED_FORMAT: "This browser can't open that file as a picture. Use a photo (JPEG, PNG, WebP, GIF…).",
  CORRUPT_IMAGE: "The picture is damaged and can't be read. Use another photo.",
  IMAGE_TOO_LARGE: "The picture is too large. Use a smaller photo.",
  BAD_FRAME: "The camera picture couldn't be read. Try again.",
  NO_FACE: "We couldn't find a face. Use a sharp, well-lit photo that shows the whole face.",
  MULTIPLE_FACES: "There is more than one face. Use a photo of one person.",
  TAINTED_IMAGE: "The browser doesn't allow reading that picture.",
  CAPTURE_FAILED: "The camera stopped sending pictures. Keep this page open and in front, then try again.",
  MODEL_FETCH_FAILED: "The face check couldn't be downloaded. Check your connection and try again.",
  MODEL_HASH_MISMATCH: "The face check didn't download correctly. Reload the page.",
  WORKER_FAILED: "This browser couldn't start the face check.",
  INFERENCE_FAILED: "The face check failed on this picture. Try another one.",
  VERIFIER_CLOSED: "The face check was closed. Reload the page.",
  BAD_PARAMETER: "Something went wrong on this page. Reload it and try again.",
  UNKNOWN_MODEL: "Something went wrong on this page. Reload it and try again.",
  CAMERA_DENIED: "Camera access is blocked. Allow the camera for this site in your browser's settings, then try again.",
  CAMERA_NOT_FOUND: "We couldn't find a camera. Connect one, or use a device with a camera.",
  CAMERA_BUSY: "Your camera is in use by another app. Close that app, then try again.",
  CAMERA_UNAVAILABLE: "This page can't use the camera: it needs a secure (https) connection.",
  CAMERA_FAILED: "The camera couldn't be started. Try again.",
  CAMERA_STOPPED: "The camera stopped because this page was hidden. Start again when you're ready.",
};

/**
 * `{ code, text, detail }` for anything thrown: `text` is for people, `detail` (the library's
 * message) for developers.
 */
export function describeError(err) {
  const code = typeof err?.code === "string" ? err.code : "UNEXPECTED";
  const detail = typeof err?.message === "string" ? err.message : String(err);
  return { code, text: ERRORS[code] ?? "Something went wrong. Try again.", detail };
}

/** A getUserMedia failure as an element error code. */
export function cameraErrorCode(err) {
  return {
    NotAllowedError: "CAMERA_DENIED", SecurityError: "CAMERA_DENIED", NotFoundError: "CAMERA_NOT_FOUND",
    OverconstrainedError: "CAMERA_NOT_FOUND", NotReadableError: "CAMERA_BUSY", AbortError: "CAMERA_BUSY",
  }[err?.name] ?? "CAMERA_FAILED";
}
