//! `${NAME}` substitution in pipeline files, through an injectable environment so tests do not
//! touch the process environment.

/// Where `${NAME}` values come from.
pub trait Environment {
    fn var(&self, name: &str) -> Option<String>;
}

/// The process environment.
pub struct ProcessEnvironment;

impl Environment for ProcessEnvironment {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
}

impl Environment for std::collections::HashMap<String, String> {
    fn var(&self, name: &str) -> Option<String> {
        self.get(name).cloned()
    }
}

/// [`substitute`] in every string value of a parsed pipeline (keys and comments untouched);
/// names without a value are appended to `missing`.
pub(super) fn substitute_values(
    table: &mut toml::Table,
    env: &dyn Environment,
    missing: &mut Vec<String>,
) {
    fn walk(value: &mut toml::Value, env: &dyn Environment, missing: &mut Vec<String>) {
        match value {
            toml::Value::String(s) => {
                let (text, names) = substitute(s, env);
                *s = text;
                missing.extend(names);
            }
            toml::Value::Array(items) => items.iter_mut().for_each(|v| walk(v, env, missing)),
            toml::Value::Table(t) => t.iter_mut().for_each(|(_, v)| walk(v, env, missing)),
            _ => {}
        }
    }
    table.iter_mut().for_each(|(_, v)| walk(v, env, missing));
}

/// Replaces every `${NAME}` with its value; `$${` escapes a literal `${`. Returns the text and
/// the names that had no value (left in place, reported by compile).
pub(super) fn substitute(text: &str, env: &dyn Environment) -> (String, Vec<String>) {
    let mut out = String::with_capacity(text.len());
    let mut missing = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        if rest[..start].ends_with('$') {
            out.push_str(&rest[..start - 1]);
            out.push_str("${");
            rest = &rest[start + 2..];
            continue;
        }
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find('}') {
            Some(end) => {
                let name = &after[..end];
                match env.var(name) {
                    Some(value) => out.push_str(&value),
                    None => {
                        missing.push(name.to_string());
                        out.push_str(&rest[start..start + 3 + end]);
                    }
                }
                rest = &after[end + 1..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    (out, missing)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn substitutes_known_and_reports_missing_variables() {
        let env = HashMap::from([("DATA".to_string(), "/mnt/eo".to_string())]);
        let (text, missing) =
            substitute("a = \"${DATA}/x\"\nb = \"${NOPE}\"\nc = \"$${DATA}\"", &env);
        assert_eq!(text, "a = \"/mnt/eo/x\"\nb = \"${NOPE}\"\nc = \"${DATA}\"");
        assert_eq!(missing, vec!["NOPE"]);
    }

    #[test]
    fn values_are_substituted_as_data_not_as_toml() {
        let env = HashMap::from([
            ("DIR".to_string(), "C:\\temp\\new".to_string()),
            ("Q".to_string(), "x\"\nname = \"injected".to_string()),
        ]);
        let loaded = super::super::parse(
            std::path::Path::new("p.toml"),
            "# ${UNSET} in a comment is a comment\ntitle = \"${DIR}\"\ndescription = \"${Q}\"\n",
            &env,
        )
        .expect("parses");
        assert_eq!(loaded.spec.title.as_deref(), Some("C:\\temp\\new"));
        assert_eq!(
            loaded.spec.description.as_deref(),
            Some("x\"\nname = \"injected")
        );
        assert_eq!(loaded.spec.name, None, "a value added a key");
        assert!(
            loaded.unresolved_variables.is_empty(),
            "{:?}",
            loaded.unresolved_variables
        );
    }
}
