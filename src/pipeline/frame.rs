//! Everything one frame can say on its own: the geometric checks, occlusion, the eye state and
//! the passive anti-spoofing score, each as a check with value, threshold and verdict. This is
//! what a page runs on camera frames to guide the user, and what the multi-frame decision builds
//! on.

use image::RgbImage;

use super::{Verifier, GUIDANCE_SIDE};
use crate::detect::Face;
use crate::error::Result;
use crate::image::ImageInput;
use crate::liveness::passive::PassiveModels;
use crate::liveness::quality::{self, Check, Code};
use crate::liveness::{texture, LivenessOptions};
use crate::report::{FaceReport, FrameReport, Timings};

impl Verifier {
    /// Every single-frame check for one image (face found, alone, size, distance, border,
    /// cropping, head angle, occlusion; with `use_models`, eyes open and the passive
    /// anti-spoofing score), each with its value, threshold and verdict. `limits` supplies the
    /// geometric and model limits.
    ///
    /// # Errors
    /// Decoding errors; `UNKNOWN_MODEL` for `use_models` before [`Verifier::load_passive`];
    /// `INFERENCE_FAILED`.
    pub fn frame_report(
        &mut self,
        input: ImageInput<'_>,
        use_models: bool,
        limits: &LivenessOptions,
    ) -> Result<FrameReport> {
        let image = self.decode(input)?;
        self.frame_checks(&image, use_models, limits)
    }

    /// [`Verifier::frame_report`] on an image already decoded.
    ///
    /// # Errors
    /// As [`Verifier::frame_report`], less decoding.
    pub fn frame_checks(
        &mut self,
        image: &RgbImage,
        use_models: bool,
        limits: &LivenessOptions,
    ) -> Result<FrameReport> {
        if use_models {
            self.require_passive()?;
        }
        let t0 = self.now();
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
        let t1 = self.now();
        let models = if use_models {
            self.passive.as_ref()
        } else {
            None
        };
        let mut report = assemble(image, &faces, models, limits)?;
        let t2 = self.now();
        report.timings = Timings {
            detect_ms: t1 - t0,
            liveness_ms: t2 - t1,
            total_ms: t2 - t0,
            ..Timings::default()
        };
        Ok(report)
    }
}

/// Runs every single-frame check on `faces` found in `image`. Without `models`, only the checks
/// that need no model run (geometry and occlusion).
fn assemble(
    image: &RgbImage,
    faces: &[Face],
    models: Option<&PassiveModels>,
    limits: &LivenessOptions,
) -> Result<FrameReport> {
    let dims = image.dimensions();
    let m = &limits.models;
    let g = quality::geometry(faces, dims, &limits.geometry);
    let mut checks = g.checks;
    let (mut eyes_open, mut live, mut high_frequency) = (None, None, None);
    if let Some(face) = &g.face {
        // Pixel statistics, no model: cheap enough for every camera frame.
        if let Some(v) = texture::occlusion(image, face) {
            checks.push(Check {
                code: Code::FaceIsOccluded,
                value: v,
                threshold: m.max_occlusion,
                passed: v <= m.max_occlusion,
            });
        }
        high_frequency = texture::high_frequency_energy(image, face);
    }
    if let (Some(face), Some(models)) = (&g.face, models) {
        let eyes = models.eyes.open_probabilities(image, face)?;
        let open = f64::from(eyes[0].max(eyes[1]));
        checks.push(Check {
            code: Code::EyesClosed,
            value: open,
            threshold: m.min_eye_open,
            passed: open >= m.min_eye_open,
        });
        let p = models.anti_spoof.live_probability(image, face)?;
        checks.push(Check {
            code: Code::FaceNotLive,
            value: f64::from(p),
            threshold: m.min_live,
            passed: f64::from(p) >= m.min_live,
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
