//! The facts `models/README.md` states about each model, checked against the model's own outputs
//! (not against our code's assumptions): output names and shapes, prior count per input size,
//! softmax scores, embedding width.

mod common;

use tract_onnx::prelude::*;
use veriface::detect::priors;
use veriface::models::Manifest;

fn run(file: &str, shape: &[usize]) -> Vec<Tensor> {
    let bytes = std::fs::read(common::models_dir().join(file)).unwrap();
    let plan = tract_onnx::onnx()
        .model_for_read(&mut std::io::Cursor::new(bytes))
        .unwrap()
        .with_input_fact(0, f32::fact(shape).into())
        .unwrap()
        .into_optimized()
        .unwrap()
        .into_runnable()
        .unwrap();
    // A deterministic, image-like input: a smooth ramp around zero.
    let n: usize = shape.iter().product();
    let data: Vec<f32> = (0..n).map(|i| ((i % 251) as f32 - 125.0) * 0.5).collect();
    let input = Tensor::from_shape(shape, &data).unwrap();
    plan.run(tvec!(input.into()))
        .unwrap()
        .into_iter()
        .map(|t| t.into_tensor())
        .collect()
}

#[test]
fn detector_outputs_one_row_per_prior_at_every_input_size() {
    let spec = Manifest::builtin().unwrap().detector;
    for (h, w) in [(250usize, 250usize), (256, 320), (320, 320), (480, 640)] {
        let out = run(&spec.file.file, &[1, 3, h, w]);
        let n = priors(w as u32, h as u32, &spec.steps, &spec.min_sizes).len();
        assert_eq!(out.len(), 3, "loc, conf, landmarks");
        assert_eq!(out[0].shape(), &[1, n, 4], "loc at {h}x{w}");
        assert_eq!(out[1].shape(), &[1, n, 2], "conf at {h}x{w}");
        assert_eq!(out[2].shape(), &[1, n, 10], "landmarks at {h}x{w}");
        // conf is already a softmax over (background, face).
        let conf = out[1].to_plain_array_view::<f32>().unwrap();
        for row in conf.as_slice().unwrap().chunks(2) {
            assert!((row[0] + row[1] - 1.0).abs() < 1e-4 && row[1] >= 0.0);
        }
    }
}

#[test]
fn embedder_maps_its_input_size_to_its_stated_width() {
    for e in Manifest::builtin().unwrap().embedders {
        let s = e.input_size as usize;
        let out = run(&e.file.file, &[1, 3, s, s]);
        assert_eq!(out[0].len(), e.dimensions, "{}", e.file.id);
    }
}

#[test]
fn liveness_and_eye_models_have_their_stated_inputs_outputs_and_hashes() {
    let manifest = Manifest::builtin().unwrap();
    let live = manifest
        .liveness
        .expect("the manifest lists the liveness model");
    let eye = manifest.eye.expect("the manifest lists the eye model");
    for spec in [&live.file, &eye.file] {
        let bytes = std::fs::read(common::models_dir().join(&spec.file)).unwrap();
        veriface::models::verify(spec, &bytes).unwrap();
        assert_eq!(bytes.len() as u64, spec.bytes);
    }
    let s = live.input_size as usize;
    let out = run(&live.file.file, &[1, 3, s, s]);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].shape(), &[1, 3], "three class logits");
    assert!(live.live_class < 3);
    let s = eye.input_size as usize;
    let out = run(&eye.file.file, &[1, 1, s, s]);
    assert_eq!(out[0].shape(), &[1, 2], "open/closed logits");
    assert!(eye.open_class < 2);
}
