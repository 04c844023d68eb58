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
}
