//! Face embedding: an aligned crop in, an L2-normalised vector out.
//!
//! The crop is produced by [`crate::align`] with the embedder's own template and size; this module
//! only turns pixels into the network's tensor, as the manifest entry describes, and runs it.
//! An [`Encoder`] is what the pipeline holds: one embedder, or a fusion of several whose vectors
//! are joined so that one cosine is the fused similarity.

use image::RgbImage;

use crate::align::{similarity_transform, warp};
use crate::detect::Face;
use crate::error::{Error, Result};
use crate::models::{load_plan, run_plan, ColorOrder, EmbedderSpec, EmbeddingSpec, Metric, Plan};

/// One embedder, or a fusion of several, behind one face vector.
pub struct Encoder {
    spec: EmbeddingSpec,
    members: Vec<Embedder>,
}

impl Encoder {
    /// Loads every member from its ONNX bytes (already hash-checked by the caller), in the
    /// order of `spec.members`.
    ///
    /// # Errors
    /// `BAD_PARAMETER` when the number of files is not the number of members;
    /// `INFERENCE_FAILED` if tract cannot load one.
    pub fn new(spec: EmbeddingSpec, onnx: &[&[u8]]) -> Result<Self> {
        if onnx.len() != spec.members.len() {
            return Err(Error::bad_parameter(
                "embedders",
                format!(
                    "`{}` needs {} embedder files, got {}",
                    spec.id,
                    spec.members.len(),
                    onnx.len()
                ),
            ));
        }
        let members = spec
            .members
            .iter()
            .zip(onnx)
            .map(|(m, bytes)| Embedder::new(m.clone(), bytes))
            .collect::<Result<Vec<_>>>()?;
        Ok(Encoder { spec, members })
    }

    /// What this encoder is: its id, members, metric and calibration.
    pub fn spec(&self) -> &EmbeddingSpec {
        &self.spec
    }

    /// The member networks, in order.
    pub fn members(&self) -> &[Embedder] {
        &self.members
    }

    /// Each member's aligned crop for `face`, in member order.
    ///
    /// # Errors
    /// As [`Embedder::align`].
    pub fn align(&self, image: &RgbImage, face: &Face) -> Result<Vec<RgbImage>> {
        self.members.iter().map(|m| m.align(image, face)).collect()
    }

    /// The face vector of the crops [`Encoder::align`] gave. One member: its embedding as it
    /// is. Several: each member's unit vector scaled by the square root of its share of the
    /// weights, joined; the result has unit length, and the cosine of two such vectors is the
    /// weighted mean of the members' cosines (see [`crate::models::FusionSpec`]).
    ///
    /// # Errors
    /// `BAD_PARAMETER` for a wrong number or size of crops; `INFERENCE_FAILED`.
    pub fn embed(&self, crops: &[RgbImage]) -> Result<Vec<f32>> {
        if crops.len() != self.members.len() {
            return Err(Error::bad_parameter(
                "crops",
                format!("need {}, got {}", self.members.len(), crops.len()),
            ));
        }
        if let ([member], [crop]) = (self.members.as_slice(), crops) {
            return member.embed(crop);
        }
        let parts = self
            .members
            .iter()
            .zip(crops)
            .map(|(member, crop)| member.embed(crop))
            .collect::<Result<Vec<_>>>()?;
        Ok(join(&parts, &self.spec.weights))
    }
}

/// The members' vectors, each L2-normalised and scaled by the square root of its share of the
/// weights, one after another. The result has unit length, and the cosine of two joined vectors
/// is `sum(weight_i * cosine_i) / sum(weight_i)`.
pub fn join(parts: &[Vec<f32>], weights: &[f64]) -> Vec<f32> {
    let total: f64 = weights.iter().sum();
    parts
        .iter()
        .zip(weights)
        .flat_map(|(part, weight)| {
            let share = (weight / total).sqrt() as f32;
            l2_normalize(part).into_iter().map(move |x| x * share)
        })
        .collect()
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::cosine;

    #[test]
    fn the_cosine_of_joined_vectors_is_the_weighted_mean_of_the_members_cosines() {
        let (a1, b1) = (vec![1.0, 2.0, 3.0], vec![3.0, -1.0, 2.0]);
        let (a2, b2) = (vec![0.5, -4.0], vec![1.0, -1.0]);
        let weights = [28.0, 146.0];
        let joined = cosine(
            &join(&[a1.clone(), a2.clone()], &weights),
            &join(&[b1.clone(), b2.clone()], &weights),
        );
        let expected = (28.0 * cosine(&a1, &b1) + 146.0 * cosine(&a2, &b2)) / 174.0;
        assert!((joined - expected).abs() < 1e-6, "{joined} vs {expected}");
        let norm: f64 = join(&[a1, a2], &weights)
            .iter()
            .map(|x| f64::from(*x).powi(2))
            .sum();
        assert!((norm - 1.0).abs() < 1e-6);
    }
}
