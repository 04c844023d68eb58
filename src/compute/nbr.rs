//! NBR, Normalized Burn Ratio: (nir − swir2) / (nir + swir2), swir2 ≈ 2.2 µm
//! (Landsat TM/ETM+ band 7, OLI band 7, Sentinel-2 B12).
//! Key, C.H. & Benson, N.C. (2006), "Landscape Assessment (LA)", USDA Forest Service
//! RMRS-GTR-164-CD. Healthy vegetation is high, fresh burn scars low or negative.

use super::{normalized_difference, BandNeed, Epoch};

pub(super) const BANDS: &[BandNeed] = &[
    BandNeed {
        epoch: Epoch::Single,
        band: "nir",
    },
    BandNeed {
        epoch: Epoch::Single,
        band: "swir2",
    },
];

pub(super) fn compute(b: &[&[f32]]) -> Vec<f32> {
    normalized_difference(b[0], b[1])
}
