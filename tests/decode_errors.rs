//! Hostile and malformed inputs: every decoding error class with its stable code, and EXIF
//! orientation. None of these needs the models.

mod common;

use base64::Engine;
use image::Rgb;
use veriface::image::{decode, decode_base64, from_rgba, load, sniff, Sniffed};
use veriface::{Error, ImageInput, Limits};

fn limits() -> Limits {
    Limits::default()
}

fn code(r: veriface::Result<impl std::fmt::Debug>) -> &'static str {
    r.unwrap_err().code()
}

#[test]
fn empty_input_is_empty_input() {
    assert_eq!(code(decode(&[], &limits())), "EMPTY_INPUT");
    assert_eq!(code(decode_base64("  \n ", &limits())), "EMPTY_INPUT");
    assert_eq!(
        code(decode_base64("data:image/png;base64,", &limits())),
        "EMPTY_INPUT"
    );
}

#[test]
fn garbage_string_is_not_base64() {
    assert_eq!(
        code(decode_base64("this is not base64!", &limits())),
        "NOT_BASE64"
    );
    assert_eq!(
        code(decode_base64("data:image/png,abc", &limits())),
        "NOT_BASE64"
    );
    assert_eq!(
        code(decode_base64("data:image/pngbase64", &limits())),
        "NOT_BASE64"
    );
}

#[test]
fn base64_accepts_data_urls_line_breaks_url_safe_and_missing_padding() {
    let img = common::gradient(17, 9);
    let bytes = common::png(&img);
    let std = base64::engine::general_purpose::STANDARD.encode(&bytes);
    let wrapped: String = std
        .as_bytes()
        .chunks(76)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect::<Vec<_>>()
        .join("\r\n");
    let url = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&bytes);
    for text in [
        std.clone(),
        wrapped.clone(),
        format!("data:image/png;base64,{std}"),
        format!("  data:image/png;base64,\n{wrapped}\n"),
        url,
        std.trim_end_matches('=').to_string(),
    ] {
        let decoded = load(ImageInput::Base64(&text), &limits()).unwrap();
        assert_eq!(decoded, img);
    }
}

#[test]
fn gif_webp_heic_bmp_tiff_are_unsupported_and_named() {
    let cases: [(&[u8], &str); 6] = [
        (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "GIF"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "WebP"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", "HEIC"),
        (b"BM\x3a\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00", "BMP"),
        (b"II*\x00\x08\x00\x00\x00", "TIFF"),
        (b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00", "AVIF"),
    ];
    for (bytes, name) in cases {
        let err = decode(bytes, &limits()).unwrap_err();
        assert_eq!(err.code(), "UNSUPPORTED_FORMAT", "{name}");
        assert!(err.to_string().contains(name), "{err}");
        assert!(
            err.to_string().contains("JPEG or PNG"),
            "message says what to do: {err}"
        );
    }
    assert_eq!(
        code(decode(b"hello world, plain text", &limits())),
        "UNSUPPORTED_FORMAT"
    );
    assert_eq!(sniff(b"\xFF\xD8\xFF\xE0"), Sniffed::Jpeg);
}

#[test]
fn truncated_jpeg_and_png_are_corrupt() {
    let img = common::gradient(64, 48);
    let jpeg = common::jpeg(&img);
    let png = common::png(&img);
    for cut in [jpeg.len() / 2, jpeg.len() - 2, 20] {
        assert_eq!(
            code(decode(&jpeg[..cut], &limits())),
            "CORRUPT_IMAGE",
            "jpeg cut at {cut}"
        );
    }
    for cut in [png.len() / 2, png.len() - 12, 40] {
        assert_eq!(
            code(decode(&png[..cut], &limits())),
            "CORRUPT_IMAGE",
            "png cut at {cut}"
        );
    }
    // The intact files decode.
    assert_eq!(decode(&png, &limits()).unwrap(), img);
    assert_eq!(decode(&jpeg, &limits()).unwrap().dimensions(), (64, 48));
}

#[test]
fn corrupt_bytes_after_a_valid_header_are_corrupt() {
    let mut png = common::png(&common::gradient(32, 32));
    let n = png.len();
    for b in &mut png[60..n - 20] {
        *b ^= 0x5A;
    }
    assert_eq!(code(decode(&png, &limits())), "CORRUPT_IMAGE");
}

#[test]
fn sizes_are_capped_before_decoding() {
    let small = Limits {
        max_encoded_bytes: 1000,
        max_pixels: 100 * 100,
        max_side: 150,
    };
    let big = common::png(&common::gradient(120, 120));
    let err = decode(&big, &small).unwrap_err();
    assert_eq!(err.code(), "IMAGE_TOO_LARGE");
    // Pixel cap, with a file small enough in bytes.
    let wide = common::png(&image::RgbImage::new(140, 80));
    let err = decode(
        &wide,
        &Limits {
            max_encoded_bytes: 1 << 20,
            ..small
        },
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            Error::TooLarge {
                what: "pixel count",
                ..
            }
        ),
        "{err:?}"
    );
    // Side cap.
    let long = common::png(&image::RgbImage::new(200, 10));
    let err = decode(
        &long,
        &Limits {
            max_encoded_bytes: 1 << 20,
            ..small
        },
    )
    .unwrap_err();
    assert!(
        matches!(err, Error::TooLarge { what: "width", .. }),
        "{err:?}"
    );
    // A base64 string is rejected by length alone.
    let text = "A".repeat(4000);
    assert_eq!(code(decode_base64(&text, &small)), "IMAGE_TOO_LARGE");
    // Raw frames too.
    assert_eq!(
        code(from_rgba(200, 200, &vec![0; 200 * 200 * 4], &small)),
        "IMAGE_TOO_LARGE"
    );
}

/// A PNG whose header claims 50000 x 50000 pixels is refused from the header, without allocating.
#[test]
fn decompression_bomb_header_is_refused() {
    let mut png = common::png(&common::gradient(8, 8));
    // IHDR width and height live at bytes 16..24; the CRC no longer matches, but the size check
    // must fire first or the decoder must call it corrupt: never an allocation of 10 GB.
    png[16..20].copy_from_slice(&50_000u32.to_be_bytes());
    png[20..24].copy_from_slice(&50_000u32.to_be_bytes());
    let c = code(decode(&png, &limits()));
    assert!(c == "IMAGE_TOO_LARGE" || c == "CORRUPT_IMAGE", "{c}");
}

#[test]
fn malformed_rgba_frames_are_bad_frames() {
    assert_eq!(code(from_rgba(0, 10, &[], &limits())), "BAD_FRAME");
    assert_eq!(code(from_rgba(2, 2, &[0; 15], &limits())), "BAD_FRAME");
    assert_eq!(code(from_rgba(2, 2, &[0; 17], &limits())), "BAD_FRAME");
    let ok = from_rgba(2, 1, &[1, 2, 3, 255, 4, 5, 6, 0], &limits()).unwrap();
    assert_eq!(ok.get_pixel(1, 0), &Rgb([4, 5, 6]));
}

/// Orientation 6 means "rotate 90 degrees clockwise to display": a landscape 40x20 buffer whose
/// left half is red becomes a 20x40 portrait whose top half is red.
#[test]
fn exif_orientation_6_is_applied() {
    let img = image::RgbImage::from_fn(40, 20, |x, _| {
        if x < 20 {
            Rgb([255, 0, 0])
        } else {
            Rgb([0, 0, 255])
        }
    });
    let plain = common::jpeg(&img);
    assert_eq!(decode(&plain, &limits()).unwrap().dimensions(), (40, 20));
    let rotated = decode(&common::with_exif_orientation(&plain, 6), &limits()).unwrap();
    assert_eq!(rotated.dimensions(), (20, 40));
    let top = rotated.get_pixel(10, 5).0;
    let bottom = rotated.get_pixel(10, 35).0;
    assert!(top[0] > 200 && top[2] < 60, "top should be red: {top:?}");
    assert!(
        bottom[2] > 200 && bottom[0] < 60,
        "bottom should be blue: {bottom:?}"
    );
    // Orientation 3 (180 degrees): red moves to the right.
    let flipped = decode(&common::with_exif_orientation(&plain, 3), &limits()).unwrap();
    assert_eq!(flipped.dimensions(), (40, 20));
    assert!(flipped.get_pixel(35, 10).0[0] > 200);
}

/// The Silent-Face samples store portrait photos as landscape pixels with Orientation=6.
#[test]
fn exif_orientation_of_silentface_samples_makes_them_portrait() {
    let Some(dir) = common::eval_dir("exif_orientation_of_silentface_samples_makes_them_portrait")
    else {
        return;
    };
    let labels =
        std::fs::read_to_string(dir.join("silentface_antispoof_samples/labels.csv")).unwrap();
    let mut checked = 0;
    for line in labels.lines().skip(1) {
        let rel = line.split(',').next().unwrap();
        let bytes = common::eval_file(&dir, &format!("silentface_antispoof_samples/{rel}"));
        if !bytes.starts_with(&[0xFF, 0xD8]) {
            continue;
        }
        let raw = image::load_from_memory(&bytes).unwrap();
        let upright = decode(&bytes, &limits()).unwrap();
        if raw.width() > raw.height() && upright.width() < upright.height() {
            checked += 1;
        }
    }
    assert!(
        checked >= 3,
        "expected three Orientation=6 samples turned upright, got {checked}"
    );
}

/// A PNG chunk with its length and CRC.
fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut crc = !0u32;
    for b in kind.iter().chain(data) {
        crc ^= u32::from(*b);
        for _ in 0..8 {
            crc = (crc >> 1) ^ (0xEDB8_8320 & (crc & 1).wrapping_neg());
        }
    }
    let mut out = (data.len() as u32).to_be_bytes().to_vec();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    out.extend_from_slice(&(!crc).to_be_bytes());
    out
}

/// A 1x1 paletted PNG with transparency whose palette is `palette`.
fn paletted_png(palette: &[u8]) -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(png_chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 3, 0, 0, 0]));
    png.extend(png_chunk(b"PLTE", palette));
    png.extend(png_chunk(b"tRNS", &[128]));
    // One row: filter 0, palette index 0, in a stored zlib block (adler32 of [0, 0] is 0x00020001).
    let idat = [
        0x78, 0x01, 0x01, 0x02, 0x00, 0xFD, 0xFF, 0, 0, 0x00, 0x02, 0x00, 0x01,
    ];
    png.extend(png_chunk(b"IDAT", &idat));
    png.extend(png_chunk(b"IEND", &[]));
    png
}

#[test]
fn a_palette_of_partial_colours_is_corrupt_not_a_panic() {
    // png 0.18.1 indexed past such a palette when expanding it with transparency (found by
    // fuzzing, now fuzz/corpus/decode/fixed-png-plte-length.png): refused before the decoder sees it.
    for bad in [&[10u8, 20, 30, 40][..], &[10, 20], &[]] {
        let err = decode(&paletted_png(bad), &limits()).unwrap_err();
        assert_eq!(err.code(), "CORRUPT_IMAGE", "{} bytes: {err}", bad.len());
        assert!(err.to_string().contains("palette"), "{err}");
    }
    // Whole colours decode.
    let image = decode(&paletted_png(&[10, 20, 30]), &limits()).expect("a valid paletted PNG");
    assert_eq!(image.get_pixel(0, 0), &Rgb([10, 20, 30]));
}

#[test]
fn a_jpeg_that_trips_the_decoders_simd_path_is_an_error_not_a_panic() {
    // Found by fuzzing: zune-jpeg 0.5.15's AVX2 upsampler asserts on this progressive JPEG
    // (x86-64 with AVX2 only). Natively the panic is caught and reported as CORRUPT_IMAGE;
    // where the AVX2 path is absent the scalar decoder answers whatever it makes of the file.
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fuzz/corpus/decode/fixed-jpeg-avx2-upsample.jpg"
    );
    let bytes = std::fs::read(path).expect("the committed corpus file");
    match decode(&bytes, &limits()) {
        Ok(image) => assert!(image.width() > 0 && image.height() > 0),
        Err(err) => assert_eq!(err.code(), "CORRUPT_IMAGE", "{err}"),
    }
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        let err = decode(&bytes, &limits()).unwrap_err();
        assert!(err.to_string().contains("internal check"), "{err}");
    }
}
