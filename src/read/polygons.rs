//! Class polygons from a classified raster: GDAL's `GDALPolygonize` (8-connected off; pixels
//! of one value joined along edges), each polygon's true area from its unsimplified outline,
//! then Douglas–Peucker simplification (topology preserving) with a tolerance of half a pixel,
//! and the geometry in WGS 84 longitude/latitude as GeoJSON.

use gdal::spatial_ref::{AxisMappingStrategy, SpatialRef};
use gdal::vector::{LayerAccess, LayerOptions, OGRFieldType, OGRwkbGeometryType};
use gdal::{Dataset, DriverManager};
use geo::GeodesicArea;

use super::ReadError;

/// Simplification tolerance, in pixels of the classified raster.
pub const SIMPLIFY_PIXELS: f64 = 0.5;

/// One polygon of one class.
pub struct ClassPolygon {
    /// Class value as stored in the raster (1-based).
    pub value: u8,
    /// True ground area of the unsimplified polygon, m².
    pub area_m2: f64,
    /// Simplified geometry as a GeoJSON geometry object, WGS 84 lon/lat.
    pub geojson: String,
}

fn fail(path: &str) -> impl Fn(gdal::errors::GdalError) -> ReadError + '_ {
    move |e| ReadError::Write {
        path: path.to_string(),
        message: e.to_string(),
    }
}

/// Polygons of every class (value ≠ 0) of band 1 of the raster at `path`.
pub fn class_polygons(path: &std::path::Path) -> Result<Vec<ClassPolygon>, ReadError> {
    let name = path.display().to_string();
    let fail = fail(&name);
    let raster = Dataset::open(path).map_err(&fail)?;
    let band = raster.rasterband(1).map_err(&fail)?;
    let gt = raster.geo_transform().map_err(&fail)?;
    let tolerance = SIMPLIFY_PIXELS * gt[1].abs().max(gt[5].abs());
    let source_srs = raster.spatial_ref().map_err(&fail)?;
    let mut wgs84 = SpatialRef::from_epsg(4326).map_err(&fail)?;
    wgs84.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);

    let driver = DriverManager::get_driver_by_name("Memory").map_err(&fail)?;
    let mut vectors = driver.create_vector_only("").map_err(&fail)?;
    let mut layer = vectors
        .create_layer(LayerOptions {
            name: "classes",
            srs: Some(&source_srs),
            ty: OGRwkbGeometryType::wkbPolygon,
            options: None,
        })
        .map_err(&fail)?;
    layer
        .create_defn_fields(&[("value", OGRFieldType::OFTInteger)])
        .map_err(&fail)?;
    // SAFETY: band, its mask band (nodata 0 excluded) and the layer are alive for the call.
    let err = unsafe {
        let c_band = band.c_rasterband();
        gdal_sys::GDALPolygonize(
            c_band,
            gdal_sys::GDALGetMaskBand(c_band),
            layer.c_layer(),
            0,
            std::ptr::null_mut(),
            None,
            std::ptr::null_mut(),
        )
    };
    if err != gdal_sys::CPLErr::CE_None {
        return Err(ReadError::Write {
            path: name.clone(),
            message: super::footprint::last_gdal_error(),
        });
    }
    let mut out = Vec::new();
    for feature in layer.features() {
        let value = feature.field_as_integer(0).map_err(&fail)?.unwrap_or(0);
        let Some(geometry) = feature.geometry() else {
            continue;
        };
        if value <= 0 {
            continue;
        }
        let exact = geometry.transform_to(&wgs84).map_err(&fail)?;
        let area_m2 = exact.to_geo().map_err(&fail)?.geodesic_area_signed().abs();
        let simple = geometry
            .simplify_preserve_topology(tolerance)
            .and_then(|g| g.transform_to(&wgs84))
            .map_err(&fail)?;
        out.push(ClassPolygon {
            value: value as u8,
            area_m2,
            geojson: simple.json().map_err(&fail)?,
        });
    }
    Ok(out)
}
