//! LAYOUT: the one place that knows where an output's objects go — every object key and URL
//! template of the tiles, documents, products, PMTiles archive and shard work — and the media
//! types they are stored with. Keys are relative to the output's prefix.

use crate::tiling::TileId;

pub const TILEJSON_KEY: &str = "tilejson.json";
pub const PREVIEW_KEY: &str = "index.html";
pub const WMTS_KEY: &str = "WMTSCapabilities.xml";
pub const RUN_RECORD_KEY: &str = "run.json";
pub const STAC_ITEM_KEY: &str = "item.json";
pub const LEGEND_KEY: &str = "legend.json";
pub const LEGEND_PNG_KEY: &str = "legend.png";
pub const STATS_JSON_KEY: &str = "stats.json";
pub const STATS_CSV_KEY: &str = "stats.csv";
pub const POLYGONS_KEY: &str = "polygons.geojson";
/// The same polygons as FlatGeobuf, with its spatial index (clients read a window of it).
pub const POLYGONS_FGB_KEY: &str = "polygons.fgb";
pub const FLATGEOBUF_MEDIA_TYPE: &str = "application/vnd.flatgeobuf";
pub const INDEX_COG_KEY: &str = "index.tif";
pub const CLASSES_COG_KEY: &str = "classes.tif";
pub const COMPOSITE_COG_KEY: &str = "composite.tif";
pub const PMTILES_KEY: &str = "tiles.pmtiles";
/// Where shards leave their work for `aftermath finalize`.
pub const SHARDS_FOLDER: &str = "_shards";

pub const JSON_MEDIA_TYPE: &str = "application/json";
pub const GEOJSON_MEDIA_TYPE: &str = "application/geo+json";
pub const COG_MEDIA_TYPE: &str = "image/tiff; application=geotiff; profile=cloud-optimized";
pub const PMTILES_MEDIA_TYPE: &str = "application/vnd.pmtiles";

/// The object key of a tile: `{z}/{x}/{y}.{extension}`.
pub fn tile_key(tile: TileId, extension: &str) -> String {
    format!("{}/{}/{}.{extension}", tile.z, tile.x, tile.y)
}

/// The tiles' URL template relative to the output: `{z}/{x}/{y}.{extension}`.
pub fn relative_tile_template(extension: &str) -> String {
    format!("{{z}}/{{x}}/{{y}}.{extension}")
}

/// The URL template of the tiles under a base URL, as TileJSON and clients expect it.
pub fn tile_url_template(base: &str, extension: &str) -> String {
    let base = base.trim_end_matches('/');
    format!("{base}/{}", relative_tile_template(extension))
}

/// The tiles' RESTful WMTS `ResourceURL` template under a base URL (the same objects as
/// [`tile_url_template`], in WMTS's names: TileMatrix = z, TileCol = x, TileRow = y).
pub fn wmts_tile_template(base: &str, extension: &str) -> String {
    let base = base.trim_end_matches('/');
    format!("{base}/{{TileMatrix}}/{{TileCol}}/{{TileRow}}.{extension}")
}

/// The PMTiles archive's tiles relative to the output, as the pmtiles JavaScript protocol
/// addresses them after `pmtiles://` and the base URL.
pub fn relative_pmtiles_template() -> String {
    format!("{PMTILES_KEY}/{{z}}/{{x}}/{{y}}")
}

/// The URL template of the tiles of the PMTiles archive under a base URL
/// (`pmtiles://…/tiles.pmtiles/{z}/{x}/{y}`).
pub fn pmtiles_url_template(base: &str) -> String {
    let base = base.trim_end_matches('/');
    format!("pmtiles://{base}/{}", relative_pmtiles_template())
}

/// Where a shard leaves the values of one tile of its shard zoom.
pub fn shard_values_key(tile: TileId) -> String {
    format!(
        "{SHARDS_FOLDER}/values/{}/{}/{}.f32",
        tile.z, tile.x, tile.y
    )
}

/// The tile whose values `key` holds, if it is a shard values key.
pub fn tile_of_shard_values_key(key: &str) -> Option<TileId> {
    let rest = key.strip_prefix(SHARDS_FOLDER)?.strip_prefix("/values/")?;
    let mut parts = rest.strip_suffix(".f32")?.split('/');
    let z = parts.next()?.parse().ok()?;
    let x = parts.next()?.parse().ok()?;
    let y = parts.next()?.parse().ok()?;
    parts.next().is_none().then(|| TileId::new(z, x, y))
}

/// The marker shard `index` of `count` writes when it has finished.
pub fn shard_marker_key(index: usize, count: usize) -> String {
    format!("{SHARDS_FOLDER}/done-{index}-of-{count}.json")
}

/// `(index, count)` of the shard a marker key names, if it is one.
pub fn shard_of_marker_key(key: &str) -> Option<(usize, usize)> {
    let name = key.strip_prefix(SHARDS_FOLDER)?.strip_prefix("/done-")?;
    let (index, count) = name.strip_suffix(".json")?.split_once("-of-")?;
    Some((index.parse().ok()?, count.parse().ok()?))
}

/// A composite scene's count of observations per pixel: `observations-<scene>.tif`, the
/// scene's name with anything but letters, digits, `-` and `_` as `-`.
pub fn observations_key(scene: &str) -> String {
    let name: String = (scene.chars())
        .map(|c| match c {
            c if c.is_ascii_alphanumeric() || c == '-' || c == '_' => c,
            _ => '-',
        })
        .collect();
    format!("{OBSERVATIONS_PREFIX}{name}.tif")
}

const OBSERVATIONS_PREFIX: &str = "observations-";

/// Top-level objects a run writes (besides tiles).
const DOCUMENT_KEYS: [&str; 15] = [
    TILEJSON_KEY,
    PREVIEW_KEY,
    WMTS_KEY,
    LEGEND_KEY,
    LEGEND_PNG_KEY,
    STATS_JSON_KEY,
    STATS_CSV_KEY,
    POLYGONS_KEY,
    POLYGONS_FGB_KEY,
    INDEX_COG_KEY,
    CLASSES_COG_KEY,
    COMPOSITE_COG_KEY,
    PMTILES_KEY,
    RUN_RECORD_KEY,
    STAC_ITEM_KEY,
];

/// Whether `key` is one aftermath writes: a tile (`z/x/y.png|webp`) or one of its
/// documents. Nothing else in an output (an analyst's own files) is ever removed.
pub fn is_output_key(key: &str) -> bool {
    if DOCUMENT_KEYS.contains(&key) {
        return true;
    }
    if let Some(name) = key
        .strip_prefix(OBSERVATIONS_PREFIX)
        .and_then(|k| k.strip_suffix(".tif"))
    {
        return !name.is_empty() && observations_key(name) == key;
    }
    let Some((path, extension)) = key.rsplit_once('.') else {
        return false;
    };
    let parts: Vec<&str> = path.split('/').collect();
    matches!(extension, "png" | "webp")
        && parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 10 && p.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tile_keys_and_templates_use_xyz_layout() {
        assert_eq!(tile_key(TileId::new(3, 4, 5), "png"), "3/4/5.png");
        assert_eq!(
            tile_url_template("file:///out/", "png"),
            "file:///out/{z}/{x}/{y}.png"
        );
        assert_eq!(
            pmtiles_url_template("https://h/b"),
            "pmtiles://https://h/b/tiles.pmtiles/{z}/{x}/{y}"
        );
    }

    #[test]
    fn shard_keys_read_back_as_what_they_name() {
        let tile = TileId::new(9, 300, 17);
        let key = shard_values_key(tile);
        assert_eq!(key, "_shards/values/9/300/17.f32");
        assert_eq!(tile_of_shard_values_key(&key), Some(tile));
        assert_eq!(tile_of_shard_values_key("_shards/values/9/x/17.f32"), None);
        let marker = shard_marker_key(2, 5);
        assert_eq!(marker, "_shards/done-2-of-5.json");
        assert_eq!(shard_of_marker_key(&marker), Some((2, 5)));
        assert_eq!(shard_of_marker_key("_shards/values/1/2/3.f32"), None);
    }

    #[test]
    fn an_observations_key_names_its_scene_safely() {
        assert_eq!(observations_key("pre"), "observations-pre.tif");
        assert_eq!(observations_key("a b/c"), "observations-a-b-c.tif");
    }

    #[test]
    fn only_tiles_and_documents_are_output_keys() {
        for key in [
            "12/3/4.png",
            "0/0/0.webp",
            "run.json",
            "index.tif",
            "tiles.pmtiles",
            "observations-pre.tif",
        ] {
            assert!(is_output_key(key), "{key}");
        }
        for key in [
            "notes.txt",
            "a/3/4.png",
            "12/3/4.png#1",
            "12/3/4/5.png",
            "x/run.json",
            "observations-.tif",
            "observations-a b.tif",
        ] {
            assert!(!is_output_key(key), "{key}");
        }
    }
}
