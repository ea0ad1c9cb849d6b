//! The vendor-facing commands: `compare --format`, `handle` and `verify-evidence`.

use std::path::Path;

use serde_json::Value;
use veriface::vendor::{self, Context, Failure, Format, Request};
use veriface::{CompareOptions, CompareResult, Error, ImageInput, Verifier};

use crate::{read, to_json};

/// A context with a fresh UUID v4 from the OS's cryptographic source and the current time.
pub fn fresh_context() -> veriface::Result<Context> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| Error::Inference {
        reason: format!("no random source for the transaction id: {e}"),
    })?;
    let timestamp_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64() * 1000.0)
        .unwrap_or_default();
    Ok(Context {
        transaction_id: vendor::uuid_v4(bytes),
        timestamp_ms,
        ..Context::default()
    })
}

/// Prints a vendor response body; `true` when its status is a success.
fn print_response(response: &vendor::Response, with_status: bool) -> bool {
    if with_status {
        println!("{}", to_json(response));
    } else {
        println!("{}", to_json(&response.body));
    }
    response.status < 400
}

/// `liveness --format F`: the outcome, success or error, in the vendor's shape; true when the
/// response says live (and matched, with an ID).
pub fn liveness(
    format: Format,
    outcome: &veriface::Result<veriface::liveness::session::LivenessResult>,
) -> veriface::Result<bool> {
    let ctx = fresh_context()?;
    let outcome = outcome.clone().map_err(Failure::from);
    let response = vendor::liveness_response(format, &outcome, &ctx);
    print_response(&response, false);
    Ok(outcome.is_ok_and(|r| r.verified) && response.status < 400)
}

/// `compare --format F`: the outcome, success or error, in the vendor's shape.
pub fn compare(
    v: &mut Verifier,
    a: &Path,
    b: &Path,
    options: &CompareOptions,
    format: Format,
) -> veriface::Result<bool> {
    let options = CompareOptions {
        face_policy: format.default_face_policy(),
        ..*options
    };
    let outcome = match (read(a), read(b)) {
        (Ok(ba), Ok(bb)) => v
            .compare(ImageInput::Encoded(&ba), ImageInput::Encoded(&bb), &options)
            .map_err(Failure::from),
        (Err(e), _) | (_, Err(e)) => return Err(e),
    };
    let ctx = fresh_context()?;
    Ok(print_response(
        &vendor::compare_response(format, &outcome, &ctx),
        false,
    ))
}

/// `handle ENDPOINT BODY.json`: answers a vendor request body as the vendor would.
pub fn handle(v: &mut Verifier, endpoint: &str, body: &Path) -> veriface::Result<bool> {
    let text = read(body)?;
    let body: Value = serde_json::from_slice(&text).map_err(|e| {
        Error::bad_parameter("BODY", format!("{} is not JSON: {e}", body.display()))
    })?;
    let response = vendor::handle(
        v,
        Request {
            endpoint,
            body: &body,
        },
        fresh_context()?,
    );
    Ok(print_response(&response, true))
}

/// One comparison of a claim against the recomputation.
#[derive(serde::Serialize)]
struct Check {
    name: &'static str,
    ok: bool,
    claimed: Value,
    recomputed: Value,
}

/// Largest score difference accepted between a browser's result and the native recomputation:
/// the two differ in the order of floating-point sums (about 1e-8 measured), never by 1e-4.
const SCORE_TOLERANCE: f64 = 1e-4;

/// `verify-evidence RESULT.json A B`: recomputes a veriface-format result from the same two
/// files and says whether it stands. Crops are compared but not required to match to the bit,
/// since SIMD kernels in the browser and natively may round differently; everything else is.
pub fn verify_evidence(
    models_dir: &Path,
    result_path: &Path,
    a: &Path,
    b: &Path,
) -> veriface::Result<bool> {
    let text = read(result_path)?;
    let claim: CompareResult = serde_json::from_slice(&text).map_err(|e| {
        Error::bad_parameter(
            "RESULT",
            format!(
                "{} is not a veriface-format compare result ({e}): produce it with `--format veriface` or the JS `format: \"veriface\"`",
                result_path.display()
            ),
        )
    })?;
    let mut v = crate::load_verifier(models_dir, Some(&claim.models.embedder))?;
    let (ba, bb) = (read(a)?, read(b)?);
    let options = CompareOptions {
        threshold: claim.threshold,
        face_policy: claim.evidence.face_policy,
        check_liveness: false,
    };
    let again = v.compare(ImageInput::Encoded(&ba), ImageInput::Encoded(&bb), &options)?;
    let checks = vec![
        Check {
            name: "inputs",
            ok: claim.evidence.inputs == again.evidence.inputs,
            claimed: j(&claim.evidence.inputs),
            recomputed: j(&again.evidence.inputs),
        },
        Check {
            name: "models",
            ok: claim.evidence.models == again.evidence.models,
            claimed: j(&claim.evidence.models),
            recomputed: j(&again.evidence.models),
        },
        Check {
            name: "score",
            ok: (claim.score - again.score).abs() <= SCORE_TOLERANCE,
            claimed: j(&claim.score),
            recomputed: j(&again.score),
        },
        Check {
            name: "is_match",
            ok: claim.is_match == again.is_match,
            claimed: j(&claim.is_match),
            recomputed: j(&again.is_match),
        },
    ];
    let confirmed = checks.iter().all(|c| c.ok);
    let report = serde_json::json!({
        "confirmed": confirmed,
        "checks": checks,
        "crops_identical": claim.evidence.crops == again.evidence.crops,
        "score_difference": (claim.score - again.score).abs(),
        "tolerance": SCORE_TOLERANCE,
    });
    println!("{}", to_json(&report));
    Ok(confirmed)
}

/// `serde_json::to_value` for the check table, without a panic path.
fn j<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}
