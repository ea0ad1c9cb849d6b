//! The server's state, passed explicitly to every handler and layer, and the one way a failure
//! becomes an HTTP response: in the shape of the endpoint the request was for.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use veriface::endpoints::{self, Endpoint};
use veriface::shapes::{self, Context, Failure, Format, Service};

use super::auth::ApiKeys;
use super::metrics::{Gauges, Metrics};
use super::pool::Pool;
use super::statics::Statics;

/// Limits every API request is held to.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest body, bytes.
    pub max_body: usize,
    /// How long the body may take to arrive.
    pub body_timeout: Duration,
    /// How long the whole request may take.
    pub timeout: Duration,
    /// Requests in progress at once.
    pub max_in_flight: usize,
}

/// Everything the handlers share.
pub struct App {
    /// The inference workers.
    pub pool: Pool,
    /// The API keys; `None`: no key required.
    pub keys: Option<ApiKeys>,
    /// The secret for signing liveness challenges (`--key-file`), for the challenge endpoints.
    pub challenge_key: Option<Vec<u8>>,
    /// Nonces of challenges verified, with their expiry: a record is accepted once.
    pub used_nonces: std::sync::Mutex<std::collections::HashMap<String, u64>>,
    /// Counters and histograms.
    pub metrics: Metrics,
    /// Body, time and concurrency limits.
    pub limits: Limits,
    /// API requests in progress.
    pub in_flight: AtomicUsize,
    /// The demo page and the package's files; `None` with `--no-static`.
    pub statics: Option<Statics>,
}

impl App {
    /// The gauges for `/metrics` and `/healthz`.
    pub fn gauges(&self) -> Gauges {
        Gauges {
            queue_depth: self.pool.depth(),
            queue_capacity: self.pool.capacity,
            running: self.pool.running(),
            workers: self.pool.workers,
            in_flight: self.in_flight.load(Ordering::SeqCst),
        }
    }
}

/// What the first layer learns about a request, for every later one: the shape its answers
/// take, and the response context (a fresh transaction id, the time).
#[derive(Debug, Clone)]
pub struct Req {
    /// The endpoint whose shape every answer to this request takes.
    pub shape: Endpoint,
    /// Transaction id and time for the body.
    pub ctx: Context,
}

/// veriface's code of a failed answer, attached to the response for the metrics and the log.
#[derive(Debug, Clone, Copy)]
pub struct Code(pub &'static str);

/// The shape of the answers at `path`: the vendor endpoint's own; else the vendor whose path
/// prefix it has (a Vlens client mistyping a path still gets a Vlens body); else veriface's.
pub fn shape_for(path: &str) -> Endpoint {
    let trimmed = path.trim_end_matches('/');
    if let Some((_, e)) = endpoints::PATHS.iter().find(|(p, _)| *p == trimmed) {
        return *e;
    }
    let format = if path.starts_with("/v1/ocr/") {
        Format::Vlens
    } else if path.starts_with("/api/v1/") {
        Format::Valify
    } else if path.starts_with("/v1/") {
        Format::Deepvue
    } else {
        Format::Veriface
    };
    Endpoint::Compare(format)
}

/// A vendor body as an HTTP response, carrying its veriface code.
pub fn json(response: shapes::Response, code: Option<&'static str>) -> Response {
    let status = StatusCode::from_u16(response.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = serde_json::to_vec(&response.body).unwrap_or_default();
    let mut out = (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        Body::from(body),
    )
        .into_response();
    if let Some(code) = code {
        out.extensions_mut().insert(Code(code));
    }
    out
}

/// A failure answered in the request's shape. A retryable one (busy, deadline) carries
/// `Retry-After` from the pool's current backlog.
pub fn failure(app: &App, req: &Req, failure: Failure) -> Response {
    let code = failure.code();
    let retry = matches!(&failure, Failure::Service { code, .. } if code.retryable());
    let mut out = json(endpoints::refuse(req.shape, failure, &req.ctx), Some(code));
    if retry {
        let secs = app.pool.retry_after_secs().to_string();
        if let Ok(v) = HeaderValue::from_str(&secs) {
            out.headers_mut().insert(header::RETRY_AFTER, v);
        }
    }
    out
}

/// A service-level failure answered in the request's shape.
pub fn service(app: &App, req: &Req, code: Service, message: impl Into<String>) -> Response {
    failure(app, req, Failure::service(code, message))
}
