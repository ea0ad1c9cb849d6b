// What a finished selfie challenge amounts to: the frame to keep as the selfie, the match against
// the ID photo when the page gave one, and, when the attempt failed, why in words. This is the
// `result` event's detail of <veriface-selfie>; it is worked out here, apart from the element,
// because it depends only on the library's answers, not on anything on screen.

import { base64Blob } from "./media.js";
import { challengeFailure, describeError, matchWords } from "./words.js";

/** The frame of a challenge record to keep: the most frontal one with the eyes most open. */
export function bestFrame(result, record) {
  const n = record.frames.length;
  const seen = (result.frames ?? []).slice(0, n);
  const frontal = seen.map((f, i) => ({ f, i })).filter(({ f }) => f.face && typeof f.yaw === "number" && Math.abs(f.yaw) <= 12);
  if (frontal.length) {
    frontal.sort((a, b) => (b.f.eyes_open ?? 0) - (a.f.eyes_open ?? 0) || Math.abs(a.f.yaw) - Math.abs(b.f.yaw));
    return frontal[0].i;
  }
  let best = 0;
  seen.forEach((f, i) => {
    if (f.face && Math.abs(f.yaw ?? 99) < Math.abs(seen[best]?.yaw ?? 99)) best = i;
  });
  return best;
}

/**
 * The `result` detail for a challenge run (`{ record, result }` from `vf.runChallenge`): the kept
 * frame as a JPEG `image`, and, only when the challenge passed and there is an `idFront`, its
 * comparison with the ID photo (a failed comparison is a reason, never a thrown error).
 */
export async function selfieOutcome(vf, challenge, { record, result }, idFront) {
  const index = bestFrame(result, record);
  const image = base64Blob(record.frames[index]?.image ?? "");
  let idMatch = null;
  let idError = null;
  if (idFront && result.passed) {
    try {
      idMatch = await vf.compare(image, idFront, { facePolicy: "largest" });
    } catch (err) {
      idError = err;
    }
  }
  const failure = challengeFailure(result);
  let reason = failure;
  if (!reason && idError) reason = { code: idError.code ?? "UNEXPECTED", text: describeError(idError).text, tip: "Check the ID photo, then try again." };
  if (!reason && idMatch && !idMatch.is_match) reason = { code: "ID_MISMATCH", ...matchWords(idMatch) };
  const passed = !reason;
  return {
    passed, reason, challenge, record, result, idMatch, idError: idError ? describeError(idError) : null,
    image, frameIndex: index,
  };
}
