//! The server's body reader, `src/bin/veriface/serve/body.rs`, compiled here as is (it lives in
//! the binary, which nothing can link against). It needs two things from its siblings in the
//! binary: `app::Limits` (only `max_body` and `body_timeout`) and `middleware::too_large`; they
//! are restated below with the same signatures. If body.rs starts using anything else, this
//! module stops compiling, and so does the CI pass (tests/fuzz_corpus.rs): update it then.

#[allow(dead_code)]
#[path = "../../../src/bin/veriface/serve/body.rs"]
pub mod body;

/// The part of the binary's `serve::app` that body.rs uses.
pub mod app {
    use std::time::Duration;

    /// The server's limits, as in `serve::app::Limits` (the fields body.rs reads).
    pub struct Limits {
        /// Largest body, bytes.
        pub max_body: usize,
        /// How long the body may take to arrive.
        pub body_timeout: Duration,
    }
}

/// The part of the binary's `serve::middleware` that body.rs uses.
pub mod middleware {
    /// The message of a 413 (as the binary's `serve::middleware::too_large`).
    pub fn too_large(len: Option<u64>, max: usize) -> String {
        let size = len.map_or_else(String::new, |n| format!(" ({n} bytes)"));
        format!(
            "the request body{size} is larger than this server's limit of {max} bytes: send smaller images"
        )
    }
}
