//! Active-liveness challenges: `POST /veriface/challenge` issues one signed with the server's
//! `--key-file` secret; `POST /veriface/challenge/verify` judges a capture's record of it on the
//! pool, with the same code as the browser and `veriface challenge verify`, and burns the nonce.
//! Without a key neither is served: an unsigned challenge is worth nothing to a server.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::response::Response;
use axum::Extension;
use serde::Deserialize;
use veriface::challenge::record::ChallengeRecord;
use veriface::challenge::{Action, Challenge};
use veriface::liveness::active::ActiveLimits;
use veriface::shapes::{self, Failure, Service};
use veriface::{ChallengeContext, Error};

use super::app::{self, App, Req};
use super::{body, handlers};

/// The smallest `--key-file` accepted: an HMAC-SHA-256 key shorter than its output weakens it.
pub const MIN_KEY_BYTES: usize = 32;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct IssueRequest {
    #[serde(default)]
    actions: Option<Vec<Action>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VerifyRequest {
    challenge: Challenge,
    record: ChallengeRecord,
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

fn no_key(app: &App, r: &Req) -> Response {
    app::service(
        app,
        r,
        Service::NotImplemented,
        "challenges are served only by a server started with --key-file (at least 32 random bytes): it signs them and checks the signature",
    )
}

/// Reads a JSON body into `T`; a malformed one is answered at once.
async fn parse<T: for<'de> Deserialize<'de>>(
    app: &App,
    r: &Req,
    req: Request,
    if_empty: Option<T>,
) -> Result<T, Response> {
    let body = body::read(&app.limits, req, false)
        .await
        .map_err(|(code, message)| app::service(app, r, code, message))?;
    if body.is_null() || body.as_object().is_some_and(|m| m.is_empty()) {
        if let Some(value) = if_empty {
            return Ok(value);
        }
    }
    serde_path_to_error::deserialize(body).map_err(|e| {
        let field = match e.path().to_string() {
            p if p == "." => "body".to_string(),
            p => p,
        };
        app::failure(
            app,
            r,
            Failure::Invalid {
                field,
                reason: e.inner().to_string(),
            },
        )
    })
}

/// `POST /veriface/challenge`: `{ "actions": [...] }` optional.
pub async fn issue(
    State(app): State<Arc<App>>,
    Extension(r): Extension<Req>,
    req: Request,
) -> Response {
    let Some(key) = app.challenge_key.clone() else {
        return no_key(&app, &r);
    };
    let request: IssueRequest = match parse(&app, &r, req, Some(IssueRequest::default())).await {
        Ok(request) => request,
        Err(refused) => return refused,
    };
    let mut random = [0u8; 32];
    if let Err(e) = getrandom::fill(&mut random) {
        let e = Error::Inference {
            reason: format!("no random source: {e}"),
        };
        return app::failure(&app, &r, Failure::Pipeline(e));
    }
    let challenge = match &request.actions {
        Some(actions) => Challenge::with_steps(random, now_ms(), actions),
        None => Challenge::new(random, now_ms()),
    };
    let signed = challenge.validate().and_then(|()| challenge.sign(&key));
    match signed {
        Ok(c) => app::json(
            shapes::Response {
                status: 200,
                body: serde_json::to_value(&c).unwrap_or_default(),
            },
            None,
        ),
        Err(e) => app::failure(&app, &r, Failure::Pipeline(e)),
    }
}

/// `POST /veriface/challenge/verify`: `{ "challenge": ..., "record": ... }` -> the verdict.
pub async fn verify(
    State(app): State<Arc<App>>,
    Extension(r): Extension<Req>,
    req: Request,
) -> Response {
    let Some(key) = app.challenge_key.clone() else {
        return no_key(&app, &r);
    };
    let request: VerifyRequest = match parse(&app, &r, req, None).await {
        Ok(request) => request,
        Err(refused) => return refused,
    };
    let now = now_ms();
    // Burn the nonce before any work: a record is judged once, whatever the verdict.
    let fresh = match app.used_nonces.lock() {
        Ok(mut used) => {
            used.retain(|_, expires| *expires + 60_000 >= now);
            used.insert(
                request.challenge.nonce.clone(),
                request.challenge.expires_at,
            )
            .is_none()
        }
        Err(_) => false,
    };
    let job = move |v: &mut veriface::Verifier| {
        let ctx = ChallengeContext {
            key: Some(&key),
            now_ms: now,
            nonce_fresh: fresh,
            limits: ActiveLimits::default(),
        };
        v.verify_challenge(&request.challenge, &request.record, &ctx)
    };
    match handlers::run(&app, &r, job).await {
        Ok(Ok(result)) => app::json(
            shapes::Response {
                status: 200,
                body: serde_json::to_value(&result).unwrap_or_default(),
            },
            None,
        ),
        Ok(Err(e)) => app::failure(&app, &r, Failure::Pipeline(e)),
        Err(refused) => refused,
    }
}
