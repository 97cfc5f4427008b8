//! The registry's types, as the rest of the pipeline sees them (checked and resolved).

use super::assets::{HostAsset, MailAsset, PortSpec, TlsAsset, UrlAsset};
use super::tailoring::Tailoring;
use serde::{Deserialize, Serialize};
use time::Date;

/// Where something was declared, for messages and evidence references.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Origin {
    pub file: String,
    pub line: u64,
    pub column: u64,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// All agencies of the loaded inventory files, in the order first seen.
#[derive(Debug, Clone, Default)]
pub struct Inventory {
    pub agencies: Vec<Agency>,
}

/// Why [`Inventory::find_system`] found no one system.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LookupError {
    #[error("no system `{0}` in the inventory")]
    NoSystem(String),
    /// Several agencies use the id: the `AGENCY/ID` forms to choose from.
    #[error("`{spec}` is ambiguous: write one of {}", candidates.join(", "))]
    Ambiguous { spec: String, candidates: Vec<String> },
}

impl Inventory {
    pub fn systems(&self) -> impl Iterator<Item = (&Agency, &System)> {
        self.agencies.iter().flat_map(|a| a.systems.iter().map(move |s| (a, s)))
    }

    /// The system `spec` names: `ID`, or `AGENCY/ID` (needed when several agencies use the id).
    pub fn find_system(&self, spec: &str) -> Result<(&Agency, &System), LookupError> {
        let (agency, id) = match spec.split_once('/') {
            Some((a, s)) => (Some(a), s),
            None => (None, spec),
        };
        let found: Vec<(&Agency, &System)> =
            self.systems().filter(|(a, s)| s.id == id && agency.is_none_or(|want| a.id == want)).collect();
        match found.as_slice() {
            [one] => Ok(*one),
            [] => Err(LookupError::NoSystem(spec.to_string())),
            many => Err(LookupError::Ambiguous {
                spec: spec.to_string(),
                candidates: many.iter().map(|(a, s)| format!("{}/{}", a.id, s.id)).collect(),
            }),
        }
    }

    /// A copy holding only `system` of `agency` (a gate evaluates, and probes, nothing else).
    pub fn only(&self, agency: &str, system: &str) -> Inventory {
        let agencies = self
            .agencies
            .iter()
            .filter(|a| a.id == agency)
            .map(|a| Agency {
                id: a.id.clone(),
                name: a.name.clone(),
                parent: a.parent.clone(),
                catalogue: a.catalogue.clone(),
                systems: a.systems.iter().filter(|s| s.id == system).cloned().collect(),
                files: a.files.clone(),
            })
            .collect();
        Inventory { agencies }
    }
}

#[derive(Debug, Clone)]
pub struct Agency {
    pub id: String,
    pub name: String,
    pub parent: Option<String>,
    /// Default catalogue of the agency's systems.
    pub catalogue: Option<String>,
    pub systems: Vec<System>,
    /// Files the agency was read from.
    pub files: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ApprovalStatus {
    Draft,
    Submitted,
    Appraised,
    Approved,
    Rejected,
}

impl ApprovalStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ApprovalStatus::Draft => "draft",
            ApprovalStatus::Submitted => "submitted",
            ApprovalStatus::Appraised => "appraised",
            ApprovalStatus::Approved => "approved",
            ApprovalStatus::Rejected => "rejected",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Approval {
    pub status: ApprovalStatus,
    pub decision: Option<String>,
    pub date: Option<Date>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AssessmentKind {
    PreOperation,
    Periodic,
}

#[derive(Debug, Clone)]
pub struct Assessment {
    pub kind: AssessmentKind,
    pub date: Date,
    pub by: Option<String>,
}

/// How an incident must be reported (Decree 331 Art. 31.2.d).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IncidentSeverity {
    /// Any incident: a report within 72 hours of detection.
    Normal,
    /// A serious incident: also a first notice within 24 hours.
    Serious,
    /// Signs of harm to national security or public order, or serious disruption of the system:
    /// reported immediately.
    Critical,
}

impl IncidentSeverity {
    pub fn as_str(self) -> &'static str {
        match self {
            IncidentSeverity::Normal => "normal",
            IncidentSeverity::Serious => "serious",
            IncidentSeverity::Critical => "critical",
        }
    }
}

/// A cybersecurity incident of the system and when it was notified and reported to the authority.
#[derive(Debug, Clone)]
pub struct Incident {
    pub id: Option<String>,
    pub detected: time::OffsetDateTime,
    pub severity: IncidentSeverity,
    /// First notice to the authority.
    pub notified: Option<time::OffsetDateTime>,
    /// The report the regime requires (Decree 331: cause, scope and remedies; Circular 20/2017:
    /// the notification).
    pub reported: Option<time::OffsetDateTime>,
    pub reference: Option<String>,
    pub origin: Origin,
}

#[derive(Debug, Clone, Default)]
pub struct Assets {
    pub hosts: Vec<HostAsset>,
    pub urls: Vec<UrlAsset>,
    pub tls: Vec<TlsAsset>,
    /// SSH endpoints (`host:port`, pinned like TLS endpoints).
    pub ssh: Vec<TlsAsset>,
    /// Mail endpoints (`host:port` and how they speak: STARTTLS or implicit TLS).
    pub mail: Vec<MailAsset>,
    /// Domains whose DNS records are checked (lower case, no trailing dot, each once).
    pub domains: Vec<String>,
    pub allowed_ports: Vec<PortSpec>,
}

impl Assets {
    /// The TLS endpoints judged by `tls` rules: the declared ones, then those the https URLs imply
    /// (a URL's own `host:port`, with its pin), then the mail endpoints (measured with their
    /// STARTTLS dialogue, written as `tls` records), each once. Collector and engine share this
    /// definition so that what is probed is exactly what is judged; the collector probes the
    /// mail endpoints among them as mail (see [`Assets::mail_at`]).
    pub fn tls_endpoints(&self) -> Vec<TlsAsset> {
        let mut out = self.tls.clone();
        for u in self.urls.iter().filter(|u| u.url.scheme() == "https") {
            let (Some(host), Some(port)) = (u.url.host_str(), u.url.port_or_known_default()) else { continue };
            let host = host.trim_start_matches('[').trim_end_matches(']');
            let t = TlsAsset { host: host.to_string(), port, address: u.address };
            if !out.iter().any(|o| o.same_endpoint(&t)) {
                out.push(t);
            }
        }
        for m in &self.mail {
            if !out.iter().any(|o| o.same_endpoint(&m.endpoint)) {
                out.push(m.endpoint.clone());
            }
        }
        out
    }

    /// The declared mail endpoint at `t`, if any: its TLS is reached through the mail protocol.
    pub fn mail_at(&self, t: &TlsAsset) -> Option<&MailAsset> {
        self.mail.iter().find(|m| m.endpoint.same_endpoint(t))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AttestationStatus {
    Implemented,
    Partial,
    Planned,
    NotImplemented,
    NotApplicable,
}

impl AttestationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AttestationStatus::Implemented => "implemented",
            AttestationStatus::Partial => "partial",
            AttestationStatus::Planned => "planned",
            AttestationStatus::NotImplemented => "not-implemented",
            AttestationStatus::NotApplicable => "not-applicable",
        }
    }
}

/// A management or non-observable control declared with evidence.
#[derive(Debug, Clone)]
pub struct Attestation {
    pub control: String,
    pub status: AttestationStatus,
    pub evidence: Option<String>,
    pub reviewed: Option<Date>,
    pub reason: Option<String>,
    pub origin: Origin,
}

/// Accepted risk, always temporary: an expired waiver counts as no waiver.
#[derive(Debug, Clone)]
pub struct Waiver {
    pub control: String,
    pub reason: String,
    pub approved_by: Option<String>,
    pub expires: Date,
    pub origin: Origin,
}

#[derive(Debug, Clone)]
pub struct System {
    pub id: String,
    pub name: String,
    pub level: u8,
    /// Catalogue named by the system itself (overrides the agency's).
    pub catalogue: Option<String>,
    pub approval: Approval,
    pub tailoring: Vec<Tailoring>,
    pub owner: Option<String>,
    pub operator: Option<String>,
    pub regulation: Option<String>,
    pub expected_approval: Option<Date>,
    pub expected_completion: Option<Date>,
    pub assessments: Vec<Assessment>,
    /// When investment or construction began (Decree 331 Art. 39.1 transition).
    pub construction_started: Option<Date>,
    /// When the system went into operation; absent = not yet.
    pub operating_since: Option<Date>,
    pub incidents: Vec<Incident>,
    pub assets: Assets,
    pub attestations: Vec<Attestation>,
    pub waivers: Vec<Waiver>,
    /// Every date the system declares (approval, assessments, construction…), with where: a date
    /// after the evaluation date is an error (see `engine::checks`).
    pub declared_dates: Vec<DeclaredDate>,
    pub origin: Origin,
}

/// A date declared in the inventory, the field that holds it and where.
#[derive(Debug, Clone)]
pub struct DeclaredDate {
    /// The field, as written (`approval.date`, `assessments.date`, `construction_started`…).
    pub field: &'static str,
    pub date: Date,
    pub origin: Origin,
}

impl System {
    pub fn attestation(&self, control: &str) -> Option<&Attestation> {
        self.attestations.iter().find(|a| a.control == control)
    }

    pub fn is_approved(&self) -> bool {
        self.approval.status == ApprovalStatus::Approved
    }
}
