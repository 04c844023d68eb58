//! COMPUTE: damage indices as pure functions over f32 buffers.
//!
//! Every buffer holds one tile of one band, row-major, with NaN meaning "no data". Nodata,
//! NaN inputs and divisions by zero all give NaN, which RENDER turns transparent.

pub mod area_stats;
pub mod composite;
mod dnbr;
mod dndvi;
pub mod expression;
mod formula;
pub mod labels;
mod log_ratio;
pub mod mask;
mod mndwi;
mod nbr;
mod ndvi;
mod ndwi;
mod normalized_difference;
pub mod overview;
pub mod polygonize;
mod rbr;
mod rdnbr;
pub mod reduce;
pub mod resample;
pub mod sieve;
pub mod stretch;
pub mod water_change;

pub use formula::{evaluate, Formula};
pub use normalized_difference::normalized_difference;

/// Which scene of a pipeline a band comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Epoch {
    /// The one scene of a single-date product.
    Single,
    /// The scene before the event.
    Pre,
    /// The scene after the event.
    Post,
}

/// A band an index needs: from which scene, under which name (`red`, `nir`, `swir2`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BandNeed {
    pub epoch: Epoch,
    pub band: &'static str,
}

/// The built-in indices. Each file of this module documents its formula and source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Index {
    Ndvi,
    Nbr,
    Ndwi,
    Mndwi,
    Dnbr,
    Rdnbr,
    Rbr,
    Dndvi,
    /// SAR log-ratio (`log_ratio`).
    #[serde(rename = "log_ratio")]
    LogRatio,
}

impl Index {
    pub const ALL: [Index; 9] = [
        Index::Ndvi,
        Index::Nbr,
        Index::Ndwi,
        Index::Mndwi,
        Index::Dnbr,
        Index::Rdnbr,
        Index::Rbr,
        Index::Dndvi,
        Index::LogRatio,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Index::Ndvi => "ndvi",
            Index::Nbr => "nbr",
            Index::Ndwi => "ndwi",
            Index::Mndwi => "mndwi",
            Index::Dnbr => "dnbr",
            Index::Rdnbr => "rdnbr",
            Index::Rbr => "rbr",
            Index::Dndvi => "dndvi",
            Index::LogRatio => "log_ratio",
        }
    }

    pub fn from_name(name: &str) -> Option<Index> {
        Index::ALL.into_iter().find(|i| i.name() == name)
    }

    /// A change index compares a `pre` and a `post` scene; the others read one scene.
    pub fn is_change(self) -> bool {
        matches!(
            self,
            Index::Dnbr | Index::Rdnbr | Index::Rbr | Index::Dndvi | Index::LogRatio
        )
    }

    /// The bands the index reads, in the order `compute` expects them.
    pub fn bands(self) -> &'static [BandNeed] {
        match self {
            Index::Ndvi => ndvi::BANDS,
            Index::Nbr => nbr::BANDS,
            Index::Ndwi => ndwi::BANDS,
            Index::Mndwi => mndwi::BANDS,
            Index::Dnbr => dnbr::BANDS,
            Index::Rdnbr => rdnbr::BANDS,
            Index::Rbr => rbr::BANDS,
            Index::Dndvi => dndvi::BANDS,
            Index::LogRatio => log_ratio::BANDS,
        }
    }

    /// Evaluates the index over one tile. `bands` holds one buffer per entry of
    /// [`Index::bands`], in that order, all of the same length.
    pub fn compute(self, bands: &[&[f32]]) -> Vec<f32> {
        debug_assert_eq!(bands.len(), self.bands().len());
        match self {
            Index::Ndvi => ndvi::compute(bands),
            Index::Nbr => nbr::compute(bands),
            Index::Ndwi => ndwi::compute(bands),
            Index::Mndwi => mndwi::compute(bands),
            Index::Dnbr => dnbr::compute(bands),
            Index::Rdnbr => rdnbr::compute(bands),
            Index::Rbr => rbr::compute(bands),
            Index::Dndvi => dndvi::compute(bands),
            Index::LogRatio => log_ratio::compute(bands),
        }
    }
}

/// Per-pixel difference `a − b`, NaN where either is NaN.
fn difference(a: &[f32], b: &[f32]) -> Vec<f32> {
    a.iter().zip(b).map(|(a, b)| a - b).collect()
}

#[cfg(test)]
mod tests;
