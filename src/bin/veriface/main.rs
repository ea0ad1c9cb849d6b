//! `veriface`: the native command line. Compare, detect, and evaluate on LFW.
//!
//! A thin shell over the library: it reads files, hands bytes to [`veriface::Verifier`] and prints
//! what comes back. Exit codes: 0 success, 1 a pipeline error (printed with its code), 2 usage.

mod draw;
mod lfw;
mod liveness_eval;
mod vendor;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::OnceLock;

use clap::{Parser, Subcommand};
use veriface::models::Manifest;
use veriface::{CompareOptions, ImageInput, ModelBytes, Verifier};

#[derive(Parser)]
#[command(
    name = "veriface",
    version,
    about = "Face verification: compare, detect, evaluate"
)]
struct Cli {
    /// Folder holding the ONNX files named in models/manifest.json.
    #[arg(long, global = true, env = "VERIFACE_MODELS")]
    models: Option<PathBuf>,
    /// A manifest JSON to use instead of the built-in models/manifest.json.
    #[arg(long, global = true)]
    manifest: Option<PathBuf>,
    /// Embedder id from the manifest (default: the manifest's first).
    #[arg(long = "model", global = true)]
    model: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Do two images show the same person?
    Compare {
        /// First image (JPEG or PNG).
        a: PathBuf,
        /// Second image (JPEG or PNG).
        b: PathBuf,
        /// Decision threshold on the calibrated score, 0..1.
        #[arg(long, default_value_t = veriface::compare::DEFAULT_THRESHOLD)]
        threshold: f64,
        /// Print the full result as JSON.
        #[arg(long)]
        json: bool,
        /// Print the result (or the error) as JSON in a vendor's shape: vlens, valify, deepvue,
        /// opencv or veriface (the full result with evidence, for verify-evidence).
        #[arg(long)]
        format: Option<String>,
        /// Also run the single-frame liveness checks on the first image (OpenCV FR's
        /// check_liveness).
        #[arg(long)]
        check_liveness: bool,
    },
    /// Answer a vendor's request body as the vendor would: prints { status, body }.
    Handle {
        /// The vendor endpoint, e.g. /v1/ocr/face/compare or https://api.vlenseg.com/v1/ocr/face/compare.
        endpoint: String,
        /// The request body as a JSON file (images in base64, as the vendor takes them).
        body: PathBuf,
    },
    /// Recompute a veriface-format compare result from the same two files: confirmed or not.
    VerifyEvidence {
        /// The result JSON (from `compare --format veriface` or the browser).
        result: PathBuf,
        /// First image.
        a: PathBuf,
        /// Second image.
        b: PathBuf,
    },
    /// The single-frame liveness checks (face found, alone, size, distance, border, cropping,
    /// head angle, occlusion, eyes open, passive anti-spoofing), each with value, threshold and
    /// verdict.
    Frame {
        /// Images (JPEG or PNG): camera frames, each checked on its own.
        #[arg(required = true)]
        images: Vec<PathBuf>,
        /// Print each full report as JSON (one line per image when there are several).
        #[arg(long)]
        json: bool,
        /// Only the checks that need no model besides the detector (what a page runs on every
        /// camera frame to guide the user).
        #[arg(long)]
        no_models: bool,
    },
    /// Liveness from 2 to 5 frames captured within --max-span-ms, with the ID match given --id
    /// (every check and the decision rule: docs/liveness.md).
    Liveness {
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
    },
    /// List the faces in an image.
    Detect {
        /// Image (JPEG or PNG).
        image: PathBuf,
        /// Print the full result as JSON.
        #[arg(long)]
        json: bool,
        /// Write a PNG with boxes and landmarks drawn on the image.
        #[arg(long)]
        draw: Option<PathBuf>,
    },
    /// Measure accuracy on a data set.
    Eval {
        #[command(subcommand)]
        which: EvalCommand,
    },
}

#[derive(Subcommand)]
enum EvalCommand {
    /// The standard LFW verification protocol over DIR/pairs.txt and DIR/images.
    Lfw(lfw::LfwArgs),
    /// Liveness over the labelled spoof data in the eval folder: APCER per attack type, BPCER,
    /// ACER (ISO/IEC 30107-3).
    Liveness(liveness_eval::LivenessArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(true) => ExitCode::SUCCESS,
        // A vendor error response or an evidence check that failed: printed, not an error here.
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error [{}]: {e}", e.code());
            ExitCode::from(1)
        }
    }
}

fn run(cli: Cli) -> veriface::Result<bool> {
    let models_dir = cli.models.clone().unwrap_or_else(default_models_dir);
    if let Some(path) = &cli.manifest {
        let text = read(path)?;
        let manifest = serde_json::from_slice(&text).map_err(|e| {
            veriface::Error::bad_parameter("--manifest", format!("{}: {e}", path.display()))
        })?;
        // Set once, before any verifier is built; the eval workers read it from their threads.
        let _ = MANIFEST.set(manifest);
    }
    match cli.command {
        Command::Compare {
            a,
            b,
            threshold,
            json,
            format,
            check_liveness,
        } => {
            let format = parse_format(format.as_deref())?;
            let mut v = load_verifier(&models_dir, cli.model.as_deref())?;
            if check_liveness {
                load_passive(&models_dir, &mut v)?;
            }
            let options = CompareOptions {
                threshold,
                check_liveness,
                ..CompareOptions::default()
            };
            if let Some(format) = format {
                return vendor::compare(&mut v, &a, &b, &options, format);
            }
            let (ba, bb) = (read(&a)?, read(&b)?);
            let r = v.compare(ImageInput::Encoded(&ba), ImageInput::Encoded(&bb), &options)?;
            if json {
                println!("{}", to_json(&r));
            } else {
                println!(
                    "{}: score {:.4} (threshold {:.2}, similarity {:.4}) in {:.0} ms",
                    if r.is_match { "MATCH" } else { "NO MATCH" },
                    r.score,
                    r.threshold,
                    r.similarity,
                    r.timings.total_ms
                );
            }
        }
        Command::Detect { image, json, draw } => {
            let mut v = load_verifier(&models_dir, cli.model.as_deref())?;
            let bytes = read(&image)?;
            let r = v.detect(ImageInput::Encoded(&bytes))?;
            if json {
                println!("{}", to_json(&r));
            } else {
                println!(
                    "{} face(s) in {}x{} ({:.0} ms)",
                    r.faces.len(),
                    r.image_width,
                    r.image_height,
                    r.timings.total_ms
                );
                for f in &r.faces {
                    let b = f.bbox;
                    println!(
                        "  score {:.3}  box ({:.0}, {:.0})-({:.0}, {:.0})",
                        f.detector_score, b.x1, b.y1, b.x2, b.y2
                    );
                }
            }
            if let Some(out) = draw {
                let mut pixels = v.decode(ImageInput::Encoded(&bytes))?;
                draw::faces(&mut pixels, &r.faces);
                pixels.save(&out).map_err(|e| {
                    veriface::Error::bad_parameter(
                        "--draw",
                        format!("cannot write {}: {e}", out.display()),
                    )
                })?;
            }
        }
        Command::Frame {
            images,
            json,
            no_models,
        } => {
            let mut v = load_verifier(&models_dir, cli.model.as_deref())?;
            if !no_models {
                load_passive(&models_dir, &mut v)?;
            }
            let mut all_passed = true;
            for image in &images {
                let bytes = read(image)?;
                let r = v.frame_report(
                    ImageInput::Encoded(&bytes),
                    !no_models,
                    &Default::default(),
                    &Default::default(),
                )?;
                all_passed &= r.passed;
                if json && images.len() > 1 {
                    let mut value = serde_json::to_value(&r).unwrap_or_default();
                    if let Some(map) = value.as_object_mut() {
                        map.insert("file".into(), image.display().to_string().into());
                    }
                    println!("{}", serde_json::to_string(&value).unwrap_or_default());
                } else if json {
                    println!("{}", to_json(&r));
                } else {
                    println!(
                        "{}: {} ({:.0} ms)",
                        image.display(),
                        if r.passed { "PASS" } else { "FAIL" },
                        r.timings.total_ms
                    );
                    for c in &r.checks {
                        println!(
                            "  {:<22} {:>9.3}  limit {:>7.3}  {}",
                            c.code.name(),
                            c.value,
                            c.threshold,
                            if c.passed { "ok" } else { "FAIL" }
                        );
                    }
                }
            }
            return Ok(all_passed);
        }
        Command::Liveness {
            frames,
            timestamps,
            max_span_ms,
            id,
            json,
            format,
        } => {
            use veriface::liveness::session::{self, Frame, LivenessOptions};
            let format = parse_format(format.as_deref())?;
            let mut v = load_verifier(&models_dir, cli.model.as_deref())?;
            load_passive(&models_dir, &mut v)?;
            let id_bytes = id.as_ref().map(|p| read(p)).transpose()?;
            let bytes: Vec<Vec<u8>> = frames.iter().map(|f| read(f)).collect::<Result<_, _>>()?;
            if let Some(t) = &timestamps {
                if t.len() != frames.len() {
                    return Err(veriface::Error::bad_parameter(
                        "--timestamps",
                        format!(
                            "give one per frame: {} frames, {} timestamps",
                            frames.len(),
                            t.len()
                        ),
                    ));
                }
            }
            let input: Vec<Frame<'_>> = bytes
                .iter()
                .enumerate()
                .map(|(i, b)| Frame {
                    image: ImageInput::Encoded(b),
                    timestamp_ms: timestamps.as_ref().and_then(|t| t.get(i).copied()),
                })
                .collect();
            let options = LivenessOptions {
                max_span_ms,
                ..LivenessOptions::default()
            };
            let outcome = session::check(
                &mut v,
                &input,
                id_bytes.as_deref().map(ImageInput::Encoded),
                &options,
            );
            if let Some(format) = format {
                return vendor::liveness(format, &outcome);
            }
            let r = outcome?;
            if json {
                println!("{}", to_json(&r));
            } else {
                println!(
                    "{} (mean p(live) {:.3})",
                    if r.is_live { "LIVE" } else { "NOT LIVE" },
                    r.live_mean
                );
                for (i, f) in r.frames.iter().enumerate() {
                    let failed: Vec<String> = f
                        .checks
                        .iter()
                        .filter(|c| !c.passed)
                        .map(|c| c.code.name().to_string())
                        .collect();
                    println!(
                        "  frame {}: {}",
                        i + 1,
                        if failed.is_empty() {
                            "ok".into()
                        } else {
                            failed.join(", ")
                        }
                    );
                }
                for c in &r.sequence {
                    println!(
                        "  {:<20} {:>8.4}  limit {:>6.3}  {}{}",
                        c.code.name(),
                        c.value,
                        c.threshold,
                        if c.passed { "ok" } else { "FAIL" },
                        if c.decisive { "" } else { " (reported only)" }
                    );
                }
            }
            return Ok(r.is_live);
        }
        Command::Handle { endpoint, body } => {
            let mut v = load_verifier(&models_dir, cli.model.as_deref())?;
            // For OpenCV's check_liveness and the liveness endpoints.
            load_passive(&models_dir, &mut v)?;
            return vendor::handle(&mut v, &endpoint, &body);
        }
        Command::VerifyEvidence { result, a, b } => {
            return vendor::verify_evidence(&models_dir, &result, &a, &b);
        }
        Command::Eval {
            which: EvalCommand::Lfw(args),
        } => lfw::run(&models_dir, cli.model.as_deref(), &args)?,
        Command::Eval {
            which: EvalCommand::Liveness(args),
        } => return liveness_eval::run(&models_dir, cli.model.as_deref(), &args),
    }
    Ok(true)
}

/// `models/` of the source tree this binary was built from; overridden by `--models` or
/// `VERIFACE_MODELS`.
fn default_models_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models")
}

/// Reads a file, turning I/O failures into a `BAD_PARAMETER` that names the path.
pub fn read(path: &Path) -> veriface::Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| {
        veriface::Error::bad_parameter("path", format!("cannot read {}: {e}", path.display()))
    })
}

/// The manifest given with `--manifest`, if any.
static MANIFEST: OnceLock<Manifest> = OnceLock::new();

/// The manifest in force: the one given with `--manifest`, else the built-in one.
pub fn active_manifest() -> veriface::Result<Manifest> {
    match MANIFEST.get() {
        Some(m) => Ok(m.clone()),
        None => Manifest::builtin(),
    }
}

/// `--format`, checked before any work is done.
fn parse_format(name: Option<&str>) -> veriface::Result<Option<veriface::vendor::Format>> {
    name.map(veriface::vendor::Format::parse).transpose()
}

/// Loads the verifier from the model files in `dir`.
pub fn load_verifier(dir: &Path, embedder: Option<&str>) -> veriface::Result<Verifier> {
    let manifest = active_manifest()?;
    let spec = manifest.embedder(embedder)?;
    let detector = read(&dir.join(&manifest.detector.file.file))?;
    let embedder_bytes = read(&dir.join(&spec.file.file))?;
    Verifier::with_manifest(
        manifest,
        ModelBytes {
            detector: &detector,
            embedder: &embedder_bytes,
        },
        embedder,
    )
}

/// Loads the eye-state and anti-spoofing classifiers named in the manifest from `dir` into `v`.
pub fn load_passive(dir: &Path, v: &mut Verifier) -> veriface::Result<()> {
    let manifest = v.manifest();
    let file = |spec: Option<&veriface::models::FileSpec>| match spec {
        Some(f) => read(&dir.join(&f.file)),
        None => Ok(Vec::new()),
    };
    let live = file(manifest.liveness.as_ref().map(|l| &l.file))?;
    let eye = file(manifest.eye.as_ref().map(|e| &e.file))?;
    v.load_passive(&live, &eye)
}

pub fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}
