// Types for the veriface browser package. The result types mirror the Rust structs in
// src/report.rs field for field (snake_case, as serialised); tests/browser checks real results
// against them.

/** Anything `compare` and `detect` accept as an image. */
export type ImageSource =
  | string // base64, or a data: URL, of a JPEG or PNG file
  | Uint8Array
  | ArrayBuffer
  | ArrayBufferView
  | Blob // includes File
  | ImageData
  | { width: number; height: number; data: Uint8Array | Uint8ClampedArray } // RGBA pixels
  | HTMLImageElement
  | HTMLCanvasElement
  | HTMLVideoElement // its current frame
  | ImageBitmap
  | OffscreenCanvas
  | VideoFrame;

export interface ModelFile {
  id: string;
  file: string;
  sha256: string;
  bytes: number;
}

export interface LoadProgress {
  /** "download" and "cache" per chunk; "initialise" when the models are being optimised; "ready" at the end. */
  phase: "download" | "cache" | "initialise" | "ready";
  /** The file the bytes belong to, or null for the last two phases. */
  file: string | null;
  /** Bytes loaded so far, over all files. */
  loaded: number;
  /** Bytes to load in all (the wasm module, the detector and the embedder). */
  total: number;
}

export interface LoadOptions {
  /** Folder the models are served from; default: the copies in the package. */
  modelsUrl?: string | URL;
  /**
   * URL of veriface_bg.wasm (the +simd128 module); default: the copy in the package. Given
   * without `wasmRelaxedUrl`, "auto" loads this module in every browser.
   */
  wasmUrl?: string | URL;
  /** URL of veriface_relaxed_bg.wasm (the relaxed-SIMD module); default: the copy in the package. */
  wasmRelaxedUrl?: string | URL;
  /**
   * Which build of the wasm module to run. "auto" (the default): the relaxed-SIMD module
   * (fused multiply-add, faster on the large models) where the browser has relaxed SIMD
   * (Chrome 114+, Firefox 146+), else the +simd128 one. "simd128" forces the module every
   * SIMD browser runs, whose scores do not depend on the CPU: relaxed_madd rounds once where the
   * CPU has FMA and twice where it has not. "relaxed" forces the other, and fails with
   * BAD_PARAMETER where the browser lacks relaxed SIMD. `info.simd` says which one loaded.
   */
  simd?: "auto" | "relaxed" | "simd128";
  /** Embedder or fusion id from the manifest, e.g. "faceplugin-fr-512" (one 4.8 MB file) or
   * "fused-fr512-dlib" (a fusion: every member's file is fetched and runs); default
   * "fused-fr512-dlib-fp16", the most accurate (README, "Accuracy and speed"). */
  embedder?: string;
  /** Called as bytes arrive. */
  onProgress?: (progress: LoadProgress) => void;
  /** Run the pipeline in a Web Worker (default true) or on the main thread (false). */
  worker?: boolean;
  /** Keep the files in the Cache API (default true). */
  cache?: boolean;
  /** A model manifest replacing the built-in one (bring your own calibrated model). */
  manifest?: object;
  /** Also load the anti-spoofing, eye-state and iris models (4.6 MB) for `quality`, `liveness` and `checkLiveness` (default true). */
  liveness?: boolean;
  /** Also load the face mesh (2.4 MB) for the head turns of `runChallenge` (default: as `liveness`). */
  challenge?: boolean;
}

export interface LoadInfo {
  /** The wasm module loaded: "relaxed" (veriface_relaxed_bg.wasm) or "simd128" (veriface_bg.wasm). */
  simd: "relaxed" | "simd128";
  models: { detector: string; embedder: string; liveness: string | null; eye: string | null; iris: string | null; mesh: string | null };
  bytes: { wasm: number; detector: number; embedder: number; liveness: number; eye: number; iris: number; mesh: number };
  fromCache: { wasm: boolean; detector: boolean; embedder: boolean; liveness: boolean; eye: boolean; iris: boolean; mesh: boolean };
  timings: { fetch_and_compile_ms: number; wasm_compile_ms: number; model_init_ms: number; total_ms: number };
}

export interface CompareOptions {
  /** Decision threshold on the calibrated score, 0..1; default 0.7 (FAR 1e-3 on LFW). */
  threshold?: number;
  /** How to pick the face in each image: exactly one prominent face (default), the largest, or the most central. */
  facePolicy?: FacePolicy;
  /** Also run the single-frame liveness checks on the first image's (largest) face: OpenCV FR's `check_liveness`. */
  checkLiveness?: boolean;
}

/** How a face is chosen among several: exactly one prominent face, the largest, or the most central. */
export type FacePolicy = "single" | "largest" | "central";

export type VendorFormat = "vlens" | "valify" | "deepvue" | "opencv" | "veriface";

/**
 * A vendor's response body, as that vendor's API sends it (success or error); the JSON Schemas in
 * the repository's schemas/ folder describe each exactly.
 */
export type VendorBody = Record<string, unknown>;

/** What `handle` returns: the HTTP status the vendor would send, and its body. */
export interface VendorResponse {
  status: number;
  body: VendorBody;
}

/** Digests of what a result was computed from, for `veriface verify-evidence` on a server. */
export interface Evidence {
  /** SHA-256 of each input: the file's bytes (after base64 decoding) or the RGBA pixels. */
  inputs: [string, string];
  /** SHA-256 of each aligned face crop (RGB). Differs in the last bits between wasm and native. */
  crops: [string, string];
  models: { detector: string; embedder: string };
  face_policy: FacePolicy;
}

export interface Box {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

export interface FaceReport {
  box: Box;
  detector_score: number;
  /** Left eye, right eye, nose tip, left and right mouth corner ("left" as seen in the image), in pixels. */
  landmarks: [number, number][];
  image_width: number;
  image_height: number;
}

export interface Timings {
  decode_ms: number;
  detect_ms: number;
  align_ms: number;
  embed_ms: number;
  /** Eye state, anti-spoofing and texture checks past detection; 0 when none ran. */
  liveness_ms: number;
  total_ms: number;
}

export interface CompareResult {
  is_match: boolean;
  /** Calibrated score in 0..1: 0.7 is FAR 1e-3 on LFW. */
  score: number;
  /** 1 - score. */
  dissimilarity: number;
  threshold: number;
  /** The raw similarity of the two embeddings (cosine, or minus the euclidean distance). */
  similarity: number;
  metric: "cosine" | "euclidean";
  face_a: FaceReport;
  face_b: FaceReport;
  models: { detector: string; embedder: string };
  timings: Timings;
  evidence: Evidence;
  /** With `checkLiveness`: the single-frame checks on the first image. */
  liveness?: FrameReport;
}

/** The OpenCV FR liveness codes veriface reports per frame. */
export type QualityCode =
  | "FACE_NOT_FOUND"
  | "TOO_MANY_FACES"
  | "FACE_TOO_SMALL"
  | "FACE_TOO_CLOSE"
  | "FACE_CLOSE_TO_BORDER"
  | "FACE_CROPPED"
  | "FACE_ANGLE_TOO_LARGE"
  | "EYES_CLOSED"
  | "FACE_IS_OCCLUDED"
  | "FACE_NOT_LIVE";

/** One check: the measured value, the limit it is held to, the verdict. docs/liveness.md gives each unit. */
export interface QualityCheck {
  code: QualityCode;
  value: number;
  threshold: number;
  passed: boolean;
}

/** Everything one frame says on its own. */
export interface FrameReport {
  image_width: number;
  image_height: number;
  /** The subject (largest face), or null. */
  face: FaceReport | null;
  /** Head pose in degrees, from the landmarks. */
  pose: { yaw: number; pitch: number; roll: number } | null;
  /** Probability each eye (left, right as seen) is open; null without the models. */
  eyes_open: [number, number] | null;
  /** Probability of a live face (anti-spoofing model); null without the models. */
  live: number | null;
  /** Share of high-frequency texture energy (screen-replay cue). */
  high_frequency: number | null;
  checks: QualityCheck[];
  passed: boolean;
  timings: Timings;
}

export interface QualityOptions {
  /** Run the eye and anti-spoofing models (default: true when loaded). false: the fast guidance pass. */
  models?: boolean;
  /**
   * With `models: false`: this frame is the next of one camera stream, so the detector looks
   * first around the previous followed frame's face (about a fifth of its work) and searches the
   * whole frame every fifth frame or when it loses the face. Not for unrelated images (default false).
   */
  follow?: boolean;
}

export type SequenceCode = "NOT_SAME_PERSON" | "REPLAYED_STILL" | "PLANAR_MOTION_ONLY" | "SCREEN_TEXTURE";

export interface SequenceCheck {
  code: SequenceCode;
  value: number;
  threshold: number;
  passed: boolean;
  /** Whether the decision uses it (the others are reported only). */
  decisive: boolean;
}

export interface LivenessResult {
  is_live: boolean;
  /** Mean probability of a live face over the frames. */
  live_mean: number;
  /** First to last frame, when timestamps were given. */
  span_ms: number | null;
  frames: FrameReport[];
  sequence: SequenceCheck[];
  /** With `idFront`: the most frontal frame against the ID portrait. */
  id_match: CompareResult | null;
  /** Live and, with an ID front, matching it. */
  verified: boolean;
  /** An anti-spoofing cue failed (not only a capture problem). */
  presentation_attack: boolean;
  decision_rule: string;
  timings: Timings;
}

/** A frame for `liveness`: a captured frame, or any image with its capture time. */
export type LivenessFrame = CapturedFrame | { image: ImageSource; timestamp?: number };

export interface LivenessOptions {
  /** The front of an ID document: the live face must match its portrait. */
  idFront?: ImageSource;
  /** Longest span from the first frame to the last, default 500 ms. */
  maxSpanMs?: number;
}

export interface DetectResult {
  image_width: number;
  image_height: number;
  faces: FaceReport[];
  detector: string;
  timings: Timings;
}

/** One captured frame: usable directly as an ImageSource. */
export interface CapturedFrame {
  width: number;
  height: number;
  data: Uint8ClampedArray;
  /** Capture time in ms, on performance.now()'s clock. */
  timestamp: number;
  timestampSource: "captureTime" | "presentationTime" | "performance.now";
}

export interface CaptureOptions {
  /** Frames to take (1..10), default 3. */
  count?: number;
  /** Longest span from the first to the last frame, default 500 ms. */
  withinMs?: number;
  /** Least time between two frames, default 60% of withinMs spread over the gaps. */
  minGapMs?: number;
  /** Give up after this long, default 5000 ms. */
  timeoutMs?: number;
}

/** An action of an active-liveness challenge ("left" and "right" are the person's own). */
export type ChallengeAction = "turn_left" | "turn_right" | "blink" | "come_closer";

/** A challenge: what to do, by when; signed when a server issued it. */
export interface Challenge {
  version: number;
  nonce: string;
  issued_at: number;
  expires_at: number;
  steps: { action: ChallengeAction; window_ms: number }[];
  signature: string | null;
}

/** What a capture of a challenge produced: the kept frames (base64 JPEG) and what it saw live. */
export interface ChallengeRecord {
  nonce: string;
  started_at: number;
  frames: { t: number; image: string; note: string | null }[];
  events: { t: number; kind: string; step: number | null }[];
}

/** Why a challenge record is refused. */
export type ChallengeCode =
  | "BAD_SIGNATURE"
  | "CHALLENGE_EXPIRED"
  | "NONCE_REUSED"
  | "WRONG_CHALLENGE"
  | "BAD_TIMING"
  | "FACE_NOT_FOUND"
  | "ACTION_NOT_DONE"
  | "NO_3D_MOTION"
  | "NOT_SAME_PERSON"
  | "FACE_NOT_LIVE";

export interface ChallengeStep {
  action: ChallengeAction;
  done: boolean;
  at_ms: number | null;
  /** Indices into the record's frames: before, during, after. */
  frames: number[];
  value: number;
  threshold: number;
  /** For a turn: the 3D evidence (residual of the face mesh after the best affine map, over the eye distance). */
  parallax: number | null;
  reason: string | null;
}

/** The verdict on a record; on a device it is advisory (`signed` false): a server's is the one to trust. */
export interface ChallengeResult {
  passed: boolean;
  nonce: string;
  signed: boolean;
  steps: ChallengeStep[];
  checks: { code: ChallengeCode; passed: boolean; value: number | null; threshold: number | null; detail: string }[];
  frames: { t: number; face: boolean; yaw: number | null; eyes_open: number | null; width: number | null; live: number | null }[];
  live_mean: number;
  failed_codes: ChallengeCode[];
  decision_rule: string;
  timings: Timings;
}

export interface RunChallengeOptions {
  /** Called when an action is prompted, done, or times out. */
  onStep?: (step: { kind: "prompt" | "done" | "timeout"; step: number; of: number; action: ChallengeAction | null; prompt: string | null; t: number }) => void;
  /** Kept frames are downscaled to this width (default 480). */
  maxWidth?: number;
  /** JPEG quality of the kept frames (default 0.85). */
  jpegQuality?: number;
  /** Stops the run (rejects with CAPTURE_FAILED). */
  signal?: AbortSignal;
}

/** What each action is called in the prompts (a page may use its own words). */
export declare const PROMPTS: Readonly<Record<ChallengeAction, string>>;

/** A Vlens liveness/multi request body from the three frames nearest the actions. */
export declare function vlensRequest(record: ChallengeRecord, idFrontBase64?: string): Record<string, string>;

export type ErrorCode =
  | "EMPTY_INPUT"
  | "NOT_BASE64"
  | "UNSUPPORTED_FORMAT"
  | "CORRUPT_IMAGE"
  | "IMAGE_TOO_LARGE"
  | "BAD_FRAME"
  | "NO_FACE"
  | "MULTIPLE_FACES"
  | "BAD_PARAMETER"
  | "MODEL_HASH_MISMATCH"
  | "UNKNOWN_MODEL"
  | "INFERENCE_FAILED"
  | "MODEL_FETCH_FAILED"
  | "TAINTED_IMAGE"
  | "CAPTURE_FAILED"
  | "WORKER_FAILED"
  | "VERIFIER_CLOSED"
  | "ENGINE_CRASHED";

export class VerifaceError extends Error {
  readonly name: "VerifaceError";
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string);
}

export declare const JS_ERROR_CODES: readonly ErrorCode[];

export declare class Veriface {
  /** Fetches (or reads from the Cache API) the wasm module and the models, checks their SHA-256, starts the pipeline. */
  static load(options?: LoadOptions): Promise<Veriface>;
  private constructor();
  readonly info: LoadInfo;
  compare(a: ImageSource, b: ImageSource, options?: CompareOptions & { format?: undefined }): Promise<CompareResult>;
  /**
   * With a format: the vendor's response body, for pipeline errors as well (no face, bad image...),
   * as the vendor's API would answer. It still rejects, with a VerifaceError, on what never reaches
   * the pipeline: bad options, an unreadable element (TAINTED_IMAGE), a closed verifier.
   */
  compare(a: ImageSource, b: ImageSource, options: CompareOptions & { format: VendorFormat }): Promise<VendorBody>;
  /**
   * A compare result already computed, as a vendor's response body, without running the models
   * again; `transactionId` keeps one id across the formats of one result.
   */
  format(result: CompareResult, format: VendorFormat, options?: { transactionId?: string }): Promise<VendorBody>;
  /** The engine's wasm linear memory and (Chromium) its thread's JS heap, in bytes. */
  memory(): Promise<{ wasm_bytes: number | null; js_heap_bytes: number | null }>;
  /**
   * Resolves once every model is optimised. `load()` resolves as soon as the detector and the
   * embedder are ready; the engine then optimises the others (eye state, anti-spoofing, the 640
   * detector pass, the face mesh) while it is idle, one at a time. Calls work at any time (one
   * that needs a model not yet optimised waits for it); await this only to start a liveness step
   * with nothing left to wait for. `prepared_ms` is the time from the end of `load()`.
   */
  prepared(): Promise<{ prepared_ms: number }>;
  /**
   * Answers a vendor request as the vendor's server would. `endpoint`: its path or URL;
   * `body`: the request body (object, JSON string, or Deepvue's FormData).
   */
  handle(endpoint: string, body: object | string | FormData): Promise<VendorResponse>;
  detect(image: ImageSource): Promise<DetectResult>;
  /** The single-frame checks on one image; `{ models: false }` is the fast pass for live guidance. */
  quality(image: ImageSource, options?: QualityOptions): Promise<FrameReport>;
  /** Liveness of 2 to 5 frames captured within `maxSpanMs`; with `idFront`, the ID match too. */
  liveness(frames: LivenessFrame[], options?: LivenessOptions & { format?: undefined }): Promise<LivenessResult>;
  /** With a format: that vendor's body (Vlens liveness/multi; the others answer as their compare with the ID front). */
  liveness(frames: LivenessFrame[], options: LivenessOptions & { format: VendorFormat }): Promise<VendorBody>;
  /** A fresh challenge made on this device (unsigned: advisory); `actions` to choose them. */
  challenge(actions?: ChallengeAction[]): Promise<Challenge>;
  /** Runs a challenge on a playing camera video: the record to send to a server, and this device's verdict. */
  runChallenge(video: HTMLVideoElement, challenge: Challenge, options?: RunChallengeOptions): Promise<{ record: ChallengeRecord; result: ChallengeResult }>;
  /** The verdict on a record, computed here. */
  verifyChallenge(challenge: Challenge, record: ChallengeRecord): Promise<ChallengeResult>;
  close(): void;
}

/** Takes `count` frames from a playing video within `withinMs`, with their capture timestamps. */
export declare function captureFrames(video: HTMLVideoElement, options?: CaptureOptions): Promise<CapturedFrame[]>;

/** Converts an ImageSource into what the wasm module takes (exposed for workers of your own). */
export declare function prepareImage(
  input: ImageSource,
  which?: string,
): Promise<{ image: string | Uint8Array | { width: number; height: number; data: Uint8Array | Uint8ClampedArray }; transfer: Transferable[] }>;

// --- The capture elements (also `veriface/elements`) ------------------------------------------

/** Why a capture did not pass, in words for the person in front of the camera. */
export interface CaptureReason {
  /** A stable code for the page (ACTION_NOT_DONE, ID_MISMATCH, CARD_BLURRY, ...). */
  code: string;
  /** What went wrong, in plain words. */
  text: string;
  /** What to do about it. */
  tip?: string;
}

/** `result` of `<veriface-selfie>`: sent on a failure at once, on a pass once the person keeps it. */
export interface SelfieResultDetail {
  passed: boolean;
  reason: CaptureReason | null;
  challenge: Challenge;
  /** The record to send to a server (`/veriface/challenge/verify`) for the decision. */
  record: ChallengeRecord;
  /** This device's verdict on the record (advisory). */
  result: ChallengeResult;
  /** The match with `idFront`, when one was set and the challenge passed. */
  idMatch: CompareResult | null;
  idError: { code: string; text: string } | null;
  /** The kept frame (JPEG, as the camera saw it: not mirrored). */
  image: Blob;
  frameIndex: number;
}

/** `result` of `<veriface-id-capture>`. */
export interface IdCaptureResultDetail {
  passed: boolean;
  reason: CaptureReason | null;
  from: "file" | "camera";
  name?: string;
  /** What to hand the library (the selfie's `idFront`); null when not passed. */
  source: ImageSource | null;
  image: Blob | null;
  checks: { code: string; value: number | null; threshold: number | null; passed: boolean }[];
  detect: DetectResult | null;
  width: number;
  height: number;
  scaled: boolean;
}

/** `progress` of either element: the open screen and what it is telling the person. */
export interface CaptureProgressDetail {
  screen: string;
  code?: string;
  text?: string;
  [key: string]: unknown;
}

/** `error` of either element: the camera or the library failed (CAMERA_DENIED, CAMERA_NOT_FOUND, ...). */
export interface CaptureErrorDetail {
  code: string;
  message: string;
  detail?: string;
  error: unknown;
}

declare class CaptureElement extends HTMLElement {
  /** A loaded Veriface (or its promise) to share; without one the element loads its own. */
  veriface: Veriface | Promise<Veriface> | null;
  /** The open screen. */
  readonly screen: string;
  /** How long the live checks must hold before the element acts (the `hold-ms` attribute; 1000). */
  holdMs: number;
  /** Back to the intro, camera off, nothing kept. */
  reset(): void;
}

/** `<veriface-selfie actions="turn_left,blink" hold-ms="1000">`: the selfie step with the active challenge. */
export declare class VerifaceSelfieElement extends CaptureElement {
  /** A challenge (e.g. from your server) used once, or a function called for every attempt. */
  challenge: Challenge | ((vf: Veriface) => Challenge | Promise<Challenge>) | null;
  /** An ID photo: the selfie must also match its portrait. */
  idFront: ImageSource | null;
  actions: string;
  readonly lastResult: SelfieResultDetail | null;
  start(): Promise<void>;
  cancel(): void;
  retake(): void;
}

/** `<veriface-id-capture>`: a photo of the front of an ID, from the camera or a file. */
export declare class VerifaceIdCaptureElement extends CaptureElement {}

/** Any picture the browser decodes, brought under the library's limits (large photos scaled down). */
export declare function readImageFile(file: Blob): Promise<{
  source: ImageSource;
  bitmap: ImageBitmap;
  width: number;
  height: number;
  originalWidth: number;
  originalHeight: number;
  scaled: boolean;
  name: string;
}>;

declare global {
  interface HTMLElementTagNameMap {
    "veriface-selfie": VerifaceSelfieElement;
    "veriface-id-capture": VerifaceIdCaptureElement;
  }
}
