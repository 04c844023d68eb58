//! Signed bytes before GDAL 3.7: an Int8 raster is a `Byte` band with the `IMAGE_STRUCTURE`
//! item `PIXELTYPE=SIGNEDBYTE`, and every GDAL read, warp and conversion takes its bytes as
//! 0‥255 (−56 is read as 200). Such a file is read through a VRT whose bands are Int16 and
//! whose byte bands map 128‥255 to −128‥−1 with a lookup table, so both the direct reads and
//! GDAL's warper see the signed values (and the nodata value, which GDAL already reports
//! signed, matches them).

use super::error::GdalFailure;
use crate::markup::escape_markup;
use gdal::{Dataset, Metadata};

/// Whether band `band` (1-based) of `dataset` holds signed bytes stored as `Byte`.
pub(super) fn is_signed_byte(dataset: &Dataset, band: usize) -> bool {
    dataset
        .rasterband(band)
        .ok()
        .and_then(|b| b.metadata_item("PIXELTYPE", "IMAGE_STRUCTURE"))
        .is_some_and(|v| v.eq_ignore_ascii_case("SIGNEDBYTE"))
}

/// `dataset` itself, or, when one of its bands holds signed bytes, a VRT over `location` that
/// reads them as signed. Files without a geotransform (GCPs, RPCs) and signed bytes are
/// refused, because the VRT would lose their georeferencing.
pub(super) fn readable(dataset: Dataset, location: &str) -> Result<Dataset, GdalFailure> {
    let count = dataset.raster_count();
    let signed: Vec<bool> = (1..=count).map(|b| is_signed_byte(&dataset, b)).collect();
    if !signed.contains(&true) {
        return Ok(dataset);
    }
    let gt = dataset.geo_transform().map_err(|_| {
        GdalFailure("holds signed bytes (PIXELTYPE=SIGNEDBYTE) without a geotransform; convert it to Int16 first (gdal_translate -ot Int16 after reading it with GDAL ≥ 3.7)".into())
    })?;
    let (width, height) = dataset.raster_size();
    let mut xml = format!(
        "<VRTDataset rasterXSize=\"{width}\" rasterYSize=\"{height}\"><SRS>{}</SRS><GeoTransform>{}</GeoTransform>",
        escape_markup(&dataset.projection()),
        gt.map(|v| format!("{v:.17e}")).join(",")
    );
    for (i, signed) in signed.iter().enumerate() {
        let band = i + 1;
        let raster = dataset.rasterband(band).map_err(GdalFailure::of)?;
        let source = format!(
            "<SourceFilename relativeToVRT=\"0\">{}</SourceFilename><SourceBand>{band}</SourceBand>",
            escape_markup(location)
        );
        let nodata = raster
            .no_data_value()
            .map(|v| format!("<NoDataValue>{v}</NoDataValue>"))
            .unwrap_or_default();
        if *signed {
            xml.push_str(&format!(
                "<VRTRasterBand dataType=\"Int16\" band=\"{band}\">{nodata}<ComplexSource>{source}<LUT>0:0,127:127,128:-128,255:-1</LUT></ComplexSource></VRTRasterBand>"
            ));
        } else {
            let kind = raster.band_type();
            xml.push_str(&format!(
                "<VRTRasterBand dataType=\"{}\" band=\"{band}\">{nodata}<SimpleSource>{source}</SimpleSource></VRTRasterBand>",
                kind.name()
            ));
        }
    }
    xml.push_str("</VRTDataset>");
    Dataset::open(&xml).map_err(GdalFailure::of)
}
