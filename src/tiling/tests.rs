//! Known values: tile bounds from mercantile's documentation (`xy_bounds(486, 332, 10)`,
//! `bounds(486, 332, 10)`), zoom levels from gdal2tiles' resolution table.

use super::*;
use geo::{coord, Rect};

const W: f64 = 20_037_508.342_789_244;

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

#[test]
fn tile_bounds_match_known_values() {
    // (z, x, y) → (min x, min y, max x, max y) in EPSG:3857 metres
    type Row = ((u8, u32, u32), [f64; 4]);
    let table: &[Row] = &[
        ((0, 0, 0), [-W, -W, W, W]),
        ((1, 0, 0), [-W, 0.0, 0.0, W]),
        ((1, 1, 1), [0.0, -W, W, 0.0]),
        ((2, 3, 0), [W / 2.0, W / 2.0, W, W]),
        (
            (10, 486, 332),
            [
                -1_017_529.720_532_266_3,
                7_005_300.768_279_833,
                -978_393.962_050_256,
                7_044_436.526_761_846,
            ],
        ),
    ];
    for &((z, x, y), want) in table {
        let b = tile_bounds(TileId::new(z, x, y), 256);
        let got = [b.min().x, b.min().y, b.max().x, b.max().y];
        for (g, w) in got.iter().zip(want) {
            assert!(
                close(*g, w, 1e-3),
                "{z}/{x}/{y}: got {got:?}, want {want:?}"
            );
        }
    }
}

#[test]
fn tile_bounds_in_degrees_match_mercantile() {
    let [w, s, e, n] = lon_lat_bounds(tile_bounds(TileId::new(10, 486, 332), 256));
    assert!(close(w, -9.140625, 1e-9));
    assert!(close(s, 53.120_405_283_106_564, 1e-9));
    assert!(close(e, -8.789_062_5, 1e-9));
    assert!(close(n, 53.330_872_983_017_05, 1e-9));
}

#[test]
fn resolution_halves_each_zoom() {
    assert!(close(resolution(0, 256), 156_543.033_928_041, 1e-6));
    assert!(close(resolution(12, 256), 38.218_514_142_588, 1e-9));
    assert!(close(resolution(12, 512), 19.109_257_071_294, 1e-9));
}

#[test]
fn zoom_for_pixel_size_never_scales_up() {
    // (pixel size in metres, expected zoom) with 256-px tiles.
    let table = [
        (200_000.0, 0),
        (156_543.0, 0),
        (100_000.0, 0),
        (30.0, 12), // 38.2 m at 12 is coarser than 30 m, 19.1 m at 13 is finer
        (38.3, 11), // just coarser than zoom 12
        (38.2, 12),
        (10.0, 13),
        (0.001, 27),
        (1e-6, MAX_ZOOM),
    ];
    for (size, zoom) in table {
        assert_eq!(zoom_for_pixel_size(size, 256), zoom, "pixel size {size}");
    }
}

#[test]
fn tile_range_follows_gdal2tiles_edge_rule() {
    // A box whose south-west corner sits exactly on the corner of tile 1/1/1: gdal2tiles puts
    // an edge value in the tile below/left, so the range starts one tile west and south.
    let on_edge = Rect::new(coord! { x: 0.0, y: 0.0 }, coord! { x: 1000.0, y: 1000.0 });
    let r = TileRange::covering(on_edge, 1, 256).expect("inside the world");
    assert_eq!((r.min_x, r.max_x, r.min_y, r.max_y), (0, 1, 0, 1));
    let inside = Rect::new(coord! { x: 1.0, y: 1.0 }, coord! { x: 1000.0, y: 1000.0 });
    let r = TileRange::covering(inside, 1, 256).expect("inside the world");
    assert_eq!((r.min_x, r.max_x, r.min_y, r.max_y), (1, 1, 0, 0));
    let world = Rect::new(coord! { x: -W, y: -W }, coord! { x: W, y: W });
    assert_eq!(
        TileRange::covering(world, 3, 256).map(|r| r.count()),
        Some(64)
    );
}

#[test]
fn every_tile_of_a_zoom_has_its_parent_in_the_zoom_above() {
    let b = Rect::new(
        coord! { x: 3_858_000.0, y: 7_605_000.0 },
        coord! { x: 3_912_345.0, y: 7_650_000.0 },
    );
    let pyramid = TilePyramid::new(b, ZoomRange::new(8, 14).expect("valid"), 256);
    for pair in pyramid.ranges.windows(2) {
        for t in pair[1].tiles() {
            let parent = TileId::new(t.z - 1, t.x / 2, t.y / 2);
            assert!(
                pair[0].contains(parent),
                "{t} has no parent in {:?}",
                pair[0]
            );
        }
    }
}

#[test]
fn zoom_ranges_parse_and_reject_nonsense() {
    assert_eq!(
        ZoomRange::parse("10-14"),
        Ok(ZoomRange { min: 10, max: 14 })
    );
    assert_eq!(ZoomRange::parse("7"), Ok(ZoomRange { min: 7, max: 7 }));
    assert_eq!(
        ZoomRange::parse("14-10"),
        Err(ZoomRangeError::Empty { min: 14, max: 10 })
    );
    assert!(matches!(
        ZoomRange::parse("a-b"),
        Err(ZoomRangeError::Syntax(_))
    ));
    assert!(matches!(
        ZoomRange::parse("3-40"),
        Err(ZoomRangeError::TooDeep(40))
    ));
}

#[test]
fn change_zooms_stay_at_the_coarser_scenes_resolution_for_tiny_overlaps() {
    // A 1° world raster (≈111 km pixels in Web Mercator) over a 10 km overlap: the overlap is
    // a tenth of one coarse pixel. The deepest zoom is the coarse pixels' (0), and the
    // shallowest cannot be deeper than that (it was 30-30, 74 billion tiles, before).
    let z = ZoomRange::auto_for_change(111_319.5, 10_000.0, 256);
    assert_eq!((z.min, z.max), (0, 0));
    // 30 m pixels over 100 km: deepest 12 (38.2 m), 100 km fits one tile at zoom 8
    // (156.5 km), not at 9 (78.3 km).
    let z = ZoomRange::auto_for_change(30.0, 100_000.0, 256);
    assert_eq!((z.min, z.max), (8, 12));
}
