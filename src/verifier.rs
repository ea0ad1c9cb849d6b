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
use crate::liveness::frame::{self, FrameReport, ModelThresholds, PassiveModels};
use crate::liveness::quality::Thresholds;
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

/// Detector input side for the model-free guidance pass.
pub const GUIDANCE_SIDE: u32 = 320;

/// A second face with at least this fraction of the largest face's area makes an image ambiguous.
pub const COMPETING_AREA: f32 = 0.36;

/// Options for [`Verifier::compare`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CompareOptions {
    /// Decision threshold on the calibrated score, in [0, 1].
    pub threshold: f64,
    /// How to pick the face in each image.
    pub face_policy: FacePolicy,
    /// Also run the single-frame liveness checks on the first image's face (the OpenCV FR
    /// server's `check_liveness`: the probe is the live capture, the second image the reference).
    /// Needs the passive models ([`Verifier::load_passive`]).
    pub check_liveness: bool,
}

impl Default for CompareOptions {
    fn default() -> Self {
        CompareOptions {
            threshold: DEFAULT_THRESHOLD,
            face_policy: FacePolicy::Single,
            check_liveness: false,
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
    /// The eye-state and anti-spoofing classifiers, once loaded: optional, because a page that
    /// only compares photos need not download them.
    passive: Option<PassiveModels>,
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
            passive: None,
        })
    }

    /// Loads the eye-state and passive anti-spoofing models named in the manifest (hashes
    /// checked), for the liveness checks.
    ///
    /// # Errors
    /// `UNKNOWN_MODEL` when the manifest names none; `MODEL_HASH_MISMATCH`; `INFERENCE_FAILED`.
    pub fn load_passive(&mut self, liveness: &[u8], eye: &[u8]) -> Result<()> {
        self.passive = Some(PassiveModels::new(&self.manifest, liveness, eye)?);
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
    /// cropping, head angle, occlusion; with `use_models`, eyes open and the passive
    /// anti-spoofing score), each with its value, threshold and verdict.
    ///
    /// # Errors
    /// Decoding errors; `UNKNOWN_MODEL` for `use_models` before [`Verifier::load_passive`];
    /// `INFERENCE_FAILED`.
    pub fn frame_report(
        &mut self,
        input: ImageInput<'_>,
        use_models: bool,
        geometry: &Thresholds,
        limits: &ModelThresholds,
    ) -> Result<FrameReport> {
        let image = self.decode(input)?;
        self.frame_checks(&image, use_models, geometry, limits)
    }

    /// [`Verifier::frame_report`] on an image already decoded.
    ///
    /// # Errors
    /// As [`Verifier::frame_report`], less decoding.
    pub fn frame_checks(
        &mut self,
        image: &RgbImage,
        use_models: bool,
        geometry: &Thresholds,
        limits: &ModelThresholds,
    ) -> Result<FrameReport> {
        if use_models {
            self.require_passive()?;
        }
        let t0 = (self.clock)();
        // Without the models this is the guidance pass run on every camera frame: the detector
        // at a quarter of the pixels (docs/liveness.md has what it costs in accuracy). A face
        // too small to be seen there gets the full pass, so that the user hears "move closer"
        // rather than "no face".
        let faces = if use_models {
            self.detector.detect(image)?
        } else {
            match self.detector.detect_at(image, GUIDANCE_SIDE)? {
                faces if faces.is_empty() => self.detector.detect(image)?,
                faces => faces,
            }
        };
        let t1 = (self.clock)();
        let models = if use_models {
            self.passive.as_ref()
        } else {
            None
        };
        let mut report = frame::report(image, &faces, models, geometry, limits)?;
        let t2 = (self.clock)();
        report.timings = Timings {
            detect_ms: t1 - t0,
            liveness_ms: t2 - t1,
            total_ms: t2 - t0,
            ..Timings::default()
        };
        Ok(report)
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
        let (ea, liveness) =
            if options.check_liveness {
                // One detector pass serves both the checks and the face to embed.
                self.require_passive()?;
                let report = self.frame_checks(
                    &image_a,
                    true,
                    &Thresholds::default(),
                    &ModelThresholds::default(),
                )?;
                timings.detect_ms += report.timings.detect_ms;
                timings.liveness_ms += report.timings.liveness_ms;
                let faces: Vec<Face> = report.subject.iter().cloned().collect();
                let face = choose_face(&faces, FacePolicy::Largest, "first", image_a.dimensions())?;
                if options.face_policy == FacePolicy::Single {
                    // The checks' TOO_MANY_FACES says the same as MULTIPLE_FACES would; keep the
                    // error the compare would give without the checks.
                    if let Some(c) = report.checks.iter().find(|c| {
                        c.code == crate::liveness::quality::Code::TooManyFaces && !c.passed
                    }) {
                        return Err(Error::MultipleFaces {
                            which: "first".into(),
                            count: c.value as usize,
                        });
                    }
                }
                (
                    self.embed_face(&image_a, &face, "first", &mut timings)?,
                    Some(report),
                )
            } else {
                (
                    self.embed_image(&image_a, options.face_policy, "first", &mut timings)?,
                    None,
                )
            };
        let eb = self.embed_image(&image_b, options.face_policy, "second", &mut timings)?;
        let mut result = self.decide(
            [(ea, hash_a), (eb, hash_b)],
            options.threshold,
            options.face_policy,
            timings,
        );
        result.timings.total_ms = (self.clock)() - start;
        result.liveness = liveness;
        Ok(result)
    }

    /// The comparison of two embedded faces, with the evidence a server needs to recompute it:
    /// each face with the SHA-256 of the input it came from.
    pub fn decide(
        &self,
        [(ea, hash_a), (eb, hash_b)]: [(Embedded, String); 2],
        threshold: f64,
        face_policy: FacePolicy,
        timings: Timings,
    ) -> CompareResult {
        let spec = self.embedder.spec();
        let sim = similarity(spec.metric, &ea.embedding, &eb.embedding);
        let s = score(sim, &spec.calibration);
        CompareResult {
            is_match: s >= threshold,
            score: s,
            dissimilarity: 1.0 - s,
            threshold,
            similarity: sim,
            metric: spec.metric,
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
                face_policy,
            },
            liveness: None,
        }
    }

    /// The current time on the verifier's clock, in ms.
    pub fn now(&self) -> f64 {
        (self.clock)()
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
