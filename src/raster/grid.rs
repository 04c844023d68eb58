//! Product grids chosen by the pipeline (`[product.grid] crs = …, resolution = …`): the area a
//! product covers, in another CRS, at a chosen resolution.

use gdal::spatial_ref::{AxisMappingStrategy, CoordTransform, SpatialRef};
use geo::Rect;

use super::{footprint, Grid, RasterError};

/// Checks that GDAL understands `crs` (`EPSG:3035`, a WKT, a PROJ string).
pub fn check_crs(crs: &str) -> Result<(), RasterError> {
    SpatialRef::from_definition(crs)
        .map(|_| ())
        .map_err(|e| RasterError::UnknownCrs {
            crs: crs.into(),
            message: e.to_string(),
        })
}

impl Grid {
    /// This grid grown, on its own pixel lattice, to hold `other` (a raster of a mosaic, in
    /// any CRS): the product grid of a mosaic is its first raster's, over all of them.
    pub fn extended_over(&self, other: &Grid, location: &str) -> Result<Grid, RasterError> {
        let fail = |message: String| RasterError::Reproject {
            location: location.to_string(),
            message,
        };
        let srs = |wkt: &str| -> Result<SpatialRef, RasterError> {
            let mut s = SpatialRef::from_wkt(wkt).map_err(|e| fail(e.to_string()))?;
            s.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
            Ok(s)
        };
        let g = other.geo_transform;
        let corners = [
            (g[0], g[3]),
            (
                g[0] + g[1] * other.width as f64,
                g[3] + g[4] * other.width as f64,
            ),
            (
                g[0] + g[2] * other.height as f64,
                g[3] + g[5] * other.height as f64,
            ),
            (
                g[0] + g[1] * other.width as f64 + g[2] * other.height as f64,
                g[3] + g[4] * other.width as f64 + g[5] * other.height as f64,
            ),
        ];
        let xs = corners.map(|c| c.0);
        let ys = corners.map(|c| c.1);
        let fold = |v: [f64; 4], f: fn(f64, f64) -> f64, start: f64| v.into_iter().fold(start, f);
        let bounds = [
            fold(xs, f64::min, f64::INFINITY),
            fold(ys, f64::min, f64::INFINITY),
            fold(xs, f64::max, f64::NEG_INFINITY),
            fold(ys, f64::max, f64::NEG_INFINITY),
        ];
        let [min_x, min_y, max_x, max_y] = if other.wkt == self.wkt {
            bounds
        } else {
            let transform = CoordTransform::new(&srs(&other.wkt)?, &srs(&self.wkt)?)
                .map_err(|e| fail(e.to_string()))?;
            transform
                .transform_bounds(&bounds, 21)
                .map_err(|e| fail(e.to_string()))?
        };
        // On this grid's lattice (a north-up grid: rotation terms are zero).
        let t = self.geo_transform;
        let (dx, dy) = (t[1], -t[5]);
        let (x0, y0) = (t[0], t[3]);
        let (x1, y1) = (x0 + dx * self.width as f64, y0 - dy * self.height as f64);
        let left = ((x0 - min_x) / dx).ceil().max(0.0);
        let right = ((max_x - x1) / dx).ceil().max(0.0);
        let top = ((max_y - y0) / dy).ceil().max(0.0);
        let bottom = ((y1 - min_y) / dy).ceil().max(0.0);
        let mut grown = self.clone();
        grown.geo_transform[0] = x0 - left * dx;
        grown.geo_transform[3] = y0 + top * dy;
        grown.width = self.width + (left + right) as usize;
        grown.height = self.height + (top + bottom) as usize;
        Ok(grown)
    }

    /// The part of this grid, on its lattice, that holds `lon_lat` (`[west, south, east,
    /// north]`, degrees: an area of interest), so the product rasters cover the area rather
    /// than the whole scene; `None` when they do not meet.
    pub fn cropped_to(&self, lon_lat: [f64; 4]) -> Result<Option<Grid>, RasterError> {
        let [min_x, min_y, max_x, max_y] =
            footprint::from_wgs84(&self.wkt, lon_lat).map_err(|e| RasterError::Reproject {
                location: "the area of interest".into(),
                message: e.0,
            })?;
        let t = self.geo_transform;
        let (dx, dy) = (t[1], -t[5]);
        let (w, h) = (self.width as f64, self.height as f64);
        let col0 = ((min_x - t[0]) / dx).floor().clamp(0.0, w);
        let col1 = ((max_x - t[0]) / dx).ceil().clamp(0.0, w);
        let row0 = ((t[3] - max_y) / dy).floor().clamp(0.0, h);
        let row1 = ((t[3] - min_y) / dy).ceil().clamp(0.0, h);
        if col1 <= col0 || row1 <= row0 {
            return Ok(None);
        }
        let mut cropped = self.clone();
        cropped.geo_transform[0] = t[0] + col0 * dx;
        cropped.geo_transform[3] = t[3] - row0 * dy;
        cropped.width = (col1 - col0) as usize;
        cropped.height = (row1 - row0) as usize;
        Ok(Some(cropped))
    }

    /// The grid in `crs` with square `resolution` pixels covering `bounds` (EPSG:3857 metres),
    /// its corners snapped outward to multiples of the resolution (as `gdalwarp -tap`), so
    /// grids of different runs line up.
    pub fn covering(bounds: Rect<f64>, crs: &str, resolution: f64) -> Result<Grid, RasterError> {
        let fail = |message: String| RasterError::Reproject {
            location: format!("the product grid ({crs})"),
            message,
        };
        let mut target = SpatialRef::from_definition(crs).map_err(|e| fail(e.to_string()))?;
        target.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
        let mut source =
            SpatialRef::from_definition(footprint::web_mercator_wkt().map_err(|e| fail(e.0))?)
                .map_err(|e| fail(e.to_string()))?;
        source.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
        let transform = CoordTransform::new(&source, &target).map_err(|e| fail(e.to_string()))?;
        let [min_x, min_y, max_x, max_y] = transform
            .transform_bounds(
                &[
                    bounds.min().x,
                    bounds.min().y,
                    bounds.max().x,
                    bounds.max().y,
                ],
                21,
            )
            .map_err(|e| fail(e.to_string()))?;
        let (x0, y0) = (
            (min_x / resolution).floor() * resolution,
            (min_y / resolution).floor() * resolution,
        );
        let (x1, y1) = (
            (max_x / resolution).ceil() * resolution,
            (max_y / resolution).ceil() * resolution,
        );
        let width = ((x1 - x0) / resolution).round() as usize;
        let height = ((y1 - y0) / resolution).round() as usize;
        if width == 0 || height == 0 {
            return Err(fail("the area is empty at this resolution".into()));
        }
        Ok(Grid {
            wkt: target.to_wkt().map_err(|e| fail(e.to_string()))?,
            epsg: target.auth_code().ok().and_then(|c| u32::try_from(c).ok()),
            geo_transform: [x0, resolution, 0.0, y1, 0.0, -resolution],
            width,
            height,
        })
    }
}
