//! Motion between two frames of one face: how different the pictures are, and how much of the
//! landmarks' movement a flat picture could not have made.

use image::RgbImage;

use crate::align::fit_affine;

/// Mean absolute difference of two same-size crops, in grey levels (0..255); 255 for different
/// sizes or empty crops. A still picture replayed frame after frame differs by nothing.
pub fn mean_abs_difference(a: &RgbImage, b: &RgbImage) -> f64 {
    if a.dimensions() != b.dimensions() || a.as_raw().is_empty() {
        return 255.0;
    }
    let total: u64 = a
        .as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(x, y)| u64::from(x.abs_diff(*y)))
        .sum();
    total as f64 / a.as_raw().len() as f64
}

/// How far the landmarks of `b` are from the best affine image of `a`'s (least squares): RMS
/// over the five points, over the eye distance. A flat picture moved, turned or tilted in front
/// of the camera maps (nearly) affinely; a head turning moves the nose against the eyes and mouth.
pub fn affine_residual(a: &[[f32; 2]; 5], b: &[[f32; 2]; 5]) -> f64 {
    let src = a.map(|[x, y]| [f64::from(x), f64::from(y)]);
    let dst = b.map(|[x, y]| [f64::from(x), f64::from(y)]);
    let iod = (dst[1][0] - dst[0][0]).hypot(dst[1][1] - dst[0][1]);
    let Some(m) = fit_affine(&src, &dst) else {
        return 0.0;
    };
    let sum: f64 = src
        .iter()
        .zip(&dst)
        .map(|(s, d)| {
            let [x, y] = m.apply(*s);
            (x - d[0]).powi(2) + (y - d[1]).powi(2)
        })
        .sum();
    if iod > 0.0 {
        (sum / src.len() as f64).sqrt() / iod
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FACE: [[f32; 2]; 5] = [
        [70.0, 100.0],
        [130.0, 100.0],
        [100.0, 135.0],
        [78.0, 164.0],
        [122.0, 164.0],
    ];

    #[test]
    fn a_flat_picture_moved_and_sheared_leaves_no_residual() {
        let moved = FACE.map(|[x, y]| [1.1 * x + 0.2 * y + 7.0, -0.1 * x + 0.9 * y + 3.0]);
        // f32 landmarks: rounding alone leaves about 1e-7 of the eye distance.
        assert!(affine_residual(&FACE, &moved) < 1e-5);
    }

    #[test]
    fn the_nose_moving_against_the_face_is_residual_motion() {
        let mut turned = FACE;
        turned[2][0] += 6.0;
        let r = affine_residual(&FACE, &turned);
        assert!(r > 0.02, "{r}");
    }

    #[test]
    fn identical_crops_differ_by_nothing() {
        let a = RgbImage::from_pixel(4, 4, image::Rgb([10, 20, 30]));
        let mut b = a.clone();
        assert_eq!(mean_abs_difference(&a, &b), 0.0);
        b.put_pixel(0, 0, image::Rgb([13, 20, 30]));
        assert!((mean_abs_difference(&a, &b) - 3.0 / 48.0).abs() < 1e-12);
    }
}
