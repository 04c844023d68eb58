//! Scenes from a STAC catalogue (`stac = …`), on real servers: the Olinda scene cut into two
//! granules (one reprojected into the neighbouring UTM zone, as in `mosaic.rs`), each band of
//! each granule a COG on nginx (range requests), the items in stac-fastapi-pgstac (PostgreSQL
//! + PostGIS). The reference is gdalwarp's mosaic of the granules (`mosaic::assert_mosaic_of`).
//!
//! The catalogue also holds items the searches must leave out, whose pixels would show if
//! they were read: a cloudy one (`eo:cloud_cover` 80) and one before the time window, both
//! earlier than the wanted ones (a mosaic takes the earliest valid pixel) and both of a
//! constant MNDWI of −0.5, and one far away. The datetimes are documented perturbations: the
//! sample scene's own date is unknown.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::common::stac_servers::{Nginx, StacApi};
use crate::common::{self, *};
use crate::mosaic::{assert_mosaic_of, granules};

const COLLECTION: &str = "olinda-etm";

/// The ETM+ bands of the sample, as USGS's STAC items key them, with their ETM+ names.
const BANDS: [(usize, &str, &str); 6] = [
    (1, "blue", "B1"),
    (2, "green", "B2"),
    (3, "red", "B3"),
    (4, "nir08", "B4"),
    (5, "swir16", "B5"),
    (6, "swir22", "B7"),
];

struct Fixture {
    dir: tempfile::TempDir,
    /// The two granules as six-band GeoTIFFs (the reference's input).
    a: PathBuf,
    b: PathBuf,
    nginx: Nginx,
}

impl Fixture {
    /// The granules, their per-band COGs and two constant rasters, served by nginx.
    fn new() -> Fixture {
        let dir = tempfile::tempdir().expect("tempdir");
        let (a, b) = granules(dir.path());
        let www = dir.path().join("www");
        std::fs::create_dir(&www).expect("www");
        for (granule, name) in [(&a, "a"), (&b, "b")] {
            for (band, key, _) in BANDS {
                let dst = www.join(format!("{name}-{key}.tif"));
                sh(
                    "gdal_translate",
                    &[
                        "-q",
                        "-b",
                        &band.to_string(),
                        "-of",
                        "COG",
                        granule.to_str().expect("utf-8"),
                        dst.to_str().expect("utf-8"),
                    ],
                );
            }
        }
        let source = gdal::Dataset::open(&a).expect("granule a");
        let (w, h) = source.raster_size();
        let gt = source.geo_transform().expect("gt");
        for value in [10u8, 30] {
            write_byte_geotiff(
                &www.join(format!("constant-{value}.tif")),
                (w, h),
                gt,
                &source.projection(),
                vec![vec![value; w * h]],
            );
        }
        let nginx = Nginx::serve(&www);
        Fixture { dir, a, b, nginx }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Runs the MNDWI pipeline over `stac` (a TOML value) with `env` set, checks that its
    /// index is gdalwarp's mosaic of the two granules, and returns its run.json.
    fn mosaic_from(&self, stac: &str, env: &[(&str, String)]) -> Value {
        let out = self.path().join("out");
        let p = stac_pipeline(self.path(), stac, &out, "");
        aftermath()
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .args(["run", p.to_str().expect("utf-8")])
            .assert()
            .success();
        assert_mosaic_of(&out.join("index.tif"), &self.a, &self.b, self.path());
        common::read_json(out.join("run.json"))
    }

    /// The granule's footprint in lon/lat, as gdalinfo gives it.
    fn footprint(granule: &Path) -> Value {
        gdal_info(granule)["wgs84Extent"].clone()
    }

    /// A STAC 1.0 item of the collection. `assets(key)` is each band's href; `described`
    /// keys the assets `band1`… and names them only in `eo:bands`.
    fn item(
        id: &str,
        datetime: &str,
        cloud: f64,
        geometry: Value,
        assets: impl Fn(&str) -> String,
        described: bool,
    ) -> Value {
        let ring = geometry["coordinates"][0].as_array().expect("ring").clone();
        let (xs, ys): (Vec<f64>, Vec<f64>) = ring
            .iter()
            .map(|p| (p[0].as_f64().expect("x"), p[1].as_f64().expect("y")))
            .unzip();
        let min = |v: &[f64]| v.iter().cloned().fold(f64::INFINITY, f64::min);
        let max = |v: &[f64]| v.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let mut table = serde_json::Map::new();
        for (i, (_, key, name)) in BANDS.iter().enumerate() {
            let asset_key = if described {
                format!("band{}", i + 1)
            } else {
                key.to_string()
            };
            table.insert(
                asset_key,
                json!({
                    "href": assets(key),
                    "type": "image/tiff; application=geotiff; profile=cloud-optimized",
                    "roles": ["data"],
                    "eo:bands": [{ "name": name, "common_name": key }],
                }),
            );
        }
        json!({
            "type": "Feature",
            "stac_version": "1.0.0",
            "stac_extensions": ["https://stac-extensions.github.io/eo/v1.1.0/schema.json"],
            "id": id,
            "collection": COLLECTION,
            "geometry": geometry,
            "bbox": [min(&xs), min(&ys), max(&xs), max(&ys)],
            "properties": { "datetime": datetime, "eo:cloud_cover": cloud, "platform": "landsat-7" },
            "links": [],
            "assets": table,
        })
    }

    /// The two wanted items (granule a keyed as USGS does, granule b by `eo:bands` only) and
    /// the three the searches must leave out.
    fn items(&self) -> Vec<Value> {
        let url =
            |name: &'static str| move |key: &str| self.nginx.url(&format!("{name}-{key}.tif"));
        let constant = |key: &str| {
            let value = if key == "swir16" { 30 } else { 10 };
            self.nginx.url(&format!("constant-{value}.tif"))
        };
        let over_a = Fixture::footprint(&self.a);
        let far_away = json!({ "type": "Polygon", "coordinates": [[[10.0, 50.0], [10.1, 50.0], [10.1, 50.1], [10.0, 50.1], [10.0, 50.0]]] });
        vec![
            Fixture::item(
                "olinda-a",
                "2024-03-01T12:40:00Z",
                5.0,
                over_a.clone(),
                url("a"),
                false,
            ),
            Fixture::item(
                "olinda-b",
                "2024-03-01T12:40:30Z",
                10.0,
                Fixture::footprint(&self.b),
                url("b"),
                true,
            ),
            Fixture::item(
                "olinda-cloudy",
                "2024-02-25T12:40:00Z",
                80.0,
                over_a.clone(),
                constant,
                false,
            ),
            Fixture::item(
                "olinda-december",
                "2023-12-01T12:40:00Z",
                5.0,
                over_a,
                constant,
                false,
            ),
            Fixture::item(
                "far-away",
                "2024-02-20T10:00:00Z",
                5.0,
                far_away,
                constant,
                false,
            ),
        ]
    }
}

fn collection(id: &str) -> Value {
    json!({
        "type": "Collection",
        "stac_version": "1.0.0",
        "id": id,
        "description": "Granules cut from the Landsat 7 ETM+ sample of the R package stars",
        "license": "Apache-2.0",
        "extent": {
            "spatial": { "bbox": [[-180.0, -90.0, 180.0, 90.0]] },
            "temporal": { "interval": [["2000-01-01T00:00:00Z", null]] }
        },
        "links": []
    })
}

/// An MNDWI pipeline over `stac` (a TOML value), nearest neighbour, writing to `out`.
fn stac_pipeline(dir: &Path, stac: &str, out: &Path, extra: &str) -> PathBuf {
    let text = format!(
        "[scenes.post]\nsensor = \"landsat-7-l1\"\nstac = {stac}\n\
         [product]\nindex = \"mndwi\"\n{extra}\n[render]\nramp = \"brbg\"\nrange = [-0.6, 0.6]\n\
         [tiling]\nzoom = \"11-12\"\nresampling = \"nearest\"\n[output]\nurl = \"{}\"\n",
        out.display()
    );
    write_pipeline(dir, "stac.toml", &text)
}

fn search(api: &str, extra: &str) -> String {
    format!(
        "{{ api = \"{api}\", collections = [\"{COLLECTION}\"], datetime = \"2024-02-01/2024-03-31\", \
         query = {{ \"eo:cloud_cover\" = {{ lt = 20 }} }}{extra} }}"
    )
}

fn item_ids(items: &Value) -> Vec<String> {
    (items.as_array().expect("items").iter())
        .map(|i| i["id"].as_str().expect("id").to_string())
        .collect()
}

#[test]
fn a_search_mosaics_the_items_it_finds_into_the_values_gdalwarp_gives() {
    require!(Tool::StacServers);
    let fixture = Fixture::new();
    let api = StacApi::start(&[collection(COLLECTION)], &fixture.items());
    let out = fixture.path().join("out");
    // One item per page: the two come on two pages, through the API's `next` link.
    let bbox = ", bbox = [-34.95, -8.06, -34.80, -7.93], limit = 1";
    let record = fixture.mosaic_from(&search(&api.url(), bbox), &[]);

    // run.json names the items read, in time order, by the server's links to them.
    let items = &record["inputs"][0]["items"];
    assert_eq!(item_ids(items), ["olinda-a", "olinda-b"], "{record:#}");
    let hrefs: Vec<&str> = (items.as_array().expect("items").iter())
        .map(|i| i["href"].as_str().expect("href"))
        .collect();
    for (href, id) in hrefs.iter().zip(["olinda-a", "olinda-b"]) {
        assert_eq!(
            *href,
            format!("{}/collections/{COLLECTION}/items/{id}", api.url())
        );
    }
    assert_eq!(items[0]["eo:cloud_cover"], 5.0);
    // item.json: a `derived_from` link to each, and the scene's span of times.
    let item = common::read_json(out.join("item.json"));
    let derived: Vec<&str> = (item["links"].as_array().expect("links").iter())
        .filter(|l| l["rel"] == "derived_from")
        .map(|l| l["href"].as_str().expect("href"))
        .collect();
    assert_eq!(derived, hrefs);
    let scenes = &item["properties"]["aftermath:scenes"][0];
    assert_eq!(scenes["start_datetime"], "2024-03-01T12:40:00Z", "{item:#}");
    assert_eq!(scenes["end_datetime"], "2024-03-01T12:40:30Z");
    // The assets were read remotely, in byte ranges.
    let log = fixture.nginx.access_log();
    assert!(
        log.contains("GET /a-green.tif") && log.contains("\" 206 "),
        "{log}"
    );
    assert!(
        !log.contains("constant-"),
        "the left-out items were read: {log}"
    );
}

#[test]
fn the_shipped_stac_pipeline_runs_from_a_search_over_its_area_of_interest() {
    require!(Tool::StacServers);
    let fixture = Fixture::new();
    let api = StacApi::start(&[collection(COLLECTION)], &fixture.items());
    let pipeline = common::pipeline("olinda-water-stac.toml");
    let p = pipeline.to_str().expect("utf-8");
    let out = fixture.path().join("out");

    // `aftermath search`: the items, their cloud cover and how much of the area each covers.
    let found = aftermath()
        .env("AFTERMATH_STAC_API", api.url())
        .args(["--json", "search", p])
        .assert()
        .success();
    let report: Value = serde_json::from_slice(&found.get_output().stdout).expect("json");
    let scene = &report["scenes"][0];
    assert_eq!(
        item_ids(&scene["items"]),
        ["olinda-a", "olinda-b"],
        "{report:#}"
    );
    assert!(
        scene["catalogue"]
            .as_str()
            .expect("catalogue")
            .contains("\"eo:cloud_cover\""),
        "{report:#}"
    );
    // The shares of the area, computed here with geo's polygon clipping.
    let aoi = aoi_polygon();
    let area = geo::Area::unsigned_area(&aoi);
    for (found, granule) in scene["items"]
        .as_array()
        .expect("items")
        .iter()
        .zip([&fixture.a, &fixture.b])
    {
        let footprint = polygon_of(&Fixture::footprint(granule));
        let inside = geo::Area::unsigned_area(&geo::BooleanOps::intersection(&aoi, &footprint));
        let share = found["aoi_coverage"].as_f64().expect("coverage");
        assert!(
            (share - inside / area).abs() < 1e-6,
            "{share} vs {}",
            inside / area
        );
    }
    let all = scene["aoi_coverage"].as_f64().expect("coverage");
    assert!(
        (all - 1.0).abs() < 1e-6,
        "the two granules cover the area: {all}"
    );

    aftermath()
        .env("AFTERMATH_STAC_API", api.url())
        .args(["run", p, "--output", out.to_str().expect("utf-8")])
        .assert()
        .success();
    // Tiles, products and a STAC item derived from the two items.
    assert!(out.join("tilejson.json").exists() && out.join("index.tif").exists());
    let tiles = common::files(&out)
        .into_iter()
        .filter(|(name, _)| name.ends_with(".png"))
        .count();
    assert!(tiles > 4, "{tiles} tiles");
    let item = common::read_json(out.join("item.json"));
    let derived = (item["links"].as_array().expect("links").iter())
        .filter(|l| l["rel"] == "derived_from")
        .count();
    assert_eq!(derived, 2, "{item:#}");
    // Clipped to the area: the COG lies within its bounding box, and its corner (outside the
    // hand-drawn polygon) is no data.
    let info = gdal_info(&out.join("index.tif"));
    let [w, s, e, n] = [-34.905, -8.030, -34.835, -7.958];
    let extent = &info["wgs84Extent"]["coordinates"][0];
    for corner in extent.as_array().expect("ring") {
        let (x, y) = (
            corner[0].as_f64().expect("x"),
            corner[1].as_f64().expect("y"),
        );
        let slack = 0.001; // a pixel of 28.5 m
        assert!(
            x > w - slack && x < e + slack && y > s - slack && y < n + slack,
            "{info:#}"
        );
    }
    let index: Vec<f32> = read_band(&out.join("index.tif"), 1);
    assert!(index[0].is_nan(), "the corner is outside the area");
    assert!(index.iter().filter(|v| !v.is_nan()).count() > 40_000);
}

/// The shipped area of interest as a geo polygon.
fn aoi_polygon() -> geo::Polygon<f64> {
    let aoi = common::read_json(repo().join("sample-data/olinda/aoi-hand-drawn.geojson"));
    polygon_of(&aoi["features"][0]["geometry"])
}

fn polygon_of(geometry: &Value) -> geo::Polygon<f64> {
    let ring: Vec<(f64, f64)> = (geometry["coordinates"][0].as_array().expect("ring").iter())
        .map(|p| (p[0].as_f64().expect("x"), p[1].as_f64().expect("y")))
        .collect();
    geo::Polygon::new(geo::LineString::from(ring), vec![])
}

#[test]
fn a_static_item_collection_over_http_is_read_with_its_relative_asset_hrefs() {
    require!(Tool::StacServers);
    let fixture = Fixture::new();
    // The two wanted items, their assets relative to the collection's URL and signed as
    // Planetary Computer signs them (nginx ignores the query; the signature is a secret).
    let mut items: Vec<Value> = fixture.items().into_iter().take(2).collect();
    for item in &mut items {
        for asset in item["assets"].as_object_mut().expect("assets").values_mut() {
            let href = asset["href"].as_str().expect("href").to_string();
            let name = href.rsplit('/').next().expect("name");
            asset["href"] = json!(format!("./{name}?st=2026-12-01&sig=SIGNATURE0123456789"));
        }
    }
    let collection = json!({ "type": "FeatureCollection", "features": items });
    let www = fixture.path().join("www");
    std::fs::write(www.join("items.json"), collection.to_string()).expect("items.json");
    let stac = format!("\"{}\"", fixture.nginx.url("items.json"));
    let record = fixture.mosaic_from(&stac, &[]);
    assert_eq!(
        item_ids(&record["inputs"][0]["items"]),
        ["olinda-a", "olinda-b"]
    );
}

#[test]
fn bad_catalogues_are_refused_with_the_item_asset_or_query_named() {
    require!(Tool::StacServers);
    let fixture = Fixture::new();
    let items = fixture.items();
    // An item without the SWIR asset MNDWI needs, and one of another sensor.
    let mut incomplete = items[0].clone();
    incomplete["id"] = json!("olinda-no-swir");
    incomplete["collection"] = json!("olinda-incomplete");
    incomplete["assets"]
        .as_object_mut()
        .expect("assets")
        .remove("swir16");
    let mut sentinel = items[1].clone();
    sentinel["id"] = json!("s2-granule");
    sentinel["collection"] = json!("olinda-mixed");
    sentinel["properties"]["platform"] = json!("sentinel-2b");
    let mut landsat = items[0].clone();
    landsat["collection"] = json!("olinda-mixed");
    let api = StacApi::start(
        &[
            collection(COLLECTION),
            collection("olinda-incomplete"),
            collection("olinda-mixed"),
        ],
        &[items.clone(), vec![incomplete, sentinel, landsat]].concat(),
    );
    let dir = fixture.path();
    let out = dir.join("out");
    let bbox = ", bbox = [-34.95, -8.06, -34.80, -7.93]";
    let refused = |stac: &str, code: i32, wanted: &[&str]| {
        let p = stac_pipeline(dir, stac, &out, "");
        let stderr = stderr_of_failed("run", &p, code);
        for w in wanted {
            assert!(stderr.contains(w), "{w:?} not in: {stderr}");
        }
        assert!(!out.exists(), "nothing written");
    };
    // Nothing answers: worth retrying (exit 1).
    let silent = format!("http://127.0.0.1:{}", common::garage::free_port());
    refused(&search(&silent, bbox), 1, &["did not answer", &silent]);
    // A search that finds nothing prints its query.
    let empty = search(&api.url(), bbox).replace("2024-02-01/2024-03-31", "1990-01-01/1990-12-31");
    refused(
        &empty,
        2,
        &["scenes.post.stac", "found no item", "1990-01-01/1990-12-31"],
    );
    // The item and the band without an asset.
    let incomplete = search(&api.url(), bbox).replace(COLLECTION, "olinda-incomplete");
    refused(
        &incomplete,
        2,
        &["item `olinda-no-swir`", "band `swir1`", "swir16"],
    );
    // Two sensors in one scene.
    let mixed = search(&api.url(), bbox).replace(COLLECTION, "olinda-mixed");
    refused(&mixed, 2, &["s2-granule", "sentinel-2", "landsat-7-l1"]);
    // A search with no area (no bbox, no aoi, no other scene).
    refused(&search(&api.url(), ""), 2, &["scenes.post.stac", "no area"]);
    // `reduce` over one acquisition: a warning, not an error.
    let p = stac_pipeline(dir, &search(&api.url(), bbox), &out, "");
    let text = std::fs::read_to_string(&p).expect("pipeline");
    let p = write_pipeline(
        dir,
        "one-day.toml",
        &text.replace("stac = ", "reduce = \"median\"\nstac = "),
    );
    let validated = aftermath()
        .args(["validate", p.to_str().expect("utf-8")])
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&validated.get_output().stderr).into_owned();
    assert!(stderr.contains("scenes.post.reduce"), "{stderr}");
}

#[test]
fn items_with_s3_asset_hrefs_are_read_through_vsis3_from_a_real_s3_server() {
    require!(Tool::StacServers);
    require!(Tool::Garage);
    let fixture = Fixture::new();
    let garage = common::garage::Garage::start();
    // The granules' COGs in the bucket, under `assets/`.
    let config = garage.store_config(None);
    let bucket = format!("s3://{}/assets", common::garage::BUCKET);
    let store = aftermath::store::OutputStore::open_with(&bucket, &config).expect("store");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let www = fixture.path().join("www");
    for entry in std::fs::read_dir(&www).expect("www") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .expect("name")
            .to_string();
        let bytes = std::fs::read(&path).expect("read");
        runtime
            .block_on(store.put(&name, bytes.into(), "image/tiff"))
            .expect("put");
    }
    let s3 = |name: &'static str| {
        move |key: &str| format!("s3://{}/assets/{name}-{key}.tif", common::garage::BUCKET)
    };
    let items = [
        Fixture::item(
            "olinda-a",
            "2024-03-01T12:40:00Z",
            5.0,
            Fixture::footprint(&fixture.a),
            s3("a"),
            false,
        ),
        Fixture::item(
            "olinda-b",
            "2024-03-01T12:40:30Z",
            10.0,
            Fixture::footprint(&fixture.b),
            s3("b"),
            true,
        ),
    ];
    let collection = json!({ "type": "FeatureCollection", "features": items });
    let catalogue = fixture.path().join("items.json");
    std::fs::write(&catalogue, collection.to_string()).expect("items.json");
    // GDAL's own configuration for an S3-compatible server, from the environment.
    let env = [
        ("AWS_S3_ENDPOINT", format!("127.0.0.1:{}", garage.s3_port)),
        ("AWS_HTTPS", "NO".into()),
        ("AWS_VIRTUAL_HOSTING", "FALSE".into()),
        ("AWS_REGION", common::garage::REGION.into()),
        ("AWS_ACCESS_KEY_ID", common::garage::ACCESS_KEY.into()),
        ("AWS_SECRET_ACCESS_KEY", common::garage::SECRET_KEY.into()),
    ];
    let record = fixture.mosaic_from("\"items.json\"", &env).to_string();
    assert!(
        record.contains("/vsis3/tiles/assets/a-green.tif"),
        "{record}"
    );
    assert!(!record.contains(common::garage::SECRET_KEY));
}
