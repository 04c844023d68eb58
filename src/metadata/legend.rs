//! The legend of a product: `legend.json` for programs, and an HTML fragment for TileJSON's
//! `legend` field (TileJSON 3.0.0: "MAY be treated as HTML or literal text").

use serde::{Deserialize, Serialize};

use crate::render::{Class, Composite, Style};

use super::escape_markup;

/// Colour stops listed for a ramp legend.
const RAMP_STOPS: usize = 5;

/// `legend.json`: how values map to colours, for programs that draw their own legend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Legend {
    Classes {
        title: String,
        classes: Vec<LegendClass>,
        nodata: String,
    },
    Ramp {
        title: String,
        ramp: String,
        min: f32,
        max: f32,
        stops: Vec<LegendStop>,
        clamped: bool,
        nodata: String,
    },
    Composite {
        title: String,
        channels: Vec<LegendChannel>,
        clamped: bool,
        nodata: String,
    },
}

/// A class as `legend.json` and `stats.json` name it: its value in `classes.tif` (1-based),
/// its bounds (null for an open end) and which ends it includes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassEntry {
    pub value: usize,
    pub name: String,
    pub min: Option<f32>,
    pub max: Option<f32>,
    pub min_inclusive: bool,
    pub max_inclusive: bool,
}

impl ClassEntry {
    /// Class `i` (0-based) of a table.
    pub(super) fn of(i: usize, class: &Class) -> Self {
        ClassEntry {
            value: i + 1,
            name: class.name.clone(),
            min: finite(class.min),
            max: finite(class.max),
            min_inclusive: class.min_inclusive,
            max_inclusive: class.max_inclusive,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LegendClass {
    #[serde(flatten)]
    pub class: ClassEntry,
    /// `#rrggbb` or `#rrggbbaa`.
    pub color: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LegendStop {
    pub value: f32,
    pub color: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LegendChannel {
    /// `red`, `green` or `blue`.
    pub channel: String,
    pub band: String,
    pub min: f32,
    pub max: f32,
}

/// Transparent pixels have no data (the one nodata rendering of every tile).
const NODATA: &str = "transparent";

pub fn legend_json(style: &Style, title: &str) -> Legend {
    let title = title.to_string();
    let nodata = NODATA.to_string();
    match style {
        Style::Classes(table) => Legend::Classes {
            title,
            classes: (table.classes.iter().enumerate())
                .map(|(i, c)| LegendClass {
                    class: ClassEntry::of(i, c),
                    color: c.color.to_hex(),
                })
                .collect(),
            nodata,
        },
        Style::Ramp { ramp, min, max } => Legend::Ramp {
            title,
            ramp: ramp.name.to_string(),
            min: *min,
            max: *max,
            stops: (ramp_stops(style).into_iter())
                .map(|(value, color)| LegendStop { value, color })
                .collect(),
            clamped: true,
            nodata,
        },
        Style::Composite(c) => Legend::Composite {
            title,
            channels: (Composite::CHANNELS.iter().zip(&c.bands).zip(&c.ranges))
                .map(|(((channel, _), band), (min, max))| LegendChannel {
                    channel: channel.to_string(),
                    band: band.clone(),
                    min: *min,
                    max: *max,
                })
                .collect(),
            clamped: true,
            nodata,
        },
    }
}

pub fn legend_html(style: &Style, title: &str) -> String {
    let swatch = |color: &str, label: &str| {
        format!("<div><span style=\"display:inline-block;width:1em;height:1em;background:{color};margin-right:.4em\"></span>{}</div>", escape_markup(label))
    };
    let rows: Vec<String> = match style {
        Style::Classes(table) => table
            .classes
            .iter()
            .map(|c| {
                swatch(
                    &c.color.to_hex(),
                    &format!("{} ({})", c.name, c.range_label()),
                )
            })
            .collect(),
        Style::Ramp { .. } => ramp_stops(style)
            .iter()
            .map(|(v, c)| swatch(c, &format!("{v:.3}")))
            .collect(),
        Style::Composite(c) => Composite::CHANNELS
            .iter()
            .zip(&c.bands)
            .zip(&c.ranges)
            .map(|(((_, color), band), (min, max))| {
                swatch(&color.to_hex(), &format!("{band} ({min} – {max})"))
            })
            .collect(),
    };
    format!(
        "<div class=\"aftermath-legend\"><strong>{}</strong>{}</div>",
        escape_markup(title),
        rows.concat()
    )
}

fn ramp_stops(style: &Style) -> Vec<(f32, String)> {
    let Style::Ramp { ramp, min, max } = style else {
        return Vec::new();
    };
    (0..RAMP_STOPS)
        .map(|i| {
            let t = i as f32 / (RAMP_STOPS - 1) as f32;
            (min + t * (max - min), ramp.at(t).to_hex())
        })
        .collect()
}

/// A class bound: the number, or none (null in JSON) for an open end (±∞).
fn finite(v: f32) -> Option<f32> {
    v.is_finite().then_some(v)
}
