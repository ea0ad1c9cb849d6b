//! `veriface eval fuse A.tsv B.tsv ...`: what a fusion of embedders would score, from the
//! `--scores` files of `eval lfw` or `eval cfp` runs over the same pairs (one run per embedder),
//! before the fusion is built into the pipeline. The protocol and the fusion rule are
//! [`veriface::eval::fused_verification`]'s.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Serialize;
use veriface::eval::{self, Sample, Verification};
use veriface::Error;

use crate::context::read;
use crate::output::out;

/// Arguments of `eval fuse`.
#[derive(clap::Args)]
pub struct Args {
    /// Two or more `--scores` files of the same protocol (same folds, pairs and labels).
    #[arg(required = true, num_args = 2..)]
    scores: Vec<PathBuf>,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct Member {
    file: String,
    #[serde(flatten)]
    verification: Verification,
}

#[derive(Serialize)]
struct FuseReport {
    members: Vec<Member>,
    fused: Verification,
}

/// One pair of a scores file: its key (fold, both images) and its sample.
type Row = ((usize, String, String), Sample);

/// Reads a `--scores` file: `fold same similarity threshold a b`, tab-separated, after a header.
fn parse(path: &Path) -> veriface::Result<Vec<Row>> {
    let text = String::from_utf8_lossy(&read(path)?).into_owned();
    let bad = |line: usize, why: &str| {
        Error::bad_parameter(
            "scores",
            format!(
                "{} line {line}: {why} (expected the tab-separated lines `eval lfw|cfp --scores` writes)",
                path.display()
            ),
        )
    };
    let mut rows = Vec::new();
    for (n, line) in text.lines().enumerate().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        let [fold, same, sim, _threshold, a, b] = f[..] else {
            return Err(bad(n + 1, "not 6 fields"));
        };
        let fold: usize = fold
            .parse()
            .map_err(|_| bad(n + 1, "fold is not a number"))?;
        let fold = fold
            .checked_sub(1)
            .ok_or_else(|| bad(n + 1, "folds count from 1"))?;
        let same = match same {
            "true" => true,
            "false" => false,
            _ => return Err(bad(n + 1, "same is not true or false")),
        };
        let sim = match sim {
            "none" => None,
            v => Some(
                v.parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .ok_or_else(|| bad(n + 1, "similarity is not a number"))?,
            ),
        };
        rows.push(((fold, a.to_string(), b.to_string()), (fold, sim, same)));
    }
    if rows.is_empty() {
        return Err(bad(1, "no pairs"));
    }
    Ok(rows)
}

/// Runs the fusion protocol and prints each member's figures and the fused ones.
pub fn run(args: &Args) -> veriface::Result<bool> {
    let files: Vec<Vec<Row>> = args
        .scores
        .iter()
        .map(|p| parse(p))
        .collect::<veriface::Result<_>>()?;
    let Some((first, others)) = files.split_first() else {
        return Err(Error::bad_parameter("scores", "give two or more files"));
    };
    // Every member's samples in the first file's pair order.
    let mut members: Vec<Vec<Sample>> = vec![first.iter().map(|r| r.1).collect()];
    for (file, path) in others.iter().zip(args.scores.iter().skip(1)) {
        let by_key: HashMap<&(usize, String, String), &Sample> =
            file.iter().map(|(k, s)| (k, s)).collect();
        let aligned: Option<Vec<Sample>> = first
            .iter()
            .map(|(k, _)| by_key.get(k).map(|s| **s))
            .collect();
        match aligned.filter(|a| a.len() == file.len()) {
            Some(a) => members.push(a),
            None => {
                return Err(Error::bad_parameter(
                    "scores",
                    format!(
                        "{} does not hold the same pairs as {}",
                        path.display(),
                        args.scores[0].display()
                    ),
                ))
            }
        }
    }
    let fused = eval::fused_verification(&members).ok_or_else(|| {
        Error::bad_parameter("scores", "the files disagree on a pair's fold or label")
    })?;
    let report = FuseReport {
        members: args
            .scores
            .iter()
            .zip(&members)
            .map(|(p, m)| Member {
                file: p.display().to_string(),
                verification: eval::verification(m),
            })
            .collect(),
        fused,
    };
    if args.json {
        out!(
            "{}",
            serde_json::to_string(&report).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
        );
        return Ok(true);
    }
    let line = |name: &str, v: &Verification| {
        out!(
            "  {name:<40} {:.2}% +- {:.2}  TAR@FAR1e-3 {:.2}%  AUC {:.5}  no score {}",
            v.accuracy * 100.0,
            v.accuracy_std * 100.0,
            v.tar_at_far_1e3 * 100.0,
            v.auc,
            v.no_face
        );
    };
    out!(
        "Fusion (sum of log-odds, cross-fitted per fold), {} pairs",
        report.fused.pairs
    );
    for m in &report.members {
        line(&m.file, &m.verification);
    }
    line("fused", &report.fused);
    Ok(true)
}
