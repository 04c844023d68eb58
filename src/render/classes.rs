use super::Rgba;

/// One class: values in `[min, max)` get `color`. An open end is ±infinity.
#[derive(Debug, Clone, PartialEq)]
pub struct Class {
    pub name: String,
    pub min: f32,
    pub max: f32,
    pub color: Rgba,
}

impl Class {
    /// The value range for people: `< -0.25`, `0.1 – 0.27`, `≥ 0.66`.
    pub fn range_label(&self) -> String {
        let (min, max) = (self.min, self.max);
        match (min.is_finite(), max.is_finite()) {
            (false, true) => format!("< {max}"),
            (true, false) => format!("≥ {min}"),
            (true, true) => format!("{min} – {max}"),
            (false, false) => "all values".into(),
        }
    }
}

/// Classes in the order the analyst wrote them; the first class containing a value wins.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassTable {
    pub classes: Vec<Class>,
}

impl ClassTable {
    pub fn class_of(&self, value: f32) -> Option<usize> {
        self.classes
            .iter()
            .position(|c| value >= c.min && value < c.max)
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

    pub fn color_of(&self, value: f32) -> Option<Rgba> {
        self.class_of(value).map(|i| self.classes[i].color)
    }
}
