//! Printing: JSON, vendor responses, errors. Every subcommand prints through [`line`], never
//! `println!` (which panics with "failed printing to stdout" when the write fails):
//!
//! - standard output is a pipe whose reader has gone (`veriface frame ... --json | head -1`):
//!   the program ends quietly with status 0, as `yes | head` does;
//! - any other failure to write it (a full disk, `> /dev/full`): `error [IO_ERROR]: ...` on
//!   standard error and status 1.
//!
//! (A standard output closed before the start, `>&-`, is not one of them: Rust's runtime opens
//! /dev/null in its place before `main`, so the output goes nowhere, as with `> /dev/null`.)
//!
//! `IO_ERROR` is the command line's own code, beside the library's [`veriface::ErrorCode`]s: the
//! library never does I/O (it is also the wasm core, whose JavaScript error codes must equal that
//! list: tests/code_lists.rs), so it cannot raise it. A file the CLI cannot read, or a file it
//! was asked to write (`--draw`, `--roc`, `--nonce-db`) that it cannot create, is
//! `BAD_PARAMETER` naming the argument, as before: the caller named a path that does not work.

use std::io::Write;

use veriface::shapes::{self, Context, Response};
use veriface::{Error, Result};

/// The code printed when the program's output cannot be written.
pub const IO_ERROR: &str = "IO_ERROR";

/// Writes one line to standard output; a closed pipe exits quietly (status 0, as `yes | head`
/// does), any other write error exits with `error [IO_ERROR]` (status 1).
pub fn line(text: &str) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = writeln!(out, "{text}").and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        fail(&e);
    }
}

/// Reports a failed write of the output and exits with status 1.
fn fail(e: &std::io::Error) -> ! {
    let _ = writeln!(
        std::io::stderr(),
        "error [{IO_ERROR}]: cannot write the output: {e}"
    );
    std::process::exit(1);
}

/// Prints `value` as pretty JSON.
pub fn json<T: serde::Serialize>(value: &T) {
    line(&to_json(value));
}

/// `value` as pretty JSON (serialising these plain types cannot fail; the fallback keeps the
/// function total).
pub fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

/// Prints one check as a table row: code, value, limit, verdict, and a note.
pub fn check_row(code: &str, value: f64, threshold: f64, passed: bool, note: &str) {
    let verdict = if passed { "ok" } else { "FAIL" };
    line(&format!(
        "  {code:<22} {value:>9.4}  limit {threshold:>7.3}  {verdict}{note}"
    ));
}

/// Prints an error with its code on standard error.
pub fn error(e: &Error) {
    let _ = writeln!(std::io::stderr(), "error [{}]: {e}", e.code());
}

/// Prints a vendor response (with its status, or the body alone); true when the status is a
/// success.
pub fn response(response: &Response, with_status: bool) -> bool {
    if with_status {
        json(response);
    } else {
        json(&response.body);
    }
    response.status < 400
}

/// A response context with a fresh UUID v4 from the OS's cryptographic source and the time.
///
/// # Errors
/// `INFERENCE_FAILED` when the OS has no random source.
pub fn fresh_context() -> Result<Context> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| Error::Inference {
        reason: format!("no random source for the transaction id: {e}"),
    })?;
    let timestamp_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64() * 1000.0)
        .unwrap_or_default();
    Ok(Context {
        transaction_id: shapes::uuid_v4(bytes),
        timestamp_ms,
        ..Context::default()
    })
}

/// `println!` that survives a closed pipe: see [`line`].
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::output::line(&format!($($arg)*))
    };
}

pub(crate) use out;
