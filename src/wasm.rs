//! The JavaScript boundary: every `#[wasm_bindgen]` item of the crate lives here, compiled only
//! for wasm32. It converts JS values to the core's types and back, and errors to JS `Error`s
//! carrying the stable `code`; nothing else. The pipeline itself is in the other modules.

use js_sys::{Reflect, Uint8Array};
use wasm_bindgen::prelude::*;

use crate::liveness::session::{self, Frame, LivenessOptions};
use crate::models::Manifest;
use crate::vendor::{self, Context, Failure, Format, Request};
use crate::{CompareOptions, Error, FacePolicy, ImageInput, ModelBytes};

#[wasm_bindgen]
extern "C" {
    /// `performance.now()`: present on `globalThis` in windows and workers alike.
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;
}

fn clock() -> f64 {
    performance_now()
}

/// A JS `Error` whose `code` property is the stable error code, so callers can branch on it.
fn js_error(err: &Error) -> JsValue {
    let e = js_sys::Error::new(&err.to_string());
    // Setting a property on a fresh Error object cannot fail; if it somehow did, the message
    // still carries the explanation.
    let _ = Reflect::set(&e, &"code".into(), &err.code().into());
    e.into()
}

/// Pixels or bytes taken out of a JS value, owned so the borrow checker is happy with the
/// `ImageInput` that borrows them.
enum Owned {
    Encoded(Vec<u8>),
    Base64(String),
    Rgba(u32, u32, Vec<u8>),
}

impl Owned {
    fn input(&self) -> ImageInput<'_> {
        match self {
            Owned::Encoded(b) => ImageInput::Encoded(b),
            Owned::Base64(s) => ImageInput::Base64(s),
            Owned::Rgba(width, height, data) => ImageInput::Rgba {
                width: *width,
                height: *height,
                data,
            },
        }
    }
}

/// Accepts a base64 string, a `Uint8Array` of JPEG/PNG bytes, or RGBA pixels as `ImageData` or
/// `{ width, height, data }`.
fn image_from_js(value: &JsValue, which: &str) -> Result<Owned, Error> {
    if let Some(s) = value.as_string() {
        return Ok(Owned::Base64(s));
    }
    if let Some(bytes) = value.dyn_ref::<Uint8Array>() {
        return Ok(Owned::Encoded(bytes.to_vec()));
    }
    if value.is_object() {
        let get = |k: &str| Reflect::get(value, &k.into()).unwrap_or(JsValue::UNDEFINED);
        let (w, h, data) = (get("width"), get("height"), get("data"));
        if let (Some(w), Some(h)) = (w.as_f64(), h.as_f64()) {
            if !data.is_undefined() {
                // Only types `Uint8Array::new` takes without throwing: a JS exception raised
                // inside a `&mut self` method would leave the object borrowed for good.
                let typed = data.is_instance_of::<Uint8Array>()
                    || data.is_instance_of::<js_sys::Uint8ClampedArray>()
                    || data.is_instance_of::<js_sys::ArrayBuffer>()
                    || js_sys::Array::is_array(&data);
                if !typed {
                    return Err(Error::BadFrame {
                        reason: "`data` must be a Uint8Array, Uint8ClampedArray, ArrayBuffer or array of RGBA bytes".into(),
                    });
                }
                let pixels = Uint8Array::new(&data).to_vec();
                let dim = |v: f64| (v >= 0.0 && v <= f64::from(u32::MAX)).then_some(v as u32);
                return match (dim(w), dim(h)) {
                    (Some(w), Some(h)) => Ok(Owned::Rgba(w, h, pixels)),
                    _ => Err(Error::BadFrame {
                        reason: format!("width and height must be whole pixel counts, got {w}x{h}"),
                    }),
                };
            }
        }
    }
    Err(Error::bad_parameter(
        which,
        "expected a base64 string, a Uint8Array of JPEG/PNG bytes, or { width, height, data } RGBA pixels",
    ))
}

/// The face verifier, constructed from model bytes (their SHA-256 is checked).
#[wasm_bindgen]
pub struct Verifier {
    inner: crate::Verifier,
}

#[wasm_bindgen]
impl Verifier {
    /// Loads the detector and embedder from their ONNX bytes; `embedder_id` picks a manifest
    /// entry (the default embedder when omitted). `manifest_json` replaces the built-in manifest,
    /// for bringing your own (calibrated) model; the hashes are then checked against it instead.
    #[wasm_bindgen(constructor)]
    pub fn new(
        detector: &[u8],
        embedder: &[u8],
        embedder_id: Option<String>,
        manifest_json: Option<String>,
    ) -> Result<Verifier, JsValue> {
        let manifest = match manifest_json {
            Some(json) => serde_json::from_str::<Manifest>(&json).map_err(|e| {
                js_error(&Error::bad_parameter(
                    "manifest",
                    format!("not a veriface model manifest ({e}); see models/manifest.json"),
                ))
            })?,
            None => Manifest::builtin().map_err(|e| js_error(&e))?,
        };
        let models = ModelBytes { detector, embedder };
        let mut inner = crate::Verifier::with_manifest(manifest, models, embedder_id.as_deref())
            .map_err(|e| js_error(&e))?;
        inner.set_clock(clock);
        Ok(Verifier { inner })
    }

    /// Compares two images. `options` may set `threshold` (0..1, default 0.7), `facePolicy`
    /// (`"single"`, the default, `"largest"` or `"central"`) and `format` (`"vlens"`,
    /// `"valify"`, `"deepvue"`, `"opencv"`, `"veriface"`). Without `format` it returns the
    /// result and throws on error; with one, it returns the vendor's body for either, as the
    /// vendor's API would send it.
    pub fn compare(
        &mut self,
        a: JsValue,
        b: JsValue,
        options: JsValue,
    ) -> Result<JsValue, JsValue> {
        let (opts, format) = compare_options(&options).map_err(|e| js_error(&e))?;
        let outcome = image_from_js(&a, "a")
            .and_then(|a| Ok((a, image_from_js(&b, "b")?)))
            .and_then(|(a, b)| self.inner.compare(a.input(), b.input(), &opts));
        match format {
            None => to_js(&outcome.map_err(|e| js_error(&e))?),
            Some(format) => {
                let ctx = context().map_err(|e| js_error(&e))?;
                let outcome = outcome.map_err(Failure::from);
                to_js(&vendor::compare_response(format, &outcome, &ctx).body)
            }
        }
    }

    /// Answers a vendor request (`endpoint` path or URL, `body` the vendor's JSON request as an
    /// object) as the vendor would: returns `{ status, body }`.
    pub fn handle(&mut self, endpoint: &str, body: JsValue) -> Result<JsValue, JsValue> {
        let body: serde_json::Value = serde_wasm_bindgen::from_value(body).map_err(|e| {
            js_error(&Error::bad_parameter(
                "body",
                format!("not a JSON-like object ({e})"),
            ))
        })?;
        let ctx = context().map_err(|e| js_error(&e))?;
        let response = vendor::handle(
            &mut self.inner,
            Request {
                endpoint,
                body: &body,
            },
            ctx,
        );
        to_js(&response)
    }

    /// Loads the eye-state and passive anti-spoofing models (their SHA-256 is checked), for
    /// `quality` with models, `liveness` and `checkLiveness`.
    #[wasm_bindgen(js_name = loadPassive)]
    pub fn load_passive(&mut self, liveness: &[u8], eye: &[u8]) -> Result<(), JsValue> {
        self.inner
            .load_passive(liveness, eye)
            .map_err(|e| js_error(&e))
    }

    /// The single-frame checks on one image (a camera frame): `{ models: false }` runs only
    /// what needs no model but the detector, at a quarter of the pixels, for live guidance.
    pub fn quality(&mut self, image: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
        let models = match flag(&options, "models").map_err(|e| js_error(&e))? {
            Some(m) => m,
            None => self.inner.passive().is_some(),
        };
        let owned = image_from_js(&image, "image").map_err(|e| js_error(&e))?;
        let report = self
            .inner
            .frame_report(
                owned.input(),
                models,
                &Default::default(),
                &Default::default(),
            )
            .map_err(|e| js_error(&e))?;
        to_js(&report)
    }

    /// Liveness of 2 to 5 frames, each `{ image, timestamp }` (timestamp in ms, optional but
    /// for all or none). `options`: `idFront` (an image: the live face must match its portrait),
    /// `maxSpanMs` (default 500), `format` (a vendor's shape, as for `compare`).
    pub fn liveness(&mut self, frames: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
        // A bad format is the caller's mistake, refused before any work, in every shape.
        let format = format_option(&options).map_err(|e| js_error(&e))?;
        let parsed = liveness_inputs(&frames, &options);
        let outcome = parsed.and_then(|(owned, times, id, opts)| {
            let input: Vec<Frame<'_>> = owned
                .iter()
                .zip(&times)
                .map(|(o, t)| Frame {
                    image: o.input(),
                    timestamp_ms: *t,
                })
                .collect();
            session::check(
                &mut self.inner,
                &input,
                id.as_ref().map(Owned::input),
                &opts,
            )
        });
        match format {
            None => to_js(&outcome.map_err(|e| js_error(&e))?),
            Some(format) => {
                let ctx = context().map_err(|e| js_error(&e))?;
                let outcome = outcome.map_err(Failure::from);
                to_js(&vendor::liveness_response(format, &outcome, &ctx).body)
            }
        }
    }

    /// Every face in an image.
    pub fn detect(&mut self, image: JsValue) -> Result<JsValue, JsValue> {
        let owned = image_from_js(&image, "image").map_err(|e| js_error(&e))?;
        let result = self.inner.detect(owned.input()).map_err(|e| js_error(&e))?;
        to_js(&result)
    }
}

/// Reads `{ threshold, facePolicy, format }`; a present option of the wrong type is an error
/// rather than silently falling back to the default, so a typo cannot loosen a decision.
fn compare_options(options: &JsValue) -> Result<(CompareOptions, Option<Format>), Error> {
    let mut opts = CompareOptions::default();
    if options.is_undefined() || options.is_null() {
        return Ok((opts, None));
    }
    if !options.is_object() {
        return Err(Error::bad_parameter(
            "options",
            "expected an object such as { threshold: 0.7 }",
        ));
    }
    if let Some(threshold) = option(options, "threshold") {
        opts.threshold = threshold
            .as_f64()
            .ok_or_else(|| Error::bad_parameter("threshold", "must be a number between 0 and 1"))?;
    }
    let format = format_option(options)?;
    if let Some(format) = format {
        opts.face_policy = format.default_face_policy();
    }
    if let Some(check) = flag(options, "checkLiveness")? {
        opts.check_liveness = check;
    }
    if let Some(policy) = option(options, "facePolicy") {
        opts.face_policy = match policy.as_string().as_deref() {
            Some("single") => FacePolicy::Single,
            Some("largest") => FacePolicy::Largest,
            Some("central") => FacePolicy::Central,
            _ => {
                return Err(Error::bad_parameter(
                    "facePolicy",
                    "must be \"single\", \"largest\" or \"central\"",
                ))
            }
        };
    }
    Ok((opts, format))
}

/// `options[key]`; `None` when there are no options or the key is absent (`undefined`). A
/// present `null` is returned, for the caller to refuse where it is not a valid value.
fn option(options: &JsValue, key: &str) -> Option<JsValue> {
    if options.is_undefined() || options.is_null() {
        return None;
    }
    let v = Reflect::get(options, &key.into()).unwrap_or(JsValue::UNDEFINED);
    (!v.is_undefined()).then_some(v)
}

/// A boolean option: absent is `None`, anything but a boolean an error.
fn flag(options: &JsValue, key: &str) -> Result<Option<bool>, Error> {
    option(options, key)
        .map(|v| {
            v.as_bool()
                .ok_or_else(|| Error::bad_parameter(key, "must be true or false"))
        })
        .transpose()
}

/// The `format` option of `compare` and `liveness`: one of the five names when present.
fn format_option(options: &JsValue) -> Result<Option<Format>, Error> {
    option(options, "format")
        .map(|v| Format::parse(&v.as_string().unwrap_or_default()))
        .transpose()
}

type LivenessInputs = (Vec<Owned>, Vec<Option<f64>>, Option<Owned>, LivenessOptions);

/// Frames, timestamps, ID front and options from their JS values.
fn liveness_inputs(frames: &JsValue, options: &JsValue) -> Result<LivenessInputs, Error> {
    let list = frames.dyn_ref::<js_sys::Array>().ok_or_else(|| {
        Error::bad_parameter("frames", "expected an array of { image, timestamp } frames")
    })?;
    let mut owned = Vec::new();
    let mut times = Vec::new();
    for (i, frame) in list.iter().enumerate() {
        let which = format!("frames[{i}]");
        let get = |k: &str| Reflect::get(&frame, &k.into()).unwrap_or(JsValue::UNDEFINED);
        let image = get("image");
        owned.push(image_from_js(&image, &which)?);
        let t = get("timestamp");
        times.push(if t.is_undefined() || t.is_null() {
            None
        } else {
            Some(t.as_f64().ok_or_else(|| {
                Error::bad_parameter(&which, "timestamp must be a number of milliseconds")
            })?)
        });
    }
    let mut opts = LivenessOptions::default();
    if let Some(span) = option(options, "maxSpanMs") {
        opts.max_span_ms = span
            .as_f64()
            .ok_or_else(|| Error::bad_parameter("maxSpanMs", "must be a number of ms"))?;
    }
    let id = match option(options, "idFront").filter(|v| !v.is_null()) {
        Some(front) => Some(image_from_js(&front, "idFront")?),
        None => None,
    };
    Ok((owned, times, id, opts))
}

/// A fresh transaction id (UUID v4 from `crypto.getRandomValues`) and the current time.
fn context() -> Result<Context, Error> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| Error::Inference {
        reason: format!("crypto.getRandomValues is not available for the transaction id: {e}"),
    })?;
    Ok(Context {
        transaction_id: vendor::uuid_v4(bytes),
        timestamp_ms: js_sys::Date::now(),
        ..Context::default()
    })
}

fn to_js<T: serde::Serialize>(value: &T) -> Result<JsValue, JsValue> {
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    value.serialize(&serializer).map_err(|e| {
        js_error(&Error::Inference {
            reason: format!("result could not be converted to JS: {e}"),
        })
    })
}
