//! The legend of a product: `legend.json` for programs, and an HTML fragment for TileJSON's
//! `legend` field (TileJSON 3.0.0: "MAY be treated as HTML or literal text").

use serde_json::{json, Value};

use crate::render::{Composite, Style};

use super::escape_markup;

/// Colour stops listed for a ramp legend.
const RAMP_STOPS: usize = 5;

pub fn legend_json(style: &Style, title: &str) -> Value {
    match style {
        Style::Classes(table) => json!({
            "title": title,
            "type": "classes",
            "classes": table.classes.iter().enumerate().map(|(i, c)| json!({
                "value": i + 1,
                "name": c.name,
                "min": finite(c.min),
                "max": finite(c.max),
                "min_inclusive": c.min_inclusive,
                "max_inclusive": c.max_inclusive,
                "color": c.color.to_hex(),
            })).collect::<Vec<_>>(),
            "nodata": "transparent",
        }),
        Style::Ramp { ramp, min, max } => json!({
            "title": title,
            "type": "ramp",
            "ramp": ramp.name,
            "min": min,
            "max": max,
            "stops": ramp_stops(style).into_iter().map(|(v, c)| json!({ "value": v, "color": c })).collect::<Vec<_>>(),
            "clamped": true,
            "nodata": "transparent",
        }),
        Style::Composite(c) => json!({
            "title": title,
            "type": "composite",
            "channels": Composite::CHANNELS.iter().zip(&c.bands).zip(&c.ranges).map(|(((channel, _), band), (min, max))| json!({
                "channel": channel,
                "band": band,
                "min": min,
                "max": max,
            })).collect::<Vec<_>>(),
            "clamped": true,
            "nodata": "transparent",
        }),
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

/// A class bound as JSON: the number, or null for an open end (±∞).
pub(super) fn finite(v: f32) -> Value {
    if v.is_finite() {
        json!(v)
    } else {
        Value::Null
    }
}
