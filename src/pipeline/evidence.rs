//! Re-checking a result produced elsewhere (in a browser, which the server cannot trust): the
//! same two inputs run again natively, and every claim compared with the recomputation.

use serde::Serialize;
use serde_json::Value;

use super::{CompareOptions, Verifier};
use crate::error::Result;
use crate::image::ImageInput;
use crate::report::CompareResult;

/// Largest score difference accepted between a browser's result and the native recomputation:
/// the two differ in the order of floating-point sums (about 1e-8 measured), never by 1e-4.
pub const SCORE_TOLERANCE: f64 = 1e-4;

/// One claim against its recomputation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvidenceCheck {
    /// What was compared: `inputs`, `models`, `score`, `is_match`.
    pub name: &'static str,
    /// Whether the claim stands.
    pub ok: bool,
    /// What the result said.
    pub claimed: Value,
    /// What the recomputation gave.
    pub recomputed: Value,
}

/// The verdict on a claimed result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvidenceReport {
    /// Every check passed.
    pub confirmed: bool,
    /// Each check.
    pub checks: Vec<EvidenceCheck>,
    /// The aligned crops hash alike (not required: SIMD kernels in the browser and natively may
    /// round the last bit differently).
    pub crops_identical: bool,
    /// |claimed score - recomputed score|.
    pub score_difference: f64,
    /// [`SCORE_TOLERANCE`].
    pub tolerance: f64,
}

impl Verifier {
    /// Recomputes `claim` (a veriface-format compare result) from the same two inputs, with the
    /// claim's threshold and face policy, and says whether it stands. Load this verifier with
    /// the claim's embedder (`claim.models.embedder`), or the models check fails.
    ///
    /// # Errors
    /// Whatever the recomputation's compare raises (decoding, `NO_FACE`, ...).
    pub fn verify_evidence(
        &mut self,
        claim: &CompareResult,
        a: ImageInput<'_>,
        b: ImageInput<'_>,
    ) -> Result<EvidenceReport> {
        let options = CompareOptions {
            threshold: claim.threshold,
            face_policy: claim.evidence.face_policy,
            check_liveness: false,
        };
        let again = self.compare(a, b, &options)?;
        let check = |name, ok, claimed: Value, recomputed: Value| EvidenceCheck {
            name,
            ok,
            claimed,
            recomputed,
        };
        let checks = vec![
            check(
                "inputs",
                claim.evidence.inputs == again.evidence.inputs,
                json(&claim.evidence.inputs),
                json(&again.evidence.inputs),
            ),
            check(
                "models",
                claim.evidence.models == again.evidence.models,
                json(&claim.evidence.models),
                json(&again.evidence.models),
            ),
            check(
                "score",
                (claim.score - again.score).abs() <= SCORE_TOLERANCE,
                json(&claim.score),
                json(&again.score),
            ),
            check(
                "is_match",
                claim.is_match == again.is_match,
                json(&claim.is_match),
                json(&again.is_match),
            ),
        ];
        Ok(EvidenceReport {
            confirmed: checks.iter().all(|c| c.ok),
            checks,
            crops_identical: claim.evidence.crops == again.evidence.crops,
            score_difference: (claim.score - again.score).abs(),
            tolerance: SCORE_TOLERANCE,
        })
    }
}

/// `serde_json::to_value` without a panic path (these plain values always serialise).
fn json<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}
