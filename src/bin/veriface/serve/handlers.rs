//! The handlers: each vendor endpoint, the re-check of a browser's result, health and metrics,
//! and the fallbacks (static files, 404, 405). Bodies are read and parsed on the async threads
//! (cheap, and a malformed request never takes a worker); the models run on the pool.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use serde::Deserialize;
use serde_json::json;
use veriface::endpoints;
use veriface::shapes::{self, Failure, Format, Service};
use veriface::{CompareResult, Error, ImageInput};

use super::app::{self, App, Req};
use super::pool::Refused;
use super::{body, middleware};

/// Every vendor endpoint (`endpoints::PATHS`): the body as the vendor sends it, answered in the
/// vendor's shape with its status.
pub async fn vendor(
    State(app): State<Arc<App>>,
    Extension(r): Extension<Req>,
    req: Request,
) -> Response {
    let endpoint = r.shape;
    let body = match body::read(&app.limits, req, endpoint.format() == Format::Deepvue).await {
        Ok(body) => body,
        Err((code, message)) => return app::service(&app, &r, code, message),
    };
    let ctx = endpoints::client_context(endpoint, &body, r.ctx.clone());
    let parsed = endpoints::parse(endpoint, &body);
    drop(body);
    let parsed = match parsed {
        Ok(parsed) => parsed,
        Err(failure) => {
            let code = failure.code();
            return app::json(endpoints::refuse(endpoint, failure, &ctx), Some(code));
        }
    };
    let r = Req { ctx, ..r };
    let job_ctx = r.ctx.clone();
    match run(&app, &r, move |v| {
        endpoints::answer(v, endpoint, &parsed, &job_ctx)
    })
    .await
    {
        Ok((response, code)) => app::json(response, code),
        Err(refused) => refused,
    }
}

/// The body of `POST /veriface/verify-evidence`.
#[derive(Deserialize)]
struct EvidenceRequest {
    /// A veriface-format compare result (the JSON of `compare --format veriface`, or the
    /// browser's `format: "veriface"` answer).
    result: CompareResult,
    /// The first image, base64.
    a: String,
    /// The second image, base64.
    b: String,
}

/// `POST /veriface/verify-evidence`: recomputes a browser's result from the same two images and
/// answers the evidence report (200 whether confirmed or not: the check itself succeeded).
pub async fn verify_evidence(
    State(app): State<Arc<App>>,
    Extension(r): Extension<Req>,
    req: Request,
) -> Response {
    let body = match body::read(&app.limits, req, false).await {
        Ok(body) => body,
        Err((code, message)) => return app::service(&app, &r, code, message),
    };
    let request: EvidenceRequest = match serde_path_to_error::deserialize(body) {
        Ok(request) => request,
        Err(e) => {
            let field = e.path().to_string();
            let field = if field == "." {
                "body".to_string()
            } else {
                field
            };
            let reason = format!(
                "{}: send {{ \"result\": <a veriface-format compare result>, \"a\": base64, \"b\": base64 }}",
                e.inner()
            );
            return app::failure(&app, &r, Failure::Invalid { field, reason });
        }
    };
    let claimed = &request.result.models.embedder;
    if *claimed != app.pool.embedder {
        let message = format!(
            "the result was computed with the embedder `{claimed}`; this server runs `{}`: re-check it on a server started with --model {claimed}",
            app.pool.embedder
        );
        return app::service(&app, &r, Service::EmbedderNotServed, message);
    }
    let job = move |v: &mut veriface::Verifier| {
        let (a, b) = (
            ImageInput::Base64(&request.a),
            ImageInput::Base64(&request.b),
        );
        v.verify_evidence(&request.result, a, b)
    };
    match run(&app, &r, job).await {
        Ok(Ok(report)) => {
            let response = shapes::Response {
                status: 200,
                body: serde_json::to_value(&report).unwrap_or_default(),
            };
            app::json(response, None)
        }
        Ok(Err(e)) => app::failure(&app, &r, Failure::Pipeline(e)),
        Err(refused) => refused,
    }
}

/// Runs `job` on a worker: queued if there is room, else 503 BUSY at once. A job whose worker
/// died (a panic, caught) is a 500 INFERENCE_FAILED.
pub async fn run<T, F>(app: &App, r: &Req, job: F) -> Result<T, Response>
where
    T: Send + 'static,
    F: FnOnce(&mut veriface::Verifier) -> T + Send + 'static,
{
    let receiver = match app.pool.submit(job) {
        Ok(receiver) => receiver,
        Err(Refused::Busy) => {
            let message = middleware::busy_message(app);
            return Err(app::service(app, r, Service::Busy, message));
        }
        Err(Refused::Closed) => {
            let message = "the server is shutting down: retry on another instance";
            return Err(app::service(app, r, Service::Busy, message));
        }
    };
    receiver.await.map_err(|_| {
        let reason =
            "the inference worker failed on this request (a veriface bug: please report it)";
        app::failure(
            app,
            r,
            Failure::Pipeline(Error::Inference {
                reason: reason.into(),
            }),
        )
    })
}

/// `GET /healthz`: 200 once the models are loaded (the server listens only then).
pub async fn healthz(State(app): State<Arc<App>>) -> Response {
    let g = app.gauges();
    let body = json!({
        "status": "ok",
        "version": env!("CARGO_PKG_VERSION"),
        "embedder": app.pool.embedder,
        "workers": g.workers,
        "queue_depth": g.queue_depth,
        "queue_capacity": g.queue_capacity,
        "in_flight": g.in_flight,
    });
    app::json(shapes::Response { status: 200, body }, None)
}

/// `GET /metrics`: Prometheus text.
pub async fn metrics(State(app): State<Arc<App>>) -> Response {
    let text = app.metrics.render(&app.gauges());
    let content_type = HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8");
    (StatusCode::OK, [(header::CONTENT_TYPE, content_type)], text).into_response()
}

/// No route: a static file for GET and HEAD (when served), else 404 in the path's shape.
pub async fn fallback(
    State(app): State<Arc<App>>,
    Extension(r): Extension<Req>,
    req: Request,
) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD) {
        if let Some(statics) = &app.statics {
            return statics.serve(req).await;
        }
    }
    let paths: Vec<&str> = endpoints::PATHS.iter().map(|(p, _)| *p).collect();
    let message = format!(
        "no endpoint at {} {}: the endpoints are POST {}, /veriface/verify-evidence, /veriface/challenge, /veriface/challenge/verify; GET /healthz, /metrics",
        req.method(),
        req.uri().path(),
        paths.join(", ")
    );
    app::service(&app, &r, Service::NotFound, message)
}

/// A route that exists, with the wrong method: 405 in the route's shape, with `Allow`.
pub async fn not_allowed(
    State(app): State<Arc<App>>,
    Extension(r): Extension<Req>,
    req: Request,
) -> Response {
    let path = req.uri().path();
    let allow = if matches!(path, "/healthz" | "/metrics") {
        "GET, HEAD"
    } else {
        "POST"
    };
    let message = format!("{path} takes {allow}, not {}", req.method());
    let mut response = app::service(&app, &r, Service::MethodNotAllowed, message);
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static(allow));
    response
}
