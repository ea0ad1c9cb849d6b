//! The router, built in one function: every vendor endpoint, the veriface service endpoints,
//! health and metrics, static files as the fallback; the guard on the API routes only, CORS if
//! configured, and the observing layer around everything.

use std::sync::Arc;

use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};
use axum::Router;
use tower_http::cors::CorsLayer;
use veriface::endpoints;

use super::app::App;
use super::{challenge, handlers, middleware};

/// The whole application.
pub fn router(app: Arc<App>, cors: Option<CorsLayer>) -> Router {
    let mut api = Router::new();
    for (path, _) in endpoints::PATHS {
        // With and without the trailing slash: Valify's page writes `/api/v1/face/match/`.
        api = api
            .route(path, post(handlers::vendor))
            .route(&format!("{path}/"), post(handlers::vendor));
    }
    let api = api
        .route("/veriface/verify-evidence", post(handlers::verify_evidence))
        .route("/veriface/challenge", post(challenge::issue))
        .route("/veriface/challenge/verify", post(challenge::verify))
        .route_layer(from_fn_with_state(app.clone(), middleware::guard));
    let mut router = Router::new()
        .route("/healthz", get(handlers::healthz))
        .route("/metrics", get(handlers::metrics))
        .merge(api)
        .fallback(handlers::fallback)
        .method_not_allowed_fallback(handlers::not_allowed);
    if let Some(cors) = cors {
        router = router.layer(cors);
    }
    router
        .layer(from_fn_with_state(app.clone(), middleware::observe))
        .with_state(app)
}
