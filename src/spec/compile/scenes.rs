//! `[scenes.*]`: where each band's pixels are.

use std::collections::BTreeMap;
use std::path::Path;

use super::Compiler;
use crate::catalog::landsat_mtl::landsat_bands;
use crate::catalog::{CatalogError, PresetOptions, Sensor};
use crate::compute::mask::{MaskRule, QA_PIXEL_DEFAULT, SCL_DEFAULT};
use crate::plan::{BandSource, Encoding};
use crate::plan::{Scene, SceneMask};
use crate::spec::raw::{BandSpec, MaskSpec, SceneSpec};

/// Band names that hold quality codes: read with nearest neighbour, never interpolated.
const QUALITY_BANDS: [&str; 2] = ["scl", "qa_pixel"];

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
            if spec.bands.is_empty() && spec.mtl.is_none() && spec.sensor.is_none() {
                self.problem(
                    &format!("{key}.bands"),
                    "no bands; name a `sensor` preset, or map band names to band numbers or files, e.g. `nir = 4`",
                );
            }
            let mut bands = BTreeMap::new();
            let problems = self.problems.len();
            let preset = self.preset(&key, spec);
            if self.problems.len() > problems {
                self.unlisted_scenes.insert(name.clone());
            }
            for (band_name, source) in preset {
                bands.insert(band_name, source);
            }
            if let Some(mtl) = &spec.mtl {
                match landsat_bands(Path::new(&self.location(mtl))) {
                    Ok(found) => {
                        for (name, mut source) in found {
                            source.nodata = spec.nodata;
                            bands.insert(name, source);
                        }
                    }
                    Err(message) => {
                        self.problem(&format!("{key}.mtl"), message);
                        self.unlisted_scenes.insert(name.clone());
                    }
                }
            }
            for (band_name, band) in &spec.bands {
                match self.band(&format!("{key}.bands.{band_name}"), spec, band) {
                    Some(source) => {
                        bands.insert(band_name.clone(), source);
                    }
                    None => {
                        self.unlisted_scenes.insert(format!("{name}.{band_name}"));
                    }
                }
            }
            let mask = spec
                .mask
                .as_ref()
                .and_then(|m| self.mask(&format!("{key}.mask"), m, &bands));
            if let Some(Err(message)) = spec.datetime.as_deref().map(super::datetime::check) {
                self.problem(&format!("{key}.datetime"), message);
            }
            scenes.insert(
                name.clone(),
                Scene {
                    name: name.clone(),
                    datetime: spec.datetime.clone(),
                    bands,
                    mask,
                },
            );
        }
        scenes
    }

    /// The bands a `sensor` preset finds in `dir` or assigns to the bands of `file`.
    fn preset(&mut self, key: &str, spec: &SceneSpec) -> Vec<(String, BandSource)> {
        let sensor_key = format!("{key}.sensor");
        for (given, what) in [
            (&spec.dir, "dir"),
            (&spec.processing_baseline, "processing_baseline"),
            (&spec.backscatter, "backscatter"),
        ] {
            if given.is_some() && spec.sensor.is_none() {
                self.problem(
                    &format!("{key}.{what}"),
                    "only means something with a `sensor` preset; add `sensor = \"…\"`",
                );
            }
        }
        let Some(name) = &spec.sensor else {
            return Vec::new();
        };
        let Some(sensor) = Sensor::from_name(name) else {
            let known: Vec<&str> = Sensor::ALL.iter().map(|s| s.name()).collect();
            self.problem(
                &sensor_key,
                format!("unknown sensor `{name}`; one of: {}", known.join(", ")),
            );
            return Vec::new();
        };
        if spec.mtl.is_some() {
            self.problem(
                &sensor_key,
                "give either `mtl` (Landsat Level-1 TOA reflectance) or `sensor`, not both",
            );
            return Vec::new();
        }
        let options = preset_options(spec);
        let found = match (&spec.dir, &spec.file) {
            (Some(dir), None) => sensor.in_folder(Path::new(&self.location(dir)), &options),
            (None, Some(file)) => sensor.stacked(&self.location(file), &options),
            (Some(_), Some(_)) => Err(CatalogError::Option { problem: "give `dir` (per-band files) or `file` (a band stack in the preset's order), not both".into() }),
            (None, None) => Err(CatalogError::Option { problem: "needs `dir` (a product folder with per-band files) or `file` (a band stack in the preset's order)".into() }),
        };
        let mut bands = match found {
            Ok(b) => b,
            Err(message) => {
                self.problem(&sensor_key, message);
                return Vec::new();
            }
        };
        for (_, source) in &mut bands {
            if let Some(nodata) = spec.nodata {
                source.nodata = Some(nodata);
            }
        }
        bands
    }

    /// `mask = "scl"` / `"qa_pixel"` / a table: the rule and the band it reads, which the
    /// scene must have.
    fn mask(
        &mut self,
        key: &str,
        spec: &MaskSpec,
        bands: &BTreeMap<String, BandSource>,
    ) -> Option<SceneMask> {
        let (band, rule) = match spec {
            MaskSpec::Default(kind) => match kind.to_ascii_lowercase().as_str() {
                "scl" => ("scl".to_string(), MaskRule::Classes(SCL_DEFAULT.to_vec())),
                "qa_pixel" => (
                    "qa_pixel".to_string(),
                    MaskRule::qa_pixel(&QA_PIXEL_DEFAULT).ok()?,
                ),
                other => {
                    self.problem(
                        key,
                        format!("unknown mask `{other}`; `scl`, `qa_pixel`, or a table like {{ scl = [3, 8, 9] }}"),
                    );
                    return None;
                }
            },
            MaskSpec::Table(t) => match (&t.scl, &t.qa_pixel) {
                (Some(classes), None) => {
                    let mut codes = Vec::new();
                    for c in classes {
                        match u8::try_from(*c) {
                            Ok(code) if code <= 11 => codes.push(code),
                            _ => {
                                self.problem(
                                    key,
                                    format!("SCL class {c} does not exist; classes are 0 to 11"),
                                );
                                return None;
                            }
                        }
                    }
                    (
                        t.band.clone().unwrap_or("scl".into()),
                        MaskRule::Classes(codes),
                    )
                }
                (None, Some(names)) => match MaskRule::qa_pixel(names) {
                    Ok(rule) => (t.band.clone().unwrap_or("qa_pixel".into()), rule),
                    Err(message) => {
                        self.problem(key, message);
                        return None;
                    }
                },
                _ => {
                    self.problem(
                        key,
                        "give exactly one of `scl = [classes]` or `qa_pixel = [bit names]`",
                    );
                    return None;
                }
            },
        };
        match bands.get(&band) {
            None => {
                self.problem(
                    key,
                    format!("the scene has no band `{band}` to mask with; add its file (e.g. `{band} = \"…_{}.TIF\"`) or drop the mask", band.to_ascii_uppercase()),
                );
                None
            }
            Some(source) if source.encoding != Encoding::Categorical => {
                // A band mapped by hand: its codes must not be rescaled or interpolated.
                if source.scale != 1.0 || source.offset != 0.0 {
                    self.problem(
                        key,
                        format!("band `{band}` holds quality codes; drop its scale/offset"),
                    );
                    return None;
                }
                Some(SceneMask { band, rule })
            }
            Some(_) => Some(SceneMask { band, rule }),
        }
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
        let name = key.rsplit('.').next().unwrap_or_default();
        let (scale, offset) = (scale.or(scene.scale), offset.or(scene.offset));
        let location = self.location(&file);
        let preset = scene.sensor.as_deref().and_then(Sensor::from_name);
        // Beside a preset, a band name written as a file (`nir = "B8"`) is a common slip:
        // name it here, with the key, rather than as a file GDAL cannot open.
        let missing = !location.starts_with("/vsi") && !Path::new(&location).exists();
        if let (true, Some((common, id))) = (missing, preset.and_then(|s| s.band_named(&file))) {
            self.problem(
                key,
                format!(
                    "no file {location}; `{file}` is the preset's band `{id}` ({common}), which the preset looks for in `dir` by itself: drop this line, or give the band's file"
                ),
            );
            return None;
        }
        let mut source = match preset {
            // The preset's scale, offset and units apply unless the band gives its own.
            Some(sensor) if scale.is_none() && offset.is_none() => {
                let options = preset_options(scene);
                let dir = scene.dir.as_ref().map(|d| self.location(d));
                match sensor.hand_mapped(
                    name,
                    &location,
                    band as usize,
                    dir.as_deref().map(Path::new),
                    &options,
                ) {
                    Ok(source) => source,
                    Err(message) => {
                        self.problem(
                            key,
                            format!("as a band of the `{}` preset: {message}", sensor.name()),
                        );
                        return None;
                    }
                }
            }
            _ => {
                let (scale, offset) = (scale.unwrap_or(1.0), offset.unwrap_or(0.0));
                if !scale.is_finite() || scale == 0.0 || !offset.is_finite() {
                    self.problem(key, "scale must be finite and non-zero, offset finite");
                }
                let mut source = BandSource::new(location, band as usize);
                source.scale = scale;
                source.offset = offset;
                source
            }
        };
        source.band = band as usize;
        if let Some(nodata) = nodata.or(scene.nodata) {
            source.nodata = Some(nodata);
        }
        if QUALITY_BANDS.contains(&name) {
            source.encoding = Encoding::Categorical;
        }
        Some(source)
    }
}

/// What a scene tells its preset beyond the preset's name.
fn preset_options(scene: &SceneSpec) -> PresetOptions {
    PresetOptions {
        processing_baseline: scene.processing_baseline.clone(),
        backscatter: scene.backscatter.clone(),
    }
}
