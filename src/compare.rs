//! Comparison: the similarity of two embeddings under the model's metric, and the calibrated
//! score built on it.
//!
//! Raw similarities mean different things for different embedders; a KYC client expects one
//! number in [0, 1] with a fixed meaning (OpenCV FR: at or above 0.7 is the same person). Each
//! embedder's manifest entry therefore carries a calibration measured on LFW, so that score 0.7
//! sits at the same documented operating point whichever embedder runs.

use crate::models::{Calibration, Metric};

/// The default decision threshold on the calibrated score, with the OpenCV FR meaning.
pub const DEFAULT_THRESHOLD: f64 = 0.7;

/// Cosine similarity of two vectors; 0 when either is zero or they differ in length.
pub fn cosine(a: &[f32], b: &[f32]) -> f64 {
    if a.len() != b.len() {
        return 0.0;
    }
    let (mut dot, mut na, mut nb) = (0f64, 0f64, 0f64);
    for (x, y) in a.iter().zip(b) {
        let (x, y) = (f64::from(*x), f64::from(*y));
        dot += x * y;
        na += x * x;
        nb += y * y;
    }
    if na > 0.0 && nb > 0.0 {
        (dot / (na.sqrt() * nb.sqrt())).clamp(-1.0, 1.0)
    } else {
        0.0
    }
}

/// Minus the Euclidean distance: larger means more alike, like cosine. Mismatched lengths give
/// negative infinity (never a match).
pub fn neg_euclidean(a: &[f32], b: &[f32]) -> f64 {
    if a.len() != b.len() {
        return f64::NEG_INFINITY;
    }
    let d2: f64 = a
        .iter()
        .zip(b)
        .map(|(x, y)| (f64::from(*x) - f64::from(*y)).powi(2))
        .sum();
    -d2.sqrt()
}

/// The similarity of two embeddings under `metric`; larger means more alike.
pub fn similarity(metric: Metric, a: &[f32], b: &[f32]) -> f64 {
    match metric {
        Metric::Cosine => cosine(a, b),
        Metric::Euclidean => neg_euclidean(a, b),
    }
}

/// The calibrated score for a similarity: a logistic curve, monotone, in (0, 1).
pub fn score(similarity: f64, calibration: &Calibration) -> f64 {
    1.0 / (1.0 + (-calibration.slope * (similarity - calibration.center)).exp())
}

/// The similarity that gives `score`, the inverse of [`score`]; used to report what a
/// caller's threshold means in raw terms.
pub fn similarity_for_score(score: f64, calibration: &Calibration) -> f64 {
    let s = score.clamp(1e-9, 1.0 - 1e-9);
    calibration.center + (s / (1.0 - s)).ln() / calibration.slope
}
