//! Where model loading time goes under tract, per stage (parse the ONNX protobuf, type the
//! graph, declutter, generate code, make runnable), for deciding what a cache of the loaded form
//! could save. Native; the browser is slower by its own factor. `--without PASS` leaves one of
//! tract's declutter passes out (e.g. `ChangeAxes`), to see what it costs; the printed output
//! digest (of one run on a fixed input) tells whether the plan still computes the same thing.
//!
//! ```sh
//! cargo run --release --example load_stages -- 1,3,480,640 models/retinaface_mnet025.onnx [--runs 5] [--without ChangeAxes]
//! ```

use std::time::Instant;

use tract_onnx::prelude::*;
use tract_onnx::tract_core::optim::Optimizer;

fn main() -> TractResult<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (mut runs, mut without, mut rest) = (5usize, None, Vec::new());
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--runs" => runs = it.next().and_then(|n| n.parse().ok()).unwrap_or(runs),
            "--without" => without = it.next().cloned(),
            _ => rest.push(a.clone()),
        }
    }
    let [shape, file] = rest.as_slice() else {
        return Err(TractError::msg(
            "usage: load_stages SHAPE FILE.onnx [--runs N] [--without PASS]",
        ));
    };
    let shape: Vec<usize> = shape.split(',').filter_map(|d| d.parse().ok()).collect();
    let bytes = std::fs::read(file)?;
    let mut stages: Vec<[f64; 5]> = Vec::new();
    let mut plan = None;
    for _ in 0..runs {
        let mut t = Instant::now();
        let mut lap = || {
            let ms = t.elapsed().as_secs_f64() * 1e3;
            t = Instant::now();
            ms
        };
        let parsed = tract_onnx::onnx().model_for_read(&mut std::io::Cursor::new(&bytes))?;
        let a = lap();
        let mut model = parsed
            .with_input_fact(0, f32::fact(&shape).into())?
            .into_typed()?;
        let b = lap();
        // What `into_optimized` does: declutter, then code generation.
        let mut declutter = Optimizer::declutter();
        declutter
            .passes
            .retain(|p| Some(format!("{p:?}")) != without);
        declutter.optimize(&mut model)?;
        let c = lap();
        model.optimize()?;
        let d = lap();
        plan = Some(model.into_runnable()?);
        let e = lap();
        stages.push([a, b, c, d, e]);
    }
    let median = |k: usize| {
        let mut v: Vec<f64> = stages.iter().map(|s| s[k]).collect();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    println!(
        "{file} {shape:?}: parse {:.1} ms, type {:.1}, declutter {:.1}, codegen {:.1}, runnable {:.1} (median of {runs})",
        median(0), median(1), median(2), median(3), median(4)
    );
    if let Some(plan) = plan {
        let n: usize = shape.iter().product();
        let input: Vec<f32> = (0..n)
            .map(|i| (i * 7919 % 255) as f32 / 127.5 - 1.0)
            .collect();
        let out = plan.run(tvec!(Tensor::from_shape(&shape, &input)?.into()))?;
        let digest = out[0]
            .to_plain_array_view::<f32>()?
            .iter()
            .fold(0u64, |h, x| {
                (h ^ u64::from(x.to_bits())).wrapping_mul(0x100_0000_01b3)
            });
        println!("output digest {digest:016x}");
    }
    Ok(())
}
