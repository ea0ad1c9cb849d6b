//! Each fp16-weight variant computes (nearly) what its fp32 original computes: the embeddings of
//! the same generated crop agree to a cosine of 0.9995 or better. LFW accuracy of each variant is
//! measured separately (README, docs/calibration.md).

mod common;

use veriface::compare::cosine;
use veriface::embed::Embedder;
use veriface::models::Manifest;

fn embedder(id: &str) -> Embedder {
    let manifest = Manifest::builtin().unwrap();
    let spec = manifest.embedder(Some(id)).unwrap().clone();
    let bytes = std::fs::read(common::models_dir().join(&spec.file.file)).unwrap();
    veriface::models::verify(&spec.file, &bytes).unwrap();
    Embedder::new(spec, &bytes).unwrap()
}

#[test]
fn fp16_variants_agree_with_their_fp32_originals() {
    let crop_path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/dlib_parity_0.png"
    );
    let crop = image::open(crop_path).unwrap().into_rgb8();
    let manifest = Manifest::builtin().unwrap();
    let mut checked = 0;
    for e in manifest
        .embedders
        .iter()
        .filter(|e| e.file.id.ends_with("-fp16"))
    {
        let original = e.file.id.trim_end_matches("-fp16");
        let side = e.input_size;
        let input =
            image::imageops::resize(&crop, side, side, image::imageops::FilterType::Triangle);
        let a = embedder(original).run(&input).unwrap();
        let b = embedder(&e.file.id).run(&input).unwrap();
        let c = cosine(&a, &b);
        eprintln!("{} vs {original}: cosine {c:.7}", e.file.id);
        assert!(c >= 0.9995, "{}: cosine {c}", e.file.id);
        checked += 1;
    }
    assert_eq!(checked, 2);
}
