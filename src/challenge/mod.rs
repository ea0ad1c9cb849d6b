//! Active liveness: a short random sequence of actions (turn the head left or right, blink, come
//! closer) that a photo, a mask made from a photo or a pre-recorded video cannot perform on cue,
//! with a nonce and an expiry, optionally signed by a server key (HMAC-SHA256) so the server
//! can tell its own challenges from forged ones.
//!
//! This module is the protocol only: the challenge, its signature and the record a capture
//! produces ([`record`]). Judging a record is `crate::liveness::active` (pure measurements) and
//! `crate::pipeline::challenge` (running the models on the record's frames), the same code in
//! the browser and on the server.

pub mod record;

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::error::{Error, Result};

crate::codes::codes! {
    /// What the person is asked to do. Left and right are the person's own: turning to their
    /// left moves the nose to the right of an unmirrored camera image (positive yaw).
    pub enum Action {
        /// Turn the head to your left, then back.
        TurnLeft = "turn_left",
        /// Turn the head to your right, then back.
        TurnRight = "turn_right",
        /// Close both eyes and open them again.
        Blink = "blink",
        /// Bring the face closer to the camera (it grows by [`CLOSER_FACTOR`]).
        ComeCloser = "come_closer",
    }
}

/// The face must grow by this factor (width) for `come_closer`.
pub const CLOSER_FACTOR: f64 = 1.25;

/// One action and the time allowed for it, from the end of the previous one (or the start).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// The action.
    pub action: Action,
    /// Milliseconds allowed.
    pub window_ms: u64,
}

/// A challenge: what to do, by when, and a nonce that makes it usable once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Challenge {
    /// Format version (1).
    pub version: u32,
    /// 128 random bits, hex: the server refuses a nonce it has seen.
    pub nonce: String,
    /// When it was made, ms since the Unix epoch.
    pub issued_at: u64,
    /// After this (ms since the Unix epoch) it is refused.
    pub expires_at: u64,
    /// The actions, in order.
    pub steps: Vec<Step>,
    /// HMAC-SHA256 of the other fields ([`Challenge::payload`]) with the server's key, hex;
    /// `None` for a challenge made on the device (advisory only).
    #[serde(default)]
    pub signature: Option<String>,
}

/// How long a challenge stays valid.
pub const LIFETIME_MS: u64 = 120_000;

/// Time allowed per action.
pub const STEP_WINDOW_MS: u64 = 6_000;

impl Challenge {
    /// A fresh challenge from 32 random bytes (the caller's cryptographic source: the OS, or
    /// `crypto.getRandomValues` in a browser): a 128-bit nonce and 2 or 3 distinct actions in a
    /// random order (4 x 3 x 2 = 24 sequences of three, 12 of two).
    pub fn new(random: [u8; 32], now_ms: u64) -> Challenge {
        let nonce: String = random[..16].iter().map(|b| format!("{b:02x}")).collect();
        let count = 2 + usize::from(random[16] % 2);
        let mut pool: Vec<Action> = Action::ALL.to_vec();
        let mut steps = Vec::with_capacity(count);
        for &r in random.iter().skip(17).take(count) {
            let pick = usize::from(r) % pool.len();
            let action = pool.remove(pick);
            steps.push(Step {
                action,
                window_ms: STEP_WINDOW_MS,
            });
        }
        Challenge {
            version: 1,
            nonce,
            issued_at: now_ms,
            expires_at: now_ms + LIFETIME_MS,
            steps,
            signature: None,
        }
    }

    /// A challenge with the given actions (for tests and for a server that chooses them).
    pub fn with_steps(random: [u8; 32], now_ms: u64, actions: &[Action]) -> Challenge {
        Challenge {
            steps: actions
                .iter()
                .map(|&action| Step {
                    action,
                    window_ms: STEP_WINDOW_MS,
                })
                .collect(),
            ..Challenge::new(random, now_ms)
        }
    }

    /// The bytes the signature covers: every field but the signature, as compact JSON in the
    /// struct's field order (fixed: integers only, no floats to format differently).
    pub fn payload(&self) -> Vec<u8> {
        let unsigned = Challenge {
            signature: None,
            ..self.clone()
        };
        serde_json::to_vec(&unsigned).unwrap_or_default()
    }

    /// Signs the challenge with `key` (at least 32 bytes).
    ///
    /// # Errors
    /// `BAD_PARAMETER` for a key shorter than 32 bytes.
    pub fn sign(mut self, key: &[u8]) -> Result<Challenge> {
        let mut mac = mac(key)?;
        mac.update(&self.payload());
        let tag = mac.finalize().into_bytes();
        self.signature = Some(tag.iter().map(|b| format!("{b:02x}")).collect());
        Ok(self)
    }

    /// Whether the signature is this key's over these fields (constant-time comparison).
    ///
    /// # Errors
    /// `BAD_PARAMETER` for a key shorter than 32 bytes.
    pub fn signed_by(&self, key: &[u8]) -> Result<bool> {
        let Some(sig) = &self.signature else {
            return Ok(false);
        };
        let Some(tag) = from_hex(sig) else {
            return Ok(false);
        };
        let mut mac = mac(key)?;
        mac.update(&self.payload());
        Ok(mac.verify_slice(&tag).is_ok())
    }

    /// Checks the fields a well-formed challenge has: version 1, a 32-hex-digit nonce, 1 to 5
    /// steps each with a window of 0.5 to 60 s, an expiry after the issue time.
    ///
    /// # Errors
    /// `BAD_PARAMETER` naming what is wrong.
    pub fn validate(&self) -> Result<()> {
        let bad = |field: &str, why: &str| Err(Error::bad_parameter(field, why));
        if self.version != 1 {
            return bad("challenge.version", "must be 1");
        }
        if self.nonce.len() != 32 || from_hex(&self.nonce).is_none() {
            return bad("challenge.nonce", "must be 32 hex digits (128 bits)");
        }
        if !(1..=5).contains(&self.steps.len()) {
            return bad("challenge.steps", "give 1 to 5 actions");
        }
        if self
            .steps
            .iter()
            .any(|s| !(500..=60_000).contains(&s.window_ms))
        {
            return bad(
                "challenge.steps",
                "every window_ms must be 500 to 60000 milliseconds",
            );
        }
        if self.expires_at <= self.issued_at {
            return bad("challenge.expires_at", "must be after issued_at");
        }
        Ok(())
    }
}

fn mac(key: &[u8]) -> Result<Hmac<Sha256>> {
    if key.len() < 32 {
        return Err(Error::bad_parameter(
            "key",
            format!(
                "a challenge key must be at least 32 bytes, got {}: make one with `head -c 32 /dev/urandom > key`",
                key.len()
            ),
        ));
    }
    Hmac::<Sha256>::new_from_slice(key)
        .map_err(|e| Error::bad_parameter("key", format!("unusable key: {e}")))
}

/// Lower-case hex into bytes; `None` for anything else.
pub(crate) fn from_hex(text: &str) -> Option<Vec<u8>> {
    // Digit by digit: `u8::from_str_radix` would also take a leading `+` and upper case, which
    // gave one signature (and one nonce) several spellings that verify (found by fuzzing).
    let digit = |b: u8| match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        _ => None,
    };
    let bytes = text.as_bytes();
    if bytes.len() % 2 != 0 {
        return None;
    }
    bytes
        .chunks_exact(2)
        .map(|pair| match pair {
            [hi, lo] => Some(digit(*hi)? << 4 | digit(*lo)?),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: [u8; 32] = [7; 32];

    #[test]
    fn hex_is_lower_case_digits_only() {
        assert_eq!(from_hex("00ff1a"), Some(vec![0, 255, 26]));
        assert_eq!(from_hex(""), Some(vec![]));
        for bad in ["+f", "FF", "0", "0g", " 1", "-1", "\u{e9}1"] {
            assert_eq!(from_hex(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_challenge_has_two_or_three_distinct_actions_and_a_nonce() {
        for seed in 0..=255u8 {
            let mut random = [seed; 32];
            random[16] = seed;
            random[17] = seed.wrapping_mul(31);
            let c = Challenge::new(random, 1_000);
            assert!((2..=3).contains(&c.steps.len()));
            let mut actions: Vec<_> = c.steps.iter().map(|s| s.action).collect();
            actions.dedup();
            assert_eq!(actions.len(), c.steps.len());
            assert_eq!(c.nonce.len(), 32);
            assert!(c.validate().is_ok());
        }
    }

    #[test]
    fn a_signature_covers_every_field() {
        let c = Challenge::new([1; 32], 5_000).sign(&KEY).unwrap();
        assert!(c.signed_by(&KEY).unwrap());
        assert!(!c.signed_by(&[8; 32]).unwrap());
        let mut later = c.clone();
        later.expires_at += 1;
        assert!(!later.signed_by(&KEY).unwrap());
        let mut reordered = c.clone();
        reordered.steps.reverse();
        assert!(!reordered.signed_by(&KEY).unwrap());
        let unsigned = Challenge {
            signature: None,
            ..c
        };
        assert!(!unsigned.signed_by(&KEY).unwrap());
        assert_eq!(
            Challenge::new([1; 32], 0).sign(&[0; 8]).unwrap_err().code(),
            "BAD_PARAMETER"
        );
    }

    #[test]
    fn hex_round_trips_and_refuses_junk() {
        assert_eq!(from_hex("00ff10"), Some(vec![0, 255, 16]));
        assert_eq!(from_hex("0"), None);
        assert_eq!(from_hex("zz"), None);
        assert_eq!(from_hex("é1"), None);
    }
}
