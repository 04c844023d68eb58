//! Connected patches of a classified raster, labelled a row at a time: the labelling that the
//! sieve (`sieve.rs`) and the polygoniser (`polygonize.rs`) share, and its union-find.

/// No label: a nodata pixel (code 0).
pub const NONE: u32 = u32::MAX;

/// Which pixels touch: 4 (edges) or 8 (edges and corners).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connectivity {
    Four,
    Eight,
}

/// More labels than a `u32` numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooManyLabels;

/// Labels rows top to bottom. A pixel takes the label of the first equal pixel among its left,
/// above-left, above and above-right neighbours, else a new one; labels meeting in one patch
/// are recorded in `merges`. The same rows always give the same labels, so a second reading
/// finds the first one's labels again.
pub struct Labeller {
    connectivity: Connectivity,
    /// The row before, and its labels.
    pub above: Vec<u8>,
    pub above_labels: Vec<u32>,
    /// The labels of the row last labelled.
    pub labels: Vec<u32>,
    /// Labels given so far.
    pub next: u32,
}

impl Labeller {
    pub fn new(width: usize, connectivity: Connectivity) -> Labeller {
        Labeller {
            connectivity,
            above: vec![0; width],
            above_labels: vec![NONE; width],
            labels: vec![NONE; width],
            next: 0,
        }
    }

    /// Labels `row`; `merge(a, b)` is called for labels found to be one patch.
    pub fn label(&mut self, row: &[u8], merge: impl FnMut(u32, u32)) -> Result<(), TooManyLabels> {
        match self.connectivity {
            Connectivity::Four if row.len() == self.above.len() => self.label_four(row, merge),
            _ => self.label_any(row, merge),
        }
    }

    /// [`Labeller::label`] for 4-connected patches, without a branch on the pixels but for
    /// merges: on speckled classes whether a pixel equals its neighbours is unpredictable,
    /// and the mispredicted branches cost more than the work (same labels, same merges).
    fn label_four(
        &mut self,
        row: &[u8],
        mut merge: impl FnMut(u32, u32),
    ) -> Result<(), TooManyLabels> {
        std::mem::swap(&mut self.labels, &mut self.above_labels);
        let mut next = u64::from(self.next);
        let (mut left, mut left_label) = (0u8, NONE);
        let cells =
            (row.iter().zip(&self.above)).zip(self.labels.iter_mut().zip(&self.above_labels));
        for ((&v, &up), (label, &up_label)) in cells {
            let (left_eq, up_eq) = (left == v, up == v);
            if left_eq & up_eq & (left_label != up_label) & (v != 0) {
                merge(left_label, up_label);
            }
            let fresh = next as u32;
            let found = if left_eq { left_label } else { up_label };
            let own = if left_eq | up_eq { found } else { fresh };
            next += u64::from((v != 0) & !left_eq & !up_eq);
            *label = if v == 0 { NONE } else { own };
            (left, left_label) = (v, *label);
        }
        // Labels are below NONE: a row that needed more is an error (its labels past it are
        // never used).
        self.next = u32::try_from(next).map_err(|_| TooManyLabels)?;
        self.above.copy_from_slice(row);
        Ok(())
    }

    /// [`Labeller::label`] for any connectivity, a pixel at a time.
    fn label_any(
        &mut self,
        row: &[u8],
        mut merge: impl FnMut(u32, u32),
    ) -> Result<(), TooManyLabels> {
        std::mem::swap(&mut self.labels, &mut self.above_labels);
        let width = row.len();
        let eight = self.connectivity == Connectivity::Eight;
        for x in 0..width {
            let v = row[x];
            if v == 0 {
                self.labels[x] = NONE;
                continue;
            }
            let mut label = NONE;
            let mut take = |candidate: u32| {
                if label == NONE {
                    label = candidate;
                } else if label != candidate {
                    merge(label, candidate);
                }
            };
            if x > 0 && row[x - 1] == v {
                take(self.labels[x - 1]);
            }
            if eight && x > 0 && self.above[x - 1] == v {
                take(self.above_labels[x - 1]);
            }
            if self.above[x] == v {
                take(self.above_labels[x]);
            }
            if eight && x + 1 < width && self.above[x + 1] == v {
                take(self.above_labels[x + 1]);
            }
            if label == NONE {
                if self.next == NONE {
                    return Err(TooManyLabels);
                }
                label = self.next;
                self.next += 1;
            }
            self.labels[x] = label;
        }
        self.above.copy_from_slice(row);
        Ok(())
    }
}

/// Gives labels up to `len` a parent (themselves).
pub fn grow(parent: &mut Vec<u32>, len: usize) {
    if parent.len() < len {
        parent.extend(parent.len() as u32..len as u32);
    }
}

pub fn find(parent: &mut [u32], mut x: u32) -> u32 {
    while parent[x as usize] != x {
        let grand = parent[parent[x as usize] as usize];
        parent[x as usize] = grand;
        x = grand;
    }
    x
}

/// Joins the labels' sets, the lower root becoming the root.
pub fn union(parent: &mut [u32], a: u32, b: u32) {
    let (ra, rb) = (find(parent, a), find(parent, b));
    if ra != rb {
        let (low, high) = if ra < rb { (ra, rb) } else { (rb, ra) };
        parent[high as usize] = low;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Speckled rows (codes 0-3, runs of 1-4 pixels), deterministic.
    fn speckled(width: usize, rows: usize) -> Vec<Vec<u8>> {
        let mut state = 0x9e37_79b9_u32;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state
        };
        (0..rows)
            .map(|_| {
                let mut row = Vec::with_capacity(width);
                while row.len() < width {
                    let (code, run) = ((next() % 4) as u8, 1 + next() as usize % 4);
                    row.extend(std::iter::repeat_n(code, run.min(width - row.len())));
                }
                row
            })
            .collect()
    }

    #[test]
    fn four_connected_rows_get_the_labels_and_merges_of_the_pixel_by_pixel_labelling() {
        for width in [1, 2, 7, 300] {
            let rows = speckled(width, 60);
            let (mut fast, mut plain) = (
                Labeller::new(width, Connectivity::Four),
                Labeller::new(width, Connectivity::Four),
            );
            for row in &rows {
                let (mut a, mut b) = (Vec::new(), Vec::new());
                fast.label_four(row, |x, y| a.push((x, y))).expect("labels");
                plain.label_any(row, |x, y| b.push((x, y))).expect("labels");
                assert_eq!(fast.labels, plain.labels, "width {width}");
                assert_eq!(a, b, "width {width}");
                assert_eq!(fast.next, plain.next);
            }
            assert!(fast.next > 0);
        }
    }

    #[test]
    fn labelling_past_the_last_label_is_an_error() {
        let mut labeller = Labeller::new(3, Connectivity::Four);
        labeller.next = NONE - 2;
        assert_eq!(labeller.label(&[1, 2, 0], |_, _| {}), Ok(()));
        assert_eq!(labeller.next, NONE);
        assert_eq!(labeller.label(&[3, 3, 3], |_, _| {}), Err(TooManyLabels));
    }
}
