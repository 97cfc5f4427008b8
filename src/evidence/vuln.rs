//! `vulnerabilities` records: what a vulnerability scan (Greenbone/OpenVAS, Nessus, Wazuh
//! vulnerability detection, OVAL patch benchmarks) found open on one host.

use super::Severity;
use serde::{Deserialize, Serialize};

/// The findings of one scan of one host.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct VulnerabilityFacts {
    pub findings: Vec<Vulnerability>,
    /// Findings per severity, as the tool counted them.
    pub counts: SeverityCounts,
    /// Facts a newer import keeps that this version has no name for.
    #[serde(default, skip_serializing_if = "super::Extra::is_empty")]
    pub extra: super::Extra,
}

/// One open vulnerability.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Vulnerability {
    /// The tool's id: NVT OID, Nessus plugin id, CVE (Wazuh), advisory (OVAL).
    pub id: String,
    #[serde(default)]
    pub name: String,
    /// `443/tcp`, or absent for host-level findings.
    #[serde(default)]
    pub port: Option<String>,
    /// On the shared scale; absent when the tool gave neither a severity nor a score.
    #[serde(default)]
    pub severity: Option<Severity>,
    #[serde(default)]
    pub cvss: Option<f64>,
    #[serde(default)]
    pub cves: Vec<String>,
    /// When the tool first saw it open (RFC 3339), when the tool says.
    #[serde(default)]
    pub first_seen: Option<String>,
    #[serde(default)]
    pub solution: Option<String>,
}

/// How many findings of each severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SeverityCounts {
    pub critical: u64,
    pub high: u64,
    pub medium: u64,
    pub low: u64,
    pub none: u64,
    /// Findings without a severity.
    pub unknown: u64,
}

impl SeverityCounts {
    pub fn of<'a>(findings: impl IntoIterator<Item = &'a Vulnerability>) -> SeverityCounts {
        let mut c = SeverityCounts::default();
        for f in findings {
            *match f.severity {
                Some(Severity::Critical) => &mut c.critical,
                Some(Severity::High) => &mut c.high,
                Some(Severity::Medium) => &mut c.medium,
                Some(Severity::Low) => &mut c.low,
                Some(Severity::None) => &mut c.none,
                None => &mut c.unknown,
            } += 1;
        }
        c
    }
}
