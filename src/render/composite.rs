//! Colouring a composite: each channel's band stretched linearly from its `[min, max]` to
//! 0–255 (values outside clamp), as `gdal_translate -scale min max 0 255` does; transparent
//! where the pixel has no data.

use super::Rgba;

/// A three-band composite's look.
#[derive(Debug, Clone, PartialEq)]
pub struct Composite {
    /// The band shown in the red, green and blue channel.
    pub bands: [String; 3],
    /// Per channel, the values shown as 0 and 255.
    pub ranges: [(f32, f32); 3],
    /// Percentiles (low, high) the ranges are still to be measured at, once per run, before
    /// the first tile; `None` once they are known (or when the pipeline gave them).
    pub stretch: Option<(f32, f32)>,
}

impl Composite {
    /// The display channels in plane order, with the colour that stands for each in legends.
    pub const CHANNELS: [(&'static str, Rgba); 3] = [
        ("red", Rgba([255, 0, 0, 255])),
        ("green", Rgba([0, 255, 0, 255])),
        ("blue", Rgba([0, 0, 255, 255])),
    ];

    /// Clamps each plane to its channel's range. Done before overviews are averaged, so an
    /// overview pixel is the average of what is displayed (as image pyramids are built), not
    /// of values beyond the stretch that would display brighter than any child.
    pub fn clamp(&self, planes: &mut [f32]) {
        let n = planes.len() / 3;
        for (c, (min, max)) in self.ranges.iter().enumerate() {
            // NaN stays NaN: f32::clamp propagates it.
            planes[c * n..(c + 1) * n]
                .iter_mut()
                .for_each(|v| *v = v.clamp(*min, *max));
        }
    }

    /// Interleaved RGBA bytes from three planes of `n` values each.
    pub fn render(&self, planes: &[f32]) -> Vec<u8> {
        let n = planes.len() / 3;
        let mut out = vec![0u8; n * 4];
        for (c, (min, max)) in self.ranges.iter().enumerate() {
            let scale = 255.0 / (max - min);
            let plane = &planes[c * n..(c + 1) * n];
            for (px, &v) in out.chunks_exact_mut(4).zip(plane) {
                // Rounded half up (+ 0.5, then truncated: no libm call); NaN casts to 0, and
                // alpha below makes it transparent.
                px[c] = (((v - min) * scale).clamp(0.0, 255.0) + 0.5) as u8;
            }
        }
        for (px, &v) in out.chunks_exact_mut(4).zip(&planes[..n]) {
            px[3] = if v.is_nan() { 0 } else { 255 };
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_channel_is_stretched_over_its_own_range() {
        let c = Composite {
            bands: ["swir2".into(), "nir".into(), "red".into()],
            ranges: [(0.0, 0.5), (0.0, 1.0), (0.1, 0.2)],
            stretch: None,
        };
        // Two pixels: the second has no data.
        let planes = [0.25, f32::NAN, 1.5, f32::NAN, 0.15, f32::NAN];
        let rgba = c.render(&planes);
        assert_eq!(&rgba[..4], &[128, 255, 128, 255]);
        assert_eq!(rgba[7], 0);
    }
}
