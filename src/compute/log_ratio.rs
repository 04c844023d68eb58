//! SAR change: the log-ratio 10·log10(σ⁰_post / σ⁰_pre) in dB, on linear VV backscatter.
//! Ratio (not difference) detectors suit SAR because speckle is multiplicative: Rignot, E.J.M.
//! & van Zyl, J.J. (1993), "Change detection techniques for ERS-1 SAR data", IEEE TGRS 31(4);
//! Bazi, Bruzzone & Melgani (2005), IEEE TGRS 43(4). Strong decreases (below about −3 dB) over
//! land are the classic flood signature (open water is a specular reflector).
//!
//! Inputs are linear power; scenes declared in dB are converted at read time (see
//! `plan::Encoding::Decibels`), so for dB inputs the result equals dB_post − dB_pre.
//! Zero or negative backscatter gives nodata.

use super::{BandNeed, Epoch};

pub(super) const BANDS: &[BandNeed] = &[
    BandNeed {
        epoch: Epoch::Pre,
        band: "vv",
    },
    BandNeed {
        epoch: Epoch::Post,
        band: "vv",
    },
];

pub(super) fn compute(b: &[&[f32]]) -> Vec<f32> {
    b[0].iter()
        .zip(b[1])
        .map(|(&pre, &post)| {
            if pre > 0.0 && post > 0.0 {
                10.0 * (post / pre).log10()
            } else {
                f32::NAN
            }
        })
        .collect()
}
