//! Loads an ONNX file with input fact f32 [1,3,80,80], optimises it, runs it on a raw
//! little-endian f32 input file (1*3*80*80 values) and prints the outputs, one per line.
use std::time::Instant;
use tract_onnx::prelude::*;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (model_path, input_path) = (&args[1], &args[2]);
    let runs: usize = args.get(3).map(|s| s.parse().unwrap()).unwrap_or(1);
    let t0 = Instant::now();
    let model = tract_onnx::onnx()
        .model_for_path(model_path)?
        .with_input_fact(0, f32::fact([1, 3, 80, 80]).into())?
        .into_optimized()?
        .into_runnable()?;
    let load_ms = t0.elapsed().as_secs_f64() * 1e3;
    let bytes = std::fs::read(input_path)?;
    let data: Vec<f32> = bytes.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
    assert_eq!(data.len(), 3 * 80 * 80);
    let input: Tensor = tract_ndarray::Array4::from_shape_vec((1, 3, 80, 80), data)?.into();
    let mut out = model.run(tvec!(input.clone().into()))?;
    let mut times = vec![];
    for _ in 0..runs {
        let t = Instant::now();
        out = model.run(tvec!(input.clone().into()))?;
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let v = out[0].to_plain_array_view::<f32>()?;
    eprintln!("shape {:?} load+optimise {:.1} ms, run median {:.3} ms over {}", v.shape(), load_ms, times[times.len() / 2], runs);
    for x in v.iter() { println!("{x:.9e}"); }
    Ok(())
}
