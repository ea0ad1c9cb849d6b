//! Fusions of embedders, and what an embedder id resolves to: the one place that knows a
//! configuration may run several networks. Everything past [`Manifest::embedding`] sees one
//! vector and one calibration.

use serde::{Deserialize, Serialize};

use super::{Calibration, EmbedderSpec, Manifest, Metric};
use crate::error::{Error, Result};

/// A fusion of embedders: each member's face vector is computed as usual and the fused
/// similarity is the weighted mean of the members' cosines, weighted by each member's calibration
/// slope.
///
/// Why those weights: a member's calibrated log-odds of "same person" is
/// `slope * (cosine - center)`, and the naive-Bayes combination of independent evidence is the
/// sum of the members' log-odds. That sum is `sum(slope_i * cosine_i)` plus a constant, which the
/// fusion's own calibration absorbs; so there is no weight fitted for the fusion itself (one more
/// number tuned to the dev folds), only the members' calibrations and the fusion's.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FusionSpec {
    /// Stable id, selectable wherever an embedder id is.
    pub id: String,
    /// The member embedders' ids; every member must use the cosine metric.
    pub members: Vec<String>,
    /// How the fused similarity becomes the 0..1 score, measured on the fusion itself.
    pub calibration: Calibration,
}

/// What turns a face into the vector that is compared: one embedder, or a fusion resolved to
/// its members. Everything downstream (similarity, calibration, evaluation) sees one vector and
/// one metric either way.
#[derive(Debug, Clone)]
pub struct EmbeddingSpec {
    /// The embedder's or the fusion's id.
    pub id: String,
    /// The networks that run, in order (one for a plain embedder).
    pub members: Vec<EmbedderSpec>,
    /// Each member's weight in the fused similarity (its calibration slope; 1 for one member).
    pub weights: Vec<f64>,
    /// How two vectors are compared.
    pub metric: Metric,
    /// How the similarity becomes the score.
    pub calibration: Calibration,
}

impl EmbeddingSpec {
    /// The hash that stands for the weights in results and evidence: the member's SHA-256, or the
    /// members' joined with `+` for a fusion.
    pub fn sha256(&self) -> String {
        self.members
            .iter()
            .map(|m| m.file.sha256.as_str())
            .collect::<Vec<_>>()
            .join("+")
    }
}

impl Manifest {
    /// The embedder or fusion with this id (the manifest's `default` for `None`, else its first
    /// embedder), resolved to the networks that run.
    ///
    /// # Errors
    /// `UNKNOWN_MODEL` for an id the manifest does not list (or a fusion member it does not);
    /// `INFERENCE_FAILED` for a fusion whose members are not all cosine embedders with a positive
    /// calibration slope.
    pub fn embedding(&self, id: Option<&str>) -> Result<EmbeddingSpec> {
        let id = id.or(self.default.as_deref());
        let Some(fusion) = id.and_then(|id| self.fusions.iter().find(|f| f.id == id)) else {
            let spec = self.embedder(id)?.clone();
            return Ok(EmbeddingSpec {
                id: spec.file.id.clone(),
                weights: vec![1.0],
                metric: spec.metric,
                calibration: spec.calibration.clone(),
                members: vec![spec],
            });
        };
        let members = fusion
            .members
            .iter()
            .map(|m| self.embedder(Some(m)).cloned())
            .collect::<Result<Vec<_>>>()?;
        let usable = |m: &EmbedderSpec| {
            m.metric == Metric::Cosine
                && m.calibration.slope.is_finite()
                && m.calibration.slope > 0.0
        };
        if members.is_empty() || !members.iter().all(usable) {
            return Err(Error::inference(format!(
                "the manifest's fusion `{}` needs at least one member, each with the cosine metric \
                 and a positive calibration slope (its weight)",
                fusion.id
            )));
        }
        Ok(EmbeddingSpec {
            id: fusion.id.clone(),
            weights: members.iter().map(|m| m.calibration.slope).collect(),
            metric: Metric::Cosine,
            calibration: fusion.calibration.clone(),
            members,
        })
    }

    /// UNKNOWN_MODEL for `name`, listing every embedder and fusion id.
    pub(super) fn unknown(&self, name: &str) -> Error {
        let ids = self.embedders.iter().map(|e| e.file.id.as_str());
        let fused = self.fusions.iter().map(|f| f.id.as_str());
        Error::UnknownModel {
            name: name.to_string(),
            known: ids.chain(fused).collect::<Vec<_>>().join(", "),
        }
    }
}
