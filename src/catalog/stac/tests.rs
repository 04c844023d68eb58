use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::json;

use super::assets::gdal_location;
use super::*;
use crate::plan::Encoding;

fn draft(sensor: Option<Sensor>, source: StacSource, needed: &[&str]) -> StacDraft {
    StacDraft {
        key: "scenes.post.stac".into(),
        source,
        sensor,
        options: PresetOptions::default(),
        assets: BTreeMap::new(),
        needed: needed
            .iter()
            .map(|b| b.to_string())
            .collect::<BTreeSet<_>>(),
        nodata: None,
    }
}

fn item(
    id: &str,
    datetime: &str,
    properties: serde_json::Value,
    assets: serde_json::Value,
) -> serde_json::Value {
    let mut props = json!({ "datetime": datetime });
    if let (Some(p), Some(extra)) = (props.as_object_mut(), properties.as_object()) {
        p.extend(extra.clone());
    }
    json!({
        "type": "Feature", "stac_version": "1.0.0", "id": id,
        "geometry": { "type": "Polygon", "coordinates": [[[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.0, 0.0]]] },
        "bbox": [0.0, 0.0, 1.0, 1.0],
        "properties": props, "links": [], "assets": assets,
    })
}

fn write(path: &Path, value: &serde_json::Value) {
    std::fs::write(path, value.to_string()).expect("write");
}

#[test]
fn a_static_catalog_is_walked_through_its_links_and_items_come_in_time_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    std::fs::create_dir_all(d.join("c/x")).expect("dirs");
    write(
        &d.join("catalog.json"),
        &json!({ "type": "Catalog", "stac_version": "1.0.0", "id": "root", "description": "root",
                 "links": [{ "rel": "child", "href": "./c/collection.json" }] }),
    );
    write(
        &d.join("c/collection.json"),
        &json!({ "type": "Collection", "stac_version": "1.0.0", "id": "c", "description": "c",
                 "license": "other",
                 "extent": { "spatial": { "bbox": [[-180.0, -90.0, 180.0, 90.0]] },
                             "temporal": { "interval": [[null, null]] } },
                 "links": [{ "rel": "item", "href": "./x/late.json" }, { "rel": "item", "href": "./x/early.json" }] }),
    );
    let assets = json!({ "B08": { "href": "./late_B08.tif" }, "SCL": { "href": "https://example.com/scl.tif" } });
    let properties = json!({ "s2:processing_baseline": "05.09", "eo:cloud_cover": 12.5 });
    write(
        &d.join("c/x/late.json"),
        &item(
            "late",
            "2025-01-06T10:00:00Z",
            properties.clone(),
            assets.clone(),
        ),
    );
    write(
        &d.join("c/x/early.json"),
        &item("early", "2025-01-01T10:00:00Z", properties, assets),
    );
    let source = StacSource::Static(d.join("catalog.json").display().to_string());
    let (granules, problems) = granules(
        &draft(Some(Sensor::Sentinel2L2a), source.clone(), &["nir", "scl"]),
        None,
    )
    .expect("items");
    assert!(problems.is_empty(), "{problems:?}");
    let ids: Vec<&str> = granules.iter().map(|g| g.item.id.as_str()).collect();
    assert_eq!(ids, ["early", "late"]);
    let nir = &granules[1].bands["nir"];
    // Relative to the item's own file; the preset's scale and the baseline's offset.
    assert_eq!(
        nir.location,
        d.join("c/x/late_B08.tif").display().to_string()
    );
    assert_eq!((nir.scale, nir.offset, nir.band), (1e-4, -0.1, 1));
    let scl = &granules[1].bands["scl"];
    assert_eq!(scl.location, "/vsicurl/https://example.com/scl.tif");
    assert_eq!(scl.encoding, Encoding::Categorical);
    assert_eq!(granules[0].item.cloud_cover, Some(12.5));
    assert!(granules[0]
        .item
        .href
        .as_deref()
        .is_some_and(|h| h.ends_with("early.json")));

    // An area that misses every item leaves none.
    let missed = granules_of(
        &draft(Some(Sensor::Sentinel2L2a), source, &["nir"]),
        Some([10.0, 10.0, 11.0, 11.0]),
    );
    assert!(
        matches!(missed, Err(CatalogError::NoItems { .. })),
        "{missed:?}"
    );
}

fn granules_of(d: &StacDraft, area: Option<[f64; 4]>) -> Result<Vec<Granule>, CatalogError> {
    granules(d, area).map(|(g, _)| g)
}

#[test]
fn assets_are_found_by_key_alias_or_eo_bands_and_scaled_by_raster_bands() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("item.json");
    write(
        &path,
        &item(
            "LC09_x",
            "2024-05-01T13:00:00Z",
            json!({ "platform": "landsat-9" }),
            json!({
                // STAC's common name for the SWIR 1.6 µm band, for the preset's `swir1`.
                "swir16": { "href": "s.tif", "raster:bands": [{ "scale": 2.75e-5, "offset": -0.2, "nodata": 0 }] },
                // Found through eo:bands only.
                "band5": { "href": "n.tif", "eo:bands": [{ "name": "SR_B5", "common_name": "nir08" }] },
            }),
        ),
    );
    let source = StacSource::Static(path.display().to_string());
    let d = draft(
        Some(Sensor::Landsat89C2L2),
        source.clone(),
        &["nir", "swir1"],
    );
    let found = granules_of(&d, None).expect("items");
    let (nir, swir1) = (&found[0].bands["nir"], &found[0].bands["swir1"]);
    assert!(nir.location.ends_with("n.tif") && swir1.location.ends_with("s.tif"));
    assert_eq!(
        (swir1.scale, swir1.offset, swir1.nodata),
        (2.75e-5, -0.2, Some(0.0))
    );
    assert_eq!((nir.scale, nir.offset), (0.0000275, -0.2), "the preset's");

    // A band no asset has: the item, the band, the names looked for and the assets.
    let d = draft(Some(Sensor::Landsat89C2L2), source.clone(), &["red"]);
    let (granules, problems) = granules(&d, None).expect("items");
    assert!(granules.is_empty());
    assert_eq!(problems.len(), 1);
    for part in ["item `LC09_x`", "band `red`", "SR_B4", "swir16, band5"] {
        assert!(problems[0].contains(part), "{part}: {}", problems[0]);
    }
    // The preset's sensor must be the items' platform.
    let d = draft(Some(Sensor::Landsat7L1), source, &["nir"]);
    let refused = granules_of(&d, None);
    assert!(
        matches!(&refused, Err(CatalogError::MixedSensors { problem }) if problem.contains("landsat-8-9")),
        "{refused:?}"
    );
}

#[test]
fn asset_hrefs_become_gdal_paths() {
    assert_eq!(
        gdal_location("https://a.b/c.tif"),
        "/vsicurl/https://a.b/c.tif"
    );
    assert_eq!(
        gdal_location("s3://bucket/k/c.tif"),
        "/vsis3/bucket/k/c.tif"
    );
    assert_eq!(gdal_location("gs://bucket/c.tif"), "/vsigs/bucket/c.tif");
    assert_eq!(gdal_location("file:///data/c.tif"), "/data/c.tif");
    assert_eq!(gdal_location("/data/c.tif"), "/data/c.tif");
}

#[test]
fn a_search_is_described_by_the_body_it_sends() {
    let search = Search {
        api: "https://stac.example/v1".into(),
        collections: vec!["sentinel-2-l2a".into()],
        datetime: Some("2025-01-01/2025-01-06".into()),
        query: serde_json::from_value(json!({ "eo:cloud_cover": { "lt": 20 } })).ok(),
        bbox: None,
        max_items: MAX_ITEMS,
        page_size: PAGE_SIZE,
    };
    let text = describe(&StacSource::Search(search), Some([1.0, 2.0, 3.0, 4.0]));
    assert_eq!(
        text,
        "https://stac.example/v1/search {\"collections\":[\"sentinel-2-l2a\"],\"bbox\":[1.0,2.0,3.0,4.0],\
         \"datetime\":\"2025-01-01/2025-01-06\",\"query\":{\"eo:cloud_cover\":{\"lt\":20}}}"
    );
}

#[test]
fn a_band_of_a_multi_band_asset_is_read_as_that_band() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("item.json");
    write(
        &path,
        &item(
            "stacked",
            "2024-05-01T13:00:00Z",
            json!({}),
            json!({
                "sr": {
                    "href": "stack.tif",
                    "eo:bands": [{ "name": "SR_B4", "common_name": "red" }, { "name": "SR_B5", "common_name": "nir08" }],
                    "raster:bands": [{ "scale": 1.0, "offset": 0.0 }, { "scale": 2.0, "offset": -1.0 }],
                },
            }),
        ),
    );
    let d = draft(
        Some(Sensor::Landsat89C2L2),
        StacSource::Static(path.display().to_string()),
        &["red", "nir"],
    );
    let found = granules_of(&d, None).expect("items");
    let (red, nir) = (&found[0].bands["red"], &found[0].bands["nir"]);
    assert_eq!((red.band, nir.band), (1, 2));
    assert_eq!(
        (nir.scale, nir.offset),
        (2.0, -1.0),
        "the second band's raster:bands"
    );
}
