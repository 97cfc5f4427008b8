//! The evidence contract: what every collector and importer writes and the engine reads
//! (`tuanthu/evidence/v1`, `docs/evidence.md`).
//!
//! Evidence is one typed record per measured target — a TLS endpoint, a URL, a host's audit, its
//! vulnerability scan, its monitoring agent — or the error that kept the target from being
//! measured. The fact names defined here are the rule language's contract: collectors and
//! importers fill these types, rules read them (as `tls.…`, `http.…`, `audit.…` …), and a record
//! read from a file is checked against them, so a misspelt or missing core fact is a problem
//! with its position rather than a rule that silently reads nothing. Facts a newer version adds
//! and this one does not name are kept under `extra`, never dropped.
//!
//! nmap results are evidence too ([`nmap`]): the hosts of a scan matched to the declared assets.
//!
//! This module does no I/O of its own beyond reading and writing evidence files; it depends on
//! nothing but the inventory (for names) so that every stage after it can depend on it.

mod agent;
mod dns;
mod error;
pub mod file;
mod host;
mod http;
pub mod json_error;
pub mod nmap;
mod record;
pub mod ssh;
mod tls;
mod vuln;
pub mod writer;

pub use agent::AgentFacts;
pub use dns::{Caa, Dmarc, DnsFacts, MtaSts, Mx, Spf};
pub use error::{ErrorClass, ProbeError};
pub use host::{Check, Counts, HostAuditFacts, HostState, References};
pub use http::{Cookie, CookieChecks, Csp, HeaderChecks, Hop, Hsts, HttpFacts, LegacyTls};
pub use record::{Facts, Record, RecordKind, Source};
pub use ssh::{EndOfLife, HostKey, SshFacts, WeakAlgorithm};
pub use tls::{CertificateFacts, ChainEntry, Negotiated, TlsFacts};
pub use vuln::{SeverityCounts, Vulnerability, VulnerabilityFacts};

/// Facts kept without a name in the contract (a newer collector's, an import's tool-specific ones).
pub type Extra = serde_json::Map<String, serde_json::Value>;

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
