//! veriface: face verification that runs where the face is.
//!
//! A pure-Rust pipeline over byte slices and pixel buffers: [`image`] decodes, [`detect`] finds
//! faces and their five landmarks, [`align`] warps each face onto the embedder's template,
//! [`embed`] turns the crop into a vector, [`compare`] turns two vectors into a calibrated score.
//! [`verifier::Verifier`] runs them in order. The core has no threads, no filesystem and no
//! clock of its own, so it compiles unchanged to WebAssembly; model bytes come in from the caller
//! and are checked against the SHA-256 values in [`models`].
//!
//! ```no_run
//! use veriface::{ImageInput, ModelBytes, Verifier, CompareOptions};
//! # fn main() -> Result<(), veriface::Error> {
//! let detector = std::fs::read("models/retinaface_mnet025.onnx").unwrap();
//! let embedder = std::fs::read("models/faceplugin_fr_feature.onnx").unwrap();
//! let mut v = Verifier::new(ModelBytes { detector: &detector, embedder: &embedder }, None)?;
//! let (a, b) = (std::fs::read("a.jpg").unwrap(), std::fs::read("b.jpg").unwrap());
//! let r = v.compare(ImageInput::Encoded(&a), ImageInput::Encoded(&b), &CompareOptions::default())?;
//! println!("same person: {} (score {:.3})", r.is_match, r.score);
//! # Ok(()) }
//! ```

#![deny(missing_docs)]

pub mod align;
pub mod compare;
pub mod detect;
pub mod embed;
pub mod error;
pub mod eval;
pub mod image;
pub mod liveness;
pub mod models;
pub mod report;
pub mod vendor;
pub mod verifier;
#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use crate::error::{Error, Result};
pub use crate::image::{ImageInput, Limits};
pub use crate::report::{CompareResult, DetectResult, Evidence, FaceReport};
pub use crate::verifier::{CompareOptions, FacePolicy, ModelBytes, Verifier};
