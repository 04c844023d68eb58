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
    pub fn label(
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
