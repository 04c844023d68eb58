//! Class patches as polygons, streamed: rows go in top to bottom, and each patch (pixels of one
//! class joined along their edges, 4-connected; code 0 is nodata) comes out as soon as the row
//! below it shows it has ended, as rings of pixel corners. Memory holds the boundaries of the
//! patches still open, never the raster.
//!
//! Each pixel edge between two patches (or a patch and nodata) belongs to the boundary of the
//! patch on each side, walked with that patch on the left as seen on screen (x right, y down),
//! so outer rings turn counter-clockwise on screen and holes clockwise. At every pixel corner
//! the boundary pieces of each patch are linked from the edge arriving to the edge leaving
//! around the same run of the patch's quadrants. Where one patch holds two diagonal quadrants
//! only (a pinch), each quadrant keeps its own pieces; a ring that thereby passes a corner
//! twice is split there when its patch is complete, so every ring is simple and a patch is
//! one outer ring and its holes (valid OGC/RFC 7946 polygons that may touch at a corner).
//! Vertices are kept only where the boundary turns.

use std::collections::VecDeque;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::labels::{find, grow, union, Connectivity, Labeller, TooManyLabels, NONE};

/// A pixel corner: (column, row) of the raster's corner lattice.
pub type Corner = (u32, u32);

/// One patch: its class code, outer ring and holes, each ring closed implicitly (the first
/// corner is not repeated), with corners only where the boundary turns, and the sum of its
/// pixels' areas as the caller measures them.
#[derive(Debug, Clone, PartialEq)]
pub struct PixelPolygon {
    pub class: u8,
    pub exterior: Vec<Corner>,
    pub holes: Vec<Vec<Corner>>,
    pub area: f64,
}

/// A piece of boundary not yet closed: its corners from where it starts to where it ends, and
/// the edge slots holding its two ends.
struct Chain {
    corners: VecDeque<Corner>,
    head: usize,
    tail: usize,
    /// A pixel of its patch (a label, resolved through the union-find when it closes).
    label: u32,
}

/// Directions of edges, for telling turns from straight runs.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Dir {
    North,
    East,
    South,
    West,
}

/// The polygoniser of one raster of `width` pixels a row.
pub struct Polygonizer {
    width: usize,
    row: u32,
    labeller: Labeller,
    parent: Vec<u32>,
    class_of: Vec<u8>,
    /// Per root label: the area of the patch's pixels so far.
    area: Vec<f64>,
    chains: Vec<Option<Chain>>,
    free: Vec<u32>,
    /// Chain ids by edge slot: vertical edges of two rows `[row parity][line x][west, east]`,
    /// then the horizontal edges of two columns `[column parity][above, below]`.
    slots: Vec<u32>,
    /// Closed rings per patch (by root label) whose patch is still open.
    rings: HashMap<u32, Vec<Vec<Corner>>>,
    /// The roots of the patches with pixels in the row before.
    open: Vec<u32>,
}

impl Polygonizer {
    pub fn new(width: usize) -> Polygonizer {
        Polygonizer {
            width,
            row: 0,
            labeller: Labeller::new(width, Connectivity::Four),
            parent: Vec::new(),
            class_of: Vec::new(),
            area: Vec::new(),
            chains: Vec::new(),
            free: Vec::new(),
            slots: vec![u32::MAX; 4 * (width + 1) + 4],
            rings: HashMap::default(),
            open: Vec::new(),
        }
    }

    fn vertical(&self, row: u32, x: usize, east: bool) -> usize {
        ((row as usize & 1) * (self.width + 1) + x) * 2 + usize::from(east)
    }

    fn horizontal(&self, column: usize, below: bool) -> usize {
        4 * (self.width + 1) + (column & 1) * 2 + usize::from(below)
    }

    /// Adds the next row (class codes, 0 = nodata), `area(x)` the area of its pixel `x`;
    /// returns the patches it ended.
    pub fn push(
        &mut self,
        row: &[u8],
        pixel_area: impl Fn(usize) -> f64,
    ) -> Result<Vec<PixelPolygon>, TooManyLabels> {
        let width = self.width;
        let above: Vec<u8> = self.labeller.above.clone();
        let (parent, area, rings) = (&mut self.parent, &mut self.area, &mut self.rings);
        self.labeller.label(row, |a, b| {
            let len = a.max(b) as usize + 1;
            grow(parent, len);
            if area.len() < len {
                area.resize(len, 0.0);
            }
            let (ra, rb) = (find(parent, a), find(parent, b));
            if ra != rb {
                union(parent, ra, rb);
                let root = find(parent, ra);
                let gone = if root == ra { rb } else { ra };
                area[root as usize] += std::mem::take(&mut area[gone as usize]);
                if let Some(moved) = rings.remove(&gone) {
                    rings.entry(root).or_default().extend(moved);
                }
            }
        })?;
        let next = self.labeller.next as usize;
        grow(&mut self.parent, next);
        self.class_of.resize(next, 0);
        self.area.resize(next.max(self.area.len()), 0.0);
        let mut x = 0;
        while x < width {
            let label = self.labeller.labels[x];
            let start = x;
            let mut sum = 0.0;
            while x < width && self.labeller.labels[x] == label {
                sum += pixel_area(x);
                x += 1;
            }
            if label != NONE {
                self.class_of[label as usize] = row[start];
                let root = find(&mut self.parent, label);
                self.area[root as usize] += sum;
            }
        }
        let (labels, above_labels) = (
            self.labeller.labels.clone(),
            self.labeller.above_labels.clone(),
        );
        let y = self.row;
        for x in 0..=width {
            let at = |values: &[u8], ls: &[u32], i: Option<usize>| match i {
                Some(i) if i < width && ls[i] != NONE => (values[i], ls[i]),
                _ => (0, NONE),
            };
            let first = y == 0;
            let (tl, tr) = if first {
                ((0, NONE), (0, NONE))
            } else {
                (
                    at(&above, &above_labels, x.checked_sub(1)),
                    at(&above, &above_labels, Some(x)),
                )
            };
            let (bl, br) = (
                at(row, &labels, x.checked_sub(1)),
                at(row, &labels, Some(x)),
            );
            if tl.0 == tr.0 && tr.0 == br.0 && br.0 == bl.0 {
                continue; // inside a patch or inside nodata: no edge meets here
            }
            self.corner(x, y, [tl, tr, br, bl]);
        }
        self.row += 1;
        Ok(self.ended(&labels))
    }

    /// After the last row: the patches still open end.
    pub fn finish(&mut self) -> Result<Vec<PixelPolygon>, TooManyLabels> {
        let zeros = vec![0u8; self.width];
        self.push(&zeros, |_| 0.0)
    }

    /// Links the boundary pieces meeting at corner (`x`, `y`), whose quadrants clockwise from
    /// the top left are `q` as (class, label).
    fn corner(&mut self, x: usize, y: u32, q: [(u8, u32); 4]) {
        // Quadrants: 0 TL, 1 TR, 2 BR, 3 BL. The edge between quadrant i and i + 1 (mod 4):
        // 0|1 the vertical edge above the corner, 1|2 the horizontal edge to its right,
        // 2|3 the vertical edge below, 3|0 the horizontal edge to its left.
        let prev_row = y.wrapping_sub(1);
        let slot_of = |this: &Polygonizer, edge: usize, side_after: bool| -> usize {
            // `side_after`: the slot of quadrant i + 1's piece, else quadrant i's.
            match edge {
                0 => this.vertical(prev_row, x, side_after), // west = TL, east = TR
                1 => this.horizontal(x, side_after),         // above = TR, below = BR
                2 => this.vertical(y, x, !side_after),       // east = BR, west = BL
                _ => this.horizontal(x.wrapping_sub(1), !side_after), // below = BL, above = TL
            }
        };
        // Which edges existed before this corner: those above and to the left.
        let existing = |edge: usize| edge == 0 || edge == 3;
        // Directions: quadrant i's piece leaves by edge i and arrives by edge i − 1.
        const LEAVING: [Dir; 4] = [Dir::North, Dir::East, Dir::South, Dir::West];
        const ARRIVING: [Dir; 4] = [Dir::East, Dir::South, Dir::West, Dir::North];
        let same = |i: usize, j: usize| q[i].0 != 0 && q[i].0 == q[j].0;
        for start in 0..4 {
            let (class, label) = q[start];
            if class == 0 || same((start + 3) % 4, start) {
                continue; // nodata, or not the first quadrant of its run around the corner
            }
            // The run of quadrants of this class from `start`, clockwise.
            let mut end = start;
            while same(end, (end + 1) % 4) && (end + 1) % 4 != start {
                end = (end + 1) % 4;
            }
            if (end + 1) % 4 == start {
                continue; // all four: no boundary
            }
            let arrive_edge = (start + 3) % 4;
            let leave_edge = end;
            let arriving = slot_of(self, arrive_edge, true);
            let leaving = slot_of(self, leave_edge, false);
            let turn = ARRIVING[start] != LEAVING[end];
            let corner = (x as u32, y);
            self.link(
                arriving,
                existing(arrive_edge),
                leaving,
                existing(leave_edge),
                turn.then_some(corner),
                label,
            );
            let _ = class;
        }
    }

    /// Joins the piece arriving in slot `arriving` to the piece leaving by slot `leaving`,
    /// through `corner` when the boundary turns there. A slot not `existing` is a new edge:
    /// it takes the chain it joins.
    fn link(
        &mut self,
        arriving: usize,
        arriving_exists: bool,
        leaving: usize,
        leaving_exists: bool,
        corner: Option<Corner>,
        label: u32,
    ) {
        match (arriving_exists, leaving_exists) {
            (false, false) => {
                let id = self.new_chain(Chain {
                    corners: corner.into_iter().collect(),
                    head: arriving,
                    tail: leaving,
                    label,
                });
                self.slots[arriving] = id;
                self.slots[leaving] = id;
            }
            (true, false) => {
                let id = self.slots[arriving];
                if let Some(chain) = self.chain_mut(id) {
                    chain.corners.extend(corner);
                    chain.tail = leaving;
                }
                self.slots[leaving] = id;
            }
            (false, true) => {
                let id = self.slots[leaving];
                if let Some(chain) = self.chain_mut(id) {
                    if let Some(c) = corner {
                        chain.corners.push_front(c);
                    }
                    chain.head = arriving;
                }
                self.slots[arriving] = id;
            }
            (true, true) => {
                let (a, b) = (self.slots[arriving], self.slots[leaving]);
                if a == b {
                    if let Some(mut chain) = self.take_chain(a) {
                        chain.corners.extend(corner);
                        let root = find(&mut self.parent, chain.label);
                        let ring: Vec<Corner> = chain.corners.into_iter().collect();
                        self.rings.entry(root).or_default().push(ring);
                    }
                    return;
                }
                // a ++ corner ++ b, into whichever holds more corners.
                let (Some(mut first), Some(mut second)) = (self.take_chain(a), self.take_chain(b))
                else {
                    return;
                };
                let (head, tail) = (first.head, second.tail);
                if first.corners.len() >= second.corners.len() {
                    first.corners.extend(corner);
                    first.corners.extend(second.corners);
                } else {
                    if let Some(c) = corner {
                        second.corners.push_front(c);
                    }
                    while let Some(c) = first.corners.pop_back() {
                        second.corners.push_front(c);
                    }
                    first.corners = second.corners;
                }
                first.head = head;
                first.tail = tail;
                let id = self.new_chain(first);
                self.slots[head] = id;
                self.slots[tail] = id;
            }
        }
    }

    fn new_chain(&mut self, chain: Chain) -> u32 {
        match self.free.pop() {
            Some(id) => {
                self.chains[id as usize] = Some(chain);
                id
            }
            None => {
                self.chains.push(Some(chain));
                (self.chains.len() - 1) as u32
            }
        }
    }

    fn chain_mut(&mut self, id: u32) -> Option<&mut Chain> {
        self.chains.get_mut(id as usize)?.as_mut()
    }

    fn take_chain(&mut self, id: u32) -> Option<Chain> {
        let chain = self.chains.get_mut(id as usize)?.take();
        if chain.is_some() {
            self.free.push(id);
        }
        chain
    }

    /// The patches open in the row before that have no pixel in the row just labelled.
    fn ended(&mut self, labels: &[u32]) -> Vec<PixelPolygon> {
        let mut now: Vec<u32> = Vec::new();
        let mut last = NONE;
        for &label in labels {
            if label != NONE && label != last {
                now.push(find(&mut self.parent, label));
                last = label;
            }
        }
        now.sort_unstable();
        now.dedup();
        let before: Vec<u32> = std::mem::take(&mut self.open)
            .into_iter()
            .map(|r| find(&mut self.parent, r))
            .collect();
        let mut out = Vec::new();
        let mut seen = HashSet::default();
        for root in before {
            if now.binary_search(&root).is_ok() || !seen.insert(root) {
                continue;
            }
            let Some(rings) = self.rings.remove(&root) else {
                continue;
            };
            let area = std::mem::take(&mut self.area[root as usize]);
            out.push(polygon_of(self.class_of[root as usize], rings, area));
        }
        self.open = now;
        out
    }
}

/// A patch's rings as one polygon: every ring split where it passes a corner twice, the one
/// turning counter-clockwise on screen the outer ring, the rest holes.
fn polygon_of(class: u8, rings: Vec<Vec<Corner>>, area: f64) -> PixelPolygon {
    let mut exterior = Vec::new();
    let mut holes = Vec::new();
    for ring in rings.into_iter().flat_map(split_at_pinches) {
        if twice_signed_area(&ring) < 0 {
            exterior = ring;
        } else {
            holes.push(ring);
        }
    }
    PixelPolygon {
        class,
        exterior,
        holes,
        area,
    }
}

/// The simple rings of a ring that may pass a corner more than once.
fn split_at_pinches(ring: Vec<Corner>) -> Vec<Vec<Corner>> {
    let mut seen: HashMap<Corner, usize> =
        HashMap::with_capacity_and_hasher(ring.len(), Default::default());
    let mut stack: Vec<Corner> = Vec::with_capacity(ring.len());
    let mut out = Vec::new();
    for c in ring {
        if let Some(&at) = seen.get(&c) {
            // The loop since `c` was last passed is a ring of its own.
            let piece: Vec<Corner> = stack.drain(at + 1..).collect();
            for p in &piece {
                seen.remove(p);
            }
            let mut closed = vec![c];
            closed.extend(piece);
            out.push(closed);
        } else {
            seen.insert(c, stack.len());
            stack.push(c);
        }
    }
    if !stack.is_empty() {
        out.push(stack);
    }
    out
}

/// Twice the shoelace area in pixel units, y down: negative for counter-clockwise on screen.
fn twice_signed_area(ring: &[Corner]) -> i64 {
    let n = ring.len();
    (0..n)
        .map(|i| {
            let (x0, y0) = ring[i];
            let (x1, y1) = ring[(i + 1) % n];
            i64::from(x0) * i64::from(y1) - i64::from(x1) * i64::from(y0)
        })
        .sum()
}

#[cfg(test)]
mod tests;
