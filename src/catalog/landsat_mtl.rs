//! Landsat Level-1 scenes from their `_MTL.txt` metadata: band files by name, and the scale and
//! offset that turn digital numbers into top-of-atmosphere reflectance.
//!
//! Reflectance ρ = (M·Q + A) / sin(sun elevation) with the MTL's REFLECTANCE_MULT/ADD_BAND_n
//! (Collection 1 and 2). Older MTLs carry radiance only: ρ = π·L·d² / (ESUN·sin(sun
//! elevation)), L = M_L·Q + A_L, with ESUN from Chander, Markham & Helder (2009), "Summary of
//! current radiometric calibration coefficients for Landsat MSS, TM, ETM+, and EO-1 ALI
//! sensors", Remote Sensing of Environment 113, Table 2, and d from EARTH_SUN_DISTANCE or,
//! without it, d = 1 − 0.01672·cos(0.9856°·(day of year − 4)).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::CatalogError;
use crate::plan::BandSource;

/// (band number, name, ESUN in W/(m²·sr·µm) or 0 where reflectance coefficients are required)
type BandTable = &'static [(u8, &'static str, f64)];

const TM: BandTable = &[
    (1, "blue", 1983.0),
    (2, "green", 1796.0),
    (3, "red", 1536.0),
    (4, "nir", 1031.0),
    (5, "swir1", 220.0),
    (7, "swir2", 83.44),
];
const ETM: BandTable = &[
    (1, "blue", 1970.0),
    (2, "green", 1842.0),
    (3, "red", 1547.0),
    (4, "nir", 1044.0),
    (5, "swir1", 225.7),
    (7, "swir2", 82.06),
];
const OLI: BandTable = &[
    (1, "coastal", 0.0),
    (2, "blue", 0.0),
    (3, "green", 0.0),
    (4, "red", 0.0),
    (5, "nir", 0.0),
    (6, "swir1", 0.0),
    (7, "swir2", 0.0),
];

fn parse(text: &str) -> HashMap<String, String> {
    text.lines()
        .filter_map(|line| line.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().trim_matches('"').to_string()))
        .collect()
}

/// Day of year of `YYYY-MM-DD`.
fn day_of_year(date: &str) -> Option<u32> {
    let mut parts = date.split('-').map(|p| p.parse::<u32>().ok());
    let (y, m, d) = (parts.next()??, parts.next()??, parts.next()??);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    Some(days.iter().take(m.checked_sub(1)? as usize).sum::<u32>() + d)
}

/// A file named in the MTL, found next to it (case-insensitively: copies often lower-case
/// the extension).
fn find(dir: &Path, name: &str) -> PathBuf {
    let exact = dir.join(name);
    if exact.exists() {
        return exact;
    }
    std::fs::read_dir(dir)
        .ok()
        .and_then(|entries| {
            entries.flatten().map(|e| e.path()).find(|p| {
                p.file_name()
                    .is_some_and(|f| f.to_string_lossy().eq_ignore_ascii_case(name))
            })
        })
        .unwrap_or(exact)
}

/// The reflective bands of the scene described by `mtl`, by name, as TOA reflectance.
pub fn landsat_bands(mtl: &Path) -> Result<Vec<(String, BandSource)>, CatalogError> {
    let bytes = std::fs::read(mtl).map_err(|source| CatalogError::Unreadable {
        path: mtl.into(),
        source,
    })?;
    let problem = |problem: String| CatalogError::Metadata {
        path: mtl.into(),
        problem,
    };
    let keys = parse(&String::from_utf8_lossy(&bytes));
    let get = |k: &str| keys.get(k).map(String::as_str);
    let number = |k: &str| -> Result<f64, CatalogError> {
        get(k)
            .ok_or_else(|| problem(format!("lacks {k}")))?
            .parse::<f64>()
            .map_err(|_| problem(format!("{k} is not a number")))
    };
    let table = match (get("SPACECRAFT_ID"), get("SENSOR_ID")) {
        (Some("LANDSAT_4" | "LANDSAT_5"), Some("TM")) => TM,
        (Some("LANDSAT_7"), Some("ETM")) => ETM,
        (Some("LANDSAT_8" | "LANDSAT_9"), _) => OLI,
        (craft, sensor) => {
            return Err(problem(format!(
                "not a Landsat TM, ETM+ or OLI scene (SPACECRAFT_ID {}, SENSOR_ID {})",
                craft.unwrap_or("missing"),
                sensor.unwrap_or("missing")
            )))
        }
    };
    let elevation = number("SUN_ELEVATION")?;
    if !(elevation > 0.0 && elevation <= 90.0) {
        return Err(problem(format!(
            "SUN_ELEVATION = {elevation}: the sun is not above the horizon, so there is no \
             top-of-atmosphere reflectance (night or a broken MTL); use another scene"
        )));
    }
    let sin_elevation = elevation.to_radians().sin();
    let distance = match number("EARTH_SUN_DISTANCE") {
        Ok(d) => d,
        Err(_) => {
            let doy = get("DATE_ACQUIRED").and_then(day_of_year).ok_or_else(|| {
                problem("lacks EARTH_SUN_DISTANCE and a DATE_ACQUIRED to derive it".into())
            })?;
            1.0 - 0.01672 * (0.9856 * (f64::from(doy) - 4.0)).to_radians().cos()
        }
    };
    let dir = mtl.parent().unwrap_or(Path::new("."));
    let mut bands = Vec::new();
    for &(n, name, esun) in table {
        let Some(file) = get(&format!("FILE_NAME_BAND_{n}")) else {
            continue;
        };
        let (scale, offset) = match (
            number(&format!("REFLECTANCE_MULT_BAND_{n}")),
            number(&format!("REFLECTANCE_ADD_BAND_{n}")),
        ) {
            (Ok(m), Ok(a)) => (m / sin_elevation, a / sin_elevation),
            _ if esun > 0.0 => {
                let k = std::f64::consts::PI * distance * distance / (esun * sin_elevation);
                (
                    number(&format!("RADIANCE_MULT_BAND_{n}"))? * k,
                    number(&format!("RADIANCE_ADD_BAND_{n}"))? * k,
                )
            }
            _ => return Err(problem(format!("lacks REFLECTANCE_MULT_BAND_{n}"))),
        };
        let location = find(dir, file).to_string_lossy().into_owned();
        let mut source = BandSource::new(location, 1);
        source.scale = scale;
        source.offset = offset;
        bands.push((name.to_string(), source));
    }
    Ok(bands)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_of_year_counts_leap_years() {
        assert_eq!(day_of_year("2010-12-18"), Some(352));
        assert_eq!(day_of_year("2000-03-09"), Some(69));
        assert_eq!(day_of_year("2001-03-09"), Some(68));
        assert_eq!(day_of_year("nonsense"), None);
    }
}
