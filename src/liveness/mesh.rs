//! MediaPipe's face mesh (468 points), for the 3D evidence of a head turn: a face turning in
//! front of the camera moves its nose, eye corners and outline against each other in a way no
//! flat picture moved, tilted or bent does. Five detector landmarks are too few to see it
//! reliably (docs/liveness.md: prints accepted 14% against 3% at the same live acceptance).
//!
//! The crop is the model's: a square of side [`SIDE`] D, centred [`CENTRE_BELOW`] D below the
//! eye midpoint, turned so the eye line is level (D the larger of the eye distance and the
//! eye-to-mouth distance), 192 x 192 RGB in [0, 1], edges replicated; measured against
//! MediaPipe's own converged tracking crop (tools/mediapipe/README.md).

use image::RgbImage;

use crate::detect::Face;
use crate::error::{Error, Result};
use crate::models::{run_plan, verify, LazyPlan, MeshSpec};

/// Crop side, in D.
pub const SIDE: f64 = 3.6;
/// Crop centre below the eye midpoint, in D.
pub const CENTRE_BELOW: f64 = 0.4;

/// The mesh points used for motion fits: the face outline, nose tip and bridge, eye corners and
/// mouth corners (points that lie on the face's surface and move rigidly with the head).
pub const STABLE: [usize; 49] = [
    10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377, 152,
    148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109, 1, 6, 168, 197,
    195, 5, 4, 33, 133, 263, 362, 61, 291,
];

/// The outer eye corners (subject's right, left), for the eye distance.
pub const EYE_CORNERS: [usize; 2] = [33, 263];

/// The face mesh model with its plan.
pub struct FaceMesh {
    spec: MeshSpec,
    plan: LazyPlan,
}

/// The crop's placement: centre, side and rotation (radians).
#[derive(Debug, Clone, Copy)]
struct Roi {
    cx: f64,
    cy: f64,
    side: f64,
    angle: f64,
}

impl FaceMesh {
    /// Loads the model after checking its SHA-256.
    ///
    /// # Errors
    /// `MODEL_HASH_MISMATCH`, `INFERENCE_FAILED`.
    pub fn new(spec: MeshSpec, onnx: &[u8]) -> Result<Self> {
        verify(&spec.file, onnx)?;
        let s = spec.input_size as usize;
        let plan = LazyPlan::parse(onnx, [1, s, s, 3])?;
        Ok(FaceMesh { spec, plan })
    }

    /// The model's plan, to optimise ahead of use.
    pub(crate) fn plan(&self) -> &LazyPlan {
        &self.plan
    }

    /// The 468 points (x, y in image pixels) of `face`.
    ///
    /// # Errors
    /// `NO_FACE` for degenerate landmarks; `INFERENCE_FAILED`.
    pub fn landmarks(&self, image: &RgbImage, face: &Face) -> Result<Vec<[f32; 2]>> {
        let roi = roi(face).ok_or_else(|| Error::NoFace {
            which: "given".into(),
        })?;
        let n = self.spec.input_size as usize;
        let input = sample(image, roi, n);
        let out = run_plan(self.plan.get()?, [1, n, n, 3], &input)?;
        if out.len() < 468 * 3 {
            return Err(Error::inference(
                "the face mesh model gave fewer than 468 points",
            ));
        }
        let scale = roi.side / n as f64;
        let (sin, cos) = roi.angle.sin_cos();
        Ok(out
            .chunks_exact(3)
            .take(468)
            .map(|p| {
                let (u, v) = (
                    (f64::from(p[0]) - n as f64 / 2.0) * scale,
                    (f64::from(p[1]) - n as f64 / 2.0) * scale,
                );
                [
                    (roi.cx + cos * u - sin * v) as f32,
                    (roi.cy + sin * u + cos * v) as f32,
                ]
            })
            .collect())
    }
}

/// The crop for a face from its five landmarks; `None` when they are degenerate.
fn roi(face: &Face) -> Option<Roi> {
    let p = face.landmarks.map(|[x, y]| [f64::from(x), f64::from(y)]);
    let (le, re) = (p[0], p[1]);
    let em = [(le[0] + re[0]) / 2.0, (le[1] + re[1]) / 2.0];
    let mm = [(p[3][0] + p[4][0]) / 2.0, (p[3][1] + p[4][1]) / 2.0];
    let angle = (re[1] - le[1]).atan2(re[0] - le[0]);
    let d = (re[0] - le[0])
        .hypot(re[1] - le[1])
        .max((mm[0] - em[0]).hypot(mm[1] - em[1]));
    if !(d.is_finite() && d >= 2.0) {
        return None;
    }
    // Down the face: the eye line's normal.
    let (sin, cos) = angle.sin_cos();
    let (nx, ny) = (-sin, cos);
    Some(Roi {
        cx: em[0] + CENTRE_BELOW * d * nx,
        cy: em[1] + CENTRE_BELOW * d * ny,
        side: SIDE * d,
        angle,
    })
}

/// The crop as NHWC floats in [0, 1]: each output pixel is the bilinear sample (edges
/// replicated) at its source position, averaged over a k x k grid when the crop shrinks by k or
/// more, so that a large face is not aliased.
fn sample(image: &RgbImage, roi: Roi, n: usize) -> Vec<f32> {
    let (w, h) = image.dimensions();
    let mut out = vec![0f32; n * n * 3];
    if w == 0 || h == 0 {
        return out;
    }
    let scale = roi.side / n as f64;
    let k = scale.floor().max(1.0) as usize;
    let (sin, cos) = roi.angle.sin_cos();
    let px = |x: f64, y: f64| -> [f64; 3] {
        let x = x.clamp(0.0, f64::from(w - 1));
        let y = y.clamp(0.0, f64::from(h - 1));
        let (x0, y0) = (x.floor() as u32, y.floor() as u32);
        let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
        let (fx, fy) = (x - f64::from(x0), y - f64::from(y0));
        let g = |xx, yy| image.get_pixel(xx, yy).0.map(f64::from);
        let (a, b, c, d) = (g(x0, y0), g(x1, y0), g(x0, y1), g(x1, y1));
        let mut v = [0.0; 3];
        for i in 0..3 {
            let top = a[i] + (b[i] - a[i]) * fx;
            let bottom = c[i] + (d[i] - c[i]) * fx;
            v[i] = top + (bottom - top) * fy;
        }
        v
    };
    for row in 0..n {
        for col in 0..n {
            let mut acc = [0.0; 3];
            for sy in 0..k {
                for sx in 0..k {
                    // Crop coordinates centred on the crop, in source pixels.
                    let u =
                        (col as f64 + (sx as f64 + 0.5) / k as f64 - 0.5 - (n as f64 - 1.0) / 2.0)
                            * scale;
                    let v =
                        (row as f64 + (sy as f64 + 0.5) / k as f64 - 0.5 - (n as f64 - 1.0) / 2.0)
                            * scale;
                    let s = px(roi.cx + cos * u - sin * v, roi.cy + sin * u + cos * v);
                    for (a, v) in acc.iter_mut().zip(s) {
                        *a += v;
                    }
                }
            }
            let base = (row * n + col) * 3;
            for (i, a) in acc.iter().enumerate() {
                if let Some(slot) = out.get_mut(base + i) {
                    *slot = (a / (k * k) as f64 / 255.0) as f32;
                }
            }
        }
    }
    out
}
