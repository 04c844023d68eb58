//! Scene drafts → scenes: the step after `spec::compile` that reads the folders and metadata
//! files the pipeline names. Every problem is collected under its key, as compile does.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::acquisitions;
use super::draft::{BandDraft, FileDraft, PresetPlace, SceneDraft};
use super::landsat_mtl::landsat_bands;
use super::stac::{self, StacDraft};
use super::CatalogError;
use crate::plan::{Acquisition, BandSource, Encoding, Problem, Reduction, Scene};

/// What the catalog made of the pipeline's scenes.
#[derive(Debug, Default)]
pub struct Resolved {
    pub scenes: BTreeMap<String, Scene>,
    pub problems: Vec<Problem>,
    /// As [`SceneDraft::unlisted`], with what failed here added.
    pub unlisted: BTreeSet<String>,
    /// Bands given by description, whose numbers are found in each file of the scene (the
    /// runner asks GDAL; their `band` is 0 until then).
    pub described: Vec<DescribedBand>,
    /// A STAC server that did not answer: the run cannot start, but may later.
    pub unreachable: Option<CatalogError>,
}

impl Resolved {
    /// What `other` (the resolution of other scenes) found, added to this.
    pub fn merge(&mut self, other: Resolved) {
        self.scenes.extend(other.scenes);
        self.problems.extend(other.problems);
        self.unlisted.extend(other.unlisted);
        self.described.extend(other.described);
        if self.unreachable.is_none() {
            self.unreachable = other.unreachable;
        }
    }
}

/// `scenes.SCENE.bands.BAND = "DESCRIPTION"`.
#[derive(Debug, Clone, PartialEq)]
pub struct DescribedBand {
    pub scene: String,
    pub band: String,
    /// The key problems are reported under.
    pub key: String,
    pub description: String,
}

/// Looks up every band of every scene: preset folders and stacks, MTL files, STAC items, and
/// the bands mapped by hand (whose preset scaling may come from the product folder's
/// metadata). `area` (`[west, south, east, north]`, degrees) bounds the STAC searches.
pub fn resolve(drafts: &BTreeMap<String, SceneDraft>, area: Option<[f64; 4]>) -> Resolved {
    let mut out = Resolved::default();
    for (name, draft) in drafts {
        out.unlisted.extend(draft.unlisted.iter().cloned());
        if let Some(stac) = &draft.stac {
            if let Some(scene) = from_catalogue(name, draft, stac, area, &mut out) {
                out.scenes.insert(name.clone(), scene);
            }
            continue;
        }
        // A mosaic: its rasters in order, each read with the scene's band layout.
        let files = match &draft.files {
            None => Vec::new(),
            Some(files) => match expand(&files.entries) {
                Ok(found) => found,
                Err(e) => {
                    out.problems.push(Problem::new(&files.key, e));
                    out.unlisted.insert(name.clone());
                    Vec::new()
                }
            },
        };
        let locations: Vec<Option<&str>> = if files.is_empty() {
            vec![None]
        } else {
            files.iter().map(|f| Some(f.location.as_str())).collect()
        };
        let mut granules = locations
            .iter()
            .map(|file| granule(name, draft, *file, &mut out))
            .collect::<Vec<_>>()
            .into_iter();
        let bands = granules.next().unwrap_or_default();
        // A composite of one raster is one acquisition (`finish` warns of it).
        let times: Vec<Option<String>> = files.iter().map(|f| f.datetime.clone()).collect();
        let reduce = draft.reduce.map(|reducer| {
            if files.is_empty() {
                Reduction {
                    reducer,
                    acquisitions: vec![Acquisition {
                        datetime: draft.datetime.clone(),
                        rasters: vec![0],
                    }],
                }
            } else {
                acquisitions::reduction(&times, &[], reducer)
            }
        });
        out.scenes.insert(
            name.clone(),
            Scene {
                name: name.clone(),
                datetime: (draft.datetime.clone()).or_else(|| acquisitions::span(&times)),
                bands,
                mosaic: granules.collect(),
                mask: draft.mask.clone(),
                reduce,
                items: Vec::new(),
                catalogue: None,
            },
        );
    }
    out
}

/// The scene `name` made of the items of its catalogue, one raster each; `None` when the
/// catalogue gave nothing usable (the problem is in `out`).
fn from_catalogue(
    name: &str,
    draft: &SceneDraft,
    stac: &StacDraft,
    area: Option<[f64; 4]>,
    out: &mut Resolved,
) -> Option<Scene> {
    let (granules, problems) = match stac::granules(stac, area) {
        Ok(found) => found,
        Err(e) if e.is_transient() => {
            out.unreachable.get_or_insert(e);
            out.unlisted.insert(name.to_string());
            return None;
        }
        Err(e) => {
            out.problems.push(Problem::new(&stac.key, e));
            out.unlisted.insert(name.to_string());
            return None;
        }
    };
    if !problems.is_empty() || granules.is_empty() {
        out.problems
            .extend(problems.iter().map(|p| Problem::new(&stac.key, p)));
        out.unlisted.insert(name.to_string());
        return None;
    }
    let times: Vec<Option<String>> = granules.iter().map(|g| g.item.datetime.clone()).collect();
    let longitudes: Vec<Option<f64>> = (granules.iter())
        .map(|g| g.item.bbox.map(centre_longitude))
        .collect();
    let (items, mut rasters): (Vec<_>, Vec<_>) =
        granules.into_iter().map(|g| (g.item, g.bands)).unzip();
    let bands = rasters.remove(0);
    Some(Scene {
        name: name.to_string(),
        datetime: (draft.datetime.clone()).or_else(|| acquisitions::span(&times)),
        bands,
        mosaic: rasters,
        mask: draft.mask.clone(),
        reduce: draft
            .reduce
            .map(|reducer| acquisitions::reduction(&times, &longitudes, reducer)),
        items,
        catalogue: Some(stac::describe(&stac.source, area)),
    })
}

/// The bands of one raster of scene `name`: `file` for a raster of a mosaic, in place of the
/// scene's first file. Problems go to `out` keyed as the draft keys them, each once (the
/// same mistake in every raster of a mosaic is one problem), and what failed is unlisted.
fn granule(
    name: &str,
    draft: &SceneDraft,
    file: Option<&str>,
    out: &mut Resolved,
) -> BTreeMap<String, BandSource> {
    let mut failed = |key: &str, message: &dyn std::fmt::Display, unlisted: String| {
        let problem = Problem::new(key, message);
        if !out.problems.contains(&problem) {
            out.problems.push(problem);
        }
        out.unlisted.insert(unlisted);
    };
    let mut bands = BTreeMap::new();
    if let Some(preset) = &draft.preset {
        let found = match (&preset.place, file) {
            (PresetPlace::Folder(dir), _) => {
                preset.sensor.in_folder(Path::new(dir), &preset.options)
            }
            (PresetPlace::Stack(_), Some(file)) => preset.sensor.stacked(file, &preset.options),
            (PresetPlace::Stack(stack), None) => preset.sensor.stacked(stack, &preset.options),
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
            Err(e) => failed(&preset.key, &e, name.to_string()),
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
            Err(e) => failed(key, &e, name.to_string()),
        }
    }
    for (band, hand) in &draft.bands {
        let mut hand = hand.clone();
        if let (true, Some(file)) = (hand.per_file, file) {
            hand.source.location = file.to_string();
            hand.written = file.to_string();
        }
        match hand_mapped(band, &hand) {
            Ok(source) => {
                bands.insert(band.clone(), source);
                if let Some(description) = &hand.description {
                    let described = DescribedBand {
                        scene: name.to_string(),
                        band: band.clone(),
                        key: hand.key.clone(),
                        description: description.clone(),
                    };
                    if !out.described.contains(&described) {
                        out.described.push(described);
                    }
                }
            }
            Err(message) => failed(&hand.key, &message, format!("{name}.{band}")),
        }
    }
    bands
}

/// The rasters `entries` name, in order: a plain location as it is (GDAL says whether it
/// opens), a glob pattern as the local files it matches, in name order.
fn expand(entries: &[FileDraft]) -> Result<Vec<FileDraft>, CatalogError> {
    let mut files = Vec::new();
    for draft in entries {
        let entry = &draft.location;
        if !entry.contains(['*', '?', '[']) {
            files.push(draft.clone());
            continue;
        }
        if entry.starts_with("/vsi") {
            return Err(CatalogError::Files {
                problem: format!(
                    "`{entry}`: a pattern matches local files only; list remote files one by one"
                ),
            });
        }
        let paths = glob::glob(entry).map_err(|e| CatalogError::Files {
            problem: format!("`{entry}` is not a valid pattern: {e}"),
        })?;
        let mut matched: Vec<String> = paths
            .filter_map(Result::ok)
            .filter(|p| p.is_file())
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        if matched.is_empty() {
            return Err(CatalogError::Files {
                problem: format!(
                    "no file matches `{entry}`; check the pattern (relative to the pipeline file)"
                ),
            });
        }
        matched.sort();
        files.extend(matched.into_iter().map(|location| FileDraft {
            location,
            datetime: draft.datetime.clone(),
        }));
    }
    Ok(files)
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

/// The longitude halfway across `[west, south, east, north]`, also across the antimeridian
/// (west > east).
fn centre_longitude([west, _, east, _]: [f64; 4]) -> f64 {
    let east = if east < west { east + 360.0 } else { east };
    ((west + east) / 2.0 + 180.0).rem_euclid(360.0) - 180.0
}
