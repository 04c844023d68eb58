//! REPORT: what `validate`, `plan`, `search` and a failed command print — typed documents that write
//! themselves as text (for people) or JSON (for schedulers). A run's own summary is
//! [`crate::job::Summary`].

mod failure;
mod plan;
mod search;
mod validate;

pub use failure::FailureReport;
pub use plan::PlanReport;
pub use search::{FoundItem, SearchReport, SearchedScene};
pub use validate::ValidateReport;

/// A report as the command prints it: one JSON document, or text.
pub fn render<R: serde::Serialize + std::fmt::Display>(report: &R, json: bool) -> String {
    if json {
        // A typed report always serialises; the fallback keeps a broken one visible (and
        // still one JSON document).
        let doc = serde_json::to_string(report)
            .unwrap_or_else(|e| serde_json::json!({ "error": e.to_string() }).to_string());
        format!("{doc}\n")
    } else {
        report.to_string()
    }
}
