//! Everything one frame can say on its own: the geometric checks, the eye state and the passive
//! anti-spoofing score, each as a [`Check`] with value, threshold and verdict. This is what a page
//! runs on camera frames to guide the user, and what the multi-frame decision builds on.

use image::RgbImage;
use serde::Serialize;

use crate::detect::Face;
use crate::error::{Error, Result};
use crate::liveness::passive::{AntiSpoof, EyeState};
use crate::liveness::pose::Pose;
use crate::liveness::quality::{self, Check, Code, Thresholds};
use crate::liveness::texture;
use crate::models::Manifest;
use crate::report::{FaceReport, Timings};

/// The two classifiers, loaded together.
pub struct PassiveModels {
    /// Passive anti-spoofing.
    pub anti_spoof: AntiSpoof,
    /// Eye state.
    pub eyes: EyeState,
}

impl PassiveModels {
    /// Loads both classifiers named in `manifest` from their bytes (hashes checked).
    ///
    /// # Errors
    /// `UNKNOWN_MODEL` when the manifest lists no liveness or eye model;
    /// `MODEL_HASH_MISMATCH`; `INFERENCE_FAILED`.
    pub fn new(manifest: &Manifest, liveness: &[u8], eye: &[u8]) -> Result<Self> {
        let missing = |what: &str| Error::UnknownModel {
            name: format!("({what} model)"),
            known: "none in this manifest".into(),
        };
        let live_spec = manifest
            .liveness
            .clone()
            .ok_or_else(|| missing("liveness"))?;
        let eye_spec = manifest.eye.clone().ok_or_else(|| missing("eye"))?;
        Ok(PassiveModels {
            anti_spoof: AntiSpoof::new(live_spec, liveness)?,
            eyes: EyeState::new(eye_spec, eye)?,
        })
    }
}

/// Limits of the model-based checks, besides the geometric [`Thresholds`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ModelThresholds {
    /// EYES_CLOSED when neither eye's probability of being open reaches this.
    pub min_eye_open: f64,
    /// FACE_NOT_LIVE below this probability of a live face. Provisional (docs/liveness.md): on
    /// 59 labelled frames, per frame, it gives BPCER 0.32 and APCER 0.15.
    pub min_live: f64,
    /// FACE_IS_OCCLUDED above this excess of non-skin pixels on the lower face over the
    /// forehead ([`texture::occlusion`]); needs no model.
    pub max_occlusion: f64,
}

impl Default for ModelThresholds {
    fn default() -> Self {
        ModelThresholds {
            min_eye_open: 0.5,
            min_live: 0.05,
            max_occlusion: 0.5,
        }
    }
}

/// One frame's report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FrameReport {
    /// Frame width after decoding.
    pub image_width: u32,
    /// Frame height after decoding.
    pub image_height: u32,
    /// The subject (largest face), if any.
    pub face: Option<FaceReport>,
    /// The same face as the detector gave it, for stages that go on from it (embedding).
    #[serde(skip)]
    pub subject: Option<Face>,
    /// Its head pose.
    pub pose: Option<Pose>,
    /// Probability each eye (left, right as seen) is open, when the models ran.
    pub eyes_open: Option<[f32; 2]>,
    /// Probability the face is live, when the models ran.
    pub live: Option<f32>,
    /// Share of the texture's energy at high spatial frequencies
    /// ([`texture::high_frequency_energy`]): a screen-replay cue, reported.
    pub high_frequency: Option<f64>,
    /// Every check, geometric first.
    pub checks: Vec<Check>,
    /// True when every check passed.
    pub passed: bool,
    /// Time spent (set by the verifier, which owns the clock).
    pub timings: Timings,
}

/// Runs every single-frame check on `faces` found in `image`. Without `models`, only the
/// geometric checks run (they need nothing but the detector).
///
/// # Errors
/// `INFERENCE_FAILED` from the classifiers.
pub fn report(
    image: &RgbImage,
    faces: &[Face],
    models: Option<&PassiveModels>,
    geometry: &Thresholds,
    limits: &ModelThresholds,
) -> Result<FrameReport> {
    let dims = image.dimensions();
    let g = quality::geometry(faces, dims, geometry);
    let mut checks = g.checks;
    let (mut eyes_open, mut live, mut high_frequency) = (None, None, None);
    if let Some(face) = &g.face {
        // Pixel statistics, no model: cheap enough for every camera frame.
        if let Some(v) = texture::occlusion(image, face) {
            checks.push(Check {
                code: Code::FaceIsOccluded,
                value: v,
                threshold: limits.max_occlusion,
                passed: v <= limits.max_occlusion,
            });
        }
        high_frequency = texture::high_frequency_energy(image, face);
    }
    if let (Some(face), Some(m)) = (&g.face, models) {
        let eyes = m.eyes.open_probabilities(image, face)?;
        let open = f64::from(eyes[0].max(eyes[1]));
        checks.push(Check {
            code: Code::EyesClosed,
            value: open,
            threshold: limits.min_eye_open,
            passed: open >= limits.min_eye_open,
        });
        let p = m.anti_spoof.live_probability(image, face)?;
        checks.push(Check {
            code: Code::FaceNotLive,
            value: f64::from(p),
            threshold: limits.min_live,
            passed: f64::from(p) >= limits.min_live,
        });
        eyes_open = Some(eyes);
        live = Some(p);
    }
    Ok(FrameReport {
        image_width: dims.0,
        image_height: dims.1,
        face: g.face.as_ref().map(|f| FaceReport::new(f, dims)),
        subject: g.face.clone(),
        pose: g.pose,
        eyes_open,
        live,
        high_frequency,
        passed: checks.iter().all(|c| c.passed),
        checks,
        timings: Timings::default(),
    })
}
