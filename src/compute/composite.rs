//! A three-band colour composite (true colour, colour infrared, SWIR for burn scars): the bands
//! themselves, as three planes one after another (red, green, blue channel). A pixel is valid
//! only where all three bands are, so a composite never shows a pixel with a missing channel.

/// The named composites: (name, [red, green, blue] band names, what it shows).
pub const NAMED: [(&str, [&str; 3], &str); 4] = [
    ("true-color", ["red", "green", "blue"], "natural colour"),
    (
        "color-infrared",
        ["nir", "red", "green"],
        "vegetation in red (standard false colour)",
    ),
    (
        "swir",
        ["swir2", "nir", "red"],
        "burn scars in red-brown, vegetation in green (SWIR2/NIR/red)",
    ),
    (
        "agriculture",
        ["swir1", "nir", "blue"],
        "crops and bare soil (SWIR1/NIR/blue)",
    ),
];

/// The band names of a named composite.
pub fn named(name: &str) -> Option<[&'static str; 3]> {
    NAMED
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, b, _)| *b)
}

/// `bands` are the red, green and blue channel's band, all of the same length; returns the
/// three planes concatenated, NaN in all three where any is NaN.
pub fn compute(bands: &[&[f32]]) -> Vec<f32> {
    let [r, g, b] = [bands[0], bands[1], bands[2]];
    let n = r.len();
    let mut out = Vec::with_capacity(3 * n);
    out.extend_from_slice(r);
    out.extend_from_slice(g);
    out.extend_from_slice(b);
    for i in 0..n {
        if r[i].is_nan() || g[i].is_nan() || b[i].is_nan() {
            out[i] = f32::NAN;
            out[n + i] = f32::NAN;
            out[2 * n + i] = f32::NAN;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn planes_follow_each_other_and_a_missing_channel_blanks_the_pixel() {
        let r = [0.1, 0.2, f32::NAN];
        let g = [0.3, 0.4, 0.5];
        let b = [0.6, f32::NAN, 0.7];
        let out = compute(&[&r, &g, &b]);
        assert_eq!(&out[0..1], &[0.1]);
        assert_eq!(out[3], 0.3);
        assert_eq!(out[6], 0.6);
        for i in [1, 2] {
            assert!(out[i].is_nan() && out[3 + i].is_nan() && out[6 + i].is_nan());
        }
    }

    #[test]
    fn named_composites_are_found_by_name() {
        assert_eq!(named("swir"), Some(["swir2", "nir", "red"]));
        assert_eq!(named("true-color"), Some(["red", "green", "blue"]));
        assert_eq!(named("sepia"), None);
    }
}
