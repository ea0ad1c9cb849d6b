//! Several frames captured within half a second (Vlens: three within 0.5 s): the single-frame
//! checks on each, the sequence checks, the decision, and with an ID front the match of the live
//! face against its portrait.

use super::{Embedded, Pass, Verifier};
use crate::error::{Error, Result};
use crate::image::ImageInput;
use crate::liveness::sequence::{self, FaceTrack, DECISION_RULE};
use crate::liveness::LivenessOptions;
use crate::report::{CompareResult, FrameReport, LivenessResult, Timings};
use crate::select::FacePolicy;

/// One captured frame and when it was captured (ms, any monotonic origin), if known.
#[derive(Debug, Clone, Copy)]
pub struct Frame<'a> {
    /// The image.
    pub image: ImageInput<'a>,
    /// Capture time in milliseconds.
    pub timestamp_ms: Option<f64>,
}

/// Fewest and most frames a liveness check takes.
pub const FRAME_COUNT: std::ops::RangeInclusive<usize> = 2..=5;

impl Verifier {
    /// Checks 2 to 5 frames for liveness and, given `id_front`, that the live face matches the ID
    /// portrait. Needs the passive models ([`Verifier::load_passive`]).
    ///
    /// # Errors
    /// `BAD_PARAMETER` for fewer than 2 or more than 5 frames, timestamps out of order, or a
    /// span over `max_span_ms`; decoding errors naming the frame; `NO_FACE` for an ID front
    /// without a face; `UNKNOWN_MODEL` before the passive models are loaded; `INFERENCE_FAILED`.
    pub fn liveness(
        &mut self,
        frames: &[Frame<'_>],
        id_front: Option<ImageInput<'_>>,
        options: &LivenessOptions,
    ) -> Result<LivenessResult> {
        let span_ms = validate(frames, options)?;
        let start = self.now();
        let mut timings = Timings::default();
        let mut reports = Vec::with_capacity(frames.len());
        let mut embedded: Vec<Option<(Embedded, String)>> = Vec::with_capacity(frames.len());
        for (i, f) in frames.iter().enumerate() {
            let which = format!("frame {}", i + 1);
            let t0 = self.now();
            // The digest is evidence for the ID match only: no SHA-256 of every frame without one.
            let (image, hash) = if id_front.is_some() {
                self.decode_hashed(f.image)?
            } else {
                (self.decode(f.image)?, String::new())
            };
            timings.decode_ms += self.now() - t0;
            let report = self.frame_checks(&image, Pass::Full, options)?;
            timings.detect_ms += report.timings.detect_ms;
            timings.liveness_ms += report.timings.liveness_ms;
            // The subject the checks chose (the largest face) is the one embedded: no second
            // detector pass.
            let embedding = match &report.subject {
                Some(face) => Some((self.embed_face(&image, face, &which, &mut timings)?, hash)),
                None => None,
            };
            reports.push(report);
            embedded.push(embedding);
        }
        let present: Vec<&Embedded> = embedded.iter().flatten().map(|(e, _)| e).collect();
        // Same person: the weakest pair, scored exactly as a compare scores.
        let min_identity = present
            .iter()
            .enumerate()
            .flat_map(|(i, a)| present.iter().skip(i + 1).map(move |b| (*a, *b)))
            .map(|(a, b)| self.score(a, b))
            .reduce(f64::min);
        // The first member's crop: a fusion's first member is the embedder the sequence
        // thresholds were measured with.
        let tracks: Vec<FaceTrack<'_>> = present
            .iter()
            .filter_map(|e| {
                e.crops.first().map(|crop| FaceTrack {
                    crop,
                    landmarks: &e.face.landmarks,
                })
            })
            .collect();
        let textures: Vec<f64> = reports.iter().filter_map(|r| r.high_frequency).collect();
        let sequence = sequence::checks(&tracks, frames.len(), min_identity, &textures, options);
        let per_frame: Vec<_> = reports
            .iter()
            .map(|r| (r.checks.as_slice(), r.live))
            .collect();
        let decision = sequence::decide(&per_frame, &sequence, options);
        let id_match = match id_front {
            Some(input) => Some(self.match_id(input, &reports, embedded, options)?),
            None => None,
        };
        timings.total_ms = self.now() - start;
        Ok(LivenessResult {
            is_live: decision.is_live,
            live_mean: decision.live_mean,
            span_ms,
            frames: reports,
            sequence,
            verified: decision.is_live && id_match.as_ref().map_or(true, |m| m.is_match),
            presentation_attack: decision.presentation_attack,
            id_match,
            decision_rule: DECISION_RULE,
            timings,
        })
    }

    /// The ID portrait (the largest face on the document: a card's small ghost portrait is not
    /// an error) compared with the most frontal frame that has a face.
    fn match_id(
        &mut self,
        input: ImageInput<'_>,
        reports: &[FrameReport],
        embedded: Vec<Option<(Embedded, String)>>,
        options: &LivenessOptions,
    ) -> Result<CompareResult> {
        let mut timings = Timings::default();
        let t0 = self.now();
        let (document, hash) = self.decode_hashed(input)?;
        timings.decode_ms = self.now() - t0;
        let id = self.embed_image(&document, FacePolicy::Largest, "ID front", &mut timings)?;
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
        timings.total_ms = self.now() - t0;
        Ok(self.decide(
            [best, (id, hash)],
            options.id_threshold,
            FacePolicy::Largest,
            timings,
        ))
    }
}

/// Checks the frame count, the timestamps and the span; returns the span when timestamps are
/// given.
fn validate(frames: &[Frame<'_>], options: &LivenessOptions) -> Result<Option<f64>> {
    if !FRAME_COUNT.contains(&frames.len()) {
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
    let span_ms = match (times.first(), times.last()) {
        _ if times.is_empty() => None,
        (Some(first), Some(last)) if times.len() == frames.len() => {
            if times.iter().any(|t| !t.is_finite()) || times.windows(2).any(|w| w[1] < w[0]) {
                return Err(Error::bad_parameter(
                    "frames",
                    "timestamps must be finite and in capture order",
                ));
            }
            Some(last - first)
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
