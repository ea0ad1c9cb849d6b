//! Everything one frame can say on its own: the geometric checks, occlusion, the eye state and
//! the passive anti-spoofing score, each as a check with value, threshold and verdict. This is
//! what a page runs on camera frames to guide the user, and what the multi-frame decision builds
//! on.

use image::RgbImage;

use super::Verifier;
use crate::detect::Face;
use crate::error::Result;
use crate::image::ImageInput;
use crate::liveness::eyes::EyeState;
use crate::liveness::passive::AntiSpoof;
use crate::liveness::quality::{self, Check, Code};
use crate::liveness::{texture, LivenessOptions};
use crate::report::{FaceReport, FrameReport, Timings};

/// Which checks a frame gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pass {
    /// Every check at full detector resolution, the anti-spoofing model included: what a
    /// liveness decision uses.
    Full,
    /// What a page runs on a camera frame to guide the user: the detector at a quarter of the
    /// pixels, the eye-state model when it is loaded (1 ms), no anti-spoofing model, and every
    /// limit tightened by a margin ([`LivenessOptions::guidance`]) so that a frame the guidance
    /// calls good passes the full pass's capture checks too. Stateless.
    Guidance,
    /// [`Pass::Guidance`] on the next frame of one camera stream: the detector looks first in a
    /// window around the face of the previous `Follow` frame, a fifth of its work on the whole
    /// frame, and searches the whole frame every few frames and whenever the window loses the
    /// face (`pipeline/track.rs`). Only for frames that follow each other: on unrelated images
    /// a face elsewhere could go unseen for a few calls.
    Follow,
}

impl Verifier {
    /// The single-frame checks for one image (face found, alone, size, distance, border,
    /// cropping, head angle, occlusion, eyes open; in the full pass the passive anti-spoofing
    /// score too), each with its value, threshold and verdict. `limits` supplies the limits.
    ///
    /// # Errors
    /// Decoding errors; `UNKNOWN_MODEL` for the full pass before [`Verifier::load_passive`];
    /// `INFERENCE_FAILED`.
    pub fn frame_report(
        &mut self,
        input: ImageInput<'_>,
        pass: Pass,
        limits: &LivenessOptions,
    ) -> Result<FrameReport> {
        let image = self.decode(input)?;
        self.frame_checks(&image, pass, limits)
    }

    /// [`Verifier::frame_report`] on an image already decoded.
    ///
    /// # Errors
    /// As [`Verifier::frame_report`], less decoding.
    pub fn frame_checks(
        &mut self,
        image: &RgbImage,
        pass: Pass,
        limits: &LivenessOptions,
    ) -> Result<FrameReport> {
        if pass == Pass::Full {
            self.require_passive()?;
        }
        let t0 = self.now();
        // The guidance pass runs on every camera frame: around the last frame's face, else the
        // whole frame at a quarter of the pixels (docs/liveness.md has what it costs).
        let faces = match pass {
            // Not coarse to fine: the capture checks' limits were set on 640 boxes and
            // landmarks, and with the 320 pass answering, 8 more of 230 bona fide frames failed
            // them (border and angle; `veriface eval liveness`, docs/liveness.md).
            Pass::Full => self.detector.detect_fine(image)?,
            Pass::Guidance => self.guidance_faces(image, false)?,
            Pass::Follow => self.guidance_faces(image, true)?,
        };
        let t1 = self.now();
        let guidance_limits;
        let limits = match pass {
            Pass::Full => limits,
            Pass::Guidance | Pass::Follow => {
                guidance_limits = limits.guidance();
                &guidance_limits
            }
        };
        let models = Models {
            eyes: self.passive.as_ref().map(|m| &m.eyes),
            anti_spoof: match pass {
                Pass::Full => self.passive.as_ref().map(|m| &m.anti_spoof),
                Pass::Guidance | Pass::Follow => None,
            },
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

/// The classifiers a pass runs.
#[derive(Clone, Copy)]
struct Models<'a> {
    eyes: Option<&'a EyeState>,
    anti_spoof: Option<&'a AntiSpoof>,
}

/// Runs the single-frame checks on `faces` found in `image`: geometry and occlusion always, and
/// the classifiers given.
fn assemble(
    image: &RgbImage,
    faces: &[Face],
    models: Models<'_>,
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
    if let (Some(face), Some(model)) = (&g.face, models.eyes) {
        let eyes = model.read(image, face)?;
        checks.push(Check {
            code: Code::EyesClosed,
            value: eyes.score,
            threshold: m.min_eye_open,
            passed: eyes.score >= m.min_eye_open,
        });
        eyes_open = Some(eyes.open);
    }
    if let (Some(face), Some(model)) = (&g.face, models.anti_spoof) {
        let p = model.live_probability(image, face)?;
        checks.push(Check {
            code: Code::FaceNotLive,
            value: f64::from(p),
            threshold: m.min_live,
            passed: f64::from(p) >= m.min_live,
        });
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
