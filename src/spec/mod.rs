//! The pipeline file format (`pipelines/*.toml`): the one place that knows it.
//!
//! Loading is two steps, as in vector's config compiler: [`load`] parses the raw serde
//! [`PipelineSpec`] (collecting unknown keys instead of stopping at the first), then
//! [`compile`] checks everything and reports every problem at once.

mod compile;
mod env;
mod error;
mod raw;

pub use compile::{compile, Overrides};
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

/// Reads and parses a pipeline file, substituting `${NAME}` from `env`.
pub fn load(path: &Path, env: &dyn Environment) -> Result<LoadedSpec, SpecError> {
    let text = std::fs::read_to_string(path).map_err(|source| SpecError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse(path, &text, env)
}

/// Parses pipeline text; `path` is only used in messages.
pub fn parse(path: &Path, text: &str, env: &dyn Environment) -> Result<LoadedSpec, SpecError> {
    let (text, unresolved_variables) = env::substitute(text, env);
    let mut unknown_keys = Vec::new();
    let deserializer = toml::Deserializer::new(&text);
    let spec: PipelineSpec = serde_ignored::deserialize(deserializer, |key| {
        unknown_keys.push(key.to_string());
    })
    .map_err(|e| SpecError::Syntax {
        path: path.to_path_buf(),
        message: e.to_string().trim_end().to_string(),
    })?;
    Ok(LoadedSpec {
        spec,
        unknown_keys,
        unresolved_variables,
    })
}

/// [`load`] then [`compile`]: the validated plan of a pipeline file.
pub fn load_plan(
    path: &Path,
    env: &dyn Environment,
    overrides: &Overrides,
) -> Result<crate::plan::Plan, SpecError> {
    let loaded = load(path, env)?;
    compile(path, loaded, overrides)
}

#[cfg(test)]
mod tests;
