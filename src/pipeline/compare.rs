//! Two images in, "same person or not" out: decode, detect, choose the face, align, embed, score.

use image::RgbImage;

use super::{Embedded, Pass, Verifier};
use crate::compare::{score, similarity, DEFAULT_THRESHOLD};
use crate::detect::Face;
use crate::error::{Error, Result};
use crate::image::ImageInput;
use crate::liveness::quality::Code;
use crate::models::sha256_hex_of_parts;
use crate::report::{CompareResult, DetectResult, Evidence, FaceReport, ModelHashes, Timings};
use crate::select::{choose_face, FacePolicy};

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

impl CompareOptions {
    /// Checks the ranges.
    ///
    /// # Errors
    /// `BAD_PARAMETER` for a threshold outside [0, 1].
    pub fn validate(&self) -> Result<()> {
        if (0.0..=1.0).contains(&self.threshold) {
            Ok(())
        } else {
            Err(Error::bad_parameter(
                "threshold",
                format!("must be between 0 and 1, got {}", self.threshold),
            ))
        }
    }
}

impl Verifier {
    /// Every face in an image.
    ///
    /// # Errors
    /// Decoding errors; `INFERENCE_FAILED`.
    pub fn detect(&mut self, input: ImageInput<'_>) -> Result<DetectResult> {
        let t0 = self.now();
        let image = self.decode(input)?;
        let t1 = self.now();
        let faces = self.detector.detect(&image)?;
        let t2 = self.now();
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
        let t0 = self.now();
        let faces = self.detector.detect(image)?;
        let face = choose_face(&faces, policy, which, image.dimensions())?;
        timings.detect_ms += self.now() - t0;
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
        let t1 = self.now();
        let crops = self
            .embedder
            .align(image, face)
            .map_err(|_| Error::NoFace {
                which: which.to_string(),
            })?;
        let t2 = self.now();
        let embedding = self.embedder.embed(&crops)?;
        let t3 = self.now();
        timings.align_ms += t2 - t1;
        timings.embed_ms += t3 - t2;
        Ok(Embedded {
            face: FaceReport::new(face, image.dimensions()),
            crops,
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
        options.validate()?;
        let start = self.now();
        let mut timings = Timings::default();
        let (image_a, hash_a) = self.decode_hashed(a)?;
        let (image_b, hash_b) = self.decode_hashed(b)?;
        timings.decode_ms = self.now() - start;
        let (ea, liveness) = if options.check_liveness {
            // One detector pass serves both the checks and the face to embed.
            let report = self.frame_checks(&image_a, Pass::Full, &Default::default())?;
            timings.detect_ms += report.timings.detect_ms;
            timings.liveness_ms += report.timings.liveness_ms;
            let faces: Vec<Face> = report.subject.iter().cloned().collect();
            let face = choose_face(&faces, FacePolicy::Largest, "first", image_a.dimensions())?;
            if options.face_policy == FacePolicy::Single {
                // The checks' TOO_MANY_FACES says the same as MULTIPLE_FACES would; keep the
                // error the compare would give without the checks.
                if let Some(c) = report
                    .checks
                    .iter()
                    .find(|c| c.code == Code::TooManyFaces && !c.passed)
                {
                    return Err(Error::MultipleFaces {
                        which: "first".into(),
                        count: c.value as usize,
                    });
                }
            }
            let embedded = self.embed_face(&image_a, &face, "first", &mut timings)?;
            (embedded, Some(report))
        } else {
            let embedded =
                self.embed_image(&image_a, options.face_policy, "first", &mut timings)?;
            (embedded, None)
        };
        let eb = self.embed_image(&image_b, options.face_policy, "second", &mut timings)?;
        let mut result = self.decide(
            [(ea, hash_a), (eb, hash_b)],
            options.threshold,
            options.face_policy,
            timings,
        );
        result.timings.total_ms = self.now() - start;
        result.liveness = liveness;
        Ok(result)
    }

    /// The calibrated score of two embedded faces: what every decision about identity uses.
    pub fn score(&self, a: &Embedded, b: &Embedded) -> f64 {
        let spec = self.embedder.spec();
        score(
            similarity(spec.metric, &a.embedding, &b.embedding),
            &spec.calibration,
        )
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
                crops: vec![crops_sha256(&ea.crops), crops_sha256(&eb.crops)],
                models: ModelHashes {
                    detector: self.manifest.detector.file.sha256.clone(),
                    embedder: spec.sha256(),
                },
                face_policy,
            },
            liveness: None,
        }
    }
}

/// The SHA-256 of a face's aligned crops, their pixels one after another: for one embedder, the
/// hash of its one crop.
fn crops_sha256(crops: &[RgbImage]) -> String {
    sha256_hex_of_parts(crops.iter().map(|c| c.as_raw().as_slice()))
}
