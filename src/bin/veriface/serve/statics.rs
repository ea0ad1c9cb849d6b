//! The demo page and the npm package's files, so that `veriface serve` alone is an on-premises
//! deployment: `www/` at `/`, the package's `js/` and `pkg/` under `/veriface/`, and the models
//! (from `--models`) at `/veriface/models/`: the layout `tools/demo.mjs` serves, with its headers
//! (a strict Content-Security-Policy with `'wasm-unsafe-eval'`, `nosniff`, no referrer,
//! revalidate always). Paths are resolved by tower-http's `ServeDir`, which refuses `..`.

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderName, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use tower::ServiceExt;
use tower_http::services::ServeDir;

/// `tools/demo.mjs`'s policy: nothing from another origin; wasm may compile; blob:/data: images.
const CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; img-src 'self' blob: data:; media-src 'self' blob: mediastream:; style-src 'self'; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'";

/// Where each mount's files are.
pub struct Statics {
    mounts: Vec<(&'static str, PathBuf)>,
    pkg_built: bool,
}

impl Statics {
    /// `root` holds `www/`, `js/` and `pkg/`; `models` the model files.
    pub fn new(root: &Path, models: &Path) -> Statics {
        let pkg = root.join("pkg");
        Statics {
            pkg_built: pkg.join("veriface_bg.wasm").is_file(),
            mounts: vec![
                ("/veriface/js/", root.join("js")),
                ("/veriface/pkg/", pkg),
                ("/veriface/models/", models.to_path_buf()),
                ("/", root.join("www")),
            ],
        }
    }

    /// Whether the wasm package is there (the page cannot run without it).
    pub fn pkg_built(&self) -> bool {
        self.pkg_built
    }

    /// Answers a GET or HEAD from the mount whose prefix the path has.
    pub async fn serve(&self, mut req: Request) -> Response {
        let path = req.uri().path().to_string();
        let Some((prefix, dir)) = self.mounts.iter().find(|(p, _)| path.starts_with(p)) else {
            return not_found("not found");
        };
        let rest = &path[prefix.len() - 1..];
        let rest = match req.uri().query() {
            Some(q) => format!("{rest}?{q}"),
            None => rest.to_string(),
        };
        match rest.parse::<Uri>() {
            Ok(uri) => *req.uri_mut() = uri,
            Err(_) => return not_found("not found"),
        }
        let served = ServeDir::new(dir)
            .append_index_html_on_directories(true)
            .oneshot(req)
            .await;
        let mut response = match served {
            Ok(r) if r.status() == StatusCode::NOT_FOUND => {
                if *prefix == "/veriface/pkg/" && !self.pkg_built {
                    not_found("pkg/ is missing: this is a fresh clone; build the wasm package with `npm run build` (tools/build-wasm.sh) and restart `veriface serve`")
                } else {
                    not_found("not found")
                }
            }
            Ok(r) => r.map(Body::new),
            Err(e) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("cannot read the file: {e}"),
            )
                .into_response(),
        };
        let headers = response.headers_mut();
        let fixed: [(HeaderName, &'static str); 4] = [
            (header::CONTENT_SECURITY_POLICY, CSP),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::REFERRER_POLICY, "no-referrer"),
            // A rebuilt pkg/ must not meet a stale page; the package caches the big files itself.
            (header::CACHE_CONTROL, "no-cache"),
        ];
        for (name, value) in fixed {
            headers.insert(name, HeaderValue::from_static(value));
        }
        response
    }
}

fn not_found(text: &str) -> Response {
    let content_type = HeaderValue::from_static("text/plain; charset=utf-8");
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, content_type)],
        text.to_string(),
    )
        .into_response()
}
