//! Native timing of ONNX files under tract, optimised exactly as veriface loads them: load and
//! optimise time, then interleaved runs on one seeded input (A, B, A, B, ...), so that two
//! versions of a model (a graph rewrite, an fp16 copy) are compared under the same machine load.
//! Prints per file the load time and the median and spread of the runs, and for two files the
//! median of the paired ratios B/A and the largest output difference.
//!
//! ```sh
//! cargo run --release --example model_time -- 1,3,112,112 models/a.onnx [models/b.onnx] [--runs 50]
//! ```

use std::time::Instant;

use tract_onnx::prelude::*;

type Runnable = std::sync::Arc<TypedRunnableModel>;

fn load(path: &str, shape: &[usize]) -> TractResult<(Runnable, f64)> {
    let t = Instant::now();
    let plan = tract_onnx::onnx()
        .model_for_path(path)?
        .with_input_fact(0, f32::fact(shape).into())?
        .into_optimized()?
        .into_runnable()?;
    Ok((plan, t.elapsed().as_secs_f64() * 1e3))
}

fn run(plan: &Runnable, input: &Tensor) -> TractResult<(Vec<f32>, f64)> {
    let t = Instant::now();
    let out = plan.run(tvec!(input.clone().into()))?;
    let ms = t.elapsed().as_secs_f64() * 1e3;
    let values = out[0]
        .to_plain_array_view::<f32>()?
        .iter()
        .copied()
        .collect();
    Ok((values, ms))
}

/// (median, 10th percentile, 90th percentile) of the values.
fn spread(mut v: Vec<f64>) -> (f64, f64, f64) {
    v.sort_by(f64::total_cmp);
    let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
    (at(0.5), at(0.1), at(0.9))
}

fn main() -> TractResult<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut runs = 50usize;
    let mut rest = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "--runs" {
            runs = it.next().and_then(|n| n.parse().ok()).unwrap_or(runs);
        } else {
            rest.push(a.clone());
        }
    }
    let Some((shape, files)) = rest.split_first() else {
        return Err(TractError::msg(
            "usage: model_time SHAPE A.onnx [B.onnx] [--runs N]",
        ));
    };
    let shape: Vec<usize> = shape.split(',').map(str::parse).collect::<Result<_, _>>()?;
    let n: usize = shape.iter().product();
    // A fixed pseudo-random input in -1..1 (xorshift): no dependency, same input every run.
    let mut s = 0x2545_f491_4f6c_dd1du64;
    let data: Vec<f32> = (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 40) as f32 / (1u64 << 23) as f32 - 1.0
        })
        .collect();
    let input = Tensor::from_shape(&shape, &data)?;
    let mut plans = Vec::new();
    for f in files {
        let (plan, ms) = load(f, &shape)?;
        println!("{f}: load and optimise {ms:.0} ms");
        run(&plan, &input)?; // first run allocates
        plans.push(plan);
    }
    let mut times = vec![Vec::new(); plans.len()];
    let mut outputs = vec![Vec::new(); plans.len()];
    for _ in 0..runs {
        for (i, plan) in plans.iter().enumerate() {
            let (out, ms) = run(plan, &input)?;
            times[i].push(ms);
            outputs[i] = out;
        }
    }
    for (f, t) in files.iter().zip(&times) {
        let (med, p10, p90) = spread(t.clone());
        println!("{f}: run median {med:.2} ms (p10 {p10:.2}, p90 {p90:.2}) over {runs}");
    }
    if let [a, b] = &times[..] {
        let ratios = a.iter().zip(b).map(|(x, y)| y / x).collect();
        let (med, p10, p90) = spread(ratios);
        let diff = outputs[0]
            .iter()
            .zip(&outputs[1])
            .map(|(x, y)| (x - y).abs())
            .fold(0f32, f32::max);
        println!("paired ratio B/A: median {med:.3} (p10 {p10:.3}, p90 {p90:.3}); max |output difference| {diff:.3e}");
    }
    Ok(())
}
