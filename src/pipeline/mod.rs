//! The orchestration layer: the one place where the stages run in order. [`Verifier`] owns the
//! models and nothing else (no threads, no files, no clock of its own: one is injected), so the
//! same code runs natively and in a browser. One file per task: [`compare`] (detect, choose,
//! align, embed, score), [`frame`] (one frame's liveness checks), [`liveness`] (several frames
//! and the ID match) and [`evidence`] (re-checking a result a browser produced).
//!
//! Everything below this layer is a pure stage (`image`, `detect`, `select`, `align`, `embed`,
//! `compare`, `liveness`); everything above it is a boundary (`wasm`, the CLI, `endpoints`).

pub mod challenge;
pub mod compare;
pub mod evidence;
pub mod frame;
pub mod liveness;
mod track;

use image::RgbImage;

use crate::detect::Detector;
use crate::embed::Encoder;
use crate::error::{Error, Result};
use crate::image::{decode, decode_base64, from_rgba, load, ImageInput, Limits};
use crate::liveness::mesh::FaceMesh;
use crate::liveness::passive::PassiveModels;
use crate::models::{sha256_hex, verify, Manifest};
use crate::report::{FaceReport, ModelIds};

pub use challenge::ChallengeContext;
pub use compare::CompareOptions;
pub use frame::Pass;
pub use liveness::Frame;

/// A monotonic clock in milliseconds. Injected because `std::time::Instant` panics on
/// wasm32-unknown-unknown; the wasm boundary passes `performance.now()`.
pub type Clock = fn() -> f64;

/// Detector input side for the model-free guidance pass.
pub const GUIDANCE_SIDE: u32 = 320;

/// The model files, as bytes. Their SHA-256 is checked against the manifest.
#[derive(Debug, Clone, Copy)]
pub struct ModelBytes<'a> {
    /// The detector ONNX file.
    pub detector: &'a [u8],
    /// The embedder ONNX files: one, or each member of a fusion in the manifest's order.
    pub embedders: &'a [&'a [u8]],
}

/// One face, embedded, with the crop it came from.
#[derive(Debug, Clone)]
pub struct Embedded {
    /// The chosen face.
    pub face: FaceReport,
    /// The aligned crops fed to the embedders (one per member of a fusion).
    pub crops: Vec<RgbImage>,
    /// L2-normalised embedding.
    pub embedding: Vec<f32>,
}

/// The loaded pipeline.
pub struct Verifier {
    manifest: Manifest,
    detector: Detector,
    embedder: Encoder,
    /// Caps applied before decoding any image.
    pub limits: Limits,
    clock: Clock,
    /// The eye-state and anti-spoofing classifiers, once loaded: optional, because a page that
    /// only compares photos need not download them.
    passive: Option<PassiveModels>,
    /// The face mesh, for the active challenge's 3D evidence: optional, loaded on demand.
    mesh: Option<FaceMesh>,
    /// Where the face was in the last guidance frame (the one piece of state between calls:
    /// the guidance pass looks there first).
    track: Option<track::Track>,
}

impl Verifier {
    /// Loads the detector and the embedder or fusion named `embedder_id` (the manifest's default
    /// embedder for `None`) from their bytes, after checking each file's SHA-256.
    ///
    /// # Errors
    /// `UNKNOWN_MODEL`, `MODEL_HASH_MISMATCH`, `INFERENCE_FAILED`.
    pub fn new(models: ModelBytes<'_>, embedder_id: Option<&str>) -> Result<Self> {
        Self::with_manifest(Manifest::builtin()?, models, embedder_id)
    }

    /// As [`Verifier::new`], with a manifest other than the built-in one: for bringing your own
    /// model, or for measuring how a change of template or normalisation affects accuracy.
    ///
    /// # Errors
    /// `UNKNOWN_MODEL`, `MODEL_HASH_MISMATCH`, `INFERENCE_FAILED`.
    pub fn with_manifest(
        manifest: Manifest,
        models: ModelBytes<'_>,
        embedder_id: Option<&str>,
    ) -> Result<Self> {
        let embedding = manifest.embedding(embedder_id)?;
        verify(&manifest.detector.file, models.detector)?;
        for (member, bytes) in embedding.members.iter().zip(models.embedders) {
            verify(&member.file, bytes)?;
        }
        let embedder = Encoder::new(embedding, models.embedders)?;
        let mut detector = Detector::new(manifest.detector.clone(), models.detector)?;
        // Optimise the detector plan now: load time is where a one-off cost belongs, and the
        // per-stage timings of the first request then show the steady state.
        detector.warm_up()?;
        Ok(Verifier {
            manifest,
            detector,
            embedder,
            limits: Limits::default(),
            clock: default_clock,
            passive: None,
            mesh: None,
            track: None,
        })
    }

    /// Loads the anti-spoofing, eye-state and iris models named in the manifest (hashes
    /// checked), for the liveness checks.
    ///
    /// # Errors
    /// `UNKNOWN_MODEL` when the manifest names none; `MODEL_HASH_MISMATCH`; `INFERENCE_FAILED`.
    pub fn load_passive(&mut self, liveness: &[u8], eye: &[u8], iris: &[u8]) -> Result<()> {
        self.passive = Some(PassiveModels::new(&self.manifest, liveness, eye, iris)?);
        Ok(())
    }

    /// The passive models, if loaded.
    pub fn passive(&self) -> Option<&PassiveModels> {
        self.passive.as_ref()
    }

    fn require_passive(&self) -> Result<&PassiveModels> {
        self.passive.as_ref().ok_or_else(|| Error::UnknownModel {
            name: "(liveness and eye models)".into(),
            known: "none loaded: load them first (Verifier::load_passive; in JS, load with liveness: true)".into(),
        })
    }

    /// Replaces the clock used for timings.
    pub fn set_clock(&mut self, clock: Clock) {
        self.clock = clock;
    }

    /// The current time on the verifier's clock, in ms.
    pub fn now(&self) -> f64 {
        (self.clock)()
    }

    /// The manifest this verifier was built from.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The models in use.
    pub fn model_ids(&self) -> ModelIds {
        ModelIds {
            detector: self.manifest.detector.file.id.clone(),
            embedder: self.embedder.spec().id.clone(),
        }
    }

    /// Optimises one model plan that a later call will need and that is not ready yet, in the
    /// order a selfie step needs them: the eye-state models (every guidance frame), the
    /// anti-spoofing model and the detector's 640 x 480 plan (the liveness decision), the face
    /// mesh (head turns). Returns whether there was one; `false` means every plan is ready.
    ///
    /// Loading leaves these to first use, so that a page can compare or guide as soon as the
    /// detector and embedder are ready; an engine calls this while it is idle (the JS package
    /// does, one plan per idle moment), a server until it returns `false` before it listens.
    ///
    /// # Errors
    /// `INFERENCE_FAILED`.
    pub fn prepare_next(&mut self) -> Result<bool> {
        if let Some(p) = &self.passive {
            for plan in [p.eyes.eye_plan(), p.eyes.iris_plan(), p.anti_spoof.plan()] {
                if plan.prepare()? {
                    return Ok(true);
                }
            }
        }
        if self.detector.prepare_fine()? {
            return Ok(true);
        }
        match &self.mesh {
            Some(mesh) => mesh.plan().prepare(),
            None => Ok(false),
        }
    }

    /// The embedder (or fusion) in use.
    pub fn embedder(&self) -> &Encoder {
        &self.embedder
    }

    /// The detector, to read how often each of its passes ran.
    pub fn detector(&self) -> &Detector {
        &self.detector
    }

    /// Mutable access to the detector, to change its options.
    pub fn detector_mut(&mut self) -> &mut Detector {
        &mut self.detector
    }

    /// Decodes an image with this verifier's limits.
    ///
    /// # Errors
    /// The decoding errors of [`crate::image::load`].
    pub fn decode(&self, input: ImageInput<'_>) -> Result<RgbImage> {
        load(input, &self.limits)
    }

    /// Decodes an image and returns the SHA-256 of the input as received: the encoded bytes
    /// (base64 decoded first, so a file and its base64 hash alike) or the RGBA pixels.
    ///
    /// # Errors
    /// The decoding errors of [`crate::image::load`].
    pub fn decode_hashed(&self, input: ImageInput<'_>) -> Result<(RgbImage, String)> {
        match input {
            ImageInput::Encoded(bytes) => Ok((decode(bytes, &self.limits)?, sha256_hex(bytes))),
            ImageInput::Base64(text) => {
                let bytes = decode_base64(text, &self.limits)?;
                Ok((decode(&bytes, &self.limits)?, sha256_hex(&bytes)))
            }
            ImageInput::Rgba {
                width,
                height,
                data,
            } => Ok((
                from_rgba(width, height, data, &self.limits)?,
                sha256_hex(data),
            )),
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn default_clock() -> f64 {
    use std::sync::OnceLock;
    use std::time::Instant;
    static START: OnceLock<Instant> = OnceLock::new();
    START.get_or_init(Instant::now).elapsed().as_secs_f64() * 1000.0
}

#[cfg(target_arch = "wasm32")]
fn default_clock() -> f64 {
    0.0
}
