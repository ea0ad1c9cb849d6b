//! Every endpoint answers exactly what `endpoints::handle` answers, in its schema.

use serde_json::{json, Value};
use veriface::shapes::Format;

use crate::common;
use crate::support::{self, b64, get, golden, post, post_json, validate, Reply, Server, KEY};

/// POSTs to a vendor path with the key, checks status, schema and golden file.
fn check(s: &Server, name: &str, path: &str, body: &Value, status: u16) -> Reply {
    let format = veriface::endpoints::endpoint_format(path).expect("a vendor path");
    let r = post_json(&s.url(path), format, body);
    assert_eq!(r.status, status, "{name}: {}", r.text());
    validate(format, path.contains("liveness"), &r.json(), name);
    golden(&format!("handle/{name}"), &r);
    r
}

#[test]
fn every_endpoint_answers_as_handle_does() {
    let keys = support::key_file("endpoints");
    let s = Server::start(
        "endpoints",
        &["--workers", "2", "--api-key-file", keys.to_str().unwrap()],
    );
    // The vendors' own example requests (placeholder images) and missing fields.
    let seeds = [
        (
            "vlens_seed_example",
            "/v1/ocr/face/compare",
            json!({ "face_image1": "/9j/FACE1_BASE64...", "face_image2": "/9j/FACE2_BASE64..." }),
            400,
        ),
        (
            "valify_seed_example",
            "/api/v1/face/match/",
            json!({ "first_img": "<base64>", "second_img": "<base64>", "bundle_key": "<bundle key>", "lang": "<lang>" }),
            400,
        ),
        (
            "opencv_seed_example",
            "/compare",
            json!({ "check_liveness": false, "face_base_64": "U2Vjb25kIGltYWdl", "min_similarity_score": 0.7, "ref_face_base_64": "Rmlyc3QgaW1hZ2U=" }),
            400,
        ),
        (
            "vlens_liveness_seed_example",
            "/v1/ocr/liveness/multi",
            json!({ "image": "iVBORw0KGgoAAAANSUhEUgAAAQAAAAEACAIAAADTED8xAA==", "face_1": "iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAYAAAAf8/9hAA==", "face_2": "iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAYAAAAf8/9hBB==", "face_3": "iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAYAAAAf8/9hCC==" }),
            400,
        ),
        (
            "vlens_missing_field",
            "/v1/ocr/face/compare",
            json!({ "face_image1": "x" }),
            400,
        ),
        (
            "valify_missing_field",
            "/api/v1/face/match/",
            json!({ "first_img": "x", "second_img": "y" }),
            400,
        ),
        (
            "deepvue_missing_field",
            "/v1/facematch",
            json!({ "file_b": "x" }),
            422,
        ),
        (
            "opencv_missing_field",
            "/compare",
            json!({ "face_base_64": "x" }),
            422,
        ),
        (
            "veriface_missing_field",
            "/veriface/compare",
            json!({ "a": "x" }),
            400,
        ),
    ];
    for (name, path, body, status) in &seeds {
        check(&s, name, path, body, *status);
    }
    // Deepvue's page sends a multipart form: `--form file_a=example_string`.
    let (ct, form) = support::multipart(&[
        ("file_a", None, b"example_string"),
        ("file_b", None, b"example_string"),
    ]);
    let r = post(
        &s.url("/v1/facematch"),
        &ct,
        &[support::key_header(Format::Deepvue, KEY)],
        &form,
    );
    assert_eq!(r.status, 415, "{}", r.text());
    golden("handle/deepvue_seed_example", &r);

    // Without --key-file the challenge endpoints are not served: 501 in veriface's shape.
    for path in ["/veriface/challenge", "/veriface/challenge/verify"] {
        let r = post_json(&s.url(path), Format::Veriface, &json!({}));
        assert_eq!(r.status, 501, "{}", r.text());
        assert_eq!(r.json()["error"]["code"], "NOT_IMPLEMENTED");
        validate(Format::Veriface, false, &r.json(), path);
    }
    let health = get(&s.url("/healthz"));
    assert_eq!(health.status, 200);
    assert_eq!(health.json()["workers"], 2);

    let Some(dir) = common::eval_dir("every_endpoint_answers_as_handle_does (real faces)") else {
        return;
    };
    let ex = |f: &str| common::eval_file(&dir, &format!("face_recognition_examples/examples/{f}"));
    let (obama, obama2, biden) = (ex("obama.jpg"), ex("obama2.jpg"), ex("biden.jpg"));
    let (a, b, other) = (b64(&obama), b64(&obama2), b64(&biden));
    let compares = [
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
    for (name, path, body) in &compares {
        check(&s, name, path, body, 200);
    }
    // Deepvue as its clients send it: two files in a multipart form.
    let (ct, form) = support::multipart(&[
        ("file_a", Some("a.jpg"), &obama),
        ("file_b", Some("b.JPEG"), &biden),
    ]);
    let r = post(
        &s.url("/v1/facematch"),
        &ct,
        &[support::key_header(Format::Deepvue, KEY)],
        &form,
    );
    assert_eq!(r.status, 200, "{}", r.text());
    validate(Format::Deepvue, false, &r.json(), "deepvue multipart");
    golden("handle/deepvue_no_match", &r);
    let blank = b64(&common::png(&common::gradient(96, 96)));
    check(
        &s,
        "valify_no_face_arabic",
        "/api/v1/face/match/",
        &json!({ "first_img": a, "second_img": blank, "bundle_key": "k", "lang": "ar" }),
        422,
    );

    // Liveness: three shots of one photo (as tests/vendor_shapes.rs makes them) and a still.
    let photo = image::load_from_memory(&obama).expect("decodes").to_rgb8();
    let (w, h) = photo.dimensions();
    let shot = |dx: u32| {
        b64(&common::png(
            &image::imageops::crop_imm(&photo, dx, 0, w - 12, h).to_image(),
        ))
    };
    let shots = [shot(0), shot(6), shot(12)];
    let livenesses = [
        (
            "vlens_liveness_multi",
            "/v1/ocr/liveness/multi",
            json!({ "image": b, "face_1": shots[0], "face_2": shots[1], "face_3": shots[2], "request_id": "req-7" }),
        ),
        (
            "veriface_liveness",
            "/veriface/liveness",
            json!({ "frames": [a, a, a], "timestamps": [0, 150, 300], "id_front": other }),
        ),
        (
            "opencv_check_liveness",
            "/compare",
            json!({ "face_base_64": a, "ref_face_base_64": b, "min_similarity_score": 0.7, "check_liveness": true }),
        ),
        (
            "vlens_liveness_missing_face",
            "/v1/ocr/liveness/multi",
            json!({ "face_1": shots[0], "face_2": shots[1] }),
        ),
    ];
    for (name, path, body) in &livenesses {
        let format = veriface::endpoints::endpoint_format(path).expect("vendor");
        let r = post_json(&s.url(path), format, body);
        validate(format, path.contains("liveness"), &r.json(), name);
        golden(&format!("handle/{name}"), &r);
    }

    // verify-evidence: the server's own veriface result confirmed; a tampered score refuted; a
    // claim for another embedder and a body without the images refused in veriface's shape.
    let result = post_json(
        &s.url("/veriface/compare"),
        Format::Veriface,
        &json!({ "a": a, "b": b }),
    )
    .json();
    let evidence = |result: &Value| json!({ "result": result, "a": a, "b": b });
    let r = post_json(
        &s.url("/veriface/verify-evidence"),
        Format::Veriface,
        &evidence(&result),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["confirmed"], true, "{}", r.text());
    let mut tampered = result.clone();
    tampered["score"] = json!(0.2);
    let r = post_json(
        &s.url("/veriface/verify-evidence"),
        Format::Veriface,
        &evidence(&tampered),
    );
    assert_eq!((r.status, &r.json()["confirmed"]), (200, &json!(false)));
    let mut foreign = result.clone();
    foreign["models"]["embedder"] = json!("dlib-resnet-v1");
    let r = post_json(
        &s.url("/veriface/verify-evidence"),
        Format::Veriface,
        &evidence(&foreign),
    );
    assert_eq!(r.status, 422, "{}", r.text());
    assert_eq!(r.json()["error"]["code"], "EMBEDDER_NOT_SERVED");
    assert!(r.json()["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .contains(result["models"]["embedder"].as_str().unwrap_or("(none)")));
    validate(Format::Veriface, false, &r.json(), "embedder not served");
    let r = post_json(
        &s.url("/veriface/verify-evidence"),
        Format::Veriface,
        &json!({ "result": result }),
    );
    assert_eq!(
        (r.status, &r.json()["error"]["code"]),
        (400, &json!("BAD_PARAMETER"))
    );

    // Metrics count what happened; no image reached the log.
    let m = get(&s.url("/metrics")).text();
    assert!(
        m.contains("veriface_requests_total{route=\"/veriface/compare\",status=\"200\"}"),
        "{m}"
    );
    assert!(
        m.contains("veriface_errors_total{route=\"/v1/facematch\",code=\"UNSUPPORTED_FORMAT\"} 1"),
        "{m}"
    );
    assert!(
        m.contains("veriface_queue_depth 0") && m.contains("veriface_workers 2"),
        "{m}"
    );
    let log = s.log_text();
    assert!(log.contains("request_id="), "{log}");
    assert!(
        !log.contains(&a[100..160]) && !log.contains(&shots[1][100..160]),
        "an image reached the log"
    );
}

/// PNG bytes of `video` at each of `times` (seconds), by ffmpeg; `None` without one.
fn video_frames(video: &std::path::Path, times: &[f64]) -> Option<Vec<Vec<u8>>> {
    let ff = if std::process::Command::new("ffmpeg")
        .arg("-version")
        .output()
        .is_ok()
    {
        "ffmpeg".to_string()
    } else {
        let out = std::process::Command::new("python3")
            .args([
                "-c",
                "import imageio_ffmpeg; print(imageio_ffmpeg.get_ffmpeg_exe())",
            ])
            .output()
            .ok()?;
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    times
        .iter()
        .map(|t| {
            let out = std::process::Command::new(&ff)
                .args(["-loglevel", "error", "-ss", &t.to_string(), "-i"])
                .arg(video)
                .args(["-frames:v", "1", "-f", "image2pipe", "-vcodec", "png", "-"])
                .output()
                .ok()?;
            (!out.stdout.is_empty()).then_some(out.stdout)
        })
        .collect()
}

#[test]
fn challenges_are_issued_signed_verified_once_and_forgeries_refused() {
    let test = "challenges_are_issued_signed_verified_once_and_forgeries_refused";
    let key = std::env::temp_dir().join(format!(
        "veriface-serve-challenge-{}.key",
        std::process::id()
    ));
    std::fs::write(&key, [3u8; 32]).unwrap();
    let s = Server::start(
        "challenge",
        &["--workers", "1", "--key-file", key.to_str().unwrap()],
    );
    let issued = post_json(
        &s.url("/veriface/challenge"),
        Format::Veriface,
        &json!({ "actions": ["turn_right", "turn_left"] }),
    );
    assert_eq!(issued.status, 200, "{}", issued.text());
    let challenge = issued.json();
    assert!(challenge["signature"].is_string());
    assert_eq!(challenge["steps"][0]["action"], "turn_right");
    let random = post_json(&s.url("/veriface/challenge"), Format::Veriface, &json!({}));
    assert!((2..=3).contains(&random.json()["steps"].as_array().unwrap().len()));
    let bad = post_json(
        &s.url("/veriface/challenge"),
        Format::Veriface,
        &json!({ "actions": ["wink"] }),
    );
    assert_eq!(bad.status, 400, "{}", bad.text());

    let Some(dir) = common::eval_dir(test) else {
        return;
    };
    // A real person's turn to her right, then to her left (eval-labels/actions.csv: d3).
    let times = [
        0.0, 0.2, 0.4, 0.53, 0.7, 0.9, 1.1, 1.3, 7.9, 8.2, 8.5, 8.8, 9.1, 9.4, 9.7, 9.9,
    ];
    let Some(pngs) = video_frames(&dir.join("liveportrait_driving_videos/d3.mp4"), &times) else {
        println!("SKIP {test}: no ffmpeg");
        return;
    };
    let record = json!({
        "nonce": challenge["nonce"],
        "started_at": challenge["issued_at"],
        "frames": pngs.iter().enumerate().map(|(i, p)| json!({ "t": i as f64 * 200.0, "image": b64(p) })).collect::<Vec<_>>(),
    });
    let verify = |c: &Value| {
        post_json(
            &s.url("/veriface/challenge/verify"),
            Format::Veriface,
            &json!({ "challenge": c, "record": record }),
        )
    };
    let first = verify(&challenge);
    assert_eq!(first.status, 200, "{}", first.text());
    assert_eq!(first.json()["passed"], true, "{}", first.text());
    assert_eq!(first.json()["signed"], true);
    // The same record again: the nonce is spent.
    let again = verify(&challenge).json();
    assert_eq!(again["passed"], false);
    assert_eq!(again["failed_codes"], json!(["NONCE_REUSED"]));
    // A challenge the server did not sign (its signature removed, or its steps altered).
    let mut unsigned = challenge.clone();
    unsigned["signature"] = Value::Null;
    unsigned["nonce"] = json!("0123456789abcdef0123456789abcdef");
    let r = verify(&unsigned).json();
    assert!(
        r["failed_codes"]
            .as_array()
            .unwrap()
            .contains(&json!("BAD_SIGNATURE")),
        "{r}"
    );
    let mut altered = challenge.clone();
    altered["nonce"] = json!("fedcba9876543210fedcba9876543210");
    altered["expires_at"] = json!(altered["expires_at"].as_u64().unwrap() + 3_600_000);
    let r = verify(&altered).json();
    assert!(
        r["failed_codes"]
            .as_array()
            .unwrap()
            .contains(&json!("BAD_SIGNATURE")),
        "{r}"
    );
    let _ = std::fs::remove_file(&key);
}
