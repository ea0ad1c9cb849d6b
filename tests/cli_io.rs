//! The command line under I/O failures: a reader that goes away (`| head -1`), a full
//! standard output, input files that are missing, folders or endless, output files that cannot
//! be written. In every case: no panic message, and either status 0 (a closed pipe, as
//! `yes | head` does) or status 1 with `error [CODE]: ...` on standard error.
#![cfg(all(unix, feature = "cli"))]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_veriface");

/// A fresh folder under the target dir for this test's files.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("cli_io-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch folder");
    dir
}

/// A PNG made here: a smooth gradient (`noisy: false`, a few hundred bytes) or noise that does not
/// compress (`noisy: true`, over 64 KB). No face in either.
fn png(dir: &Path, name: &str, noisy: bool) -> PathBuf {
    let (w, h) = (160u32, 160u32);
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        if noisy {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let b = seed.to_le_bytes();
            image::Rgb([b[0], b[1], b[2]])
        } else {
            image::Rgb([(x * 255 / w) as u8, (y * 255 / h) as u8, 128])
        }
    });
    let path = dir.join(name);
    img.save(&path).expect("test image");
    path
}

/// Runs a shell line (for redirections a `Command` cannot express: `>&-`, `| head`) with `$BIN`
/// set to the binary.
fn sh(script: &str) -> Output {
    Command::new("bash")
        .arg("-c")
        .arg(script)
        .env("BIN", BIN)
        .stdin(Stdio::null())
        .output()
        .expect("bash runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// No panic, and the status and error code expected (`None`: success, nothing on stderr about
/// an error).
fn assert_outcome(out: &Output, status: i32, code: Option<&str>) {
    let err = stderr(out);
    assert!(
        !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
        "a panic: {err}"
    );
    assert_eq!(out.status.code(), Some(status), "status; stderr: {err}");
    match code {
        Some(code) => assert!(
            err.contains(&format!("error [{code}]: ")),
            "expected `error [{code}]: ` on stderr, got: {err}"
        ),
        None => assert!(!err.contains("error ["), "an error: {err}"),
    }
}

#[test]
fn a_reader_that_closes_early_ends_the_program_quietly_with_status_0() {
    // The original report: `veriface frame X --json | head -1` panicked with "failed printing to
    // stdout: Broken pipe". Here `head -1` reads the first line of a multi-line JSON report and
    // leaves; PIPESTATUS has veriface's own status.
    let dir = scratch("pipe-head");
    let image = png(&dir, "frame.png", false);
    let out = sh(&format!(
        "\"$BIN\" frame '{0}' '{0}' --json | head -c 1 >/dev/null; exit ${{PIPESTATUS[0]}}",
        image.display()
    ));
    assert_outcome(&out, 0, None);

    // A reader that is gone before anything is written (the models load first): the same.
    let mut child = Command::new(BIN)
        .args(["detect", &image.to_string_lossy(), "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("veriface starts");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("veriface ends");
    assert_outcome(&out, 0, None);
}

#[test]
fn a_reader_that_reads_one_line_then_closes_is_a_quiet_exit_too() {
    let mut child = Command::new(BIN)
        .args(["challenge", "new"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("veriface starts");
    let mut first = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut first)
        .expect("a first line");
    assert_eq!(first.trim(), "{");
    let out = child.wait_with_output().expect("veriface ends");
    assert_outcome(&out, 0, None);
}

#[test]
fn a_full_standard_output_is_an_io_error() {
    let out = sh("\"$BIN\" challenge new > /dev/full");
    assert_outcome(&out, 1, Some("IO_ERROR"));
    assert!(
        stderr(&out).contains("No space left on device"),
        "{}",
        stderr(&out)
    );
    // The same for the plain-text and JSON reports of a subcommand that loads models.
    let dir = scratch("full");
    let image = png(&dir, "frame.png", false);
    for flags in ["", "--json"] {
        let out = sh(&format!(
            "\"$BIN\" detect '{}' {flags} > /dev/full",
            image.display()
        ));
        assert_outcome(&out, 1, Some("IO_ERROR"));
    }
}

#[test]
fn standard_input_is_never_read() {
    // No subcommand reads standard input: one that is endless, full or closed changes nothing.
    for redirect in ["< /dev/full", "< /dev/zero", "<&-"] {
        let out = sh(&format!("\"$BIN\" challenge new {redirect}"));
        assert_outcome(&out, 0, None);
        let challenge: serde_json::Value =
            serde_json::from_slice(&out.stdout).expect("a challenge as JSON");
        assert_eq!(challenge["version"], 1, "{redirect}");
    }
}

#[test]
fn an_error_with_standard_error_full_still_exits_1() {
    let out = sh("\"$BIN\" challenge verify /nonexistent/c.json /nonexistent/r.json 2>/dev/full");
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn input_files_that_cannot_be_read_are_bad_parameters_naming_the_path() {
    let dir = scratch("inputs");
    let record = dir.join("record.json");
    std::fs::write(&record, "{}").expect("record");
    let cases = [
        ("/nonexistent/challenge.json", "No such file or directory"),
        (
            dir.to_str().expect("utf-8 path"),
            "it is a folder, not a file",
        ),
        // Endless files: refused at the cap (256 MiB), not read until memory runs out.
        ("/dev/zero", "longer than 268435456 bytes"),
        ("/dev/full", "longer than 268435456 bytes"),
    ];
    for (path, why) in cases {
        let out = Command::new(BIN)
            .args(["challenge", "verify", path, &record.to_string_lossy()])
            .output()
            .expect("veriface runs");
        assert_outcome(&out, 1, Some("BAD_PARAMETER"));
        let err = stderr(&out);
        assert!(err.contains(path) && err.contains(why), "{path}: {err}");
    }
    // The global --manifest, and an image for a subcommand that loads models first.
    let out = Command::new(BIN)
        .args(["--manifest", "/nonexistent/m.json", "challenge", "new"])
        .output()
        .expect("veriface runs");
    assert_outcome(&out, 1, Some("BAD_PARAMETER"));
    let out = Command::new(BIN)
        .args(["detect", &dir.to_string_lossy()])
        .output()
        .expect("veriface runs");
    assert_outcome(&out, 1, Some("BAD_PARAMETER"));
    assert!(stderr(&out).contains("folder"), "{}", stderr(&out));
}

#[test]
fn a_draw_output_that_cannot_be_written_is_an_error_with_its_code() {
    let dir = scratch("draw");
    let image = png(&dir, "noise.png", true);
    let image = image.to_string_lossy();
    for out_path in [
        "/nonexistent/out.png".to_string(),
        dir.to_string_lossy().into_owned(), // a folder
        "/dev/full".to_string(),            // a full disk
    ] {
        let out = Command::new(BIN)
            .args(["detect", &image, "--draw", &out_path])
            .output()
            .expect("veriface runs");
        assert_outcome(&out, 1, Some("BAD_PARAMETER"));
        assert!(
            stderr(&out).contains("--draw"),
            "{out_path}: {}",
            stderr(&out)
        );
    }
    // And a writable one works.
    let drawn = dir.join("drawn.png");
    let out = Command::new(BIN)
        .args(["detect", &image, "--draw", &drawn.to_string_lossy()])
        .output()
        .expect("veriface runs");
    assert_outcome(&out, 0, None);
    assert!(image::open(&drawn).is_ok());
}

#[test]
fn a_small_draw_output_to_a_full_disk_is_an_error_too() {
    // A PNG smaller than the encoder's 8 KiB write buffer reaches the file only when the buffer
    // is dropped, where the `image` crate ignores the error: `detect --draw` must write through
    // its own buffer and flush it (src/bin/veriface/detect.rs).
    let dir = scratch("draw-small");
    let image = png(&dir, "gradient.png", false);
    let out = Command::new(BIN)
        .args(["detect", &image.to_string_lossy(), "--draw", "/dev/full"])
        .output()
        .expect("veriface runs");
    assert_outcome(&out, 1, Some("BAD_PARAMETER"));
}

#[test]
fn the_server_refuses_to_start_when_it_cannot_announce_itself() {
    // `serve` prints `listening on http://ADDR` once ready, through the same path: into a full
    // standard output it is an IO_ERROR, not a panic and not a server no one can find.
    let out =
        sh("timeout 60 \"$BIN\" serve --addr 127.0.0.1:0 --no-static --workers 1 > /dev/full");
    assert_outcome(&out, 1, Some("IO_ERROR"));
}

#[test]
fn help_into_a_closed_pipe_does_not_panic() {
    let out = sh("\"$BIN\" --help | head -c 1 >/dev/null; exit ${PIPESTATUS[0]}");
    assert_outcome(&out, 0, None);
}

#[test]
fn nothing_in_the_cli_prints_around_the_output_module() {
    // `println!` and `print!` panic when standard output fails; every subcommand prints through
    // src/bin/veriface/output.rs instead (`out!`, `output::line`, `output::json`).
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/bin/veriface");
    let mut files = vec![];
    for dir in [root.clone(), root.join("serve")] {
        for entry in std::fs::read_dir(&dir).expect("the CLI's sources") {
            let path = entry.expect("an entry").path();
            if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    let mut offenders = vec![];
    for path in files.iter().filter(|p| !p.ends_with("output.rs")) {
        let text = std::fs::read_to_string(path).expect("source");
        for (i, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            let used = |mac: &str| {
                code.match_indices(mac).any(|(at, _)| {
                    !code[..at]
                        .chars()
                        .next_back()
                        .is_some_and(|c| c.is_alphanumeric() || c == '_')
                })
            };
            if ["println!", "print!", "dbg!"].into_iter().any(used) {
                offenders.push(format!("{}:{}: {}", path.display(), i + 1, line.trim()));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "print around output.rs:\n{}",
        offenders.join("\n")
    );
}
