//! Runs inputs through a target outside AFL, with the panic and its backtrace on standard error:
//!
//! ```sh
//! cargo run --release --bin replay -- TARGET FILE...        # a crash file, or any inputs
//! cargo run --release --bin replay -- TARGET --pass N       # the CI pass with N mutations
//! ```

use std::path::Path;

use veriface_fuzz::{pass, targets};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(target) = args.first().and_then(|n| targets::by_name(n)) else {
        let names: Vec<&str> = targets::TARGETS.iter().map(|(n, _)| *n).collect();
        eprintln!(
            "usage: replay TARGET (FILE... | --pass N); targets: {}",
            names.join(", ")
        );
        std::process::exit(2);
    };
    let name = &args[0];
    if args.get(1).map(String::as_str) == Some("--pass") {
        let n = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(3000);
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let corpus = pass::corpus(root, name);
        match pass::run(name, target, &corpus, n, &root.join("target/fuzz-failures")) {
            Ok(o) => println!("{name}: {o:?}"),
            Err(e) => {
                eprintln!("{e}");
                std::process::exit(1);
            }
        }
        return;
    }
    for file in &args[1..] {
        let bytes = std::fs::read(file).unwrap_or_else(|e| panic!("{file}: {e}"));
        eprintln!("{file}: {} bytes", bytes.len());
        target(&bytes);
        eprintln!("{file}: no panic");
    }
}
