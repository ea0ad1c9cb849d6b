//! Typed requests: what every boundary hands the pipeline. The JavaScript API (through
//! `serde_wasm_bindgen`), the `veriface` HTTP format (through `serde_json`) and the CLI (built
//! from its arguments) all fill these same structs, so an option is parsed, defaulted and
//! checked in one place. JavaScript spells fields in camelCase, the HTTP format in snake_case;
//! both are accepted.
//!
//! Errors are `BAD_PARAMETER` naming the field (`threshold`, `frames[1].timestamp`), except what
//! is wrong with an image itself, which keeps its own code (`BAD_FRAME`, `NOT_BASE64`, ...).

mod image;

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::image::ImageInput;
use crate::liveness::LivenessOptions;
use crate::pipeline::{CompareOptions, Frame};
use crate::report::CompareResult;
use crate::select::FacePolicy;
use crate::shapes::Format;

pub use image::{FrameSource, ImageSource};
/// A compare: two images and the options.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct CompareRequest {
    /// The probe (the live capture, for `checkLiveness`).
    pub a: Option<ImageSource>,
    /// The reference (an ID portrait, say).
    pub b: Option<ImageSource>,
    /// Decision threshold on the calibrated score, 0..1 (default 0.7).
    pub threshold: Option<f64>,
    /// How to pick the face in each image (default: the format's, else `single`).
    #[serde(rename = "facePolicy", alias = "face_policy")]
    pub face_policy: Option<FacePolicy>,
    /// Also run the single-frame liveness checks on `a`.
    #[serde(rename = "checkLiveness", alias = "check_liveness")]
    pub check_liveness: Option<bool>,
    /// Answer in this vendor's shape.
    pub format: Option<Format>,
}

impl CompareRequest {
    /// The options, with the format's default face policy where none is given.
    ///
    /// # Errors
    /// `BAD_PARAMETER` for a threshold outside [0, 1].
    pub fn options(&self) -> Result<CompareOptions> {
        let defaults = CompareOptions::default();
        let options = CompareOptions {
            threshold: self.threshold.unwrap_or(defaults.threshold),
            face_policy: self
                .face_policy
                .or_else(|| self.format.map(Format::default_face_policy))
                .unwrap_or_default(),
            check_liveness: self.check_liveness.unwrap_or(false),
        };
        options.validate()?;
        Ok(options)
    }

    /// Both images.
    ///
    /// # Errors
    /// `BAD_PARAMETER` naming a missing image (or the image's own code for a malformed one).
    pub fn images(&self) -> Result<(ImageInput<'_>, ImageInput<'_>)> {
        Ok((required(&self.a, "a")?, required(&self.b, "b")?))
    }
}

/// A compare result already computed, to answer in a vendor's shape: a page that shows one
/// result in several formats formats it again rather than running the models again (which would
/// also give each format its own transaction id).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct FormatRequest {
    /// The result, as `compare` returned it.
    pub result: CompareResult,
    /// The vendor whose response body to build.
    pub format: Format,
    /// The transaction id to carry (default: a fresh one), so every format of one result shows
    /// the same id.
    #[serde(default, rename = "transactionId", alias = "transaction_id")]
    pub transaction_id: Option<String>,
}

impl FormatRequest {
    /// Longest transaction id accepted: a UUID is 36; vendors' own ids are shorter than this.
    pub const MAX_TRANSACTION_ID: usize = 128;

    /// The caller's transaction id, checked.
    ///
    /// # Errors
    /// `BAD_PARAMETER` for an empty id or one longer than [`Self::MAX_TRANSACTION_ID`] bytes.
    pub fn transaction_id(&self) -> Result<Option<&str>> {
        match self.transaction_id.as_deref() {
            Some(id) if id.is_empty() || id.len() > Self::MAX_TRANSACTION_ID => {
                Err(Error::bad_parameter(
                    "transactionId",
                    format!("expected 1 to {} characters", Self::MAX_TRANSACTION_ID),
                ))
            }
            other => Ok(other),
        }
    }
}

/// The single-frame checks on one image.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct QualityRequest {
    /// The frame.
    pub image: Option<ImageSource>,
    /// Run the eye-state and anti-spoofing models (default: when they are loaded). `false` is the
    /// camera-rate guidance pass.
    pub models: Option<bool>,
    /// The guidance frame follows the previous `follow` frame of the same camera: look around
    /// the last face first ([`crate::Pass::Follow`]). Default false.
    pub follow: Option<bool>,
}

/// A liveness check of 2 to 5 frames.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct LivenessRequest {
    /// The frames, in capture order: images, or `{ image, timestamp }`.
    pub frames: Option<Vec<FrameSource>>,
    /// The frames' capture times in ms, one per frame, when the frames are bare images (the
    /// HTTP format sends them apart).
    pub timestamps: Option<Vec<f64>>,
    /// The front of an ID document: the live face must match its portrait.
    #[serde(rename = "idFront", alias = "id_front")]
    pub id_front: Option<ImageSource>,
    /// Longest allowed span from the first frame to the last (default 500 ms).
    #[serde(rename = "maxSpanMs", alias = "max_span_ms")]
    pub max_span_ms: Option<f64>,
    /// Answer in this vendor's shape.
    pub format: Option<Format>,
}

impl LivenessRequest {
    /// The frames with their timestamps: from each frame, or from `timestamps` (one per frame).
    ///
    /// # Errors
    /// `BAD_PARAMETER` for missing frames, a timestamp count that is not the frame count, or
    /// timestamps given both ways; an image's own code for a malformed frame.
    pub fn frames(&self) -> Result<Vec<Frame<'_>>> {
        let frames = self
            .frames
            .as_ref()
            .ok_or_else(|| Error::bad_parameter("frames", "the field is required"))?;
        if let Some(times) = &self.timestamps {
            if times.len() != frames.len() {
                return Err(Error::bad_parameter(
                    "timestamps",
                    format!(
                        "give one per frame: {} frames, {} timestamps",
                        frames.len(),
                        times.len()
                    ),
                ));
            }
            if frames.iter().any(|f| f.timestamp.is_some()) {
                return Err(Error::bad_parameter(
                    "timestamps",
                    "give the timestamps in the frames or in `timestamps`, not both",
                ));
            }
        }
        frames
            .iter()
            .enumerate()
            .map(|(i, f)| {
                Ok(Frame {
                    image: f.image.input(&format!("frames[{i}]"))?,
                    timestamp_ms: f
                        .timestamp
                        .or_else(|| self.timestamps.as_ref().and_then(|t| t.get(i).copied())),
                })
            })
            .collect()
    }

    /// The ID front, if given.
    ///
    /// # Errors
    /// The image's own code for a malformed one.
    pub fn id_front(&self) -> Result<Option<ImageInput<'_>>> {
        self.id_front
            .as_ref()
            .map(|i| i.input("idFront"))
            .transpose()
    }

    /// The options.
    pub fn options(&self) -> LivenessOptions {
        let mut options = LivenessOptions::default();
        if let Some(ms) = self.max_span_ms {
            options.max_span_ms = ms;
        }
        options
    }
}

/// `image` as a pipeline input, or `BAD_PARAMETER` "the field is required".
///
/// # Errors
/// As described.
pub fn required<'a>(image: &'a Option<ImageSource>, field: &str) -> Result<ImageInput<'a>> {
    image
        .as_ref()
        .ok_or_else(|| Error::bad_parameter(field, "the field is required"))?
        .input(field)
}

/// Deserialises a request, turning any error into `BAD_PARAMETER` naming the field where it
/// happened (`threshold`, `frames[2].timestamp`). `keys` are the top-level keys the caller sent:
/// one that `T` does not know is refused too, so a misspelt option cannot silently fall back to
/// its default.
///
/// # Errors
/// `BAD_PARAMETER` as described.
pub fn parse<'de, T, D, K>(deserializer: D, keys: K) -> Result<T>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
    K: IntoIterator,
    K::Item: AsRef<str>,
{
    let known = field_names::<T>();
    for key in keys {
        let key = key.as_ref();
        let alias = ALIASES
            .iter()
            .any(|(alias, name)| *alias == key && known.contains(name));
        if !known.contains(&key) && !alias {
            return Err(Error::bad_parameter(
                key,
                format!("unknown field: the fields are {}", known.join(", ")),
            ));
        }
    }
    serde_path_to_error::deserialize(deserializer).map_err(|e| {
        let path = e.path().to_string();
        let name = if path == "." { "request" } else { &path };
        Error::bad_parameter(name, e.into_inner().to_string())
    })
}

/// The snake_case spellings the HTTP format uses, accepted beside the camelCase field names.
const ALIASES: &[(&str, &str)] = &[
    ("face_policy", "facePolicy"),
    ("check_liveness", "checkLiveness"),
    ("id_front", "idFront"),
    ("max_span_ms", "maxSpanMs"),
    ("transaction_id", "transactionId"),
];

/// The field names `T`'s derived `Deserialize` expects, read by asking it to deserialise from a
/// deserializer that only records them.
pub fn field_names<'de, T: Deserialize<'de>>() -> &'static [&'static str] {
    struct Recorder<'a>(&'a mut &'static [&'static str]);
    impl<'de> Deserializer<'de> for Recorder<'_> {
        type Error = de::value::Error;
        fn deserialize_any<V: Visitor<'de>>(
            self,
            _: V,
        ) -> std::result::Result<V::Value, Self::Error> {
            Err(de::Error::custom("not a struct"))
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> std::result::Result<V::Value, Self::Error> {
            *self.0 = fields;
            Err(de::Error::custom("recorded"))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
            option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
            ignored_any
        }
    }
    let mut fields: &'static [&'static str] = &[];
    let _ = T::deserialize(Recorder(&mut fields));
    fields
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn compare(body: serde_json::Value) -> Result<CompareRequest> {
        let keys: Vec<String> = body
            .as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        parse(body, keys)
    }

    #[test]
    fn camel_and_snake_case_fill_the_same_fields() {
        let a = compare(json!({ "a": "x", "b": "y", "facePolicy": "largest" })).unwrap();
        let b = compare(json!({ "a": "x", "b": "y", "face_policy": "largest" })).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.face_policy, Some(FacePolicy::Largest));
        assert_eq!(a.options().unwrap().face_policy, FacePolicy::Largest);
    }

    #[test]
    fn unknown_and_ill_typed_fields_name_themselves() {
        let err = compare(json!({ "threshhold": 0.5 })).unwrap_err();
        assert_eq!(err.code(), "BAD_PARAMETER");
        assert!(err.to_string().contains("`threshhold`"), "{err}");
        let err = compare(json!({ "threshold": "high" })).unwrap_err();
        assert!(err.to_string().contains("`threshold`"), "{err}");
        let err = compare(json!({ "facePolicy": "biggest" })).unwrap_err();
        assert!(err.to_string().contains("biggest"), "{err}");
        let err = compare(json!({ "threshold": 1.5 }))
            .unwrap()
            .options()
            .unwrap_err();
        assert!(err.to_string().contains("between 0 and 1"), "{err}");
    }

    #[test]
    fn a_format_brings_its_face_policy_unless_one_is_given() {
        let r = compare(json!({ "format": "deepvue" })).unwrap();
        assert_eq!(r.options().unwrap().face_policy, FacePolicy::Largest);
        let r = compare(json!({ "format": "deepvue", "facePolicy": "single" })).unwrap();
        assert_eq!(r.options().unwrap().face_policy, FacePolicy::Single);
    }

    #[test]
    fn images_keep_their_own_error_codes() {
        let r = compare(json!({ "a": { "width": 1, "height": 1, "data": -1 }, "b": 42 })).unwrap();
        assert_eq!(required(&r.a, "a").unwrap_err().code(), "BAD_FRAME");
        assert_eq!(required(&r.b, "b").unwrap_err().code(), "BAD_PARAMETER");
        let r =
            compare(json!({ "a": { "width": 1.5, "height": 1, "data": [1, 2, 3, 4] } })).unwrap();
        assert_eq!(required(&r.a, "a").unwrap_err().code(), "BAD_FRAME");
        let r = compare(json!({ "a": { "width": 1, "height": 1, "data": [1, 2, 3, 4] } })).unwrap();
        assert!(matches!(
            required(&r.a, "a"),
            Ok(ImageInput::Rgba {
                width: 1,
                height: 1,
                ..
            })
        ));
        let missing = required(&r.b, "b").unwrap_err();
        assert_eq!(
            missing.to_string(),
            "bad parameter `b`: the field is required"
        );
    }

    #[test]
    fn frames_take_timestamps_one_way_and_one_per_frame() {
        let req: LivenessRequest = parse(
            json!({ "frames": ["a", "b"], "timestamps": [0, 160] }),
            ["frames", "timestamps"],
        )
        .unwrap();
        let frames = req.frames().unwrap();
        assert_eq!(frames[1].timestamp_ms, Some(160.0));
        let req: LivenessRequest = parse(
            json!({ "frames": [{ "image": "a", "timestamp": 5 }, "b"] }),
            ["frames"],
        )
        .unwrap();
        assert_eq!(req.frames().unwrap()[0].timestamp_ms, Some(5.0));
        let req: LivenessRequest =
            parse(json!({ "frames": ["a"], "timestamps": [1, 2] }), ["frames"]).unwrap();
        assert!(req
            .frames()
            .unwrap_err()
            .to_string()
            .contains("one per frame"));
        let err = parse::<LivenessRequest, _, _>(
            json!({ "frames": [{ "image": "a", "timestamp": "soon" }] }),
            ["frames"],
        )
        .unwrap_err();
        assert!(err.to_string().contains("frames[0]"), "{err}");
    }
}
