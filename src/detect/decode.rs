//! RetinaFace's raw outputs into faces: the prior boxes the network regresses from, the box and
//! landmark decoding, and non-maximum suppression (highest score kept).

use super::{BBox, Face, PRE_NMS_TOP_K};
use crate::error::{Error, Result};

/// Prior boxes as (centre x, centre y, width, height), normalised to the input size, in the order
/// the network emits them: stride by stride, row by row, column by column, size by size.
pub fn priors(width: u32, height: u32, steps: &[u32], min_sizes: &[Vec<f32>]) -> Vec<[f32; 4]> {
    let (w, h) = (width as f32, height as f32);
    let mut out = Vec::new();
    for (&step, sizes) in steps.iter().zip(min_sizes) {
        let cols = width.div_ceil(step.max(1));
        let rows = height.div_ceil(step.max(1));
        for i in 0..rows {
            for j in 0..cols {
                for &size in sizes {
                    out.push([
                        (j as f32 + 0.5) * step as f32 / w,
                        (i as f32 + 0.5) * step as f32 / h,
                        size / w,
                        size / h,
                    ]);
                }
            }
        }
    }
    out
}

/// Raw network outputs and what is needed to decode them.
pub struct DecodeInput<'a> {
    /// N x 4 box regressions.
    pub loc: &'a [f32],
    /// N x 2 softmax scores (background, face).
    pub conf: &'a [f32],
    /// N x 10 landmark regressions.
    pub landmarks: &'a [f32],
    /// N priors from [`priors`].
    pub priors: &'a [[f32; 4]],
    /// Centre and size variances.
    pub variances: [f32; 2],
    /// Input width in pixels.
    pub width: f32,
    /// Input height in pixels.
    pub height: f32,
    /// Minimum face score kept.
    pub threshold: f32,
}

/// Decodes every prior whose face score reaches the threshold into a face in input pixels,
/// highest score first, at most [`PRE_NMS_TOP_K`] of them.
///
/// # Errors
/// `INFERENCE_FAILED` when the output lengths do not match the prior count, which would mean
/// the prior layout assumed here is wrong for the model.
pub fn decode(input: &DecodeInput<'_>) -> Result<Vec<Face>> {
    let n = input.priors.len();
    if input.loc.len() != n * 4 || input.conf.len() != n * 2 || input.landmarks.len() != n * 10 {
        return Err(Error::inference(format!(
            "detector outputs have {} boxes, {} scores and {} landmark sets for {} priors",
            input.loc.len() / 4,
            input.conf.len() / 2,
            input.landmarks.len() / 10,
            n
        )));
    }
    let [vc, vs] = input.variances;
    let mut faces = Vec::new();
    let rows = input
        .priors
        .iter()
        .zip(input.loc.chunks_exact(4))
        .zip(input.conf.chunks_exact(2))
        .zip(input.landmarks.chunks_exact(10));
    for (((p, l), c), lm) in rows {
        let score = c[1];
        if score < input.threshold || !score.is_finite() {
            continue;
        }
        let cx = p[0] + l[0] * vc * p[2];
        let cy = p[1] + l[1] * vc * p[3];
        let bw = p[2] * (l[2] * vs).exp();
        let bh = p[3] * (l[3] * vs).exp();
        let bbox = BBox {
            x1: (cx - bw / 2.0) * input.width,
            y1: (cy - bh / 2.0) * input.height,
            x2: (cx + bw / 2.0) * input.width,
            y2: (cy + bh / 2.0) * input.height,
        };
        let mut landmarks = [[0f32; 2]; 5];
        for (k, point) in landmarks.iter_mut().enumerate() {
            point[0] = (p[0] + lm[2 * k] * vc * p[2]) * input.width;
            point[1] = (p[1] + lm[2 * k + 1] * vc * p[3]) * input.height;
        }
        if bbox.area().is_finite() && bbox.area() > 0.0 {
            faces.push(Face {
                bbox,
                score,
                landmarks,
            });
        }
    }
    faces.sort_by(|a, b| b.score.total_cmp(&a.score));
    faces.truncate(PRE_NMS_TOP_K);
    Ok(faces)
}

/// Greedy non-maximum suppression: the highest-scoring face wins and every face overlapping it by
/// more than `iou` is dropped. Ties in score keep the earlier face, so the result is
/// deterministic.
pub fn nms(mut faces: Vec<Face>, iou: f32) -> Vec<Face> {
    faces.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut kept: Vec<Face> = Vec::with_capacity(faces.len().min(16));
    for face in faces {
        if kept.iter().all(|k| k.bbox.iou(&face.bbox) <= iou) {
            kept.push(face);
        }
    }
    kept
}
