//! Images and frames inside a request: a string (base64 or a `data:` URL), bytes (a
//! `Uint8Array`, an `ArrayBuffer`, an array of numbers) or `{ width, height, data }` RGBA pixels.
//! Deserialising never fails on a malformed image: what is wrong with it is reported by
//! [`ImageSource::input`] with the image's own code (`BAD_FRAME`, ...), as the pipeline would.

use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::image::ImageInput;

/// An image as a request carries it, owned. Deserialises from a string (base64 or a `data:`
/// URL), bytes (a `Uint8Array`, an `ArrayBuffer`, an array of numbers) or `{ width, height, data }`
/// RGBA pixels. Never fails to deserialise: what is wrong with it is reported by
/// [`ImageSource::input`] with the right code.
#[derive(Debug, Clone, PartialEq)]
pub enum ImageSource {
    /// JPEG or PNG bytes.
    Encoded(Vec<u8>),
    /// Base64 text, optionally a `data:` URL.
    Base64(String),
    /// Raw RGBA pixels, as given (checked by [`ImageSource::input`]).
    Rgba {
        /// Width, if a number was given.
        width: Option<f64>,
        /// Height, if a number was given.
        height: Option<f64>,
        /// The bytes, if bytes were given.
        data: Option<Vec<u8>>,
    },
    /// Something that is no image: what it was.
    Invalid(String),
}

impl ImageSource {
    /// The image for the pipeline; `field` names it in errors.
    ///
    /// # Errors
    /// `BAD_FRAME` for RGBA pixels without usable dimensions or bytes; `BAD_PARAMETER` for a
    /// value that is no image at all.
    pub fn input(&self, field: &str) -> Result<ImageInput<'_>> {
        match self {
            ImageSource::Encoded(bytes) => Ok(ImageInput::Encoded(bytes)),
            ImageSource::Base64(text) => Ok(ImageInput::Base64(text)),
            ImageSource::Rgba {
                width,
                height,
                data,
            } => {
                let data = data.as_deref().ok_or_else(|| Error::BadFrame {
                    reason: "`data` must be a Uint8Array, Uint8ClampedArray, ArrayBuffer or array of RGBA bytes".into(),
                })?;
                let dim = |v: Option<f64>| {
                    v.filter(|v| *v >= 0.0 && *v <= f64::from(u32::MAX) && v.fract() == 0.0)
                        .map(|v| v as u32)
                };
                match (dim(*width), dim(*height)) {
                    (Some(width), Some(height)) => Ok(ImageInput::Rgba {
                        width,
                        height,
                        data,
                    }),
                    _ => Err(Error::BadFrame {
                        reason: format!(
                            "width and height must be whole pixel counts, got {}x{}",
                            shown(*width),
                            shown(*height)
                        ),
                    }),
                }
            }
            ImageSource::Invalid(what) => Err(Error::bad_parameter(
                field,
                format!("expected a base64 string, JPEG/PNG bytes, or {{ width, height, data }} RGBA pixels, got {what}"),
            )),
        }
    }
}

fn shown(v: Option<f64>) -> String {
    v.map_or_else(|| "nothing".into(), |v| v.to_string())
}

/// Bytes however they come: a byte buffer, or a sequence of numbers. Anything else is `None`.
struct LenientBytes(Option<Vec<u8>>);

impl<'de> Deserialize<'de> for LenientBytes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = LenientBytes;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("bytes")
            }
            fn visit_bytes<E: de::Error>(self, v: &[u8]) -> std::result::Result<Self::Value, E> {
                Ok(LenientBytes(Some(v.to_vec())))
            }
            fn visit_byte_buf<E: de::Error>(
                self,
                v: Vec<u8>,
            ) -> std::result::Result<Self::Value, E> {
                Ok(LenientBytes(Some(v)))
            }
            fn visit_seq<A: SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> std::result::Result<Self::Value, A::Error> {
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1 << 24));
                while let Some(v) = seq.next_element::<serde_json::Value>()? {
                    match v.as_u64().and_then(|b| u8::try_from(b).ok()) {
                        Some(b) => out.push(b),
                        None => {
                            while seq.next_element::<IgnoredAny>()?.is_some() {}
                            return Ok(LenientBytes(None));
                        }
                    }
                }
                Ok(LenientBytes(Some(out)))
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(LenientBytes(None))
            }
            fn visit_str<E: de::Error>(self, _: &str) -> std::result::Result<Self::Value, E> {
                Ok(LenientBytes(None))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> std::result::Result<Self::Value, E> {
                Ok(LenientBytes(None))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> std::result::Result<Self::Value, E> {
                Ok(LenientBytes(None))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> std::result::Result<Self::Value, E> {
                Ok(LenientBytes(None))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> std::result::Result<Self::Value, E> {
                Ok(LenientBytes(None))
            }
            fn visit_unit<E: de::Error>(self) -> std::result::Result<Self::Value, E> {
                Ok(LenientBytes(None))
            }
        }
        d.deserialize_any(V)
    }
}

/// A number, or `None` for anything else.
struct LenientNumber(Option<f64>);

impl<'de> Deserialize<'de> for LenientNumber {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        Ok(LenientNumber(
            serde_json::Value::deserialize(d)
                .ok()
                .and_then(|v| v.as_f64()),
        ))
    }
}

/// Visits an image, or (with `with_timestamp`) a frame: an image or `{ image, timestamp }`.
struct ImageVisitor {
    with_timestamp: bool,
}

/// An image and, for frames, its timestamp.
type Visited = (ImageSource, Option<f64>);

impl<'de> Visitor<'de> for ImageVisitor {
    type Value = Visited;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an image")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<Visited, E> {
        Ok((ImageSource::Base64(v.to_string()), None))
    }
    fn visit_string<E: de::Error>(self, v: String) -> std::result::Result<Visited, E> {
        Ok((ImageSource::Base64(v), None))
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> std::result::Result<Visited, E> {
        Ok((ImageSource::Encoded(v.to_vec()), None))
    }
    fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> std::result::Result<Visited, E> {
        Ok((ImageSource::Encoded(v), None))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> std::result::Result<Visited, A::Error> {
        let bytes = LenientBytes::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
        Ok((
            bytes.0.map_or_else(
                || ImageSource::Invalid("an array that is not bytes".into()),
                ImageSource::Encoded,
            ),
            None,
        ))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Visited, A::Error> {
        let (mut width, mut height, mut data, mut seen_data) = (None, None, None, false);
        let (mut image, mut timestamp) = (None, None);
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "width" => width = map.next_value::<LenientNumber>()?.0,
                "height" => height = map.next_value::<LenientNumber>()?.0,
                "data" => {
                    seen_data = true;
                    data = map.next_value::<LenientBytes>()?.0;
                }
                "image" if self.with_timestamp => {
                    image = Some(map.next_value::<ImageSource>()?);
                }
                "timestamp" if self.with_timestamp => {
                    timestamp = map.next_value::<Option<f64>>()?;
                }
                other => {
                    return Err(de::Error::custom(format!(
                        "unknown field `{other}`: an image is {{ width, height, data }}{}",
                        if self.with_timestamp {
                            ", a frame { image, timestamp }"
                        } else {
                            ""
                        }
                    )))
                }
            }
        }
        let source = match image {
            Some(image) => image,
            None if seen_data || width.is_some() || height.is_some() => ImageSource::Rgba {
                width,
                height,
                data,
            },
            None => ImageSource::Invalid("an object without `data`".into()),
        };
        Ok((source, timestamp))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> std::result::Result<Visited, E> {
        Ok((ImageSource::Invalid(format!("the number {v}")), None))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> std::result::Result<Visited, E> {
        Ok((ImageSource::Invalid(format!("the number {v}")), None))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> std::result::Result<Visited, E> {
        Ok((ImageSource::Invalid(format!("the number {v}")), None))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> std::result::Result<Visited, E> {
        Ok((ImageSource::Invalid(format!("{v}")), None))
    }
    fn visit_unit<E: de::Error>(self) -> std::result::Result<Visited, E> {
        Ok((ImageSource::Invalid("nothing".into()), None))
    }
}

impl<'de> Deserialize<'de> for ImageSource {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        d.deserialize_any(ImageVisitor {
            with_timestamp: false,
        })
        .map(|(image, _)| image)
    }
}

/// One liveness frame: an image, or `{ image, timestamp }` (ms), as `captureFrames` gives them.
#[derive(Debug, Clone, PartialEq)]
pub struct FrameSource {
    /// The image.
    pub image: ImageSource,
    /// Capture time in ms, if given.
    pub timestamp: Option<f64>,
}

impl<'de> Deserialize<'de> for FrameSource {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        d.deserialize_any(ImageVisitor {
            with_timestamp: true,
        })
        .map(|(image, timestamp)| FrameSource { image, timestamp })
    }
}
