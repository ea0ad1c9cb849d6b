//! The FastAPI request-validation body that Deepvue and the OpenCV FR server (both FastAPI
//! services) answer a malformed request with: `{ detail: [{ loc: ["body", field], msg, type }] }`,
//! status 422.

use serde::Serialize;

use super::{to_value, Failure, Response};
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
        Failure::Pipeline(_) | Failure::NotLive { .. } => None,
    }
}

/// A server fault, as FastAPI reports an unhandled exception.
pub(super) fn internal_error() -> Response {
    Response {
        status: 500,
        body: serde_json::json!({ "detail": "Internal Server Error" }),
    }
}
