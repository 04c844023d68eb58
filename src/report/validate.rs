//! `aftermath validate`: the pipeline and its inputs are usable.

use std::fmt;
use std::path::Path;

use serde::Serialize;

use crate::job::Job;
use crate::tiling::ZoomRange;

#[derive(Debug, Serialize)]
pub struct ValidateReport {
    pub status: &'static str,
    pub pipeline: String,
    pub product: String,
    pub scenes: Vec<String>,
    pub zooms: ZoomRange,
    pub warnings: Vec<String>,
}

impl ValidateReport {
    pub fn new(pipeline: &Path, job: &Job) -> Self {
        ValidateReport {
            status: "ok",
            pipeline: pipeline.display().to_string(),
            product: job.plan.product.name().to_string(),
            scenes: job.inputs.iter().map(|i| i.name.clone()).collect(),
            zooms: job.zooms,
            warnings: job.plan.warnings.clone(),
        }
    }
}

impl fmt::Display for ValidateReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{}: ok ({} of {}, zooms {})",
            self.pipeline,
            self.product,
            self.scenes.join(" → "),
            self.zooms
        )
    }
}
