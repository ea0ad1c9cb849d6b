//! Face alignment: a least-squares similarity transform from the five detected landmarks to the
//! embedder's template, then a bilinear warp into the template-sized crop.
//!
//! Embedders are trained on crops made exactly this way; a crop that is shifted or scaled by a few
//! pixels relative to the training template costs measurable accuracy, so the transform is the
//! closed-form least-squares fit over all five points (not the three-point affine that some
//! JavaScript ports use), and no reflection is allowed.

use image::{Rgb, RgbImage};

/// A 2 x 3 affine matrix mapping source (x, y) to destination `(a*x + b*y + c, d*x + e*y + f)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Affine(pub [[f64; 3]; 2]);

impl Affine {
    /// Applies the transform to a point.
    pub fn apply(&self, [x, y]: [f64; 2]) -> [f64; 2] {
        let m = self.0;
        [
            m[0][0] * x + m[0][1] * y + m[0][2],
            m[1][0] * x + m[1][1] * y + m[1][2],
        ]
    }

    /// The inverse transform, or `None` when the matrix is singular (all landmarks coincide).
    pub fn invert(&self) -> Option<Affine> {
        let [[a, b, c], [d, e, f]] = self.0;
        let det = a * e - b * d;
        if det.abs() < 1e-12 || !det.is_finite() {
            return None;
        }
        let (ia, ib, id, ie) = (e / det, -b / det, -d / det, a / det);
        Some(Affine([
            [ia, ib, -(ia * c + ib * f)],
            [id, ie, -(id * c + ie * f)],
        ]))
    }
}

/// The similarity transform (rotation, uniform scale, translation) that maps `src` onto `dst`
/// with the least summed squared error.
///
/// With `p = s*cos(t)` and `q = s*sin(t)` the model is linear in `(p, q, tx, ty)`; centring both
/// point sets removes the translation and leaves a closed form. Returns `None` when the source
/// points all coincide (no scale or rotation can be recovered).
///
/// # Example
/// ```
/// use veriface::align::similarity_transform;
/// let src = [[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]];
/// let dst = [[10.0, 10.0], [12.0, 10.0], [10.0, 12.0]];
/// let m = similarity_transform(&src, &dst).unwrap();
/// assert!((m.apply([1.0, 1.0])[0] - 12.0).abs() < 1e-9);
/// ```
pub fn similarity_transform(src: &[[f64; 2]], dst: &[[f64; 2]]) -> Option<Affine> {
    let n = src.len().min(dst.len());
    if n < 2 {
        return None;
    }
    let mean = |pts: &[[f64; 2]]| {
        let (sx, sy) = pts
            .iter()
            .take(n)
            .fold((0.0, 0.0), |(ax, ay), p| (ax + p[0], ay + p[1]));
        [sx / n as f64, sy / n as f64]
    };
    let (ms, md) = (mean(src), mean(dst));
    let (mut num_p, mut num_q, mut den) = (0.0, 0.0, 0.0);
    for (s, d) in src.iter().zip(dst).take(n) {
        let (x, y) = (s[0] - ms[0], s[1] - ms[1]);
        let (u, v) = (d[0] - md[0], d[1] - md[1]);
        num_p += x * u + y * v;
        num_q += x * v - y * u;
        den += x * x + y * y;
    }
    if den < 1e-12 || !den.is_finite() {
        return None;
    }
    let (p, q) = (num_p / den, num_q / den);
    let tx = md[0] - (p * ms[0] - q * ms[1]);
    let ty = md[1] - (q * ms[0] + p * ms[1]);
    Some(Affine([[p, -q, tx], [q, p, ty]]))
}

/// The general affine map (6 degrees of freedom) that maps `src` onto `dst` with the least summed
/// squared error (normal equations, Cramer's rule); `None` when the source points are collinear.
/// Liveness uses it to ask how much of a face's motion a flat picture could have made.
///
/// # Example
/// ```
/// use veriface::align::fit_affine;
/// let src = [[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]];
/// let dst = src.map(|[x, y]| [2.0 * x + 0.5 * y + 3.0, y - 1.0]);
/// let m = fit_affine(&src, &dst).unwrap();
/// assert!((m.apply([2.0, 2.0])[0] - 8.0).abs() < 1e-9);
/// ```
pub fn fit_affine(src: &[[f64; 2]], dst: &[[f64; 2]]) -> Option<Affine> {
    // Sums for the 3 x 3 normal matrix of rows (x, y, 1).
    let mut n = [[0.0f64; 3]; 3];
    let mut bx = [0.0f64; 3];
    let mut by = [0.0f64; 3];
    for (s, d) in src.iter().zip(dst) {
        let r = [s[0], s[1], 1.0];
        for i in 0..3 {
            for j in 0..3 {
                n[i][j] += r[i] * r[j];
            }
            bx[i] += r[i] * d[0];
            by[i] += r[i] * d[1];
        }
    }
    let det3 = |m: &[[f64; 3]; 3]| {
        m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
            - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
            + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
    };
    let det = det3(&n);
    if det.abs() < 1e-9 || !det.is_finite() {
        return None;
    }
    let solve = |b: &[f64; 3]| {
        let mut out = [0.0; 3];
        for (k, slot) in out.iter_mut().enumerate() {
            let mut m = n;
            for (row, value) in m.iter_mut().zip(b) {
                row[k] = *value;
            }
            *slot = det3(&m) / det;
        }
        out
    };
    Some(Affine([solve(&bx), solve(&by)]))
}

/// Warps `image` into a `size` x `size` crop: output pixel (x, y) takes the bilinear sample of the
/// source at `inverse(x, y)`, where `transform` maps source to crop coordinates. Pixel centres are
/// at integer coordinates (OpenCV's `warpAffine` convention); samples outside the source are black,
/// as the embedders saw during training.
pub fn warp(image: &RgbImage, transform: &Affine, size: u32) -> Option<RgbImage> {
    let inv = transform.invert()?;
    let (w, h) = image.dimensions();
    let mut out = RgbImage::new(size, size);
    for (x, y, px) in out.enumerate_pixels_mut() {
        let [sx, sy] = inv.apply([f64::from(x), f64::from(y)]);
        *px = bilinear(image, w, h, sx, sy);
    }
    Some(out)
}

/// Bilinear sample with a black border: neighbours outside the image contribute zero.
fn bilinear(image: &RgbImage, w: u32, h: u32, x: f64, y: f64) -> Rgb<u8> {
    if !(x > -1.0 && y > -1.0 && x < f64::from(w) && y < f64::from(h)) {
        return Rgb([0, 0, 0]);
    }
    let (x0, y0) = (x.floor(), y.floor());
    let (fx, fy) = (x - x0, y - y0);
    let mut acc = [0f64; 3];
    for (dy, wy) in [(0i64, 1.0 - fy), (1, fy)] {
        for (dx, wx) in [(0i64, 1.0 - fx), (1, fx)] {
            let (px, py) = (x0 as i64 + dx, y0 as i64 + dy);
            if px < 0 || py < 0 || px >= i64::from(w) || py >= i64::from(h) {
                continue;
            }
            let p = image.get_pixel(px as u32, py as u32).0;
            let weight = wx * wy;
            for c in 0..3 {
                acc[c] += weight * f64::from(p[c]);
            }
        }
    }
    Rgb(acc.map(|v| v.round().clamp(0.0, 255.0) as u8))
}
