//! `veriface eval liveness SOURCE...`: the liveness decision over labelled data, in ISO/IEC
//! 30107-3 terms. Stills are judged by the single-frame rule (every check, FACE_NOT_LIVE
//! included); videos and sequences as windows of three frames by the full rule:
//!
//! - a video: frames `--frame-gap-ms` apart (160 ms: a 320 ms span, as a capture takes them), a
//!   new window every `--window-step-ms`;
//! - a sequence (NUAA's subject/glasses/position/session/picture columns): three consecutive rows
//!   at a time, no overlap. The picture number is read as the frame index of a 20 fps webcam
//!   (the database's rate), so consecutive kept rows are a median 43 pictures (about 2 s) apart:
//!   such windows are judged without the 0.5 s span rule, which is a capture rule, not a cue.
//!
//! APCER is per attack type, BPCER counts bona fide presentations classified as attacks, and
//! refusals for capture quality alone (pose, eyes, distance) are failures to acquire, reported
//! apart. Every figure is also given per group (subject, or folder).

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;
use veriface::eval::{self, Presentation as Judged};
use veriface::liveness::quality::Code;
use veriface::liveness::sequence::DECISION_RULE;
use veriface::{Frame, FrameReport, ImageInput, LivenessOptions, LivenessResult, Pass, Verifier};

use crate::context::{read, Context};
use crate::dataset::{self, Label, Row};
use crate::output::{self, out};

/// Arguments of `eval liveness`.
#[derive(clap::Args)]
pub struct Args {
    /// Labelled sources: folders with labels.csv (or subfolders that have one), or CSV files.
    #[arg(required = true)]
    sources: Vec<PathBuf>,
    /// Folder the paths of CSV-file sources are relative to (default: the file's folder).
    #[arg(long)]
    root: Option<PathBuf>,
    /// Print one JSON object: apcer, bpcer, acer, attacks, bona_fide, failures, groups, frames.
    #[arg(long)]
    json: bool,
    /// Also list every presentation in the JSON.
    #[arg(long)]
    presentations: bool,
    /// ffmpeg to extract video frames (default: $FFMPEG, `ffmpeg`, or the imageio-ffmpeg wheel's).
    #[arg(long, env = "FFMPEG")]
    ffmpeg: Option<PathBuf>,
    /// Time between the frames of a video window.
    #[arg(long, default_value_t = 160.0)]
    frame_gap_ms: f64,
    /// A new video window every this many ms.
    #[arg(long, default_value_t = 1000.0)]
    window_step_ms: f64,
}

/// One presentation and its outcome.
#[derive(Serialize)]
struct Presentation {
    source: String,
    group: String,
    /// "bona_fide" or the attack type.
    label: String,
    frames: usize,
    accepted: bool,
    /// Classified as an attack (an anti-spoofing cue failed), as opposed to refused for capture
    /// quality alone.
    attack_detected: bool,
    live_mean: f64,
    failed: Vec<String>,
}

/// Counts by label: (bona fide, attack).
type Split = (usize, usize);

fn bump(map: &mut BTreeMap<String, Split>, key: &str, bona_fide: bool) {
    let e = map.entry(key.to_string()).or_default();
    if bona_fide {
        e.0 += 1;
    } else {
        e.1 += 1;
    }
}

/// Per-frame values of every cue, by label.
#[derive(Default, Serialize)]
struct Frames {
    bona_fide_frames: usize,
    attack_frames: usize,
    /// Probability that a bona fide frame's p(live) exceeds an attack frame's.
    auc_live: f64,
    /// Per check: frames it failed on, (bona fide, attack).
    failures: BTreeMap<String, Split>,
    /// Per group: bona fide frames, and those EYES_CLOSED fired on.
    eyes_closed_on_bona_fide: BTreeMap<String, Split>,
    /// Frames the guidance pass calls good, and those of them that fail a capture check of the
    /// full pass: the guidance must not say "good" to a frame the decision would refuse.
    guidance_good: usize,
    guidance_good_but_refused: usize,
    /// The codes the full pass failed on such frames.
    guidance_disagreements: BTreeMap<String, usize>,
    #[serde(skip)]
    live: Vec<(bool, f64)>,
}

impl Frames {
    /// Runs the guidance pass on the frame and compares it with the full pass's `full`.
    fn agree(
        &mut self,
        v: &mut Verifier,
        bytes: &[u8],
        full: &FrameReport,
    ) -> veriface::Result<()> {
        let guide = v.frame_report(
            ImageInput::Encoded(bytes),
            Pass::Guidance,
            &LivenessOptions::default(),
        )?;
        if guide.passed {
            self.guidance_good += 1;
            let refused: Vec<Code> = full.failed().filter(|c| *c != Code::FaceNotLive).collect();
            if !refused.is_empty() {
                self.guidance_good_but_refused += 1;
                for c in refused {
                    *self
                        .guidance_disagreements
                        .entry(c.name().into())
                        .or_default() += 1;
                }
            }
        }
        Ok(())
    }

    fn add(&mut self, bona_fide: bool, group: &str, r: &FrameReport) {
        if bona_fide {
            self.bona_fide_frames += 1;
            let e = self
                .eyes_closed_on_bona_fide
                .entry(group.into())
                .or_default();
            e.0 += 1;
            e.1 += usize::from(r.failed().any(|c| c == Code::EyesClosed));
        } else {
            self.attack_frames += 1;
        }
        if let Some(p) = r.live {
            self.live.push((bona_fide, f64::from(p)));
        }
        for code in r.failed() {
            bump(&mut self.failures, code.name(), bona_fide);
        }
    }
}

pub fn run(ctx: &Context, args: &Args) -> veriface::Result<bool> {
    let rows = dataset::load(&args.sources, args.root.as_deref())?;
    let mut v = ctx.liveness_verifier()?;
    let mut all: Vec<Presentation> = Vec::new();
    let mut frames = Frames::default();
    let ff = if rows.iter().any(|r| r.video) {
        Some(dataset::ffmpeg(args.ffmpeg.as_deref())?)
    } else {
        None
    };
    for row in rows.iter().filter(|r| r.label != Label::Closed) {
        if row.sequence.is_some() {
            continue;
        }
        if let (true, Some(ff)) = (row.video, &ff) {
            let video = dataset::extract(ff, &row.path, row.fps)?;
            let ms = 1000.0 / row.fps;
            let step = (args.frame_gap_ms / ms).round().max(1.0) as usize;
            let every = (args.window_step_ms / ms).round().max(1.0) as usize;
            let mut start = 0;
            while start + 2 * step < video.files.len() {
                let idx = [start, start + step, start + 2 * step];
                let files: Vec<(&PathBuf, Option<f64>)> = idx
                    .iter()
                    .filter_map(|&i| Some((video.files.get(i)?, Some(i as f64 * ms))))
                    .collect();
                let source = format!(
                    "{} @ {:.2} s",
                    row.path.display(),
                    start as f64 * ms / 1000.0
                );
                all.push(window(&mut v, row, &files, source, &mut frames)?);
                start += every;
            }
        } else if !row.video {
            all.push(still(&mut v, row, &mut frames)?);
        }
    }
    for seq in dataset::sequences(&rows).values() {
        for chunk in seq.chunks(3).filter(|c| c.len() >= 2) {
            let files: Vec<(&PathBuf, Option<f64>)> =
                chunk.iter().map(|r| (&r.path, None)).collect();
            let source = format!(
                "{} .. {}",
                chunk[0].path.display(),
                chunk[chunk.len() - 1]
                    .path
                    .file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
            );
            all.push(window(&mut v, chunk[0], &files, source, &mut frames)?);
        }
    }
    report(args, &all, &mut frames);
    Ok(true)
}

fn label_of(row: &Row) -> String {
    match &row.label {
        Label::Attack(kind) => kind.clone(),
        Label::Live | Label::Closed => "bona_fide".into(),
    }
}

/// A still, by the single-frame rule. An image that cannot be read is a refusal with its code.
fn still(v: &mut Verifier, row: &Row, frames: &mut Frames) -> veriface::Result<Presentation> {
    let bytes = read(&row.path)?;
    let label = label_of(row);
    let bona_fide = label == "bona_fide";
    let (accepted, attack_detected, live_mean, failed) = match v.frame_report(
        ImageInput::Encoded(&bytes),
        Pass::Full,
        &LivenessOptions::default(),
    ) {
        Ok(r) => {
            frames.add(bona_fide, &row.group, &r);
            frames.agree(v, &bytes, &r)?;
            let failed: Vec<String> = r.failed().map(|c| c.name().to_string()).collect();
            let attack = r.failed().any(|c| c == Code::FaceNotLive);
            (
                r.passed,
                attack,
                r.live.map(f64::from).unwrap_or_default(),
                failed,
            )
        }
        Err(e) => (false, false, 0.0, vec![e.code().to_string()]),
    };
    Ok(Presentation {
        source: row.path.display().to_string(),
        group: row.group.clone(),
        label,
        frames: 1,
        accepted,
        attack_detected,
        live_mean,
        failed,
    })
}

/// A window of 2 to 5 frames, by the full rule.
fn window(
    v: &mut Verifier,
    row: &Row,
    files: &[(&PathBuf, Option<f64>)],
    source: String,
    frames: &mut Frames,
) -> veriface::Result<Presentation> {
    let bytes: Vec<Vec<u8>> = files
        .iter()
        .map(|(p, _)| read(p))
        .collect::<Result<_, _>>()?;
    let input: Vec<Frame<'_>> = bytes
        .iter()
        .zip(files)
        .map(|(b, (_, t))| Frame {
            image: ImageInput::Encoded(b),
            timestamp_ms: *t,
        })
        .collect();
    let label = label_of(row);
    let bona_fide = label == "bona_fide";
    let outcome: veriface::Result<LivenessResult> =
        v.liveness(&input, None, &LivenessOptions::default());
    let (accepted, attack_detected, live_mean, failed) = match outcome {
        Ok(r) => {
            for (f, b) in r.frames.iter().zip(&bytes) {
                frames.add(bona_fide, &row.group, f);
                frames.agree(v, b, f)?;
            }
            let failed = r.failed_codes().iter().map(|c| c.to_string()).collect();
            (r.is_live, r.presentation_attack, r.live_mean, failed)
        }
        Err(e) => (false, false, 0.0, vec![e.code().to_string()]),
    };
    Ok(Presentation {
        source,
        group: row.group.clone(),
        label,
        frames: files.len(),
        accepted,
        attack_detected,
        live_mean,
        failed,
    })
}

/// Per group: bona fide presentations, not accepted, classified as attack; attacks, accepted.
#[derive(Default, Serialize)]
struct Group {
    bona_fide: usize,
    not_accepted: usize,
    classified_as_attack: usize,
    attacks: usize,
    attacks_accepted: usize,
}

fn report(args: &Args, all: &[Presentation], frames: &mut Frames) {
    let judged: Vec<Judged<'_>> = all
        .iter()
        .map(|p| Judged {
            attack: (p.label != "bona_fide").then_some(p.label.as_str()),
            accepted: p.accepted,
            attack_detected: p.attack_detected,
        })
        .collect();
    let iso = eval::iso_rates(&judged);
    frames.auc_live = eval::auc_labelled(&frames.live);
    let mut failures: BTreeMap<String, Split> = BTreeMap::new();
    let mut groups: BTreeMap<&str, Group> = BTreeMap::new();
    for p in all {
        let bona_fide = p.label == "bona_fide";
        for code in &p.failed {
            bump(&mut failures, code, bona_fide);
        }
        let g = groups.entry(&p.group).or_default();
        if bona_fide {
            g.bona_fide += 1;
            g.not_accepted += usize::from(!p.accepted);
            g.classified_as_attack += usize::from(p.attack_detected);
        } else {
            g.attacks += 1;
            g.attacks_accepted += usize::from(p.accepted);
        }
    }
    let rate = |n: usize, d: usize| if d == 0 { 0.0 } else { n as f64 / d as f64 };
    let fta = iso.not_accepted - iso.classified_as_attack.min(iso.not_accepted);
    if args.json {
        let mut report = serde_json::json!({
            "apcer": iso.apcer,
            "bpcer": iso.bpcer,
            "acer": iso.acer,
            "attacks": iso.attacks.iter().map(|(k, (n, a))| (k.clone(), serde_json::json!({ "presentations": n, "accepted": a }))).collect::<serde_json::Map<_, _>>(),
            "bona_fide": {
                "presentations": iso.bona_fide,
                "classified_as_attack": iso.classified_as_attack,
                "not_accepted": iso.not_accepted,
                "rejected_for_capture_quality": fta,
            },
            "bona_fide_not_accepted_rate": rate(iso.not_accepted, iso.bona_fide),
            "failure_to_acquire_rate": rate(fta, iso.bona_fide),
            "failures": failures.iter().map(|(k, (b, a))| (k.clone(), serde_json::json!({ "bona_fide": b, "attack": a }))).collect::<serde_json::Map<_, _>>(),
            "groups": groups,
            "frames": frames,
            "decision_rule": DECISION_RULE,
            "windows": {
                "video_frame_gap_ms": args.frame_gap_ms,
                "video_window_step_ms": args.window_step_ms,
                "sequence": "three consecutive rows, no overlap; picture numbers read as 20 fps frame indices; no span rule",
            },
        });
        if args.presentations {
            report["presentations"] = serde_json::json!(all);
        }
        output::json(&report);
        return;
    }
    out!(
        "bona fide: {} presentations, {} classified as attacks: BPCER {:.3}; {} more refused for capture quality only (failures to acquire); {} of {} not accepted: {:.3}",
        iso.bona_fide,
        iso.classified_as_attack,
        iso.bpcer,
        fta,
        iso.not_accepted,
        iso.bona_fide,
        rate(iso.not_accepted, iso.bona_fide)
    );
    for (k, (n, a)) in &iso.attacks {
        out!(
            "attack {k}: {n} presentations, {a} accepted: APCER {:.3}",
            rate(*a, *n)
        );
    }
    out!("ACER {:.3} (worst APCER and BPCER averaged)", iso.acer);
    out!("why presentations were refused (bona fide, attack):");
    for (code, (b, a)) in &failures {
        out!("  {code:<22} {b:>5} {a:>5}");
    }
    out!("per group (bona fide: not accepted / classified as attack / n; attacks: accepted / n):");
    for (name, g) in &groups {
        out!(
            "  {name:<40} {:>3} / {:>3} / {:>3}   {:>3} / {:>3}",
            g.not_accepted,
            g.classified_as_attack,
            g.bona_fide,
            g.attacks_accepted,
            g.attacks
        );
    }
    out!(
        "per frame ({} bona fide, {} attack): AUC of p(live) {:.4}",
        frames.bona_fide_frames,
        frames.attack_frames,
        frames.auc_live
    );
    for (code, (b, a)) in &frames.failures {
        out!("  {code:<22} fails on {b} bona fide, {a} attack frames");
    }
    out!(
        "guidance pass: {} frames called good, {} of them refused by a capture check of the full pass {:?}",
        frames.guidance_good,
        frames.guidance_good_but_refused,
        frames.guidance_disagreements
    );
}
