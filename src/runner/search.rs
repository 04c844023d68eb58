//! `aftermath search`: the items the plan's catalogue scenes read, and how much of the area
//! of interest each covers (the plan is loaded, which runs the searches).

use std::path::Path;

use crate::error::Error;
use crate::plan::Plan;
use crate::raster;
use crate::report::{FoundItem, SearchReport, SearchedScene};

pub fn search_report(pipeline: &Path, plan: &Plan) -> Result<SearchReport, Error> {
    let aoi = plan.aoi.as_deref().map(raster::Aoi::open).transpose()?;
    let mut scenes = Vec::new();
    for scene in plan.scenes.values() {
        let Some(catalogue) = &scene.catalogue else {
            continue;
        };
        let geometries: Vec<Option<&str>> =
            scene.items.iter().map(|i| i.geometry.as_deref()).collect();
        let coverage = aoi.as_ref().map(|a| a.coverage(&geometries));
        let items = (scene.items.iter().enumerate())
            .map(|(i, item)| FoundItem {
                item: item.clone(),
                aoi_coverage: coverage.as_ref().map(|(each, _)| each[i]),
            })
            .collect();
        scenes.push(SearchedScene {
            name: scene.name.clone(),
            catalogue: catalogue.clone(),
            reduce: (scene.reduce.as_ref()).map(|r| r.reducer.name().to_string()),
            acquisitions: scene.reduce.as_ref().map_or(1, |r| r.acquisitions.len()),
            items,
            aoi_coverage: coverage.map(|(_, all)| all),
        });
    }
    Ok(SearchReport::new(pipeline, plan.aoi.as_deref(), scenes))
}
