//! Bands by description (`nir = "B08"`): the number of the band a file describes so, as
//! `gdalinfo` shows it under `Description = …`.

use std::collections::HashMap;

use gdal::Metadata;

/// Each file's band descriptions, read once however many bands are looked up in it.
#[derive(Default)]
pub struct BandDescriptions {
    files: HashMap<String, Result<Vec<String>, String>>,
}

impl BandDescriptions {
    /// The 1-based number of the band of `location` described as `description`: the exact
    /// description, else the one that matches ignoring case. Why not, for the analyst.
    pub fn number_of(&mut self, location: &str, description: &str) -> Result<usize, String> {
        let read = self
            .files
            .entry(location.to_string())
            .or_insert_with(|| read(location));
        let described = read.as_ref().map_err(Clone::clone)?;
        let matching = |same: &dyn Fn(&str) -> bool| -> Vec<usize> {
            (described.iter().enumerate())
                .filter(|(_, d)| same(d))
                .map(|(i, _)| i + 1)
                .collect()
        };
        let mut found = matching(&|d| d == description);
        if found.is_empty() {
            found = matching(&|d| d.eq_ignore_ascii_case(description));
        }
        match found.as_slice() {
            [one] => Ok(*one),
            [] if described.iter().all(String::is_empty) => Err(format!(
                "no band of {location} is described as `{description}`: its bands have no \
                 descriptions; give the band's number instead"
            )),
            [] => Err(format!(
                "no band of {location} is described as `{description}`; its bands are: {}",
                (described.iter().enumerate())
                    .map(|(i, d)| format!("{} `{d}`", i + 1))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            several => Err(format!(
                "bands {several:?} of {location} are all described as `{description}`; give the \
                 band's number instead"
            )),
        }
    }
}

fn read(location: &str) -> Result<Vec<String>, String> {
    let dataset = super::open(location).map_err(|e| e.to_string())?;
    (1..=dataset.raster_count())
        .map(|b| {
            let band = dataset.rasterband(b).map_err(|e| e.to_string())?;
            Ok(band.description().unwrap_or_default())
        })
        .collect()
}
