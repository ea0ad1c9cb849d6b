//! What the liveness checks return: one frame's report, and the decision over several frames.

use serde::Serialize;

use super::{CompareResult, FaceReport, Timings};
use crate::detect::Face;
use crate::liveness::pose::Pose;
use crate::liveness::quality::{Check, Code};
use crate::liveness::sequence::{self, SequenceCheck};

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
    /// ([`crate::liveness::texture::high_frequency_energy`]): a screen-replay cue, reported.
    pub high_frequency: Option<f64>,
    /// Every check, geometric first.
    pub checks: Vec<Check>,
    /// True when every check passed.
    pub passed: bool,
    /// Time spent (set by the verifier, which owns the clock).
    pub timings: Timings,
}

impl FrameReport {
    /// The codes of the checks that failed, in check order.
    pub fn failed(&self) -> impl Iterator<Item = Code> + '_ {
        self.checks.iter().filter(|c| !c.passed).map(|c| c.code)
    }
}

/// The answer of a liveness check over several frames.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LivenessResult {
    /// The decision.
    pub is_live: bool,
    /// Mean probability of a live face over the frames.
    pub live_mean: f64,
    /// Time from the first frame to the last, when timestamps were given.
    pub span_ms: Option<f64>,
    /// Each frame's checks.
    pub frames: Vec<FrameReport>,
    /// The sequence checks.
    pub sequence: Vec<SequenceCheck>,
    /// With an ID front: the most frontal frame compared with the ID portrait (the largest face
    /// on the document), with the evidence a server needs to recompute it.
    pub id_match: Option<CompareResult>,
    /// `is_live` and, with an ID front, `id_match.is_match`: what Vlens calls a verified
    /// digital identity.
    pub verified: bool,
    /// True when an anti-spoofing cue failed (the mean probability of a live face, or a
    /// decisive sequence check), as opposed to a capture problem (distance, pose, eyes) alone:
    /// Vlens's `spoofing.fake`.
    pub presentation_attack: bool,
    /// How the decision was made.
    pub decision_rule: &'static str,
    /// Summed stage timings.
    pub timings: Timings,
}

impl LivenessResult {
    /// Why the result is not live: the capture checks that failed on more than half of the
    /// frames (in check order), then FACE_NOT_LIVE when the mean probability of a live face fell
    /// short, then the decisive sequence checks that failed. Empty for a live result.
    pub fn failed_codes(&self) -> Vec<&'static str> {
        let mut out: Vec<&'static str> = Vec::new();
        let mut push = |name: &'static str| {
            if !out.contains(&name) {
                out.push(name);
            }
        };
        let frames: Vec<_> = self
            .frames
            .iter()
            .map(|f| (f.checks.as_slice(), f.live))
            .collect();
        for code in sequence::capture_failures(&frames) {
            push(code.name());
        }
        if self
            .frames
            .iter()
            .flat_map(|f| &f.checks)
            .any(|c| c.code == Code::FaceNotLive && self.live_mean < c.threshold)
        {
            push(Code::FaceNotLive.name());
        }
        for c in &self.sequence {
            if !c.passed && c.decisive {
                push(c.code.name());
            }
        }
        out
    }
}
