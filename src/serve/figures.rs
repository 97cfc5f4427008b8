//! What a submission's views need, computed once when it is received and stored beside its bytes
//! (views never re-read reports): the tallies the national figures are built from — the very
//! [`ReportTally`] `aggregate` computes — and a short record of each system and its controls.

use super::records::Stored;
use crate::aggregate::input::Loaded;
use crate::aggregate::tally::ReportTally;
use crate::engine::{Basis, Status};
use crate::inventory::ApprovalStatus;
use crate::report::Deployment;
use crate::report::verify::Verified;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredFigures {
    pub tally: ReportTally,
    pub systems: Vec<SystemRecord>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SystemRecord {
    pub id: String,
    pub name: String,
    pub level: u8,
    pub catalogue: String,
    pub approval: ApprovalStatus,
    pub compliant: bool,
    pub fully_implemented: bool,
    pub deployment: Deployment,
    pub controls_measured: usize,
    /// Required controls `fail` or `unknown`.
    pub missing_controls: Vec<String>,
    pub controls: Vec<ControlRecord>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ControlRecord {
    pub id: String,
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub basis: Option<Basis>,
    /// The findings that explain the status, as the report states them (at most
    /// [`MAX_FINDINGS`]; the stored report holds them all).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<serde_json::Value>,
    /// How many findings the report lists, when more than were kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub findings_total: Option<usize>,
}

/// Findings kept per control for the system view: enough to explain it, bounded so one noisy
/// scan cannot make every view of the agency slow.
pub const MAX_FINDINGS: usize = 100;

/// The findings of a report, read apart from the verification (which skips them unparsed).
#[derive(Deserialize)]
struct FindingsReport {
    agencies: Vec<FindingsAgency>,
}

#[derive(Deserialize)]
struct FindingsAgency {
    systems: Vec<FindingsSystem>,
}

#[derive(Deserialize)]
struct FindingsSystem {
    controls: Vec<FindingsControl>,
}

#[derive(Deserialize)]
struct FindingsControl {
    findings: Vec<serde_json::Value>,
}

impl StoredFigures {
    /// The figures of a verified report; `bytes` are the report's (for its findings).
    pub fn of(v: &Verified, bytes: &[u8]) -> StoredFigures {
        let a = v.agency();
        // Verified already: the bytes are a report of one agency with these systems and controls.
        let findings = serde_json::from_slice::<FindingsReport>(bytes).ok().and_then(|r| r.agencies.into_iter().next());
        let mut found = findings.map(|f| f.systems.into_iter());
        let systems = a
            .systems
            .iter()
            .map(|s| {
                let mut controls = found.as_mut().and_then(Iterator::next).map(|f| f.controls.into_iter());
                SystemRecord {
                    id: s.id.to_string(),
                    name: s.name.to_string(),
                    level: s.level,
                    catalogue: s.catalogue.to_string(),
                    approval: s.approval,
                    compliant: s.compliant,
                    fully_implemented: s.fully_implemented,
                    deployment: s.deployment,
                    controls_measured: s.controls_measured(),
                    missing_controls: s.missing().map(str::to_string).collect(),
                    controls: s
                        .controls
                        .iter()
                        .map(|c| {
                            let mut findings =
                                controls.as_mut().and_then(Iterator::next).map(|f| f.findings).unwrap_or_default();
                            let total = findings.len();
                            findings.truncate(MAX_FINDINGS);
                            let findings_total = (total > MAX_FINDINGS).then_some(total);
                            ControlRecord {
                                id: c.id.to_string(),
                                status: c.status,
                                basis: c.basis,
                                findings,
                                findings_total,
                            }
                        })
                        .collect(),
                }
            })
            .collect();
        StoredFigures { tally: ReportTally::of(&a.systems), systems }
    }

    pub fn read(s: &Stored) -> Result<StoredFigures, super::store::StoreError> {
        serde_json::from_str(&s.figures)
            .map_err(|e| super::store::StoreError::Corrupt(format!("figures of submission {}: {e}", s.id)))
    }
}

/// A stored submission as `aggregate`'s loaded report, so the national figures are built by
/// `aggregate`'s own code; the submission id stands where `aggregate` names the file.
pub fn loaded(s: &Stored, f: StoredFigures) -> Result<Loaded, super::store::StoreError> {
    let written = crate::dates::parse_datetime(&s.generated_at)
        .map_err(|_| super::store::StoreError::Corrupt(format!("submission {}: generated_at", s.id)))?;
    Ok(Loaded {
        file: s.id.clone(),
        agency: s.agency.clone(),
        agency_name: s.agency_name.clone(),
        generated_at: s.generated_at.clone(),
        written,
        period: s.period.clone(),
        tally: f.tally,
        signed_by: Some(s.agency.clone()),
        digest: s.digest.clone(),
    })
}
