//! Vlens: `POST /v1/ocr/face/compare` (../shared/seeds/000_532a301e012cd5df.txt).
//!
//! The envelope is `services` (validations, spoofing, classification, liveness, AML, SRC),
//! `data`, `error_code`, `error_message`. A compare evaluates none of the services: they are
//! present with `null`/empty values so that clients reading them find them, and never claim a
//! check that did not run. `face_image1` is the face, `face_image2` the ID photo, whence
//! `detected_face_image` and `detected_id_face_image`.

use serde::Serialize;

use super::{to_value, Context, Failure, Ids, Response};
use crate::liveness::quality::Code;
use crate::report::{CompareResult, LivenessResult};

#[derive(Serialize)]
pub(super) struct Envelope<D: Serialize> {
    pub services: Services,
    pub data: D,
    pub error_code: i64,
    pub error_message: String,
}

/// `services`, all "not evaluated" for a compare.
#[derive(Serialize, Default)]
pub(super) struct Services {
    pub validations: Validations,
    pub spoofing: Spoofing,
    pub classification: Classification,
    pub liveness: Option<bool>,
    #[serde(rename = "AML")]
    pub aml: Aml,
    #[serde(rename = "SRC")]
    pub src: Src,
}

#[derive(Serialize, Default)]
pub(super) struct Validations {
    pub validation_errors: Vec<ValidationError>,
}

#[derive(Serialize)]
pub(super) struct ValidationError {
    pub field: String,
    pub value: String,
    pub errors: Vec<CodeMessage>,
}

#[derive(Serialize)]
pub(super) struct CodeMessage {
    pub code: i64,
    pub message: String,
}

#[derive(Serialize, Default)]
pub(super) struct Spoofing {
    pub fake: Option<bool>,
}

#[derive(Serialize, Default)]
pub(super) struct Classification {
    pub doc_type: Option<String>,
}

#[derive(Serialize, Default)]
pub(super) struct Aml {
    #[serde(rename = "AML_matched")]
    pub aml_matched: Option<bool>,
    pub data: Vec<serde_json::Value>,
}

#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub(super) struct Src {
    pub is_valid: Option<bool>,
    pub error_code: Option<i64>,
    pub error_key: Option<String>,
    pub error_message: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CompareData<'a> {
    #[serde(flatten)]
    ids: Ids<'a>,
    is_matched: bool,
    dissimilarity: Option<f64>,
    threshold: Option<f64>,
    score: Option<f64>,
    #[serde(rename = "detected_face_image")]
    detected_face_image: Option<bool>,
    #[serde(rename = "detected_id_face_image")]
    detected_id_face_image: Option<bool>,
}

/// A missing or invalid request field becomes a `validation_errors` entry as well.
pub(super) fn services_for(failure: Option<&Failure>) -> Services {
    let mut services = Services::default();
    if let Some(f @ (Failure::Missing { field } | Failure::Invalid { field, .. })) = failure {
        services
            .validations
            .validation_errors
            .push(ValidationError {
                field: field.clone(),
                value: String::new(),
                errors: vec![CodeMessage {
                    code: f.numeric_code(),
                    message: f.message(),
                }],
            });
    }
    services
}

/// For a compare that checked the probe's liveness: `liveness` its verdict, `spoofing.fake`
/// whether the anti-spoofing model said not live. Not evaluated (null) otherwise.
fn liveness_services(r: &CompareResult) -> Services {
    let mut services = Services::default();
    if let Some(l) = &r.liveness {
        services.liveness = Some(l.passed);
        services.spoofing.fake = Some(
            l.checks
                .iter()
                .any(|c| c.code == Code::FaceNotLive && !c.passed),
        );
    }
    services
}

pub(super) fn compare(outcome: &Result<CompareResult, Failure>, ctx: &Context) -> Response {
    match outcome {
        Ok(r) => Response {
            status: 200,
            body: to_value(&Envelope {
                services: liveness_services(r),
                data: CompareData {
                    ids: Ids::new(ctx),
                    is_matched: r.is_match,
                    dissimilarity: Some(r.dissimilarity),
                    threshold: Some(r.threshold),
                    score: Some(r.score),
                    detected_face_image: Some(true),
                    detected_id_face_image: Some(true),
                },
                error_code: 0,
                error_message: String::new(),
            }),
        },
        Err(f) => {
            // Which image lacked a usable face; the compare stops there, so an image after it
            // was not examined (null), an image before it was.
            let (face, id_face) = match f.face_image() {
                Some("first") => (Some(false), None),
                Some(_) => (Some(true), Some(false)),
                None => (None, None),
            };
            Response {
                status: f.status(),
                body: to_value(&Envelope {
                    services: services_for(Some(f)),
                    data: CompareData {
                        ids: Ids::new(ctx),
                        is_matched: false,
                        dissimilarity: None,
                        threshold: None,
                        score: None,
                        detected_face_image: face,
                        detected_id_face_image: id_face,
                    },
                    error_code: f.numeric_code(),
                    error_message: f.message(),
                }),
            }
        }
    }
}

/// The `/v1/ocr/liveness/multi` body: the compare envelope plus `error_descriptions`.
#[derive(Serialize)]
struct LivenessEnvelope<'a> {
    services: Services,
    data: LivenessData<'a>,
    error_code: i64,
    error_message: String,
    error_descriptions: Option<Vec<String>>,
}

/// `data` of liveness/multi. The person's record (`user`, `idFrontData`, `idBackData`: OCR of
/// the ID) and `deviceInfo` are not evaluated: `null`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LivenessData<'a> {
    #[serde(flatten)]
    ids: Ids<'a>,
    is_verification_process_completed: bool,
    /// Live and, with an ID front, matching its portrait; `null` without an ID front.
    is_digital_identity_verified: Option<bool>,
    device_info: Option<String>,
    user: Option<serde_json::Value>,
    id_front_data: Option<serde_json::Value>,
    id_back_data: Option<serde_json::Value>,
}

/// Vlens `POST /v1/ocr/liveness/multi` (../shared/seeds/001_d9c0c4b864cebb06.txt):
/// `services.liveness` is the decision, `services.spoofing.fake` whether an anti-spoofing cue
/// failed, `data.isDigitalIdentityVerified` live and matching the ID front.
pub(super) fn liveness(outcome: &Result<LivenessResult, Failure>, ctx: &Context) -> Response {
    let data = |completed: bool, verified: Option<bool>| LivenessData {
        ids: Ids::new(ctx),
        is_verification_process_completed: completed,
        is_digital_identity_verified: verified,
        device_info: None,
        user: None,
        id_front_data: None,
        id_back_data: None,
    };
    match outcome {
        Ok(r) => {
            let services = Services {
                liveness: Some(r.is_live),
                spoofing: Spoofing {
                    fake: Some(r.presentation_attack),
                },
                ..Services::default()
            };
            let failed = r.failed_codes();
            Response {
                status: 200,
                body: to_value(&LivenessEnvelope {
                    services,
                    data: data(true, r.id_match.as_ref().map(|_| r.verified)),
                    error_code: 0,
                    error_message: String::new(),
                    // Why not live, as codes; null when live (as the page's success shows).
                    error_descriptions: (!failed.is_empty())
                        .then(|| failed.iter().map(|c| c.to_string()).collect()),
                }),
            }
        }
        Err(f) => Response {
            status: f.status(),
            body: to_value(&LivenessEnvelope {
                services: services_for(Some(f)),
                data: data(false, None),
                error_code: f.numeric_code(),
                error_message: f.message(),
                error_descriptions: None,
            }),
        },
    }
}
