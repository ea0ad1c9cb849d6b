//! The pipeline end to end: decode, detect, choose the face, align, embed, compare.
//!
//! [`Verifier`] owns the models and nothing else: no threads, no files, no clock of its own
//! (one is injected), so the same code runs natively and in a browser.

use image::RgbImage;

use crate::compare::{score, similarity, DEFAULT_THRESHOLD};
use crate::detect::{Detector, Face};
use crate::embed::Embedder;
use crate::error::{Error, Result};
use crate::image::{decode, decode_base64, from_rgba, load, ImageInput, Limits};
use crate::models::{sha256_hex, verify, Manifest};
use crate::report::{
    CompareResult, DetectResult, Evidence, FaceReport, ModelHashes, ModelIds, Timings,
};

/// A monotonic clock in milliseconds. Injected because `std::time::Instant` panics on
/// wasm32-unknown-unknown; the wasm boundary passes `performance.now()`.
pub type Clock = fn() -> f64;

/// How to choose one face from several.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FacePolicy {
    /// Exactly one prominent face: another face at least [`COMPETING_AREA`] of the largest one's
    /// area is an error (`MULTIPLE_FACES`). Smaller faces (bystanders, the ghost portrait on an ID
    /// card) are ignored.
    #[default]
    Single,
    /// The largest face, whatever else is in the picture.
    Largest,
    /// The face whose box centre is nearest the image centre: the LFW convention, where every
    /// image is a crop centred on its subject and a bystander's face is sometimes larger.
    Central,
}

/// A second face with at least this fraction of the largest face's area makes an image ambiguous.
pub const COMPETING_AREA: f32 = 0.36;

/// Options for [`Verifier::compare`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CompareOptions {
    /// Decision threshold on the calibrated score, in [0, 1].
    pub threshold: f64,
    /// How to pick the face in each image.
    pub face_policy: FacePolicy,
}

impl Default for CompareOptions {
    fn default() -> Self {
        CompareOptions {
            threshold: DEFAULT_THRESHOLD,
            face_policy: FacePolicy::Single,
        }
    }
}

/// The model files, as bytes. Their SHA-256 is checked against the manifest.
#[derive(Debug, Clone, Copy)]
pub struct ModelBytes<'a> {
    /// The detector ONNX file.
    pub detector: &'a [u8],
    /// The embedder ONNX file.
    pub embedder: &'a [u8],
}

/// One face, embedded, with the crop it came from.
#[derive(Debug, Clone)]
pub struct Embedded {
    /// The chosen face.
    pub face: FaceReport,
    /// The aligned crop fed to the embedder.
    pub crop: RgbImage,
    /// L2-normalised embedding.
    pub embedding: Vec<f32>,
}

/// The loaded pipeline.
pub struct Verifier {
    manifest: Manifest,
    detector: Detector,
    embedder: Embedder,
    /// Caps applied before decoding any image.
    pub limits: Limits,
    clock: Clock,
}

impl Verifier {
    /// Loads the detector and the embedder named `embedder_id` (the manifest's default for
    /// `None`) from their bytes, after checking each file's SHA-256.
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
        let embedder_spec = manifest.embedder(embedder_id)?.clone();
        verify(&manifest.detector.file, models.detector)?;
        verify(&embedder_spec.file, models.embedder)?;
        let mut detector = Detector::new(manifest.detector.clone(), models.detector)?;
        // Optimise the detector plan now: load time is where a one-off cost belongs, and the
        // per-stage timings of the first request then show the steady state.
        detector.warm_up()?;
        let embedder = Embedder::new(embedder_spec, models.embedder)?;
        Ok(Verifier {
            manifest,
            detector,
            embedder,
            limits: Limits::default(),
            clock: default_clock,
        })
    }

    /// Replaces the clock used for timings.
    pub fn set_clock(&mut self, clock: Clock) {
        self.clock = clock;
    }

    /// The manifest this verifier was built from.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The models in use.
    pub fn model_ids(&self) -> ModelIds {
        ModelIds {
            detector: self.manifest.detector.file.id.clone(),
            embedder: self.embedder.spec().file.id.clone(),
        }
    }

    /// The embedder in use.
    pub fn embedder(&self) -> &Embedder {
        &self.embedder
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

    /// Every single-frame check for one image (face found, alone, size, distance, border,
    /// cropping, head angle; with `models`, eyes open and the passive anti-spoofing score), each
    /// with its value, threshold and verdict.
    ///
    /// # Errors
    /// Decoding errors; `INFERENCE_FAILED`.
    pub fn frame_report(
        &mut self,
        input: ImageInput<'_>,
        models: Option<&crate::liveness::frame::PassiveModels>,
        geometry: &crate::liveness::quality::Thresholds,
        limits: &crate::liveness::frame::ModelThresholds,
    ) -> Result<crate::liveness::frame::FrameReport> {
        let image = self.decode(input)?;
        let faces = self.detector.detect(&image)?;
        crate::liveness::frame::report(&image, &faces, models, geometry, limits)
    }

    /// Every face in an image.
    ///
    /// # Errors
    /// Decoding errors; `INFERENCE_FAILED`.
    pub fn detect(&mut self, input: ImageInput<'_>) -> Result<DetectResult> {
        let t0 = (self.clock)();
        let image = self.decode(input)?;
        let t1 = (self.clock)();
        let faces = self.detector.detect(&image)?;
        let t2 = (self.clock)();
        let dims = image.dimensions();
        Ok(DetectResult {
            image_width: dims.0,
            image_height: dims.1,
            faces: faces.iter().map(|f| FaceReport::new(f, dims)).collect(),
            detector: self.manifest.detector.file.id.clone(),
            timings: Timings {
                decode_ms: t1 - t0,
                detect_ms: t2 - t1,
                total_ms: t2 - t0,
                ..Timings::default()
            },
        })
    }

    /// Detects, chooses, aligns and embeds the face in an already decoded image. `which` names
    /// the image in errors ("first", "document", ...).
    ///
    /// # Errors
    /// `NO_FACE`, `MULTIPLE_FACES`, `INFERENCE_FAILED`.
    pub fn embed_image(
        &mut self,
        image: &RgbImage,
        policy: FacePolicy,
        which: &str,
        timings: &mut Timings,
    ) -> Result<Embedded> {
        let t0 = (self.clock)();
        let faces = self.detector.detect(image)?;
        let face = choose_face(&faces, policy, which, image.dimensions())?;
        timings.detect_ms += (self.clock)() - t0;
        self.embed_face(image, &face, which, timings)
    }

    /// Aligns and embeds a face already found in `image` (by a caller that ran the detector for
    /// its own reasons, such as the liveness checks), so the detector does not run twice.
    ///
    /// # Errors
    /// `NO_FACE` for degenerate landmarks; `INFERENCE_FAILED`.
    pub fn embed_face(
        &self,
        image: &RgbImage,
        face: &Face,
        which: &str,
        timings: &mut Timings,
    ) -> Result<Embedded> {
        let t1 = (self.clock)();
        let crop = self
            .embedder
            .align(image, face)
            .map_err(|_| Error::NoFace {
                which: which.to_string(),
            })?;
        let t2 = (self.clock)();
        let embedding = self.embedder.embed(&crop)?;
        let t3 = (self.clock)();
        timings.align_ms += t2 - t1;
        timings.embed_ms += t3 - t2;
        Ok(Embedded {
            face: FaceReport::new(face, image.dimensions()),
            crop,
            embedding,
        })
    }

    /// Decides whether two images show the same person.
    ///
    /// # Errors
    /// `BAD_PARAMETER` for a threshold outside [0, 1]; every decoding error; `NO_FACE` and
    /// `MULTIPLE_FACES` naming the image ("first" or "second"); `INFERENCE_FAILED`.
    pub fn compare(
        &mut self,
        a: ImageInput<'_>,
        b: ImageInput<'_>,
        options: &CompareOptions,
    ) -> Result<CompareResult> {
        if !(0.0..=1.0).contains(&options.threshold) {
            return Err(Error::bad_parameter(
                "threshold",
                format!("must be between 0 and 1, got {}", options.threshold),
            ));
        }
        let start = (self.clock)();
        let mut timings = Timings::default();
        let (image_a, hash_a) = self.decode_hashed(a)?;
        let (image_b, hash_b) = self.decode_hashed(b)?;
        timings.decode_ms = (self.clock)() - start;
        let ea = self.embed_image(&image_a, options.face_policy, "first", &mut timings)?;
        let eb = self.embed_image(&image_b, options.face_policy, "second", &mut timings)?;
        let spec = self.embedder.spec();
        let sim = similarity(spec.metric, &ea.embedding, &eb.embedding);
        let s = score(sim, &spec.calibration);
        let metric = spec.metric;
        timings.total_ms = (self.clock)() - start;
        Ok(CompareResult {
            is_match: s >= options.threshold,
            score: s,
            dissimilarity: 1.0 - s,
            threshold: options.threshold,
            similarity: sim,
            metric,
            face_a: ea.face,
            face_b: eb.face,
            models: self.model_ids(),
            timings,
            evidence: Evidence {
                inputs: vec![hash_a, hash_b],
                crops: vec![sha256_hex(ea.crop.as_raw()), sha256_hex(eb.crop.as_raw())],
                models: ModelHashes {
                    detector: self.manifest.detector.file.sha256.clone(),
                    embedder: spec.file.sha256.clone(),
                },
                face_policy: options.face_policy,
            },
        })
    }
}

/// Picks the face to use under `policy`.
///
/// # Errors
/// `NO_FACE` for an empty list; `MULTIPLE_FACES` under [`FacePolicy::Single`] when a second face
/// is comparable in size to the largest.
pub fn choose_face(
    faces: &[Face],
    policy: FacePolicy,
    which: &str,
    (width, height): (u32, u32),
) -> Result<Face> {
    if policy == FacePolicy::Central {
        let (cx, cy) = (width as f32 / 2.0, height as f32 / 2.0);
        let off_centre = |f: &Face| {
            let (fx, fy) = ((f.bbox.x1 + f.bbox.x2) / 2.0, (f.bbox.y1 + f.bbox.y2) / 2.0);
            (fx - cx).powi(2) + (fy - cy).powi(2)
        };
        return faces
            .iter()
            .min_by(|a, b| off_centre(a).total_cmp(&off_centre(b)))
            .cloned()
            .ok_or_else(|| Error::NoFace {
                which: which.to_string(),
            });
    }
    let largest = faces
        .iter()
        .max_by(|a, b| a.bbox.area().total_cmp(&b.bbox.area()))
        .ok_or_else(|| Error::NoFace {
            which: which.to_string(),
        })?;
    if policy == FacePolicy::Single {
        let floor = largest.bbox.area() * COMPETING_AREA;
        let count = faces.iter().filter(|f| f.bbox.area() >= floor).count();
        if count > 1 {
            return Err(Error::MultipleFaces {
                which: which.to_string(),
                count,
            });
        }
    }
    Ok(largest.clone())
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
