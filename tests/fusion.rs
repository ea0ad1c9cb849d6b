//! A fusion of embedders end to end: how the manifest resolves it, that its similarity is the
//! weighted mean of its members' (the rule `models::FusionSpec` documents), and that its results
//! carry evidence a server can re-check.

mod common;

use veriface::{CompareOptions, ImageInput, ModelBytes, Verifier};

fn enc(bytes: &[u8]) -> ImageInput<'_> {
    ImageInput::Encoded(bytes)
}

#[test]
fn a_fusion_resolves_to_its_members_weighted_by_their_calibration_slopes() {
    let mut manifest = veriface::models::Manifest::builtin().unwrap();
    let fusion = manifest.fusions[0].clone();
    let spec = manifest.embedding(Some(&fusion.id)).unwrap();
    assert_eq!(spec.id, fusion.id);
    let ids: Vec<&str> = spec.members.iter().map(|m| m.file.id.as_str()).collect();
    assert_eq!(ids, fusion.members);
    let slopes: Vec<f64> = spec.members.iter().map(|m| m.calibration.slope).collect();
    assert_eq!(spec.weights, slopes);
    assert_eq!(spec.calibration.center, fusion.calibration.center);
    assert_eq!(spec.sha256().matches('+').count(), spec.members.len() - 1);
    // A plain embedder is a fusion of one, with its own calibration.
    let one = manifest
        .embedding(Some(&manifest.embedders[0].file.id))
        .unwrap();
    assert_eq!(one.members.len(), 1);
    assert_eq!(one.weights, [1.0]);
    assert_eq!(one.sha256(), manifest.embedders[0].file.sha256);
    // No id: the manifest's default, else the first embedder.
    let default = manifest.default.clone().unwrap();
    assert_eq!(manifest.embedding(None).unwrap().id, default);
    let mut plain = manifest.clone();
    plain.default = None;
    assert_eq!(
        plain.embedding(None).unwrap().id,
        manifest.embedders[0].file.id
    );
    // A member that is not a listed cosine embedder is refused, not run.
    manifest.fusions[0].members.push("no-such-model".into());
    assert_eq!(
        manifest.embedding(Some(&fusion.id)).unwrap_err().code(),
        "UNKNOWN_MODEL"
    );
    manifest.fusions[0].members.pop();
    manifest.embedders[1].metric = veriface::models::Metric::Euclidean;
    let err = manifest.embedding(Some(&fusion.id)).unwrap_err();
    assert_eq!(err.code(), "INFERENCE_FAILED", "{err}");
}

#[test]
fn a_fusion_needs_one_file_per_member() {
    let manifest = veriface::models::Manifest::builtin().unwrap();
    let det = std::fs::read(common::models_dir().join(&manifest.detector.file.file)).unwrap();
    let spec = manifest.embedder(None).unwrap();
    let emb = std::fs::read(common::models_dir().join(&spec.file.file)).unwrap();
    let fusion = &manifest.fusions[0].id;
    let models = ModelBytes {
        detector: &det,
        embedders: &[&emb],
    };
    let err = Verifier::new(models, Some(fusion)).err().unwrap();
    assert_eq!(err.code(), "BAD_PARAMETER", "{err}");
}

#[test]
fn a_fused_compare_scores_the_weighted_mean_of_its_members_similarities() {
    let Some(dir) = common::eval_dir("a_fused_compare_scores_the_weighted_mean_of_its_members")
    else {
        return;
    };
    let manifest = veriface::models::Manifest::builtin().unwrap();
    let fusion = manifest.embedding(Some(&manifest.fusions[0].id)).unwrap();
    let fr = "face_recognition_examples/examples";
    let obama = common::eval_file(&dir, &format!("{fr}/obama.jpg"));
    let obama2 = common::eval_file(&dir, &format!("{fr}/obama2.jpg"));
    let biden = common::eval_file(&dir, &format!("{fr}/biden.jpg"));
    let o = CompareOptions::default();
    let mut fused = common::verifier_with(Some(&fusion.id));
    for (other, same) in [(&obama2, true), (&biden, false)] {
        let r = fused.compare(enc(&obama), enc(other), &o).unwrap();
        assert_eq!(r.is_match, same, "score {}", r.score);
        assert_eq!(r.models.embedder, fusion.id);
        assert_eq!(r.evidence.models.embedder, fusion.sha256());
        // The members alone, and the fused similarity from theirs.
        let (mut weighted, mut total) = (0.0, 0.0);
        for (member, weight) in fusion.members.iter().zip(&fusion.weights) {
            let mut alone = common::verifier_with(Some(&member.file.id));
            let m = alone.compare(enc(&obama), enc(other), &o).unwrap();
            assert_eq!(m.is_match, same, "{} alone: {}", member.file.id, m.score);
            weighted += weight * m.similarity;
            total += weight;
        }
        assert!(
            (r.similarity - weighted / total).abs() < 1e-5,
            "fused {} vs weighted mean {}",
            r.similarity,
            weighted / total
        );
        // A server loaded with the fusion confirms the claim.
        let report = fused.verify_evidence(&r, enc(&obama), enc(other)).unwrap();
        assert!(report.confirmed, "{report:?}");
        assert!(report.crops_identical);
    }
}
