//! `[scenes.*]`: where each band's pixels are.

use std::collections::BTreeMap;
use std::path::Path;

use super::Compiler;
use crate::plan::Scene;
use crate::read::landsat_mtl::landsat_bands;
use crate::read::BandSource;
use crate::spec::raw::{BandSpec, SceneSpec};

impl Compiler<'_> {
    pub(super) fn scenes(
        &mut self,
        specs: &BTreeMap<String, SceneSpec>,
    ) -> BTreeMap<String, Scene> {
        if specs.is_empty() {
            self.problem("scenes", "no scenes; add at least one [scenes.NAME] table");
        }
        let mut scenes = BTreeMap::new();
        for (name, spec) in specs {
            let key = format!("scenes.{name}");
            if spec.bands.is_empty() && spec.mtl.is_none() {
                self.problem(
                    &format!("{key}.bands"),
                    "no bands; map band names to band numbers or files, e.g. `nir = 4`",
                );
            }
            let mut bands = BTreeMap::new();
            if let Some(mtl) = &spec.mtl {
                match landsat_bands(Path::new(&self.location(mtl))) {
                    Ok(found) => {
                        for (name, mut source) in found {
                            source.nodata = spec.nodata;
                            bands.insert(name, source);
                        }
                    }
                    Err(message) => self.problem(&format!("{key}.mtl"), message),
                }
            }
            for (band_name, band) in &spec.bands {
                if let Some(source) = self.band(&format!("{key}.bands.{band_name}"), spec, band) {
                    bands.insert(band_name.clone(), source);
                }
            }
            scenes.insert(
                name.clone(),
                Scene {
                    name: name.clone(),
                    datetime: spec.datetime.clone(),
                    bands,
                },
            );
        }
        scenes
    }

    fn band(&mut self, key: &str, scene: &SceneSpec, band: &BandSpec) -> Option<BandSource> {
        let (file, number, scale, offset, nodata) = match band {
            BandSpec::Number(n) => (None, Some(*n), None, None, None),
            BandSpec::File(f) => (Some(f.clone()), None, None, None, None),
            BandSpec::Table(t) => (t.file.clone(), t.band, t.scale, t.offset, t.nodata),
        };
        let file = match file.or_else(|| scene.file.clone()) {
            Some(f) => f,
            None => {
                self.problem(
                    key,
                    "no file: give the scene a `file` for band numbers, or a file for this band",
                );
                return None;
            }
        };
        let band = number.unwrap_or(1);
        if band < 1 {
            self.problem(
                key,
                format!("band number {band} is invalid; bands count from 1"),
            );
            return None;
        }
        let scale = scale.or(scene.scale).unwrap_or(1.0);
        let offset = offset.or(scene.offset).unwrap_or(0.0);
        if !scale.is_finite() || scale == 0.0 || !offset.is_finite() {
            self.problem(key, "scale must be finite and non-zero, offset finite");
        }
        Some(BandSource {
            location: self.location(&file),
            band: band as usize,
            scale,
            offset,
            nodata: nodata.or(scene.nodata),
        })
    }
}
