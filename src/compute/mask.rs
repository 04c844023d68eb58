//! Quality masks: which pixels of a scene are cloud, shadow, snow or fill, from the quality
//! band its producer ships. Masked pixels become nodata before any index is computed; in a
//! change product a pixel masked in either scene is masked.
//!
//! - Sentinel-2 L2A Scene Classification (SCL), ESA Level-2A product specification:
//!   0 no data, 1 saturated or defective, 2 dark area pixels, 3 cloud shadows, 4 vegetation,
//!   5 not vegetated, 6 water, 7 unclassified, 8 cloud medium probability, 9 cloud high
//!   probability, 10 thin cirrus, 11 snow or ice.
//! - Landsat Collection 2 QA_PIXEL (LSDS-1619 / LSDS-1618, table "Pixel Quality Assessment"):
//!   bit 0 fill, 1 dilated cloud, 2 cirrus (OLI only), 3 cloud, 4 cloud shadow, 5 snow,
//!   6 clear, 7 water.

/// SCL classes masked by default: no data, saturated, cloud shadow, cloud (medium, high),
/// cirrus, snow.
pub const SCL_DEFAULT: [u8; 7] = [0, 1, 3, 8, 9, 10, 11];

/// QA_PIXEL bits by name.
pub const QA_PIXEL_BITS: [(&str, u8); 8] = [
    ("fill", 0),
    ("dilated_cloud", 1),
    ("cirrus", 2),
    ("cloud", 3),
    ("cloud_shadow", 4),
    ("snow", 5),
    ("clear", 6),
    ("water", 7),
];

/// QA_PIXEL bits masked by default: fill, dilated cloud, cirrus, cloud, cloud shadow, snow.
pub const QA_PIXEL_DEFAULT: [&str; 6] = [
    "fill",
    "dilated_cloud",
    "cirrus",
    "cloud",
    "cloud_shadow",
    "snow",
];

/// A rule over one quality band.
/// A QA_PIXEL bit name that is not one of [`QA_PIXEL_BITS`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown QA_PIXEL bit `{name}`; one of: {}",
    QA_PIXEL_BITS.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
)]
pub struct UnknownBit {
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MaskRule {
    /// Mask pixels whose class code is one of these (Sentinel-2 SCL).
    Classes(Vec<u8>),
    /// Mask pixels with any of these bits set (Landsat QA_PIXEL).
    Bits(u16),
}

impl MaskRule {
    /// The QA_PIXEL rule for these bit names; the first unknown name is the error.
    pub fn qa_pixel<S: AsRef<str>>(names: &[S]) -> Result<MaskRule, UnknownBit> {
        let mut bits = 0u16;
        for name in names {
            let name = name.as_ref();
            let bit = QA_PIXEL_BITS
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, b)| *b)
                .ok_or_else(|| UnknownBit { name: name.into() })?;
            bits |= 1 << bit;
        }
        Ok(MaskRule::Bits(bits))
    }

    /// Whether a quality value is masked. NaN (the quality band has no data) is masked.
    pub fn masks(&self, value: f32) -> bool {
        if !value.is_finite() || value < 0.0 {
            return true;
        }
        match self {
            MaskRule::Classes(classes) => {
                value <= 255.0 && value.fract() == 0.0 && classes.contains(&(value as u8))
            }
            MaskRule::Bits(bits) => (value as u32) & u32::from(*bits) != 0,
        }
    }

    /// Sets `values` to NaN wherever `quality` is masked.
    pub fn apply(&self, quality: &[f32], values: &mut [f32]) {
        for (v, q) in values.iter_mut().zip(quality) {
            if self.masks(*q) {
                *v = f32::NAN;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scl_default_masks_clouds_shadow_snow_and_no_data_only() {
        let rule = MaskRule::Classes(SCL_DEFAULT.to_vec());
        let masked: Vec<u8> = (0..=11u8).filter(|c| rule.masks(f32::from(*c))).collect();
        assert_eq!(masked, vec![0, 1, 3, 8, 9, 10, 11]);
        assert!(rule.masks(f32::NAN));
    }

    #[test]
    fn qa_pixel_bits_follow_the_collection_2_table() {
        let rule = MaskRule::qa_pixel(&QA_PIXEL_DEFAULT).expect("known bits");
        assert_eq!(rule, MaskRule::Bits(0b0011_1111));
        // Typical QA_PIXEL values, with the bits they set written out:
        assert!(!rule.masks(21824.0)); // 14 12 10 8 6: clear, low confidences
        assert!(!rule.masks(21952.0)); // 14 12 10 8 7 6: water
        assert!(rule.masks(1.0)); // 0: fill
        assert!(rule.masks(22280.0)); // 14 12 10 9 8 3: cloud
        assert!(rule.masks(23888.0)); // 14 12 11 10 8 6 4: cloud shadow
        assert!(rule.masks(30048.0)); // 14 13 12 10 8 6 5: snow
        assert!(rule.masks(55052.0)); // 15 14 12 10 9 8 3 2: cirrus and cloud
        for (value, bits) in [
            (21824u32, vec![14, 12, 10, 8, 6]),
            (55052, vec![15, 14, 12, 10, 9, 8, 3, 2]),
        ] {
            assert_eq!(bits.iter().map(|b| 1u32 << b).sum::<u32>(), value);
        }
        let water_only = MaskRule::qa_pixel(&["water"]).expect("known bit");
        assert!(water_only.masks(21952.0) && !water_only.masks(21824.0));
        assert!(MaskRule::qa_pixel(&["clouds"]).is_err());
    }
}
