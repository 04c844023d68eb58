//! Scene drafts → scenes: the step after `spec::compile` that reads the folders and metadata
//! files the pipeline names. Every problem is collected under its key, as compile does.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::draft::{BandDraft, PresetPlace, SceneDraft};
use super::landsat_mtl::landsat_bands;
use super::CatalogError;
use crate::plan::{BandSource, Encoding, Problem, Scene};

/// What the catalog made of the pipeline's scenes.
#[derive(Debug, Default)]
pub struct Resolved {
    pub scenes: BTreeMap<String, Scene>,
    pub problems: Vec<Problem>,
    /// As [`SceneDraft::unlisted`], with what failed here added.
    pub unlisted: BTreeSet<String>,
}

/// Looks up every band of every scene: preset folders and stacks, MTL files, and the bands
/// mapped by hand (whose preset scaling may come from the product folder's metadata).
pub fn resolve(drafts: &BTreeMap<String, SceneDraft>) -> Resolved {
    let mut out = Resolved::default();
    for (name, draft) in drafts {
        out.unlisted.extend(draft.unlisted.iter().cloned());
        let mut bands = BTreeMap::new();
        if let Some(preset) = &draft.preset {
            let found = match &preset.place {
                PresetPlace::Folder(dir) => {
                    preset.sensor.in_folder(Path::new(dir), &preset.options)
                }
                PresetPlace::Stack(file) => preset.sensor.stacked(file, &preset.options),
            };
            match found {
                Ok(found) => {
                    for (band, mut source) in found {
                        if let Some(nodata) = draft.nodata {
                            source.nodata = Some(nodata);
                        }
                        bands.insert(band, source);
                    }
                }
                Err(e) => {
                    out.problems.push(Problem::new(&preset.key, e));
                    out.unlisted.insert(name.clone());
                }
            }
        }
        if let Some((key, mtl)) = &draft.mtl {
            match landsat_bands(Path::new(mtl)) {
                Ok(found) => {
                    for (band, mut source) in found {
                        source.nodata = draft.nodata;
                        bands.insert(band, source);
                    }
                }
                Err(e) => {
                    out.problems.push(Problem::new(key, e));
                    out.unlisted.insert(name.clone());
                }
            }
        }
        for (band, hand) in &draft.bands {
            match hand_mapped(band, hand) {
                Ok(source) => {
                    bands.insert(band.clone(), source);
                }
                Err(message) => {
                    out.problems.push(Problem::new(&hand.key, message));
                    out.unlisted.insert(format!("{name}.{band}"));
                }
            }
        }
        out.scenes.insert(
            name.clone(),
            Scene {
                name: name.clone(),
                datetime: draft.datetime.clone(),
                bands,
                mask: draft.mask.clone(),
            },
        );
    }
    out
}

/// A band mapped by hand, with its preset's scale, offset and units when it gives none.
fn hand_mapped(name: &str, hand: &BandDraft) -> Result<BandSource, String> {
    let location = &hand.source.location;
    // Beside a preset, a band name written as a file (`nir = "B8"`) is a common slip: name
    // it here, with the key, rather than as a file GDAL cannot open.
    let missing = !location.starts_with("/vsi") && !Path::new(location).exists();
    if let (true, Some((common, id))) = (
        missing,
        hand.preset.and_then(|s| s.band_named(&hand.written)),
    ) {
        return Err(format!(
            "no file {location}; `{}` is the preset's band `{id}` ({common}), which the preset looks for in `dir` by itself: drop this line, or give the band's file",
            hand.written
        ));
    }
    let (Some(sensor), Some(scaling)) = (hand.preset, &hand.preset_scaling) else {
        return Ok(hand.source.clone());
    };
    let mut source = sensor
        .hand_mapped(
            name,
            location,
            hand.source.band,
            scaling.dir.as_deref().map(Path::new),
            &scaling.options,
        )
        .map_err(|e: CatalogError| format!("as a band of the `{}` preset: {e}", sensor.name()))?;
    source.band = hand.source.band;
    if hand.source.nodata.is_some() {
        source.nodata = hand.source.nodata;
    }
    if hand.source.encoding == Encoding::Categorical {
        source.encoding = Encoding::Categorical;
    }
    Ok(source)
}
