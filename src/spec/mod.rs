//! The pipeline file format (`pipelines/*.toml`): the one place that knows it.
//!
//! Loading is three steps, as in vector's config compiler: [`load`] parses the raw serde
//! [`PipelineSpec`] (collecting unknown keys instead of stopping at the first), [`compile`]
//! checks what the file says on its own into a [`Draft`] without opening anything else, and
//! [`Draft::finish`] checks the rest against the scenes `catalog::resolve` found, reporting
//! every problem of both at once. The runner calls the three (`runner::load_plan`).

mod compile;
mod env;
mod error;
mod raw;
mod sections;

pub use compile::{compile, Draft, Overrides};
pub use env::{Environment, ProcessEnvironment};
pub use error::{Problem, SpecError};
pub use raw::PipelineSpec;

use std::path::Path;

/// A parsed pipeline file with the keys it did not recognise.
#[derive(Debug)]
pub struct LoadedSpec {
    pub spec: PipelineSpec,
    pub unknown_keys: Vec<String>,
    pub unresolved_variables: Vec<String>,
}

/// The largest pipeline file read.
pub const MAX_PIPELINE_BYTES: u64 = 1 << 20;

/// Reads and parses a pipeline file, substituting `${NAME}` from `env`.
pub fn load(path: &Path, env: &dyn Environment) -> Result<LoadedSpec, SpecError> {
    use std::io::Read;
    let read_error = |source| SpecError::Read {
        path: path.to_path_buf(),
        source,
    };
    // At most one byte past the limit is read, so /dev/zero or a mistaken multi-GB file
    // costs nothing.
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_PIPELINE_BYTES + 1).read_to_end(&mut bytes))
        .map_err(read_error)?;
    if bytes.len() as u64 > MAX_PIPELINE_BYTES {
        return Err(SpecError::Syntax {
            path: path.to_path_buf(),
            message: format!(
                "larger than {} KiB; a pipeline file is a few KiB of TOML — is this the right file?",
                MAX_PIPELINE_BYTES >> 10
            ),
        });
    }
    let text = String::from_utf8(bytes).map_err(|_| SpecError::Syntax {
        path: path.to_path_buf(),
        message: "not UTF-8 text; a pipeline file is TOML".into(),
    })?;
    parse(path, &text, env)
}

/// Parses pipeline text; `path` is only used in messages.
pub fn parse(path: &Path, text: &str, env: &dyn Environment) -> Result<LoadedSpec, SpecError> {
    let syntax = |e: toml::de::Error| SpecError::Syntax {
        path: path.to_path_buf(),
        message: e.to_string().trim_end().to_string(),
    };
    // `${NAME}` is replaced inside string values only, after parsing: a value cannot add
    // keys or break quoting (`C:\temp\new` stays as written), and comments are left alone.
    let (text, unresolved_variables) = if text.contains("${") {
        let mut table: toml::Table = toml::from_str(text).map_err(syntax)?;
        let mut missing = Vec::new();
        env::substitute_values(&mut table, env, &mut missing);
        let text = toml::to_string(&table).map_err(|e| SpecError::Syntax {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        (std::borrow::Cow::Owned(text), missing)
    } else {
        (std::borrow::Cow::Borrowed(text), Vec::new())
    };
    let mut unknown_keys = Vec::new();
    let deserializer = toml::Deserializer::new(&text);
    let spec: PipelineSpec = match serde_ignored::deserialize(deserializer, |key| {
        unknown_keys.push(clean_path(&key.to_string()));
    }) {
        Ok(spec) => spec,
        Err(e) => {
            // A value of the wrong type: report every one, section by section, if the text
            // is valid TOML (else the syntax error, with its line and column).
            let problems = toml::from_str::<toml::Table>(&text)
                .map(|table| sections::type_errors(&table))
                .unwrap_or_default();
            if problems.is_empty() {
                return Err(syntax(e));
            }
            return Err(SpecError::Invalid {
                path: path.to_path_buf(),
                problems,
            });
        }
    };
    Ok(LoadedSpec {
        spec,
        unknown_keys,
        unresolved_variables,
    })
}

/// A key path as serde_ignored writes it, without the `?` it puts for optional tables:
/// `product.?.indx` is `product.indx`.
fn clean_path(path: &str) -> String {
    path.split('.')
        .filter(|segment| *segment != "?")
        .collect::<Vec<_>>()
        .join(".")
}

#[cfg(test)]
mod tests;
