//! `aftermath search`: what a pipeline's catalogue scenes would read — each item with its
//! time, cloud cover and the share of the area of interest it covers.

use std::fmt;
use std::path::Path;

use serde::Serialize;

use crate::plan::SourceItem;

#[derive(Debug, Serialize)]
pub struct SearchReport {
    pub pipeline: String,
    /// `[product] aoi`, against which coverage is measured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aoi: Option<String>,
    pub scenes: Vec<SearchedScene>,
}

#[derive(Debug, Serialize)]
pub struct SearchedScene {
    pub name: String,
    /// The catalogue's location, or the API's search endpoint and the body sent.
    pub catalogue: String,
    /// The composite's reducer, if any, and how many acquisitions (UTC days) it reduces.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reduce: Option<String>,
    pub acquisitions: usize,
    pub items: Vec<FoundItem>,
    /// The share of the area of interest (0–1) the items cover together.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aoi_coverage: Option<f64>,
}

#[derive(Debug, Serialize)]
pub struct FoundItem {
    #[serde(flatten)]
    pub item: SourceItem,
    /// The share of the area of interest (0–1) this item's footprint covers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aoi_coverage: Option<f64>,
}

impl SearchReport {
    pub fn new(pipeline: &Path, aoi: Option<&str>, scenes: Vec<SearchedScene>) -> Self {
        SearchReport {
            pipeline: pipeline.display().to_string(),
            aoi: aoi.map(str::to_string),
            scenes,
        }
    }
}

fn percent(share: Option<f64>) -> String {
    share.map_or("–".into(), |s| format!("{:.0}%", s * 100.0))
}

impl fmt::Display for SearchReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "pipeline: {}", self.pipeline)?;
        if let Some(aoi) = &self.aoi {
            writeln!(f, "area of interest: {aoi}")?;
        }
        if self.scenes.is_empty() {
            writeln!(f, "no scene reads a STAC catalogue (`stac = …`)")?;
        }
        for scene in &self.scenes {
            writeln!(f, "scene {}: {}", scene.name, scene.catalogue)?;
            let reduce = scene
                .reduce
                .as_ref()
                .map(|r| format!(", reduced by {r}"))
                .unwrap_or_default();
            writeln!(
                f,
                "  {} item(s), {} acquisition(s){reduce}; together they cover {} of the area of interest",
                scene.items.len(),
                scene.acquisitions,
                percent(scene.aoi_coverage)
            )?;
            writeln!(
                f,
                "  {:<24} {:<22} {:>7} {:>9}",
                "datetime", "id", "cloud", "covers"
            )?;
            for found in &scene.items {
                let item = &found.item;
                writeln!(
                    f,
                    "  {:<24} {:<22} {:>7} {:>9}",
                    item.datetime.as_deref().unwrap_or("–"),
                    item.id,
                    item.cloud_cover.map_or("–".into(), |c| format!("{c:.0}%")),
                    percent(found.aoi_coverage)
                )?;
            }
        }
        Ok(())
    }
}
