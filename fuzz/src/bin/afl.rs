//! The AFL++ harness: `afl TARGET` runs one target (see `targets::TARGETS`) in AFL's persistent
//! mode. Build with `cargo afl build --release --features afl --bin afl`; docs/fuzzing.md has the
//! whole command.

fn main() {
    let name = std::env::args().nth(1).unwrap_or_default();
    let Some(target) = veriface_fuzz::targets::by_name(&name) else {
        let names: Vec<&str> = veriface_fuzz::targets::TARGETS
            .iter()
            .map(|(n, _)| *n)
            .collect();
        eprintln!("usage: afl TARGET, one of {}", names.join(", "));
        std::process::exit(2);
    };
    if matches!(name.as_str(), "liveness" | "challenge") {
        // Load the detector and embedder before the fork server starts: every child inherits
        // them instead of loading them again.
        veriface_fuzz::targets::init();
    }
    afl::fuzz!(|data: &[u8]| {
        target(data);
    });
}
