//! Active-liveness challenges: `POST /veriface/challenge` issues one (signed with the server's
//! `--key-file` secret), `POST /veriface/challenge/verify` checks the frames answering it.
//!
//! Not served over HTTP yet: the `Challenge` type and its HMAC signature come with the
//! active-liveness work (`veriface::challenge`, `veriface challenge new/verify`). The routes, the
//! key (`App::challenge_key`) and the state are wired so that serving them is the two handler
//! bodies below: read the body with `body::read`, run the check on the pool as
//! `handlers::verify_evidence` does, answer with `app::json`. Until then both answer 501
//! NOT_IMPLEMENTED in veriface's error shape.

use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;
use axum::Extension;
use veriface::shapes::Service;

use super::app::{self, App, Req};

/// The smallest `--key-file` accepted: an HMAC-SHA-256 key shorter than its output weakens it.
pub const MIN_KEY_BYTES: usize = 32;

/// `POST /veriface/challenge`.
pub async fn issue(State(app): State<Arc<App>>, Extension(r): Extension<Req>) -> Response {
    not_built(
        &app,
        &r,
        "POST /veriface/challenge (issue a signed challenge)",
    )
}

/// `POST /veriface/challenge/verify`.
pub async fn verify(State(app): State<Arc<App>>, Extension(r): Extension<Req>) -> Response {
    not_built(
        &app,
        &r,
        "POST /veriface/challenge/verify (check the frames against a challenge)",
    )
}

fn not_built(app: &App, r: &Req, what: &str) -> Response {
    let key = if app.challenge_key.is_some() {
        "the server's challenge key is loaded"
    } else {
        "start the server with --key-file (at least 32 random bytes) for it"
    };
    let message = format!(
        "{what} is not served over HTTP in this build yet (the command line has it: `veriface challenge new/verify`); {key}"
    );
    app::service(app, r, Service::NotImplemented, message)
}
