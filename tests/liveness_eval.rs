//! `veriface eval liveness SOURCE... --json` over a labels.csv the test writes (pointing at eval
//! files in place): every kind of row it understands (stills, a video, NUAA sequence columns,
//! skipped kinds and labels), one JSON object with the ISO/IEC 30107-3 keys, counts that add up
//! and rates that follow from the counts. The figures themselves are in docs/liveness.md.

mod common;

use std::process::Command;

#[test]
fn eval_liveness_reads_any_labelled_folder_and_its_counts_add_up() {
    let test = "eval_liveness_reads_any_labelled_folder_and_its_counts_add_up";
    let Some(dir) = common::eval_dir(test) else {
        return;
    };
    let has_ffmpeg = Command::new("ffmpeg").arg("-version").output().is_ok()
        || Command::new("python3")
            .args(["-c", "import imageio_ffmpeg"])
            .status()
            .is_ok_and(|s| s.success());
    if !has_ffmpeg && std::env::var_os("FFMPEG").is_none() {
        println!("SKIP {test}: no ffmpeg (pip install imageio-ffmpeg)");
        return;
    }
    let eval = dir.display();
    let nuaa = |kind: &str, file: &str| format!("{eval}/nuaa_print_attack/{kind}/{}", file);
    let mut rows = vec![
        "path,label,kind,fps,subject,glasses,position,session,picture".to_string(),
        format!("{eval}/silentface_antispoof_samples/images/image_F1.jpg,spoof_print,image,,,,,,"),
        format!("{eval}/silentface_antispoof_samples/images/image_F2.jpg,spoof_replay_tablet,image,,,,,,"),
        format!("{eval}/silentface_antispoof_samples/images/image_T1.jpg,live,image,,,,,,"),
        format!("{eval}/liveness_webcam_real_vs_replay/apfol/videos/real2.webm,live,video,30,,,,,"),
        // Skipped: a face cut out of its frame, and a label that is neither live nor an attack.
        format!("{eval}/liveness_webcam_real_vs_replay/apfol/crops/real/0.png,live,face_crop,,,,,,"),
        format!("{eval}/cew_closed_eyes/closed_eye_0001.jpg_face_1.jpg,closed,image,,,,,,"),
    ];
    // One NUAA live sequence and one print sequence, three pictures each: one window each.
    for (kind, label, stem, pictures) in [
        ("ClientRaw", "live", "0001_00_00_01", [0, 30, 67]),
        ("ImposterRaw", "spoof_print", "0001_00_00_01", [0, 40, 80]),
    ] {
        for p in pictures {
            let file = format!("{}/{stem}_{p}.jpg", &stem[..4]);
            if std::path::Path::new(&nuaa(kind, &file)).is_file() {
                rows.push(format!(
                    "{},{label},image,,0001,00,00,01,{p}",
                    nuaa(kind, &file)
                ));
            }
        }
    }
    let tmp = std::env::temp_dir().join(format!("veriface-eval-test-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    std::fs::write(tmp.join("labels.csv"), rows.join("\n")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_veriface"))
        .args(["eval", "liveness"])
        .arg(&tmp)
        .args(["--json", "--presentations"])
        .output()
        .expect("runs");
    let _ = std::fs::remove_dir_all(&tmp);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    for key in [
        "apcer",
        "bpcer",
        "acer",
        "attacks",
        "bona_fide",
        "failures",
        "groups",
        "frames",
        "failure_to_acquire_rate",
    ] {
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
    assert_eq!(
        r["bona_fide"]["rejected_for_capture_quality"],
        not_accepted - rejected
    );
    // A presentation classified as an attack is never accepted.
    assert!(bona
        .iter()
        .all(|p| !(p["attack_detected"] == true && p["accepted"] == true)));
    let bpcer = r["bpcer"].as_f64().unwrap();
    assert!((bpcer - rejected as f64 / bona.len() as f64).abs() < 1e-12);
    let attacks = r["attacks"].as_object().unwrap();
    assert_eq!(
        attacks.keys().collect::<Vec<_>>(),
        ["print", "replay_tablet"],
        "attack types come from the labels"
    );
    for (kind, a) in attacks {
        let (n, acc) = (
            a["presentations"].as_u64().unwrap(),
            a["accepted"].as_u64().unwrap(),
        );
        assert!((r["apcer"][kind].as_f64().unwrap() - acc as f64 / n as f64).abs() < 1e-12);
    }
    let worst = attacks
        .keys()
        .map(|k| r["apcer"][k].as_f64().unwrap())
        .fold(0.0, f64::max);
    assert!((r["acer"].as_f64().unwrap() - (worst + bpcer) / 2.0).abs() < 1e-12);
    // Stills are one frame; the video is 3-frame windows (one a second of its 11.7 s); each
    // NUAA sequence of three pictures is one window, grouped by subject.
    let frames = |p: &&serde_json::Value| p["frames"].as_u64().unwrap();
    assert_eq!(presentations.iter().filter(|p| frames(p) == 1).count(), 3);
    let windows = presentations.iter().filter(|p| frames(p) == 3).count();
    assert!((10..=14).contains(&(windows - 2)), "{windows} windows");
    let groups = r["groups"].as_object().unwrap();
    assert!(groups.keys().any(|k| k.ends_with("/0001")), "{groups:?}");
    // The skipped rows are not presentations.
    assert!(presentations
        .iter()
        .all(|p| !p["source"].as_str().unwrap().contains("crops/")
            && !p["source"].as_str().unwrap().contains("cew_closed_eyes")));
}
