//! `veriface serve` end to end: the binary started on a free port, spoken to over HTTP.
//!
//! - every vendor endpoint answers exactly what `endpoints::handle` answers (the golden files of
//!   tests/vendor_shapes.rs, ids and times masked) and matches its schema; so do
//!   verify-evidence, the challenge stubs, health and metrics;
//! - the API key, the body cap, the body and request deadlines, and hostile bodies (a 1 GB
//!   Content-Length that never arrives, truncated multipart, JSON nested 100,000 deep, wrong
//!   Content-Type) each get their typed answer in the vendor's shape, and the server keeps
//!   serving;
//! - a full queue answers 503 BUSY with Retry-After, never a timeout; SIGTERM lets the request
//!   in flight finish.
//!
//! `VERIFACE_BLESS=1` rewrites the golden files (as tests/vendor_shapes.rs does).

#[path = "../common/mod.rs"]
mod common;
mod endpoints;
mod limits;
mod queue;
mod support;
