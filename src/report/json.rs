//! `--format json`: the `tuanthu/report/v1` document (see `reports/report-v1.schema.json`).
//!
//! Strings are written as received (scanned text included) — JSON escaping makes control
//! characters inert, and consumers must sanitise before display, as the spec says.

use super::Report;

/// Serialises a report as pretty JSON with a trailing newline.
pub fn render(report: &Report) -> Result<String, serde_json::Error> {
    let mut s = serde_json::to_string_pretty(report)?;
    s.push('\n');
    Ok(s)
}
