//! Finding a preset's band files in a product folder (`.SAFE`, a Landsat scene folder).

use std::path::{Path, PathBuf};

use super::sensor::BandDef;
use super::CatalogError;

/// Folders of a product that hold no band files but files whose names end like one
/// (`QI_DATA/MSK_DETFOO_B02.jp2`).
const SKIPPED_DIRS: &[&str] = &["QI_DATA", "AUX_DATA", "preview", "support", "annotation"];

pub(super) fn collect_rasters(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    for path in paths {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if path.is_dir() {
            if depth < 6 && !SKIPPED_DIRS.iter().any(|s| s.eq_ignore_ascii_case(&name)) {
                collect_rasters(&path, depth + 1, out);
            }
        } else if let Some((_, ext)) = name.rsplit_once('.') {
            if ["tif", "tiff", "jp2"]
                .iter()
                .any(|e| e.eq_ignore_ascii_case(ext))
            {
                out.push(path);
            }
        }
    }
}

/// How well `file` matches `def`: `Some(resolution in m)` (0 when the name has none) if its
/// name ends with the band's token (optionally followed by a resolution like `_10m`), or — for
/// Sentinel-1 names such as `s1a-iw-grd-vv-…-001.tiff` — contains it as a whole part.
fn match_resolution(def: &BandDef, file: &Path) -> Option<u32> {
    let stem = file.file_stem()?.to_string_lossy().to_ascii_uppercase();
    let mut parts: Vec<&str> = stem.split(['_', '-', '.']).collect();
    let resolution = parts
        .last()
        .and_then(|p| p.strip_suffix('M'))
        .and_then(|n| n.parse::<u32>().ok());
    if resolution.is_some() {
        parts.pop();
    }
    let token: Vec<&str> = def.file_token.split('_').collect();
    if parts.ends_with(&token) {
        return Some(resolution.unwrap_or(0));
    }
    let sentinel1 = stem.starts_with("S1");
    (sentinel1 && token.len() == 1 && parts.contains(&token[0])).then_some(0)
}

pub(super) fn pick(
    def: &BandDef,
    files: &[PathBuf],
    dir: &Path,
) -> Result<Option<PathBuf>, CatalogError> {
    let mut candidates: Vec<(u32, &PathBuf)> = files
        .iter()
        .filter_map(|f| match_resolution(def, f).map(|r| (r, f)))
        .collect();
    candidates.sort();
    match candidates.as_slice() {
        [] => Ok(None),
        [(_, only)] => Ok(Some((*only).clone())),
        [(a, first), (b, second), ..] if a == b => Err(CatalogError::Files {
            problem: format!(
                "two files for band `{}` under {}: {} and {}; keep one or map the band by hand",
                def.id,
                dir.display(),
                first.display(),
                second.display()
            ),
        }),
        [(_, best), ..] => Ok(Some((*best).clone())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::sensor::band;

    fn def(token: &'static str) -> BandDef {
        band("x", token, token)
    }

    #[test]
    fn file_names_match_their_band_only() {
        let m = |token, name: &str| match_resolution(&def(token), Path::new(name));
        assert_eq!(m("B04", "T30TXR_20200622T105631_B04.jp2"), Some(0));
        assert_eq!(m("B04", "T30TXR_20200622T105631_B04_10m.jp2"), Some(10));
        assert_eq!(m("B04", "T30TXR_20200622T105631_B04_20m.jp2"), Some(20));
        assert_eq!(m("B04", "B04.tif"), Some(0));
        assert_eq!(m("B04", "T30TXR_20200622T105631_B02.jp2"), None);
        assert_eq!(
            m("B1", "LT05_L1TP_167055_20000309_20161214_01_T1_B10.TIF"),
            None
        );
        assert_eq!(
            m(
                "SR_B4",
                "LC08_L2SP_224078_20200127_20200823_02_T1_SR_B4.TIF"
            ),
            Some(0)
        );
        assert_eq!(
            m(
                "SR_B4",
                "LC08_L2SP_224078_20200127_20200823_02_T1_ST_B4.TIF"
            ),
            None
        );
        assert_eq!(
            m("QA_PIXEL", "LC08_L2SP_224078_02_T1_QA_PIXEL.TIF"),
            Some(0)
        );
        assert_eq!(
            m(
                "VV",
                "s1a-iw-grd-vv-20200708t182643-20200708t182708-033367-03ddaa-001.tiff"
            ),
            Some(0)
        );
        assert_eq!(
            m(
                "VV",
                "s1a-iw-grd-vh-20200708t182643-20200708t182708-033367-03ddaa-002.tiff"
            ),
            None
        );
    }
}
