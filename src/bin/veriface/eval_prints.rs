//! `eval actions --nuaa`: printed photos turned in front of the camera (NUAA positions 01-04),
//! against the challenge's 3D evidence and its one-turn decision. Apart from the action videos'
//! tallies because it answers another question: how often a flat picture passes.

use serde::Serialize;
use veriface::challenge::Action;
use veriface::liveness::active::{self, ActiveLimits, FaceMeasure, FrameMeasure};
use veriface::{ImageInput, Verifier};

use crate::context::read;
use crate::dataset;
use crate::eval_actions::{evidence_of, measure};

#[derive(Serialize)]
pub(crate) struct Prints {
    pub(crate) pairs: usize,
    pub(crate) accepted: usize,
    pub(crate) turn_like: usize,
    pub(crate) turn_like_accepted: usize,
    /// Sequences judged as a one-turn challenge (left, then right: two per sequence), and those
    /// passed.
    pub(crate) challenges: usize,
    pub(crate) challenges_passed: usize,
    /// The same for NUAA's live sequences (a live person who did not turn on cue).
    pub(crate) live_challenges: usize,
    pub(crate) live_challenges_passed: usize,
    /// The 3D evidence of each printed-photo challenge whose turn was found (yaw out and back).
    pub(crate) turns_found: Vec<f64>,
    /// The same turns' evidence from the five landmarks.
    pub(crate) print_turns: Vec<[f64; 3]>,
    /// The evidence of every consecutive pair.
    pub(crate) pair_values: Vec<f64>,
}

/// NUAA printed-photo sequences at positions 01-04 (rotated, twisted): every consecutive pair,
/// and each sequence judged as a one-turn challenge; NUAA's live sequences likewise.
pub(crate) fn print_parallax(
    v: &mut Verifier,
    dir: &std::path::Path,
    limits: &ActiveLimits,
) -> veriface::Result<Prints> {
    let rows = dataset::load(&[dir.to_path_buf()], None)?;
    let mut p = Prints {
        pairs: 0,
        accepted: 0,
        turn_like: 0,
        turn_like_accepted: 0,
        challenges: 0,
        challenges_passed: 0,
        live_challenges: 0,
        live_challenges_passed: 0,
        turns_found: Vec::new(),
        print_turns: Vec::new(),
        pair_values: Vec::new(),
    };
    for (key, seq) in dataset::sequences(&rows) {
        let position = key.rsplit('_').nth(1).unwrap_or_default();
        let print = key.starts_with("spoof_print");
        if print && !["01", "02", "03", "04"].contains(&position) {
            continue;
        }
        // The whole sequence as frames of one capture (pictures of a 20 fps webcam), judged as a
        // challenge of one turn each way with a window as long as the sequence.
        let (mut measures, mut measured) = (Vec::new(), Vec::new());
        for row in &seq {
            let image = v.decode(ImageInput::Encoded(&read(&row.path)?))?;
            let t = row.sequence.as_ref().map_or(0.0, |s| s.1 as f64 * 50.0);
            let m = measure(v, &image)?;
            measures.push(FrameMeasure {
                t,
                face: m.as_ref().map(|x| x.0.clone()),
            });
            measured.push(m);
        }
        for action in [Action::TurnLeft, Action::TurnRight] {
            let step = veriface::challenge::Step {
                action,
                window_ms: u64::MAX / 4,
            };
            // Followed without the 3D limit, then held to it: the turn's evidence is kept for
            // the sweep (the turn found is the same whatever the limit).
            let open = ActiveLimits {
                min_parallax: 0.0,
                ..*limits
            };
            let turn = active::follow(&[step], &measures, &open)
                .into_iter()
                .next()
                .filter(|s| s.done);
            let evidence = turn.as_ref().map(|s| s.parallax.unwrap_or(0.0));
            let passed = evidence.is_some_and(|x| x >= limits.min_parallax);
            if print {
                p.challenges += 1;
                p.challenges_passed += usize::from(passed);
                p.turns_found.extend(evidence);
                let at = |k: usize| {
                    turn.as_ref()
                        .and_then(|s| s.frames.get(k))
                        .and_then(|&i| measured.get(i))
                        .cloned()
                        .flatten()
                };
                if turn.is_some() {
                    p.print_turns.extend(evidence_of(&at(0), &at(1), &at(2)));
                }
            } else {
                p.live_challenges += 1;
                p.live_challenges_passed += usize::from(passed);
            }
        }
        if !print {
            continue;
        }
        let mut prev: Option<FaceMeasure> = None;
        for m in measures {
            let face = m.face;
            if let (Some(a), Some(b)) = (&prev, &face) {
                if let Some(x) = active::parallax(a, b) {
                    p.pair_values.push(x);
                    p.pairs += 1;
                    let ok = x >= limits.min_parallax;
                    p.accepted += usize::from(ok);
                    if (a.yaw - b.yaw).abs() >= 8.0 {
                        p.turn_like += 1;
                        p.turn_like_accepted += usize::from(ok);
                    }
                }
            }
            prev = face;
        }
    }
    Ok(p)
}
