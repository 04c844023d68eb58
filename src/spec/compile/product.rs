//! `[product]`: the index and which scene plays which role.

use std::collections::BTreeMap;

use super::Compiler;
use crate::compute::expression::Expression;
use crate::compute::{Epoch, Index};
use crate::plan::{Formula, Product, Scene};
use crate::spec::raw::PipelineSpec;

impl Compiler<'_> {
    pub(super) fn product(
        &mut self,
        spec: &PipelineSpec,
        scenes: &BTreeMap<String, Scene>,
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
        Some(product)
    }

    fn formula(
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
                .collect::<Vec<_>>()
                .join(", ")
        };
        let index = match p.index.as_deref() {
            None => {
                self.problem(
                    "product.index",
                    format!("missing; one of: {}, or an `expression`", names()),
                );
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
        let reads = index
            .bands()
            .iter()
            .filter_map(|need| {
                chosen
                    .iter()
                    .find(|(e, _)| *e == need.epoch)
                    .map(|(_, scene)| (scene.clone(), need.band.to_string()))
            })
            .collect();
        Some(Product {
            formula: Formula::Index(index),
            roles: chosen,
            reads,
            mask: None,
        })
    }

    fn expression(&mut self, text: &str, scenes: &BTreeMap<String, Scene>) -> Option<Product> {
        let expression = self.checked_expression("product.expression", text, scenes)?;
        let reads = expression.band_pairs().collect();
        Some(Product {
            formula: Formula::Expression(expression),
            roles: Vec::new(),
            reads,
            mask: None,
        })
    }

    /// Parses an expression and checks every `scene.band` it reads against the pipeline.
    fn checked_expression(
        &mut self,
        key: &str,
        text: &str,
        scenes: &BTreeMap<String, Scene>,
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
                Some(scene) if !scene.bands.contains_key(&r.band) => {
                    let known = scene.bands.keys().cloned().collect::<Vec<_>>().join(", ");
                    self.problem(
                        key,
                        format!(
                            "column {column}: scene `{}` has no band `{}` (it has: {known}); add it under [scenes.{}.bands]",
                            r.scene, r.band, r.scene
                        ),
                    );
                }
                Some(_) => {}
            }
        }
        if expression.references().is_empty() {
            self.problem(key, "reads no band; refer to at least one `scene.band`");
        }
        (self.problems.len() == before).then_some(expression)
    }
}
