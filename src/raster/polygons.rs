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
    /// The lattice cells met so far: their corners in lon/lat where interpolating within the
    /// cell is exact enough, `None` where it is not (its vertices are transformed one by one).
    cells: rustc_hash::FxHashMap<(u32, u32), Option<[[f64; 2]; 4]>>,
}

/// Pixel corners per side of a lattice cell whose corners are transformed exactly: in UTM the
/// parallels curve, so latitude strays from a straight line between two corners by about
/// 4e-9° (0.5 mm) over 32 pixels of 10 m, 1.7e-8° over 64.
const CELL: u32 = 32;
/// The largest error of an interpolated vertex allowed, in degrees: 1e-8° is about 1 mm, a
/// ten-thousandth of a 10 m pixel (RFC 7946 finds 6 decimals, 10 cm, enough).
const TOLERANCE: f64 = 1e-8;

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
            cells: Default::default(),
        })
    }

    /// Pixel positions (column, row) to lon/lat, exactly (PROJ).
    fn exact(&self, positions: &[(f64, f64)]) -> Result<Vec<[f64; 2]>, RasterError> {
        let gt = self.geo_transform;
        let (mut xs, mut ys): (Vec<f64>, Vec<f64>) = (positions.iter())
            .map(|&(c, r)| (gt[0] + c * gt[1] + r * gt[2], gt[3] + c * gt[4] + r * gt[5]))
            .unzip();
        let mut zs = vec![0.0; xs.len()];
        self.transform
            .transform_coords(&mut xs, &mut ys, &mut zs)
            .map_err(reproject)?;
        Ok(xs.into_iter().zip(ys).map(|(x, y)| [x, y]).collect())
    }

    /// Lattice cell `(i, j)`: its corners in lon/lat, when bilinear interpolation between them
    /// is within [`TOLERANCE`] of the exact transformation at the cell's centre and the middles
    /// of its edges (as GDAL's approximating transformer checks); `None` otherwise (a cell
    /// across the antimeridian, or where the projection bends).
    fn cell(&self, (i, j): (u32, u32)) -> Result<Option<[[f64; 2]; 4]>, RasterError> {
        let (c0, r0) = (f64::from(i * CELL), f64::from(j * CELL));
        let n = f64::from(CELL);
        let checks = [(0.5, 0.5), (0.5, 0.0), (0.0, 0.5), (1.0, 0.5), (0.5, 1.0)];
        let unit = [(0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (1.0, 1.0)];
        let positions: Vec<(f64, f64)> = (unit.iter().chain(&checks))
            .map(|&(u, v)| (c0 + u * n, r0 + v * n))
            .collect();
        let lonlat = self.exact(&positions)?;
        let corners = [lonlat[0], lonlat[1], lonlat[2], lonlat[3]];
        let fits = checks.iter().zip(&lonlat[4..]).all(|(&(u, v), exact)| {
            let guess = bilinear(&corners, u, v);
            (guess[0] - exact[0]).abs() <= TOLERANCE && (guess[1] - exact[1]).abs() <= TOLERANCE
        });
        Ok(fits.then_some(corners))
    }

    /// A ring of pixel corners in lon/lat, closed. Vertices are interpolated within lattice
    /// cells of [`CELL`] pixels whose corners PROJ transformed (a vertex at a time through
    /// PROJ was 4 % of a product run), to within about [`TOLERANCE`] (checked at five points
    /// of each cell, the largest error is there or near); a vertex always takes the
    /// same cell, so neighbouring polygons share their vertices exactly.
    fn ring(&mut self, corners: &[Corner]) -> Result<LineString<f64>, RasterError> {
        let mut points = Vec::with_capacity(corners.len() + 1);
        let mut exact_at = Vec::new();
        for (k, &(c, r)) in corners.iter().enumerate() {
            let key = (c / CELL, r / CELL);
            let cell = match self.cells.get(&key) {
                Some(cell) => *cell,
                None => {
                    let cell = self.cell(key)?;
                    self.cells.insert(key, cell);
                    cell
                }
            };
            let (u, v) = (
                f64::from(c - key.0 * CELL) / f64::from(CELL),
                f64::from(r - key.1 * CELL) / f64::from(CELL),
            );
            let [x, y] = match cell {
                Some(lattice) => bilinear(&lattice, u, v),
                None => {
                    exact_at.push(k);
                    [f64::NAN, f64::NAN]
                }
            };
            points.push(Coord { x, y });
        }
        if !exact_at.is_empty() {
            let positions: Vec<(f64, f64)> = (exact_at.iter())
                .map(|&k| (f64::from(corners[k].0), f64::from(corners[k].1)))
                .collect();
            for (&k, [x, y]) in exact_at.iter().zip(self.exact(&positions)?) {
                points[k] = Coord { x, y };
            }
        }
        if let Some(&first) = points.first() {
            points.push(first);
        }
        Ok(LineString::new(points))
    }

    /// The patch in lon/lat with its true area.
    pub fn polygon(&mut self, patch: &PixelPolygon) -> Result<ClassPolygon, RasterError> {
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

/// The point at (`u`, `v`) in [0, 1]² between a cell's corners (top left, top right, bottom
/// left, bottom right).
fn bilinear(corners: &[[f64; 2]; 4], u: f64, v: f64) -> [f64; 2] {
    let [a, b, c, d] = corners;
    let at = |i: usize| {
        let top = a[i] + (b[i] - a[i]) * u;
        let bottom = c[i] + (d[i] - c[i]) * u;
        top + (bottom - top) * v
    };
    [at(0), at(1)]
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

#[cfg(test)]
mod tests {
    use super::*;

    fn utm(epsg: u32, origin: (f64, f64), size: usize) -> Grid {
        let wkt = gdal::spatial_ref::SpatialRef::from_epsg(epsg)
            .and_then(|s| s.to_wkt())
            .expect("EPSG CRS");
        Grid {
            wkt,
            epsg: Some(epsg),
            geo_transform: [origin.0, 10.0, 0.0, origin.1, 0.0, -10.0],
            width: size,
            height: size,
        }
    }

    /// The largest difference, in degrees, between the ring's vertices and PROJ's exact
    /// transformation of each.
    fn worst(grid: &Grid, corners: &[Corner]) -> f64 {
        let mut to = ToLonLat::new(grid).expect("transform");
        let ring = to.ring(corners).expect("ring");
        let positions: Vec<(f64, f64)> = (corners.iter())
            .map(|&(c, r)| (f64::from(c), f64::from(r)))
            .collect();
        let exact = to.exact(&positions).expect("exact");
        assert_eq!(ring.0.len(), corners.len() + 1, "closed");
        (ring.0.iter().zip(&exact))
            .map(|(p, [x, y])| (p.x - x).abs().max((p.y - y).abs()))
            .fold(0.0, f64::max)
    }

    fn corners(size: u32, step: usize) -> Vec<Corner> {
        (0..=size)
            .step_by(step)
            .flat_map(|r| (0..=size).step_by(step).map(move |c| (c, r)))
            .collect()
    }

    #[test]
    fn interpolated_vertices_are_within_a_millimetre_of_proj() {
        // 20 km of UTM 37N in Ethiopia, and of UTM 33S near its zone's edge, at 10 m.
        for (epsg, origin) in [
            (32637, (500_000.0, 1_500_000.0)),
            (32733, (820_000.0, 8_000_000.0)),
        ] {
            let worst = worst(&utm(epsg, origin, 2000), &corners(2000, 7));
            assert!(worst <= TOLERANCE, "EPSG:{epsg}: {worst:e}°");
        }
    }

    #[test]
    fn vertices_across_the_antimeridian_are_transformed_exactly() {
        // UTM 60N from 825 km east: longitude 180° is met about 5 km in, where lon/lat
        // jumps from 180 to -180 within a lattice cell.
        let grid = utm(32660, (825_000.0, 1_000_000.0), 1000);
        let all = corners(1000, 3);
        let mut to = ToLonLat::new(&grid).expect("transform");
        let ring = to.ring(&all).expect("ring");
        let (east, west) = (ring.0.iter()).fold((0, 0), |(e, w), p| {
            (e + usize::from(p.x > 179.0), w + usize::from(p.x < -179.0))
        });
        assert!(east > 0 && west > 0, "the grid crosses 180°: {east} {west}");
        let worst = worst(&grid, &all);
        assert!(worst <= TOLERANCE, "{worst:e}°");
    }
}
