//! Warping some bands of one file into one window (a Web Mercator tile, or rows of a grid in
//! another CRS) at a time.
//!
//! Creating a GDAL transformer costs PROJ database look-ups, more than warping a small tile,
//! so each worker thread keeps one [`Warper`] per source file: the dataset handle and a
//! source → target-CRS transformer whose destination geotransform is moved to each window
//! (`GDALSetGenImgProjTransformerDstGeoTransform`), wrapped in GDAL's approximating
//! transformer with gdalwarp's default 0.125-pixel error.

use std::ffi::{c_char, c_int, c_void, CString};
use std::sync::atomic::{AtomicUsize, Ordering};

use gdal::{Dataset, DriverManager};

use super::error::GdalFailure;
use super::footprint::last_gdal_error;
use crate::compute::resample::{Sample, Window, LANES};
use crate::plan::Resampling;

/// GDAL's mask flags (`gdal.h`): a mask shared by all bands, an alpha band.
const GMF_PER_DATASET: c_int = 0x02;
const GMF_ALPHA: c_int = 0x04;

/// gdalwarp's default maximum error of the approximating transformer, in pixels.
const MAX_ERROR_PIXELS: f64 = 0.125;

/// A source file opened by one worker thread, with its transformer to Web Mercator.
pub(super) struct Warper {
    dataset: Dataset,
    /// Base generic image-to-image transformer (owned by `approx`).
    base: *mut c_void,
    /// Approximating transformer over `base`; destroying it destroys `base`.
    approx: *mut c_void,
    /// The source's geotransform when its CRS is the target's: windows on its lattice are
    /// read, not warped ([`Warper::aligned_offset`]).
    same_crs_transform: Option<[f64; 6]>,
}

// SAFETY: a Warper is used by the one thread that created it; the pointers are only moved to
// another thread to be destroyed (when the per-thread pool drops), never shared.
unsafe impl Send for Warper {}

impl Drop for Warper {
    fn drop(&mut self) {
        // SAFETY: `approx` was created by GDALCreateApproxTransformer and owns `base`.
        unsafe { gdal_sys::GDALDestroyApproxTransformer(self.approx) };
    }
}

impl Warper {
    /// A warper from `dataset` to the CRS `dst_wkt`.
    pub(super) fn new(dataset: Dataset, dst_wkt: &str) -> Result<Warper, GdalFailure> {
        let dst_srs = CString::new(format!("DST_SRS={dst_wkt}")).map_err(GdalFailure::of)?;
        let same_crs = match (
            dataset.spatial_ref(),
            gdal::spatial_ref::SpatialRef::from_wkt(dst_wkt),
        ) {
            (Ok(source), Ok(target)) => source == target,
            _ => false,
        };
        let same_crs_transform = same_crs.then(|| dataset.geo_transform().ok()).flatten();
        // SAFETY: the option list is built and freed here; the dataset outlives the
        // transformer (both live in the Warper, the transformer is destroyed first in Drop).
        unsafe {
            let mut options: *mut *mut std::ffi::c_char = std::ptr::null_mut();
            options = gdal_sys::CSLAddString(options, dst_srs.as_ptr());
            let base = gdal_sys::GDALCreateGenImgProjTransformer2(
                dataset.c_dataset(),
                std::ptr::null_mut(),
                options,
            );
            gdal_sys::CSLDestroy(options);
            if base.is_null() {
                return Err(GdalFailure(last_gdal_error()));
            }
            let approx = gdal_sys::GDALCreateApproxTransformer(
                Some(gdal_sys::GDALGenImgProjTransform),
                base,
                MAX_ERROR_PIXELS,
            );
            if approx.is_null() {
                gdal_sys::GDALDestroyGenImgProjTransformer(base);
                return Err(GdalFailure(last_gdal_error()));
            }
            gdal_sys::GDALApproxTransformerOwnsSubtransformer(approx, 1);
            Ok(Warper {
                dataset,
                base,
                approx,
                same_crs_transform,
            })
        }
    }

    /// The source raster's (width, height) in pixels.
    pub(super) fn source_size(&self) -> (usize, usize) {
        self.dataset.raster_size()
    }

    /// Where the window with geotransform `gt` starts in the source, in whole source pixels,
    /// when it lies on the source's own lattice (same CRS and pixel size, north-up, shifted by
    /// whole pixels) and `bands` mark missing values by nodata alone (no mask or alpha band):
    /// such a window is the source's pixels as they are, read without warping.
    pub(super) fn aligned_offset(&self, gt: [f64; 6], bands: &[usize]) -> Option<(i64, i64)> {
        let src = self.same_crs_transform?;
        let north_up = |t: &[f64; 6]| t[2] == 0.0 && t[4] == 0.0 && t[1] > 0.0 && t[5] < 0.0;
        if !north_up(&src) || !north_up(&gt) {
            return None;
        }
        let same = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs();
        if !same(gt[1], src[1]) || !same(gt[5], src[5]) {
            return None;
        }
        let whole = |v: f64| {
            let r = v.round();
            ((v - r).abs() <= 1e-6).then_some(r as i64)
        };
        let x = whole((gt[0] - src[0]) / src[1])?;
        let y = whole((gt[3] - src[3]) / src[5])?;
        let nodata_only = bands.iter().all(|b| {
            self.dataset.rasterband(*b).is_ok_and(|band| {
                // SAFETY: the band handle is valid while the dataset is open.
                let flags = unsafe { gdal_sys::GDALGetMaskFlags(band.c_rasterband()) };
                flags & (GMF_PER_DATASET | GMF_ALPHA) == 0
            })
        });
        nodata_only.then_some((x, y))
    }

    /// Band `band` (1-based) over the source window at `origin` of `size` pixels, as f32.
    pub(super) fn read_band(
        &self,
        band: usize,
        origin: (usize, usize),
        size: (usize, usize),
    ) -> Result<Vec<f32>, GdalFailure> {
        let band = self.dataset.rasterband(band).map_err(GdalFailure::of)?;
        let buf = band
            .read_as::<f32>((origin.0 as isize, origin.1 as isize), size, size, None)
            .map_err(GdalFailure::of)?;
        Ok(buf.into_shape_and_vec().1)
    }

    /// Moves the points (`xs`, `ys`: pixel/line of a window with geotransform `gt` in the
    /// warper's CRS) to source pixel/line, in place, exactly (no approximation); `false` when
    /// any point has no source position (outside the projection's domain).
    pub(super) fn source_positions(&self, gt: [f64; 6], xs: &mut [f64], ys: &mut [f64]) -> bool {
        let mut zs = vec![0.0; xs.len()];
        let mut ok: Vec<c_int> = vec![0; xs.len()];
        // SAFETY: the transformer is this warper's; the arrays have `n` entries each.
        unsafe {
            gdal_sys::GDALSetGenImgProjTransformerDstGeoTransform(self.base, gt.as_ptr());
            gdal_sys::GDALGenImgProjTransform(
                self.base,
                1, // destination → source
                xs.len() as c_int,
                xs.as_mut_ptr(),
                ys.as_mut_ptr(),
                zs.as_mut_ptr(),
                ok.as_mut_ptr(),
            );
        }
        ok.iter().all(|v| *v != 0)
    }

    /// Reads up to [`LANES`] `bands` (1-based) of the source window at `origin` of `size`
    /// pixels, at full resolution, in the bands' own type (GDAL copies blocks as they are),
    /// turned into pixels here; `nodata` (or NaN) marks missing values.
    pub(super) fn read_window(
        &self,
        bands: &[usize],
        origin: (usize, usize),
        size: (usize, usize),
        nodata: Option<f64>,
    ) -> Result<Window, GdalFailure> {
        use gdal_sys::GDALDataType::*;
        let bands = &bands[..bands.len().min(LANES)];
        let types: Vec<_> = bands
            .iter()
            .map(|b| {
                let band = self.dataset.rasterband(*b).map_err(GdalFailure::of)?;
                // SAFETY: the band handle is valid while the dataset is open.
                Ok(unsafe { gdal_sys::GDALGetRasterDataType(band.c_rasterband()) })
            })
            .collect::<Result<_, GdalFailure>>()?;
        let same = |t| types.iter().all(|v| *v == t);
        macro_rules! window {
            ($t:ty) => {
                Window::from_planes(
                    origin,
                    size,
                    &self.read_planes::<$t>(bands, origin, size)?,
                    nodata,
                )
            };
        }
        Ok(if same(GDT_Byte) {
            window!(u8)
        } else if same(GDT_UInt16) {
            window!(u16)
        } else if same(GDT_Int16) {
            window!(i16)
        } else if same(GDT_Float32) {
            window!(f32)
        } else {
            window!(f64)
        })
    }

    /// Band-sequential planes of `bands` over the window, in `T` (GDAL converts if the
    /// bands are stored otherwise; for the stored type it copies block rows as they are).
    fn read_planes<T: Native>(
        &self,
        bands: &[usize],
        (x0, y0): (usize, usize),
        (width, height): (usize, usize),
    ) -> Result<Vec<T>, GdalFailure> {
        let mut buf: Vec<T> = vec![T::default(); width * height * bands.len()];
        let mut band_map: Vec<c_int> = bands.iter().map(|b| *b as c_int).collect();
        let value = std::mem::size_of::<T>() as i64;
        // SAFETY: `buf` holds width×height values of T per band, band-sequential, and T's
        // size matches the GDAL type `T::TYPE` it is read as.
        let err = unsafe {
            gdal_sys::GDALDatasetRasterIOEx(
                self.dataset.c_dataset(),
                gdal_sys::GDALRWFlag::GF_Read,
                x0 as c_int,
                y0 as c_int,
                width as c_int,
                height as c_int,
                buf.as_mut_ptr() as *mut c_void,
                width as c_int,
                height as c_int,
                T::TYPE,
                bands.len() as c_int,
                band_map.as_mut_ptr(),
                value,
                value * width as i64,
                value * (width * height) as i64,
                std::ptr::null_mut(),
            )
        };
        if err != gdal_sys::CPLErr::CE_None {
            return Err(GdalFailure(last_gdal_error()));
        }
        Ok(buf)
    }

    /// Warps `bands` (1-based) into a `width`×`height` window with geotransform `gt` in the
    /// warper's CRS; returns one buffer per band, row-major, with NaN where the source has no
    /// data (outside it, or equal to `nodata`).
    /// A non-zero `stop` (a signal's number) ends the warp at GDAL's next progress report.
    pub(super) fn warp(
        &self,
        bands: &[usize],
        nodata: Option<f64>,
        gt: [f64; 6],
        (width, height): (usize, usize),
        resampling: Resampling,
        stop: Option<&AtomicUsize>,
    ) -> Result<Vec<Vec<f32>>, GdalFailure> {
        let n = bands.len();
        let driver = DriverManager::get_driver_by_name("MEM").map_err(GdalFailure::of)?;
        let mut dst = driver
            .create_with_band_type::<f32, _>("", width, height, n)
            .map_err(GdalFailure::of)?;
        dst.set_geo_transform(&gt).map_err(GdalFailure::of)?;
        for b in 1..=n {
            let mut band = dst.rasterband(b).map_err(GdalFailure::of)?;
            band.set_no_data_value(Some(f64::NAN))
                .map_err(GdalFailure::of)?;
            band.fill(f64::NAN, None).map_err(GdalFailure::of)?;
        }
        let key = |s: &str| CString::new(s).map_err(GdalFailure::of);
        let (unified, no) = (key("UNIFIED_SRC_NODATA")?, key("NO")?);
        let (init_dest, no_data) = (key("INIT_DEST")?, key("NO_DATA")?);
        // SAFETY: the options are created, filled with CPLMalloc'd arrays of nBandCount entries
        // (freed by GDALDestroyWarpOptions, which leaves the transformer alone) and destroyed
        // here; the transformer, source and destination outlive the warp operation.
        let err = unsafe {
            gdal_sys::GDALSetGenImgProjTransformerDstGeoTransform(self.base, gt.as_ptr());
            let opts = gdal_sys::GDALCreateWarpOptions();
            (*opts).hSrcDS = self.dataset.c_dataset();
            (*opts).hDstDS = dst.c_dataset();
            (*opts).eResampleAlg = super::resampling::warp_kernel(resampling);
            (*opts).eWorkingDataType = gdal_sys::GDALDataType::GDT_Float32;
            (*opts).pfnTransformer = Some(gdal_sys::GDALApproxTransform);
            (*opts).pTransformerArg = self.approx;
            if let Some(flag) = stop {
                (*opts).pfnProgress = Some(continue_unless_stopped);
                (*opts).pProgressArg = flag as *const AtomicUsize as *mut c_void;
            }
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
            // Each band keeps its own validity; compute combines them. INIT_DEST spares GDAL
            // reading the destination back to find which pixels are already valid.
            let mut list = (*opts).papszWarpOptions;
            list = gdal_sys::CSLSetNameValue(list, unified.as_ptr(), no.as_ptr());
            list = gdal_sys::CSLSetNameValue(list, init_dest.as_ptr(), no_data.as_ptr());
            (*opts).papszWarpOptions = list;
            let operation = gdal_sys::GDALCreateWarpOperation(opts);
            let err = if operation.is_null() {
                gdal_sys::CPLErr::CE_Failure
            } else {
                let e = gdal_sys::GDALChunkAndWarpImage(
                    operation,
                    0,
                    0,
                    width as c_int,
                    height as c_int,
                );
                gdal_sys::GDALDestroyWarpOperation(operation);
                e
            };
            gdal_sys::GDALDestroyWarpOptions(opts);
            err
        };
        if err != gdal_sys::CPLErr::CE_None {
            return Err(GdalFailure(last_gdal_error()));
        }
        (1..=n)
            .map(|b| {
                let band = dst.rasterband(b).map_err(GdalFailure::of)?;
                let buf = band
                    .read_as::<f32>((0, 0), (width, height), (width, height), None)
                    .map_err(GdalFailure::of)?;
                Ok(buf.into_shape_and_vec().1)
            })
            .collect()
    }
}

/// A GDAL progress callback: carry on (1) until the `AtomicUsize` behind `flag` is set (a
/// signal asked the run to stop), then abort (0), so a long warp or polygonize stops within
/// one of GDAL's progress steps.
///
/// # Safety
/// `flag` must point to an `AtomicUsize` that outlives the GDAL call it is passed to.
pub(super) unsafe extern "C" fn continue_unless_stopped(
    _complete: f64,
    _message: *const c_char,
    flag: *mut c_void,
) -> c_int {
    // SAFETY: the caller passes a pointer to an AtomicUsize alive for the call.
    let flag = unsafe { &*(flag as *const AtomicUsize) };
    c_int::from(flag.load(Ordering::Relaxed) == 0)
}

/// A sample type GDAL reads into: its GDAL data type.
pub(super) trait Native: Sample {
    const TYPE: gdal_sys::GDALDataType::Type;
}

macro_rules! native {
    ($($t:ty => $gdal:ident),*) => {$(
        impl Native for $t {
            const TYPE: gdal_sys::GDALDataType::Type = gdal_sys::GDALDataType::$gdal;
        }
    )*};
}
native!(u8 => GDT_Byte, u16 => GDT_UInt16, i16 => GDT_Int16, f32 => GDT_Float32, f64 => GDT_Float64);
