//! A full queue answers 503 BUSY with Retry-After, never a timeout; SIGTERM drains.

use std::time::{Duration, Instant};

use serde_json::json;
use veriface::shapes::Format;

use crate::common;
use crate::support::{b64, get, post_json, validate, Reply, Server};

#[test]
fn a_full_queue_answers_503_and_sigterm_lets_the_request_in_flight_finish() {
    let mut s = Server::start("queue", &["--workers", "1", "--queue", "1", "--no-static"]);
    // Two faces when the data is there (a real compare, ~250 ms); else two faceless images,
    // which keep the worker busy for both detections.
    let image = match common::eval_dir("the queue test (real faces)") {
        Some(dir) => common::eval_file(&dir, "face_recognition_examples/examples/obama.jpg"),
        None => common::png(&common::gradient(1200, 1200)),
    };
    let body = json!({ "a": b64(&image), "b": b64(&image) });
    let burst: Vec<_> = (0..8)
        .map(|_| {
            let (url, body) = (s.url("/veriface/compare"), body.clone());
            std::thread::spawn(move || post_json(&url, Format::Veriface, &body))
        })
        .collect();
    let replies: Vec<Reply> = burst
        .into_iter()
        .map(|t| t.join().expect("client thread"))
        .collect();
    let busy: Vec<&Reply> = replies.iter().filter(|r| r.status == 503).collect();
    assert!(
        !busy.is_empty() && busy.len() < 8,
        "{:?}",
        replies.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    for r in &replies {
        assert!(
            r.status == 503 || r.status < 500,
            "{}: {}",
            r.status,
            r.text()
        );
    }
    for r in busy {
        assert_eq!(r.json()["error"]["code"], "BUSY");
        assert!(r
            .header("retry-after")
            .and_then(|v| v.parse::<u64>().ok())
            .is_some_and(|s| s >= 1));
        validate(Format::Veriface, false, &r.json(), "busy");
    }
    let m = get(&s.url("/metrics")).text();
    assert!(
        m.contains("code=\"BUSY\"") && m.contains("veriface_queue_capacity 1"),
        "{m}"
    );

    // SIGTERM with a request in flight: it is answered, then the server exits cleanly.
    let (url, b) = (s.url("/veriface/compare"), body.clone());
    let in_flight = std::thread::spawn(move || post_json(&url, Format::Veriface, &b));
    let started = Instant::now();
    while !get(&s.url("/metrics"))
        .text()
        .contains("veriface_jobs_running 1")
    {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the job never started"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let pid = s.child.id().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(killed.success());
    let r = in_flight.join().expect("client thread");
    assert!(
        r.status < 500,
        "the request in flight was cut: {} {}",
        r.status,
        r.text()
    );
    let started = Instant::now();
    let status = loop {
        if let Some(status) = s.child.try_wait().expect("wait") {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no exit after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "exit after SIGTERM: {status}");
    assert!(s.log_text().contains("shutting down"));
}
