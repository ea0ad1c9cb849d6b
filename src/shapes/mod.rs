//! Response shapes: results and errors in the JSON bodies of the KYC vendors veriface replaces,
//! so their clients switch with no rewrite: Vlens, Valify, Deepvue and the OpenCV FR server, plus
//! veriface's own, richest shape. One module per vendor, each with the response bodies as
//! `Serialize` structs whose field names are exactly those of the vendor's page
//! (../shared/seeds); [`fastapi`] holds the request-validation body two of them share. Taking the
//! vendors' own request bodies is `crate::endpoints`.
//!
//! The core stays free of randomness and clocks: the transaction id (a UUID v4 from a
//! cryptographic source) and the timestamp come in through [`Context`], from `crypto` in the
//! browser and the OS in the CLI.
//!
//! Fields veriface does not evaluate (AML screening, document classification, OCR data) are
//! present, as clients expect, with `null` or empty values: never invented. docs/vendors.md lists
//! each of them.

mod deepvue;
mod fastapi;
mod opencv;
mod service;
mod valify;
mod veriface;
mod vlens;

use serde::Serialize;
use serde_json::Value;

use crate::error::{Error, ErrorCode};
use crate::report::{CompareResult, LivenessResult};
use crate::select::FacePolicy;

pub use service::Service;

crate::codes::codes! {
    /// A vendor's response shape, by the name `--format` and the JS `format` option use.
    pub enum Format {
        /// Vlens `POST /v1/ocr/face/compare` (and `/v1/ocr/liveness/multi`).
        Vlens = "vlens",
        /// Valify `POST /api/v1/face/match/`.
        Valify = "valify",
        /// Deepvue `POST /v1/facematch`.
        Deepvue = "deepvue",
        /// OpenCV FR server `POST /compare`.
        Opencv = "opencv",
        /// veriface's own: everything the others say, and the evidence.
        Veriface = "veriface",
    }
}

impl Format {
    /// The face policy a compare in this shape uses unless the caller sets one: the largest face
    /// for Deepvue and OpenCV FR, whose pages define no error for several faces (and ID cards
    /// carry a second, small portrait); exactly one prominent face otherwise.
    pub fn default_face_policy(self) -> FacePolicy {
        match self {
            Format::Deepvue | Format::Opencv => FacePolicy::Largest,
            Format::Vlens | Format::Valify | Format::Veriface => FacePolicy::Single,
        }
    }

    /// Parses a format name.
    ///
    /// # Errors
    /// `BAD_PARAMETER` for anything but the five names.
    pub fn parse(name: &str) -> Result<Format, Error> {
        name.parse()
            .map_err(|reason| Error::bad_parameter("format", reason))
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

/// The ids Vlens and veriface bodies carry (`transaction_id`, and the client's own
/// `request_id` and `client_transaction_id` echoed), flattened into each body.
#[derive(Serialize)]
struct Ids<'a> {
    transaction_id: &'a str,
    request_id: Option<&'a str>,
    client_transaction_id: Option<&'a str>,
}

impl<'a> Ids<'a> {
    fn new(ctx: &'a Context) -> Self {
        Ids {
            transaction_id: &ctx.transaction_id,
            request_id: ctx.request_id.as_deref(),
            client_transaction_id: ctx.client_transaction_id.as_deref(),
        }
    }
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
    /// The HTTP service refused or abandoned the request before the pipeline answered
    /// (`veriface serve`: no key, body too large, queue full, ...).
    Service {
        /// The stable code.
        code: Service,
        /// What happened and what to do, in English.
        message: String,
    },
}

impl Failure {
    /// A service-level failure with its message.
    pub fn service(code: Service, message: impl Into<String>) -> Self {
        Failure::Service {
            code,
            message: message.into(),
        }
    }

    /// The veriface error code this failure reports under.
    pub fn code(&self) -> &'static str {
        match self {
            Failure::Missing { .. } | Failure::Invalid { .. } => "BAD_PARAMETER",
            Failure::Pipeline(e) => e.code(),
            Failure::NotLive { .. } => "NOT_LIVE",
            Failure::Service { code, .. } => code.name(),
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
            Failure::Service { message, .. } => message.clone(),
        }
    }

    /// The status a plain REST service gives this failure: 400 for a malformed request or
    /// input, 413 too large, 415 a format it does not take, 422 a well-formed image without a
    /// usable face, 500 the service's own fault. Vendors that differ override it.
    pub fn status(&self) -> u16 {
        match self {
            Failure::Missing { .. } | Failure::Invalid { .. } => 400,
            Failure::NotLive { .. } => 422,
            Failure::Service { code, .. } => code.status(),
            Failure::Pipeline(e) => match e.kind() {
                ErrorCode::ImageTooLarge => 413,
                ErrorCode::UnsupportedFormat => 415,
                ErrorCode::NoFace | ErrorCode::MultipleFaces => 422,
                ErrorCode::ModelHashMismatch
                | ErrorCode::UnknownModel
                | ErrorCode::InferenceFailed => 500,
                ErrorCode::EmptyInput
                | ErrorCode::NotBase64
                | ErrorCode::CorruptImage
                | ErrorCode::BadFrame
                | ErrorCode::BadParameter => 400,
            },
        }
    }

    /// veriface's numeric code for vendors whose bodies carry an integer (Vlens `error_code`,
    /// Valify `error_code`). Neither vendor publishes its own table on the pages mirrored, so
    /// these are veriface's, stable and listed in docs/vendors.md.
    pub fn numeric_code(&self) -> i64 {
        match self {
            Failure::Missing { .. } | Failure::Invalid { .. } => {
                numeric_code(ErrorCode::BadParameter)
            }
            Failure::Pipeline(e) => numeric_code(e.kind()),
            Failure::NotLive { .. } => NOT_LIVE_NUMERIC,
            Failure::Service { code, .. } => code.numeric_code(),
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

/// Vlens's and Valify's `error_code` for a person found not live.
pub const NOT_LIVE_NUMERIC: i64 = 4010;

/// The numeric code of each error code: 4xxx the caller's, 5xxx the service's.
pub fn numeric_code(code: ErrorCode) -> i64 {
    match code {
        ErrorCode::EmptyInput => 4001,
        ErrorCode::NotBase64 => 4002,
        ErrorCode::UnsupportedFormat => 4003,
        ErrorCode::CorruptImage => 4004,
        ErrorCode::ImageTooLarge => 4005,
        ErrorCode::BadFrame => 4006,
        ErrorCode::NoFace => 4007,
        ErrorCode::MultipleFaces => 4008,
        ErrorCode::BadParameter => 4009,
        ErrorCode::ModelHashMismatch => 5001,
        ErrorCode::UnknownModel => 5002,
        ErrorCode::InferenceFailed => 5003,
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
            assert_eq!(Format::parse(f.name()), Ok(*f));
        }
        assert_eq!(
            Format::parse("VLENS").map_err(|e| e.code()),
            Err("BAD_PARAMETER")
        );
    }
}
