use super::*;

fn rows(text: &[&str]) -> Vec<Vec<u8>> {
    text.iter()
        .map(|r| r.bytes().map(|b| b - b'0').collect())
        .collect()
}

/// Every polygon, each tagged with the row after which it came out.
fn polygons(raster: &[Vec<u8>]) -> Vec<(usize, PixelPolygon)> {
    let mut p = Polygonizer::new(raster[0].len());
    let mut out = Vec::new();
    for (y, row) in raster.iter().enumerate() {
        out.extend(
            p.push(row, |x| 1.0 + x as f64 * 0.0)
                .expect("labels")
                .into_iter()
                .map(|g| (y, g)),
        );
    }
    out.extend(
        p.finish()
            .expect("labels")
            .into_iter()
            .map(|g| (raster.len(), g)),
    );
    out
}

fn area(ring: &[Corner]) -> i64 {
    -twice_signed_area(ring) / 2
}

fn pixels_of(p: &PixelPolygon) -> i64 {
    area(&p.exterior) + p.holes.iter().map(|h| area(h)).sum::<i64>()
}

#[test]
fn one_pixel_is_a_counter_clockwise_square() {
    let out = polygons(&rows(&["000", "010", "000"]));
    assert_eq!(out.len(), 1);
    let (after, p) = &out[0];
    assert_eq!(*after, 2, "it ends when the row below it comes");
    assert_eq!(p.class, 1);
    assert_eq!(p.exterior.len(), 4);
    assert_eq!(area(&p.exterior), 1, "counter-clockwise on screen (y down)");
    let mut corners = p.exterior.clone();
    corners.sort_unstable();
    assert_eq!(corners, vec![(1, 1), (1, 2), (2, 1), (2, 2)]);
}

#[test]
fn straight_runs_keep_only_their_turns() {
    let out = polygons(&rows(&["1111", "1111", "1100"]));
    assert_eq!(out.len(), 1);
    let p = &out[0].1;
    assert_eq!(
        p.exterior.len(),
        6,
        "an L has six corners: {:?}",
        p.exterior
    );
    assert_eq!(pixels_of(p), 10);
}

#[test]
fn a_hole_is_a_clockwise_ring_of_its_patch() {
    let out = polygons(&rows(&["111", "121", "111"]));
    let one = out.iter().find(|(_, p)| p.class == 1).expect("class 1");
    let two = out.iter().find(|(_, p)| p.class == 2).expect("class 2");
    assert_eq!(one.1.holes.len(), 1);
    assert_eq!(area(&one.1.holes[0]), -1, "holes turn clockwise on screen");
    assert_eq!(pixels_of(&one.1), 8);
    assert_eq!(pixels_of(&two.1), 1);
    assert!(two.0 < one.0, "the inner patch ends first");
}

#[test]
fn arms_labelled_apart_and_joined_below_are_one_polygon() {
    let out = polygons(&rows(&["121", "121", "111"]));
    let ones: Vec<_> = out.iter().filter(|(_, p)| p.class == 1).collect();
    assert_eq!(ones.len(), 1);
    assert!(ones[0].1.holes.is_empty());
    assert_eq!(ones[0].1.exterior.len(), 8);
    assert_eq!(pixels_of(&ones[0].1), 7);
}

#[test]
fn a_pinched_ring_is_split_into_an_outer_ring_and_a_hole() {
    // The 1s hold the top-right and bottom-left quadrants of corner (2, 2): their hole around
    // the centre 2 touches their outer ring there.
    let out = polygons(&rows(&["111", "121", "112"]));
    let one = &out.iter().find(|(_, p)| p.class == 1).expect("class 1").1;
    assert_eq!(one.holes.len(), 1, "{one:?}");
    assert_eq!(one.exterior.len(), 6);
    assert_eq!(one.holes[0].len(), 4);
    assert!(one.exterior.contains(&(2, 2)) && one.holes[0].contains(&(2, 2)));
    assert_eq!(pixels_of(one), 7);
    // Diagonal 2s are two patches (edges join, corners do not).
    assert_eq!(out.iter().filter(|(_, p)| p.class == 2).count(), 2);
}

/// A small deterministic generator (64-bit LCG, Knuth's constants).
fn lcg(seed: &mut u64) -> u64 {
    *seed = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    *seed >> 33
}

/// Patches by flood fill (4-connected), independent of the polygoniser: (class, pixels).
fn flood(raster: &[Vec<u8>]) -> (Vec<Vec<usize>>, Vec<(u8, i64)>) {
    let (h, w) = (raster.len(), raster[0].len());
    let mut id = vec![vec![usize::MAX; w]; h];
    let mut patches = Vec::new();
    for y in 0..h {
        for x in 0..w {
            if raster[y][x] == 0 || id[y][x] != usize::MAX {
                continue;
            }
            let n = patches.len();
            let mut stack = vec![(x, y)];
            id[y][x] = n;
            let mut count = 0;
            while let Some((cx, cy)) = stack.pop() {
                count += 1;
                let near = [
                    (cx.wrapping_sub(1), cy),
                    (cx + 1, cy),
                    (cx, cy.wrapping_sub(1)),
                    (cx, cy + 1),
                ];
                for (nx, ny) in near {
                    if nx < w
                        && ny < h
                        && id[ny][nx] == usize::MAX
                        && raster[ny][nx] == raster[y][x]
                    {
                        id[ny][nx] = n;
                        stack.push((nx, ny));
                    }
                }
            }
            patches.push((raster[y][x], count));
        }
    }
    (id, patches)
}

/// Whether the point is inside the ring (crossings of a ray to the right).
fn inside(ring: &[Corner], (px, py): (f64, f64)) -> bool {
    let n = ring.len();
    let mut crossings = 0;
    for i in 0..n {
        let (x0, y0) = (f64::from(ring[i].0), f64::from(ring[i].1));
        let (x1, y1) = (
            f64::from(ring[(i + 1) % n].0),
            f64::from(ring[(i + 1) % n].1),
        );
        if (y0 > py) != (y1 > py) && px < x0 + (py - y0) / (y1 - y0) * (x1 - x0) {
            crossings += 1;
        }
    }
    crossings % 2 == 1
}

#[test]
fn random_rasters_give_one_simple_polygon_per_patch_covering_exactly_its_pixels() {
    let mut seed = 20261202;
    for case in 0..60 {
        let (w, h) = (
            1 + (lcg(&mut seed) % 13) as usize,
            1 + (lcg(&mut seed) % 11) as usize,
        );
        let classes = 1 + lcg(&mut seed) % 3;
        let raster: Vec<Vec<u8>> = (0..h)
            .map(|_| {
                (0..w)
                    .map(|_| (lcg(&mut seed) % (classes + 1)) as u8)
                    .collect()
            })
            .collect();
        let (id, patches) = flood(&raster);
        let out = polygons(&raster);
        assert_eq!(out.len(), patches.len(), "case {case}: {raster:?}");
        for (_, p) in &out {
            for ring in std::iter::once(&p.exterior).chain(&p.holes) {
                let mut corners = ring.clone();
                corners.sort_unstable();
                corners.dedup();
                assert_eq!(
                    corners.len(),
                    ring.len(),
                    "case {case}: a ring passes a corner twice"
                );
            }
            // The polygon's pixels: centres inside the outer ring and in no hole.
            let covered: Vec<(usize, usize)> = (0..h)
                .flat_map(|y| (0..w).map(move |x| (x, y)))
                .filter(|&(x, y)| {
                    let c = (x as f64 + 0.5, y as f64 + 0.5);
                    inside(&p.exterior, c) && !p.holes.iter().any(|hole| inside(hole, c))
                })
                .collect();
            let Some(&(x, y)) = covered.first() else {
                panic!("case {case}: an empty polygon {p:?}");
            };
            let patch = id[y][x];
            assert!(
                covered.iter().all(|&(x, y)| id[y][x] == patch),
                "case {case}: a polygon covers pixels of two patches"
            );
            assert_eq!(covered.len() as i64, patches[patch].1, "case {case}");
            assert_eq!(pixels_of(p), patches[patch].1, "case {case}");
            assert_eq!(
                p.area, patches[patch].1 as f64,
                "case {case}: the pixels' areas"
            );
            assert_eq!(p.class, patches[patch].0);
        }
    }
}
