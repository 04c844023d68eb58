//! Scenes from a STAC catalogue (`stac = …`): the items of a static Item, ItemCollection or
//! catalog, or of a STAC API search, read with the stac-utils crates (`stac`, `stac-io`),
//! and each item's assets as the bands of one granule, through the sensor preset.
//!
//! Items are ordered by time (then id), whatever order the catalogue gave: a mosaic of them
//! takes the earliest valid pixel, and a composite groups them by local solar day (see
//! `acquisitions`).

mod assets;
mod fetch;

use std::collections::{BTreeMap, BTreeSet};

use super::{CatalogError, PresetOptions, Sensor};
use crate::plan::{BandSource, SourceItem};

pub use fetch::search_text;

/// `scenes.NAME.stac`, as the pipeline declares it.
#[derive(Debug, Clone)]
pub struct StacDraft {
    /// `scenes.NAME.stac`.
    pub key: String,
    pub source: StacSource,
    /// The preset that turns assets into bands; without one, `assets` names every band.
    pub sensor: Option<Sensor>,
    pub options: PresetOptions,
    /// `bands.BAND = "ASSET"`: asset keys given by hand, over the preset's choice.
    pub assets: BTreeMap<String, String>,
    /// The bands the product and the mask read (filled once the whole pipeline is compiled):
    /// every item must have an asset for each.
    pub needed: BTreeSet<String>,
    /// The scene's `nodata`, over the catalogue's and the preset's.
    pub nodata: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StacSource {
    /// A local path or an http(s) URL of an Item, an ItemCollection or a catalog.
    Static(String),
    Search(Search),
}

/// A STAC API item search.
#[derive(Debug, Clone, PartialEq)]
pub struct Search {
    /// The API's landing page.
    pub api: String,
    pub collections: Vec<String>,
    pub datetime: Option<String>,
    /// The query extension's object.
    pub query: Option<serde_json::Map<String, serde_json::Value>>,
    /// `[west, south, east, north]` given in the pipeline; else the area the runner gives.
    pub bbox: Option<[f64; 4]>,
    pub max_items: usize,
    /// Items asked for per page (`limit`).
    pub page_size: u64,
}

/// Where `source` looks, as the plan and `aftermath search` show it: the catalogue's
/// location, or the API's search endpoint and the body sent (with the area it used).
pub fn describe(source: &StacSource, area: Option<[f64; 4]>) -> String {
    match source {
        StacSource::Static(href) => crate::secrets::redact(href),
        StacSource::Search(search) => crate::secrets::redact(&format!(
            "{}/search {}",
            search.api,
            search_text(search, area)
        )),
    }
}

/// The default ceiling on the items of one search.
pub const MAX_ITEMS: usize = 1000;
/// The default number of items asked for per page of a search.
pub const PAGE_SIZE: u64 = 100;

/// One item as the bands of one granule.
#[derive(Debug, Clone)]
pub struct Granule {
    pub item: SourceItem,
    pub bands: BTreeMap<String, BandSource>,
}

/// The items `draft` names, within `area` (`[west, south, east, north]`, degrees) when
/// given, as granules in time order. An item without an asset for a needed band is a
/// problem of its own (`problems`), the others are still returned.
pub fn granules(
    draft: &StacDraft,
    area: Option<[f64; 4]>,
) -> Result<(Vec<Granule>, Vec<String>), CatalogError> {
    let mut items = fetch::items(&draft.source, area)?;
    items.sort_by(|a, b| (fetch::time_of(a), &a.id).cmp(&(fetch::time_of(b), &b.id)));
    assets::check_one_sensor(draft, &items)?;
    let mut problems = Vec::new();
    let mut out = Vec::with_capacity(items.len());
    for item in &items {
        match assets::bands(draft, item) {
            Ok(bands) => out.push(Granule {
                item: fetch::source_item(item),
                bands,
            }),
            Err(e) => problems.push(e.to_string()),
        }
    }
    Ok((out, problems))
}

#[cfg(test)]
mod tests;
