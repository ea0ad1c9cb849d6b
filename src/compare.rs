//! Comparison: cosine similarity of two embeddings, and the calibrated score built on it.
//!
//! Raw cosine values mean different things for different embedders; a KYC client expects one
//! number in [0, 1] with a fixed meaning (OpenCV FR: at or above 0.7 is the same person). Each
//! embedder's manifest entry therefore carries a calibration measured on LFW, so that score 0.7
//! sits at the same documented operating point whichever embedder runs.

use crate::models::Calibration;

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

/// The calibrated score for a cosine similarity: a logistic curve, monotone, in (0, 1).
pub fn score(cosine: f64, calibration: &Calibration) -> f64 {
    1.0 / (1.0 + (-calibration.slope * (cosine - calibration.center)).exp())
}

/// The cosine similarity that gives `score`, the inverse of [`score`]; used to report what a
/// caller's threshold means in raw terms.
pub fn cosine_for_score(score: f64, calibration: &Calibration) -> f64 {
    let s = score.clamp(1e-9, 1.0 - 1e-9);
    calibration.center + (s / (1.0 - s)).ln() / calibration.slope
}
