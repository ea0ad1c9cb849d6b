//! Face detection with RetinaFace (MobileNet-0.25): priors, box and landmark decoding, NMS, and
//! the scale passes that let one detector serve a selfie and an ID card alike.
//!
//! The network takes any H x W; tract needs concrete shapes to optimise, so the detector keeps
//! one optimised plan per input shape and uses only a few: the image's longest side scaled to
//! 320 or 640, the other side padded up to the smallest of the square, 4:3 and 16:9 sizes that
//! holds it (either way up). A 640 x 480 camera frame therefore runs at 640 x 480, not in a
//! 640 x 640 letterbox a quarter of which is padding.
//!
//! [`Detector::detect`] is coarse to fine, because most of its work used to be spent on faces that
//! a quarter of the pixels finds as well:
//! - a first pass at 320 (a quarter of the pixels of 640). When the largest face there is at
//!   least [`DetectOptions::coarse_min_face`] tall, its landmarks are as precise, in pixels of
//!   the embedder's crop, as that crop can use, and the pass's answer is the answer;
//! - otherwise each face the coarse pass found is found again in a window around it at the 640
//!   pass's scale (`refine.rs`): the 640 pass's precision on a third of its pixels;
//! - the 640 pass, as before, when windows cannot stand in for it or the coarse pass found
//!   nothing;
//! - and when that finds nothing in a large image, the tiled pass at up to twice the resolution,
//!   for the small portrait on an ID document.
//!
//! Scaling a face up further does not make its landmarks better: on LFW dev the 320 pass alone
//! scores as the 640 pass does (99.23% and 99.17%), and on CFP it scores higher, because the
//! detector finds and places large, upscaled faces worse (frontal-profile 87.9% against 82.1%,
//! with no profile missed against 28 pairs lost); `docs/calibration.md` has the figures.

use image::imageops::FilterType;
use image::{GenericImageView, RgbImage};
use serde::Serialize;
use tract_onnx::prelude::*;

use crate::error::{Error, Result};
use crate::models::{ColorOrder, DetectorSpec};

mod decode;
mod geometry;
mod refine;

pub use decode::{decode, nms, priors, DecodeInput};
use geometry::map_face;
pub use geometry::{eye_distance, BBox, Face, Window};

/// Tunable detection settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DetectOptions {
    /// Minimum confidence for a face to be kept.
    pub score_threshold: f32,
    /// Overlap above which the lower-scoring of two boxes is suppressed.
    pub nms_iou: f32,
    /// Longest side (pixels) the tiled pass rescales a large image to before cutting tiles.
    pub tiled_max_side: u32,
    /// Long side of the first, coarse pass of [`Detector::detect`] (a multiple of 32); 640 or
    /// more turns the coarse pass off.
    pub coarse_side: u32,
    /// Height of the largest face's box (pixels of the coarse input) from which the coarse
    /// pass's answer is kept. A frontal face that tall has its eyes about 35 px apart, as the
    /// default embedder's 112 px crop has them, so alignment does not magnify a landmark error
    /// made in the coarse input. The box, not the eyes, because a profile's eyes are close
    /// together at any resolution: on CFP frontal-profile an eye rule sent profiles to the 640
    /// pass, which misses more of them.
    pub coarse_min_face: f32,
}

impl Default for DetectOptions {
    fn default() -> Self {
        DetectOptions {
            score_threshold: 0.6,
            nms_iou: 0.4,
            tiled_max_side: 1280,
            coarse_side: COARSE,
            coarse_min_face: 96.0,
        }
    }
}

/// Input side of the network, for the whole-image pass and for each tile of the tiled pass.
const INPUT: u32 = 640;
/// Long side of the coarse pass: a quarter of the pixels of [`INPUT`].
pub const COARSE: u32 = 320;
/// The short sides a whole-image pass may use, as fractions of its long side (square, 4:3,
/// 16:9 rounded up to a multiple of 32): few enough that a page optimises at most a handful of
/// plans (each costs 100-300 ms in the browser), close enough to common frames that little of
/// the input is padding.
const SHORT_SIDES: [(u32, u32); 3] = [(3, 5), (3, 4), (1, 1)];
/// Cap on candidates entering NMS, so a pathological image cannot make NMS quadratic in 17k.
pub(crate) const PRE_NMS_TOP_K: usize = 750;

type Plan = std::sync::Arc<TypedRunnableModel>;

/// An optimised plan for one input size, with the priors of that size (they depend on nothing
/// else, so they are computed once, not per image).
struct SizedPlan {
    /// Width and height of the input.
    shape: (u32, u32),
    plan: Plan,
    priors: Vec<[f32; 4]>,
}

/// How many times the network ran, by kind of pass: what the evaluation commands report (how
/// often the coarse pass answered) and what tests check the passes by, since timings cannot be.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DetectorRuns {
    /// Whole image at less than 640 (the coarse pass, the guidance pass).
    pub coarse: u64,
    /// Whole image at 640 or more.
    pub fine: u64,
    /// A window of the image (following a face between camera frames).
    pub window: u64,
    /// A window around a small face of the coarse pass, at the 640 pass's scale.
    pub refine: u64,
    /// Tiles of the tiled pass.
    pub tiles: u64,
}

/// The detector with its optimised plans.
pub struct Detector {
    spec: DetectorSpec,
    model: InferenceModel,
    plans: Vec<SizedPlan>,
    runs: DetectorRuns,
    /// Settings used by [`Detector::detect`].
    pub options: DetectOptions,
}

impl Detector {
    /// Parses the ONNX bytes (already hash-checked by the caller).
    ///
    /// # Errors
    /// `INFERENCE_FAILED` if tract cannot parse the model.
    pub fn new(spec: DetectorSpec, onnx: &[u8]) -> Result<Self> {
        let model = tract_onnx::onnx()
            .model_for_read(&mut std::io::Cursor::new(onnx))
            .map_err(Error::inference)?;
        Ok(Detector {
            spec,
            model,
            plans: Vec::new(),
            runs: DetectorRuns::default(),
            options: DetectOptions::default(),
        })
    }

    /// Optimises the coarse plan of a 640 x 480 camera frame now rather than on the first frame,
    /// so the first user-visible call is not the slow one. That is the shape of the frames the
    /// browser flows send (guidance, liveness, the challenge) and the pass that answers for a
    /// face at selfie distance; other shapes are optimised on first use.
    ///
    /// # Errors
    /// `INFERENCE_FAILED`.
    pub fn warm_up(&mut self) -> Result<()> {
        let side = self.options.coarse_side.clamp(64, INPUT);
        self.plan(input_shape(side, side * 3 / 4, side)).map(|_| ())
    }

    /// Optimises the 640 pass's plan for a 640 x 480 camera frame (what a liveness decision
    /// runs on every frame) if that is still to do; whether it did.
    ///
    /// # Errors
    /// `INFERENCE_FAILED`.
    pub fn prepare_fine(&mut self) -> Result<bool> {
        let shape = input_shape(INPUT, INPUT * 3 / 4, INPUT);
        if self.plans.iter().any(|p| p.shape == shape) {
            return Ok(false);
        }
        self.plan(shape).map(|_| true)
    }

    /// How many times the network has run, by kind of pass, since this detector was made.
    pub fn runs(&self) -> DetectorRuns {
        self.runs
    }

    /// All faces in `image`, highest score first: coarse to fine (the module's doc says why).
    ///
    /// # Errors
    /// `INFERENCE_FAILED` only.
    pub fn detect(&mut self, image: &RgbImage) -> Result<Vec<Face>> {
        let coarse = self.options.coarse_side;
        if (64..INPUT).contains(&coarse) && coarse % 32 == 0 {
            let scale = coarse as f32 / image.width().max(image.height()).max(1) as f32;
            let faces = self.detect_at(image, coarse)?;
            if crate::select::largest(&faces)
                .is_some_and(|f| f.bbox.height() * scale >= self.options.coarse_min_face)
            {
                return Ok(faces);
            }
            if let Some(refined) = self.refine(image, &faces)? {
                return Ok(refined);
            }
        }
        self.detect_fine(image)
    }

    /// [`Detector::detect`] without the coarse pass: the 640 pass, then the tiled one when that
    /// finds nothing in an image larger than 640. For a caller that has run a coarse pass of its
    /// own.
    ///
    /// # Errors
    /// `INFERENCE_FAILED` only.
    pub fn detect_fine(&mut self, image: &RgbImage) -> Result<Vec<Face>> {
        let mut faces = self.detect_at(image, INPUT)?;
        if faces.is_empty() && image.width().max(image.height()) > INPUT {
            faces = self.run_tiled(image)?;
        }
        Ok(faces)
    }

    /// Faces in `image` scaled whole so that its longest side is `side` (a multiple of 32), at
    /// the image's aspect as the whole-image pass does: 320 costs a quarter of the default 640
    /// and still finds a face at selfie distance (a fifth of the frame or more), which is what
    /// live guidance needs on every camera frame. No tiling.
    ///
    /// # Errors
    /// `BAD_PARAMETER` for a side that is not a multiple of 32 from 64 to 1280;
    /// `INFERENCE_FAILED`.
    pub fn detect_at(&mut self, image: &RgbImage, side: u32) -> Result<Vec<Face>> {
        let (w, h) = image.dimensions();
        self.detect_in(image, Window { x: 0, y: 0, w, h }, side)
    }

    /// Faces in the `window` of `image`, scaled so its longest side is `side` (a multiple of
    /// 32), in the image's coordinates. Following a face from one camera frame to the next looks
    /// only around where it was: a window twice the face's size at 160 px is a fifth of the
    /// pixels of the whole frame at 320, with the face at the same size or larger.
    ///
    /// # Errors
    /// `BAD_PARAMETER` for a side that is not a multiple of 32 from 64 to 1280 or a window not
    /// inside the image; `INFERENCE_FAILED`.
    pub fn detect_in(&mut self, image: &RgbImage, window: Window, side: u32) -> Result<Vec<Face>> {
        if !(64..=1280).contains(&side) || side % 32 != 0 {
            return Err(Error::bad_parameter(
                "side",
                format!("must be a multiple of 32 from 64 to 1280, got {side}"),
            ));
        }
        let Window { x, y, w, h } = window;
        let inside =
            |o: u32, len: u32, max: u32| len > 0 && o.checked_add(len).is_some_and(|e| e <= max);
        if !inside(x, w, image.width()) || !inside(y, h, image.height()) {
            return Err(Error::bad_parameter(
                "window",
                format!(
                    "{w} x {h} at ({x}, {y}) is not inside the {} x {} image",
                    image.width(),
                    image.height()
                ),
            ));
        }
        let counter = if (w, h) != image.dimensions() {
            &mut self.runs.window
        } else if side < INPUT {
            &mut self.runs.coarse
        } else {
            &mut self.runs.fine
        };
        *counter += 1;
        self.scan(image, window, side)
    }

    /// [`Detector::detect_in`] for a window known to be inside the image and a valid side, not
    /// counted in [`DetectorRuns`] (the caller counts it).
    fn scan(&mut self, image: &RgbImage, window: Window, side: u32) -> Result<Vec<Face>> {
        let Window { x, y, w, h } = window;
        let scale = side as f32 / w.max(h) as f32;
        let rw = ((w as f32 * scale).round() as u32).clamp(1, side);
        let rh = ((h as f32 * scale).round() as u32).clamp(1, side);
        let view = image.view(x, y, w, h);
        let resized = image::imageops::resize(&*view, rw, rh, FilterType::Triangle);
        // Map back with the scale actually used on each axis, not the nominal one: rounding the
        // resized size makes them differ by up to half a pixel.
        let (sx, sy) = (rw as f32 / w as f32, rh as f32 / h as f32);
        let raw = self.infer(&resized, 0, 0, input_shape(rw, rh, side))?;
        let mapped = raw
            .into_iter()
            .map(|f| map_face(f, x as f32 * sx, y as f32 * sy, sx, sy))
            .collect();
        Ok(nms(mapped, self.options.nms_iou))
    }

    /// Large image cut into overlapping `INPUT` tiles at up to `tiled_max_side` resolution,
    /// for faces too small to survive the whole-image downscale.
    fn run_tiled(&mut self, image: &RgbImage) -> Result<Vec<Face>> {
        let (w, h) = image.dimensions();
        let longest = w.max(h);
        let target = self.options.tiled_max_side.max(INPUT);
        let scale = (target as f32 / longest as f32).min(1.0);
        let rw = ((w as f32 * scale).round() as u32).max(1);
        let rh = ((h as f32 * scale).round() as u32).max(1);
        let resized = image::imageops::resize(image, rw, rh, FilterType::Triangle);
        let (sx, sy) = (rw as f32 / w as f32, rh as f32 / h as f32);
        let mut all = Vec::new();
        for ty in tile_origins(rh, INPUT) {
            for tx in tile_origins(rw, INPUT) {
                self.runs.tiles += 1;
                for f in self.infer(&resized, tx, ty, (INPUT, INPUT))? {
                    all.push(map_face(f, tx as f32, ty as f32, sx, sy));
                }
            }
        }
        Ok(nms(all, self.options.nms_iou))
    }

    /// Runs the network on the window of `shape` (width, height) of `image` at (`ox`, `oy`),
    /// zero-padded past the image edge. Returns faces in window pixels, before NMS.
    fn infer(
        &mut self,
        image: &RgbImage,
        ox: u32,
        oy: u32,
        shape: (u32, u32),
    ) -> Result<Vec<Face>> {
        let input = self.to_tensor(image, ox, oy, shape)?;
        let threshold = self.options.score_threshold;
        let variances = self.spec.variances;
        let sized = self.plan(shape)?;
        let outputs = sized
            .plan
            .run(tvec!(input.into()))
            .map_err(Error::inference)?;
        let view = |i: usize| -> Result<Vec<f32>> {
            let t = outputs
                .get(i)
                .ok_or_else(|| Error::inference(format!("detector output {i} missing")))?;
            Ok(t.to_plain_array_view::<f32>()
                .map_err(Error::inference)?
                .iter()
                .copied()
                .collect())
        };
        let (loc, conf, landm) = (view(0)?, view(1)?, view(2)?);
        decode(&DecodeInput {
            loc: &loc,
            conf: &conf,
            landmarks: &landm,
            priors: &sized.priors,
            variances,
            width: shape.0 as f32,
            height: shape.1 as f32,
            threshold,
        })
    }

    fn to_tensor(&self, image: &RgbImage, ox: u32, oy: u32, shape: (u32, u32)) -> Result<Tensor> {
        let (tw, th) = shape;
        let n = (tw * th) as usize;
        // Zero after mean subtraction is the mean colour: padding looks like neutral grey.
        let mut data = vec![0f32; 3 * n];
        let norm = self.spec.normalization;
        let order = match self.spec.color {
            ColorOrder::Rgb => [0, 1, 2],
            ColorOrder::Bgr => [2, 1, 0],
        };
        let (w, h) = image.dimensions();
        let x_end = w.min(ox.saturating_add(tw));
        let y_end = h.min(oy.saturating_add(th));
        for y in oy..y_end {
            for x in ox..x_end {
                let px = image.get_pixel(x, y).0;
                let at = ((y - oy) * tw + (x - ox)) as usize;
                for c in 0..3 {
                    let v = f32::from(px[order[c]]);
                    data[c * n + at] = (v - norm.mean[c]) / norm.std[c];
                }
            }
        }
        Tensor::from_shape(&[1, 3, th as usize, tw as usize], &data).map_err(Error::inference)
    }

    /// The plan for an input of `shape` (width, height), optimised on first use.
    fn plan(&mut self, shape: (u32, u32)) -> Result<&SizedPlan> {
        if let Some(i) = self.plans.iter().position(|p| p.shape == shape) {
            return Ok(&self.plans[i]);
        }
        let (w, h) = (shape.0 as usize, shape.1 as usize);
        let plan = self
            .model
            .clone()
            .with_input_fact(0, f32::fact([1, 3, h, w]).into())
            .and_then(|m| m.into_optimized())
            .and_then(|m| m.into_runnable())
            .map_err(Error::inference)?;
        let priors = priors(shape.0, shape.1, &self.spec.steps, &self.spec.min_sizes);
        self.plans.push(SizedPlan {
            shape,
            plan,
            priors,
        });
        let last = self.plans.len() - 1;
        Ok(&self.plans[last])
    }
}

/// The input shape (width, height) for an image resized to `w` x `h` with its longest side
/// `side`: the long side is `side`, the short one the smallest of [`SHORT_SIDES`] that holds it.
fn input_shape(w: u32, h: u32, side: u32) -> (u32, u32) {
    let short = SHORT_SIDES
        .iter()
        .map(|&(num, den)| (side * num / den).div_ceil(32) * 32)
        .find(|&s| s >= w.min(h))
        .unwrap_or(side);
    if w >= h {
        (side, short)
    } else {
        (short, side)
    }
}

/// Top-left corners of `tile`-wide windows covering `len` pixels with at least 25% overlap, the
/// last one flush with the far edge.
fn tile_origins(len: u32, tile: u32) -> Vec<u32> {
    if len <= tile {
        return vec![0];
    }
    let stride = tile * 3 / 4;
    let mut out: Vec<u32> = (0..)
        .map(|i| i * stride)
        .take_while(|&o| o + tile < len)
        .collect();
    out.push(len - tile);
    out
}

#[cfg(test)]
mod tests {
    use super::input_shape;

    #[test]
    fn input_shape_keeps_the_long_side_and_pads_the_short_one_to_a_few_sizes() {
        assert_eq!(input_shape(640, 480, 640), (640, 480)); // a 4:3 camera frame
        assert_eq!(input_shape(480, 640, 640), (480, 640)); // the same, portrait
        assert_eq!(input_shape(640, 360, 640), (640, 384)); // 16:9
        assert_eq!(input_shape(640, 405, 640), (640, 480)); // an ID card, 1.58:1
        assert_eq!(input_shape(640, 640, 640), (640, 640));
        assert_eq!(input_shape(500, 640, 640), (640, 640)); // nearly square
        assert_eq!(input_shape(320, 240, 320), (320, 256)); // guidance, multiple of 32
        assert_eq!(input_shape(1, 640, 640), (384, 640));
    }
}
