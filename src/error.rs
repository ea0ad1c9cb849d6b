//! One error type for the whole pipeline.
//!
//! Every variant has a stable machine-readable [`Error::code`] (never renamed once released: client
//! code and the vendor-shaped responses key on it) and a message that tells the caller what to fix.
//! Variants are grouped by whose fault they are, in the manner of `image::ImageError`:
//! the caller's input, the caller's parameters, or the models the caller supplied.

use thiserror::Error;

/// Everything that can go wrong in veriface. Nothing in the library panics on user input; it
/// returns one of these instead.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// Caller's input: an empty byte slice or string where an image was expected.
    #[error("the image is empty: send the bytes of a JPEG or PNG file")]
    EmptyInput,

    /// Caller's input: a string that is not valid base64 (after a `data:` prefix and white space
    /// are removed).
    #[error("the image string is not valid base64 ({reason}): send standard or URL-safe base64, optionally as a data: URL")]
    NotBase64 {
        /// What the base64 decoder objected to.
        reason: String,
    },

    /// Caller's input: a well-formed file of a format veriface does not decode.
    #[error("{format} images are not supported: convert the image to JPEG or PNG")]
    UnsupportedFormat {
        /// The format that was recognised, or "unknown".
        format: String,
    },

    /// Caller's input: a JPEG or PNG that is cut short or damaged.
    #[error("the image could not be decoded, it is truncated or corrupt ({reason}): re-export or re-capture it")]
    CorruptImage {
        /// What the decoder reported.
        reason: String,
    },

    /// Caller's input: more bytes, pixels or a longer side than the configured limits allow.
    /// Checked before any pixel is decoded, so a hostile file cannot exhaust memory.
    #[error("the image is too large: {what} is {actual}, the limit is {limit}; scale it down before sending")]
    TooLarge {
        /// Which quantity is over the limit ("encoded size in bytes", "pixel count", "width", ...).
        what: &'static str,
        /// The value found.
        actual: u64,
        /// The configured limit.
        limit: u64,
    },

    /// Caller's input: raw pixels whose length does not match width x height x 4.
    #[error("the RGBA frame is malformed: {reason}")]
    BadFrame {
        /// Which property is wrong.
        reason: String,
    },

    /// The image holds no face that the detector accepts.
    #[error("no face was found in the {which} image: use a sharp, well-lit photo with the whole face visible")]
    NoFace {
        /// Which input ("first", "second", "document", "frame 2", ...).
        which: String,
    },

    /// The image holds several faces of similar size where exactly one is required.
    #[error("{count} faces were found in the {which} image where one is required: crop it to one person")]
    MultipleFaces {
        /// Which input.
        which: String,
        /// How many comparable faces were found.
        count: usize,
    },

    /// Caller's parameters: an option outside its allowed range.
    #[error("bad parameter `{name}`: {reason}")]
    BadParameter {
        /// The parameter's name as the caller spelled it.
        name: String,
        /// What is allowed.
        reason: String,
    },

    /// The model bytes do not have the SHA-256 the manifest records.
    #[error("model `{model}` has SHA-256 {actual}, expected {expected}: the file is damaged or not the one veriface was calibrated for; fetch it again")]
    ModelHashMismatch {
        /// Model id from the manifest.
        model: String,
        /// Hash the manifest records.
        expected: String,
        /// Hash of the bytes supplied.
        actual: String,
    },

    /// A model name that the manifest does not know.
    #[error("unknown model `{name}`: known models are {known}")]
    UnknownModel {
        /// The name asked for.
        name: String,
        /// The names the manifest knows, comma-separated.
        known: String,
    },

    /// The ONNX runtime failed to load or run a model. With hash-checked models this points at a
    /// bug in veriface, not at the caller.
    #[error("the model runtime failed: {reason}")]
    Inference {
        /// tract's message.
        reason: String,
    },
}

crate::codes::codes! {
    /// The stable code of each [`Error`] variant, in SCREAMING_SNAKE_CASE. These strings are part
    /// of the API: client code and the vendor-shaped responses key on them.
    pub enum ErrorCode {
        /// [`Error::EmptyInput`].
        EmptyInput = "EMPTY_INPUT",
        /// [`Error::NotBase64`].
        NotBase64 = "NOT_BASE64",
        /// [`Error::UnsupportedFormat`].
        UnsupportedFormat = "UNSUPPORTED_FORMAT",
        /// [`Error::CorruptImage`].
        CorruptImage = "CORRUPT_IMAGE",
        /// [`Error::TooLarge`].
        ImageTooLarge = "IMAGE_TOO_LARGE",
        /// [`Error::BadFrame`].
        BadFrame = "BAD_FRAME",
        /// [`Error::NoFace`].
        NoFace = "NO_FACE",
        /// [`Error::MultipleFaces`].
        MultipleFaces = "MULTIPLE_FACES",
        /// [`Error::BadParameter`].
        BadParameter = "BAD_PARAMETER",
        /// [`Error::ModelHashMismatch`].
        ModelHashMismatch = "MODEL_HASH_MISMATCH",
        /// [`Error::UnknownModel`].
        UnknownModel = "UNKNOWN_MODEL",
        /// [`Error::Inference`].
        InferenceFailed = "INFERENCE_FAILED",
    }
}

impl Error {
    /// The variant's stable code.
    pub fn kind(&self) -> ErrorCode {
        match self {
            Error::EmptyInput => ErrorCode::EmptyInput,
            Error::NotBase64 { .. } => ErrorCode::NotBase64,
            Error::UnsupportedFormat { .. } => ErrorCode::UnsupportedFormat,
            Error::CorruptImage { .. } => ErrorCode::CorruptImage,
            Error::TooLarge { .. } => ErrorCode::ImageTooLarge,
            Error::BadFrame { .. } => ErrorCode::BadFrame,
            Error::NoFace { .. } => ErrorCode::NoFace,
            Error::MultipleFaces { .. } => ErrorCode::MultipleFaces,
            Error::BadParameter { .. } => ErrorCode::BadParameter,
            Error::ModelHashMismatch { .. } => ErrorCode::ModelHashMismatch,
            Error::UnknownModel { .. } => ErrorCode::UnknownModel,
            Error::Inference { .. } => ErrorCode::InferenceFailed,
        }
    }

    /// The stable code of this error as a string (`"NO_FACE"`, ...).
    pub fn code(&self) -> &'static str {
        self.kind().name()
    }

    /// Every code, for documentation and for tests that check the tables stay complete.
    pub const ALL_CODES: &'static [&'static str] = ErrorCode::NAMES;

    /// Shorthand for [`Error::BadParameter`].
    pub fn bad_parameter(name: &str, reason: impl Into<String>) -> Self {
        Error::BadParameter {
            name: name.to_string(),
            reason: reason.into(),
        }
    }

    pub(crate) fn inference(err: impl std::fmt::Display) -> Self {
        Error::Inference {
            reason: err.to_string(),
        }
    }
}

/// Result alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
