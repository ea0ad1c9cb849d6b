//! `veriface serve`: the vendor endpoints, the re-check of browser results and (later) liveness
//! challenges as one native HTTP service, the decision a business can rely on made on its own
//! server, as the self-hosted OpenCV FR server does for its API.
//!
//! tokio + axum on a few async threads do the HTTP; the models run on a pool of `--workers`
//! threads, each owning one verifier, behind a bounded queue (`pool`). Limits refuse early and in
//! the vendor's shape (`middleware`, `body`); SIGTERM or Ctrl-C stops accepting, lets the
//! requests in flight finish, then the workers drain and exit. Nothing a client sends is written
//! to disk or to the logs, which are one structured event per request (with its id) on stderr.
//! Standard output gets one line, `listening on http://ADDR`, once the models are loaded.

mod app;
mod auth;
mod body;
mod challenge;
mod handlers;
mod metrics;
mod middleware;
mod pool;
mod router;
mod statics;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::AtomicUsize;
use std::sync::Arc;
use std::time::Duration;

use axum::http::{header, HeaderName, HeaderValue, Method};
use tower_http::cors::CorsLayer;
use veriface::{Error, Result};

use crate::context::Context;
use app::{App, Limits};

/// Arguments of `serve`.
#[derive(clap::Args)]
pub struct Args {
    /// Address to listen on (port 0: any free port; the bound address is printed).
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Inference workers, each with its own copy of the models (default: the cores).
    #[arg(long)]
    workers: Option<usize>,
    /// Requests that may wait for a worker, at least 1; beyond, 503 BUSY (default: 4 per worker).
    #[arg(long)]
    queue: Option<usize>,
    /// Largest request body in bytes; beyond, 413 (default 24 MiB: two 8 MiB photos in base64).
    #[arg(long, default_value_t = 24 << 20)]
    max_body: usize,
    /// Milliseconds a request body may take to arrive; beyond, 408.
    #[arg(long, default_value_t = 10_000)]
    body_timeout_ms: u64,
    /// Milliseconds a request may take in all; beyond, 503 DEADLINE_EXCEEDED.
    #[arg(long, default_value_t = 30_000)]
    timeout_ms: u64,
    /// API requests in progress at once (reading, queued, running); beyond, 503 BUSY.
    #[arg(long, default_value_t = 64)]
    max_in_flight: usize,
    /// Secret for signing liveness challenges: a file of at least 32 bytes.
    #[arg(long)]
    key_file: Option<PathBuf>,
    /// API keys, one per line: when given, every API request must carry one, in the header its
    /// vendor's clients use (Vlens `ApiKey`, `x-api-key`, `Authorization: Bearer`).
    #[arg(long)]
    api_key_file: Option<PathBuf>,
    /// Allow cross-origin requests from this origin (repeatable). CORS is off without it.
    #[arg(long = "cors-origin")]
    cors_origins: Vec<String>,
    /// Folder with www/, js/ and pkg/ to serve at / and /veriface/ (default: the source tree).
    #[arg(long)]
    static_root: Option<PathBuf>,
    /// Serve the API only: no demo page, no package files.
    #[arg(long)]
    no_static: bool,
    /// Log JSON lines instead of text (on standard error; filter with VERIFACE_LOG=debug, ...).
    #[arg(long)]
    log_json: bool,
}

/// Loads the models into the workers, then serves until a signal; `Ok(true)` after a clean stop.
///
/// # Errors
/// Unreadable or too short key files, a bad `--cors-origin`, models that do not load, an
/// address that cannot be bound.
pub fn run(ctx: &Context, args: Args) -> Result<bool> {
    init_logging(args.log_json);
    let bad = Error::bad_parameter;
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let workers = args.workers.unwrap_or(cores).max(1);
    let queue = args.queue.unwrap_or(4 * workers).max(1);
    let challenge_key = args.key_file.as_deref().map(read_key).transpose()?;
    let keys = args
        .api_key_file
        .as_deref()
        .map(auth::ApiKeys::load)
        .transpose()?;
    let cors = cors(&args.cors_origins)?;
    let statics = (!args.no_static).then(|| {
        let root = args
            .static_root
            .clone()
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
        statics::Statics::new(&root, &ctx.models_dir)
    });
    if statics.as_ref().is_some_and(|s| !s.pkg_built()) {
        tracing::warn!("pkg/ is not built: the demo page will not run (npm run build)");
    }
    let limits = Limits {
        max_body: args.max_body,
        body_timeout: Duration::from_millis(args.body_timeout_ms),
        timeout: Duration::from_millis(args.timeout_ms),
        max_in_flight: args.max_in_flight.max(1),
    };
    // Every plan optimised before the server listens: its first requests must not pay for it.
    let load = || {
        let mut v = ctx.liveness_verifier()?;
        while v.prepare_next()? {}
        Ok(v)
    };
    std::thread::scope(|scope| {
        tracing::info!(workers, queue, "loading the models");
        let pool = pool::Pool::start(scope, workers, queue, &load)?;
        let app = Arc::new(App {
            pool,
            keys,
            challenge_key,
            used_nonces: Default::default(),
            metrics: metrics::Metrics::default(),
            limits,
            in_flight: AtomicUsize::new(0),
            statics,
        });
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(cores.clamp(1, 4))
            .thread_name("veriface-http")
            .enable_all()
            .build()
            .map_err(|e| bad("--addr", format!("cannot start the async runtime: {e}")));
        let served = runtime.and_then(|rt| rt.block_on(serve(app.clone(), args.addr, cors)));
        // Whatever happened, the workers finish what is queued and exit; the scope joins them.
        app.pool.close();
        served.map(|()| true)
    })
}

/// Binds, announces the address, serves until SIGTERM or Ctrl-C, then lets the requests in
/// flight finish (each is bounded by the request deadline).
async fn serve(app: Arc<App>, addr: SocketAddr, cors: Option<CorsLayer>) -> Result<()> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| Error::bad_parameter("--addr", format!("cannot listen on {addr}: {e}")))?;
    let bound = listener
        .local_addr()
        .map_err(|e| Error::bad_parameter("--addr", e.to_string()))?;
    let grace = app.limits.timeout + Duration::from_secs(5);
    // The handlers are installed before the address is announced: a SIGTERM sent as soon as the
    // server says it listens must already mean "drain", not the default "die".
    let signals = Signals::install()?;
    let router = router::router(app, cors);
    tracing::info!(%bound, "listening");
    crate::output::line(&format!("listening on http://{bound}"));
    axum::serve(listener, router)
        .with_graceful_shutdown(signals.shutdown(grace))
        .await
        .map_err(|e| Error::Inference {
            reason: format!("the server stopped: {e}"),
        })?;
    tracing::info!("stopped: every request in flight was answered");
    Ok(())
}

/// SIGTERM (what an orchestrator sends before removing an instance) and SIGINT (Ctrl-C).
struct Signals {
    term: tokio::signal::unix::Signal,
    int: tokio::signal::unix::Signal,
}

impl Signals {
    fn install() -> Result<Signals> {
        use tokio::signal::unix::{signal, SignalKind};
        let fail = |e: std::io::Error| Error::Inference {
            reason: format!("cannot install the signal handlers: {e}"),
        };
        Ok(Signals {
            term: signal(SignalKind::terminate()).map_err(fail)?,
            int: signal(SignalKind::interrupt()).map_err(fail)?,
        })
    }

    /// Resolves on the first signal. A request still open `grace` later (past its own deadline:
    /// a stuck connection) does not hold the exit.
    async fn shutdown(mut self, grace: Duration) {
        tokio::select! {
            _ = self.term.recv() => {},
            _ = self.int.recv() => {},
        }
        tracing::info!("shutting down: finishing the requests in flight");
        tokio::spawn(async move {
            tokio::time::sleep(grace).await;
            tracing::error!(
                "requests still open {} s after the signal: exiting",
                grace.as_secs()
            );
            std::process::exit(1);
        });
    }
}

/// The challenge secret: the file's bytes, at least [`challenge::MIN_KEY_BYTES`].
fn read_key(path: &std::path::Path) -> Result<Vec<u8>> {
    let key = crate::context::read(path)?;
    if key.len() < challenge::MIN_KEY_BYTES {
        return Err(Error::bad_parameter(
            "--key-file",
            format!(
                "{} holds {} bytes; a challenge key needs at least {} (e.g. `head -c 32 /dev/urandom > key`)",
                path.display(),
                key.len(),
                challenge::MIN_KEY_BYTES
            ),
        ));
    }
    Ok(key)
}

/// CORS for the listed origins only (POST with the vendors' key headers); `None` when none is
/// listed: browsers on other origins are then refused by their own same-origin rule.
fn cors(origins: &[String]) -> Result<Option<CorsLayer>> {
    if origins.is_empty() {
        return Ok(None);
    }
    let origins = origins
        .iter()
        .map(|o| {
            HeaderValue::from_str(o)
                .map_err(|e| Error::bad_parameter("--cors-origin", format!("`{o}`: {e}")))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Some(
        CorsLayer::new()
            .allow_origin(origins)
            .allow_methods([Method::POST, Method::GET])
            .allow_headers([
                header::CONTENT_TYPE,
                header::AUTHORIZATION,
                HeaderName::from_static("apikey"),
                HeaderName::from_static("x-api-key"),
                HeaderName::from_static("x-request-id"),
            ])
            .expose_headers([header::RETRY_AFTER, HeaderName::from_static("x-request-id")]),
    ))
}

/// Structured logs on standard error: text, or JSON lines with `--log-json`. `VERIFACE_LOG`
/// sets the filter (default `info`).
fn init_logging(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("VERIFACE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.with_ansi(false).try_init()
    };
}
