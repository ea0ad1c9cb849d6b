//! The API key, the body cap, the deadlines and hostile bodies: each a typed answer in the
//! vendor's shape, and the server keeps serving.

use std::time::{Duration, Instant};

use serde_json::json;
use veriface::shapes::Format;

use crate::common;
use crate::support::{self, b64, get, post, post_json, raw, validate, Server, KEY};

/// The raw head of a POST (no body: the caller writes what it wants after it).
fn head(path: &str, content_type: &str, extra: &str) -> Vec<u8> {
    format!("POST {path} HTTP/1.1\r\nHost: test\r\nContent-Type: {content_type}\r\n{extra}\r\n")
        .into_bytes()
}

#[test]
fn keys_limits_and_hostile_bodies_get_typed_answers_and_the_server_keeps_serving() {
    let keys = support::key_file("hostile");
    let root = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("serve-static");
    std::fs::create_dir_all(root.join("www")).expect("www");
    std::fs::write(
        root.join("www/index.html"),
        "<!doctype html><title>t</title>",
    )
    .expect("index");
    let s = Server::start(
        "hostile",
        &[
            "--workers",
            "1",
            "--api-key-file",
            keys.to_str().unwrap(),
            "--max-body",
            "2000000",
            "--body-timeout-ms",
            "150",
            "--timeout-ms",
            "250",
            "--static-root",
            root.to_str().unwrap(),
        ],
    );
    let alive = |what: &str| {
        let r = get(&s.url("/healthz"));
        assert_eq!(r.status, 200, "not serving after {what}");
    };
    let gigabyte = "Content-Length: 1000000000\r\n";
    let wait = Duration::from_secs(10);

    // The key, per vendor: missing, wrong, and missing with a 1 GB body that never comes (401 at
    // once: nothing is read).
    let cases = [
        (Format::Vlens, "/v1/ocr/face/compare", 401, 401),
        (Format::Vlens, "/v1/ocr/liveness/multi", 401, 401),
        (Format::Valify, "/api/v1/face/match/", 401, 403),
        (Format::Deepvue, "/v1/facematch", 401, 401),
        (Format::Opencv, "/compare", 401, 401),
        (Format::Veriface, "/veriface/compare", 401, 401),
        (Format::Veriface, "/veriface/verify-evidence", 401, 401),
    ];
    for (format, path, missing, wrong) in cases {
        let liveness = path.contains("liveness");
        let r = post(&s.url(path), "application/json", &[], b"{}");
        assert_eq!(r.status, missing, "{path} without a key: {}", r.text());
        validate(format, liveness, &r.json(), "no key");
        let bad = support::key_header(format, "not-the-key-0123456789");
        let r = post(&s.url(path), "application/json", &[bad], b"{}");
        assert_eq!(r.status, wrong, "{path} with a wrong key: {}", r.text());
        validate(format, liveness, &r.json(), "wrong key");
        let t = Instant::now();
        let r = raw(&s.addr, &head(path, "application/json", gigabyte), wait).expect("an answer");
        assert_eq!(r.status, missing, "{path}: {}", r.text());
        assert!(t.elapsed() < Duration::from_secs(2));
    }
    let r = post(&s.url("/compare"), "application/json", &[], b"{}");
    assert_eq!(
        r.json(),
        json!({ "code": "ERR_API_KEY_NOT_PRESENT", "message": "The API key is missing from the request." })
    );
    let r = post(&s.url("/v1/facematch"), "application/json", &[], b"{}");
    assert_eq!(r.json(), json!({ "detail": "Not authenticated" }));
    alive("the key checks");

    // Size: a 1 GB Content-Length refused before reading, in each shape; a chunked body cut
    // off at the cap as it arrives.
    let key = |f| {
        let (k, v) = support::key_header(f, KEY);
        format!("{k}: {v}\r\n")
    };
    for (format, path) in [
        (Format::Vlens, "/v1/ocr/face/compare"),
        (Format::Opencv, "/compare"),
        (Format::Veriface, "/veriface/compare"),
        (Format::Valify, "/api/v1/face/match"),
    ] {
        let extra = format!("{}{gigabyte}", key(format));
        let r = raw(&s.addr, &head(path, "application/json", &extra), wait).expect("an answer");
        assert_eq!(r.status, 413, "{path}: {}", r.text());
        validate(format, false, &r.json(), "1 GB");
    }
    let mut chunked = head(
        "/veriface/compare",
        "application/json",
        &format!("{}Transfer-Encoding: chunked\r\n", key(Format::Veriface)),
    );
    let chunk = vec![b' '; 64 * 1024];
    for _ in 0..40 {
        chunked.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        chunked.extend_from_slice(&chunk);
        chunked.extend_from_slice(b"\r\n");
    }
    let r = raw(&s.addr, &chunked, wait).expect("an answer");
    assert_eq!(
        (r.status, &r.json()["error"]["code"]),
        (413, &json!("BODY_TOO_LARGE"))
    );
    alive("oversized bodies");

    // A body that stops arriving: 408 after the body deadline.
    let extra = format!("{}Content-Length: 5000\r\n", key(Format::Veriface));
    let mut partial = head("/veriface/compare", "application/json", &extra);
    partial.extend_from_slice(b"{\"a\": \"");
    let r = raw(&s.addr, &partial, wait).expect("an answer");
    assert_eq!(
        (r.status, &r.json()["error"]["code"]),
        (408, &json!("BODY_TIMEOUT"))
    );

    // Truncated multipart, for Deepvue: its FastAPI validation shape.
    let (ct, form) = support::multipart(&[
        ("file_a", Some("a.jpg"), b"\xff\xd8\xff\xe0 jpeg"),
        ("file_b", Some("b.jpg"), b"\xff\xd8"),
    ]);
    let cut = &form[..form.len() - 30];
    let r = post(
        &s.url("/v1/facematch"),
        &ct,
        &[support::key_header(Format::Deepvue, KEY)],
        cut,
    );
    assert_eq!(r.status, 422, "{}", r.text());
    assert_eq!(r.json()["detail"][0]["loc"], json!(["body"]));
    validate(Format::Deepvue, false, &r.json(), "truncated multipart");

    // JSON nested 100,000 deep, and not JSON at all.
    let deep = "[".repeat(100_000);
    for (format, path, status) in [
        (Format::Veriface, "/veriface/compare", 400),
        (Format::Opencv, "/compare", 422),
        (Format::Valify, "/api/v1/face/match", 400),
        (Format::Vlens, "/v1/ocr/liveness/multi", 400),
    ] {
        for body in [deep.as_bytes(), b"{\"a\": ".as_slice()] {
            let r = post(
                &s.url(path),
                "application/json",
                &[support::key_header(format, KEY)],
                body,
            );
            assert_eq!(r.status, status, "{path}: {}", r.text());
            validate(
                format,
                path.contains("liveness"),
                &r.json(),
                "malformed JSON",
            );
        }
    }
    alive("malformed bodies");

    // Wrong Content-Type: 415; Valify's page wording.
    let r = post(
        &s.url("/api/v1/face/match/"),
        "text/plain",
        &[support::key_header(Format::Valify, KEY)],
        b"{}",
    );
    assert_eq!(
        (r.status, r.json()),
        (415, json!({ "message": "Unsupported Media Type" }))
    );
    let r = post(
        &s.url("/veriface/liveness"),
        "application/xml",
        &[support::key_header(Format::Veriface, KEY)],
        b"<a/>",
    );
    assert_eq!(
        (r.status, &r.json()["error"]["code"]),
        (415, &json!("UNSUPPORTED_MEDIA_TYPE"))
    );
    validate(Format::Veriface, true, &r.json(), "415 liveness");

    // Routing: 404 and 405 in the path's shape, Allow on the 405.
    let r = post(
        &s.url("/v1/ocr/id/front"),
        "application/json",
        &[support::key_header(Format::Vlens, KEY)],
        b"{}",
    );
    assert_eq!(
        (r.status, r.json()["error_code"].as_i64()),
        (404, Some(4013))
    );
    let r = get(&s.url("/compare"));
    assert_eq!((r.status, r.header("allow")), (405, Some("POST")));
    assert_eq!(r.json(), json!({ "detail": "Method Not Allowed" }));

    // Static files: the page with demo.mjs's headers; pkg/ absent says so; no way out of root.
    let r = get(&s.url("/"));
    assert_eq!(r.status, 200);
    assert!(r
        .header("content-security-policy")
        .unwrap_or_default()
        .contains("'wasm-unsafe-eval'"));
    let r = get(&s.url("/veriface/pkg/veriface.js"));
    assert_eq!(r.status, 404);
    assert!(r.text().contains("npm run build"), "{}", r.text());
    let r = raw(
        &s.addr,
        b"GET /veriface/js/..%2f..%2fCargo.toml HTTP/1.1\r\nHost: t\r\n\r\n",
        wait,
    )
    .expect("answer");
    assert_eq!(r.status, 404);

    // The deadline: a liveness call of four 720p images takes longer than this server's 250 ms:
    // 503 with Retry-After, in the liveness shape.
    if let Some(dir) = common::eval_dir("the request deadline") {
        let f = b64(&common::eval_file(
            &dir,
            "face_recognition_examples/examples/obama-720p.jpg",
        ));
        let body = json!({ "frames": [f, f, f], "id_front": f });
        let r = post_json(&s.url("/veriface/liveness"), Format::Veriface, &body);
        assert_eq!(
            (r.status, &r.json()["error"]["code"]),
            (503, &json!("DEADLINE_EXCEEDED"))
        );
        assert!(r
            .header("retry-after")
            .and_then(|v| v.parse::<u64>().ok())
            .is_some_and(|s| s >= 1));
        validate(Format::Veriface, true, &r.json(), "deadline");
    }
    alive("everything above");
    let m = get(&s.url("/metrics")).text();
    for code in [
        "API_KEY_MISSING",
        "API_KEY_INVALID",
        "BODY_TOO_LARGE",
        "BODY_TIMEOUT",
        "MALFORMED_BODY",
        "UNSUPPORTED_MEDIA_TYPE",
        "NOT_FOUND",
        "METHOD_NOT_ALLOWED",
    ] {
        assert!(
            m.contains(&format!("code=\"{code}\"")),
            "metrics lack {code}:\n{m}"
        );
    }
}
