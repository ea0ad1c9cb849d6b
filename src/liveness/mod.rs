//! Liveness checks: is the face in front of the camera a live person? Pure stages, one module per
//! concern: [`quality`] (the OpenCV FR geometric codes from the detector's box and landmarks, with
//! the head pose from [`pose`]), [`texture`] (occlusion and the screen-moire cue, from pixels),
//! [`passive`] (the eye-state and anti-spoofing classifiers), [`motion`] and [`sequence`] (what
//! several frames show, and the decision rule). The pipeline (`crate::pipeline`) runs them on
//! frames; docs/liveness.md has every threshold and how it was measured.

pub mod active;
pub mod eyes;
pub mod mesh;
pub mod motion;
pub mod passive;
pub mod planar;
pub mod pose;
pub mod quality;
pub mod sequence;
pub mod texture;

use serde::Serialize;

use crate::liveness::quality::Thresholds;

/// Limits of the model-based checks, besides the geometric [`Thresholds`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ModelThresholds {
    /// EYES_CLOSED below this eye-state score ([`eyes`]: the classifier's mean logit of "open"
    /// plus 50 x the eyelid aperture). Chosen on the dev data: 94.8% of closed eyes fire, no
    /// open-eyed webcam frame does (docs/liveness.md).
    pub min_eye_open: f64,
    /// FACE_NOT_LIVE below this probability of a live face (MiniFASNetV2's softmax; for several
    /// frames, their mean). Chosen on the dev data (docs/liveness.md): the share of attack frames
    /// accepted is flat from 0.05 to 0.7, and the lowest such limit refuses the fewest live faces.
    pub min_live: f64,
    /// FACE_IS_OCCLUDED above this excess of non-skin pixels on the lower face over the
    /// forehead ([`texture::occlusion`]); needs no model.
    pub max_occlusion: f64,
}

impl Default for ModelThresholds {
    fn default() -> Self {
        ModelThresholds {
            min_eye_open: 6.5,
            min_live: 0.1,
            max_occlusion: 0.5,
        }
    }
}

/// Options of a liveness check over several frames.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LivenessOptions {
    /// Longest allowed time from the first frame to the last (default 500 ms).
    pub max_span_ms: f64,
    /// Geometric limits.
    pub geometry: Thresholds,
    /// Model limits.
    pub models: ModelThresholds,
    /// NOT_SAME_PERSON below this calibrated score between two frames (default 0.7, FAR 1e-3).
    pub min_identity_score: f64,
    /// REPLAYED_STILL below this mean absolute difference between consecutive aligned face
    /// crops, in grey levels (0..255): a replayed still differs by nothing.
    pub min_frame_difference: f64,
    /// SCREEN_TEXTURE above this mean share of high-frequency texture energy.
    pub max_high_frequency: f64,
    /// The ID portrait must reach this calibrated score against the live face (default 0.7).
    pub id_threshold: f64,
}

impl LivenessOptions {
    /// The limits the guidance pass holds a frame to: each stricter than the decision's by a
    /// margin that covers the difference between the guidance pass (detector at 320 px) and the
    /// full pass (640 px), so a frame the guidance calls good passes the full pass's capture
    /// checks too (docs/liveness.md has the measured agreement).
    pub fn guidance(&self) -> LivenessOptions {
        let (g, m) = (self.geometry, self.models);
        LivenessOptions {
            geometry: Thresholds {
                min_face_fraction: g.min_face_fraction * 1.1,
                max_face_fraction: g.max_face_fraction - 0.08,
                min_border_gap: g.min_border_gap + 0.02,
                max_outside: g.max_outside / 4.0,
                max_angle: g.max_angle - 3.0,
            },
            models: ModelThresholds {
                min_eye_open: m.min_eye_open + 1.5,
                max_occlusion: m.max_occlusion - 0.1,
                ..m
            },
            ..*self
        }
    }
}

impl Default for LivenessOptions {
    fn default() -> Self {
        LivenessOptions {
            max_span_ms: 500.0,
            geometry: Thresholds::default(),
            models: ModelThresholds::default(),
            min_identity_score: 0.7,
            min_frame_difference: 0.5,
            max_high_frequency: sequence::SCREEN_HIGH_FREQUENCY,
            id_threshold: crate::compare::DEFAULT_THRESHOLD,
        }
    }
}
