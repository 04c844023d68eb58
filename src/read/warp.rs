//! One GDAL warp of some bands of one file into one Web Mercator tile.

use std::ffi::{c_int, CString};

use gdal::{Dataset, DriverManager};

use super::footprint::{last_gdal_error, web_mercator_wkt};
use super::Resampling;
use crate::tiling::{tile_geo_transform, TileId};

/// Warps `bands` (1-based) of `src` into `tile`; returns one `size²` buffer per band with NaN
/// where the source has no data (outside it, or equal to `nodata`).
pub(super) fn warp_to_tile(
    src: &Dataset,
    bands: &[usize],
    nodata: Option<f64>,
    tile: TileId,
    size: u32,
    resampling: Resampling,
) -> Result<Vec<Vec<f32>>, String> {
    let n = bands.len();
    let px = size as usize;
    let driver = DriverManager::get_driver_by_name("MEM").map_err(|e| e.to_string())?;
    let mut dst = driver
        .create_with_band_type::<f32, _>("", px, px, n)
        .map_err(|e| e.to_string())?;
    dst.set_geo_transform(&tile_geo_transform(tile, size))
        .map_err(|e| e.to_string())?;
    dst.set_projection(web_mercator_wkt()?)
        .map_err(|e| e.to_string())?;
    for b in 1..=n {
        let mut band = dst.rasterband(b).map_err(|e| e.to_string())?;
        band.set_no_data_value(Some(f64::NAN))
            .map_err(|e| e.to_string())?;
        band.fill(f64::NAN, None).map_err(|e| e.to_string())?;
    }
    let key = |s: &str| CString::new(s).map_err(|e| e.to_string());
    let (init_dest, no_data, unified, no) = (
        key("INIT_DEST")?,
        key("NO_DATA")?,
        key("UNIFIED_SRC_NODATA")?,
        key("NO")?,
    );
    // SAFETY: the options are created, filled with CPLMalloc'd arrays of nBandCount entries
    // (which GDALDestroyWarpOptions frees) and destroyed here; both dataset handles outlive
    // the call.
    let err = unsafe {
        let opts = gdal_sys::GDALCreateWarpOptions();
        (*opts).nBandCount = n as c_int;
        let bytes = n * std::mem::size_of::<c_int>();
        let src_bands = gdal_sys::CPLMalloc(bytes) as *mut c_int;
        let dst_bands = gdal_sys::CPLMalloc(bytes) as *mut c_int;
        for (i, b) in bands.iter().enumerate() {
            *src_bands.add(i) = *b as c_int;
            *dst_bands.add(i) = (i + 1) as c_int;
        }
        (*opts).panSrcBands = src_bands;
        (*opts).panDstBands = dst_bands;
        if let Some(v) = nodata {
            gdal_sys::GDALWarpInitSrcNoDataReal(opts, v);
        }
        gdal_sys::GDALWarpInitDstNoDataReal(opts, f64::NAN);
        let mut list = (*opts).papszWarpOptions;
        list = gdal_sys::CSLSetNameValue(list, init_dest.as_ptr(), no_data.as_ptr());
        // Each band keeps its own validity; compute combines them.
        list = gdal_sys::CSLSetNameValue(list, unified.as_ptr(), no.as_ptr());
        (*opts).papszWarpOptions = list;
        let err = gdal_sys::GDALReprojectImage(
            src.c_dataset(),
            std::ptr::null(),
            dst.c_dataset(),
            std::ptr::null(),
            resampling.gdal(),
            0.0,
            0.125, // gdalwarp's default maximum error, in pixels
            None,
            std::ptr::null_mut(),
            opts,
        );
        gdal_sys::GDALDestroyWarpOptions(opts);
        err
    };
    if err != gdal_sys::CPLErr::CE_None {
        return Err(last_gdal_error());
    }
    (1..=n)
        .map(|b| {
            let band = dst.rasterband(b).map_err(|e| e.to_string())?;
            let buf = band
                .read_as::<f32>((0, 0), (px, px), (px, px), None)
                .map_err(|e| e.to_string())?;
            Ok(buf.into_shape_and_vec().1)
        })
        .collect()
}
