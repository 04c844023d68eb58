//! RBR, Relativized Burn Ratio: dNBR / (NBR_pre + 1.001). Parks, S.A., Dillon, G.K. & Miller,
//! C. (2014), "A new metric for quantifying burn severity: the Relativized Burn Ratio",
//! Remote Sensing 6(3). The 1.001 keeps the denominator positive for every NBR_pre ≥ −1.

use super::BandNeed;

pub(super) const BANDS: &[BandNeed] = super::dnbr::BANDS;

pub(super) fn compute(b: &[&[f32]]) -> Vec<f32> {
    let (pre, post) = super::dnbr::nbr_pre_post(b);
    pre.iter()
        .zip(&post)
        .map(|(&pre, &post)| (pre - post) / (pre + 1.001))
        .collect()
}
