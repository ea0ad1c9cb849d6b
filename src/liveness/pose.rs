//! Head pose (yaw, pitch, roll) from the detector's five landmarks: cheap enough for every camera
//! frame, and enough to tell a user to face the camera.
//!
//! Roll is the angle of the eye line. Yaw and pitch come from where the nose tip sits relative to
//! the eyes and mouth: the tip stands in front of the eye plane by about half the distance
//! between the eyes ([`NOSE_DEPTH`]), so turning the head by an angle moves it sideways (yaw) or
//! up and down (pitch) by that depth times the sine of the angle, while the eyes and mouth move
//! far less. On 300 frontal LFW faces the tip sits at [`NOSE_HEIGHT`] of the way from the eye line
//! to the mouth line (median); pitch is measured from there.

use serde::{Deserialize, Serialize};

/// Nose-tip depth in front of the eye plane, as a fraction of the distance between the eyes
/// (anthropometric: about 30 mm for 63 mm).
pub const NOSE_DEPTH: f32 = 0.5;

/// Median height of the nose tip between the eye line (0) and the mouth line (1) on frontal
/// faces: 0.549 over 300 LFW dev faces (every 10th image, face nearest the centre).
pub const NOSE_HEIGHT: f32 = 0.549;

/// Head rotation in degrees. Positive yaw: the face turns to the image's right; positive pitch:
/// the face tilts down; positive roll: the eye line slopes down to the image's right.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Pose {
    /// Turn left/right.
    pub yaw: f32,
    /// Nod up/down.
    pub pitch: f32,
    /// Tilt in the image plane.
    pub roll: f32,
}

/// Estimates the pose from landmarks ordered left eye, right eye, nose tip, left and right mouth
/// corner ("left" as seen in the image). `None` when the eyes coincide or the mouth is not below
/// the eyes, which no real face produces.
pub fn estimate(landmarks: &[[f32; 2]; 5]) -> Option<Pose> {
    let [le, re, nose, lm, rm] = *landmarks;
    let (dx, dy) = (re[0] - le[0], re[1] - le[1]);
    let iod = dx.hypot(dy);
    // Also rejects NaN (landmarks from a degenerate detection).
    if iod.is_nan() || iod <= 1e-3 {
        return None;
    }
    let roll = dy.atan2(dx);
    // Undo the roll about the eye midpoint, so x runs along the eye line and y down the face.
    let (c, s) = (roll.cos(), roll.sin());
    let mid = [(le[0] + re[0]) / 2.0, (le[1] + re[1]) / 2.0];
    let local = |p: [f32; 2]| {
        let (x, y) = (p[0] - mid[0], p[1] - mid[1]);
        (x * c + y * s, -x * s + y * c)
    };
    let (nx, ny) = local(nose);
    let (lmx, lmy) = local(lm);
    let (rmx, rmy) = local(rm);
    let (mx, my) = ((lmx + rmx) / 2.0, (lmy + rmy) / 2.0);
    if my.is_nan() || my <= 1e-3 {
        return None;
    }
    // Sideways: the nose tip against the line from the eye midpoint to the mouth midpoint.
    let centre_x = mx * (ny / my).clamp(0.0, 1.5);
    let depth = NOSE_DEPTH * iod;
    let yaw = ((nx - centre_x) / depth).clamp(-1.0, 1.0).asin();
    // Up and down: the tip's height between eye and mouth lines against the frontal median.
    let pitch = ((ny - NOSE_HEIGHT * my) / depth).clamp(-1.0, 1.0).asin();
    Some(Pose {
        yaw: yaw.to_degrees(),
        pitch: pitch.to_degrees(),
        roll: roll.to_degrees(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A frontal face: eyes 60 px apart, nose at the median height, mouth 64 px below the eyes.
    fn frontal() -> [[f32; 2]; 5] {
        let my = 64.0;
        [
            [70.0, 100.0],
            [130.0, 100.0],
            [100.0, 100.0 + NOSE_HEIGHT * my],
            [78.0, 100.0 + my],
            [122.0, 100.0 + my],
        ]
    }

    #[test]
    fn frontal_face_has_zero_pose() {
        let p = estimate(&frontal()).unwrap();
        assert!(
            p.yaw.abs() < 1e-3 && p.pitch.abs() < 1e-3 && p.roll.abs() < 1e-3,
            "{p:?}"
        );
    }

    #[test]
    fn rotating_the_landmarks_in_the_image_is_pure_roll() {
        let (a, centre) = (30f32.to_radians(), [100.0, 130.0]);
        let rot = frontal().map(|[x, y]| {
            let (dx, dy) = (x - centre[0], y - centre[1]);
            [
                centre[0] + dx * a.cos() - dy * a.sin(),
                centre[1] + dx * a.sin() + dy * a.cos(),
            ]
        });
        let p = estimate(&rot).unwrap();
        assert!((p.roll - 30.0).abs() < 1e-3, "{p:?}");
        assert!(p.yaw.abs() < 1e-3 && p.pitch.abs() < 1e-3, "{p:?}");
    }

    #[test]
    fn nose_shifted_sideways_is_yaw_and_down_is_pitch() {
        let mut lm = frontal();
        // Half the nose depth sideways: asin(0.5) = 30 degrees.
        lm[2][0] += 0.5 * NOSE_DEPTH * 60.0;
        let p = estimate(&lm).unwrap();
        assert!((p.yaw - 30.0).abs() < 1e-3, "{p:?}");
        let mut lm = frontal();
        lm[2][1] += 0.5 * NOSE_DEPTH * 60.0;
        let p = estimate(&lm).unwrap();
        assert!((p.pitch - 30.0).abs() < 1e-3 && p.yaw.abs() < 1e-3, "{p:?}");
    }

    #[test]
    fn degenerate_landmarks_give_none() {
        let mut lm = frontal();
        lm[1] = lm[0];
        assert!(estimate(&lm).is_none());
        let mut lm = frontal();
        lm[3][1] = 90.0;
        lm[4][1] = 90.0;
        assert!(estimate(&lm).is_none());
    }
}
