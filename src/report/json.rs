//! `--format json`: the `tuanthu/report/v1` document (see `reports/report-v1.schema.json`).
//!
//! Strings are written as received (scanned text included) — JSON escaping makes control
//! characters inert, and consumers must sanitise before display, as the spec says.

use super::render::{Json, Render, json};
use super::{Glossary, RenderError, Report};

impl Render<Report> for Json {
    fn render(&self, report: &Report, _: &Glossary) -> Result<Vec<u8>, RenderError> {
        json(report, "the report")
    }
}
