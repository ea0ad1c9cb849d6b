//! The ISO/IEC 30107-3 presentation-attack rates (APCER per attack type, BPCER, ACER) that
//! `eval liveness` reports, and AUC over labelled values.

use std::collections::BTreeMap;

use serde::Serialize;

use super::auc;

/// One presentation to a presentation-attack detector and what it decided.
#[derive(Debug, Clone, PartialEq)]
pub struct Presentation<'a> {
    /// `None` for a bona fide (live) presentation, else the attack type (`print`, `replay`, ...).
    pub attack: Option<&'a str>,
    /// The decision was "live".
    pub accepted: bool,
    /// Classified as an attack (an anti-spoofing cue failed), as opposed to refused for capture
    /// quality alone (pose, eyes, distance).
    pub attack_detected: bool,
}

/// ISO/IEC 30107-3 error rates over presentations.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IsoRates {
    /// Attack presentation classification error rate per attack type: attacks accepted as live.
    pub apcer: BTreeMap<String, f64>,
    /// Per attack type: (presentations, accepted).
    pub attacks: BTreeMap<String, (usize, usize)>,
    /// Bona fide presentation classification error rate: bona fide presentations classified as
    /// attacks. Refusals for capture quality alone are failures to acquire, counted apart.
    pub bpcer: f64,
    /// The worst APCER and the BPCER averaged.
    pub acer: f64,
    /// Bona fide presentations.
    pub bona_fide: usize,
    /// Bona fide presentations classified as attacks.
    pub classified_as_attack: usize,
    /// Bona fide presentations not accepted for any reason.
    pub not_accepted: usize,
}

/// APCER per attack type, BPCER and ACER (ISO/IEC 30107-3) of `presentations`.
pub fn iso_rates(presentations: &[Presentation<'_>]) -> IsoRates {
    let rate = |n: usize, d: usize| if d == 0 { 0.0 } else { n as f64 / d as f64 };
    let mut attacks: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let (mut bona_fide, mut classified_as_attack, mut not_accepted) = (0, 0, 0);
    for p in presentations {
        match p.attack {
            Some(kind) => {
                let e = attacks.entry(kind.to_string()).or_default();
                e.0 += 1;
                e.1 += usize::from(p.accepted);
            }
            None => {
                bona_fide += 1;
                classified_as_attack += usize::from(p.attack_detected);
                not_accepted += usize::from(!p.accepted);
            }
        }
    }
    let apcer: BTreeMap<String, f64> = attacks
        .iter()
        .map(|(k, (n, a))| (k.clone(), rate(*a, *n)))
        .collect();
    let bpcer = rate(classified_as_attack, bona_fide);
    let worst = apcer.values().copied().fold(0.0, f64::max);
    IsoRates {
        apcer,
        attacks,
        bpcer,
        acer: (worst + bpcer) / 2.0,
        bona_fide,
        classified_as_attack,
        not_accepted,
    }
}

/// [`auc`] over labelled values: the probability that a positive's value beats a negative's.
pub fn auc_labelled(values: &[(bool, f64)]) -> f64 {
    let pick = |label: bool| -> Vec<f64> {
        values
            .iter()
            .filter(|v| v.0 == label)
            .map(|v| v.1)
            .collect()
    };
    let (pos, neg) = (pick(true), pick(false));
    auc(&pos, &neg)
}
