//! Raw spec → validated [`Plan`], reporting every problem at once.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::raw::{BandSpec, ClassSpec, PipelineSpec, RenderSpec, SceneSpec, TilingSpec, ZoomSpec};
use super::{LoadedSpec, Problem, SpecError};
use crate::compute::{Epoch, Index};
use crate::plan::{Output, Plan, Product, Scene, Tiling, ZoomChoice};
use crate::read::{BandSource, Resampling};
use crate::render::{Class, ClassTable, ColorRamp, Rgba, Style, RAMP_NAMES};
use crate::tiling::ZoomRange;

/// Values from the command line that replace the pipeline's.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// Output URL or path (a relative path is taken relative to the working directory).
    pub output: Option<String>,
    pub zoom: Option<ZoomRange>,
}

/// Validates a loaded pipeline file at `path` into a [`Plan`].
pub fn compile(path: &Path, loaded: LoadedSpec, overrides: &Overrides) -> Result<Plan, SpecError> {
    let base = path.parent().unwrap_or(Path::new("."));
    let mut c = Compiler {
        base,
        problems: Vec::new(),
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
    let style = c.style(spec.render.as_ref());
    let tiling = c.tiling(&spec.tiling, overrides.zoom);
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
}

impl Compiler<'_> {
    fn problem(&mut self, key: &str, message: impl Into<String>) {
        self.problems.push(Problem {
            key: key.to_string(),
            message: message.into(),
        });
    }

    /// GDAL virtual paths (`/vsicurl/…`, `/vsis3/…`) pass through; other relative paths are
    /// taken relative to the pipeline file.
    fn location(&self, file: &str) -> String {
        if file.starts_with("/vsi") || Path::new(file).is_absolute() {
            file.to_string()
        } else {
            self.base.join(file).to_string_lossy().into_owned()
        }
    }

    fn scenes(&mut self, specs: &BTreeMap<String, SceneSpec>) -> BTreeMap<String, Scene> {
        if specs.is_empty() {
            self.problem("scenes", "no scenes; add at least one [scenes.NAME] table");
        }
        let mut scenes = BTreeMap::new();
        for (name, spec) in specs {
            let key = format!("scenes.{name}");
            if spec.bands.is_empty() {
                self.problem(
                    &format!("{key}.bands"),
                    "no bands; map band names to band numbers or files, e.g. `nir = 4`",
                );
            }
            let mut bands = BTreeMap::new();
            for (band_name, band) in &spec.bands {
                if let Some(source) = self.band(&format!("{key}.bands.{band_name}"), spec, band) {
                    bands.insert(band_name.clone(), source);
                }
            }
            scenes.insert(
                name.clone(),
                Scene {
                    name: name.clone(),
                    datetime: spec.datetime.clone(),
                    bands,
                },
            );
        }
        scenes
    }

    fn band(&mut self, key: &str, scene: &SceneSpec, band: &BandSpec) -> Option<BandSource> {
        let (file, number, scale, offset, nodata) = match band {
            BandSpec::Number(n) => (None, Some(*n), None, None, None),
            BandSpec::File(f) => (Some(f.clone()), None, None, None, None),
            BandSpec::Table(t) => (t.file.clone(), t.band, t.scale, t.offset, t.nodata),
        };
        let file = match file.or_else(|| scene.file.clone()) {
            Some(f) => f,
            None => {
                self.problem(
                    key,
                    "no file: give the scene a `file` for band numbers, or a file for this band",
                );
                return None;
            }
        };
        let band = number.unwrap_or(1);
        if band < 1 {
            self.problem(
                key,
                format!("band number {band} is invalid; bands count from 1"),
            );
            return None;
        }
        let scale = scale.or(scene.scale).unwrap_or(1.0);
        let offset = offset.or(scene.offset).unwrap_or(0.0);
        if !scale.is_finite() || scale == 0.0 || !offset.is_finite() {
            self.problem(key, "scale must be finite and non-zero, offset finite");
        }
        Some(BandSource {
            location: self.location(&file),
            band: band as usize,
            scale,
            offset,
            nodata: nodata.or(scene.nodata),
        })
    }

    fn product(
        &mut self,
        spec: &PipelineSpec,
        scenes: &BTreeMap<String, Scene>,
    ) -> Option<Product> {
        let Some(p) = &spec.product else {
            self.problem(
                "product",
                "missing; add [product] with `index = \"ndvi\"` (or another index)",
            );
            return None;
        };
        let names = || {
            Index::ALL
                .iter()
                .map(|i| i.name())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let index = match p.index.as_deref() {
            None => {
                self.problem("product.index", format!("missing; one of: {}", names()));
                return None;
            }
            Some(name) => match Index::from_name(&name.to_ascii_lowercase()) {
                Some(i) => i,
                None => {
                    self.problem(
                        "product.index",
                        format!("unknown index `{name}`; one of: {}", names()),
                    );
                    return None;
                }
            },
        };
        let only = (scenes.len() == 1)
            .then(|| scenes.keys().next().cloned())
            .flatten();
        let roles: Vec<(Epoch, &str, Option<String>)> = if index.is_change() {
            if p.scene.is_some() {
                self.problem(
                    "product.scene",
                    format!(
                        "`{}` compares two scenes; use `pre` and `post`",
                        index.name()
                    ),
                );
            }
            vec![
                (
                    Epoch::Pre,
                    "product.pre",
                    Some(p.pre.clone().unwrap_or("pre".into())),
                ),
                (
                    Epoch::Post,
                    "product.post",
                    Some(p.post.clone().unwrap_or("post".into())),
                ),
            ]
        } else {
            if p.pre.is_some() || p.post.is_some() {
                self.problem(
                    "product.pre",
                    format!("`{}` reads one scene; use `scene`", index.name()),
                );
            }
            vec![(
                Epoch::Single,
                "product.scene",
                p.scene.clone().or(only).or(Some("post".into())),
            )]
        };
        let mut chosen = Vec::new();
        for (epoch, key, scene) in roles {
            let Some(scene) = scene else { continue };
            let Some(found) = scenes.get(&scene) else {
                let known = scenes.keys().cloned().collect::<Vec<_>>().join(", ");
                self.problem(
                    key,
                    format!("no scene named `{scene}`; the pipeline has: {known}"),
                );
                continue;
            };
            for need in index.bands().iter().filter(|n| n.epoch == epoch) {
                if !found.bands.contains_key(need.band) {
                    self.problem(
                        &format!("scenes.{scene}.bands"),
                        format!(
                            "no band `{}`, which `{}` needs; add `{} = <band number or file>`",
                            need.band,
                            index.name(),
                            need.band
                        ),
                    );
                }
            }
            chosen.push((epoch, scene));
        }
        Some(Product {
            index,
            scenes: chosen,
        })
    }

    fn style(&mut self, spec: Option<&RenderSpec>) -> Option<Style> {
        let Some(r) = spec else {
            self.problem(
                "render",
                "missing; add [render] with `ramp` and `range`, or `classes`",
            );
            return None;
        };
        match (&r.ramp, &r.classes) {
            (Some(_), Some(_)) => {
                self.problem(
                    "render",
                    "give either `ramp` + `range` or `classes`, not both",
                );
                None
            }
            (None, None) => {
                self.problem("render", "give `ramp` + `range` or a `classes` table");
                None
            }
            (Some(name), None) => {
                let ramp = ColorRamp::named(name);
                if ramp.is_none() {
                    self.problem(
                        "render.ramp",
                        format!(
                            "unknown ramp `{name}`; one of: {} (add `_r` to reverse)",
                            RAMP_NAMES.join(", ")
                        ),
                    );
                }
                let range = match r.range.as_deref() {
                    Some([min, max]) if min < max && min.is_finite() && max.is_finite() => {
                        Some((*min as f32, *max as f32))
                    }
                    _ => {
                        self.problem(
                            "render.range",
                            "expected `[min, max]` with min < max, e.g. `[-1.0, 1.0]`",
                        );
                        None
                    }
                };
                let (ramp, (min, max)) = (ramp?, range?);
                Some(Style::Ramp { ramp, min, max })
            }
            (None, Some(classes)) => {
                if r.range.is_some() {
                    self.problem(
                        "render.range",
                        "only used with `ramp`; class bounds go in each class",
                    );
                }
                self.classes(classes).map(Style::Classes)
            }
        }
    }

    fn classes(&mut self, specs: &[ClassSpec]) -> Option<ClassTable> {
        if specs.is_empty() {
            self.problem("render.classes", "empty; add [[render.classes]] entries");
            return None;
        }
        let before = self.problems.len();
        let mut classes = Vec::new();
        for (i, c) in specs.iter().enumerate() {
            let key = format!("render.classes[{i}]");
            let min = c.min.unwrap_or(f64::NEG_INFINITY);
            let max = c.max.unwrap_or(f64::INFINITY);
            if min >= max || min.is_nan() || max.is_nan() {
                self.problem(&key, format!("min {min} must be below max {max}"));
            }
            let color = match c.color.as_deref().map(Rgba::parse) {
                Some(Ok(color)) => color,
                Some(Err(e)) => {
                    self.problem(&format!("{key}.color"), e.to_string());
                    Rgba::TRANSPARENT
                }
                None => {
                    self.problem(
                        &format!("{key}.color"),
                        "missing; e.g. `color = \"#d7191c\"`",
                    );
                    Rgba::TRANSPARENT
                }
            };
            let name = c.name.clone().unwrap_or_else(|| format!("class {}", i + 1));
            classes.push(Class {
                name,
                min: min as f32,
                max: max as f32,
                color,
            });
        }
        (self.problems.len() == before).then_some(ClassTable { classes })
    }

    fn tiling(&mut self, spec: &TilingSpec, zoom_override: Option<ZoomRange>) -> Option<Tiling> {
        let zoom = match (&spec.zoom, zoom_override) {
            (_, Some(range)) => Some(ZoomChoice::Range(range)),
            (None, None) => Some(ZoomChoice::Auto),
            (Some(ZoomSpec::Text(t)), None) if t == "auto" => Some(ZoomChoice::Auto),
            (Some(z), None) => {
                let parsed = match z {
                    ZoomSpec::Text(t) => ZoomRange::parse(t).map_err(|e| e.to_string()),
                    ZoomSpec::Level(l) => u8::try_from(*l)
                        .map_err(|_| format!("{l} is not a zoom level"))
                        .and_then(|l| ZoomRange::new(l, l).map_err(|e| e.to_string())),
                    ZoomSpec::Pair(p) => match p.as_slice() {
                        [a, b] => match (u8::try_from(*a), u8::try_from(*b)) {
                            (Ok(a), Ok(b)) => ZoomRange::new(a, b).map_err(|e| e.to_string()),
                            _ => Err(format!("{p:?} are not zoom levels")),
                        },
                        _ => Err("expected `[min, max]`".into()),
                    },
                };
                match parsed {
                    Ok(range) => Some(ZoomChoice::Range(range)),
                    Err(message) => {
                        self.problem("tiling.zoom", format!("{message} (or `\"auto\"`)"));
                        None
                    }
                }
            }
        };
        let tile_size = spec.tile_size.unwrap_or(256);
        let tile_size = match u32::try_from(tile_size) {
            Ok(s) if s.is_power_of_two() && (64..=4096).contains(&s) => Some(s),
            _ => {
                self.problem(
                    "tiling.tile_size",
                    format!(
                        "{tile_size} is not a power of two from 64 to 4096 (usually 256 or 512)"
                    ),
                );
                None
            }
        };
        let resampling = match spec.resampling.as_deref() {
            None => Some(Resampling::Bilinear),
            Some(name) => {
                let r = Resampling::from_name(name);
                if r.is_none() {
                    self.problem(
                        "tiling.resampling",
                        format!(
                            "unknown resampling `{name}`; one of: {}",
                            Resampling::NAMES.join(", ")
                        ),
                    );
                }
                r
            }
        };
        Some(Tiling {
            zoom: zoom?,
            tile_size: tile_size?,
            resampling: resampling?,
        })
    }

    fn output(&mut self, spec: &PipelineSpec, overrides: &Overrides) -> Option<Output> {
        let tile_url = spec.output.as_ref().and_then(|o| o.tile_url.clone());
        let url = match (
            &overrides.output,
            spec.output.as_ref().and_then(|o| o.url.as_ref()),
        ) {
            (Some(cli), _) => normalize_output(cli, &std::env::current_dir().unwrap_or_default()),
            (None, Some(url)) => normalize_output(url, self.base),
            (None, None) => {
                self.problem(
                    "output.url",
                    "missing; add [output] `url = \"out/NAME\"` or pass --output",
                );
                return None;
            }
        };
        match url {
            Ok(url) => Some(Output { url, tile_url }),
            Err(message) => {
                self.problem("output.url", message);
                None
            }
        }
    }
}

/// `file://…` and `memory://…` stay as they are; a plain path becomes absolute against `base`.
fn normalize_output(url: &str, base: &Path) -> Result<String, String> {
    if url.is_empty() {
        return Err("empty; give a directory or URL".into());
    }
    match url.split_once("://") {
        Some(("file" | "memory", _)) => Ok(url.to_string()),
        Some((scheme, _)) => Err(format!(
            "`{scheme}://` outputs are not supported yet; write to a directory or `file://` URL"
        )),
        None => {
            let path = PathBuf::from(url);
            let path = if path.is_absolute() {
                path
            } else {
                base.join(path)
            };
            Ok(path.to_string_lossy().into_owned())
        }
    }
}
