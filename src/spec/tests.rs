//! Pipeline text → plan, with an injected environment.

use std::collections::HashMap;
use std::path::Path;

use super::*;
use crate::compute::{Epoch, Index};
use crate::plan::{Formula, ZoomChoice};
use crate::render::Style;

const GOOD: &str = r##"
name = "t"
[scenes.post]
file = "scene.tif"
[scenes.post.bands]
green = 2
swir1 = { band = 5, scale = 0.0001, offset = -0.1 }
[product]
index = "mndwi"
[render]
ramp = "blues"
range = [-1, 1]
[tiling]
zoom = "10-12"
[output]
url = "out"
"##;

/// Compile, resolve the scenes, finish — as `runner::load_plan` does, but PROJ is not asked
/// about a grid's CRS (spec does not link GDAL; `runner::load`'s tests ask it).
fn plan_of(
    path: &Path,
    loaded: super::LoadedSpec,
    overrides: &Overrides,
) -> Result<crate::plan::Plan, SpecError> {
    let draft = compile(path, loaded, overrides);
    let resolved = crate::catalog::resolve(draft.scenes(), None);
    draft.finish(resolved, None)
}

fn compile_text(text: &str) -> Result<crate::plan::Plan, SpecError> {
    let path = Path::new("/data/pipelines/p.toml");
    let env: HashMap<String, String> = HashMap::new();
    plan_of(path, parse(path, text, &env)?, &Overrides::default())
}

fn problems(text: &str) -> Vec<Problem> {
    match compile_text(text) {
        Err(SpecError::Invalid { problems, .. }) => problems,
        other => panic!("expected problems, got {other:?}"),
    }
}

fn keys(problems: &[Problem]) -> Vec<&str> {
    problems.iter().map(|p| p.key.as_str()).collect()
}

#[test]
fn a_good_pipeline_compiles_with_paths_resolved_against_its_file() {
    let plan = compile_text(GOOD).expect("valid");
    assert_eq!(plan.product.formula, Formula::Index(Index::Mndwi));
    assert_eq!(
        plan.product.roles,
        vec![(Epoch::Single, "post".to_string())]
    );
    let reads: Vec<(&str, &str)> = plan
        .product
        .reads
        .iter()
        .map(|(s, b)| (s.as_str(), b.as_str()))
        .collect();
    assert_eq!(reads, vec![("post", "green"), ("post", "swir1")]);
    let swir1 = &plan.scenes["post"].bands["swir1"];
    assert_eq!(swir1.location, "/data/pipelines/scene.tif");
    assert_eq!((swir1.band, swir1.scale, swir1.offset), (5, 0.0001, -0.1));
    assert_eq!(plan.output.url, "/data/pipelines/out");
    assert!(matches!(plan.tiling.zoom, ZoomChoice::Range(r) if (r.min, r.max) == (10, 12)));
    assert!(matches!(plan.style, Style::Ramp { min, max, .. } if (min, max) == (-1.0, 1.0)));
}

#[test]
fn every_problem_is_reported_at_once_with_its_key() {
    let text = r##"
colour = "red"
[scenes.post]
file = "scene.tif"
[scenes.post.bands]
green = 0
[product]
index = "mndwi"
[render]
ramp = "rainbow"
range = [1, -1]
[tiling]
zoom = "12-10"
tile_size = 300
resampling = "smooth"
[output]
url = "ftp://bucket/x"
"##;
    let found = problems(text);
    let keys = keys(&found);
    for expected in [
        "colour",
        "scenes.post.bands.green",
        "scenes.post.bands",
        "render.ramp",
        "render.range",
        "tiling.zoom",
        "tiling.tile_size",
        "tiling.resampling",
        "output.url",
    ] {
        assert!(
            keys.contains(&expected),
            "no problem for `{expected}` in {found:#?}"
        );
    }
    let swir = found
        .iter()
        .find(|p| p.message.contains("swir1"))
        .expect("missing band named");
    assert!(swir.message.contains("mndwi"), "{swir}");
}

#[test]
fn change_products_need_pre_and_post_scenes() {
    let text = GOOD.replace("index = \"mndwi\"", "index = \"dnbr\"");
    let found = problems(&text);
    let p = found
        .iter()
        .find(|p| p.key == "product.pre")
        .expect("pre reported");
    assert!(p.message.contains("no scene named `pre`"), "{p}");
}

#[test]
fn unknown_index_lists_the_known_ones() {
    let found = problems(&GOOD.replace("mndwi", "ndsi"));
    assert_eq!(keys(&found), vec!["product.index"]);
    assert!(found[0].message.contains("ndvi, nbr"), "{}", found[0]);
}

#[test]
fn classes_and_zoom_forms() {
    let text = GOOD
        .replace(
            "ramp = \"blues\"\nrange = [-1, 1]",
            "[[render.classes]]\nname = \"water\"\nmin = 0.0\ncolor = \"#0000ff\"",
        )
        .replace("zoom = \"10-12\"", "zoom = [8, 9]");
    let plan = compile_text(&text).expect("valid");
    let Style::Classes(table) = &plan.style else {
        panic!("classes expected")
    };
    assert_eq!(table.classes[0].max, f32::INFINITY);
    assert!(matches!(plan.tiling.zoom, ZoomChoice::Range(r) if (r.min, r.max) == (8, 9)));
    let auto = compile_text(&GOOD.replace("zoom = \"10-12\"", "zoom = \"auto\"")).expect("valid");
    assert_eq!(auto.tiling.zoom, ZoomChoice::Auto);
}

#[test]
fn environment_variables_are_substituted_and_missing_ones_reported() {
    let path = Path::new("/p.toml");
    let text = GOOD.replace("file = \"scene.tif\"", "file = \"${EO_DATA}/scene.tif\"");
    let env = HashMap::from([("EO_DATA".to_string(), "/mnt/eo".to_string())]);
    let plan = plan_of(
        path,
        parse(path, &text, &env).expect("parses"),
        &Overrides::default(),
    )
    .expect("valid");
    assert_eq!(
        plan.scenes["post"].bands["green"].location,
        "/mnt/eo/scene.tif"
    );
    let empty: HashMap<String, String> = HashMap::new();
    let err = plan_of(
        path,
        parse(path, &text, &empty).expect("parses"),
        &Overrides::default(),
    )
    .expect_err("unset variable");
    assert!(err.to_string().contains("${EO_DATA}"), "{err}");
}

#[test]
fn command_line_overrides_win() {
    let path = Path::new("/data/p.toml");
    let env: HashMap<String, String> = HashMap::new();
    let overrides = Overrides {
        output: Some("s3://bucket/run".into()),
        zoom: Some(crate::tiling::ZoomRange::new(3, 4).expect("valid")),
        max_tiles: Some(5),
        store_options: vec![("aws_region".into(), "eu-west-1".into())],
    };
    let text = GOOD.replace(
        "url = \"out\"",
        "url = \"out\"\ncache_control = \"public, max-age=600\"\n[output.options]\naws_region = \"us-east-1\"\naws_endpoint = \"http://127.0.0.1:3900\"",
    );
    let plan = plan_of(path, parse(path, &text, &env).expect("parses"), &overrides).expect("valid");
    assert_eq!(plan.output.url, "s3://bucket/run");
    let mut options = plan.output.store.options.clone();
    options.sort();
    assert_eq!(
        options,
        vec![
            (
                "aws_endpoint".to_string(),
                "http://127.0.0.1:3900".to_string()
            ),
            ("aws_region".to_string(), "eu-west-1".to_string()),
        ]
    );
    assert_eq!(
        plan.output.store.cache_control.as_deref(),
        Some("public, max-age=600")
    );
    assert!(matches!(plan.tiling.zoom, ZoomChoice::Range(r) if (r.min, r.max) == (3, 4)));
}

#[test]
fn syntax_errors_name_the_file_and_line() {
    let path = Path::new("/p.toml");
    let env: HashMap<String, String> = HashMap::new();
    let err = parse(path, "[scenes.post\nfile = 1", &env).expect_err("bad toml");
    let text = err.to_string();
    assert!(
        text.contains("/p.toml") && text.contains("line 1"),
        "{text}"
    );
}

#[test]
fn parent_directories_in_paths_are_resolved_lexically() {
    let text = GOOD
        .replace("file = \"scene.tif\"", "file = \"../data/./scene.tif\"")
        .replace("url = \"out\"", "url = \"../out/t\"");
    let plan = compile_text(&text).expect("valid");
    assert_eq!(
        plan.scenes["post"].bands["green"].location,
        "/data/data/scene.tif"
    );
    assert_eq!(plan.output.url, "/data/out/t");
}

#[test]
fn class_tables_with_gaps_or_overlaps_are_rejected() {
    let table = |second_min: &str| {
        GOOD.replace(
            "ramp = \"blues\"\nrange = [-1, 1]",
            &format!(
                "[[render.classes]]\nname = \"low\"\nmax = 0.1\ncolor = \"#00ff00\"\n\
                 [[render.classes]]\nname = \"high\"\nmin = {second_min}\ncolor = \"#ff0000\""
            ),
        )
    };
    assert!(compile_text(&table("0.1")).is_ok());
    let gap = problems(&table("0.2"));
    assert_eq!(keys(&gap), vec!["render.classes[1]"]);
    assert!(
        gap[0]
            .message
            .starts_with("gap: `low` is (-inf, 0.1) but `high` is [0.2, inf)"),
        "{}",
        gap[0]
    );
    let overlap = problems(&table("0.0"));
    assert!(overlap[0].message.starts_with("overlap"), "{}", overlap[0]);
}

#[test]
fn expressions_are_checked_against_the_scenes_with_columns() {
    let with = |expr: &str| GOOD.replace("index = \"mndwi\"", &format!("expression = \"{expr}\""));
    let plan = compile_text(&with(
        "(post.green - post.swir1) / (post.green + post.swir1)",
    ))
    .expect("valid");
    assert_eq!(plan.product.name(), "expression");
    assert_eq!(plan.product.reads.len(), 2);
    let found = problems(&with("post.green - pre.nir * post.swir9"));
    let messages: Vec<&str> = found.iter().map(|p| p.message.as_str()).collect();
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("column 14: no scene named `pre`")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("column 24: scene `post` has no band `swir9`")),
        "{messages:?}"
    );
    let found = problems(&with("post.green / (1 - 1)"));
    assert_eq!(found[0].key, "product.expression");
    assert!(
        found[0]
            .message
            .starts_with("column 14: division by a constant zero"),
        "{}",
        found[0]
    );
    let both = GOOD.replace(
        "index = \"mndwi\"",
        "index = \"ndvi\"\nexpression = \"post.green\"",
    );
    assert!(keys(&problems(&both)).contains(&"product"));
}

#[test]
fn masks_are_checked_like_expressions_and_read_after_the_formula() {
    let with = |mask: &str| {
        GOOD.replace(
            "index = \"mndwi\"",
            &format!("index = \"mndwi\"\nmask = \"{mask}\""),
        )
    };
    let plan = compile_text(&with("post.swir1 < 0.02")).expect("valid");
    let reads: Vec<&str> = plan.product.reads.iter().map(|(_, b)| b.as_str()).collect();
    assert_eq!(reads, vec!["green", "swir1", "swir1"]);
    // mask: nodata where swir1 < 0.02
    let out = plan.product.compute(&[
        &[0.3, 0.3, 0.3],
        &[0.01, 0.1, f32::NAN],
        &[0.01, 0.1, f32::NAN],
    ]);
    assert!(out[0].is_nan() && out[2].is_nan());
    assert!((out[1] - 0.5).abs() < 1e-6);
    let found = problems(&with("post.qa > 0").replace("index = \"mndwi\"", "index = \"nope\""));
    // What the file gets wrong on its own comes first, then what the scenes show.
    assert_eq!(
        keys(&found),
        vec!["product.index", "product.mask"],
        "both reported at once"
    );
}

#[test]
fn the_shipped_dnbr_table_is_the_one_spelled_out_in_the_ethiopia_pipeline() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("pipelines/ethiopia-change.toml");
    let text = std::fs::read_to_string(&path).expect("read");
    let env: HashMap<String, String> = HashMap::new();
    let plan = plan_of(
        &path,
        parse(&path, &text, &env).expect("parses"),
        &Overrides::default(),
    )
    .expect("valid");
    let Style::Classes(spelled) = plan.style else {
        panic!("ethiopia-change classifies");
    };
    let shipped = crate::render::shipped_table("dnbr-usgs").expect("shipped");
    assert_eq!(spelled, shipped);
    // Key & Benson (2006) breaks.
    let mins: Vec<f32> = shipped.classes.iter().map(|c| c.min).collect();
    assert_eq!(
        mins,
        vec![f32::NEG_INFINITY, -0.25, -0.1, 0.1, 0.27, 0.44, 0.66]
    );
}

#[test]
fn shipped_tables_and_presets_compile_and_unknown_ones_are_named() {
    let text = GOOD.replace(
        "ramp = \"blues\"\nrange = [-1, 1]",
        "classes = \"water-change\"",
    );
    assert!(matches!(
        compile_text(&text).expect("valid").style,
        Style::Classes(_)
    ));
    let text = GOOD.replace("ramp = \"blues\"\nrange = [-1, 1]", "classes = \"burn\"");
    let found = problems(&text);
    assert_eq!(keys(&found), vec!["render.classes"]);
    assert!(
        found[0].message.contains("dnbr-usgs"),
        "{}",
        found[0].message
    );

    let text = GOOD.replace(
        "file = \"scene.tif\"",
        "file = \"scene.tif\"\nsensor = \"spot-7\"",
    );
    let found = problems(&text);
    assert!(keys(&found).contains(&"scenes.post.sensor"), "{found:?}");
    assert!(found.iter().any(|p| p.message.contains("sentinel-2-l2a")));

    let text = GOOD.replace("index = \"mndwi\"", "index = \"ndvi\"\nthreshold = 0.2");
    assert!(keys(&problems(&text)).contains(&"product.threshold"));
}

#[test]
fn a_product_grid_names_a_scene_read_or_a_crs_gdal_knows() {
    let with = |grid: &str| {
        GOOD.replace(
            "index = \"mndwi\"",
            &format!("index = \"mndwi\"\ngrid = {grid}"),
        )
    };
    let plan = compile_text(&with("\"post\"")).expect("valid");
    assert_eq!(
        plan.product.grid,
        crate::plan::ProductGrid::Scene("post".into())
    );
    let plan = compile_text(&with("{ crs = \"EPSG:3035\", resolution = 20 }")).expect("valid");
    assert_eq!(
        plan.product.grid,
        crate::plan::ProductGrid::Custom {
            crs: "EPSG:3035".into(),
            resolution: 20.0
        }
    );
    assert_eq!(keys(&problems(&with("\"pre\""))), vec!["product.grid"]);
    // The CRS is left to PROJ, after compiling; its answer is reported with the rest.
    let path = Path::new("/data/pipelines/p.toml");
    let env: HashMap<String, String> = HashMap::new();
    let text = with("{ crs = \"EPSG:99999999\", resolution = 0 }");
    let draft = compile(
        path,
        parse(path, &text, &env).expect("parses"),
        &Overrides::default(),
    );
    assert_eq!(draft.grid_crs(), Some("EPSG:99999999"));
    let resolved = crate::catalog::resolve(draft.scenes(), None);
    match draft.finish(resolved, Some("PROJ does not know it".into())) {
        Err(SpecError::Invalid { problems, .. }) => assert_eq!(
            keys(&problems),
            vec!["product.grid.resolution", "product.grid.crs"]
        ),
        other => panic!("expected problems, got {other:?}"),
    }
}

const COMPOSITE: &str = r##"
[scenes.post]
file = "scene.tif"
[scenes.post.bands]
red = 3
green = 2
blue = 1
nir = 4
swir2 = 6
[product]
composite = "swir"
[tiling]
zoom = "10-12"
[output]
url = "out"
"##;

#[test]
fn a_named_composite_reads_its_three_bands_and_defaults_to_a_2_98_stretch() {
    let plan = compile_text(COMPOSITE).expect("compiles without [render]");
    assert_eq!(plan.product.formula, Formula::Composite);
    let bands: Vec<&str> = plan.product.reads.iter().map(|(_, b)| b.as_str()).collect();
    assert_eq!(bands, ["swir2", "nir", "red"]);
    assert_eq!(plan.product.channels(), 3);
    let Style::Composite(c) = &plan.style else {
        panic!("composite style, got {:?}", plan.style);
    };
    assert_eq!(c.bands, ["swir2", "nir", "red"].map(String::from));
    assert_eq!(c.stretch, Some((2.0, 98.0)));
}

#[test]
fn composite_ranges_are_one_pair_or_three() {
    let one = compile_text(&format!("{COMPOSITE}[render]\nrange = [0, 0.3]\n")).expect("one");
    let Style::Composite(c) = one.style else {
        panic!("composite")
    };
    assert_eq!((c.ranges, c.stretch), ([(0.0, 0.3); 3], None));
    let three = compile_text(&format!(
        "{COMPOSITE}[render]\nrange = [[0, 0.4], [0, 0.5], [0.1, 0.2]]\n"
    ))
    .expect("three");
    let Style::Composite(c) = three.style else {
        panic!("composite")
    };
    assert_eq!(c.ranges, [(0.0, 0.4), (0.0, 0.5), (0.1, 0.2)]);
}

#[test]
fn composite_mistakes_are_reported_with_their_keys() {
    let p = problems(&COMPOSITE.replace("\"swir\"", "\"sepia\""));
    assert_eq!(keys(&p), ["product.composite"]);
    assert!(p[0].message.contains("true-color"), "{}", p[0].message);
    let p = problems(&COMPOSITE.replace("\"swir\"", "[\"nir\", \"red\"]"));
    assert_eq!(keys(&p), ["product.composite"]);
    let p = problems(&COMPOSITE.replace("\"swir\"", "\"agriculture\""));
    assert!(
        keys(&p).contains(&"scenes.post.bands") && p[0].message.contains("swir1"),
        "{p:?}"
    );
    let p = problems(&format!(
        "{COMPOSITE}[render]\nramp = \"viridis\"\nrange = [[0, 1], [0, 1]]\nstretch = [2]\n"
    ));
    assert!(keys(&p).contains(&"render"), "{p:?}");
    let p = problems(&format!("{COMPOSITE}[render]\nstretch = [98, 2]\n"));
    assert_eq!(keys(&p), ["render.stretch"]);
    let p = problems(&COMPOSITE.replace(
        "composite = \"swir\"",
        "composite = \"swir\"\nindex = \"ndvi\"",
    ));
    assert_eq!(keys(&p), ["product"]);
}

#[test]
fn a_mosaic_s_files_exclude_file_dir_mtl_and_bands_of_their_own() {
    let with = |scene: &str| GOOD.replace("file = \"scene.tif\"", scene);
    let plan = compile_text(&with("files = [\"a.tif\", \"b.tif\"]")).expect("valid");
    let post = &plan.scenes["post"];
    assert_eq!(post.bands["green"].location, "/data/pipelines/a.tif");
    assert_eq!(post.mosaic.len(), 1);
    assert_eq!(post.mosaic[0]["green"].location, "/data/pipelines/b.tif");
    assert_eq!(
        post.mosaic[0]["swir1"].band, 5,
        "the band layout of the first"
    );
    // The fingerprint tells a mosaic from its first raster, and a one-raster scene hashes as
    // it did before mosaics existed (no `mosaic` in its text).
    let single = compile_text(&with("file = \"a.tif\"")).expect("valid");
    assert_ne!(single.fingerprint(), plan.fingerprint());
    assert!(!format!("{:?}", single.scenes).contains("mosaic"));
    let found = problems(&with("file = \"scene.tif\"\nfiles = [\"a.tif\"]"));
    assert_eq!(keys(&found), vec!["scenes.post.files"]);
    assert!(found[0].message.contains("not both"), "{}", found[0]);
    let found = problems(&with("files = []"));
    assert!(keys(&found).contains(&"scenes.post.files"), "{found:?}");
    let found = problems(
        &with("files = [\"a.tif\", \"b.tif\"]")
            .replace("green = 2", "green = { file = \"g.tif\" }"),
    );
    assert!(
        keys(&found).contains(&"scenes.post.bands.green"),
        "{found:?}"
    );
    let found = problems(&with("files = 3"));
    assert!(
        found.iter().any(|p| p.message.contains("glob pattern")),
        "{found:?}"
    );
}

#[test]
fn a_composite_groups_dated_files_into_acquisitions_and_refuses_what_cannot_be_grouped() {
    let with = |scene: &str| GOOD.replace("file = \"scene.tif\"", scene);
    let plan = compile_text(&with(
        "reduce = \"median\"\nfiles = [{ file = \"b.tif\", datetime = \"2025-01-06\" }, \
         { file = \"a1.tif\", datetime = \"2025-01-01T10:00:00Z\" }, \
         { file = \"a2.tif\", datetime = \"2025-01-01T10:00:09Z\" }]",
    ))
    .expect("valid");
    let post = &plan.scenes["post"];
    let reduce = post.reduce.as_ref().expect("a composite");
    let rasters: Vec<&[usize]> = (reduce.acquisitions.iter())
        .map(|a| a.rasters.as_slice())
        .collect();
    assert_eq!(
        rasters,
        [&[1, 2][..], &[0][..]],
        "one day's granules together"
    );
    assert_eq!(
        post.datetime.as_deref(),
        Some("2025-01-01T10:00:00Z/2025-01-06")
    );
    assert!(plan.warnings.is_empty(), "{:?}", plan.warnings);
    // Without `reduce` the same files are one mosaic, in the order given.
    let mosaic = compile_text(&with("files = [\"a.tif\", \"b.tif\"]")).expect("valid");
    assert!(!format!("{:?}", mosaic.scenes).contains("reduce"));

    let found = problems(&with("reduce = \"mode\"\nfiles = [\"a.tif\", \"b.tif\"]"));
    assert_eq!(keys(&found), vec!["scenes.post.reduce"]);
    let found = problems(&with(
        "reduce = \"max\"\nfiles = [{ file = \"a.tif\", datetime = \"2025-01-01/2025-01-02\" }, \
         { file = \"b.tif\", datetime = \"someday\" }]",
    ));
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found[0].message.contains("interval"), "{}", found[0]);
    assert!(found[1].message.contains("RFC 3339"), "{}", found[1]);
}

/// What compiling alone finds wrong with `text` (no catalogue is fetched).
fn compile_problems(text: &str) -> Vec<Problem> {
    let path = Path::new("/data/pipelines/p.toml");
    let env: HashMap<String, String> = HashMap::new();
    let loaded = parse(path, text, &env).expect("parses");
    compile(path, loaded, &Overrides::default())
        .problems()
        .to_vec()
}

#[test]
fn a_stac_scene_is_checked_without_fetching_anything() {
    let pipeline = |scene: &str| {
        format!(
            "[scenes.post]\nsensor = \"sentinel-2-l2a\"\n{scene}\n[product]\nindex = \"ndwi\"\n\
             [render]\nramp = \"blues\"\nrange = [-1, 1]\n[output]\nurl = \"out\"\n"
        )
    };
    // Well formed: a static catalogue relative to the pipeline, a search with its keys.
    let good = compile_problems(&pipeline("stac = \"items.json\""));
    assert!(good.is_empty(), "{good:?}");
    let search = "stac = { api = \"https://stac.example/v1/\", collections = [\"s2\"], \
                  datetime = \"2025-01-01/2025-01-06\", query = { \"eo:cloud_cover\" = { lt = 20 } }, \
                  bbox = [10, 40, 11, 41], max_items = 50 }";
    let found = compile_problems(&pipeline(search));
    assert!(found.is_empty(), "{found:?}");

    let bad =
        "stac = { api = \"stac.example\", datetime = \"last week\", bbox = [11, 40, 10, 41], \
               max_items = 0 }\nfile = \"a.tif\"\n[scenes.post.bands]\nnir = 8";
    let found = compile_problems(&pipeline(bad));
    assert_eq!(
        keys(&found),
        [
            "scenes.post.stac",
            "scenes.post.stac.api",
            "scenes.post.stac.datetime",
            "scenes.post.stac.bbox",
            "scenes.post.stac.max_items",
            "scenes.post.bands.nir",
        ],
        "{found:#?}"
    );
    assert!(found[0].message.contains("`file`"), "{found:#?}");
    assert!(
        found[5].message.contains("names the item's asset"),
        "{found:#?}"
    );
    // Credentials in a catalogue's URL would be printed and published.
    let found = compile_problems(&pipeline(
        "stac = \"https://user:secret@stac.example/items.json\"",
    ));
    assert_eq!(keys(&found), ["scenes.post.stac"]);
    assert!(!found[0].message.contains("secret"));
}
