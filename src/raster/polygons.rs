//! Class polygons in WGS 84: the pixel-corner rings of [`crate::compute::polygonize`] moved
//! through the product grid's geotransform and PROJ to longitude/latitude, wound as RFC 7946
//! asks (exterior rings counter-clockwise, holes clockwise), with each polygon's true area: the
//! sum of its pixels' geodesic areas ([`super::PixelAreas`]), the same as `stats.json`'s.
//!
//! The outlines are the pixel edges, not simplified: simplifying each polygon on its own moves
//! the edge it shares with its neighbour differently in each, so neighbours overlap and leave
//! gaps. Vertices are only where the outline turns, which changes no shape.

use gdal::spatial_ref::CoordTransform;
use gdal::vector::{
    Feature, FieldValue, LayerAccess, LayerOptions, OGRFieldType, OGRwkbGeometryType, ToGdal,
};
use gdal::{Dataset, DriverManager};
use geo::orient::{Direction, Orient};
use geo::{Coord, LineString, Polygon};

use super::{Grid, RasterError};
use crate::compute::polygonize::{Corner, PixelPolygon};

/// One polygon of one class.
pub struct ClassPolygon {
    /// Class value as stored in the raster (1-based).
    pub value: u8,
    /// True ground area of the polygon, m².
    pub area_m2: f64,
    /// The polygon in WGS 84 lon/lat, wound as RFC 7946 asks.
    pub polygon: Polygon<f64>,
}

/// Moves pixel polygons of one grid to WGS 84 (one per worker thread: PROJ's transform is
/// not shared between threads).
pub struct ToLonLat {
    geo_transform: [f64; 6],
    transform: CoordTransform,
}

fn reproject(e: impl std::fmt::Display) -> RasterError {
    RasterError::Reproject {
        location: "the class polygons".into(),
        message: e.to_string(),
    }
}

impl ToLonLat {
    pub fn new(grid: &Grid) -> Result<ToLonLat, RasterError> {
        Ok(ToLonLat {
            geo_transform: grid.geo_transform,
            transform: super::footprint::to_wgs84(&grid.wkt).map_err(reproject)?,
        })
    }

    fn ring(&self, corners: &[Corner]) -> Result<LineString<f64>, RasterError> {
        let gt = self.geo_transform;
        let (mut xs, mut ys): (Vec<f64>, Vec<f64>) = corners
            .iter()
            .map(|&(c, r)| {
                let (c, r) = (f64::from(c), f64::from(r));
                (gt[0] + c * gt[1] + r * gt[2], gt[3] + c * gt[4] + r * gt[5])
            })
            .unzip();
        let mut zs = vec![0.0; xs.len()];
        self.transform
            .transform_coords(&mut xs, &mut ys, &mut zs)
            .map_err(reproject)?;
        let mut points: Vec<Coord<f64>> = (xs.into_iter().zip(ys))
            .map(|(x, y)| Coord { x, y })
            .collect();
        if let Some(&first) = points.first() {
            points.push(first);
        }
        Ok(LineString::new(points))
    }

    /// The patch in lon/lat with its true area.
    pub fn polygon(&self, patch: &PixelPolygon) -> Result<ClassPolygon, RasterError> {
        let exterior = self.ring(&patch.exterior)?;
        let holes = (patch.holes.iter())
            .map(|h| self.ring(h))
            .collect::<Result<Vec<_>, _>>()?;
        let polygon = Polygon::new(exterior, holes).orient(Direction::Default);
        Ok(ClassPolygon {
            value: patch.class,
            area_m2: patch.area,
            polygon,
        })
    }
}

/// `polygons.fgb`: the class polygons as FlatGeobuf (GDAL's driver, with its packed Hilbert
/// R-tree, so clients such as QGIS and OpenLayers read only the features of a window), in
/// WGS 84, with the GeoJSON's properties. Features are added one at a time.
pub struct FlatGeobufWriter {
    dataset: Dataset,
    path: std::path::PathBuf,
}

impl FlatGeobufWriter {
    pub fn create(path: &std::path::Path) -> Result<FlatGeobufWriter, RasterError> {
        let fail = |e: gdal::errors::GdalError| RasterError::Write {
            path: path.display().to_string(),
            message: e.to_string(),
        };
        let driver = DriverManager::get_driver_by_name("FlatGeobuf").map_err(fail)?;
        let mut dataset = driver.create_vector_only(path).map_err(fail)?;
        let wgs84 = super::footprint::wgs84().map_err(|e| RasterError::Write {
            path: path.display().to_string(),
            message: e.0,
        })?;
        let layer = dataset
            .create_layer(LayerOptions {
                name: "polygons",
                srs: Some(&wgs84),
                ty: OGRwkbGeometryType::wkbPolygon,
                options: None,
            })
            .map_err(fail)?;
        layer
            .create_defn_fields(&[
                ("value", OGRFieldType::OFTInteger),
                ("class", OGRFieldType::OFTString),
                ("area_ha", OGRFieldType::OFTReal),
                ("area_km2", OGRFieldType::OFTReal),
            ])
            .map_err(fail)?;
        Ok(FlatGeobufWriter {
            dataset,
            path: path.to_path_buf(),
        })
    }

    fn fail(&self, e: impl std::fmt::Display) -> RasterError {
        RasterError::Write {
            path: self.path.display().to_string(),
            message: e.to_string(),
        }
    }

    /// Adds one patch of the class named `class`.
    pub fn add(&mut self, p: &ClassPolygon, class: &str) -> Result<(), RasterError> {
        let geometry = p.polygon.to_gdal().map_err(|e| self.fail(e))?;
        let layer = self.dataset.layer(0).map_err(|e| self.fail(e))?;
        let mut feature = Feature::new(layer.defn()).map_err(|e| self.fail(e))?;
        feature.set_geometry(geometry).map_err(|e| self.fail(e))?;
        let values = [
            FieldValue::IntegerValue(i32::from(p.value)),
            FieldValue::StringValue(class.to_string()),
            FieldValue::RealValue(p.area_m2 / 10_000.0),
            FieldValue::RealValue(p.area_m2 / 1_000_000.0),
        ];
        for (i, value) in values.iter().enumerate() {
            feature.set_field(i, value).map_err(|e| self.fail(e))?;
        }
        feature.create(&layer).map_err(|e| self.fail(e))
    }

    /// Writes the index and closes the file.
    pub fn finish(self) -> Result<(), RasterError> {
        let FlatGeobufWriter { dataset, path } = self;
        dataset.close().map_err(|e| RasterError::Write {
            path: path.display().to_string(),
            message: e.to_string(),
        })
    }
}
