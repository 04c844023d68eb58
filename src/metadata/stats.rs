//! `stats.json` and `stats.csv`: area per class in hectares and km² (true ground area on the
//! WGS 84 ellipsoid), valid and nodata area, and the index's range and mean.

use serde_json::{json, Value};

use super::legend::finite;
use crate::compute::area_stats::AreaStats;
use crate::render::Style;

const M2_PER_HA: f64 = 10_000.0;
const M2_PER_KM2: f64 = 1_000_000.0;

fn area(pixels: u64, m2: f64) -> Value {
    json!({ "pixels": pixels, "hectares": m2 / M2_PER_HA, "km2": m2 / M2_PER_KM2 })
}

pub fn stats_json(stats: &AreaStats, style: &Style, product: &str) -> Value {
    let valid_m2 = stats.valid.1;
    let classes: Vec<Value> = style
        .class_table()
        .map(|t| {
            t.classes
                .iter()
                .zip(&stats.classes)
                .enumerate()
                .map(|(i, (c, (pixels, m2)))| {
                    let mut v = area(*pixels, *m2);
                    v["value"] = json!(i + 1);
                    v["name"] = json!(c.name);
                    v["min"] = finite(c.min);
                    v["max"] = finite(c.max);
                    v["min_inclusive"] = json!(c.min_inclusive);
                    v["max_inclusive"] = json!(c.max_inclusive);
                    v["percent_of_valid"] = json!(percent_of(*m2, valid_m2));
                    v
                })
                .collect()
        })
        .unwrap_or_default();
    let finite = |v: f64| v.is_finite().then_some(v);
    let mut doc = json!({
        "product": product,
        "area_method": "true ground area on the WGS 84 ellipsoid (geodesic area of pixel corners)",
        "valid": area(stats.valid.0, stats.valid.1),
        "nodata": area(stats.nodata.0, stats.nodata.1),
        "value": { "min": finite(stats.min), "max": finite(stats.max), "mean": finite(stats.mean()) },
        "classes": classes,
    });
    if style.class_table().is_some() {
        doc["unclassified"] = area(stats.unclassified.0, stats.unclassified.1);
    }
    doc
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
