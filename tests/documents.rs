//! The detector on ID documents, where the portrait is a small part of a large card image.

mod common;

use veriface::ImageInput;

fn found(v: &mut veriface::Verifier, bytes: &[u8]) -> usize {
    v.detect(ImageInput::Encoded(bytes))
        .map(|r| r.faces.len())
        .unwrap_or(0)
}

#[test]
fn detector_finds_the_portrait_on_every_passporteye_specimen_that_has_one() {
    let Some(dir) = common::eval_dir("passporteye_specimens") else {
        return;
    };
    let mut v = common::verifier();
    let labels = std::fs::read_to_string(dir.join("passporteye_specimens/labels.csv")).unwrap();
    let (mut expected, mut hits, mut missed) = (0, 0, Vec::new());
    for line in labels.lines().skip(1) {
        let cols: Vec<&str> = line.split(',').collect();
        if cols.get(2) != Some(&"yes") {
            continue;
        }
        expected += 1;
        let bytes = common::eval_file(&dir, &format!("passporteye_specimens/{}", cols[0]));
        if found(&mut v, &bytes) > 0 {
            hits += 1;
        } else {
            missed.push(cols[0].to_string());
        }
    }
    eprintln!(
        "passporteye_specimens: portrait found on {hits}/{expected} (detector runs {:?})",
        v.detector().runs()
    );
    assert_eq!(hits, expected, "missed: {missed:?}");
}

#[test]
fn detector_finds_the_portrait_on_every_docxpand_template_and_photo() {
    let Some(dir) = common::eval_dir("docxpand_synthetic_id_templates") else {
        return;
    };
    let mut v = common::verifier();
    let labels =
        std::fs::read_to_string(dir.join("docxpand_synthetic_id_templates/labels.csv")).unwrap();
    let (mut expected, mut hits, mut missed) = (0, 0, Vec::new());
    for line in labels.lines().skip(1) {
        let rel = line.split(',').next().unwrap();
        expected += 1;
        let bytes = common::eval_file(&dir, &format!("docxpand_synthetic_id_templates/{rel}"));
        if found(&mut v, &bytes) > 0 {
            hits += 1;
        } else {
            missed.push(rel.to_string());
        }
    }
    eprintln!(
        "docxpand_synthetic_id_templates: portrait found on {hits}/{expected} (detector runs {:?})",
        v.detector().runs()
    );
    assert_eq!(hits, expected, "missed: {missed:?}");
}
