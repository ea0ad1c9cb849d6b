//! Face embedding: an aligned crop in, an L2-normalised vector out.
//!
//! The crop is produced by [`crate::align`] with the embedder's own template and size; this module
//! only turns pixels into the network's tensor, as the manifest entry describes, and runs it.

use image::RgbImage;

use crate::align::{similarity_transform, warp};
use crate::detect::Face;
use crate::error::{Error, Result};
use crate::models::{load_plan, run_plan, ColorOrder, EmbedderSpec, Metric, Plan};

/// An embedding network with its optimised plan.
pub struct Embedder {
    spec: EmbedderSpec,
    plan: Plan,
}

impl Embedder {
    /// Parses and optimises the ONNX bytes (already hash-checked by the caller) for the fixed
    /// input size the manifest gives.
    ///
    /// # Errors
    /// `INFERENCE_FAILED` if tract cannot load the model.
    pub fn new(spec: EmbedderSpec, onnx: &[u8]) -> Result<Self> {
        let s = spec.input_size as usize;
        let plan = load_plan(onnx, [1, 3, s, s])?;
        Ok(Embedder { spec, plan })
    }

    /// The manifest entry this embedder was built from.
    pub fn spec(&self) -> &EmbedderSpec {
        &self.spec
    }

    /// The aligned crop for `face`: the similarity transform from its landmarks to the template,
    /// warped to `input_size` pixels.
    ///
    /// # Errors
    /// `NO_FACE` when the landmarks are degenerate (all in one point), which no real face gives.
    pub fn align(&self, image: &RgbImage, face: &Face) -> Result<RgbImage> {
        let src = face.landmarks.map(|[x, y]| [f64::from(x), f64::from(y)]);
        let dst = self
            .spec
            .template
            .map(|[x, y]| [f64::from(x), f64::from(y)]);
        similarity_transform(&src, &dst)
            .and_then(|m| warp(image, &m, self.spec.input_size))
            .ok_or_else(|| Error::NoFace {
                which: "given".into(),
            })
    }

    /// The embedding of an aligned crop as the metric wants it: L2-normalised for cosine, raw for
    /// Euclidean (averaged with its mirror image when the manifest asks for it).
    ///
    /// # Errors
    /// `BAD_PARAMETER` when the crop is not `input_size` square; `INFERENCE_FAILED`.
    pub fn embed(&self, crop: &RgbImage) -> Result<Vec<f32>> {
        let mut v = self.run(crop)?;
        if self.spec.flip_average {
            let mirrored = self.run(&image::imageops::flip_horizontal(crop))?;
            for (a, b) in v.iter_mut().zip(mirrored) {
                *a = (*a + b) / 2.0;
            }
        }
        Ok(match self.spec.metric {
            Metric::Cosine => l2_normalize(&v),
            Metric::Euclidean => v,
        })
    }

    /// One network run: the raw (not L2-normalised) output for a crop, as the original
    /// framework would give it. Used for parity checks against the model's source.
    ///
    /// # Errors
    /// `BAD_PARAMETER` when the crop is not `input_size` square; `INFERENCE_FAILED`.
    pub fn run(&self, crop: &RgbImage) -> Result<Vec<f32>> {
        let side = self.spec.input_size;
        if crop.dimensions() != (side, side) {
            return Err(Error::bad_parameter(
                "crop",
                format!(
                    "must be {side}x{side}, got {}x{}",
                    crop.width(),
                    crop.height()
                ),
            ));
        }
        let n = (side * side) as usize;
        let norm = self.spec.normalization;
        let order = match self.spec.color {
            ColorOrder::Rgb => [0, 1, 2],
            ColorOrder::Bgr => [2, 1, 0],
        };
        let mut data = vec![0f32; 3 * n];
        for (i, px) in crop.pixels().enumerate() {
            for c in 0..3 {
                data[c * n + i] = (f32::from(px.0[order[c]]) - norm.mean[c]) / norm.std[c];
            }
        }
        let s = side as usize;
        let v = run_plan(&self.plan, [1, 3, s, s], &data)?;
        if v.len() != self.spec.dimensions {
            return Err(Error::inference(format!(
                "embedder output has {} values, the manifest says {}",
                v.len(),
                self.spec.dimensions
            )));
        }
        Ok(v)
    }
}

/// `v / |v|`; a zero vector stays zero rather than becoming NaN.
pub fn l2_normalize(v: &[f32]) -> Vec<f32> {
    let norm = v.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
    if norm > 0.0 && norm.is_finite() {
        v.iter().map(|x| (f64::from(*x) / norm) as f32).collect()
    } else {
        vec![0.0; v.len()]
    }
}
