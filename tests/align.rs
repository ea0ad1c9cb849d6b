//! The similarity transform and the warp, against exactly known matrices and pixels.

use image::{Rgb, RgbImage};
use veriface::align::{similarity_transform, warp, Affine};

fn close(a: [[f64; 3]; 2], b: [[f64; 3]; 2]) {
    for r in 0..2 {
        for c in 0..3 {
            assert!((a[r][c] - b[r][c]).abs() < 1e-9, "{a:?} != {b:?}");
        }
    }
}

const SRC: [[f64; 2]; 5] = [
    [30.0, 50.0],
    [70.0, 48.0],
    [52.0, 70.0],
    [35.0, 90.0],
    [68.0, 91.0],
];

#[test]
fn identity_points_give_the_identity_matrix() {
    let m = similarity_transform(&SRC, &SRC).unwrap();
    close(m.0, [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]);
}

#[test]
fn recovers_an_exact_scale_rotation_and_translation() {
    // 90 degrees counter-clockwise in image coordinates, scale 2, shift (5, -3).
    let truth = Affine([[0.0, -2.0, 5.0], [2.0, 0.0, -3.0]]);
    let dst: Vec<[f64; 2]> = SRC.iter().map(|&p| truth.apply(p)).collect();
    let m = similarity_transform(&SRC, &dst).unwrap();
    close(m.0, truth.0);
}

#[test]
fn recovers_an_arbitrary_similarity() {
    let (s, t) = (0.37f64, -0.52f64);
    let truth = Affine([
        [s * t.cos(), -s * t.sin(), 17.5],
        [s * t.sin(), s * t.cos(), -4.25],
    ]);
    let dst: Vec<[f64; 2]> = SRC.iter().map(|&p| truth.apply(p)).collect();
    close(similarity_transform(&SRC, &dst).unwrap().0, truth.0);
}

/// Points that no similarity maps exactly (one destination point is displaced): the fit must be
/// the least-squares closed form, worked out by hand in the comments.
#[test]
fn least_squares_fit_of_inconsistent_points_is_the_closed_form() {
    let src = [[-1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, -1.0]];
    // Destination: the source rotated by 90 degrees, except one point displaced by +1 in x.
    let dst = [[0.0, -1.0], [0.0, 1.0], [-1.0 + 1.0, 0.0], [1.0, 0.0]];
    let m = similarity_transform(&src, &dst).unwrap();
    // Centred sums: means are (0,0) and (0.25, 0). num_p = sum(x*u + y*v), num_q = sum(x*v - y*u).
    // x,y / u,v (centred): (-1,0)/(-0.25,-1) (1,0)/(-0.25,1) (0,1)/(-0.25,0) (0,-1)/(0.75,0)
    // num_p = 0.25 - 0.25 + 0 + 0 = 0; num_q = 1 + 1 + 0.25 + 0.75 = 3; den = 4.
    close(m.0, [[0.0, -0.75, 0.25], [0.75, 0.0, 0.0]]);
}

#[test]
fn coincident_points_have_no_transform() {
    let src = [[3.0, 3.0]; 5];
    assert!(similarity_transform(&src, &SRC).is_none());
}

#[test]
fn inverse_undoes_the_transform() {
    let m = Affine([[0.8, -0.6, 10.0], [0.6, 0.8, -5.0]]);
    let inv = m.invert().unwrap();
    let p = inv.apply(m.apply([12.5, -7.25]));
    assert!((p[0] - 12.5).abs() < 1e-12 && (p[1] + 7.25).abs() < 1e-12);
}

#[test]
fn warp_with_a_translation_moves_pixels_exactly() {
    let mut img = RgbImage::new(8, 8);
    img.put_pixel(5, 6, Rgb([200, 100, 50]));
    // Source (5, 6) lands at crop (2, 1).
    let out = warp(&img, &Affine([[1.0, 0.0, -3.0], [0.0, 1.0, -5.0]]), 4).unwrap();
    assert_eq!(out.get_pixel(2, 1), &Rgb([200, 100, 50]));
    assert_eq!(out.get_pixel(1, 1), &Rgb([0, 0, 0]));
}

#[test]
fn warp_interpolates_bilinearly_between_pixel_centres() {
    let mut img = RgbImage::new(2, 1);
    img.put_pixel(0, 0, Rgb([0, 0, 0]));
    img.put_pixel(1, 0, Rgb([200, 100, 40]));
    // Crop x maps to source x / 4: crop (2, 0) samples source (0.5, 0), halfway.
    let out = warp(&img, &Affine([[4.0, 0.0, 0.0], [0.0, 4.0, 0.0]]), 4).unwrap();
    assert_eq!(out.get_pixel(2, 0), &Rgb([100, 50, 20]));
    assert_eq!(out.get_pixel(1, 0), &Rgb([50, 25, 10]));
}

#[test]
fn warp_outside_the_source_is_black() {
    let img = RgbImage::from_pixel(4, 4, Rgb([255, 255, 255]));
    let out = warp(&img, &Affine([[1.0, 0.0, 100.0], [0.0, 1.0, 100.0]]), 3).unwrap();
    assert!(out.pixels().all(|p| p.0 == [0, 0, 0]));
}
