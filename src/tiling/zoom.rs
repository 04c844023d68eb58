//! Zoom levels: ranges given by analysts and the automatic choice gdal2tiles makes.

use super::resolution;

/// Highest zoom level handled (gdal2tiles' MAXZOOMLEVEL is 32; beyond 30 tile indices overflow
/// common clients).
pub const MAX_ZOOM: u8 = 30;

/// An inclusive range of zoom levels, `min <= max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct ZoomRange {
    pub min: u8,
    pub max: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ZoomRangeError {
    #[error("`{0}` is not a zoom range; write `MIN-MAX` (e.g. `10-14`) or one zoom level")]
    Syntax(String),
    #[error("zoom range {min}-{max} is empty: the minimum is above the maximum")]
    Empty { min: u8, max: u8 },
    #[error("zoom level {0} is above the highest supported zoom {MAX_ZOOM}")]
    TooDeep(u8),
}

impl ZoomRange {
    pub fn new(min: u8, max: u8) -> Result<Self, ZoomRangeError> {
        if min > max {
            return Err(ZoomRangeError::Empty { min, max });
        }
        if max > MAX_ZOOM {
            return Err(ZoomRangeError::TooDeep(max));
        }
        Ok(Self { min, max })
    }

    /// Parses `"10-14"` or `"12"`.
    pub fn parse(text: &str) -> Result<Self, ZoomRangeError> {
        let syntax = || ZoomRangeError::Syntax(text.to_string());
        let level = |s: &str| s.trim().parse::<u8>().map_err(|_| syntax());
        match text.split_once('-') {
            Some((a, b)) => Self::new(level(a)?, level(b)?),
            None => {
                let z = level(text)?;
                Self::new(z, z)
            }
        }
    }

    /// The range gdal2tiles picks for a raster already warped to EPSG:3857 with square pixels of
    /// `pixel_size` metres and `width` × `height` pixels: the maximum zoom is the deepest whose
    /// resolution is not finer than the raster's, the minimum the one where the raster fits
    /// one tile.
    pub fn auto(pixel_size: f64, width: usize, height: usize, tile_size: u32) -> Self {
        let extent = pixel_size * width.max(height) as f64 / f64::from(tile_size);
        let min = zoom_for_pixel_size(extent, tile_size);
        let max = zoom_for_pixel_size(pixel_size, tile_size).max(min);
        Self { min, max }
    }

    /// The range for a change between scenes: the deepest zoom of the coarser scene's
    /// `pixel_size` (a change map is no sharper than its coarser input), the shallowest where
    /// an `extent` metres wide fits one tile, never deeper than the deepest — even when the
    /// common area is smaller than one of the coarser scene's pixels.
    pub fn auto_for_change(pixel_size: f64, extent: f64, tile_size: u32) -> Self {
        let max = zoom_for_pixel_size(pixel_size, tile_size);
        let min = zoom_for_pixel_size(extent / f64::from(tile_size), tile_size).min(max);
        Self { min, max }
    }
}

impl std::fmt::Display for ZoomRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", self.min, self.max)
    }
}

/// gdal2tiles' `ZoomForPixelSize`: the deepest zoom whose resolution is not finer than
/// `pixel_size` metres ("we don't want to scale up").
pub fn zoom_for_pixel_size(pixel_size: f64, tile_size: u32) -> u8 {
    for zoom in 0..=MAX_ZOOM {
        if pixel_size > resolution(zoom, tile_size) {
            return zoom.saturating_sub(1);
        }
    }
    MAX_ZOOM
}
