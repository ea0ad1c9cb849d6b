//! The sequence checks on inputs built to trip them: one still sent three times, two people,
//! frames too far apart, too few or too many frames. Faces read in place from ../shared/eval.

mod common;

use veriface::liveness::sequence::SequenceCode;
use veriface::ImageInput;
use veriface::LivenessOptions;

use common::frames;

fn failed(r: &veriface::LivenessResult) -> Vec<SequenceCode> {
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
    let (mut v, options) = (common::liveness_verifier(), LivenessOptions::default());

    let still = [obama.clone(), obama.clone(), obama.clone()];
    let r = v
        .liveness(&frames(&still, Some(&[0.0, 160.0, 320.0])), None, &options)
        .unwrap();
    assert!(!r.is_live);
    assert!(
        failed(&r).contains(&SequenceCode::ReplayedStill),
        "{:?}",
        r.sequence
    );
    assert_eq!(r.span_ms, Some(320.0));

    let swap = [obama.clone(), biden, obama2.clone()];
    let r = v.liveness(&frames(&swap, None), None, &options).unwrap();
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
        10,
        "seven geometric checks, occlusion, eyes, passive"
    );
    assert!(r.failed_codes().contains(&"NOT_SAME_PERSON"));
    assert!(r.presentation_attack);
}

#[test]
fn frame_count_and_span_are_enforced_with_clear_errors() {
    let Some(dir) = common::eval_dir("frame_count_and_span_are_enforced_with_clear_errors") else {
        return;
    };
    let face = common::eval_file(&dir, "face_recognition_examples/examples/obama.jpg");
    let (mut v, options) = (common::liveness_verifier(), LivenessOptions::default());
    let code = |files: &[Vec<u8>], times: Option<&[f64]>, v: &mut veriface::Verifier| {
        v.liveness(&frames(files, times), None, &options)
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

#[test]
fn the_id_front_must_match_the_live_face_and_the_result_says_so() {
    let Some(dir) =
        common::eval_dir("the_id_front_must_match_the_live_face_and_the_result_says_so")
    else {
        return;
    };
    let ex = |f: &str| common::eval_file(&dir, &format!("face_recognition_examples/examples/{f}"));
    let (obama, obama2, biden) = (ex("obama.jpg"), ex("obama2.jpg"), ex("biden.jpg"));
    // Three frames of one person that are not one still: the photo and two crops of it.
    let photo = image::load_from_memory(&obama).unwrap().to_rgb8();
    let (w, h) = photo.dimensions();
    let crop =
        |dx: u32| common::png(&image::imageops::crop_imm(&photo, dx, 0, w - 12, h).to_image());
    let shots = [crop(0), crop(6), crop(12)];
    let mut v = common::liveness_verifier();
    let options = LivenessOptions::default();
    let same = v
        .liveness(
            &frames(&shots, None),
            Some(ImageInput::Encoded(&obama2)),
            &options,
        )
        .unwrap();
    let m = same.id_match.as_ref().expect("an ID match");
    assert!(m.is_match, "score {}", m.score);
    assert_eq!(same.verified, same.is_live && m.is_match);
    let other = v
        .liveness(
            &frames(&shots, None),
            Some(ImageInput::Encoded(&biden)),
            &options,
        )
        .unwrap();
    let m = other.id_match.as_ref().expect("an ID match");
    assert!(!m.is_match, "score {}", m.score);
    assert!(!other.verified);
    // An ID front with no face is an error naming it.
    let blank = common::png(&common::gradient(400, 250));
    let e = v
        .liveness(
            &frames(&shots, None),
            Some(ImageInput::Encoded(&blank)),
            &options,
        )
        .unwrap_err();
    assert_eq!(e.code(), "NO_FACE");
    assert!(e.to_string().contains("ID front"), "{e}");
}
