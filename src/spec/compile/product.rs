//! `[product]`: the index and which scene plays which role.

use std::collections::BTreeMap;

use super::Compiler;
use crate::compute::expression::Expression;
use crate::compute::{composite, BandNeed, Epoch, Index};

/// The water-change product (not a plain index: it takes `water_index` and `threshold`).
const WATER_CHANGE: &str = "water_change";
use super::needs::Why;
use crate::catalog::SceneDraft;
use crate::plan::{Formula, MinMappingUnit, Product, ProductGrid, SceneMask};
use crate::spec::raw::{CompositeSpec, GridSpec, PipelineSpec, ProductSpec};

/// The scene a single-scene product reads: `scene`, else the pipeline's only scene, else
/// `post`.
fn single_scene(p: &ProductSpec, scenes: &BTreeMap<String, SceneDraft>) -> String {
    let only = (scenes.len() == 1)
        .then(|| scenes.keys().next().cloned())
        .flatten();
    p.scene.clone().or(only).unwrap_or_else(|| "post".into())
}

impl Compiler<'_> {
    pub(super) fn product(
        &mut self,
        spec: &PipelineSpec,
        scenes: &BTreeMap<String, SceneDraft>,
    ) -> Option<Product> {
        // Both checked before either failure returns, so all problems are reported.
        let mask = spec
            .product
            .as_ref()
            .and_then(|p| p.mask.as_deref())
            .map(|text| self.checked_expression("product.mask", text, scenes));
        let product = self.formula(spec, scenes);
        let (mut product, mask) = match (product, mask) {
            (Some(p), None) => (p, None),
            (Some(p), Some(Some(m))) => (p, Some(m)),
            _ => return None,
        };
        if let Some(mask) = mask {
            product.reads.extend(mask.band_pairs());
            product.mask = Some(mask);
        }
        let grid_spec = spec
            .product
            .as_ref()
            .filter(|p| p.composite.is_none())
            .and_then(|p| p.grid.as_ref());
        if let Some(grid) = grid_spec {
            product.grid = self.grid(grid, &product)?;
        }
        if let Some(p) = &spec.product {
            product.min_mapping_unit = self.min_mapping_unit(p)?;
        }
        // Every scene the product reads brings its quality rule.
        let quality: Vec<(String, SceneMask)> = product
            .scenes_read()
            .iter()
            .filter_map(|s| scenes.get(*s))
            .filter_map(|s| s.mask.clone().map(|m| (s.name.clone(), m)))
            .collect();
        for (scene, mask) in quality {
            product.reads.push((scene, mask.band));
            product.quality.push(mask.rule);
        }
        Some(product)
    }

    fn min_mapping_unit(&mut self, p: &ProductSpec) -> Option<MinMappingUnit> {
        let mut unit = MinMappingUnit::default();
        if let Some(ha) = p.min_area_ha {
            if !(ha.is_finite() && (0.0..=1.0e6).contains(&ha)) {
                self.problem(
                    "product.min_area_ha",
                    format!("{ha} is not an area in hectares from 0 (keep every patch) to 1000000"),
                );
                return None;
            }
            unit.hectares = ha;
        }
        unit.in_classes = p.sieve_classes.unwrap_or(false);
        Some(unit)
    }

    /// The sieve works on classes: asking for it without a class table is a mistake.
    pub(super) fn sieve_needs_classes(&mut self, p: &ProductSpec, style: &crate::render::Style) {
        if style.class_table().is_some() {
            return;
        }
        for (key, set) in [
            ("product.min_area_ha", p.min_area_ha.is_some()),
            ("product.sieve_classes", p.sieve_classes.is_some()),
        ] {
            if set {
                self.problem(
                    key,
                    "sieves class patches, and this product has no classes: add [[render.classes]] or drop the key",
                );
            }
        }
    }

    fn grid(&mut self, spec: &GridSpec, product: &Product) -> Option<ProductGrid> {
        match spec {
            GridSpec::Scene(name) => {
                if product.reads.iter().any(|(s, _)| s == name) {
                    Some(ProductGrid::Scene(name.clone()))
                } else {
                    let read = product.scenes_read();
                    self.problem(
                        "product.grid",
                        format!(
                            "the product reads no scene `{name}`; one of: {}, or {{ crs = \"EPSG:…\", resolution = … }}",
                            read.join(", ")
                        ),
                    );
                    None
                }
            }
            GridSpec::Custom(c) => {
                // Whether PROJ knows it is checked with the scenes, after compiling.
                let crs = match &c.crs {
                    Some(crs) => {
                        self.grid_crs = Some(crs.clone());
                        Some(crs.clone())
                    }
                    None => {
                        self.problem("product.grid.crs", "missing; e.g. `crs = \"EPSG:3035\"`");
                        None
                    }
                };
                let resolution = match c.resolution {
                    Some(r) if r.is_finite() && r > 0.0 => Some(r),
                    _ => {
                        self.problem(
                            "product.grid.resolution",
                            "expected a pixel size > 0 in the CRS's units, e.g. `resolution = 20`",
                        );
                        None
                    }
                };
                Some(ProductGrid::Custom {
                    crs: crs?,
                    resolution: resolution?,
                })
            }
        }
    }

    fn formula(
        &mut self,
        spec: &PipelineSpec,
        scenes: &BTreeMap<String, SceneDraft>,
    ) -> Option<Product> {
        let Some(p) = &spec.product else {
            self.problem(
                "product",
                "missing; add [product] with `index = \"ndvi\"` (or another index)",
            );
            return None;
        };
        if let Some(composite) = &p.composite {
            if p.index.is_some() || p.expression.is_some() {
                self.problem(
                    "product",
                    "give one of `index`, `expression` or `composite`, not several",
                );
            }
            return self.composite_product(p, composite, scenes);
        }
        if let Some(text) = &p.expression {
            if p.index.is_some() {
                self.problem("product", "give either `index` or `expression`, not both");
            }
            if p.scene.is_some() || p.pre.is_some() || p.post.is_some() {
                self.problem(
                    "product.scene",
                    "expressions name their scenes (`post.nir`); drop `scene`, `pre` and `post`",
                );
            }
            return self.expression(text, scenes);
        }
        let names = || {
            Index::ALL
                .iter()
                .map(|i| i.name())
                .chain([WATER_CHANGE])
                .collect::<Vec<_>>()
                .join(", ")
        };
        let name = match p.index.as_deref() {
            None => {
                self.problem(
                    "product.index",
                    format!("missing; one of: {}, or an `expression`", names()),
                );
                return None;
            }
            Some(name) => name.to_ascii_lowercase(),
        };
        let water = name == WATER_CHANGE;
        if !water && (p.water_index.is_some() || p.threshold.is_some()) {
            self.problem(
                "product.threshold",
                format!("`water_index` and `threshold` belong to `{WATER_CHANGE}`, not `{name}`"),
            );
        }
        let (formula, index) = if water {
            let water_index = match p.water_index.as_deref().unwrap_or("mndwi") {
                "mndwi" => Index::Mndwi,
                "ndwi" => Index::Ndwi,
                other => {
                    self.problem(
                        "product.water_index",
                        format!("unknown water index `{other}`; `mndwi` or `ndwi`"),
                    );
                    return None;
                }
            };
            let threshold = p.threshold.unwrap_or(0.0);
            if !(-1.0..=1.0).contains(&threshold) {
                self.problem(
                    "product.threshold",
                    format!("{threshold} is outside −1…1, the range of a normalized difference"),
                );
            }
            let formula = Formula::WaterChange {
                water_index,
                threshold: threshold as f32,
            };
            (formula, water_index)
        } else {
            match Index::from_name(&name) {
                Some(i) => (Formula::Index(i), i),
                None => {
                    self.problem(
                        "product.index",
                        format!("unknown index `{name}`; one of: {}", names()),
                    );
                    return None;
                }
            }
        };
        let is_change = water || index.is_change();
        // The bands read, per role: a water change reads its water index's bands in both scenes.
        let needs: Vec<BandNeed> = if water {
            [Epoch::Pre, Epoch::Post]
                .into_iter()
                .flat_map(|epoch| {
                    index.bands().iter().map(move |n| BandNeed {
                        epoch,
                        band: n.band,
                    })
                })
                .collect()
        } else {
            index.bands().to_vec()
        };
        let label = if water { WATER_CHANGE } else { index.name() };
        let roles: Vec<(Epoch, &str, String)> = if is_change {
            if p.scene.is_some() {
                self.problem(
                    "product.scene",
                    format!("`{label}` compares two scenes; use `pre` and `post`"),
                );
            }
            vec![
                (
                    Epoch::Pre,
                    "product.pre",
                    p.pre.clone().unwrap_or("pre".into()),
                ),
                (
                    Epoch::Post,
                    "product.post",
                    p.post.clone().unwrap_or("post".into()),
                ),
            ]
        } else {
            if p.pre.is_some() || p.post.is_some() {
                self.problem(
                    "product.pre",
                    format!("`{label}` reads one scene; use `scene`"),
                );
            }
            vec![(Epoch::Single, "product.scene", single_scene(p, scenes))]
        };
        let mut chosen = Vec::new();
        for (epoch, key, scene) in roles {
            if self.scene_named(key, &scene, scenes).is_none() {
                continue;
            }
            for need in needs.iter().filter(|n| n.epoch == epoch) {
                self.need(key, &scene, need.band, Why::Index(label));
            }
            chosen.push((epoch, scene));
        }
        let reads = needs
            .iter()
            .filter_map(|need| {
                chosen
                    .iter()
                    .find(|(e, _)| *e == need.epoch)
                    .map(|(_, scene)| (scene.clone(), need.band.to_string()))
            })
            .collect();
        Some(Product {
            formula,
            roles: chosen,
            reads,
            mask: None,
            grid: ProductGrid::FirstScene,
            min_mapping_unit: MinMappingUnit::default(),
            quality: Vec::new(),
        })
    }

    fn composite_product(
        &mut self,
        p: &ProductSpec,
        spec: &CompositeSpec,
        scenes: &BTreeMap<String, SceneDraft>,
    ) -> Option<Product> {
        let names = || {
            composite::NAMED
                .iter()
                .map(|(n, _, _)| *n)
                .collect::<Vec<_>>()
                .join(", ")
        };
        let bands: Vec<String> = match spec {
            CompositeSpec::Named(name) => match composite::named(name) {
                Some(bands) => bands.iter().map(|b| b.to_string()).collect(),
                None => {
                    self.problem(
                        "product.composite",
                        format!(
                            "no composite `{name}`; one of: {}, or three band names",
                            names()
                        ),
                    );
                    return None;
                }
            },
            CompositeSpec::Bands(bands) if bands.len() == 3 => bands.clone(),
            CompositeSpec::Bands(bands) => {
                self.problem(
                    "product.composite",
                    format!(
                        "{} bands; a composite takes three (red, green, blue channel), e.g. [\"swir2\", \"nir\", \"red\"]",
                        bands.len()
                    ),
                );
                return None;
            }
        };
        if p.pre.is_some() || p.post.is_some() {
            self.problem("product.pre", "a composite shows one scene; use `scene`");
        }
        if p.water_index.is_some() || p.threshold.is_some() {
            self.problem(
                "product.threshold",
                format!("`water_index` and `threshold` belong to `{WATER_CHANGE}`"),
            );
        }
        if p.grid.is_some() {
            self.problem(
                "product.grid",
                "a composite's `composite.tif` is written on its scene's grid; drop `grid`",
            );
        }
        let scene = single_scene(p, scenes);
        self.scene_named("product.scene", &scene, scenes)?;
        for band in &bands {
            self.need("product.composite", &scene, band, Why::Composite);
        }
        Some(Product {
            formula: Formula::Composite,
            roles: vec![(Epoch::Single, scene.clone())],
            reads: bands.into_iter().map(|b| (scene.clone(), b)).collect(),
            mask: None,
            grid: ProductGrid::FirstScene,
            min_mapping_unit: MinMappingUnit::default(),
            quality: Vec::new(),
        })
    }

    fn expression(&mut self, text: &str, scenes: &BTreeMap<String, SceneDraft>) -> Option<Product> {
        let expression = self.checked_expression("product.expression", text, scenes)?;
        let reads = expression.band_pairs().collect();
        Some(Product {
            formula: Formula::Expression(expression),
            roles: Vec::new(),
            reads,
            mask: None,
            grid: ProductGrid::FirstScene,
            min_mapping_unit: MinMappingUnit::default(),
            quality: Vec::new(),
        })
    }

    /// The scene called `name`, or a problem at `key` listing the scenes there are.
    fn scene_named<'s>(
        &mut self,
        key: &str,
        name: &str,
        scenes: &'s BTreeMap<String, SceneDraft>,
    ) -> Option<&'s SceneDraft> {
        let found = scenes.get(name);
        if found.is_none() {
            let known = scenes.keys().cloned().collect::<Vec<_>>().join(", ");
            self.problem(
                key,
                format!("no scene named `{name}`; the pipeline has: {known}"),
            );
        }
        found
    }

    /// Parses an expression and checks every `scene.band` it reads against the pipeline.
    fn checked_expression(
        &mut self,
        key: &str,
        text: &str,
        scenes: &BTreeMap<String, SceneDraft>,
    ) -> Option<Expression> {
        let expression = match Expression::parse(text) {
            Ok(e) => e,
            Err(e) => {
                self.problem(key, format!("{e} in `{text}`"));
                return None;
            }
        };
        let before = self.problems.len();
        for (r, column) in expression
            .references()
            .iter()
            .zip(expression.reference_columns())
        {
            match scenes.get(&r.scene) {
                None => {
                    let known = scenes.keys().cloned().collect::<Vec<_>>().join(", ");
                    self.problem(
                        key,
                        format!(
                            "column {column}: no scene named `{}`; the pipeline has: {known}",
                            r.scene
                        ),
                    );
                }
                Some(_) => self.need(key, &r.scene, &r.band, Why::Expression { column: *column }),
            }
        }
        if expression.references().is_empty() {
            self.problem(key, "reads no band; refer to at least one `scene.band`");
        }
        (self.problems.len() == before).then_some(expression)
    }
}
