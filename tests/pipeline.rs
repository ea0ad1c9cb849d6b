//! The whole pipeline with the real models: error classes that need a detector, model checks,
//! determinism, and compare on real faces where the evaluation data is present.

mod common;

use image::imageops::FilterType;
use veriface::{CompareOptions, FacePolicy, ImageInput, ModelBytes, Verifier};

fn enc(b: &[u8]) -> ImageInput<'_> {
    ImageInput::Encoded(b)
}

#[test]
fn compare_reports_no_face_and_names_the_image() {
    let mut v = common::verifier();
    let blank = common::png(&common::gradient(200, 160));
    let err = v
        .compare(enc(&blank), enc(&blank), &CompareOptions::default())
        .unwrap_err();
    assert_eq!(err.code(), "NO_FACE");
    assert!(err.to_string().contains("first"), "{err}");
}

#[test]
fn compare_rejects_a_threshold_outside_zero_to_one() {
    let mut v = common::verifier();
    let blank = common::png(&common::gradient(20, 20));
    for t in [1.5, -0.1, f64::NAN] {
        let options = CompareOptions {
            threshold: t,
            ..CompareOptions::default()
        };
        let err = v.compare(enc(&blank), enc(&blank), &options).unwrap_err();
        assert_eq!(err.code(), "BAD_PARAMETER", "threshold {t}");
    }
}

#[test]
fn compare_rejects_gif_before_running_any_model() {
    let mut v = common::verifier();
    let png = common::png(&common::gradient(20, 20));
    let err = v
        .compare(
            enc(b"GIF89a\x01\x00\x01\x00"),
            enc(&png),
            &CompareOptions::default(),
        )
        .unwrap_err();
    assert_eq!(err.code(), "UNSUPPORTED_FORMAT");
}

#[test]
fn damaged_model_bytes_fail_the_hash_check() {
    let manifest = veriface::models::Manifest::builtin().unwrap();
    let det = std::fs::read(common::models_dir().join(&manifest.detector.file.file)).unwrap();
    let emb_spec = &manifest.embedders[0];
    let first = Some(emb_spec.file.id.as_str());
    let mut emb = std::fs::read(common::models_dir().join(&emb_spec.file.file)).unwrap();
    let last = emb.len() - 1;
    emb[last] ^= 1;
    let err = Verifier::new(
        ModelBytes {
            detector: &det,
            embedders: &[&emb],
        },
        first,
    )
    .err()
    .unwrap();
    assert_eq!(err.code(), "MODEL_HASH_MISMATCH");
    let err = Verifier::new(
        ModelBytes {
            detector: &emb,
            embedders: &[&det],
        },
        first,
    )
    .err()
    .unwrap();
    assert_eq!(err.code(), "MODEL_HASH_MISMATCH");
}

#[test]
fn unknown_embedder_name_lists_the_known_ones() {
    let manifest = veriface::models::Manifest::builtin().unwrap();
    let err = manifest.embedder(Some("no-such-model")).unwrap_err();
    assert_eq!(err.code(), "UNKNOWN_MODEL");
    assert!(err.to_string().contains(&manifest.embedders[0].file.id));
    let err = manifest.embedding(Some("no-such-model")).unwrap_err();
    assert!(err.to_string().contains(&manifest.fusions[0].id), "{err}");
}

#[test]
fn every_error_code_is_unique_and_documented_in_the_readme() {
    let codes = veriface::Error::ALL_CODES;
    let mut sorted = codes.to_vec();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), codes.len());
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    for c in codes {
        assert!(
            readme.contains(&format!("`{c}`")),
            "README error table lacks {c}"
        );
    }
}

#[test]
fn detect_finds_one_face_in_lfw_sample_with_landmarks_in_anatomical_order() {
    let Some(dir) = common::eval_dir("detect_finds_one_face_in_lfw_sample") else {
        return;
    };
    let mut v = common::verifier();
    let bytes = common::eval_file(&dir, "lfw-dev/images/Abel_Pacheco/Abel_Pacheco_0001.jpg");
    let r = v.detect(enc(&bytes)).unwrap();
    assert_eq!(r.faces.len(), 1, "{:?}", r.faces);
    let f = &r.faces[0];
    let [le, re, nose, lm, rm] = f.landmarks;
    assert!(f.detector_score > 0.9);
    assert!(
        le[0] < re[0] && lm[0] < rm[0],
        "left points are left in the image"
    );
    assert!(
        le[1] < nose[1] && nose[1] < lm[1],
        "eyes above nose above mouth"
    );
    for p in f.landmarks {
        assert!(p[0] > f.bbox.x1 && p[0] < f.bbox.x2 && p[1] > f.bbox.y1 && p[1] < f.bbox.y2);
    }
    // LFW images are 250x250 and centred on the subject.
    let cx = (f.bbox.x1 + f.bbox.x2) / 2.0;
    assert!((cx - 125.0).abs() < 25.0, "centre {cx}");
}

/// Boxes and landmarks come back in original pixels whatever resizing and padding the detector
/// applied: the same face in a 3x larger, non-square canvas is found at 3x the coordinates.
#[test]
fn detections_map_back_through_resize_and_letterbox() {
    let Some(dir) = common::eval_dir("detections_map_back_through_resize_and_letterbox") else {
        return;
    };
    let mut v = common::verifier();
    let bytes = common::eval_file(&dir, "lfw-dev/images/Abel_Pacheco/Abel_Pacheco_0001.jpg");
    let small = v.decode(enc(&bytes)).unwrap();
    let base = v.detect(enc(&bytes)).unwrap().faces[0].clone();
    let big = image::imageops::resize(&small, 750, 750, FilterType::Triangle);
    let mut canvas = image::RgbImage::from_pixel(1200, 800, image::Rgb([90, 90, 90]));
    image::imageops::replace(&mut canvas, &big, 300, 40);
    let png = common::png(&canvas);
    let found = v.detect(enc(&png)).unwrap();
    assert_eq!(found.faces.len(), 1);
    let f = &found.faces[0];
    let tol = 0.04 * 750.0;
    for (p, q) in f.landmarks.iter().zip(base.landmarks.iter()) {
        assert!(
            (p[0] - (q[0] * 3.0 + 300.0)).abs() < tol,
            "x {} vs {}",
            p[0],
            q[0] * 3.0 + 300.0
        );
        assert!(
            (p[1] - (q[1] * 3.0 + 40.0)).abs() < tol,
            "y {} vs {}",
            p[1],
            q[1] * 3.0 + 40.0
        );
    }
}

#[test]
fn compare_matches_same_person_and_rejects_different_people() {
    let Some(dir) = common::eval_dir("compare_matches_same_person_and_rejects_different_people")
    else {
        return;
    };
    let mut v = common::verifier();
    let fr = "face_recognition_examples/examples";
    let obama = common::eval_file(&dir, &format!("{fr}/obama.jpg"));
    let obama2 = common::eval_file(&dir, &format!("{fr}/obama2.jpg"));
    let biden = common::eval_file(&dir, &format!("{fr}/biden.jpg"));
    let o = CompareOptions::default();
    let same = v.compare(enc(&obama), enc(&obama2), &o).unwrap();
    let diff = v.compare(enc(&obama), enc(&biden), &o).unwrap();
    assert!(same.is_match, "obama vs obama2: {}", same.score);
    assert!(!diff.is_match, "obama vs biden: {}", diff.score);
    assert!(same.score > diff.score + 0.3);
    assert!((same.dissimilarity - (1.0 - same.score)).abs() < 1e-12);
    assert_eq!(same.threshold, 0.7);
}

#[test]
fn compare_rejects_a_photo_of_two_people() {
    let Some(dir) = common::eval_dir("compare_rejects_a_photo_of_two_people") else {
        return;
    };
    let mut v = common::verifier();
    let two = common::eval_file(&dir, "face_recognition_examples/examples/two_people.jpg");
    let obama = common::eval_file(&dir, "face_recognition_examples/examples/obama.jpg");
    let err = v
        .compare(enc(&obama), enc(&two), &CompareOptions::default())
        .unwrap_err();
    assert_eq!(err.code(), "MULTIPLE_FACES");
    assert!(err.to_string().contains("second"), "{err}");
    // The evaluation policy takes the largest face instead.
    let largest = CompareOptions {
        face_policy: FacePolicy::Largest,
        ..CompareOptions::default()
    };
    assert!(v.compare(enc(&obama), enc(&two), &largest).is_ok());
}

/// Same input, same bits: two runs on one verifier and a run on a fresh verifier give identical
/// embeddings and scores (no threads, no uninitialised memory, no order-dependent reductions).
#[test]
fn compare_is_deterministic_to_the_bit() {
    let Some(dir) = common::eval_dir("compare_is_deterministic_to_the_bit") else {
        return;
    };
    let a = common::eval_file(&dir, "lfw-dev/images/Abel_Pacheco/Abel_Pacheco_0001.jpg");
    let b = common::eval_file(&dir, "lfw-dev/images/Abel_Pacheco/Abel_Pacheco_0004.jpg");
    let o = CompareOptions::default();
    let mut v1 = common::verifier();
    let r1 = v1.compare(enc(&a), enc(&b), &o).unwrap();
    let r2 = v1.compare(enc(&a), enc(&b), &o).unwrap();
    let r3 = common::verifier().compare(enc(&a), enc(&b), &o).unwrap();
    for r in [&r2, &r3] {
        assert_eq!(r.score.to_bits(), r1.score.to_bits());
        assert_eq!(r.similarity.to_bits(), r1.similarity.to_bits());
        assert_eq!(r.face_a, r1.face_a);
        assert_eq!(r.face_b, r1.face_b);
    }
    let img = v1.decode(enc(&a)).unwrap();
    let mut t = Default::default();
    let e1 = v1
        .embed_image(&img, FacePolicy::Single, "a", &mut t)
        .unwrap();
    let e2 = v1
        .embed_image(&img, FacePolicy::Single, "a", &mut t)
        .unwrap();
    assert_eq!(e1.crops, e2.crops);
    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&e1.embedding), bits(&e2.embedding));
}

/// The same photo as a JPEG, as base64 and as RGBA pixels gives the same face.
#[test]
fn encoded_base64_and_rgba_inputs_agree() {
    let Some(dir) = common::eval_dir("encoded_base64_and_rgba_inputs_agree") else {
        return;
    };
    use base64::Engine;
    let mut v = common::verifier();
    let bytes = common::eval_file(&dir, "face_recognition_examples/examples/obama.jpg");
    let b64 = format!(
        "data:image/jpeg;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(&bytes)
    );
    let rgb = v.decode(enc(&bytes)).unwrap();
    let rgba: Vec<u8> = rgb.pixels().flat_map(|p| [p[0], p[1], p[2], 255]).collect();
    let from_bytes = v.detect(enc(&bytes)).unwrap();
    let from_b64 = v.detect(ImageInput::Base64(&b64)).unwrap();
    let from_rgba = v
        .detect(ImageInput::Rgba {
            width: rgb.width(),
            height: rgb.height(),
            data: &rgba,
        })
        .unwrap();
    assert_eq!(from_bytes.faces, from_b64.faces);
    assert_eq!(from_bytes.faces, from_rgba.faces);
}
