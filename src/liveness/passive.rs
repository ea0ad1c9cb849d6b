//! Passive anti-spoofing (FACE_NOT_LIVE), and the classifiers loaded together for the liveness
//! checks ([`PassiveModels`]: this and the eye state of [`super::eyes`]). Each crops the face as
//! its model was trained (docs/liveness.md), runs it and returns a probability.

use image::imageops;
use image::RgbImage;

use crate::detect::Face;
use crate::error::{Error, Result};
use crate::liveness::eyes::EyeState;
use crate::models::{run_plan, verify, ColorOrder, LazyPlan, LivenessSpec, Manifest, Plan};

/// Softmax of the single output row `plan` gives for `data`.
pub(crate) fn probabilities(plan: &Plan, shape: [usize; 4], data: &[f32]) -> Result<Vec<f32>> {
    let logits = run_plan(plan, shape, data)?;
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let exp: Vec<f32> = logits.iter().map(|l| (l - max).exp()).collect();
    let sum: f32 = exp.iter().sum();
    Ok(exp.iter().map(|e| e / sum).collect())
}

/// `v` kept in [0, hi] (0 when `hi` is negative); unlike `f32::clamp`, never panics.
pub(crate) fn within(v: f32, hi: f32) -> f32 {
    v.min(hi).max(0.0)
}

/// The square region of `side` pixels centred at (`cx`, `cy`), shifted to lie inside the image
/// and shrunk if the image is smaller; `None` for an empty region.
pub(crate) fn square(image: &RgbImage, cx: f32, cy: f32, side: f32) -> Option<(u32, u32, u32)> {
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
/// a screen)? MiniFASNetV2 (docs/liveness.md has how it was chosen and measured).
pub struct AntiSpoof {
    spec: LivenessSpec,
    plan: LazyPlan,
}

impl AntiSpoof {
    /// Loads the model after checking its SHA-256.
    ///
    /// # Errors
    /// `MODEL_HASH_MISMATCH`, `INFERENCE_FAILED`.
    pub fn new(spec: LivenessSpec, onnx: &[u8]) -> Result<Self> {
        verify(&spec.file, onnx)?;
        let s = spec.input_size as usize;
        let plan = LazyPlan::parse(onnx, [1, 3, s, s])?;
        Ok(AntiSpoof { spec, plan })
    }

    /// The model's plan, to optimise ahead of use.
    pub(crate) fn plan(&self) -> &LazyPlan {
        &self.plan
    }

    /// The crop the model sees, by its training code's rule: the face box scaled by `box_scale`
    /// about its centre (width and height alike, so the box's aspect ratio stays), the scale first
    /// lowered so the scaled box fits in the image, then the box shifted (not clipped) inside it;
    /// corners truncated to whole pixels, both included; resized to `input_size` square by
    /// bilinear interpolation without smoothing. The filter matters: an anti-aliased resize
    /// moves the scores enough to move the threshold from 0.49 to 0.08 (docs/liveness.md).
    pub fn crop(&self, image: &RgbImage, face: &Face) -> Option<RgbImage> {
        let b = face.bbox;
        let (bw, bh) = (b.x2 - b.x1, b.y2 - b.y1);
        let (w, h) = (image.width() as f32, image.height() as f32);
        if !(bw >= 1.0 && bh >= 1.0 && w >= 2.0 && h >= 2.0) {
            return None;
        }
        let scale = ((h - 1.0) / bh)
            .min((w - 1.0) / bw)
            .min(self.spec.box_scale);
        let (nw, nh) = (bw * scale, bh * scale);
        let (cx, cy) = ((b.x1 + b.x2) / 2.0, (b.y1 + b.y2) / 2.0);
        // Shift inside [0, w - 1] x [0, h - 1]; the scale above guarantees the box fits.
        let left = within(cx - nw / 2.0, w - 1.0 - nw);
        let top = within(cy - nh / 2.0, h - 1.0 - nh);
        let (x0, y0) = (left as u32, top as u32);
        let (x1, y1) = ((left + nw) as u32, (top + nh) as u32);
        let (cw, ch) = (x1.saturating_sub(x0) + 1, y1.saturating_sub(y0) + 1);
        if x0 + cw > image.width() || y0 + ch > image.height() {
            return None;
        }
        let region = imageops::crop_imm(image, x0, y0, cw, ch).to_image();
        let s = self.spec.input_size;
        Some(resize_bilinear(&region, s, s))
    }

    /// Probability that the face is live (the manifest's `live_class`): the softmax of the
    /// model's logits, so that a higher value always means more likely live.
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
            for (c, &from) in order.iter().enumerate() {
                if let Some(slot) = data.get_mut(c * n + i) {
                    *slot = (f32::from(px.0[from]) - norm.mean[c]) / norm.std[c];
                }
            }
        }
        let p = probabilities(self.plan.get()?, [1, 3, s, s], &data)?;
        p.get(self.spec.live_class).copied().ok_or_else(|| {
            Error::inference("the liveness model has fewer classes than the manifest says")
        })
    }
}

/// Bilinear resize with pixel centres at half-integers and edge pixels repeated, and no
/// smoothing when shrinking: OpenCV's `INTER_LINEAR`, the resize the anti-spoofing model was
/// trained with.
pub fn resize_bilinear(src: &RgbImage, width: u32, height: u32) -> RgbImage {
    let (sw, sh) = src.dimensions();
    let mut out = RgbImage::new(width, height);
    if sw == 0 || sh == 0 {
        return out;
    }
    let axis = |dst: u32, n_src: u32, n_dst: u32| -> (u32, u32, f32) {
        let f = (dst as f32 + 0.5) * n_src as f32 / n_dst as f32 - 0.5;
        let lo = f.floor().max(0.0);
        let frac = if f < 0.0 { 0.0 } else { f - lo };
        let i0 = (lo as u32).min(n_src - 1);
        let i1 = (i0 + 1).min(n_src - 1);
        (i0, i1, if i0 == n_src - 1 { 0.0 } else { frac })
    };
    let xs: Vec<_> = (0..width).map(|x| axis(x, sw, width)).collect();
    for y in 0..height {
        let (y0, y1, fy) = axis(y, sh, height);
        for (x, &(x0, x1, fx)) in xs.iter().enumerate() {
            let p = |xx: u32, yy: u32| src.get_pixel(xx, yy).0.map(f32::from);
            let (a, b, c, d) = (p(x0, y0), p(x1, y0), p(x0, y1), p(x1, y1));
            let mut px = [0u8; 3];
            for k in 0..3 {
                let top = a[k] + (b[k] - a[k]) * fx;
                let bottom = c[k] + (d[k] - c[k]) * fx;
                px[k] = (top + (bottom - top) * fy).round().clamp(0.0, 255.0) as u8;
            }
            out.put_pixel(x as u32, y, image::Rgb(px));
        }
    }
    out
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
    pub fn new(manifest: &Manifest, liveness: &[u8], eye: &[u8], iris: &[u8]) -> Result<Self> {
        let missing = |what: &str| Error::UnknownModel {
            name: format!("({what} model)"),
            known: "none in this manifest".into(),
        };
        let live_spec = manifest
            .liveness
            .clone()
            .ok_or_else(|| missing("liveness"))?;
        let eye_spec = manifest.eye.clone().ok_or_else(|| missing("eye"))?;
        let iris_spec = manifest.iris.clone().ok_or_else(|| missing("iris"))?;
        Ok(PassiveModels {
            anti_spoof: AntiSpoof::new(live_spec, liveness)?,
            eyes: EyeState::new(eye_spec, eye, iris_spec, iris)?,
        })
    }
}
