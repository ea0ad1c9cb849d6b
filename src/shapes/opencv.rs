//! OpenCV FR server: `POST /compare` (../shared/seeds/004_9cb1b0ab5dc7a46b.txt).
//!
//! Success is `{ is_match }` and nothing else. Errors are `{ code, message }` with the page's
//! codes and wording: ERR_FACE_NOT_DETECTED, ERR_BASE64_IMAGE_CANNOT_BE_DECODED (any image that
//! is not usable JPEG/PNG bytes) and ERR_LIVENESS_ERROR with `metadata.code`. Request validation
//! errors take the FastAPI shape of the server's Swagger API (422).

use serde::Serialize;

use super::{fastapi, to_value, Context, Failure, Response, Service};
use crate::error::Error;
use crate::report::CompareResult;

#[derive(Serialize)]
struct Success {
    is_match: bool,
}

#[derive(Serialize)]
struct CodedError {
    code: &'static str,
    message: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    metadata: Option<Metadata>,
}

#[derive(Serialize)]
struct Metadata {
    code: String,
}

pub(super) const NOT_DETECTED: &str = "A face could not be detected in the image(s).";
pub(super) const NOT_DECODED: &str =
    "The posted Base64 image(s) could not be decoded as JPEG/PNG bytes.";
/// The page's API-key and not-found wording.
const KEY_NOT_PRESENT: &str = "The API key is missing from the request.";
const KEY_NOT_VALID: &str = "The API key is not valid.";
const NOT_FOUND: &str = "The requested entity could not be found.";
pub(super) const LIVENESS: &str =
    "A liveness error occurred. Please check the supplied image and the error metadata.";

/// The liveness metadata codes the page lists.
const PAGE_CODES: [&str; 12] = [
    "EYES_CLOSED",
    "FACE_CLOSE_TO_BORDER",
    "FACE_CROPPED",
    "FACE_NOT_LIVE",
    "FACE_TOO_CLOSE",
    "FACE_ANGLE_TOO_LARGE",
    "FACE_IS_OCCLUDED",
    "FACE_NOT_FOUND",
    "FACE_TOO_SMALL",
    "LICENSE_ERROR",
    "TOO_MANY_FACES",
    "UNKNOWN_ERROR",
];

/// The liveness error body, `metadata.code` one of the page's codes (FACE_NOT_LIVE, ...).
pub(super) fn liveness_error(metadata_code: &str) -> Response {
    Response {
        status: 400,
        body: to_value(&CodedError {
            code: "ERR_LIVENESS_ERROR",
            message: LIVENESS,
            metadata: Some(Metadata {
                code: metadata_code.to_string(),
            }),
        }),
    }
}

pub(super) fn compare(outcome: &Result<CompareResult, Failure>, _ctx: &Context) -> Response {
    let coded_with = |status, code, message| Response {
        status,
        body: to_value(&CodedError {
            code,
            message,
            metadata: None,
        }),
    };
    let coded = |code, message| coded_with(400, code, message);
    match outcome {
        Ok(r) => Response {
            status: 200,
            body: to_value(&Success {
                is_match: r.is_match,
            }),
        },
        Err(Failure::Pipeline(Error::NoFace { .. })) => {
            coded("ERR_FACE_NOT_DETECTED", NOT_DETECTED)
        }
        // "The image should contain a single face": with several, the page's nearest code is the
        // liveness one for TOO_MANY_FACES.
        Err(Failure::Pipeline(Error::MultipleFaces { .. })) => liveness_error("TOO_MANY_FACES"),
        // The first failed check when it is one of the page's codes; sequence checks (replayed
        // still, another person) have none of their own: FACE_NOT_LIVE is the page's nearest.
        Err(Failure::NotLive { codes }) => liveness_error(
            codes
                .iter()
                .find(|c| PAGE_CODES.contains(&c.as_str()))
                .map_or("FACE_NOT_LIVE", String::as_str),
        ),
        Err(Failure::Pipeline(
            Error::EmptyInput
            | Error::NotBase64 { .. }
            | Error::UnsupportedFormat { .. }
            | Error::CorruptImage { .. }
            | Error::TooLarge { .. }
            | Error::BadFrame { .. },
        )) => coded("ERR_BASE64_IMAGE_CANNOT_BE_DECODED", NOT_DECODED),
        // The page's codes for a missing or wrong `x-api-key` and an unknown entity; the other
        // service failures as the FastAPI server under it gives them.
        Err(Failure::Service { code, message }) => match code {
            Service::ApiKeyMissing => coded_with(401, "ERR_API_KEY_NOT_PRESENT", KEY_NOT_PRESENT),
            Service::ApiKeyInvalid => coded_with(401, "ERR_API_KEY_NOT_VALID", KEY_NOT_VALID),
            Service::NotFound => coded_with(404, "ERR_NOT_FOUND", NOT_FOUND),
            Service::MethodNotAllowed
            | Service::UnsupportedMediaType
            | Service::MalformedBody
            | Service::BodyTooLarge
            | Service::BodyTimeout
            | Service::EmbedderNotServed
            | Service::Busy
            | Service::DeadlineExceeded
            | Service::NotImplemented => fastapi::service(*code, message),
        },
        Err(f) => fastapi::request_error(f).unwrap_or_else(fastapi::internal_error),
    }
}
