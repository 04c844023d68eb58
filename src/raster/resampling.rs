//! The plan's [`Resampling`] as GDAL's warp kernel.

use gdal_sys::GDALResampleAlg;

use crate::compute::resample::Kernel;
use crate::plan::Resampling;

pub(super) fn warp_kernel(resampling: Resampling) -> GDALResampleAlg::Type {
    match resampling {
        Resampling::Nearest => GDALResampleAlg::GRA_NearestNeighbour,
        Resampling::Bilinear => GDALResampleAlg::GRA_Bilinear,
        Resampling::Cubic => GDALResampleAlg::GRA_Cubic,
        Resampling::CubicSpline => GDALResampleAlg::GRA_CubicSpline,
        Resampling::Lanczos => GDALResampleAlg::GRA_Lanczos,
        Resampling::Average => GDALResampleAlg::GRA_Average,
        Resampling::Mode => GDALResampleAlg::GRA_Mode,
    }
}

/// The kernel `compute::resample` does for `resampling`; `None`: GDAL's warper does it.
pub(super) fn kernel(resampling: Resampling) -> Option<Kernel> {
    match resampling {
        Resampling::Nearest => Some(Kernel::Nearest),
        Resampling::Bilinear => Some(Kernel::Bilinear),
        Resampling::Average => Some(Kernel::Average),
        _ => None,
    }
}
