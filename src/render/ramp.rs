use super::Rgba;

/// Named ramps. Stops are the ColorBrewer 2.0 schemes (Brewer, Harrower & Penn State,
/// Apache-2.0) at their 9- or 11-class sizes and matplotlib's viridis (CC0), sampled evenly.
const RAMPS: &[(&str, &[u32])] = &[
    (
        "viridis",
        &[
            0x440154, 0x482878, 0x3e4989, 0x31688e, 0x26828e, 0x1f9e89, 0x35b779, 0x6ece58,
            0xb5de2b, 0xfde725,
        ],
    ),
    (
        "blues",
        &[
            0xf7fbff, 0xdeebf7, 0xc6dbef, 0x9ecae1, 0x6baed6, 0x4292c6, 0x2171b5, 0x08519c,
            0x08306b,
        ],
    ),
    (
        "greens",
        &[
            0xf7fcf5, 0xe5f5e0, 0xc7e9c0, 0xa1d99b, 0x74c476, 0x41ab5d, 0x238b45, 0x006d2c,
            0x00441b,
        ],
    ),
    (
        "greys",
        &[
            0xffffff, 0xf0f0f0, 0xd9d9d9, 0xbdbdbd, 0x969696, 0x737373, 0x525252, 0x252525,
            0x000000,
        ],
    ),
    (
        "ylorrd",
        &[
            0xffffcc, 0xffeda0, 0xfed976, 0xfeb24c, 0xfd8d3c, 0xfc4e2a, 0xe31a1c, 0xbd0026,
            0x800026,
        ],
    ),
    (
        "rdylgn",
        &[
            0xa50026, 0xd73027, 0xf46d43, 0xfdae61, 0xfee08b, 0xffffbf, 0xd9ef8b, 0xa6d96a,
            0x66bd63, 0x1a9850, 0x006837,
        ],
    ),
    (
        "rdbu",
        &[
            0x67001f, 0xb2182b, 0xd6604d, 0xf4a582, 0xfddbc7, 0xf7f7f7, 0xd1e5f0, 0x92c5de,
            0x4393c3, 0x2166ac, 0x053061,
        ],
    ),
    (
        "brbg",
        &[
            0x543005, 0x8c510a, 0xbf812d, 0xdfc27d, 0xf6e8c3, 0xf5f5f5, 0xc7eae5, 0x80cdc1,
            0x35978f, 0x01665e, 0x003c30,
        ],
    ),
];

/// Every accepted ramp name; each also exists reversed with the suffix `_r`.
pub const RAMP_NAMES: [&str; 8] = [
    "viridis", "blues", "greens", "greys", "ylorrd", "rdylgn", "rdbu", "brbg",
];

/// Entries of the look-up table a ramp is sampled into: adjacent entries differ by less than
/// one 8-bit colour step for every shipped ramp, so the table loses nothing visible.
const LUT_SIZE: usize = 1024;

/// A colour ramp: evenly spaced stops, linear interpolation in sRGB, sampled once into a
/// look-up table (colouring a tile is then one multiply and one index per pixel).
#[derive(Debug, Clone, PartialEq)]
pub struct ColorRamp {
    pub name: String,
    stops: Vec<[f32; 3]>,
    lut: Vec<Rgba>,
}

impl ColorRamp {
    /// A named ramp (`rdylgn`), or its reverse (`rdylgn_r`).
    pub fn named(name: &str) -> Option<ColorRamp> {
        let (base, reversed) = match name.strip_suffix("_r") {
            Some(base) => (base, true),
            None => (name, false),
        };
        let (_, hex) = RAMPS.iter().find(|(n, _)| *n == base)?;
        let mut stops: Vec<[f32; 3]> = hex
            .iter()
            .map(|h| [(h >> 16) as u8, (h >> 8) as u8, *h as u8].map(f32::from))
            .collect();
        if reversed {
            stops.reverse();
        }
        let mut ramp = ColorRamp {
            name: name.to_string(),
            stops,
            lut: Vec::new(),
        };
        ramp.lut = (0..LUT_SIZE)
            .map(|i| ramp.interpolate(i as f32 / (LUT_SIZE - 1) as f32))
            .collect();
        Some(ramp)
    }

    /// The colour at `t` in `[0, 1]` (clamped), opaque, from the look-up table.
    pub fn at(&self, t: f32) -> Rgba {
        let i = (t.clamp(0.0, 1.0) * (LUT_SIZE - 1) as f32 + 0.5) as usize;
        self.lut[i.min(LUT_SIZE - 1)]
    }

    /// The exactly interpolated colour at `t`.
    fn interpolate(&self, t: f32) -> Rgba {
        let last = self.stops.len() - 1;
        let pos = t.clamp(0.0, 1.0) * last as f32;
        let i = (pos.floor() as usize).min(last.saturating_sub(1));
        let f = pos - i as f32;
        let (a, b) = (self.stops[i], self.stops[(i + 1).min(last)]);
        let mix = |k: usize| (a[k] + (b[k] - a[k]) * f).round() as u8;
        Rgba([mix(0), mix(1), mix(2), 255])
    }
}
