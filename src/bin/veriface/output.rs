//! Printing: JSON, vendor responses, errors. Standard output may be a pipe that closes early
//! (`veriface frame ... --json | head -1`): a write that fails ends the program quietly rather
//! than panicking as `println!` does.

use std::io::Write;

use veriface::shapes::{self, Context, Response};
use veriface::{Error, Result};

/// Writes one line to standard output; a closed pipe exits quietly (status 0, as `yes | head`
/// does), any other write error is reported.
pub fn line(text: &str) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = writeln!(out, "{text}").and_then(|()| out.flush()) {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            let _ = writeln!(
                std::io::stderr(),
                "error [IO_ERROR]: cannot write the output: {e}"
            );
            std::process::exit(1);
        }
        std::process::exit(0);
    }
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
