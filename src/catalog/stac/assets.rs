//! An item's assets as bands. A band takes the asset given by hand (`bands.nir = "B08"`),
//! else the asset whose key is the preset's band name — its sensor name (`B08`, `SR_B5`),
//! its common name (`nir`), or the STAC common name for it (`swir16` for `swir1`, `nir08`
//! for Landsat's `nir`) — else the one asset band whose `eo:bands` name or common name is
//! one of those (a band of a multi-band asset, such as a stacked COG, is read as such).
//! Values are scaled by the asset's `raster:bands` scale and offset when it gives them, else
//! by the preset (Sentinel-2's offset from the item's `s2:processing_baseline`).

use std::collections::BTreeMap;

use stac::Asset;

use super::StacDraft;
use crate::catalog::sensor::BandDef;
use crate::catalog::CatalogError;
use crate::plan::{BandSource, Encoding, QUALITY_BANDS};

/// The bands `draft` needs, from `item`'s assets.
pub(super) fn bands(
    draft: &StacDraft,
    item: &stac::Item,
) -> Result<BTreeMap<String, BandSource>, CatalogError> {
    let mut options = draft.options.clone();
    if options.processing_baseline.is_none() {
        options.processing_baseline = (item.properties.additional_fields)
            .get("s2:processing_baseline")
            .and_then(|v| v.as_str())
            .map(str::to_string);
    }
    let mut out = BTreeMap::new();
    for band in &draft.needed {
        let def = draft.sensor.and_then(|s| s.band_def(band));
        let (key, asset, number) = match draft.assets.get(band) {
            Some(key) => match item.assets.get(key) {
                Some(asset) => (key.as_str(), asset, 1),
                None => {
                    return Err(missing(
                        item,
                        band,
                        &format!("the asset `{key}` given for it"),
                    ))
                }
            },
            None => match def.and_then(|d| find(draft, d, item)) {
                Some(found) => found,
                None => {
                    let wanted = match (draft.sensor, def) {
                        (Some(sensor), Some(d)) => format!(
                            "an asset named {} or with that `eo:bands` name",
                            names(sensor, d).join(" or ")
                        ),
                        _ => "an asset given by hand".into(),
                    };
                    return Err(missing(item, band, &wanted));
                }
            },
        };
        let location = gdal_location(&asset.href);
        let mut source = match (draft.sensor, def) {
            (Some(sensor), Some(def)) => sensor
                .band_source(def, &location, number, &options)
                .map_err(|e| CatalogError::Asset {
                    item: item.id.clone(),
                    band: band.clone(),
                    problem: format!("asset `{key}`: {e}"),
                })?,
            _ => BandSource::new(location, number),
        };
        if let Some(raster) = raster_band(asset, number) {
            if raster.scale.is_some() || raster.offset.is_some() {
                source.scale = raster.scale.unwrap_or(1.0);
                source.offset = raster.offset.unwrap_or(0.0);
            }
            source.nodata = raster.nodata.or(source.nodata);
        }
        if let Some(nodata) = draft.nodata {
            source.nodata = Some(nodata);
        }
        if QUALITY_BANDS.contains(&band.as_str()) {
            source.encoding = Encoding::Categorical;
        }
        out.insert(band.clone(), source);
    }
    Ok(out)
}

fn missing(item: &stac::Item, band: &str, wanted: &str) -> CatalogError {
    let keys: Vec<&str> = item.assets.keys().map(String::as_str).collect();
    CatalogError::Asset {
        item: item.id.clone(),
        band: band.to_string(),
        problem: format!(
            "no asset for it: looked for {wanted}; the item's assets are {}",
            keys.join(", ")
        ),
    }
}

/// The names a preset band may go by in a catalogue, in the order they are tried.
fn names(sensor: crate::catalog::Sensor, def: &BandDef) -> Vec<String> {
    let mut names = vec![def.id.to_string(), def.common.to_string()];
    names.extend(sensor.stac_common_name(def).map(str::to_string));
    names.dedup();
    names
}

/// The asset `def` is in, and the band of it (1-based): by key (band 1), else the one
/// asset band whose name or common name is one of the preset's names for it.
fn find<'a>(
    draft: &StacDraft,
    def: &BandDef,
    item: &'a stac::Item,
) -> Option<(&'a str, &'a Asset, usize)> {
    let sensor = draft.sensor?;
    let names = names(sensor, def);
    for name in &names {
        if let Some((key, asset)) = (item.assets.iter()).find(|(k, _)| k.eq_ignore_ascii_case(name))
        {
            return Some((key.as_str(), asset, 1));
        }
    }
    let described: Vec<(&String, &Asset, usize)> = (item.assets.iter())
        .flat_map(|(key, asset)| {
            (band_names(asset).into_iter().enumerate())
                .filter(|(_, band)| {
                    band.iter()
                        .any(|n| names.iter().any(|w| w.eq_ignore_ascii_case(n)))
                })
                .map(move |(i, _)| (key, asset, i + 1))
        })
        .collect();
    match described.as_slice() {
        [(key, asset, band)] => Some((key.as_str(), asset, *band)),
        _ => None,
    }
}

/// The names and common names of each band of an asset, in band order: STAC 1.1 `bands`
/// (`name`, `eo:common_name`) or STAC 1.0 `eo:bands` (`name`, `common_name`).
fn band_names(asset: &Asset) -> Vec<Vec<String>> {
    let text = |v: Option<&serde_json::Value>| v.and_then(|v| v.as_str()).map(str::to_string);
    if !asset.bands.is_empty() {
        return (asset.bands.iter())
            .map(|band| {
                let common = text(band.additional_fields.get("eo:common_name"));
                band.name.iter().cloned().chain(common).collect()
            })
            .collect();
    }
    match asset.additional_fields.get("eo:bands") {
        Some(serde_json::Value::Array(bands)) => (bands.iter())
            .map(|band| {
                ["name", "common_name"]
                    .iter()
                    .filter_map(|field| text(band.get(*field)))
                    .collect()
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Scale, offset and nodata the catalogue gives for a band of an asset.
#[derive(Debug, Default)]
struct RasterBand {
    scale: Option<f64>,
    offset: Option<f64>,
    nodata: Option<f64>,
}

/// What `raster:bands` (STAC 1.0) or `bands` (1.1) says of band `number` (1-based).
fn raster_band(asset: &Asset, number: usize) -> Option<RasterBand> {
    let value = |v: Option<&serde_json::Value>| v.and_then(serde_json::Value::as_f64);
    if let Some(serde_json::Value::Array(bands)) = asset.additional_fields.get("raster:bands") {
        if let Some(band) = bands.get(number - 1) {
            return Some(RasterBand {
                scale: value(band.get("scale")),
                offset: value(band.get("offset")),
                nodata: value(band.get("nodata")),
            });
        }
    }
    if let Some(band) = asset.bands.get(number - 1) {
        return Some(RasterBand {
            scale: value(band.additional_fields.get("raster:scale")),
            offset: value(band.additional_fields.get("raster:offset")),
            nodata: band.nodata.or(asset.nodata),
        });
    }
    asset.nodata.map(|nodata| RasterBand {
        nodata: Some(nodata),
        ..RasterBand::default()
    })
}

/// An asset's href as GDAL opens it: `/vsicurl/` for http(s), `/vsis3/` and `/vsigs/` for
/// bucket URLs, a plain path for `file://` and local paths.
pub(super) fn gdal_location(href: &str) -> String {
    if href.starts_with("http://") || href.starts_with("https://") {
        format!("/vsicurl/{href}")
    } else if let Some(rest) = href.strip_prefix("s3://") {
        format!("/vsis3/{rest}")
    } else if let Some(rest) = href.strip_prefix("gs://") {
        format!("/vsigs/{rest}")
    } else if let Some(rest) = href.strip_prefix("file://") {
        rest.to_string()
    } else {
        href.to_string()
    }
}

/// Items of different sensors or product levels in one scene (platforms of different
/// missions, or different collections) mix values that mean different things.
pub(super) fn check_one_sensor(
    draft: &StacDraft,
    items: &[stac::Item],
) -> Result<(), CatalogError> {
    let platform = |item: &stac::Item| {
        (item.properties.additional_fields.get("platform"))
            .and_then(|v| v.as_str())
            .map(mission)
    };
    let first = items.first();
    for item in items {
        if let (Some(sensor), Some(p)) = (draft.sensor, platform(item)) {
            if !sensor.flies_on(&p) {
                return Err(CatalogError::MixedSensors {
                    problem: format!(
                        "item `{}` is from platform `{p}`, not of the `{}` preset",
                        item.id,
                        sensor.name()
                    ),
                });
            }
        }
        let Some(first) = first else { continue };
        let differs = |a: Option<String>, b: Option<String>| a.is_some() && b.is_some() && a != b;
        if differs(platform(first), platform(item))
            || differs(first.collection.clone(), item.collection.clone())
        {
            return Err(CatalogError::MixedSensors {
                problem: format!(
                    "items `{}` ({}) and `{}` ({}) are of different sensors or products",
                    first.id,
                    describe(first, platform(first)),
                    item.id,
                    describe(item, platform(item)),
                ),
            });
        }
    }
    Ok(())
}

/// The satellites that share a sensor: `sentinel-2a` → `sentinel-2`, `landsat-9` →
/// `landsat-8-9` (OLI), `LANDSAT_5` → `landsat-4-5` (TM).
fn mission(platform: &str) -> String {
    let p = platform.to_ascii_lowercase().replace('_', "-");
    if let Some(rest) = p.strip_prefix("sentinel-") {
        let number: String = rest.chars().take_while(char::is_ascii_digit).collect();
        format!("sentinel-{number}")
    } else if let Some(rest) = p.strip_prefix("landsat-") {
        match rest {
            "8" | "9" => "landsat-8-9".into(),
            "4" | "5" => "landsat-4-5".into(),
            other => format!("landsat-{other}"),
        }
    } else {
        p
    }
}

fn describe(item: &stac::Item, platform: Option<String>) -> String {
    let mut parts = Vec::new();
    parts.extend(platform.map(|p| format!("platform {p}")));
    parts.extend(item.collection.as_ref().map(|c| format!("collection {c}")));
    parts.join(", ")
}
