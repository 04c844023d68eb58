//! NDVI, Normalized Difference Vegetation Index: (nir − red) / (nir + red).
//! Rouse, J.W. et al. (1974), "Monitoring vegetation systems in the Great Plains with ERTS",
//! NASA SP-351. Range −1…1; green vegetation ≳ 0.3, water < 0.

use super::{normalized_difference, BandNeed, Epoch};

pub(super) const BANDS: &[BandNeed] = &[
    BandNeed {
        epoch: Epoch::Single,
        band: "nir",
    },
    BandNeed {
        epoch: Epoch::Single,
        band: "red",
    },
];

pub(super) fn compute(b: &[&[f32]]) -> Vec<f32> {
    normalized_difference(b[0], b[1])
}
