//! Expressions evaluated against the same arithmetic written out by hand.

use super::*;

fn eval(text: &str, bands: &[&[f32]]) -> Vec<f32> {
    Expression::parse(text).expect("parses").evaluate(bands)
}

fn error(text: &str) -> ExpressionError {
    Expression::parse(text).expect_err("does not parse")
}

#[test]
fn arithmetic_precedence_and_references() {
    let e = Expression::parse("(post.nir - post.swir2) / (post.nir + post.swir2)").expect("parses");
    assert_eq!(
        e.references(),
        &[
            BandRef {
                scene: "post".into(),
                band: "nir".into()
            },
            BandRef {
                scene: "post".into(),
                band: "swir2".into()
            }
        ]
    );
    assert_eq!(e.reference_columns(), &[2, 13]);
    let out = e.evaluate(&[&[0.4, 0.3], &[0.1, f32::NAN]]);
    assert!((out[0] - 0.6).abs() < 1e-6);
    assert!(out[1].is_nan(), "nodata propagates");
    assert_eq!(eval("1 + 2 * 3 - -4 / 2", &[]), vec![9.0]);
    assert_eq!(eval("2 * (1 + a.b)", &[&[1.0, 2.0]]), vec![4.0, 6.0]);
    assert_eq!(eval("1.5e-1 * 10", &[]), vec![1.5]);
}

#[test]
fn functions_comparisons_and_where() {
    let x: &[f32] = &[-4.0, 0.0, 9.0, f32::NAN];
    let out = eval("where(a.x > 0, sqrt(a.x), abs(a.x))", &[x]);
    assert_eq!(&out[..3], &[4.0, 0.0, 3.0]);
    assert!(out[3].is_nan(), "a comparison with nodata is nodata");
    assert_eq!(
        eval("min(a.x, 1) + max(a.x, 1)", &[&[3.0, -2.0]]),
        vec![4.0, -1.0]
    );
    assert_eq!(eval("log10(a.x)", &[&[100.0]]), vec![2.0]);
    assert!(eval("log10(a.x)", &[&[0.0]])[0].is_nan());
    assert!(eval("sqrt(a.x)", &[&[-1.0]])[0].is_nan());
    assert!(
        eval("1 / a.x", &[&[0.0]])[0].is_nan(),
        "division by zero is nodata"
    );
    // New water: water after (> 0) and not before.
    let out = eval(
        "where(post.m > 0 and pre.m <= 0, 1, 0)",
        &[&[0.3, 0.3, -0.2], &[-0.1, 0.2, -0.5]],
    );
    assert_eq!(out, vec![1.0, 0.0, 0.0]);
    assert_eq!(
        eval("a.x < 1 or a.x >= 3", &[&[0.0, 2.0, 3.0]]),
        vec![1.0, 0.0, 1.0]
    );
    assert_eq!(eval("a.x == 2", &[&[2.0, 1.0]]), vec![1.0, 0.0]);
    assert_eq!(eval("a.x != 2", &[&[2.0, 1.0]]), vec![0.0, 1.0]);
}

#[test]
fn a_reference_used_twice_is_read_once() {
    let e = Expression::parse("post.nir * post.nir + pre.nir").expect("parses");
    assert_eq!(e.references().len(), 2);
}

#[test]
fn errors_point_at_the_column() {
    assert_eq!(error("post.nir +").column, 11);
    assert_eq!(error("(post.nir").message, "missing `)`");
    assert_eq!(error("post.nir $ 2").column, 10);
    let e = error("nir - 1");
    assert_eq!(e.column, 1);
    assert!(e.message.contains("scene.band"), "{e}");
    let e = error("post.nir / (2 - 2)");
    assert_eq!(
        (e.column, e.message.as_str()),
        (12, "division by a constant zero")
    );
    let e = error("exp(post.nir)");
    assert!(e.message.contains("unknown function `exp`"), "{e}");
    let e = error("where(post.nir > 0, 1)");
    assert!(e.message.contains("takes 3 argument(s), got 2"), "{e}");
    assert_eq!(error("").message, "empty expression");
    assert_eq!(error("1 2").column, 3);
}
