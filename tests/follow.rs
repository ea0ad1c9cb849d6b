//! The guidance pass on a camera stream (`Pass::Follow`): it looks around the last frame's face,
//! and must answer as the stateless pass does, see a second person within a few frames and keep
//! saying so. Faces read in place from ../shared/eval; the frames are built from them here.

mod common;

use image::{imageops, Rgb, RgbImage};
use veriface::liveness::quality::Code;
use veriface::{ImageInput, LivenessOptions, Pass, Verifier};

/// The face of a photo with a margin, scaled to `height` pixels.
fn head(v: &mut Verifier, bytes: &[u8], height: u32) -> RgbImage {
    let photo = v.decode(ImageInput::Encoded(bytes)).expect("decodes");
    let b = v.detect(ImageInput::Encoded(bytes)).expect("detects").faces[0].bbox;
    let (fw, fh) = (b.x2 - b.x1, b.y2 - b.y1);
    let (x, y) = (
        (b.x1 - 0.3 * fw).max(0.0) as u32,
        (b.y1 - 0.3 * fh).max(0.0) as u32,
    );
    let (w, h) = (
        ((1.6 * fw) as u32).min(photo.width() - x),
        ((1.6 * fh) as u32).min(photo.height() - y),
    );
    let crop = imageops::crop_imm(&photo, x, y, w, h).to_image();
    imageops::resize(
        &crop,
        w * height / h,
        height,
        imageops::FilterType::Triangle,
    )
}

fn frame(parts: &[(&RgbImage, i64, i64)]) -> RgbImage {
    let mut c = RgbImage::from_pixel(640, 480, Rgb([128, 128, 128]));
    for (img, x, y) in parts {
        imageops::overlay(&mut c, *img, *x, *y);
    }
    c
}

fn failed(r: &veriface::report::FrameReport) -> Vec<Code> {
    r.failed().collect()
}

#[test]
fn following_a_face_answers_as_the_whole_frame_does_and_sees_a_second_person() {
    let Some(dir) = common::eval_dir(
        "following_a_face_answers_as_the_whole_frame_does_and_sees_a_second_person",
    ) else {
        return;
    };
    let ex = |f: &str| common::eval_file(&dir, &format!("face_recognition_examples/examples/{f}"));
    let mut v = common::liveness_verifier();
    let (obama, biden) = (
        head(&mut v, &ex("obama.jpg"), 260),
        head(&mut v, &ex("biden.jpg"), 240),
    );
    let limits = LivenessOptions::default();
    let mut reports = Vec::new();
    // The subject drifts right 6 px a frame; from frame 8 a second person stands at the right.
    for i in 0..20i64 {
        let subject = (&obama, 60 + 6 * i, 110);
        let img = if i < 8 {
            frame(&[subject])
        } else {
            frame(&[subject, (&biden, 420, 120)])
        };
        let before = v.detector().runs().window;
        let followed = v
            .frame_checks(&img, Pass::Follow, &limits)
            .expect("follows");
        let windowed = v.detector().runs().window > before;
        let whole = v
            .frame_checks(&img, Pass::Guidance, &limits)
            .expect("guides");
        reports.push((i, followed, whole, windowed));
    }
    // One person: the first frame searches the whole frame, then four in five look only around
    // the face.
    let windowed: Vec<bool> = reports[..8].iter().map(|r| r.3).collect();
    assert_eq!(
        windowed,
        [false, true, true, true, true, false, true, true],
        "frames 0-7 answered from a window"
    );
    for (i, followed, whole, _) in &reports[..8] {
        let (a, b) = (
            followed.subject.as_ref().unwrap(),
            whole.subject.as_ref().unwrap(),
        );
        assert!(
            a.bbox.iou(&b.bbox) > 0.85,
            "frame {i}: {:?} vs {:?}",
            a.bbox,
            b.bbox
        );
        assert_eq!(failed(followed), failed(whole), "frame {i}");
    }
    // The stateless pass sees both people from frame 8; following sees them within
    // WHOLE_EVERY (5) frames and then on every frame, not once in five.
    for (i, _, whole, _) in &reports[8..] {
        assert!(failed(whole).contains(&Code::TooManyFaces), "frame {i}");
    }
    let first = reports[8..]
        .iter()
        .find(|(_, f, _, _)| failed(f).contains(&Code::TooManyFaces))
        .map(|(i, _, _, _)| *i)
        .expect("the second person is seen");
    assert!(first < 8 + 5, "seen only at frame {first}");
    for (i, followed, _, windowed) in reports.iter().filter(|r| r.0 >= first) {
        assert!(failed(followed).contains(&Code::TooManyFaces), "frame {i}");
        assert!(
            !windowed,
            "frame {i}: two people are not followed in a window"
        );
    }
}
