//! Deepvue: `POST /v1/facematch` (../shared/seeds/003_419920ea2ec66f06.txt).
//!
//! Success and the two documented business errors share one envelope: `code` (always `null` on
//! the page), `timestamp` (ms), `transaction_id`, `sub_code` (SUCCESS, NO_FACE_FOUND,
//! UNSUPPORTED_FILE_FORMAT), `message`, then `data` on success or `detail` on error. Request
//! validation errors take the FastAPI shape the page shows, `{ detail: [{ loc, msg, type }] }`
//! (422), and a server fault `{ detail: "Internal Server Error" }` (500).

use serde::Serialize;

use super::{fastapi, to_value, Context, Failure, Response, Service};
use crate::error::Error;
use crate::report::CompareResult;

#[derive(Serialize)]
struct Envelope<'a> {
    code: Option<i64>,
    timestamp: i64,
    transaction_id: &'a str,
    sub_code: &'static str,
    message: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<MatchData>,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<&'static str>,
}

#[derive(Serialize)]
struct MatchData {
    #[serde(rename = "match")]
    is_match: bool,
    confidence: Option<f64>,
}

pub(super) fn compare(outcome: &Result<CompareResult, Failure>, ctx: &Context) -> Response {
    let envelope = |sub_code, message, data, detail| Envelope {
        code: None,
        timestamp: ctx.timestamp_ms.round() as i64,
        transaction_id: &ctx.transaction_id,
        sub_code,
        message,
        data,
        detail,
    };
    match outcome {
        Ok(r) => Response {
            status: 200,
            body: to_value(&envelope(
                "SUCCESS",
                "Face match completed",
                Some(MatchData {
                    is_match: r.is_match,
                    confidence: Some(r.score),
                }),
                None,
            )),
        },
        Err(Failure::Pipeline(Error::NoFace { .. })) => Response {
            status: 422,
            body: to_value(&envelope(
                "NO_FACE_FOUND",
                "Unable to detect face",
                None,
                Some("Not able to locate any faces in at least one of the images. Check the image files."),
            )),
        },
        Err(Failure::Pipeline(Error::UnsupportedFormat { .. })) => Response {
            status: 415,
            body: to_value(&envelope(
                "UNSUPPORTED_FILE_FORMAT",
                "File format not supported",
                None,
                Some("Unsupported file type, only .jpeg, .jpg, .png file formats are supported"),
            )),
        },
        // The page's two authentication bodies; the other service failures as FastAPI gives them.
        Err(Failure::Service { code, message }) => match code {
            Service::ApiKeyMissing => auth("Not authenticated"),
            Service::ApiKeyInvalid => auth("Not a valid token"),
            Service::NotFound
            | Service::MethodNotAllowed
            | Service::UnsupportedMediaType
            | Service::MalformedBody
            | Service::BodyTooLarge
            | Service::BodyTimeout
            | Service::EmbedderNotServed
            | Service::Busy
            | Service::DeadlineExceeded
            | Service::NotImplemented => fastapi::service(*code, message),
        },
        Err(f) => fastapi::request_error(f).unwrap_or_else(|| {
            if f.status() >= 500 {
                return fastapi::internal_error();
            }
            let field = f
                .face_image()
                .map(|which| if which == "first" { "file_a" } else { "file_b" });
            fastapi::validation(field, f.message(), "value_error")
        }),
    }
}

/// `{ detail }` with the page's wording, status 401.
fn auth(detail: &str) -> Response {
    Response {
        status: 401,
        body: serde_json::json!({ "detail": detail }),
    }
}
