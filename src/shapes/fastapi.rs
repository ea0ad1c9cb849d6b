//! The FastAPI request-validation body that Deepvue and the OpenCV FR server (both FastAPI
//! services) answer a malformed request with: `{ detail: [{ loc: ["body", field], msg, type }] }`,
//! status 422.

use serde::Serialize;

use super::{to_value, Failure, Response, Service};
use crate::error::Error;

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

/// The 422 body for `field` (`None` for the body as a whole).
pub(super) fn validation(field: Option<&str>, msg: String, kind: &'static str) -> Response {
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

/// The validation answer for a failure of the request itself (a field missing, ill-typed or out
/// of range), as both services give it; `None` for every other failure, which each vendor maps
/// its own way.
pub(super) fn request_error(failure: &Failure) -> Option<Response> {
    match failure {
        Failure::Missing { field } => {
            Some(validation(Some(field), "Field required".into(), "missing"))
        }
        Failure::Invalid { field, .. } => {
            Some(validation(Some(field), failure.message(), "value_error"))
        }
        Failure::Pipeline(Error::BadParameter { name, .. }) => {
            Some(validation(Some(name), failure.message(), "value_error"))
        }
        Failure::Pipeline(_) | Failure::NotLive { .. } | Failure::Service { .. } => None,
    }
}

/// A service-level failure as a FastAPI server answers it: an unreadable body is a 422
/// validation error located at the body; everything else an
/// `HTTPException`, `{ detail: "..." }`, with Starlette's own wording for 404 and 405.
pub(super) fn service(code: Service, message: &str) -> Response {
    let detail = match code {
        Service::MalformedBody => return validation(None, message.to_string(), "value_error"),
        Service::NotFound => "Not Found",
        Service::MethodNotAllowed => "Method Not Allowed",
        Service::ApiKeyMissing
        | Service::ApiKeyInvalid
        | Service::UnsupportedMediaType
        | Service::BodyTooLarge
        | Service::BodyTimeout
        | Service::EmbedderNotServed
        | Service::Busy
        | Service::DeadlineExceeded
        | Service::NotImplemented => message,
    };
    Response {
        status: code.status(),
        body: serde_json::json!({ "detail": detail }),
    }
}

/// A server fault, as FastAPI reports an unhandled exception.
pub(super) fn internal_error() -> Response {
    Response {
        status: 500,
        body: serde_json::json!({ "detail": "Internal Server Error" }),
    }
}
