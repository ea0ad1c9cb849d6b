//! The model manifest: what each ONNX file is, where it came from, and how to feed it.
//!
//! A model is data, not code. Input size, colour order, normalisation, alignment template and
//! score calibration all live in `models/manifest.json`, which is compiled into the crate so that
//! the wasm build can check hashes without a filesystem. Adding an embedder means adding an entry
//! (and measuring its calibration), not writing a new module.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

mod fusion;
pub use fusion::{EmbeddingSpec, FusionSpec};

/// The manifest as shipped, parsed once on first use.
pub const MANIFEST_JSON: &str = include_str!("../../models/manifest.json");

/// Every model veriface knows.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    /// The face detector.
    pub detector: DetectorSpec,
    /// Face embedders, by id; the first is the default when the manifest names no `default`.
    pub embedders: Vec<EmbedderSpec>,
    /// Fusions of several embedders, selectable by id like an embedder.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fusions: Vec<FusionSpec>,
    /// The embedder or fusion used where none is named (the first embedder when absent): the
    /// most accurate configuration, measured (docs/calibration.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// The passive anti-spoofing classifier (liveness), if the manifest lists one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub liveness: Option<LivenessSpec>,
    /// The eye open/closed classifier, if the manifest lists one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eye: Option<EyeSpec>,
    /// MediaPipe's iris model, for the eyelid aperture of the eye state, if listed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iris: Option<MeshSpec>,
    /// The 468-point face mesh for the active challenge's 3D evidence, if listed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mesh: Option<MeshSpec>,
}

/// A MediaPipe landmark model: a square RGB crop in [0, 1] (NHWC) in, points out (the face mesh:
/// 192 x 192, 468 points; the iris model: 64 x 64, 71 eye-contour points).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MeshSpec {
    /// File facts.
    #[serde(flatten)]
    pub file: FileSpec,
    /// Square input side in pixels.
    pub input_size: u32,
}

/// A MiniFASNet-style passive anti-spoofing classifier: one face, with context, in; class
/// scores (live and attack types) out.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LivenessSpec {
    /// File facts.
    #[serde(flatten)]
    pub file: FileSpec,
    /// Square input side in pixels.
    pub input_size: u32,
    /// Channel order of the input.
    pub color: ColorOrder,
    /// Input normalisation.
    pub normalization: Normalization,
    /// The crop is the face box scaled by this factor about its centre (context matters: the
    /// edges of a phone or a print are the evidence).
    pub box_scale: f32,
    /// Index of the output class meaning "live"; established on labelled data (docs/liveness.md).
    pub live_class: usize,
}

/// A small grey-scale eye-state classifier.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EyeSpec {
    /// File facts.
    #[serde(flatten)]
    pub file: FileSpec,
    /// Square input side in pixels (one eye).
    pub input_size: u32,
    /// Grey levels are divided by this (0..255 to 0..1).
    pub divisor: f32,
    /// Index of the output class meaning "open".
    pub open_class: usize,
}

/// Facts common to every model file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FileSpec {
    /// Stable id, used in results and on the command line.
    pub id: String,
    /// File name under `models/`.
    pub file: String,
    /// Lower-case hex SHA-256 of the file.
    pub sha256: String,
    /// Size in bytes.
    pub bytes: u64,
}

/// Channel order a network expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColorOrder {
    /// Red, green, blue.
    Rgb,
    /// Blue, green, red (OpenCV-trained models).
    Bgr,
}

/// How two embeddings are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Metric {
    /// Cosine of the angle between the vectors, in [-1, 1]; embeddings are L2-normalised.
    #[default]
    Cosine,
    /// Minus the Euclidean distance between the raw, unnormalised vectors (dlib's convention:
    /// its network was trained for distances, and normalising discards information it uses).
    Euclidean,
}

/// Per-channel `(pixel - mean) / std`, in the network's own channel order.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Normalization {
    /// Subtracted from each channel.
    pub mean: [f32; 3],
    /// Divides each channel after the mean is subtracted.
    pub std: [f32; 3],
}

/// The RetinaFace-style detector.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DetectorSpec {
    /// File facts.
    #[serde(flatten)]
    pub file: FileSpec,
    /// Channel order of the input.
    pub color: ColorOrder,
    /// Input normalisation.
    pub normalization: Normalization,
    /// Prior-box strides, one per feature map.
    pub steps: Vec<u32>,
    /// Prior-box sizes in input pixels, one list per stride.
    pub min_sizes: Vec<Vec<f32>>,
    /// Box-regression variances: centre, then size.
    pub variances: [f32; 2],
}

/// A face-embedding network and everything needed to use its output.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EmbedderSpec {
    /// File facts.
    #[serde(flatten)]
    pub file: FileSpec,
    /// Square input side in pixels.
    pub input_size: u32,
    /// Channel order of the input.
    pub color: ColorOrder,
    /// Input normalisation.
    pub normalization: Normalization,
    /// Length of the output vector.
    pub dimensions: usize,
    /// Where the five landmarks (left eye, right eye, nose, left and right mouth corner, as seen
    /// in the image) land in the aligned crop, in crop pixels.
    pub template: [[f32; 2]; 5],
    /// Average the embeddings of the crop and its mirror image. Costs a second network run;
    /// worth it only where measurement shows an accuracy gain (see `docs/calibration.md`).
    #[serde(default)]
    pub flip_average: bool,
    /// How two embeddings are compared.
    #[serde(default)]
    pub metric: Metric,
    /// How the similarity becomes the 0..1 score.
    pub calibration: Calibration,
}

/// Logistic map from the similarity (see [`Metric`]) to a score in [0, 1]:
/// `score = 1 / (1 + exp(-slope * (similarity - center)))`.
///
/// `center` is placed so that score 0.7 falls exactly at the similarity threshold of the documented
/// operating point; `slope` comes from a logistic fit on the calibration pairs. See
/// `docs/calibration.md` for how each number was measured.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Calibration {
    /// Logistic slope.
    pub slope: f64,
    /// Similarity at which the score is 0.5.
    pub center: f64,
    /// The similarity that maps to score 0.7.
    pub similarity_at_0_7: f64,
    /// Plain words: what score 0.7 means and on which data that was measured.
    pub operating_point: String,
}

impl Manifest {
    /// The manifest compiled into this build.
    ///
    /// # Errors
    /// `INFERENCE_FAILED` if the embedded JSON is malformed, which a unit test rules out.
    pub fn builtin() -> Result<Manifest> {
        serde_json::from_str(MANIFEST_JSON).map_err(|e| Error::Inference {
            reason: format!("the built-in model manifest is malformed: {e}"),
        })
    }

    /// The embedder with this id, or the first one for `None` (which is not the default when
    /// the manifest names a fusion as its `default`: see [`Manifest::embedding`]).
    ///
    /// # Errors
    /// `UNKNOWN_MODEL` for an id the manifest does not list.
    pub fn embedder(&self, id: Option<&str>) -> Result<&EmbedderSpec> {
        let found = match id {
            None => self.embedders.first(),
            Some(id) => self.embedders.iter().find(|e| e.file.id == id),
        };
        found.ok_or_else(|| self.unknown(id.unwrap_or("(default)")))
    }
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    sha256_hex_of_parts([bytes])
}

/// Lower-case hex SHA-256 of `parts` one after another, hashed as they come (no joined copy):
/// the same digest as [`sha256_hex`] of their concatenation.
pub fn sha256_hex_of_parts<'a>(parts: impl IntoIterator<Item = &'a [u8]>) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part);
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Checks `bytes` against the manifest's hash for `spec`, so a truncated download or a different
/// model of the same shape can never be run with calibration measured for another file.
///
/// # Errors
/// `MODEL_HASH_MISMATCH`.
pub fn verify(spec: &FileSpec, bytes: &[u8]) -> Result<()> {
    let actual = sha256_hex(bytes);
    if actual == spec.sha256 {
        Ok(())
    } else {
        Err(Error::ModelHashMismatch {
            model: spec.id.clone(),
            expected: spec.sha256.clone(),
            actual,
        })
    }
}

/// An optimised, runnable tract plan.
pub(crate) type Plan = std::sync::Arc<tract_onnx::prelude::TypedRunnableModel>;

/// Parses ONNX bytes (hash-checked by the caller) and optimises them for one fixed input shape,
/// once: the plan is kept and reused for every image.
///
/// # Errors
/// `INFERENCE_FAILED` if tract cannot load the model.
pub(crate) fn load_plan(bytes: &[u8], shape: [usize; 4]) -> Result<Plan> {
    LazyPlan::parse(bytes, shape)?.get().cloned()
}

/// A parsed model whose plan is optimised on first use, or earlier by [`LazyPlan::prepare`].
///
/// Optimising (typing, decluttering and optimising the graph) is over 90% of a model's load time
/// (`examples/load_stages.rs`), 100-500 ms per model in the browser, and a page rarely needs
/// every model at once: a selfie step needs the detector and the eye-state models for its first
/// frames, the anti-spoofing model only when it decides, the face mesh only during a head turn.
/// So loading parses (a malformed file is refused there, not at first use) and the page's engine
/// optimises the rest while it is idle ([`crate::Verifier::prepare_next`]).
pub(crate) struct LazyPlan {
    /// The parsed model with its input fact, until it is optimised (then dropped: its weights are
    /// in the plan).
    model: std::sync::Mutex<Option<tract_onnx::prelude::InferenceModel>>,
    plan: std::sync::OnceLock<Plan>,
}

impl LazyPlan {
    /// Parses ONNX bytes (hash-checked by the caller) for one fixed input shape.
    ///
    /// # Errors
    /// `INFERENCE_FAILED` if tract cannot parse the model.
    pub(crate) fn parse(bytes: &[u8], shape: [usize; 4]) -> Result<LazyPlan> {
        use tract_onnx::prelude::*;
        let model = tract_onnx::onnx()
            .model_for_read(&mut std::io::Cursor::new(bytes))
            .and_then(|m| m.with_input_fact(0, f32::fact(shape).into()))
            .map_err(Error::inference)?;
        Ok(LazyPlan {
            model: std::sync::Mutex::new(Some(model)),
            plan: std::sync::OnceLock::new(),
        })
    }

    /// The optimised plan, made now if it was not yet.
    ///
    /// # Errors
    /// `INFERENCE_FAILED` if tract cannot optimise the model (then on every later call too).
    pub(crate) fn get(&self) -> Result<&Plan> {
        use tract_onnx::prelude::*;
        if let Some(plan) = self.plan.get() {
            return Ok(plan);
        }
        let model = self
            .model
            .lock()
            .map_err(|_| Error::inference("a model failed while it was being optimised"))?
            .take()
            .ok_or_else(|| Error::inference("this model failed to optimise earlier"))?;
        let plan = model
            .into_optimized()
            .and_then(|m| m.into_runnable())
            .map_err(Error::inference)?;
        Ok(self.plan.get_or_init(|| plan))
    }

    /// Optimises the plan if that is still to do; whether it did.
    ///
    /// # Errors
    /// As [`LazyPlan::get`].
    pub(crate) fn prepare(&self) -> Result<bool> {
        if self.plan.get().is_some() {
            return Ok(false);
        }
        self.get().map(|_| true)
    }
}

/// Runs `plan` on `data` laid out as `shape` and returns its first output, flattened.
///
/// # Errors
/// `INFERENCE_FAILED` when tract fails or the model has no output.
pub(crate) fn run_plan(plan: &Plan, shape: [usize; 4], data: &[f32]) -> Result<Vec<f32>> {
    use tract_onnx::prelude::*;
    let input = Tensor::from_shape(&shape, data).map_err(Error::inference)?;
    let outputs = plan.run(tvec!(input.into())).map_err(Error::inference)?;
    let out = outputs
        .first()
        .ok_or_else(|| Error::inference("the model produced no output"))?;
    Ok(out
        .to_plain_array_view::<f32>()
        .map_err(Error::inference)?
        .iter()
        .copied()
        .collect())
}
