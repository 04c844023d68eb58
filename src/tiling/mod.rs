//! Web Mercator (EPSG:3857) tile maths: the one place that knows the XYZ grid.
//!
//! The grid is gdal2tiles' `--xyz` grid: square tiles of `tile_size` pixels, zoom 0 is one
//! tile covering the whole world, `x` grows east and `y` grows south (from the top). Ranges
//! per zoom follow gdal2tiles' `GlobalMercator.MetersToTile`, so a bound exactly on a tile
//! edge belongs to the tile below/left of it, as there.

mod shard;
mod zoom;

pub use shard::{InvalidShard, Shard, ShardPlan, ROOTS_PER_SHARD};
pub use zoom::{zoom_for_pixel_size, ZoomRange, ZoomRangeError, MAX_ZOOM};

use geo::{coord, Rect};

/// Half the Web Mercator world width in metres: π · 6378137.
pub const ORIGIN_SHIFT: f64 = std::f64::consts::PI * 6_378_137.0;

/// A tile of the XYZ grid, `y` counted from the top (north).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TileId {
    pub z: u8,
    pub x: u32,
    pub y: u32,
}

impl TileId {
    pub fn new(z: u8, x: u32, y: u32) -> Self {
        Self { z, x, y }
    }

    /// The four tiles of the next zoom covering this one, in row-major order
    /// (north-west, north-east, south-west, south-east).
    pub fn children(self) -> [TileId; 4] {
        let (z, x, y) = (self.z + 1, self.x * 2, self.y * 2);
        [
            TileId::new(z, x, y),
            TileId::new(z, x + 1, y),
            TileId::new(z, x, y + 1),
            TileId::new(z, x + 1, y + 1),
        ]
    }
}

impl std::fmt::Display for TileId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}/{}", self.z, self.x, self.y)
    }
}

/// Metres per pixel at the equator for a zoom level.
pub fn resolution(zoom: u8, tile_size: u32) -> f64 {
    2.0 * ORIGIN_SHIFT / (f64::from(tile_size) * 2f64.powi(i32::from(zoom)))
}

/// Bounds of a tile in EPSG:3857 metres.
pub fn tile_bounds(tile: TileId, tile_size: u32) -> Rect<f64> {
    let span = 2.0 * ORIGIN_SHIFT / 2f64.powi(i32::from(tile.z));
    let min_x = -ORIGIN_SHIFT + f64::from(tile.x) * span;
    let max_y = ORIGIN_SHIFT - f64::from(tile.y) * span;
    let _ = tile_size; // the extent of a tile does not depend on its pixel count
    Rect::new(
        coord! { x: min_x, y: max_y - span },
        coord! { x: min_x + span, y: max_y },
    )
}

/// GDAL-style geotransform of a tile: origin at its north-west corner, square pixels.
pub fn tile_geo_transform(tile: TileId, tile_size: u32) -> [f64; 6] {
    let b = tile_bounds(tile, tile_size);
    let res = resolution(tile.z, tile_size);
    [b.min().x, res, 0.0, b.max().y, 0.0, -res]
}

/// Inclusive tile index ranges of one zoom level. Across the antimeridian the columns wrap:
/// `min_x > max_x` means the columns `min_x` to the last, then `0` to `max_x`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TileRange {
    pub z: u8,
    pub min_x: u32,
    pub max_x: u32,
    pub min_y: u32,
    pub max_y: u32,
}

impl TileRange {
    /// The tiles covering `bounds` (EPSG:3857 metres) at `zoom`, exactly as gdal2tiles computes
    /// its `tminmax` table, with `y` flipped to XYZ. `None` when the bounds lie outside the world.
    /// Bounds whose east edge passes π·R (across the antimeridian) wrap their columns.
    pub fn covering(bounds: Rect<f64>, zoom: u8, tile_size: u32) -> Option<TileRange> {
        let res = resolution(zoom, tile_size);
        let size = f64::from(tile_size);
        // gdal2tiles: PixelsToTile(px) = int(ceil(px / tile_size) - 1), on TMS pixel rows.
        let to_tile = |m: f64| ((m + ORIGIN_SHIFT) / res / size).ceil() as i64 - 1;
        let last = (1i64 << zoom) - 1;
        let mut tmin_x = to_tile(bounds.min().x).max(0);
        let tmin_y = to_tile(bounds.min().y).max(0);
        let mut tmax_x = to_tile(bounds.max().x).min(last);
        let tmax_y = to_tile(bounds.max().y).min(last);
        if bounds.max().x > ORIGIN_SHIFT {
            // Columns past the last are the world's first ones again; where the two ends meet,
            // every column.
            let wrapped = to_tile(bounds.max().x - 2.0 * ORIGIN_SHIFT);
            if wrapped + 1 >= tmin_x {
                (tmin_x, tmax_x) = (0, last);
            } else {
                tmax_x = wrapped;
            }
            if tmin_x > last || tmin_y > tmax_y {
                return None;
            }
        } else if tmin_x > tmax_x || tmin_y > tmax_y {
            return None;
        }
        // TMS rows count from the south; XYZ rows from the north.
        Some(TileRange {
            z: zoom,
            min_x: tmin_x as u32,
            max_x: tmax_x as u32,
            min_y: (last - tmax_y) as u32,
            max_y: (last - tmin_y) as u32,
        })
    }

    /// Whether the columns wrap around the antimeridian.
    pub fn wraps(&self) -> bool {
        self.min_x > self.max_x
    }

    /// The range's columns as one or two inclusive spans.
    fn column_spans(&self) -> [(u32, u32); 2] {
        if self.wraps() {
            let last = ((1u64 << self.z) - 1) as u32;
            [(self.min_x, last), (0, self.max_x)]
        } else {
            // The second span is empty (start after end).
            [(self.min_x, self.max_x), (1, 0)]
        }
    }

    fn width(&self) -> u64 {
        (self.column_spans().iter())
            .map(|&(a, b)| if a <= b { u64::from(b - a) + 1 } else { 0 })
            .sum()
    }

    pub fn contains(&self, tile: TileId) -> bool {
        tile.z == self.z
            && self
                .column_spans()
                .iter()
                .any(|&(a, b)| (a..=b).contains(&tile.x))
            && (self.min_y..=self.max_y).contains(&tile.y)
    }

    pub fn count(&self) -> u64 {
        self.width() * u64::from(self.max_y - self.min_y + 1)
    }

    /// How many tiles of this range lie under `root` (a tile of this zoom or above): 0 when
    /// `root` is deeper or does not overlap the range.
    pub fn count_under(&self, root: TileId) -> u64 {
        let Some(shift) = self.z.checked_sub(root.z) else {
            return 0;
        };
        // Indices under `from` along one axis, clipped to `lo..=hi`.
        let span = |from: u32, lo: u32, hi: u32| -> u64 {
            let a = (u64::from(from) << shift).max(u64::from(lo));
            let b = ((u64::from(from) + 1) << shift)
                .saturating_sub(1)
                .min(u64::from(hi));
            if a <= b && lo <= hi {
                b - a + 1
            } else {
                0
            }
        };
        let columns: u64 = (self.column_spans().iter())
            .map(|&(lo, hi)| span(root.x, lo, hi))
            .sum();
        columns * span(root.y, self.min_y, self.max_y)
    }

    /// The `index`-th tile of the range in row-major order (as [`TileRange::tiles`] yields
    /// them), for walking a range of any size without listing it; `index < count()`.
    pub fn tile_at(&self, index: u64) -> TileId {
        let width = self.width().max(1);
        let (dx, dy) = (index % width, index / width);
        let [(a, b), (c, _)] = self.column_spans();
        let first = u64::from(b.saturating_sub(a)) + 1;
        let x = if dx < first {
            u64::from(a) + dx
        } else {
            u64::from(c) + dx - first
        };
        TileId::new(
            self.z,
            u32::try_from(x).unwrap_or(u32::MAX),
            self.min_y
                .saturating_add(u32::try_from(dy).unwrap_or(u32::MAX)),
        )
    }

    pub fn tiles(&self) -> impl Iterator<Item = TileId> + '_ {
        let width = self.width();
        (self.min_y..=self.max_y).flat_map(move |y| {
            (0..width).map(move |dx| TileId {
                y,
                ..self.tile_at(dx)
            })
        })
    }
}

/// The tiles of every zoom in a range that cover some bounds.
#[derive(Debug, Clone, PartialEq)]
pub struct TilePyramid {
    pub bounds: Rect<f64>,
    pub tile_size: u32,
    pub ranges: Vec<TileRange>,
}

impl TilePyramid {
    pub fn new(bounds: Rect<f64>, zooms: ZoomRange, tile_size: u32) -> Self {
        let ranges = (zooms.min..=zooms.max)
            .filter_map(|z| TileRange::covering(bounds, z, tile_size))
            .collect();
        Self {
            bounds,
            tile_size,
            ranges,
        }
    }

    pub fn range(&self, zoom: u8) -> Option<&TileRange> {
        self.ranges.iter().find(|r| r.z == zoom)
    }

    pub fn min_zoom(&self) -> Option<u8> {
        self.ranges.first().map(|r| r.z)
    }

    pub fn max_zoom(&self) -> Option<u8> {
        self.ranges.last().map(|r| r.z)
    }

    /// Tiles of every zoom (at most: tiles without data are skipped); saturates rather than
    /// overflows for absurd pyramids, which the tile ceiling refuses.
    pub fn tile_count(&self) -> u64 {
        (self.ranges.iter().map(TileRange::count)).fold(0, u64::saturating_add)
    }

    /// Whether a tile is part of the pyramid.
    pub fn contains(&self, tile: TileId) -> bool {
        self.range(tile.z).is_some_and(|r| r.contains(tile))
    }
}

/// EPSG:3857 metres → WGS 84 longitude/latitude in degrees.
pub fn mercator_to_lon_lat(x: f64, y: f64) -> (f64, f64) {
    let lon = x / ORIGIN_SHIFT * 180.0;
    let lat = (2.0 * (y / 6_378_137.0).exp().atan() - std::f64::consts::FRAC_PI_2).to_degrees();
    (lon, lat)
}

/// WGS 84 bounds `[west, south, east, north]` of EPSG:3857 bounds, as TileJSON wants them.
pub fn lon_lat_bounds(bounds: Rect<f64>) -> [f64; 4] {
    let (w, s) = mercator_to_lon_lat(bounds.min().x, bounds.min().y);
    let (e, n) = mercator_to_lon_lat(bounds.max().x, bounds.max().y);
    [w, s, e, n]
}

#[cfg(test)]
mod tests;
