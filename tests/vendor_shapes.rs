//! Every vendor shape, success and error, validated against its JSON Schema (schemas/) and
//! compared with a golden file (tests/golden/), and `handle` fed each vendor's own example
//! request from ../shared/seeds.
//!
//! Ids and timestamps are fixed through the `Context`; timings are masked and floats rounded
//! to 4 decimals before comparing, so a golden file changes only when a shape or a decision does.
//! `VERIFACE_BLESS=1 cargo test --release --test vendor_shapes` rewrites the golden files.

mod common;

use std::path::PathBuf;

use serde_json::{json, Value};
use veriface::endpoints::{self, Request};
use veriface::shapes::{self as vendor, Context, Failure, Format, Lang, Response};
use veriface::{CompareOptions, Error, ImageInput, Verifier};

const ID: &str = "00000000-0000-4000-8000-000000000000";
const TIMESTAMP: f64 = 1_710_444_590_759.0;

fn ctx() -> Context {
    Context {
        transaction_id: ID.into(),
        timestamp_ms: TIMESTAMP,
        ..Context::default()
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn schema_file(format: Format) -> &'static str {
    match format {
        Format::Vlens => "vlens-compare.schema.json",
        Format::Valify => "valify-face-match.schema.json",
        Format::Deepvue => "deepvue-facematch.schema.json",
        Format::Opencv => "opencv-compare.schema.json",
        Format::Veriface => "veriface-compare.schema.json",
    }
}

/// The schema of a liveness response in `format`: Vlens and veriface have liveness shapes; the
/// others answer liveness as their compare (the ID match, or their error).
fn liveness_schema_file(format: Format) -> &'static str {
    match format {
        Format::Vlens => "vlens-liveness.schema.json",
        Format::Veriface => "veriface-liveness.schema.json",
        other => schema_file(other),
    }
}

fn validate(format: Format, body: &Value, what: &str) {
    validate_with(schema_file(format), format, body, what);
}

fn validate_with(file: &str, format: Format, body: &Value, what: &str) {
    let path = root().join("schemas").join(file);
    let schema: Value = serde_json::from_slice(&std::fs::read(&path).expect("schema file"))
        .expect("schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(body)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "{what}: {} response does not match {}:\n{}\n{body:#}",
        format.name(),
        path.display(),
        errors.join("\n")
    );
}

/// Timings masked, floats rounded: what a golden file pins.
fn stable(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| {
                    let v = if k.ends_with("_ms") {
                        json!("<ms>")
                    } else {
                        stable(v)
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(stable).collect()),
        Value::Number(n) if n.is_f64() => {
            let x = n.as_f64().unwrap_or_default();
            json!((x * 1e4).round() / 1e4)
        }
        other => other.clone(),
    }
}

fn golden(name: &str, response: &Response) {
    let path = root().join("tests/golden").join(format!("{name}.json"));
    let actual = stable(&json!({ "status": response.status, "body": response.body }));
    if std::env::var_os("VERIFACE_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().expect("has a parent")).expect("mkdir");
        let text = serde_json::to_string_pretty(&actual).expect("json") + "\n";
        std::fs::write(&path, text).expect("write golden");
        return;
    }
    let text = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "no golden file {}: run with VERIFACE_BLESS=1",
            path.display()
        )
    });
    let expected: Value = serde_json::from_str(&text).expect("golden is JSON");
    assert_eq!(
        actual,
        expected,
        "{name} differs from {}; if the change is intended, rerun with VERIFACE_BLESS=1",
        path.display()
    );
}

fn check_all_formats(name: &str, outcome: &Result<veriface::CompareResult, Failure>) {
    for &format in Format::ALL {
        let response = vendor::compare_response(format, outcome, &ctx());
        validate(format, &response.body, name);
        golden(&format!("{}/{name}", format.name()), &response);
    }
}

fn outcome(
    v: &mut Verifier,
    a: &[u8],
    b: &[u8],
    options: &CompareOptions,
) -> Result<veriface::CompareResult, Failure> {
    v.compare(ImageInput::Encoded(a), ImageInput::Encoded(b), options)
        .map_err(Failure::from)
}

/// Inputs made here, needing no eval data: an image with no face, and broken files.
#[test]
fn error_outcomes_match_schema_and_golden_in_every_format() {
    let mut v = common::verifier();
    let plain = common::png(&common::gradient(96, 96));
    let jpeg = common::jpeg(&common::gradient(96, 96));
    let default = CompareOptions::default();
    let cases: Vec<(&str, Result<veriface::CompareResult, Failure>)> = vec![
        ("no_face", outcome(&mut v, &plain, &plain, &default)),
        (
            "unsupported_format",
            outcome(&mut v, b"GIF89a\x01\x00\x01\x00", &plain, &default),
        ),
        (
            "corrupt_image",
            outcome(&mut v, &jpeg[..jpeg.len() / 2], &plain, &default),
        ),
        ("empty_input", outcome(&mut v, b"", &plain, &default)),
        (
            "bad_threshold",
            outcome(
                &mut v,
                &plain,
                &plain,
                &CompareOptions {
                    threshold: 1.5,
                    ..default
                },
            ),
        ),
        (
            "internal_error",
            Err(Failure::Pipeline(Error::Inference {
                reason: "synthetic".into(),
            })),
        ),
    ];
    for (name, outcome) in &cases {
        assert!(outcome.is_err(), "{name} should fail");
        check_all_formats(name, outcome);
    }
    // A missing second image, under each vendor's own field name.
    for (format, field) in [
        (Format::Vlens, "face_image2"),
        (Format::Valify, "second_img"),
        (Format::Deepvue, "file_b"),
        (Format::Opencv, "ref_face_base_64"),
        (Format::Veriface, "b"),
    ] {
        let failure = Err(Failure::Missing {
            field: field.into(),
        });
        let response = vendor::compare_response(format, &failure, &ctx());
        validate(format, &response.body, "missing_field");
        golden(&format!("{}/missing_field", format.name()), &response);
    }
    // The pipeline's own codes, as the cases above were meant to produce.
    let codes: Vec<&str> = cases
        .iter()
        .filter_map(|(_, o)| o.as_ref().err().map(Failure::code))
        .collect();
    assert_eq!(
        codes,
        [
            "NO_FACE",
            "UNSUPPORTED_FORMAT",
            "CORRUPT_IMAGE",
            "EMPTY_INPUT",
            "BAD_PARAMETER",
            "INFERENCE_FAILED"
        ]
    );
}

#[test]
fn face_outcomes_match_schema_and_golden_in_every_format() {
    let Some(dir) = common::eval_dir("face_outcomes_match_schema_and_golden_in_every_format")
    else {
        return;
    };
    let ex = |f: &str| common::eval_file(&dir, &format!("face_recognition_examples/examples/{f}"));
    let mut v = common::verifier();
    let default = CompareOptions::default();
    let (obama, obama2, biden, two) = (
        ex("obama.jpg"),
        ex("obama2.jpg"),
        ex("biden.jpg"),
        ex("two_people.jpg"),
    );
    let cases = [
        ("match", outcome(&mut v, &obama, &obama2, &default)),
        ("no_match", outcome(&mut v, &obama, &biden, &default)),
        ("multiple_faces", outcome(&mut v, &obama, &two, &default)),
    ];
    assert!(cases[0].1.as_ref().is_ok_and(|r| r.is_match));
    assert!(cases[1].1.as_ref().is_ok_and(|r| !r.is_match));
    assert_eq!(
        cases[2].1.as_ref().err().map(Failure::code),
        Some("MULTIPLE_FACES")
    );
    for (name, outcome) in &cases {
        check_all_formats(name, outcome);
    }
}

/// The request bodies exactly as each vendor's page shows them. Their images are placeholders
/// ("/9j/FACE1_BASE64...", "example_string", "U2Vjb25kIGltYWdl" = "Second image"), so each gets
/// the vendor's answer for an undecodable image; the same requests with real images follow.
fn seed_examples() -> Vec<(&'static str, &'static str, Value)> {
    vec![
        (
            "vlens_seed_example",
            "https://api.vlenseg.com/v1/ocr/face/compare",
            json!({ "face_image1": "/9j/FACE1_BASE64...", "face_image2": "/9j/FACE2_BASE64..." }),
        ),
        (
            "valify_seed_example",
            "https://valifystage.com/api/v1/face/match/",
            json!({ "first_img": "<base64>", "second_img": "<base64>", "bundle_key": "<bundle key>", "lang": "<lang>" }),
        ),
        (
            "deepvue_seed_example",
            "https://production.deepvue.tech/v1/facematch",
            json!({ "file_a": "example_string", "file_b": "example_string" }),
        ),
        (
            "opencv_seed_example",
            "/compare",
            json!({ "check_liveness": false, "face_base_64": "U2Vjb25kIGltYWdl", "min_similarity_score": 0.7, "ref_face_base_64": "Rmlyc3QgaW1hZ2U=" }),
        ),
        (
            "vlens_liveness_seed_example",
            "https://api.vlenseg.com/v1/ocr/liveness/multi",
            json!({ "image": "iVBORw0KGgoAAAANSUhEUgAAAQAAAAEACAIAAADTED8xAA==", "face_1": "iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAYAAAAf8/9hAA==", "face_2": "iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAYAAAAf8/9hBB==", "face_3": "iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAYAAAAf8/9hCC==" }),
        ),
    ]
}

fn handle(v: &mut Verifier, endpoint: &str, body: &Value) -> (Format, Response) {
    let format = endpoints::endpoint_format(endpoint).expect("a vendor endpoint");
    let response = endpoints::handle(v, Request { endpoint, body }, ctx());
    if endpoint.contains("liveness") {
        validate_with(
            liveness_schema_file(format),
            format,
            &response.body,
            endpoint,
        );
    } else {
        validate(format, &response.body, endpoint);
    }
    (format, response)
}

#[test]
fn handle_answers_each_vendors_example_request() {
    let mut v = common::liveness_verifier();
    let expected_status = [400, 400, 415, 400, 400];
    for ((name, endpoint, body), status) in seed_examples().into_iter().zip(expected_status) {
        let (_, response) = handle(&mut v, endpoint, &body);
        assert_eq!(response.status, status, "{name}: {:#}", response.body);
        golden(&format!("handle/{name}"), &response);
    }
    // Missing fields: each vendor's status and shape.
    let missing = [
        ("/v1/ocr/face/compare", json!({ "face_image1": "x" }), 400),
        (
            "/api/v1/face/match/",
            json!({ "first_img": "x", "second_img": "y" }),
            400,
        ),
        ("/v1/facematch", json!({ "file_b": "x" }), 422),
        ("/compare", json!({ "face_base_64": "x" }), 422),
        ("/veriface/compare", json!({ "a": "x" }), 400),
    ];
    for (endpoint, body, status) in missing {
        let (format, response) = handle(&mut v, endpoint, &body);
        assert_eq!(response.status, status, "{endpoint}: {:#}", response.body);
        golden(
            &format!("handle/{}_missing_field", format.name()),
            &response,
        );
    }
    // Deepvue refuses files by name as well as by content.
    let png = base64_of(&common::png(&common::gradient(64, 64)));
    let body = json!({ "file_a": png, "file_b": png, "file_a_name": "selfie.webp" });
    let (_, response) = handle(&mut v, "/v1/facematch", &body);
    assert_eq!(response.status, 415);
    assert_eq!(response.body["sub_code"], "UNSUPPORTED_FILE_FORMAT");
    // Unknown endpoints are a 404, not a guess.
    let response = endpoints::handle(
        &mut v,
        Request {
            endpoint: "/v1/ocr/id/front",
            body: &json!({}),
        },
        ctx(),
    );
    assert_eq!(response.status, 404);
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[test]
fn handle_with_real_images_echoes_ids_and_speaks_arabic() {
    let Some(dir) = common::eval_dir("handle_with_real_images_echoes_ids_and_speaks_arabic") else {
        return;
    };
    let ex = |f: &str| {
        base64_of(&common::eval_file(
            &dir,
            &format!("face_recognition_examples/examples/{f}"),
        ))
    };
    let (a, b, other) = (ex("obama.jpg"), ex("obama2.jpg"), ex("biden.jpg"));
    let mut v = common::verifier();
    let requests = [
        (
            "vlens_match",
            "/v1/ocr/face/compare",
            json!({ "face_image1": a, "face_image2": b, "request_id": "req-1", "client_transaction_id": "client-7" }),
        ),
        (
            "valify_match",
            "/api/v1/face/match/",
            json!({ "first_img": a, "second_img": b, "bundle_key": "k" }),
        ),
        (
            "deepvue_no_match",
            "/v1/facematch",
            json!({ "file_a": a, "file_b": other, "file_a_name": "a.jpg", "file_b_name": "b.JPEG" }),
        ),
        (
            "opencv_match",
            "/compare",
            json!({ "face_base_64": a, "ref_face_base_64": b, "min_similarity_score": 0.67, "check_liveness": false }),
        ),
        (
            "veriface_match",
            "/veriface/compare",
            json!({ "a": a, "b": b, "threshold": 0.7 }),
        ),
    ];
    for (name, endpoint, body) in requests {
        let (_, response) = handle(&mut v, endpoint, &body);
        assert_eq!(response.status, 200, "{name}: {:#}", response.body);
        golden(&format!("handle/{name}"), &response);
    }
    let (_, vlens) = handle(
        &mut v,
        "/v1/ocr/face/compare",
        &json!({ "face_image1": a, "face_image2": b, "request_id": "req-1", "client_transaction_id": "client-7" }),
    );
    assert_eq!(vlens.body["data"]["request_id"], "req-1");
    assert_eq!(vlens.body["data"]["client_transaction_id"], "client-7");
    // Valify in Arabic: a face error's message is Arabic, the code the same as in English.
    let blank = base64_of(&common::png(&common::gradient(96, 96)));
    let body = json!({ "first_img": a, "second_img": blank, "bundle_key": "k", "lang": "ar" });
    let (_, ar) = handle(&mut v, "/api/v1/face/match/", &body);
    assert_eq!(ar.status, 422);
    let message = ar.body["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("لم يُعثر على وجه في الصورة الثانية"),
        "{message}"
    );
    golden("handle/valify_no_face_arabic", &ar);
}

/// Every failure has an Arabic message, distinct from the English, for Valify's `lang: "ar"`.
#[test]
fn every_error_code_has_an_arabic_valify_message() {
    let failures = [
        Error::EmptyInput,
        Error::NotBase64 { reason: "x".into() },
        Error::UnsupportedFormat {
            format: "GIF".into(),
        },
        Error::CorruptImage { reason: "x".into() },
        Error::TooLarge {
            what: "width",
            actual: 2,
            limit: 1,
        },
        Error::BadFrame { reason: "x".into() },
        Error::NoFace {
            which: "first".into(),
        },
        Error::MultipleFaces {
            which: "second".into(),
            count: 2,
        },
        Error::bad_parameter("threshold", "x"),
        Error::ModelHashMismatch {
            model: "m".into(),
            expected: "a".into(),
            actual: "b".into(),
        },
        Error::UnknownModel {
            name: "m".into(),
            known: "n".into(),
        },
        Error::Inference { reason: "x".into() },
    ];
    assert_eq!(failures.len(), Error::ALL_CODES.len());
    let arabic = |c: char| ('\u{0600}'..='\u{06FF}').contains(&c);
    for e in failures {
        let f = Failure::Pipeline(e);
        let ctx = Context {
            lang: Lang::Ar,
            ..ctx()
        };
        let r = vendor::compare_response(Format::Valify, &Err(f.clone()), &ctx);
        let message = r.body["message"].as_str().unwrap_or_default().to_string();
        assert!(
            message.chars().filter(|c| arabic(*c)).count() > 5,
            "{}: {message}",
            f.code()
        );
        validate(Format::Valify, &r.body, f.code());
    }
}

/// Liveness in every shape: a still sent three times with an ID of the same person (not live:
/// REPLAYED_STILL), three distinct shots of one photo with an ID of the same person and of
/// another, without an ID, and frames too far apart. Then each vendor's liveness request
/// through `handle`: Vlens liveness/multi, veriface liveness, and OpenCV FR's check_liveness.
#[test]
fn liveness_outcomes_match_schema_and_golden_in_every_format() {
    let Some(dir) = common::eval_dir("liveness_outcomes_match_schema_and_golden_in_every_format")
    else {
        return;
    };
    use common::frames;
    use veriface::LivenessOptions;
    let ex = |f: &str| common::eval_file(&dir, &format!("face_recognition_examples/examples/{f}"));
    let (obama, obama2, biden) = (ex("obama.jpg"), ex("obama2.jpg"), ex("biden.jpg"));
    let photo = image::load_from_memory(&obama).expect("decodes").to_rgb8();
    let (w, h) = photo.dimensions();
    let shot =
        |dx: u32| common::png(&image::imageops::crop_imm(&photo, dx, 0, w - 12, h).to_image());
    let shots = [shot(0), shot(6), shot(12)];
    let still = [obama.clone(), obama.clone(), obama.clone()];
    let mut v = common::liveness_verifier();
    let options = LivenessOptions::default();
    let cases: Vec<(&str, Result<_, Failure>)> = vec![
        (
            "liveness_replayed_still",
            v.liveness(
                &frames(&still, Some(&[0.0, 160.0, 320.0])),
                Some(ImageInput::Encoded(&obama2)),
                &options,
            )
            .map_err(Failure::from),
        ),
        (
            "liveness_shots_same_id",
            v.liveness(
                &frames(&shots, None),
                Some(ImageInput::Encoded(&obama2)),
                &options,
            )
            .map_err(Failure::from),
        ),
        (
            "liveness_shots_other_id",
            v.liveness(
                &frames(&shots, None),
                Some(ImageInput::Encoded(&biden)),
                &options,
            )
            .map_err(Failure::from),
        ),
        (
            "liveness_no_id",
            v.liveness(&frames(&shots, None), None, &options)
                .map_err(Failure::from),
        ),
        (
            "liveness_too_slow",
            v.liveness(&frames(&shots, Some(&[0.0, 400.0, 800.0])), None, &options)
                .map_err(Failure::from),
        ),
    ];
    for (name, outcome) in &cases {
        for &format in Format::ALL {
            let response = vendor::liveness_response(format, outcome, &ctx());
            validate_with(liveness_schema_file(format), format, &response.body, name);
            golden(&format!("{}/{name}", format.name()), &response);
        }
    }
    // What each shape says, beyond the schema.
    let (_, replay) = &cases[0];
    let r = replay.as_ref().expect("runs");
    assert!(!r.is_live && r.presentation_attack);
    assert!(r.id_match.as_ref().is_some_and(|m| m.is_match));
    let vlens = vendor::liveness_response(Format::Vlens, replay, &ctx()).body;
    assert_eq!(vlens["services"]["liveness"], false);
    assert_eq!(vlens["services"]["spoofing"]["fake"], true);
    assert_eq!(vlens["data"]["isDigitalIdentityVerified"], false);
    let opencv = vendor::liveness_response(Format::Opencv, replay, &ctx());
    assert_eq!(opencv.status, 400);
    assert_eq!(opencv.body["code"], "ERR_LIVENESS_ERROR");
    let other = vendor::liveness_response(Format::Vlens, &cases[2].1, &ctx()).body;
    assert_eq!(other["data"]["isDigitalIdentityVerified"], false);
    let no_id = vendor::liveness_response(Format::Vlens, &cases[3].1, &ctx()).body;
    assert_eq!(no_id["data"]["isDigitalIdentityVerified"], Value::Null);
    let slow = vendor::liveness_response(Format::Veriface, &cases[4].1, &ctx());
    assert_eq!(slow.status, 400);
    assert_eq!(slow.body["error"]["code"], "BAD_PARAMETER");

    // The vendors' liveness requests with real images.
    let b64 = |bytes: &[u8]| base64_of(bytes);
    let requests = [
        (
            "vlens_liveness_multi",
            "https://api.vlenseg.com/v1/ocr/liveness/multi",
            json!({ "image": b64(&obama2), "face_1": b64(&shots[0]), "face_2": b64(&shots[1]), "face_3": b64(&shots[2]), "request_id": "req-7" }),
        ),
        (
            "veriface_liveness",
            "/veriface/liveness",
            json!({ "frames": [b64(&still[0]), b64(&still[1]), b64(&still[2])], "timestamps": [0, 150, 300], "id_front": b64(&biden) }),
        ),
        (
            "opencv_check_liveness",
            "/compare",
            json!({ "face_base_64": b64(&obama), "ref_face_base_64": b64(&obama2), "min_similarity_score": 0.7, "check_liveness": true }),
        ),
        (
            "vlens_liveness_missing_face",
            "/v1/ocr/liveness/multi",
            json!({ "face_1": b64(&shots[0]), "face_2": b64(&shots[1]) }),
        ),
    ];
    for (name, endpoint, body) in requests {
        let (_, response) = handle(&mut v, endpoint, &body);
        golden(&format!("handle/{name}"), &response);
    }
    let (_, r) = handle(
        &mut v,
        "/v1/ocr/liveness/multi",
        &json!({ "face_1": "x", "face_2": "y" }),
    );
    assert_eq!(r.status, 400);
    assert_eq!(
        r.body["services"]["validations"]["validation_errors"][0]["field"],
        "face_3"
    );
    // check_liveness ran: the answer is either the match or the page's liveness error with one
    // of its codes, never UNKNOWN_ERROR.
    let (_, r) = handle(
        &mut v,
        "/compare",
        &json!({ "face_base_64": b64(&obama), "ref_face_base_64": b64(&obama2), "check_liveness": true }),
    );
    assert!(
        r.body["is_match"] == true
            || (r.body["code"] == "ERR_LIVENESS_ERROR"
                && r.body["metadata"]["code"] != "UNKNOWN_ERROR"),
        "{:#}",
        r.body
    );
}
