// The capture elements: <veriface-selfie> and <veriface-id-capture> (each module defines its
// element when imported), and the helpers they are built on that pages may reuse.
export { VerifaceSelfieElement } from "./selfie.js";
export { VerifaceIdCaptureElement, PORTRAIT_MIN_PX } from "./id-capture.js";
export { FILE_LIMITS, readImageFile } from "./media.js";
export { GLARE_MAX, SHARPNESS_MIN, glare, sharpness } from "./card-quality.js";
export { challengeFailure, describeError as describeCaptureError, guidance, scoreSentence } from "./words.js";
