//! Per-frame quality checks with the OpenCV FR server's codes, each reported with its measured
//! value, its threshold and whether it passed, so a user can be guided ("move closer", "face the
//! camera") and a decision explained. The geometric checks use only the detector's output (box,
//! landmarks), so they run at camera frame rate.

use serde::Serialize;

use crate::detect::Face;
use crate::liveness::pose::{self, Pose};
use crate::select;

crate::codes::codes! {
    /// The OpenCV FR liveness codes veriface reports.
    pub enum Code {
        /// No face in the frame.
        FaceNotFound = "FACE_NOT_FOUND",
        /// Another face comparable in size to the largest.
        TooManyFaces = "TOO_MANY_FACES",
        /// The face is too small a part of the frame: move closer.
        FaceTooSmall = "FACE_TOO_SMALL",
        /// The face fills the frame: move back.
        FaceTooClose = "FACE_TOO_CLOSE",
        /// The face is near an edge of the frame: centre it.
        FaceCloseToBorder = "FACE_CLOSE_TO_BORDER",
        /// Part of the face is outside the frame.
        FaceCropped = "FACE_CROPPED",
        /// The head is turned, nodded or tilted too far: face the camera.
        FaceAngleTooLarge = "FACE_ANGLE_TOO_LARGE",
        /// Both eyes closed.
        EyesClosed = "EYES_CLOSED",
        /// Something (a mask, a hand, a scarf) covers the lower face.
        FaceIsOccluded = "FACE_IS_OCCLUDED",
        /// The passive anti-spoofing model does not see a live face.
        FaceNotLive = "FACE_NOT_LIVE",
    }
}

/// One check: what was measured, against what, and the verdict.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Check {
    /// The code reported when the check fails.
    pub code: Code,
    /// The measured value (see [`Thresholds`] for each one's unit).
    pub value: f64,
    /// The limit it is held to.
    pub threshold: f64,
    /// Whether the frame passes this check.
    pub passed: bool,
}

/// Limits of the geometric checks. Defaults are chosen for a selfie camera at arm's length
/// (a 640 x 480 frame with the face 25-50% of its height) and documented in docs/liveness.md.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Thresholds {
    /// FACE_TOO_SMALL below this face width, as a fraction of the frame's shorter side.
    pub min_face_fraction: f64,
    /// FACE_TOO_CLOSE above this face height, as a fraction of the frame height.
    pub max_face_fraction: f64,
    /// FACE_CLOSE_TO_BORDER below this gap between box and edge, as a fraction of the shorter side.
    pub min_border_gap: f64,
    /// FACE_CROPPED above this fraction of the whole face (box and landmark extent) outside the
    /// frame.
    pub max_outside: f64,
    /// FACE_ANGLE_TOO_LARGE above this absolute yaw, pitch or roll, in degrees.
    pub max_angle: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            min_face_fraction: 0.2,
            max_face_fraction: 0.85,
            min_border_gap: 0.02,
            max_outside: 0.02,
            max_angle: 25.0,
        }
    }
}

/// What the geometry of one frame says: the subject face (the largest), its pose, the checks.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Geometry {
    /// The subject: the largest face, if any.
    #[serde(skip)]
    pub face: Option<Face>,
    /// Its head pose, when the landmarks allow one.
    pub pose: Option<Pose>,
    /// Every geometric check, in a fixed order.
    pub checks: Vec<Check>,
}

fn check(code: Code, value: f64, threshold: f64, passed: bool) -> Check {
    Check {
        code,
        value,
        threshold,
        passed,
    }
}

/// Runs the geometric checks on the faces found in a `width` x `height` frame. With no face only
/// FACE_NOT_FOUND is reported: the others have nothing to measure.
pub fn geometry(faces: &[Face], (width, height): (u32, u32), t: &Thresholds) -> Geometry {
    let largest = select::largest(faces).cloned();
    let mut checks = vec![check(
        Code::FaceNotFound,
        faces.len() as f64,
        1.0,
        largest.is_some(),
    )];
    let Some(face) = largest else {
        return Geometry {
            face: None,
            pose: None,
            checks,
        };
    };
    let (w, h) = (f64::from(width), f64::from(height));
    let b = face.bbox;
    let (x1, y1, x2, y2) = (
        f64::from(b.x1),
        f64::from(b.y1),
        f64::from(b.x2),
        f64::from(b.y2),
    );
    let (bw, bh) = ((x2 - x1).max(0.0), (y2 - y1).max(0.0));
    let competing = select::competing(faces);
    checks.push(check(
        Code::TooManyFaces,
        competing as f64,
        1.0,
        competing <= 1,
    ));
    let small = bw / w.min(h);
    checks.push(check(
        Code::FaceTooSmall,
        small,
        t.min_face_fraction,
        small >= t.min_face_fraction,
    ));
    let close = bh / h;
    checks.push(check(
        Code::FaceTooClose,
        close,
        t.max_face_fraction,
        close <= t.max_face_fraction,
    ));
    let gap = x1.min(y1).min(w - x2).min(h - y2) / w.min(h);
    checks.push(check(
        Code::FaceCloseToBorder,
        gap,
        t.min_border_gap,
        gap >= t.min_border_gap,
    ));
    // The detector boxes only what it sees, so a face cut by the edge gets a box that stops at
    // the edge. The landmarks say where the whole face is: about 2.2 eye distances wide, from one
    // eye distance above the eyes to 0.8 below the mouth (adult proportions).
    let [le, re, _, lm, rm] = face.landmarks.map(|[x, y]| [f64::from(x), f64::from(y)]);
    let iod = (re[0] - le[0]).hypot(re[1] - le[1]);
    let cx = (le[0] + re[0] + lm[0] + rm[0]) / 4.0;
    let (eye_y, mouth_y) = ((le[1] + re[1]) / 2.0, (lm[1] + rm[1]) / 2.0);
    let whole = (
        (cx - 1.1 * iod).min(x1),
        (eye_y - iod).min(y1),
        (cx + 1.1 * iod).max(x2),
        (mouth_y + 0.8 * iod).max(y2),
    );
    let (ww, wh) = (whole.2 - whole.0, whole.3 - whole.1);
    let inside_w = (whole.2.min(w) - whole.0.max(0.0)).max(0.0);
    let inside_h = (whole.3.min(h) - whole.1.max(0.0)).max(0.0);
    let area = ww * wh;
    let outside = if area > 0.0 {
        1.0 - inside_w * inside_h / area
    } else {
        1.0
    };
    checks.push(check(
        Code::FaceCropped,
        outside,
        t.max_outside,
        outside <= t.max_outside,
    ));
    let pose = pose::estimate(&face.landmarks);
    // Landmarks no face could have are as bad as a face turned away.
    let angle = pose.map_or(90.0, |p| {
        f64::from(p.yaw.abs().max(p.pitch.abs()).max(p.roll.abs()))
    });
    checks.push(check(
        Code::FaceAngleTooLarge,
        angle,
        t.max_angle,
        angle <= t.max_angle,
    ));
    Geometry {
        face: Some(face),
        pose,
        checks,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::BBox;

    /// A frontal face whose box is (x, y) to (x + s, y + s), landmarks placed as on a real face.
    fn face(x: f32, y: f32, s: f32) -> Face {
        let p = |fx: f32, fy: f32| [x + fx * s, y + fy * s];
        Face {
            bbox: BBox {
                x1: x,
                y1: y,
                x2: x + s,
                y2: y + s,
            },
            score: 0.99,
            landmarks: [
                p(0.3, 0.4),
                p(0.7, 0.4),
                p(0.5, 0.4 + pose::NOSE_HEIGHT * 0.35),
                p(0.35, 0.75),
                p(0.65, 0.75),
            ],
        }
    }

    fn failed(g: &Geometry) -> Vec<Code> {
        g.checks
            .iter()
            .filter(|c| !c.passed)
            .map(|c| c.code)
            .collect()
    }

    const FRAME: (u32, u32) = (640, 480);

    #[test]
    fn code_names_are_their_json_names() {
        for code in [
            Code::FaceNotFound,
            Code::FaceCloseToBorder,
            Code::FaceNotLive,
        ] {
            assert_eq!(serde_json::to_value(code).unwrap(), code.name());
        }
    }

    #[test]
    fn a_centred_face_at_arms_length_passes_everything() {
        let g = geometry(&[face(240.0, 120.0, 180.0)], FRAME, &Thresholds::default());
        assert_eq!(failed(&g), []);
        assert_eq!(g.checks.len(), 7);
    }

    #[test]
    fn each_geometric_code_fires_on_its_own_case() {
        let t = Thresholds::default();
        let cases: [(&[Face], Code); 6] = [
            (&[], Code::FaceNotFound),
            (&[face(300.0, 200.0, 60.0)], Code::FaceTooSmall),
            (&[face(140.0, 10.0, 440.0)], Code::FaceTooClose),
            (&[face(2.0, 150.0, 160.0)], Code::FaceCloseToBorder),
            (&[face(-60.0, 150.0, 160.0)], Code::FaceCropped),
            (
                &[face(60.0, 150.0, 160.0), face(400.0, 150.0, 150.0)],
                Code::TooManyFaces,
            ),
        ];
        for (faces, code) in cases {
            let g = geometry(faces, FRAME, &t);
            assert!(failed(&g).contains(&code), "{code:?}: {:?}", g.checks);
        }
    }

    #[test]
    fn a_turned_head_fails_the_angle_check_with_its_angle() {
        let mut f = face(240.0, 120.0, 180.0);
        f.landmarks[2][0] += 0.6 * pose::NOSE_DEPTH * 0.4 * 180.0;
        let g = geometry(&[f], FRAME, &Thresholds::default());
        let angle = g
            .checks
            .iter()
            .find(|c| c.code == Code::FaceAngleTooLarge)
            .unwrap();
        assert!(!angle.passed);
        assert!(
            (angle.value - 0.6f64.asin().to_degrees()).abs() < 0.01,
            "{angle:?}"
        );
    }
}
