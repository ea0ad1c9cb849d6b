//! Valify: `POST /api/v1/face/match/` (../shared/seeds/002_ebd4b3fc747b79e4.txt).
//!
//! Success is `{ result: { is_similar, confidence }, transaction_id, trials_remaining }`. The
//! page's fixed errors are `{ message }` (400 bad request, 415 unsupported media, 500) and the
//! service's own are `{ message, error_code }`. `lang: "ar"` gives every message in Arabic.
//! `trials_remaining` counts attempts left on a Valify bundle; on the device there is no such
//! budget, so it is `null` (not evaluated).

use serde::Serialize;

use super::{to_value, Context, Failure, Lang, Response, Service};
use crate::error::Error;
use crate::report::CompareResult;

#[derive(Serialize)]
struct Success<'a> {
    result: MatchResult,
    transaction_id: &'a str,
    trials_remaining: Option<i64>,
}

#[derive(Serialize)]
struct MatchResult {
    is_similar: bool,
    confidence: f64,
}

#[derive(Serialize)]
struct Message {
    message: String,
}

#[derive(Serialize)]
struct CodedMessage {
    message: String,
    error_code: i64,
}

/// The page's own wording for a request missing a field (the en dash is Valify's).
const BAD_REQUEST_EN: &str = "Bad Request – invalid request received (e.g. missing Bundle key, required parameters or invalid json) | Make sure all the required parameters are included";
const BAD_REQUEST_AR: &str = "طلب غير صالح – تم استلام طلب غير صحيح (مثل غياب مفتاح الحزمة أو المعاملات المطلوبة أو JSON غير صالح) | تأكد من تضمين جميع المعاملات المطلوبة";

pub(super) fn compare(outcome: &Result<CompareResult, Failure>, ctx: &Context) -> Response {
    match outcome {
        Ok(r) => Response {
            status: 200,
            body: to_value(&Success {
                result: MatchResult {
                    is_similar: r.is_match,
                    confidence: r.score,
                },
                transaction_id: &ctx.transaction_id,
                trials_remaining: None,
            }),
        },
        Err(f) => error(f, ctx.lang),
    }
}

fn error(f: &Failure, lang: Lang) -> Response {
    let ar = lang == Lang::Ar;
    let plain = |status: u16, en: &str, ar_text: &str| Response {
        status,
        body: to_value(&Message {
            message: if ar { ar_text } else { en }.to_string(),
        }),
    };
    match f {
        // The page's one wording for a missing parameter or invalid json covers a mistyped
        // field too.
        Failure::Missing { .. } | Failure::Invalid { .. } => {
            plain(400, BAD_REQUEST_EN, BAD_REQUEST_AR)
        }
        Failure::Pipeline(Error::UnsupportedFormat { .. }) => {
            plain(415, "Unsupported Media Type", "نوع الوسائط غير مدعوم")
        }
        Failure::Pipeline(
            Error::ModelHashMismatch { .. } | Error::UnknownModel { .. } | Error::Inference { .. },
        ) => plain(500, "Internal Server Error", "خطأ داخلي في الخادم"),
        // The page's fixed bodies where it has one (an unknown access token is its 403), the
        // service's `{ message, error_code }` otherwise.
        Failure::Service { code, .. } => match code {
            Service::ApiKeyMissing => plain(
                401,
                "Unauthorized – no access token: send `Authorization: Bearer <access-token>`",
                "غير مصرّح – لم يُرسل رمز الوصول: أرسل الترويسة Authorization: Bearer <access-token>",
            ),
            Service::ApiKeyInvalid => plain(
                403,
                "Forbidden – specified access_token could not be found",
                "ممنوع – تعذّر العثور على رمز الوصول المحدد",
            ),
            Service::NotFound => plain(404, "Not Found", "غير موجود"),
            Service::UnsupportedMediaType => {
                plain(415, "Unsupported Media Type", "نوع الوسائط غير مدعوم")
            }
            Service::MalformedBody => plain(400, BAD_REQUEST_EN, BAD_REQUEST_AR),
            Service::MethodNotAllowed
            | Service::BodyTooLarge
            | Service::BodyTimeout
            | Service::EmbedderNotServed
            | Service::Busy
            | Service::DeadlineExceeded
            | Service::NotImplemented => coded(f, ar),
        },
        _ => coded(f, ar),
    }
}

/// The service's own error body: veriface's message and numeric code.
fn coded(f: &Failure, ar: bool) -> Response {
    Response {
        status: f.status(),
        body: to_value(&CodedMessage {
            message: if ar { arabic(f) } else { f.message() },
            error_code: f.numeric_code(),
        }),
    }
}

/// The Arabic message for every failure: what went wrong and what to do, as the English ones.
pub(super) fn arabic(f: &Failure) -> String {
    let image = |which: &str| {
        if which == "first" {
            "الأولى"
        } else {
            "الثانية"
        }
    };
    match f {
        Failure::Missing { field } => format!("الحقل `{field}` مطلوب: أضفه إلى الطلب"),
        Failure::Invalid { field, .. } => {
            format!("قيمة الحقل `{field}` غير صالحة: راجع نوعها ومداها")
        }
        Failure::NotLive { codes } => format!(
            "لم يتحقق فحص الحيوية من وجود شخص حي ({}): أعد الالتقاط مواجهًا الكاميرا بعينين مفتوحتين وعلى مسافة قريبة وفي إضاءة جيدة",
            codes.join("، ")
        ),
        Failure::Service { code, .. } => match code {
            Service::ApiKeyMissing => "لم يُرسل رمز الوصول: أرسل الترويسة Authorization: Bearer".into(),
            Service::ApiKeyInvalid => "رمز الوصول غير صالح: استخدم رمزًا صادرًا لهذا الخادم".into(),
            Service::NotFound => "لا توجد نقطة نهاية بهذا المسار".into(),
            Service::MethodNotAllowed => "الطريقة غير مسموح بها لهذه النقطة: استخدم POST".into(),
            Service::UnsupportedMediaType => {
                "نوع الوسائط غير مدعوم: أرسل الجسم بصيغة application/json".into()
            }
            Service::MalformedBody => "جسم الطلب ليس JSON صالحًا: راجع صياغته".into(),
            Service::BodyTooLarge => "جسم الطلب أكبر من الحد المسموح: صغّر الصور قبل الإرسال".into(),
            Service::BodyTimeout => "لم يصل جسم الطلب كاملًا في المهلة المحددة: أعد الإرسال".into(),
            Service::EmbedderNotServed => {
                "النتيجة محسوبة بنموذج لا يشغّله هذا الخادم: أعد التحقق على خادم يشغّله".into()
            }
            Service::Busy => "الخادم مشغول: أعد المحاولة بعد المدة المذكورة في Retry-After".into(),
            Service::DeadlineExceeded => "لم تكتمل المعالجة في المهلة المحددة: أعد المحاولة لاحقًا".into(),
            Service::NotImplemented => "هذه النقطة غير مُنفّذة بعد في هذا الإصدار".into(),
        },
        Failure::Pipeline(e) => match e {
            Error::EmptyInput => "الصورة فارغة: أرسل بايتات ملف JPEG أو PNG".into(),
            Error::NotBase64 { .. } => {
                "نص الصورة ليس ترميز base64 صالحًا: أرسل الصورة بترميز base64 قياسي".into()
            }
            Error::UnsupportedFormat { .. } => {
                "صيغة الصورة غير مدعومة: حوّل الصورة إلى JPEG أو PNG".into()
            }
            Error::CorruptImage { .. } => {
                "تعذّر فك ترميز الصورة لأنها مقطوعة أو تالفة: أعد تصديرها أو التقاطها".into()
            }
            Error::TooLarge { .. } => "الصورة كبيرة جدًا: صغّر أبعادها أو حجمها قبل الإرسال".into(),
            Error::BadFrame { .. } => {
                "إطار RGBA غير صالح: يجب أن يساوي طول البيانات العرض × الارتفاع × 4".into()
            }
            Error::NoFace { which } => format!(
                "لم يُعثر على وجه في الصورة {}: استخدم صورة واضحة جيدة الإضاءة يظهر فيها الوجه كاملًا",
                image(which)
            ),
            Error::MultipleFaces { which, count } => format!(
                "عُثر على {count} وجوه في الصورة {} والمطلوب وجه واحد: اقتصر الصورة على شخص واحد",
                image(which)
            ),
            Error::BadParameter { name, .. } => {
                format!("قيمة المعامل `{name}` غير صالحة: راجع نوعها ومداها")
            }
            Error::ModelHashMismatch { .. } => {
                "ملف النموذج تالف أو ليس الملف المعتمد: أعد تنزيله".into()
            }
            Error::UnknownModel { .. } => "النموذج المطلوب غير معروف: اختر نموذجًا مدرجًا".into(),
            Error::Inference { .. } => "فشل تشغيل نموذج التعرف على الوجه: هذا خطأ في veriface".into(),
        },
    }
}
