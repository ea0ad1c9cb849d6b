//! The eye-state and anti-spoofing classifiers as veriface runs them (tract, its own crops), on
//! labelled images read in place from ../shared/eval. Figures, not thresholds: the decision
//! thresholds belong to the liveness evaluation (docs/liveness.md).

mod common;

use veriface::liveness::eyes::EyeState;
use veriface::liveness::passive::{AntiSpoof, PassiveModels};
use veriface::models::Manifest;
use veriface::LivenessOptions;
use veriface::{FacePolicy, ImageInput};

fn models() -> (AntiSpoof, EyeState) {
    let m = Manifest::builtin().unwrap();
    let read = |f: &str| std::fs::read(common::models_dir().join(f)).unwrap();
    let live = read(&m.liveness.as_ref().unwrap().file.file);
    let eye = read(&m.eye.as_ref().unwrap().file.file);
    let iris = read(&m.iris.as_ref().unwrap().file.file);
    let p = PassiveModels::new(&m, &live, &eye, &iris).unwrap();
    (p.anti_spoof, p.eyes)
}

#[test]
fn anti_spoofing_scores_the_live_photo_above_every_attack() {
    let Some(dir) = common::eval_dir("anti_spoofing_scores_the_live_photo_above_every_attack")
    else {
        return;
    };
    let (anti, _) = models();
    let mut v = common::verifier();
    let mut p = |rel: &str| {
        let bytes = common::eval_file(&dir, rel);
        let image = v.decode(ImageInput::Encoded(&bytes)).unwrap();
        let faces = v.detector_mut().detect(&image).unwrap();
        let face =
            veriface::select::choose_face(&faces, FacePolicy::Largest, rel, image.dimensions())
                .unwrap();
        anti.live_probability(&image, &face).unwrap()
    };
    let live = p("silentface_antispoof_samples/images/image_T1.jpg");
    let attacks = [
        (
            "print",
            p("silentface_antispoof_samples/images/image_F1.jpg"),
        ),
        (
            "tablet",
            p("silentface_antispoof_samples/images/image_F2.jpg"),
        ),
        ("screen", p("hyperfas_screen_spoof_sample/fake_screen.png")),
    ];
    println!("p(live): live photo {live:.3}, attacks {attacks:?}");
    for (name, q) in attacks {
        assert!(
            live > q,
            "live photo {live} not above the {name} attack {q}"
        );
    }
}

#[test]
fn eye_state_reads_nearly_all_lfw_faces_as_open() {
    let Some(dir) = common::eval_dir("eye_state_reads_nearly_all_lfw_faces_as_open") else {
        return;
    };
    let (_, eyes) = models();
    let mut v = common::verifier();
    let mut names: Vec<_> = std::fs::read_dir(dir.join("lfw-dev/images"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    let (mut open, mut total) = (0, 0);
    for person in names.iter().step_by(25).take(40) {
        let Some(file) = std::fs::read_dir(person)
            .unwrap()
            .map(|e| e.unwrap().path())
            .min()
        else {
            continue;
        };
        let bytes = std::fs::read(&file).unwrap();
        let image = v.decode(ImageInput::Encoded(&bytes)).unwrap();
        let faces = v.detector_mut().detect(&image).unwrap();
        let Ok(face) =
            veriface::select::choose_face(&faces, FacePolicy::Central, "lfw", image.dimensions())
        else {
            continue;
        };
        let reading = eyes.read(&image, &face).unwrap();
        total += 1;
        open += usize::from(reading.score >= LivenessOptions::default().models.min_eye_open);
    }
    println!("faces read as eyes open: {open} of {total} (LFW faces, nearly all with open eyes)");
    assert!(total >= 30);
    // A few LFW faces squint, laugh or wear sunglasses (about 5% fire on the dev data).
    assert!(open * 100 >= total * 85, "{open} of {total}");
}
