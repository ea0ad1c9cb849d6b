//! `veriface liveness F1 F2 F3 [--timestamps 0,160,320] [--id ID]`: liveness of 2 to 5 frames,
//! and the ID match.

use std::path::PathBuf;

use veriface::request::{FrameSource, ImageSource, LivenessRequest};
use veriface::shapes::{self, Failure, Format};
use veriface::Result;

use crate::context::{read, Context};
use crate::output;

/// Arguments of `liveness`.
#[derive(clap::Args)]
pub struct Args {
    /// The frames, in capture order.
    #[arg(required = true, num_args = 2..=5)]
    frames: Vec<PathBuf>,
    /// Capture times in ms, comma-separated, one per frame (e.g. 0,160,320).
    #[arg(long, value_delimiter = ',')]
    timestamps: Option<Vec<f64>>,
    /// Longest allowed span from the first frame to the last.
    #[arg(long, default_value_t = 500.0)]
    max_span_ms: f64,
    /// The front of an ID document: the live face must also match its portrait (Vlens
    /// liveness/multi).
    #[arg(long)]
    id: Option<PathBuf>,
    /// Print the full result as JSON.
    #[arg(long)]
    json: bool,
    /// Print the result (or the error) in a vendor's shape: vlens, valify, deepvue, opencv
    /// or veriface.
    #[arg(long)]
    format: Option<String>,
}

pub fn run(ctx: &Context, args: Args) -> Result<bool> {
    let format = args.format.as_deref().map(Format::parse).transpose()?;
    let mut v = ctx.liveness_verifier()?;
    let frames = args
        .frames
        .iter()
        .map(|path| {
            Ok(FrameSource {
                image: ImageSource::Encoded(read(path)?),
                timestamp: None,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let request = LivenessRequest {
        frames: Some(frames),
        timestamps: args.timestamps,
        id_front: args
            .id
            .as_deref()
            .map(read)
            .transpose()?
            .map(ImageSource::Encoded),
        max_span_ms: Some(args.max_span_ms),
        format,
    };
    let outcome = request.frames().and_then(|frames| {
        let id = request.id_front()?;
        v.liveness(&frames, id, &request.options())
    });
    if let Some(format) = format {
        let outcome = outcome.map_err(Failure::from);
        let response = shapes::liveness_response(format, &outcome, &output::fresh_context()?);
        output::response(&response, false);
        return Ok(outcome.is_ok_and(|r| r.verified) && response.status < 400);
    }
    let r = outcome?;
    if args.json {
        output::json(&r);
        return Ok(r.is_live);
    }
    output::line(&format!(
        "{} (mean p(live) {:.3})",
        if r.is_live { "LIVE" } else { "NOT LIVE" },
        r.live_mean
    ));
    for (i, f) in r.frames.iter().enumerate() {
        let failed: Vec<&str> = f.failed().map(|c| c.name()).collect();
        output::line(&format!(
            "  frame {}: {}",
            i + 1,
            if failed.is_empty() {
                "ok".into()
            } else {
                failed.join(", ")
            }
        ));
    }
    for c in &r.sequence {
        let note = if c.decisive { "" } else { " (reported only)" };
        output::check_row(c.code.name(), c.value, c.threshold, c.passed, note);
    }
    Ok(r.is_live)
}
