use std::time::Instant;
use tract_onnx::prelude::*;

fn main() -> TractResult<()> {
    let args: Vec<String> = std::env::args().collect();
    let (model_path, input_path, out_path) = (&args[1], &args[2], &args[3]);
    let t0 = Instant::now();
    let model = tract_onnx::onnx()
        .model_for_path(model_path)?
        .with_input_fact(0, f32::fact([1, 192, 192, 3]).into())?
        .into_optimized()?
        .into_runnable()?;
    let load_ms = t0.elapsed().as_secs_f64() * 1e3;
    let bytes = std::fs::read(input_path)?;
    let n = 192 * 192 * 3;
    let count = bytes.len() / (n * 4);
    let mut out = Vec::<u8>::new();
    let mut times = Vec::new();
    for i in 0..count {
        let v: Vec<f32> = bytes[i * n * 4..(i + 1) * n * 4]
            .chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
        let x: Tensor = tract_ndarray::Array4::from_shape_vec((1, 192, 192, 3), v)?.into();
        let res = model.run(tvec!(x.clone().into()))?;
        for r in res.iter() {
            for f in r.to_plain_array_view::<f32>()?.iter() { out.extend_from_slice(&f.to_le_bytes()); }
        }
        if i == 0 {
            for _ in 0..20 {
                let t = Instant::now();
                let _ = model.run(tvec!(x.clone().into()))?;
                times.push(t.elapsed().as_secs_f64() * 1e3);
            }
        }
    }
    std::fs::write(out_path, out)?;
    times.sort_by(|a, b| a.partial_cmp(b).unwrap());
    println!("load+optimise {:.1} ms; run median of 20 {:.2} ms (min {:.2}, max {:.2}); {} inputs", load_ms, times[10], times[0], times[19], count);
    Ok(())
}
