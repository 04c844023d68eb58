//! `index.html`: a preview page next to the tiles — the layer over an OpenStreetMap base map,
//! fitted to its bounds, with the legend — that works from the bucket (or any static host)
//! with no server code. MapLibre GL JS (and the PMTiles protocol for archives) come from a
//! pinned CDN version with Subresource Integrity hashes, so a changed file is refused.

use crate::job::Job;
use crate::layout;
use crate::plan::TileFormat;

use super::escape_markup;

/// MapLibre GL JS, pinned, and the SRI hashes of its files (npm `maplibre-gl@5.6.0`,
/// `dist/maplibre-gl.js` and `dist/maplibre-gl.css`).
pub const MAPLIBRE_JS: &str = "https://unpkg.com/maplibre-gl@5.6.0/dist/maplibre-gl.js";
const MAPLIBRE_JS_SRI: &str =
    "sha384-GfxBM9x46BaAFxtCq39Fxir8fNZ4VDnwgfi6Kzi5/F1tAFsm0amuuV8kd+Pxzuf/";
pub const MAPLIBRE_CSS: &str = "https://unpkg.com/maplibre-gl@5.6.0/dist/maplibre-gl.css";
const MAPLIBRE_CSS_SRI: &str =
    "sha384-Nq6PQ+9vJPvw7U/VfDELyrWoGQMsy0gi6QShhaSrGzkpF5KkM40csg2leky+YMTd";
/// The PMTiles protocol (npm `pmtiles@4.3.0`, `dist/pmtiles.js`).
pub const PMTILES_JS: &str = "https://unpkg.com/pmtiles@4.3.0/dist/pmtiles.js";
const PMTILES_JS_SRI: &str =
    "sha384-sbRi6hoEcyvy8Ae92XrinfKW1tLhIVWAeyb4DMQF50X4w93ICW9vjK0bHudXP/dJ";
/// The base map: OpenStreetMap's standard raster tiles.
pub const BASE_MAP_TILES: &str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png";

/// A JavaScript string literal safe inside an inline `<script>`: JSON with `<`, `>`, `&`
/// and the line separators escaped, so no text can close the script element (`</script>`)
/// or open a comment.
fn script_string(text: &str) -> String {
    serde_json::to_string(text)
        .unwrap_or_else(|_| "\"\"".into())
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

pub fn preview_html(job: &Job) -> String {
    let plan = &job.plan;
    // The data's own extent, continuous across the antimeridian (Leaflet wraps the columns).
    let [w, s, e, n] = job.footprint.lon_lat;
    let limit = crate::raster::MAX_MERCATOR_LATITUDE;
    let (s, n) = (s.clamp(-limit, limit), n.clamp(-limit, limit));
    let title = escape_markup(plan.display_title());
    let legend = super::legend_html(&plan.style, plan.display_title());
    let attribution = script_string(plan.attribution.as_deref().unwrap_or(""));
    let (pmtiles_script, tiles, protocol) = match plan.output.format {
        TileFormat::Xyz => (
            String::new(),
            format!(
                "here + \"{}\"",
                layout::relative_tile_template(plan.output.encoding.extension())
            ),
            "",
        ),
        TileFormat::Pmtiles => (
            format!(
                "\n<script src=\"{PMTILES_JS}\" integrity=\"{PMTILES_JS_SRI}\" crossorigin=\"anonymous\"></script>"
            ),
            format!(
                "\"pmtiles://\" + here + \"{}\"",
                layout::relative_pmtiles_template()
            ),
            "\nconst protocol = new pmtiles.Protocol();\nmaplibregl.addProtocol(\"pmtiles\", protocol.tile);",
        ),
    };
    let (min_zoom, max_zoom) = (job.zooms.min, job.zooms.max);
    format!(
        r##"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="stylesheet" href="{MAPLIBRE_CSS}" integrity="{MAPLIBRE_CSS_SRI}" crossorigin="anonymous">
<script src="{MAPLIBRE_JS}" integrity="{MAPLIBRE_JS_SRI}" crossorigin="anonymous"></script>{pmtiles_script}
<style>
html, body, #map {{ margin: 0; height: 100%; }}
.aftermath-legend {{ position: absolute; left: 10px; bottom: 30px; background: #fff; padding: 6px 10px;
  font: 12px/1.5 sans-serif; border-radius: 4px; box-shadow: 0 1px 4px rgba(0, 0, 0, .3); }}
</style>
</head>
<body>
<div id="map"></div>
{legend}
<script>
// Tiles sit next to this page, wherever it is served from (bucket, CDN, local server).
const here = location.href.replace(/[^/]*([?#].*)?$/, "");{protocol}
const bounds = [{w}, {s}, {e}, {n}];
const map = new maplibregl.Map({{
  container: "map",
  style: {{
    version: 8,
    sources: {{
      base: {{ type: "raster", tiles: ["{BASE_MAP_TILES}"], tileSize: 256, maxzoom: 19,
              attribution: "© OpenStreetMap contributors" }},
      product: {{ type: "raster", tiles: [{tiles}], tileSize: {tile_size}, bounds,
                 minzoom: {min_zoom}, maxzoom: {max_zoom}, attribution: {attribution} }}
    }},
    layers: [
      {{ id: "base", type: "raster", source: "base" }},
      {{ id: "product", type: "raster", source: "product" }}
    ]
  }},
  bounds: [[bounds[0], bounds[1]], [bounds[2], bounds[3]]],
  fitBoundsOptions: {{ padding: 20 }}
}});
map.addControl(new maplibregl.NavigationControl());
map.on("error", (event) => (window.aftermathErrors ||= []).push(String(event.error && event.error.message)));
map.on("idle", () => {{ window.aftermathIdle = true; }});
</script>
</body>
</html>
"##,
        tile_size = job.pyramid.tile_size,
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn script_strings_cannot_close_the_script() {
        let s = super::script_string("</script><script>alert(1)</script> & \u{2028}");
        assert!(
            !s.contains('<') && !s.contains('>') && !s.contains('&'),
            "{s}"
        );
        let back: String = serde_json::from_str(&s).expect("still a JSON string");
        assert_eq!(back, "</script><script>alert(1)</script> & \u{2028}");
    }
}
