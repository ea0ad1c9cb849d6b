//! The detector's geometry: boxes, windows and faces in image pixels, and the mapping of a face
//! found in a scaled window back to the image it came from.

use serde::Serialize;

/// A box in pixel coordinates: left, top, right, bottom.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, serde::Deserialize)]
pub struct BBox {
    /// Left edge.
    pub x1: f32,
    /// Top edge.
    pub y1: f32,
    /// Right edge.
    pub x2: f32,
    /// Bottom edge.
    pub y2: f32,
}

impl BBox {
    /// Width (zero for an inverted box).
    pub fn width(&self) -> f32 {
        (self.x2 - self.x1).max(0.0)
    }
    /// Height (zero for an inverted box).
    pub fn height(&self) -> f32 {
        (self.y2 - self.y1).max(0.0)
    }
    /// Area (zero for an inverted box).
    pub fn area(&self) -> f32 {
        self.width() * self.height()
    }
    /// Intersection over union, 0 when either box is empty.
    pub fn iou(&self, other: &BBox) -> f32 {
        let inter = BBox {
            x1: self.x1.max(other.x1),
            y1: self.y1.max(other.y1),
            x2: self.x2.min(other.x2),
            y2: self.y2.min(other.y2),
        }
        .area();
        let union = self.area() + other.area() - inter;
        if union > 0.0 {
            inter / union
        } else {
            0.0
        }
    }
}

/// A rectangle of an image, in whole pixels: left, top, width, height.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Left edge.
    pub x: u32,
    /// Top edge.
    pub y: u32,
    /// Width.
    pub w: u32,
    /// Height.
    pub h: u32,
}

impl Window {
    /// The square of `side` pixels centred on `bbox` and moved inside a `w` x `h` image; `None`
    /// when it does not fit or the box is not finite. Both uses of a window (following a face
    /// between frames, refining a small one) centre it on a face this way.
    pub fn square_around(bbox: &BBox, side: u32, (w, h): (u32, u32)) -> Option<Window> {
        let (cx, cy) = ((bbox.x1 + bbox.x2) / 2.0, (bbox.y1 + bbox.y2) / 2.0);
        if !(cx.is_finite() && cy.is_finite()) || side == 0 || side > w.min(h) {
            return None;
        }
        let place = |c: f32, len: u32| -> u32 {
            let start = (c - side as f32 / 2.0).round().max(0.0) as u32;
            start.min(len - side)
        };
        Some(Window {
            x: place(cx, w),
            y: place(cy, h),
            w: side,
            h: side,
        })
    }

    /// Whether `face` keeps `margin` (a fraction of the window's side) from every edge of this
    /// window that lies inside the `w` x `h` image. A face touching an inner edge may be cut off
    /// by the window, and only the whole image can say what it is; an edge on the image's border
    /// cuts nothing.
    pub fn keeps_clear(&self, face: &Face, margin: f32, (w, h): (u32, u32)) -> bool {
        let m = margin * self.w.max(self.h) as f32;
        let (x1, y1) = (self.x as f32, self.y as f32);
        let (x2, y2) = (x1 + self.w as f32, y1 + self.h as f32);
        let b = &face.bbox;
        (self.x == 0 || b.x1 >= x1 + m)
            && (self.y == 0 || b.y1 >= y1 + m)
            && (self.x + self.w >= w || b.x2 <= x2 - m)
            && (self.y + self.h >= h || b.y2 <= y2 - m)
    }
}

/// One detected face, in the pixel coordinates of the decoded (EXIF-rotated) image.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Face {
    /// Bounding box.
    #[serde(rename = "box")]
    pub bbox: BBox,
    /// Detector confidence in [0, 1].
    pub score: f32,
    /// Left eye, right eye, nose tip, left and right mouth corner, "left" as seen in the image.
    pub landmarks: [[f32; 2]; 5],
}

#[cfg(test)]
impl Face {
    /// A face with this box, no landmarks and score 0.9: for unit tests of box geometry.
    pub(crate) fn boxed(x1: f32, y1: f32, x2: f32, y2: f32) -> Face {
        Face {
            bbox: BBox { x1, y1, x2, y2 },
            score: 0.9,
            landmarks: [[0.0; 2]; 5],
        }
    }
}

/// Distance between the two eye landmarks, in the face's pixels.
pub fn eye_distance(face: &Face) -> f32 {
    let [[lx, ly], [rx, ry], ..] = face.landmarks;
    (lx - rx).hypot(ly - ry)
}

/// A face found in a window scaled by (`sx`, `sy`) whose origin is (`ox`, `oy`) in scaled
/// pixels, in the pixels of the image.
pub(super) fn map_face(face: Face, ox: f32, oy: f32, sx: f32, sy: f32) -> Face {
    let mx = |x: f32| (x + ox) / sx;
    let my = |y: f32| (y + oy) / sy;
    Face {
        bbox: BBox {
            x1: mx(face.bbox.x1),
            y1: my(face.bbox.y1),
            x2: mx(face.bbox.x2),
            y2: my(face.bbox.y2),
        },
        score: face.score,
        landmarks: face.landmarks.map(|[x, y]| [mx(x), my(y)]),
    }
}
