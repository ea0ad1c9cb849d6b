//! Score fusion of several embedders under the k-fold protocol, measured before it is built.
//!
//! Each embedder's similarity becomes log-odds of "same person" through a logistic fit, and the
//! fused score is their sum: the naive-Bayes combination of calibrated evidence, with no weight
//! to tune (a tuned weight would be one more number fitted to the dev folds). The fits are
//! cross-fitted: for each fold, every embedder is fitted on the other folds only, and the
//! threshold is then chosen on those folds' fused scores, so nothing of a fold decides how that
//! fold is scored. A pair without a score from any member has no fused score (a wrong answer, as
//! in [`super::verification`]).

use super::{best_threshold, fit_logistic, mean_std, verification, Sample, Verification};

/// The k-fold figures of the fused score. `members` are the same pairs in the same order, one
/// list per embedder; `None` when they are empty, differ in length, or disagree on a pair's
/// fold or label (they are not the same protocol).
pub fn fused_verification(members: &[Vec<Sample>]) -> Option<Verification> {
    let first = members.first()?;
    let same_protocol = members.iter().all(|m| {
        m.len() == first.len() && m.iter().zip(first).all(|(a, b)| a.0 == b.0 && a.2 == b.2)
    });
    if first.is_empty() || !same_protocol {
        return None;
    }
    let folds = first.iter().map(|s| s.0 + 1).max().unwrap_or(0);
    // Per fold: the fused score of every pair under that fold's fits (fitted on the others).
    let fused_under = |k: usize| -> Vec<Option<f64>> {
        let fits: Vec<(f64, f64)> = members
            .iter()
            .map(|m| {
                let train: Vec<(f64, bool)> = m
                    .iter()
                    .filter(|s| s.0 != k)
                    .filter_map(|s| s.1.map(|v| (v, s.2)))
                    .collect();
                standardised_fit(&train)
            })
            .collect();
        (0..first.len())
            .map(|i| {
                members
                    .iter()
                    .zip(&fits)
                    .map(|(m, (slope, center))| {
                        m.get(i).and_then(|s| s.1).map(|v| slope * (v - center))
                    })
                    .sum::<Option<f64>>()
            })
            .collect()
    };
    let mut cross_fitted: Vec<Sample> = first.iter().map(|s| (s.0, None, s.2)).collect();
    let mut accuracies = Vec::with_capacity(folds);
    let mut thresholds = Vec::with_capacity(folds);
    for k in 0..folds {
        let scores = fused_under(k);
        let train: Vec<(f64, bool)> = first
            .iter()
            .zip(&scores)
            .filter(|(s, _)| s.0 != k)
            .filter_map(|(s, v)| v.map(|v| (v, s.2)))
            .collect();
        let t = best_threshold(&train);
        let (mut in_fold, mut right) = (0usize, 0usize);
        for ((s, v), out) in first.iter().zip(&scores).zip(cross_fitted.iter_mut()) {
            if s.0 == k {
                in_fold += 1;
                right += usize::from(v.is_some_and(|v| (v >= t) == s.2));
                out.1 = *v;
            }
        }
        accuracies.push(if in_fold == 0 {
            0.0
        } else {
            right as f64 / in_fold as f64
        });
        thresholds.push(t);
    }
    // TAR, AUC and the rest over the cross-fitted scores; accuracy from the loop above.
    let mut v = verification(&cross_fitted);
    (v.accuracy, v.accuracy_std) = mean_std(&accuracies);
    v.fold_accuracies = accuracies;
    v.fold_thresholds = thresholds;
    Some(v)
}

/// [`fit_logistic`] on standardised similarities, mapped back: (slope, center). The fit's small
/// ridge on the slope then weighs every embedder alike, whatever the spread of its similarities
/// (dlib's cosines span a tenth of the default embedder's, so on raw values the ridge would
/// shrink its slope, and so its vote, more).
fn standardised_fit(samples: &[(f64, bool)]) -> (f64, f64) {
    let values: Vec<f64> = samples.iter().map(|s| s.0).collect();
    let (mean, sd) = mean_std(&values);
    let sd = if sd > 0.0 { sd } else { 1.0 };
    let z: Vec<(f64, bool)> = samples.iter().map(|&(v, y)| ((v - mean) / sd, y)).collect();
    let (slope, center) = fit_logistic(&z);
    (slope / sd, mean + center * sd)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Five folds of 200 pairs: similarity = 0.3 for a same pair, 0 otherwise, plus noise of
    /// sd ~0.15 from a stream seeded by `seed` (so two members err on different pairs).
    fn member(seed: u64) -> Vec<Sample> {
        let mut state = seed;
        let mut uniform = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        (0..1000)
            .map(|i| {
                let same = i % 2 == 0;
                // Sum of four uniforms: mean 2, sd ~0.58.
                let noise = (uniform() + uniform() + uniform() + uniform() - 2.0) * 0.26;
                (i / 200, Some(if same { 0.3 } else { 0.0 } + noise), same)
            })
            .collect()
    }

    #[test]
    fn members_that_err_on_different_pairs_fuse_into_a_better_one() {
        let (a, b) = (member(1), member(2));
        let best_alone = verification(&a).accuracy.max(verification(&b).accuracy);
        let fused = fused_verification(&[a.clone(), b]).expect("same protocol");
        assert!(
            fused.accuracy > best_alone + 0.02,
            "{} vs {best_alone}",
            fused.accuracy
        );
        assert_eq!(fused.pairs, a.len());
        assert_eq!(fused.fold_accuracies.len(), 5);
        // Fusing a member with itself adds nothing it did not have.
        let twice = fused_verification(&[a.clone(), a.clone()]).expect("same protocol");
        assert!((twice.accuracy - verification(&a).accuracy).abs() < 0.01);
    }

    #[test]
    fn a_missing_score_in_any_member_is_a_wrong_answer() {
        let (a, mut b) = (member(1), member(2));
        let with_all = fused_verification(&[a.clone(), b.clone()]).expect("same protocol");
        b[0].1 = None;
        let fused = fused_verification(&[a, b]).expect("same protocol");
        assert_eq!(fused.no_face, 1);
        assert!(fused.fold_accuracies[0] <= with_all.fold_accuracies[0]);
    }

    #[test]
    fn different_protocols_are_refused() {
        let (a, mut b) = (member(1), member(2));
        b[3].2 = !b[3].2;
        assert!(fused_verification(&[a.clone(), b]).is_none());
        assert!(fused_verification(&[a.clone(), a[1..].to_vec()]).is_none());
        assert!(fused_verification(&[]).is_none());
    }
}
