//! The LFW protocol arithmetic and the calibration, on synthetic scores with known answers.

use veriface::compare::{cosine, neg_euclidean, score, similarity, similarity_for_score};
use veriface::eval::{
    accuracy_at, auc, best_threshold, calibrate, fit_logistic, fold_accuracies, mean_std,
    parse_pairs, roc, tar_at_far, threshold_at_far, verification,
};
use veriface::models::Manifest;

#[test]
fn parses_the_standard_pairs_format() {
    let text = "2 2\nA 1 2\nB 3 4\nA 1 C 2\nB 1 D 5\nE 1 2\nF 2 3\nE 1 G 1\nH 1 I 1\n";
    let pairs = parse_pairs(text).unwrap();
    assert_eq!(pairs.len(), 8);
    assert!(pairs[0].same && pairs[1].same && !pairs[2].same && !pairs[3].same);
    assert_eq!(pairs[2].a, ("A".to_string(), 1));
    assert_eq!(pairs[2].b, ("C".to_string(), 2));
    assert_eq!(pairs[4].fold, 1);
}

#[test]
fn malformed_pairs_files_are_bad_parameters_naming_the_line() {
    for text in [
        "",
        "2\n",
        "1 1\nA 1\nA 1 B 2\n",
        "1 1\nA 1 2\n",
        "1 1\nA x 2\nA 1 B 2\n",
    ] {
        let err = parse_pairs(text).unwrap_err();
        assert_eq!(err.code(), "BAD_PARAMETER", "{text:?}");
    }
    let err = parse_pairs("1 1\nA 1\nA 1 B 2\n").unwrap_err();
    assert!(err.to_string().contains("line 2"), "{err}");
}

#[test]
fn best_threshold_separates_separable_scores() {
    let s = [(0.1, false), (0.2, false), (0.6, true), (0.9, true)];
    let t = best_threshold(&s);
    assert!(t > 0.2 && t < 0.6, "{t}");
    assert_eq!(accuracy_at(&s, t), 1.0);
}

#[test]
fn best_threshold_maximises_accuracy_with_overlap() {
    // Sorted: 0.1F 0.2F 0.3T 0.4F 0.5T 0.7T. The best is 5/6 correct, reached first between 0.2
    // and 0.3 (again between 0.4 and 0.5).
    let s = [
        (0.1, false),
        (0.3, true),
        (0.4, false),
        (0.5, true),
        (0.7, true),
        (0.2, false),
    ];
    let t = best_threshold(&s);
    assert!((accuracy_at(&s, t) - 5.0 / 6.0).abs() < 1e-12, "t {t}");
}

#[test]
fn fold_thresholds_come_from_the_other_folds() {
    // Fold 0 alone would pick a threshold near 0.5; folds 1 and 2 say 0.25, so fold 0 is judged
    // at 0.25 and its 0.3 impostor counts as an error.
    let samples = vec![
        (0, 0.3, false),
        (0, 0.8, true),
        (1, 0.2, false),
        (1, 0.3, true),
        (2, 0.1, false),
        (2, 0.35, true),
    ];
    let folds = fold_accuracies(&samples);
    assert_eq!(folds.len(), 3);
    assert_eq!(folds[0].0, 0.5);
    let (mean, std) = mean_std(&[1.0, 0.5]);
    assert_eq!((mean, std), (0.75, 0.25));
}

#[test]
fn a_pair_without_a_score_is_a_wrong_answer_whatever_its_label() {
    // The same folds as above, then an unscored pair (no face detected) added to folds 1 and 2:
    // it is wrong even where it shows two people, and it moves no fold's threshold.
    let mut samples: Vec<(usize, Option<f64>, bool)> = vec![
        (0, Some(0.3), false),
        (0, Some(0.8), true),
        (1, Some(0.2), false),
        (1, Some(0.3), true),
        (2, Some(0.1), false),
        (2, Some(0.35), true),
    ];
    let before = verification(&samples);
    assert_eq!(before.fold_accuracies[0], 0.5);
    assert_eq!(before.no_face, 0);
    samples.push((1, None, false));
    samples.push((2, None, true));
    let after = verification(&samples);
    assert_eq!(after.no_face, 2);
    assert_eq!(after.pairs, 8);
    assert_eq!(after.fold_thresholds, before.fold_thresholds);
    assert_eq!(after.fold_accuracies[0], 0.5);
    for k in [1, 2] {
        let want = before.fold_accuracies[k] * 2.0 / 3.0;
        assert!((after.fold_accuracies[k] - want).abs() < 1e-12, "fold {k}");
    }
    // For TAR and AUC the unscored same-person pair ranks below every impostor.
    assert!(after.auc < before.auc);
}

#[test]
fn tar_at_far_allows_the_stated_number_of_false_accepts() {
    let impostor: Vec<f64> = (0..1000).map(|i| i as f64 / 1000.0).collect();
    // FAR 1e-3 of 1000 impostors: one may pass; the threshold is the second-highest, 0.998.
    assert_eq!(threshold_at_far(&impostor, 1e-3), 0.998);
    let genuine = [0.9985, 0.9995, 0.5, 0.999];
    assert_eq!(tar_at_far(&genuine, &impostor, 1e-3), 0.75);
}

#[test]
fn auc_counts_ties_as_half() {
    assert_eq!(auc(&[1.0, 2.0], &[0.0, 0.5]), 1.0);
    assert_eq!(auc(&[0.0], &[1.0]), 0.0);
    assert_eq!(auc(&[1.0], &[1.0]), 0.5);
    assert_eq!(auc(&[1.0, 3.0], &[2.0]), 0.5);
}

#[test]
fn roc_runs_from_strict_to_lenient() {
    let points = roc(&[0.9, 0.8], &[0.85, 0.1]);
    assert_eq!(points.first(), Some(&(0.0, 0.0)));
    assert_eq!(points.last(), Some(&(1.0, 1.0)));
    assert!(points
        .windows(2)
        .all(|w| w[1].0 >= w[0].0 && w[1].1 >= w[0].1));
}

#[test]
fn logistic_fit_recovers_a_known_curve() {
    // Deterministic samples drawn from p = 1 / (1 + exp(-20 (x - 0.3))): at each x, the exact
    // expected fraction of positives out of 1000.
    let mut samples = Vec::new();
    for i in 0..=60 {
        let x = i as f64 / 100.0;
        let p = 1.0 / (1.0 + (-20.0 * (x - 0.3)).exp());
        let pos = (p * 1000.0).round() as usize;
        samples.extend(std::iter::repeat_n((x, true), pos));
        samples.extend(std::iter::repeat_n((x, false), 1000 - pos));
    }
    let (slope, center) = fit_logistic(&samples);
    assert!((slope - 20.0).abs() < 0.2, "slope {slope}");
    assert!((center - 0.3).abs() < 0.002, "center {center}");
}

#[test]
fn calibration_puts_score_0_7_at_the_far_threshold() {
    // Genuine pairs from 0.5 up, one of them without a score (a face not found).
    let mut pairs: Vec<(usize, Option<f64>, bool)> = (0..200)
        .map(|i| (i % 10, Some(i as f64 / 200.0), i >= 100))
        .collect();
    pairs[150].1 = None;
    let impostor: Vec<f64> = (0..10_000).map(|i| i as f64 / 20_000.0).collect();
    let shipped = veriface::models::Calibration {
        slope: 20.0,
        center: 0.45,
        similarity_at_0_7: 0.45 + (0.7f64 / 0.3).ln() / 20.0,
        operating_point: String::new(),
    };
    let fit = calibrate(&pairs, &impostor, 1e-3, &shipped);
    let cal = veriface::models::Calibration {
        slope: fit.slope,
        center: fit.center,
        similarity_at_0_7: fit.similarity_at_0_7,
        operating_point: String::new(),
    };
    assert!((score(fit.similarity_at_0_7, &cal) - 0.7).abs() < 1e-9);
    assert!((similarity_for_score(0.7, &cal) - fit.similarity_at_0_7).abs() < 1e-9);

    // The shipped calibration's operating points, counted by hand: score 0.7 is similarity
    // 0.4924, accepted by the 152 impostors from 0.4924 up (0.49245..0.49995) of 10,000; the
    // genuine pairs all reach it but the one without a score.
    let points = &fit.shipped_operating_points;
    let at = |s: f64| points.iter().find(|p| p.score == s).expect("reported");
    let p = at(0.7);
    assert!((p.similarity - 0.492365).abs() < 1e-5, "{}", p.similarity);
    assert_eq!(p.far, 152.0 / 10_000.0);
    assert_eq!(p.frr, 1.0 / 100.0);
    // A higher threshold accepts fewer impostors and refuses more genuine pairs.
    for w in points.windows(2) {
        assert!(w[0].score < w[1].score && w[0].far >= w[1].far && w[0].frr <= w[1].frr);
    }
}

/// The shipped numbers agree with each other: each embedder's score is 0.7 at its own
/// `similarity_at_0_7`, rises with similarity, and stays in (0, 1) over the metric's range.
#[test]
fn shipped_calibrations_are_consistent() {
    let manifest = Manifest::builtin().unwrap();
    for e in &manifest.embedders {
        let c = &e.calibration;
        assert!(c.slope > 1.0, "{}: slope {}", e.file.id, c.slope);
        assert!(
            (score(c.similarity_at_0_7, c) - 0.7).abs() < 1e-4,
            "{}",
            e.file.id
        );
        let (worst, best) = match e.metric {
            veriface::models::Metric::Cosine => (-1.0, 1.0),
            veriface::models::Metric::Euclidean => (-2.0, 0.0),
        };
        assert!(
            score(worst, c) < 0.01 && score(best, c) > 0.99,
            "{}",
            e.file.id
        );
        assert!(!c.operating_point.contains("UNCALIBRATED"));
    }
}

#[test]
fn cosine_handles_zero_and_mismatched_vectors() {
    assert_eq!(cosine(&[0.0, 0.0], &[1.0, 0.0]), 0.0);
    assert_eq!(cosine(&[1.0], &[1.0, 0.0]), 0.0);
    assert!((cosine(&[1.0, 1.0], &[2.0, 2.0]) - 1.0).abs() < 1e-12);
    assert!((cosine(&[1.0, 0.0], &[-3.0, 0.0]) + 1.0).abs() < 1e-12);
}

#[test]
fn euclidean_similarity_is_minus_the_distance() {
    assert_eq!(neg_euclidean(&[0.0, 0.0], &[3.0, 4.0]), -5.0);
    assert_eq!(neg_euclidean(&[1.0], &[1.0, 0.0]), f64::NEG_INFINITY);
    let m = veriface::models::Metric::Euclidean;
    assert_eq!(similarity(m, &[1.0, 1.0], &[1.0, 1.0]), 0.0);
}
