//! Several frames captured within half a second (Vlens: three within 0.5 s): the single-frame
//! checks on each, and what only a sequence can show: the same person throughout, frames that are
//! not one still replayed, and landmark motion a flat picture cannot make.
//!
//! The combined decision ([`DECISION_RULE`]) is provisional until `veriface eval liveness` has
//! measured it (docs/liveness.md).

use serde::Serialize;

use crate::align::Affine;
use crate::compare::{score, similarity};
use crate::error::{Error, Result};
use crate::image::ImageInput;
use crate::liveness::frame::{self, FrameReport, ModelThresholds, PassiveModels};
use crate::liveness::quality::{Code, Thresholds};
use crate::report::Timings;
use crate::verifier::Verifier;

/// One captured frame and when it was captured (ms, any monotonic origin), if known.
#[derive(Debug, Clone, Copy)]
pub struct Frame<'a> {
    /// The image.
    pub image: ImageInput<'a>,
    /// Capture time in milliseconds.
    pub timestamp_ms: Option<f64>,
}

/// Options of a liveness check.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LivenessOptions {
    /// Longest allowed time from the first frame to the last (default 500 ms).
    pub max_span_ms: f64,
    /// Geometric limits.
    pub geometry: Thresholds,
    /// Model limits.
    pub models: ModelThresholds,
    /// SAME_PERSON below this calibrated score between two frames (default 0.7, FAR 1e-3).
    pub min_identity_score: f64,
    /// REPLAYED_STILL below this mean absolute difference between consecutive aligned face
    /// crops, in grey levels (0..255): a replayed still differs by nothing.
    pub min_frame_difference: f64,
}

impl Default for LivenessOptions {
    fn default() -> Self {
        LivenessOptions {
            max_span_ms: 500.0,
            geometry: Thresholds::default(),
            models: ModelThresholds::default(),
            min_identity_score: 0.7,
            min_frame_difference: 0.5,
        }
    }
}

/// The checks only a sequence can make.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SequenceCode {
    /// The frames show different people.
    NotSamePerson,
    /// Two consecutive frames are the same picture.
    ReplayedStill,
    /// Landmark motion the best affine map between frames leaves unexplained, as a fraction of
    /// the eye distance: what a turning head makes and a flat picture cannot. Reported, not yet
    /// part of the decision (a live person holding still makes little of it either).
    PlanarMotionOnly,
}

impl SequenceCode {
    /// The code as it appears in JSON.
    pub fn name(self) -> &'static str {
        match self {
            SequenceCode::NotSamePerson => "NOT_SAME_PERSON",
            SequenceCode::ReplayedStill => "REPLAYED_STILL",
            SequenceCode::PlanarMotionOnly => "PLANAR_MOTION_ONLY",
        }
    }
}

/// One sequence check.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SequenceCheck {
    /// The code reported when the check fails.
    pub code: SequenceCode,
    /// The measured value.
    pub value: f64,
    /// The limit it is held to.
    pub threshold: f64,
    /// The verdict.
    pub passed: bool,
    /// Whether the decision uses it.
    pub decisive: bool,
}

/// The rule [`LivenessResult::is_live`] applies, stated in the result.
pub const DECISION_RULE: &str = "live when every frame passes every geometric check and EYES_CLOSED, the mean probability of a live face over the frames reaches the FACE_NOT_LIVE limit, the frames show one person (NOT_SAME_PERSON) and no two consecutive frames are one still (REPLAYED_STILL); provisional until measured by `veriface eval liveness`";

/// The answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LivenessResult {
    /// The decision.
    pub is_live: bool,
    /// Mean probability of a live face over the frames.
    pub live_mean: f64,
    /// Time from the first frame to the last, when timestamps were given.
    pub span_ms: Option<f64>,
    /// Each frame's checks.
    pub frames: Vec<FrameReport>,
    /// The sequence checks.
    pub sequence: Vec<SequenceCheck>,
    /// How the decision was made.
    pub decision_rule: &'static str,
    /// Summed stage timings.
    pub timings: Timings,
}

/// Checks 2 to 5 frames for liveness.
///
/// # Errors
/// `BAD_PARAMETER` for fewer than 2 or more than 5 frames, timestamps out of order, or a span
/// over `max_span_ms`; decoding errors naming the frame; `INFERENCE_FAILED`.
pub fn check(
    verifier: &mut Verifier,
    models: &PassiveModels,
    frames: &[Frame<'_>],
    options: &LivenessOptions,
) -> Result<LivenessResult> {
    if !(2..=5).contains(&frames.len()) {
        return Err(Error::bad_parameter(
            "frames",
            format!("give 2 to 5 frames (3 is usual), got {}", frames.len()),
        ));
    }
    let times: Vec<f64> = frames.iter().filter_map(|f| f.timestamp_ms).collect();
    let span_ms = match times.len() {
        0 => None,
        n if n == frames.len() => {
            if times.windows(2).any(|w| w[1] < w[0] || !w[1].is_finite()) {
                return Err(Error::bad_parameter(
                    "frames",
                    "timestamps must be finite and in capture order",
                ));
            }
            Some(times[n - 1] - times[0])
        }
        _ => {
            return Err(Error::bad_parameter(
                "frames",
                "give a timestamp for every frame or for none",
            ))
        }
    };
    if let Some(span) = span_ms {
        if span > options.max_span_ms {
            return Err(Error::bad_parameter(
                "frames",
                format!(
                    "the frames span {span:.0} ms, more than maxSpanMs {:.0} ms: capture them closer together",
                    options.max_span_ms
                ),
            ));
        }
    }
    let mut timings = Timings::default();
    let mut reports = Vec::with_capacity(frames.len());
    let mut embedded = Vec::with_capacity(frames.len());
    for (i, f) in frames.iter().enumerate() {
        let which = format!("frame {}", i + 1);
        let image = verifier.decode(f.image)?;
        let faces = verifier.detector_mut().detect(&image)?;
        let report = frame::report(
            &image,
            &faces,
            Some(models),
            &options.geometry,
            &options.models,
        )?;
        // The subject the checks chose (the largest face) is the one embedded: no second
        // detector pass.
        let embedding = match &report.subject {
            Some(face) => Some(verifier.embed_face(&image, face, &which, &mut timings)?),
            None => None,
        };
        reports.push(report);
        embedded.push(embedding);
    }
    let spec = verifier.embedder().spec().clone();
    let present: Vec<_> = embedded.iter().flatten().collect();
    // Same person: the weakest pair.
    let mut min_score = f64::INFINITY;
    for (i, a) in present.iter().enumerate() {
        for b in present.iter().skip(i + 1) {
            let s = score(
                similarity(spec.metric, &a.embedding, &b.embedding),
                &spec.calibration,
            );
            min_score = min_score.min(s);
        }
    }
    let min_score = if min_score.is_finite() {
        min_score
    } else {
        0.0
    };
    // Replayed still and planar motion: consecutive pairs.
    let (mut min_diff, mut max_residual) = (f64::INFINITY, 0f64);
    for pair in present.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        min_diff = min_diff.min(mean_abs_difference(&a.crop, &b.crop));
        max_residual = max_residual.max(affine_residual(&a.face.landmarks, &b.face.landmarks));
    }
    let min_diff = if min_diff.is_finite() { min_diff } else { 0.0 };
    let sequence = vec![
        SequenceCheck {
            code: SequenceCode::NotSamePerson,
            value: min_score,
            threshold: options.min_identity_score,
            passed: present.len() == frames.len() && min_score >= options.min_identity_score,
            decisive: true,
        },
        SequenceCheck {
            code: SequenceCode::ReplayedStill,
            value: min_diff,
            threshold: options.min_frame_difference,
            passed: min_diff >= options.min_frame_difference,
            decisive: true,
        },
        SequenceCheck {
            code: SequenceCode::PlanarMotionOnly,
            value: max_residual,
            threshold: PLANAR_RESIDUAL,
            passed: max_residual >= PLANAR_RESIDUAL,
            decisive: false,
        },
    ];
    let lives: Vec<f64> = reports
        .iter()
        .filter_map(|r| r.live.map(f64::from))
        .collect();
    let live_mean = if lives.len() == frames.len() {
        lives.iter().sum::<f64>() / lives.len() as f64
    } else {
        0.0
    };
    let frames_pass = reports.iter().all(|r| {
        r.checks
            .iter()
            .all(|c| c.passed || c.code == Code::FaceNotLive)
    });
    let is_live = frames_pass
        && live_mean >= options.models.min_live
        && sequence.iter().all(|c| c.passed || !c.decisive);
    Ok(LivenessResult {
        is_live,
        live_mean,
        span_ms,
        frames: reports,
        sequence,
        decision_rule: DECISION_RULE,
        timings,
    })
}

/// Residual (fraction of the eye distance) above which landmark motion is more than a flat
/// picture moved in front of the camera can make; a first value, to be measured.
pub const PLANAR_RESIDUAL: f64 = 0.02;

/// Mean absolute difference of two same-size crops, in grey levels; 255 for different sizes.
fn mean_abs_difference(a: &image::RgbImage, b: &image::RgbImage) -> f64 {
    if a.dimensions() != b.dimensions() || a.as_raw().is_empty() {
        return 255.0;
    }
    let total: u64 = a
        .as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(x, y)| u64::from(x.abs_diff(*y)))
        .sum();
    total as f64 / a.as_raw().len() as f64
}

/// How far the landmarks of `b` are from the best affine image of `a`'s (least squares): RMS
/// over the five points, over the eye distance. A flat picture moved, turned or tilted in front
/// of the camera maps (nearly) affinely; a head turning moves the nose against the eyes and mouth.
fn affine_residual(a: &[[f32; 2]; 5], b: &[[f32; 2]; 5]) -> f64 {
    let src = a.map(|[x, y]| [f64::from(x), f64::from(y)]);
    let dst = b.map(|[x, y]| [f64::from(x), f64::from(y)]);
    let iod = (dst[1][0] - dst[0][0]).hypot(dst[1][1] - dst[0][1]);
    let Some(m) = fit_affine(&src, &dst) else {
        return 0.0;
    };
    let sum: f64 = src
        .iter()
        .zip(&dst)
        .map(|(s, d)| {
            let [x, y] = m.apply(*s);
            (x - d[0]).powi(2) + (y - d[1]).powi(2)
        })
        .sum();
    if iod > 0.0 {
        (sum / src.len() as f64).sqrt() / iod
    } else {
        0.0
    }
}

/// Least-squares affine map from `src` to `dst` (normal equations, Cramer's rule); `None` when
/// the points are collinear.
fn fit_affine(src: &[[f64; 2]], dst: &[[f64; 2]]) -> Option<Affine> {
    // Sums for the 3 x 3 normal matrix of rows (x, y, 1).
    let mut n = [[0.0f64; 3]; 3];
    let mut bx = [0.0f64; 3];
    let mut by = [0.0f64; 3];
    for (s, d) in src.iter().zip(dst) {
        let r = [s[0], s[1], 1.0];
        for i in 0..3 {
            for j in 0..3 {
                n[i][j] += r[i] * r[j];
            }
            bx[i] += r[i] * d[0];
            by[i] += r[i] * d[1];
        }
    }
    let det3 = |m: &[[f64; 3]; 3]| {
        m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
            - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
            + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
    };
    let det = det3(&n);
    if det.abs() < 1e-9 {
        return None;
    }
    let solve = |b: &[f64; 3]| {
        let mut out = [0.0; 3];
        for (k, slot) in out.iter_mut().enumerate() {
            let mut m = n;
            for (row, value) in m.iter_mut().zip(b) {
                row[k] = *value;
            }
            *slot = det3(&m) / det;
        }
        out
    };
    Some(Affine([solve(&bx), solve(&by)]))
}

#[cfg(test)]
mod tests {
    use super::*;

    const FACE: [[f32; 2]; 5] = [
        [70.0, 100.0],
        [130.0, 100.0],
        [100.0, 135.0],
        [78.0, 164.0],
        [122.0, 164.0],
    ];

    #[test]
    fn a_flat_picture_moved_and_sheared_leaves_no_residual() {
        let moved = FACE.map(|[x, y]| [1.1 * x + 0.2 * y + 7.0, -0.1 * x + 0.9 * y + 3.0]);
        // f32 landmarks: rounding alone leaves about 1e-7 of the eye distance.
        assert!(affine_residual(&FACE, &moved) < 1e-5);
    }

    #[test]
    fn the_nose_moving_against_the_face_is_residual_motion() {
        let mut turned = FACE;
        turned[2][0] += 6.0;
        let r = affine_residual(&FACE, &turned);
        assert!(r > PLANAR_RESIDUAL, "{r}");
    }

    #[test]
    fn identical_crops_differ_by_nothing() {
        let a = image::RgbImage::from_pixel(4, 4, image::Rgb([10, 20, 30]));
        let mut b = a.clone();
        assert_eq!(mean_abs_difference(&a, &b), 0.0);
        b.put_pixel(0, 0, image::Rgb([13, 20, 30]));
        assert!((mean_abs_difference(&a, &b) - 3.0 / 48.0).abs() < 1e-12);
    }
}
