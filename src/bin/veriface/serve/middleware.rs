//! The two layers around the handlers. `observe` (every route): request id, the response
//! context, one structured log event and the metrics per request. `guard` (the API routes only,
//! in this order, each refusing before any work is done): the API key, the number of requests
//! in progress, a full queue, the declared body size, then the request deadline around the rest.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;
use veriface::shapes::{Context, Service};

use super::app::{self, App, Code, Req};
use super::body;

/// Longest client `X-Request-Id` taken as is; a longer or non-printable one is replaced.
const MAX_REQUEST_ID: usize = 128;

/// Outermost layer: ids, log, metrics.
pub async fn observe(State(app): State<Arc<App>>, mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let ctx = context();
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= MAX_REQUEST_ID)
        .map_or_else(|| ctx.transaction_id.clone(), str::to_string);
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let route = match req.extensions().get::<MatchedPath>() {
        Some(m) => m.as_str().to_string(),
        None if matches!(method, Method::GET | Method::HEAD) => "static".into(),
        None => "unmatched".into(),
    };
    req.extensions_mut().insert(Req {
        shape: app::shape_for(&path),
        ctx,
    });
    let span = tracing::info_span!("request", request_id = %id);
    let mut response = next.run(req).instrument(span.clone()).await;
    let status = response.status().as_u16();
    let code = response.extensions().get::<Code>().map(|c| c.0.to_string());
    let code = code.or_else(|| (status >= 400).then(|| format!("HTTP_{status}")));
    let seconds = started.elapsed().as_secs_f64();
    app.metrics.record(&route, status, code.as_deref(), seconds);
    span.in_scope(|| {
        tracing::info!(
            method = %method,
            path = %path,
            status,
            code = code.as_deref().unwrap_or(""),
            ms = (seconds * 1e4).round() / 10.0,
            "answered"
        );
    });
    if let Ok(v) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", v);
    }
    response
}

/// The API routes' checks, cheapest first; nothing is read or queued for a refused request.
pub async fn guard(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let Some(r) = req.extensions().get::<Req>().cloned() else {
        // `observe` always runs first; without it there is no shape to answer in.
        return app::json(
            veriface::shapes::Response {
                status: 500,
                body: serde_json::json!({ "message": "request context missing" }),
            },
            Some("INFERENCE_FAILED"),
        );
    };
    if let Some(keys) = &app.keys {
        if let Err(code) = keys.check(r.shape.format(), req.headers()) {
            let message = match code {
                Service::ApiKeyMissing => "no API key: send the key this server was given with --api-key-file, in the header your vendor's client uses",
                _ => "the API key is not one this server accepts",
            };
            return app::service(&app, &r, code, message);
        }
    }
    let Some(_slot) = Slot::enter(&app) else {
        let message = format!(
            "the server is at its limit of {} requests in progress: retry after the Retry-After seconds",
            app.limits.max_in_flight
        );
        return app::service(&app, &r, Service::Busy, message);
    };
    // A full queue refuses before the body is parsed: under a burst, a 503 then costs reading
    // and dropping the bytes, not parsing 600 KB of JSON (which halved the goodput at 16
    // clients), and the workers keep the CPU. The body is still drained (within the cap and the
    // body deadline) so that a client that sends it all before reading gets its 503, not a
    // reset. The check is repeated when the job is queued.
    let uses_pool = !req.uri().path().starts_with("/veriface/challenge");
    if uses_pool && app.pool.depth() >= app.pool.capacity {
        body::discard(req.into_body(), &app.limits).await;
        return app::service(&app, &r, Service::Busy, busy_message(&app));
    }
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if let Some(len) = declared.filter(|n| *n > app.limits.max_body as u64) {
        let message = too_large(Some(len), app.limits.max_body);
        return app::service(&app, &r, Service::BodyTooLarge, message);
    }
    match tokio::time::timeout(app.limits.timeout, next.run(req)).await {
        Ok(response) => response,
        Err(_) => {
            let message = format!(
                "no answer within the server's deadline of {} ms: the server is overloaded, retry later",
                app.limits.timeout.as_millis()
            );
            app::service(&app, &r, Service::DeadlineExceeded, message)
        }
    }
}

/// The message of a 503 for a full queue.
pub fn busy_message(app: &App) -> String {
    format!(
        "all {} verifiers are busy and {} requests are waiting: retry after the Retry-After seconds",
        app.pool.workers, app.pool.capacity
    )
}

/// The message of a 413: the declared length when there is one.
pub fn too_large(len: Option<u64>, max: usize) -> String {
    let size = len.map_or_else(String::new, |n| format!(" ({n} bytes)"));
    format!(
        "the request body{size} is larger than this server's limit of {max} bytes: send smaller images"
    )
}

/// One of the `max_in_flight` places, held for the request's life.
struct Slot<'a>(&'a App);

impl<'a> Slot<'a> {
    fn enter(app: &'a App) -> Option<Slot<'a>> {
        let before = app.in_flight.fetch_add(1, Ordering::SeqCst);
        let slot = Slot(app);
        (before < app.limits.max_in_flight).then_some(slot)
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A response context: a fresh UUID v4 and the time. Without an OS random source (never seen on
/// a supported system) the id is still unique within this process.
fn context() -> Context {
    crate::output::fresh_context().unwrap_or_else(|e| {
        static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        tracing::error!(error = %e, "no random source for the transaction id");
        Context {
            transaction_id: format!("local-{}", COUNTER.fetch_add(1, Ordering::SeqCst)),
            ..Context::default()
        }
    })
}
