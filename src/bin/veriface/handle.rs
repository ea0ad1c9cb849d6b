//! `veriface handle ENDPOINT BODY.json`: a vendor's request body answered as the vendor would.

use std::path::PathBuf;

use serde_json::Value;
use veriface::endpoints::{self, Request};
use veriface::{Error, Result};

use crate::context::{read, Context};
use crate::output;

/// Arguments of `handle`.
#[derive(clap::Args)]
pub struct Args {
    /// The vendor endpoint, e.g. /v1/ocr/face/compare or https://api.vlenseg.com/v1/ocr/face/compare.
    endpoint: String,
    /// The request body as a JSON file (images in base64, as the vendor takes them).
    body: PathBuf,
}

pub fn run(ctx: &Context, args: Args) -> Result<bool> {
    // The liveness models too: for OpenCV's check_liveness and the liveness endpoints.
    let mut v = ctx.liveness_verifier()?;
    let body: Value = serde_json::from_slice(&read(&args.body)?).map_err(|e| {
        Error::bad_parameter("BODY", format!("{} is not JSON: {e}", args.body.display()))
    })?;
    let request = Request {
        endpoint: &args.endpoint,
        body: &body,
    };
    let response = endpoints::handle(&mut v, request, output::fresh_context()?);
    Ok(output::response(&response, true))
}
