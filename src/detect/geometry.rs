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
