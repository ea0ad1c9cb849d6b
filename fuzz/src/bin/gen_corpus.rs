//! Writes the seed corpus (`corpus/TARGET/`) and AFL's dictionaries (`dict/TARGET.dict`): every
//! image made here in code, every body written here. No evaluation data, no photo of anyone.
//! Deterministic: running it again rewrites the same bytes.
//!
//! ```sh
//! cargo run --release --bin gen-corpus
//! ```

use std::path::{Path, PathBuf};

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::{ExtendedColorType, ImageEncoder};
use serde_json::{json, Value};
use veriface::challenge::record::ChallengeRecord;
use veriface::challenge::{Action, Challenge};
use veriface_fuzz::{mutate, targets};

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut out = Corpus {
        root: root.join("corpus"),
    };
    let images = Images::new();
    decode(&mut out, &images);
    base64(&mut out, &images);
    rgba(&mut out);
    vendor(&mut out, &images);
    multipart(&mut out, &images);
    liveness(&mut out, &images);
    challenge(&mut out, &images);
    follow(&mut out);
    manifest(&mut out, &root);
    dictionaries(&root.join("dict"));
}

struct Corpus {
    root: PathBuf,
}

impl Corpus {
    fn put(&mut self, target: &str, name: &str, bytes: impl AsRef<[u8]>) {
        let dir = self.root.join(target);
        std::fs::create_dir_all(&dir).expect("corpus folder");
        std::fs::write(dir.join(name), bytes).expect("corpus file");
    }

    fn json(&mut self, target: &str, name: &str, value: &Value) {
        self.put(target, name, serde_json::to_vec(value).expect("json"));
    }
}

/// Small images made in code: gradients and a checkerboard, nobody's face.
struct Images {
    jpeg_grey: Vec<u8>,
    jpeg_rgb: Vec<u8>,
    jpeg_odd: Vec<u8>,
    jpeg_exif: Vec<u8>,
    png_rgb: Vec<u8>,
    png_rgba: Vec<u8>,
    png_grey: Vec<u8>,
    png_grey_alpha: Vec<u8>,
    png_16: Vec<u8>,
    png_palette: Vec<u8>,
    png_exif: Vec<u8>,
}

fn pattern(w: u32, h: u32, channels: u32) -> Vec<u8> {
    let mut v = Vec::with_capacity((w * h * channels) as usize);
    for y in 0..h {
        for x in 0..w {
            for c in 0..channels {
                let checker = if (x / 4 + y / 4) % 2 == 0 { 40 } else { 0 };
                let ramp = (x * 255 / w.max(1)) as u8 ^ (c as u8).wrapping_mul(60);
                v.push(ramp.wrapping_add((y * 7) as u8).wrapping_add(checker));
            }
        }
    }
    v
}

fn jpeg(w: u32, h: u32, color: ExtendedColorType, channels: u32, quality: u8) -> Vec<u8> {
    let mut buf = Vec::new();
    JpegEncoder::new_with_quality(&mut buf, quality)
        .write_image(&pattern(w, h, channels), w, h, color)
        .expect("jpeg");
    buf
}

fn png(w: u32, h: u32, color: ExtendedColorType, bytes_per_pixel: u32) -> Vec<u8> {
    let mut buf = Vec::new();
    PngEncoder::new(&mut buf)
        .write_image(&pattern(w, h, bytes_per_pixel), w, h, color)
        .expect("png");
    buf
}

/// A big-endian TIFF/EXIF block with one entry: Orientation = `orientation`.
fn exif(orientation: u16) -> Vec<u8> {
    let mut e = b"MM\0*\0\0\0\x08".to_vec();
    e.extend_from_slice(&1u16.to_be_bytes()); // one entry
    e.extend_from_slice(&0x0112u16.to_be_bytes()); // Orientation
    e.extend_from_slice(&3u16.to_be_bytes()); // SHORT
    e.extend_from_slice(&1u32.to_be_bytes()); // count
    e.extend_from_slice(&orientation.to_be_bytes());
    e.extend_from_slice(&[0, 0]);
    e.extend_from_slice(&0u32.to_be_bytes()); // no next IFD
    e
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut c = (data.len() as u32).to_be_bytes().to_vec();
    c.extend_from_slice(kind);
    c.extend_from_slice(data);
    let mut covered = kind.to_vec();
    covered.extend_from_slice(data);
    c.extend_from_slice(&crc32(&covered).to_be_bytes());
    c
}

/// `png` with its IHDR's width and height replaced (CRC fixed, so only the cap refuses it).
fn png_with_size(png: &[u8], w: u32, h: u32) -> Vec<u8> {
    let mut out = png.to_vec();
    out[16..20].copy_from_slice(&w.to_be_bytes());
    out[20..24].copy_from_slice(&h.to_be_bytes());
    let crc = crc32(&out[12..29]);
    out[29..33].copy_from_slice(&crc.to_be_bytes());
    out
}

impl Images {
    fn new() -> Images {
        let jpeg_rgb = jpeg(16, 16, ExtendedColorType::Rgb8, 3, 80);
        // An APP1 EXIF segment (Orientation 6: rotate 90) right after SOI.
        let mut app1 = b"Exif\0\0".to_vec();
        app1.extend_from_slice(&exif(6));
        let mut jpeg_exif = vec![0xff, 0xd8, 0xff, 0xe1];
        jpeg_exif.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
        jpeg_exif.extend_from_slice(&app1);
        let jpeg_wide = jpeg(24, 8, ExtendedColorType::Rgb8, 3, 90);
        jpeg_exif.extend_from_slice(&jpeg_wide[2..]);

        let png_rgb = png(12, 10, ExtendedColorType::Rgb8, 3);
        // An eXIf chunk (Orientation 3: rotate 180) before IEND.
        let iend = png_rgb.len() - 12;
        let mut png_exif = png_rgb[..iend].to_vec();
        png_exif.extend_from_slice(&png_chunk(b"eXIf", &exif(3)));
        png_exif.extend_from_slice(&png_rgb[iend..]);

        let mut png_palette = Vec::new();
        {
            let mut enc = png::Encoder::new(&mut png_palette, 8, 8);
            enc.set_color(png::ColorType::Indexed);
            enc.set_depth(png::BitDepth::Four);
            enc.set_palette(
                (0..16u8)
                    .flat_map(|i| [i * 16, 255 - i * 16, i * 8])
                    .collect::<Vec<_>>(),
            );
            enc.set_trns(vec![0u8, 128, 255]);
            let mut w = enc.write_header().expect("png header");
            let data: Vec<u8> = (0..32u8).map(|i| i.wrapping_mul(37)).collect();
            w.write_image_data(&data).expect("png data");
        }
        Images {
            jpeg_grey: jpeg(8, 8, ExtendedColorType::L8, 1, 50),
            jpeg_rgb,
            jpeg_odd: jpeg(17, 9, ExtendedColorType::Rgb8, 3, 30),
            jpeg_exif,
            png_rgb,
            png_rgba: png(6, 6, ExtendedColorType::Rgba8, 4),
            png_grey: png(9, 3, ExtendedColorType::L8, 1),
            png_grey_alpha: png(4, 4, ExtendedColorType::La8, 2),
            png_16: png(5, 5, ExtendedColorType::Rgb16, 6),
            png_palette,
            png_exif,
        }
    }

    fn all(&self) -> Vec<(&'static str, &[u8])> {
        vec![
            ("grey.jpg", &self.jpeg_grey),
            ("rgb.jpg", &self.jpeg_rgb),
            ("odd.jpg", &self.jpeg_odd),
            ("exif6.jpg", &self.jpeg_exif),
            ("rgb.png", &self.png_rgb),
            ("rgba.png", &self.png_rgba),
            ("grey.png", &self.png_grey),
            ("grey-alpha.png", &self.png_grey_alpha),
            ("rgb16.png", &self.png_16),
            ("palette.png", &self.png_palette),
            ("exif3.png", &self.png_exif),
        ]
    }
}

fn decode(out: &mut Corpus, images: &Images) {
    for (name, bytes) in images.all() {
        out.put("decode", name, bytes);
    }
    let jpg = &images.jpeg_rgb;
    out.put("decode", "truncated.jpg", &jpg[..jpg.len() / 2]);
    out.put("decode", "no-eoi.jpg", &jpg[..jpg.len() - 2]);
    let mut trailer = jpg.clone();
    trailer.extend_from_slice(&images.jpeg_grey[..40]);
    out.put("decode", "trailer.jpg", trailer);
    let p = &images.png_rgb;
    out.put("decode", "truncated.png", &p[..p.len() - 20]);
    out.put("decode", "wide.png", png_with_size(p, 60_000, 1));
    out.put("decode", "huge.png", png_with_size(p, 2048, 2048));
    out.put("decode", "zero.png", png_with_size(p, 0, 10));
    for (name, magic) in [
        ("gif", &b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"[..]),
        ("webp", b"RIFF\x1a\x00\x00\x00WEBPVP8 "),
        ("bmp", b"BM\x1e\x00\x00\x00"),
        ("tiff", b"II*\x00\x08\x00\x00\x00"),
        ("heic", b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00"),
        ("avif", b"\x00\x00\x00\x18ftypavif\x00\x00\x00\x00"),
        ("jxl", b"\xff\x0a\xfa"),
        ("pdf", b"%PDF-1.4\n"),
        ("unknown", b"hello"),
    ] {
        out.put("decode", &format!("magic-{name}"), magic);
    }
}

fn base64(out: &mut Corpus, images: &Images) {
    let b64 = |b: &[u8]| STANDARD.encode(b);
    out.put("base64", "rgb.jpg.b64", b64(&images.jpeg_rgb));
    out.put("base64", "grey.png.b64", b64(&images.png_grey));
    out.put(
        "base64",
        "data-url.png",
        format!("data:image/png;base64,{}", b64(&images.png_rgba)),
    );
    out.put(
        "base64",
        "data-url-params.jpg",
        format!(
            "data:image/jpeg;name=a.jpg;base64,{}",
            b64(&images.jpeg_grey)
        ),
    );
    out.put(
        "base64",
        "url-safe.jpg",
        URL_SAFE_NO_PAD.encode(&images.jpeg_odd),
    );
    let wrapped: String = b64(&images.png_palette)
        .as_bytes()
        .chunks(76)
        .map(|c| format!("{}\r\n", String::from_utf8_lossy(c)))
        .collect();
    out.put("base64", "wrapped.png", wrapped);
    out.put(
        "base64",
        "spaces.jpg",
        format!("  {} \n", b64(&images.jpeg_grey).replace('A', "A ")),
    );
    out.put("base64", "no-base64-mark", "data:image/png,iVBORw0KGgo=");
    out.put("base64", "no-comma", "data:image/png;base64");
    out.put("base64", "empty", "");
    out.put("base64", "blank", " \n\t ");
    out.put("base64", "bad-chars", "iVBORw0K*Ggo=");
    out.put("base64", "mixed-alphabets", "ab+c-d/e_f");
    // Just over the target's 4096-byte cap once decoded: refused before the decoded buffer is made.
    let over: Vec<u8> = (0..4100u32).map(|i| (i * 31 % 251) as u8).collect();
    out.put("base64", "over-cap.b64", b64(&over));
    let at: Vec<u8> = (0..4096u32).map(|i| (i * 17 % 253) as u8).collect();
    out.put("base64", "at-cap.b64", b64(&at));
}

fn rgba(out: &mut Corpus) {
    let frame = |w: u32, h: u32, len: usize| {
        let mut v = w.to_le_bytes().to_vec();
        v.extend_from_slice(&h.to_le_bytes());
        v.extend((0..len).map(|i| (i * 13) as u8));
        v
    };
    out.put("rgba", "1x1", frame(1, 1, 4));
    out.put("rgba", "3x2", frame(3, 2, 24));
    out.put("rgba", "short", frame(4, 4, 60));
    out.put("rgba", "long", frame(2, 2, 17));
    out.put("rgba", "zero-width", frame(0, 5, 0));
    out.put("rgba", "wide", frame(100_000, 1, 16));
    out.put("rgba", "overflow", frame(0x1_0000, 0x1_0000, 16));
    out.put("rgba", "max", frame(u32::MAX, u32::MAX, 8));
    out.put("rgba", "header-only", &frame(2, 2, 0)[..5]);
}

fn vendor(out: &mut Corpus, images: &Images) {
    let a = STANDARD.encode(&images.jpeg_rgb);
    let b = STANDARD.encode(&images.png_rgb);
    let put = |out: &mut Corpus, name: &str, endpoint: &str, body: Value| {
        let mut bytes = format!("{endpoint}\n").into_bytes();
        bytes.extend(serde_json::to_vec(&body).expect("json"));
        out.put("vendor", name, bytes);
    };
    put(
        out,
        "vlens",
        "/v1/ocr/face/compare",
        json!({
        "face_image1": a, "face_image2": b, "request_id": "r-1", "client_transaction_id": "c-1",
        "transaction_id": "t-1" }),
    );
    put(
        out,
        "vlens-missing",
        "https://api.vlenseg.com/v1/ocr/face/compare",
        json!({ "face_image1": a }),
    );
    put(
        out,
        "vlens-liveness",
        "/v1/ocr/liveness/multi",
        json!({
        "face_1": a, "face_2": b, "face_3": a, "face_4": b, "image": b }),
    );
    put(
        out,
        "vlens-liveness-short",
        "/v1/ocr/liveness/multi",
        json!({ "face_1": a, "face_2": 7 }),
    );
    put(
        out,
        "valify",
        "/api/v1/face/match/",
        json!({
        "first_img": a, "second_img": b, "bundle_key": "k", "lang": "ar" }),
    );
    put(
        out,
        "valify-no-key",
        "https://valifystage.com/api/v1/face/match",
        json!({
        "first_img": a, "second_img": b }),
    );
    put(
        out,
        "deepvue",
        "/v1/facematch?x=1",
        json!({
        "file_a": a, "file_b": b, "file_a_name": "a.jpg", "file_b_name": "B.PNG" }),
    );
    put(
        out,
        "deepvue-webp",
        "/v1/facematch",
        json!({
        "file_a": a, "file_b": b, "file_a_name": "a.webp" }),
    );
    put(
        out,
        "opencv",
        "http://localhost:8000/compare",
        json!({
        "face_base_64": a, "ref_face_base_64": b, "min_similarity_score": 0.7, "check_liveness": true }),
    );
    put(
        out,
        "opencv-threshold",
        "/compare",
        json!({
        "face_base_64": a, "ref_face_base_64": b, "min_similarity_score": 1.5 }),
    );
    put(
        out,
        "opencv-types",
        "/compare",
        json!({
        "face_base_64": [1, 2], "ref_face_base_64": null, "check_liveness": "yes" }),
    );
    put(
        out,
        "veriface",
        "/veriface/compare",
        json!({
        "a": a, "b": format!("data:image/png;base64,{b}"), "threshold": 0.6,
        "face_policy": "largest", "request_id": "r" }),
    );
    put(
        out,
        "veriface-camel",
        "/veriface/compare/",
        json!({
        "a": { "width": 2, "height": 1, "data": [1, 2, 3, 4, 5, 6, 7, 8] },
        "b": [255, 216, 255, 217], "facePolicy": "single", "checkLiveness": false, "format": "opencv" }),
    );
    put(
        out,
        "veriface-unknown",
        "/veriface/compare",
        json!({ "a": a, "b": b, "threshhold": 0.5 }),
    );
    put(
        out,
        "veriface-bad-rgba",
        "/veriface/compare",
        json!({
        "a": { "width": 1.5, "height": -1, "data": "x" }, "b": { "data": [300] }, "threshold": "high" }),
    );
    put(
        out,
        "veriface-liveness",
        "/veriface/liveness",
        json!({
        "frames": [a, { "image": b, "timestamp": 160 }, a], "id_front": b, "max_span_ms": 400 }),
    );
    put(
        out,
        "veriface-liveness-ts",
        "/veriface/liveness",
        json!({
        "frames": [a, b, a], "timestamps": [0, 160, 320], "format": "vlens" }),
    );
    put(out, "not-object", "/veriface/compare", json!([1, 2, 3]));
    put(out, "unknown-endpoint", "/search", json!({}));
}

fn multipart(out: &mut Corpus, images: &Images) {
    let boundary = "X-VERIFACE-FUZZ";
    let mut body = Vec::new();
    for (name, file, bytes) in [
        ("file_a", Some("a.jpg"), &images.jpeg_rgb[..]),
        ("file_b", Some("b.png"), &images.png_rgb[..]),
        ("note", None, &b"ignored"[..]),
    ] {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match file {
            Some(f) => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
            ),
            None => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
            ),
        }
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let with_type = |ct: &str, body: &[u8]| {
        let mut v = format!("{ct}\n").into_bytes();
        v.extend_from_slice(body);
        v
    };
    let ct = format!("multipart/form-data; boundary={boundary}");
    out.put("multipart", "files", with_type(&ct, &body));
    out.put(
        "multipart",
        "truncated",
        with_type(&ct, &body[..body.len() / 2]),
    );
    let text = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file_a\"\r\n\r\n{}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file_b\"\r\n\r\n{}\r\n--{boundary}--\r\n",
        STANDARD.encode(&images.jpeg_grey),
        STANDARD.encode(&images.png_grey)
    );
    out.put(
        "multipart",
        "text-fields",
        with_type(
            &format!("multipart/form-data; boundary=\"{boundary}\""),
            text.as_bytes(),
        ),
    );
    out.put(
        "multipart",
        "no-boundary",
        with_type("multipart/form-data", &body),
    );
    let form = format!(
        "file_a={}&file_b={}&file_a_name=a.jpg&other=1",
        urlencode(&STANDARD.encode(&images.jpeg_grey)),
        urlencode(&STANDARD.encode(&images.png_grey))
    );
    out.put(
        "multipart",
        "urlencoded",
        with_type("application/x-www-form-urlencoded", form.as_bytes()),
    );
    out.put(
        "multipart",
        "urlencoded-bad",
        with_type("application/x-www-form-urlencoded", b"file_a=%ZZ&&=&file_b"),
    );
    let json_body = serde_json::to_vec(&json!({
        "file_a": STANDARD.encode(&images.jpeg_grey), "file_b": STANDARD.encode(&images.png_grey) }))
    .expect("json");
    out.put(
        "multipart",
        "json",
        with_type("application/json; charset=utf-8", &json_body),
    );
    out.put(
        "multipart",
        "json-bad",
        with_type("application/problem+json", b"{\"file_a\": [1,"),
    );
    out.put("multipart", "no-type", with_type("", b"file_a=x"));
    out.put("multipart", "text-plain", with_type("text/plain", b"hello"));
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn liveness(out: &mut Corpus, images: &Images) {
    let a = STANDARD.encode(&images.jpeg_rgb);
    let b = STANDARD.encode(&images.png_rgba);
    let put = |out: &mut Corpus, name: &str, v: Value| out.json("liveness", name, &v);
    put(out, "bare", json!({ "frames": [a, b, a] }));
    put(
        out,
        "timestamps",
        json!({ "frames": [a, b, a], "timestamps": [0, 160.5, 320] }),
    );
    put(
        out,
        "objects",
        json!({
        "frames": [{ "image": a, "timestamp": 0 }, { "image": b, "timestamp": 200 }, { "image": a, "timestamp": 400 }],
        "idFront": b, "maxSpanMs": 500, "format": "vlens" }),
    );
    put(
        out,
        "snake",
        json!({ "frames": [a, b], "id_front": a, "max_span_ms": 1e3 }),
    );
    put(
        out,
        "rgba",
        json!({ "frames": [
        { "width": 1, "height": 1, "data": [1, 2, 3, 4] },
        { "image": { "width": 2, "height": 1, "data": [0, 0, 0, 0, 9, 9, 9, 9] }, "timestamp": 16 }] }),
    );
    put(
        out,
        "bytes",
        json!({ "frames": [[255, 216, 255, 217], [137, 80, 78, 71]] }),
    );
    put(
        out,
        "both-ways",
        json!({ "frames": [{ "image": a, "timestamp": 1 }, b], "timestamps": [0, 1] }),
    );
    put(
        out,
        "count-mismatch",
        json!({ "frames": [a], "timestamps": [1, 2] }),
    );
    put(
        out,
        "bad-timestamp",
        json!({ "frames": [{ "image": a, "timestamp": "soon" }] }),
    );
    put(
        out,
        "unknown-field",
        json!({ "frames": [a], "frame_rate": 30 }),
    );
    put(
        out,
        "unknown-frame-field",
        json!({ "frames": [{ "image": a, "ts": 1 }] }),
    );
    put(
        out,
        "span-too-long",
        json!({ "frames": [a, b, a], "timestamps": [0, 300, 600], "maxSpanMs": 500 }),
    );
    put(
        out,
        "out-of-order",
        json!({ "frames": [a, b, a], "timestamps": [0, 200, 100] }),
    );
    put(
        out,
        "some-timestamps",
        json!({ "frames": [{ "image": a, "timestamp": 0 }, b, a] }),
    );
    put(out, "one-frame", json!({ "frames": [a] }));
    put(out, "six-frames", json!({ "frames": [a, b, a, b, a, b] }));
    put(
        out,
        "zero-span",
        json!({ "frames": [a, b], "maxSpanMs": 0 }),
    );
    put(
        out,
        "equal-times",
        json!({ "frames": [a, b], "timestamps": [5, 5], "max_span_ms": 1 }),
    );
    put(
        out,
        "bad-first-frame",
        json!({ "frames": ["iVBORw0KGgo", b], "idFront": a }),
    );
    put(out, "quality", json!({ "image": a, "models": false }));
    put(out, "no-frames", json!({}));
    put(out, "not-object", json!("frames"));
}

/// The corpus key (as `targets::KEY`).
fn signed(actions: &[Action], seed: u8, now: u64) -> Challenge {
    Challenge::with_steps([seed; 32], now, actions)
        .sign(&targets::KEY)
        .expect("a 32-byte key signs")
}

fn challenge(out: &mut Corpus, images: &Images) {
    let frame = |t: f64, img: &[u8], note: &str| json!({ "t": t, "image": STANDARD.encode(img), "note": note });
    let c = signed(&[Action::TurnLeft, Action::Blink], 3, 1_700_000_000_000);
    let record = json!({
        "nonce": c.nonce, "started_at": 1_700_000_000_500u64,
        "frames": [frame(0.0, &images.jpeg_grey, "start"), frame(900.0, &images.jpeg_rgb, "turn_left:peak"),
                   frame(2100.0, &images.png_grey, "blink:closed")],
        "events": [{ "t": 10.0, "kind": "prompt", "step": 0 }, { "t": 950.0, "kind": "done", "step": 0 }] });
    let challenge = serde_json::to_value(&c).expect("json");
    // The record must parse as the library's type.
    let _: ChallengeRecord =
        serde_json::from_value(record.clone()).expect("the seed record parses");
    let put = |out: &mut Corpus, name: &str, v: Value| out.json("challenge", name, &v);
    put(
        out,
        "verify",
        json!({ "challenge": challenge, "record": record }),
    );
    // Without a turn: `verify_challenge` decodes the first frame before it needs a model.
    let still = signed(&[Action::Blink, Action::ComeCloser], 5, 1_700_000_000_000);
    let still_record = json!({
        "nonce": still.nonce, "started_at": 1_700_000_000_100u64,
        "frames": [frame(0.0, &images.png_rgb, "start"), frame(400.0, &images.jpeg_rgb, "blink:closed"),
                   frame(1200.0, &images.jpeg_grey, "come_closer:end")] });
    let still_value = serde_json::to_value(&still).expect("json");
    put(
        out,
        "verify-no-turn",
        json!({ "challenge": still_value, "record": still_record }),
    );
    let mut short = still_record.clone();
    short["frames"].as_array_mut().expect("frames").truncate(2);
    put(
        out,
        "verify-two-frames",
        json!({ "challenge": still_value, "record": short }),
    );
    let mut bad_first = still_record.clone();
    bad_first["frames"][0]["image"] = json!({ "width": 2, "height": 2, "data": [1, 2, 3] });
    put(
        out,
        "verify-bad-first-frame",
        json!({ "challenge": still_value, "record": bad_first }),
    );
    put(
        out,
        "verify-extra-field",
        json!({ "challenge": still_value, "record": still_record, "key": "k" }),
    );
    put(out, "challenge-signed", challenge.clone());
    put(
        out,
        "challenge-three",
        serde_json::to_value(signed(
            &[Action::ComeCloser, Action::TurnRight, Action::Blink],
            9,
            5,
        ))
        .expect("json"),
    );
    let unsigned = Challenge::new([7; 32], 1_000);
    put(
        out,
        "challenge-unsigned",
        serde_json::to_value(&unsigned).expect("json"),
    );
    let mut upper = serde_json::to_value(&c).expect("json");
    upper["signature"] = json!(c.signature.clone().unwrap_or_default().to_uppercase());
    put(out, "challenge-upper-signature", upper);
    put(
        out,
        "challenge-bad",
        json!({ "version": 2, "nonce": "zz", "issued_at": 5, "expires_at": 1,
        "steps": [{ "action": "blink", "window_ms": 10 }], "signature": "00" }),
    );
    put(
        out,
        "challenge-extra-field",
        json!({ "version": 1, "nonce": "00112233445566778899aabbccddeeff",
        "issued_at": 0, "expires_at": 1, "steps": [], "admin": true }),
    );
    put(out, "record", record.clone());
    put(
        out,
        "record-rgba",
        json!({ "nonce": "n", "started_at": 0, "frames": [
        { "t": 0, "image": { "width": 1, "height": 1, "data": [1, 2, 3, 4] } },
        { "t": -1.5, "image": [1, 2, 3] }, { "t": 1e300, "image": null }] }),
    );
    put(
        out,
        "follow",
        json!({ "steps": [{ "action": "turn_left", "window_ms": 6000 }, { "action": "blink", "window_ms": 6000 }],
        "frames": [{ "t": 0, "yaw": 0.5, "eyes": 9.0, "width": 0.4 }, { "t": 300, "yaw": 22.0, "eyes": 9.1, "width": 0.4 },
                   { "t": 600, "yaw": 1.0, "eyes": 9.0, "width": 0.41 }, { "t": 900, "yaw": 0.0, "eyes": 2.0, "width": 0.4 },
                   { "t": 1000, "yaw": 0.0, "eyes": 9.0, "width": 0.4 }, { "t": 1100 }] }),
    );
    put(
        out,
        "follow-closer",
        json!({ "steps": [{ "action": "come_closer", "window_ms": 500 }],
        "frames": [{ "t": 0, "yaw": 0, "eyes": 9, "width": 0.3 }, { "t": 400, "yaw": 0, "eyes": 9, "width": 0.5 }] }),
    );
}

fn follow(out: &mut Corpus) {
    let frame = |flags: u8, values: &[f64]| {
        let mut v = vec![flags];
        for x in values {
            v.extend_from_slice(&x.to_le_bytes());
        }
        v
    };
    let steps = |actions: &[(u8, u16)]| {
        let mut v = vec![actions.len() as u8];
        for (a, w) in actions {
            v.push(*a);
            v.extend_from_slice(&(w / 4).to_le_bytes());
        }
        v
    };
    let mut turn = steps(&[(0, 6000), (2, 6000)]);
    for (t, yaw, eyes) in [
        (0.0, 0.0, 9.0),
        (300.0, 25.0, 9.0),
        (600.0, 0.0, 9.0),
        (800.0, 0.0, 1.0),
        (900.0, 0.0, 9.0),
    ] {
        turn.extend(frame(7, &[t, yaw, eyes, 0.4]));
    }
    out.put("follow", "turn-blink", turn);
    let mut odd = steps(&[(1, 500), (3, 65535)]);
    odd.extend(frame(7, &[0.0, f64::NAN, f64::INFINITY, -0.0]));
    odd.extend(frame(
        7,
        &[f64::NAN, 1e308, f64::NEG_INFINITY, f64::MIN_POSITIVE / 2.0],
    ));
    odd.extend(frame(0, &[-5.0]));
    odd.extend(frame(5, &[f64::INFINITY, -90.0, 1e-300]));
    out.put("follow", "non-finite", odd);
    out.put("follow", "empty", [0u8]);
}

fn manifest(out: &mut Corpus, root: &Path) {
    let real = std::fs::read(root.join("../models/manifest.json")).expect("models/manifest.json");
    out.put("manifest", "builtin.json", &real);
    let mut value: Value = serde_json::from_slice(&real).expect("the manifest is JSON");
    if let Some(obj) = value.as_object_mut() {
        for key in ["liveness", "eye", "iris", "mesh"] {
            obj.remove(key);
        }
    }
    out.json("manifest", "detector-and-embedders.json", &value);
    if let Some(list) = value.get_mut("embedders").and_then(Value::as_array_mut) {
        list.truncate(1);
        if let Some(e) = list.first_mut() {
            e["metric"] = json!("euclidean");
            e["flip_average"] = json!(true);
        }
    }
    out.json("manifest", "one-embedder.json", &value);
    value["embedders"] = json!([]);
    out.json("manifest", "no-embedders.json", &value);
    out.json(
        "manifest",
        "wrong-types.json",
        &json!({ "detector": { "id": 1 }, "embedders": {} }),
    );
}

/// AFL's dictionaries, from the tokens the CI mutations use.
fn dictionaries(dir: &Path) {
    std::fs::create_dir_all(dir).expect("dict folder");
    for (name, _) in targets::TARGETS {
        let tokens = mutate::dictionary(name);
        if tokens.is_empty() {
            continue;
        }
        let mut text = String::new();
        for (i, token) in tokens.iter().enumerate() {
            let escaped: String = token
                .iter()
                .map(|&b| match b {
                    b'"' => "\\\"".to_string(),
                    b'\\' => "\\\\".to_string(),
                    0x20..=0x7e => (b as char).to_string(),
                    _ => format!("\\x{b:02x}"),
                })
                .collect();
            text.push_str(&format!("t{i}=\"{escaped}\"\n"));
        }
        std::fs::write(dir.join(format!("{name}.dict")), text).expect("dict file");
    }
}
