//! Where a raster lies in Web Mercator. Tiles follow gdal2tiles: GDAL's
//! `GDALAutoCreateWarpedVRT` to EPSG:3857 (nearest neighbour, exact transformer), whose extent
//! and pixel size define the tile ranges and the automatic zoom levels. That suggested extent
//! fails for rasters around a pole (it is bounded by the edges, so everything poleward of them
//! is lost) and across the antimeridian (it becomes the whole world); for those, and for the
//! bounds published in TileJSON, WMTS and STAC, the data's own extent is used: the raster's
//! edges densified and transformed to WGS 84 by `OCTTransformBounds` (PROJ's
//! `proj_trans_bounds`, which finds a pole inside the raster and reports an antimeridian
//! crossing as west > east), clamped to Web Mercator's ±85.0511°. A raster crossing the
//! antimeridian keeps one continuous extent east of it: its Mercator x goes past the world's
//! edge, and tile columns past the last wrap around (see [`crate::tiling::TileId::key`]).

use std::ffi::CString;
use std::sync::OnceLock;

use gdal::spatial_ref::{AxisMappingStrategy, CoordTransform, SpatialRef};
use gdal::Dataset;
use geo::{coord, Rect};

use super::error::GdalFailure;
use super::RasterError;

/// Web Mercator's latitude limit: the latitude of y = ±π·R.
pub const MAX_MERCATOR_LATITUDE: f64 = 85.051_128_779_806_59;

/// Points per edge when densifying a raster's outline (PROJ's recommendation).
const DENSIFY_POINTS: i32 = 21;

/// A scene's extent and resolution once warped to EPSG:3857.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Footprint {
    /// EPSG:3857 metres; `max.x` passes π·R for a raster that crosses the antimeridian.
    pub bounds: Rect<f64>,
    /// The data's own extent, WGS 84 degrees `[west, south, east, north]`, latitudes not
    /// clamped; `east` passes 180 across the antimeridian (always `west < east`).
    pub lon_lat: [f64; 4],
    /// Square pixel size of the warped raster, metres.
    pub pixel_size: f64,
    /// Pixel count of the warped raster.
    pub width: usize,
    pub height: usize,
}

/// EPSG:3857 as WKT, built once (PROJ database look-ups are not free).
pub(super) fn web_mercator_wkt() -> Result<&'static str, GdalFailure> {
    static WKT: OnceLock<Result<String, GdalFailure>> = OnceLock::new();
    WKT.get_or_init(|| {
        SpatialRef::from_epsg(3857)
            .and_then(|s| s.to_wkt())
            .map_err(GdalFailure::of)
    })
    .as_deref()
    .map_err(Clone::clone)
}

/// `srs` with longitude (easting) first, whatever its authority says: the order every
/// coordinate here is in.
pub(super) fn gis_order(mut srs: SpatialRef) -> SpatialRef {
    srs.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
    srs
}

/// WGS 84 with longitude first.
pub(super) fn wgs84() -> Result<SpatialRef, GdalFailure> {
    SpatialRef::from_epsg(4326)
        .map(gis_order)
        .map_err(GdalFailure::of)
}

/// The transform from the CRS `wkt` to WGS 84 longitude/latitude (both easting first).
pub(super) fn to_wgs84(wkt: &str) -> Result<CoordTransform, GdalFailure> {
    let source = SpatialRef::from_wkt(wkt)
        .map(gis_order)
        .map_err(GdalFailure::of)?;
    CoordTransform::new(&source, &wgs84()?).map_err(GdalFailure::of)
}

/// Bounds `[x0, y0, x1, y1]` in the CRS `from` as bounds in the CRS `to` (both WKT), edges
/// densified as GDAL's `transform_bounds` does.
fn bounds_between(from: &str, to: &str, bounds: [f64; 4]) -> Result<[f64; 4], GdalFailure> {
    let srs = |wkt: &str| {
        SpatialRef::from_wkt(wkt)
            .map(gis_order)
            .map_err(GdalFailure::of)
    };
    let transform =
        gdal::spatial_ref::CoordTransform::new(&srs(from)?, &srs(to)?).map_err(GdalFailure::of)?;
    transform
        .transform_bounds(&bounds, 21)
        .map_err(GdalFailure::of)
}

/// `[west, south, east, north]` in WGS 84 degrees as bounds in the CRS `wkt`.
pub(super) fn from_wgs84(wkt: &str, lon_lat: [f64; 4]) -> Result<[f64; 4], GdalFailure> {
    static WKT: OnceLock<Result<String, GdalFailure>> = OnceLock::new();
    let wgs84 = WKT
        .get_or_init(|| {
            SpatialRef::from_epsg(4326)
                .and_then(|s| s.to_wkt())
                .map_err(GdalFailure::of)
        })
        .as_deref()
        .map_err(Clone::clone)?;
    bounds_between(wgs84, wkt, lon_lat)
}

/// Web Mercator bounds `[x0, y0, x1, y1]` as bounds in the CRS `wkt`.
pub(super) fn from_web_mercator(wkt: &str, bounds: [f64; 4]) -> Result<[f64; 4], GdalFailure> {
    bounds_between(web_mercator_wkt()?, wkt, bounds)
}

/// `[x0, y0, x1, y1]` in the CRS `wkt` as Web Mercator bounds.
pub(super) fn to_web_mercator(wkt: &str, bounds: [f64; 4]) -> Result<[f64; 4], GdalFailure> {
    bounds_between(wkt, web_mercator_wkt()?, bounds)
}

pub(super) fn last_gdal_error() -> String {
    // SAFETY: CPLGetLastErrorMsg returns a pointer to a thread-local, NUL-terminated buffer.
    unsafe {
        let msg = gdal_sys::CPLGetLastErrorMsg();
        if msg.is_null() {
            return "unknown GDAL error".into();
        }
        std::ffi::CStr::from_ptr(msg).to_string_lossy().into_owned()
    }
}

impl Footprint {
    pub(super) fn of(dataset: &Dataset, location: &str) -> Result<Footprint, RasterError> {
        if dataset.projection().trim().is_empty() {
            return Err(RasterError::NoCrs {
                location: location.into(),
            });
        }
        let Ok(gt) = dataset.geo_transform() else {
            return Err(RasterError::NoGeoTransform {
                location: location.into(),
            });
        };
        let reproject = |failure: GdalFailure| RasterError::Reproject {
            location: location.into(),
            message: failure.0,
        };
        // Without it (PROJ cannot transform the outline), GDAL's suggestion stands alone.
        let extent = data_extent(dataset, gt).ok();
        let suggested = suggested_extent(dataset).map_err(reproject);
        match (extent, suggested) {
            (Some(lon_lat), Ok(s)) if !s.loses(&lon_lat) => Ok(Footprint { lon_lat, ..s }),
            (Some(lon_lat), _) => Ok(Footprint::of_extent(lon_lat, dataset.raster_size())),
            (None, Ok(s)) => Ok(s),
            (None, Err(e)) => Err(e),
        }
    }

    /// Whether the data's extent `lon_lat` reaches past this (GDAL's suggested) footprint by
    /// more than two of its pixels, or crosses the antimeridian: a pole inside the raster, or
    /// a crossing, which the suggestion gets wrong (it stops at the raster's edges, or spans
    /// the world). Within that, the suggestion stands, so tiles stay gdal2tiles'.
    fn loses(&self, lon_lat: &[f64; 4]) -> bool {
        let [w, s, e, n] = *lon_lat;
        let data = mercator_rect(w, s, e, n);
        let slack = 2.0 * self.pixel_size;
        e > 180.0
            || data.min().y < self.bounds.min().y - slack
            || data.max().y > self.bounds.max().y + slack
            || data.min().x < self.bounds.min().x - slack
            || data.max().x > self.bounds.max().x + slack
    }

    /// The footprint of the data's extent, with gdalwarp's pixel size rule (the diagonal in
    /// metres over the diagonal in pixels).
    fn of_extent(lon_lat: [f64; 4], (columns, rows): (usize, usize)) -> Footprint {
        let [west, south, east, north] = lon_lat;
        let bounds = mercator_rect(west, south, east, north);
        let pixel_size =
            bounds.width().hypot(bounds.height()) / (columns as f64).hypot(rows as f64);
        Footprint {
            bounds,
            lon_lat,
            pixel_size,
            width: (bounds.width() / pixel_size).round().max(1.0) as usize,
            height: (bounds.height() / pixel_size).round().max(1.0) as usize,
        }
    }

    /// `[west, south, east, north]` in WGS 84 as RFC 7946 and STAC write a bounding box:
    /// `west > east` when the data crosses the antimeridian.
    pub fn wgs84_bbox(&self) -> [f64; 4] {
        let [w, s, e, n] = self.lon_lat;
        [w, s, if e > 180.0 { e - 360.0 } else { e }, n]
    }

    /// The data's extent within Web Mercator's limits, for tile clients (TileJSON, WMTS):
    /// latitudes clamped to ±85.0511°, and the whole width of the world across the
    /// antimeridian (clients do not read `west > east`).
    pub fn web_bounds(&self) -> [f64; 4] {
        let [w, s, e, n] = self.lon_lat;
        let clamp = |lat: f64| lat.clamp(-MAX_MERCATOR_LATITUDE, MAX_MERCATOR_LATITUDE);
        if e > 180.0 {
            [-180.0, clamp(s), 180.0, clamp(n)]
        } else {
            [w, clamp(s), e, clamp(n)]
        }
    }

    /// The smallest footprint holding both (the rasters of a mosaic), at the finer
    /// resolution.
    pub fn union(&self, other: &Footprint) -> Footprint {
        let (a, b) = (self.bounds, other.bounds);
        let min = coord! { x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y) };
        let max = coord! { x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y) };
        let (p, q) = (self.lon_lat, other.lon_lat);
        let pixel_size = self.pixel_size.min(other.pixel_size);
        Footprint {
            bounds: Rect::new(min, max),
            lon_lat: [
                p[0].min(q[0]),
                p[1].min(q[1]),
                p[2].max(q[2]),
                p[3].max(q[3]),
            ],
            pixel_size,
            width: ((max.x - min.x) / pixel_size).round() as usize,
            height: ((max.y - min.y) / pixel_size).round() as usize,
        }
    }

    /// The common part of two footprints, at the coarser resolution; `None` when disjoint.
    /// A footprint east of the antimeridian (x past π·R) meets the other one world away.
    pub fn intersection(&self, other: &Footprint) -> Option<Footprint> {
        let world = 2.0 * crate::tiling::ORIGIN_SHIFT;
        [0.0, world, -world]
            .into_iter()
            .find_map(|shift| self.intersection_shifted(other, shift))
    }

    fn intersection_shifted(&self, other: &Footprint, shift: f64) -> Option<Footprint> {
        let (a, b) = (self.bounds, other.bounds);
        let min = coord! { x: a.min().x.max(b.min().x + shift), y: a.min().y.max(b.min().y) };
        let max = coord! { x: a.max().x.min(b.max().x + shift), y: a.max().y.min(b.max().y) };
        if min.x >= max.x || min.y >= max.y {
            return None;
        }
        let degrees = shift / crate::tiling::ORIGIN_SHIFT * 180.0;
        let (p, q) = (self.lon_lat, other.lon_lat);
        let mut lon_lat = [
            p[0].max(q[0] + degrees),
            p[1].max(q[1]),
            p[2].min(q[2] + degrees),
            p[3].min(q[3]),
        ];
        if lon_lat[0] >= 180.0 {
            lon_lat[0] -= 360.0;
            lon_lat[2] -= 360.0;
        }
        let pixel_size = self.pixel_size.max(other.pixel_size);
        Some(Footprint {
            bounds: Rect::new(min, max),
            lon_lat,
            pixel_size,
            width: ((max.x - min.x) / pixel_size).round() as usize,
            height: ((max.y - min.y) / pixel_size).round() as usize,
        })
    }
}

/// GDAL's suggested Web Mercator extent (as gdal2tiles uses it): `GDALAutoCreateWarpedVRT`
/// to EPSG:3857, nearest neighbour, exact transformer.
fn suggested_extent(dataset: &Dataset) -> Result<Footprint, GdalFailure> {
    let wkt = CString::new(web_mercator_wkt()?).map_err(GdalFailure::of)?;
    // SAFETY: the source handle is valid for the call; the VRT handle is checked for null,
    // only queried, and closed before returning.
    unsafe {
        let vrt = gdal_sys::GDALAutoCreateWarpedVRT(
            dataset.c_dataset(),
            std::ptr::null(),
            wkt.as_ptr(),
            gdal_sys::GDALResampleAlg::GRA_NearestNeighbour,
            0.0,
            std::ptr::null(),
        );
        if vrt.is_null() {
            return Err(GdalFailure(last_gdal_error()));
        }
        let mut gt = [0.0f64; 6];
        let ok = gdal_sys::GDALGetGeoTransform(vrt, gt.as_mut_ptr());
        let width = gdal_sys::GDALGetRasterXSize(vrt) as usize;
        let height = gdal_sys::GDALGetRasterYSize(vrt) as usize;
        gdal_sys::GDALClose(vrt);
        if ok != gdal_sys::CPLErr::CE_None {
            return Err(GdalFailure(last_gdal_error()));
        }
        // As gdal2tiles: extent from the x pixel size in both directions (square pixels).
        let (min_x, max_y) = (gt[0], gt[3]);
        let max_x = min_x + width as f64 * gt[1];
        let min_y = max_y - height as f64 * gt[1];
        let bounds = Rect::new(coord! { x: min_x, y: min_y }, coord! { x: max_x, y: max_y });
        Ok(Footprint {
            bounds,
            lon_lat: crate::tiling::lon_lat_bounds(bounds),
            pixel_size: gt[1],
            width,
            height,
        })
    }
}

/// The raster's extent in WGS 84 `[west, south, east, north]` from its densified outline,
/// with `west` in [−180, 180) and `east > west` (past 180 across the antimeridian).
fn data_extent(dataset: &Dataset, gt: [f64; 6]) -> Result<[f64; 4], GdalFailure> {
    let (columns, rows) = dataset.raster_size();
    let corner = |c: f64, r: f64| (gt[0] + c * gt[1] + r * gt[2], gt[3] + c * gt[4] + r * gt[5]);
    let corners = [
        corner(0.0, 0.0),
        corner(columns as f64, 0.0),
        corner(0.0, rows as f64),
        corner(columns as f64, rows as f64),
    ];
    let xs = corners.map(|c| c.0);
    let ys = corners.map(|c| c.1);
    let min = |v: [f64; 4]| v.into_iter().fold(f64::INFINITY, f64::min);
    let max = |v: [f64; 4]| v.into_iter().fold(f64::NEG_INFINITY, f64::max);
    let source_box = [min(xs), min(ys), max(xs), max(ys)];
    let source = dataset
        .spatial_ref()
        .map(gis_order)
        .map_err(GdalFailure::of)?;
    let transform = CoordTransform::new(&source, &wgs84()?).map_err(GdalFailure::of)?;
    let [mut west, south, mut east, north] = transform
        .transform_bounds(&source_box, DENSIFY_POINTS)
        .map_err(GdalFailure::of)?;
    if west > east {
        east += 360.0; // across the antimeridian
    }
    while west < -180.0 {
        west += 360.0;
        east += 360.0;
    }
    while west >= 180.0 {
        west -= 360.0;
        east -= 360.0;
    }
    // A raster wider than the world (a global grid with overlap) is the world.
    if east - west > 360.0 {
        (west, east) = (-180.0, 180.0);
    }
    Ok([west, south, east, north])
}

/// EPSG:3857 metres of a WGS 84 box, latitudes clamped to Web Mercator's limits.
pub(super) fn mercator_rect(west: f64, south: f64, east: f64, north: f64) -> Rect<f64> {
    let r = 6_378_137.0;
    let x = |lon: f64| lon.to_radians() * r;
    let y = |lat: f64| {
        let lat = lat.clamp(-MAX_MERCATOR_LATITUDE, MAX_MERCATOR_LATITUDE);
        r * (std::f64::consts::FRAC_PI_4 + lat.to_radians() / 2.0)
            .tan()
            .ln()
    };
    Rect::new(
        coord! { x: x(west), y: y(south) },
        coord! { x: x(east), y: y(north) },
    )
}
