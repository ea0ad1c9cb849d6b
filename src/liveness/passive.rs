//! The two single-image classifiers behind EYES_CLOSED and FACE_NOT_LIVE: eye state and passive
//! anti-spoofing. Each crops the face as its model was trained (docs/liveness.md has how the
//! undocumented class meanings were established), runs it and returns a probability.

use image::imageops::{self, FilterType};
use image::RgbImage;

use crate::detect::Face;
use crate::error::{Error, Result};
use crate::models::{
    load_plan, run_plan, verify, ColorOrder, EyeSpec, LivenessSpec, Manifest, Plan,
};

/// Softmax of the single output row `plan` gives for `data`.
fn probabilities(plan: &Plan, shape: [usize; 4], data: &[f32]) -> Result<Vec<f32>> {
    let logits = run_plan(plan, shape, data)?;
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let exp: Vec<f32> = logits.iter().map(|l| (l - max).exp()).collect();
    let sum: f32 = exp.iter().sum();
    Ok(exp.iter().map(|e| e / sum).collect())
}

/// `v` kept in [0, hi] (0 when `hi` is negative); unlike `f32::clamp`, never panics.
fn within(v: f32, hi: f32) -> f32 {
    v.min(hi).max(0.0)
}

/// The square region of `side` pixels centred at (`cx`, `cy`), shifted to lie inside the image
/// and shrunk if the image is smaller; `None` for an empty region.
fn square(image: &RgbImage, cx: f32, cy: f32, side: f32) -> Option<(u32, u32, u32)> {
    let (w, h) = (image.width() as f32, image.height() as f32);
    let side = side.min(w).min(h).floor();
    if side.is_nan() || side < 1.0 {
        return None;
    }
    let x = within(cx - side / 2.0, w - side);
    let y = within(cy - side / 2.0, h - side);
    Some((x as u32, y as u32, side as u32))
}

/// Passive anti-spoofing: does this single frame look like a live face (rather than a print or
/// a screen)? Only a part of the liveness decision: docs/liveness.md says how weak it is alone.
pub struct AntiSpoof {
    spec: LivenessSpec,
    plan: Plan,
}

impl AntiSpoof {
    /// Loads the model after checking its SHA-256.
    ///
    /// # Errors
    /// `MODEL_HASH_MISMATCH`, `INFERENCE_FAILED`.
    pub fn new(spec: LivenessSpec, onnx: &[u8]) -> Result<Self> {
        verify(&spec.file, onnx)?;
        let s = spec.input_size as usize;
        let plan = load_plan(onnx, [1, 3, s, s])?;
        Ok(AntiSpoof { spec, plan })
    }

    /// The crop the model sees, as the package's JS makes it: the face box scaled by
    /// `box_scale` about its centre (less where the image is too small), shifted to lie inside
    /// the image, resized to `input_size` square.
    pub fn crop(&self, image: &RgbImage, face: &Face) -> Option<RgbImage> {
        let b = face.bbox;
        let (bw, bh) = (b.x2 - b.x1, b.y2 - b.y1);
        let (w, h) = (image.width() as f32, image.height() as f32);
        if bw.is_nan() || bh.is_nan() || bw < 1.0 || bh < 1.0 || w < 2.0 || h < 2.0 {
            return None;
        }
        let scale = ((h - 1.0) / bh)
            .min((w - 1.0) / bw)
            .min(self.spec.box_scale);
        let (nw, nh) = (bw * scale, bh * scale);
        let x = within((b.x1 + b.x2) / 2.0 - nw / 2.0, w - 1.0 - nw);
        let y = within((b.y1 + b.y2) / 2.0 - nh / 2.0, h - 1.0 - nh);
        let region = imageops::crop_imm(image, x as u32, y as u32, nw as u32, nh as u32).to_image();
        if region.width() == 0 || region.height() == 0 {
            return None;
        }
        let s = self.spec.input_size;
        Some(imageops::resize(&region, s, s, FilterType::Triangle))
    }

    /// Probability that the face is live (the manifest's `live_class`).
    ///
    /// # Errors
    /// `NO_FACE` for a box with no area; `INFERENCE_FAILED`.
    pub fn live_probability(&self, image: &RgbImage, face: &Face) -> Result<f32> {
        let crop = self.crop(image, face).ok_or_else(|| Error::NoFace {
            which: "given".into(),
        })?;
        let s = self.spec.input_size as usize;
        let n = s * s;
        let order = match self.spec.color {
            ColorOrder::Rgb => [0, 1, 2],
            ColorOrder::Bgr => [2, 1, 0],
        };
        let norm = self.spec.normalization;
        let mut data = vec![0f32; 3 * n];
        for (i, px) in crop.pixels().enumerate() {
            for c in 0..3 {
                data[c * n + i] = (f32::from(px.0[order[c]]) - norm.mean[c]) / norm.std[c];
            }
        }
        let p = probabilities(&self.plan, [1, 3, s, s], &data)?;
        p.get(self.spec.live_class).copied().ok_or_else(|| {
            Error::inference("the liveness model has fewer classes than the manifest says")
        })
    }
}

/// Eye state: is each eye open?
pub struct EyeState {
    spec: EyeSpec,
    plan: Plan,
}

/// Side of the square eye crop, as a fraction of the distance between the eye centres (the
/// package's JS takes 1.6 x the eye's width from 68-point landmarks, about 0.7 of that distance).
pub const EYE_CROP: f32 = 0.7;

impl EyeState {
    /// Loads the model after checking its SHA-256.
    ///
    /// # Errors
    /// `MODEL_HASH_MISMATCH`, `INFERENCE_FAILED`.
    pub fn new(spec: EyeSpec, onnx: &[u8]) -> Result<Self> {
        verify(&spec.file, onnx)?;
        let s = spec.input_size as usize;
        let plan = load_plan(onnx, [1, 1, s, s])?;
        Ok(EyeState { spec, plan })
    }

    /// Probability that each eye (left, right as seen in the image) is open.
    ///
    /// # Errors
    /// `NO_FACE` for coincident eye landmarks; `INFERENCE_FAILED`.
    pub fn open_probabilities(&self, image: &RgbImage, face: &Face) -> Result<[f32; 2]> {
        let [le, re, ..] = face.landmarks;
        let iod = (re[0] - le[0]).hypot(re[1] - le[1]);
        let s = self.spec.input_size;
        let mut out = [0f32; 2];
        for (slot, eye) in out.iter_mut().zip([le, re]) {
            let (x, y, side) =
                square(image, eye[0], eye[1], EYE_CROP * iod).ok_or_else(|| Error::NoFace {
                    which: "given".into(),
                })?;
            let region = imageops::crop_imm(image, x, y, side, side).to_image();
            let small = imageops::resize(&region, s, s, FilterType::Triangle);
            // OpenCV's BGR2GRAY weights (Rec. 601), as the package converts.
            let data: Vec<f32> = small
                .pixels()
                .map(|p| {
                    let [r, g, b] = p.0.map(f32::from);
                    (0.299 * r + 0.587 * g + 0.114 * b) / self.spec.divisor
                })
                .collect();
            let sz = s as usize;
            let p = probabilities(&self.plan, [1, 1, sz, sz], &data)?;
            *slot = p.get(self.spec.open_class).copied().ok_or_else(|| {
                Error::inference("the eye model has fewer classes than the manifest says")
            })?;
        }
        Ok(out)
    }
}

/// The two classifiers, loaded together: a page that only compares photos loads neither.
pub struct PassiveModels {
    /// Passive anti-spoofing.
    pub anti_spoof: AntiSpoof,
    /// Eye state.
    pub eyes: EyeState,
}

impl PassiveModels {
    /// Loads both classifiers named in `manifest` from their bytes (hashes checked).
    ///
    /// # Errors
    /// `UNKNOWN_MODEL` when the manifest lists no liveness or eye model;
    /// `MODEL_HASH_MISMATCH`; `INFERENCE_FAILED`.
    pub fn new(manifest: &Manifest, liveness: &[u8], eye: &[u8]) -> Result<Self> {
        let missing = |what: &str| Error::UnknownModel {
            name: format!("({what} model)"),
            known: "none in this manifest".into(),
        };
        let live_spec = manifest
            .liveness
            .clone()
            .ok_or_else(|| missing("liveness"))?;
        let eye_spec = manifest.eye.clone().ok_or_else(|| missing("eye"))?;
        Ok(PassiveModels {
            anti_spoof: AntiSpoof::new(live_spec, liveness)?,
            eyes: EyeState::new(eye_spec, eye)?,
        })
    }
}
