//! `veriface detect IMG`: every face, with boxes, landmarks and scores; `--draw` writes them on
//! the image.

use std::path::PathBuf;

use veriface::{Error, ImageInput, Result};

use crate::context::{read, Context};
use crate::{draw, output};

/// Arguments of `detect`.
#[derive(clap::Args)]
pub struct Args {
    /// Image (JPEG or PNG).
    image: PathBuf,
    /// Print the full result as JSON.
    #[arg(long)]
    json: bool,
    /// Write a PNG with boxes and landmarks drawn on the image.
    #[arg(long)]
    draw: Option<PathBuf>,
}

pub fn run(ctx: &Context, args: Args) -> Result<bool> {
    let mut v = ctx.verifier()?;
    let bytes = read(&args.image)?;
    let r = v.detect(ImageInput::Encoded(&bytes))?;
    if args.json {
        output::json(&r);
    } else {
        output::line(&format!(
            "{} face(s) in {}x{} ({:.0} ms)",
            r.faces.len(),
            r.image_width,
            r.image_height,
            r.timings.total_ms
        ));
        for f in &r.faces {
            let b = f.bbox;
            output::line(&format!(
                "  score {:.3}  box ({:.0}, {:.0})-({:.0}, {:.0})",
                f.detector_score, b.x1, b.y1, b.x2, b.y2
            ));
        }
    }
    if let Some(out) = args.draw {
        let mut pixels = v.decode(ImageInput::Encoded(&bytes))?;
        draw::faces(&mut pixels, &r.faces);
        // Encoded in memory and written in one call: `save` writes through a buffer whose last
        // flush happens on drop, where a failure (a full disk) is lost.
        let format = image::ImageFormat::from_path(&out).unwrap_or(image::ImageFormat::Png);
        let mut encoded = std::io::Cursor::new(Vec::new());
        let refuse = |e: &dyn std::fmt::Display| {
            Error::bad_parameter("--draw", format!("cannot write {}: {e}", out.display()))
        };
        pixels
            .write_to(&mut encoded, format)
            .map_err(|e| refuse(&e))?;
        std::fs::write(&out, encoded.into_inner()).map_err(|e| refuse(&e))?;
    }
    Ok(true)
}
