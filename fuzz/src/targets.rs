//! One fuzz target per parser that takes outside input: plain functions over bytes, the same
//! under AFL++ (`src/bin/afl.rs`) and in the CI pass (`tests/fuzz_corpus.rs`, which includes this
//! file by path). A target returns normally whatever the input; a panic is a bug, found either
//! in veriface or by one of the oracles below: `assert!`s on what the code documents (decoded
//! sizes within the caps, only the error codes a function lists, the frame and timestamp rules
//! of a liveness check), signatures that verify after signing and not after tampering, the same
//! answer whether a body arrives in one piece or in many, and the like. Each oracle can fail: it
//! compares veriface's answer with something computed apart from it.
//!
//! No model runs: every target stops where the pipeline would start inference. The liveness and
//! challenge targets go through the real [`Verifier`] entry points (`liveness`,
//! `verify_challenge`) with a verifier that has no liveness models loaded: those check the
//! request (frame count, timestamps, span, challenge fields) and decode the first frame, then
//! stop with `UNKNOWN_MODEL` before any inference. The verifier (detector and embedder, from
//! `models/`) is built once per thread; [`init`] builds it up front (the AFL harness calls it
//! before the fork server starts, so every child inherits it).

use std::cell::RefCell;
use std::collections::VecDeque;
use std::convert::Infallible;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes, HttpBody};
use base64::Engine;
use serde::Deserialize;
use serde_json::Value;
use veriface::challenge::record::{ChallengeRecord, FollowRequest, Tracked, FRAME_COUNT};
use veriface::challenge::{Action, Challenge, Step};
use veriface::endpoints::{self, Endpoint, Parsed};
use veriface::image::{self as vimage, ImageInput, Limits, Sniffed};
use veriface::liveness::active::{self, ActiveLimits};
use veriface::models::{self, Manifest};
use veriface::request::{self, LivenessRequest, QualityRequest};
use veriface::shapes::{Context, Failure, Format, Service};
use veriface::{ChallengeContext, Error, Frame, LivenessOptions, ModelBytes, Verifier};

use crate::serve::{app, body};

/// A target: bytes in, a panic on a bug.
pub type Target = fn(&[u8]);

/// Every target by name (the AFL binary's argument, the corpus folder's name).
pub const TARGETS: &[(&str, Target)] = &[
    ("decode", decode),
    ("base64", base64),
    ("rgba", rgba),
    ("vendor", vendor),
    ("multipart", multipart),
    ("liveness", liveness),
    ("challenge", challenge),
    ("follow", follow),
    ("manifest", manifest),
];

/// The target called `name`.
pub fn by_name(name: &str) -> Option<Target> {
    TARGETS.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

macro_rules! targets {
    ($($name:ident => $body:ident,)+) => {
        $(
            #[doc = concat!("The `", stringify!($name), "` target: [`", stringify!($body), "`] under [`guard`].")]
            pub fn $name(data: &[u8]) {
                guard(|| $body(data));
            }
        )+
    };
}

targets! {
    decode => decode_input,
    base64 => base64_input,
    rgba => rgba_input,
    vendor => vendor_input,
    multipart => multipart_input,
    liveness => liveness_input,
    challenge => challenge_input,
    follow => follow_input,
    manifest => manifest_input,
}

/// Panics already reported, by where they happen (a dependency's file, with its version, and
/// line): a target that hits one goes on quietly, so that a campaign goes on finding other bugs.
/// Matching the version, an upgrade of the dependency ends the exemption by itself. See
/// "Findings" in docs/fuzzing.md; `VERIFACE_FUZZ_STRICT=1` turns every exemption off.
const KNOWN_PANICS: &[(&str, u32)] = &[
    // The AVX2 h2v2 upsampler's scratch-space assertion on a progressive JPEG
    // (corpus/decode/fixed-jpeg-avx2-upsample.jpg; x86 with AVX2 only, as detected at run time).
    // `image::decode` catches it natively and answers CORRUPT_IMAGE.
    ("zune-jpeg-0.5.15/src/upsampler/avx2.rs", 184),
];

thread_local! {
    /// Set by the panic hook when this thread's panic is a known one.
    static KNOWN_PANIC: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// Where this thread's last unknown panic happened, kept by the panic hook: the library
    /// catches a decoder's panic natively, and the target must still see it.
    static OTHER_PANIC: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// Whether `VERIFACE_FUZZ_STRICT` is set (read once): no known finding is let through.
fn strict() -> bool {
    static STRICT: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *STRICT.get_or_init(|| std::env::var_os("VERIFACE_FUZZ_STRICT").is_some())
}

/// Runs a target's body: a panic at one of the [`KNOWN_PANICS`] goes by quietly; any other
/// panic is a finding, under AFL an abort (a crash), and otherwise a panic of the target even
/// when the library caught it (as `image::decode` does a decoder's).
fn guard(body: impl FnOnce()) {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        // Chained after whatever hook is in place (under AFL, the harness's abort).
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let known = !strict()
                && info.location().is_some_and(|l| {
                    KNOWN_PANICS
                        .iter()
                        .any(|(file, line)| l.file().ends_with(file) && l.line() == *line)
                });
            if known {
                KNOWN_PANIC.with(|k| k.set(true));
            } else {
                OTHER_PANIC.with(|p| p.replace(Some(info.to_string())));
                previous(info);
            }
        }));
    });
    KNOWN_PANIC.with(|k| k.set(false));
    OTHER_PANIC.with(|p| p.replace(None));
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(body));
    let other = OTHER_PANIC.with(|p| p.replace(None));
    match outcome {
        Err(payload) if other.is_some() || !KNOWN_PANIC.with(|k| k.replace(false)) => {
            std::panic::resume_unwind(payload)
        }
        Err(_) => {}
        Ok(()) => {
            if let Some(message) = other {
                panic!("a panic inside the library was caught and answered as an error: {message}");
            }
        }
    }
}

/// The caps the targets decode under: the library's checks with smaller numbers, so that a
/// header that claims a large (allowed) image does not cost the fuzzer 100 MB and 50 ms per
/// input. The order of checks, and so every branch, is the same as with `Limits::default()`.
pub const LIMITS: Limits = Limits {
    max_encoded_bytes: 256 * 1024,
    max_pixels: 1 << 20,
    max_side: 2048,
};

/// The codes `image::decode` documents.
const DECODE_CODES: &[&str] = &[
    "EMPTY_INPUT",
    "UNSUPPORTED_FORMAT",
    "CORRUPT_IMAGE",
    "IMAGE_TOO_LARGE",
];

/// The codes `image::decode_base64` documents.
const BASE64_CODES: &[&str] = &["EMPTY_INPUT", "NOT_BASE64", "IMAGE_TOO_LARGE"];

/// The codes an image in a request can fail with before a model runs: decoding, base64, a
/// malformed RGBA frame, or a value that is no image (`BAD_PARAMETER`).
const IMAGE_CODES: &[&str] = &[
    "EMPTY_INPUT",
    "NOT_BASE64",
    "UNSUPPORTED_FORMAT",
    "CORRUPT_IMAGE",
    "IMAGE_TOO_LARGE",
    "BAD_FRAME",
    "BAD_PARAMETER",
];

fn expect_code(e: &Error, allowed: &[&str], what: &str) {
    assert!(
        allowed.contains(&e.code()),
        "{what} failed with {}, which it does not document: {e}",
        e.code()
    );
}

/// Decodes `input` as the pipeline would, and checks what a decoded image promises.
fn load(input: ImageInput<'_>) -> Result<(), Error> {
    let img = vimage::load(input, &LIMITS)?;
    let (w, h) = img.dimensions();
    assert!(w > 0 && h > 0, "a decoded image of {w}x{h}");
    assert!(
        w <= LIMITS.max_side && h <= LIMITS.max_side,
        "{w}x{h} is over the side cap"
    );
    assert!(
        u64::from(w) * u64::from(h) <= LIMITS.max_pixels,
        "{w}x{h} is over the pixel cap"
    );
    assert_eq!(img.as_raw().len() as u64, u64::from(w) * u64::from(h) * 3);
    Ok(())
}

/// `decode`: JPEG and PNG bytes (and anything else: the sniffer names it) into RGB pixels. The
/// sniffer and the decoder agree: what the magic bytes call JPEG or PNG is never refused as an
/// unsupported format, and anything else always is.
fn decode_input(data: &[u8]) {
    let sniffed = vimage::sniff(data);
    match load(ImageInput::Encoded(data)) {
        Ok(()) => assert!(
            matches!(sniffed, Sniffed::Jpeg | Sniffed::Png),
            "decoded bytes sniffed as {sniffed:?}"
        ),
        Err(e) => {
            expect_code(&e, DECODE_CODES, "image::decode");
            let jpeg_or_png = matches!(sniffed, Sniffed::Jpeg | Sniffed::Png);
            let size_first = data.is_empty() || data.len() > LIMITS.max_encoded_bytes;
            if !size_first {
                assert_eq!(
                    e.code() == "UNSUPPORTED_FORMAT",
                    !jpeg_or_png,
                    "sniffed {sniffed:?}, refused with {e}"
                );
            }
        }
    }
}

/// The caps of the `base64` target: a small byte cap, so that inputs of a few kilobytes reach
/// the size check on both sides.
pub const BASE64_LIMITS: Limits = Limits {
    max_encoded_bytes: 4096,
    ..LIMITS
};

/// `base64`: text (lossily UTF-8) as a base64 image or a `data:` URL: the base64 decoder, its
/// size check, then the image decoder on what it gives. Oracles: the bytes are within the cap;
/// the same text in a `data:image/png;base64,` URL decodes the same; bytes re-encoded in the
/// standard alphabet decode back to themselves.
fn base64_input(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let result = vimage::decode_base64(&text, &BASE64_LIMITS);
    if !text.trim().starts_with("data:") {
        // `trim` as `decode_base64` trims: in a URL the text's own ends are inside it.
        let url = format!("data:image/png;base64,{}", text.trim());
        let wrapped = vimage::decode_base64(&url, &BASE64_LIMITS);
        match (&result, &wrapped) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "a data: URL decoded differently"),
            (Err(a), Err(b)) => assert_eq!(a.code(), b.code(), "{a} / in a data: URL: {b}"),
            (a, b) => panic!("plain {a:?}, in a data: URL {b:?}"),
        }
    }
    match result {
        Ok(bytes) => {
            assert!(
                bytes.len() <= BASE64_LIMITS.max_encoded_bytes,
                "decode_base64 gave {} bytes, over the cap it checks",
                bytes.len()
            );
            let again = base64::engine::general_purpose::STANDARD.encode(&bytes);
            match vimage::decode_base64(&again, &BASE64_LIMITS) {
                Ok(back) => assert_eq!(back, bytes, "a re-encoding decoded differently"),
                Err(e) if bytes.is_empty() => assert_eq!(e.code(), "EMPTY_INPUT"),
                Err(e) => panic!("its own re-encoding refused: {e}"),
            }
            if let Err(e) = load(ImageInput::Encoded(&bytes)) {
                expect_code(&e, DECODE_CODES, "image::decode");
            }
        }
        Err(e) => expect_code(&e, BASE64_CODES, "image::decode_base64"),
    }
}

/// `rgba`: a raw camera frame. The first 8 bytes are the width and height (u32, little-endian),
/// the rest the pixels. Oracles: a frame is accepted only at its exact length, and its pixels
/// are the RGBA bytes without alpha.
fn rgba_input(data: &[u8]) {
    let word = |i: usize| {
        data.get(i..i + 4)
            .and_then(|b| b.try_into().ok())
            .map_or(0, u32::from_le_bytes)
    };
    let (width, height) = (word(0), word(4));
    let pixels = data.get(8..).unwrap_or_default();
    match vimage::from_rgba(width, height, pixels, &LIMITS) {
        Ok(img) => {
            assert_eq!(img.dimensions(), (width, height));
            assert_eq!(
                pixels.len() as u64,
                u64::from(width) * u64::from(height) * 4
            );
            for (rgb, rgba) in img.as_raw().chunks_exact(3).zip(pixels.chunks_exact(4)) {
                assert_eq!(rgb, &rgba[..3], "a pixel changed");
            }
        }
        Err(e) => expect_code(&e, &["BAD_FRAME", "IMAGE_TOO_LARGE"], "image::from_rgba"),
    }
}

/// `vendor`: a vendor request. The first line is the endpoint (a path or URL, routed as
/// `endpoints::route` does), the rest the JSON body. Runs what the server's vendor handler does
/// before its worker pool: the ids and language read from the body (`client_context`), every
/// vendor's body into the typed request (`endpoints::parse`), a refusal rendered in the vendor's
/// shape; then what the pipeline does before a model: the options, and the images decoded.
fn vendor_input(data: &[u8]) {
    let (first, rest) = split_line(data);
    let endpoint = String::from_utf8_lossy(first);
    let _ = endpoints::endpoint_format(&endpoint);
    let Some(endpoint) = endpoints::route(&endpoint) else {
        return;
    };
    let Ok(body) = serde_json::from_slice::<Value>(rest) else {
        return;
    };
    vendor_body(endpoint, &body);
}

/// A vendor body, parsed: what the server's handler and the pipeline do up to the models.
fn vendor_body(endpoint: Endpoint, body: &Value) {
    let fresh = Context {
        transaction_id: "fuzz-transaction".into(),
        ..Context::default()
    };
    let ctx = endpoints::client_context(endpoint, body, fresh);
    // Vlens and veriface echo the client's ids; the others keep the fresh ones.
    let echoes = matches!(endpoint.format(), Format::Vlens | Format::Veriface);
    let sent = |key: &str| body.get(key).and_then(Value::as_str);
    if echoes {
        assert_eq!(ctx.request_id.as_deref(), sent("request_id"));
        assert_eq!(
            ctx.client_transaction_id.as_deref(),
            sent("client_transaction_id")
        );
    } else {
        assert_eq!(ctx.request_id, None);
        assert_eq!(ctx.transaction_id, "fuzz-transaction");
    }
    let refuse = |failure: Failure| {
        let response = endpoints::refuse(endpoint, failure, &ctx);
        assert!(
            response.status >= 400,
            "a refusal answered {}",
            response.status
        );
        let _ = serde_json::to_string(&response.body).expect("a response body serialises");
    };
    match endpoints::parse(endpoint, body) {
        Ok(Parsed::Compare(request)) => {
            assert!(
                matches!(endpoint, Endpoint::Compare(_)),
                "a compare parsed at {endpoint:?}"
            );
            if let Err(e) = request.options() {
                expect_code(&e, &["BAD_PARAMETER"], "CompareRequest::options");
                refuse(Failure::from(e));
            }
            match request.images() {
                Ok((a, b)) => {
                    for image in [a, b] {
                        if let Err(e) = load(image) {
                            expect_code(&e, IMAGE_CODES, "a compare image");
                            refuse(Failure::from(e));
                        }
                    }
                }
                Err(e) => {
                    expect_code(&e, IMAGE_CODES, "CompareRequest::images");
                    refuse(Failure::from(e));
                }
            }
        }
        Ok(Parsed::Liveness(request)) => {
            assert!(
                matches!(endpoint, Endpoint::Liveness(_)),
                "a liveness request parsed at {endpoint:?}"
            );
            if let Err(e) = liveness_request(&request) {
                refuse(Failure::from(e));
            }
        }
        Err(failure) => {
            let code = failure.code();
            assert!(
                IMAGE_CODES.contains(&code),
                "endpoints::parse refused with {code}: {}",
                failure.message()
            );
            refuse(failure);
        }
    }
}

/// `multipart`: a body as the server reads it for Deepvue's endpoint, through the server's own
/// reader (`src/bin/veriface/serve/body.rs`, compiled in by path): multipart, urlencoded or JSON
/// by the Content-Type, then the Deepvue compare parse. The first line is the Content-Type
/// header, the rest the body. Oracles: the body read in one piece and in many small pieces (as
/// a network delivers it) gives the same answer; a form becomes an object of strings with
/// Deepvue's fields only; a JSON body is the JSON; and a body held in memory never times out.
fn multipart_input(data: &[u8]) {
    let (content_type, rest) = split_line(data);
    let whole = read_body(content_type, Body::from(rest.to_vec()));
    let pieces = read_body(content_type, Body::new(Chunked::new(rest)));
    match (&whole, &pieces) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "the body read differently in pieces"),
        (Err((a, ma)), Err((b, mb))) => {
            assert_eq!(a, b, "in one piece: {ma}; in pieces: {mb}")
        }
        (a, b) => panic!("in one piece {a:?}; in pieces {b:?}"),
    }
    let essence = String::from_utf8_lossy(content_type)
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    match whole {
        Ok(value) => {
            if essence == "application/json" || essence.ends_with("+json") {
                let direct: Value = serde_json::from_slice(rest).expect("the reader took it");
                assert_eq!(value, direct, "the JSON changed");
            } else {
                // Deepvue's fields, and a file's name under `<field>_name`.
                let deepvue = ["file_a", "file_b", "file_a_name", "file_b_name"];
                let fields = value.as_object().expect("a form is an object");
                for (k, v) in fields {
                    let stem = k.strip_suffix("_name").unwrap_or(k);
                    assert!(
                        deepvue.contains(&k.as_str()) || deepvue.contains(&stem),
                        "a form field `{k}` kept"
                    );
                    assert!(v.is_string(), "`{k}` is {v}");
                }
            }
            vendor_body(Endpoint::Compare(Format::Deepvue), &value);
        }
        Err((code, message)) => {
            assert!(!message.is_empty());
            assert!(
                matches!(
                    code,
                    Service::UnsupportedMediaType | Service::BodyTooLarge | Service::MalformedBody
                ),
                "body::read refused with {}: {message}",
                code.name()
            );
        }
    }
}

/// The server's body reader on `body` sent with `content_type`, Deepvue's forms allowed.
fn read_body(content_type: &[u8], body: Body) -> Result<Value, body::Refusal> {
    let mut request = axum::http::Request::builder()
        .method("POST")
        .uri("/v1/facematch");
    if let Ok(value) = axum::http::HeaderValue::from_bytes(content_type) {
        request = request.header(axum::http::header::CONTENT_TYPE, value);
    }
    let request = request.body(body).expect("a request with a valid URI");
    let limits = app::Limits {
        max_body: 64 * 1024,
        body_timeout: Duration::from_secs(5),
    };
    RUNTIME.with(|rt| rt.block_on(body::read(&limits, request, true)))
}

thread_local! {
    /// One single-threaded runtime per thread, with the timer body.rs's deadline needs.
    static RUNTIME: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a current-thread tokio runtime");
}

/// A body that arrives in pieces of 1 to 64 bytes, their sizes drawn from its length (the same
/// input always splits the same way).
struct Chunked(VecDeque<Bytes>);

impl Chunked {
    fn new(data: &[u8]) -> Chunked {
        let mut state = data.len() as u64 ^ 0x9e37_79b9_7f4a_7c15;
        let mut pieces = VecDeque::new();
        let mut rest = data;
        while !rest.is_empty() {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let n = (1 + (state >> 58) as usize).min(rest.len());
            pieces.push_back(Bytes::copy_from_slice(&rest[..n]));
            rest = &rest[n..];
        }
        Chunked(pieces)
    }
}

/// What `HttpBody::poll_frame` returns for a body of `Bytes` that cannot fail. Named through
/// http-body-util's frame future, whose output it is, so that the `http-body` crate need not be
/// a dependency of its own.
type PolledFrame =
    <http_body_util::combinators::Frame<'static, http_body_util::Full<Bytes>> as Future>::Output;

impl HttpBody for Chunked {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<PolledFrame> {
        match self.0.pop_front() {
            // A one-piece body yields that piece as its one frame.
            Some(piece) => Pin::new(&mut http_body_util::Full::new(piece)).poll_frame(cx),
            None => Poll::Ready(None),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.0.is_empty()
    }
}

/// `liveness`: the typed liveness request as JavaScript and the `veriface` HTTP format send it
/// (`frames` as images or `{ image, timestamp }`, `timestamps`, `idFront`, `maxSpanMs`,
/// `format`), through `request::parse` (unknown fields refused, errors naming the field), then
/// what the wasm module's `liveness` does: `frames()` pairing frames and timestamps,
/// `id_front()`, and `Verifier::liveness`, which checks the frame count, the timestamps and the
/// span, decodes the first frame and stops at `UNKNOWN_MODEL` (no liveness models loaded). The
/// oracle restates the documented rules and holds the verifier to them. Every image is also
/// decoded on its own, and the same JSON is read as the single-frame `QualityRequest`.
fn liveness_input(data: &[u8]) {
    let Ok(value) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let keys: Vec<String> = value
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    match request::parse::<LivenessRequest, _, _>(&value, &keys) {
        Ok(request) => {
            let _ = liveness_request(&request);
            liveness_pipeline(&request);
        }
        Err(e) => expect_code(&e, &["BAD_PARAMETER"], "request::parse"),
    }
    if let Ok(request) = request::parse::<QualityRequest, _, _>(&value, &keys) {
        if let Some(image) = &request.image {
            match image.input("image") {
                Ok(input) => {
                    if let Err(e) = load(input) {
                        expect_code(&e, IMAGE_CODES, "the quality image");
                    }
                }
                Err(e) => expect_code(&e, IMAGE_CODES, "QualityRequest::image"),
            }
        }
    }
}

/// What the pipeline's callers do with a liveness request before a model runs: the frames
/// paired with their timestamps, the ID front, and every image decoded.
fn liveness_request(request: &LivenessRequest) -> Result<(), Error> {
    let _ = request.options();
    let id = request.id_front();
    let frames = request.frames();
    if let Ok(frames) = &frames {
        let given = request.frames.as_deref().unwrap_or_default();
        assert_eq!(frames.len(), given.len());
        if let Some(times) = &request.timestamps {
            assert_eq!(
                times.len(),
                given.len(),
                "timestamps accepted for other frames"
            );
            assert!(
                given.iter().all(|f| f.timestamp.is_none()),
                "timestamps accepted both ways"
            );
        }
        for (i, (frame, source)) in frames.iter().zip(given).enumerate() {
            let want = source
                .timestamp
                .or_else(|| request.timestamps.as_ref().and_then(|t| t.get(i).copied()));
            assert_eq!(
                frame.timestamp_ms.map(f64::to_bits),
                want.map(f64::to_bits),
                "frame {i}'s timestamp"
            );
        }
    }
    let frames = frames.inspect_err(|e| expect_code(e, IMAGE_CODES, "LivenessRequest::frames"))?;
    if let Some(id) = id.inspect_err(|e| expect_code(e, IMAGE_CODES, "id_front"))? {
        load(id).inspect_err(|e| expect_code(e, IMAGE_CODES, "the ID image"))?;
    }
    for frame in frames {
        load(frame.image).inspect_err(|e| expect_code(e, IMAGE_CODES, "a frame"))?;
    }
    Ok(())
}

/// `Verifier::liveness` on the request, as the wasm module calls it, against the rules its
/// documentation gives: 2 to 5 frames, a positive finite `maxSpanMs`, a timestamp for every
/// frame or none, finite and in capture order, spanning at most `maxSpanMs`; then the first
/// frame decoded; then, without liveness models, `UNKNOWN_MODEL`.
fn liveness_pipeline(request: &LivenessRequest) {
    let Ok(frames) = request.frames() else {
        return;
    };
    let Ok(id) = request.id_front() else {
        return;
    };
    let options = request.options();
    let outcome = with_verifier(|v| v.liveness(&frames, id, &options));
    let e = match outcome {
        Ok(r) => panic!("a liveness verdict without liveness models: {r:?}"),
        Err(e) => e,
    };
    let mut allowed = IMAGE_CODES.to_vec();
    allowed.push("UNKNOWN_MODEL");
    expect_code(&e, &allowed, "Verifier::liveness");
    let want = if !liveness_rules_hold(&frames, &options) {
        "BAD_PARAMETER"
    } else {
        match load(frames[0].image) {
            Ok(()) => "UNKNOWN_MODEL",
            Err(first) => first.code(),
        }
    };
    assert_eq!(e.code(), want, "Verifier::liveness: {e}");
}

/// The frame rules of a liveness check, as `Verifier::liveness` documents them.
fn liveness_rules_hold(frames: &[Frame<'_>], options: &LivenessOptions) -> bool {
    let times: Vec<f64> = frames.iter().filter_map(|f| f.timestamp_ms).collect();
    let timing = match (times.first(), times.last()) {
        (Some(first), Some(last)) => {
            times.len() == frames.len()
                && times.iter().all(|t| t.is_finite())
                && times.windows(2).all(|w| w[0] <= w[1])
                && last - first <= options.max_span_ms
        }
        _ => true,
    };
    (2..=5).contains(&frames.len())
        && options.max_span_ms.is_finite()
        && options.max_span_ms > 0.0
        && timing
}

/// Where the model files are: `$VERIFACE_MODELS`, else the repository's `models/` (the fuzz
/// crate's parent, or the main crate itself when this file is compiled into its tests).
pub fn models_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("VERIFACE_MODELS") {
        return PathBuf::from(dir);
    }
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    for dir in [here.join("models"), here.join("../models")] {
        if dir.join("retinaface_mnet025.onnx").is_file() {
            return dir;
        }
    }
    here.join("../models")
}

thread_local! {
    /// A verifier with the detector and the default embedder and no liveness models, decoding
    /// under [`LIMITS`].
    static VERIFIER: RefCell<Option<Verifier>> = const { RefCell::new(None) };
}

/// Builds this thread's verifier now (the AFL harness calls it before the fork server starts).
///
/// # Panics
/// When the models cannot be read or loaded.
pub fn init() {
    with_verifier(|_| ());
}

fn with_verifier<T>(f: impl FnOnce(&mut Verifier) -> T) -> T {
    VERIFIER.with(|cell| {
        let mut slot = cell.borrow_mut();
        let verifier = slot.get_or_insert_with(|| {
            let dir = models_dir();
            let manifest = Manifest::builtin().expect("the built-in manifest");
            let read = |file: &str| {
                std::fs::read(dir.join(file))
                    .unwrap_or_else(|e| panic!("{}: {e}", dir.join(file).display()))
            };
            let detector = read(&manifest.detector.file.file);
            let spec = manifest.embedding(None).expect("the default embedding");
            let files: Vec<Vec<u8>> = spec.members.iter().map(|m| read(&m.file.file)).collect();
            let embedders: Vec<&[u8]> = files.iter().map(Vec::as_slice).collect();
            let mut v = Verifier::new(
                ModelBytes {
                    detector: &detector,
                    embedders: &embedders,
                },
                None,
            )
            .expect("the detector and embedder load");
            v.limits = LIMITS;
            v
        });
        f(verifier)
    })
}

/// The key the corpus's signed challenges carry (32 bytes, as `Challenge::sign` requires).
pub const KEY: [u8; 32] = *b"veriface fuzz corpus signing key";

/// What the server's `/veriface/challenge/verify` and the wasm `verifyChallenge` read.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VerifyBody {
    challenge: Challenge,
    record: ChallengeRecord,
}

/// `challenge`: JSON read as a challenge with its record (`{ challenge, record }`, what the
/// server and the wasm module take), as a challenge alone, as a record alone, and as a follow
/// request. On a challenge: `validate`, the signature check with the corpus key (and with a
/// short key, which is refused), and the oracles: a challenge re-signed verifies, one with a
/// field changed after signing does not, a signature that verifies is the one signing makes,
/// and a JSON round trip changes nothing. On a record: every frame's image decoded. On both:
/// `Verifier::verify_challenge`, held to its documented order of checks.
fn challenge_input(data: &[u8]) {
    let Ok(value) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    if let Ok(both) = VerifyBody::deserialize(&value) {
        check_challenge(&both.challenge);
        check_record(&both.record);
        verify_pipeline(&both.challenge, &both.record);
    }
    if let Ok(c) = Challenge::deserialize(&value) {
        check_challenge(&c);
    }
    if let Ok(r) = ChallengeRecord::deserialize(&value) {
        check_record(&r);
    }
    if let Ok(f) = FollowRequest::deserialize(&value) {
        run_follow(&f);
    }
}

/// Lower-case hex, as the challenge module writes it.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn check_challenge(c: &Challenge) {
    match c.validate() {
        Ok(()) => {
            assert_eq!(c.version, 1);
            assert!((1..=5).contains(&c.steps.len()));
            assert!(c
                .steps
                .iter()
                .all(|s| (500..=60_000).contains(&s.window_ms)));
            assert!(c.expires_at > c.issued_at);
            // Lower-case hex only: `from_hex` took `+` and upper case until fuzzing found it
            // (fuzz/corpus/challenge/fixed-plus-hex*.json).
            assert!(
                c.nonce.len() == 32
                    && c.nonce
                        .bytes()
                        .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')),
                "a nonce that is not 32 hex digits validated: {:?}",
                c.nonce
            );
        }
        Err(e) => expect_code(&e, &["BAD_PARAMETER"], "Challenge::validate"),
    }
    let signed = c.signed_by(&KEY).expect("a 32-byte key is accepted");
    // A short key is refused (or, with no signature to check, nothing verifies).
    match c.signed_by(&KEY[..16]) {
        Ok(verified) => assert!(!verified, "a 16-byte key verified a signature"),
        Err(e) => assert_eq!(e.code(), "BAD_PARAMETER"),
    }
    let payload = c.payload();
    assert!(!payload.is_empty(), "an empty payload");
    // The payload is every field but the signature.
    let unsigned = Challenge {
        signature: None,
        ..c.clone()
    };
    assert_eq!(unsigned.payload(), payload);
    assert!(!unsigned.signed_by(&KEY).expect("key accepted"));
    // Signing then checking agrees, and a change after signing is caught.
    let resigned = c.clone().sign(&KEY).expect("a 32-byte key signs");
    let canonical = resigned.signature.clone().expect("signed");
    assert_eq!(canonical.len(), 64);
    assert_eq!(
        canonical,
        hex(&from_hex_strict(&canonical).expect("hex")),
        "sign wrote other than lower-case hex"
    );
    assert!(resigned.signed_by(&KEY).expect("key accepted"));
    if signed {
        let given = c.signature.as_deref().unwrap_or_default();
        assert!(
            given == canonical,
            "a second signature verifies for one payload: {given:?}, signing gives {canonical:?}"
        );
    }
    let mut tampered = resigned.clone();
    tampered.expires_at = tampered.expires_at.wrapping_add(1);
    assert!(!tampered.signed_by(&KEY).expect("key accepted"));
    let mut tampered = resigned.clone();
    tampered.nonce.push('0');
    assert!(!tampered.signed_by(&KEY).expect("key accepted"));
    if let Some(step) = resigned.steps.first() {
        let mut tampered = resigned.clone();
        tampered.steps[0].window_ms = step.window_ms.wrapping_add(1);
        assert!(!tampered.signed_by(&KEY).expect("key accepted"));
    }
    // A JSON round trip changes nothing (and so leaves the signature valid).
    let text = serde_json::to_string(c).expect("a challenge serialises");
    let back: Challenge = serde_json::from_str(&text).expect("a serialised challenge parses");
    assert_eq!(&back, c);
    assert_eq!(back.signed_by(&KEY).ok(), Some(signed));
}

/// Hex digits (either case) into bytes, without the `+` that `u8::from_str_radix` takes.
fn from_hex_strict(text: &str) -> Option<Vec<u8>> {
    if text.len() & 1 != 0 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

fn check_record(r: &ChallengeRecord) {
    for (i, frame) in r.frames.iter().take(*FRAME_COUNT.end()).enumerate() {
        let which = format!("record.frames[{i}]");
        match frame.image.input(&which) {
            Ok(input) => {
                if let Err(e) = load(input) {
                    expect_code(&e, IMAGE_CODES, "a record frame");
                }
            }
            Err(e) => expect_code(&e, IMAGE_CODES, "a record frame"),
        }
    }
}

/// `Verifier::verify_challenge` with the corpus key and no liveness models: the challenge
/// validated, the record's frame count checked (3 to 24), a challenge with a turn refused for
/// want of the face mesh, else the first frame decoded, then `UNKNOWN_MODEL`.
fn verify_pipeline(c: &Challenge, r: &ChallengeRecord) {
    let ctx = ChallengeContext {
        key: Some(&KEY),
        now_ms: 0,
        nonce_fresh: true,
        limits: ActiveLimits::default(),
    };
    let e = match with_verifier(|v| v.verify_challenge(c, r, &ctx)) {
        Ok(result) => panic!("a challenge verdict without liveness models: {result:?}"),
        Err(e) => e,
    };
    let turns = c
        .steps
        .iter()
        .any(|s| matches!(s.action, Action::TurnLeft | Action::TurnRight));
    let want = if c.validate().is_err() || !FRAME_COUNT.contains(&r.frames.len()) {
        "BAD_PARAMETER"
    } else if turns {
        "UNKNOWN_MODEL"
    } else {
        match r.frames[0].image.input("record.frames[0]").map(load) {
            Ok(Ok(())) => "UNKNOWN_MODEL",
            Ok(Err(e)) | Err(e) => e.code(),
        }
    };
    assert_eq!(e.code(), want, "Verifier::verify_challenge: {e}");
}

/// `active::follow` as the wasm `followChallenge` runs it, with what its documentation
/// promises: one result per step, in order; a step done only after the previous one was; the
/// frames a done step names exist, in order, no earlier than the previous step's.
fn run_follow(request: &FollowRequest) {
    let measures = request.measures();
    assert_eq!(measures.len(), request.frames.len());
    for (m, f) in measures.iter().zip(&request.frames) {
        assert_eq!(m.t.to_bits(), f.t.to_bits());
        assert_eq!(
            m.face.is_some(),
            f.yaw.is_some() && f.eyes.is_some() && f.width.is_some()
        );
    }
    let limits = ActiveLimits {
        min_parallax: 0.0,
        ..ActiveLimits::default()
    };
    let steps = active::follow(&request.steps, &measures, &limits);
    assert_eq!(steps.len(), request.steps.len());
    let mut open = true;
    let mut cursor = 0;
    for (result, step) in steps.iter().zip(&request.steps) {
        assert_eq!(result.action, step.action);
        if result.done {
            assert!(open, "{:?} done after a step that was not", step.action);
            assert!(!result.frames.is_empty(), "a step done on no frame");
            assert!(result.at_ms.is_some());
            assert!(
                result.frames.windows(2).all(|w| w[0] <= w[1]),
                "frames out of order: {:?}",
                result.frames
            );
            assert!(result.frames.iter().all(|&i| i < measures.len()));
            assert!(
                result.frames[0] >= cursor,
                "a step looked before the previous one ended"
            );
            assert!(result.frames.iter().all(|&i| measures[i].face.is_some()));
            cursor = *result.frames.last().unwrap_or(&cursor);
        } else {
            open = false;
            assert!(result.reason.is_some(), "a step not done without a reason");
        }
    }
    let _ = serde_json::to_string(&steps).expect("the steps serialise");
}

/// `follow`: what a page sends at camera rate to follow a challenge, with the floats JavaScript
/// can send and JSON cannot (NaN, infinities, subnormals). Bytes: a step count and per step an
/// action and a window (u16, ms); then per frame 1 byte of flags and 8-byte floats for `t` and
/// for the `yaw`, `eyes` and `width` the flags say are present.
fn follow_input(data: &[u8]) {
    let mut bytes = data.iter().copied();
    let mut next = || bytes.next();
    let Some(count) = next() else { return };
    let mut steps = Vec::new();
    for _ in 0..count % 6 {
        let (Some(a), Some(lo), Some(hi)) = (next(), next(), next()) else {
            return;
        };
        steps.push(Step {
            action: Action::ALL[usize::from(a) % Action::ALL.len()],
            window_ms: u64::from(u16::from_le_bytes([lo, hi])) * 4,
        });
    }
    let mut frames = Vec::new();
    let float = |next: &mut dyn FnMut() -> Option<u8>| {
        let mut b = [0u8; 8];
        for x in &mut b {
            *x = next()?;
        }
        Some(f64::from_le_bytes(b))
    };
    while let Some(flags) = next() {
        let Some(t) = float(&mut next) else { break };
        let mut opt = |bit: u8| (flags & bit != 0).then(|| float(&mut next)).flatten();
        let (yaw, eyes, width) = (opt(1), opt(2), opt(4));
        frames.push(Tracked {
            t,
            yaw,
            eyes,
            width,
        });
        if frames.len() >= 512 {
            break;
        }
    }
    run_follow(&FollowRequest { steps, frames });
}

/// `manifest`: a model manifest (what `--manifest FILE` and the wasm `manifest` option read):
/// parsed, each embedder looked up by id, a hash check against the input's own bytes, the
/// calibration curve evaluated where the pipeline evaluates it, the detector's prior boxes for
/// a small input, and a JSON round trip (for a manifest whose numbers are all finite: a number
/// too large for an `f32` reads as infinity, which JSON cannot write back).
fn manifest_input(data: &[u8]) {
    let Ok(manifest) = serde_json::from_slice::<Manifest>(data) else {
        return;
    };
    let ids: Vec<String> = manifest
        .embedders
        .iter()
        .map(|e| e.file.id.clone())
        .collect();
    match manifest.embedder(None) {
        Ok(e) => assert_eq!(Some(&e.file.id), ids.first()),
        Err(e) => assert!(ids.is_empty() && e.code() == "UNKNOWN_MODEL", "{e}"),
    }
    // The default and every fusion resolve or are refused with a code; a resolved fusion's
    // weights are usable (positive and finite), which the vector join relies on.
    let fused = manifest.fusions.iter().map(|f| Some(f.id.as_str()));
    for id in std::iter::once(None).chain(fused) {
        match manifest.embedding(id) {
            Ok(spec) => {
                assert_eq!(spec.members.len(), spec.weights.len());
                assert!(spec.weights.iter().all(|w| w.is_finite() && *w > 0.0));
            }
            Err(e) => assert!(
                ["UNKNOWN_MODEL", "INFERENCE_FAILED"].contains(&e.code()),
                "{e}"
            ),
        }
    }
    for id in &ids {
        let spec = manifest.embedder(Some(id)).expect("a listed id is found");
        assert_eq!(&spec.file.id, id);
        let verified = models::verify(&spec.file, data);
        assert_eq!(
            verified.is_ok(),
            spec.file.sha256 == models::sha256_hex(data),
            "models::verify"
        );
        for similarity in [-1.0, 0.0, 0.5, 1.0, spec.calibration.similarity_at_0_7] {
            let _ = veriface::compare::score(similarity, &spec.calibration);
        }
        for score in [0.0, 0.5, 0.7, 1.0] {
            let _ = veriface::compare::similarity_for_score(score, &spec.calibration);
        }
    }
    let unknown = manifest.embedder(Some("\u{0}not an embedder"));
    assert!(unknown.is_err() || ids.iter().any(|i| i == "\u{0}not an embedder"));
    if let Err(e) = models::verify(&manifest.detector.file, data) {
        assert_eq!(e.code(), "MODEL_HASH_MISMATCH");
    }
    // The prior boxes for a 16-pixel input: one per size, per cell of each stride's grid (for
    // up to 64 Ki boxes: the count grows with the lists, and a long list is not a bug).
    let d = &manifest.detector;
    let side = 16u32;
    let want: usize = d
        .steps
        .iter()
        .zip(&d.min_sizes)
        .map(|(&step, sizes)| {
            let cells = side.div_ceil(step.max(1)) as usize;
            cells * cells * sizes.len()
        })
        .sum();
    if want <= 1 << 16 {
        let priors = veriface::detect::priors(side, side, &d.steps, &d.min_sizes);
        assert_eq!(priors.len(), want, "prior boxes");
    }
    let text = serde_json::to_string(&manifest).expect("a manifest serialises");
    if finite_numbers(&serde_json::from_slice::<Value>(data).unwrap_or_default()) {
        let back: Manifest = serde_json::from_str(&text).expect("a serialised manifest parses");
        assert_eq!(
            serde_json::to_string(&back).expect("serialises"),
            text,
            "the manifest changed in a JSON round trip"
        );
    }
}

/// Whether every number in `v` fits an `f32` (what the manifest's floats are).
fn finite_numbers(v: &Value) -> bool {
    match v {
        Value::Number(n) => n.as_f64().is_some_and(|x| (x as f32).is_finite()),
        Value::Array(a) => a.iter().all(finite_numbers),
        Value::Object(o) => o.values().all(finite_numbers),
        _ => true,
    }
}

/// The first line and the rest.
fn split_line(data: &[u8]) -> (&[u8], &[u8]) {
    match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[]),
    }
}
