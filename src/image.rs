//! Decoding: bytes, base64 strings and raw camera frames into one RGB pixel buffer.
//!
//! Everything a caller hands us is hostile until proven otherwise. The order of checks is
//! therefore fixed: length caps on the encoded input, format sniffing from magic bytes, header
//! dimensions against the pixel caps, and only then the allocation and the decode. EXIF
//! orientation is applied so that the detector sees faces upright, as the photographer saw them
//! (phone cameras store portrait shots as rotated landscape pixels with Orientation=6).

use std::io::Cursor;

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::{DecodePaddingMode, Engine};
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, RgbImage};

use crate::error::{Error, Result};

/// Caps applied before decoding. The defaults allow a 24-megapixel phone photo and reject
/// decompression bombs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest encoded file accepted, in bytes.
    pub max_encoded_bytes: usize,
    /// Largest width x height accepted.
    pub max_pixels: u64,
    /// Longest side accepted, in pixels.
    pub max_side: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_encoded_bytes: 20 * 1024 * 1024,
            max_pixels: 40_000_000,
            max_side: 12_000,
        }
    }
}

/// An image as the caller gives it.
#[derive(Debug, Clone, Copy)]
pub enum ImageInput<'a> {
    /// The bytes of a JPEG or PNG file.
    Encoded(&'a [u8]),
    /// A JPEG or PNG file in base64, optionally as a `data:image/...;base64,` URL. White space and
    /// line breaks anywhere are ignored; standard and URL-safe alphabets are accepted, padding
    /// optional.
    Base64(&'a str),
    /// Raw pixels as a camera or canvas gives them: row-major RGBA, 4 bytes a pixel, no padding.
    Rgba {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
        /// `width * height * 4` bytes.
        data: &'a [u8],
    },
}

/// What the magic bytes say a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniffed {
    /// JPEG (decoded).
    Jpeg,
    /// PNG (decoded).
    Png,
    /// A recognised format that veriface does not decode, by name.
    Other(&'static str),
    /// Not recognised.
    Unknown,
}

/// Identifies a file from its first bytes. Used both to pick the decoder and to name the format in
/// an `UNSUPPORTED_FORMAT` error, so a user who sends a HEIC from an iPhone is told so.
pub fn sniff(bytes: &[u8]) -> Sniffed {
    let starts = |magic: &[u8]| bytes.starts_with(magic);
    if starts(&[0xFF, 0xD8, 0xFF]) {
        return Sniffed::Jpeg;
    }
    if starts(b"\x89PNG\r\n\x1a\n") {
        return Sniffed::Png;
    }
    if starts(b"GIF87a") || starts(b"GIF89a") {
        return Sniffed::Other("GIF");
    }
    if starts(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        return Sniffed::Other("WebP");
    }
    if starts(b"BM") {
        return Sniffed::Other("BMP");
    }
    if starts(b"II*\0") || starts(b"MM\0*") {
        return Sniffed::Other("TIFF");
    }
    if bytes.get(4..8) == Some(b"ftyp") {
        return match bytes.get(8..12) {
            Some(b"avif") | Some(b"avis") => Sniffed::Other("AVIF"),
            Some(b"heic") | Some(b"heix") | Some(b"hevc") | Some(b"heim") | Some(b"heis")
            | Some(b"mif1") | Some(b"msf1") => Sniffed::Other("HEIC"),
            _ => Sniffed::Other("ISO media (video or HEIF)"),
        };
    }
    if starts(&[0xFF, 0x0A]) || starts(b"\0\0\0\x0cJXL ") {
        return Sniffed::Other("JPEG XL");
    }
    if starts(b"%PDF") {
        return Sniffed::Other("PDF");
    }
    Sniffed::Unknown
}

/// Decodes any [`ImageInput`] into upright RGB pixels.
///
/// # Errors
/// `EMPTY_INPUT`, `NOT_BASE64`, `UNSUPPORTED_FORMAT`, `CORRUPT_IMAGE`, `IMAGE_TOO_LARGE`,
/// `BAD_FRAME`, as the input deserves.
pub fn load(input: ImageInput<'_>, limits: &Limits) -> Result<RgbImage> {
    match input {
        ImageInput::Encoded(bytes) => decode(bytes, limits),
        ImageInput::Base64(text) => decode(&decode_base64(text, limits)?, limits),
        ImageInput::Rgba {
            width,
            height,
            data,
        } => from_rgba(width, height, data, limits),
    }
}

/// Decodes a base64 string (optionally a `data:` URL) into bytes, after checking that the result
/// cannot exceed `limits.max_encoded_bytes`.
///
/// # Errors
/// `EMPTY_INPUT`, `NOT_BASE64`, `IMAGE_TOO_LARGE`.
pub fn decode_base64(text: &str, limits: &Limits) -> Result<Vec<u8>> {
    let trimmed = text.trim();
    let payload = match trimmed.strip_prefix("data:") {
        Some(rest) => match rest.split_once(',') {
            Some((header, data)) if header.ends_with(";base64") => data,
            Some(_) => {
                return Err(Error::NotBase64 {
                    reason: "the data: URL is not marked ;base64".into(),
                })
            }
            None => {
                return Err(Error::NotBase64 {
                    reason: "the data: URL has no comma before the data".into(),
                })
            }
        },
        None => trimmed,
    };
    // Four base64 characters carry three bytes, so the decoded length is known before decoding
    // (white space and padding carry none): refuse over the cap before allocating the buffer.
    let data_chars = payload
        .bytes()
        .filter(|b| !b.is_ascii_whitespace() && *b != b'=')
        .count();
    let decoded_len = (data_chars / 4) * 3 + (data_chars % 4) * 3 / 4;
    if decoded_len > limits.max_encoded_bytes {
        return Err(Error::TooLarge {
            what: "encoded size in bytes",
            actual: decoded_len as u64,
            limit: limits.max_encoded_bytes as u64,
        });
    }
    let compact: Vec<u8> = payload
        .bytes()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    if compact.is_empty() {
        return Err(Error::EmptyInput);
    }
    let url_safe = compact.iter().any(|&b| b == b'-' || b == b'_');
    let config = GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true);
    let alphabet = if url_safe {
        &base64::alphabet::URL_SAFE
    } else {
        &base64::alphabet::STANDARD
    };
    GeneralPurpose::new(alphabet, config)
        .decode(&compact)
        .map_err(|e| Error::NotBase64 {
            reason: e.to_string(),
        })
}

/// Decodes JPEG or PNG bytes into upright RGB pixels.
///
/// # Errors
/// `EMPTY_INPUT`, `UNSUPPORTED_FORMAT`, `CORRUPT_IMAGE`, `IMAGE_TOO_LARGE`.
pub fn decode(bytes: &[u8], limits: &Limits) -> Result<RgbImage> {
    if bytes.is_empty() {
        return Err(Error::EmptyInput);
    }
    if bytes.len() > limits.max_encoded_bytes {
        return Err(Error::TooLarge {
            what: "encoded size in bytes",
            actual: bytes.len() as u64,
            limit: limits.max_encoded_bytes as u64,
        });
    }
    let format = match sniff(bytes) {
        Sniffed::Jpeg => ImageFormat::Jpeg,
        Sniffed::Png => ImageFormat::Png,
        Sniffed::Other(name) => {
            return Err(Error::UnsupportedFormat {
                format: name.to_string(),
            })
        }
        Sniffed::Unknown => {
            return Err(Error::UnsupportedFormat {
                format: "unrecognised".to_string(),
            })
        }
    };
    if format == ImageFormat::Jpeg && !jpeg_has_end_marker(bytes) {
        // The JPEG decoder fills a cut-off scan with grey rather than failing; a half-grey face
        // would silently give a wrong embedding, so a missing end-of-image marker is an error.
        return Err(Error::CorruptImage {
            reason: "the JPEG has no end-of-image marker, it was cut short".into(),
        });
    }
    if format == ImageFormat::Png && !png_palette_whole(bytes) {
        // png 0.18.1 indexes past the end of a palette that is not whole RGB triples when it
        // expands a paletted image with transparency (a panic, found by fuzzing): refused first.
        return Err(Error::CorruptImage {
            reason: "the PNG's palette (PLTE) is not a whole number of 3-byte colours".into(),
        });
    }
    contain_decoder_panic(|| decode_checked(bytes, format, limits))
}

/// Runs the third-party decoder so that a panic inside it is a `CORRUPT_IMAGE`, not a crash.
///
/// Fuzzing found zune-jpeg 0.5.15's AVX2 upsampler asserting on one malformed progressive JPEG
/// (`fuzz/crashes/decode-jpeg-avx2-upsample.jpg`, docs/fuzzing.md). That path exists only where
/// AVX2 is detected at run time, i.e. natively on x86-64 (the CLI and `veriface serve`), whose
/// builds unwind; there the panic is caught here. The wasm build aborts on panic and cannot
/// catch it, but has no AVX2 path either. The panic hook still prints the decoder's message
/// (a source location, no pixel data).
fn contain_decoder_panic(decode: impl FnOnce() -> Result<RgbImage>) -> Result<RgbImage> {
    #[cfg(panic = "unwind")]
    {
        // Nothing outlives a failed decode but the error: the closure owns no shared state.
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(decode)).unwrap_or_else(|_| {
            Err(Error::CorruptImage {
                reason: "the image decoder failed an internal check on this file's data".into(),
            })
        })
    }
    #[cfg(not(panic = "unwind"))]
    {
        decode()
    }
}

/// The decode proper, once the format is known and the cheap checks passed.
fn decode_checked(bytes: &[u8], format: ImageFormat, limits: &Limits) -> Result<RgbImage> {
    let corrupt = |e: image::ImageError| Error::CorruptImage {
        reason: e.to_string(),
    };
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    // Dimensions are checked below from the header, with a precise error; the decoder's own
    // allocation cap is only the backstop for what a header cannot tell (e.g. PNG chunk buffers).
    let mut decoder_limits = image::Limits::default();
    decoder_limits.max_alloc = Some(max_alloc(limits));
    reader.limits(decoder_limits);
    let mut decoder = reader
        .into_decoder()
        .map_err(|e| limit_or_corrupt(e, limits))?;
    let (width, height) = decoder.dimensions();
    check_dimensions(width, height, limits)?;
    let orientation = decoder.orientation().map_err(corrupt)?;
    let mut image = DynamicImage::from_decoder(decoder).map_err(|e| limit_or_corrupt(e, limits))?;
    image.apply_orientation(orientation);
    Ok(image.into_rgb8())
}

/// False when a PNG's PLTE chunk holds no colour, more than 256, or not a whole number of RGB
/// triples (what the PNG specification allows). Walks the chunk headers only; a structure
/// broken in any other way is left to the decoder, which reports it.
fn png_palette_whole(bytes: &[u8]) -> bool {
    let mut pos: usize = 8; // after the signature
    while let Some(header) = pos.checked_add(8).and_then(|end| bytes.get(pos..end)) {
        let (len, kind) = header.split_at(4);
        let Ok(len) = <[u8; 4]>::try_from(len) else {
            return true;
        };
        let len = u32::from_be_bytes(len) as usize;
        if kind == b"PLTE" {
            return len > 0 && len % 3 == 0 && len <= 3 * 256;
        }
        if kind == b"IDAT" || kind == b"IEND" {
            return true; // PLTE comes before the image data, or not at all
        }
        pos = pos.saturating_add(12).saturating_add(len);
    }
    true
}

/// Wraps raw RGBA pixels (alpha ignored) after checking the buffer matches the stated size.
///
/// # Errors
/// `BAD_FRAME` when the length or a dimension is wrong, `IMAGE_TOO_LARGE` over the caps.
pub fn from_rgba(width: u32, height: u32, data: &[u8], limits: &Limits) -> Result<RgbImage> {
    if width == 0 || height == 0 {
        return Err(Error::BadFrame {
            reason: format!("width and height must be positive, got {width}x{height}"),
        });
    }
    check_dimensions(width, height, limits)?;
    let expected = u64::from(width) * u64::from(height) * 4;
    if data.len() as u64 != expected {
        return Err(Error::BadFrame {
            reason: format!(
                "{width}x{height} RGBA needs {expected} bytes, got {}",
                data.len()
            ),
        });
    }
    let rgb: Vec<u8> = data
        .chunks_exact(4)
        .flat_map(|px| [px[0], px[1], px[2]])
        .collect();
    RgbImage::from_raw(width, height, rgb).ok_or_else(|| Error::BadFrame {
        reason: "pixel buffer does not match its dimensions".into(),
    })
}

fn check_dimensions(width: u32, height: u32, limits: &Limits) -> Result<()> {
    if width == 0 || height == 0 {
        return Err(Error::CorruptImage {
            reason: format!("the header gives a {width}x{height} image"),
        });
    }
    for (what, value) in [("width", width), ("height", height)] {
        if value > limits.max_side {
            return Err(Error::TooLarge {
                what,
                actual: u64::from(value),
                limit: u64::from(limits.max_side),
            });
        }
    }
    let pixels = u64::from(width) * u64::from(height);
    if pixels > limits.max_pixels {
        return Err(Error::TooLarge {
            what: "pixel count",
            actual: pixels,
            limit: limits.max_pixels,
        });
    }
    Ok(())
}

/// Decoder allocation cap: the RGBA buffer of the largest allowed image, plus slack for the
/// decoder's working buffers.
fn max_alloc(limits: &Limits) -> u64 {
    limits.max_pixels.saturating_mul(4).saturating_add(64 << 20)
}

fn limit_or_corrupt(err: image::ImageError, limits: &Limits) -> Error {
    match err {
        // The decoder stops at the cap, so the true need is unknown: it is over the cap.
        image::ImageError::Limits(_) => Error::TooLarge {
            what: "memory needed to decode, in bytes (at least)",
            actual: max_alloc(limits).saturating_add(1),
            limit: max_alloc(limits),
        },
        other => Error::CorruptImage {
            reason: other.to_string(),
        },
    }
}

/// True when the JPEG's marker structure, walked from the start, reaches its end-of-image marker
/// (0xFFD9) before the bytes run out.
///
/// Walking the structure, rather than searching for the marker, matters twice over: an EXIF
/// thumbnail carries its own end marker early in the file, and cameras and editors append
/// trailers (MPF previews, vendor data, even a second JPEG) after the real end marker, which may
/// themselves be cut short. Inside entropy-coded data 0xFF is always followed by 0x00 or a restart
/// marker, so the next real marker is found without decoding.
fn jpeg_has_end_marker(bytes: &[u8]) -> bool {
    let byte = |i: usize| bytes.get(i).copied();
    let mut pos = 2; // after SOI
    loop {
        // Markers may be preceded by any number of 0xFF fill bytes.
        while byte(pos) == Some(0xFF) && byte(pos + 1) == Some(0xFF) {
            pos += 1;
        }
        if byte(pos) != Some(0xFF) {
            return false;
        }
        let Some(marker) = byte(pos + 1) else {
            return false;
        };
        match marker {
            0xD9 => return true,
            0x01 | 0xD0..=0xD7 => pos += 2,
            _ => {
                let (Some(hi), Some(lo)) = (byte(pos + 2), byte(pos + 3)) else {
                    return false;
                };
                pos += 2 + (usize::from(hi) << 8 | usize::from(lo));
                if marker == 0xDA {
                    // Entropy-coded data runs to the next marker that is not a stuffed 0xFF00 or
                    // a restart marker.
                    loop {
                        match (byte(pos), byte(pos + 1)) {
                            (Some(0xFF), Some(0x00 | 0xD0..=0xD7)) => pos += 2,
                            (Some(0xFF), Some(_)) => break,
                            (Some(_), _) => pos += 1,
                            (None, _) => return false,
                        }
                    }
                }
            }
        }
    }
}
