//! Shared helpers for the integration tests: model loading, the evaluation-data location, and
//! image fixtures generated in code (the project commits no third-party images).

#![allow(dead_code)]

use std::path::PathBuf;

use image::{Rgb, RgbImage};
use veriface::{ModelBytes, Verifier};

/// Root of the project's models.
pub fn models_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models")
}

/// The verifier with the default embedder.
pub fn verifier() -> Verifier {
    verifier_with(None)
}

/// The verifier with a named embedder or fusion.
pub fn verifier_with(embedder: Option<&str>) -> Verifier {
    let manifest = veriface::models::Manifest::builtin().unwrap();
    let spec = manifest.embedding(embedder).unwrap();
    let det = std::fs::read(models_dir().join(&manifest.detector.file.file)).unwrap();
    let files: Vec<Vec<u8>> = spec
        .members
        .iter()
        .map(|m| std::fs::read(models_dir().join(&m.file.file)).unwrap())
        .collect();
    let embedders: Vec<&[u8]> = files.iter().map(Vec::as_slice).collect();
    Verifier::new(
        ModelBytes {
            detector: &det,
            embedders: &embedders,
        },
        embedder,
    )
    .unwrap()
}

/// The verifier with the eye-state and anti-spoofing models loaded, for the liveness checks.
pub fn liveness_verifier() -> Verifier {
    let mut v = verifier();
    let m = veriface::models::Manifest::builtin().unwrap();
    let read = |f: &str| std::fs::read(models_dir().join(f)).unwrap();
    let live = read(&m.liveness.as_ref().unwrap().file.file);
    let eye = read(&m.eye.as_ref().unwrap().file.file);
    let iris = read(&m.iris.as_ref().unwrap().file.file);
    v.load_passive(&live, &eye, &iris).unwrap();
    v
}

/// `../shared/eval`, or `$VERIFACE_EVAL_DIR`; `None` (with a message) where it is absent, so
/// tests that need real faces skip on a machine without the data.
pub fn eval_dir(test: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("VERIFACE_EVAL_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/eval"));
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "SKIP {test}: evaluation data not found at {} (set VERIFACE_EVAL_DIR)",
            dir.display()
        );
        None
    }
}

/// Reads a file under the evaluation folder.
pub fn eval_file(dir: &std::path::Path, rel: &str) -> Vec<u8> {
    std::fs::read(dir.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// A generated image with no face: smooth colour gradients.
pub fn gradient(w: u32, h: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| {
        Rgb([(x * 255 / w.max(1)) as u8, (y * 255 / h.max(1)) as u8, 128])
    })
}

/// PNG bytes of an image.
pub fn png(img: &RgbImage) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// JPEG bytes of an image at quality 90.
pub fn jpeg(img: &RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(img)
        .unwrap();
    out
}

/// Inserts an EXIF APP1 segment carrying only an Orientation tag right after the JPEG's SOI.
pub fn with_exif_orientation(jpeg: &[u8], orientation: u16) -> Vec<u8> {
    let mut tiff = Vec::new();
    tiff.extend_from_slice(b"II*\0");
    tiff.extend_from_slice(&8u32.to_le_bytes()); // first IFD right after the header
    tiff.extend_from_slice(&1u16.to_le_bytes()); // one entry
    tiff.extend_from_slice(&0x0112u16.to_le_bytes()); // Orientation
    tiff.extend_from_slice(&3u16.to_le_bytes()); // SHORT
    tiff.extend_from_slice(&1u32.to_le_bytes()); // count
    tiff.extend_from_slice(&orientation.to_le_bytes());
    tiff.extend_from_slice(&[0, 0]); // value padding to 4 bytes
    tiff.extend_from_slice(&0u32.to_le_bytes()); // no next IFD
    let mut payload = b"Exif\0\0".to_vec();
    payload.extend_from_slice(&tiff);
    let len = (payload.len() + 2) as u16;
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&payload);
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// Encoded images as liveness frames, with capture times (ms) for all or none.
pub fn frames<'a>(files: &'a [Vec<u8>], times: Option<&[f64]>) -> Vec<veriface::Frame<'a>> {
    files
        .iter()
        .enumerate()
        .map(|(i, b)| veriface::Frame {
            image: veriface::ImageInput::Encoded(b),
            timestamp_ms: times.and_then(|t| t.get(i).copied()),
        })
        .collect()
}
