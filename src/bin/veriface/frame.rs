//! `veriface frame IMG...`: the single-frame liveness checks on each image.

use std::path::PathBuf;

use veriface::{ImageInput, LivenessOptions, Pass, Result};

use crate::context::{read, Context};
use crate::output;

/// Arguments of `frame`.
#[derive(clap::Args)]
pub struct Args {
    /// Images (JPEG or PNG): camera frames, each checked on its own.
    #[arg(required = true)]
    images: Vec<PathBuf>,
    /// Print each full report as JSON (one line per image when there are several).
    #[arg(long)]
    json: bool,
    /// The guidance pass a page runs on every camera frame: the detector at 320 px, no
    /// anti-spoofing model, every limit tightened by a margin (the eye model runs when loaded).
    #[arg(long)]
    no_models: bool,
}

pub fn run(ctx: &Context, args: Args) -> Result<bool> {
    let mut v = ctx.liveness_verifier()?;
    let mut all_passed = true;
    for image in &args.images {
        let bytes = read(image)?;
        let pass = if args.no_models {
            Pass::Guidance
        } else {
            Pass::Full
        };
        let r = v.frame_report(
            ImageInput::Encoded(&bytes),
            pass,
            &LivenessOptions::default(),
        )?;
        all_passed &= r.passed;
        if args.json && args.images.len() > 1 {
            let mut value = serde_json::to_value(&r).unwrap_or_default();
            if let Some(map) = value.as_object_mut() {
                map.insert("file".into(), image.display().to_string().into());
            }
            output::line(&value.to_string());
        } else if args.json {
            output::json(&r);
        } else {
            output::line(&format!(
                "{}: {} ({:.0} ms)",
                image.display(),
                if r.passed { "PASS" } else { "FAIL" },
                r.timings.total_ms
            ));
            for c in &r.checks {
                output::check_row(c.code.name(), c.value, c.threshold, c.passed, "");
            }
        }
    }
    Ok(all_passed)
}
