//! Answers in the JSON shapes of the KYC vendors veriface replaces, so their clients switch with
//! no rewrite: Vlens, Valify, Deepvue and the OpenCV FR server, plus veriface's own, richest
//! shape. One module per vendor, each with the response bodies as `Serialize` structs whose field
//! names are exactly those of the vendor's page (../shared/seeds), and [`handle`] which takes the
//! vendor's own request body.
//!
//! The core stays free of randomness and clocks: the transaction id (a UUID v4 from a
//! cryptographic source) and the timestamp come in through [`Context`], from `crypto` in the
//! browser and the OS in the CLI.
//!
//! Fields veriface does not evaluate (AML screening, document classification, OCR data) are
//! present, as clients expect, with `null` or empty values: never invented. docs/vendors.md lists
//! each of them.

mod deepvue;
mod handle;
mod opencv;
mod valify;
mod veriface;
mod vlens;

use serde::Serialize;
use serde_json::Value;

use crate::error::Error;
use crate::liveness::session::LivenessResult;
use crate::report::CompareResult;

pub use handle::{endpoint_format, handle, Request};

/// A vendor's response shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Vlens `POST /v1/ocr/face/compare` (and `/v1/ocr/liveness/multi`).
    Vlens,
    /// Valify `POST /api/v1/face/match/`.
    Valify,
    /// Deepvue `POST /v1/facematch`.
    Deepvue,
    /// OpenCV FR server `POST /compare`.
    Opencv,
    /// veriface's own: everything the others say, and the evidence.
    Veriface,
}

impl Format {
    /// Every format, in documentation order.
    pub const ALL: [Format; 5] = [
        Format::Vlens,
        Format::Valify,
        Format::Deepvue,
        Format::Opencv,
        Format::Veriface,
    ];

    /// The name used by `--format` and the JS `format` option.
    pub fn name(self) -> &'static str {
        match self {
            Format::Vlens => "vlens",
            Format::Valify => "valify",
            Format::Deepvue => "deepvue",
            Format::Opencv => "opencv",
            Format::Veriface => "veriface",
        }
    }

    /// The face policy a compare in this shape uses unless the caller sets one: the largest face
    /// for Deepvue and OpenCV FR, whose pages define no error for several faces (and ID cards
    /// carry a second, small portrait); exactly one prominent face otherwise.
    pub fn default_face_policy(self) -> crate::verifier::FacePolicy {
        match self {
            Format::Deepvue | Format::Opencv => crate::verifier::FacePolicy::Largest,
            _ => crate::verifier::FacePolicy::Single,
        }
    }

    /// Parses a format name.
    ///
    /// # Errors
    /// `BAD_PARAMETER` for anything but the five names.
    pub fn parse(name: &str) -> Result<Format, Error> {
        Format::ALL
            .into_iter()
            .find(|f| f.name() == name)
            .ok_or_else(|| {
                Error::bad_parameter(
                    "format",
                    format!(
                        "unknown format `{name}`: use vlens, valify, deepvue, opencv or veriface"
                    ),
                )
            })
    }
}

/// Language of the messages, where the vendor lets the caller choose (Valify's `lang`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// English.
    #[default]
    En,
    /// Arabic.
    Ar,
}

/// What a response needs besides the result: ids, time and language.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Context {
    /// A fresh UUID v4 (see [`uuid_v4`]), or the caller's own where the vendor lets it be sent.
    pub transaction_id: String,
    /// Echoed from the request where the vendor echoes it (Vlens).
    pub request_id: Option<String>,
    /// Echoed from the request where the vendor echoes it (Vlens).
    pub client_transaction_id: Option<String>,
    /// Milliseconds since the Unix epoch (Deepvue's `timestamp`).
    pub timestamp_ms: f64,
    /// Message language.
    pub lang: Lang,
}

/// An HTTP-like answer: the status the vendor would send and the JSON body.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Response {
    /// HTTP status code.
    pub status: u16,
    /// The response body.
    pub body: Value,
}

/// Why a request failed before or during the pipeline.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// A required request field is absent (or `null`).
    Missing {
        /// The field's name in the vendor's request.
        field: String,
    },
    /// A request field has the wrong type or value.
    Invalid {
        /// The field's name in the vendor's request.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The pipeline refused the input.
    Pipeline(Error),
    /// The liveness check ran and did not find a live person; for the shapes that have no
    /// liveness field (a compare with the liveness of the probe checked, as OpenCV FR does).
    NotLive {
        /// The failed checks ([`LivenessResult::failed_codes`]).
        codes: Vec<String>,
    },
}

impl Failure {
    /// The veriface error code this failure reports under.
    pub fn code(&self) -> &'static str {
        match self {
            Failure::Missing { .. } | Failure::Invalid { .. } => "BAD_PARAMETER",
            Failure::Pipeline(e) => e.code(),
            Failure::NotLive { .. } => "NOT_LIVE",
        }
    }

    /// The English message.
    pub fn message(&self) -> String {
        match self {
            Failure::Missing { field } => {
                format!("bad parameter `{field}`: the field is required")
            }
            Failure::Invalid { field, reason } => format!("bad parameter `{field}`: {reason}"),
            Failure::Pipeline(e) => e.to_string(),
            Failure::NotLive { codes } => format!(
                "the liveness check did not find a live person ({}): capture again, facing the camera with eyes open, close enough, in good light",
                codes.join(", ")
            ),
        }
    }

    /// The status a plain REST service gives this failure: 400 for a malformed request or
    /// input, 413 too large, 415 a format it does not take, 422 a well-formed image without a
    /// usable face, 500 the service's own fault. Vendors that differ override it.
    pub fn status(&self) -> u16 {
        match self {
            Failure::Missing { .. } | Failure::Invalid { .. } => 400,
            Failure::NotLive { .. } => 422,
            Failure::Pipeline(e) => match e {
                Error::TooLarge { .. } => 413,
                Error::UnsupportedFormat { .. } => 415,
                Error::NoFace { .. } | Error::MultipleFaces { .. } => 422,
                Error::ModelHashMismatch { .. }
                | Error::UnknownModel { .. }
                | Error::Inference { .. } => 500,
                _ => 400,
            },
        }
    }

    /// veriface's numeric code for vendors whose bodies carry an integer (Vlens `error_code`,
    /// Valify `error_code`). Neither vendor publishes its own table on the pages mirrored, so
    /// these are veriface's, stable and listed in docs/vendors.md.
    pub fn numeric_code(&self) -> i64 {
        match self.code() {
            "EMPTY_INPUT" => 4001,
            "NOT_BASE64" => 4002,
            "UNSUPPORTED_FORMAT" => 4003,
            "CORRUPT_IMAGE" => 4004,
            "IMAGE_TOO_LARGE" => 4005,
            "BAD_FRAME" => 4006,
            "NO_FACE" => 4007,
            "MULTIPLE_FACES" => 4008,
            "BAD_PARAMETER" => 4009,
            "NOT_LIVE" => 4010,
            "MODEL_HASH_MISMATCH" => 5001,
            "UNKNOWN_MODEL" => 5002,
            _ => 5003,
        }
    }

    /// Which image ("first" or "second") a face error is about, if it is one.
    pub fn face_image(&self) -> Option<&str> {
        match self {
            Failure::Pipeline(Error::NoFace { which })
            | Failure::Pipeline(Error::MultipleFaces { which, .. }) => Some(which),
            _ => None,
        }
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Pipeline(e)
    }
}

/// A compare outcome in `format`.
pub fn compare_response(
    format: Format,
    outcome: &Result<CompareResult, Failure>,
    ctx: &Context,
) -> Response {
    // A compare that also checked the probe's liveness (OpenCV FR's `check_liveness`) and found
    // no live face: the shapes without a liveness field answer with their error for it.
    let not_live;
    let outcome = match outcome {
        Ok(r) if !matches!(format, Format::Vlens | Format::Veriface) => {
            match r.liveness.as_ref().filter(|l| !l.passed) {
                Some(l) => {
                    not_live = Err(Failure::NotLive {
                        codes: l
                            .checks
                            .iter()
                            .filter(|c| !c.passed)
                            .map(|c| c.code.name().to_string())
                            .collect(),
                    });
                    &not_live
                }
                None => outcome,
            }
        }
        _ => outcome,
    };
    match format {
        Format::Vlens => vlens::compare(outcome, ctx),
        Format::Valify => valify::compare(outcome, ctx),
        Format::Deepvue => deepvue::compare(outcome, ctx),
        Format::Opencv => opencv::compare(outcome, ctx),
        Format::Veriface => veriface::compare(outcome, ctx),
    }
}

/// A liveness outcome in `format`. Vlens and veriface have liveness fields (Vlens
/// `/v1/ocr/liveness/multi`: `services.liveness`, `services.spoofing.fake`,
/// `data.isDigitalIdentityVerified`). Valify, Deepvue and OpenCV FR answer compares: their shape
/// needs the ID front, and gives the ID match when the person is live and the vendor's error
/// (OpenCV FR: `ERR_LIVENESS_ERROR` with the first failed code) when not.
pub fn liveness_response(
    format: Format,
    outcome: &Result<LivenessResult, Failure>,
    ctx: &Context,
) -> Response {
    let as_compare = |second_field: &str| -> Result<CompareResult, Failure> {
        let r = outcome.as_ref().map_err(Clone::clone)?;
        if !r.is_live {
            return Err(Failure::NotLive {
                codes: r.failed_codes().iter().map(|c| c.to_string()).collect(),
            });
        }
        r.id_match.clone().ok_or_else(|| Failure::Missing {
            field: second_field.to_string(),
        })
    };
    match format {
        Format::Vlens => vlens::liveness(outcome, ctx),
        Format::Valify => valify::compare(&as_compare("second_img"), ctx),
        Format::Deepvue => deepvue::compare(&as_compare("file_b"), ctx),
        Format::Opencv => opencv::compare(&as_compare("ref_face_base_64"), ctx),
        Format::Veriface => veriface::liveness(outcome, ctx),
    }
}

/// Formats 16 random bytes as a UUID version 4 (RFC 9562: version nibble 4, variant bits 10).
/// The bytes must come from a cryptographic source; the caller supplies them because the core
/// has none.
pub fn uuid_v4(mut bytes: [u8; 16]) -> String {
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// FastAPI's request-validation body, which Deepvue and the OpenCV FR server answer with (422).
#[derive(Serialize)]
struct Validation {
    detail: Vec<ValidationItem>,
}

#[derive(Serialize)]
struct ValidationItem {
    loc: Vec<String>,
    msg: String,
    #[serde(rename = "type")]
    kind: &'static str,
}

/// `{ detail: [{ loc: ["body", field], msg, type }] }` with status 422; `field` None for the body
/// as a whole.
fn fastapi_validation(field: Option<&str>, msg: String, kind: &'static str) -> Response {
    let mut loc = vec!["body".to_string()];
    // A failure of the body as a whole is located at "body" alone.
    loc.extend(field.filter(|f| *f != "body").map(str::to_string));
    Response {
        status: 422,
        body: to_value(&Validation {
            detail: vec![ValidationItem { loc, msg, kind }],
        }),
    }
}

/// Serialises a body struct. Serialising these plain structs cannot fail; the fallback keeps the
/// signature total rather than panicking.
fn to_value<T: Serialize>(body: &T) -> Value {
    serde_json::to_value(body).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_v4_sets_version_and_variant() {
        let id = uuid_v4([0xff; 16]);
        assert_eq!(id, "ffffffff-ffff-4fff-bfff-ffffffffffff");
        let id = uuid_v4([0; 16]);
        assert_eq!(id, "00000000-0000-4000-8000-000000000000");
    }

    #[test]
    fn format_names_round_trip() {
        for f in Format::ALL {
            assert_eq!(Format::parse(f.name()), Ok(f));
        }
        assert_eq!(
            Format::parse("VLENS").map_err(|e| e.code()),
            Err("BAD_PARAMETER")
        );
    }
}
