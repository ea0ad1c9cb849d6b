//! Every list of codes has one source, the Rust enums; what JavaScript users see must be that
//! same list. These tests fail on drift: a variant added in Rust and not in `js/index.d.ts` (or
//! the reverse), a JS copy of a Rust limit that differs, a code the README's tables omit.

use std::collections::BTreeSet;

use veriface::challenge::Action;
use veriface::liveness::quality::Code;
use veriface::liveness::sequence::SequenceCode;
use veriface::report::ChallengeCode;
use veriface::shapes::{Format, Service};
use veriface::{ErrorCode, FacePolicy, Limits};

fn file(path: &str) -> String {
    std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR")))
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The string literals of `export type NAME = "A" | "B" ...;` in a TypeScript file.
fn ts_union(source: &str, name: &str) -> BTreeSet<String> {
    let start = source
        .find(&format!("export type {name} ="))
        .unwrap_or_else(|| panic!("js/index.d.ts has no `export type {name}`"));
    let body = &source[start..];
    let end = body.find(';').expect("the union ends with ;");
    body[..end]
        .split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

/// The codes only the JavaScript package raises, from js/errors.js.
fn js_only_codes() -> BTreeSet<String> {
    let errors = file("js/errors.js");
    let start = errors
        .find("JS_ERROR_CODES")
        .expect("js/errors.js lists JS_ERROR_CODES");
    let list = &errors[start..];
    let list = &list[..list.find("]").expect("the list ends")];
    list.split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

#[test]
fn typescript_unions_equal_the_rust_enums() {
    let dts = file("js/index.d.ts");
    assert_eq!(ts_union(&dts, "QualityCode"), set(Code::NAMES));
    assert_eq!(ts_union(&dts, "SequenceCode"), set(SequenceCode::NAMES));
    assert_eq!(ts_union(&dts, "VendorFormat"), set(Format::NAMES));
    assert_eq!(ts_union(&dts, "FacePolicy"), set(FacePolicy::NAMES));
    assert_eq!(ts_union(&dts, "ChallengeAction"), set(Action::NAMES));
    assert_eq!(ts_union(&dts, "ChallengeCode"), set(ChallengeCode::NAMES));
    let mut errors = set(ErrorCode::NAMES);
    let js_only = js_only_codes();
    assert!(errors.is_disjoint(&js_only), "a JS code shadows a Rust one");
    errors.extend(js_only);
    assert_eq!(ts_union(&dts, "ErrorCode"), errors);
}

#[test]
fn the_javascript_pixel_cap_is_the_rust_one() {
    let input = file("js/input.js");
    let line = input
        .lines()
        .find(|l| l.contains("const MAX_PIXELS ="))
        .expect("js/input.js defines MAX_PIXELS");
    let value: u64 = line
        .split('=')
        .nth(1)
        .unwrap()
        .trim()
        .trim_end_matches(';')
        .replace('_', "")
        .parse()
        .unwrap();
    assert_eq!(value, Limits::default().max_pixels);
}

#[test]
fn the_readme_error_tables_list_every_code() {
    let readme = file("README.md");
    for code in ErrorCode::NAMES
        .iter()
        .copied()
        .chain(js_only_codes().iter().map(String::as_str))
    {
        assert!(
            readme.contains(&format!("| `{code}` |")),
            "README.md's error tables lack {code}"
        );
    }
}

#[test]
fn the_readme_lists_every_service_code() {
    let readme = file("README.md");
    for code in Service::NAMES {
        assert!(
            readme.contains(&format!("| `{code}` |")),
            "README.md's server error table lacks {code}"
        );
    }
    let vendors = file("docs/vendors.md");
    for code in Service::ALL {
        assert!(
            vendors.contains(&format!("| {} | `{}`", code.numeric_code(), code.name())),
            "docs/vendors.md's numeric code table lacks {}",
            code.name()
        );
    }
}
