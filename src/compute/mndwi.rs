//! MNDWI, Modified NDWI: (green − swir1) / (green + swir1), swir1 ≈ 1.6 µm
//! (Landsat TM/ETM+ band 5, OLI band 6, Sentinel-2 B11).
//! Xu, H. (2006), "Modification of normalised difference water index (NDWI) to enhance open
//! water features in remotely sensed imagery", Int. J. Remote Sensing 27(14). Open water > 0,
//! with less confusion with built-up land than NDWI.

use super::{normalized_difference, BandNeed, Epoch};

pub(super) const BANDS: &[BandNeed] = &[
    BandNeed {
        epoch: Epoch::Single,
        band: "green",
    },
    BandNeed {
        epoch: Epoch::Single,
        band: "swir1",
    },
];

pub(super) fn compute(b: &[&[f32]]) -> Vec<f32> {
    normalized_difference(b[0], b[1])
}
