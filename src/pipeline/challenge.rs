//! Verifying a challenge record: every kept frame measured (face, head yaw, eyes, size, the
//! anti-spoofing score, the embedding, the face mesh), the actions followed in order
//! (`liveness::active`), and the protocol checked (signature, nonce, expiry, timing). The same
//! function gives the browser's verdict and the server's.

use super::{Pass, Verifier};
use crate::challenge::record::{ChallengeRecord, FRAME_COUNT};
use crate::challenge::{Action, Challenge};
use crate::error::{Error, Result};
use crate::liveness::active::{self, ActiveLimits, FaceMeasure, FrameMeasure};
use crate::liveness::mesh::FaceMesh;
use crate::liveness::LivenessOptions;
use crate::report::{ChallengeCheck, ChallengeCode, ChallengeFrame, ChallengeResult, Timings};

/// What a verification is held to, besides the record.
#[derive(Debug, Clone, Copy)]
pub struct ChallengeContext<'a> {
    /// The server's key: the challenge must carry its signature. `None` on a device, where the
    /// verdict is advisory (`signed: false`).
    pub key: Option<&'a [u8]>,
    /// The verifier's clock, ms since the Unix epoch.
    pub now_ms: u64,
    /// The nonce has not been used before (the caller keeps the used ones).
    pub nonce_fresh: bool,
    /// The action detectors' limits.
    pub limits: ActiveLimits,
}

/// Frames this close to frontal (|yaw|, degrees) are used for identity and anti-spoofing.
const FRONTAL_FOR_CHECKS: f64 = 20.0;

/// Least time between two kept frames: no camera delivers faster than this (ms).
const MIN_FRAME_GAP_MS: f64 = 20.0;

/// The rule [`Verifier::verify_challenge`] applies, stated in every result.
pub const CHALLENGE_RULE: &str = "passed when the record answers this challenge (nonce), the signature is the server key's (when a key is given), the nonce is fresh and the challenge unexpired, the frame times are in order and within the capture, every frame shows a face, every action was done in order within its window (a turn: frontal, then past the turn limit in the asked direction, then back, with 3D evidence NO_3D_MOTION; a blink: open, closed, open within the blink time; coming closer: the face grows by the factor), the frontal frames show one person (NOT_SAME_PERSON) and their mean anti-spoofing score reaches the FACE_NOT_LIVE limit. Only a server's verdict, with its key, is trustworthy";

impl Verifier {
    /// Loads the face mesh named in the manifest (hash checked), for the 3D evidence of turns.
    ///
    /// # Errors
    /// `UNKNOWN_MODEL` when the manifest names none; `MODEL_HASH_MISMATCH`; `INFERENCE_FAILED`.
    pub fn load_mesh(&mut self, onnx: &[u8]) -> Result<()> {
        let spec = self
            .manifest
            .mesh
            .clone()
            .ok_or_else(|| Error::UnknownModel {
                name: "(face mesh model)".into(),
                known: "none in this manifest".into(),
            })?;
        self.mesh = Some(FaceMesh::new(spec, onnx)?);
        Ok(())
    }

    /// The face mesh's 468 points for `face` in `image`.
    ///
    /// # Errors
    /// `UNKNOWN_MODEL` before [`Verifier::load_mesh`]; `NO_FACE`; `INFERENCE_FAILED`.
    pub fn mesh_landmarks(
        &self,
        image: &image::RgbImage,
        face: &crate::detect::Face,
    ) -> Result<Vec<[f32; 2]>> {
        match &self.mesh {
            Some(m) => m.landmarks(image, face),
            None => Err(Error::UnknownModel {
                name: "(face mesh model)".into(),
                known: "none loaded (Verifier::load_mesh)".into(),
            }),
        }
    }

    /// Judges `record` against `challenge`.
    ///
    /// # Errors
    /// `BAD_PARAMETER` for a malformed challenge or a record with fewer than 3 or more than 24
    /// frames; decoding errors naming the frame; `UNKNOWN_MODEL` before the liveness models (or,
    /// for a challenge with a turn, the face mesh) are loaded; `INFERENCE_FAILED`.
    pub fn verify_challenge(
        &mut self,
        challenge: &Challenge,
        record: &ChallengeRecord,
        ctx: &ChallengeContext<'_>,
    ) -> Result<ChallengeResult> {
        challenge.validate()?;
        if !FRAME_COUNT.contains(&record.frames.len()) {
            return Err(Error::bad_parameter(
                "record.frames",
                format!("give 3 to 24 frames, got {}", record.frames.len()),
            ));
        }
        let turns = challenge
            .steps
            .iter()
            .any(|s| matches!(s.action, Action::TurnLeft | Action::TurnRight));
        if turns && self.mesh.is_none() {
            return Err(Error::UnknownModel {
                name: "(face mesh model)".into(),
                known: "none loaded: a challenge with a head turn needs it (Verifier::load_mesh; in JS, load with challenge: true)".into(),
            });
        }
        let start = self.now();
        let options = LivenessOptions::default();
        let mut timings = Timings::default();
        let (mut measures, mut summaries, mut embedded) = (Vec::new(), Vec::new(), Vec::new());
        for (i, frame) in record.frames.iter().enumerate() {
            let which = format!("record.frames[{i}]");
            let image = self.decode(frame.image.input(&which)?)?;
            let report = self.frame_checks(&image, Pass::Full, &options)?;
            timings.detect_ms += report.timings.detect_ms;
            timings.liveness_ms += report.timings.liveness_ms;
            let (w, h) = image.dimensions();
            let face = match (&report.subject, report.pose) {
                (Some(face), Some(pose)) => {
                    let mesh = match &self.mesh {
                        Some(m) if turns => Some(m.landmarks(&image, face)?),
                        _ => None,
                    };
                    // Identity is judged on the frontal frames only, so a turned one is not
                    // embedded at all.
                    if f64::from(pose.yaw).abs() <= FRONTAL_FOR_CHECKS {
                        embedded.push((
                            i,
                            f64::from(pose.yaw),
                            self.embed_face(&image, face, &which, &mut timings)?,
                        ));
                    }
                    Some(FaceMeasure {
                        yaw: f64::from(pose.yaw),
                        eyes_open: report.eyes_open.map_or(0.0, |e| f64::from(e[0].max(e[1]))),
                        width: f64::from(face.bbox.width()) / f64::from(w.min(h).max(1)),
                        mesh,
                    })
                }
                _ => None,
            };
            summaries.push(ChallengeFrame {
                t: frame.t,
                face: face.is_some(),
                yaw: face.as_ref().map(|f| f.yaw),
                eyes_open: face.as_ref().map(|f| f.eyes_open),
                width: face.as_ref().map(|f| f.width),
                live: report.live.map(f64::from),
            });
            measures.push(FrameMeasure { t: frame.t, face });
        }
        let steps = active::follow(&challenge.steps, &measures, &ctx.limits);
        // Identity and anti-spoofing on the frontal frames (the only ones embedded): a turned
        // face scores lower on both.
        let frontal = &embedded;
        let identity = frontal
            .iter()
            .enumerate()
            .flat_map(|(k, a)| frontal.iter().skip(k + 1).map(move |b| (a, b)))
            .map(|(a, b)| self.score(&a.2, &b.2))
            .reduce(f64::min);
        let lives: Vec<f64> = frontal
            .iter()
            .filter_map(|(i, _, _)| summaries.get(*i).and_then(|s| s.live))
            .collect();
        let live_mean = if lives.is_empty() {
            0.0
        } else {
            lives.iter().sum::<f64>() / lives.len() as f64
        };
        let checks = protocol_checks(challenge, record, ctx)
            .into_iter()
            .chain(face_checks(
                &summaries, &steps, identity, live_mean, &options,
            ))
            .collect::<Vec<_>>();
        let failed_codes: Vec<ChallengeCode> = checks
            .iter()
            .filter(|c| !c.passed)
            .map(|c| c.code)
            .collect();
        timings.total_ms = self.now() - start;
        Ok(ChallengeResult {
            passed: failed_codes.is_empty(),
            nonce: challenge.nonce.clone(),
            signed: ctx
                .key
                .is_some_and(|k| challenge.signed_by(k).unwrap_or(false)),
            steps,
            checks,
            frames: summaries,
            live_mean,
            failed_codes,
            decision_rule: CHALLENGE_RULE,
            timings,
        })
    }
}

fn check(code: ChallengeCode, passed: bool, detail: impl Into<String>) -> ChallengeCheck {
    ChallengeCheck {
        code,
        passed,
        value: None,
        threshold: None,
        detail: detail.into(),
    }
}

/// The checks of the protocol: nonce, signature, freshness, expiry, timing.
fn protocol_checks(
    challenge: &Challenge,
    record: &ChallengeRecord,
    ctx: &ChallengeContext<'_>,
) -> Vec<ChallengeCheck> {
    let signature = match ctx.key {
        Some(key) => match challenge.signed_by(key) {
            Ok(true) => check(
                ChallengeCode::BadSignature,
                true,
                "signed by this server's key",
            ),
            Ok(false) if challenge.signature.is_none() => check(
                ChallengeCode::BadSignature,
                false,
                "the challenge is unsigned; this server only accepts its own signed challenges",
            ),
            Ok(false) => check(
                ChallengeCode::BadSignature,
                false,
                "the signature is not this server's key over these fields: forged or altered",
            ),
            Err(e) => check(ChallengeCode::BadSignature, false, e.to_string()),
        },
        None => check(
            ChallengeCode::BadSignature,
            true,
            "no key given: not checked (a device's verdict is advisory)",
        ),
    };
    let times: Vec<f64> = record.frames.iter().map(|f| f.t).collect();
    let lifetime = (challenge.expires_at - challenge.issued_at) as f64;
    let timing_problem = if times.iter().any(|t| !t.is_finite() || *t < 0.0) {
        Some("a frame time is negative or not a number".to_string())
    } else if let Some(w) = times.windows(2).find(|w| w[1] - w[0] < MIN_FRAME_GAP_MS) {
        Some(format!(
            "frames at {:.0} and {:.0} ms are out of order or closer than {MIN_FRAME_GAP_MS} ms",
            w[0], w[1]
        ))
    } else if times.last().is_some_and(|t| *t > lifetime) {
        Some(format!(
            "the capture lasts longer than the challenge's {lifetime:.0} ms lifetime"
        ))
    } else {
        None
    };
    vec![
        check(
            ChallengeCode::WrongChallenge,
            record.nonce == challenge.nonce,
            if record.nonce == challenge.nonce {
                "the record answers this challenge".to_string()
            } else {
                format!(
                    "the record answers challenge {}, not {}",
                    record.nonce, challenge.nonce
                )
            },
        ),
        signature,
        check(
            ChallengeCode::NonceReused,
            ctx.nonce_fresh,
            if ctx.nonce_fresh {
                "first use of this nonce"
            } else {
                "this nonce was used before: a replayed record"
            },
        ),
        check(
            ChallengeCode::ChallengeExpired,
            ctx.now_ms <= challenge.expires_at,
            format!("expires at {}, now {}", challenge.expires_at, ctx.now_ms),
        ),
        check(
            ChallengeCode::BadTiming,
            timing_problem.is_none(),
            timing_problem.unwrap_or_else(|| "frame times in order and within the capture".into()),
        ),
    ]
}

/// The checks of what the frames show: faces, actions, 3D evidence, identity, liveness.
fn face_checks(
    frames: &[ChallengeFrame],
    steps: &[active::StepResult],
    identity: Option<f64>,
    live_mean: f64,
    options: &LivenessOptions,
) -> Vec<ChallengeCheck> {
    let missing = frames.iter().filter(|f| !f.face).count();
    // A turn seen but without 3D motion fails NO_3D_MOTION; anything else undone ACTION_NOT_DONE.
    let is_flat = |s: &&active::StepResult| {
        !s.done
            && s.parallax
                .is_some_and(|p| p < active::MIN_PARALLAX && s.at_ms.is_some())
    };
    let flat = steps.iter().find(is_flat);
    let undone = steps.iter().find(|s| !s.done && !is_flat(s));
    let worst_parallax = steps
        .iter()
        .filter_map(|s| s.parallax)
        .fold(f64::INFINITY, f64::min);
    vec![
        check(
            ChallengeCode::FaceNotFound,
            missing == 0,
            format!("{missing} of {} frames without a face", frames.len()),
        ),
        check(
            ChallengeCode::ActionNotDone,
            undone.is_none(),
            undone.map_or(
                "every action done, in order, within its window".into(),
                |s| {
                    format!(
                        "{}: {}",
                        s.action,
                        s.reason.as_deref().unwrap_or("not done")
                    )
                },
            ),
        ),
        ChallengeCheck {
            value: worst_parallax.is_finite().then_some(worst_parallax),
            threshold: Some(active::MIN_PARALLAX),
            ..check(
                ChallengeCode::No3dMotion,
                flat.is_none(),
                flat.map_or(
                    "the turns moved the face in 3D (or no turn was asked)".into(),
                    |s| format!("{}: {}", s.action, s.reason.as_deref().unwrap_or("")),
                ),
            )
        },
        ChallengeCheck {
            value: identity,
            threshold: Some(options.min_identity_score),
            ..check(
                ChallengeCode::NotSamePerson,
                identity.is_some_and(|s| s >= options.min_identity_score),
                match identity {
                    Some(s) => format!("weakest score between two frontal frames {s:.3}"),
                    None => "fewer than two frontal frames to compare".into(),
                },
            )
        },
        ChallengeCheck {
            value: Some(live_mean),
            threshold: Some(options.models.min_live),
            ..check(
                ChallengeCode::FaceNotLive,
                live_mean >= options.models.min_live,
                format!("mean probability of a live face over the frontal frames {live_mean:.3}"),
            )
        },
    ]
}
