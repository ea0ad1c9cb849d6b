//! `veriface compare A B`: do two images show the same person?

use std::path::PathBuf;

use veriface::request::{CompareRequest, ImageSource};
use veriface::shapes::{self, Failure, Format};
use veriface::Result;

use crate::context::{read, Context};
use crate::output;

/// Arguments of `compare`.
#[derive(clap::Args)]
pub struct Args {
    /// First image (JPEG or PNG): the probe.
    a: PathBuf,
    /// Second image (JPEG or PNG): the reference.
    b: PathBuf,
    /// Decision threshold on the calibrated score, 0..1.
    #[arg(long, default_value_t = veriface::compare::DEFAULT_THRESHOLD)]
    threshold: f64,
    /// Print the full result as JSON.
    #[arg(long)]
    json: bool,
    /// Print the result (or the error) as JSON in a vendor's shape: vlens, valify, deepvue,
    /// opencv or veriface (the full result with evidence, for verify-evidence).
    #[arg(long)]
    format: Option<String>,
    /// Also run the single-frame liveness checks on the first image (OpenCV FR's
    /// check_liveness).
    #[arg(long)]
    check_liveness: bool,
}

pub fn run(ctx: &Context, args: Args) -> Result<bool> {
    // Checked before any work is done.
    let format = args.format.as_deref().map(Format::parse).transpose()?;
    let mut v = if args.check_liveness {
        ctx.liveness_verifier()?
    } else {
        ctx.verifier()?
    };
    let request = CompareRequest {
        a: Some(ImageSource::Encoded(read(&args.a)?)),
        b: Some(ImageSource::Encoded(read(&args.b)?)),
        threshold: Some(args.threshold),
        check_liveness: Some(args.check_liveness),
        format,
        face_policy: None,
    };
    let outcome = request.options().and_then(|options| {
        let (a, b) = request.images()?;
        v.compare(a, b, &options)
    });
    if let Some(format) = format {
        let outcome = outcome.map_err(Failure::from);
        let response = shapes::compare_response(format, &outcome, &output::fresh_context()?);
        return Ok(output::response(&response, false));
    }
    let r = outcome?;
    if args.json {
        output::json(&r);
    } else {
        output::line(&format!(
            "{}: score {:.4} (threshold {:.2}, similarity {:.4}) in {:.0} ms",
            if r.is_match { "MATCH" } else { "NO MATCH" },
            r.score,
            r.threshold,
            r.similarity,
            r.timings.total_ms
        ));
    }
    Ok(true)
}
