//! veriface's own shape: what every vendor shape says (decision, score, distance, threshold,
//! which image had a face, transaction ids, time) plus what none of them does: the faces with
//! landmarks, per-stage timings, model ids and SHA-256 digests of the models, the inputs and the
//! aligned crops, so that a server can recompute the result (`veriface verify-evidence`).

use serde::Serialize;

use super::{to_value, Context, Failure, Ids, Response};
use crate::report::{CompareResult, LivenessResult};

#[derive(Serialize)]
struct Body<'a, T: Serialize> {
    #[serde(flatten)]
    ids: Ids<'a>,
    timestamp: i64,
    #[serde(flatten)]
    result: Option<&'a T>,
    error: Option<ErrorBody>,
}

#[derive(Serialize)]
struct ErrorBody {
    code: &'static str,
    message: String,
    /// The image ("first" or "second") a face error is about.
    image: Option<String>,
}

pub(super) fn compare(outcome: &Result<CompareResult, Failure>, ctx: &Context) -> Response {
    respond(outcome, ctx)
}

/// A liveness result in full (every check with value and threshold, the ID match with its
/// evidence), with the ids and time.
pub(super) fn liveness(outcome: &Result<LivenessResult, Failure>, ctx: &Context) -> Response {
    respond(outcome, ctx)
}

fn respond<T: Serialize>(outcome: &Result<T, Failure>, ctx: &Context) -> Response {
    let (status, result, error) = match outcome {
        Ok(r) => (200, Some(r), None),
        Err(f) => (
            f.status(),
            None,
            Some(ErrorBody {
                code: f.code(),
                message: f.message(),
                image: f.face_image().map(str::to_string),
            }),
        ),
    };
    Response {
        status,
        body: to_value(&Body {
            ids: Ids::new(ctx),
            timestamp: ctx.timestamp_ms.round() as i64,
            result,
            error,
        }),
    }
}
