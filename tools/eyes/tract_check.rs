// tract-iris MODEL INPUT.bin OUTPUT.bin H W C : consecutive 1 x H x W x C (NHWC) or 1 x C x H x W
// (when C == 1: 1 x 1 x H x W) little-endian f32 inputs; writes all outputs; times 50 runs of the first.
use std::time::Instant;
use tract_onnx::prelude::*;

fn main() -> TractResult<()> {
    let a: Vec<String> = std::env::args().collect();
    let (h, w, c): (usize, usize, usize) = (a[4].parse()?, a[5].parse()?, a[6].parse()?);
    let shape: Vec<usize> = if c == 1 { vec![1, 1, h, w] } else { vec![1, h, w, c] };
    let t0 = Instant::now();
    let model = tract_onnx::onnx()
        .model_for_path(&a[1])?
        .with_input_fact(0, f32::fact(&shape).into())?
        .into_optimized()?
        .into_runnable()?;
    let load_ms = t0.elapsed().as_secs_f64() * 1e3;
    let bytes = std::fs::read(&a[2])?;
    let n = h * w * c;
    let count = bytes.len() / (n * 4);
    let mut out = Vec::<u8>::new();
    let mut times = Vec::new();
    for i in 0..count {
        let v: Vec<f32> = bytes[i * n * 4..(i + 1) * n * 4]
            .chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
        let x: Tensor = tract_ndarray::ArrayD::from_shape_vec(shape.clone(), v)?.into();
        let res = model.run(tvec!(x.clone().into()))?;
        for r in res.iter() {
            for f in r.to_plain_array_view::<f32>()?.iter() { out.extend_from_slice(&f.to_le_bytes()); }
        }
        if i == 0 {
            for _ in 0..50 {
                let t = Instant::now();
                let _ = model.run(tvec!(x.clone().into()))?;
                times.push(t.elapsed().as_secs_f64() * 1e3);
            }
        }
    }
    std::fs::write(&a[3], out)?;
    times.sort_by(|x, y| x.partial_cmp(y).unwrap());
    println!("load+optimise {:.1} ms; run median of 50 {:.3} ms (min {:.3}, max {:.3}); {} inputs", load_ms, times[25], times[0], times[49], count);
    Ok(())
}
