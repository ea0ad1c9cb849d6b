//! `veriface eval liveness DIR`: the liveness decision over the labelled spoof data in
//! ../shared/eval, in ISO/IEC 30107-3 terms. Each presentation is either a still (one frame:
//! the single-frame checks, FACE_NOT_LIVE included, decide) or a 3-frame window from a video
//! (frames about 160 ms apart, 320 ms span; one window a second), decided by the full sequence
//! rule. APCER is per attack type; ACER averages the worst APCER and the BPCER.
//!
//! Face crops without surroundings (the apfol `crops/`) are not camera frames and are left out.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Serialize;
use veriface::eval::{self, Presentation as Judged};
use veriface::liveness::quality::Code;
use veriface::liveness::sequence::{SequenceCheck, DECISION_RULE};
use veriface::{Error, Frame, FrameReport, ImageInput, LivenessOptions, Verifier};

use crate::context::{read, Context};
use crate::output::{self, out};

/// Arguments of `eval liveness`.
#[derive(clap::Args)]
pub struct Args {
    /// The eval folder (../shared/eval).
    dir: PathBuf,
    /// Print one JSON object: apcer, bpcer, acer, attacks, bona_fide, and every presentation.
    #[arg(long)]
    json: bool,
    /// ffmpeg to extract video frames (default: $FFMPEG, `ffmpeg`, or the imageio-ffmpeg wheel's).
    #[arg(long, env = "FFMPEG")]
    ffmpeg: Option<PathBuf>,
}

/// One presentation and its outcome.
#[derive(Serialize)]
struct Presentation {
    source: String,
    /// "bona_fide" or the attack type.
    label: String,
    frames: usize,
    accepted: bool,
    /// Classified as an attack (an anti-spoofing cue failed), as opposed to rejected only for
    /// capture quality (pose, eyes, distance): ISO/IEC 30107-3 counts only the former in BPCER.
    attack_detected: bool,
    live_mean: f64,
    failed: Vec<String>,
}

fn ffmpeg(given: Option<&Path>) -> veriface::Result<PathBuf> {
    if let Some(p) = given {
        return Ok(p.to_path_buf());
    }
    if Command::new("ffmpeg").arg("-version").output().is_ok() {
        return Ok("ffmpeg".into());
    }
    let out = Command::new("python3")
        .args([
            "-c",
            "import imageio_ffmpeg; print(imageio_ffmpeg.get_ffmpeg_exe())",
        ])
        .output()
        .map_err(|e| Error::bad_parameter("--ffmpeg", format!("no ffmpeg found ({e})")))?;
    let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if path.is_empty() {
        return Err(Error::bad_parameter(
            "--ffmpeg",
            "no ffmpeg: install Debian's ffmpeg or `pip install imageio-ffmpeg`, or pass --ffmpeg",
        ));
    }
    Ok(path.into())
}

/// Every frame of `video` as PNG files in a fresh temporary folder (the frame rate comes from
/// the labels' `fps` column: ffprobe is not in the imageio-ffmpeg wheel).
fn extract(ffmpeg: &Path, video: &Path) -> veriface::Result<(PathBuf, Vec<PathBuf>)> {
    let dir = std::env::temp_dir().join(format!(
        "veriface-eval-{}-{}",
        std::process::id(),
        video
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("video")
    ));
    std::fs::create_dir_all(&dir)
        .map_err(|e| Error::bad_parameter("DIR", format!("cannot make {}: {e}", dir.display())))?;
    let status = Command::new(ffmpeg)
        .args(["-loglevel", "error", "-y", "-i"])
        .arg(video)
        .arg(dir.join("%05d.png"))
        .status()
        .map_err(|e| Error::bad_parameter("--ffmpeg", format!("cannot run ffmpeg: {e}")))?;
    if !status.success() {
        return Err(Error::bad_parameter(
            "DIR",
            format!("ffmpeg could not decode {}", video.display()),
        ));
    }
    let mut frames: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| Error::bad_parameter("DIR", e.to_string()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    frames.sort();
    Ok((dir, frames))
}

fn failed_codes(reports: &[FrameReport]) -> Vec<String> {
    let mut out: Vec<String> = reports
        .iter()
        .flat_map(|r| r.checks.iter().filter(|c| !c.passed))
        .map(|c| c.code.name().to_string())
        .collect();
    out.sort();
    out.dedup();
    out
}

fn still(
    v: &mut Verifier,
    path: &Path,
    label: &str,
    cues: &mut Cues,
) -> veriface::Result<Presentation> {
    let bytes = read(path)?;
    let r = v.frame_report(
        ImageInput::Encoded(&bytes),
        true,
        &LivenessOptions::default(),
    )?;
    cues.add(label == "bona_fide", &r);
    Ok(Presentation {
        source: path.display().to_string(),
        label: label.into(),
        frames: 1,
        accepted: r.passed,
        attack_detected: r
            .checks
            .iter()
            .any(|c| c.code == Code::FaceNotLive && !c.passed),
        live_mean: r.live.map(f64::from).unwrap_or_default(),
        failed: failed_codes(std::slice::from_ref(&r)),
    })
}

/// Reads a labels.csv into (path, label, kind, fps) rows.
fn labels(path: &Path) -> veriface::Result<Vec<(String, String, String, f64)>> {
    let text = String::from_utf8_lossy(&read(path)?).to_string();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name);
    let (p, l) = (col("path"), col("label"));
    let (k, f) = (col("kind"), col("fps"));
    let mut rows = Vec::new();
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        let get = |i: Option<usize>| i.and_then(|i| cells.get(i)).copied().unwrap_or_default();
        rows.push((
            get(p).to_string(),
            get(l).to_string(),
            get(k).to_string(),
            get(f).parse().unwrap_or(30.0),
        ));
    }
    Ok(rows)
}

/// `label` in ISO terms: "bona_fide" for live, else the attack type.
fn attack_type(label: &str, source: &str) -> String {
    if label == "live" {
        return "bona_fide".into();
    }
    match label.strip_prefix("spoof_") {
        Some(kind) => kind.to_string(),
        None if source.ends_with("image_F1.jpg") => "print".into(),
        None if source.ends_with("image_F2.jpg") => "replay_tablet".into(),
        None => "unknown".into(),
    }
}

pub fn run(ctx: &Context, args: &Args) -> veriface::Result<bool> {
    let mut v = ctx.liveness_verifier()?;
    let mut all = Vec::new();
    let mut cues = Cues::default();
    // Stills.
    let sf = args.dir.join("silentface_antispoof_samples");
    for (path, label, _, _) in labels(&sf.join("labels.csv"))? {
        let kind = attack_type(&label, &path);
        all.push(still(&mut v, &sf.join(&path), &kind, &mut cues)?);
    }
    let screen = args
        .dir
        .join("hyperfas_screen_spoof_sample/fake_screen.png");
    all.push(still(&mut v, &screen, "replay_screen", &mut cues)?);
    // Videos, as 3-frame windows.
    let ff = ffmpeg(args.ffmpeg.as_deref())?;
    let lw = args.dir.join("liveness_webcam_real_vs_replay");
    for (path, label, kind, fps) in labels(&lw.join("labels.csv"))? {
        if kind != "video" {
            continue;
        }
        let kind_label = attack_type(&label, &path);
        let (tmp, frames) = extract(&ff, &lw.join(&path))?;
        let step = (0.16 * fps).round().max(1.0) as usize;
        let mut start = 0;
        while start + 2 * step < frames.len() {
            let idx = [start, start + step, start + 2 * step];
            let bytes: Vec<Vec<u8>> = idx
                .iter()
                .map(|&i| read(&frames[i]))
                .collect::<Result<_, _>>()?;
            let input: Vec<Frame<'_>> = bytes
                .iter()
                .zip(idx)
                .map(|(b, i)| Frame {
                    image: ImageInput::Encoded(b),
                    timestamp_ms: Some(i as f64 * 1000.0 / fps),
                })
                .collect();
            let r = v.liveness(&input, None, &LivenessOptions::default())?;
            for f in &r.frames {
                cues.add(kind_label == "bona_fide", f);
            }
            cues.add_sequence(kind_label == "bona_fide", &r.sequence);
            let mut failed = failed_codes(&r.frames);
            failed.extend(
                r.sequence
                    .iter()
                    .filter(|c| !c.passed && c.decisive)
                    .map(|c| c.code.name().to_string()),
            );
            all.push(Presentation {
                source: format!("{path} @ {:.2} s", start as f64 / fps),
                label: kind_label.clone(),
                frames: 3,
                accepted: r.is_live,
                attack_detected: r.presentation_attack,
                live_mean: r.live_mean,
                failed,
            });
            start += fps.round().max(1.0) as usize;
        }
        let _ = std::fs::remove_dir_all(tmp);
    }
    // ISO/IEC 30107-3 figures. BPCER counts bona fide presentations classified as attacks;
    // those rejected only for capture quality (a turned head, closed eyes) are failures to
    // acquire, counted apart.
    let judged: Vec<Judged<'_>> = all
        .iter()
        .map(|p| Judged {
            attack: (p.label != "bona_fide").then_some(p.label.as_str()),
            accepted: p.accepted,
            attack_detected: p.attack_detected,
        })
        .collect();
    let iso = eval::iso_rates(&judged);
    let rate = |n: usize, d: usize| if d == 0 { 0.0 } else { n as f64 / d as f64 };
    let (apcer, attacks, bpcer, acer) = (&iso.apcer, &iso.attacks, iso.bpcer, iso.acer);
    let (rejected, not_accepted) = (iso.classified_as_attack, iso.not_accepted);
    let bona = iso.bona_fide;
    if args.json {
        let report = serde_json::json!({
            "apcer": apcer,
            "bpcer": bpcer,
            "acer": acer,
            "attacks": attacks.iter().map(|(k, (n, a))| (k.clone(), serde_json::json!({ "presentations": n, "accepted": a }))).collect::<serde_json::Map<_, _>>(),
            "bona_fide": { "presentations": bona, "classified_as_attack": rejected, "not_accepted": not_accepted, "rejected_for_capture_quality": not_accepted - rejected },
            "bona_fide_not_accepted_rate": rate(not_accepted, bona),
            "presentations": all,
            "decision_rule": DECISION_RULE,
            "frames": cues.summary(),
        });
        output::json(&report);
    } else {
        out!(
            "bona fide: {} presentations, {} classified as attacks: BPCER {:.3}; {} more rejected for capture quality only ({} of {} not accepted: {:.3})",
            bona,
            rejected,
            bpcer,
            not_accepted - rejected,
            not_accepted,
            bona,
            rate(not_accepted, bona)
        );
        for (k, (n, a)) in attacks {
            out!(
                "attack {k}: {n} presentations, {a} accepted: APCER {:.3}",
                rate(*a, *n)
            );
        }
        out!("ACER {acer:.3} (worst APCER and BPCER averaged)");
        let c = cues.summary();
        out!(
            "per frame ({} bona fide, {} attack frames): AUC of p(live) {:.3}, of low high-frequency energy {:.3}",
            c.bona_fide_frames, c.attack_frames, c.auc_live, c.auc_texture
        );
        for (code, (b, a)) in &c.failures {
            out!("  {code:<22} fails on {b} bona fide, {a} attack frames");
        }
        out!(
            "per video window ({} bona fide, {} attack):",
            c.bona_fide_windows,
            c.attack_windows
        );
        for (code, (b, a)) in &c.sequence_failures {
            out!("  {code:<22} fails on {b} bona fide, {a} attack windows");
        }
    }
    Ok(true)
}

/// Per-frame values of every cue, by label, for the figures behind each threshold.
#[derive(Default)]
struct Cues {
    live: Vec<(bool, f64)>,
    texture: Vec<(bool, f64)>,
    failures: BTreeMap<String, (usize, usize)>,
    frames: (usize, usize),
    windows: (usize, usize),
    sequence_failures: BTreeMap<String, (usize, usize)>,
}

#[derive(Serialize)]
struct CueSummary {
    bona_fide_frames: usize,
    attack_frames: usize,
    /// Probability that a bona fide frame's p(live) exceeds an attack frame's.
    auc_live: f64,
    /// Probability that a bona fide frame's high-frequency share is below an attack frame's.
    auc_texture: f64,
    /// Per check: frames it failed, (bona fide, attack).
    failures: BTreeMap<String, (usize, usize)>,
    bona_fide_windows: usize,
    attack_windows: usize,
    /// Per sequence check, decisive or not: video windows it failed, (bona fide, attack).
    sequence_failures: BTreeMap<String, (usize, usize)>,
}

impl Cues {
    fn add(&mut self, bona_fide: bool, r: &FrameReport) {
        if bona_fide {
            self.frames.0 += 1;
        } else {
            self.frames.1 += 1;
        }
        if let Some(p) = r.live {
            self.live.push((bona_fide, f64::from(p)));
        }
        if let Some(t) = r.high_frequency {
            // Negated: the AUC below counts "higher is more bona fide".
            self.texture.push((bona_fide, -t));
        }
        for c in r.checks.iter().filter(|c| !c.passed) {
            let e = self.failures.entry(c.code.name().to_string()).or_default();
            if bona_fide {
                e.0 += 1;
            } else {
                e.1 += 1;
            }
        }
    }

    fn add_sequence(&mut self, bona_fide: bool, checks: &[SequenceCheck]) {
        if bona_fide {
            self.windows.0 += 1;
        } else {
            self.windows.1 += 1;
        }
        for c in checks.iter().filter(|c| !c.passed) {
            let e = self
                .sequence_failures
                .entry(c.code.name().to_string())
                .or_default();
            if bona_fide {
                e.0 += 1;
            } else {
                e.1 += 1;
            }
        }
    }

    fn summary(&self) -> CueSummary {
        CueSummary {
            bona_fide_frames: self.frames.0,
            attack_frames: self.frames.1,
            auc_live: eval::auc_labelled(&self.live),
            auc_texture: eval::auc_labelled(&self.texture),
            failures: self.failures.clone(),
            bona_fide_windows: self.windows.0,
            attack_windows: self.windows.1,
            sequence_failures: self.sequence_failures.clone(),
        }
    }
}
