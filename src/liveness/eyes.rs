//! Eye state, behind EYES_CLOSED and the blink of the active challenge: are the eyes open?
//!
//! Two measurements, fused, because each fails where the other holds (docs/liveness.md):
//! - the faceplugin eye classifier on a 24 x 24 grey patch per eye, averaged over the patch
//!   moved up and down by [`PATCH_SHIFT`] and over its mirror image (the classifier is sensitive
//!   to where the patch sits, mostly vertically): `z`, the mean logit of "open", both eyes;
//! - the eyelid aperture from MediaPipe's iris model (upper-to-lower lid distance over the eye's
//!   width): `g`, both eyes.
//!
//! The score is `z + APERTURE_WEIGHT * g`; the eyes are closed below the limit (6.5: on the dev
//! data it fires on 94.8% of closed eyes, 0 of 364 open-eyed webcam frames, 1.6% of open-eyed
//! video frames). When `z` alone clears [`IRIS_SKIP`], the iris model is not run and the score
//! reported is `z`, a lower bound (`g` is never negative).

use image::imageops::{self, FilterType};
use image::RgbImage;

use crate::detect::Face;
use crate::error::{Error, Result};
use crate::liveness::passive::{resize_bilinear, square};
use crate::models::{run_plan, verify, EyeSpec, LazyPlan, MeshSpec};

/// Side of the classifier's square eye patch, as a fraction of the eye distance.
pub const EYE_CROP: f32 = 0.5;

/// The patch is also taken this far above and below the eye landmark (fraction of the eye
/// distance, along the image's y axis).
pub const PATCH_SHIFT: f32 = 0.075;

/// The grey eye patch is normalised to this mean and standard deviation before the classifier
/// sees it: webcam eyes are darker and flatter than it expects.
pub const EYE_PATCH_MEAN_STD: (f32, f32) = (110.0, 45.0);

/// Side of the iris model's crop (fraction of the eye distance), centred [`IRIS_SHIFT`] below
/// the eye landmark.
pub const IRIS_CROP: f32 = 1.03;
/// See [`IRIS_CROP`].
pub const IRIS_SHIFT: f32 = 0.02;

/// Weight of the aperture in the score: one logit per 0.02 of aperture (the result is flat from
/// 30 to 150 on the dev data).
pub const APERTURE_WEIGHT: f64 = 50.0;

/// Above this `z` the eyes are open whatever the aperture: the iris model is skipped.
pub const IRIS_SKIP: f64 = 10.0;

/// The iris model's eye-contour points: the upper lid, and the lower-lid points facing them;
/// points 0 and 8 are the corners.
const UPPER: [usize; 5] = [10, 11, 12, 13, 14];
const LOWER: [usize; 5] = [2, 3, 4, 5, 6];

/// What the eye state says of one face.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EyeReading {
    /// Probability each eye (left, right as seen) is open, from the centred patch.
    pub open: [f32; 2],
    /// The fused score; closed below the EYES_CLOSED limit.
    pub score: f64,
}

/// The eye classifier and the iris model.
pub struct EyeState {
    spec: EyeSpec,
    plan: LazyPlan,
    iris_spec: MeshSpec,
    iris: LazyPlan,
}

impl EyeState {
    /// Loads both models after checking their SHA-256.
    ///
    /// # Errors
    /// `MODEL_HASH_MISMATCH`, `INFERENCE_FAILED`.
    pub fn new(spec: EyeSpec, onnx: &[u8], iris_spec: MeshSpec, iris_onnx: &[u8]) -> Result<Self> {
        verify(&spec.file, onnx)?;
        verify(&iris_spec.file, iris_onnx)?;
        let s = spec.input_size as usize;
        let i = iris_spec.input_size as usize;
        Ok(EyeState {
            plan: LazyPlan::parse(onnx, [1, 1, s, s])?,
            iris: LazyPlan::parse(iris_onnx, [1, i, i, 3])?,
            spec,
            iris_spec,
        })
    }

    /// The eye classifier's plan, to optimise ahead of use.
    pub(crate) fn eye_plan(&self) -> &LazyPlan {
        &self.plan
    }

    /// The iris model's plan, to optimise ahead of use.
    pub(crate) fn iris_plan(&self) -> &LazyPlan {
        &self.iris
    }

    /// Reads both eyes of `face`.
    ///
    /// # Errors
    /// `NO_FACE` for coincident eye landmarks; `INFERENCE_FAILED`.
    pub fn read(&self, image: &RgbImage, face: &Face) -> Result<EyeReading> {
        let [le, re, ..] = face.landmarks;
        let iod = (re[0] - le[0]).hypot(re[1] - le[1]);
        let no_face = || Error::NoFace {
            which: "given".into(),
        };
        let mut open = [0f32; 2];
        let mut z = 0.0;
        for (slot, eye) in open.iter_mut().zip([le, re]) {
            let mut sum = 0.0;
            for dy in [-PATCH_SHIFT, 0.0, PATCH_SHIFT] {
                let patch = self
                    .patch(image, eye[0], eye[1] + dy * iod, EYE_CROP * iod)
                    .ok_or_else(no_face)?;
                let s = self.spec.input_size as usize;
                let mirrored: Vec<f32> = (0..patch.len())
                    .map(|i| {
                        patch
                            .get((i / s) * s + (s - 1 - i % s))
                            .copied()
                            .unwrap_or(0.0)
                    })
                    .collect();
                for (k, view) in [patch, mirrored].iter().enumerate() {
                    let d = self.classify(view)?;
                    if dy == 0.0 && k == 0 {
                        *slot = (1.0 / (1.0 + (-d).exp())) as f32;
                    }
                    sum += d;
                }
            }
            z += sum / 6.0;
        }
        z /= 2.0;
        if z >= IRIS_SKIP {
            return Ok(EyeReading { open, score: z });
        }
        let mut g = 0.0;
        for (k, eye) in [le, re].iter().enumerate() {
            g += self
                .aperture(image, eye[0], eye[1], iod, k == 1)?
                .ok_or_else(no_face)?;
        }
        Ok(EyeReading {
            open,
            score: z + APERTURE_WEIGHT * g / 2.0,
        })
    }

    /// The 24 x 24 grey patch of side `side` centred at (`cx`, `cy`), normalised, row-major.
    fn patch(&self, image: &RgbImage, cx: f32, cy: f32, side: f32) -> Option<Vec<f32>> {
        let (x, y, side) = square(image, cx, cy, side)?;
        let region = imageops::crop_imm(image, x, y, side, side).to_image();
        let s = self.spec.input_size;
        let small = imageops::resize(&region, s, s, FilterType::Triangle);
        // OpenCV's BGR2GRAY weights (Rec. 601), as the package converts.
        let mut grey: Vec<f32> = small
            .pixels()
            .map(|p| {
                let [r, g, b] = p.0.map(f32::from);
                0.299 * r + 0.587 * g + 0.114 * b
            })
            .collect();
        normalise_patch(&mut grey);
        Some(grey)
    }

    /// The classifier's logit of "open" against "closed" for the eye in `patch`.
    fn classify(&self, patch: &[f32]) -> Result<f64> {
        let data: Vec<f32> = patch.iter().map(|v| v / self.spec.divisor).collect();
        let s = self.spec.input_size as usize;
        let logits = run_plan(self.plan.get()?, [1, 1, s, s], &data)?;
        let open = self.spec.open_class;
        match (logits.get(open), logits.get(1 - open.min(1))) {
            (Some(o), Some(c)) if logits.len() == 2 => Ok(f64::from(o - c)),
            _ => Err(Error::inference("the eye model must give two classes")),
        }
    }

    /// The lid aperture (gap over width) of the eye at (`cx`, `cy`); the image-right eye is
    /// mirrored, as the iris model expects a left eye.
    fn aperture(
        &self,
        image: &RgbImage,
        cx: f32,
        cy: f32,
        iod: f32,
        mirror: bool,
    ) -> Result<Option<f64>> {
        let Some((x, y, side)) = square(image, cx, cy + IRIS_SHIFT * iod, IRIS_CROP * iod) else {
            return Ok(None);
        };
        let region = imageops::crop_imm(image, x, y, side, side).to_image();
        let n = self.iris_spec.input_size;
        let mut small = resize_bilinear(&region, n, n);
        if mirror {
            small = imageops::flip_horizontal(&small);
        }
        let data: Vec<f32> = small
            .as_raw()
            .iter()
            .map(|v| f32::from(*v) / 255.0)
            .collect();
        let n = n as usize;
        let out = run_plan(self.iris.get()?, [1, n, n, 3], &data)?;
        let point = |k: usize| -> Option<(f64, f64)> {
            Some((f64::from(*out.get(3 * k)?), f64::from(*out.get(3 * k + 1)?)))
        };
        let dist = |a: (f64, f64), b: (f64, f64)| (a.0 - b.0).hypot(a.1 - b.1);
        let mut gap = 0.0;
        for (&u, &l) in UPPER.iter().zip(&LOWER) {
            match (point(u), point(l)) {
                (Some(a), Some(b)) => gap += dist(a, b),
                _ => {
                    return Err(Error::inference(
                        "the iris model gave too few contour points",
                    ))
                }
            }
        }
        let (Some(c0), Some(c8)) = (point(0), point(8)) else {
            return Err(Error::inference(
                "the iris model gave too few contour points",
            ));
        };
        Ok(Some(gap / UPPER.len() as f64 / dist(c0, c8).max(1e-6)))
    }
}

/// `grey` normalised to [`EYE_PATCH_MEAN_STD`], clamped to 0..255.
fn normalise_patch(grey: &mut [f32]) {
    let n = grey.len().max(1) as f32;
    let mean = grey.iter().sum::<f32>() / n;
    let std = (grey.iter().map(|v| (v - mean).powi(2)).sum::<f32>() / n).sqrt();
    let (target_mean, target_std) = EYE_PATCH_MEAN_STD;
    for v in grey.iter_mut() {
        *v = ((*v - mean) / std.max(1.0) * target_std + target_mean).clamp(0.0, 255.0);
    }
}
