//! `[render]`: a colour ramp over a range, or a class table.

use super::Compiler;
use crate::render::{
    shipped_table, Class, ClassTable, ColorRamp, Composite, Rgba, Style, RAMP_NAMES, SHIPPED_TABLES,
};
use crate::spec::raw::{ClassSpec, ClassesSpec, RangeSpec, RenderSpec};

/// The percentiles a composite is stretched over when the pipeline gives no `range`.
const DEFAULT_STRETCH: (f32, f32) = (2.0, 98.0);

impl Compiler<'_> {
    pub(super) fn style(&mut self, spec: Option<&RenderSpec>, composite: bool) -> Option<Style> {
        if composite {
            return self.composite_style(spec);
        }
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
                if r.stretch.is_some() {
                    self.problem("render.stretch", "only used with `composite`; give `range`");
                }
                let range = match r.range.as_ref() {
                    Some(RangeSpec::One(pair)) => self.range("render.range", pair),
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
                match classes {
                    ClassesSpec::Table(specs) => self.classes(specs).map(Style::Classes),
                    ClassesSpec::Shipped(name) => match shipped_table(name) {
                        Some(table) => Some(Style::Classes(table)),
                        None => {
                            self.problem(
                                "render.classes",
                                format!(
                                    "no shipped table `{name}`; one of: {}, or [[render.classes]] entries",
                                    SHIPPED_TABLES.join(", ")
                                ),
                            );
                            None
                        }
                    },
                }
            }
        }
    }

    /// A composite's stretch: fixed ranges (one for all channels or one per channel), or
    /// percentiles measured once per run (default 2–98 %).
    fn composite_style(&mut self, spec: Option<&RenderSpec>) -> Option<Style> {
        let empty = RenderSpec::default();
        let r = spec.unwrap_or(&empty);
        if r.ramp.is_some() || r.classes.is_some() {
            self.problem(
                "render",
                "a composite is coloured by its bands; drop `ramp` and `classes` (use `range` or `stretch`)",
            );
        }
        let before = self.problems.len();
        let (ranges, stretch) = match (&r.range, &r.stretch) {
            (Some(_), Some(_)) => {
                self.problem("render", "give either `range` or `stretch`, not both");
                return None;
            }
            (Some(RangeSpec::One(pair)), None) => {
                let range = self.range("render.range", pair)?;
                ([range; 3], None)
            }
            (Some(RangeSpec::PerChannel(pairs)), None) if pairs.len() == 3 => {
                let mut ranges = [(0.0, 1.0); 3];
                for (i, pair) in pairs.iter().enumerate() {
                    if let Some(range) = self.range(&format!("render.range[{i}]"), pair) {
                        ranges[i] = range;
                    }
                }
                (ranges, None)
            }
            (Some(RangeSpec::PerChannel(_)), None) => {
                self.problem(
                    "render.range",
                    "expected `[min, max]` for all channels or three pairs, e.g. `[[0, 0.3], [0, 0.4], [0, 0.2]]`",
                );
                return None;
            }
            (None, Some(p)) => match p.as_slice() {
                [low, high] if 0.0 <= *low && low < high && *high <= 100.0 => {
                    ([(0.0, 1.0); 3], Some((*low as f32, *high as f32)))
                }
                _ => {
                    self.problem(
                        "render.stretch",
                        "expected percentiles `[low, high]` with 0 ≤ low < high ≤ 100, e.g. `[2, 98]`",
                    );
                    return None;
                }
            },
            (None, None) => ([(0.0, 1.0); 3], Some(DEFAULT_STRETCH)),
        };
        (self.problems.len() == before).then(|| {
            Style::Composite(Composite {
                bands: Default::default(), // the product's, filled in by compile
                ranges,
                stretch,
            })
        })
    }

    fn range(&mut self, key: &str, pair: &[f64]) -> Option<(f32, f32)> {
        match pair {
            [min, max] if min < max && min.is_finite() && max.is_finite() => {
                Some((*min as f32, *max as f32))
            }
            _ => {
                self.problem(
                    key,
                    "expected `[min, max]` with min < max, e.g. `[-1.0, 1.0]`",
                );
                None
            }
        }
    }

    fn classes(&mut self, specs: &[ClassSpec]) -> Option<ClassTable> {
        if specs.is_empty() {
            self.problem("render.classes", "empty; add [[render.classes]] entries");
            return None;
        }
        if specs.len() > 255 {
            self.problem(
                "render.classes",
                format!("{} classes; at most 255 fit a palette tile", specs.len()),
            );
            return None;
        }
        let before = self.problems.len();
        let mut classes = Vec::new();
        for (i, c) in specs.iter().enumerate() {
            let key = format!("render.classes[{i}]");
            if c.min.is_some() && c.above.is_some() {
                self.problem(&key, "give `min` (≥) or `above` (>), not both");
            }
            if c.max.is_some() && c.up_to.is_some() {
                self.problem(&key, "give `max` (<) or `up_to` (≤), not both");
            }
            let min_inclusive = c.above.is_none();
            let max_inclusive = c.up_to.is_some();
            let min = c.min.or(c.above).unwrap_or(f64::NEG_INFINITY);
            let max = c.max.or(c.up_to).unwrap_or(f64::INFINITY);
            let single_value = min == max && min_inclusive && max_inclusive;
            if (min >= max && !single_value) || min.is_nan() || max.is_nan() {
                self.problem(
                    &key,
                    format!("the lower bound {min} must be below the upper bound {max}"),
                );
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
                min_inclusive,
                max_inclusive,
                color,
            });
        }
        if self.problems.len() == before {
            self.contiguous(&classes);
        }
        (self.problems.len() == before).then_some(ClassTable { classes })
    }

    /// Classes must tile the value range they cover: sorted by lower bound, each class starts
    /// where the one before ends, the shared value in exactly one of them (`max = 0` then
    /// `min = 0`, or `up_to = 0` then `above = 0`); a gap would leave values unclassified, an
    /// overlap would make the order matter.
    fn contiguous(&mut self, classes: &[Class]) {
        let mut order: Vec<usize> = (0..classes.len()).collect();
        order.sort_by(|&a, &b| {
            (classes[a].min.total_cmp(&classes[b].min))
                .then(classes[b].min_inclusive.cmp(&classes[a].min_inclusive))
        });
        for pair in order.windows(2) {
            let (a, b) = (&classes[pair[0]], &classes[pair[1]]);
            let key = format!("render.classes[{}]", pair[1]);
            let shared = a.max == b.min;
            let gap = a.max < b.min || (shared && !a.max_inclusive && !b.min_inclusive);
            let overlap = a.max > b.min || (shared && a.max_inclusive && b.min_inclusive);
            let fix = if a.max_inclusive {
                format!("make its lower bound `above = {}`", a.max)
            } else {
                format!("make its lower bound `min = {}`", a.max)
            };
            if gap || overlap {
                self.problem(
                    &key,
                    format!(
                        "{}: `{}` is {} but `{}` is {}; {fix}",
                        if gap { "gap" } else { "overlap" },
                        a.name,
                        a.interval(),
                        b.name,
                        b.interval(),
                    ),
                );
            }
        }
    }
}
