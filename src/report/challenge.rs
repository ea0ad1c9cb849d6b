//! What verifying a challenge returns: each step, each check, each frame, and the verdict.

use serde::Serialize;

use super::Timings;
use crate::liveness::active::StepResult;

crate::codes::codes! {
    /// Why a challenge record is refused.
    pub enum ChallengeCode {
        /// The challenge carries no valid signature of the server's key (or none at all where
        /// one is required).
        BadSignature = "BAD_SIGNATURE",
        /// Verified after the challenge's expiry, or captured outside its validity.
        ChallengeExpired = "CHALLENGE_EXPIRED",
        /// The nonce was used before: a replayed record.
        NonceReused = "NONCE_REUSED",
        /// The record answers another challenge (its nonce differs).
        WrongChallenge = "WRONG_CHALLENGE",
        /// Frame times out of order, too close together or outside the capture.
        BadTiming = "BAD_TIMING",
        /// A frame without a face.
        FaceNotFound = "FACE_NOT_FOUND",
        /// An action was not done, not in order, or not within its window.
        ActionNotDone = "ACTION_NOT_DONE",
        /// A head turn moved the face like a flat picture.
        No3dMotion = "NO_3D_MOTION",
        /// The frames show more than one person.
        NotSamePerson = "NOT_SAME_PERSON",
        /// The passive anti-spoofing score of the frontal frames is too low.
        FaceNotLive = "FACE_NOT_LIVE",
    }
}

/// One check of a record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChallengeCheck {
    /// The code reported when it fails.
    pub code: ChallengeCode,
    /// The verdict.
    pub passed: bool,
    /// The measured value, where there is one.
    pub value: Option<f64>,
    /// The limit it is held to, where there is one.
    pub threshold: Option<f64>,
    /// What was found, in words.
    pub detail: String,
}

/// One kept frame as the verifier measured it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChallengeFrame {
    /// Milliseconds since the capture started.
    pub t: f64,
    /// A face was found.
    pub face: bool,
    /// Head yaw in degrees.
    pub yaw: Option<f64>,
    /// The larger eye-open probability.
    pub eyes_open: Option<f64>,
    /// Face width over the frame's shorter side.
    pub width: Option<f64>,
    /// Probability of a live face.
    pub live: Option<f64>,
}

/// The verdict on a challenge record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChallengeResult {
    /// Every check passed and every step was done.
    pub passed: bool,
    /// The challenge's nonce.
    pub nonce: String,
    /// The challenge carried a valid signature of the verifying key.
    pub signed: bool,
    /// Each step.
    pub steps: Vec<StepResult>,
    /// Each check.
    pub checks: Vec<ChallengeCheck>,
    /// Each frame.
    pub frames: Vec<ChallengeFrame>,
    /// Mean probability of a live face over the frontal frames.
    pub live_mean: f64,
    /// The codes of the failed checks.
    pub failed_codes: Vec<ChallengeCode>,
    /// How the decision was made.
    pub decision_rule: &'static str,
    /// Summed stage timings.
    pub timings: Timings,
}
