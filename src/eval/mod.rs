//! Evaluation metrics: verification accuracy under the standard LFW protocol (also used for CFP),
//! the score calibration fitted on it, AUC, and the ISO/IEC 30107-3 presentation-attack rates
//! (APCER, BPCER, ACER) that `eval liveness` reports.
//!
//! Pure functions over similarity scores and labels, so they are tested on synthetic numbers; the
//! command line supplies the scores. `pairs.txt` is parsed from a string: the core reads no files.

use serde::Serialize;

use crate::error::{Error, Result};

mod fusion;
mod presentation;
pub use fusion::fused_verification;
pub use presentation::{auc_labelled, iso_rates, IsoRates, Presentation};

/// One line of `pairs.txt`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pair {
    /// Fold index, from 0.
    pub fold: usize,
    /// First image: person name and 1-based image number.
    pub a: (String, u32),
    /// Second image.
    pub b: (String, u32),
    /// Whether both images show the same person.
    pub same: bool,
}

/// Parses the standard LFW `pairs.txt`: a header `folds n`, then per fold `n` matched lines
/// (`name i j`) followed by `n` mismatched lines (`name1 i name2 j`).
///
/// # Errors
/// `BAD_PARAMETER` naming the line that does not fit the format.
pub fn parse_pairs(text: &str) -> Result<Vec<Pair>> {
    let bad =
        |line: usize, what: &str| Error::bad_parameter("pairs.txt", format!("line {line}: {what}"));
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty());
    let (_, header) = lines.next().ok_or_else(|| bad(1, "empty file"))?;
    let nums: Vec<usize> = header
        .split_whitespace()
        .map(str::parse)
        .collect::<std::result::Result<_, _>>()
        .map_err(|_| bad(1, "the header must be `folds pairs_per_half_fold`"))?;
    let (folds, n) = match nums.as_slice() {
        [f, n] => (*f, *n),
        _ => return Err(bad(1, "the header must be `folds pairs_per_half_fold`")),
    };
    let num = |line: usize, s: &str| {
        s.parse::<u32>()
            .map_err(|_| bad(line, "image numbers must be integers"))
    };
    let mut pairs = Vec::with_capacity(folds * n * 2);
    for fold in 0..folds {
        for k in 0..2 * n {
            let (line, text) = lines
                .next()
                .ok_or_else(|| bad(0, &format!("file ends inside fold {}", fold + 1)))?;
            let f: Vec<&str> = text.split_whitespace().collect();
            let same = k < n;
            let pair = match (same, f.as_slice()) {
                (true, [name, i, j]) => Pair {
                    fold,
                    a: (name.to_string(), num(line, i)?),
                    b: (name.to_string(), num(line, j)?),
                    same,
                },
                (false, [n1, i, n2, j]) => Pair {
                    fold,
                    a: (n1.to_string(), num(line, i)?),
                    b: (n2.to_string(), num(line, j)?),
                    same,
                },
                _ => {
                    let want = if same {
                        "`name i j`"
                    } else {
                        "`name1 i name2 j`"
                    };
                    return Err(bad(line, &format!("expected {want}")));
                }
            };
            pairs.push(pair);
        }
    }
    Ok(pairs)
}

/// The threshold that maximises accuracy on `(score, same)` samples; a pair is "same" when its
/// score is at or above the threshold. Candidates are midpoints between consecutive distinct
/// scores, so the choice does not depend on the order of the input.
pub fn best_threshold(samples: &[(f64, bool)]) -> f64 {
    let mut sorted: Vec<(f64, bool)> = samples.to_vec();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total_same = sorted.iter().filter(|s| s.1).count();
    // Threshold below everything: all predicted same.
    let mut correct = total_same;
    let mut best = (correct, sorted.first().map_or(0.0, |s| s.0 - 1e-6));
    let mut i = 0;
    while i < sorted.len() {
        let v = sorted[i].0;
        while i < sorted.len() && sorted[i].0 == v {
            // Moving the threshold above v flips this sample to "different".
            if sorted[i].1 {
                correct -= 1;
            } else {
                correct += 1;
            }
            i += 1;
        }
        let next = sorted.get(i).map_or(v + 1e-6, |s| (v + s.0) / 2.0);
        if correct > best.0 {
            best = (correct, next);
        }
    }
    best.1
}

/// Fraction of samples classified correctly at `threshold`.
pub fn accuracy_at(samples: &[(f64, bool)], threshold: f64) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    let ok = samples
        .iter()
        .filter(|(s, same)| (*s >= threshold) == *same)
        .count();
    ok as f64 / samples.len() as f64
}

/// The k-fold protocol: for each fold, the threshold is chosen on the other folds and accuracy is
/// measured on this one. Returns per-fold accuracies and thresholds.
pub fn fold_accuracies(samples: &[(usize, f64, bool)]) -> Vec<(f64, f64)> {
    let folds = samples.iter().map(|s| s.0 + 1).max().unwrap_or(0);
    (0..folds)
        .map(|k| {
            let train: Vec<(f64, bool)> = samples
                .iter()
                .filter(|s| s.0 != k)
                .map(|s| (s.1, s.2))
                .collect();
            let test: Vec<(f64, bool)> = samples
                .iter()
                .filter(|s| s.0 == k)
                .map(|s| (s.1, s.2))
                .collect();
            let t = best_threshold(&train);
            (accuracy_at(&test, t), t)
        })
        .collect()
}

/// One protocol pair's outcome: its fold, its similarity (`None` when the detector found no face
/// in either image, so the pipeline gave no score), and whether it shows the same person.
pub type Sample = (usize, Option<f64>, bool);

/// The verification figures of a k-fold protocol (LFW's, also used for CFP's splits).
#[derive(Debug, Clone, Serialize)]
pub struct Verification {
    /// Mean of the per-fold accuracies.
    pub accuracy: f64,
    /// Population standard deviation of the per-fold accuracies.
    pub accuracy_std: f64,
    /// True-accept rate at false-accept rate 1e-3 over the protocol pairs.
    pub tar_at_far_1e3: f64,
    /// Area under the ROC curve over the protocol pairs.
    pub auc: f64,
    /// Protocol pairs.
    pub pairs: usize,
    /// Pairs with no score (no face detected in one image or both): failures to detect.
    pub no_face: usize,
    /// Accuracy of each fold at the threshold chosen on the other folds.
    pub fold_accuracies: Vec<f64>,
    /// The threshold each fold was tested at.
    pub fold_thresholds: Vec<f64>,
    /// Similarity threshold at false-accept rate 1e-3 over the protocol's different-person pairs.
    pub score_at_far_1e3_on_pairs: f64,
}

/// The k-fold protocol over samples that may lack a score: each fold's threshold is chosen on the
/// other folds' scored pairs, and **a pair without a score counts as a wrong answer** in its fold's
/// accuracy whatever its label (a failure to detect is an error, even where refusing happens to
/// be right). For TAR and AUC a missing score ranks below every other, as the pipeline refuses such
/// a pair (`NO_FACE`): a same-person pair is then a false reject, a different-person pair a reject.
pub fn verification(samples: &[Sample]) -> Verification {
    let folds = samples.iter().map(|s| s.0 + 1).max().unwrap_or(0);
    let scored = |keep: &dyn Fn(usize) -> bool| -> Vec<(f64, bool)> {
        samples
            .iter()
            .filter(|s| keep(s.0))
            .filter_map(|s| s.1.map(|v| (v, s.2)))
            .collect()
    };
    let per_fold: Vec<(f64, f64)> = (0..folds)
        .map(|k| {
            let t = best_threshold(&scored(&|f| f != k));
            let in_fold = samples.iter().filter(|s| s.0 == k).count();
            let right = samples
                .iter()
                .filter(|s| s.0 == k)
                .filter(|s| s.1.is_some_and(|v| (v >= t) == s.2))
                .count();
            let acc = if in_fold == 0 {
                0.0
            } else {
                right as f64 / in_fold as f64
            };
            (acc, t)
        })
        .collect();
    let accs: Vec<f64> = per_fold.iter().map(|f| f.0).collect();
    let (accuracy, accuracy_std) = mean_std(&accs);
    let (genuine, impostor) = ranked(samples);
    Verification {
        accuracy,
        accuracy_std,
        tar_at_far_1e3: tar_at_far(&genuine, &impostor, 1e-3),
        auc: auc(&genuine, &impostor),
        pairs: samples.len(),
        no_face: samples.iter().filter(|s| s.1.is_none()).count(),
        fold_accuracies: accs,
        fold_thresholds: per_fold.iter().map(|f| f.1).collect(),
        score_at_far_1e3_on_pairs: threshold_at_far(&impostor, 1e-3),
    }
}

/// The same-person and different-person scores of `samples`, a missing score ranking below every
/// other (the pipeline refuses such a pair: `NO_FACE`): the populations of TAR, AUC and the ROC.
pub fn ranked(samples: &[Sample]) -> (Vec<f64>, Vec<f64>) {
    let pick = |same: bool| -> Vec<f64> {
        samples
            .iter()
            .filter(|s| s.2 == same)
            .map(|s| s.1.unwrap_or(f64::NEG_INFINITY))
            .collect()
    };
    (pick(true), pick(false))
}

/// Mean and population standard deviation.
pub fn mean_std(values: &[f64]) -> (f64, f64) {
    if values.is_empty() {
        return (0.0, 0.0);
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    (mean, var.sqrt())
}

/// The acceptance threshold at false-accept rate `far`: the smallest score such that at most
/// `floor(far * impostors)` impostor scores lie strictly above it. A pair is accepted when its
/// score is strictly greater than the threshold.
pub fn threshold_at_far(impostor: &[f64], far: f64) -> f64 {
    let mut sorted = impostor.to_vec();
    sorted.sort_by(|a, b| b.total_cmp(a));
    let allowed = (far * sorted.len() as f64).floor() as usize;
    sorted.get(allowed).copied().unwrap_or(f64::NEG_INFINITY)
}

/// True-accept rate at false-accept rate `far`, with the threshold of [`threshold_at_far`].
pub fn tar_at_far(genuine: &[f64], impostor: &[f64], far: f64) -> f64 {
    if genuine.is_empty() {
        return 0.0;
    }
    let t = threshold_at_far(impostor, far);
    genuine.iter().filter(|&&g| g > t).count() as f64 / genuine.len() as f64
}

/// Area under the ROC curve: the probability that a random genuine score beats a random impostor
/// score, ties counting half (the Mann-Whitney statistic).
pub fn auc(genuine: &[f64], impostor: &[f64]) -> f64 {
    if genuine.is_empty() || impostor.is_empty() {
        return 0.0;
    }
    let mut imp = impostor.to_vec();
    imp.sort_by(|a, b| a.total_cmp(b));
    let mut total = 0.0;
    for &g in genuine {
        let below = imp.partition_point(|&x| x < g);
        let not_above = imp.partition_point(|&x| x <= g);
        total += below as f64 + 0.5 * (not_above - below) as f64;
    }
    total / (genuine.len() as f64 * imp.len() as f64)
}

/// ROC points `(false-accept rate, true-accept rate)`, one per distinct score, from the strictest
/// threshold to the most lenient.
pub fn roc(genuine: &[f64], impostor: &[f64]) -> Vec<(f64, f64)> {
    let mut all: Vec<(f64, bool)> = genuine
        .iter()
        .map(|&s| (s, true))
        .chain(impostor.iter().map(|&s| (s, false)))
        .collect();
    all.sort_by(|a, b| b.0.total_cmp(&a.0));
    let (ng, ni) = (genuine.len().max(1) as f64, impostor.len().max(1) as f64);
    let (mut tp, mut fp) = (0usize, 0usize);
    let mut points = vec![(0.0, 0.0)];
    let mut i = 0;
    while i < all.len() {
        let v = all[i].0;
        while i < all.len() && all[i].0 == v {
            if all[i].1 {
                tp += 1;
            } else {
                fp += 1;
            }
            i += 1;
        }
        points.push((fp as f64 / ni, tp as f64 / ng));
    }
    points
}

/// A logistic fit `p(same | s) = 1 / (1 + exp(-slope * (s - center)))` over similarities `s` by Newton's
/// method on the log-likelihood, with a tiny ridge term so perfectly separable data still gives a
/// finite slope.
pub fn fit_logistic(samples: &[(f64, bool)]) -> (f64, f64) {
    // Parameterised as a + b*x; slope = b, center = -a/b.
    let (mut a, mut b) = (0.0f64, 1.0f64);
    let ridge = 1e-3;
    for _ in 0..100 {
        let (mut ga, mut gb, mut haa, mut hab, mut hbb) = (0.0, -ridge * b, 0.0, 0.0, ridge);
        for &(x, y) in samples {
            let p = 1.0 / (1.0 + (-(a + b * x)).exp());
            let r = f64::from(u8::from(y)) - p;
            let w = (p * (1.0 - p)).max(1e-12);
            ga += r;
            gb += r * x;
            haa += w;
            hab += w * x;
            hbb += w * x * x;
        }
        let det = haa * hbb - hab * hab;
        if det.abs() < 1e-18 {
            break;
        }
        let da = (hbb * ga - hab * gb) / det;
        let db = (haa * gb - hab * ga) / det;
        a += da;
        b += db;
        if da.abs() < 1e-10 && db.abs() < 1e-10 {
            break;
        }
    }
    let center = if b.abs() > 1e-12 { -a / b } else { 0.0 };
    (b, center)
}

/// Calibration of one embedder: what goes into its manifest entry.
#[derive(Debug, Clone, Serialize)]
pub struct CalibrationFit {
    /// Logistic slope, from [`fit_logistic`] on the protocol pairs.
    pub slope: f64,
    /// Centre shifted so that score 0.7 falls exactly at `similarity_at_0_7`.
    pub center: f64,
    /// Similarity threshold at the operating point.
    pub similarity_at_0_7: f64,
    /// False-accept rate targeted at score 0.7.
    pub target_far: f64,
    /// Number of impostor comparisons the threshold was measured on.
    pub impostor_comparisons: u64,
    /// What other score thresholds mean under the calibration this build ships (not the one
    /// just fitted): measured, so that a lenient threshold is chosen on figures, not advice.
    pub shipped_operating_points: Vec<OperatingPoint>,
}

/// A score threshold under a calibration, measured on the evaluation's data: the similarity it
/// stands for, the share of impostor comparisons it accepts and of genuine pairs it refuses.
#[derive(Debug, Clone, Serialize)]
pub struct OperatingPoint {
    /// Score threshold (a score at or above it is a match).
    pub score: f64,
    /// The similarity that score stands for.
    pub similarity: f64,
    /// False-accept rate: impostor comparisons at or above the threshold.
    pub far: f64,
    /// False-reject rate: genuine pairs below it (a pair with no score counts as refused).
    pub frr: f64,
}

/// The thresholds [`operating_points`] reports: the default 0.7, the 0.67 the OpenCV FR server
/// suggests for photos taken years apart, and a range around them.
pub const REPORTED_SCORES: [f64; 6] = [0.5, 0.6, 0.67, 0.7, 0.8, 0.9];

/// [`OperatingPoint`]s at [`REPORTED_SCORES`] under `calibration`, from the protocol's
/// `samples` (their genuine pairs) and `impostor` similarities.
pub fn operating_points(
    samples: &[Sample],
    impostor: &[f64],
    calibration: &crate::models::Calibration,
) -> Vec<OperatingPoint> {
    let rate = |hits: usize, of: usize| {
        if of == 0 {
            0.0
        } else {
            hits as f64 / of as f64
        }
    };
    let genuine: Vec<Option<f64>> = samples.iter().filter(|s| s.2).map(|s| s.1).collect();
    REPORTED_SCORES
        .iter()
        .map(|&score| {
            let t = crate::compare::similarity_for_score(score, calibration);
            OperatingPoint {
                score,
                similarity: t,
                far: rate(impostor.iter().filter(|&&x| x >= t).count(), impostor.len()),
                frr: rate(
                    genuine
                        .iter()
                        .filter(|g| !g.is_some_and(|g| g >= t))
                        .count(),
                    genuine.len(),
                ),
            }
        })
        .collect()
}

/// Fits the calibration: slope from the logistic fit on the protocol pairs, threshold at
/// `target_far` over `impostor` scores, and the centre that puts score 0.7 at that threshold;
/// with the [`operating_points`] of the `shipped` calibration over the same data.
pub fn calibrate(
    samples: &[Sample],
    impostor: &[f64],
    target_far: f64,
    shipped: &crate::models::Calibration,
) -> CalibrationFit {
    // The fit needs scores; pairs without one are not evidence about the curve.
    let pairs: Vec<(f64, bool)> = samples
        .iter()
        .filter_map(|s| s.1.map(|v| (v, s.2)))
        .collect();
    let (slope, _) = fit_logistic(&pairs);
    let t = threshold_at_far(impostor, target_far);
    let center = t - (0.7f64 / 0.3).ln() / slope;
    CalibrationFit {
        slope,
        center,
        similarity_at_0_7: t,
        target_far,
        impostor_comparisons: impostor.len() as u64,
        shipped_operating_points: operating_points(samples, impostor, shipped),
    }
}
