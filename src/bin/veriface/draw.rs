//! Drawing detections on an image for `veriface detect --draw`.

use image::{Rgb, RgbImage};
use veriface::FaceReport;

const BOX: Rgb<u8> = Rgb([0, 230, 64]);
/// Left eye, right eye, nose, left mouth corner, right mouth corner.
const POINTS: [Rgb<u8>; 5] = [
    Rgb([255, 40, 40]),
    Rgb([255, 220, 0]),
    Rgb([255, 0, 255]),
    Rgb([0, 160, 255]),
    Rgb([0, 255, 255]),
];

/// Draws each face's box (2 px wide, scaled up on large images) and its five landmarks.
pub fn faces(image: &mut RgbImage, faces: &[FaceReport]) {
    let thick = (image.width().max(image.height()) / 400).max(2) as i64;
    for f in faces {
        let b = f.bbox;
        let (x1, y1, x2, y2) = (b.x1 as i64, b.y1 as i64, b.x2 as i64, b.y2 as i64);
        for t in 0..thick {
            hline(image, x1, x2, y1 + t, BOX);
            hline(image, x1, x2, y2 - t, BOX);
            vline(image, x1 + t, y1, y2, BOX);
            vline(image, x2 - t, y1, y2, BOX);
        }
        for (p, color) in f.landmarks.iter().zip(POINTS) {
            dot(image, p[0] as i64, p[1] as i64, thick + 1, color);
        }
    }
}

fn put(image: &mut RgbImage, x: i64, y: i64, color: Rgb<u8>) {
    if x >= 0 && y >= 0 && x < i64::from(image.width()) && y < i64::from(image.height()) {
        image.put_pixel(x as u32, y as u32, color);
    }
}

fn hline(image: &mut RgbImage, x1: i64, x2: i64, y: i64, color: Rgb<u8>) {
    for x in x1..=x2 {
        put(image, x, y, color);
    }
}

fn vline(image: &mut RgbImage, x: i64, y1: i64, y2: i64, color: Rgb<u8>) {
    for y in y1..=y2 {
        put(image, x, y, color);
    }
}

fn dot(image: &mut RgbImage, cx: i64, cy: i64, r: i64, color: Rgb<u8>) {
    for y in -r..=r {
        for x in -r..=r {
            if x * x + y * y <= r * r {
                put(image, cx + x, cy + y, color);
            }
        }
    }
}
