//! Each geometric quality code, triggered on a real face by an input built for it: the face
//! shrunk into a large canvas, cut by the frame edge, pushed against a border, rotated, blown up,
//! and a frame with nothing in it. The face is read in place from ../shared/eval.

mod common;

use image::{imageops, Rgb, RgbImage};
use veriface::liveness::frame::ModelThresholds;
use veriface::liveness::quality::{Code, Thresholds};
use veriface::ImageInput;

fn failed(v: &mut veriface::Verifier, img: &RgbImage) -> Vec<Code> {
    let png = common::png(img);
    let g = v
        .frame_report(
            ImageInput::Encoded(&png),
            None,
            &Thresholds::default(),
            &ModelThresholds::default(),
        )
        .expect("quality runs");
    g.checks
        .iter()
        .filter(|c| !c.passed)
        .map(|c| c.code)
        .collect()
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
    let mut v = common::verifier();
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
            canvas(&ok, 640, 480, -40, 100),
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
    }
}
