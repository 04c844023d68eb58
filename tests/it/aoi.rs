//! The area of interest (`[product] aoi`) on the real Olinda scene: a concave polygon with a
//! hole that reaches past the data's west edge, and a multipolygon of two triangles, as
//! GeoJSON (WGS 84) and as a GeoPackage in UTM zone 25S (WGS 84, not the scene's SIRGAS 2000).
//! The reference is `gdalwarp -cutline` of the unclipped product onto the same grid.

use std::path::{Path, PathBuf};

use crate::common;

use common::*;

const AOI: &str = r#"{"type": "FeatureCollection", "features": [
 {"type": "Feature", "properties": {"name": "coast"}, "geometry": {"type": "Polygon",
  "coordinates": [
   [[-34.93, -7.96], [-34.87, -7.955], [-34.85, -7.99], [-34.88, -8.0], [-34.90, -8.03],
    [-34.93, -8.02], [-34.93, -7.96]],
   [[-34.895, -7.975], [-34.885, -7.975], [-34.885, -7.985], [-34.895, -7.985],
    [-34.895, -7.975]]]}},
 {"type": "Feature", "properties": {"name": "east"}, "geometry": {"type": "MultiPolygon",
  "coordinates": [
   [[[-34.84, -8.0], [-34.83, -8.0], [-34.835, -8.02], [-34.84, -8.0]]],
   [[[-34.845, -7.96], [-34.83, -7.96], [-34.84, -7.975], [-34.845, -7.96]]]]}}
]}"#;

fn pipeline(dir: &Path, name: &str, aoi: Option<&Path>, out: &Path) -> PathBuf {
    let aoi = aoi.map_or(String::new(), |a| format!("aoi = \"{}\"\n", a.display()));
    let text = format!(
        "[scenes.post]\nfile = \"{}\"\n[scenes.post.bands]\ngreen = 2\nswir1 = 5\n\
         [product]\nindex = \"mndwi\"\n{aoi}[render]\nramp = \"brbg\"\nrange = [-0.6, 0.6]\n\
         [tiling]\nzoom = \"11-12\"\nresampling = \"nearest\"\n[output]\nurl = \"{}\"\n",
        sample("olinda/L7_ETMs.tif").display(),
        out.display()
    );
    write_pipeline(dir, name, &text)
}

fn run(p: &Path) {
    aftermath()
        .args(["run", p.to_str().expect("utf-8")])
        .assert()
        .success();
}

/// Band 1 of `file`.
fn values(file: &Path) -> Vec<f32> {
    read_band(file, 1)
}

/// `gdalwarp -cutline aoi` of `full` onto the grid of `grid` (on the same lattice; nearest:
/// the values stay).
fn cut_by_gdalwarp(full: &Path, grid: &Path, aoi: &Path, dst: &Path) {
    let info = gdal_info(grid);
    let gt = numbers(&info["geoTransform"]);
    let size = numbers(&info["size"]);
    let te = [
        gt[0],
        gt[3] + size[1] * gt[5],
        gt[0] + size[0] * gt[1],
        gt[3],
    ]
    .map(|v| v.to_string());
    let res = gt[1].to_string();
    let mut args = vec!["-q", "-r", "near", "-tr", &res, &res, "-te"];
    args.extend(te.iter().map(String::as_str));
    args.extend([
        "-cutline",
        aoi.to_str().expect("utf-8"),
        "-dstnodata",
        "nan",
    ]);
    args.extend([full.to_str().expect("utf-8"), dst.to_str().expect("utf-8")]);
    sh("gdalwarp", &args);
}

#[test]
fn an_area_of_interest_keeps_the_pixels_gdalwarp_cutline_keeps() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let geojson = d.join("aoi.geojson");
    std::fs::write(&geojson, AOI).expect("write aoi");
    let gpkg = d.join("aoi-utm25s.gpkg");
    sh(
        "ogr2ogr",
        &[
            "-f",
            "GPKG",
            "-t_srs",
            "EPSG:32725",
            gpkg.to_str().expect("utf-8"),
            geojson.to_str().expect("utf-8"),
        ],
    );
    let full = d.join("full");
    run(&pipeline(d, "full.toml", None, &full));
    let full_values = values(&full.join("index.tif"));

    for aoi in [&geojson, &gpkg] {
        let name = aoi.file_name().and_then(|n| n.to_str()).expect("name");
        let out = d.join(format!("out-{name}"));
        let p = pipeline(d, &format!("{name}.toml"), Some(aoi), &out);
        let planned = aftermath()
            .args(["plan", p.to_str().expect("utf-8"), "--json"])
            .assert()
            .success();
        let planned: serde_json::Value =
            serde_json::from_slice(&planned.get_output().stdout).expect("plan --json");
        assert_eq!(
            planned["aoi"]["file"],
            aoi.display().to_string(),
            "{planned}"
        );
        run(&p);
        let reference = d.join(format!("reference-{name}.tif"));
        let index = out.join("index.tif");
        cut_by_gdalwarp(&full.join("index.tif"), &index, aoi, &reference);
        let (ours, want) = (values(&index), values(&reference));
        assert_eq!(ours.len(), want.len(), "{name}: the product grid");
        // The product rasters are cut to the area's extent, on the scene's lattice.
        let (grid, scene) = (gdal_info(&index), gdal_info(&full.join("index.tif")));
        let (gt, scene_gt) = (
            numbers(&grid["geoTransform"]),
            numbers(&scene["geoTransform"]),
        );
        let width = numbers(&grid["size"])[0] as usize;
        assert!(
            width < 349 && ours.len() < full_values.len(),
            "{name}: {grid}"
        );
        let columns = (gt[0] - scene_gt[0]) / gt[1];
        assert!(
            (columns - columns.round()).abs() < 1e-6,
            "{name}: off the lattice"
        );
        let kept = |v: &[f32], i: usize| !v[i].is_nan();
        // On the area's edge: a 4-neighbour is on the other side in gdalwarp's answer.
        let on_edge = |i: usize| {
            let (x, y) = (i % width, i / width);
            [(0, -1), (0, 1), (-1, 0), (1, 0)].iter().any(|(dx, dy)| {
                let (nx, ny) = (x as i64 + dx, y as i64 + dy);
                (0..width as i64).contains(&nx)
                    && (0..(want.len() / width) as i64).contains(&ny)
                    && kept(&want, (ny as usize) * width + nx as usize) != kept(&want, i)
            })
        };
        let (mut inside, mut differ) = (0, 0);
        for i in 0..ours.len() {
            inside += usize::from(kept(&want, i));
            if kept(&ours, i) != kept(&want, i) {
                // gdalwarp moves a cutline in WGS 84 into the raster's CRS its own way; a
                // pixel whose centre is on the edge may fall either side.
                assert!(on_edge(i), "{name}: pixel {i} differs off the edge");
                differ += 1;
            } else if kept(&ours, i) {
                assert_eq!(ours[i], want[i], "{name}: pixel {i}");
            }
        }
        let allowed = if aoi == &gpkg { 0 } else { inside / 2000 };
        assert!(
            differ <= allowed,
            "{name}: {differ} edge pixels differ of {inside}"
        );
        let outside = full_values.iter().filter(|v| !v.is_nan()).count() - inside;
        assert!(
            inside > 10_000 && outside > 50_000,
            "{name}: {inside} in, {outside} out"
        );

        // The tiles are clipped too: the hole's centre is transparent, the polygon around it
        // is not, and in the unclipped tiles both are opaque.
        let (hole, ring) = ((-34.89, -7.98), (-34.91, -7.99));
        assert_eq!(tile_alpha(&out, hole.0, hole.1), 0, "{name}: the hole");
        assert_eq!(tile_alpha(&out, ring.0, ring.1), 255, "{name}: the polygon");
        assert_eq!(tile_alpha(&full, hole.0, hole.1), 255, "unclipped");

        // The areas count the area's pixels only; the footprint is the area's ∩ the data's.
        let stats = read_json(out.join("stats.json"));
        let ours_inside = ours.iter().filter(|v| !v.is_nan()).count();
        assert_eq!(stats["valid"]["pixels"], ours_inside, "{name}: {stats}");
        let item = read_json(out.join("item.json"));
        let bbox = numbers(&item["bbox"]);
        assert!(
            (bbox[0] + 34.9166).abs() < 1e-3
                && [bbox[1], bbox[2], bbox[3]]
                    .iter()
                    .zip([-8.03, -34.83, -7.955])
                    .all(|(got, want)| (got - want).abs() < 1e-9),
            "{name}: west edge is the data's, the others the area's: {bbox:?}"
        );
    }
}

/// The alpha of the zoom-12 tile pixel at (`lon`, `lat`) in the tiles under `out`.
fn tile_alpha(out: &Path, lon: f64, lat: f64) -> u8 {
    let n = 4096.0;
    let x = (lon + 180.0) / 360.0 * n;
    let lat = lat.to_radians();
    let y = (1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0 * n;
    let tile = out.join(format!("12/{}/{}.png", x.floor(), y.floor()));
    let bytes = std::fs::read(&tile).unwrap_or_else(|e| panic!("{}: {e}", tile.display()));
    let (w, _, rgba) = decode_png(&bytes);
    let (px, py) = ((x.fract() * 256.0) as usize, (y.fract() * 256.0) as usize);
    rgba[(py * w as usize + px) * 4 + 3]
}

#[test]
fn an_area_of_interest_that_is_no_polygon_or_misses_the_data_is_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let cases = [
        (
            "points.geojson",
            r#"{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {},
              "geometry": {"type": "Point", "coordinates": [-34.88, -7.99]}}]}"#,
            "not a polygon",
        ),
        (
            "elsewhere.geojson",
            r#"{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {},
              "geometry": {"type": "Polygon", "coordinates": [[[10, 50], [11, 50], [11, 51],
              [10, 50]]]}}]}"#,
            "does not meet",
        ),
        ("missing.geojson", "", "OGR cannot read"),
        ("unreadable-crs.shp", "", "no CRS GDAL can read"),
    ];
    // A Shapefile whose .prj names a projection PROJ does not have.
    let geojson = d.join("aoi.geojson");
    std::fs::write(&geojson, AOI).expect("write aoi");
    let shp = d.join("unreadable-crs.shp");
    let (shp_text, geojson_text) = (shp.display().to_string(), geojson.display().to_string());
    sh(
        "ogr2ogr",
        &["-f", "ESRI Shapefile", &shp_text, &geojson_text],
    );
    std::fs::write(
        d.join("unreadable-crs.prj"),
        r#"PROJCS["nonsense",GEOGCS["x",DATUM["y",SPHEROID["z",0,0]],PRIMEM["G",0],UNIT["degree",0.0174532925199433]],PROJECTION["No_Such_Projection"],UNIT["metre",1]]"#,
    )
    .expect("write prj");
    for (name, text, says) in cases {
        let aoi = d.join(name);
        if !text.is_empty() {
            std::fs::write(&aoi, text).expect("write aoi");
        }
        let out = d.join(format!("out-{name}"));
        let p = pipeline(d, &format!("{name}.toml"), Some(&aoi), &out);
        let stderr = stderr_of_failed("run", &p, 2);
        assert!(
            stderr.contains(name) && stderr.contains(says),
            "{name}: {stderr}"
        );
        assert!(!out.exists(), "{name}: nothing written");
    }
}
