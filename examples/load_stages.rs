//! Where model loading time goes under tract, per stage (parse the ONNX protobuf, type the
//! graph, declutter, optimise, make runnable), for deciding what a cache of the loaded form
//! could save. Native; the browser is slower by its own factor.
//!
//! ```sh
//! cargo run --release --example load_stages -- 1,3,480,640 models/retinaface_mnet025.onnx [--runs 5]
//! ```

use std::time::Instant;

use tract_onnx::prelude::*;

fn main() -> TractResult<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (mut runs, mut rest) = (5usize, Vec::new());
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "--runs" {
            runs = it.next().and_then(|n| n.parse().ok()).unwrap_or(runs);
        } else {
            rest.push(a.clone());
        }
    }
    let [shape, file] = rest.as_slice() else {
        return Err(TractError::msg(
            "usage: load_stages SHAPE FILE.onnx [--runs N]",
        ));
    };
    let shape: Vec<usize> = shape.split(',').filter_map(|d| d.parse().ok()).collect();
    let bytes = std::fs::read(file)?;
    let mut stages: Vec<[f64; 5]> = Vec::new();
    for _ in 0..runs {
        let mut t = Instant::now();
        let mut lap = || {
            let ms = t.elapsed().as_secs_f64() * 1e3;
            t = Instant::now();
            ms
        };
        let parsed = tract_onnx::onnx().model_for_read(&mut std::io::Cursor::new(&bytes))?;
        let a = lap();
        let typed = parsed
            .with_input_fact(0, f32::fact(&shape).into())?
            .into_typed()?;
        let b = lap();
        let decluttered = typed.into_decluttered()?;
        let c = lap();
        let optimized = decluttered.into_optimized()?;
        let d = lap();
        let _plan = optimized.into_runnable()?;
        let e = lap();
        stages.push([a, b, c, d, e]);
    }
    let median = |k: usize| {
        let mut v: Vec<f64> = stages.iter().map(|s| s[k]).collect();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    println!(
        "{file} {shape:?}: parse {:.1} ms, type {:.1}, declutter {:.1}, optimise {:.1}, runnable {:.1} (median of {runs})",
        median(0), median(1), median(2), median(3), median(4)
    );
    Ok(())
}
