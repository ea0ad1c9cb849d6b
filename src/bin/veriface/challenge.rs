//! `veriface challenge new|verify`: issue an active-liveness challenge (signed with a server key)
//! and judge a capture's record of it. Only a verdict given with the key is trustworthy: a
//! device can make and judge its own challenges, but it could also lie.

use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine;
use serde_json::Value;
use veriface::challenge::record::ChallengeRecord;
use veriface::challenge::{Action, Challenge};
use veriface::liveness::active::ActiveLimits;
use veriface::{ChallengeContext, Error, Result};

use crate::context::{read, Context};
use crate::output;

/// Arguments of `challenge`.
#[derive(clap::Subcommand)]
pub enum Args {
    /// Print a fresh challenge as JSON: 2 or 3 random actions, a nonce, an expiry.
    New {
        /// Sign it with this key (at least 32 bytes; `head -c 32 /dev/urandom > key`).
        #[arg(long)]
        key_file: Option<PathBuf>,
        /// These actions in this order instead of random ones (turn_left, turn_right, blink,
        /// come_closer), comma-separated.
        #[arg(long, value_delimiter = ',')]
        actions: Option<Vec<String>>,
    },
    /// Judge RECORD (frames inside as base64 `image`, or beside it as `file` paths) against
    /// CHALLENGE; exits 0 only when it passes.
    Verify {
        /// The challenge as issued.
        challenge: PathBuf,
        /// The capture's record.
        record: PathBuf,
        /// The key the challenge must be signed with.
        #[arg(long)]
        key_file: Option<PathBuf>,
        /// A file of used nonces, one per line: a nonce found there is refused, and every nonce
        /// verified is added.
        #[arg(long)]
        nonce_db: Option<PathBuf>,
        /// The time to verify at, ms since the Unix epoch (default: now).
        #[arg(long)]
        now: Option<u64>,
    },
}

pub fn run(ctx: &Context, args: Args) -> Result<bool> {
    match args {
        Args::New { key_file, actions } => {
            let mut random = [0u8; 32];
            getrandom::fill(&mut random).map_err(|e| Error::Inference {
                reason: format!("no random source: {e}"),
            })?;
            let now = now_ms();
            let challenge = match actions {
                Some(names) => {
                    let actions = names
                        .iter()
                        .map(|n| {
                            n.parse::<Action>()
                                .map_err(|e| Error::bad_parameter("--actions", e))
                        })
                        .collect::<Result<Vec<_>>>()?;
                    Challenge::with_steps(random, now, &actions)
                }
                None => Challenge::new(random, now),
            };
            let challenge = match key_file {
                Some(path) => challenge.sign(&read(&path)?)?,
                None => challenge,
            };
            output::json(&challenge);
            Ok(true)
        }
        Args::Verify {
            challenge,
            record,
            key_file,
            nonce_db,
            now,
        } => {
            let challenge: Challenge = json_file(&challenge, "CHALLENGE")?;
            let record = load_record(&record)?;
            let key = key_file.as_deref().map(read).transpose()?;
            let used = match &nonce_db {
                Some(db) => std::fs::read_to_string(db).unwrap_or_default(),
                None => String::new(),
            };
            let fresh = !used.lines().any(|l| l.trim() == challenge.nonce);
            let mut v = ctx.liveness_verifier()?;
            let context = ChallengeContext {
                key: key.as_deref(),
                now_ms: now.unwrap_or_else(now_ms),
                nonce_fresh: fresh,
                limits: ActiveLimits::default(),
            };
            let result = v.verify_challenge(&challenge, &record, &context)?;
            if let Some(db) = &nonce_db {
                burn(db, &challenge.nonce)?;
            }
            output::json(&result);
            Ok(result.passed)
        }
    }
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

fn json_file<T: serde::de::DeserializeOwned>(path: &Path, name: &str) -> Result<T> {
    serde_json::from_slice(&read(path)?)
        .map_err(|e| Error::bad_parameter(name, format!("{}: {e}", path.display())))
}

/// The record, with frames given as `file` (relative to the record) read into `image`.
fn load_record(path: &Path) -> Result<ChallengeRecord> {
    let mut value: Value = json_file(path, "RECORD")?;
    let base = path.parent().unwrap_or(Path::new("."));
    if let Some(frames) = value.get_mut("frames").and_then(Value::as_array_mut) {
        for frame in frames.iter_mut().filter_map(Value::as_object_mut) {
            if let Some(Value::String(file)) = frame.remove("file") {
                let bytes = read(&base.join(file))?;
                let b64 = base64::engine::general_purpose::STANDARD.encode(bytes);
                frame.insert("image".into(), Value::String(b64));
            }
        }
    }
    serde_json::from_value(value)
        .map_err(|e| Error::bad_parameter("RECORD", format!("{}: {e}", path.display())))
}

/// Adds `nonce` to the used-nonce file.
fn burn(db: &Path, nonce: &str) -> Result<()> {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(db)
        .and_then(|mut f| writeln!(f, "{nonce}"))
        .map_err(|e| {
            Error::bad_parameter("--nonce-db", format!("cannot write {}: {e}", db.display()))
        })
}
