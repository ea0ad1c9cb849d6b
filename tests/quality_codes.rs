//! Each geometric quality code, triggered on a real face by an input built for it: the face
//! shrunk into a large canvas, cut by the frame edge, pushed against a border, rotated, blown up,
//! and a frame with nothing in it. The face is read in place from ../shared/eval.

mod common;

use image::{imageops, Rgb, RgbImage};
use veriface::liveness::quality::Code;
use veriface::{ImageInput, LivenessOptions, Pass};

/// The codes that fail on `img`: in the guidance pass (`models` false: the detector at 320,
/// what a page runs on every camera frame) or the full pass with the eye and anti-spoofing
/// models.
fn failed_in(v: &mut veriface::Verifier, img: &RgbImage, models: bool) -> Vec<Code> {
    let png = common::png(img);
    let g = v
        .frame_report(
            ImageInput::Encoded(&png),
            if models { Pass::Full } else { Pass::Guidance },
            &LivenessOptions::default(),
        )
        .expect("quality runs");
    g.checks
        .iter()
        .filter(|c| !c.passed)
        .map(|c| c.code)
        .collect()
}

fn failed(v: &mut veriface::Verifier, img: &RgbImage) -> Vec<Code> {
    failed_in(v, img, false)
}

/// `face` pasted at (x, y) on a grey w x h canvas.
fn canvas(face: &RgbImage, w: u32, h: u32, x: i64, y: i64) -> RgbImage {
    let mut c = RgbImage::from_pixel(w, h, Rgb([128, 128, 128]));
    imageops::overlay(&mut c, face, x, y);
    c
}

#[test]
fn each_quality_code_fires_on_a_real_face_built_to_trigger_it() {
    let Some(dir) = common::eval_dir("each_quality_code_fires_on_a_real_face_built_to_trigger_it")
    else {
        return;
    };
    let bytes = common::eval_file(&dir, "face_recognition_examples/examples/obama.jpg");
    let mut v = common::liveness_verifier();
    let photo = v.decode(ImageInput::Encoded(&bytes)).expect("decodes");
    // The face region of the photo, found by the detector, with a margin: the subject.
    let faces = v
        .detect(ImageInput::Encoded(&bytes))
        .expect("detects")
        .faces;
    let b = faces[0].bbox;
    let (fw, fh) = (b.x2 - b.x1, b.y2 - b.y1);
    let (cx, cy) = (
        (b.x1 - 0.3 * fw).max(0.0) as u32,
        (b.y1 - 0.3 * fh).max(0.0) as u32,
    );
    let (cw, ch) = ((1.6 * fw) as u32, (1.6 * fh) as u32);
    let head = imageops::crop_imm(
        &photo,
        cx,
        cy,
        cw.min(photo.width() - cx),
        ch.min(photo.height() - cy),
    )
    .to_image();
    let (hw, hh) = head.dimensions();

    // Centred at arm's length in a 640 x 480 frame: nothing fails.
    let ok = imageops::resize(&head, 240, 240 * hh / hw, imageops::FilterType::Triangle);
    let centred = canvas(&ok, 640, 480, 200, 480 / 2 - i64::from(ok.height()) / 2);
    assert_eq!(failed(&mut v, &centred), []);

    let small = imageops::resize(&head, 90, 90 * hh / hw, imageops::FilterType::Triangle);
    // The face (about 1/1.6 of the head crop) made 290 px tall in a 400 x 300 frame.
    let big = imageops::resize(&head, 464 * hw / hh, 464, imageops::FilterType::Triangle);
    let close_up = canvas(
        &big,
        400,
        300,
        (400 - i64::from(big.width())) / 2,
        (300 - 464) / 2,
    );
    let mut two = canvas(&ok, 640, 480, 20, 100);
    imageops::overlay(&mut two, &ok, 340, 100);
    let cases: Vec<(&str, RgbImage, Code)> = vec![
        (
            "shrunk into a large frame",
            canvas(&small, 1280, 960, 600, 400),
            Code::FaceTooSmall,
        ),
        (
            "a third outside the left edge",
            canvas(&ok, 640, 480, -95, 100),
            Code::FaceCropped,
        ),
        (
            "against the left edge",
            canvas(&ok, 640, 480, -48, 100),
            Code::FaceCloseToBorder,
        ),
        (
            "blown up to fill the frame",
            close_up.clone(),
            Code::FaceTooClose,
        ),
        (
            "rotated by 90 degrees",
            canvas(&imageops::rotate90(&ok), 640, 480, 200, 100),
            Code::FaceAngleTooLarge,
        ),
        (
            "an empty frame",
            RgbImage::from_pixel(640, 480, Rgb([90, 120, 150])),
            Code::FaceNotFound,
        ),
        ("two people side by side", two, Code::TooManyFaces),
    ];
    let mut two = canvas(&ok, 640, 480, 20, 100);
    imageops::overlay(&mut two, &ok, 340, 100);
    let cases = cases.into_iter().map(|(n, img, c)| {
        if c == Code::TooManyFaces {
            (n, two.clone(), c)
        } else {
            (n, img, c)
        }
    });
    for (name, img, code) in cases {
        let f = failed(&mut v, &img);
        assert!(f.contains(&code), "{name}: expected {code:?}, failed {f:?}");
        // The full pass (detector at 640, with the models) agrees.
        let f = failed_in(&mut v, &img, true);
        assert!(f.contains(&code), "{name}: expected {code:?}, failed {f:?}");
    }
}

/// The checks that need pixels or models, each on a real face altered to trigger it: eyes
/// painted over with the skin below them (EYES_CLOSED), a light-blue surgical mask drawn over
/// the lower face (FACE_IS_OCCLUDED); and a labelled print attack (FACE_NOT_LIVE).
#[test]
fn eye_occlusion_and_liveness_codes_fire_on_inputs_built_to_trigger_them() {
    let Some(dir) =
        common::eval_dir("eye_occlusion_and_liveness_codes_fire_on_inputs_built_to_trigger_them")
    else {
        return;
    };
    let mut v = common::liveness_verifier();
    let bytes = common::eval_file(&dir, "face_recognition_examples/examples/obama.jpg");
    let photo = v.decode(ImageInput::Encoded(&bytes)).expect("decodes");
    let face = v
        .detect(ImageInput::Encoded(&bytes))
        .expect("detects")
        .faces[0]
        .clone();
    let bare = failed_in(&mut v, &photo, true);
    assert!(
        !bare.contains(&Code::EyesClosed) && !bare.contains(&Code::FaceIsOccluded),
        "the untouched photo: {bare:?}"
    );
    let [le, re, ..] = face.landmarks;
    let iod = (re[0] - le[0]).hypot(re[1] - le[1]);

    // Eyes closed: each eye's region blended into the skin half an eye distance below it, with
    // the dark line of the closed lids across it.
    let mut closed = photo.clone();
    for eye in [le, re] {
        let skin = photo
            .get_pixel(eye[0] as u32, (eye[1] + 0.5 * iod) as u32)
            .0;
        let (rx, ry) = (0.3 * iod, 0.15 * iod);
        for dy in -(ry as i64) * 2..=(ry as i64) * 2 {
            for dx in -(rx as i64) * 2..=(rx as i64) * 2 {
                let (x, y) = ((eye[0] as i64 + dx) as u32, (eye[1] as i64 + dy) as u32);
                let d = ((dx as f32 / rx).powi(2) + (dy as f32 / ry).powi(2)).sqrt();
                // Fully skin inside the ellipse, feathered to the photo over one radius.
                let w = (2.0 - d).clamp(0.0, 1.0);
                let lid =
                    (dy as f32 - 0.3 * ry + 0.25 * (dx as f32).powi(2) / rx).abs() < 1.5 && d < 1.0;
                let p = closed.get_pixel(x, y).0;
                let target = if lid {
                    [40.0, 30.0, 30.0]
                } else {
                    skin.map(f32::from)
                };
                let mixed: [u8; 3] =
                    std::array::from_fn(|c| (w * target[c] + (1.0 - w) * f32::from(p[c])) as u8);
                closed.put_pixel(x, y, Rgb(mixed));
            }
        }
    }
    let f = failed_in(&mut v, &closed, true);
    assert!(f.contains(&Code::EyesClosed), "eyes painted over: {f:?}");

    // A surgical mask from just under the eyes to the chin, across the face.
    let mut masked = photo.clone();
    let b = face.bbox;
    let top = (le[1].max(re[1]) + 0.35 * iod) as u32;
    for y in top..(b.y2 as u32).min(photo.height()) {
        for x in (b.x1.max(0.0) as u32)..(b.x2 as u32).min(photo.width()) {
            masked.put_pixel(x, y, Rgb([150, 190, 220]));
        }
    }
    let f = failed_in(&mut v, &masked, true);
    assert!(f.contains(&Code::FaceIsOccluded), "masked: {f:?}");
    // The guidance pass sees it too: it needs no model.
    let f = failed_in(&mut v, &masked, false);
    assert!(
        f.contains(&Code::FaceIsOccluded),
        "masked, guidance pass: {f:?}"
    );

    // A printed photo held to the camera (silentface's labelled print attack).
    let print = common::eval_file(&dir, "silentface_antispoof_samples/images/image_F1.jpg");
    let r = v
        .frame_report(
            ImageInput::Encoded(&print),
            Pass::Full,
            &LivenessOptions::default(),
        )
        .expect("runs");
    let live = r
        .checks
        .iter()
        .find(|c| c.code == Code::FaceNotLive)
        .expect("the check ran");
    assert!(!live.passed, "print attack p(live) {}", live.value);
}
