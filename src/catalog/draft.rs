//! A scene as the pipeline file declares it: where to look for its bands, not yet looked at.
//! `spec::compile` writes these without touching a file; [`super::resolve`] reads the
//! folders and metadata files they name.

use std::collections::{BTreeMap, BTreeSet};

use super::stac::StacDraft;
use super::{PresetOptions, Sensor};
use crate::compute::reduce::Reducer;
use crate::plan::{BandSource, SceneMask};

#[derive(Debug, Clone)]
pub struct SceneDraft {
    pub name: String,
    pub datetime: Option<String>,
    /// The scene's `nodata`, over what the preset or the MTL says.
    pub nodata: Option<f64>,
    /// A sensor preset over a product folder or a band stack.
    pub preset: Option<PresetDraft>,
    /// A Landsat Level-1 MTL file: `(key, location)`.
    pub mtl: Option<(String, String)>,
    /// Bands mapped by hand, which replace the preset's and the MTL's of the same name.
    pub bands: BTreeMap<String, BandDraft>,
    pub mask: Option<SceneMask>,
    /// Several rasters with the scene's band layout, mosaicked in order.
    pub files: Option<FilesDraft>,
    /// `reduce`: the files are a composite over their acquisitions.
    pub reduce: Option<Reducer>,
    /// `stac = …`: the rasters are the items of a catalogue.
    pub stac: Option<StacDraft>,
    /// What a problem was already reported for: the whole scene (`NAME`, its preset or MTL
    /// failed) or one band (`NAME.BAND`). A band missing there is not reported again.
    pub unlisted: BTreeSet<String>,
}

/// `files = […]` or a pattern: the rasters of one acquisition, in mosaic order.
#[derive(Debug, Clone)]
pub struct FilesDraft {
    /// `scenes.NAME.files`.
    pub key: String,
    /// Locations; an entry with `*`, `?` or `[` is a glob pattern, expanded in name order.
    pub entries: Vec<FileDraft>,
}

/// One entry of `files`: a location or pattern, and the acquisition time of what it names.
#[derive(Debug, Clone)]
pub struct FileDraft {
    pub location: String,
    /// An RFC 3339 instant (checked by compile).
    pub datetime: Option<String>,
}

/// `sensor = "…"` with the `dir` or `file` it reads.
#[derive(Debug, Clone)]
pub struct PresetDraft {
    /// The key problems are reported under (`scenes.NAME.sensor`).
    pub key: String,
    pub sensor: Sensor,
    pub place: PresetPlace,
    pub options: PresetOptions,
}

#[derive(Debug, Clone)]
pub enum PresetPlace {
    /// A product folder with per-band files (`.SAFE`, a Landsat scene folder).
    Folder(String),
    /// One file with the preset's measurement bands in its order.
    Stack(String),
}

/// One band mapped by hand (`nir = 4`, `nir = "B08.jp2"`, a table).
#[derive(Debug, Clone)]
pub struct BandDraft {
    /// `scenes.NAME.bands.BAND`.
    pub key: String,
    /// Read from the scene's `file`, or from each of its `files` (not from a file of its own).
    pub per_file: bool,
    /// The band is the one its file describes so (`source.band` is 0 until it is found).
    pub description: Option<String>,
    /// The file as the pipeline writes it, for the hint when it names a preset band instead.
    pub written: String,
    /// Location, band number, nodata and encoding as given; scale and offset as given, unless
    /// `preset` supplies them.
    pub source: BandSource,
    /// The scene's sensor preset, if it names one: a file that is not there but a preset band
    /// name is a slip, said as such.
    pub preset: Option<Sensor>,
    /// Set when the band gives no scale or offset beside a preset, which then supplies them
    /// (and its units) from the scene's product folder.
    pub preset_scaling: Option<PresetScaling>,
}

#[derive(Debug, Clone)]
pub struct PresetScaling {
    /// The scene's `dir`, whose Sentinel-2 MTD XML gives the offset.
    pub dir: Option<String>,
    pub options: PresetOptions,
}
