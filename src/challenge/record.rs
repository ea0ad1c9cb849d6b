//! What a capture of a challenge produces: the frames it kept (a few, downscaled JPEGs, chosen
//! around the actions), with their times, and the events it saw live. The verdict is recomputed
//! from the frames alone, in the browser and on the server by the same code; the events are the
//! capture's own account, reported beside it.

use serde::{Deserialize, Serialize};

use crate::request::ImageSource;

/// One kept frame.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordFrame {
    /// Milliseconds since the capture started ([`ChallengeRecord::started_at`]).
    pub t: f64,
    /// The frame: base64 JPEG or PNG (a data: URL is fine), or bytes from JavaScript.
    pub image: ImageSource,
    /// Why the capture kept it, e.g. `"turn_left:peak"` (advisory).
    #[serde(default)]
    pub note: Option<String>,
}

/// Something the capture saw as it ran (advisory: the verifier does not trust it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    /// Milliseconds since the capture started.
    pub t: f64,
    /// `prompt`, `done`, `timeout`, ...
    pub kind: String,
    /// The step it concerns.
    #[serde(default)]
    pub step: Option<usize>,
}

/// A capture of one challenge.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChallengeRecord {
    /// The challenge's nonce: the record answers that challenge and no other.
    pub nonce: String,
    /// When the first prompt was shown, ms since the Unix epoch (the device's clock).
    pub started_at: u64,
    /// The kept frames, in capture order.
    pub frames: Vec<RecordFrame>,
    /// What the capture saw.
    #[serde(default)]
    pub events: Vec<Event>,
}

/// Fewest and most frames a record may carry.
pub const FRAME_COUNT: std::ops::RangeInclusive<usize> = 3..=24;

/// One camera frame as a capture tracks it live (the guidance pass's measurements), for
/// following the steps at camera rate ([`crate::liveness::active::follow`]).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tracked {
    /// Milliseconds since the capture started.
    pub t: f64,
    /// Head yaw in degrees, when a face was found.
    #[serde(default)]
    pub yaw: Option<f64>,
    /// The eye-state score (the EYES_CLOSED value).
    #[serde(default)]
    pub eyes: Option<f64>,
    /// Face width over the frame's shorter side.
    #[serde(default)]
    pub width: Option<f64>,
}

/// The steps and the frames tracked so far.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FollowRequest {
    /// The challenge's steps.
    pub steps: Vec<crate::challenge::Step>,
    /// Every frame tracked so far, in order.
    pub frames: Vec<Tracked>,
}

impl FollowRequest {
    /// The frames as the action detectors take them (no mesh: the 3D evidence is judged on the
    /// kept frames at the end, not live).
    pub fn measures(&self) -> Vec<crate::liveness::active::FrameMeasure> {
        self.frames
            .iter()
            .map(|f| crate::liveness::active::FrameMeasure {
                t: f.t,
                face: match (f.yaw, f.eyes, f.width) {
                    (Some(yaw), Some(eyes_open), Some(width)) => {
                        Some(crate::liveness::active::FaceMeasure {
                            yaw,
                            eyes_open,
                            width,
                            mesh: None,
                        })
                    }
                    _ => None,
                },
            })
            .collect()
    }
}
