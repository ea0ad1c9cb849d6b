//! What only several frames show (one person throughout, frames that are not one still replayed,
//! landmark motion a flat picture cannot make, the screen-texture cue over the frames), and the
//! rule that combines them with the single-frame checks into one decision.
//!
//! Pure functions over measurements: the pipeline (`crate::pipeline::liveness`) detects, embeds
//! and scores, and hands the numbers in. docs/liveness.md has how each limit was measured.

use image::RgbImage;
use serde::Serialize;

use crate::liveness::motion::{affine_residual, mean_abs_difference};
use crate::liveness::quality::{Check, Code};
use crate::liveness::LivenessOptions;

crate::codes::codes! {
    /// The checks only a sequence can make.
    pub enum SequenceCode {
        /// The frames show different people.
        NotSamePerson = "NOT_SAME_PERSON",
        /// Two consecutive frames are the same picture.
        ReplayedStill = "REPLAYED_STILL",
        /// Landmark motion the best affine map between frames leaves unexplained, as a fraction
        /// of the eye distance: what a turning head makes and a flat picture cannot. Reported,
        /// not yet part of the decision (a live person holding still makes little of it either).
        PlanarMotionOnly = "PLANAR_MOTION_ONLY",
        /// The skin texture carries more high-frequency energy than a camera sees on skin: a
        /// screen's pixel grid (moire). Reported; docs/liveness.md has its measured weight.
        ScreenTexture = "SCREEN_TEXTURE",
    }
}

/// One sequence check.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SequenceCheck {
    /// The code reported when the check fails.
    pub code: SequenceCode,
    /// The measured value.
    pub value: f64,
    /// The limit it is held to.
    pub threshold: f64,
    /// The verdict.
    pub passed: bool,
    /// Whether the decision uses it.
    pub decisive: bool,
}

/// Mean share of high-frequency texture energy above which SCREEN_TEXTURE fails; see
/// docs/liveness.md for the measurement behind it.
pub const SCREEN_HIGH_FREQUENCY: f64 = 0.012;

/// Whether SCREEN_TEXTURE decides, or is only reported.
pub const SCREEN_TEXTURE_DECISIVE: bool = false;

/// Residual (fraction of the eye distance) above which landmark motion is more than a flat
/// picture moved in front of the camera can make; a first value, to be measured.
pub const PLANAR_RESIDUAL: f64 = 0.02;

/// The rule [`decide`] applies, stated in every result.
pub const DECISION_RULE: &str = "live when (1) the mean probability of a live face over the frames (MiniFASNetV2 anti-spoofing) reaches the FACE_NOT_LIVE limit, (2) the decisive sequence checks pass: one person in every frame (NOT_SAME_PERSON) and no two consecutive frames one still picture (REPLAYED_STILL), and (3) no capture check (face found, alone, size, distance, border, cropping, head angle, occlusion, eyes open) fails on more than half of the frames: a blink or a glance on one frame of three is a live person's. PLANAR_MOTION_ONLY and SCREEN_TEXTURE are reported, not decisive. Limits chosen on dev data (`veriface eval liveness`, docs/liveness.md); not a certified presentation-attack detector";

/// One frame's face as the sequence checks see it.
#[derive(Debug, Clone, Copy)]
pub struct FaceTrack<'a> {
    /// The aligned crop of the face (the embedder's input).
    pub crop: &'a RgbImage,
    /// Its five landmarks in frame pixels.
    pub landmarks: &'a [[f32; 2]; 5],
}

/// The sequence checks over the frames that had a face (`faces`, in capture order) of
/// `frame_count` frames. `min_identity` is the weakest calibrated score between two of the faces
/// (the compare's own score), `None` with fewer than two faces; `textures` the frames'
/// high-frequency shares.
pub fn checks(
    faces: &[FaceTrack<'_>],
    frame_count: usize,
    min_identity: Option<f64>,
    textures: &[f64],
    options: &LivenessOptions,
) -> Vec<SequenceCheck> {
    let min_identity = min_identity.unwrap_or(0.0);
    let (mut min_diff, mut max_residual) = (f64::INFINITY, 0f64);
    for pair in faces.windows(2) {
        if let [a, b] = pair {
            min_diff = min_diff.min(mean_abs_difference(a.crop, b.crop));
            max_residual = max_residual.max(affine_residual(a.landmarks, b.landmarks));
        }
    }
    let min_diff = if min_diff.is_finite() { min_diff } else { 0.0 };
    let texture = if textures.is_empty() {
        0.0
    } else {
        textures.iter().sum::<f64>() / textures.len() as f64
    };
    vec![
        SequenceCheck {
            code: SequenceCode::NotSamePerson,
            value: min_identity,
            threshold: options.min_identity_score,
            passed: faces.len() == frame_count && min_identity >= options.min_identity_score,
            decisive: true,
        },
        SequenceCheck {
            code: SequenceCode::ReplayedStill,
            value: min_diff,
            threshold: options.min_frame_difference,
            passed: min_diff >= options.min_frame_difference,
            decisive: true,
        },
        SequenceCheck {
            code: SequenceCode::PlanarMotionOnly,
            value: max_residual,
            threshold: PLANAR_RESIDUAL,
            passed: max_residual >= PLANAR_RESIDUAL,
            decisive: false,
        },
        SequenceCheck {
            code: SequenceCode::ScreenTexture,
            value: texture,
            threshold: options.max_high_frequency,
            passed: texture <= options.max_high_frequency,
            decisive: SCREEN_TEXTURE_DECISIVE,
        },
    ]
}

/// The combined verdict of [`DECISION_RULE`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Decision {
    /// Live.
    pub is_live: bool,
    /// Mean probability of a live face over the frames (0 when a frame has none).
    pub live_mean: f64,
    /// An anti-spoofing cue failed (the mean probability, or a decisive sequence check), as
    /// opposed to a capture problem alone.
    pub presentation_attack: bool,
}

/// Applies [`DECISION_RULE`] to each frame's checks and probability of a live face, and to the
/// sequence checks.
pub fn decide(
    frames: &[(&[Check], Option<f32>)],
    sequence: &[SequenceCheck],
    options: &LivenessOptions,
) -> Decision {
    let lives: Vec<f64> = frames
        .iter()
        .filter_map(|(_, live)| live.map(f64::from))
        .collect();
    let live_mean = if !lives.is_empty() && lives.len() == frames.len() {
        lives.iter().sum::<f64>() / lives.len() as f64
    } else {
        0.0
    };
    let presentation_attack =
        live_mean < options.models.min_live || sequence.iter().any(|c| !c.passed && c.decisive);
    Decision {
        is_live: capture_failures(frames).is_empty() && !presentation_attack,
        live_mean,
        presentation_attack,
    }
}

/// The capture checks (every frame check but FACE_NOT_LIVE, which the mean decides) that fail on
/// more than half of the frames, in check order.
pub fn capture_failures(frames: &[(&[Check], Option<f32>)]) -> Vec<Code> {
    let mut counts: Vec<(Code, usize)> = Vec::new();
    for (checks, _) in frames {
        for c in checks
            .iter()
            .filter(|c| !c.passed && c.code != Code::FaceNotLive)
        {
            match counts.iter_mut().find(|(code, _)| *code == c.code) {
                Some((_, n)) => *n += 1,
                None => counts.push((c.code, 1)),
            }
        }
    }
    counts
        .into_iter()
        .filter(|(_, n)| 2 * n > frames.len())
        .map(|(code, _)| code)
        .collect()
}
