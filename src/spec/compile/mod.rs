//! Raw spec → validated [`Plan`], reporting every problem at once.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

mod datetime;
mod product;
mod render;
mod scenes;
mod tiling;

use super::raw::PipelineSpec;
use super::{LoadedSpec, Problem, SpecError};
use crate::plan::{Output, Plan, TileFormat};
use crate::render::{Style, TileEncoding};
use crate::secrets;
use crate::store::StoreConfig;
use crate::tiling::ZoomRange;

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

/// Validates a loaded pipeline file at `path` into a [`Plan`].
pub fn compile(path: &Path, loaded: LoadedSpec, overrides: &Overrides) -> Result<Plan, SpecError> {
    // `olinda.toml` has the parent "", which `absolute` refuses: it is the working directory.
    let parent = (path.parent())
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    // Absolute, so that file:// URLs and run.json name real places whatever the working dir.
    let base = std::path::absolute(parent).unwrap_or_else(|_| parent.to_path_buf());
    let mut c = Compiler {
        base: &base,
        problems: Vec::new(),
        warnings: Vec::new(),
        unlisted_scenes: BTreeSet::new(),
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
    let scenes = c.scenes(&spec.scenes);
    let product = c.product(&spec, &scenes);
    let composite = spec.product.as_ref().is_some_and(|p| p.composite.is_some());
    let mut style = c.style(spec.render.as_ref(), composite);
    if let (Some(p), Some(Style::Composite(c))) = (&product, &mut style) {
        for (name, (_, band)) in c.bands.iter_mut().zip(&p.reads) {
            name.clone_from(band);
        }
    }
    let tiling = c.tiling(&spec.tiling, overrides.zoom, overrides.max_tiles);
    let output = c.output(&spec, overrides);
    let name = spec.name.clone().unwrap_or_else(|| {
        path.file_stem()
            .map_or("pipeline".into(), |s| s.to_string_lossy().into_owned())
    });
    match (product, style, tiling, output) {
        (Some(product), Some(style), Some(tiling), Some(output)) if c.problems.is_empty() => {
            Ok(Plan {
                pipeline: path.to_path_buf(),
                name,
                title: spec.title,
                description: spec.description,
                attribution: spec.attribution,
                scenes,
                product,
                style,
                tiling,
                output,
                warnings: c.warnings.iter().map(Problem::to_string).collect(),
            })
        }
        _ => Err(SpecError::Invalid {
            path: path.to_path_buf(),
            problems: c.problems,
        }),
    }
}

struct Compiler<'a> {
    base: &'a Path,
    problems: Vec<Problem>,
    warnings: Vec<Problem>,
    /// Scenes whose preset or MTL failed, and `scene.band`s whose mapping failed (both
    /// already reported): a band missing there is not reported again.
    unlisted_scenes: BTreeSet<String>,
}

impl Compiler<'_> {
    pub(super) fn problem(&mut self, key: &str, message: impl std::fmt::Display) {
        self.problems.push(Problem {
            key: key.to_string(),
            message: message.to_string(),
        });
    }

    /// Whether `band` of `scene` is missing because a problem was already reported for it.
    pub(super) fn reported_missing(&self, scene: &str, band: &str) -> bool {
        self.unlisted_scenes.contains(scene)
            || self.unlisted_scenes.contains(&format!("{scene}.{band}"))
    }

    pub(super) fn warning(&mut self, key: &str, message: impl Into<String>) {
        self.warnings.push(Problem {
            key: key.to_string(),
            message: message.into(),
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
