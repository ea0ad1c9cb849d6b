// Compiled (never run) by `tsc -p tests/types` in tools/test-browser.sh: the README's usage,
// written against the package's declarations, must type-check, and misuse must not.
import { Veriface, VerifaceError, captureFrames, type CapturedFrame, type CompareResult, type DetectResult, type FrameReport, type LivenessResult, type LoadProgress, type QualityCode } from "veriface";
import { readImageFile, type VerifaceIdCaptureElement, type SelfieResultDetail, type IdCaptureResultDetail } from "veriface/elements";

export async function tenLines(selfie: File, idCard: HTMLImageElement, video: HTMLVideoElement): Promise<string> {
  const vf = await Veriface.load({ onProgress: (p: LoadProgress) => console.log(p.loaded / p.total) });
  const result: CompareResult = await vf.compare(selfie, idCard, { threshold: 0.7 });
  const frames = await captureFrames(video, { count: 3, withinMs: 500 });
  const faces: DetectResult = await vf.detect(frames[0]);
  const { prepared_ms }: { prepared_ms: number } = await vf.prepared();
  console.log(prepared_ms.toFixed(0));
  const spanMs = frames[frames.length - 1].timestamp - frames[0].timestamp;
  vf.close();
  return `${result.is_match} ${result.score.toFixed(3)} ${faces.faces.length} ${spanMs}`;
}

export async function errors(vf: Veriface, a: Blob, b: ImageBitmap): Promise<string | null> {
  try {
    await vf.compare(a, b, { facePolicy: "central" });
    return null;
  } catch (e) {
    if (e instanceof VerifaceError && e.code === "NO_FACE") return e.message;
    throw e;
  }
}

export async function vendors(vf: Veriface, a: File, b: File): Promise<number> {
  const body = await vf.compare(a, b, { format: "vlens" });
  const form = new FormData();
  form.append("file_a", a);
  form.append("file_b", b);
  const { status } = await vf.handle("/v1/facematch", form);
  const full: CompareResult = await vf.compare(a, b);
  return status + Object.keys(body).length + full.evidence.inputs.length;
}

export async function misuse(vf: Veriface): Promise<void> {
  // @ts-expect-error a number is not an image
  await vf.compare(42, new Uint8Array());
  // @ts-expect-error facePolicy is one of three words
  await vf.compare("", "", { facePolicy: "biggest" });
  // @ts-expect-error results are snake_case, as the Rust structs serialise
  (await vf.compare("", "")).isMatch;
  // @ts-expect-error only the five formats exist
  await vf.compare("", "", { format: "aws" });
  // @ts-expect-error the wasm module is "auto", "relaxed" or "simd128"
  await Veriface.load({ simd: "avx" });
}

export async function simdModule(): Promise<"relaxed" | "simd128"> {
  const vf = await Veriface.load({ simd: "simd128", wasmUrl: "/wasm/veriface_bg.wasm", wasmRelaxedUrl: "/wasm/veriface_relaxed_bg.wasm" });
  return vf.info.simd;
}

export async function liveness(vf: Veriface, video: HTMLVideoElement, id: File): Promise<string[]> {
  const guide: FrameReport = await vf.quality(video, { models: false });
  const frames = await captureFrames(video, { count: 3, withinMs: 500 });
  const r: LivenessResult = await vf.liveness(frames, { idFront: id, maxSpanMs: 500 });
  const vlens = await vf.liveness(frames, { idFront: id, format: "vlens" });
  const codes: QualityCode[] = r.frames.flatMap((f) => f.checks.filter((c) => !c.passed).map((c) => c.code));
  const checked = await vf.compare(frames[0], id, { checkLiveness: true });
  return [...codes, ...guide.checks.map((c) => c.code), String(r.id_match?.score), String(Object.keys(vlens).length), String(checked.liveness?.passed)];
}

export async function livenessMisuse(vf: Veriface, frames: CapturedFrame[]): Promise<void> {
  // @ts-expect-error maxSpanMs is a number of milliseconds
  await vf.liveness(frames, { maxSpanMs: "500" });
  // @ts-expect-error sequence codes are not frame codes
  const code: QualityCode = "REPLAYED_STILL";
  void code;
}

export function elements(vf: Veriface, id: File): void {
  const selfie = document.createElement("veriface-selfie");
  const card: VerifaceIdCaptureElement = document.createElement("veriface-id-capture");
  selfie.veriface = vf;
  selfie.idFront = id;
  selfie.challenge = (v) => v.challenge(["turn_left", "blink"]);
  selfie.addEventListener("result", (e) => {
    const d = (e as CustomEvent<SelfieResultDetail>).detail;
    if (d.passed) void fetch("/veriface/challenge/verify", { method: "POST", body: JSON.stringify({ challenge: d.challenge, record: d.record }) });
    else console.log(d.reason?.text, d.idMatch?.score);
  });
  card.addEventListener("result", (e) => {
    const d = (e as CustomEvent<IdCaptureResultDetail>).detail;
    if (d.passed && d.source) selfie.idFront = d.source;
  });
  // @ts-expect-error the element's screen is read-only
  selfie.screen = "done";
  void readImageFile(id).then((r) => vf.format({} as CompareResult, "vlens", { transactionId: r.name }));
}
