//! Overview tiles from the four tiles of the next zoom (2×2 → 1), on index values, not on
//! colours, so an overview pixel is the index of the area it covers.

/// How four child pixels become one.
#[derive(Clone, Copy)]
pub enum Aggregate<'a> {
    /// Mean of the valid (non-NaN) pixels: continuous products.
    Mean,
    /// The value of the most frequent class among the valid pixels (ties go to the first in
    /// row-major order): classified products, where a mean would invent classes.
    Majority(&'a (dyn Fn(f32) -> Option<usize> + Sync)),
}

/// Builds a `size`×`size` tile of `channels` planes from its four children (north-west,
/// north-east, south-west, south-east), each alike or absent (no data there).
pub fn downsample(
    children: [Option<&[f32]>; 4],
    size: usize,
    channels: usize,
    aggregate: Aggregate,
) -> Vec<f32> {
    let plane = size * size;
    let mut out = Vec::with_capacity(plane * channels);
    for c in 0..channels {
        let planes = children.map(|child| child.map(|v| &v[c * plane..(c + 1) * plane]));
        out.extend(downsample_plane(planes, size, aggregate));
    }
    out
}

fn downsample_plane(children: [Option<&[f32]>; 4], size: usize, aggregate: Aggregate) -> Vec<f32> {
    let mut out = vec![f32::NAN; size * size];
    let half = size / 2;
    for (quadrant, child) in children.iter().enumerate() {
        let Some(child) = child else { continue };
        let (ox, oy) = ((quadrant % 2) * half, (quadrant / 2) * half);
        for row in 0..half {
            for col in 0..half {
                let (cx, cy) = (col * 2, row * 2);
                let four = [
                    child[cy * size + cx],
                    child[cy * size + cx + 1],
                    child[(cy + 1) * size + cx],
                    child[(cy + 1) * size + cx + 1],
                ];
                out[(oy + row) * size + ox + col] = match aggregate {
                    Aggregate::Mean => mean(four),
                    Aggregate::Majority(class_of) => majority(four, class_of),
                };
            }
        }
    }
    out
}

fn mean(values: [f32; 4]) -> f32 {
    let (sum, n) = values
        .iter()
        .filter(|v| !v.is_nan())
        .fold((0.0f32, 0u32), |(s, n), v| (s + v, n + 1));
    if n == 0 {
        f32::NAN
    } else {
        sum / n as f32
    }
}

fn majority(values: [f32; 4], class_of: &dyn Fn(f32) -> Option<usize>) -> f32 {
    let classes = values.map(|v| if v.is_nan() { None } else { class_of(v) });
    let mut best: Option<(usize, usize)> = None; // (count, index of first pixel of the class)
    for (i, class) in classes.iter().enumerate() {
        let Some(class) = class else { continue };
        let count = classes.iter().filter(|c| **c == Some(*class)).count();
        if best.is_none_or(|(n, _)| count > n) {
            best = Some((count, i));
        }
    }
    best.map_or(f32::NAN, |(_, i)| values[i])
}
