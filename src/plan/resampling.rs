//! How source pixels are resampled into the tile grid: plan vocabulary, mapped to GDAL's
//! warp kernels in the raster room and to our own kernels in `compute::resample`.

/// How source pixels are resampled when warped into the tile grid (GDAL's warp kernels).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Resampling {
    Nearest,
    Bilinear,
    Cubic,
    CubicSpline,
    Lanczos,
    Average,
    Mode,
}

impl Resampling {
    pub const NAMES: [&'static str; 7] = [
        "nearest",
        "bilinear",
        "cubic",
        "cubicspline",
        "lanczos",
        "average",
        "mode",
    ];

    pub fn from_name(name: &str) -> Option<Resampling> {
        Some(match name {
            "nearest" | "near" => Resampling::Nearest,
            "bilinear" => Resampling::Bilinear,
            "cubic" => Resampling::Cubic,
            "cubicspline" => Resampling::CubicSpline,
            "lanczos" => Resampling::Lanczos,
            "average" => Resampling::Average,
            "mode" => Resampling::Mode,
            _ => return None,
        })
    }
}
