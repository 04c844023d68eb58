/// `(a − b) / (a + b)` per pixel. NaN where either input is NaN or where `a + b` is zero
/// (both bands dark): such a pixel carries no information, it is not "index 0".
pub fn normalized_difference(a: &[f32], b: &[f32]) -> Vec<f32> {
    a.iter()
        .zip(b)
        .map(|(&a, &b)| {
            let sum = a + b;
            if sum == 0.0 {
                f32::NAN
            } else {
                (a - b) / sum
            }
        })
        .collect()
}
