//! Failures of the HTTP service around the pipeline (`veriface serve`): a request refused before
//! any image is looked at (no key, a body too large, the queue full, ...). They are not
//! [`crate::Error`]s: the library never raises them, only a server does, but a client of a vendor
//! endpoint must get them in that vendor's shape like any other error. Each has a stable code
//! (the one list, declared with `codes!`), an HTTP status and a numeric code for the vendors whose
//! bodies carry one (Vlens, Valify); each vendor module maps every code (exhaustive `match`), so a
//! new one fails to compile until every shape has it.

crate::codes::codes! {
    /// A service-level failure: the request was refused or abandoned by the server, not the
    /// pipeline. Listed with status and numeric code in docs/vendors.md and the README.
    pub enum Service {
        /// No API key was sent where the server requires one (401).
        ApiKeyMissing = "API_KEY_MISSING",
        /// An API key was sent and is not one the server accepts (401; Valify's page: 403).
        ApiKeyInvalid = "API_KEY_INVALID",
        /// No endpoint at this path (404).
        NotFound = "NOT_FOUND",
        /// The endpoint exists but not for this method (405, with `Allow`).
        MethodNotAllowed = "METHOD_NOT_ALLOWED",
        /// The body's Content-Type is not one the endpoint reads (415).
        UnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE",
        /// The body is not well-formed JSON / multipart / form data, or nests too deeply (400).
        MalformedBody = "MALFORMED_BODY",
        /// The body is larger than the server's cap, by its Content-Length or as it arrived (413).
        BodyTooLarge = "BODY_TOO_LARGE",
        /// The body did not arrive in full within the server's body deadline (408).
        BodyTimeout = "BODY_TIMEOUT",
        /// A result to re-check names an embedder this server does not run (422).
        EmbedderNotServed = "EMBEDDER_NOT_SERVED",
        /// Every verifier is busy and the queue is full: retry after `Retry-After` seconds (503).
        Busy = "BUSY",
        /// The answer was not ready within the request deadline (503, with `Retry-After`).
        DeadlineExceeded = "DEADLINE_EXCEEDED",
        /// The endpoint is not served by this server as configured (the challenges without a
        /// `--key-file`) (501).
        NotImplemented = "NOT_IMPLEMENTED",
    }
}

impl Service {
    /// The HTTP status a plain REST service gives it. Vendors whose pages say otherwise override
    /// it in their own module (Valify: 403 for an unknown access token).
    pub fn status(self) -> u16 {
        match self {
            Service::ApiKeyMissing | Service::ApiKeyInvalid => 401,
            Service::NotFound => 404,
            Service::MethodNotAllowed => 405,
            Service::UnsupportedMediaType => 415,
            Service::MalformedBody => 400,
            Service::BodyTooLarge => 413,
            Service::BodyTimeout => 408,
            Service::EmbedderNotServed => 422,
            Service::Busy | Service::DeadlineExceeded => 503,
            Service::NotImplemented => 501,
        }
    }

    /// veriface's numeric code (Vlens and Valify `error_code`): after the pipeline's 4001-4010
    /// and 5001-5003, so the two lists never collide.
    pub fn numeric_code(self) -> i64 {
        match self {
            Service::ApiKeyMissing => 4011,
            Service::ApiKeyInvalid => 4012,
            Service::NotFound => 4013,
            Service::MethodNotAllowed => 4014,
            Service::UnsupportedMediaType => 4015,
            Service::MalformedBody => 4016,
            Service::BodyTooLarge => 4017,
            Service::BodyTimeout => 4018,
            Service::EmbedderNotServed => 4019,
            Service::Busy => 5004,
            Service::DeadlineExceeded => 5005,
            Service::NotImplemented => 5006,
        }
    }

    /// Whether the client may simply send the same request again later (the server sends
    /// `Retry-After` with these).
    pub fn retryable(self) -> bool {
        matches!(self, Service::Busy | Service::DeadlineExceeded)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_codes_are_distinct_and_follow_the_pipeline_ones() {
        let mut seen: Vec<i64> = Service::ALL.iter().map(|s| s.numeric_code()).collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), Service::ALL.len());
        let pipeline: Vec<i64> = crate::ErrorCode::ALL
            .iter()
            .map(|c| super::super::numeric_code(*c))
            .chain([super::super::NOT_LIVE_NUMERIC])
            .collect();
        assert!(seen.iter().all(|c| !pipeline.contains(c)));
    }
}
