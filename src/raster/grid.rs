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
