//! A minimum mapping unit for classified rasters: patches (connected pixels of one class)
//! smaller than a threshold take the class of their largest neighbouring patch, as GDAL's
//! `GDALSieveFilter` (`gdal_sieve.py`) does, so that a result can be checked against it:
//!
//! - patches are 4- or 8-connected; code 0 is nodata, in no patch and no patch's neighbour;
//! - a small patch's largest neighbour is the one with most pixels, the first met in row-major
//!   order on a tie (each pixel compared with the pixel above, above-left and above-right when
//!   8-connected, then the one to its left);
//! - when that neighbour is small too, its own largest neighbour is followed, and so on, until
//!   a patch of the threshold's size is reached; a chain that loops or ends unmerged, and a
//!   patch with no neighbour, stay as they are.
//!
//! The raster is never held: it is read three times, a row at a time. Memory is a few bytes per
//! run of equal pixels begun with no equal pixel above or to the left (the patches' first
//! labels), and three rows.

pub use super::labels::Connectivity;
use super::labels::{Labeller, NONE};

/// A union-find whose roots hold their set's size: one `u32` per label, the top bit marking
/// a root (and the rest its size) or not (and the rest its parent), so measuring costs 4 bytes
/// per label.
mod sized {
    pub const ROOT: u32 = 1 << 31;
    /// Labels and sizes fit in 31 bits.
    pub const MAX_LABELS: usize = (ROOT - 1) as usize;

    /// The size held by an entry, if it is a root's.
    pub fn root_size(entry: u32) -> Option<u32> {
        (entry & ROOT != 0).then_some(entry & !ROOT)
    }

    /// Gives labels up to `len` an entry: roots of empty sets.
    pub fn grow(forest: &mut Vec<u32>, len: usize) {
        if forest.len() < len {
            forest.resize(len, ROOT);
        }
    }

    pub fn find(forest: &mut [u32], mut x: u32) -> u32 {
        while root_size(forest[x as usize]).is_none() {
            let parent = forest[x as usize];
            // Path halving: skip to the grandparent when the parent is not a root.
            if root_size(forest[parent as usize]).is_none() {
                forest[x as usize] = forest[parent as usize];
            }
            x = parent;
        }
        x
    }

    /// Joins the labels' sets, the lower root becoming the root (so a patch's root is its
    /// first label); `Err` when the size would not fit.
    pub fn union(forest: &mut [u32], a: u32, b: u32) -> Result<(), ()> {
        let (ra, rb) = (find(forest, a), find(forest, b));
        if ra == rb {
            return Ok(());
        }
        let (low, high) = if ra < rb { (ra, rb) } else { (rb, ra) };
        let total = forest[low as usize] as u64 - u64::from(ROOT)
            + u64::from(forest[high as usize] & !ROOT);
        if total >= u64::from(ROOT) {
            return Err(());
        }
        forest[low as usize] = ROOT | total as u32;
        forest[high as usize] = low;
        Ok(())
    }

    /// Adds `pixels` to the size of `label`'s set.
    pub fn add(forest: &mut [u32], label: u32, pixels: u32) {
        let root = find(forest, label) as usize;
        let size = (forest[root] & !ROOT).saturating_add(pixels).min(ROOT - 1);
        forest[root] = ROOT | size;
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SieveError {
    #[error("the classified raster has more than 4 294 967 294 patches")]
    TooManyPatches,
    #[error("row {row} is {got} pixels wide, not {width}")]
    RowWidth {
        row: usize,
        got: usize,
        width: usize,
    },
    #[error("the sieve was given rows out of turn: {0}")]
    OutOfTurn(&'static str),
}

/// Where a [`Sieve`] is: each reading of the raster is one phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Sizes,
    Neighbours,
    Apply,
}

/// The sieve over one raster, fed its rows three times: [`Sieve::measure`] every row, then
/// [`Sieve::compare`] every row, then [`Sieve::apply`] every row, which returns the row sieved.
pub struct Sieve {
    width: usize,
    threshold: u32,
    connectivity: Connectivity,
    phase: Phase,
    row: usize,
    labeller: Labeller,
    /// Per first label: its parent, or its patch's pixels at a root, while measuring
    /// (`sized`); then its patch.
    patch_of: Vec<u32>,
    /// Per patch: pixels, class (found in the second reading), largest neighbour.
    size: Vec<u32>,
    class: Vec<u8>,
    target: Vec<u32>,
}

/// What the sieve did, for the run's record.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SieveCounts {
    pub patches: u64,
    /// Patches smaller than the threshold.
    pub small: u64,
    /// Small patches given a neighbour's class.
    pub merged: u64,
}

impl Sieve {
    /// Patches of fewer than `threshold` pixels are merged.
    pub fn new(width: usize, threshold: u32, connectivity: Connectivity) -> Sieve {
        Sieve {
            width,
            threshold,
            connectivity,
            phase: Phase::Sizes,
            row: 0,
            labeller: Labeller::new(width, connectivity),
            patch_of: Vec::new(),
            size: Vec::new(),
            class: Vec::new(),
            target: Vec::new(),
        }
    }

    fn check(&self, row: &[u8], phase: Phase) -> Result<(), SieveError> {
        if row.len() != self.width {
            return Err(SieveError::RowWidth {
                row: self.row,
                got: row.len(),
                width: self.width,
            });
        }
        if self.phase != phase {
            return Err(SieveError::OutOfTurn("a row of another reading"));
        }
        Ok(())
    }

    /// First reading: labels the row and counts each patch's pixels.
    pub fn measure(&mut self, row: &[u8]) -> Result<(), SieveError> {
        self.check(row, Phase::Sizes)?;
        let forest = &mut self.patch_of;
        let mut overflow = false;
        self.labeller
            .label(row, |a, b| {
                sized::grow(forest, a.max(b) as usize + 1);
                overflow |= sized::union(forest, a, b).is_err();
            })
            .map_err(|_| SieveError::TooManyPatches)?;
        let new = self.labeller.next as usize;
        if overflow || new > sized::MAX_LABELS {
            return Err(SieveError::TooManyPatches);
        }
        sized::grow(forest, new);
        // A run of pixels with one label is counted at once, at its root.
        let labels = &self.labeller.labels;
        let mut x = 0;
        while x < labels.len() {
            let label = labels[x];
            let start = x;
            while x < labels.len() && labels[x] == label {
                x += 1;
            }
            if label != NONE {
                sized::add(forest, label, (x - start) as u32);
            }
        }
        self.row += 1;
        Ok(())
    }

    /// Ends the first reading: every label points at its patch, numbered densely in the order
    /// of their first pixels, with the patch's size. Works in place: the labels' one array
    /// becomes their patches', and the sizes move to an array per patch.
    fn number_patches(&mut self) {
        let forest = &mut self.patch_of;
        let labels = forest.len();
        let mut size = Vec::new();
        // A root is the lowest label of its patch: in label order, it comes before the rest.
        for label in 0..labels {
            match sized::root_size(forest[label]) {
                Some(pixels) => {
                    forest[label] = sized::ROOT | size.len() as u32;
                    size.push(pixels);
                }
                None => {
                    let root = sized::find(forest, label as u32);
                    forest[label] = forest[root as usize];
                }
            }
        }
        for entry in forest.iter_mut() {
            *entry &= !sized::ROOT;
        }
        self.target = vec![NONE; size.len()];
        // Each patch's class is found in the second reading.
        self.class = vec![0; size.len()];
        self.size = size;
    }

    fn start(&mut self, phase: Phase) {
        self.phase = phase;
        self.row = 0;
        self.labeller = Labeller::new(self.width, self.connectivity);
    }

    /// Second reading: records each patch's largest neighbour.
    pub fn compare(&mut self, row: &[u8]) -> Result<(), SieveError> {
        if self.phase == Phase::Sizes {
            self.number_patches();
            self.start(Phase::Neighbours);
        }
        self.check(row, Phase::Neighbours)?;
        let first = self.row == 0;
        self.labeller
            .label(row, |_, _| {})
            .map_err(|_| SieveError::TooManyPatches)?;
        let patch = |label: u32| {
            if label == NONE {
                NONE
            } else {
                self.patch_of[label as usize]
            }
        };
        let (labels, above) = (&self.labeller.labels, &self.labeller.above_labels);
        let eight = self.connectivity == Connectivity::Eight;
        for x in 0..self.width {
            let label = labels[x];
            // Most pixels are inside their patch: the same label left and above.
            if label == NONE
                || (x > 0 && label == labels[x - 1] && (first || label == above[x]) && !eight)
            {
                continue;
            }
            let here = patch(label);
            self.class[here as usize] = row[x];
            if !first {
                meet(&self.size, &mut self.target, here, patch(above[x]));
                if eight && x > 0 {
                    meet(&self.size, &mut self.target, here, patch(above[x - 1]));
                }
                if eight && x + 1 < self.width {
                    meet(&self.size, &mut self.target, here, patch(above[x + 1]));
                }
            }
            if x > 0 {
                meet(&self.size, &mut self.target, here, patch(labels[x - 1]));
            }
        }
        self.row += 1;
        Ok(())
    }

    /// Ends the second reading: each small patch's target is the first patch of the
    /// threshold's size along its chain of largest neighbours, or none.
    fn resolve(&mut self) -> SieveCounts {
        let mut counts = SieveCounts {
            patches: self.size.len() as u64,
            ..SieveCounts::default()
        };
        let mut visited = rustc_hash::FxHashSet::default();
        for patch in 0..self.size.len() {
            if self.size[patch] >= self.threshold {
                self.target[patch] = NONE;
                continue;
            }
            counts.small += 1;
            visited.clear();
            visited.insert(patch as u32);
            let mut at = patch as u32;
            let found = loop {
                at = self.target[at as usize];
                if at == NONE {
                    break None;
                }
                if self.size[at as usize] >= self.threshold {
                    break Some(at);
                }
                if !visited.insert(at) {
                    break None;
                }
            };
            match found {
                Some(end) => {
                    counts.merged += 1;
                    let mut step = patch as u32;
                    while step != end {
                        let next = self.target[step as usize];
                        self.target[step as usize] = end;
                        step = next;
                    }
                }
                None => self.target[patch] = NONE,
            }
        }
        counts
    }

    /// Between the second and the third reading: the merges decided.
    /// Labels given in the first reading (the sieve's memory is about 9 bytes each).
    pub fn labels(&self) -> usize {
        self.patch_of.len()
    }

    pub fn counts(&mut self) -> Result<SieveCounts, SieveError> {
        if self.phase != Phase::Neighbours {
            return Err(SieveError::OutOfTurn("counts before the second reading"));
        }
        let counts = self.resolve();
        // The third reading needs only each patch's class after the sieve: sizes and targets
        // (8 bytes a patch) give way to one byte a patch.
        for patch in 0..self.target.len() {
            let target = self.target[patch];
            if target != NONE {
                self.class[patch] = self.class[target as usize];
            }
        }
        self.size = Vec::new();
        self.target = Vec::new();
        self.start(Phase::Apply);
        Ok(counts)
    }

    /// Third reading (after [`Sieve::counts`]): the row with each merged patch's pixels given
    /// its target's class.
    pub fn apply(&mut self, row: &[u8]) -> Result<Vec<u8>, SieveError> {
        self.check(row, Phase::Apply)?;
        self.labeller
            .label(row, |_, _| {})
            .map_err(|_| SieveError::TooManyPatches)?;
        let out = (self.labeller.labels.iter().zip(row))
            .map(|(&label, &v)| {
                if label == NONE {
                    return v;
                }
                self.class[self.patch_of[label as usize] as usize]
            })
            .collect();
        self.row += 1;
        Ok(out)
    }
}

/// Two touching pixels' patches: each takes the other as its largest neighbour if the other
/// is larger than its current one (GDAL's `CompareNeighbour`).
fn meet(size: &[u32], target: &mut [u32], a: u32, b: u32) {
    if b == NONE || a == b {
        return;
    }
    let (ai, bi) = (a as usize, b as usize);
    if target[ai] == NONE || size[target[ai] as usize] < size[bi] {
        target[ai] = b;
    }
    if target[bi] == NONE || size[target[bi] as usize] < size[ai] {
        target[bi] = a;
    }
}

#[cfg(test)]
mod tests;
