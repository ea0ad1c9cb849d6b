//! `veriface eval eyes SOURCE...`: how often EYES_CLOSED fires on faces labelled `closed` (it
//! must) and on live faces (it must not: their eyes are open but for blinks), per group. Videos
//! are sampled every `--every-ms`. Faces labelled `closed` come as tight face crops: each is padded
//! to twice its size with its edge pixels, as a camera frame would show it; any other image is
//! padded only when its face is cropped or not found. Live frames listed in `--not-open` (eyes
//! really closed or lowered, labelled by looking) are counted apart.

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
    /// Take a video frame every this many ms (frame floor(t x fps + 0.5) at t = 0, 0.5 s, ...).
    #[arg(long, default_value_t = 500.0)]
    every_ms: f64,
    /// Live frames whose eyes are not open (blinks, lowered lids), as `path,reason` with paths
    /// relative to --root (video frames as `VIDEO@SECONDS`): left out of the open-eyed count.
    #[arg(long)]
    not_open: Option<PathBuf>,
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
    let root = args.root.clone().unwrap_or_default();
    let not_open: Vec<PathBuf> = match &args.not_open {
        Some(file) => String::from_utf8_lossy(&read(file)?)
            .lines()
            .skip(1)
            .filter_map(|l| l.split(',').next())
            .filter(|p| !p.trim().is_empty())
            .map(|p| root.join(p.trim()))
            .collect(),
        None => Vec::new(),
    };
    let mut v = ctx.liveness_verifier()?;
    // (label, group) -> tally; label "closed" or "open".
    let mut tallies: BTreeMap<(String, String), Tally> = BTreeMap::new();
    let ff = if rows.iter().any(|r| r.video) {
        Some(dataset::ffmpeg(args.ffmpeg.as_deref())?)
    } else {
        None
    };
    for row in &rows {
        let (label, pad) = match row.label {
            Label::Closed => ("closed", true),
            Label::Live => ("open", false),
            Label::Attack(_) => continue,
        };
        // (name, bytes): a video frame is named VIDEO@SECONDS, as the not-open labels name it.
        let files: Vec<(PathBuf, Vec<u8>)> = match (&ff, row.video) {
            (Some(ff), true) => {
                let frames = dataset::extract(ff, &row.path, row.fps)?;
                let mut picked = Vec::new();
                for k in 0.. {
                    let t = k as f64 * args.every_ms / 1000.0;
                    let Some(file) = frames.files.get((t * row.fps + 0.5).floor() as usize) else {
                        break;
                    };
                    let name = PathBuf::from(format!("{}@{}", row.path.display(), t));
                    picked.push((name, read(file)?));
                }
                picked
            }
            _ => vec![(row.path.clone(), read(&row.path)?)],
        };
        for (name, bytes) in files {
            let label = if label == "open" && not_open.iter().any(|p| same(p, &name)) {
                "not-open"
            } else {
                label
            };
            let tally = tallies
                .entry((label.into(), row.group.clone()))
                .or_default();
            match check(&mut v, &bytes, pad)? {
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

/// Whether two names are the same file or frame (`VIDEO@4.5` and `VIDEO@4.50` alike).
fn same(a: &std::path::Path, b: &std::path::Path) -> bool {
    let split = |p: &std::path::Path| {
        let text = p.display().to_string();
        match text.rsplit_once('@') {
            Some((file, t)) => (file.to_string(), t.parse::<f64>().ok()),
            None => (text, None),
        }
    };
    let ((fa, ta), (fb, tb)) = (split(a), split(b));
    let norm = |f: &str| {
        std::path::PathBuf::from(f)
            .components()
            .collect::<PathBuf>()
    };
    norm(&fa) == norm(&fb)
        && match (ta, tb) {
            (Some(x), Some(y)) => (x - y).abs() < 1e-6,
            (None, None) => true,
            _ => false,
        }
}

/// The frame's report (padded first with `pad`, or once if the face is not wholly in it);
/// `None` without a face.
fn check(
    v: &mut Verifier,
    bytes: &[u8],
    pad: bool,
) -> veriface::Result<Option<(FrameReport, bool)>> {
    let limits = LivenessOptions::default();
    if pad {
        let image = v.decode(ImageInput::Encoded(bytes))?;
        let report = v.frame_checks(&self::pad(&image), Pass::Full, &limits)?;
        return Ok(report.face.is_some().then_some((report, true)));
    }
    let report = v.frame_report(ImageInput::Encoded(bytes), Pass::Full, &limits)?;
    let tight = report.face.is_none()
        || report
            .failed()
            .any(|c| matches!(c, Code::FaceCropped | Code::FaceTooClose));
    if !tight {
        return Ok(Some((report, false)));
    }
    let image = v.decode(ImageInput::Encoded(bytes))?;
    let padded = self::pad(&image);
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
    let (not_open_fired, not_open) = total("not-open");
    if args.json {
        let groups: serde_json::Map<String, serde_json::Value> = tallies
            .iter()
            .map(|((l, g), t)| (format!("{l} {g}"), serde_json::json!(t)))
            .collect();
        output::json(&serde_json::json!({
            "closed": { "faces": closed, "fired": closed_fired, "rate": rate(closed_fired, closed) },
            "open": { "faces": open, "fired": open_fired, "rate": rate(open_fired, open) },
            "not_open": { "faces": not_open, "fired": not_open_fired, "rate": rate(not_open_fired, not_open) },
            "groups": groups,
        }));
        return;
    }
    out!(
        "closed eyes: EYES_CLOSED fired on {closed_fired} of {closed} faces ({:.3})",
        rate(closed_fired, closed)
    );
    out!(
        "open-eyed live faces: fired on {open_fired} of {open} ({:.3}); live faces labelled not open: fired on {not_open_fired} of {not_open}",
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
