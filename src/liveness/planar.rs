//! How far a face's landmark motion is from what a flat picture can do. Any picture (printed,
//! on a screen, held still, moved, turned away from the camera) maps its points from one frame
//! to the next by a homography: a plane seen by a pinhole camera. A head turning does not: the
//! nose moves across the cheeks. What is left after the best homography is that depth, plus
//! landmark noise.
//!
//! An affine map is the weaker model (a plane far from the camera): it cannot explain the
//! perspective of a picture turned close to the lens, which then reads as depth (a still face
//! warped as a picture turned 40 degrees in front of a webcam left 0.069 eye distances after the
//! best affine map: tests/challenge.rs). Hence the homography here.

use crate::align::fit_affine;

/// A 3 x 3 projective map with its last entry fixed to 1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Homography(pub [[f64; 3]; 3]);

impl Homography {
    /// Maps a point; `None` where it goes to infinity.
    pub fn apply(&self, [x, y]: [f64; 2]) -> Option<[f64; 2]> {
        let m = self.0;
        let w = m[2][0] * x + m[2][1] * y + m[2][2];
        (w.abs() > 1e-12).then(|| {
            [
                (m[0][0] * x + m[0][1] * y + m[0][2]) / w,
                (m[1][0] * x + m[1][1] * y + m[1][2]) / w,
            ]
        })
    }
}

/// Points moved to their centroid and scaled to a mean distance of sqrt(2) from it (Hartley's
/// normalisation, which keeps the least-squares system well conditioned), with the scale and
/// centre used.
fn normalise(points: &[[f64; 2]]) -> Option<(Vec<[f64; 2]>, f64, [f64; 2])> {
    let n = points.len() as f64;
    let c = points
        .iter()
        .fold([0.0, 0.0], |a, p| [a[0] + p[0] / n, a[1] + p[1] / n]);
    let mean = points
        .iter()
        .map(|p| (p[0] - c[0]).hypot(p[1] - c[1]))
        .sum::<f64>()
        / n;
    if !(mean > 1e-9 && mean.is_finite()) {
        return None;
    }
    let s = std::f64::consts::SQRT_2 / mean;
    let out = points
        .iter()
        .map(|p| [(p[0] - c[0]) * s, (p[1] - c[1]) * s])
        .collect();
    Some((out, s, c))
}

/// Solves `a x = b` (8 x 8) by Gaussian elimination with partial pivoting; `None` if singular.
fn solve8(mut a: [[f64; 8]; 8], mut b: [f64; 8]) -> Option<[f64; 8]> {
    for col in 0..8 {
        let pivot = (col..8).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() < 1e-12 {
            return None;
        }
        a.swap(col, pivot);
        b.swap(col, pivot);
        let (top, rest) = a.split_at_mut(col + 1);
        let pivot_row = top[col];
        for (k, row) in rest.iter_mut().enumerate() {
            let f = row[col] / pivot_row[col];
            for (cell, p) in row.iter_mut().zip(&pivot_row).skip(col) {
                *cell -= f * p;
            }
            b[col + 1 + k] -= f * b[col];
        }
    }
    let mut x = [0.0; 8];
    for row in (0..8).rev() {
        let tail: f64 = (row + 1..8).map(|k| a[row][k] * x[k]).sum();
        x[row] = (b[row] - tail) / a[row][row];
    }
    x.iter().all(|v| v.is_finite()).then_some(x)
}

/// The homography that best maps `src` onto `dst` (least squares on the linearised equations,
/// in normalised coordinates). `None` for fewer than 5 pairs or a degenerate set.
pub fn fit_homography(src: &[[f64; 2]], dst: &[[f64; 2]]) -> Option<Homography> {
    if src.len() != dst.len() || src.len() < 5 {
        return None;
    }
    let (ns, ss, cs) = normalise(src)?;
    let (nd, sd, cd) = normalise(dst)?;
    // Each pair gives two rows of [h11 h12 h13 h21 h22 h23 h31 h32] . x = u (or v).
    let (mut ata, mut atb) = ([[0.0f64; 8]; 8], [0.0f64; 8]);
    for (p, q) in ns.iter().zip(&nd) {
        let [x, y] = *p;
        let [u, v] = *q;
        for (row, rhs) in [
            ([x, y, 1.0, 0.0, 0.0, 0.0, -x * u, -y * u], u),
            ([0.0, 0.0, 0.0, x, y, 1.0, -x * v, -y * v], v),
        ] {
            for i in 0..8 {
                for j in 0..8 {
                    ata[i][j] += row[i] * row[j];
                }
                atb[i] += row[i] * rhs;
            }
        }
    }
    let h = solve8(ata, atb)?;
    let hn = [[h[0], h[1], h[2]], [h[3], h[4], h[5]], [h[6], h[7], 1.0]];
    // Undo the normalisations: H = Td^-1 . Hn . Ts.
    let ts = [
        [ss, 0.0, -ss * cs[0]],
        [0.0, ss, -ss * cs[1]],
        [0.0, 0.0, 1.0],
    ];
    let td_inv = [
        [1.0 / sd, 0.0, cd[0]],
        [0.0, 1.0 / sd, cd[1]],
        [0.0, 0.0, 1.0],
    ];
    let mul = |a: [[f64; 3]; 3], b: [[f64; 3]; 3]| {
        let mut m = [[0.0; 3]; 3];
        for (i, row) in m.iter_mut().enumerate() {
            for (j, cell) in row.iter_mut().enumerate() {
                *cell = (0..3).map(|k| a[i][k] * b[k][j]).sum();
            }
        }
        m
    };
    let m = mul(td_inv, mul(hn, ts));
    (m[2][2].abs() > 1e-12).then(|| Homography(m.map(|r| r.map(|v| v / m[2][2]))))
}

/// The RMS distance of `dst` from the best homography image of `src`, over `scale`: what no flat
/// picture can produce. `None` for a degenerate set or scale.
pub fn homography_residual(src: &[[f64; 2]], dst: &[[f64; 2]], scale: f64) -> Option<f64> {
    let h = fit_homography(src, dst)?;
    let mut sum = 0.0;
    for (s, d) in src.iter().zip(dst) {
        let [x, y] = h.apply(*s)?;
        sum += (x - d[0]).powi(2) + (y - d[1]).powi(2);
    }
    (scale > 0.0).then(|| (sum / src.len() as f64).sqrt() / scale)
}

/// The same after the best affine map: for five landmarks, too few for a homography to leave
/// anything to measure. `None` for a degenerate set or scale.
pub fn affine_residual(src: &[[f64; 2]], dst: &[[f64; 2]], scale: f64) -> Option<f64> {
    let m = fit_affine(src, dst)?;
    let sum: f64 = src
        .iter()
        .zip(dst)
        .map(|(s, d)| {
            let [x, y] = m.apply(*s);
            (x - d[0]).powi(2) + (y - d[1]).powi(2)
        })
        .sum();
    (scale > 0.0 && !src.is_empty()).then(|| (sum / src.len() as f64).sqrt() / scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid() -> Vec<[f64; 2]> {
        (0..49)
            .map(|i| [(i % 7) as f64 * 20.0 + 100.0, (i / 7) as f64 * 25.0 + 80.0])
            .collect()
    }

    #[test]
    fn a_projective_map_of_a_plane_leaves_nothing_and_an_affine_fit_does() {
        let h = Homography([
            [1.1, 0.05, 4.0],
            [-0.02, 0.95, -3.0],
            [0.0008, -0.0004, 1.0],
        ]);
        let src = grid();
        let dst: Vec<[f64; 2]> = src.iter().map(|p| h.apply(*p).unwrap()).collect();
        let r = homography_residual(&src, &dst, 60.0).unwrap();
        assert!(r < 1e-6, "{r}");
        assert!(affine_residual(&src, &dst, 60.0).unwrap() > 0.01);
    }

    #[test]
    fn points_moving_off_the_plane_leave_a_residual() {
        let src = grid();
        let mut dst = src.clone();
        for p in dst.iter_mut().skip(20).take(8) {
            p[0] += 9.0;
        }
        assert!(homography_residual(&src, &dst, 60.0).unwrap() > 0.02);
    }

    #[test]
    fn degenerate_sets_give_none() {
        let same = vec![[5.0, 5.0]; 10];
        assert!(fit_homography(&same, &same).is_none());
        assert!(fit_homography(&grid()[..4], &grid()[..4]).is_none());
        assert!(homography_residual(&grid(), &grid(), 0.0).is_none());
    }
}
