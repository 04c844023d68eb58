//! Pipeline file → plan. Compiling touches no file but the pipeline's own; what the file
//! names is looked at after: the scenes' folders and metadata files (the catalog), and the
//! product grid's CRS (PROJ, through GDAL). Every problem of both is reported at once.

use std::collections::BTreeMap;
use std::path::Path;

use crate::catalog;
use crate::error::Error;
use crate::plan::{BandSource, Plan, Problem, Scene};
use crate::raster;
use crate::spec::{self, Environment, Overrides};

/// The validated plan of the pipeline file at `path`, `${NAME}`s taken from `env`.
pub fn load_plan(path: &Path, env: &dyn Environment, overrides: &Overrides) -> Result<Plan, Error> {
    let draft = spec::compile(path, spec::load(path, env)?, overrides);
    let (catalogued, others): (BTreeMap<_, _>, BTreeMap<_, _>) = (draft.scenes().clone())
        .into_iter()
        .partition(|(_, scene)| scene.stac.is_some());
    let mut resolved = catalog::resolve(&others, None);
    number_described_bands(&mut resolved);
    let aoi = draft.aoi().map(raster::Aoi::open);
    if let Some(Err(e)) = &aoi {
        resolved.problems.push(Problem::new("product.aoi", e));
    }
    if !catalogued.is_empty() {
        // Nothing is fetched for a pipeline that is wrong already.
        if draft.problems().is_empty() && resolved.problems.is_empty() {
            let area = match &aoi {
                Some(Ok(aoi)) => Some(aoi.lon_lat),
                _ => extent_of(&resolved.scenes),
            };
            resolved.merge(catalog::resolve(&catalogued, area));
        } else {
            resolved.unlisted.extend(catalogued.into_keys());
        }
    }
    if let Some(e) = resolved.unreachable.take() {
        return Err(e.into());
    }
    let crs_problem = (draft.grid_crs())
        .and_then(|crs| raster::grid::check_crs(crs).err())
        .map(|e| e.to_string());
    Ok(draft.finish(resolved, crs_problem)?)
}

/// `[west, south, east, north]` in degrees around every raster of `scenes` (those not from a
/// catalogue), which bounds a STAC search that has no area of its own; `None` when there are
/// none or GDAL cannot place them (the run reports that itself).
fn extent_of(scenes: &BTreeMap<String, Scene>) -> Option<[f64; 4]> {
    let mut extent: Option<[f64; 4]> = None;
    for scene in scenes.values() {
        for raster in std::iter::once(&scene.bands).chain(&scene.mosaic) {
            let bands: Vec<(&str, &BandSource)> =
                raster.iter().map(|(n, s)| (n.as_str(), s)).collect();
            let [w, s, e, n] = raster::open_scene(&scene.name, &bands)
                .ok()?
                .footprint
                .lon_lat;
            extent = Some(match extent {
                None => [w, s, e, n],
                Some(x) => [x[0].min(w), x[1].min(s), x[2].max(e), x[3].max(n)],
            });
        }
    }
    extent
}

/// Gives each band mapped by description its number in each raster of its scene, as GDAL
/// reads the file's descriptions; a band no file describes so is a problem under its key.
fn number_described_bands(resolved: &mut catalog::Resolved) {
    let mut descriptions = raster::BandDescriptions::default();
    for d in std::mem::take(&mut resolved.described) {
        let Some(scene) = resolved.scenes.get_mut(&d.scene) else {
            continue;
        };
        for bands in std::iter::once(&mut scene.bands).chain(scene.mosaic.iter_mut()) {
            let Some(source) = bands.get_mut(&d.band) else {
                continue;
            };
            match descriptions.number_of(&source.location, &d.description) {
                Ok(number) => source.band = number,
                Err(message) => {
                    resolved.problems.push(Problem::new(&d.key, message));
                    resolved.unlisted.insert(format!("{}.{}", d.scene, d.band));
                    break;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::SpecError;
    use std::collections::HashMap;

    fn pipeline(dir: &Path, grid: &str) -> std::path::PathBuf {
        let path = dir.join("p.toml");
        let text = format!(
            "[scenes.post]\nfile = \"scene.tif\"\nsensor = \"sentinel-2-l2a\"\nprocessing_baseline = \"05.09\"\n\
             [scenes.post.bands]\nnir = \"B8\"\n\
             [product]\nindex = \"ndvi\"\ngrid = {grid}\n\
             [render]\nramp = \"greens\"\nrange = [0, 1]\n[output]\nurl = \"out\"\n"
        );
        std::fs::write(&path, text).expect("write");
        path
    }

    fn problems(path: &Path) -> Vec<(String, String)> {
        let env: HashMap<String, String> = HashMap::new();
        match load_plan(path, &env, &Overrides::default()) {
            Err(Error::Spec(SpecError::Invalid { problems, .. })) => {
                problems.into_iter().map(|p| (p.key, p.message)).collect()
            }
            other => panic!("expected problems, got {other:?}"),
        }
    }

    #[test]
    fn what_compiling_leaves_to_the_files_is_reported_with_the_rest() {
        let dir = tempfile::tempdir().expect("tempdir");
        // What the file gets wrong on its own (the resolution), what its files show (a band
        // given as a preset band name, which is no file) and PROJ's answer on the grid's CRS:
        // one report, each under its key.
        let found = problems(&pipeline(
            dir.path(),
            "{ crs = \"EPSG:99999999\", resolution = 0 }",
        ));
        let keys: Vec<&str> = found.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            vec![
                "product.grid.resolution",
                "scenes.post.bands.nir",
                "product.grid.crs",
            ],
            "{found:#?}"
        );
        assert!(found[1].1.contains("preset's band `B08`"), "{found:#?}");
        assert!(found[2].1.contains("EPSG:99999999"), "{found:#?}");
        // A CRS PROJ knows is no problem; the band slip still is.
        let found = problems(&pipeline(
            dir.path(),
            "{ crs = \"EPSG:3035\", resolution = 20 }",
        ));
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(found[0].0, "scenes.post.bands.nir");
    }
}
