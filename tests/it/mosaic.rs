//! Several rasters per scene (`files = […]`): the real Olinda scene cut into two overlapping
//! granules, the second reprojected into the neighbouring UTM zone (24S), mosaicked back.
//! The reference is gdalwarp's own mosaic of the same granules onto the product grid
//! (nearest neighbour, the first granule on top), with MNDWI evaluated here.

use std::path::{Path, PathBuf};

use crate::common;

use common::*;

const OLINDA: &str = "olinda/L7_ETMs.tif";

/// Columns `first..first + count` of `src`, as they are.
fn cut(src: &Path, dst: &Path, first: usize, count: usize) {
    let (first, count) = (first.to_string(), count.to_string());
    let (src, dst) = (src.to_str().expect("utf-8"), dst.to_str().expect("utf-8"));
    sh(
        "gdal_translate",
        &["-q", "-srcwin", &first, "0", &count, "352", src, dst],
    );
}

/// `src` warped into UTM zone 24S at its resolution, nearest, DN 0 where it has no data.
fn to_utm24s(src: &Path, dst: &Path) {
    let (src, dst) = (src.to_str().expect("utf-8"), dst.to_str().expect("utf-8"));
    let args = [
        "-q",
        "-t_srs",
        "EPSG:31984",
        "-tr",
        "28.5",
        "28.5",
        "-r",
        "near",
    ];
    sh(
        "gdalwarp",
        &[&args[..], &["-dstnodata", "0", src, dst]].concat(),
    );
}

/// The two granules: columns 0–219 as they are (UTM 25S), columns 150–348 warped to UTM 24S.
pub(crate) fn granules(dir: &Path) -> (PathBuf, PathBuf) {
    let (a, cut_b, b) = (
        dir.join("granule-a-utm25s.tif"),
        dir.join("cut-b.tif"),
        dir.join("granule-b-utm24s.tif"),
    );
    cut(&sample(OLINDA), &a, 0, 220);
    cut(&sample(OLINDA), &cut_b, 150, 199);
    to_utm24s(&cut_b, &b);
    (a, b)
}

/// Every value of band `band` of `file`, row by row.
fn band_values(file: &Path, band: usize) -> Vec<f64> {
    read_band(file, band)
}

/// gdalwarp's own mosaic of `sources` onto the grid of `index` (UTM 25S), nearest, DN 0 as
/// no data; the last source wins.
fn gdalwarp_mosaic(index: &Path, sources: &[&Path], dst: &Path) {
    let info = gdal_info(index);
    let gt = numbers(&info["geoTransform"]);
    let size = numbers(&info["size"]);
    let (w, h) = (size[0], size[1]);
    let te = [gt[0], gt[3] + h * gt[5], gt[0] + w * gt[1], gt[3]].map(|v| v.to_string());
    let res = gt[1].to_string();
    let mut args: Vec<&str> = vec![
        "-q",
        "-t_srs",
        "EPSG:31985",
        "-tr",
        &res,
        &res,
        "-r",
        "near",
    ];
    args.extend(["-srcnodata", "0", "-dstnodata", "0", "-te"]);
    args.extend(te.iter().map(String::as_str));
    args.extend(sources.iter().map(|p| p.to_str().expect("utf-8")));
    args.push(dst.to_str().expect("utf-8"));
    sh("gdalwarp", &args);
}

fn mosaic_pipeline(dir: &Path, files: &str, out: &Path) -> PathBuf {
    let text = format!(
        "[scenes.post]\nfiles = {files}\nnodata = 0\n[scenes.post.bands]\ngreen = 2\nswir1 = 5\n\
         [product]\nindex = \"mndwi\"\n[render]\nramp = \"brbg\"\nrange = [-0.6, 0.6]\n\
         [tiling]\nzoom = \"11-12\"\nresampling = \"nearest\"\n[output]\nurl = \"{}\"\n",
        out.display()
    );
    write_pipeline(dir, "mosaic.toml", &text)
}

/// A granule in another CRS than the product grid, as GDAL's approximating transformer
/// (gdalwarp's default error, 0.125 px) may read it: where the exact position of a product
/// pixel's centre is within 0.125 px of a source pixel's edge, gdalwarp and aftermath may
/// each pick either neighbour, and both are right.
struct Reprojected {
    gt: [f64; 6],
    size: (usize, usize),
    green: Vec<f64>,
    swir1: Vec<f64>,
    to_source: gdal::spatial_ref::CoordTransform,
}

impl Reprojected {
    fn new(granule: &Path, grid_epsg: u32) -> Reprojected {
        let ds = gdal::Dataset::open(granule).expect("opens");
        let srs = |mut s: gdal::spatial_ref::SpatialRef| {
            s.set_axis_mapping_strategy(
                gdal::spatial_ref::AxisMappingStrategy::TraditionalGisOrder,
            );
            s
        };
        let grid = srs(gdal::spatial_ref::SpatialRef::from_epsg(grid_epsg).expect("srs"));
        let source = srs(ds.spatial_ref().expect("srs"));
        Reprojected {
            gt: ds.geo_transform().expect("gt"),
            size: ds.raster_size(),
            green: band_values(granule, 2),
            swir1: band_values(granule, 5),
            to_source: gdal::spatial_ref::CoordTransform::new(&grid, &source).expect("transform"),
        }
    }

    /// Whether `got` (NaN: no data) is the MNDWI of a source pixel within 0.125 px of the
    /// exact position of the centre of pixel `(c, r)` of the grid `gt`.
    fn allows(&self, gt: &[f64], (c, r): (i64, i64), got: f64) -> bool {
        let mut x = [gt[0] + (c as f64 + 0.5) * gt[1]];
        let mut y = [gt[3] + (r as f64 + 0.5) * gt[5]];
        self.to_source
            .transform_coords(&mut x, &mut y, &mut [])
            .expect("transform");
        let (px, py) = (
            (x[0] - self.gt[0]) / self.gt[1],
            (y[0] - self.gt[3]) / self.gt[5],
        );
        let near = [-0.125, 0.0, 0.125];
        near.iter().any(|dx| {
            near.iter().any(|dy| {
                let (sx, sy) = ((px + dx).floor(), (py + dy).floor());
                let inside = sx >= 0.0
                    && sy >= 0.0
                    && (sx as usize) < self.size.0
                    && (sy as usize) < self.size.1;
                let value = inside
                    .then(|| {
                        let i = sy as usize * self.size.0 + sx as usize;
                        let (g, s) = (self.green[i], self.swir1[i]);
                        (g != 0.0 && s != 0.0).then(|| nd(g, s))
                    })
                    .flatten();
                match value {
                    Some(v) => (got - v).abs() < 1e-6,
                    None => got.is_nan(),
                }
            })
        })
    }
}

/// Checks that `index` (an MNDWI COG) is the mosaic of granules `a` (UTM 25S, first) and
/// `b` (UTM 24S) on a's lattice: gdalwarp's mosaic of the same granules, pixel for pixel,
/// but where GDAL's 0.125-px approximation lets either neighbour be right.
pub(crate) fn assert_mosaic_of(index: &Path, a: &Path, b: &Path, dir: &Path) {
    // The product grid is the first granule's, grown on its lattice over the second.
    let info = gdal_info(index);
    let gt = numbers(&info["geoTransform"]);
    let first = numbers(&gdal_info(a)["geoTransform"]);
    assert_eq!((gt[1], gt[5]), (first[1], first[5]));
    let columns = (gt[0] - first[0]) / first[1];
    assert!(
        (columns - columns.round()).abs() < 1e-6,
        "on the lattice: {columns}"
    );
    let size = numbers(&info["size"]);
    let (w, h) = (size[0] as i64, size[1] as i64);
    assert!(w >= 349, "covers both granules: {w} columns");

    // gdalwarp's mosaic of the same granules on that grid: the last source wins, so the
    // first granule goes last.
    let reference = dir.join("reference.tif");
    gdalwarp_mosaic(index, &[b, a], &reference);

    let pixels: Vec<(i64, i64)> = (0..h).flat_map(|y| (0..w).map(move |x| (x, y))).collect();
    let valid = |v: f64| Some(v).filter(|d| *d != 0.0);
    let green = band_values(&reference, 2);
    let swir1 = band_values(&reference, 5);
    let ours = band_values(index, 1);
    assert_eq!((green.len(), ours.len()), (pixels.len(), pixels.len()));
    let (mut compared, mut from_b, mut empty, mut either) = (0, 0, 0, 0);
    let reprojected = Reprojected::new(b, 31985);
    for i in 0..pixels.len() {
        let want = match (valid(green[i]), valid(swir1[i])) {
            (Some(g), Some(s)) => nd(g, s),
            _ => f64::NAN,
        };
        let same = (ours[i].is_nan() && want.is_nan()) || (ours[i] - want).abs() < 1e-6;
        if !same {
            assert!(
                reprojected.allows(&gt, pixels[i], ours[i]),
                "pixel {:?}: {} vs gdalwarp's {want}, and no source pixel within 0.125 px",
                pixels[i],
                ours[i]
            );
            either += 1;
            continue;
        }
        match (valid(green[i]), valid(swir1[i])) {
            (Some(_), Some(_)) => {
                compared += 1;
                if pixels[i].0 >= 220 + columns.round().abs() as i64 {
                    from_b += 1;
                }
            }
            _ => empty += 1,
        }
    }
    assert!(compared > 349 * 300, "{compared} compared, {empty} empty");
    assert!(
        either * 1000 <= compared,
        "{either} pixels differ from gdalwarp within its approximation"
    );
    assert!(
        from_b > 100 * 300,
        "{from_b} pixels only the second granule has"
    );
}

#[test]
fn granules_in_two_utm_zones_mosaic_into_the_values_gdalwarp_gives() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (a, b) = granules(dir.path());
    let out = dir.path().join("out");
    let files = format!("[\"{}\", \"{}\"]", a.display(), b.display());
    let p = mosaic_pipeline(dir.path(), &files, &out);
    aftermath()
        .args(["run", p.to_str().expect("utf-8")])
        .assert()
        .success();

    assert_mosaic_of(&out.join("index.tif"), &a, &b, dir.path());

    // run.json lists both granules as the scene's files.
    let record = common::read_json(out.join("run.json"));
    let text = record.to_string();
    assert!(
        text.contains("granule-a-utm25s.tif") && text.contains("granule-b-utm24s.tif"),
        "{text}"
    );
}

#[test]
fn a_pattern_lists_the_granules_in_name_order_and_a_bad_one_is_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (a, b) = granules(dir.path());
    let out = dir.path().join("out");
    // `granule-*.tif` matches a (25S) before b (24S): the same mosaic as the list.
    let p = mosaic_pipeline(dir.path(), "\"granule-*.tif\"", &out);
    let plan = aftermath()
        .args(["plan", p.to_str().expect("utf-8"), "--json"])
        .assert()
        .success();
    let text = String::from_utf8_lossy(&plan.get_output().stdout).to_string();
    let (ia, ib) = (
        text.find(a.file_name().and_then(|n| n.to_str()).expect("name")),
        text.find(b.file_name().and_then(|n| n.to_str()).expect("name")),
    );
    assert!(matches!((ia, ib), (Some(x), Some(y)) if x < y), "{text}");

    let p = mosaic_pipeline(dir.path(), "\"nothing-*.tif\"", &out);
    let stderr = stderr_of_failed("validate", &p, 2);
    assert!(
        stderr.contains("scenes.post.files") && stderr.contains("no file matches"),
        "{stderr}"
    );
    assert!(!out.exists(), "nothing written");
}

/// `src`'s six bands plus a seventh, a quality code per pixel from `qa(column, row)`; where
/// `clear_masked` is set, every band is 0 (no data) where the code is 1, as a reference.
fn with_quality(src: &Path, dst: &Path, qa: impl Fn(usize, usize) -> u8, clear_masked: bool) {
    let source = gdal::Dataset::open(src).expect("open");
    let (w, h) = source.raster_size();
    let codes: Vec<u8> = (0..h)
        .flat_map(|r| (0..w).map(move |c| (c, r)))
        .map(|(c, r)| qa(c, r))
        .collect();
    let mut bands: Vec<Vec<u8>> = (1..=6).map(|band| read_band(src, band)).collect();
    bands.push(codes.clone());
    if clear_masked {
        for values in &mut bands {
            for (v, code) in values.iter_mut().zip(&codes) {
                if *code == 1 {
                    *v = 0;
                }
            }
        }
    }
    let gt = source.geo_transform().expect("gt");
    write_byte_geotiff(dst, (w, h), gt, &source.projection(), bands);
}

#[test]
fn a_cloud_masked_pixel_of_one_granule_is_filled_by_the_next() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let (a6, b6) = (d.join("a6.tif"), d.join("b6.tif"));
    cut(&sample(OLINDA), &a6, 0, 220);
    cut(&sample(OLINDA), &b6, 150, 199);
    // A documented perturbation of the real scene: two "clouds" (SCL class 1) in the first
    // granule, one where the second granule overlaps it (columns 150–219), one where it does
    // not; everything else class 4 (vegetation, clear).
    let in_overlap = |c: usize, r: usize| (160..210).contains(&c) && (100..200).contains(&r);
    let outside = |c: usize, r: usize| (20..60).contains(&c) && (50..100).contains(&r);
    let cloud = move |c: usize, r: usize| {
        if in_overlap(c, r) || outside(c, r) {
            1
        } else {
            4
        }
    };
    let (a, a_masked, b7, b) = (
        d.join("a.tif"),
        d.join("a-masked.tif"),
        d.join("b7.tif"),
        d.join("b-utm24s.tif"),
    );
    with_quality(&a6, &a, cloud, false);
    with_quality(&a6, &a_masked, cloud, true);
    with_quality(&b6, &b7, |_, _| 4, false);
    to_utm24s(&b7, &b);
    let out = d.join("out");
    let text = format!(
        "[scenes.post]\nfiles = [\"{}\", \"{}\"]\nnodata = 0\nmask = {{ scl = [1], band = \"qa\" }}\n\
         [scenes.post.bands]\ngreen = 2\nswir1 = 5\nqa = 7\n\
         [product]\nindex = \"mndwi\"\n[render]\nramp = \"brbg\"\nrange = [-0.6, 0.6]\n\
         [tiling]\nzoom = \"11-12\"\nresampling = \"nearest\"\n[output]\nurl = \"{}\"\n",
        a.display(),
        b.display(),
        out.display()
    );
    let p = write_pipeline(d, "clouds.toml", &text);
    aftermath()
        .args(["run", p.to_str().expect("utf-8")])
        .assert()
        .success();

    // The reference: gdalwarp's mosaic of the second granule under the first with its
    // clouds cleared to no data.
    let index = out.join("index.tif");
    let info = gdal_info(&index);
    let gt = numbers(&info["geoTransform"]);
    let size = numbers(&info["size"]);
    let w = size[0] as usize;
    let reference = d.join("reference.tif");
    gdalwarp_mosaic(&index, &[&b, &a_masked], &reference);
    let (green, swir1) = (band_values(&reference, 2), band_values(&reference, 5));
    let ours = band_values(&index, 1);
    // The first granule's pixel (c, r) is the product's (c + dx, r + dy).
    let first = numbers(&gdal_info(&a)["geoTransform"]);
    let dx = ((first[0] - gt[0]) / gt[1]).round() as usize;
    let dy = ((first[3] - gt[3]) / gt[5]).round() as usize;
    let (mut filled, mut cleared, mut either) = (0, 0, 0);
    let reprojected = Reprojected::new(&b, 31985);
    for i in 0..ours.len() {
        let (c, r) = (i % w, i / w);
        let want = (green[i] != 0.0 && swir1[i] != 0.0).then(|| nd(green[i], swir1[i]));
        let same = match want {
            Some(want) => (ours[i] - want).abs() < 1e-6,
            None => ours[i].is_nan(),
        };
        if !same {
            // Only where the second granule (the reprojected one) fills in.
            assert!(
                reprojected.allows(&gt, (c as i64, r as i64), ours[i]),
                "pixel ({c}, {r}): {} vs {want:?}, and no source pixel within 0.125 px",
                ours[i]
            );
            either += 1;
        }
        let (ac, ar) = (c.wrapping_sub(dx), r.wrapping_sub(dy));
        if in_overlap(ac, ar) && want.is_some() {
            filled += 1;
        }
        if outside(ac, ar) && ours[i].is_nan() {
            cleared += 1;
        }
    }
    assert!(
        filled > 40 * 90,
        "{filled} cloud pixels filled from the second granule"
    );
    assert_eq!(
        cleared,
        40 * 50,
        "the cloud only the first granule covers is no data"
    );
    assert!(
        either * 1000 <= ours.len(),
        "{either} pixels differ within the approximation"
    );
}

/// `src`'s bands in the order `order` (1-based numbers of `src`), each described as
/// `descriptions[number - 1]`, as providers' COGs describe theirs.
fn reordered_and_described(src: &Path, dst: &Path, order: &[usize], descriptions: &[&str]) {
    use gdal::Metadata;
    let source = gdal::Dataset::open(src).expect("open");
    let bands = order.iter().map(|&number| read_band(src, number)).collect();
    let gt = source.geo_transform().expect("gt");
    let ds = write_byte_geotiff(dst, source.raster_size(), gt, &source.projection(), bands);
    for (i, &number) in order.iter().enumerate() {
        (ds.rasterband(i + 1).expect("band"))
            .set_description(descriptions[number - 1])
            .expect("description");
    }
}

#[test]
fn bands_named_by_description_are_found_in_each_granule_whatever_its_band_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let (a6, b6) = (d.join("a6.tif"), d.join("b6.tif"));
    cut(&sample(OLINDA), &a6, 0, 220);
    cut(&sample(OLINDA), &b6, 150, 199);
    // Landsat 7 ETM+ band names of the six bands; the second granule stores them reversed.
    let names = ["B1", "B2", "B3", "B4", "B5", "B7"];
    let (a, b) = (d.join("a-described.tif"), d.join("b-described.tif"));
    reordered_and_described(&a6, &a, &[1, 2, 3, 4, 5, 6], &names);
    reordered_and_described(&b6, &b, &[6, 5, 4, 3, 2, 1], &names);
    let out = d.join("out");
    let text = format!(
        "[scenes.post]\nfiles = [\"{}\", \"{}\"]\nnodata = 0\n[scenes.post.bands]\n\
         green = \"B2\"\nswir1 = {{ band = \"b5\" }}\n\
         [product]\nindex = \"mndwi\"\n[render]\nramp = \"brbg\"\nrange = [-0.6, 0.6]\n\
         [tiling]\nzoom = \"11-12\"\nresampling = \"nearest\"\n[output]\nurl = \"{}\"\n",
        a.display(),
        b.display(),
        out.display()
    );
    let p = write_pipeline(d, "described.toml", &text);
    aftermath()
        .args(["run", p.to_str().expect("utf-8")])
        .assert()
        .success();
    // Both granules are on the scene's own grid, so the mosaic is the scene: MNDWI of its
    // bands 2 and 5, pixel by pixel.
    let (green, swir1) = (
        band_values(&sample(OLINDA), 2),
        band_values(&sample(OLINDA), 5),
    );
    let ours = band_values(&out.join("index.tif"), 1);
    assert_eq!(ours.len(), green.len(), "the scene's grid");
    for i in 0..ours.len() {
        let want = if green[i] == 0.0 || swir1[i] == 0.0 {
            f64::NAN
        } else {
            nd(green[i], swir1[i])
        };
        assert!(
            (want.is_nan() && ours[i].is_nan()) || (ours[i] - want).abs() < 1e-6,
            "pixel {i}: {} vs {want}",
            ours[i]
        );
    }

    // A description no file has: exit 2, the key, what the file's bands are; nothing written.
    let out = d.join("out-bad");
    let text = text.replace("\"B2\"", "\"B8\"").replace(
        &d.join("out").display().to_string(),
        &out.display().to_string(),
    );
    let p = write_pipeline(d, "described-bad.toml", &text);
    let stderr = stderr_of_failed("run", &p, 2);
    assert!(
        stderr.contains("scenes.post.bands.green")
            && stderr.contains("described as `B8`")
            && stderr.contains("2 `B2`"),
        "{stderr}"
    );
    assert!(!out.exists(), "nothing written");
}

/// A synthetic 10×10 one-band WGS 84 raster whose west edge is at `west` degrees.
fn synthetic_granule(path: &Path, west: f64) {
    let wgs84 = gdal::spatial_ref::SpatialRef::from_epsg(4326).expect("srs");
    let gt = [west, 0.01, 0.0, -16.0, 0.0, -0.01];
    let bands = (1..=2u8).map(|b| vec![b * 20; 100]).collect();
    write_byte_geotiff(path, (10, 10), gt, &wgs84.to_wkt().expect("wkt"), bands);
}

#[test]
fn a_mosaic_across_the_antimeridian_is_refused_with_the_file_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let (east, west) = (d.join("synthetic-179.9E.tif"), d.join("synthetic-180W.tif"));
    synthetic_granule(&east, 179.9);
    synthetic_granule(&west, -180.0);
    let out = d.join("out");
    let text = format!(
        "[scenes.post]\nfiles = [\"{}\", \"{}\"]\n[scenes.post.bands]\ngreen = 1\nswir1 = 2\n\
         [product]\nindex = \"mndwi\"\n[render]\nramp = \"brbg\"\nrange = [-0.6, 0.6]\n\
         [tiling]\nzoom = \"8-9\"\n[output]\nurl = \"{}\"\n",
        east.display(),
        west.display(),
        out.display()
    );
    let p = write_pipeline(d, "antimeridian.toml", &text);
    let stderr = stderr_of_failed("run", &p, 2);
    assert!(
        stderr.contains("synthetic-180W.tif") && stderr.contains("antimeridian"),
        "{stderr}"
    );
    assert!(!out.exists(), "nothing written");
}
