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

use clap::Args;
use serde::Serialize;
use veriface::liveness::frame::{FrameReport, PassiveModels};
use veriface::liveness::session::{self, Frame, LivenessOptions};
use veriface::{Error, ImageInput, Verifier};

use crate::{load_passive, load_verifier, read, to_json};

/// Arguments of `eval liveness`.
#[derive(Args)]
pub struct LivenessArgs {
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
    models: &PassiveModels,
    path: &Path,
    label: &str,
) -> veriface::Result<Presentation> {
    let bytes = read(path)?;
    let r = v.frame_report(
        ImageInput::Encoded(&bytes),
        Some(models),
        &Default::default(),
        &Default::default(),
    )?;
    Ok(Presentation {
        source: path.display().to_string(),
        label: label.into(),
        frames: 1,
        accepted: r.passed,
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

pub fn run(
    models_dir: &Path,
    embedder: Option<&str>,
    args: &LivenessArgs,
) -> veriface::Result<bool> {
    let mut v = load_verifier(models_dir, embedder)?;
    let models = load_passive(models_dir)?;
    let mut all = Vec::new();
    // Stills.
    let sf = args.dir.join("silentface_antispoof_samples");
    for (path, label, _, _) in labels(&sf.join("labels.csv"))? {
        let kind = attack_type(&label, &path);
        all.push(still(&mut v, &models, &sf.join(&path), &kind)?);
    }
    let screen = args
        .dir
        .join("hyperfas_screen_spoof_sample/fake_screen.png");
    all.push(still(&mut v, &models, &screen, "replay_screen")?);
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
            let r = session::check(&mut v, &models, &input, &LivenessOptions::default())?;
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
                live_mean: r.live_mean,
                failed,
            });
            start += fps.round().max(1.0) as usize;
        }
        let _ = std::fs::remove_dir_all(tmp);
    }
    // ISO/IEC 30107-3 figures.
    let bona: Vec<&Presentation> = all.iter().filter(|p| p.label == "bona_fide").collect();
    let rejected = bona.iter().filter(|p| !p.accepted).count();
    let mut attacks: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for p in all.iter().filter(|p| p.label != "bona_fide") {
        let e = attacks.entry(p.label.clone()).or_default();
        e.0 += 1;
        e.1 += usize::from(p.accepted);
    }
    let rate = |n: usize, d: usize| if d == 0 { 0.0 } else { n as f64 / d as f64 };
    let apcer: BTreeMap<&String, f64> = attacks
        .iter()
        .map(|(k, (n, a))| (k, rate(*a, *n)))
        .collect();
    let bpcer = rate(rejected, bona.len());
    let worst = apcer.values().copied().fold(0.0, f64::max);
    let acer = (worst + bpcer) / 2.0;
    if args.json {
        let report = serde_json::json!({
            "apcer": apcer,
            "bpcer": bpcer,
            "acer": acer,
            "attacks": attacks.iter().map(|(k, (n, a))| (k.clone(), serde_json::json!({ "presentations": n, "accepted": a }))).collect::<serde_json::Map<_, _>>(),
            "bona_fide": { "presentations": bona.len(), "rejected": rejected },
            "presentations": all,
            "decision_rule": session::DECISION_RULE,
        });
        println!("{}", to_json(&report));
    } else {
        println!(
            "bona fide: {} presentations, {} rejected: BPCER {:.3}",
            bona.len(),
            rejected,
            bpcer
        );
        for (k, (n, a)) in &attacks {
            println!(
                "attack {k}: {n} presentations, {a} accepted: APCER {:.3}",
                rate(*a, *n)
            );
        }
        println!("ACER {acer:.3} (worst APCER and BPCER averaged)");
    }
    Ok(true)
}
