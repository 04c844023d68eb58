//! The bands the product, the composite and the masks read, which only the resolved scenes
//! can show are there: recorded while compiling, checked in [`super::Draft::finish`].

use std::collections::{BTreeMap, BTreeSet};

use super::Compiler;
use crate::compute::expression::Expression;
use crate::plan::{Encoding, Problem, Scene};

/// Band `band` of scene `scene`, which the pipeline reads at `key`.
#[derive(Debug, Clone)]
pub(super) struct Need {
    key: String,
    scene: String,
    band: String,
    why: Why,
}

#[derive(Debug, Clone, Copy)]
pub(super) enum Why {
    /// A catalogue index (`nbr`, `water_change`, …) reads it.
    Index(&'static str),
    /// A composite shows it.
    Composite,
    /// An expression reads it at this column.
    Expression { column: usize },
    /// The scene's quality mask reads it.
    Mask,
}

impl Compiler<'_> {
    pub(super) fn need(&mut self, key: &str, scene: &str, band: &str, why: Why) {
        self.needs.push(Need {
            key: key.to_string(),
            scene: scene.to_string(),
            band: band.to_string(),
            why,
        });
    }
}

/// The bands each scene is read for.
pub(super) fn bands_by_scene(needs: &[Need]) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for need in needs {
        out.entry(need.scene.clone())
            .or_default()
            .insert(need.band.clone());
    }
    out
}

impl Need {
    /// What is wrong with this need on the resolved scenes; `None` when the band is there or
    /// a problem was already reported for it.
    fn problem(
        &self,
        scenes: &BTreeMap<String, Scene>,
        unlisted: &BTreeSet<String>,
    ) -> Option<Problem> {
        let Need {
            key,
            scene,
            band,
            why,
        } = self;
        let found = scenes.get(scene)?; // an unknown scene is reported where it is named
        let source = found.bands.get(band);
        let reported = unlisted.contains(scene) || unlisted.contains(&format!("{scene}.{band}"));
        if source.is_none() && reported {
            return None;
        }
        let message = match (why, source) {
            (Why::Index(label), None) => format!(
                "no band `{band}`, which `{label}` needs; add `{band} = <band number or file>`"
            ),
            (Why::Composite, None) => format!(
                "no band `{band}`, which the composite shows; add `{band} = <band number or file>`"
            ),
            (Why::Expression { column }, None) => {
                let known = found.bands.keys().cloned().collect::<Vec<_>>().join(", ");
                format!(
                    "column {column}: scene `{scene}` has no band `{band}` (it has: {known}); add it under [scenes.{scene}.bands]"
                )
            }
            (Why::Mask, None) => format!(
                "the scene has no band `{band}` to mask with; add its file (e.g. `{band} = \"…_{}.TIF\"`) or drop the mask",
                band.to_ascii_uppercase()
            ),
            // A band mapped by hand: its codes must not be rescaled or interpolated.
            (Why::Mask, Some(s))
                if s.encoding != Encoding::Categorical && (s.scale != 1.0 || s.offset != 0.0) =>
            {
                format!("band `{band}` holds quality codes; drop its scale/offset")
            }
            (_, Some(_)) => return None,
        };
        // Index and composite needs are the scene's to fix.
        let key = match why {
            Why::Index(_) | Why::Composite => format!("scenes.{scene}.bands"),
            Why::Expression { .. } | Why::Mask => key.clone(),
        };
        Some(Problem::new(key, message))
    }
}

/// Every need the resolved scenes do not meet.
pub(super) fn unmet(
    needs: &[Need],
    scenes: &BTreeMap<String, Scene>,
    unlisted: &BTreeSet<String>,
) -> Vec<Problem> {
    needs
        .iter()
        .filter_map(|need| need.problem(scenes, unlisted))
        .collect()
}

/// A warning for each comparison of σ⁰ (linear power, never negative) with a negative value
/// in `expression`, written at `key`.
pub(super) fn backscatter_warnings(
    key: &str,
    expression: &Expression,
    scenes: &BTreeMap<String, Scene>,
) -> Vec<Problem> {
    let references = expression.references();
    let backscatter = |i: usize| {
        let r = &references[i];
        scenes
            .get(&r.scene)
            .and_then(|s| s.bands.get(&r.band))
            .is_some_and(|b| b.backscatter)
    };
    expression
        .negative_comparisons(backscatter)
        .into_iter()
        .map(|(r, value)| {
            Problem::new(
                key,
                format!(
                    "`{r}` is σ⁰ as linear power (never negative), so comparing it with {value} is always true or always false; for a threshold in dB write `db({r})`"
                ),
            )
        })
        .collect()
}

/// A `reduce` with one acquisition to reduce: valid (the quality layer still counts it), but
/// the analyst probably meant several dates.
pub(super) fn single_acquisition_warnings(scenes: &BTreeMap<String, Scene>) -> Vec<Problem> {
    (scenes.values())
        .filter_map(|scene| {
            let reduce = scene.reduce.as_ref()?;
            (reduce.acquisitions.len() < 2).then(|| {
                Problem::new(
                    format!("scenes.{}.reduce", scene.name),
                    format!(
                        "the scene has one acquisition, so the {} is its own values; list the \
                         files of several dates (each with its `datetime`) to composite them",
                        reduce.reducer.name()
                    ),
                )
            })
        })
        .collect()
}
