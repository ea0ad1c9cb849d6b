//! The short bounded pass CI runs (from `tests/fuzz_corpus.rs`, inside `cargo test --release`):
//! every committed corpus file, then deterministic mutations of them ([`crate::mutate`]), each
//! run through its target with panics caught. A panic, or one input slower than [`SLOW`], fails
//! the pass; the input is written under `target/fuzz-failures/` for `replay` and AFL.

use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::mutate::{self, Rng};
use crate::targets::Target;

/// One input taking longer than this is a hang (in a release build the slowest seen takes a few
/// milliseconds).
pub const SLOW: Duration = Duration::from_secs(5);

/// What a pass did.
#[derive(Debug)]
pub struct Outcome {
    /// Corpus files run.
    pub corpus: usize,
    /// Mutated inputs run.
    pub mutations: usize,
    /// The whole pass.
    pub elapsed: Duration,
    /// The slowest single input.
    pub slowest: Duration,
}

/// The committed corpus of `target` under `root` (the fuzz crate's folder), sorted by name.
///
/// # Panics
/// When the folder is missing or empty: a target without a corpus is a mistake.
pub fn corpus(root: &Path, target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = root.join("corpus").join(target);
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| {
            let bytes = std::fs::read(e.path()).unwrap_or_else(|err| panic!("{err}"));
            (e.file_name().to_string_lossy().into_owned(), bytes)
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{} holds no corpus", dir.display());
    files
}

/// Runs the corpus, then `mutations` mutated inputs. On a panic or a hang, writes the input to
/// `failures` and returns what happened.
///
/// # Errors
/// A description of the failing input: which target, which input, where it was written, the
/// panic message.
pub fn run(
    name: &str,
    target: Target,
    corpus: &[(String, Vec<u8>)],
    mutations: usize,
    failures: &Path,
) -> Result<Outcome, String> {
    let start = Instant::now();
    let mut slowest = Duration::ZERO;
    let mut once = |label: &str, input: &[u8]| -> Result<(), String> {
        let t0 = Instant::now();
        let result = panic::catch_unwind(AssertUnwindSafe(|| target(input)));
        let took = t0.elapsed();
        slowest = slowest.max(took);
        let problem = match result {
            Err(payload) => Some(format!("panicked: {}", message(payload.as_ref()))),
            Ok(()) if took > SLOW => Some(format!("took {took:?}, over {SLOW:?}")),
            Ok(()) => None,
        };
        match problem {
            None => Ok(()),
            Some(problem) => {
                let path = save(failures, name, label, input);
                Err(format!(
                    "fuzz target `{name}` {problem}\n  input: {label} ({} bytes), written to {}\n  \
                     replay: cargo run --release --manifest-path fuzz/Cargo.toml --bin replay -- {name} {}",
                    input.len(),
                    path.display(),
                    path.display()
                ))
            }
        }
    };
    for (file, bytes) in corpus {
        once(&format!("corpus/{name}/{file}"), bytes)?;
    }
    let all: Vec<Vec<u8>> = corpus.iter().map(|(_, b)| b.clone()).collect();
    let dict = mutate::dictionary(name);
    let mut rng = Rng::new(name);
    for i in 0..mutations {
        let seed = &all[rng.below(all.len())];
        let input = mutate::mutate(&mut rng, seed, &all, &dict);
        once(&format!("mutation {i}"), &input)?;
    }
    Ok(Outcome {
        corpus: corpus.len(),
        mutations,
        elapsed: start.elapsed(),
        slowest,
    })
}

fn message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "(a panic without a message)".into())
}

fn save(dir: &Path, name: &str, label: &str, input: &[u8]) -> PathBuf {
    let file: String = label
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let path = dir.join(format!("{name}-{file}"));
    let _ = std::fs::create_dir_all(dir);
    let _ = std::fs::write(&path, input);
    path
}
