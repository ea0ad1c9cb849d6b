//! Following the face from one guidance frame to the next, so that the detector looks only where
//! the face was. A page runs the guidance pass on every camera frame; between two frames a face
//! moves a little, so a window around its last box finds it for a fraction of the detector's work
//! on the whole frame. The window is scaled no smaller than the whole-frame pass scales the frame:
//! the head angle the challenge reads off the landmarks must be as precise as before (scaled to a
//! fixed 160 px, a large face lost precision and the challenge saw four times as many false
//! turns, `veriface eval actions`).
//!
//! What a window cannot see is the rest of the frame: a second person stepping in. Every
//! [`WHOLE_EVERY`]-th frame therefore looks at the whole frame again, as does any frame where the
//! window loses the face, touches it with its edge, or where the frame size changed; and a frame
//! with two faces of comparable size is not followed at all.

use image::RgbImage;

use super::{Verifier, GUIDANCE_SIDE};
use crate::detect::{BBox, Face, Window};
use crate::error::Result;
use crate::select::{competing, largest};

/// Detector input sides a window may use (multiples of 32; few, because each is a plan the page
/// optimises once). A window that would need more is not worth it: 224 x 224 is already 0.61 of
/// the whole 640 x 480 frame at 320 x 256.
const WINDOW_SIDES: [u32; 3] = [128, 160, 224];
/// Window side over the face box's longer side: room for the face to move between frames and
/// the context around it the detector was trained with.
const WINDOW_OVER_FACE: f32 = 2.0;
/// Smallest window side in frame pixels: a smaller face is scaled up rather than cut tighter.
const MIN_WINDOW: u32 = 96;
/// Every this many frames the whole frame is searched, so a second face is seen within a
/// fraction of a second at camera rates.
pub const WHOLE_EVERY: u32 = 5;
/// A face whose box comes within this fraction of the window side of an edge inside the frame
/// may be cut off by the window: the whole frame is searched instead.
const EDGE_MARGIN: f32 = 0.03;

/// Where the face was in the last guidance frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Track {
    /// The frame's width and height: a different size is a different camera or orientation.
    dims: (u32, u32),
    bbox: BBox,
    /// Frames since the whole frame was last searched.
    since_whole: u32,
}

impl Verifier {
    /// The faces of one guidance frame: with `follow`, in a window around the last followed
    /// frame's face when that can be trusted; else in the whole frame at [`GUIDANCE_SIDE`], and
    /// at full resolution when that finds nothing (so that a far face hears "move closer" rather
    /// than "no face"). Only `follow` reads or writes the track.
    ///
    /// # Errors
    /// `INFERENCE_FAILED`.
    pub(super) fn guidance_faces(&mut self, image: &RgbImage, follow: bool) -> Result<Vec<Face>> {
        if !follow {
            return self.whole_frame_guidance(image);
        }
        let dims = image.dimensions();
        let last = self
            .track
            .take()
            .filter(|t| t.dims == dims && t.since_whole + 1 < WHOLE_EVERY);
        if let Some(track) = last {
            let planned = window_around(&track.bbox, dims)
                .and_then(|w| window_input(w.w, dims).map(|side| (w, side)));
            if let Some((window, side)) = planned {
                let faces = self.detector.detect_in(image, window, side)?;
                if let Some(face) =
                    largest(&faces).filter(|f| window.keeps_clear(f, EDGE_MARGIN, dims))
                {
                    self.track = Some(Track {
                        dims,
                        bbox: face.bbox,
                        since_whole: track.since_whole + 1,
                    });
                    return Ok(faces);
                }
            }
        }
        let faces = self.whole_frame_guidance(image)?;
        // Two people in the frame are followed by searching all of it, so that TOO_MANY_FACES
        // holds on every frame rather than once in [`WHOLE_EVERY`].
        self.track = largest(&faces)
            .filter(|_| competing(&faces) == 1)
            .map(|f| Track {
                dims,
                bbox: f.bbox,
                since_whole: 0,
            });
        Ok(faces)
    }

    fn whole_frame_guidance(&mut self, image: &RgbImage) -> Result<Vec<Face>> {
        match self.detector.detect_at(image, GUIDANCE_SIDE)? {
            faces if faces.is_empty() => self.detector.detect_fine(image),
            faces => Ok(faces),
        }
    }
}

/// The square window [`WINDOW_OVER_FACE`] times the box's longer side (at least [`MIN_WINDOW`],
/// at most the frame's shorter side), centred on it and moved inside the frame; `None` for a box
/// that is not finite.
fn window_around(bbox: &BBox, (w, h): (u32, u32)) -> Option<Window> {
    let long = bbox.width().max(bbox.height());
    if !long.is_finite() || long <= 0.0 {
        return None;
    }
    let side = ((long * WINDOW_OVER_FACE).round() as u32)
        .max(MIN_WINDOW)
        .min(w.min(h));
    Window::square_around(bbox, side, (w, h))
}

/// The smallest of [`WINDOW_SIDES`] that scales a window of `side` pixels at least as much as the
/// whole-frame pass scales the frame; `None` when none does.
fn window_input(side: u32, (w, h): (u32, u32)) -> Option<u32> {
    let needed = side as f32 * GUIDANCE_SIDE as f32 / w.max(h).max(1) as f32;
    WINDOW_SIDES.into_iter().find(|&s| s as f32 >= needed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_is_twice_the_face_and_stays_inside_the_frame() {
        let b = Face::boxed(270.0, 190.0, 370.0, 290.0).bbox; // 100 px, centred at (320, 240)
        assert_eq!(
            window_around(&b, (640, 480)),
            Some(Window {
                x: 220,
                y: 140,
                w: 200,
                h: 200
            })
        );
        let corner = Face::boxed(0.0, 0.0, 100.0, 100.0).bbox;
        assert_eq!(
            window_around(&corner, (640, 480)),
            Some(Window {
                x: 0,
                y: 0,
                w: 200,
                h: 200
            })
        );
        let huge = Face::boxed(0.0, 0.0, 400.0, 400.0).bbox;
        assert_eq!(window_around(&huge, (640, 480)).map(|w| w.w), Some(480));
        let tiny = Face::boxed(10.0, 10.0, 20.0, 20.0).bbox;
        assert_eq!(
            window_around(&tiny, (640, 480)).map(|w| w.w),
            Some(MIN_WINDOW)
        );
        let nan = Face::boxed(f32::NAN, 0.0, 1.0, 1.0).bbox;
        assert_eq!(window_around(&nan, (640, 480)), None);
        // A frame smaller than the smallest window.
        assert_eq!(
            window_around(&tiny, (50, 40)).map(|w| (w.x, w.y, w.w)),
            Some((0, 0, 40))
        );
    }

    #[test]
    fn the_window_is_never_scaled_below_the_whole_frame_pass() {
        assert_eq!(window_input(200, (640, 480)), Some(128)); // needs 100
        assert_eq!(window_input(300, (640, 480)), Some(160)); // needs 150
        assert_eq!(window_input(440, (640, 480)), Some(224)); // needs 220
        assert_eq!(window_input(460, (640, 480)), None); // needs 230: the whole frame
        assert_eq!(window_input(400, (1280, 720)), Some(128)); // needs 100
    }

    #[test]
    fn a_face_at_an_inner_edge_of_the_window_is_not_trusted() {
        let clear = |b: [f32; 4], x: u32| {
            let window = Window {
                x,
                y: 100,
                w: 200,
                h: 200,
            };
            window.keeps_clear(
                &Face::boxed(b[0], b[1], b[2], b[3]),
                EDGE_MARGIN,
                (640, 480),
            )
        };
        assert!(clear([150.0, 150.0, 250.0, 250.0], 100));
        assert!(!clear([101.0, 150.0, 200.0, 250.0], 100));
        assert!(!clear([150.0, 150.0, 299.0, 250.0], 100));
        // Flush with the frame's left edge: the face is cut by the frame, not the window.
        assert!(clear([0.0, 150.0, 100.0, 250.0], 0));
    }
}
