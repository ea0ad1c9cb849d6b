//! Several frames captured within half a second (Vlens: three within 0.5 s): the single-frame
//! checks on each, and what only a sequence can show: the same person throughout, frames that are
//! not one still replayed, and landmark motion a flat picture cannot make.
//!
//! The combined decision is [`DECISION_RULE`]; `veriface eval liveness` measures it
//! (docs/liveness.md).

use serde::Serialize;

use crate::align::Affine;
use crate::compare::{score, similarity};
use crate::error::{Error, Result};
use crate::image::ImageInput;
use crate::liveness::frame::{FrameReport, ModelThresholds};
use crate::liveness::quality::{Code, Thresholds};
use crate::report::{CompareResult, Timings};
use crate::verifier::{Embedded, FacePolicy, Verifier};

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
    /// SCREEN_TEXTURE above this mean share of high-frequency texture energy.
    pub max_high_frequency: f64,
    /// The ID portrait must reach this calibrated score against the live face (default 0.7).
    pub id_threshold: f64,
}

impl Default for LivenessOptions {
    fn default() -> Self {
        LivenessOptions {
            max_span_ms: 500.0,
            geometry: Thresholds::default(),
            models: ModelThresholds::default(),
            min_identity_score: 0.7,
            min_frame_difference: 0.5,
            max_high_frequency: SCREEN_HIGH_FREQUENCY,
            id_threshold: crate::compare::DEFAULT_THRESHOLD,
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
    /// The skin texture carries more high-frequency energy than a camera sees on skin: a
    /// screen's pixel grid (moire). Reported; docs/liveness.md has its measured weight.
    ScreenTexture,
}

impl SequenceCode {
    /// The code as it appears in JSON.
    pub fn name(self) -> &'static str {
        match self {
            SequenceCode::NotSamePerson => "NOT_SAME_PERSON",
            SequenceCode::ReplayedStill => "REPLAYED_STILL",
            SequenceCode::PlanarMotionOnly => "PLANAR_MOTION_ONLY",
            SequenceCode::ScreenTexture => "SCREEN_TEXTURE",
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
pub const DECISION_RULE: &str = "live when every frame passes every check but FACE_NOT_LIVE, the mean probability of a live face over the frames reaches the FACE_NOT_LIVE limit, and the decisive sequence checks pass: one person in every frame (NOT_SAME_PERSON) and no two consecutive frames one still picture (REPLAYED_STILL); PLANAR_MOTION_ONLY and SCREEN_TEXTURE are reported, not decisive. Measured with `veriface eval liveness` (docs/liveness.md); not a certified presentation-attack detector";

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
    /// With an ID front: the most frontal frame compared with the ID portrait (the largest face
    /// on the document), with the evidence a server needs to recompute it.
    pub id_match: Option<CompareResult>,
    /// `is_live` and, with an ID front, `id_match.is_match`: what Vlens calls a verified
    /// digital identity.
    pub verified: bool,
    /// True when an anti-spoofing cue failed (the mean probability of a live face, or a
    /// decisive sequence check), as opposed to a capture problem (distance, pose, eyes) alone:
    /// Vlens's `spoofing.fake`.
    pub presentation_attack: bool,
    /// How the decision was made.
    pub decision_rule: &'static str,
    /// Summed stage timings.
    pub timings: Timings,
}

/// Checks 2 to 5 frames for liveness and, given `id_front`, that the live face matches the ID
/// portrait. Needs the passive models ([`Verifier::load_passive`]).
///
/// # Errors
/// `BAD_PARAMETER` for fewer than 2 or more than 5 frames, timestamps out of order, or a span
/// over `max_span_ms`; decoding errors naming the frame; `NO_FACE` for an ID front without a
/// face; `UNKNOWN_MODEL` before the passive models are loaded; `INFERENCE_FAILED`.
pub fn check(
    verifier: &mut Verifier,
    frames: &[Frame<'_>],
    id_front: Option<crate::image::ImageInput<'_>>,
    options: &LivenessOptions,
) -> Result<LivenessResult> {
    let span_ms = validate(frames, options)?;
    let start = verifier.now();
    let mut timings = Timings::default();
    let mut reports = Vec::with_capacity(frames.len());
    let mut embedded: Vec<Option<(Embedded, String)>> = Vec::with_capacity(frames.len());
    for (i, f) in frames.iter().enumerate() {
        let which = format!("frame {}", i + 1);
        let t0 = verifier.now();
        // The digest is evidence for the ID match only: no SHA-256 of every frame without one.
        let (image, hash) = if id_front.is_some() {
            verifier.decode_hashed(f.image)?
        } else {
            (verifier.decode(f.image)?, String::new())
        };
        timings.decode_ms += verifier.now() - t0;
        let report = verifier.frame_checks(&image, true, &options.geometry, &options.models)?;
        timings.detect_ms += report.timings.detect_ms;
        timings.liveness_ms += report.timings.liveness_ms;
        // The subject the checks chose (the largest face) is the one embedded: no second
        // detector pass.
        let embedding = match &report.subject {
            Some(face) => Some((
                verifier.embed_face(&image, face, &which, &mut timings)?,
                hash,
            )),
            None => None,
        };
        reports.push(report);
        embedded.push(embedding);
    }
    let present: Vec<&Embedded> = embedded.iter().flatten().map(|(e, _)| e).collect();
    let sequence = sequence_checks(verifier, &present, &reports, frames.len(), options);
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
    let presentation_attack =
        live_mean < options.models.min_live || sequence.iter().any(|c| !c.passed && c.decisive);
    let is_live = frames_pass && !presentation_attack;
    let id_match = match id_front {
        Some(input) => Some(match_id(verifier, input, &reports, embedded, options)?),
        None => None,
    };
    timings.total_ms = verifier.now() - start;
    Ok(LivenessResult {
        is_live,
        live_mean,
        span_ms,
        frames: reports,
        sequence,
        verified: is_live && id_match.as_ref().map_or(true, |m| m.is_match),
        presentation_attack,
        id_match,
        decision_rule: DECISION_RULE,
        timings,
    })
}

impl LivenessResult {
    /// Why the result is not live: every failed frame check (in check order, once each), then
    /// FACE_NOT_LIVE when the mean probability of a live face fell short, then the decisive
    /// sequence checks that failed. Empty for a live result.
    pub fn failed_codes(&self) -> Vec<&'static str> {
        let mut out: Vec<&'static str> = Vec::new();
        let mut push = |name: &'static str| {
            if !out.contains(&name) {
                out.push(name);
            }
        };
        for c in self.frames.iter().flat_map(|f| &f.checks) {
            if !c.passed && c.code != Code::FaceNotLive {
                push(c.code.name());
            }
        }
        if self
            .frames
            .iter()
            .flat_map(|f| &f.checks)
            .any(|c| c.code == Code::FaceNotLive && self.live_mean < c.threshold)
        {
            push(Code::FaceNotLive.name());
        }
        for c in &self.sequence {
            if !c.passed && c.decisive {
                push(c.code.name());
            }
        }
        out
    }
}

/// Checks the frame count, the timestamps and the span; returns the span when timestamps are
/// given.
fn validate(frames: &[Frame<'_>], options: &LivenessOptions) -> Result<Option<f64>> {
    if !(2..=5).contains(&frames.len()) {
        return Err(Error::bad_parameter(
            "frames",
            format!("give 2 to 5 frames (3 is usual), got {}", frames.len()),
        ));
    }
    if !(options.max_span_ms.is_finite() && options.max_span_ms > 0.0) {
        return Err(Error::bad_parameter(
            "maxSpanMs",
            format!(
                "must be a positive number of milliseconds, got {}",
                options.max_span_ms
            ),
        ));
    }
    let times: Vec<f64> = frames.iter().filter_map(|f| f.timestamp_ms).collect();
    let span_ms = match times.len() {
        0 => None,
        n if n == frames.len() => {
            if times.iter().any(|t| !t.is_finite()) || times.windows(2).any(|w| w[1] < w[0]) {
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
    Ok(span_ms)
}

/// What only several frames show: one person throughout, no still replayed, motion a flat
/// picture cannot make, and the screen-texture cue over the frames.
fn sequence_checks(
    verifier: &Verifier,
    present: &[&Embedded],
    reports: &[FrameReport],
    frame_count: usize,
    options: &LivenessOptions,
) -> Vec<SequenceCheck> {
    let spec = verifier.embedder().spec();
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
    let textures: Vec<f64> = reports.iter().filter_map(|r| r.high_frequency).collect();
    let texture = if textures.is_empty() {
        0.0
    } else {
        textures.iter().sum::<f64>() / textures.len() as f64
    };
    vec![
        SequenceCheck {
            code: SequenceCode::NotSamePerson,
            value: min_score,
            threshold: options.min_identity_score,
            passed: present.len() == frame_count && min_score >= options.min_identity_score,
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
        SequenceCheck {
            code: SequenceCode::ScreenTexture,
            value: texture,
            threshold: options.max_high_frequency,
            passed: texture <= options.max_high_frequency,
            decisive: SCREEN_TEXTURE_DECISIVE,
        },
    ]
}

/// The ID portrait (the largest face on the document: a card's small ghost portrait is not an
/// error) compared with the most frontal frame that has a face.
fn match_id(
    verifier: &mut Verifier,
    input: crate::image::ImageInput<'_>,
    reports: &[FrameReport],
    embedded: Vec<Option<(Embedded, String)>>,
    options: &LivenessOptions,
) -> Result<CompareResult> {
    let mut timings = Timings::default();
    let t0 = verifier.now();
    let (document, hash) = verifier.decode_hashed(input)?;
    timings.decode_ms = verifier.now() - t0;
    let id = verifier.embed_image(&document, FacePolicy::Largest, "ID front", &mut timings)?;
    let turn = |r: &FrameReport| {
        r.pose
            .map_or(f32::INFINITY, |p| p.yaw.abs().max(p.pitch.abs()))
    };
    let best = embedded
        .into_iter()
        .zip(reports)
        .filter_map(|(e, r)| e.map(|e| (e, turn(r))))
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(e, _)| e)
        .ok_or_else(|| Error::NoFace {
            which: "frame 1".into(),
        })?;
    timings.total_ms = verifier.now() - t0;
    Ok(verifier.decide(
        [best, (id, hash)],
        options.id_threshold,
        FacePolicy::Largest,
        timings,
    ))
}

/// Mean share of high-frequency texture energy above which SCREEN_TEXTURE fails; see
/// docs/liveness.md for the measurement behind it.
pub const SCREEN_HIGH_FREQUENCY: f64 = 0.012;

/// Whether SCREEN_TEXTURE decides, or is only reported.
pub const SCREEN_TEXTURE_DECISIVE: bool = false;

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
