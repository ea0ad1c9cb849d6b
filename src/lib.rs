//! veriface: face verification that runs where the face is.
//!
//! Three layers, each using only the ones below it:
//!
//! - **Pure stages**, one module each, over byte slices and pixel buffers: [`image`] decodes,
//!   [`detect`] finds faces and their five landmarks, [`select`] picks the subject, [`align`]
//!   warps it onto the embedder's template, [`embed`] turns the crop into a vector, [`compare`]
//!   turns two vectors into a calibrated score, and [`liveness`] holds the liveness checks.
//!   [`models`] checks model bytes against their SHA-256; [`report`] holds the result types.
//! - **One orchestration layer**, [`pipeline`]: [`Verifier`] runs the stages in order for a
//!   compare, one frame's checks, a liveness session, or the re-check of a browser's result.
//! - **Boundaries**: [`request`] (typed requests every boundary fills), [`shapes`] (the vendors'
//!   response bodies), [`endpoints`] (the vendors' request bodies), the wasm module (JavaScript)
//!   and the CLI.
//!
//! The core has no threads, no filesystem and no clock of its own, so it compiles unchanged to
//! WebAssembly; model bytes come in from the caller.
//!
//! ```no_run
//! use veriface::{CompareOptions, ImageInput, ModelBytes, Verifier};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let detector = std::fs::read("models/retinaface_mnet025.onnx")?;
//! // The default embedder is a fusion of two networks: one file each, in the manifest's order.
//! let fr = std::fs::read("models/faceplugin_fr_feature_fp16.onnx")?;
//! let dlib = std::fs::read("models/dlib_resnet_v1_fp16.onnx")?;
//! let mut v = Verifier::new(ModelBytes { detector: &detector, embedders: &[&fr, &dlib] }, None)?;
//! let (a, b) = (std::fs::read("a.jpg")?, std::fs::read("b.jpg")?);
//! let r = v.compare(ImageInput::Encoded(&a), ImageInput::Encoded(&b), &CompareOptions::default())?;
//! println!("same person: {} (score {:.3})", r.is_match, r.score);
//! # Ok(()) }
//! ```

#![deny(missing_docs)]

mod codes;

pub mod align;
pub mod challenge;
pub mod compare;
pub mod detect;
pub mod embed;
pub mod endpoints;
pub mod error;
pub mod eval;
pub mod image;
pub mod liveness;
pub mod models;
pub mod pipeline;
pub mod report;
pub mod request;
pub mod select;
pub mod shapes;
#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use crate::error::{Error, ErrorCode, Result};
pub use crate::image::{ImageInput, Limits};
pub use crate::liveness::LivenessOptions;
pub use crate::pipeline::{ChallengeContext, CompareOptions, Frame, ModelBytes, Pass, Verifier};
pub use crate::report::{
    CompareResult, DetectResult, Evidence, FaceReport, FrameReport, LivenessResult,
};
pub use crate::select::FacePolicy;
