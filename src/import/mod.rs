//! Importers: the result files of the host-audit, vulnerability and monitoring tools that agencies
//! already run (OpenSCAP and CIS-CAT XCCDF/ARF, Lynis, Wazuh, Greenbone/OpenVAS, Nessus), read
//! into typed values that say what the tool measured on which host and when.
//!
//! # Contract of every importer
//! * **Streaming.** Formats that can be large (ARF, XCCDF, OpenVAS, Nessus) are read with quick-xml
//!   one element at a time and hand their results to a callback per host (or per result), so memory
//!   does not grow with the file. Small formats (Lynis `report.dat`, Wazuh API responses) may be read
//!   whole through [`crate::files::read_capped`].
//! * **Hostile input.** Result files come from the hosts being judged. No DTD entity is expanded or
//!   fetched (a DOCTYPE that declares entities is refused), sizes, counts and nesting are capped by a
//!   [`Limits`], strings keep their content (control characters are stripped only when rendered, by
//!   the renderers' sanitiser), and no input makes an importer panic or recurse without bound.
//! * **Damaged files** yield an [`ImportError`] with the 1-based line and column of the damage,
//!   *after* everything complete before it was delivered, so callers can keep it as partial evidence.
//! * **The tool's own words are kept** (its result and severity names, ids, titles) next to their
//!   mapping onto the shared scales below; each importer's module docs state that mapping.
//!
//! The importers do not know the inventory: matching results to declared hosts and judging them
//! belongs to the engine.

pub mod json;
pub mod lynis;
pub mod nessus;
pub mod openvas;
pub mod wazuh;
pub mod xccdf;
pub mod xml;

use std::fmt;

/// One check's outcome, on XCCDF's scale: every tool's own result is mapped onto it (the importer's
/// docs say how). `Error`, `Unknown` and `NotChecked` never count as a pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckResult {
    Pass,
    Fail,
    #[serde(rename = "notapplicable")]
    NotApplicable,
    #[serde(rename = "notchecked")]
    NotChecked,
    Error,
    Unknown,
    Informational,
}

impl CheckResult {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckResult::Pass => "pass",
            CheckResult::Fail => "fail",
            CheckResult::NotApplicable => "notapplicable",
            CheckResult::NotChecked => "notchecked",
            CheckResult::Error => "error",
            CheckResult::Unknown => "unknown",
            CheckResult::Informational => "informational",
        }
    }
}

/// A finding's or check's severity on one shared scale; each importer states how the tool's own
/// scale (CVSS ranges, Nessus 0–4, OpenVAS threat, Wazuh severity, XCCDF severity) maps onto it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    None,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::None => "none",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// The CVSS v3 qualitative rating of a base score (0.0 none, 0.1–3.9 low, 4.0–6.9 medium,
    /// 7.0–8.9 high, 9.0–10.0 critical); `None` for a score outside 0–10 or not a number.
    pub fn from_cvss(score: f64) -> Option<Severity> {
        if !(0.0..=10.0).contains(&score) {
            return None;
        }
        Some(if score == 0.0 {
            Severity::None
        } else if score < 4.0 {
            Severity::Low
        } else if score < 7.0 {
            Severity::Medium
        } else if score < 9.0 {
            Severity::High
        } else {
            Severity::Critical
        })
    }
}

/// Caps on what one file may make an importer keep or walk through.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Longest text or attribute value kept (longer ones are cut and the cut is marked).
    pub max_text_bytes: usize,
    /// Deepest element nesting accepted.
    pub max_depth: usize,
    /// Most results (rule results, findings, warnings) kept for one host.
    pub max_results_per_host: usize,
    /// Largest file read whole (formats that are not streamed).
    pub max_file_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_text_bytes: 64 << 10, max_depth: 64, max_results_per_host: 100_000, max_file_bytes: 64 << 20 }
    }
}

/// Why an import stopped. Everything complete before the error has been delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportError {
    /// The file could not be read.
    Io(String),
    /// Not well-formed, truncated, of the wrong shape, or over a limit, at a 1-based line and column
    /// (0 when unknown).
    Malformed { line: u64, column: u64, message: String },
    /// The callback asked to stop.
    Callback(String),
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImportError::Io(e) => write!(f, "read error: {e}"),
            ImportError::Malformed { line: 0, message, .. } => f.write_str(message),
            ImportError::Malformed { line, column, message } => write!(f, "line {line}, column {column}: {message}"),
            ImportError::Callback(e) => f.write_str(e),
        }
    }
}

impl std::error::Error for ImportError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cvss_ratings_follow_the_v3_bands() {
        let bands = [(0.0, Severity::None), (0.1, Severity::Low), (3.9, Severity::Low), (4.0, Severity::Medium)];
        for (score, want) in bands {
            assert_eq!(Severity::from_cvss(score), Some(want), "{score}");
        }
        for (score, want) in
            [(6.9, Severity::Medium), (7.0, Severity::High), (8.9, Severity::High), (9.0, Severity::Critical)]
        {
            assert_eq!(Severity::from_cvss(score), Some(want), "{score}");
        }
        assert_eq!(Severity::from_cvss(10.0), Some(Severity::Critical));
        assert_eq!(Severity::from_cvss(10.1), None);
        assert_eq!(Severity::from_cvss(-1.0), None);
        assert_eq!(Severity::from_cvss(f64::NAN), None);
    }
}
