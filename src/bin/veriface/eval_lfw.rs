//! `veriface eval lfw DIR`: the standard LFW verification protocol.
//!
//! Each image's subject is the face nearest the image centre (LFW crops are centred on it; a
//! bystander's face can be larger). Each distinct image is embedded once (in parallel on native
//! threads, one verifier per thread: the library itself has no threads). Pairs where either image
//! has no detectable face stay in the protocol, counted in `no_face` and as wrong answers
//! ([`eval::verification`]), never silently dropped. The embedding and reporting here are shared
//! with `eval cfp`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use serde::Serialize;
use veriface::compare::similarity;
use veriface::detect::DetectorRuns;
use veriface::eval::{self, CalibrationFit, Pair, Sample, Verification};
use veriface::models::Metric;
use veriface::report::Timings;
use veriface::select::choose_face;
use veriface::{FacePolicy, ImageInput, Verifier};

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
    /// Write every pair's similarity, in the failures file's format (for analyses outside
    /// this command, such as a fusion of two embedders' scores).
    #[arg(long)]
    scores: Option<PathBuf>,
}

/// What `eval lfw` and `eval cfp` print: the protocol's figures, then the run's facts.
#[derive(Serialize)]
pub(crate) struct Report {
    #[serde(flatten)]
    pub verification: Verification,
    pub images: usize,
    pub images_without_face: usize,
    /// Images where the detector found more than one face (the subject is then chosen by the
    /// face policy).
    pub images_with_several_faces: usize,
    pub embedder: String,
    pub detector: String,
    pub mean_embed_ms: f64,
    pub mean_detect_ms: f64,
    /// Network runs by pass: how often the coarse pass answered alone (images minus fine runs).
    pub detector_runs: DetectorRuns,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calibration: Option<CalibrationFit>,
}

/// Runs the protocol and prints the report.
pub fn run(ctx: &Context, args: &Args) -> veriface::Result<bool> {
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
    let paths: Vec<PathBuf> = keys
        .iter()
        .map(|(name, n)| {
            args.dir
                .join("images")
                .join(name)
                .join(format!("{name}_{n:04}.jpg"))
        })
        .collect();

    let embedded = embed_all(ctx, &paths, FacePolicy::Central, jobs(args.jobs))?;
    let spec = ctx.manifest.embedding(ctx.embedder.as_deref())?;
    let metric = spec.metric;
    let lookup: BTreeMap<&(String, u32), &Option<Vec<f32>>> =
        keys.iter().zip(embedded.vectors.iter()).collect();
    let samples: Vec<Sample> = pairs
        .iter()
        .map(|Pair { fold, a, b, same }| {
            let ea = lookup.get(a).and_then(|v| v.as_ref());
            let eb = lookup.get(b).and_then(|v| v.as_ref());
            let sim = ea.zip(eb).map(|(x, y)| similarity(metric, x, y));
            (*fold, sim, *same)
        })
        .collect();

    let verification = eval::verification(&samples);
    let names = || -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|p| {
                (
                    format!("{}_{:04}", p.a.0, p.a.1),
                    format!("{}_{:04}", p.b.0, p.b.1),
                )
            })
            .collect()
    };
    let thresholds = &verification.fold_thresholds;
    if let Some(path) = &args.failures {
        write_pairs(path, "--failures", &names(), &samples, thresholds, false)?;
    }
    if let Some(path) = &args.scores {
        write_pairs(path, "--scores", &names(), &samples, thresholds, true)?;
    }
    let calibration = args.calibrate.then(|| {
        let all_impostors = cross_identity_scores(metric, &keys, &embedded.vectors);
        eval::calibrate(&samples, &all_impostors, 1e-3, &spec.calibration)
    });
    let report = report(ctx, verification, &embedded, calibration)?;
    if let Some(path) = &args.roc {
        let title = format!("LFW ROC, {}", report.embedder);
        write_roc(path, &roc_points(&samples), &report, &title)?;
    }
    if args.json {
        print_json(&report);
    } else {
        out!(
            "LFW verification, {} pairs, {} images",
            report.verification.pairs,
            report.images
        );
        print_table(&report);
    }
    Ok(true)
}

/// Worker threads: `--jobs`, else all cores, at most 16.
pub(crate) fn jobs(requested: Option<usize>) -> usize {
    requested
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .clamp(1, 16)
}

/// The report around the protocol's figures: image counts, model ids, mean timings.
pub(crate) fn report(
    ctx: &Context,
    verification: Verification,
    embedded: &Embedded,
    calibration: Option<CalibrationFit>,
) -> veriface::Result<Report> {
    // Ids are manifest facts: no need to load a model for them.
    let spec = ctx.manifest.embedding(ctx.embedder.as_deref())?;
    let n_img = embedded.vectors.len().max(1) as f64;
    Ok(Report {
        verification,
        images: embedded.vectors.len(),
        images_without_face: embedded.vectors.iter().filter(|v| v.is_none()).count(),
        images_with_several_faces: embedded.faces.iter().filter(|&&n| n > 1).count(),
        embedder: spec.id,
        detector: ctx.manifest.detector.file.id.clone(),
        mean_embed_ms: embedded.timings.embed_ms / n_img,
        mean_detect_ms: embedded.timings.detect_ms / n_img,
        detector_runs: embedded.runs,
        calibration,
    })
}

/// ROC points of scored samples, a missing score ranking below every other.
pub(crate) fn roc_points(samples: &[Sample]) -> Vec<(f64, f64)> {
    let (genuine, impostor) = eval::ranked(samples);
    eval::roc(&genuine, &impostor)
}

/// Prints the report as one JSON object.
pub(crate) fn print_json(report: &Report) {
    out!(
        "{}",
        serde_json::to_string(report).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    );
}

/// Every image embedded: `None` where no face was found (or the file failed), with the number
/// of faces the detector found in each.
pub(crate) struct Embedded {
    pub vectors: Vec<Option<Vec<f32>>>,
    pub faces: Vec<usize>,
    pub timings: Timings,
    pub runs: DetectorRuns,
}

/// Embeds every image with `jobs` threads, each with its own verifier, printing progress. The
/// subject of each image is chosen by `policy`.
pub(crate) fn embed_all(
    ctx: &Context,
    paths: &[PathBuf],
    policy: FacePolicy,
    jobs: usize,
) -> veriface::Result<Embedded> {
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let results: Mutex<Vec<(Option<Vec<f32>>, usize)>> = Mutex::new(vec![(None, 0); paths.len()]);
    let timings = Mutex::new(Timings::default());
    let runs = Mutex::new(DetectorRuns::default());
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
                    let Some(path) = paths.get(i) else { break };
                    let outcome = embed_one(&mut v, path, policy, &mut local);
                    if let Err(e) = &outcome.0 {
                        eprintln!("  {}: {} [{}]", path.display(), e, e.code());
                    }
                    if let Ok(mut r) = results.lock() {
                        if let Some(slot) = r.get_mut(i) {
                            *slot = (outcome.0.ok(), outcome.1);
                        }
                    }
                    let d = done.fetch_add(1, Ordering::Relaxed) + 1;
                    if d % 250 == 0 || d == paths.len() {
                        eprintln!("embedded {d}/{} images", paths.len());
                    }
                }
                if let Ok(mut t) = timings.lock() {
                    t.detect_ms += local.detect_ms;
                    t.align_ms += local.align_ms;
                    t.embed_ms += local.embed_ms;
                }
                if let Ok(mut r) = runs.lock() {
                    let mine = v.detector().runs();
                    r.coarse += mine.coarse;
                    r.fine += mine.fine;
                    r.window += mine.window;
                    r.tiles += mine.tiles;
                }
            });
        }
    });
    if let Some(e) = first_error.into_inner().ok().flatten() {
        return Err(e);
    }
    let (vectors, faces) = results.into_inner().unwrap_or_default().into_iter().unzip();
    Ok(Embedded {
        vectors,
        faces,
        timings: timings.into_inner().unwrap_or_default(),
        runs: runs.into_inner().unwrap_or_default(),
    })
}

/// One image: its embedding (or why there is none) and how many faces the detector found.
fn embed_one(
    v: &mut Verifier,
    path: &Path,
    policy: FacePolicy,
    timings: &mut Timings,
) -> (veriface::Result<Vec<f32>>, usize) {
    let image = match read(path).and_then(|bytes| v.decode(ImageInput::Encoded(&bytes))) {
        Ok(image) => image,
        Err(e) => return (Err(e), 0),
    };
    let t0 = v.now();
    let faces = match v.detector_mut().detect(&image) {
        Ok(faces) => faces,
        Err(e) => return (Err(e), 0),
    };
    timings.detect_ms += v.now() - t0;
    let embedding = choose_face(&faces, policy, "image", image.dimensions())
        .and_then(|face| v.embed_face(&image, &face, "image", timings))
        .map(|e| e.embedding);
    (embedding, faces.len())
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

/// One line per pair (`all`) or per pair the protocol got wrong at its fold's threshold, a pair
/// without a score included: fold, truth, similarity (`none` without one), threshold, both
/// images. `flag` names the option in an error.
pub(crate) fn write_pairs(
    path: &Path,
    flag: &str,
    names: &[(String, String)],
    samples: &[Sample],
    thresholds: &[f64],
    all: bool,
) -> veriface::Result<()> {
    let mut out = String::from("fold\tsame\tsimilarity\tthreshold\ta\tb\n");
    for ((a, b), (fold, sim, same)) in names.iter().zip(samples) {
        let t = thresholds.get(*fold).copied().unwrap_or(0.0);
        if all || !sim.is_some_and(|v| (v >= t) == *same) {
            let shown = sim.map_or_else(|| "none".to_string(), |v| format!("{v:.6}"));
            out.push_str(&format!(
                "{}\t{same}\t{shown}\t{t:.4}\t{a}\t{b}\n",
                fold + 1
            ));
        }
    }
    std::fs::write(path, out)
        .map_err(|e| veriface::Error::bad_parameter(flag, format!("{}: {e}", path.display())))
}

/// The report as a table, after the caller's heading line.
pub(crate) fn print_table(r: &Report) {
    let v = &r.verification;
    out!("  embedder            {}", r.embedder);
    out!(
        "  accuracy            {:.2}% +- {:.2}",
        v.accuracy * 100.0,
        v.accuracy_std * 100.0
    );
    out!("  TAR at FAR 1e-3     {:.2}%", v.tar_at_far_1e3 * 100.0);
    out!("  AUC                 {:.5}", v.auc);
    out!(
        "  no face             {} pairs ({} images)",
        v.no_face,
        r.images_without_face
    );
    out!(
        "  several faces       {} images (subject chosen by the face policy)",
        r.images_with_several_faces
    );
    out!(
        "  per image           detect {:.1} ms, embed {:.1} ms",
        r.mean_detect_ms,
        r.mean_embed_ms
    );
    let d = &r.detector_runs;
    out!(
        "  detector runs       coarse {}, refine windows {}, fine {}, tiles {} (the 320 pass answered alone where neither refine nor fine ran)",
        d.coarse, d.refine, d.fine, d.tiles
    );
    if let Some(c) = &r.calibration {
        out!(
            "  calibration         slope {:.4}, center {:.4}, similarity at 0.7 {:.4} (FAR {} over {} comparisons)",
            c.slope, c.center, c.similarity_at_0_7, c.target_far, c.impostor_comparisons
        );
        for p in &c.shipped_operating_points {
            out!(
                "  shipped score {:.2}   similarity {:.4}: FAR {:.2e}, FRR {:.2}%",
                p.score,
                p.similarity,
                p.far,
                100.0 * p.frr
            );
        }
    }
}

/// The ROC curve as SVG, captioned `title` with the accuracy and AUC.
pub(crate) fn write_roc(
    path: &Path,
    points: &[(f64, f64)],
    r: &Report,
    title: &str,
) -> veriface::Result<()> {
    use plotters::prelude::*;
    let fail = |e: &dyn std::fmt::Display| {
        veriface::Error::bad_parameter("--roc", format!("cannot write {}: {e}", path.display()))
    };
    let root = SVGBackend::new(path, (720, 540)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| fail(&e))?;
    let caption = format!(
        "{title}: acc {:.2}%, AUC {:.4}",
        r.verification.accuracy * 100.0,
        r.verification.auc
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
