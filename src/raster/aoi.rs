//! The area of interest (`[product] aoi`): the polygons of any file OGR reads (GeoJSON,
//! GeoPackage, Shapefile, …, any CRS), and which pixels of a window they cover. A pixel is in
//! the area when its centre is inside a polygon, as `gdalwarp -cutline` decides it.

use gdal::raster::{rasterize, RasterizeOptions};
use gdal::spatial_ref::SpatialRef;
use gdal::vector::{geometry_type_flatten, Geometry, LayerAccess, OGRwkbGeometryType};
use gdal::{Dataset, DatasetOptions, DriverManager, GdalOpenFlags};

use super::error::GdalFailure;
use super::footprint::{gis_order, mercator_rect};
use super::{Footprint, RasterError};

/// The area's polygons, in WGS 84 (longitude, latitude), as WKB: a geometry handle is not
/// `Sync`, its bytes are, and each worker rebuilds the handles it uses.
#[derive(Debug, Clone)]
pub struct Aoi {
    pub location: String,
    polygons: Vec<Vec<u8>>,
    /// `[west, south, east, north]`, degrees.
    pub lon_lat: [f64; 4],
}

fn invalid(location: &str, problem: impl Into<String>) -> RasterError {
    RasterError::Aoi {
        location: location.to_string(),
        problem: problem.into(),
    }
}

impl Aoi {
    /// Reads every polygon and multipolygon of every layer of `location`; anything else in
    /// it (points, lines, features without geometry) makes it no area.
    pub fn open(location: &str) -> Result<Aoi, RasterError> {
        let options = DatasetOptions {
            open_flags: GdalOpenFlags::GDAL_OF_VECTOR,
            ..DatasetOptions::default()
        };
        let dataset = Dataset::open_ex(location, options)
            .map_err(|e| invalid(location, format!("OGR cannot read it as vector data: {e}")))?;
        let wgs84 =
            gis_order(SpatialRef::from_epsg(4326).map_err(|e| invalid(location, e.to_string()))?);
        let mut polygons = Vec::new();
        let mut bounds = [
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ];
        for mut layer in dataset.layers() {
            let name = layer.name();
            let Some(srs) = layer.spatial_ref() else {
                return Err(invalid(
                    location,
                    format!(
                        "layer `{name}` has no CRS GDAL can read; give the file one (e.g. \
                         `ogr2ogr -a_srs EPSG:4326`)"
                    ),
                ));
            };
            let srs = gis_order(srs);
            let transform = gdal::spatial_ref::CoordTransform::new(&srs, &wgs84).map_err(|e| {
                invalid(
                    location,
                    format!("GDAL cannot transform layer `{name}`'s CRS to WGS 84: {e}"),
                )
            })?;
            for (i, feature) in layer.features().enumerate() {
                let Some(geometry) = feature.geometry() else {
                    return Err(invalid(
                        location,
                        format!("feature {i} of layer `{name}` has no geometry"),
                    ));
                };
                let kind = geometry_type_flatten(geometry.geometry_type());
                if kind != OGRwkbGeometryType::wkbPolygon
                    && kind != OGRwkbGeometryType::wkbMultiPolygon
                {
                    return Err(invalid(
                        location,
                        format!(
                            "feature {i} of layer `{name}` is a {}, not a polygon; an area of \
                             interest is polygons or multipolygons",
                            gdal::vector::geometry_type_to_name(kind)
                        ),
                    ));
                }
                let in_wgs84 = geometry.transform(&transform).map_err(|e| {
                    invalid(
                        location,
                        format!(
                            "feature {i} of layer `{name}` cannot be transformed to WGS 84: {e}"
                        ),
                    )
                })?;
                let e = in_wgs84.envelope();
                bounds = [
                    bounds[0].min(e.MinX),
                    bounds[1].min(e.MinY),
                    bounds[2].max(e.MaxX),
                    bounds[3].max(e.MaxY),
                ];
                polygons.push(
                    in_wgs84
                        .wkb()
                        .map_err(|e| invalid(location, e.to_string()))?,
                );
            }
        }
        if polygons.is_empty() {
            return Err(invalid(location, "it holds no polygon"));
        }
        Ok(Aoi {
            location: location.to_string(),
            polygons,
            lon_lat: bounds,
        })
    }

    /// The area's bounding box as a footprint, to intersect with the data's.
    pub fn footprint(&self) -> Footprint {
        let [w, s, e, n] = self.lon_lat;
        Footprint {
            bounds: mercator_rect(w, s, e, n),
            lon_lat: self.lon_lat,
            pixel_size: 0.0, // an intersection takes the data's
            width: 1,
            height: 1,
        }
    }

    /// The share of the area (0–1, measured in lon/lat degrees, which is close enough to
    /// compare footprints over an area of interest) that each GeoJSON geometry covers, and
    /// that all of them cover together. A geometry OGR cannot read covers nothing.
    pub fn coverage(&self, geometries: &[Option<&str>]) -> (Vec<f64>, f64) {
        let union = |a: Geometry, b: &Geometry| a.union(b).unwrap_or(a);
        let area = (self.polygons.iter())
            .filter_map(|wkb| Geometry::from_wkb(wkb).ok())
            .reduce(|a, b| union(a, &b));
        let Some(area) = area.filter(|a| a.area() > 0.0) else {
            return (vec![0.0; geometries.len()], 0.0);
        };
        let total = area.area();
        let mut covered: Option<Geometry> = None;
        let mut each = Vec::with_capacity(geometries.len());
        for json in geometries {
            let Some(footprint) = json.and_then(|j| Geometry::from_geojson(j).ok()) else {
                each.push(0.0);
                continue;
            };
            let inside = area.intersection(&footprint);
            each.push(inside.as_ref().map_or(0.0, |g| g.area() / total));
            if let Some(inside) = inside {
                covered = Some(match covered {
                    None => inside,
                    Some(c) => union(c, &inside),
                });
            }
        }
        let all = covered.map_or(0.0, |c| (c.area() / total).min(1.0));
        (each, all)
    }

    /// The polygons in the CRS `wkt` (traditional axis order).
    pub(super) fn in_crs(&self, wkt: &str) -> Result<Vec<Vec<u8>>, GdalFailure> {
        let target = gis_order(SpatialRef::from_wkt(wkt).map_err(GdalFailure::of)?);
        let wgs84 = gis_order(SpatialRef::from_epsg(4326).map_err(GdalFailure::of)?);
        let transform =
            gdal::spatial_ref::CoordTransform::new(&wgs84, &target).map_err(GdalFailure::of)?;
        (self.polygons.iter())
            .map(|wkb| {
                let g = Geometry::from_wkb(wkb).map_err(GdalFailure::of)?;
                g.transform(&transform)
                    .and_then(|g| g.wkb())
                    .map_err(GdalFailure::of)
            })
            .collect()
    }
}

/// Which pixels of the window `gt`, `size` in the CRS `wkt` have their centre inside one of
/// `polygons` (WKB in that CRS), row-major.
pub(super) fn covered(
    polygons: &[Vec<u8>],
    wkt: &str,
    gt: [f64; 6],
    (width, height): (usize, usize),
) -> Result<Vec<bool>, GdalFailure> {
    let driver = DriverManager::get_driver_by_name("MEM").map_err(GdalFailure::of)?;
    let mut ds = driver
        .create_with_band_type::<u8, _>("", width, height, 1)
        .map_err(GdalFailure::of)?;
    ds.set_geo_transform(&gt).map_err(GdalFailure::of)?;
    ds.set_projection(wkt).map_err(GdalFailure::of)?;
    let geometries = (polygons.iter())
        .map(|wkb| Geometry::from_wkb(wkb))
        .collect::<Result<Vec<_>, _>>()
        .map_err(GdalFailure::of)?;
    let burn = vec![1.0; geometries.len()];
    rasterize(
        &mut ds,
        &[1],
        &geometries,
        &burn,
        Some(RasterizeOptions::default()),
    )
    .map_err(GdalFailure::of)?;
    let band = ds.rasterband(1).map_err(GdalFailure::of)?;
    let values = band
        .read_as::<u8>((0, 0), (width, height), (width, height), None)
        .map_err(GdalFailure::of)?;
    Ok(values.data().iter().map(|&v| v != 0).collect())
}
