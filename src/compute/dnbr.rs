//! dNBR, differenced Normalized Burn Ratio: NBR_pre − NBR_post.
//! Key, C.H. & Benson, N.C. (2006), RMRS-GTR-164-CD. Positive where vegetation burned;
//! USGS severity classes start at 0.1 (low) and reach ≥ 0.66 (high).

use super::{difference, normalized_difference, BandNeed, Epoch};

pub(super) const BANDS: &[BandNeed] = &[
    BandNeed {
        epoch: Epoch::Pre,
        band: "nir",
    },
    BandNeed {
        epoch: Epoch::Pre,
        band: "swir2",
    },
    BandNeed {
        epoch: Epoch::Post,
        band: "nir",
    },
    BandNeed {
        epoch: Epoch::Post,
        band: "swir2",
    },
];

pub(super) fn compute(b: &[&[f32]]) -> Vec<f32> {
    let (pre, post) = nbr_pre_post(b);
    difference(&pre, &post)
}

/// NBR of the pre and the post scene from [`BANDS`]-ordered buffers.
pub(super) fn nbr_pre_post(b: &[&[f32]]) -> (Vec<f32>, Vec<f32>) {
    (
        normalized_difference(b[0], b[1]),
        normalized_difference(b[2], b[3]),
    )
}
