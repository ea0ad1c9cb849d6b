//! The service-level failures of `veriface serve` (no key, body too large, busy, ...) in every
//! vendor's shape, compare and liveness, against the schemas and one golden file per vendor
//! (tests/golden/service/VENDOR.json: every code with its status and body). No server needed:
//! the shapes are the library's (`shapes::compare_response` / `liveness_response`).
//! `VERIFACE_BLESS=1` rewrites the golden files.

#[path = "serve/support.rs"]
mod support;

use serde_json::{json, Map, Value};
use veriface::endpoints::{self, Endpoint};
use veriface::shapes::{Context, Failure, Format, Service};

fn ctx() -> Context {
    Context {
        transaction_id: "00000000-0000-4000-8000-000000000000".into(),
        timestamp_ms: 1_710_444_590_759.0,
        ..Context::default()
    }
}

#[test]
fn every_service_failure_has_each_vendors_shape_status_and_golden() {
    for &format in Format::ALL {
        let mut all = Map::new();
        for &code in Service::ALL {
            let failure = Failure::service(code, format!("what went wrong: {}", code.name()));
            let compare = endpoints::refuse(Endpoint::Compare(format), failure.clone(), &ctx());
            support::validate(format, false, &compare.body, code.name());
            let liveness = endpoints::refuse(Endpoint::Liveness(format), failure, &ctx());
            let liveness_shape = matches!(format, Format::Vlens | Format::Veriface);
            support::validate(format, liveness_shape, &liveness.body, code.name());
            // The vendors' pages fix some statuses; every other one is the code's own.
            let expected = match (format, code) {
                (Format::Valify, Service::ApiKeyInvalid) => 403,
                (Format::Deepvue | Format::Opencv, Service::MalformedBody) => 422,
                _ => code.status(),
            };
            assert_eq!(
                compare.status,
                expected,
                "{} {}",
                format.name(),
                code.name()
            );
            assert_eq!(liveness.status, compare.status);
            all.insert(
                code.name().to_string(),
                json!({ "status": compare.status, "body": compare.body }),
            );
        }
        let reply = support::Reply {
            status: 200,
            headers: Vec::new(),
            body: serde_json::to_vec(&Value::Object(all)).expect("json"),
        };
        support::golden(&format!("service/{}", format.name()), &reply);
    }
}

#[test]
fn the_vendor_pages_own_bodies_are_used_where_they_exist() {
    let body = |format, code| {
        endpoints::refuse(
            Endpoint::Compare(format),
            Failure::service(code, "m"),
            &ctx(),
        )
        .body
    };
    assert_eq!(
        body(Format::Opencv, Service::ApiKeyInvalid),
        json!({ "code": "ERR_API_KEY_NOT_VALID", "message": "The API key is not valid." })
    );
    assert_eq!(
        body(Format::Deepvue, Service::ApiKeyInvalid),
        json!({ "detail": "Not a valid token" })
    );
    assert_eq!(
        body(Format::Valify, Service::ApiKeyInvalid),
        json!({ "message": "Forbidden – specified access_token could not be found" })
    );
    assert_eq!(
        body(Format::Valify, Service::NotFound),
        json!({ "message": "Not Found" })
    );
    let vlens = body(Format::Vlens, Service::Busy);
    assert_eq!(
        (vlens["error_code"].as_i64(), &vlens["error_message"]),
        (Some(5004), &json!("m"))
    );
    let veriface = body(Format::Veriface, Service::BodyTooLarge);
    assert_eq!(veriface["error"]["code"], "BODY_TOO_LARGE");
}
