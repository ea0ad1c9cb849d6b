//! The middle step of [`Detector::detect`]: a face the coarse pass found too small to trust is
//! found again in a window around it, at exactly the scale the 640 pass would give it.
//!
//! The 640 pass spends most of its work on pixels where the coarse pass already saw no face. A
//! face 70 px tall at 320 (a selfie at arm's length in a 640 x 480 photo) needs the 640 pass's
//! landmark precision, not its whole frame: a square window twice the face's size, at the 640
//! pass's scale, is 320 x 320, a third of the 640 x 480 pass. Because the scale is the same, the
//! face's box and landmarks are the ones the 640 pass gives, up to what the network sees beyond
//! the window.
//!
//! A face a window shows touching one of its inner edges is dropped from that window's answer:
//! the window may have cut it, and when the coarse pass found it, its own window shows it whole
//! (in a crowded photo every window shows parts of its neighbours).
//!
//! The 640 pass stays the answer whenever windows cannot stand in for it: a face whose window
//! would not fit the image or the largest side, windows that together cost as much as the whole
//! pass, or a window that does not find its own face again.

use image::RgbImage;

use super::{nms, Detector, Face, Window, INPUT};
use crate::error::Result;

/// Detector input sides a refining window may use (multiples of 32; few, because each is a plan
/// a page optimises once). A face the coarse pass leaves to the fine one is under 192 px at the
/// 640 pass's scale, so its window is at most 384.
const REFINE_SIDES: [u32; 4] = [192, 256, 320, 384];
/// Window side over the face box's longer side: the context the detector was trained with.
const REFINE_OVER_FACE: f32 = 2.0;
/// A face within this fraction of the window side of an inner edge may be cut by the window.
const EDGE_MARGIN: f32 = 0.03;
/// Overlap with the coarse face from which a window's face is that face found again.
const REFOUND_IOU: f32 = 0.5;

impl Detector {
    /// The faces of `image` found again, one window per face of the coarse pass (`coarse`), at
    /// the 640 pass's scale; `None` when the 640 pass must answer instead (the module's doc says
    /// when).
    ///
    /// # Errors
    /// `INFERENCE_FAILED` only.
    pub(super) fn refine(
        &mut self,
        image: &RgbImage,
        coarse: &[Face],
    ) -> Result<Option<Vec<Face>>> {
        let dims = image.dimensions();
        let fine_scale = INPUT as f32 / dims.0.max(dims.1).max(1) as f32;
        let Some(windows) = plan_windows(coarse, fine_scale, dims) else {
            return Ok(None);
        };
        let mut all = Vec::new();
        for ((window, side), face) in windows.into_iter().zip(coarse) {
            self.runs.refine += 1;
            let kept: Vec<Face> = self
                .scan(image, window, side)?
                .into_iter()
                .filter(|f| window.keeps_clear(f, EDGE_MARGIN, dims))
                .collect();
            if !kept.iter().any(|f| f.bbox.iou(&face.bbox) >= REFOUND_IOU) {
                return Ok(None);
            }
            all.extend(kept);
        }
        Ok(Some(nms(all, self.options.nms_iou)))
    }
}

/// One window and input side per coarse face, or `None` when the windows cannot stand in for
/// the 640 pass: no face, a window that does not fit, or more input pixels in all than the 640
/// pass has (a crowd is cheaper in one pass).
fn plan_windows(coarse: &[Face], fine_scale: f32, dims: (u32, u32)) -> Option<Vec<(Window, u32)>> {
    if coarse.is_empty() || !(fine_scale.is_finite() && fine_scale > 0.0) {
        return None;
    }
    let fine_pixels = u64::from(INPUT) * u64::from(INPUT) * 3 / 4;
    let mut pixels = 0u64;
    let mut windows = Vec::with_capacity(coarse.len());
    for face in coarse {
        let long = face.bbox.width().max(face.bbox.height());
        let needed = long * fine_scale * REFINE_OVER_FACE;
        let side = REFINE_SIDES.into_iter().find(|&s| s as f32 >= needed)?;
        let in_image = (side as f32 / fine_scale).round() as u32;
        let window = Window::square_around(&face.bbox, in_image, dims)?;
        pixels += u64::from(side) * u64::from(side);
        windows.push((window, side));
    }
    (pixels < fine_pixels).then_some(windows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_face_gets_a_window_at_the_fine_scale() {
        // A 640 x 480 photo: the 640 pass is at scale 1; a 141 px face needs 282 -> 320.
        let f = Face::boxed(286.0, 38.0, 385.0, 179.0);
        let planned = plan_windows(&[f], 1.0, (640, 480));
        assert_eq!(
            planned,
            Some(vec![(
                Window {
                    x: 176,
                    y: 0,
                    w: 320,
                    h: 320
                },
                320
            )])
        );
        // A 1280 x 960 photo: scale 0.5, so the window covers twice the pixels of its input.
        let planned = plan_windows(&[Face::boxed(600.0, 400.0, 700.0, 500.0)], 0.5, (1280, 960));
        assert_eq!(planned.map(|w| (w[0].0.w, w[0].1)), Some((384, 192)));
    }

    #[test]
    fn the_fine_pass_answers_when_windows_cannot() {
        assert_eq!(plan_windows(&[], 1.0, (640, 480)), None);
        // A face whose window would pass the largest side.
        assert_eq!(
            plan_windows(&[Face::boxed(0.0, 0.0, 250.0, 250.0)], 1.0, (640, 480)),
            None
        );
        // A window taller than the image.
        assert_eq!(
            plan_windows(&[Face::boxed(0.0, 0.0, 100.0, 100.0)], 1.0, (640, 150)),
            None
        );
        // Three 180 px faces: 3 x 384^2 input pixels is more than 640 x 480.
        let crowd: Vec<Face> = (0..3)
            .map(|i| Face::boxed(i as f32 * 200.0, 100.0, i as f32 * 200.0 + 180.0, 280.0))
            .collect();
        assert_eq!(plan_windows(&crowd, 1.0, (640, 480)), None);
        let nan = Face::boxed(f32::NAN, 0.0, 10.0, 10.0);
        assert_eq!(plan_windows(&[nan], 1.0, (640, 480)), None);
    }
}
