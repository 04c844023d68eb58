//! Sensor presets: the band names, files, nodata and scale/offset of the products analysts
//! download, so a pipeline names bands (`red`, `B04`, `vv`) instead of numbers.
//!
//! Sources of the constants:
//! - Sentinel-2 L1C/L2A: ESA, "Sentinel-2 Products Specification Document" (S2-PDGS-TAS-DI-PSD)
//!   and the processing-baseline 04.00 note: reflectance = (DN + ADD_OFFSET) / QUANTIFICATION
//!   with QUANTIFICATION = 10000 and ADD_OFFSET = −1000 from baseline 04.00 (25 January 2022)
//!   on, 0 before; DN 0 is no data. The offset is read from the product's `MTD_MSIL1C.xml` /
//!   `MTD_MSIL2A.xml` (`RADIO_ADD_OFFSET` / `BOA_ADD_OFFSET`) when the folder holds it, else
//!   from the pipeline's `processing_baseline`.
//! - Landsat Collection 2 Level-2: USGS, "Landsat 8-9 Collection 2 Level 2 Science Product
//!   Guide" (LSDS-1619) and the Landsat 4-7 guide (LSDS-1618): surface reflectance =
//!   DN · 0.0000275 − 0.2, DN 0 is fill.
//! - Landsat Level-1 without MTL: digital numbers as stored (with `mtl` the scene gets TOA
//!   reflectance instead, see [`super::landsat_mtl`]).
//! - Sentinel-1 GRD: calibrated σ⁰ backscatter (from SNAP, ASF, Sentinel Hub, …), declared as
//!   linear power or dB; raw GRD digital numbers are amplitudes and need calibration first.

use std::path::Path;

use super::discovery::{collect_rasters, pick};
use super::sentinel2::{sentinel2_offset, Sentinel2Metadata};
use super::CatalogError;
use crate::plan::{BandSource, Encoding, StackLayout};

/// A preset by its pipeline name (`sensor = "sentinel-2-l2a"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sensor {
    Sentinel2L2a,
    Sentinel2L1c,
    Landsat89C2L2,
    Landsat7C2L2,
    Landsat45C2L2,
    Landsat89L1,
    Landsat7L1,
    Landsat45L1,
    Sentinel1Grd,
}

/// One band of a preset: the common name, the sensor's own name (also accepted in pipelines),
/// and the name parts its file ends with.
pub(super) struct BandDef {
    pub(super) common: &'static str,
    pub(super) id: &'static str,
    pub(super) file_token: &'static str,
    pub(super) kind: Kind,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// Part of the stacked-file layout, scaled to physical units.
    Measure,
    /// A quality band (SCL, QA_PIXEL): codes, only ever in its own file.
    Quality,
}

pub(super) const fn band(
    common: &'static str,
    id: &'static str,
    file_token: &'static str,
) -> BandDef {
    BandDef {
        common,
        id,
        file_token,
        kind: Kind::Measure,
    }
}

const fn quality(common: &'static str, file_token: &'static str) -> BandDef {
    BandDef {
        common,
        id: common,
        file_token,
        kind: Kind::Quality,
    }
}

/// Sentinel-2 bands of both levels: L1C has no `scl`, L2A no `cirrus` (B10).
const S2: &[BandDef] = &[
    band("coastal", "B01", "B01"),
    band("blue", "B02", "B02"),
    band("green", "B03", "B03"),
    band("red", "B04", "B04"),
    band("rededge1", "B05", "B05"),
    band("rededge2", "B06", "B06"),
    band("rededge3", "B07", "B07"),
    band("nir", "B08", "B08"),
    band("nir08", "B8A", "B8A"),
    band("nir09", "B09", "B09"),
    band("cirrus", "B10", "B10"),
    band("swir1", "B11", "B11"),
    band("swir2", "B12", "B12"),
    quality("scl", "SCL"),
];
/// The `band_id` of each Sentinel-2 band in the MTD XML's offset lists.
pub(super) const S2_BAND_IDS: &[&str] = &[
    "B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B09", "B10", "B11", "B12",
];
const OLI_C2L2: &[BandDef] = &[
    band("coastal", "SR_B1", "SR_B1"),
    band("blue", "SR_B2", "SR_B2"),
    band("green", "SR_B3", "SR_B3"),
    band("red", "SR_B4", "SR_B4"),
    band("nir", "SR_B5", "SR_B5"),
    band("swir1", "SR_B6", "SR_B6"),
    band("swir2", "SR_B7", "SR_B7"),
    quality("qa_pixel", "QA_PIXEL"),
];
const TM_ETM_C2L2: &[BandDef] = &[
    band("blue", "SR_B1", "SR_B1"),
    band("green", "SR_B2", "SR_B2"),
    band("red", "SR_B3", "SR_B3"),
    band("nir", "SR_B4", "SR_B4"),
    band("swir1", "SR_B5", "SR_B5"),
    band("swir2", "SR_B7", "SR_B7"),
    quality("qa_pixel", "QA_PIXEL"),
];
const OLI_L1: &[BandDef] = &[
    band("coastal", "B1", "B1"),
    band("blue", "B2", "B2"),
    band("green", "B3", "B3"),
    band("red", "B4", "B4"),
    band("nir", "B5", "B5"),
    band("swir1", "B6", "B6"),
    band("swir2", "B7", "B7"),
];
const TM_ETM_L1: &[BandDef] = &[
    band("blue", "B1", "B1"),
    band("green", "B2", "B2"),
    band("red", "B3", "B3"),
    band("nir", "B4", "B4"),
    band("swir1", "B5", "B5"),
    band("swir2", "B7", "B7"),
];
const S1_GRD: &[BandDef] = &[band("vv", "VV", "VV"), band("vh", "VH", "VH")];

/// What a preset needs beyond its name.
#[derive(Debug, Clone, Default)]
pub struct PresetOptions {
    /// Sentinel-2 processing baseline (`"05.09"`), used when no MTD XML is found.
    pub processing_baseline: Option<String>,
    /// Sentinel-1: `"db"` or `"linear"`.
    pub backscatter: Option<String>,
}

impl Sensor {
    pub const ALL: [Sensor; 9] = [
        Sensor::Sentinel2L2a,
        Sensor::Sentinel2L1c,
        Sensor::Landsat89C2L2,
        Sensor::Landsat7C2L2,
        Sensor::Landsat45C2L2,
        Sensor::Landsat89L1,
        Sensor::Landsat7L1,
        Sensor::Landsat45L1,
        Sensor::Sentinel1Grd,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Sensor::Sentinel2L2a => "sentinel-2-l2a",
            Sensor::Sentinel2L1c => "sentinel-2-l1c",
            Sensor::Landsat89C2L2 => "landsat-8-9-c2-l2",
            Sensor::Landsat7C2L2 => "landsat-7-c2-l2",
            Sensor::Landsat45C2L2 => "landsat-4-5-c2-l2",
            Sensor::Landsat89L1 => "landsat-8-9-l1",
            Sensor::Landsat7L1 => "landsat-7-l1",
            Sensor::Landsat45L1 => "landsat-4-5-l1",
            Sensor::Sentinel1Grd => "sentinel-1-grd",
        }
    }

    pub fn from_name(name: &str) -> Option<Sensor> {
        Sensor::ALL
            .into_iter()
            .find(|s| s.name().eq_ignore_ascii_case(name))
    }

    fn bands(self) -> Vec<&'static BandDef> {
        let table: &'static [BandDef] = match self {
            Sensor::Sentinel2L2a | Sensor::Sentinel2L1c => S2,
            Sensor::Landsat89C2L2 => OLI_C2L2,
            Sensor::Landsat7C2L2 | Sensor::Landsat45C2L2 => TM_ETM_C2L2,
            Sensor::Landsat89L1 => OLI_L1,
            Sensor::Landsat7L1 | Sensor::Landsat45L1 => TM_ETM_L1,
            Sensor::Sentinel1Grd => S1_GRD,
        };
        let absent = match self {
            Sensor::Sentinel2L2a => "B10",
            Sensor::Sentinel2L1c => "SCL",
            _ => "",
        };
        table
            .iter()
            .filter(|b| b.id != absent && b.file_token != absent)
            .collect()
    }

    /// The quality band the preset's mask rules read (`scl`, `qa_pixel`), if it has one.
    pub fn quality_band(self) -> Option<&'static str> {
        self.bands()
            .iter()
            .find(|b| b.kind == Kind::Quality)
            .map(|b| b.common)
    }

    fn is_sentinel2(self) -> bool {
        matches!(self, Sensor::Sentinel2L2a | Sensor::Sentinel2L1c)
    }

    /// Raw value of missing pixels.
    fn nodata(self, def: &BandDef) -> Option<f64> {
        match (self, def.kind) {
            (Sensor::Sentinel1Grd, _) => Some(0.0),
            // QA_PIXEL fill is bit 0 (value 1); SCL 0 is "no data" — both left to the mask rules.
            (_, Kind::Quality) => None,
            _ => Some(0.0),
        }
    }

    /// The stacked-file layout: the measurement bands in the preset's order.
    fn stack(self) -> StackLayout {
        let measures: Vec<&BandDef> = self
            .bands()
            .into_iter()
            .filter(|b| b.kind == Kind::Measure)
            .collect();
        StackLayout {
            sensor: self.name(),
            count: measures.len(),
            order: measures
                .iter()
                .map(|b| b.common)
                .collect::<Vec<_>>()
                .join(", "),
        }
    }

    /// Bands of a stacked file (`file = …` with `sensor = …`): band n is the preset's n-th
    /// measurement band. Quality bands are never stacked.
    pub fn stacked(
        self,
        file: &str,
        options: &PresetOptions,
    ) -> Result<Vec<(String, BandSource)>, CatalogError> {
        let stack = self.stack();
        let mut out = Vec::new();
        let measures = self.bands().into_iter().filter(|b| b.kind == Kind::Measure);
        for (i, def) in measures.enumerate() {
            let mut source = self.source(def, file, i + 1, options, None)?;
            source.stack = Some(stack.clone());
            push_named(&mut out, def, source);
        }
        Ok(out)
    }

    /// Bands found as files under `dir` (a `.SAFE` folder, a Landsat product folder, a folder
    /// of per-band COGs). Bands without a file are left out; two candidates for one band at
    /// the same resolution are an error.
    pub fn in_folder(
        self,
        dir: &Path,
        options: &PresetOptions,
    ) -> Result<Vec<(String, BandSource)>, CatalogError> {
        if !dir.is_dir() {
            return Err(CatalogError::NotAFolder { path: dir.into() });
        }
        let mut files = Vec::new();
        collect_rasters(dir, 0, &mut files);
        let metadata = if self.is_sentinel2() {
            Sentinel2Metadata::find(dir)?
        } else {
            None
        };
        let mut out = Vec::new();
        for def in self.bands() {
            let Some(file) = pick(def, &files, dir)? else {
                continue;
            };
            let location = file.to_string_lossy().into_owned();
            let source = self.source(def, &location, 1, options, metadata.as_ref())?;
            push_named(&mut out, def, source);
        }
        if out.is_empty() {
            return Err(CatalogError::Files {
                problem: format!(
                    "no band files of a {} product under {}; expected names ending in {}",
                    self.name(),
                    dir.display(),
                    self.bands()
                        .iter()
                        .map(|b| b.file_token)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
        }
        Ok(out)
    }

    /// The preset's band that `text` names, leniently (`b8` and `B08` are `B08`), as
    /// (common name, sensor name): a hint when `text` was given as a file.
    pub fn band_named(self, text: &str) -> Option<(&'static str, &'static str)> {
        let key = |s: &str| s.to_ascii_uppercase().replacen("B0", "B", 1);
        let wanted = key(text);
        self.bands()
            .into_iter()
            .find(|d| key(d.id) == wanted || key(d.common) == wanted)
            .map(|d| (d.common, d.id))
    }

    /// The preset's band called `name` (its common or sensor name, any case).
    pub(super) fn band_def(self, name: &str) -> Option<&'static BandDef> {
        self.bands()
            .into_iter()
            .find(|d| d.common.eq_ignore_ascii_case(name) || d.id.eq_ignore_ascii_case(name))
    }

    /// The STAC `eo` common name of a band, where it differs from the preset's: SWIR 1.6 and
    /// 2.2 µm are `swir16`/`swir22`, and Landsat's NIR (0.85 µm) is `nir08`.
    pub(super) fn stac_common_name(self, def: &BandDef) -> Option<&'static str> {
        match (def.common, self.is_sentinel2()) {
            ("swir1", _) => Some("swir16"),
            ("swir2", _) => Some("swir22"),
            ("nir", false) if self != Sensor::Sentinel1Grd => Some("nir08"),
            _ => None,
        }
    }

    /// Whether the preset's sensor flies on `mission` (see the STAC `platform` of an item:
    /// `sentinel-2`, `landsat-8-9`, `landsat-7`, `landsat-4-5`, `sentinel-1`).
    pub(super) fn flies_on(self, mission: &str) -> bool {
        let expected = match self {
            Sensor::Sentinel2L2a | Sensor::Sentinel2L1c => "sentinel-2",
            Sensor::Landsat89C2L2 | Sensor::Landsat89L1 => "landsat-8-9",
            Sensor::Landsat7C2L2 | Sensor::Landsat7L1 => "landsat-7",
            Sensor::Landsat45C2L2 | Sensor::Landsat45L1 => "landsat-4-5",
            Sensor::Sentinel1Grd => "sentinel-1",
        };
        mission == expected
    }

    /// Band `def` read from band `band` of `location` (an asset of a catalogue item), with
    /// the preset's nodata, scale, offset and units.
    pub(super) fn band_source(
        self,
        def: &BandDef,
        location: &str,
        band: usize,
        options: &PresetOptions,
    ) -> Result<BandSource, CatalogError> {
        self.source(def, location, band, options, None)
    }

    /// A band mapped by hand (`nir = "…_B08.jp2"`) in a scene with this preset: read with the
    /// preset's nodata, scale, offset and units — those of the preset's band of that name
    /// (common or sensor name), else of its measurement bands — so it means what the preset's
    /// own bands mean. `dir` is the scene's product folder, whose MTD XML gives Sentinel-2's
    /// offset.
    pub fn hand_mapped(
        self,
        name: &str,
        location: &str,
        band: usize,
        dir: Option<&Path>,
        options: &PresetOptions,
    ) -> Result<BandSource, CatalogError> {
        let bands = self.bands();
        let def = bands
            .iter()
            .find(|d| d.common.eq_ignore_ascii_case(name) || d.id.eq_ignore_ascii_case(name))
            .or_else(|| bands.iter().find(|d| d.kind == Kind::Measure))
            .ok_or_else(|| CatalogError::Option {
                problem: format!("{} has no measurement bands", self.name()),
            })?;
        let metadata = match dir {
            Some(dir) if self.is_sentinel2() && dir.is_dir() => Sentinel2Metadata::find(dir)?,
            _ => None,
        };
        self.source(def, location, band, options, metadata.as_ref())
    }

    fn source(
        self,
        def: &BandDef,
        location: &str,
        band: usize,
        options: &PresetOptions,
        metadata: Option<&Sentinel2Metadata>,
    ) -> Result<BandSource, CatalogError> {
        let mut source = BandSource::new(location, band);
        source.nodata = self.nodata(def);
        if def.kind == Kind::Quality {
            source.encoding = Encoding::Categorical;
            return Ok(source);
        }
        match self {
            Sensor::Sentinel2L2a | Sensor::Sentinel2L1c => {
                let (quantification, offset) = match metadata {
                    Some(m) => (m.quantification, m.offset_of(def.id)),
                    None => (10000.0, sentinel2_offset(options)?),
                };
                source.scale = 1.0 / quantification;
                source.offset = offset / quantification;
            }
            Sensor::Landsat89C2L2 | Sensor::Landsat7C2L2 | Sensor::Landsat45C2L2 => {
                source.scale = 0.0000275;
                source.offset = -0.2;
            }
            Sensor::Landsat89L1 | Sensor::Landsat7L1 | Sensor::Landsat45L1 => {}
            Sensor::Sentinel1Grd => {
                source.backscatter = true;
                source.encoding = match options.backscatter.as_deref() {
                    Some("db" | "dB" | "DB") => Encoding::Decibels,
                    Some("linear") => Encoding::Linear,
                    other => {
                        return Err(CatalogError::Option { problem: format!(
                            "sentinel-1-grd needs `backscatter = \"db\"` or `\"linear\"` (the σ⁰ units of the files){}",
                            other.map(|o| format!(", not `{o}`")).unwrap_or_default()
                        )})
                    }
                };
            }
        }
        Ok(source)
    }
}

/// Registers a band under its common name and, when different, the sensor's own name.
fn push_named(out: &mut Vec<(String, BandSource)>, def: &BandDef, source: BandSource) {
    if def.id != def.common {
        out.push((def.id.to_string(), source.clone()));
    }
    out.push((def.common.to_string(), source));
}
