//! The sequence checks on inputs built to trip them: one still sent three times, two people,
//! frames too far apart, too few or too many frames. Faces read in place from ../shared/eval.

mod common;

use veriface::liveness::frame::PassiveModels;
use veriface::liveness::session::{check, Frame, LivenessOptions, SequenceCode};
use veriface::models::Manifest;
use veriface::ImageInput;

fn passive() -> PassiveModels {
    let m = Manifest::builtin().unwrap();
    let read = |f: &str| std::fs::read(common::models_dir().join(f)).unwrap();
    let live = read(&m.liveness.as_ref().unwrap().file.file);
    let eye = read(&m.eye.as_ref().unwrap().file.file);
    PassiveModels::new(&m, &live, &eye).unwrap()
}

fn frames<'a>(files: &'a [Vec<u8>], times: Option<&[f64]>) -> Vec<Frame<'a>> {
    files
        .iter()
        .enumerate()
        .map(|(i, b)| Frame {
            image: ImageInput::Encoded(b),
            timestamp_ms: times.map(|t| t[i]),
        })
        .collect()
}

fn failed(r: &veriface::liveness::session::LivenessResult) -> Vec<SequenceCode> {
    r.sequence
        .iter()
        .filter(|c| !c.passed)
        .map(|c| c.code)
        .collect()
}

#[test]
fn sequence_checks_catch_a_replayed_still_and_a_change_of_person() {
    let Some(dir) =
        common::eval_dir("sequence_checks_catch_a_replayed_still_and_a_change_of_person")
    else {
        return;
    };
    let ex = |f: &str| common::eval_file(&dir, &format!("face_recognition_examples/examples/{f}"));
    let (obama, obama2, biden) = (ex("obama.jpg"), ex("obama2.jpg"), ex("biden.jpg"));
    let (mut v, models, options) = (common::verifier(), passive(), LivenessOptions::default());

    let still = [obama.clone(), obama.clone(), obama.clone()];
    let r = check(
        &mut v,
        &models,
        &frames(&still, Some(&[0.0, 160.0, 320.0])),
        &options,
    )
    .unwrap();
    assert!(!r.is_live);
    assert!(
        failed(&r).contains(&SequenceCode::ReplayedStill),
        "{:?}",
        r.sequence
    );
    assert_eq!(r.span_ms, Some(320.0));

    let swap = [obama.clone(), biden, obama2.clone()];
    let r = check(&mut v, &models, &frames(&swap, None), &options).unwrap();
    assert!(!r.is_live);
    assert!(
        failed(&r).contains(&SequenceCode::NotSamePerson),
        "{:?}",
        r.sequence
    );
    assert!(!failed(&r).contains(&SequenceCode::ReplayedStill));
    assert_eq!(r.frames.len(), 3);
    assert_eq!(
        r.frames[0].checks.len(),
        9,
        "seven geometric checks, eyes, passive"
    );
}

#[test]
fn frame_count_and_span_are_enforced_with_clear_errors() {
    let Some(dir) = common::eval_dir("frame_count_and_span_are_enforced_with_clear_errors") else {
        return;
    };
    let face = common::eval_file(&dir, "face_recognition_examples/examples/obama.jpg");
    let (mut v, models, options) = (common::verifier(), passive(), LivenessOptions::default());
    let code = |files: &[Vec<u8>], times: Option<&[f64]>, v: &mut veriface::Verifier| {
        check(v, &models, &frames(files, times), &options)
            .map(|_| ())
            .map_err(|e| (e.code(), e.to_string()))
    };
    let one = [face.clone()];
    let six = vec![face.clone(); 6];
    let three = vec![face.clone(); 3];
    for (name, result) in [
        ("one frame", code(&one, None, &mut v)),
        ("six frames", code(&six, None, &mut v)),
        (
            "600 ms apart",
            code(&three, Some(&[0.0, 300.0, 600.0]), &mut v),
        ),
        (
            "out of order",
            code(&three, Some(&[0.0, 200.0, 100.0]), &mut v),
        ),
    ] {
        let (c, message) = result.expect_err(name);
        assert_eq!(c, "BAD_PARAMETER", "{name}");
        assert!(message.contains("frames"), "{name}: {message}");
    }
}
