//! `veriface eval liveness DIR --json` over the labelled spoof data: one JSON object with the
//! ISO/IEC 30107-3 keys, counts that add up, rates that follow from the counts. The figures
//! themselves are in docs/liveness.md; this pins the report's shape and arithmetic.

mod common;

use std::process::Command;

#[test]
fn eval_liveness_json_has_iso_keys_and_consistent_counts() {
    let Some(dir) = common::eval_dir("eval_liveness_json_has_iso_keys_and_consistent_counts")
    else {
        return;
    };
    let has_ffmpeg = Command::new("ffmpeg").arg("-version").output().is_ok()
        || Command::new("python3")
            .args(["-c", "import imageio_ffmpeg"])
            .status()
            .is_ok_and(|s| s.success());
    if !has_ffmpeg && std::env::var_os("FFMPEG").is_none() {
        println!("SKIP eval_liveness_json_has_iso_keys_and_consistent_counts: no ffmpeg (pip install imageio-ffmpeg)");
        return;
    }
    let out = Command::new(env!("CARGO_BIN_EXE_veriface"))
        .args(["eval", "liveness"])
        .arg(&dir)
        .arg("--json")
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    for key in ["apcer", "bpcer", "acer", "attacks", "bona_fide"] {
        assert!(r.get(key).is_some(), "missing {key}");
    }
    let presentations = r["presentations"].as_array().expect("presentations");
    let bona: Vec<_> = presentations
        .iter()
        .filter(|p| p["label"] == "bona_fide")
        .collect();
    let rejected = bona.iter().filter(|p| p["attack_detected"] == true).count();
    let not_accepted = bona.iter().filter(|p| p["accepted"] == false).count();
    assert_eq!(r["bona_fide"]["presentations"], bona.len());
    assert_eq!(r["bona_fide"]["classified_as_attack"], rejected);
    assert_eq!(r["bona_fide"]["not_accepted"], not_accepted);
    // A presentation classified as an attack is never accepted.
    assert!(bona
        .iter()
        .all(|p| !(p["attack_detected"] == true && p["accepted"] == true)));
    let bpcer = r["bpcer"].as_f64().unwrap();
    assert!((bpcer - rejected as f64 / bona.len() as f64).abs() < 1e-12);
    let attacks = r["attacks"].as_object().unwrap();
    for kind in ["print", "replay_phone", "replay_screen", "replay_tablet"] {
        let a = &attacks[kind];
        let (n, acc) = (
            a["presentations"].as_u64().unwrap(),
            a["accepted"].as_u64().unwrap(),
        );
        assert!(n > 0, "{kind}");
        assert!((r["apcer"][kind].as_f64().unwrap() - acc as f64 / n as f64).abs() < 1e-12);
    }
    let worst = attacks
        .keys()
        .map(|k| r["apcer"][k].as_f64().unwrap())
        .fold(0.0, f64::max);
    assert!((r["acer"].as_f64().unwrap() - (worst + bpcer) / 2.0).abs() < 1e-12);
    // Every live video window and every still is a presentation: 5 stills and a window a second.
    assert!(
        bona.len() >= 10 && presentations.len() >= 30,
        "{}",
        presentations.len()
    );
}
