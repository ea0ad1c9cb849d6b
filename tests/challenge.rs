//! The active challenge judged natively on frames of a real person's video (LivePortrait d3, whose
//! actions are labelled in eval-labels/actions.csv: a turn to her right at 0-1.07 s, a turn to
//! her left at 8.0-9.67 s), and the attacks it must refuse: another order than the challenge's,
//! re-timed frames, a reused nonce, an expired or unsigned challenge, another person's frames,
//! and a still face warped through homographies that imitate a turn.

mod common;

use std::path::Path;
use std::process::Command;

use image::{Rgb, RgbImage};
use veriface::challenge::record::{ChallengeRecord, RecordFrame};
use veriface::challenge::{Action, Challenge};
use veriface::liveness::active::{self, ActiveLimits, FaceMeasure};
use veriface::report::{ChallengeCode, ChallengeResult};
use veriface::request::ImageSource;
use veriface::{ChallengeContext, LivenessOptions, Pass, Verifier};

const KEY: [u8; 32] = [42; 32];
const NOW: u64 = 1_800_000_000_000;

fn ffmpeg() -> Option<String> {
    if Command::new("ffmpeg").arg("-version").output().is_ok() {
        return Some("ffmpeg".into());
    }
    let out = Command::new("python3")
        .args([
            "-c",
            "import imageio_ffmpeg; print(imageio_ffmpeg.get_ffmpeg_exe())",
        ])
        .output()
        .ok()?;
    let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
    (!path.is_empty()).then_some(path)
}

/// PNG bytes of `video` at each of `times` (seconds).
fn frames(ff: &str, video: &Path, times: &[f64]) -> Vec<Vec<u8>> {
    times
        .iter()
        .map(|t| {
            let out = Command::new(ff)
                .args(["-loglevel", "error", "-ss", &t.to_string(), "-i"])
                .arg(video)
                .args(["-frames:v", "1", "-f", "image2pipe", "-vcodec", "png", "-"])
                .output()
                .expect("ffmpeg runs");
            out.stdout
        })
        .collect()
}

fn verifier() -> Verifier {
    let mut v = common::liveness_verifier();
    let m = veriface::models::Manifest::builtin().unwrap();
    let mesh = std::fs::read(common::models_dir().join(&m.mesh.unwrap().file.file)).unwrap();
    v.load_mesh(&mesh).unwrap();
    v
}

fn record(challenge: &Challenge, shots: &[(f64, Vec<u8>)]) -> ChallengeRecord {
    ChallengeRecord {
        nonce: challenge.nonce.clone(),
        started_at: NOW,
        frames: shots
            .iter()
            .map(|(t, png)| RecordFrame {
                t: *t,
                image: ImageSource::Encoded(png.clone()),
                note: None,
            })
            .collect(),
        events: Vec::new(),
    }
}

fn verify(
    v: &mut Verifier,
    c: &Challenge,
    r: &ChallengeRecord,
    fresh: bool,
    now: u64,
) -> ChallengeResult {
    let ctx = ChallengeContext {
        key: Some(&KEY),
        now_ms: now,
        nonce_fresh: fresh,
        limits: ActiveLimits::default(),
    };
    v.verify_challenge(c, r, &ctx).expect("verifies")
}

fn signed(actions: &[Action]) -> Challenge {
    let mut c = Challenge::with_steps([9; 32], NOW - 1000, actions);
    for s in &mut c.steps {
        s.window_ms = 3000;
    }
    c.sign(&KEY).unwrap()
}

#[test]
fn a_real_persons_turns_pass_in_their_order_and_every_tampering_is_refused() {
    let test = "a_real_persons_turns_pass_in_their_order_and_every_tampering_is_refused";
    let Some(dir) = common::eval_dir(test) else {
        return;
    };
    let Some(ff) = ffmpeg() else {
        println!("SKIP {test}: no ffmpeg");
        return;
    };
    let d3 = dir.join("liveportrait_driving_videos/d3.mp4");
    // Her turn to the right, then her turn to the left, as one capture 100-300 ms apart.
    let right = [0.0, 0.2, 0.4, 0.53, 0.7, 0.9, 1.1, 1.3];
    let left = [7.9, 8.2, 8.5, 8.8, 9.1, 9.4, 9.7, 9.9];
    let pngs = frames(&ff, &d3, &[&right[..], &left[..]].concat());
    let shots: Vec<(f64, Vec<u8>)> = pngs
        .into_iter()
        .enumerate()
        .map(|(i, png)| (i as f64 * 200.0, png))
        .collect();
    let mut v = verifier();

    let ok = signed(&[Action::TurnRight, Action::TurnLeft]);
    let r = verify(&mut v, &ok, &record(&ok, &shots), true, NOW);
    println!(
        "in order: passed {}, failed {:?}, steps {:?}",
        r.passed,
        r.failed_codes,
        r.steps
            .iter()
            .map(|s| (s.action, s.done, s.value, s.parallax))
            .collect::<Vec<_>>()
    );
    assert!(r.passed && r.signed, "{:?}", r.checks);
    assert!(r
        .steps
        .iter()
        .all(|s| s.parallax.unwrap_or(0.0) >= active::MIN_PARALLAX));

    let codes = |r: &ChallengeResult| r.failed_codes.clone();
    // The same frames against the other order: the second turn never follows the first.
    let other = signed(&[Action::TurnLeft, Action::TurnRight]);
    let r = verify(&mut v, &other, &record(&other, &shots), true, NOW);
    assert_eq!(codes(&r), [ChallengeCode::ActionNotDone], "{:?}", r.checks);
    // Re-timed: the same frames claimed 5 ms apart.
    let mut fast = shots.clone();
    for (i, s) in fast.iter_mut().enumerate() {
        s.0 = i as f64 * 5.0;
    }
    let r = verify(&mut v, &ok, &record(&ok, &fast), true, NOW);
    assert!(
        codes(&r).contains(&ChallengeCode::BadTiming),
        "{:?}",
        r.checks
    );
    // Replayed: the nonce was used before; too late; unsigned; signed by another key; another
    // challenge's record.
    let r = verify(&mut v, &ok, &record(&ok, &shots), false, NOW);
    assert_eq!(codes(&r), [ChallengeCode::NonceReused]);
    let r = verify(&mut v, &ok, &record(&ok, &shots), true, ok.expires_at + 1);
    assert_eq!(codes(&r), [ChallengeCode::ChallengeExpired]);
    let unsigned = Challenge {
        signature: None,
        ..ok.clone()
    };
    let r = verify(&mut v, &unsigned, &record(&unsigned, &shots), true, NOW);
    assert_eq!(codes(&r), [ChallengeCode::BadSignature]);
    let forged = ok.clone().sign(&[1; 32]).unwrap();
    let r = verify(&mut v, &forged, &record(&forged, &shots), true, NOW);
    assert_eq!(codes(&r), [ChallengeCode::BadSignature]);
    let mut elsewhere = record(&ok, &shots);
    elsewhere.nonce = "0".repeat(32);
    let r = verify(&mut v, &ok, &elsewhere, true, NOW);
    assert_eq!(codes(&r), [ChallengeCode::WrongChallenge]);
    // Another person's frontal frames in the capture.
    let d0 = frames(&ff, &dir.join("liveportrait_driving_videos/d0.mp4"), &[1.0]);
    let mut swapped = shots.clone();
    swapped[7].1 = d0[0].clone();
    let r = verify(&mut v, &ok, &record(&ok, &swapped), true, NOW);
    assert!(
        codes(&r).contains(&ChallengeCode::NotSamePerson),
        "{:?}",
        r.checks
    );
}

/// `image` seen as a flat picture turned by `degrees` about its vertical axis through the centre
/// (a pinhole camera with focal length the image width): the projective warp a printed photo
/// turned in front of a camera undergoes.
fn turned(image: &RgbImage, degrees: f64) -> RgbImage {
    let (w, h) = image.dimensions();
    let (cx, cy, f) = (w as f64 / 2.0, h as f64 / 2.0, w as f64);
    let (s, c) = degrees.to_radians().sin_cos();
    RgbImage::from_fn(w, h, |u, v| {
        // The output pixel's ray meets the turned plane at (x, y) in the picture's own frame.
        let (du, dv) = (u as f64 - cx, v as f64 - cy);
        let denom = f * c - du * s;
        let x = f * du / denom;
        let y = dv * (f * c + x * s) / f;
        let (sx, sy) = (x + cx, y + cy);
        if sx >= 0.0 && sy >= 0.0 && sx < w as f64 - 1.0 && sy < h as f64 - 1.0 {
            *image.get_pixel(sx as u32, sy as u32)
        } else {
            Rgb([0, 0, 0])
        }
    })
}

#[test]
fn a_still_face_warped_as_a_turning_picture_is_refused() {
    let test = "a_still_face_warped_as_a_turning_picture_is_refused";
    let Some(dir) = common::eval_dir(test) else {
        return;
    };
    let Some(ff) = ffmpeg() else {
        println!("SKIP {test}: no ffmpeg");
        return;
    };
    let png = frames(&ff, &dir.join("liveportrait_driving_videos/d0.mp4"), &[1.0]).remove(0);
    let still = image::load_from_memory(&png).unwrap().to_rgb8();
    let mut v = verifier();
    // The 3D evidence itself, on the picture turned: under the limit for a small turn; for
    // larger ones the mesh model reads a narrowed face as a turned head (its prior is a 3D face),
    // which is why the yaw a turn must reach is the other half of the check (below).
    let measure = |v: &mut Verifier, image: &RgbImage| {
        let r = v
            .frame_checks(image, Pass::Full, &LivenessOptions::default())
            .unwrap();
        let face = r.subject.expect("a face");
        FaceMeasure {
            yaw: 0.0,
            eyes_open: 0.0,
            width: 0.0,
            mesh: Some(v.mesh_landmarks(image, &face).unwrap()),
        }
    };
    let front = measure(&mut v, &still);
    for degrees in [-40.0, -30.0, -20.0, -10.0, 10.0, 20.0, 30.0, 40.0] {
        let p = active::parallax(&front, &measure(&mut v, &turned(&still, degrees))).unwrap();
        println!("picture turned {degrees} deg: 3D evidence {p:.4}");
        if f64::abs(degrees) <= 10.0 {
            assert!(p < active::MIN_PARALLAX, "{degrees}: {p}");
        }
    }
    for peak in [30.0, 45.0, 60.0] {
        let angles = [
            0.0,
            peak / 2.0,
            peak,
            peak / 2.0,
            0.0,
            -peak / 2.0,
            -peak,
            -peak / 2.0,
            0.0,
        ];
        let shots: Vec<(f64, Vec<u8>)> = angles
            .iter()
            .enumerate()
            .map(|(i, a)| (i as f64 * 200.0, common::png(&turned(&still, *a))))
            .collect();
        for actions in [
            [Action::TurnLeft, Action::TurnRight],
            [Action::TurnRight, Action::TurnLeft],
        ] {
            let c = signed(&actions);
            let r = verify(&mut v, &c, &record(&c, &shots), true, NOW);
            println!(
                "picture turned +-{peak}: passed {}, failed {:?}, steps {:?}",
                r.passed,
                r.failed_codes,
                r.steps
                    .iter()
                    .map(|s| (s.done, s.value, s.parallax))
                    .collect::<Vec<_>>()
            );
            assert!(!r.passed);
            // Where the picture's turn read as a head turn, the missing 3D motion refused it.
            if r.steps.iter().any(|s| s.at_ms.is_some()) {
                assert!(
                    r.failed_codes.contains(&ChallengeCode::No3dMotion),
                    "{:?}",
                    r.checks
                );
            }
        }
    }
}
