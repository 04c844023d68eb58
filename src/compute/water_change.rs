//! Water change between two scenes: each pixel is water where its water index exceeds a
//! threshold (MNDWI, Xu 2006, or NDWI, McFeeters 1996; both > 0 by default, as their authors
//! propose), and the pair of states gives one code:
//!
//! | code | pre | post | meaning |
//! |---|---|---|---|
//! | 0 | land | land | no water |
//! | 1 | water | water | permanent water (rivers, lakes: not flood) |
//! | 2 | land | water | new open water (flood) |
//! | 3 | water | land | water receded |
//!
//! Nodata in either scene gives nodata. The shipped `water-change` class table names the codes.

use super::{normalized_difference, Index};

pub const DRY: f32 = 0.0;
pub const PERMANENT: f32 = 1.0;
pub const NEW_WATER: f32 = 2.0;
pub const RECEDED: f32 = 3.0;

/// Codes from the pre and post bands of `water_index` (`[pre.a, pre.b, post.a, post.b]` in the
/// order of [`Index::bands`] for MNDWI or NDWI).
pub fn compute(water_index: Index, threshold: f32, bands: &[&[f32]]) -> Vec<f32> {
    debug_assert!(matches!(water_index, Index::Mndwi | Index::Ndwi));
    let pre = normalized_difference(bands[0], bands[1]);
    let post = normalized_difference(bands[2], bands[3]);
    pre.iter()
        .zip(&post)
        .map(|(&pre, &post)| {
            if pre.is_nan() || post.is_nan() {
                return f32::NAN;
            }
            match (pre > threshold, post > threshold) {
                (false, false) => DRY,
                (true, true) => PERMANENT,
                (false, true) => NEW_WATER,
                (true, false) => RECEDED,
            }
        })
        .collect()
}
