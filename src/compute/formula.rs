//! What a product computes per pixel ([`Formula`]), and its evaluation over a tile with the
//! product's mask and the scenes' quality rules.

use super::expression::Expression;
use super::mask::MaskRule;
use super::{composite, water_change, Index};

/// What is computed per pixel.
#[derive(Debug, Clone, PartialEq)]
pub enum Formula {
    /// A catalogue index.
    Index(Index),
    /// A band-maths expression over `scene.band` references.
    Expression(Expression),
    /// Water change codes (see [`super::water_change`]) from a water index
    /// (MNDWI or NDWI) above `threshold` in the pre and the post scene.
    WaterChange { water_index: Index, threshold: f32 },
    /// Three bands of one scene shown as red, green and blue (see
    /// [`super::composite`]): three planes per tile instead of one.
    Composite,
}

/// The product's values over one tile: the formula, then the mask expression (where it is
/// non-zero or has no data the product has none), then each scene's quality rule. `bands`
/// holds the formula's bands, then the mask's, then one quality band per rule.
pub fn evaluate(
    formula: &Formula,
    mask: Option<&Expression>,
    quality: &[MaskRule],
    bands: &[&[f32]],
) -> Vec<f32> {
    let (rest, quality_bands) = bands.split_at(bands.len() - quality.len());
    let mask_reads = mask.map_or(0, |m| m.references().len());
    let (formula_bands, mask_bands) = rest.split_at(rest.len() - mask_reads);
    let mut values = match formula {
        Formula::Index(i) => i.compute(formula_bands),
        Formula::Expression(e) => e.evaluate(formula_bands),
        Formula::WaterChange {
            water_index,
            threshold,
        } => water_change::compute(*water_index, *threshold, formula_bands),
        Formula::Composite => composite::compute(formula_bands),
    };
    let n = formula_bands.first().map_or(0, |b| b.len()).max(1);
    if let Some(mask) = mask {
        let masked = mask.evaluate(mask_bands);
        for plane in values.chunks_mut(n) {
            for (v, m) in plane.iter_mut().zip(&masked) {
                if *m != 0.0 {
                    *v = f32::NAN; // NaN != 0 too: a mask without data masks
                }
            }
        }
    }
    for (rule, quality) in quality.iter().zip(quality_bands) {
        for plane in values.chunks_mut(n) {
            rule.apply(quality, plane);
        }
    }
    values
}
