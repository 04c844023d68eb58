//! dNDVI, differenced NDVI: NDVI_pre − NDVI_post, signed like dNBR so that positive means
//! vegetation lost (as in the burn-severity literature, e.g. Key & Benson 2006 use the same
//! pre − post convention for dNBR).

use super::{difference, normalized_difference, BandNeed, Epoch};

pub(super) const BANDS: &[BandNeed] = &[
    BandNeed {
        epoch: Epoch::Pre,
        band: "nir",
    },
    BandNeed {
        epoch: Epoch::Pre,
        band: "red",
    },
    BandNeed {
        epoch: Epoch::Post,
        band: "nir",
    },
    BandNeed {
        epoch: Epoch::Post,
        band: "red",
    },
];

pub(super) fn compute(b: &[&[f32]]) -> Vec<f32> {
    difference(
        &normalized_difference(b[0], b[1]),
        &normalized_difference(b[2], b[3]),
    )
}
