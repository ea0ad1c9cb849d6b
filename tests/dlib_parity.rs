//! The converted dlib network against dlib itself: for crops the project generates
//! (tools/dlib/parity.py), the ONNX model run through tract must reproduce the descriptors dlib
//! computed (tests/fixtures/dlib_parity.json) within 1e-4. Needs no evaluation data and no dlib.

mod common;

use veriface::embed::Embedder;
use veriface::models::{verify, Manifest};

#[derive(serde::Deserialize)]
struct Fixture {
    crops: Vec<Crop>,
}

#[derive(serde::Deserialize)]
struct Crop {
    file: String,
    descriptor: Vec<f32>,
}

#[test]
fn converted_dlib_resnet_matches_dlib_within_1e_4() {
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let fixture: Fixture =
        serde_json::from_slice(&std::fs::read(fixtures.join("dlib_parity.json")).unwrap()).unwrap();
    let manifest = Manifest::builtin().unwrap();
    for id in ["dlib-resnet-v1"] {
        let spec = manifest.embedder(Some(id)).unwrap().clone();
        let bytes = std::fs::read(common::models_dir().join(&spec.file.file)).unwrap();
        verify(&spec.file, &bytes).unwrap();
        let embedder = Embedder::new(spec, &bytes).unwrap();
        assert!(!fixture.crops.is_empty());
        for crop in &fixture.crops {
            let img = image::open(fixtures.join(&crop.file)).unwrap().into_rgb8();
            let ours = embedder.run(&img).unwrap();
            assert_eq!(ours.len(), crop.descriptor.len());
            let max_diff = ours
                .iter()
                .zip(&crop.descriptor)
                .map(|(a, b)| (a - b).abs())
                .fold(0f32, f32::max);
            eprintln!("{id} {}: max |diff| vs dlib = {max_diff:.2e}", crop.file);
            assert!(max_diff < 1e-4, "{id} {}: {max_diff}", crop.file);
        }
    }
}
