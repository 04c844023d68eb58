//! Type errors, every one: serde stops at the first value of the wrong type, so when the whole
//! file does not deserialize, each section (each scene, each band) is tried on its own and
//! every failure is reported under its key path.

use serde::de::DeserializeOwned;

use super::raw::{BandSpec, OutputSpec, ProductSpec, RenderSpec, SceneSpec, TilingSpec};
use super::Problem;

/// Every type error in `table`, each under its key path; empty if every section is well typed.
pub(super) fn type_errors(table: &toml::Table) -> Vec<Problem> {
    let mut problems = Vec::new();
    for (key, value) in table {
        match key.as_str() {
            "name" | "title" | "description" | "attribution" => {
                check::<String>(key, value, &mut problems)
            }
            "scenes" => match value.as_table() {
                Some(scenes) => {
                    for (name, scene) in scenes {
                        self::scene(&format!("scenes.{name}"), scene, &mut problems);
                    }
                }
                None => problems.push(Problem {
                    key: key.clone(),
                    message: "must be tables: [scenes.NAME]".into(),
                }),
            },
            "product" => check::<ProductSpec>(key, value, &mut problems),
            "render" => check::<RenderSpec>(key, value, &mut problems),
            "tiling" => check::<TilingSpec>(key, value, &mut problems),
            "output" => check::<OutputSpec>(key, value, &mut problems),
            // Unknown keys are reported by compile once the types are right.
            _ => {}
        }
    }
    problems
}

/// A scene: each band on its own (an untagged band says nothing useful about what failed),
/// then the rest of the scene.
fn scene(key: &str, value: &toml::Value, problems: &mut Vec<Problem>) {
    let mut value = value.clone();
    if let Some(toml::Value::Table(bands)) = value.as_table_mut().and_then(|t| t.remove("bands")) {
        for (name, band) in &bands {
            if BandSpec::deserialize_value(band).is_err() {
                problems.push(Problem {
                    key: format!("{key}.bands.{name}"),
                    message: format!(
                        "{} is not a band: give a band number (`{name} = 4`), a file \
                         (`{name} = \"B04.tif\"`) or a table (`{name} = {{ file = \"…\", band = 1, scale = 0.0001 }}`)",
                        describe(band)
                    ),
                });
            }
        }
    }
    check::<SceneSpec>(key, &value, problems);
}

impl BandSpec {
    fn deserialize_value(value: &toml::Value) -> Result<BandSpec, toml::de::Error> {
        value.clone().try_into()
    }
}

/// Deserializes `value` as `T`, reporting each failure under `key` and the path inside it:
/// after one, the failing entry is dropped and the rest tried again, so every wrong value
/// of the section is reported.
fn check<T: DeserializeOwned>(key: &str, value: &toml::Value, problems: &mut Vec<Problem>) {
    let mut value = value.clone();
    // Each round drops one entry; a section has tens at most.
    for round in 0..64 {
        let Err(e) = serde_path_to_error::deserialize::<_, T>(value.clone()) else {
            return;
        };
        let message = explained(e.inner().message().trim_end());
        // A required entry dropped by an earlier round is not the analyst's mistake.
        if round > 0 && message.starts_with("missing field") {
            return;
        }
        let segments: Vec<String> = e
            .path()
            .iter()
            .map(|s| s.to_string())
            .filter(|s| !s.is_empty() && s != "?")
            .collect();
        let full = std::iter::once(key.to_string())
            .chain(segments.iter().cloned())
            .collect::<Vec<_>>()
            .join(".");
        problems.push(Problem { key: full, message });
        if !remove(&mut value, &segments) {
            return;
        }
    }
}

/// serde's message for a value that fits no form of an either-or key, replaced by the forms.
fn explained(message: &str) -> String {
    const FORMS: [(&str, &str); 7] = [
        (
            "RangeSpec",
            "`[min, max]`, or for a composite three `[min, max]` pairs",
        ),
        (
            "ZoomSpec",
            "`\"auto\"`, a level (`12`), `\"10-14\"` or `[10, 14]`",
        ),
        (
            "MaskSpec",
            "`\"scl\"`, `\"qa_pixel\"` or a table like `{ scl = [3, 8, 9] }`",
        ),
        (
            "ClassesSpec",
            "a shipped table's name (`\"dnbr-usgs\"`) or [[render.classes]] entries",
        ),
        (
            "CompositeSpec",
            "a composite's name (`\"true-color\"`) or three band names",
        ),
        (
            "GridSpec",
            "a scene's name or `{ crs = \"EPSG:…\", resolution = … }`",
        ),
        (
            "FilesSpec",
            "a list of files (`[\"a.tif\", \"b.tif\"]`, an entry may be `{ file = \"a.tif\", datetime = \"2025-01-06\" }`) or a glob pattern (`\"granules/*.tif\"`)",
        ),
    ];
    for (name, forms) in FORMS {
        if message.ends_with(&format!("untagged enum {name}")) {
            return format!("expected {forms}");
        }
    }
    message.to_string()
}

/// Removes the entry at `path` (table keys) from `value`; false if there is none.
fn remove(value: &mut toml::Value, path: &[String]) -> bool {
    match path {
        [] => false,
        [last] => value.as_table_mut().and_then(|t| t.remove(last)).is_some(),
        [first, rest @ ..] => value
            .as_table_mut()
            .and_then(|t| t.get_mut(first))
            .is_some_and(|v| remove(v, rest)),
    }
}

/// A value as written, shortened for a message.
fn describe(value: &toml::Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 40 {
        format!("`{}…`", text.chars().take(40).collect::<String>())
    } else {
        format!("`{text}`")
    }
}
