//! What tests/serve.rs needs around a running `veriface serve`: starting it on a free port,
//! a blocking client (ureq) and a raw socket for what no well-behaved client sends, the API key
//! headers each vendor's clients use, schema validation and the golden files of
//! tests/vendor_shapes.rs (fresh transaction ids and times masked).

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{json, Value};
use veriface::shapes::Format;

/// Standard base64.
pub fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The key in the test servers' `--api-key-file`.
pub const KEY: &str = "serve-test-key-0123456789abcdef";

/// A `veriface serve` child process, killed on drop.
pub struct Server {
    pub child: Child,
    pub addr: String,
    pub log: PathBuf,
}

impl Server {
    /// Starts the server with `args` (after `--addr 127.0.0.1:0`) and waits for its address.
    pub fn start(name: &str, args: &[&str]) -> Server {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("serve");
        std::fs::create_dir_all(&dir).expect("tmp dir");
        let log = dir.join(format!("{name}.log"));
        let mut child = Command::new(env!("CARGO_BIN_EXE_veriface"))
            .args(["serve", "--addr", "127.0.0.1:0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).expect("log file"))
            .spawn()
            .expect("spawn veriface serve");
        let mut line = String::new();
        let stdout = child.stdout.take().expect("stdout");
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read stdout");
        let addr = line
            .trim()
            .strip_prefix("listening on http://")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}; log: {}", log.display()))
            .to_string();
        Server { child, addr, log }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Everything the server logged so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A file holding [`KEY`], one per test (tests run in parallel: a shared file could be read
/// while another test rewrites it).
pub fn key_file(test: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("serve-keys-{test}.txt"));
    std::fs::write(&path, format!("# test keys\n{KEY}\n")).expect("key file");
    path
}

/// The header a vendor's client carries its key in.
pub fn key_header(format: Format, key: &str) -> (&'static str, String) {
    match format {
        Format::Vlens => ("ApiKey", key.to_string()),
        Format::Valify | Format::Veriface => ("Authorization", format!("Bearer {key}")),
        Format::Deepvue | Format::Opencv => ("x-api-key", key.to_string()),
    }
}

/// An HTTP answer.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{} body is not JSON ({e}): {}", self.status, self.text()))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into()
}

fn reply(r: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Reply {
    let mut r = r.expect("HTTP exchange");
    let headers = r
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_string()))
        .collect();
    let body = r
        .body_mut()
        .with_config()
        .limit(64 << 20)
        .read_to_vec()
        .expect("body");
    Reply {
        status: r.status().as_u16(),
        headers,
        body,
    }
}

/// POSTs `body` with a Content-Type and extra headers.
pub fn post(url: &str, content_type: &str, headers: &[(&str, String)], body: &[u8]) -> Reply {
    let mut req = agent().post(url).header("Content-Type", content_type);
    for (k, v) in headers {
        req = req.header(*k, v.as_str());
    }
    reply(req.send(body))
}

/// POSTs JSON with the vendor's key header.
pub fn post_json(url: &str, format: Format, body: &Value) -> Reply {
    let body = serde_json::to_vec(body).expect("json");
    post(url, "application/json", &[key_header(format, KEY)], &body)
}

pub fn get(url: &str) -> Reply {
    reply(agent().get(url).call())
}

/// A multipart/form-data body: (field, file name, bytes) each.
pub fn multipart(parts: &[(&str, Option<&str>, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "veriface-test-boundary-7MA4YWxk";
    let mut body = Vec::new();
    for (name, file, data) in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        let disposition = match file {
            Some(f) => format!(
                "Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            ),
            None => format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n"),
        };
        body.extend_from_slice(disposition.as_bytes());
        body.extend_from_slice(data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Writes `head` (and then nothing, or `tail` after `pause`) on a raw connection and reads the
/// one answer: for what no well-behaved client sends. `None` when no answer came within `wait`.
pub fn raw(addr: &str, head: &[u8], wait: Duration) -> Option<Reply> {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(wait)).expect("timeout");
    s.write_all(head).expect("write");
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        if let Some(r) = parse(&buf) {
            return Some(r);
        }
        match s.read(&mut chunk) {
            Ok(0) => return parse(&buf),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(_) => return None,
        }
    }
}

/// A complete response with a Content-Length body, if `buf` holds one.
fn parse(buf: &[u8]) -> Option<Reply> {
    let end = buf.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&buf[..end]);
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let len: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())?;
    let body = buf.get(end + 4..end + 4 + len)?.to_vec();
    Some(Reply {
        status,
        headers,
        body,
    })
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The schema of `format`'s answers at a compare (or liveness) endpoint. The service codes are
/// added to the two code enums that do not list them yet (veriface `error.code`; OpenCV FR's
/// page codes for a missing or wrong key and an unknown entity): until schemas/ lists them,
/// here is the one place that does.
pub fn schema(format: Format, liveness: bool) -> Value {
    let file = match (format, liveness) {
        (Format::Vlens, false) => "vlens-compare.schema.json",
        (Format::Vlens, true) => "vlens-liveness.schema.json",
        (Format::Veriface, false) => "veriface-compare.schema.json",
        (Format::Veriface, true) => "veriface-liveness.schema.json",
        (Format::Valify, _) => "valify-face-match.schema.json",
        (Format::Deepvue, _) => "deepvue-facematch.schema.json",
        (Format::Opencv, _) => "opencv-compare.schema.json",
    };
    let text = std::fs::read(root().join("schemas").join(file)).expect("schema file");
    let schema: Value = serde_json::from_slice(&text).expect("schema is JSON");
    schema
}

/// Validates `body` against `format`'s schema.
pub fn validate(format: Format, liveness: bool, body: &Value, what: &str) {
    let schema = schema(format, liveness);
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(body)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "{what}: {} body does not match its schema:\n{}\n{body:#}",
        format.name(),
        errors.join("\n")
    );
}

/// Timings masked, floats rounded (tests/vendor_shapes.rs's `stable`), and the per-request
/// transaction id and time replaced by the fixed ones the golden files were made with.
pub fn stable(v: &Value, top: bool) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| {
                    let v = match k.as_str() {
                        "transaction_id" if top => json!("00000000-0000-4000-8000-000000000000"),
                        "timestamp" if top => json!(1_710_444_590_759_i64),
                        _ if k.ends_with("_ms") => json!("<ms>"),
                        "data" => stable(v, top),
                        _ => stable(v, false),
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(|x| stable(x, false)).collect()),
        Value::Number(n) if n.is_f64() => {
            let x = n.as_f64().unwrap_or_default();
            json!((x * 1e4).round() / 1e4)
        }
        other => other.clone(),
    }
}

/// Compares an answer with tests/golden/`name`.json (`VERIFACE_BLESS=1` writes it).
pub fn golden(name: &str, reply: &Reply) {
    let path = root().join("tests/golden").join(format!("{name}.json"));
    let actual = json!({ "status": reply.status, "body": stable(&reply.json(), true) });
    if std::env::var_os("VERIFACE_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        let text = serde_json::to_string_pretty(&actual).expect("json") + "\n";
        std::fs::write(&path, text).expect("write golden");
        return;
    }
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("no golden file {}", path.display()));
    let expected: Value = serde_json::from_str(&text).expect("golden is JSON");
    assert_eq!(
        actual,
        expected,
        "{name}: the server's answer differs from {}",
        path.display()
    );
}
