//! `veriface eval eyes SOURCE...`: how often EYES_CLOSED fires on faces labelled `closed` (it
//! must) and on live faces (it must not: their eyes are open but for blinks), per group. Videos
//! are sampled every `--every-ms`. A tight face crop (no face found, or the face cropped or too
//! close) is padded to twice its size with its edge pixels and checked again, as a camera frame
//! would show it.

use std::collections::BTreeMap;
use std::path::PathBuf;

use image::RgbImage;
use serde::Serialize;
use veriface::liveness::quality::Code;
use veriface::{FrameReport, ImageInput, LivenessOptions, Pass, Verifier};

use crate::context::{read, Context};
use crate::dataset::{self, Label};
use crate::output::{self, out};

/// Arguments of `eval eyes`.
#[derive(clap::Args)]
pub struct Args {
    /// Labelled sources (see `eval liveness`): rows labelled `closed` and `live` are used.
    #[arg(required = true)]
    sources: Vec<PathBuf>,
    /// Folder the paths of CSV-file sources are relative to.
    #[arg(long)]
    root: Option<PathBuf>,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
    /// ffmpeg for videos (default: $FFMPEG, `ffmpeg`, or the imageio-ffmpeg wheel's).
    #[arg(long, env = "FFMPEG")]
    ffmpeg: Option<PathBuf>,
    /// Take a video frame every this many ms.
    #[arg(long, default_value_t = 500.0)]
    every_ms: f64,
}

/// Per group: faces checked, EYES_CLOSED fired; images without a face.
#[derive(Default, Serialize)]
struct Tally {
    faces: usize,
    fired: usize,
    no_face: usize,
    padded: usize,
}

pub fn run(ctx: &Context, args: &Args) -> veriface::Result<bool> {
    let rows = dataset::load(&args.sources, args.root.as_deref())?;
    let mut v = ctx.liveness_verifier()?;
    // (label, group) -> tally; label "closed" or "open".
    let mut tallies: BTreeMap<(String, String), Tally> = BTreeMap::new();
    let ff = if rows.iter().any(|r| r.video) {
        Some(dataset::ffmpeg(args.ffmpeg.as_deref())?)
    } else {
        None
    };
    for row in &rows {
        let label = match row.label {
            Label::Closed => "closed",
            Label::Live => "open",
            Label::Attack(_) => continue,
        };
        let tally = tallies
            .entry((label.into(), row.group.clone()))
            .or_default();
        let files = match (&ff, row.video) {
            (Some(ff), true) => {
                let frames = dataset::extract(ff, &row.path, row.fps)?;
                let every = (args.every_ms * row.fps / 1000.0).round().max(1.0) as usize;
                let picked: Vec<Vec<u8>> = frames
                    .files
                    .iter()
                    .step_by(every)
                    .map(|p| read(p))
                    .collect::<Result<_, _>>()?;
                picked
            }
            _ => vec![read(&row.path)?],
        };
        for bytes in files {
            match check(&mut v, &bytes)? {
                Some((report, padded)) => {
                    tally.faces += 1;
                    tally.padded += usize::from(padded);
                    tally.fired += usize::from(report.failed().any(|c| c == Code::EyesClosed));
                }
                None => tally.no_face += 1,
            }
        }
    }
    print(args, &tallies);
    Ok(true)
}

/// The frame's report, padded once if the face is not wholly in it; `None` without a face.
fn check(v: &mut Verifier, bytes: &[u8]) -> veriface::Result<Option<(FrameReport, bool)>> {
    let limits = LivenessOptions::default();
    let report = v.frame_report(ImageInput::Encoded(bytes), Pass::Full, &limits)?;
    let tight = report.face.is_none()
        || report
            .failed()
            .any(|c| matches!(c, Code::FaceCropped | Code::FaceTooClose));
    if !tight {
        return Ok(Some((report, false)));
    }
    let image = v.decode(ImageInput::Encoded(bytes))?;
    let padded = pad(&image);
    let again = v.frame_checks(&padded, Pass::Full, &limits)?;
    Ok(again.face.is_some().then_some((again, true)))
}

/// `image` in the middle of a canvas twice its size, the border filled with its edge pixels.
fn pad(image: &RgbImage) -> RgbImage {
    let (w, h) = image.dimensions();
    let (ox, oy) = (w / 2, h / 2);
    RgbImage::from_fn(w * 2, h * 2, |x, y| {
        let sx = x.saturating_sub(ox).min(w.saturating_sub(1));
        let sy = y.saturating_sub(oy).min(h.saturating_sub(1));
        *image.get_pixel(sx, sy)
    })
}

fn print(args: &Args, tallies: &BTreeMap<(String, String), Tally>) {
    let rate = |n: usize, d: usize| if d == 0 { 0.0 } else { n as f64 / d as f64 };
    let total = |label: &str| {
        tallies
            .iter()
            .filter(|((l, _), _)| l == label)
            .fold((0, 0), |(f, n), (_, t)| (f + t.fired, n + t.faces))
    };
    let (closed_fired, closed) = total("closed");
    let (open_fired, open) = total("open");
    if args.json {
        let groups: serde_json::Map<String, serde_json::Value> = tallies
            .iter()
            .map(|((l, g), t)| (format!("{l} {g}"), serde_json::json!(t)))
            .collect();
        output::json(&serde_json::json!({
            "closed": { "faces": closed, "fired": closed_fired, "rate": rate(closed_fired, closed) },
            "open": { "faces": open, "fired": open_fired, "rate": rate(open_fired, open) },
            "groups": groups,
        }));
        return;
    }
    out!(
        "closed eyes: EYES_CLOSED fired on {closed_fired} of {closed} faces ({:.3})",
        rate(closed_fired, closed)
    );
    out!(
        "open (live) eyes: fired on {open_fired} of {open} faces ({:.3})",
        rate(open_fired, open)
    );
    for ((label, group), t) in tallies {
        out!(
            "  {label:<6} {group:<45} {:>4} / {:<4} {:.3}  (no face {}, padded {})",
            t.fired,
            t.faces,
            rate(t.fired, t.faces),
            t.no_face,
            t.padded
        );
    }
}
