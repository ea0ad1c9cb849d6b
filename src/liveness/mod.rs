//! Liveness: is the face in front of the camera a live person? Built in stages: per-frame quality
//! checks with the OpenCV FR codes ([`quality`], from the detector's box and landmarks, with the
//! head pose from [`pose`]), then the model-based and across-frame checks.
//!
//! Work in progress (the liveness issue): the geometric quality checks are here and tested; the
//! eye-state and passive anti-spoofing models are in `models/` with their classes established
//! (docs/liveness.md); the across-frame checks and the combined decision come next.

pub mod frame;
pub mod passive;
pub mod pose;
pub mod quality;
pub mod session;
pub mod texture;
