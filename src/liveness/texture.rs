//! Two cues read straight from the face's pixels, with no model: occlusion (FACE_IS_OCCLUDED:
//! a mask, a hand, a scarf over the lower face) and the spectrum of the skin texture, where a
//! face re-photographed from a screen shows the screen's pixel grid as moire.
//!
//! Both are placed by the five landmarks, in units of the eye distance, so they do not depend on
//! how large the face is in the frame. docs/liveness.md has how each was measured.

use image::RgbImage;

use crate::detect::Face;

/// A point `along` eye distances along the eye line and `up` eye distances above the eye line
/// (perpendicular to it), from `origin`.
fn offset(face: &Face, origin: [f32; 2], along: f32, up: f32) -> [f32; 2] {
    let [le, re, ..] = face.landmarks;
    let (dx, dy) = (re[0] - le[0], re[1] - le[1]);
    // (dx, dy) is one eye distance along the eye line; (dy, -dx) one eye distance "up".
    [
        origin[0] + along * dx + up * dy,
        origin[1] + along * dy - up * dx,
    ]
}

/// The pixels of the axis-aligned square of `side` centred at `c`, clipped to the image.
fn patch(image: &RgbImage, c: [f32; 2], side: f32) -> impl Iterator<Item = [u8; 3]> + '_ {
    let half = side / 2.0;
    let (w, h) = (image.width() as f32, image.height() as f32);
    let x0 = (c[0] - half).max(0.0).min(w) as u32;
    let x1 = (c[0] + half).max(0.0).min(w) as u32;
    let y0 = (c[1] - half).max(0.0).min(h) as u32;
    let y1 = (c[1] + half).max(0.0).min(h) as u32;
    (y0..y1).flat_map(move |y| (x0..x1).map(move |x| image.get_pixel(x, y).0))
}

/// Whether a pixel's chroma lies in the skin range of Chai & Ngan (1999), YCbCr (Rec. 601):
/// 77 <= Cb <= 127 and 133 <= Cr <= 173. It holds across skin tones, which differ mostly in
/// luma, and fails for fabric, paper, plastic, and for a colour cast or a grey picture (which is
/// why occlusion is measured against the face's own upper part, below).
fn is_skin([r, g, b]: [u8; 3]) -> bool {
    let (r, g, b) = (f32::from(r), f32::from(g), f32::from(b));
    let cb = 128.0 - 0.168_736 * r - 0.331_264 * g + 0.5 * b;
    let cr = 128.0 + 0.5 * r - 0.418_688 * g - 0.081_312 * b;
    (77.0..=127.0).contains(&cb) && (133.0..=173.0).contains(&cr)
}

/// Fraction of pixels that are not skin over some patches; `None` when they hold no pixel.
fn non_skin(image: &RgbImage, centres: &[[f32; 2]], side: f32) -> Option<f64> {
    let (mut total, mut other) = (0u64, 0u64);
    for c in centres {
        for px in patch(image, *c, side) {
            total += 1;
            other += u64::from(!is_skin(px));
        }
    }
    (total > 0).then(|| other as f64 / total as f64)
}

/// Side of the occlusion patches, in eye distances.
const PATCH: f32 = 0.3;

/// How much more of the lower face (nose, both cheeks, chin) than of the forehead between the
/// brows is not skin-coloured: 0 for a bare face, near 1 for a face mask. Measured against the
/// forehead so that a colour cast or a grey picture (where nothing is skin-coloured) reads 0, not
/// "occluded". `None` for a face whose patches fall outside the image.
pub fn occlusion(image: &RgbImage, face: &Face) -> Option<f64> {
    let [le, re, nose, ml, mr] = face.landmarks;
    let iod = crate::detect::eye_distance(face);
    if iod.is_nan() || iod < 4.0 {
        return None;
    }
    let side = PATCH * iod;
    let mid_eyes = [(le[0] + re[0]) / 2.0, (le[1] + re[1]) / 2.0];
    let mid_mouth = [(ml[0] + mr[0]) / 2.0, (ml[1] + mr[1]) / 2.0];
    let upper = [offset(face, mid_eyes, 0.0, 0.45)];
    let lower = [
        nose,
        // Cheeks: between each eye and the mouth corner below it, a little outward.
        offset(
            face,
            [(le[0] + ml[0]) / 2.0, (le[1] + ml[1]) / 2.0],
            -0.12,
            0.0,
        ),
        offset(
            face,
            [(re[0] + mr[0]) / 2.0, (re[1] + mr[1]) / 2.0],
            0.12,
            0.0,
        ),
        // Chin: below the mouth.
        offset(face, mid_mouth, 0.0, -0.35),
    ];
    let up = non_skin(image, &upper, side)?;
    let low = non_skin(image, &lower, side)?;
    Some((low - up).max(0.0))
}

/// Side of the texture window, in pixels at the image's own resolution (no resampling: a
/// screen's pixel grid is what is looked for, and resizing would blur it away).
pub const TEXTURE_WINDOW: usize = 64;

/// Spectrum of the skin texture around the nose: the share of the (windowed, mean-removed) grey
/// level's energy at spatial frequencies from 0.25 to 0.5 cycles per pixel, where a camera
/// looking at a screen records the screen's pixel grid as moire and a camera looking at skin
/// records little but noise. `None` when the window does not fit in the image.
pub fn high_frequency_energy(image: &RgbImage, face: &Face) -> Option<f64> {
    let n = TEXTURE_WINDOW;
    let [_, _, nose, ..] = face.landmarks;
    let (w, h) = (image.width() as usize, image.height() as usize);
    if w < n || h < n || nose[0].is_nan() || nose[1].is_nan() {
        return None;
    }
    let x0 = (nose[0] as isize - n as isize / 2).clamp(0, (w - n) as isize) as usize;
    let y0 = (nose[1] as isize - n as isize / 2).clamp(0, (h - n) as isize) as usize;
    let mut grey = vec![0f64; n * n];
    for (i, v) in grey.iter_mut().enumerate() {
        let p = image.get_pixel((x0 + i % n) as u32, (y0 + i / n) as u32).0;
        *v = 0.299 * f64::from(p[0]) + 0.587 * f64::from(p[1]) + 0.114 * f64::from(p[2]);
    }
    let mean = grey.iter().sum::<f64>() / grey.len() as f64;
    // A Hann window keeps the window's edges from adding energy at every frequency.
    let hann: Vec<f64> = (0..n)
        .map(|i| 0.5 - 0.5 * (std::f64::consts::TAU * i as f64 / n as f64).cos())
        .collect();
    for (i, v) in grey.iter_mut().enumerate() {
        *v = (*v - mean) * hann[i % n] * hann[i / n];
    }
    let power = power_spectrum(&grey, n);
    let (mut high, mut total) = (0.0, 0.0);
    for (k, p) in power.iter().enumerate() {
        let (u, v) = (frequency(k % n, n), frequency(k / n, n));
        let r = u.hypot(v);
        if r == 0.0 {
            continue;
        }
        total += p;
        if r >= 0.25 {
            high += p;
        }
    }
    (total > 0.0).then(|| high / total)
}

/// Signed frequency, in cycles per pixel, of DFT bin `k` of `n`.
fn frequency(k: usize, n: usize) -> f64 {
    let k = if k > n / 2 {
        k as f64 - n as f64
    } else {
        k as f64
    };
    k / n as f64
}

/// |DFT|^2 of an `n` x `n` real image, by two passes of a direct 1-D DFT (rows, then columns):
/// n^3 operations, about 0.5 M for the 64 x 64 window, well under a millisecond.
fn power_spectrum(data: &[f64], n: usize) -> Vec<f64> {
    let (cos, sin): (Vec<f64>, Vec<f64>) = (0..n)
        .map(|k| {
            let a = std::f64::consts::TAU * k as f64 / n as f64;
            (a.cos(), -a.sin())
        })
        .unzip();
    // Rows.
    let mut re = vec![0f64; n * n];
    let mut im = vec![0f64; n * n];
    for y in 0..n {
        for k in 0..n {
            let (mut sr, mut si) = (0.0, 0.0);
            for x in 0..n {
                let t = (k * x) % n;
                let v = data[y * n + x];
                sr += v * cos[t];
                si += v * sin[t];
            }
            re[y * n + k] = sr;
            im[y * n + k] = si;
        }
    }
    // Columns.
    let mut power = vec![0f64; n * n];
    for x in 0..n {
        for k in 0..n {
            let (mut sr, mut si) = (0.0, 0.0);
            for y in 0..n {
                let t = (k * y) % n;
                let (a, b) = (re[y * n + x], im[y * n + x]);
                // (a + ib)(c + id) with c = cos, d = sin.
                sr += a * cos[t] - b * sin[t];
                si += a * sin[t] + b * cos[t];
            }
            power[k * n + x] = sr * sr + si * si;
        }
    }
    power
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::BBox;
    use image::Rgb;

    fn face() -> Face {
        Face {
            bbox: BBox {
                x1: 60.0,
                y1: 50.0,
                x2: 180.0,
                y2: 200.0,
            },
            score: 0.99,
            landmarks: [
                [95.0, 100.0],
                [145.0, 100.0],
                [120.0, 130.0],
                [100.0, 160.0],
                [140.0, 160.0],
            ],
        }
    }

    const SKIN: Rgb<u8> = Rgb([200, 150, 120]);

    #[test]
    fn a_bare_face_is_not_occluded_and_a_mask_is() {
        let f = face();
        let mut img = RgbImage::from_pixel(240, 260, SKIN);
        assert!(is_skin(SKIN.0));
        assert_eq!(occlusion(&img, &f), Some(0.0));
        // A light-blue surgical mask from just under the eyes to below the chin.
        for y in 115..230 {
            for x in 70..170 {
                img.put_pixel(x, y, Rgb([150, 190, 220]));
            }
        }
        let v = occlusion(&img, &f).unwrap_or(0.0);
        assert!(v > 0.9, "{v}");
    }

    #[test]
    fn a_grey_picture_is_not_called_occluded() {
        let img = RgbImage::from_pixel(240, 260, Rgb([128, 128, 128]));
        assert_eq!(occlusion(&img, &face()), Some(0.0));
    }

    #[test]
    fn a_fine_grid_has_high_frequency_energy_and_a_smooth_ramp_has_none() {
        let grid = RgbImage::from_fn(200, 200, |x, y| {
            let v = if (x / 2 + y / 2) % 2 == 0 { 90 } else { 170 };
            Rgb([v, v, v])
        });
        let ramp = RgbImage::from_fn(200, 200, |x, _| {
            let v = (x / 2) as u8;
            Rgb([v, v, v])
        });
        let g = high_frequency_energy(&grid, &face()).unwrap_or(0.0);
        let r = high_frequency_energy(&ramp, &face()).unwrap_or(1.0);
        assert!(g > 0.9, "{g}");
        assert!(r < 0.01, "{r}");
    }

    #[test]
    fn a_window_larger_than_the_image_gives_none() {
        let img = RgbImage::from_pixel(40, 40, SKIN);
        assert_eq!(high_frequency_energy(&img, &face()), None);
    }
}
