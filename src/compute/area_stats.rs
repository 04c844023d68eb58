//! Areas per class and index statistics, accumulated window by window over the product grid.
//! Pure: the caller supplies each pixel's true ground area.

/// Running totals for one product raster.
#[derive(Debug, Clone, PartialEq)]
pub struct AreaStats {
    /// Per class (index = class number − 1): pixel count and area in m².
    pub classes: Vec<(u64, f64)>,
    /// Pixels with a value but in no class (only with a class table).
    pub unclassified: (u64, f64),
    pub valid: (u64, f64),
    /// Pixels of the grid without a value: nodata in an input, masked, or outside a scene.
    pub nodata: (u64, f64),
    pub min: f64,
    pub max: f64,
    sum: f64,
}

impl AreaStats {
    pub fn new(class_count: usize) -> Self {
        AreaStats {
            classes: vec![(0, 0.0); class_count],
            unclassified: (0, 0.0),
            valid: (0, 0.0),
            nodata: (0, 0.0),
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            sum: 0.0,
        }
    }

    /// Adds pixels: `values` (NaN = nodata), their class codes (0 = none, `i` = class `i`)
    /// when classified, and `area(i)` the true area of pixel `i` in m².
    pub fn add(&mut self, values: &[f32], codes: Option<&[u8]>, area: impl Fn(usize) -> f64) {
        for (i, &v) in values.iter().enumerate() {
            let a = area(i);
            if v.is_nan() {
                self.nodata.0 += 1;
                self.nodata.1 += a;
                continue;
            }
            self.valid.0 += 1;
            self.valid.1 += a;
            let v = f64::from(v);
            self.min = self.min.min(v);
            self.max = self.max.max(v);
            self.sum += v;
            if let Some(codes) = codes {
                let slot = match codes[i] {
                    0 => &mut self.unclassified,
                    c => &mut self.classes[usize::from(c) - 1],
                };
                slot.0 += 1;
                slot.1 += a;
            }
        }
    }

    /// The same totals with the classes counted again from `codes` (a sieved classification
    /// of the same pixels: only classes change, not what is valid), fed by [`ClassAreas::add`].
    pub fn with_classes(&self, classes: ClassAreas) -> AreaStats {
        AreaStats {
            classes: classes.0,
            ..self.clone()
        }
    }

    /// Mean of the valid values (unweighted by area), NaN without any.
    pub fn mean(&self) -> f64 {
        if self.valid.0 == 0 {
            f64::NAN
        } else {
            self.sum / self.valid.0 as f64
        }
    }
}

/// Pixel count and area per class (index = class number − 1), from class codes alone.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassAreas(pub Vec<(u64, f64)>);

impl ClassAreas {
    pub fn new(class_count: usize) -> Self {
        ClassAreas(vec![(0, 0.0); class_count])
    }

    /// Adds pixels of codes (0 = none), `area(i)` the true area of pixel `i` in m².
    pub fn add(&mut self, codes: &[u8], area: impl Fn(usize) -> f64) {
        for (i, &c) in codes.iter().enumerate() {
            if let Some(slot) = usize::from(c)
                .checked_sub(1)
                .and_then(|k| self.0.get_mut(k))
            {
                slot.0 += 1;
                slot.1 += area(i);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn areas_add_up_per_class_valid_and_nodata() {
        let mut s = AreaStats::new(2);
        s.add(
            &[0.1, 0.5, f32::NAN, 0.7, 9.0],
            Some(&[1, 2, 0, 2, 0]),
            |i| 10.0 + i as f64,
        );
        assert_eq!(s.classes, vec![(1, 10.0), (2, 11.0 + 13.0)]);
        assert_eq!(s.unclassified, (1, 14.0));
        assert_eq!(s.valid, (4, 10.0 + 11.0 + 13.0 + 14.0));
        assert_eq!(s.nodata, (1, 12.0));
        assert_eq!((s.min, s.max), (f64::from(0.1f32), 9.0));
        assert!((s.mean() - (0.1 + 0.5 + 0.7 + 9.0) / 4.0).abs() < 1e-6);
        let mut sieved = ClassAreas::new(2);
        sieved.add(&[2, 2, 0, 2, 0], |i| 10.0 + i as f64);
        let s = s.with_classes(sieved);
        assert_eq!(s.classes, vec![(0, 0.0), (3, 10.0 + 11.0 + 13.0)]);
        assert_eq!(s.valid, (4, 10.0 + 11.0 + 13.0 + 14.0));
    }
}
