//! `veriface eval lfw DIR`: the standard LFW verification protocol.
//!
//! Each image's subject is the face nearest the image centre (LFW crops are centred on it; a
//! bystander's face can be larger). Each distinct image is embedded once (in parallel on native threads, one verifier per thread:
//! the library itself has no threads). Pairs where either image has no detectable face are kept in
//! the protocol with the lowest possible similarity ("different"), counted in `no_face`, never silently dropped.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use serde::Serialize;
use veriface::compare::similarity;
use veriface::eval::{self, CalibrationFit, Pair};
use veriface::models::Metric;
use veriface::report::Timings;
use veriface::{FacePolicy, ImageInput};

use crate::context::{read, Context};
use crate::output::out;

/// Arguments of `eval lfw`.
#[derive(clap::Args)]
pub struct Args {
    /// Folder with pairs.txt and images/<name>/<name>_<NNNN>.jpg.
    dir: PathBuf,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    json: bool,
    /// Write the ROC curve as SVG.
    #[arg(long)]
    roc: Option<PathBuf>,
    /// Only the first K folds (quick checks; the full protocol is the default).
    #[arg(long)]
    folds: Option<usize>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    jobs: Option<usize>,
    /// Also fit the score calibration (all cross-identity comparisons as impostors).
    #[arg(long)]
    calibrate: bool,
    /// Write the misclassified pairs (at each fold's threshold) as tab-separated lines.
    #[arg(long)]
    failures: Option<PathBuf>,
}

#[derive(Serialize)]
struct Report {
    accuracy: f64,
    accuracy_std: f64,
    tar_at_far_1e3: f64,
    auc: f64,
    pairs: usize,
    no_face: usize,
    fold_accuracies: Vec<f64>,
    fold_thresholds: Vec<f64>,
    images: usize,
    images_without_face: usize,
    embedder: String,
    detector: String,
    mean_embed_ms: f64,
    mean_detect_ms: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    calibration: Option<CalibrationFit>,
    #[serde(skip_serializing_if = "Option::is_none")]
    score_at_far_1e3_on_pairs: Option<f64>,
}

/// Runs the protocol and prints the report.
pub fn run(ctx: &Context, args: &Args) -> veriface::Result<bool> {
    let embedder = ctx.embedder.as_deref();
    let text = String::from_utf8_lossy(&read(&args.dir.join("pairs.txt"))?).into_owned();
    let mut pairs = eval::parse_pairs(&text)?;
    if let Some(k) = args.folds {
        pairs.retain(|p| p.fold < k);
    }
    let mut keys: Vec<(String, u32)> = pairs
        .iter()
        .flat_map(|p| [p.a.clone(), p.b.clone()])
        .collect();
    keys.sort();
    keys.dedup();

    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .clamp(1, 16);
    let embedded = embed_all(ctx, &args.dir, &keys, jobs)?;
    // Ids and metric are manifest facts: no need to load a model for them.
    let manifest = &ctx.manifest;
    let spec = manifest.embedder(embedder)?;
    let metric = spec.metric;
    let (detector_id, embedder_id) = (manifest.detector.file.id.clone(), spec.file.id.clone());

    let lookup: BTreeMap<&(String, u32), &Option<Vec<f32>>> =
        keys.iter().zip(embedded.vectors.iter()).collect();
    let mut samples = Vec::with_capacity(pairs.len());
    let mut no_face = 0;
    for Pair { fold, a, b, same } in &pairs {
        let ea = lookup.get(a).and_then(|v| v.as_ref());
        let eb = lookup.get(b).and_then(|v| v.as_ref());
        let cos = match (ea, eb) {
            (Some(x), Some(y)) => similarity(metric, x, y),
            _ => {
                no_face += 1;
                f64::NEG_INFINITY
            }
        };
        samples.push((*fold, cos, *same));
    }

    let folds = eval::fold_accuracies(&samples);
    if let Some(path) = &args.failures {
        write_failures(path, &pairs, &samples, &folds)?;
    }
    let accs: Vec<f64> = folds.iter().map(|f| f.0).collect();
    let (accuracy, accuracy_std) = eval::mean_std(&accs);
    let genuine: Vec<f64> = samples.iter().filter(|s| s.2).map(|s| s.1).collect();
    let impostor: Vec<f64> = samples.iter().filter(|s| !s.2).map(|s| s.1).collect();
    let tar = eval::tar_at_far(&genuine, &impostor, 1e-3);
    let auc = eval::auc(&genuine, &impostor);

    let calibration = args.calibrate.then(|| {
        let all_impostors = cross_identity_scores(metric, &keys, &embedded.vectors);
        let pair_samples: Vec<(f64, bool)> = samples.iter().map(|s| (s.1, s.2)).collect();
        eval::calibrate(&pair_samples, &all_impostors, 1e-3)
    });
    let n_img = keys.len().max(1) as f64;
    let report = Report {
        accuracy,
        accuracy_std,
        tar_at_far_1e3: tar,
        auc,
        pairs: samples.len(),
        no_face,
        fold_accuracies: accs,
        fold_thresholds: folds.iter().map(|f| f.1).collect(),
        images: keys.len(),
        images_without_face: embedded.vectors.iter().filter(|v| v.is_none()).count(),
        embedder: embedder_id,
        detector: detector_id,
        mean_embed_ms: embedded.timings.embed_ms / n_img,
        mean_detect_ms: embedded.timings.detect_ms / n_img,
        score_at_far_1e3_on_pairs: Some(eval::threshold_at_far(&impostor, 1e-3)),
        calibration,
    };
    if let Some(path) = &args.roc {
        write_roc(path, &eval::roc(&genuine, &impostor), &report)?;
    }
    if args.json {
        out!(
            "{}",
            serde_json::to_string(&report).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
        );
    } else {
        print_table(&report);
    }
    Ok(true)
}

struct Embedded {
    vectors: Vec<Option<Vec<f32>>>,
    timings: Timings,
}

/// Embeds every image with `jobs` threads, each with its own verifier, printing progress.
fn embed_all(
    ctx: &Context,
    dir: &Path,
    keys: &[(String, u32)],
    jobs: usize,
) -> veriface::Result<Embedded> {
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Vec<f32>>>> = Mutex::new(vec![None; keys.len()]);
    let timings = Mutex::new(Timings::default());
    let first_error: Mutex<Option<veriface::Error>> = Mutex::new(None);
    std::thread::scope(|s| {
        for _ in 0..jobs {
            s.spawn(|| {
                let mut v = match ctx.verifier() {
                    Ok(v) => v,
                    Err(e) => {
                        if let Ok(mut slot) = first_error.lock() {
                            slot.get_or_insert(e);
                        }
                        return;
                    }
                };
                let mut local = Timings::default();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some((name, n)) = keys.get(i) else { break };
                    let path = dir
                        .join("images")
                        .join(name)
                        .join(format!("{name}_{n:04}.jpg"));
                    let vector = read(&path)
                        .and_then(|bytes| v.decode(ImageInput::Encoded(&bytes)))
                        .and_then(|img| v.embed_image(&img, FacePolicy::Central, "LFW", &mut local))
                        .map(|e| e.embedding);
                    match vector {
                        Ok(vec) => {
                            if let Ok(mut r) = results.lock() {
                                if let Some(slot) = r.get_mut(i) {
                                    *slot = Some(vec);
                                }
                            }
                        }
                        Err(e) => eprintln!("  {}: {} [{}]", path.display(), e, e.code()),
                    }
                    let d = done.fetch_add(1, Ordering::Relaxed) + 1;
                    if d % 250 == 0 || d == keys.len() {
                        eprintln!("embedded {d}/{} images", keys.len());
                    }
                }
                if let Ok(mut t) = timings.lock() {
                    t.detect_ms += local.detect_ms;
                    t.align_ms += local.align_ms;
                    t.embed_ms += local.embed_ms;
                }
            });
        }
    });
    if let Some(e) = first_error.into_inner().ok().flatten() {
        return Err(e);
    }
    Ok(Embedded {
        vectors: results.into_inner().unwrap_or_default(),
        timings: timings.into_inner().unwrap_or_default(),
    })
}

/// Cosine of every pair of embedded images of different people: the impostor population the
/// calibration's false-accept rate is measured on (millions of comparisons rather than the
/// protocol's 300 per fold, so a 0.1% rate rests on thousands of events).
fn cross_identity_scores(
    metric: Metric,
    keys: &[(String, u32)],
    vectors: &[Option<Vec<f32>>],
) -> Vec<f64> {
    let items: Vec<(&str, &Vec<f32>)> = keys
        .iter()
        .zip(vectors)
        .filter_map(|(k, v)| v.as_ref().map(|v| (k.0.as_str(), v)))
        .collect();
    let mut out = Vec::new();
    for (i, (name_a, va)) in items.iter().enumerate() {
        for (name_b, vb) in items.iter().skip(i + 1) {
            if name_a != name_b {
                out.push(similarity(metric, va, vb));
            }
        }
    }
    out
}

/// One line per pair the protocol got wrong: fold, truth, similarity, threshold, both images.
fn write_failures(
    path: &Path,
    pairs: &[Pair],
    samples: &[(usize, f64, bool)],
    folds: &[(f64, f64)],
) -> veriface::Result<()> {
    let mut out = String::from("fold\tsame\tsimilarity\tthreshold\ta\tb\n");
    for (p, (fold, cos, same)) in pairs.iter().zip(samples) {
        let t = folds.get(*fold).map_or(0.0, |f| f.1);
        if (*cos >= t) != *same {
            out.push_str(&format!(
                "{}\t{}\t{:.4}\t{:.4}\t{}_{:04}\t{}_{:04}\n",
                fold + 1,
                same,
                cos,
                t,
                p.a.0,
                p.a.1,
                p.b.0,
                p.b.1
            ));
        }
    }
    std::fs::write(path, out).map_err(|e| {
        veriface::Error::bad_parameter("--failures", format!("{}: {e}", path.display()))
    })
}

fn print_table(r: &Report) {
    out!("LFW verification, {} pairs, {} images", r.pairs, r.images);
    out!("  embedder            {}", r.embedder);
    out!(
        "  accuracy            {:.2}% +- {:.2}",
        r.accuracy * 100.0,
        r.accuracy_std * 100.0
    );
    out!("  TAR at FAR 1e-3     {:.2}%", r.tar_at_far_1e3 * 100.0);
    out!("  AUC                 {:.5}", r.auc);
    out!(
        "  no face             {} pairs ({} images)",
        r.no_face,
        r.images_without_face
    );
    out!(
        "  per image           detect {:.1} ms, embed {:.1} ms",
        r.mean_detect_ms,
        r.mean_embed_ms
    );
    if let Some(c) = &r.calibration {
        out!(
            "  calibration         slope {:.4}, center {:.4}, similarity at 0.7 {:.4} (FAR {} over {} comparisons)",
            c.slope, c.center, c.similarity_at_0_7, c.target_far, c.impostor_comparisons
        );
    }
}

fn write_roc(path: &Path, points: &[(f64, f64)], r: &Report) -> veriface::Result<()> {
    use plotters::prelude::*;
    let fail = |e: &dyn std::fmt::Display| {
        veriface::Error::bad_parameter("--roc", format!("cannot write {}: {e}", path.display()))
    };
    let root = SVGBackend::new(path, (720, 540)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| fail(&e))?;
    let caption = format!(
        "LFW ROC, {}: acc {:.2}%, AUC {:.4}",
        r.embedder,
        r.accuracy * 100.0,
        r.auc
    );
    let mut chart = ChartBuilder::on(&root)
        .caption(caption, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(50)
        .build_cartesian_2d((1e-4f64..1f64).log_scale(), 0.8f64..1.0f64)
        .map_err(|e| fail(&e))?;
    chart
        .configure_mesh()
        .x_desc("false accept rate")
        .y_desc("true accept rate")
        .draw()
        .map_err(|e| fail(&e))?;
    let series = points
        .iter()
        .filter(|(far, _)| *far > 0.0)
        .map(|&(far, tar)| (far.max(1e-4), tar.max(0.8)));
    chart
        .draw_series(LineSeries::new(series, &BLUE))
        .map_err(|e| fail(&e))?;
    root.present().map_err(|e| fail(&e))?;
    Ok(())
}
