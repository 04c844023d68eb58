//! True ground area of the pixels of a grid, in m² on the WGS 84 ellipsoid: pixel corners are
//! transformed to longitude/latitude by PROJ and the quadrilateral's geodesic area computed
//! (Karney 2013, through `geo`). Areas change slowly across a grid (a UTM scale factor moves by
//! about 1e-4 per kilometre), so they are computed on a lattice every `STEP` pixels and each
//! pixel takes the area of its lattice cell's centre sample.

use geo::{polygon, GeodesicArea};
use rayon::prelude::*;

use super::{Grid, RasterError};

/// Lattice spacing in pixels.
const STEP: usize = 32;

/// Per-pixel true areas of a grid, sampled on a lattice.
#[derive(Debug, Clone)]
pub struct PixelAreas {
    columns: usize,
    areas: Vec<f64>,
}

impl PixelAreas {
    pub fn of(grid: &Grid) -> Result<PixelAreas, RasterError> {
        let fail = |message: String| RasterError::Reproject {
            location: "the product grid".into(),
            message,
        };
        let transform = || super::footprint::to_wgs84(&grid.wkt).map_err(|e| e.0);
        let columns = grid.width.div_ceil(STEP);
        let rows = grid.height.div_ceil(STEP);
        let gt = grid.geo_transform;
        let at = |col: f64, row: f64| {
            (
                gt[0] + col * gt[1] + row * gt[2],
                gt[3] + col * gt[4] + row * gt[5],
            )
        };
        // The lattice's rows on every core (a 20000² grid has 625 × 625 quadrilaterals),
        // each worker with its own transformation (GDAL's are not `Sync`).
        let lattice_rows: Vec<Result<Vec<f64>, RasterError>> = (0..rows)
            .into_par_iter()
            .map_init(transform, |transform, r| {
                let transform = transform.as_ref().map_err(|e| fail(e.clone()))?;
                // The pixel at the centre of the lattice cell (clamped to the grid).
                let row = (r * STEP + STEP / 2).min(grid.height - 1) as f64;
                let (mut xs, mut ys) = (Vec::new(), Vec::new());
                for c in 0..columns {
                    let col = (c * STEP + STEP / 2).min(grid.width - 1) as f64;
                    for (dc, dr) in [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)] {
                        let (x, y) = at(col + dc, row + dr);
                        xs.push(x);
                        ys.push(y);
                    }
                }
                let mut zs = vec![0.0; xs.len()];
                transform
                    .transform_coords(&mut xs, &mut ys, &mut zs)
                    .map_err(|e| fail(e.to_string()))?;
                Ok((0..columns)
                    .map(|c| {
                        let k = c * 4;
                        let quad = polygon![
                            (x: xs[k], y: ys[k]),
                            (x: xs[k + 1], y: ys[k + 1]),
                            (x: xs[k + 2], y: ys[k + 2]),
                            (x: xs[k + 3], y: ys[k + 3]),
                        ];
                        // Signed: the magnitude is the quadrilateral itself whatever its
                        // winding (unsigned area treats a clockwise ring as the rest of the
                        // globe).
                        quad.geodesic_area_signed().abs()
                    })
                    .collect())
            })
            .collect();
        let mut areas = Vec::with_capacity(columns * rows);
        for row in lattice_rows {
            areas.extend(row?);
        }
        Ok(PixelAreas { columns, areas })
    }

    /// The mean of the lattice's pixel areas, m².
    pub fn mean(&self) -> f64 {
        self.areas.iter().sum::<f64>() / self.areas.len().max(1) as f64
    }

    /// True area of pixel (`col`, `row`) in m².
    pub fn at(&self, col: usize, row: usize) -> f64 {
        self.areas[(row / STEP) * self.columns + col / STEP]
    }
}
