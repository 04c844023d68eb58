//! The contrast stretch of a composite, measured once per run on a sample of the scene:
//! per band, the values at two percentiles of the valid pixels (e.g. 2 % and 98 %), which
//! become black and full intensity.

/// The `low` and `high` percentiles (0–100) of the non-NaN values; `None` when there are none.
/// Nearest-rank percentiles: the value at rank ⌈p/100 · n⌉ of the sorted values.
pub fn percentile_range(values: &[f32], low: f32, high: f32) -> Option<(f32, f32)> {
    let mut valid: Vec<f32> = values.iter().copied().filter(|v| !v.is_nan()).collect();
    if valid.is_empty() {
        return None;
    }
    valid.sort_by(f32::total_cmp);
    let at = |p: f32| {
        let rank = ((p / 100.0) * valid.len() as f32).ceil() as usize;
        valid[rank.clamp(1, valid.len()) - 1]
    };
    let (min, max) = (at(low), at(high));
    // A constant band still needs a range that is not empty.
    Some(if max > min {
        (min, max)
    } else {
        (min, min + 1.0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles_ignore_nodata() {
        let mut values: Vec<f32> = (1..=100).map(|v| v as f32).collect();
        values.push(f32::NAN);
        assert_eq!(percentile_range(&values, 2.0, 98.0), Some((2.0, 98.0)));
        assert_eq!(percentile_range(&values, 0.0, 100.0), Some((1.0, 100.0)));
    }

    #[test]
    fn a_constant_band_gets_a_range_and_no_data_gets_none() {
        assert_eq!(percentile_range(&[5.0; 10], 2.0, 98.0), Some((5.0, 6.0)));
        assert_eq!(percentile_range(&[f32::NAN; 3], 2.0, 98.0), None);
    }
}
