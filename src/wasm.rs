//! The JavaScript boundary: every `#[wasm_bindgen]` item of the crate, compiled only for wasm32.
//! Requests arrive as plain JS objects and are deserialised into the typed requests of
//! [`crate::request`]; results go back as plain objects; errors become JS `Error`s carrying the
//! stable `code`. Nothing else happens here.

use js_sys::{Object, Reflect};
use serde::de::DeserializeOwned;
use wasm_bindgen::prelude::*;

use crate::challenge::record::{ChallengeRecord, FollowRequest};
use crate::challenge::{Action, Challenge};
use crate::endpoints::{self, Request};
use crate::liveness::active::{self, ActiveLimits};
use crate::models::Manifest;
use crate::request::{
    self, CompareRequest, FormatRequest, ImageSource, LivenessRequest, QualityRequest,
};
use crate::shapes::{self, Context, Failure};
use crate::{ChallengeContext, Error, ModelBytes, Pass};

/// A challenge and a capture of it.
#[derive(serde::Deserialize)]
struct VerifyChallengeRequest {
    challenge: Challenge,
    record: ChallengeRecord,
}

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
fn js_error(err: Error) -> JsValue {
    let e = js_sys::Error::new(&err.to_string());
    // Setting a property on a fresh Error object cannot fail; if it somehow did, the message
    // still carries the explanation.
    let _ = Reflect::set(&e, &"code".into(), &err.code().into());
    e.into()
}

/// A request object: its own keys checked against `T`'s fields (a misspelt option is refused,
/// not ignored), then deserialised.
fn from_js<T: DeserializeOwned>(value: JsValue) -> Result<T, JsValue> {
    let keys: Vec<String> = match value.dyn_ref::<Object>() {
        Some(object) => Object::keys(object)
            .iter()
            .filter_map(|k| k.as_string())
            .collect(),
        None => Vec::new(),
    };
    request::parse(serde_wasm_bindgen::Deserializer::from(value), keys).map_err(js_error)
}

fn to_js<T: serde::Serialize>(value: &T) -> Result<JsValue, JsValue> {
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    value.serialize(&serializer).map_err(|e| {
        js_error(Error::Inference {
            reason: format!("result could not be converted to JS: {e}"),
        })
    })
}

/// A fresh transaction id (UUID v4 from `crypto.getRandomValues`) and the current time.
fn context() -> Result<Context, JsValue> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| {
        js_error(Error::Inference {
            reason: format!("crypto.getRandomValues is not available for the transaction id: {e}"),
        })
    })?;
    Ok(Context {
        transaction_id: shapes::uuid_v4(bytes),
        timestamp_ms: js_sys::Date::now(),
        ..Context::default()
    })
}

/// `{ result, format, transactionId }` ([`FormatRequest`]): a compare result already computed,
/// as `format`'s response body. Needs no model, so it is not a method of the verifier.
#[wasm_bindgen(js_name = formatCompare)]
pub fn format_compare(request: JsValue) -> Result<JsValue, JsValue> {
    let request: FormatRequest = from_js(request)?;
    let mut ctx = context()?;
    if let Some(id) = request.transaction_id().map_err(js_error)? {
        ctx.transaction_id = id.to_string();
    }
    to_js(&shapes::compare_response(request.format, &Ok(request.result), &ctx).body)
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
    /// For a fusion, `embedder` is its first member's file and `fused_with` an array of the
    /// others' (`Uint8Array`s, in the manifest's order).
    #[wasm_bindgen(constructor)]
    pub fn new(
        detector: &[u8],
        embedder: &[u8],
        embedder_id: Option<String>,
        manifest_json: Option<String>,
        fused_with: Option<js_sys::Array>,
    ) -> Result<Verifier, JsValue> {
        let manifest = match manifest_json {
            Some(json) => serde_json::from_str::<Manifest>(&json).map_err(|e| {
                js_error(Error::bad_parameter(
                    "manifest",
                    format!("not a veriface model manifest ({e}); see models/manifest.json"),
                ))
            })?,
            None => Manifest::builtin().map_err(js_error)?,
        };
        let others: Vec<Vec<u8>> = fused_with
            .iter()
            .flat_map(|a| a.iter())
            .map(|file| {
                file.dyn_into::<js_sys::Uint8Array>()
                    .map(|f| f.to_vec())
                    .map_err(|_| {
                        js_error(Error::bad_parameter(
                            "fused_with",
                            "must be an array of Uint8Array model files",
                        ))
                    })
            })
            .collect::<Result<_, _>>()?;
        let embedders: Vec<&[u8]> = std::iter::once(embedder)
            .chain(others.iter().map(Vec::as_slice))
            .collect();
        let models = ModelBytes {
            detector,
            embedders: &embedders,
        };
        let mut inner = crate::Verifier::with_manifest(manifest, models, embedder_id.as_deref())
            .map_err(js_error)?;
        inner.set_clock(clock);
        Ok(Verifier { inner })
    }

    /// Loads the anti-spoofing, eye-state and iris models (their SHA-256 is checked), for
    /// `quality`, `liveness`, `checkLiveness` and challenges.
    #[wasm_bindgen(js_name = loadPassive)]
    pub fn load_passive(
        &mut self,
        liveness: &[u8],
        eye: &[u8],
        iris: &[u8],
    ) -> Result<(), JsValue> {
        self.inner
            .load_passive(liveness, eye, iris)
            .map_err(js_error)
    }

    /// Loads the face mesh (its SHA-256 is checked), for the head turns of a challenge.
    #[wasm_bindgen(js_name = loadMesh)]
    pub fn load_mesh(&mut self, mesh: &[u8]) -> Result<(), JsValue> {
        self.inner.load_mesh(mesh).map_err(js_error)
    }

    /// Optimises one model plan a later call will need (see `Verifier::prepare_next`); `false`
    /// when every plan is ready. The engine calls it while idle, one plan at a time, so that a
    /// call arriving meanwhile waits for one plan at most.
    #[wasm_bindgen(js_name = prepareNext)]
    pub fn prepare_next(&mut self) -> Result<bool, JsValue> {
        self.inner.prepare_next().map_err(js_error)
    }

    /// `{ a, b, threshold, facePolicy, checkLiveness, format }` ([`CompareRequest`]). Without
    /// `format` it returns the result and throws on error; with one, it returns the vendor's
    /// body for either, as the vendor's API would send it.
    pub fn compare(&mut self, request: JsValue) -> Result<JsValue, JsValue> {
        let request: CompareRequest = from_js(request)?;
        let outcome = request.options().and_then(|options| {
            let (a, b) = request.images()?;
            self.inner.compare(a, b, &options)
        });
        match request.format {
            None => to_js(&outcome.map_err(js_error)?),
            Some(format) => {
                let outcome = outcome.map_err(Failure::from);
                to_js(&shapes::compare_response(format, &outcome, &context()?).body)
            }
        }
    }

    /// `{ image, models, follow }` ([`QualityRequest`]): the single-frame checks on one camera
    /// frame; `models: false` is the guidance pass (no anti-spoofing model, margins on every
    /// limit), and `follow: true` with it says the frame is the next of one camera stream.
    pub fn quality(&mut self, request: JsValue) -> Result<JsValue, JsValue> {
        let request: QualityRequest = from_js(request)?;
        // The full pass when the liveness models are loaded, unless `models: false` asks for the
        // guidance pass.
        let full = request
            .models
            .unwrap_or_else(|| self.inner.passive().is_some());
        let pass = match (full, request.follow.unwrap_or(false)) {
            (true, _) => Pass::Full,
            (false, false) => Pass::Guidance,
            (false, true) => Pass::Follow,
        };
        let image = request::required(&request.image, "image").map_err(js_error)?;
        let report = self
            .inner
            .frame_report(image, pass, &Default::default())
            .map_err(js_error)?;
        to_js(&report)
    }

    /// `{ frames, idFront, maxSpanMs, format }` ([`LivenessRequest`]): liveness of 2 to 5
    /// frames, each `{ image, timestamp }`; with `idFront` the live face must match its
    /// portrait; `format` answers in a vendor's shape, as for `compare`.
    pub fn liveness(&mut self, request: JsValue) -> Result<JsValue, JsValue> {
        // A malformed request (a bad format among them) is refused before any work.
        let request: LivenessRequest = from_js(request)?;
        let outcome = request.frames().and_then(|frames| {
            let id = request.id_front()?;
            self.inner.liveness(&frames, id, &request.options())
        });
        match request.format {
            None => to_js(&outcome.map_err(js_error)?),
            Some(format) => {
                let outcome = outcome.map_err(Failure::from);
                to_js(&shapes::liveness_response(format, &outcome, &context()?).body)
            }
        }
    }

    /// Every face in an image (a base64 string, JPEG/PNG bytes or `{ width, height, data }`).
    pub fn detect(&mut self, image: JsValue) -> Result<JsValue, JsValue> {
        let image: ImageSource = serde_wasm_bindgen::from_value(image)
            .map_err(|e| js_error(Error::bad_parameter("image", e.to_string())))?;
        let input = image.input("image").map_err(js_error)?;
        to_js(&self.inner.detect(input).map_err(js_error)?)
    }

    /// A fresh challenge made on this device (unsigned: advisory only), with `actions` (names)
    /// or 2 to 3 random ones.
    #[wasm_bindgen(js_name = newChallenge)]
    pub fn new_challenge(&self, actions: JsValue) -> Result<JsValue, JsValue> {
        let mut random = [0u8; 32];
        getrandom::fill(&mut random).map_err(|e| {
            js_error(Error::Inference {
                reason: format!("crypto.getRandomValues is not available: {e}"),
            })
        })?;
        let now = js_sys::Date::now() as u64;
        let challenge = if actions.is_undefined() || actions.is_null() {
            Challenge::new(random, now)
        } else {
            let actions: Vec<Action> = serde_wasm_bindgen::from_value(actions)
                .map_err(|e| js_error(Error::bad_parameter("actions", e.to_string())))?;
            Challenge::with_steps(random, now, &actions)
        };
        to_js(&challenge)
    }

    /// `{ steps, frames: [{ t, yaw, eyes, width }] }`: how far the tracked frames have got
    /// through the steps (what a capture loop calls on every camera frame).
    #[wasm_bindgen(js_name = followChallenge)]
    pub fn follow_challenge(&self, request: JsValue) -> Result<JsValue, JsValue> {
        let request: FollowRequest = from_js(request)?;
        let limits = ActiveLimits {
            min_parallax: 0.0,
            ..ActiveLimits::default()
        };
        to_js(&active::follow(
            &request.steps,
            &request.measures(),
            &limits,
        ))
    }

    /// `{ challenge, record }`: the verdict on a capture, as a server would give it without its
    /// key (so advisory: only the server's verdict is trustworthy).
    #[wasm_bindgen(js_name = verifyChallenge)]
    pub fn verify_challenge(&mut self, request: JsValue) -> Result<JsValue, JsValue> {
        let request: VerifyChallengeRequest = from_js(request)?;
        let context = ChallengeContext {
            key: None,
            now_ms: js_sys::Date::now() as u64,
            nonce_fresh: true,
            limits: ActiveLimits::default(),
        };
        let result = self
            .inner
            .verify_challenge(&request.challenge, &request.record, &context)
            .map_err(js_error)?;
        to_js(&result)
    }

    /// Answers a vendor request (`endpoint` path or URL, `body` the vendor's JSON request as an
    /// object) as the vendor would: returns `{ status, body }`.
    pub fn handle(&mut self, endpoint: &str, body: JsValue) -> Result<JsValue, JsValue> {
        let body: serde_json::Value = serde_wasm_bindgen::from_value(body).map_err(|e| {
            js_error(Error::bad_parameter(
                "body",
                format!("not a JSON-like object ({e})"),
            ))
        })?;
        let request = Request {
            endpoint,
            body: &body,
        };
        to_js(&endpoints::handle(&mut self.inner, request, context()?))
    }
}
