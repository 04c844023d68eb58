//! `stats.json` and `stats.csv`: area per class in hectares and km² (true ground area on the
//! WGS 84 ellipsoid), valid and nodata area, and the index's range and mean.

use serde::{Deserialize, Serialize};

use super::legend::ClassEntry;
use crate::compute::area_stats::AreaStats;
use crate::compute::sieve::SieveCounts;
use crate::render::Style;

const M2_PER_HA: f64 = 10_000.0;
const M2_PER_KM2: f64 = 1_000_000.0;

/// `stats.json`: the product's area per class, valid and nodata area, and its values' range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    pub product: String,
    pub area_method: String,
    pub valid: Area,
    pub nodata: Area,
    pub value: ValueRange,
    pub classes: Vec<ClassArea>,
    /// Valid pixels outside every class (class tables only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unclassified: Option<Area>,
    /// The minimum mapping unit and the class areas before and after it (class tables with
    /// `min_area_ha` > 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_mapping_unit: Option<MinMappingUnitAreas>,
}

/// What the sieve removed: `classes_before` as computed, `classes_after` with every patch
/// smaller than the unit merged into its largest neighbour (what `polygons.geojson` draws).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MinMappingUnitAreas {
    pub min_area_ha: f64,
    /// Patches of fewer pixels were merged: `min_area_ha` over the grid's mean pixel area.
    pub min_pixels: u32,
    /// Pixels sharing an edge are one patch (4); corners do not join.
    pub connectivity: u8,
    /// Which outputs are sieved: `polygons.geojson`, and with `sieve_classes`
    /// also `classes.tif` and this file's `classes`.
    pub applied_to: Vec<String>,
    pub patches: u64,
    pub small_patches: u64,
    pub merged_patches: u64,
    pub classes_before: Vec<ClassArea>,
    pub classes_after: Vec<ClassArea>,
}

/// What the sieve did, for [`stats_json`]: the unit, and the totals after it.
pub struct SieveSummary {
    pub min_area_ha: f64,
    pub min_pixels: u32,
    pub in_classes: bool,
    pub counts: SieveCounts,
    pub after: AreaStats,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Area {
    pub pixels: u64,
    pub hectares: f64,
    pub km2: f64,
}

impl Area {
    fn of(pixels: u64, m2: f64) -> Self {
        Area {
            pixels,
            hectares: m2 / M2_PER_HA,
            km2: m2 / M2_PER_KM2,
        }
    }
}

/// The product's values over its valid pixels (none when there are none).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ValueRange {
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub mean: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassArea {
    #[serde(flatten)]
    pub area: Area,
    /// The class, as `legend.json` names it.
    #[serde(flatten)]
    pub class: ClassEntry,
    pub percent_of_valid: f64,
}

fn class_areas(stats: &AreaStats, style: &Style) -> Vec<ClassArea> {
    let valid_m2 = stats.valid.1;
    style
        .class_table()
        .map(|t| {
            (t.classes.iter().zip(&stats.classes).enumerate())
                .map(|(i, (c, (pixels, m2)))| ClassArea {
                    area: Area::of(*pixels, *m2),
                    class: ClassEntry::of(i, c),
                    percent_of_valid: percent_of(*m2, valid_m2),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// `stats`: the product's totals before any sieve; `sieve`: what the minimum mapping unit
/// did, whose class areas become `classes` when it applies to the classes.
pub fn stats_json(
    stats: &AreaStats,
    style: &Style,
    product: &str,
    sieve: Option<&SieveSummary>,
) -> Stats {
    let before = class_areas(stats, style);
    let min_mapping_unit = sieve.map(|s| {
        let mut applied_to = vec!["polygons.geojson".to_string()];
        if s.in_classes {
            applied_to.extend(["classes.tif".into(), "stats.json classes".into()]);
        }
        MinMappingUnitAreas {
            min_area_ha: s.min_area_ha,
            min_pixels: s.min_pixels,
            connectivity: 4,
            applied_to,
            patches: s.counts.patches,
            small_patches: s.counts.small,
            merged_patches: s.counts.merged,
            classes_before: before.clone(),
            classes_after: class_areas(&s.after, style),
        }
    });
    let classes = match (&min_mapping_unit, sieve) {
        (Some(m), Some(s)) if s.in_classes => m.classes_after.clone(),
        _ => before,
    };
    let finite = |v: f64| v.is_finite().then_some(v);
    Stats {
        product: product.to_string(),
        area_method: "true ground area on the WGS 84 ellipsoid (geodesic area of pixel corners)"
            .into(),
        valid: Area::of(stats.valid.0, stats.valid.1),
        nodata: Area::of(stats.nodata.0, stats.nodata.1),
        value: ValueRange {
            min: finite(stats.min),
            max: finite(stats.max),
            mean: finite(stats.mean()),
        },
        classes,
        unclassified: (style.class_table().is_some())
            .then(|| Area::of(stats.unclassified.0, stats.unclassified.1)),
        min_mapping_unit,
    }
}

/// `part` as a percentage of `whole`, 0 when there is no whole.
fn percent_of(part: f64, whole: f64) -> f64 {
    if whole > 0.0 {
        100.0 * part / whole
    } else {
        0.0
    }
}

/// One row per class, then `valid`, `nodata` (and `unclassified` for class tables).
pub fn stats_csv(stats: &AreaStats, style: &Style) -> String {
    let mut out = String::from("value,name,min,max,pixels,hectares,km2,percent_of_valid\n");
    let valid_m2 = stats.valid.1;
    let pct = |m2: f64| percent_of(m2, valid_m2);
    let bound = |v: f32| {
        if v.is_finite() {
            v.to_string()
        } else {
            String::new()
        }
    };
    let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    if let Some(t) = style.class_table() {
        for (i, (c, (pixels, m2))) in t.classes.iter().zip(&stats.classes).enumerate() {
            out += &format!(
                "{},{},{},{},{pixels},{:.4},{:.6},{:.4}\n",
                i + 1,
                quote(&c.name),
                bound(c.min),
                bound(c.max),
                m2 / M2_PER_HA,
                m2 / M2_PER_KM2,
                pct(*m2)
            );
        }
        let (p, m2) = stats.unclassified;
        out += &format!(
            ",unclassified,,,{p},{:.4},{:.6},{:.4}\n",
            m2 / M2_PER_HA,
            m2 / M2_PER_KM2,
            pct(m2)
        );
    }
    let (p, m2) = stats.valid;
    out += &format!(
        ",valid,,,{p},{:.4},{:.6},100.0000\n",
        m2 / M2_PER_HA,
        m2 / M2_PER_KM2
    );
    let (p, m2) = stats.nodata;
    out += &format!(
        ",nodata,,,{p},{:.4},{:.6},\n",
        m2 / M2_PER_HA,
        m2 / M2_PER_KM2
    );
    out
}
