//! Class tables shipped with aftermath, chosen by name (`classes = "dnbr-usgs"`).

use super::{Class, ClassTable, Rgba};

pub const SHIPPED_TABLES: [&str; 4] = ["dnbr-usgs", "water", "water-change", "sar-change"];

/// `(name, min, max, colour)` with open ends as infinities.
type Row = (&'static str, f32, f32, [u8; 4]);

const INF: f32 = f32::INFINITY;

/// USGS burn severity from dNBR (unscaled), Key & Benson (2006), FIREMON Landscape
/// Assessment, RMRS-GTR-164-CD, table "dNBR ranges": the thresholds ×1000 there.
const DNBR_USGS: &[Row] = &[
    (
        "enhanced regrowth, high",
        -INF,
        -0.25,
        [0x1a, 0x98, 0x50, 255],
    ),
    (
        "enhanced regrowth, low",
        -0.25,
        -0.1,
        [0x91, 0xcf, 0x60, 255],
    ),
    ("unburned", -0.1, 0.1, [0xd9, 0xef, 0x8b, 255]),
    ("low severity", 0.1, 0.27, [0xfe, 0xe0, 0x8b, 255]),
    ("moderate-low severity", 0.27, 0.44, [0xfc, 0x8d, 0x59, 255]),
    (
        "moderate-high severity",
        0.44,
        0.66,
        [0xd7, 0x30, 0x27, 255],
    ),
    ("high severity", 0.66, INF, [0x7f, 0x00, 0x00, 255]),
];

/// The codes of [`crate::compute::water_change`]; land is transparent so only water shows.
const WATER_CHANGE: &[Row] = &[
    ("no water", -0.5, 0.5, [0, 0, 0, 0]),
    ("permanent water", 0.5, 1.5, [0x1f, 0x4e, 0x9c, 255]),
    ("new open water", 1.5, 2.5, [0x00, 0xc5, 0xff, 255]),
    ("water receded", 2.5, 3.5, [0xc2, 0x8a, 0x3c, 255]),
];

/// SAR log-ratio in dB (`log_ratio`): ±3 dB (σ⁰ halved or doubled) as the change threshold, a
/// common starting point for VV flood mapping (open water is a specular reflector, so floods
/// darken); tune it per event with a user table.
const SAR_CHANGE: &[Row] = &[
    (
        "backscatter decrease (possible new water)",
        -INF,
        -3.0,
        [0x00, 0x5a, 0xff, 255],
    ),
    ("no significant change", -3.0, 3.0, [0, 0, 0, 0]),
    ("backscatter increase", 3.0, INF, [0xff, 0x8c, 0x00, 255]),
];

/// Open water from a normalized-difference water index (MNDWI, Xu 2006; NDWI, McFeeters
/// 1996): water is index > 0, exactly; land (≤ 0) is transparent so only water shows.
fn water() -> Vec<Class> {
    let mut land = Class::half_open("not water", -INF, 0.0, Rgba([0, 0, 0, 0]));
    land.max_inclusive = true;
    let mut water = Class::half_open("water", 0.0, INF, Rgba([0x1f, 0x4e, 0x9c, 255]));
    water.min_inclusive = false;
    vec![land, water]
}

/// The shipped table `name`, if there is one.
pub fn shipped_table(name: &str) -> Option<ClassTable> {
    let rows = match name {
        "dnbr-usgs" => DNBR_USGS,
        "water" => return Some(ClassTable { classes: water() }),
        "water-change" => WATER_CHANGE,
        "sar-change" => SAR_CHANGE,
        _ => return None,
    };
    Some(ClassTable {
        classes: rows
            .iter()
            .map(|&(name, min, max, color)| Class::half_open(name, min, max, Rgba(color)))
            .collect(),
    })
}
