//! Result types: veriface's own shapes, serialised as they are for the CLI's `--json`, the
//! JavaScript API and the `veriface` vendor format; the other vendors' bodies (`crate::shapes`)
//! are built from them. Plain data: nothing here runs a model.

mod challenge;
mod compare;
mod liveness;

pub use challenge::{ChallengeCheck, ChallengeCode, ChallengeFrame, ChallengeResult};
pub use compare::{
    CompareResult, DetectResult, Evidence, FaceReport, ModelHashes, ModelIds, Timings,
};
pub use liveness::{FrameReport, LivenessResult};
