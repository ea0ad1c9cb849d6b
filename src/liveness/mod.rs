//! Liveness: is the face in front of the camera a live person? One module per concern:
//! [`quality`] (the OpenCV FR geometric codes from the detector's box and landmarks, with the head
//! pose from [`pose`]), [`texture`] (occlusion and the screen-moire cue, from pixels),
//! [`passive`] (the eye-state and anti-spoofing classifiers), [`frame`] (everything one frame
//! says) and [`session`] (2 to 5 frames: the sequence checks, the ID match and the decision).
//! docs/liveness.md has every threshold and how it was measured.

pub mod frame;
pub mod passive;
pub mod pose;
pub mod quality;
pub mod session;
pub mod texture;
