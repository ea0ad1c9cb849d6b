// Types of `veriface/elements`: the capture elements (declared with the rest of the package).
export { VerifaceSelfieElement, VerifaceIdCaptureElement, readImageFile } from "../index.js";
export type { SelfieResultDetail, IdCaptureResultDetail, CaptureProgressDetail, CaptureErrorDetail, CaptureReason } from "../index.js";
