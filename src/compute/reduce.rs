//! Temporal composites: one value per pixel from the acquisitions of a scene (Earth Engine's
//! `ImageCollection.median()` and friends), after each acquisition's quality mask.
//!
//! An acquisition *observes* a pixel when every band of the scene read there is valid (not
//! NaN): the bands of a composite are reduced over the same observations, and their count is
//! the scene's quality layer. `Median` is `numpy.nanmedian` over those observations: the
//! middle value, or for an even count the mean of the two middle values.

/// How a scene's acquisitions become one value per pixel (`reduce = "…"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Reducer {
    Median,
    Mean,
    Min,
    Max,
    /// The earliest acquisition that observes the pixel.
    First,
    /// The latest acquisition that observes the pixel.
    Last,
}

impl Reducer {
    pub const ALL: [Reducer; 6] = [
        Reducer::Median,
        Reducer::Mean,
        Reducer::Min,
        Reducer::Max,
        Reducer::First,
        Reducer::Last,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Reducer::Median => "median",
            Reducer::Mean => "mean",
            Reducer::Min => "min",
            Reducer::Max => "max",
            Reducer::First => "first",
            Reducer::Last => "last",
        }
    }

    pub fn from_name(name: &str) -> Option<Reducer> {
        Reducer::ALL.into_iter().find(|r| r.name() == name)
    }
}

/// The composite of `stack[acquisition][band][pixel]` (acquisitions in time order, NaN = no
/// data) and the number of acquisitions observing each pixel. Every acquisition has the same
/// bands and pixel count; with no acquisition the result is planes of `pixels` NaN. A band
/// flagged in `codes` (classes, bit fields) takes the first observation's value whatever
/// the reducer: a median of cloud flags means nothing.
pub fn reduce(
    stack: &[Vec<Vec<f32>>],
    reducer: Reducer,
    codes: &[bool],
    pixels: usize,
) -> (Vec<Vec<f32>>, Vec<u16>) {
    let bands = codes.len();
    let mut out = vec![vec![f32::NAN; pixels]; bands];
    let mut counts = vec![0u16; pixels];
    let mut observed: Vec<usize> = Vec::with_capacity(stack.len());
    let mut values: Vec<f32> = Vec::with_capacity(stack.len());
    for (p, count) in counts.iter_mut().enumerate() {
        observed.clear();
        observed.extend((0..stack.len()).filter(|&a| {
            stack[a].len() == bands && stack[a].iter().all(|band| band[p].is_finite())
        }));
        *count = u16::try_from(observed.len()).unwrap_or(u16::MAX);
        if observed.is_empty() {
            continue;
        }
        for (b, plane) in out.iter_mut().enumerate() {
            values.clear();
            values.extend(observed.iter().map(|&a| stack[a][b][p]));
            let reducer = if codes[b] { Reducer::First } else { reducer };
            plane[p] = of(&mut values, reducer);
        }
    }
    (out, counts)
}

/// `reducer` over finite `values` (at least one), in time order.
fn of(values: &mut [f32], reducer: Reducer) -> f32 {
    match reducer {
        Reducer::First => values[0],
        Reducer::Last => values[values.len() - 1],
        Reducer::Min => values.iter().copied().fold(f32::INFINITY, f32::min),
        Reducer::Max => values.iter().copied().fold(f32::NEG_INFINITY, f32::max),
        Reducer::Mean => {
            let sum: f64 = values.iter().map(|&v| f64::from(v)).sum();
            (sum / values.len() as f64) as f32
        }
        Reducer::Median => {
            values.sort_unstable_by(f32::total_cmp);
            let n = values.len();
            if n % 2 == 1 {
                values[n / 2]
            } else {
                ((f64::from(values[n / 2 - 1]) + f64::from(values[n / 2])) / 2.0) as f32
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAN: f32 = f32::NAN;

    /// Three acquisitions of two bands over four pixels.
    fn stack() -> Vec<Vec<Vec<f32>>> {
        vec![
            vec![vec![1.0, 5.0, NAN, 2.0], vec![10.0, 50.0, 0.0, NAN]],
            vec![vec![3.0, 4.0, NAN, 8.0], vec![30.0, 40.0, 0.0, 80.0]],
            vec![vec![2.0, NAN, NAN, 4.0], vec![20.0, 60.0, 0.0, 40.0]],
        ]
    }

    #[test]
    fn an_observation_needs_every_band_and_the_count_says_how_many() {
        let (_, counts) = reduce(&stack(), Reducer::Median, &[false, false], 4);
        // Pixel 1: the third acquisition lacks band 0; pixel 2: band 0 is missing in all;
        // pixel 3: the first lacks band 1.
        assert_eq!(counts, vec![3, 2, 0, 2]);
    }

    #[test]
    fn median_is_numpy_nanmedian_over_the_observations() {
        let (out, _) = reduce(&stack(), Reducer::Median, &[false, false], 4);
        // numpy.nanmedian([1, 3, 2]) = 2; [5, 4] → 4.5; [8, 4] → 6.
        assert_eq!(out[0][0], 2.0);
        assert_eq!(out[0][1], 4.5);
        assert!(out[0][2].is_nan() && out[1][2].is_nan());
        assert_eq!(out[0][3], 6.0);
        // Band 1 over the same observations: [50, 40] → 45, not [50, 40, 60] → 50.
        assert_eq!(out[1][1], 45.0);
        assert_eq!(out[1][3], 60.0);
    }

    #[test]
    fn first_and_last_follow_time_order_and_skip_unobserved_acquisitions() {
        let (first, _) = reduce(&stack(), Reducer::First, &[false, false], 4);
        let (last, _) = reduce(&stack(), Reducer::Last, &[false, false], 4);
        assert_eq!((first[0][0], last[0][0]), (1.0, 2.0));
        assert_eq!((first[0][1], last[0][1]), (5.0, 4.0));
        assert_eq!((first[0][3], last[0][3]), (8.0, 4.0));
    }

    #[test]
    fn mean_min_and_max_are_over_the_observations() {
        let (mean, _) = reduce(&stack(), Reducer::Mean, &[false, false], 4);
        let (min, _) = reduce(&stack(), Reducer::Min, &[false, false], 4);
        let (max, _) = reduce(&stack(), Reducer::Max, &[false, false], 4);
        assert_eq!((mean[0][0], min[0][0], max[0][0]), (2.0, 1.0, 3.0));
        assert_eq!((mean[1][3], min[1][3], max[1][3]), (60.0, 40.0, 80.0));
    }

    #[test]
    fn a_band_of_codes_takes_the_first_observation() {
        let (out, _) = reduce(&stack(), Reducer::Median, &[false, true], 4);
        assert_eq!((out[0][0], out[1][0]), (2.0, 10.0));
    }

    #[test]
    fn no_acquisition_gives_nodata_and_a_zero_count() {
        let (out, counts) = reduce(&[], Reducer::Mean, &[false, false], 3);
        assert_eq!(out.len(), 2);
        assert!(out.iter().flatten().all(|v| v.is_nan()));
        assert_eq!(counts, vec![0, 0, 0]);
    }

    #[test]
    fn every_reducer_is_named_as_the_pipeline_writes_it() {
        for r in Reducer::ALL {
            assert_eq!(Reducer::from_name(r.name()), Some(r));
        }
        assert_eq!(Reducer::from_name("average"), None);
    }
}
