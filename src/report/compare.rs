//! What a compare or a detection returns.

use serde::{Deserialize, Serialize};

use crate::detect::{BBox, Face};

/// One face as it appears in a result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaceReport {
    /// Bounding box in the pixels of the decoded, upright image.
    #[serde(rename = "box")]
    pub bbox: BBox,
    /// Detector confidence in [0, 1].
    pub detector_score: f32,
    /// Left eye, right eye, nose, left and right mouth corner ("left" as seen in the image).
    pub landmarks: [[f32; 2]; 5],
    /// Width of the decoded, upright image.
    pub image_width: u32,
    /// Height of the decoded, upright image.
    pub image_height: u32,
}

impl FaceReport {
    /// The report for `face` found in an image of the given size.
    pub fn new(face: &Face, (image_width, image_height): (u32, u32)) -> Self {
        FaceReport {
            bbox: face.bbox,
            detector_score: face.score,
            landmarks: face.landmarks,
            image_width,
            image_height,
        }
    }
}

/// Which models produced a result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelIds {
    /// Detector id from the manifest.
    pub detector: String,
    /// Embedder (or fusion) id from the manifest.
    pub embedder: String,
}

/// Wall-clock time per pipeline stage, in milliseconds, summed over both images.
///
/// On wasm the clock is whatever the boundary installs (`performance.now()`); a build with no
/// clock reports zeros rather than guessing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Timings {
    /// Base64 and image decoding.
    pub decode_ms: f64,
    /// Face detection.
    pub detect_ms: f64,
    /// Landmark alignment and warp.
    pub align_ms: f64,
    /// Embedding network.
    pub embed_ms: f64,
    /// Liveness checks past detection (eye state, anti-spoofing, texture); 0 when none ran.
    #[serde(default)]
    pub liveness_ms: f64,
    /// Everything, end to end.
    pub total_ms: f64,
}

/// What a result was computed from, as SHA-256 digests, so that a server can recompute it from
/// the same inputs and confirm it (`veriface verify-evidence`) without trusting the browser.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// Each input as the pipeline received it: the encoded file's bytes (after base64 decoding,
    /// so a file and its base64 give the same digest) or the raw RGBA pixels.
    pub inputs: Vec<String>,
    /// Each face's aligned crop fed to the embedder (RGB, row-major); for a fusion, the
    /// members' crops one after another, hashed as one.
    pub crops: Vec<String>,
    /// The detector's and embedder's model files.
    pub models: ModelHashes,
    /// How the face was chosen in each image, so a re-check chooses the same one.
    pub face_policy: crate::select::FacePolicy,
}

/// SHA-256 of the model files a result was computed with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelHashes {
    /// The detector file.
    pub detector: String,
    /// The embedder file; for a fusion, its members' hashes joined with `+`, in order.
    pub embedder: String,
}

/// The answer to "do these two images show the same person?".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompareResult {
    /// `score >= threshold`.
    pub is_match: bool,
    /// Calibrated similarity in [0, 1]; 0.7 is the documented operating point.
    pub score: f64,
    /// `1 - score`, for APIs that speak of distance.
    pub dissimilarity: f64,
    /// The threshold applied to `score`.
    pub threshold: f64,
    /// Raw similarity of the two embeddings under `metric` (cosine in [-1, 1], or minus the
    /// Euclidean distance), before calibration.
    pub similarity: f64,
    /// The embedder's metric: "cosine" or "euclidean".
    pub metric: crate::models::Metric,
    /// The face used from the first image.
    pub face_a: FaceReport,
    /// The face used from the second image.
    pub face_b: FaceReport,
    /// Models that produced this result.
    pub models: ModelIds,
    /// Per-stage timings.
    pub timings: Timings,
    /// Digests of the inputs, crops and models, for re-verification.
    pub evidence: Evidence,
    /// The single-frame liveness checks on the first image's face, when asked for
    /// (`check_liveness`). Not part of what `verify-evidence` re-checks.
    #[serde(default, skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub liveness: Option<super::FrameReport>,
}

/// All faces found in one image.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DetectResult {
    /// Width of the decoded, upright image.
    pub image_width: u32,
    /// Height of the decoded, upright image.
    pub image_height: u32,
    /// Faces, highest detector score first.
    pub faces: Vec<FaceReport>,
    /// Detector id.
    pub detector: String,
    /// Per-stage timings (decode and detect only).
    pub timings: Timings,
}
