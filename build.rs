//! Extracts the README's Rust examples into `$OUT_DIR/readme_examples.rs`, one module each, so
//! `tests/readme.rs` compiles and runs them: the README cannot drift from the API.

use std::fmt::Write as _;

fn main() {
    println!("cargo:rerun-if-changed=README.md");
    let readme = std::fs::read_to_string("README.md").unwrap_or_default();
    let mut out = String::new();
    let mut block: Option<String> = None;
    let mut n = 0;
    for line in readme.lines() {
        match &mut block {
            None if line.trim_start() == "```rust" => block = Some(String::new()),
            None => {}
            Some(code) if line.trim_start() == "```" => {
                let _ = writeln!(out, "pub mod example_{n} {{\n{code}}}");
                n += 1;
                block = None;
            }
            Some(code) => {
                code.push_str(line);
                code.push('\n');
            }
        }
    }
    let _ = writeln!(out, "pub const COUNT: usize = {n};");
    let dir = std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into());
    let _ = std::fs::write(format!("{dir}/readme_examples.rs"), out);
}
