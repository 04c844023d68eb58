use crate::error_kind::{reads_as_transient, ErrorKind};

#[derive(Debug, thiserror::Error)]
pub enum RasterError {
    #[error(
        "cannot open {location}: {message}; check that the file exists and is a raster GDAL reads"
    )]
    Open { location: String, message: String },
    #[error("{location} has no raster bands; give a raster file (GeoTIFF, COG, …)")]
    NotRaster { location: String },
    #[error("{location} has {count} band(s), but band `{name}` is mapped to band {band}; fix the band number")]
    MissingBand {
        location: String,
        name: String,
        band: usize,
        count: usize,
    },
    #[error("{location} has {count} band(s), but sensor `{sensor}` on a stacked file expects {expected} ({order}); map the bands by hand under [scenes.NAME.bands] or use `dir` with the per-band files")]
    StackCount {
        location: String,
        sensor: &'static str,
        expected: usize,
        order: String,
        count: usize,
    },
    #[error("{location} has no coordinate reference system; assign one (e.g. `gdal_edit.py -a_srs EPSG:32637`)")]
    NoCrs { location: String },
    #[error("{location} has no geotransform (it is not georeferenced); georeference it first")]
    NoGeoTransform { location: String },
    #[error("cannot project {location} to Web Mercator: {message}")]
    Reproject { location: String, message: String },
    #[error("the bands of scene `{scene}` do not overlap ({location} lies elsewhere); check the band files")]
    BandsDisjoint { scene: String, location: String },
    #[error("scene `{scene}` has no bands to read")]
    NoBands { scene: String },
    #[error("warping {location} into {target} failed: {message}")]
    Warp {
        location: String,
        /// `tile z/x/y` or the rows of the product grid.
        target: String,
        message: String,
    },
    #[error("writing {path} failed: {message}")]
    Write { path: String, message: String },
    #[error("GDAL does not know the CRS `{crs}`: {message}")]
    UnknownCrs { crs: String, message: String },
    #[error("scene `{scene}`: {location} lies across the antimeridian from the rest of the mosaic (or crosses it); a mosaic across 180° is not supported yet — split the scene into one per side")]
    MosaicAcrossAntimeridian { scene: String, location: String },
    #[error("the area of interest {location} is not usable: {problem}")]
    Aoi { location: String, problem: String },
    #[error("reading which pixels the area of interest covers in {target} failed: {message}")]
    AoiMask { target: String, message: String },
}

impl RasterError {
    /// What the caller can do: most raster errors name an input to fix; a remote file that
    /// could not be reached (GDAL's `/vsicurl/`, `/vsis3/`: a timeout, a refused connection,
    /// a 5xx answer) is worth retrying; a failed write of a scratch file is this machine's.
    pub fn kind(&self) -> ErrorKind {
        match self {
            RasterError::Open { message, .. }
            | RasterError::Reproject { message, .. }
            | RasterError::Warp { message, .. }
                if reads_as_transient(message) =>
            {
                ErrorKind::Transient
            }
            RasterError::Warp { .. } | RasterError::Write { .. } | RasterError::AoiMask { .. } => {
                ErrorKind::Internal
            }
            _ => ErrorKind::Input,
        }
    }
}

/// GDAL's own account of a failure (its CPLError message, or the gdal crate's error), before
/// it is told which file or tile it concerns: the callers wrap it in a [`RasterError`].
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct GdalFailure(pub String);

impl GdalFailure {
    pub fn of(error: impl std::fmt::Display) -> Self {
        GdalFailure(error.to_string())
    }
}

impl From<gdal::errors::GdalError> for GdalFailure {
    fn from(error: gdal::errors::GdalError) -> Self {
        GdalFailure::of(error)
    }
}
