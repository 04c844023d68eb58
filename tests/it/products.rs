//! The product rasters: valid COGs (GDAL's own validator) on the first scene's grid, with
//! values equal to the formula evaluated here on the digital numbers read by
//! `gdallocationinfo`, and classes equal to the USGS dNBR breaks.

use crate::common;

use common::*;

const VALIDATOR: &str =
    "/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_cloud_optimized_geotiff.py";

fn assert_valid_cog(path: &std::path::Path) {
    let out = sh(
        "/usr/bin/python3",
        &[VALIDATOR, "--full-check=yes", path.to_str().expect("utf-8")],
    );
    assert!(out.contains("is a valid cloud optimized GeoTIFF"), "{out}");
}

#[test]
fn dnbr_rasters_are_valid_cogs_on_the_scene_grid_with_the_formula_s_values() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    run_shipped("ethiopia-change.toml", &out);
    let (index, classes) = (out.join("index.tif"), out.join("classes.tif"));
    assert_valid_cog(&index);
    assert_valid_cog(&classes);

    // Same grid as the source files: size, geotransform, CRS.
    let pre = "ethiopia/2000-03-09/LT05_L1TP_167055_20000309_20161214_01_T1_B";
    let post = "ethiopia/2010-12-18/LT51670552010352MLK00_B";
    let source = gdal_info(&sample(&format!("{pre}4.TIF")));
    for raster in [&index, &classes] {
        let info = gdal_info(raster);
        assert_eq!(info["size"], source["size"]);
        assert_eq!(
            numbers(&info["geoTransform"]),
            numbers(&source["geoTransform"])
        );
        let wkt = info["coordinateSystem"]["wkt"].as_str().expect("wkt");
        assert!(wkt.contains("ID[\"EPSG\",32637]"), "{wkt}");
    }
    let info = gdal_info(&classes);
    let band = &info["bands"][0];
    assert_eq!(band["type"], "Byte");
    assert_eq!(band["metadata"][""]["CLASS_7"], "high severity [0.66, inf)");
    assert_eq!(
        numbers(&band["colorTable"]["entries"][7]),
        vec![127.0, 0.0, 0.0, 255.0]
    );

    // Every 5th pixel of the 101 × 101 grid.
    let pixels: Vec<(i64, i64)> = (0..101)
        .step_by(5)
        .flat_map(|y| (0..101).step_by(5).map(move |x| (x, y)))
        .collect();
    let refl = |file: String, scale: f64, offset: f64| -> Vec<f64> {
        dn(&sample(&file), 1, &pixels)
            .iter()
            .map(|d| d.expect("in raster") * scale + offset)
            .collect()
    };
    // Scale and offset as written in the pipeline (TOA reflectance from each scene's MTL).
    let nir0 = refl(format!("{pre}4.TIF"), 3.283018e-3, -0.008942);
    let sw0 = refl(format!("{pre}7.TIF"), 3.085687e-3, -0.010146);
    let nir1 = refl(format!("{post}4.tif"), 3.405037e-3, -0.009275);
    let sw1 = refl(format!("{post}7.tif"), 3.222367e-3, -0.010524);
    let ours = dn(&index, 1, &pixels);
    let coded = dn(&classes, 1, &pixels);
    // USGS dNBR severity breaks (Key & Benson 2006); class values count from 1.
    let breaks = [-0.25, -0.1, 0.1, 0.27, 0.44, 0.66];
    let mut checked = 0;
    for i in 0..pixels.len() {
        let want = nd(nir0[i], sw0[i]) - nd(nir1[i], sw1[i]);
        let got = ours[i].expect("value");
        assert!(
            (got - want).abs() < 1e-5,
            "pixel {:?}: got {got}, want {want}",
            pixels[i]
        );
        if breaks.iter().all(|b| (want - b).abs() > 1e-4) {
            let class = 1 + breaks.iter().filter(|b| want >= **b).count();
            assert_eq!(
                coded[i],
                Some(class as f64),
                "pixel {:?}, dNBR {want}",
                pixels[i]
            );
            checked += 1;
        }
    }
    assert!(checked > 300, "{checked}");
}

#[test]
fn a_ramp_product_is_a_float_cog_with_overviews_and_no_class_raster() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    run_shipped("olinda-water.toml", &out);
    let index = out.join("index.tif");
    assert_valid_cog(&index);
    assert!(!out.join("classes.tif").exists());
    let info = gdal_info(&index);
    let band = &info["bands"][0];
    assert_eq!(band["type"], "Float32");
    assert_eq!(band["noDataValue"], "NaN");
    assert_eq!(
        band["overviews"].as_array().map(Vec::len),
        Some(1),
        "349 × 352 px → one 174 × 176 overview"
    );
    let record: serde_json::Value = common::read_json(out.join("run.json"));
    assert_eq!(
        record["products"],
        serde_json::json!(["stats.json", "stats.csv", "index.tif", "item.json"])
    );
}

#[test]
fn areas_per_class_match_a_count_in_an_equal_area_projection() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    run_shipped("ethiopia-change.toml", &out);
    // Independent: the classified raster warped by gdalwarp (nearest) to a Lambert azimuthal
    // equal-area projection centred on the scene, at 4 m, with an extent padded past the
    // scene; each pixel there is 16 m² of ground. Counted from GDAL's ASCII grid output.
    let laea = dir.path().join("laea.tif");
    sh(
        "gdalwarp",
        &[
            "-q",
            "-t_srs",
            "+proj=laea +lat_0=6.8265 +lon_0=39.8195 +datum=WGS84 +units=m",
            "-te",
            "-2000",
            "-2000",
            "2000",
            "2000",
            "-tr",
            "4",
            "4",
            "-r",
            "near",
            out.join("classes.tif").to_str().expect("utf-8"),
            laea.to_str().expect("utf-8"),
        ],
    );
    let grid = sh(
        "gdal_translate",
        &[
            "-q",
            "-of",
            "AAIGrid",
            laea.to_str().expect("utf-8"),
            "/vsistdout/",
        ],
    );
    let mut hectares = [0.0f64; 8];
    for line in grid.lines().filter(|l| {
        !l.trim_start()
            .starts_with(|c: char| c.is_ascii_alphabetic())
    }) {
        for v in line.split_whitespace() {
            hectares[v.parse::<usize>().expect("class value")] += 16.0 / 10_000.0;
        }
    }
    let stats: serde_json::Value = common::read_json(out.join("stats.json"));
    let classes = stats["classes"].as_array().expect("classes");
    let mut compared = 0;
    for c in classes {
        let value = c["value"].as_u64().expect("value") as usize;
        let ours = c["hectares"].as_f64().expect("hectares");
        assert!((c["km2"].as_f64().expect("km2") - ours / 100.0).abs() < 1e-9);
        if hectares[value] > 10.0 {
            let diff = (ours - hectares[value]).abs() / hectares[value];
            assert!(
                diff < 0.005,
                "class {value}: {ours} ha vs {} ha ({:.3} %)",
                hectares[value],
                diff * 100.0
            );
            compared += 1;
        }
    }
    assert!(compared >= 2, "too few classes large enough to compare");
    let valid: f64 = hectares[1..].iter().sum();
    let ours = stats["valid"]["hectares"].as_f64().expect("valid");
    assert!(
        (ours - valid).abs() / valid < 0.005,
        "valid {ours} ha vs {valid} ha"
    );
    let csv = std::fs::read_to_string(out.join("stats.csv")).expect("stats.csv");
    assert!(
        csv.starts_with("value,name,min,max,pixels,hectares,km2,percent_of_valid\n"),
        "{csv}"
    );
    assert!(csv.contains("\n7,\"high severity\",0.66,,"), "{csv}");
}

#[test]
fn class_polygons_are_valid_geojson_whose_areas_match_the_stats() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    run_shipped("ethiopia-change.toml", &out);
    let path = out.join("polygons.geojson");
    let doc: serde_json::Value = common::read_json(&path);
    assert_eq!(doc["type"], "FeatureCollection");
    // The scene's WGS 84 extent by gdalinfo, with a pixel of slack.
    let extent = gdal_info(&sample(
        "ethiopia/2000-03-09/LT05_L1TP_167055_20000309_20161214_01_T1_B4.TIF",
    ));
    let corners = extent["wgs84Extent"]["coordinates"][0]
        .as_array()
        .expect("ring")
        .clone();
    let lons: Vec<f64> = corners
        .iter()
        .map(|c| c[0].as_f64().expect("lon"))
        .collect();
    let lats: Vec<f64> = corners
        .iter()
        .map(|c| c[1].as_f64().expect("lat"))
        .collect();
    let inside = |lon: f64, lat: f64| {
        let slack = 0.0003;
        lon >= lons.iter().cloned().fold(f64::MAX, f64::min) - slack
            && lon <= lons.iter().cloned().fold(f64::MIN, f64::max) + slack
            && lat >= lats.iter().cloned().fold(f64::MAX, f64::min) - slack
            && lat <= lats.iter().cloned().fold(f64::MIN, f64::max) + slack
    };
    let features = doc["features"].as_array().expect("features");
    assert!(features.len() > 10);
    for f in features {
        assert_eq!(f["geometry"]["type"], "Polygon");
        for ring in f["geometry"]["coordinates"].as_array().expect("rings") {
            let ring = ring.as_array().expect("ring");
            assert!(ring.len() >= 4, "a ring has at least four positions");
            assert_eq!(ring.first(), ring.last(), "rings are closed");
            for p in ring {
                let (lon, lat) = (p[0].as_f64().expect("lon"), p[1].as_f64().expect("lat"));
                assert!(
                    inside(lon, lat),
                    "({lon}, {lat}) is outside the scene: not lon/lat order?"
                );
            }
        }
        assert!(
            f["properties"]["class"].is_string()
                && f["properties"]["area_ha"].as_f64().expect("area") > 0.0
        );
    }
    // Independent area: GDAL projects the polygons to an equal-area CRS and measures them.
    let shp = dir.path().join("laea.shp");
    sh(
        "ogr2ogr",
        &[
            "-q",
            "-f",
            "ESRI Shapefile",
            "-t_srs",
            "+proj=laea +lat_0=6.8265 +lon_0=39.8195 +datum=WGS84 +units=m",
            shp.to_str().expect("utf-8"),
            path.to_str().expect("utf-8"),
        ],
    );
    let listing = sh(
        "ogrinfo",
        &[
            "-q",
            shp.to_str().expect("utf-8"),
            "-sql",
            "SELECT value, OGR_GEOM_AREA AS m2 FROM laea",
        ],
    );
    let mut hectares = [0.0f64; 8];
    let mut value = 0usize;
    for line in listing.lines().map(str::trim) {
        if let Some(v) = line.strip_prefix("value (Integer) = ") {
            value = v.parse().expect("value");
        } else if let Some(m2) = line.strip_prefix("m2 (Real) = ") {
            hectares[value] += m2.parse::<f64>().expect("area") / 10_000.0;
        }
    }
    // polygons.fgb holds the same features (in its R-tree's order), read back by GDAL.
    let fgb = gdal::Dataset::open(out.join("polygons.fgb")).expect("open polygons.fgb");
    let mut layer = fgb.layer(0).expect("layer");
    let key = |value: i64, ha: f64| (value, (ha * 1e6).round() as i64);
    let mut theirs: Vec<(i64, i64)> = gdal::vector::LayerAccess::features(&mut layer)
        .map(|f| {
            let field = |name: &str| f.field_index(name).expect("field");
            let value = f
                .field_as_integer(field("value"))
                .expect("value")
                .expect("set");
            let ha = f
                .field_as_double(field("area_ha"))
                .expect("ha")
                .expect("set");
            key(i64::from(value), ha)
        })
        .collect();
    let mut ours: Vec<(i64, i64)> = features
        .iter()
        .map(|f| {
            key(
                f["properties"]["value"].as_i64().expect("value"),
                f["properties"]["area_ha"].as_f64().expect("ha"),
            )
        })
        .collect();
    theirs.sort_unstable();
    ours.sort_unstable();
    assert_eq!(theirs, ours, "polygons.fgb and polygons.geojson differ");

    // The polygons are drawn after the minimum mapping unit: their areas are the sieved
    // classes'.
    let stats: serde_json::Value = common::read_json(out.join("stats.json"));
    let after = &stats["min_mapping_unit"]["classes_after"];
    for c in after.as_array().expect("classes after the sieve") {
        let v = c["value"].as_u64().expect("value") as usize;
        let ours = c["hectares"].as_f64().expect("ha");
        if ours > 1.0 {
            let diff = (ours - hectares[v]).abs() / ours;
            assert!(
                diff < 0.005,
                "class {v}: stats {ours} ha, polygons {} ha",
                hectares[v]
            );
        }
    }
}

#[test]
fn the_stac_item_describes_the_run_and_its_assets() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    run_shipped("ethiopia-change.toml", &out);
    let read = |key: &str| -> serde_json::Value { common::read_json(out.join(key)) };
    let item = read("item.json");
    // An independent validator of the STAC 1.x Item model.
    assert_valid_stac_item(&out.join("item.json"));
    assert_eq!(item["type"], "Feature");
    assert_eq!(item["stac_version"], "1.0.0");
    assert_eq!(item["id"], "ethiopia-change");
    let extensions: Vec<&str> = item["stac_extensions"]
        .as_array()
        .expect("extensions")
        .iter()
        .filter_map(|e| e.as_str())
        .collect();
    assert!(
        extensions.contains(&"https://stac-extensions.github.io/classification/v2.0.0/schema.json")
    );
    assert!(extensions.contains(&"https://stac-extensions.github.io/processing/v1.2.0/schema.json"));
    // STAC: datetime null requires start and end; the scenes' acquisition times.
    let props = &item["properties"];
    assert!(props["datetime"].is_null());
    assert_eq!(props["start_datetime"], "2000-03-09T07:08:03Z");
    assert_eq!(props["end_datetime"], "2010-12-18T07:24:28Z");
    assert_eq!(
        props["processing:software"]["aftermath"],
        env!("CARGO_PKG_VERSION")
    );
    // bbox and geometry agree with each other and with TileJSON's bounds.
    let bbox = numbers(&item["bbox"]);
    assert_eq!(bbox, numbers(&read("tilejson.json")["bounds"]));
    let ring = item["geometry"]["coordinates"][0].as_array().expect("ring");
    assert_eq!(ring.first(), ring.last());
    for p in ring {
        let (x, y) = (p[0].as_f64().expect("lon"), p[1].as_f64().expect("lat"));
        assert!(x >= bbox[0] && x <= bbox[2] && y >= bbox[1] && y <= bbox[3]);
    }
    // Every asset exists next to the item, with a media type and a role.
    let assets = item["assets"].as_object().expect("assets");
    for name in [
        "tiles",
        "legend",
        "index",
        "classes",
        "stats",
        "stats-csv",
        "polygons",
        "polygons-fgb",
    ] {
        let asset = &assets[name];
        let href = asset["href"].as_str().expect("href");
        assert!(
            out.join(href.trim_start_matches("./")).is_file(),
            "{name}: {href} missing"
        );
        assert!(
            asset["type"].is_string() && asset["roles"].as_array().is_some_and(|r| !r.is_empty()),
            "{name}"
        );
    }
    assert!(assets["index"]["type"]
        .as_str()
        .expect("type")
        .contains("profile=cloud-optimized"));
    // Classification extension: nodata 0, then the legend's classes with their colours.
    let classes = assets["classes"]["classification:classes"]
        .as_array()
        .expect("classes");
    assert_eq!(classes[0]["value"], 0);
    assert_eq!(classes[0]["nodata"], true);
    let legend = read("legend.json");
    for (c, l) in classes[1..]
        .iter()
        .zip(legend["classes"].as_array().expect("legend"))
    {
        assert_eq!(c["value"], l["value"]);
        assert_eq!(c["description"], l["name"]);
        let name = c["name"].as_str().expect("name");
        assert!(
            !name.is_empty()
                && name
                    .chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_'),
            "{name}"
        );
        let hint = c["color_hint"].as_str().expect("hint");
        assert_eq!(
            format!("#{}", hint.to_lowercase()),
            l["color"].as_str().expect("color")
        );
    }
    assert_eq!(classes.len(), 8);
}

/// Validates `item` with stac-pydantic (installed by `make test-tools`).
fn assert_valid_stac_item(item: &std::path::Path) {
    if available(Tool::Python) {
        let python = repo().join("target/test-tools/venv/bin/python");
        let script = repo().join("tests/validate_stac_item.py");
        sh(
            python.to_str().expect("utf-8"),
            &[
                script.to_str().expect("utf-8"),
                item.to_str().expect("utf-8"),
            ],
        );
    }
}

#[test]
fn a_scene_date_or_interval_becomes_the_item_s_utc_date_times() {
    // Valid scene datetimes (RFC 3339) that are no STAC date-time as written: a plain date
    // is its day from its first second, an interval's end to its last, in UTC.
    let dir = tempfile::tempdir().expect("tempdir");
    for (i, (given, datetime, start, end)) in [
        ("2002-07-31", Some("2002-07-31T00:00:00Z"), None, None),
        (
            "2002-07-01/2002-07-31",
            None,
            Some("2002-07-01T00:00:00Z"),
            Some("2002-07-31T23:59:59Z"),
        ),
        (
            "2002-07-31T12:30:00-03:00",
            Some("2002-07-31T15:30:00Z"),
            None,
            None,
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let out = dir.path().join(format!("out{i}"));
        let text = mndwi_pipeline(&sample("olinda/L7_ETMs.tif"), &out, "").replace(
            "[scenes.post.bands]",
            &format!("datetime = \"{given}\"\n[scenes.post.bands]"),
        );
        let p = write_pipeline(dir.path(), &format!("p{i}.toml"), &text);
        aftermath()
            .args(["run", p.to_str().expect("utf-8")])
            .assert()
            .success();
        assert_valid_stac_item(&out.join("item.json"));
        let props = &common::read_json(out.join("item.json"))["properties"];
        assert_eq!(props["datetime"].as_str(), datetime, "{given}: {props}");
        assert_eq!(props["start_datetime"].as_str(), start, "{given}: {props}");
        assert_eq!(props["end_datetime"].as_str(), end, "{given}: {props}");
        assert!(props.get("aftermath:datetime_is_processing_time").is_none());
    }
}

#[test]
fn the_stac_rasters_carry_their_projection() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    run_shipped("ethiopia-change.toml", &out);
    let item: serde_json::Value = common::read_json(out.join("item.json"));
    // gdalinfo's view of the source grid: EPSG:32637, 101 × 101, origin (589035, 756165), 30 m.
    let source = gdal_info(&sample(
        "ethiopia/2000-03-09/LT05_L1TP_167055_20000309_20161214_01_T1_B4.TIF",
    ));
    let gt = numbers(&source["geoTransform"]);
    for key in ["index", "classes"] {
        let asset = &item["assets"][key];
        assert_eq!(asset["proj:epsg"], 32637, "{key}");
        assert_eq!(asset["proj:shape"], serde_json::json!([101, 101]));
        assert_eq!(
            numbers(&asset["proj:transform"]),
            vec![gt[1], gt[2], gt[0], gt[4], gt[5], gt[3]]
        );
    }
    let extensions = item["stac_extensions"].as_array().expect("extensions");
    assert!(extensions
        .iter()
        .any(|e| e == "https://stac-extensions.github.io/projection/v1.1.0/schema.json"));
}

#[test]
fn legend_png_shows_every_class_colour_and_is_a_stac_asset() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    run_shipped("ethiopia-change.toml", &out);
    let bytes = std::fs::read(out.join("legend.png")).expect("legend.png");
    let (width, height, rgba) = decode_png(&bytes);
    assert!(
        width < 1200 && height < 400,
        "a small image: {width}×{height}"
    );
    let legend: serde_json::Value = common::read_json(out.join("legend.json"));
    for class in legend["classes"].as_array().expect("classes") {
        let hex = class["color"].as_str().expect("colour");
        let rgb: Vec<u8> = (0..3)
            .map(|i| u8::from_str_radix(&hex[1 + 2 * i..3 + 2 * i], 16).expect("hex"))
            .collect();
        let pixels = rgba
            .chunks(4)
            .filter(|p| p[..3] == rgb[..] && p[3] == 255)
            .count();
        assert!(
            pixels >= 100,
            "class {} ({hex}): {pixels} pixels",
            class["name"]
        );
    }
    let item: serde_json::Value = common::read_json(out.join("item.json"));
    assert_eq!(item["assets"]["legend-image"]["href"], "./legend.png");
    assert_eq!(item["assets"]["legend-image"]["type"], "image/png");
}

#[test]
fn a_chosen_product_grid_matches_gdalwarp_to_that_grid() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    let text = std::fs::read_to_string(pipeline("ethiopia-change.toml"))
        .expect("pipeline")
        .replace("../sample-data/", &format!("{}/", sample("").display()))
        .replace(
            "index = \"dnbr\"",
            "index = \"dnbr\"\ngrid = { crs = \"EPSG:32637\", resolution = 45 }",
        )
        .replace("resampling = \"bilinear\"", "resampling = \"nearest\"");
    let p = write_pipeline(dir.path(), "grid.toml", &text);
    aftermath()
        .args([
            "run",
            p.to_str().expect("utf-8"),
            "--output",
            out.to_str().expect("utf-8"),
        ])
        .assert()
        .success();
    let index = out.join("index.tif");
    assert_valid_cog(&index);
    let info = gdal_info(&index);
    let gt = numbers(&info["geoTransform"]);
    assert_eq!((gt[1], gt[5]), (45.0, -45.0));
    assert_eq!(gt[0] % 45.0, 0.0, "snapped to the resolution");
    let size = numbers(&info["size"]);
    let (w, h) = (size[0] as i64, size[1] as i64);
    // 101 px × 30 m = 3030 m → 68 px of 45 m, plus the snapping and the Web Mercator detour.
    assert!((68..=72).contains(&w) && (68..=72).contains(&h), "{w}×{h}");
    let te: Vec<String> = [
        gt[0],
        gt[3] + h as f64 * gt[5],
        gt[0] + w as f64 * gt[1],
        gt[3],
    ]
    .iter()
    .map(|v| v.to_string())
    .collect();

    // gdalwarp each band onto the same grid, nearest neighbour; the formula evaluated here.
    let warp = |file: &str| -> std::path::PathBuf {
        let dst = dir.path().join(format!("{}.tif", file.replace('/', "_")));
        let mut args = vec![
            "-q",
            "-t_srs",
            "EPSG:32637",
            "-tr",
            "45",
            "45",
            "-r",
            "near",
            "-te",
        ];
        args.extend(te.iter().map(String::as_str));
        let src = sample(file);
        args.extend([src.to_str().expect("utf-8"), dst.to_str().expect("utf-8")]);
        sh("gdalwarp", &args);
        dst
    };
    let pre = "ethiopia/2000-03-09/LT05_L1TP_167055_20000309_20161214_01_T1_B";
    let post = "ethiopia/2010-12-18/LT51670552010352MLK00_B";
    let pixels: Vec<(i64, i64)> = (0..h).flat_map(|y| (0..w).map(move |x| (x, y))).collect();
    let band = |file: String, scale: f64, offset: f64| -> Vec<Option<f64>> {
        dn(&warp(&file), 1, &pixels)
            .into_iter()
            .map(|d| d.filter(|d| *d != 255.0).map(|d| d * scale + offset))
            .collect()
    };
    let nir0 = band(format!("{pre}4.TIF"), 3.283018e-3, -0.008942);
    let sw0 = band(format!("{pre}7.TIF"), 3.085687e-3, -0.010146);
    let nir1 = band(format!("{post}4.tif"), 3.405037e-3, -0.009275);
    let sw1 = band(format!("{post}7.tif"), 3.222367e-3, -0.010524);
    let ours = dn(&index, 1, &pixels);
    let (mut valid, mut empty) = (0, 0);
    for i in 0..pixels.len() {
        match (nir0[i], sw0[i], nir1[i], sw1[i]) {
            (Some(a), Some(b), Some(c), Some(d)) => {
                let want = nd(a, b) - nd(c, d);
                let got = ours[i].expect("value");
                assert!(
                    (got - want).abs() < 1e-5,
                    "pixel {:?}: {got} vs {want}",
                    pixels[i]
                );
                valid += 1;
            }
            _ => {
                assert!(
                    ours[i].is_none_or(f64::is_nan),
                    "pixel {:?} outside",
                    pixels[i]
                );
                empty += 1;
            }
        }
    }
    assert!(valid > 4000, "{valid} valid, {empty} outside");
    // The STAC item describes this grid.
    let item: serde_json::Value = common::read_json(out.join("item.json"));
    assert_eq!(
        item["assets"]["index"]["proj:shape"],
        serde_json::json!([h, w])
    );
}

#[test]
fn products_false_writes_tiles_and_their_documents_only() {
    let work = tempfile::tempdir().expect("tempdir");
    let out = run_olinda(
        work.path(),
        "tiles-only",
        MNDWI_RAMP,
        "11-12",
        "products = false",
    );
    assert!(!tile_set(&out).is_empty());
    for absent in ["index.tif", "stats.json", "stats.csv"] {
        assert!(!out.join(absent).exists(), "{absent} written");
    }
    for present in ["tilejson.json", "legend.json", "item.json", "run.json"] {
        assert!(out.join(present).exists(), "{present} missing");
    }
    let item: serde_json::Value = common::read_json(out.join("item.json"));
    assert!(item["assets"].get("index").is_none());
}

/// The tiles are made beside the products' later steps, and the products wait for them: a
/// product with no valid pixel anywhere (here masked out everywhere) exits 2 and leaves no
/// product, no tile and no document behind.
#[test]
fn a_product_without_valid_pixels_exits_2_and_writes_nothing() {
    let work = tempfile::tempdir().expect("tempdir");
    let out = work.path().join("out");
    let classes = "[[render.classes]]\nname = \"dry\"\nmax = 0\ncolor = \"#a6611a\"\n\
                   [[render.classes]]\nname = \"wet\"\nmin = 0\ncolor = \"#018571\"";
    let text = mndwi_pipeline(
        &sample("olinda/L7_ETMs.tif"),
        &out,
        "[tiling]\nzoom = \"11-12\"",
    )
    .replace(
        "index = \"mndwi\"",
        "index = \"mndwi\"\nmask = \"post.green > -1000\"",
    )
    .replace("[render]\nramp = \"brbg\"\nrange = [-0.6, 0.6]", classes);
    let pipeline = write_pipeline(work.path(), "masked.toml", &text);
    let stderr = stderr_of_failed("run", &pipeline, 2);
    assert!(stderr.contains("no valid pixel"), "{stderr}");
    let left: Vec<String> = files(&out).into_keys().collect();
    assert!(left.is_empty(), "written: {left:?}");
}
