//! API keys, presented as each vendor's clients already send them, checked in constant time.
//!
//! | shape | headers read |
//! |---|---|
//! | Vlens | `ApiKey`, `Authorization: Bearer` |
//! | Valify | `Authorization: Bearer` (its OAuth access token) |
//! | Deepvue | `x-api-key`, `Authorization: Bearer` (its page sends both) |
//! | OpenCV FR | `x-api-key` |
//! | veriface | `Authorization: Bearer`, `x-api-key` |
//!
//! A request passes when any header its vendor uses carries one of the keys. The keys are kept
//! as SHA-256 digests and a presented value is hashed and compared with every one of them using
//! `subtle` (no early exit, fixed length), so neither the time taken nor the key's length says how
//! much of a guess was right.

use std::path::Path;

use axum::http::HeaderMap;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use veriface::shapes::{Format, Service};
use veriface::{Error, Result};

/// The accepted keys, as digests.
pub struct ApiKeys {
    digests: Vec<[u8; 32]>,
}

impl ApiKeys {
    /// Reads the keys from `path`: one per line; blank lines and lines starting with `#` are
    /// skipped, so that a key can be rotated by listing the old and the new one for a while.
    ///
    /// # Errors
    /// `BAD_PARAMETER` for an unreadable file, a file with no key, or a key under 16 characters
    /// (a short key can be guessed whatever the comparison).
    pub fn load(path: &Path) -> Result<ApiKeys> {
        let bad = |reason: String| Error::bad_parameter("--api-key-file", reason);
        let text = std::fs::read_to_string(path)
            .map_err(|e| bad(format!("cannot read {}: {e}", path.display())))?;
        let keys: Vec<&str> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect();
        if keys.is_empty() {
            return Err(bad(format!("{} holds no key", path.display())));
        }
        if let Some(n) = keys.iter().position(|k| k.len() < 16) {
            return Err(bad(format!(
                "key {} in {} is shorter than 16 characters",
                n + 1,
                path.display()
            )));
        }
        Ok(ApiKeys {
            digests: keys.iter().map(|k| digest(k.as_bytes())).collect(),
        })
    }

    /// Whether the request carries an accepted key in a header its vendor uses.
    ///
    /// # Errors
    /// `API_KEY_MISSING` when none of those headers is present, `API_KEY_INVALID` when none of
    /// the values presented is a key.
    pub fn check(&self, format: Format, headers: &HeaderMap) -> std::result::Result<(), Service> {
        let presented = presented(format, headers);
        if presented.is_empty() {
            return Err(Service::ApiKeyMissing);
        }
        let mut accepted = subtle::Choice::from(0);
        for value in &presented {
            let d = digest(value);
            for key in &self.digests {
                accepted |= d.ct_eq(key);
            }
        }
        if bool::from(accepted) {
            Ok(())
        } else {
            Err(Service::ApiKeyInvalid)
        }
    }
}

/// The header names and the bearer scheme each vendor's clients use.
fn presented(format: Format, headers: &HeaderMap) -> Vec<Vec<u8>> {
    let (plain, bearer): (&[&str], bool) = match format {
        Format::Vlens => (&["apikey"], true),
        Format::Valify => (&[], true),
        Format::Deepvue | Format::Veriface => (&["x-api-key"], true),
        Format::Opencv => (&["x-api-key"], false),
    };
    let mut out: Vec<Vec<u8>> = plain
        .iter()
        .flat_map(|name| headers.get_all(*name))
        .map(|v| v.as_bytes().trim_ascii().to_vec())
        .collect();
    if bearer {
        for value in headers.get_all(axum::http::header::AUTHORIZATION) {
            let value = value.as_bytes().trim_ascii();
            // The scheme is case-insensitive (RFC 9110 11.1).
            if value.len() > 7 && value[..7].eq_ignore_ascii_case(b"bearer ") {
                out.push(value[7..].trim_ascii().to_vec());
            }
        }
    }
    out
}

fn digest(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn keys() -> ApiKeys {
        ApiKeys {
            digests: vec![digest(b"0123456789abcdef-key")],
        }
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn each_vendor_reads_its_own_headers() {
        let k = keys();
        let good = "0123456789abcdef-key";
        let bearer = format!("Bearer {good}");
        assert_eq!(
            k.check(Format::Vlens, &headers(&[("ApiKey", good)])),
            Ok(())
        );
        assert_eq!(
            k.check(Format::Valify, &headers(&[("authorization", &bearer)])),
            Ok(())
        );
        assert_eq!(
            k.check(
                Format::Deepvue,
                &headers(&[("authorization", "Bearer jwt"), ("x-api-key", good)])
            ),
            Ok(())
        );
        assert_eq!(
            k.check(Format::Opencv, &headers(&[("x-api-key", good)])),
            Ok(())
        );
        // OpenCV FR takes no bearer token; Valify no x-api-key.
        assert_eq!(
            k.check(Format::Opencv, &headers(&[("authorization", &bearer)])),
            Err(Service::ApiKeyMissing)
        );
        assert_eq!(
            k.check(Format::Valify, &headers(&[("x-api-key", good)])),
            Err(Service::ApiKeyMissing)
        );
        assert_eq!(
            k.check(
                Format::Veriface,
                &headers(&[("x-api-key", "0123456789abcdef-kez")])
            ),
            Err(Service::ApiKeyInvalid)
        );
        assert_eq!(
            k.check(
                Format::Veriface,
                &headers(&[("authorization", "bearer 0123456789abcdef-key")])
            ),
            Ok(())
        );
    }
}
