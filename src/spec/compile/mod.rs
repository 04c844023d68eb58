//! Raw spec → [`Draft`] → validated [`Plan`], reporting every problem at once.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

mod datetime;
mod needs;
mod product;
mod render;
mod scenes;
mod stac;
mod tiling;

use super::raw::PipelineSpec;
use super::{LoadedSpec, Problem, SpecError};
use crate::catalog::{Resolved, SceneDraft};
use crate::plan::{Formula, Output, Plan, Product, TileFormat, Tiling};
use crate::render::{Style, TileEncoding};
use crate::secrets;
use crate::store::StoreConfig;
use crate::tiling::ZoomRange;
use needs::Need;

/// Values from the command line that replace the pipeline's.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// Output URL or path (a relative path is taken relative to the working directory).
    pub output: Option<String>,
    pub zoom: Option<ZoomRange>,
    /// `--max-tiles N`, over `[tiling] max_tiles`.
    pub max_tiles: Option<u64>,
    /// `--store-opt key=value`, over `[output.options]`.
    pub store_options: Vec<(String, String)>,
}

/// What [`compile`] makes of a pipeline file without opening any other file: the scenes as
/// declared, for `catalog::resolve` to look up, and the rest of the plan. [`Draft::finish`]
/// turns it into a [`Plan`] once the scenes are resolved.
#[derive(Debug)]
pub struct Draft {
    pipeline: PathBuf,
    scenes: BTreeMap<String, SceneDraft>,
    /// Everything but the scenes, when the file is valid on its own.
    body: Option<Body>,
    needs: Vec<Need>,
    grid_crs: Option<String>,
    problems: Vec<Problem>,
}

#[derive(Debug)]
struct Body {
    name: String,
    title: Option<String>,
    description: Option<String>,
    attribution: Option<String>,
    product: Product,
    style: Style,
    tiling: Tiling,
    output: Output,
    aoi: Option<String>,
}

/// Checks a loaded pipeline file at `path` as far as it can be checked without opening the
/// files it names, collecting every problem.
pub fn compile(path: &Path, loaded: LoadedSpec, overrides: &Overrides) -> Draft {
    // `olinda.toml` has the parent "", which `absolute` refuses: it is the working directory.
    let parent = (path.parent())
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    // Absolute, so that file:// URLs and run.json name real places whatever the working dir.
    let base = std::path::absolute(parent).unwrap_or_else(|_| parent.to_path_buf());
    let mut c = Compiler {
        base: &base,
        problems: Vec::new(),
        needs: Vec::new(),
        grid_crs: None,
    };
    for key in &loaded.unknown_keys {
        c.problem(key, "unknown key; check its spelling against the README");
    }
    for name in &loaded.unresolved_variables {
        c.problem(
            &format!("${{{name}}}"),
            "environment variable is not set; export it or write the value",
        );
    }
    let spec = loaded.spec;
    let mut scenes = c.scenes(&spec.scenes);
    let product = c.product(&spec, &scenes);
    // Every item of a catalogue must have the bands the product and the masks read.
    for (scene, bands) in needs::bands_by_scene(&c.needs) {
        if let Some(stac) = scenes.get_mut(&scene).and_then(|s| s.stac.as_mut()) {
            stac.needed = bands;
        }
    }
    let composite = spec.product.as_ref().is_some_and(|p| p.composite.is_some());
    let mut style = c.style(spec.render.as_ref(), composite);
    if let (Some(p), Some(Style::Composite(c))) = (&product, &mut style) {
        for (name, (_, band)) in c.bands.iter_mut().zip(&p.reads) {
            name.clone_from(band);
        }
    }
    if let (Some(p), Some(style)) = (&spec.product, &style) {
        c.sieve_needs_classes(p, style);
    }
    let tiling = c.tiling(&spec.tiling, overrides.zoom, overrides.max_tiles);
    let aoi = (spec.product.as_ref())
        .and_then(|p| p.aoi.as_deref())
        .map(|file| c.location(file));
    let output = c.output(&spec, overrides);
    let name = spec.name.clone().unwrap_or_else(|| {
        path.file_stem()
            .map_or("pipeline".into(), |s| s.to_string_lossy().into_owned())
    });
    let body = match (product, style, tiling, output) {
        (Some(product), Some(style), Some(tiling), Some(output)) => Some(Body {
            name,
            title: spec.title,
            description: spec.description,
            attribution: spec.attribution,
            product,
            style,
            tiling,
            output,
            aoi,
        }),
        _ => None,
    };
    Draft {
        pipeline: path.to_path_buf(),
        scenes,
        body,
        needs: c.needs,
        grid_crs: c.grid_crs,
        problems: c.problems,
    }
}

impl Draft {
    /// The scenes as the file declares them.
    pub fn scenes(&self) -> &BTreeMap<String, SceneDraft> {
        &self.scenes
    }

    /// The CRS of a `[product.grid]` table, which PROJ must know: the caller asks GDAL.
    pub fn grid_crs(&self) -> Option<&str> {
        self.grid_crs.as_deref()
    }

    /// The area of interest's file, which OGR must read as polygons: the caller asks GDAL.
    pub fn aoi(&self) -> Option<&str> {
        self.body.as_ref()?.aoi.as_deref()
    }

    /// What is wrong with the file on its own.
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    /// The plan, given what the catalog found of the scenes and what PROJ said of the grid's
    /// CRS (`Some(message)` when it does not know it); or every problem of the file, those
    /// it has on its own first.
    pub fn finish(
        self,
        resolved: Resolved,
        crs_problem: Option<String>,
    ) -> Result<Plan, SpecError> {
        let Draft {
            pipeline,
            body,
            needs: wanted,
            mut problems,
            ..
        } = self;
        problems.extend(resolved.problems);
        if let Some(message) = crs_problem {
            problems.push(Problem::new("product.grid.crs", message));
        }
        problems.extend(needs::unmet(&wanted, &resolved.scenes, &resolved.unlisted));
        match body {
            Some(body) if problems.is_empty() => {
                let scenes = resolved.scenes;
                let mut warnings = Vec::new();
                let expressions = [
                    match &body.product.formula {
                        Formula::Expression(e) => Some(("product.expression", e)),
                        _ => None,
                    },
                    body.product.mask.as_ref().map(|m| ("product.mask", m)),
                ];
                for (key, expression) in expressions.into_iter().flatten() {
                    warnings.extend(needs::backscatter_warnings(key, expression, &scenes));
                }
                warnings.extend(needs::single_acquisition_warnings(&scenes));
                Ok(Plan {
                    pipeline,
                    name: body.name,
                    title: body.title,
                    description: body.description,
                    attribution: body.attribution,
                    scenes,
                    product: body.product,
                    style: body.style,
                    tiling: body.tiling,
                    output: body.output,
                    aoi: body.aoi,
                    warnings: warnings.iter().map(Problem::to_string).collect(),
                })
            }
            _ => Err(SpecError::Invalid {
                path: pipeline,
                problems,
            }),
        }
    }
}

struct Compiler<'a> {
    base: &'a Path,
    problems: Vec<Problem>,
    needs: Vec<Need>,
    grid_crs: Option<String>,
}

impl Compiler<'_> {
    pub(super) fn problem(&mut self, key: &str, message: impl std::fmt::Display) {
        self.problems.push(Problem {
            key: key.to_string(),
            message: message.to_string(),
        });
    }

    /// GDAL virtual paths (`/vsicurl/…`, `/vsis3/…`) pass through; other relative paths are
    /// taken relative to the pipeline file.
    pub(super) fn location(&self, file: &str) -> String {
        if file.starts_with("/vsi") || Path::new(file).is_absolute() {
            file.to_string()
        } else {
            lexically_normal(&self.base.join(file))
                .to_string_lossy()
                .into_owned()
        }
    }

    fn output(&mut self, spec: &PipelineSpec, overrides: &Overrides) -> Option<Output> {
        let tile_url = spec.output.as_ref().and_then(|o| o.tile_url.clone());
        let given =
            (overrides.output.as_ref()).or(spec.output.as_ref().and_then(|o| o.url.as_ref()));
        if given.is_some_and(|url| secrets::has_userinfo(url)) {
            self.problem(
                if overrides.output.is_some() {
                    "--output"
                } else {
                    "output.url"
                },
                "the URL carries a user name or password (user:pass@), which would be printed \
                 and published; put credentials in the environment or --store-opt",
            );
            return None;
        }
        let url = match (
            &overrides.output,
            spec.output.as_ref().and_then(|o| o.url.as_ref()),
        ) {
            (Some(cli), _) => match std::env::current_dir() {
                Ok(cwd) => normalize_output(cli, &cwd),
                Err(e) => Err(BadOutputUrl::NoWorkingDirectory(e)),
            },
            (None, Some(url)) => normalize_output(url, self.base),
            (None, None) => {
                self.problem(
                    "output.url",
                    "missing; add [output] `url = \"out/NAME\"` or pass --output",
                );
                return None;
            }
        };
        let mut options: Vec<(String, String)> = spec
            .output
            .as_ref()
            .map(|o| o.options.clone().into_iter().collect())
            .unwrap_or_default();
        // A pipeline file is shared, committed and published (run.json): no secrets in it.
        for (key, _) in &options {
            if secrets::is_credential_option(key) {
                self.problem(
                    &format!("output.options.{key}"),
                    "a credential in the pipeline file; put credentials in the environment or \
                     --store-opt (AWS_SECRET_ACCESS_KEY, …)",
                );
            }
        }
        for (key, value) in &overrides.store_options {
            options.retain(|(k, _)| k != key);
            options.push((key.clone(), value.clone()));
        }
        let cache_control = spec.output.as_ref().and_then(|o| o.cache_control.clone());
        if let Some(value) = &cache_control {
            // An HTTP header value: visible ASCII and spaces, no line breaks.
            if !value.chars().all(|c| c == ' ' || c.is_ascii_graphic()) {
                self.problem(
                    "output.cache_control",
                    "not a valid HTTP header value (control characters or line breaks, or \
                     non-ASCII); write e.g. \"public, max-age=3600\"",
                );
            }
        }
        let store = StoreConfig {
            options,
            cache_control,
        };
        let (format, encoding) = match spec.output.as_ref().and_then(|o| o.format.as_deref()) {
            None | Some("png" | "xyz") => (TileFormat::Xyz, TileEncoding::Png),
            Some("webp") => (TileFormat::Xyz, TileEncoding::Webp),
            Some("pmtiles") => (TileFormat::Pmtiles, TileEncoding::Png),
            Some(other) => {
                self.problem(
                    "output.format",
                    format!("unknown format `{other}`; `png` or `webp` (z/x/y objects) or `pmtiles` (one archive)"),
                );
                (TileFormat::Xyz, TileEncoding::Png)
            }
        };
        match url {
            Ok(url) => Some(Output {
                url,
                tile_url,
                store,
                format,
                encoding,
                products: spec
                    .output
                    .as_ref()
                    .and_then(|o| o.products)
                    .unwrap_or(true),
            }),
            Err(message) => {
                self.problem("output.url", message);
                None
            }
        }
    }
}

/// `a/b/../c` → `a/c` without touching the file system (the file may not exist yet).
fn lexically_normal(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[derive(Debug, thiserror::Error)]
enum BadOutputUrl {
    #[error("empty; give a directory or URL")]
    Empty,
    #[error("the working directory is not readable ({0}); give an absolute --output")]
    NoWorkingDirectory(std::io::Error),
    #[error(
        "`{0}://` outputs are not supported; write to s3://, gs://, az://, a directory or a file:// URL"
    )]
    Scheme(String),
}

/// URLs (`s3://`, `gs://`, `az://`, `file://`, `memory://`) stay as they are; a plain path
/// becomes absolute against `base`.
fn normalize_output(url: &str, base: &Path) -> Result<String, BadOutputUrl> {
    if url.is_empty() {
        return Err(BadOutputUrl::Empty);
    }
    match url.split_once("://") {
        Some(("file" | "memory" | "s3" | "s3a" | "gs" | "az" | "azure", _)) => Ok(url.to_string()),
        Some((scheme, _)) => Err(BadOutputUrl::Scheme(scheme.into())),
        None => {
            let path = PathBuf::from(url);
            let path = if path.is_absolute() {
                path
            } else {
                base.join(path)
            };
            Ok(lexically_normal(&path).to_string_lossy().into_owned())
        }
    }
}
