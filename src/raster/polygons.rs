//! Class polygons from a classified raster: GDAL's `GDALPolygonize` (8-connected off; pixels
//! of one value joined along edges), each polygon's true area from its outline, and the
//! geometry in WGS 84 longitude/latitude as GeoJSON (RFC 7946: exterior rings
//! counter-clockwise, holes clockwise).
//!
//! The outlines are the pixel edges, not simplified: simplifying each polygon on its own moves
//! the edge it shares with its neighbour differently in each, so neighbours overlap and leave
//! gaps. Only vertices in the middle of a straight run of pixel edges are dropped, which
//! changes no shape.

use gdal::spatial_ref::{AxisMappingStrategy, CoordTransform, SpatialRef};
use gdal::vector::{LayerAccess, LayerOptions, OGRFieldType, OGRwkbGeometryType, ToGdal};
use gdal::{Dataset, DriverManager};
use geo::orient::{Direction, Orient};
use geo::{Coord, GeodesicArea, LineString, Polygon};

use super::RasterError;

/// One polygon of one class.
pub struct ClassPolygon {
    /// Class value as stored in the raster (1-based).
    pub value: u8,
    /// True ground area of the polygon, m².
    pub area_m2: f64,
    /// The polygon in WGS 84 lon/lat, wound as RFC 7946 asks.
    pub polygon: Polygon<f64>,
}

fn fail(path: &str) -> impl Fn(gdal::errors::GdalError) -> RasterError + '_ {
    move |e| RasterError::Write {
        path: path.to_string(),
        message: e.to_string(),
    }
}

/// Polygons of every class (value ≠ 0) of band 1 of the raster at `path`; a non-zero `stop`
/// (a signal's number) ends GDAL's polygonize at its next progress report.
pub fn class_polygons(
    path: &std::path::Path,
    stop: &std::sync::atomic::AtomicUsize,
) -> Result<Vec<ClassPolygon>, RasterError> {
    let name = path.display().to_string();
    let fail = fail(&name);
    let raster = Dataset::open(path).map_err(&fail)?;
    let band = raster.rasterband(1).map_err(&fail)?;
    let mut source_srs = raster.spatial_ref().map_err(&fail)?;
    source_srs.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
    let mut wgs84 = SpatialRef::from_epsg(4326).map_err(&fail)?;
    wgs84.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
    let to_wgs84 = CoordTransform::new(&source_srs, &wgs84).map_err(&fail)?;

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
    // SAFETY: band, its mask band (nodata 0 excluded), the layer and `stop` are alive for the
    // call.
    let err = unsafe {
        let c_band = band.c_rasterband();
        gdal_sys::GDALPolygonize(
            c_band,
            gdal_sys::GDALGetMaskBand(c_band),
            layer.c_layer(),
            0,
            std::ptr::null_mut(),
            Some(super::warp::continue_unless_stopped),
            stop as *const std::sync::atomic::AtomicUsize as *mut std::ffi::c_void,
        )
    };
    if err != gdal_sys::CPLErr::CE_None {
        return Err(RasterError::Write {
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
        let geo::Geometry::Polygon(outline) = geometry.to_geo().map_err(&fail)? else {
            continue;
        };
        let outline = without_straight_run_vertices(&outline);
        let lon_lat = outline
            .to_gdal()
            .and_then(|g| g.transform(&to_wgs84))
            .and_then(|g| g.to_geo())
            .map_err(&fail)?;
        let geo::Geometry::Polygon(polygon) = lon_lat else {
            continue;
        };
        let polygon = polygon.orient(Direction::Default);
        out.push(ClassPolygon {
            value: value as u8,
            area_m2: polygon.geodesic_area_signed().abs(),
            polygon,
        });
    }
    Ok(out)
}

/// The polygon with every vertex in the middle of a straight run removed (exactly collinear
/// with its neighbours: pixel edges along one row or column share a coordinate exactly).
fn without_straight_run_vertices(polygon: &Polygon<f64>) -> Polygon<f64> {
    let ring = |line: &LineString<f64>| {
        let mut points: Vec<Coord<f64>> = line.0.clone();
        if points.len() > 1 && points.first() == points.last() {
            points.pop();
        }
        let n = points.len();
        if n < 4 {
            return line.clone();
        }
        let straight = |i: usize| {
            let (a, b, c) = (points[(i + n - 1) % n], points[i], points[(i + 1) % n]);
            (b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x) == 0.0
        };
        let mut kept: Vec<Coord<f64>> = (0..n)
            .filter(|&i| !straight(i))
            .map(|i| points[i])
            .collect();
        if kept.len() < 3 {
            return line.clone();
        }
        kept.push(kept[0]);
        LineString::new(kept)
    };
    Polygon::new(
        ring(polygon.exterior()),
        polygon.interiors().iter().map(ring).collect(),
    )
}
