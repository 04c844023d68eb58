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
use super::labels::{find, grow, union, Labeller, NONE};

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
    /// Per first label: its parent while measuring, then its patch.
    patch_of: Vec<u32>,
    /// Per label while measuring, then per patch: pixels; per patch: class (found in the
    /// second reading), largest neighbour.
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
        let parent = &mut self.patch_of;
        let size = &mut self.size;
        self.labeller
            .label(row, |a, b| {
                grow(parent, a.max(b) as usize + 1);
                union(parent, a, b)
            })
            .map_err(|_| SieveError::TooManyPatches)?;
        let new = self.labeller.next as usize;
        grow(parent, new);
        size.resize(new, 0);
        // A run of pixels with one label is counted at once.
        let labels = &self.labeller.labels;
        let mut x = 0;
        while x < labels.len() {
            let label = labels[x];
            let start = x;
            while x < labels.len() && labels[x] == label {
                x += 1;
            }
            if label != NONE {
                size[label as usize] += (x - start) as u32;
            }
        }
        self.row += 1;
        Ok(())
    }

    /// Ends the first reading: every label points at its patch, numbered densely, with the
    /// patch's size and class. Works in place: no second array as long as the labels.
    fn number_patches(&mut self) {
        let labels = self.patch_of.len();
        for label in 0..labels {
            let root = find(&mut self.patch_of, label as u32);
            self.patch_of[label] = root;
            if root as usize != label {
                let moved = self.size[label];
                let total = &mut self.size[root as usize];
                *total = total.saturating_add(moved);
            }
        }
        let mut size = Vec::new();
        for label in 0..labels {
            if self.patch_of[label] as usize == label {
                // A root keeps its patch's number where its size was.
                size.push(self.size[label]);
                self.size[label] = (size.len() - 1) as u32;
            }
        }
        for label in 0..labels {
            self.patch_of[label] = self.size[self.patch_of[label] as usize];
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
        let mut visited = std::collections::HashSet::new();
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
