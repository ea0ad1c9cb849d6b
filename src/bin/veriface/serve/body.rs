//! Reading a request body: by its Content-Type, within the size cap as it arrives (a body that
//! declares no length, or lies about it, is cut off at the cap) and within the body deadline
//! (a client that stops sending gets a 408, not a connection held forever).
//!
//! JSON everywhere; Deepvue also takes `multipart/form-data` (its page's request) and
//! `application/x-www-form-urlencoded` (what its page's Python example sends), turned into the
//! object `endpoints::handle` reads, as the npm package's `requestBody` does in the browser:
//! a file becomes base64 with its name under `<field>_name`.

use axum::body::Body;
use axum::extract::Request;
use axum::http::header;
use base64::Engine;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde_json::{Map, Value};
use veriface::shapes::Service;

use super::app::Limits;
use super::middleware::too_large;

/// A body that could not be read: the code and what to do.
pub type Refusal = (Service, String);

/// Deepvue's fields; anything else in its form is read and dropped.
const DEEPVUE_FIELDS: [&str; 4] = ["file_a", "file_b", "file_a_name", "file_b_name"];

/// Reads `req`'s body as a JSON value; `form` also takes Deepvue's multipart and urlencoded forms.
///
/// # Errors
/// `UNSUPPORTED_MEDIA_TYPE`, `BODY_TOO_LARGE`, `BODY_TIMEOUT`, `MALFORMED_BODY`.
pub async fn read(limits: &Limits, req: Request, form: bool) -> Result<Value, Refusal> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let body = req.into_body();
    let reading = async {
        if essence == "application/json" || essence.ends_with("+json") {
            parse_json(&bytes(body, limits.max_body).await?)
        } else if form && essence == "multipart/form-data" {
            multipart(body, &content_type, limits.max_body).await
        } else if form && essence == "application/x-www-form-urlencoded" {
            Ok(urlencoded(&bytes(body, limits.max_body).await?))
        } else {
            let accepted = if form {
                "multipart/form-data, application/x-www-form-urlencoded or application/json"
            } else {
                "application/json"
            };
            let got = if essence.is_empty() {
                "none"
            } else {
                essence.as_str()
            };
            Err((
                Service::UnsupportedMediaType,
                format!("the body's Content-Type is {got}: send {accepted}"),
            ))
        }
    };
    match tokio::time::timeout(limits.body_timeout, reading).await {
        Ok(outcome) => outcome,
        Err(_) => Err((
            Service::BodyTimeout,
            format!(
                "the request body did not arrive within {} ms: send it in full, or check the connection",
                limits.body_timeout.as_millis()
            ),
        )),
    }
}

/// Reads and drops a body (at most the cap, within the body deadline), keeping none of it.
pub async fn discard(body: Body, limits: &Limits) {
    let mut body = Limited::new(body, limits.max_body);
    let drain = async { while let Some(Ok(_)) = body.frame().await {} };
    let _ = tokio::time::timeout(limits.body_timeout, drain).await;
}

/// The whole body, at most `max` bytes.
async fn bytes(body: Body, max: usize) -> Result<axum::body::Bytes, Refusal> {
    match Limited::new(body, max).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => {
            Err((Service::BodyTooLarge, too_large(None, max)))
        }
        Err(e) => Err((
            Service::MalformedBody,
            format!("the request body could not be read in full ({e})"),
        )),
    }
}

/// JSON, with serde_json's nesting limit (128 levels) guarding the stack.
fn parse_json(bytes: &[u8]) -> Result<Value, Refusal> {
    serde_json::from_slice(bytes).map_err(|e| {
        (
            Service::MalformedBody,
            format!("the request body is not valid JSON ({e})"),
        )
    })
}

/// A urlencoded form as an object of strings (the last of a repeated field wins).
fn urlencoded(bytes: &[u8]) -> Value {
    let fields: Map<String, Value> = form_urlencoded::parse(bytes)
        .filter(|(k, _)| DEEPVUE_FIELDS.contains(&k.as_ref()))
        .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
        .collect();
    Value::Object(fields)
}

/// A multipart form, streamed through multer with the size cap on the whole stream.
async fn multipart(body: Body, content_type: &str, max: usize) -> Result<Value, Refusal> {
    let malformed = |e: multer::Error| match e {
        multer::Error::StreamSizeExceeded { .. } | multer::Error::FieldSizeExceeded { .. } => {
            (Service::BodyTooLarge, too_large(None, max))
        }
        other => (
            Service::MalformedBody,
            format!("the multipart body is malformed ({other})"),
        ),
    };
    let boundary = multer::parse_boundary(content_type).map_err(malformed)?;
    let limit = multer::SizeLimit::new().whole_stream(max as u64);
    let constraints = multer::Constraints::new().size_limit(limit);
    let mut form =
        multer::Multipart::with_constraints(body.into_data_stream(), boundary, constraints);
    let mut fields = Map::new();
    while let Some(field) = form.next_field().await.map_err(malformed)? {
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field.file_name().map(str::to_string);
        let data = field.bytes().await.map_err(malformed)?;
        if !DEEPVUE_FIELDS.contains(&name.as_str()) {
            continue;
        }
        // A file, or bytes that are not text, travel as base64; a text field (the page's curl
        // example sends `--form file_a=<string>`) as the text itself.
        let value = match (file_name.is_some(), std::str::from_utf8(&data)) {
            (false, Ok(text)) => text.to_string(),
            _ => base64::engine::general_purpose::STANDARD.encode(&data),
        };
        if let Some(file_name) = file_name {
            let key = format!("{name}_name");
            if !fields.contains_key(&key) {
                fields.insert(key, Value::String(file_name));
            }
        }
        fields.insert(name, Value::String(value));
    }
    Ok(Value::Object(fields))
}
