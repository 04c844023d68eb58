//! Synthetic values only: the formulas evaluated by hand. Real-pixel checks live in
//! `tests/index_values.rs`.

use super::overview::{downsample, Aggregate};
use super::*;

#[test]
fn normalized_difference_marks_nodata_and_zero_sums() {
    let a = [0.5, f32::NAN, 0.0, 0.3, -0.2];
    let b = [0.1, 0.2, 0.0, f32::NAN, 0.2];
    let nd = normalized_difference(&a, &b);
    assert!((nd[0] - 0.4 / 0.6).abs() < 1e-6);
    assert!(nd[1].is_nan(), "NaN input gives nodata");
    assert!(nd[2].is_nan(), "0/0 gives nodata");
    assert!(nd[3].is_nan());
    assert!(nd[4].is_nan(), "a + b == 0 gives nodata, not infinity");
}

#[test]
fn dnbr_is_pre_minus_post() {
    // Pre: healthy (nir 0.4, swir2 0.1) → NBR 0.6; post: burned (nir 0.15, swir2 0.25) → −0.25.
    let out = Index::Dnbr.compute(&[&[0.4], &[0.1], &[0.15], &[0.25]]);
    assert!((out[0] - 0.85).abs() < 1e-6, "got {}", out[0]);
    let nodata = Index::Dnbr.compute(&[&[0.4], &[0.1], &[f32::NAN], &[0.25]]);
    assert!(
        nodata[0].is_nan(),
        "nodata in either scene masks the change"
    );
}

#[test]
fn every_index_has_a_unique_name_and_its_bands() {
    for index in Index::ALL {
        assert_eq!(Index::from_name(index.name()), Some(index));
        let epochs: Vec<Epoch> = index.bands().iter().map(|b| b.epoch).collect();
        assert_eq!(index.is_change(), epochs.contains(&Epoch::Pre));
        let ones = vec![vec![1.0f32; 4]; index.bands().len()];
        let refs: Vec<&[f32]> = ones.iter().map(Vec::as_slice).collect();
        assert_eq!(index.compute(&refs).len(), 4);
    }
    assert_eq!(Index::from_name("ndmi"), None);
}

#[test]
fn overview_mean_ignores_nodata_and_missing_children() {
    // 4×4 children; only the north-west one exists.
    let mut nw = vec![1.0f32; 16];
    nw[0] = 3.0; // block (0,0) = {3, 1, 1, 1} → 1.5
    nw[2] = f32::NAN; // block (1,0) = {NaN, 1, 1, 1} → 1
    let out = downsample([Some(&nw), None, None, None], 4, 1, Aggregate::Mean);
    assert_eq!(out[0], 1.5);
    assert_eq!(out[1], 1.0);
    assert!(out[2].is_nan(), "north-east quadrant has no child");
    assert!(out[15].is_nan());
}

#[test]
fn overview_of_a_composite_averages_each_plane_on_its_own() {
    // Two planes of 2×2: the first all 1, the second 0, 2, 4, 6.
    let child = [1.0f32, 1.0, 1.0, 1.0, 0.0, 2.0, 4.0, 6.0];
    let out = downsample([Some(&child), None, None, None], 2, 2, Aggregate::Mean);
    assert_eq!(out.len(), 8);
    assert_eq!(out[0], 1.0);
    assert_eq!(out[4], 3.0);
    assert!(out[1].is_nan() && out[5].is_nan());
}

#[test]
fn overview_majority_keeps_an_existing_class_value() {
    let class_of = |v: f32| Some(if v < 0.5 { 0 } else { 1 });
    let child = [0.9, 0.2, 0.7, 0.6f32];
    let mut big = vec![f32::NAN; 4];
    big.copy_from_slice(&child);
    let out = downsample(
        [Some(&big), None, None, None],
        2,
        1,
        Aggregate::Majority(&class_of),
    );
    assert_eq!(
        out[0], 0.9,
        "class 1 holds three of four pixels; its first value is kept"
    );
}

#[test]
fn rdnbr_and_rbr_relativise_dnbr() {
    // Pre NBR 0.6 (nir 0.4, swir2 0.1), post NBR −0.25 → dNBR 0.85.
    let bands: [&[f32]; 4] = [&[0.4], &[0.1], &[0.15], &[0.25]];
    let rdnbr = Index::Rdnbr.compute(&bands)[0];
    assert!((rdnbr - 0.85 / 0.6f32.sqrt()).abs() < 1e-6, "{rdnbr}");
    let rbr = Index::Rbr.compute(&bands)[0];
    assert!((rbr - 0.85 / 1.601).abs() < 1e-6, "{rbr}");
    // NBR_pre = 0 (nir = swir2): the denominator is guarded, sqrt(0.001).
    let guarded = Index::Rdnbr.compute(&[&[0.2], &[0.2], &[0.1], &[0.3]])[0];
    assert!((guarded - 0.5 / 0.001f32.sqrt()).abs() < 1e-3, "{guarded}");
}

#[test]
fn log_ratio_is_ten_log10_of_post_over_pre() {
    // σ⁰ 0.1 → 0.01 (water after flooding): −10 dB; doubling: +3.0103 dB.
    let out = Index::LogRatio.compute(&[&[0.1, 0.05, 0.0, 0.2], &[0.01, 0.1, 0.1, f32::NAN]]);
    assert!((out[0] + 10.0).abs() < 1e-5, "{}", out[0]);
    assert!((out[1] - 10.0 * 2f32.log10()).abs() < 1e-5, "{}", out[1]);
    assert!(out[2].is_nan(), "zero backscatter has no log");
    assert!(out[3].is_nan());
}

#[test]
fn water_change_codes_the_pair_of_states() {
    // MNDWI = (green − swir1)/(green + swir1): 0.3/0.1 → 0.5 (water), 0.1/0.3 → −0.5 (land).
    let (w, l) = ((0.3f32, 0.1f32), (0.1f32, 0.3f32));
    let pre = [l, w, l, w, l];
    let post = [l, w, w, l, (f32::NAN, 0.1)];
    let column = |v: &[(f32, f32)], second: bool| -> Vec<f32> {
        v.iter().map(|p| if second { p.1 } else { p.0 }).collect()
    };
    let (a, b, c, d) = (
        column(&pre, false),
        column(&pre, true),
        column(&post, false),
        column(&post, true),
    );
    let out = water_change::compute(Index::Mndwi, 0.0, &[&a, &b, &c, &d]);
    assert_eq!(&out[..4], &[0.0, 1.0, 2.0, 3.0]);
    assert!(out[4].is_nan());
    // A threshold above both values: nothing is water.
    let none = water_change::compute(Index::Mndwi, 0.6, &[&a, &b, &c, &d]);
    assert_eq!(&none[..4], &[0.0, 0.0, 0.0, 0.0]);
}
