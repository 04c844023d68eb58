//! RdNBR, relative dNBR: dNBR / sqrt(|NBR_pre|), which makes severity comparable across
//! sparse and dense pre-fire vegetation. Miller, J.D. & Thode, A.E. (2007), "Quantifying burn
//! severity in a heterogeneous landscape with a relative version of the delta Normalized Burn
//! Ratio (dNBR)", Remote Sensing of Environment 109(1).
//!
//! Units: NBR unscaled (−1…1). MTBS publishes NBR and dNBR ×1000, which makes its RdNBR
//! values 1000 × these. Guard: where |NBR_pre| < 0.001 the denominator uses 0.001, as MTBS
//! does, instead of dividing by (nearly) zero.

use super::BandNeed;

/// Smallest |NBR_pre| used in the denominator.
const MIN_ABS_PRE_NBR: f32 = 0.001;

pub(super) const BANDS: &[BandNeed] = super::dnbr::BANDS;

pub(super) fn compute(b: &[&[f32]]) -> Vec<f32> {
    let (pre, post) = super::dnbr::nbr_pre_post(b);
    pre.iter()
        .zip(&post)
        .map(|(&pre, &post)| (pre - post) / pre.abs().max(MIN_ABS_PRE_NBR).sqrt())
        .collect()
}
