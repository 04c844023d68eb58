//! NDWI, Normalized Difference Water Index: (green − nir) / (green + nir).
//! McFeeters, S.K. (1996), "The use of the Normalized Difference Water Index (NDWI) in the
//! delineation of open water features", Int. J. Remote Sensing 17(7). Open water > 0.

use super::{normalized_difference, BandNeed, Epoch};

pub(super) const BANDS: &[BandNeed] = &[
    BandNeed {
        epoch: Epoch::Single,
        band: "green",
    },
    BandNeed {
        epoch: Epoch::Single,
        band: "nir",
    },
];

pub(super) fn compute(b: &[&[f32]]) -> Vec<f32> {
    normalized_difference(b[0], b[1])
}
