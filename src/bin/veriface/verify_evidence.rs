//! `veriface verify-evidence RESULT.json A B`: recomputes a veriface-format compare result (from
//! a browser, say) from the same two files and says whether it stands.

use std::path::PathBuf;

use veriface::{CompareResult, Error, ImageInput, Result};

use crate::context::{read, Context};
use crate::output;

/// Arguments of `verify-evidence`.
#[derive(clap::Args)]
pub struct Args {
    /// The result JSON (from `compare --format veriface` or the browser).
    result: PathBuf,
    /// First image.
    a: PathBuf,
    /// Second image.
    b: PathBuf,
}

pub fn run(ctx: &Context, args: Args) -> Result<bool> {
    let claim: CompareResult = serde_json::from_slice(&read(&args.result)?).map_err(|e| {
        Error::bad_parameter(
            "RESULT",
            format!(
                "{} is not a veriface-format compare result ({e}): produce it with `--format veriface` or the JS `format: \"veriface\"`",
                args.result.display()
            ),
        )
    })?;
    let mut v = ctx.verifier_with(Some(&claim.models.embedder))?;
    let (a, b) = (read(&args.a)?, read(&args.b)?);
    let report = v.verify_evidence(&claim, ImageInput::Encoded(&a), ImageInput::Encoded(&b))?;
    output::json(&report);
    Ok(report.confirmed)
}
