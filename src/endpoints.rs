//! The vendors' own endpoints: each request body as its vendor takes it, turned into a typed
//! request ([`crate::request`]), run by the pipeline and answered in the vendor's shape
//! ([`crate::shapes`]) with its HTTP status. What every drop-in replacement of those endpoints
//! calls: the npm package's Service Worker, `veriface handle`, `veriface serve`.

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::error::Error;
use crate::pipeline::Verifier;
use crate::report::{CompareResult, LivenessResult};
use crate::request::{self, CompareRequest, FrameSource, ImageSource, LivenessRequest};
use crate::shapes::{
    compare_response, liveness_response, Context, Failure, Format, Lang, Response,
};

/// A vendor request: the endpoint's path (or whole URL) and its JSON body. Deepvue's multipart
/// form is passed as an object whose `file_a` / `file_b` hold the files' base64, with their file
/// names, if known, in `file_a_name` / `file_b_name`.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// `/v1/ocr/face/compare`, `https://api.vlenseg.com/v1/ocr/face/compare`, ...
    pub endpoint: &'a str,
    /// The request body.
    pub body: &'a Value,
}

/// What an endpoint does, and in whose shape it answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// Two images, same person or not.
    Compare(Format),
    /// Frames of a live person (and an ID front).
    Liveness(Format),
}

impl Endpoint {
    /// The shape the endpoint answers in.
    pub fn format(self) -> Format {
        match self {
            Endpoint::Compare(f) | Endpoint::Liveness(f) => f,
        }
    }
}

/// Every path veriface answers, with what it does: Vlens `/v1/ocr/face/compare` and
/// `/v1/ocr/liveness/multi`, Valify `/api/v1/face/match/`, Deepvue `/v1/facematch`, veriface
/// `/veriface/compare` and `/veriface/liveness`, OpenCV FR `/compare` (last: the other compare
/// paths end with it too).
pub const PATHS: &[(&str, Endpoint)] = &[
    ("/v1/ocr/face/compare", Endpoint::Compare(Format::Vlens)),
    ("/v1/ocr/liveness/multi", Endpoint::Liveness(Format::Vlens)),
    ("/api/v1/face/match", Endpoint::Compare(Format::Valify)),
    ("/v1/facematch", Endpoint::Compare(Format::Deepvue)),
    ("/veriface/compare", Endpoint::Compare(Format::Veriface)),
    ("/veriface/liveness", Endpoint::Liveness(Format::Veriface)),
    ("/compare", Endpoint::Compare(Format::Opencv)),
];

/// The endpoint a path (or a whole URL, or a path behind a prefix) names.
pub fn route(endpoint: &str) -> Option<Endpoint> {
    let path = endpoint
        .split(['?', '#'])
        .next()
        .unwrap_or_default()
        .trim_end_matches('/');
    PATHS
        .iter()
        .find(|(suffix, _)| path.ends_with(suffix))
        .map(|(_, e)| *e)
}

/// The vendor an endpoint belongs to.
pub fn endpoint_format(endpoint: &str) -> Option<Format> {
    route(endpoint).map(Endpoint::format)
}

/// Answers a vendor request. `ctx` brings a fresh transaction id and the time; ids the vendor
/// lets the client send (Vlens, veriface) replace or join them, and Valify's `lang` sets the
/// language.
pub fn handle(verifier: &mut Verifier, request: Request<'_>, ctx: Context) -> Response {
    let Some(endpoint) = route(request.endpoint) else {
        let paths: Vec<&str> = PATHS.iter().map(|(p, _)| *p).collect();
        return Response {
            status: 404,
            body: serde_json::json!({
                "message": format!(
                    "veriface does not serve `{}`: the endpoints are {}",
                    request.endpoint,
                    paths.join(", ")
                )
            }),
        };
    };
    let ctx = client_context(endpoint, request.body, ctx);
    match parse(endpoint, request.body) {
        Ok(parsed) => answer(verifier, endpoint, &parsed, &ctx).0,
        Err(failure) => refuse(endpoint, failure, &ctx),
    }
}

/// `ctx` with what the body sets: the ids the vendor lets the client send (Vlens, veriface) and
/// Valify's `lang`. Read apart from [`parse`] so that a failure of the body still echoes them.
pub fn client_context(endpoint: Endpoint, body: &Value, mut ctx: Context) -> Context {
    if let Some(body) = body.as_object() {
        Fields(body).apply_context(endpoint.format(), &mut ctx);
    }
    ctx
}

/// Runs a [`parse`]d request and answers in `endpoint`'s shape, with veriface's code for the
/// failure when there is one (`NO_FACE`, `NOT_LIVE`, ...): the vendor bodies do not all carry it,
/// and a server counts and logs its errors by it. [`handle`] is [`parse`], then this.
pub fn answer(
    verifier: &mut Verifier,
    endpoint: Endpoint,
    parsed: &Parsed,
    ctx: &Context,
) -> (Response, Option<&'static str>) {
    let format = endpoint.format();
    let (response, code) = match (endpoint, parsed) {
        (Endpoint::Compare(_), Parsed::Compare(request)) => {
            let outcome = run_compare(verifier, request);
            (compare_response(format, &outcome, ctx), outcome.err())
        }
        (_, Parsed::Liveness(request)) => {
            let outcome = run_liveness(verifier, request);
            (liveness_response(format, &outcome, ctx), outcome.err())
        }
        (Endpoint::Liveness(_), Parsed::Compare(_)) => {
            let reason = "a liveness endpoint takes frames".into();
            let failure = Failure::Invalid {
                field: "body".into(),
                reason,
            };
            (refuse(endpoint, failure.clone(), ctx), Some(failure))
        }
    };
    // A person found not live is an error only in the shapes without a liveness field.
    let code = code.map(|f| f.code());
    let code = code.or((response.status >= 400).then_some("NOT_LIVE"));
    (response, code)
}

/// A request refused before any model runs (a field missing, or a service failure such as a
/// full queue), in `endpoint`'s shape: its compare body, or its liveness body (Vlens
/// liveness/multi and veriface liveness differ from their compare).
pub fn refuse(endpoint: Endpoint, failure: Failure, ctx: &Context) -> Response {
    match endpoint {
        Endpoint::Compare(format) => compare_response(format, &Err(failure), ctx),
        Endpoint::Liveness(format) => liveness_response(format, &Err(failure), ctx),
    }
}

/// A vendor body read into veriface's own typed request, before any model runs.
#[derive(Debug, Clone, PartialEq)]
pub enum Parsed {
    /// A compare.
    Compare(CompareRequest),
    /// A liveness check.
    Liveness(LivenessRequest),
}

/// Reads a vendor request body for `endpoint` into a typed request: every field checked, no
/// model run. What [`handle`] does first, and what a fuzzer can drive at full speed.
///
/// # Errors
/// The vendor's request failures: a missing or ill-typed field, a body that is no object.
pub fn parse(endpoint: Endpoint, body: &Value) -> Result<Parsed, Failure> {
    let Some(body) = body.as_object() else {
        return Err(Failure::Invalid {
            field: "body".into(),
            reason: "the request body must be a JSON object".into(),
        });
    };
    let fields = Fields(body);
    Ok(match endpoint {
        Endpoint::Compare(format) => Parsed::Compare(compare_request(format, &fields)?),
        Endpoint::Liveness(format) => Parsed::Liveness(liveness_request(format, &fields)?),
    })
}

/// The ids a client may send (echoed back, as the vendor does) and Valify's language.
const ID_FIELDS: [&str; 3] = ["request_id", "client_transaction_id", "transaction_id"];

/// One reader for every field of a vendor body: absent and `null` are `None`, a value of the
/// wrong type an `Invalid` failure naming the field.
struct Fields<'a>(&'a Map<String, Value>);

impl<'a> Fields<'a> {
    fn get<T: Deserialize<'a>>(&self, key: &str) -> Result<Option<T>, Failure> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => T::deserialize(v).map(Some).map_err(|e| Failure::Invalid {
                field: key.into(),
                reason: e.to_string(),
            }),
        }
    }

    fn required<T: Deserialize<'a>>(&self, key: &str) -> Result<T, Failure> {
        self.get(key)?
            .ok_or_else(|| Failure::Missing { field: key.into() })
    }

    /// A required base64 image.
    fn image(&self, key: &str) -> Result<ImageSource, Failure> {
        Ok(ImageSource::Base64(self.required::<String>(key)?))
    }

    fn apply_context(&self, format: Format, ctx: &mut Context) {
        if matches!(format, Format::Vlens | Format::Veriface) {
            let text = |k| self.get::<&str>(k).ok().flatten();
            ctx.request_id = text("request_id")
                .map(str::to_string)
                .or(ctx.request_id.take());
            ctx.client_transaction_id = text("client_transaction_id")
                .map(str::to_string)
                .or(ctx.client_transaction_id.take());
            // A client's own transaction id links calls, as with Vlens; an empty one is no id,
            // and the fresh UUID stays.
            if let Some(id) = text("transaction_id").filter(|v| !v.trim().is_empty()) {
                ctx.transaction_id = id.to_string();
            }
        }
        if format == Format::Valify
            && matches!(self.get::<&str>("lang"), Ok(Some(l)) if l.eq_ignore_ascii_case("ar"))
        {
            ctx.lang = Lang::Ar;
        }
    }

    /// The whole body as veriface's own typed request (the client's ids aside).
    fn typed<T: Deserialize<'a>>(&self) -> Result<T, Failure> {
        let keys = self.0.keys().filter(|k| !ID_FIELDS.contains(&k.as_str()));
        Ok(request::parse(MapBody(self.0), keys)?)
    }
}

/// A borrowed JSON object as a serde deserializer.
struct MapBody<'a>(&'a Map<String, Value>);

impl<'de> serde::Deserializer<'de> for MapBody<'de> {
    type Error = serde_json::Error;
    fn deserialize_any<V: serde::de::Visitor<'de>>(
        self,
        visitor: V,
    ) -> serde_json::Result<V::Value> {
        serde::de::value::MapDeserializer::<_, serde_json::Error>::new(
            self.0.iter().map(|(k, v)| (k.as_str(), v)),
        )
        .deserialize_any(visitor)
    }
    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier
        ignored_any
    }
}

/// A compare body in `format` as a typed request.
fn compare_request(format: Format, f: &Fields<'_>) -> Result<CompareRequest, Failure> {
    let request = match format {
        Format::Veriface => f.typed::<CompareRequest>()?,
        Format::Vlens => CompareRequest {
            a: Some(f.image("face_image1")?),
            b: Some(f.image("face_image2")?),
            ..CompareRequest::default()
        },
        Format::Valify => {
            let (a, b) = (f.image("first_img")?, f.image("second_img")?);
            // Valify refuses a request without its bundle key; on the device its value is not
            // checked (there is no account to check it against).
            f.required::<&str>("bundle_key")?;
            CompareRequest {
                a: Some(a),
                b: Some(b),
                ..CompareRequest::default()
            }
        }
        Format::Deepvue => {
            let (a, b) = (f.image("file_a")?, f.image("file_b")?);
            for name_key in ["file_a_name", "file_b_name"] {
                if let Some(name) = f.get::<&str>(name_key)? {
                    check_extension(name)?;
                }
            }
            CompareRequest {
                a: Some(a),
                b: Some(b),
                ..CompareRequest::default()
            }
        }
        Format::Opencv => {
            let (a, b) = (f.image("face_base_64")?, f.image("ref_face_base_64")?);
            let threshold = f.get::<f64>("min_similarity_score")?;
            if let Some(t) = threshold.filter(|t| !(0.0..=1.0).contains(t)) {
                return Err(Failure::Invalid {
                    field: "min_similarity_score".into(),
                    reason: format!("must be between 0 and 1, got {t}"),
                });
            }
            CompareRequest {
                a: Some(a),
                b: Some(b),
                threshold,
                check_liveness: f.get("check_liveness")?,
                ..CompareRequest::default()
            }
        }
    };
    // The shape's own default face policy, unless the request chose one.
    Ok(CompareRequest {
        format: Some(format),
        ..request
    })
}

fn run_compare(
    verifier: &mut Verifier,
    request: &CompareRequest,
) -> Result<CompareResult, Failure> {
    let options = request.options()?;
    let (a, b) = request.images()?;
    Ok(verifier.compare(a, b, &options)?)
}

/// Vlens liveness/multi: `face_1`..`face_3` (2 to 5 `face_N` are taken), `image` the ID front
/// (optional: without it there is no identity to verify, and `isDigitalIdentityVerified` is
/// null). veriface liveness: the typed request (`frames`, `timestamps`, `id_front`,
/// `max_span_ms`).
fn liveness_request(format: Format, f: &Fields<'_>) -> Result<LivenessRequest, Failure> {
    Ok(if format == Format::Vlens {
        let mut frames = Vec::new();
        for i in 1..=5 {
            let key = format!("face_{i}");
            match f.get::<String>(&key)? {
                Some(frame) => frames.push(FrameSource {
                    image: ImageSource::Base64(frame),
                    timestamp: None,
                }),
                None if i <= 3 => return Err(Failure::Missing { field: key }),
                None => break,
            }
        }
        LivenessRequest {
            frames: Some(frames),
            id_front: f.get::<String>("image")?.map(ImageSource::Base64),
            ..LivenessRequest::default()
        }
    } else {
        f.typed::<LivenessRequest>()?
    })
}

fn run_liveness(
    verifier: &mut Verifier,
    request: &LivenessRequest,
) -> Result<LivenessResult, Failure> {
    let frames = request.frames()?;
    Ok(verifier.liveness(&frames, request.id_front()?, &request.options())?)
}

/// Deepvue takes only .jpeg, .jpg and .png files, by name as well as by content.
fn check_extension(name: &str) -> Result<(), Failure> {
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    match ext.as_deref() {
        Some("jpeg" | "jpg" | "png") => Ok(()),
        _ => Err(Failure::Pipeline(Error::UnsupportedFormat {
            format: format!("a file named `{name}`"),
        })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_map_to_their_vendor() {
        let cases = [
            (
                "https://api.vlenseg.com/v1/ocr/face/compare",
                Some(Format::Vlens),
            ),
            ("/api/v1/face/match/", Some(Format::Valify)),
            (
                "https://valifystage.com/api/v1/face/match",
                Some(Format::Valify),
            ),
            (
                "https://production.deepvue.tech/v1/facematch?x=1",
                Some(Format::Deepvue),
            ),
            ("http://localhost:8000/compare", Some(Format::Opencv)),
            ("/veriface/compare", Some(Format::Veriface)),
            ("/v1/ocr/liveness/multi", Some(Format::Vlens)),
            ("/veriface/liveness", Some(Format::Veriface)),
            ("/search", None),
        ];
        for (endpoint, want) in cases {
            assert_eq!(endpoint_format(endpoint), want, "{endpoint}");
        }
        assert_eq!(
            route("/veriface/liveness"),
            Some(Endpoint::Liveness(Format::Veriface))
        );
    }

    #[test]
    fn deepvue_extensions() {
        assert!(check_extension("selfie.JPG").is_ok());
        assert!(check_extension("id.png").is_ok());
        let err = check_extension("scan.webp").map_err(|f| f.code());
        assert_eq!(err, Err("UNSUPPORTED_FORMAT"));
        assert!(check_extension("noextension").is_err());
    }
}
