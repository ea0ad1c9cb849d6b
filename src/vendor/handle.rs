//! The vendors' own request bodies, answered with their own response shapes and HTTP statuses:
//! what a drop-in replacement of their endpoints (the npm package's Service Worker, a server)
//! calls.

use serde_json::Value;

use super::{compare_response, liveness_response, Context, Failure, Format, Lang, Response};
use crate::image::ImageInput;
use crate::liveness::session::{self, Frame, LivenessOptions};
use crate::verifier::{CompareOptions, FacePolicy, Verifier};

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

/// Whether an endpoint is a liveness one: Vlens `/v1/ocr/liveness/multi` or
/// `/veriface/liveness`.
fn is_liveness(endpoint: &str) -> bool {
    let path = endpoint
        .split(['?', '#'])
        .next()
        .unwrap_or_default()
        .trim_end_matches('/');
    path.ends_with("/v1/ocr/liveness/multi") || path.ends_with("/veriface/liveness")
}

/// The vendor an endpoint belongs to, by its path: Vlens `/v1/ocr/face/compare` (and
/// `/v1/ocr/liveness/multi`), Valify
/// `/api/v1/face/match/`, Deepvue `/v1/facematch`, OpenCV FR `/compare`, veriface
/// `/veriface/compare`. A full URL or a prefix before the path is allowed.
pub fn endpoint_format(endpoint: &str) -> Option<Format> {
    let path = endpoint
        .split(['?', '#'])
        .next()
        .unwrap_or_default()
        .trim_end_matches('/');
    if path.ends_with("/v1/ocr/face/compare") || path.ends_with("/v1/ocr/liveness/multi") {
        Some(Format::Vlens)
    } else if path.ends_with("/veriface/liveness") {
        Some(Format::Veriface)
    } else if path.ends_with("/api/v1/face/match") {
        Some(Format::Valify)
    } else if path.ends_with("/v1/facematch") {
        Some(Format::Deepvue)
    } else if path.ends_with("/veriface/compare") {
        Some(Format::Veriface)
    } else if path.ends_with("/compare") {
        Some(Format::Opencv)
    } else {
        None
    }
}

/// Answers a vendor request. `ctx` brings a fresh transaction id and the time; ids the vendor
/// lets the client send (Vlens) replace or join them, and Valify's `lang` sets the language.
pub fn handle(verifier: &mut Verifier, request: Request<'_>, mut ctx: Context) -> Response {
    let Some(format) = endpoint_format(request.endpoint) else {
        return Response {
            status: 404,
            body: serde_json::json!({
                "message": format!(
                    "veriface does not serve `{}`: the endpoints are /v1/ocr/face/compare (Vlens), \
                     /v1/ocr/liveness/multi (Vlens), /api/v1/face/match/ (Valify), /v1/facematch \
                     (Deepvue), /compare (OpenCV FR), /veriface/compare and /veriface/liveness",
                    request.endpoint
                )
            }),
        };
    };
    let body = request.body;
    if !body.is_object() {
        let failure = Failure::Invalid {
            field: "body".into(),
            reason: "the request body must be a JSON object".into(),
        };
        return compare_response(format, &Err(failure), &ctx);
    }
    let text = |k: &str| match body.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(_) => Err(Failure::Invalid {
            field: k.into(),
            reason: "must be a string".into(),
        }),
    };
    // Ids the client may send; echoed back as the vendor does.
    if format == Format::Vlens || format == Format::Veriface {
        for (key, slot) in [
            ("request_id", &mut ctx.request_id),
            ("client_transaction_id", &mut ctx.client_transaction_id),
        ] {
            if let Ok(Some(v)) = text(key) {
                *slot = Some(v.to_string());
            }
        }
        // A client's own transaction id links calls, as with Vlens; an empty one is no id, and
        // the fresh UUID stays.
        if let Ok(Some(v)) = text("transaction_id") {
            if !v.trim().is_empty() {
                ctx.transaction_id = v.to_string();
            }
        }
    }
    if format == Format::Valify
        && matches!(text("lang"), Ok(Some(l)) if l.eq_ignore_ascii_case("ar"))
    {
        ctx.lang = Lang::Ar;
    }
    if is_liveness(request.endpoint) {
        let outcome = run_liveness(verifier, format, body, &text);
        return liveness_response(format, &outcome, &ctx);
    }
    let outcome = run(verifier, format, body, &text);
    compare_response(format, &outcome, &ctx)
}

/// Vlens liveness/multi: `face_1`..`face_3` (2 to 5 `face_N` are taken), `image` the ID front
/// (optional: without it there is no identity to verify, and `isDigitalIdentityVerified` is
/// null). veriface liveness: `frames` (base64 strings), `timestamps` (ms, optional),
/// `id_front`, `max_span_ms`.
fn run_liveness<'a>(
    verifier: &mut Verifier,
    format: Format,
    body: &'a Value,
    text: &TextField<'a>,
) -> Result<session::LivenessResult, Failure> {
    let mut options = LivenessOptions::default();
    let (frames, timestamps, id) = if format == Format::Vlens {
        let mut frames = Vec::new();
        for i in 1..=5 {
            match text(&format!("face_{i}"))? {
                Some(f) => frames.push(f),
                None if i <= 3 => {
                    return Err(Failure::Missing {
                        field: format!("face_{i}"),
                    })
                }
                None => break,
            }
        }
        (frames, None, text("image")?)
    } else {
        let list = |key: &str| -> Result<Option<&'a Vec<Value>>, Failure> {
            match body.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::Array(a)) => Ok(Some(a)),
                Some(_) => Err(Failure::Invalid {
                    field: key.into(),
                    reason: "must be an array".into(),
                }),
            }
        };
        let frames = list("frames")?
            .ok_or_else(|| Failure::Missing {
                field: "frames".into(),
            })?
            .iter()
            .map(|v| {
                v.as_str().ok_or_else(|| Failure::Invalid {
                    field: "frames".into(),
                    reason: "every frame must be a base64 string".into(),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let timestamps = list("timestamps")?
            .map(|a| {
                a.iter()
                    .map(|v| {
                        v.as_f64().ok_or_else(|| Failure::Invalid {
                            field: "timestamps".into(),
                            reason: "every timestamp must be a number of milliseconds".into(),
                        })
                    })
                    .collect::<Result<Vec<f64>, _>>()
            })
            .transpose()?;
        if let Some(t) = &timestamps {
            if t.len() != frames.len() {
                return Err(Failure::Invalid {
                    field: "timestamps".into(),
                    reason: format!(
                        "give one per frame: {} frames, {} timestamps",
                        frames.len(),
                        t.len()
                    ),
                });
            }
        }
        if let Some(ms) = number(body, "max_span_ms")? {
            options.max_span_ms = ms;
        }
        (frames, timestamps, text("id_front")?)
    };
    let input: Vec<Frame<'_>> = frames
        .iter()
        .enumerate()
        .map(|(i, f)| Frame {
            image: ImageInput::Base64(f),
            timestamp_ms: timestamps.as_ref().and_then(|t| t.get(i).copied()),
        })
        .collect();
    Ok(session::check(
        verifier,
        &input,
        id.map(ImageInput::Base64),
        &options,
    )?)
}

type TextField<'a> = dyn Fn(&str) -> Result<Option<&'a str>, Failure> + 'a;

fn run<'a>(
    verifier: &mut Verifier,
    format: Format,
    body: &'a Value,
    text: &TextField<'a>,
) -> Result<crate::CompareResult, Failure> {
    let required = |k: &str| text(k)?.ok_or_else(|| Failure::Missing { field: k.into() });
    let mut options = CompareOptions::default();
    let (a, b) = match format {
        Format::Vlens => (required("face_image1")?, required("face_image2")?),
        Format::Valify => {
            let pair = (required("first_img")?, required("second_img")?);
            // Valify refuses a request without its bundle key; on the device its value is not
            // checked (there is no account to check it against).
            required("bundle_key")?;
            pair
        }
        Format::Deepvue => {
            let pair = (required("file_a")?, required("file_b")?);
            for name_key in ["file_a_name", "file_b_name"] {
                if let Some(name) = text(name_key)? {
                    check_extension(name)?;
                }
            }
            // The page defines no error for several faces; ID cards carry a second, smaller
            // portrait, so the largest face is the subject.
            options.face_policy = FacePolicy::Largest;
            pair
        }
        Format::Opencv => {
            let pair = (required("face_base_64")?, required("ref_face_base_64")?);
            options.threshold = number(body, "min_similarity_score")?.unwrap_or(0.7);
            options.check_liveness = flag(body, "check_liveness")?.unwrap_or(false);
            options.face_policy = FacePolicy::Largest;
            pair
        }
        Format::Veriface => {
            if let Some(t) = number(body, "threshold")? {
                options.threshold = t;
            }
            options.face_policy = match text("face_policy")? {
                None | Some("single") => FacePolicy::Single,
                Some("largest") => FacePolicy::Largest,
                Some("central") => FacePolicy::Central,
                Some(_) => {
                    return Err(Failure::Invalid {
                        field: "face_policy".into(),
                        reason: "must be \"single\", \"largest\" or \"central\"".into(),
                    })
                }
            };
            (required("a")?, required("b")?)
        }
    };
    if !(0.0..=1.0).contains(&options.threshold) {
        let field = if format == Format::Opencv {
            "min_similarity_score"
        } else {
            "threshold"
        };
        return Err(Failure::Invalid {
            field: field.into(),
            reason: format!("must be between 0 and 1, got {}", options.threshold),
        });
    }
    Ok(verifier.compare(ImageInput::Base64(a), ImageInput::Base64(b), &options)?)
}

fn number(body: &Value, key: &str) -> Result<Option<f64>, Failure> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v.as_f64().map(Some).ok_or_else(|| Failure::Invalid {
            field: key.into(),
            reason: "must be a number".into(),
        }),
    }
}

fn flag(body: &Value, key: &str) -> Result<Option<bool>, Failure> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v.as_bool().map(Some).ok_or_else(|| Failure::Invalid {
            field: key.into(),
            reason: "must be true or false".into(),
        }),
    }
}

/// Deepvue takes only .jpeg, .jpg and .png files, by name as well as by content.
fn check_extension(name: &str) -> Result<(), Failure> {
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    match ext.as_deref() {
        Some("jpeg" | "jpg" | "png") => Ok(()),
        _ => Err(Failure::Pipeline(crate::Error::UnsupportedFormat {
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
