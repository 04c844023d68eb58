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
