//! Where a tile's pixel corners fall in the source: interpolated from a coarse grid of
//! exactly transformed points.

/// Source positions of a tile's pixel corners: `(size + 1)²` points, row-major.
pub struct CornerGrid {
    pub size: usize,
    pub x: Vec<f64>,
    pub y: Vec<f64>,
}

impl CornerGrid {
    /// Interpolates the corners from exactly transformed points every `step` pixels
    /// (`points_x`/`points_y`: `(size / step + 1)²` values, row-major).
    pub fn from_coarse(size: usize, step: usize, points_x: &[f64], points_y: &[f64]) -> Self {
        let n = size / step + 1;
        let side = size + 1;
        let mut x = Vec::with_capacity(side * side);
        let mut y = Vec::with_capacity(side * side);
        let (mut row_x, mut row_y) = (vec![0.0; n], vec![0.0; n]);
        let cells: Vec<(usize, f64)> = (0..side).map(|col| cell(col, step, n)).collect();
        for &(j, fy) in &cells {
            // The coarse points interpolated to this row, then along it.
            for i in 0..n {
                row_x[i] = points_x[j * n + i] * (1.0 - fy) + points_x[(j + 1) * n + i] * fy;
                row_y[i] = points_y[j * n + i] * (1.0 - fy) + points_y[(j + 1) * n + i] * fy;
            }
            for &(i, fx) in &cells {
                x.push(row_x[i] + (row_x[i + 1] - row_x[i]) * fx);
                y.push(row_y[i] + (row_y[i + 1] - row_y[i]) * fx);
            }
        }
        CornerGrid { size, x, y }
    }
}

/// The coarse cell holding fine index `k` and the fraction across it.
fn cell(k: usize, step: usize, n: usize) -> (usize, f64) {
    let i = (k / step).min(n - 2);
    (i, (k - i * step) as f64 / step as f64)
}

/// Source pixels per tile pixel along x and y (≥ 1 when the tile is coarser than the source).
pub fn scale(grid: &CornerGrid) -> (f64, f64) {
    let s = grid.size;
    let nw = (grid.x[0], grid.y[0]);
    let side = s + 1;
    let (x_end, y_end) = (
        (grid.x[s] - nw.0, grid.y[s] - nw.1),
        (grid.x[s * side] - nw.0, grid.y[s * side] - nw.1),
    );
    (
        x_end.0.hypot(x_end.1) / s as f64,
        y_end.0.hypot(y_end.1) / s as f64,
    )
}
