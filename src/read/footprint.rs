//! Where a raster lies in Web Mercator, computed the way gdal2tiles does it: GDAL's
//! `GDALAutoCreateWarpedVRT` to EPSG:3857 (nearest neighbour, exact transformer), whose
//! extent and pixel size then define the tile ranges and the automatic zoom levels.

use std::ffi::CString;
use std::sync::OnceLock;

use gdal::spatial_ref::SpatialRef;
use gdal::Dataset;
use geo::{coord, Rect};

use super::ReadError;

/// A scene's extent and resolution once warped to EPSG:3857.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Footprint {
    /// EPSG:3857 metres.
    pub bounds: Rect<f64>,
    /// Square pixel size of the warped raster, metres.
    pub pixel_size: f64,
    /// Pixel count of the warped raster.
    pub width: usize,
    pub height: usize,
}

/// EPSG:3857 as WKT, built once (PROJ database look-ups are not free).
pub(super) fn web_mercator_wkt() -> Result<&'static str, String> {
    static WKT: OnceLock<Result<String, String>> = OnceLock::new();
    WKT.get_or_init(|| {
        SpatialRef::from_epsg(3857)
            .and_then(|s| s.to_wkt())
            .map_err(|e| e.to_string())
    })
    .as_deref()
    .map_err(Clone::clone)
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
    pub(super) fn of(dataset: &Dataset, location: &str) -> Result<Footprint, ReadError> {
        if dataset.projection().trim().is_empty() {
            return Err(ReadError::NoCrs {
                location: location.into(),
            });
        }
        if dataset.geo_transform().is_err() {
            return Err(ReadError::NoGeoTransform {
                location: location.into(),
            });
        }
        let reproject = |message: String| ReadError::Reproject {
            location: location.into(),
            message,
        };
        let wkt = CString::new(web_mercator_wkt().map_err(reproject)?)
            .map_err(|e| reproject(e.to_string()))?;
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
                return Err(reproject(last_gdal_error()));
            }
            let mut gt = [0.0f64; 6];
            let ok = gdal_sys::GDALGetGeoTransform(vrt, gt.as_mut_ptr());
            let width = gdal_sys::GDALGetRasterXSize(vrt) as usize;
            let height = gdal_sys::GDALGetRasterYSize(vrt) as usize;
            gdal_sys::GDALClose(vrt);
            if ok != gdal_sys::CPLErr::CE_None {
                return Err(reproject(last_gdal_error()));
            }
            // As gdal2tiles: extent from the x pixel size in both directions (square pixels).
            let (min_x, max_y) = (gt[0], gt[3]);
            let max_x = min_x + width as f64 * gt[1];
            let min_y = max_y - height as f64 * gt[1];
            Ok(Footprint {
                bounds: Rect::new(coord! { x: min_x, y: min_y }, coord! { x: max_x, y: max_y }),
                pixel_size: gt[1],
                width,
                height,
            })
        }
    }

    /// The common part of two footprints, at the coarser resolution; `None` when disjoint.
    pub fn intersection(&self, other: &Footprint) -> Option<Footprint> {
        let (a, b) = (self.bounds, other.bounds);
        let min = coord! { x: a.min().x.max(b.min().x), y: a.min().y.max(b.min().y) };
        let max = coord! { x: a.max().x.min(b.max().x), y: a.max().y.min(b.max().y) };
        if min.x >= max.x || min.y >= max.y {
            return None;
        }
        let pixel_size = self.pixel_size.max(other.pixel_size);
        Some(Footprint {
            bounds: Rect::new(min, max),
            pixel_size,
            width: ((max.x - min.x) / pixel_size).round() as usize,
            height: ((max.y - min.y) / pixel_size).round() as usize,
        })
    }
}
