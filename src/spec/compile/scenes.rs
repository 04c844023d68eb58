//! `[scenes.*]`: where each band's pixels are.

use std::collections::{BTreeMap, BTreeSet};

use super::needs::Why;
use super::Compiler;
use crate::catalog::{
    BandDraft, FileDraft, FilesDraft, PresetDraft, PresetOptions, PresetPlace, PresetScaling,
};
use crate::catalog::{SceneDraft, Sensor};
use crate::compute::mask::{MaskRule, QA_PIXEL_DEFAULT, SCL_DEFAULT};
use crate::compute::reduce::Reducer;
use crate::plan::{BandSource, Encoding, SceneMask, QUALITY_BANDS};
use crate::spec::raw::{BandRef, BandSpec, FileSpec, FilesSpec, MaskSpec, SceneSpec};

impl Compiler<'_> {
    /// Each scene as declared: where its bands are, checked without opening a file.
    pub(super) fn scenes(
        &mut self,
        specs: &BTreeMap<String, SceneSpec>,
    ) -> BTreeMap<String, SceneDraft> {
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
            let reduce = self.reduce(&key, spec);
            let mut unlisted = BTreeSet::new();
            let problems = self.problems.len();
            // A catalogue's scene: its bands are the items' assets, found by the catalog.
            let stac = self.stac(&key, spec);
            let from_catalogue = spec.stac.is_some();
            let files = (!from_catalogue).then(|| self.files(&key, spec)).flatten();
            let preset = (!from_catalogue).then(|| self.preset(&key, spec)).flatten();
            if self.problems.len() > problems {
                unlisted.insert(name.clone());
            }
            let mtl = (spec.mtl.as_ref()).map(|mtl| (format!("{key}.mtl"), self.location(mtl)));
            let mut bands = BTreeMap::new();
            for (band_name, band) in spec.bands.iter().filter(|_| !from_catalogue) {
                match self.band(&format!("{key}.bands.{band_name}"), spec, band) {
                    Some(draft) => {
                        bands.insert(band_name.clone(), draft);
                    }
                    None => {
                        unlisted.insert(format!("{name}.{band_name}"));
                    }
                }
            }
            let mask = (spec.mask.as_ref()).and_then(|m| self.mask(&key, name, m));
            if let Some(Err(message)) = spec.datetime.as_deref().map(super::datetime::check) {
                self.problem(&format!("{key}.datetime"), message);
            }
            scenes.insert(
                name.clone(),
                SceneDraft {
                    name: name.clone(),
                    datetime: spec.datetime.clone(),
                    nodata: spec.nodata,
                    preset,
                    mtl,
                    bands,
                    mask,
                    files,
                    reduce,
                    stac,
                    unlisted,
                },
            );
        }
        scenes
    }

    /// The `sensor` preset and the folder or stack it reads.
    fn preset(&mut self, key: &str, spec: &SceneSpec) -> Option<PresetDraft> {
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
        let sensor = self.sensor(&sensor_key, spec.sensor.as_ref()?)?;
        if spec.mtl.is_some() {
            self.problem(
                &sensor_key,
                "give either `mtl` (Landsat Level-1 TOA reflectance) or `sensor`, not both",
            );
            return None;
        }
        let file = spec.file.as_ref().or(first_of(spec.files.as_ref()));
        let place = match (&spec.dir, file) {
            (Some(dir), None) => PresetPlace::Folder(self.location(dir)),
            (None, Some(file)) => PresetPlace::Stack(self.location(file)),
            (Some(_), Some(_)) => {
                self.problem(&sensor_key, "give `dir` (per-band files) or `file` (a band stack in the preset's order), not both");
                return None;
            }
            (None, None) => {
                self.problem(&sensor_key, "needs `dir` (a product folder with per-band files) or `file` (a band stack in the preset's order)");
                return None;
            }
        };
        Some(PresetDraft {
            key: sensor_key,
            sensor,
            place,
            options: preset_options(spec),
        })
    }

    /// The preset `name` (`scenes.NAME.sensor` at `key`); an unknown one is a problem.
    pub(super) fn sensor(&mut self, key: &str, name: &str) -> Option<Sensor> {
        let found = Sensor::from_name(name);
        if found.is_none() {
            let known: Vec<&str> = Sensor::ALL.iter().map(|s| s.name()).collect();
            self.problem(
                key,
                format!("unknown sensor `{name}`; one of: {}", known.join(", ")),
            );
        }
        found
    }

    /// `mask = "scl"` / `"qa_pixel"` / a table: the rule and the band it reads, which the
    /// scene must have.
    fn mask(&mut self, scene_key: &str, scene: &str, spec: &MaskSpec) -> Option<SceneMask> {
        let key = &format!("{scene_key}.mask");
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
        self.need(key, scene, &band, Why::Mask);
        Some(SceneMask { band, rule })
    }

    fn band(&mut self, key: &str, scene: &SceneSpec, band: &BandSpec) -> Option<BandDraft> {
        let has_file = scene.file.is_some() || scene.files.is_some();
        let preset = scene.sensor.as_deref().and_then(Sensor::from_name);
        // `"B08"` beside a raster is a band description; `"B8.TIF"` or `"a/B8"` a file, and a
        // preset's own band name a slip the catalog names as such.
        let described = |f: &str| {
            has_file
                && !f.contains(['.', '/', '\\'])
                && preset.is_none_or(|p| p.band_named(f).is_none())
        };
        let (file, number, scale, offset, nodata) = match band {
            BandSpec::Number(n) => (None, Some(BandRef::Number(*n)), None, None, None),
            BandSpec::File(f) if described(f) => {
                (None, Some(BandRef::Described(f.clone())), None, None, None)
            }
            BandSpec::File(f) => (Some(f.clone()), None, None, None, None),
            BandSpec::Table(t) => (t.file.clone(), t.band.clone(), t.scale, t.offset, t.nodata),
        };
        let per_file = file.is_none();
        if !per_file && scene.files.is_some() {
            self.problem(
                key,
                "a scene of several `files` reads every band from each of them, by number or description; drop this band's `file`",
            );
            return None;
        }
        let scene_file = scene.file.as_ref().or(first_of(scene.files.as_ref()));
        let file = match file.or_else(|| scene_file.cloned()) {
            Some(f) => f,
            None => {
                self.problem(
                    key,
                    "no file: give the scene a `file` for band numbers, or a file for this band",
                );
                return None;
            }
        };
        let (band, description) = match number {
            None => (1, None),
            Some(BandRef::Number(n)) => (n, None),
            Some(BandRef::Described(d)) if d.trim().is_empty() => {
                self.problem(key, "an empty band description; give the band's number or its description as gdalinfo shows it, e.g. \"B08\"");
                return None;
            }
            // Looked up in each file when the plan is loaded; 0 until then.
            Some(BandRef::Described(d)) => (0, Some(d)),
        };
        if band < 1 && description.is_none() {
            self.problem(
                key,
                format!("band number {band} is invalid; bands count from 1"),
            );
            return None;
        }
        let name = key.rsplit('.').next().unwrap_or_default();
        let (scale, offset) = (scale.or(scene.scale), offset.or(scene.offset));
        // The preset's scale, offset and units apply unless the band gives its own.
        let preset_scaling =
            (preset.is_some() && scale.is_none() && offset.is_none()).then(|| PresetScaling {
                dir: scene.dir.as_ref().map(|d| self.location(d)),
                options: preset_options(scene),
            });
        let (scale, offset) = (scale.unwrap_or(1.0), offset.unwrap_or(0.0));
        if preset_scaling.is_none() && (!scale.is_finite() || scale == 0.0 || !offset.is_finite()) {
            self.problem(key, "scale must be finite and non-zero, offset finite");
        }
        let mut source = BandSource::new(self.location(&file), band as usize);
        source.scale = scale;
        source.offset = offset;
        source.nodata = nodata.or(scene.nodata);
        if QUALITY_BANDS.contains(&name) {
            source.encoding = Encoding::Categorical;
        }
        Some(BandDraft {
            key: key.to_string(),
            per_file,
            description,
            written: file,
            source,
            preset,
            preset_scaling,
        })
    }
}

impl Compiler<'_> {
    /// `files`: the rasters of a mosaic, as locations (a glob pattern stays one, for the
    /// catalog to expand), each with its acquisition time if given.
    fn files(&mut self, key: &str, spec: &SceneSpec) -> Option<FilesDraft> {
        let given = spec.files.as_ref()?;
        let key = format!("{key}.files");
        let entries: Vec<FileSpec> = match given {
            FilesSpec::Pattern(p) => vec![FileSpec::Plain(p.clone())],
            FilesSpec::List(list) => list.clone(),
        };
        let clash = [
            (spec.file.is_some(), "`file` (one raster)"),
            (spec.dir.is_some(), "`dir` (a product folder)"),
            (spec.mtl.is_some(), "`mtl` (a Landsat Level-1 scene)"),
        ];
        for (given, what) in clash {
            if given {
                self.problem(
                    &key,
                    format!(
                        "give `files` (several rasters with one band layout) or {what}, not both"
                    ),
                );
            }
        }
        if entries.is_empty() || entries.iter().any(|e| e.file().is_empty()) {
            self.problem(&key, "an empty file name; list the rasters, e.g. `files = [\"a.tif\", \"b.tif\"]`, or give a pattern such as `\"granules/*.tif\"`");
            return None;
        }
        for entry in &entries {
            let Some(datetime) = entry.datetime() else {
                continue;
            };
            let problem = match super::datetime::check(datetime) {
                Err(e) => Some(e.to_string()),
                Ok(()) if datetime.contains('/') => Some(format!(
                    "`{datetime}` is an interval; a file is one acquisition, give its date or date-time"
                )),
                Ok(()) => None,
            };
            if let Some(message) = problem {
                self.problem(&key, format!("`{}`: {message}", entry.file()));
            }
        }
        let dated = entries.iter().filter(|e| e.datetime().is_some()).count();
        if spec.reduce.is_some() && dated != 0 && dated != entries.len() {
            self.problem(
                &key,
                "give every file a `datetime` (files of one day are one acquisition) or none \
                 (each file is one acquisition, in the order given)",
            );
        }
        Some(FilesDraft {
            key,
            entries: entries
                .iter()
                .map(|e| FileDraft {
                    location: self.location(e.file()),
                    datetime: e.datetime().map(str::to_string),
                })
                .collect(),
        })
    }

    /// `reduce`: how a composite's acquisitions become one value per pixel.
    fn reduce(&mut self, key: &str, spec: &SceneSpec) -> Option<Reducer> {
        let name = spec.reduce.as_ref()?;
        let key = format!("{key}.reduce");
        let Some(reducer) = Reducer::from_name(name) else {
            let known: Vec<&str> = Reducer::ALL.iter().map(|r| r.name()).collect();
            self.problem(
                &key,
                format!("unknown reducer `{name}`; one of: {}", known.join(", ")),
            );
            return None;
        };
        Some(reducer)
    }
}

/// The first of `files` as written, which band drafts take until the catalog replaces it
/// with each file of the mosaic.
fn first_of(files: Option<&FilesSpec>) -> Option<&String> {
    match files? {
        FilesSpec::Pattern(p) => Some(p),
        FilesSpec::List(list) => list.first().map(FileSpec::file),
    }
}

/// What a scene tells its preset beyond the preset's name.
pub(super) fn preset_options(scene: &SceneSpec) -> PresetOptions {
    PresetOptions {
        processing_baseline: scene.processing_baseline.clone(),
        backscatter: scene.backscatter.clone(),
    }
}
