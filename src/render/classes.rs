use super::Rgba;

/// One class: values in `[min, max)` get `color`. An open end is ±infinity.
#[derive(Debug, Clone, PartialEq)]
pub struct Class {
    pub name: String,
    pub min: f32,
    pub max: f32,
    pub color: Rgba,
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

    pub fn color_of(&self, value: f32) -> Option<Rgba> {
        self.class_of(value).map(|i| self.classes[i].color)
    }
}
