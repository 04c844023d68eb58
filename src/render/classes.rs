use super::Rgba;

/// One class: values between `min` and `max` get `color`; by default `[min, max)` (as
/// `min`/`max` in a pipeline), either end may be the other way (`above` = exclusive lower
/// bound, `up_to` = inclusive upper bound). An open end is ±infinity.
#[derive(Debug, Clone, PartialEq)]
pub struct Class {
    pub name: String,
    pub min: f32,
    pub max: f32,
    /// `min` itself is in the class (true for `min`, false for `above`).
    pub min_inclusive: bool,
    /// `max` itself is in the class (false for `max`, true for `up_to`).
    pub max_inclusive: bool,
    pub color: Rgba,
}

impl Class {
    /// A `[min, max)` class.
    pub fn half_open(name: impl Into<String>, min: f32, max: f32, color: Rgba) -> Class {
        Class {
            name: name.into(),
            min,
            max,
            min_inclusive: true,
            max_inclusive: false,
            color,
        }
    }

    pub fn contains(&self, value: f32) -> bool {
        let above = if self.min_inclusive {
            value >= self.min
        } else {
            value > self.min
        };
        let below = if self.max_inclusive {
            value <= self.max
        } else {
            value < self.max
        };
        above && below
    }

    /// The value range for people: `< -0.25`, `> 0`, `0.1 – 0.27`, `≥ 0.66`; an end that is
    /// not the default shows its comparison: `0 < x ≤ 0.1`.
    pub fn range_label(&self) -> String {
        let (min, max) = (self.min, self.max);
        let (lower, upper) = (
            if self.min_inclusive { "≤" } else { "<" },
            if self.max_inclusive { "≤" } else { "<" },
        );
        let lower_ge = if self.min_inclusive { "≥" } else { ">" };
        match (min.is_finite(), max.is_finite()) {
            (false, true) => format!("{upper} {max}"),
            (true, false) => format!("{lower_ge} {min}"),
            (true, true) if self.min_inclusive && !self.max_inclusive => {
                format!("{min} – {max}")
            }
            (true, true) => format!("{min} {lower} x {upper} {max}"),
            (false, false) => "all values".into(),
        }
    }

    /// The interval in mathematical notation: `[0.1, 0.27)`, `(0, inf)`.
    pub fn interval(&self) -> String {
        format!(
            "{}{}, {}{}",
            if self.min_inclusive && self.min.is_finite() {
                '['
            } else {
                '('
            },
            self.min,
            self.max,
            if self.max_inclusive && self.max.is_finite() {
                ']'
            } else {
                ')'
            },
        )
    }
}

/// Classes in the order the analyst wrote them; the first class containing a value wins.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassTable {
    pub classes: Vec<Class>,
}

impl ClassTable {
    pub fn class_of(&self, value: f32) -> Option<usize> {
        self.classes.iter().position(|c| c.contains(value))
    }

    /// The stored codes of `values` ([`ClassTable::code_of`] of each). Classes that follow
    /// one another without gap or overlap (as the USGS dNBR table) are found by counting the
    /// breaks below a value, with no branch: on speckled values, which class matches is
    /// unpredictable, and a mispredicted branch per pixel cost more than the comparisons.
    pub fn codes(&self, values: &[f32]) -> Vec<u8> {
        match Breaks::of(self) {
            Some(breaks) => breaks.codes(values),
            None => values.iter().map(|&v| self.code_of(v)).collect(),
        }
    }

    /// The stored code of a value: 0 for nodata or no class, class `i` as `i + 1` (the
    /// palette index of tiles and the pixel value of the classified raster).
    pub fn code_of(&self, value: f32) -> u8 {
        if value.is_nan() {
            0
        } else {
            self.class_of(value).map_or(0, |c| c as u8 + 1)
        }
    }

    /// The class a stored code stands for (the inverse of [`ClassTable::code_of`]); `None`
    /// for 0 and codes beyond the table.
    pub fn class_coded(&self, code: u8) -> Option<&Class> {
        self.classes.get(usize::from(code).checked_sub(1)?)
    }

    pub fn color_of(&self, value: f32) -> Option<Rgba> {
        self.class_of(value).map(|i| self.classes[i].color)
    }
}

/// Classes that follow one another in order (each class's `max` the next one's `min`, that
/// value in exactly one of them): a value's class is the number of breaks at or below it.
struct Breaks {
    /// The first class's `min` and whether it is in the class.
    lower: (f32, bool),
    /// Each class's `max` but the last's, and whether that value is in the class above.
    cuts: Vec<(f32, bool)>,
    /// The last class's `max` and whether it is in the class.
    upper: (f32, bool),
}

impl Breaks {
    /// `None` for tables with gaps, overlaps, classes out of order, or more than 255 classes.
    fn of(table: &ClassTable) -> Option<Breaks> {
        let (first, last) = (table.classes.first()?, table.classes.last()?);
        if table.classes.len() > 255 {
            return None;
        }
        let mut cuts = Vec::with_capacity(table.classes.len() - 1);
        for pair in table.classes.windows(2) {
            let (below, above) = (&pair[0], &pair[1]);
            let follows = below.max == above.min
                && below.max_inclusive != above.min_inclusive
                && below.min < below.max
                && above.min < above.max;
            if !follows {
                return None;
            }
            cuts.push((below.max, above.min_inclusive));
        }
        if first.min >= first.max || last.min >= last.max {
            return None;
        }
        Some(Breaks {
            lower: (first.min, first.min_inclusive),
            cuts,
            upper: (last.max, last.max_inclusive),
        })
    }

    /// The codes of `values`, a break at a time over chunks of them (so the comparisons run
    /// on vectors, the chunk staying in cache).
    fn codes(&self, values: &[f32]) -> Vec<u8> {
        let ((lo, lo_in), (hi, hi_in)) = (self.lower, self.upper);
        let mut codes = vec![1u8; values.len()];
        for (codes, values) in codes.chunks_mut(4096).zip(values.chunks(4096)) {
            for &(cut, up) in &self.cuts {
                let pairs = codes.iter_mut().zip(values);
                if up {
                    pairs.for_each(|(c, &v)| *c += u8::from(v >= cut));
                } else {
                    pairs.for_each(|(c, &v)| *c += u8::from(v > cut));
                }
            }
            // Outside the outer ends, or NaN (which compares false everywhere): 0.
            for (c, &v) in codes.iter_mut().zip(values) {
                let above = if lo_in { v >= lo } else { v > lo };
                let below = if hi_in { v <= hi } else { v < hi };
                *c *= u8::from(above & below);
            }
        }
        codes
    }
}
