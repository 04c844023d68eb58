//! Sentinel-2 Level-1C/2A metadata: the reflectance offset of a product (its MTD XML, or its
//! processing baseline when the folder holds no XML).

use std::path::Path;

use super::sensor::{PresetOptions, S2_BAND_IDS};
use super::CatalogError;

/// The −1000 offset of processing baseline ≥ 04.00, from the declared baseline.
pub(super) fn sentinel2_offset(options: &PresetOptions) -> Result<f64, CatalogError> {
    let Some(baseline) = &options.processing_baseline else {
        return Err(CatalogError::Option { problem: "no MTD_MSIL2A.xml / MTD_MSIL1C.xml found to read the reflectance offset from; declare `processing_baseline = \"NN.NN\"` (in the product name after `_N`, e.g. N0509 → \"05.09\")".into() });
    };
    let number: f64 =
        baseline
            .trim_start_matches('N')
            .parse()
            .map_err(|_| CatalogError::Option {
                problem: format!("processing_baseline `{baseline}` is not a number like \"05.09\""),
            })?;
    // "0509" (as in product names) means 05.09.
    let number = if number >= 100.0 {
        number / 100.0
    } else {
        number
    };
    Ok(if number >= 4.0 { -1000.0 } else { 0.0 })
}

/// Offsets and quantification from a Sentinel-2 product's MTD XML.
/// What is wrong with an MTD XML.
#[derive(Debug, thiserror::Error)]
enum MtdProblem {
    #[error("not XML: {0}")]
    NotXml(#[from] roxmltree::Error),
    #[error("no QUANTIFICATION_VALUE")]
    NoQuantification,
    #[error("QUANTIFICATION_VALUE is not a number")]
    Quantification,
}

#[derive(Debug, Clone)]
pub(super) struct Sentinel2Metadata {
    pub(super) quantification: f64,
    /// Offset per `band_id` (index into [`S2_BAND_IDS`]).
    offsets: Vec<(usize, f64)>,
}

impl Sentinel2Metadata {
    pub(super) fn find(dir: &Path) -> Result<Option<Sentinel2Metadata>, CatalogError> {
        for name in ["MTD_MSIL2A.xml", "MTD_MSIL1C.xml"] {
            let path = dir.join(name);
            if let Ok(text) = std::fs::read_to_string(&path) {
                return Sentinel2Metadata::parse(&text)
                    .map(Some)
                    .map_err(|problem| CatalogError::Metadata {
                        path,
                        problem: problem.to_string(),
                    });
            }
        }
        Ok(None)
    }

    fn parse(text: &str) -> Result<Sentinel2Metadata, MtdProblem> {
        let doc = roxmltree::Document::parse(text)?;
        // Elements by local name: L1C and L2A name them alike under different parents.
        let elements = |tag: &'static str| {
            doc.descendants()
                .filter(move |n| n.is_element() && n.tag_name().name() == tag)
        };
        let text_of = |n: roxmltree::Node| n.text().unwrap_or("").trim().to_string();
        let quantification = ["BOA_QUANTIFICATION_VALUE", "QUANTIFICATION_VALUE"]
            .iter()
            .find_map(|tag| elements(tag).next())
            .ok_or(MtdProblem::NoQuantification)
            .map(text_of)?
            .parse::<f64>()
            .map_err(|_| MtdProblem::Quantification)?;
        let mut offsets = Vec::new();
        for tag in ["BOA_ADD_OFFSET", "RADIO_ADD_OFFSET"] {
            for element in elements(tag) {
                let id = element
                    .attribute("band_id")
                    .and_then(|v| v.parse::<usize>().ok());
                let value = text_of(element).parse::<f64>().ok();
                if let (Some(id), Some(value)) = (id, value) {
                    offsets.push((id, value));
                }
            }
        }
        Ok(Sentinel2Metadata {
            quantification,
            offsets,
        })
    }

    pub(super) fn offset_of(&self, id: &str) -> f64 {
        S2_BAND_IDS
            .iter()
            .position(|b| *b == id)
            .and_then(|i| self.offsets.iter().find(|(b, _)| *b == i))
            .map_or(0.0, |(_, v)| *v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn baseline_decides_the_offset() {
        let with = |b: &str| PresetOptions {
            processing_baseline: Some(b.into()),
            backscatter: None,
        };
        assert_eq!(sentinel2_offset(&with("05.09")).ok(), Some(-1000.0));
        assert_eq!(sentinel2_offset(&with("04.00")).ok(), Some(-1000.0));
        assert_eq!(sentinel2_offset(&with("N0400")).ok(), Some(-1000.0));
        assert_eq!(sentinel2_offset(&with("03.01")).ok(), Some(0.0));
        assert!(sentinel2_offset(&PresetOptions::default()).is_err());
        assert!(sentinel2_offset(&with("new")).is_err());
    }

    #[test]
    fn mtd_offsets_are_per_band_id() {
        let xml = r#"<x><BOA_QUANTIFICATION_VALUE unit="none">10000</BOA_QUANTIFICATION_VALUE>
            <BOA_ADD_OFFSET band_id="3">-1000</BOA_ADD_OFFSET>
            <BOA_ADD_OFFSET band_id="8">-500</BOA_ADD_OFFSET></x>"#;
        let m = Sentinel2Metadata::parse(xml).expect("parses");
        assert_eq!(m.quantification, 10000.0);
        assert_eq!(m.offset_of("B04"), -1000.0);
        assert_eq!(m.offset_of("B8A"), -500.0);
        assert_eq!(m.offset_of("B02"), 0.0);
    }
}
