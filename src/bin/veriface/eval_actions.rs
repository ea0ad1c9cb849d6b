//! `veriface eval actions`: the active challenge's detectors on real video against labels made by
//! looking at the frames (eval-labels/actions.csv), and its 3D evidence on real head turns and on
//! printed photos moved in front of a camera (NUAA positions 01-04).
//!
//! Each labelled video is tracked at `--fps` with the guidance pass, as a browser tracks a camera;
//! blinks and turns are found the way a challenge finds them (`liveness::active::find`), again
//! and again through the video. A detection matches a label of the same action whose time span
//! (widened by 0.2 s) holds the detection's key frame. Reported: recall over the labels (all, and
//! the ones not marked uncertain), false detections per minute, and for matched turns the 3D
//! evidence (the face mesh's affine residual between the frontal and the turned frame).

use std::collections::BTreeMap;
use std::path::PathBuf;

use image::RgbImage;
use serde::Serialize;
use veriface::challenge::Action;
use veriface::liveness::active::{self, ActiveLimits, FaceMeasure, FrameMeasure};
use veriface::liveness::mesh::STABLE;
use veriface::liveness::planar;
use veriface::liveness::quality::Code;
use veriface::{ImageInput, LivenessOptions, Pass, Verifier};

use crate::context::{read, Context};
use crate::dataset;
use crate::output::{self, out};

/// Arguments of `eval actions`.
#[derive(clap::Args)]
pub struct Args {
    /// The labels: video,action,start_s,peak_s,end_s,note (eval-labels/actions.csv).
    #[arg(long)]
    labels: PathBuf,
    /// The folder the labels' video paths are relative to (../shared/eval).
    #[arg(long)]
    root: PathBuf,
    /// NUAA's folder (labels.csv with sequence columns): printed-photo sequences for the 3D
    /// evidence.
    #[arg(long)]
    nuaa: Option<PathBuf>,
    /// Tracking rate, frames per second.
    #[arg(long, default_value_t = 10.0)]
    fps: f64,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
    /// ffmpeg (default: $FFMPEG, `ffmpeg`, or the imageio-ffmpeg wheel's).
    #[arg(long, env = "FFMPEG")]
    ffmpeg: Option<PathBuf>,
}

struct Label {
    action: String,
    start: f64,
    end: f64,
    uncertain: bool,
}

/// Per action: labels, labels found, sure labels, sure found, detections, false detections.
#[derive(Default, Serialize)]
struct Tally {
    labels: usize,
    found: usize,
    sure_labels: usize,
    sure_found: usize,
    detections: usize,
    false_detections: usize,
    /// 3D evidence of the matched turns: accepted (at or over the limit), measured.
    parallax_accepted: usize,
    parallax_measured: usize,
    parallax_values: Vec<f64>,
    /// The same evidence from the detector's five landmarks instead of the mesh.
    /// The same turns' evidence measured the two other ways: [mesh after a homography, five
    /// landmarks after an affine map].
    alternatives: Vec<[f64; 2]>,
}

pub fn run(ctx: &Context, args: &Args) -> veriface::Result<bool> {
    let mut v = ctx.liveness_verifier()?;
    let labels = read_labels(&args.labels)?;
    let ff = dataset::ffmpeg(args.ffmpeg.as_deref())?;
    let limits = ActiveLimits::default();
    let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
    let mut minutes = 0.0;
    for (video, labels) in &labels {
        let frames = dataset::extract(&ff, &args.root.join(video), args.fps)?;
        let images: Vec<RgbImage> = frames
            .files
            .iter()
            .map(|p| v.decode(ImageInput::Encoded(&read(p)?)))
            .collect::<Result<_, _>>()?;
        minutes += images.len() as f64 / args.fps / 60.0;
        let measures: Vec<FrameMeasure> = images
            .iter()
            .enumerate()
            .map(|(i, im)| track(&mut v, im, i as f64 * 1000.0 / args.fps))
            .collect::<Result<_, _>>()?;
        for action in [Action::Blink, Action::TurnLeft, Action::TurnRight] {
            let tally = tallies.entry(action.name().into()).or_default();
            let mine: Vec<&Label> = labels
                .iter()
                .filter(|l| l.action == action.name())
                .collect();
            let mut hit = vec![false; mine.len()];
            let mut from = 0;
            while let Some(r) = active::find(action, &measures, from, f64::INFINITY, &limits) {
                let key = r.frames.get(1).copied().unwrap_or(0);
                from = r.frames.last().copied().unwrap_or(key).max(from + 1);
                tally.detections += 1;
                let t = key as f64 / args.fps;
                match mine
                    .iter()
                    .position(|l| l.start - 0.2 <= t && t <= l.end + 0.2)
                {
                    Some(k) => {
                        hit[k] = true;
                        if action != Action::Blink {
                            // As the verifier measures it: the larger of turning away
                            // (before -> during) and turning back (after -> during).
                            let pick = |k: usize| r.frames.get(k).and_then(|&i| images.get(i));
                            if let (Some(a), Some(b), Some(c)) = (pick(0), pick(1), pick(2)) {
                                let (a, b, c) = (
                                    measure(&mut v, a)?,
                                    measure(&mut v, b)?,
                                    measure(&mut v, c)?,
                                );
                                if let Some([p, homography, five]) = evidence_of(&a, &b, &c) {
                                    tally.parallax_measured += 1;
                                    tally.parallax_accepted +=
                                        usize::from(p >= limits.min_parallax);
                                    tally.parallax_values.push(p);
                                    tally.alternatives.push([homography, five]);
                                }
                            }
                        }
                    }
                    None => tally.false_detections += 1,
                }
            }
            tally.labels += mine.len();
            tally.found += hit.iter().filter(|h| **h).count();
            tally.sure_labels += mine.iter().filter(|l| !l.uncertain).count();
            tally.sure_found += mine
                .iter()
                .zip(&hit)
                .filter(|(l, h)| **h && !l.uncertain)
                .count();
        }
    }
    // How the guidance pass found the face in the videos: in a window around the last one, or in
    // the whole frame (a face too large for a window gets the whole frame every time).
    let runs = v.detector().runs();
    let prints = match &args.nuaa {
        Some(dir) => Some(crate::eval_prints::print_parallax(&mut v, dir, &limits)?),
        None => None,
    };
    if args.json {
        output::json(
            &serde_json::json!({ "actions": tallies, "minutes": minutes, "nuaa": prints, "detector_runs": runs }),
        );
        return Ok(true);
    }
    out!("{minutes:.1} minutes of video tracked at {} fps", args.fps);
    out!(
        "detector runs on the videos: {} in a window around the last face, {} whole frame at 320, {} at 640",
        runs.window,
        runs.coarse,
        runs.fine
    );
    for (action, t) in &tallies {
        out!(
            "{action:<11} recall {}/{} (sure: {}/{}), {} false detections ({:.2} per minute)",
            t.found,
            t.labels,
            t.sure_found,
            t.sure_labels,
            t.false_detections,
            t.false_detections as f64 / minutes.max(1e-9)
        );
        if t.parallax_measured > 0 {
            out!(
                "            3D evidence of matched turns: {} of {} at or over the limit {:.3} (values {:?})",
                t.parallax_accepted,
                t.parallax_measured,
                limits.min_parallax,
                t.parallax_values.iter().map(|p| (p * 1000.0).round() / 1000.0).collect::<Vec<_>>()
            );
        }
    }
    if let Some(p) = prints {
        out!(
            "NUAA printed photos, positions 01-04, consecutive pairs: {} of {} reach the 3D limit ({:.3}); of the {} pairs whose yaw changes by 8 deg or more, {}",
            p.accepted, p.pairs, p.accepted as f64 / p.pairs.max(1) as f64, p.turn_like, p.turn_like_accepted
        );
        out!(
            "  as one-turn challenges (each sequence, each direction): printed photos {} of {} passed; live people (who did not turn on cue) {} of {}",
            p.challenges_passed, p.challenges, p.live_challenges_passed, p.live_challenges
        );
        // The trade-off the limit sets: real turns accepted against printed photos refused.
        let real: Vec<f64> = tallies
            .values()
            .flat_map(|t| t.parallax_values.iter().copied())
            .collect();
        out!("  3D limit: real turns accepted / printed-photo challenges refused / printed-photo pairs under the limit");
        for limit in [0.02, 0.025, 0.03, 0.035, 0.04, 0.045, 0.05, 0.054, 0.06] {
            let ok = real.iter().filter(|x| **x >= limit).count();
            let passed = p.turns_found.iter().filter(|x| **x >= limit).count();
            out!(
                "    {limit:.3}: {ok}/{} ({:.1}%) / {}/{} ({:.1}%) / {}/{}",
                real.len(),
                100.0 * ok as f64 / real.len().max(1) as f64,
                p.challenges - passed,
                p.challenges,
                100.0 * (p.challenges - passed) as f64 / p.challenges.max(1) as f64,
                p.pair_values.iter().filter(|x| **x < limit).count(),
                p.pair_values.len()
            );
        }
        // The three ways of measuring side by side, on the real turns and on the printed-photo
        // turns found: which of them leaves real turns furthest above what pictures leave.
        let median = |mut v: Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
        };
        let alt: Vec<[f64; 2]> = tallies
            .values()
            .flat_map(|t| t.alternatives.iter().copied())
            .collect();
        out!(
            "  real turns, median evidence: mesh affine {:.3}, mesh homography {:.3}, five landmarks affine {:.3}",
            median(real.clone()),
            median(alt.iter().map(|a| a[0]).collect()),
            median(alt.iter().map(|a| a[1]).collect())
        );
        out!(
            "  printed-photo turns found (mesh affine, mesh homography, five landmarks): {:?}",
            p.print_turns
                .iter()
                .map(|e| e.map(|x| (x * 1000.0).round() / 1000.0))
                .collect::<Vec<_>>()
        );
    }
    Ok(true)
}

/// What the browser measures of a camera frame: the guidance pass, following the face from the
/// video's previous frame as the browser's challenge loop does.
fn track(v: &mut Verifier, image: &RgbImage, t: f64) -> veriface::Result<FrameMeasure> {
    let r = v.frame_checks(image, Pass::Follow, &LivenessOptions::default())?;
    let eyes = r
        .checks
        .iter()
        .find(|c| c.code == Code::EyesClosed)
        .map(|c| c.value);
    let (w, h) = image.dimensions();
    let face = match (&r.face, r.pose, eyes) {
        (Some(f), Some(pose), Some(eyes_open)) => Some(FaceMeasure {
            yaw: f64::from(pose.yaw),
            eyes_open,
            width: f64::from(f.bbox.x2 - f.bbox.x1) / f64::from(w.min(h).max(1)),
            mesh: None,
        }),
        _ => None,
    };
    Ok(FrameMeasure { t, face })
}

/// A face as the verifier measures it (full pass, face mesh), with the detector's five landmarks.
pub(crate) type Measured = Option<Face>;
pub(crate) type Face = (FaceMeasure, [[f64; 2]; 5]);

pub(crate) fn measure(v: &mut Verifier, image: &RgbImage) -> veriface::Result<Measured> {
    let r = v.frame_checks(image, Pass::Full, &LivenessOptions::default())?;
    let (Some(face), Some(pose)) = (&r.subject, r.pose) else {
        return Ok(None);
    };
    let five = face.landmarks.map(|p| [f64::from(p[0]), f64::from(p[1])]);
    Ok(Some((
        FaceMeasure {
            yaw: f64::from(pose.yaw),
            eyes_open: 0.0,
            width: 0.0,
            mesh: Some(v.mesh_landmarks(image, face)?),
        },
        five,
    )))
}

/// A turn's 3D evidence as the verifier measures it (the larger of before -> during and
/// after -> during), with two alternatives for comparison: [the mesh after the best affine map
/// (what the verifier uses), the mesh after the best homography, the five landmarks after the
/// best affine map]. `None` without the turned frame's mesh and one frontal one.
pub(crate) fn evidence_of(a: &Measured, b: &Measured, c: &Measured) -> Option<[f64; 3]> {
    let (ends, b) = ([a.as_ref(), c.as_ref()], b.as_ref()?);
    let best = |f: &dyn Fn(&Face) -> Option<f64>| {
        ends.into_iter().flatten().filter_map(f).reduce(f64::max)
    };
    let mesh = best(&|x| active::parallax(&x.0, &b.0))?;
    let points = |m: &FaceMeasure| -> Option<Vec<[f64; 2]>> {
        STABLE
            .iter()
            .map(|&i| {
                m.mesh
                    .as_ref()?
                    .get(i)
                    .map(|p| [f64::from(p[0]), f64::from(p[1])])
            })
            .collect()
    };
    let iod = |l: &[[f64; 2]; 5]| (l[1][0] - l[0][0]).hypot(l[1][1] - l[0][1]);
    let homography =
        best(&|x| planar::homography_residual(&points(&x.0)?, &points(&b.0)?, iod(&x.1)));
    let five = best(&|x| planar::affine_residual(&x.1, &b.1, iod(&x.1)));
    Some([mesh, homography.unwrap_or(0.0), five.unwrap_or(0.0)])
}

fn read_labels(path: &std::path::Path) -> veriface::Result<BTreeMap<String, Vec<Label>>> {
    let text = String::from_utf8_lossy(&read(path)?).into_owned();
    let mut out: BTreeMap<String, Vec<Label>> = BTreeMap::new();
    for line in text.lines().skip(1) {
        let cells: Vec<&str> = line.splitn(6, ',').collect();
        let (Some(video), Some(action), Some(start), Some(end)) =
            (cells.first(), cells.get(1), cells.get(2), cells.get(4))
        else {
            continue;
        };
        let (Ok(start), Ok(end)) = (start.parse(), end.parse()) else {
            continue;
        };
        out.entry(video.to_string()).or_default().push(Label {
            action: action.to_string(),
            start,
            end,
            uncertain: cells.get(5).is_some_and(|n| n.contains("uncertain")),
        });
    }
    Ok(out)
}
