//! A window of source pixels, up to [`LANES`] bands interleaved per pixel.

use std::ops::Not;

/// Bands resampled together, one lane each: four f32 are one SIMD register, so a tap costs
/// one multiply-add for all of them.
pub const LANES: usize = 4;
pub type Pixel = [f32; LANES];

/// A window of up to [`LANES`] source bands, pixel-interleaved: `width`×`height` pixels from
/// source pixel (`x0`, `y0`); NaN where a band has no data.
pub struct Window {
    pub x0: usize,
    pub y0: usize,
    pub width: usize,
    pub height: usize,
    /// Whether every band has data everywhere (most windows): the kernels skip the tests.
    pub complete: bool,
    pub pixels: Vec<Pixel>,
}

/// A source sample type, read as stored and turned into f32 here (one pass that also marks
/// nodata, instead of GDAL converting while it interleaves).
pub trait Sample: Copy + Default {
    fn value(self) -> f32;
}

macro_rules! sample {
    ($($t:ty),*) => {$(
        impl Sample for $t {
            #[inline(always)]
            fn value(self) -> f32 {
                self as f32
            }
        }
    )*};
}
sample!(u8, u16, i16, f32, f64);

impl Window {
    /// The window at `origin` of `size` pixels from band-sequential `planes` (one plane of
    /// width×height values per band, at most [`LANES`] bands); a value equal to `nodata`, or
    /// NaN, has no data.
    pub fn from_planes<T: Sample>(
        origin: (usize, usize),
        (width, height): (usize, usize),
        planes: &[T],
        nodata: Option<f64>,
    ) -> Window {
        let len = width * height;
        let bands = planes.len().checked_div(len).unwrap_or(0).min(LANES);
        let nodata = nodata.map_or(f32::NAN, |v| v as f32);
        let plane = |b: usize| &planes[b * len..(b + 1) * len];
        let (pixels, complete) = match bands {
            1 => interleave([plane(0)], nodata),
            2 => interleave([plane(0), plane(1)], nodata),
            3 => interleave([plane(0), plane(1), plane(2)], nodata),
            4 => interleave([plane(0), plane(1), plane(2), plane(3)], nodata),
            _ => (vec![[f32::NAN; LANES]; len], false),
        };
        Window {
            x0: origin.0,
            y0: origin.1,
            width,
            height,
            complete,
            pixels,
        }
    }
}

/// `N` planes as pixels of f32 lanes (lanes past `N` are 0), NaN where a value is `nodata` or
/// NaN; and whether no value was. Two simple passes, which the compiler turns into SIMD: a
/// test of every value, and the conversion (with the marking only when the test found any).
fn interleave<T: Sample, const N: usize>(planes: [&[T]; N], nodata: f32) -> (Vec<Pixel>, bool) {
    let len = planes.iter().map(|p| p.len()).min().unwrap_or(0);
    let planes = planes.map(|p| &p[..len]);
    let bad = |v: f32| v == nodata || v.is_nan();
    let complete = planes.iter().all(|plane| {
        plane
            .iter()
            .fold(false, |missing, v| missing | bad(v.value()))
            .not()
    });
    let mut pixels = Vec::with_capacity(len);
    if complete {
        pixels.extend((0..len).map(|i| {
            let mut px = [0.0f32; LANES];
            for (lane, plane) in px.iter_mut().zip(&planes) {
                *lane = plane[i].value();
            }
            px
        }));
    } else {
        pixels.extend((0..len).map(|i| {
            let mut px = [0.0f32; LANES];
            for (lane, plane) in px.iter_mut().zip(&planes) {
                let v = plane[i].value();
                *lane = if bad(v) { f32::NAN } else { v };
            }
            px
        }));
    }
    (pixels, complete)
}

/// The first `bands` lanes of `pixels` as one plane each.
pub fn planes(pixels: &[Pixel], bands: usize) -> Vec<Vec<f32>> {
    (0..bands.min(LANES))
        .map(|lane| pixels.iter().map(|px| px[lane]).collect())
        .collect()
}
