//! `veriface eval cfp DIR --protocol FF|FP`: verification across pose on CFP (Celebrities in
//! Frontal-Profile in the Wild, Sengupta et al. 2016).
//!
//! Layout (as in `../shared/eval/cfp-dev/SOURCE.txt`): `Protocol/Pair_list_F.txt` and
//! `Pair_list_P.txt` map an index to an image path relative to `Protocol/`;
//! `Protocol/Split/{FF,FP}/NN/{same,diff}.txt` hold `indexA,indexB` lines (FF: both frontal; FP:
//! A frontal, B profile). The protocol is LFW's: each split is a fold whose threshold is chosen
//! on the other splits, over whichever splits are present. The figures, the JSON keys and the
//! treatment of images without a detectable face are those of `eval lfw` (a pair without a score
//! counts as a wrong answer: [`veriface::eval::verification`]); profile faces are where the
//! detector misses, so the misses are also counted by pose.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;
use veriface::compare::similarity;
use veriface::eval::{self, Sample};
use veriface::{Error, FacePolicy};

use crate::context::{read, Context};
use crate::eval_lfw::{
    embed_all, jobs, print_table, report, roc_points, write_pairs, write_roc, Report,
};
use crate::output::out;

/// Which CFP protocol.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Protocol {
    /// Frontal against frontal.
    #[value(name = "FF", alias = "ff")]
    Ff,
    /// Frontal against profile.
    #[value(name = "FP", alias = "fp")]
    Fp,
}

impl Protocol {
    fn name(self) -> &'static str {
        match self {
            Protocol::Ff => "FF",
            Protocol::Fp => "FP",
        }
    }
}

/// Arguments of `eval cfp`.
#[derive(clap::Args)]
pub struct Args {
    /// CFP folder: Protocol/Pair_list_{F,P}.txt, Protocol/Split/{FF,FP}/NN/{same,diff}.txt and
    /// the images they name.
    dir: PathBuf,
    /// FF (frontal-frontal) or FP (frontal-profile).
    #[arg(long, value_enum)]
    protocol: Protocol,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    json: bool,
    /// Write the ROC curve as SVG.
    #[arg(long)]
    roc: Option<PathBuf>,
    /// Only the first K splits present (quick checks; all splits present is the default).
    #[arg(long)]
    splits: Option<usize>,
    /// Only the first N same and N different pairs of each split (quick checks).
    #[arg(long)]
    pairs: Option<usize>,
    /// How the subject of each image is chosen: central (the face nearest the image centre, as
    /// for LFW), largest or single.
    #[arg(long, default_value = "central")]
    face: FacePolicy,
    /// Worker threads (default: all cores).
    #[arg(long)]
    jobs: Option<usize>,
    /// Write the misclassified pairs (at each split's threshold) as tab-separated lines.
    #[arg(long)]
    failures: Option<PathBuf>,
    /// Write every pair's similarity, in the failures file's format.
    #[arg(long)]
    scores: Option<PathBuf>,
}

/// One CFP pair: split (fold) from 0, the two images, same person or not.
struct CfpPair {
    fold: usize,
    a: PathBuf,
    b: PathBuf,
    same: bool,
}

/// `eval lfw`'s report, with the protocol, its splits and the misses by pose.
#[derive(Serialize)]
struct CfpReport {
    protocol: &'static str,
    /// Split numbers as named on disk (01 = 1), in fold order.
    splits: Vec<u32>,
    #[serde(flatten)]
    report: Report,
    images_without_face_frontal: usize,
    images_without_face_profile: usize,
    face_policy: FacePolicy,
}

/// Runs the protocol and prints the report.
pub fn run(ctx: &Context, args: &Args) -> veriface::Result<bool> {
    let (splits, pairs) = load_pairs(&args.dir, args.protocol, args.splits, args.pairs)?;
    let mut paths: Vec<PathBuf> = pairs
        .iter()
        .flat_map(|p| [p.a.clone(), p.b.clone()])
        .collect();
    paths.sort();
    paths.dedup();
    let embedded = embed_all(ctx, &paths, args.face, jobs(args.jobs))?;
    let metric = ctx.manifest.embedding(ctx.embedder.as_deref())?.metric;
    let lookup: BTreeMap<&PathBuf, &Option<Vec<f32>>> =
        paths.iter().zip(embedded.vectors.iter()).collect();
    let samples: Vec<Sample> = pairs
        .iter()
        .map(|p| {
            let ea = lookup.get(&p.a).and_then(|v| v.as_ref());
            let eb = lookup.get(&p.b).and_then(|v| v.as_ref());
            let sim = ea.zip(eb).map(|(x, y)| similarity(metric, x, y));
            (p.fold, sim, p.same)
        })
        .collect();
    let verification = eval::verification(&samples);
    let names = || -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|p| (short(&args.dir, &p.a), short(&args.dir, &p.b)))
            .collect()
    };
    let thresholds = &verification.fold_thresholds;
    if let Some(path) = &args.failures {
        write_pairs(path, "--failures", &names(), &samples, thresholds, false)?;
    }
    if let Some(path) = &args.scores {
        write_pairs(path, "--scores", &names(), &samples, thresholds, true)?;
    }
    let missed = |pose: &str| {
        paths
            .iter()
            .zip(&embedded.vectors)
            .filter(|(p, v)| v.is_none() && is_pose(p, pose))
            .count()
    };
    let report = CfpReport {
        protocol: args.protocol.name(),
        splits,
        images_without_face_frontal: missed("frontal"),
        images_without_face_profile: missed("profile"),
        face_policy: args.face,
        report: report(ctx, verification, &embedded, None)?,
    };
    let title = format!("CFP-{} ROC, {}", report.protocol, report.report.embedder);
    if let Some(path) = &args.roc {
        write_roc(path, &roc_points(&samples), &report.report, &title)?;
    }
    if args.json {
        // One object: the shared keys, flattened, with the CFP ones.
        out!(
            "{}",
            serde_json::to_string(&report).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
        );
    } else {
        let split_names: Vec<String> = report.splits.iter().map(|s| format!("{s:02}")).collect();
        out!(
            "CFP-{} verification, splits {}, {} pairs, {} images, face policy {}",
            report.protocol,
            split_names.join(","),
            report.report.verification.pairs,
            report.report.images,
            report.face_policy
        );
        print_table(&report.report);
        out!(
            "  no face by pose     {} frontal, {} profile images: the pipeline returns NO_FACE for such an image (no score); here each pair with one counts as a wrong answer",
            report.images_without_face_frontal, report.images_without_face_profile
        );
    }
    Ok(true)
}

/// Whether `path` is in a `frontal` or `profile` folder.
fn is_pose(path: &Path, pose: &str) -> bool {
    path.parent()
        .and_then(|p| p.file_name())
        .is_some_and(|n| n == pose)
}

/// A path relative to the CFP folder, for the failures file.
fn short(dir: &Path, path: &Path) -> String {
    let protocol = dir.join("Protocol");
    path.strip_prefix(&protocol)
        .or_else(|_| path.strip_prefix(dir))
        .unwrap_or(path)
        .display()
        .to_string()
}

/// The pair lists of `protocol`: the split numbers used (first `max_splits` of those present,
/// in order) and their pairs (the first `per_half` same and different of each, if given).
///
/// # Errors
/// `BAD_PARAMETER` for a missing or malformed file, an index the list lacks, an image that is
/// not there, or no split at all.
fn load_pairs(
    dir: &Path,
    protocol: Protocol,
    max_splits: Option<usize>,
    per_half: Option<usize>,
) -> veriface::Result<(Vec<u32>, Vec<CfpPair>)> {
    let proto_dir = dir.join("Protocol");
    let frontal = read_list(&proto_dir, "Pair_list_F.txt")?;
    let profile = match protocol {
        Protocol::Ff => None,
        Protocol::Fp => Some(read_list(&proto_dir, "Pair_list_P.txt")?),
    };
    let split_root = proto_dir.join("Split").join(protocol.name());
    let mut splits: Vec<u32> = std::fs::read_dir(&split_root)
        .map_err(|e| {
            Error::bad_parameter("dir", format!("cannot list {}: {e}", split_root.display()))
        })?
        .filter_map(|entry| entry.ok())
        .filter(|entry| entry.path().join("same.txt").is_file())
        .filter_map(|entry| entry.file_name().to_str().and_then(|n| n.parse().ok()))
        .collect();
    splits.sort_unstable();
    if let Some(k) = max_splits {
        splits.truncate(k);
    }
    if splits.is_empty() {
        return Err(Error::bad_parameter(
            "dir",
            format!("no split folder with same.txt in {}", split_root.display()),
        ));
    }
    let mut pairs = Vec::new();
    for (fold, split) in splits.iter().enumerate() {
        for (file, same) in [("same.txt", true), ("diff.txt", false)] {
            let path = split_root.join(format!("{split:02}")).join(file);
            let text = String::from_utf8_lossy(&read(&path)?).into_owned();
            let lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
            for (n, line) in lines.enumerate() {
                if per_half.is_some_and(|k| n >= k) {
                    break;
                }
                let bad = |what: String| {
                    Error::bad_parameter("dir", format!("{}: `{line}`: {what}", path.display()))
                };
                let (a, b) = line
                    .split_once(',')
                    .and_then(|(a, b)| Some((a.trim().parse().ok()?, b.trim().parse().ok()?)))
                    .ok_or_else(|| bad("expected `indexA,indexB`".into()))?;
                let second = profile.as_ref().unwrap_or(&frontal);
                let find = |list: &BTreeMap<u32, PathBuf>, i: u32| {
                    list.get(&i)
                        .cloned()
                        .ok_or_else(|| bad(format!("index {i} is not in the pair list")))
                };
                let (a, b) = (find(&frontal, a)?, find(second, b)?);
                for p in [&a, &b] {
                    if !p.is_file() {
                        return Err(bad(format!("{} is missing", p.display())));
                    }
                }
                pairs.push(CfpPair { fold, a, b, same });
            }
        }
    }
    Ok((splits, pairs))
}

/// `index path` lines, the path relative to `Protocol/`, normalised (`../Data/...` resolved
/// lexically so one image has one key).
fn read_list(proto_dir: &Path, name: &str) -> veriface::Result<BTreeMap<u32, PathBuf>> {
    let path = proto_dir.join(name);
    let text = String::from_utf8_lossy(&read(&path)?).into_owned();
    let mut out = BTreeMap::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (i, rel) = line
            .split_once(char::is_whitespace)
            .and_then(|(i, rel)| Some((i.parse::<u32>().ok()?, rel.trim())))
            .ok_or_else(|| {
                Error::bad_parameter(
                    "dir",
                    format!("{}: `{line}`: expected `index path`", path.display()),
                )
            })?;
        out.insert(i, normalise(&proto_dir.join(rel)));
    }
    Ok(out)
}

/// Resolves `..` and `.` lexically.
fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::ParentDir => {
                let last_is_parent = matches!(
                    out.components().next_back(),
                    None | Some(std::path::Component::ParentDir)
                );
                if last_is_parent {
                    out.push("..");
                } else {
                    out.pop();
                }
            }
            std::path::Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}
