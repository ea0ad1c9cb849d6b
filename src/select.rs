//! Which face in an image is the subject.
//!
//! A selfie may show a bystander, an ID card a small ghost portrait beside the main one, an LFW
//! image a second person larger than the centred subject. The policy says which face counts;
//! [`COMPETING_AREA`] says when a second face is large enough to make an image ambiguous. Both the
//! compare and the liveness checks (TOO_MANY_FACES) use these, so the two never disagree.

use crate::detect::Face;
use crate::error::{Error, Result};

crate::codes::codes! {
    /// How to choose one face from several.
    #[derive(Default)]
    pub enum FacePolicy {
        /// Exactly one prominent face: another face at least [`COMPETING_AREA`] of the largest
        /// one's area is an error (`MULTIPLE_FACES`). Smaller faces (bystanders, the ghost
        /// portrait on an ID card) are ignored.
        #[default]
        Single = "single",
        /// The largest face, whatever else is in the picture.
        Largest = "largest",
        /// The face whose box centre is nearest the image centre: the LFW convention, where every
        /// image is a crop centred on its subject and a bystander's face is sometimes larger.
        Central = "central",
    }
}

/// A second face with at least this fraction of the largest face's area makes an image ambiguous
/// (width about 60%): bystanders far behind the subject and an ID card's ghost portrait stay
/// below it, two people side by side do not.
pub const COMPETING_AREA: f32 = 0.36;

/// The largest face, if any.
pub fn largest(faces: &[Face]) -> Option<&Face> {
    faces
        .iter()
        .max_by(|a, b| a.bbox.area().total_cmp(&b.bbox.area()))
}

/// How many faces compete with the largest one (itself included): those with at least
/// [`COMPETING_AREA`] of its area.
pub fn competing(faces: &[Face]) -> usize {
    let Some(top) = largest(faces) else {
        return 0;
    };
    let floor = top.bbox.area() * COMPETING_AREA;
    faces.iter().filter(|f| f.bbox.area() >= floor).count()
}

/// Picks the face to use under `policy`; `which` names the image in errors.
///
/// # Errors
/// `NO_FACE` for an empty list; `MULTIPLE_FACES` under [`FacePolicy::Single`] when a second face
/// is comparable in size to the largest.
pub fn choose_face(
    faces: &[Face],
    policy: FacePolicy,
    which: &str,
    (width, height): (u32, u32),
) -> Result<Face> {
    let no_face = || Error::NoFace {
        which: which.to_string(),
    };
    match policy {
        FacePolicy::Central => {
            let (cx, cy) = (width as f32 / 2.0, height as f32 / 2.0);
            let off_centre = |f: &Face| {
                let (fx, fy) = ((f.bbox.x1 + f.bbox.x2) / 2.0, (f.bbox.y1 + f.bbox.y2) / 2.0);
                (fx - cx).powi(2) + (fy - cy).powi(2)
            };
            faces
                .iter()
                .min_by(|a, b| off_centre(a).total_cmp(&off_centre(b)))
                .cloned()
                .ok_or_else(no_face)
        }
        FacePolicy::Largest => largest(faces).cloned().ok_or_else(no_face),
        FacePolicy::Single => {
            let face = largest(faces).cloned().ok_or_else(no_face)?;
            match competing(faces) {
                1 => Ok(face),
                count => Err(Error::MultipleFaces {
                    which: which.to_string(),
                    count,
                }),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::BBox;

    fn face(x: f32, side: f32) -> Face {
        Face {
            bbox: BBox {
                x1: x,
                y1: 0.0,
                x2: x + side,
                y2: side,
            },
            score: 0.9,
            landmarks: [[0.0; 2]; 5],
        }
    }

    #[test]
    fn a_small_bystander_is_ignored_and_a_peer_is_not() {
        let dims = (400, 200);
        let bystander = [face(0.0, 100.0), face(200.0, 50.0)];
        assert_eq!(competing(&bystander), 1);
        assert!(choose_face(&bystander, FacePolicy::Single, "first", dims).is_ok());
        let peers = [face(0.0, 100.0), face(200.0, 90.0)];
        let err = choose_face(&peers, FacePolicy::Single, "first", dims).unwrap_err();
        assert_eq!(err.code(), "MULTIPLE_FACES");
        let chosen = choose_face(&peers, FacePolicy::Largest, "first", dims).unwrap();
        assert_eq!(chosen.bbox.x1, 0.0);
        let central = choose_face(&peers, FacePolicy::Central, "first", dims).unwrap();
        assert_eq!(central.bbox.x1, 200.0);
        let none = choose_face(&[], FacePolicy::Largest, "second", dims).unwrap_err();
        assert_eq!(none.code(), "NO_FACE");
    }
}
