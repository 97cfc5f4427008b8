//! The CI gate's judgement of one system: which required controls stop a deployment, either
//! outright (`--fail-on any|fail`) or as regressions against a baseline report (`--fail-on new`).
//!
//! A gate must never pass on nothing. Before any verdict, [`usable_evidence`] insists that
//! something about the system's assets was actually measured: attestations alone, an empty
//! evidence file (nmap or probe records) or evidence about other hosts are refused, not read as
//! "no findings".

use crate::engine::Status;
use crate::report::{Report, SystemReport};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Largest baseline report read.
pub const MAX_BASELINE_BYTES: u64 = 256 << 20;

/// A required control that stops the deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocker {
    pub control: String,
    pub status: Status,
    /// Its status in the baseline (`None`: the baseline did not require it). Only set in
    /// regression mode.
    pub before: Option<Status>,
}

/// Why a baseline report cannot be compared against. Each names the file.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("{}: {source}", file.display())]
    Read { file: PathBuf, source: crate::files::ReadError },
    #[error("{}:{}:{}: not a tuanthu report ({source})", file.display(), source.line(), source.column())]
    NotJson { file: PathBuf, source: serde_json::Error },
    /// The `schema` found (sanitised when shown).
    #[error("{}: schema `{}` is not {}", file.display(), crate::sanitize::one_line(found), crate::report::SCHEMA)]
    Schema { file: PathBuf, found: String },
    /// `agency/system` is not in it.
    #[error("{}: the baseline has no system `{system}`", file.display())]
    NoSystem { file: PathBuf, system: String },
    #[error(
        "{}: the baseline measured nothing about `{system}` (evidence_judged 0): it cannot show what regressed",
        file.display()
    )]
    NothingMeasured { file: PathBuf, system: String },
}

/// Why no verdict can be given: the gate then fails closed (exit 2).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoVerdict {
    /// Evidence files without a record (their names).
    #[error("empty evidence file: {} (a gate never passes on nothing)", .0.join(", "))]
    EmptyEvidence(Vec<String>),
    /// Nothing about the system's own assets could be judged (its id).
    #[error(
        "no usable evidence about `{0}`: no scan or probe record of its declared assets could be judged \
         (missing, stale, unreachable, or about other hosts); a gate never passes on nothing"
    )]
    NoUsableEvidence(String),
}

impl NoVerdict {
    /// The message in both languages (`Display` is the English one).
    pub fn text(&self) -> crate::i18n::Text {
        match self {
            NoVerdict::EmptyEvidence(files) => {
                let files = files.join(", ");
                crate::text!(
                    "empty evidence file: {files} (a gate never passes on nothing)",
                    "tệp bằng chứng rỗng: {files} (cổng kiểm tra không bao giờ đạt khi không có gì)"
                )
            }
            NoVerdict::NoUsableEvidence(id) => crate::text!(
                "no usable evidence about `{id}`: no scan or probe record of its declared assets could be judged (missing, stale, unreachable, or about other hosts); a gate never passes on nothing",
                "không có bằng chứng dùng được về `{id}`: không bản ghi quét hay đo nào về tài sản đã khai báo của hệ thống đánh giá được (thiếu, quá cũ, không kết nối được, hoặc về máy khác); cổng kiểm tra không bao giờ đạt khi không có gì"
            ),
        }
    }
}

/// The system's statuses in an earlier report.
#[derive(Debug, Clone)]
pub struct Baseline {
    pub file: String,
    pub generated_at: String,
    pub level: u8,
    pub catalogue: String,
    /// Required control → its status there.
    pub controls: BTreeMap<String, Status>,
}

#[derive(Deserialize)]
struct ReportDoc {
    schema: String,
    generated_at: String,
    agencies: Vec<AgencyDoc>,
}

#[derive(Deserialize)]
struct AgencyDoc {
    id: String,
    systems: Vec<SystemDoc>,
}

#[derive(Deserialize)]
struct SystemDoc {
    id: String,
    level: u8,
    catalogue: String,
    controls: Vec<ControlDoc>,
    /// Absent in reports written before tuanthu recorded it.
    #[serde(default)]
    evidence_judged: Option<usize>,
}

#[derive(Deserialize)]
struct ControlDoc {
    id: String,
    /// Typed: a hand-edited status (`"PASS"`, `"ok"`) makes the baseline unusable rather than
    /// silently "not satisfied", which would hide every regression of that control.
    status: Status,
}

impl Baseline {
    /// Reads `agency/system` from a `tuanthu/report/v1` file. A baseline that cannot be read, is
    /// not a report, or does not hold the system is an error: comparing against nothing would
    /// make every failure look old.
    pub fn load(path: &Path, agency: &str, system: &str) -> Result<Baseline, BaselineError> {
        let file = || path.to_path_buf();
        let bytes = crate::files::read_capped(path, MAX_BASELINE_BYTES)
            .map_err(|source| BaselineError::Read { file: file(), source })?;
        let doc: ReportDoc =
            serde_json::from_slice(&bytes).map_err(|source| BaselineError::NotJson { file: file(), source })?;
        if doc.schema != crate::report::SCHEMA {
            return Err(BaselineError::Schema { file: file(), found: doc.schema });
        }
        let found = doc
            .agencies
            .into_iter()
            .filter(|a| a.id == agency)
            .flat_map(|a| a.systems)
            .find(|s| s.id == system)
            .ok_or_else(|| BaselineError::NoSystem { file: file(), system: format!("{agency}/{system}") })?;
        if found.evidence_judged == Some(0) {
            // Everything there was unknown: every failure now would look old.
            return Err(BaselineError::NothingMeasured { file: file(), system: format!("{agency}/{system}") });
        }
        Ok(Baseline {
            file: path.display().to_string(),
            generated_at: doc.generated_at,
            level: found.level,
            catalogue: found.catalogue,
            controls: found.controls.into_iter().map(|c| (c.id, c.status)).collect(),
        })
    }
}

/// Why no verdict can be given: the gate then fails closed (exit 2).
pub fn usable_evidence(report: &Report, system: &SystemReport) -> Result<(), NoVerdict> {
    let empty: Vec<String> = report.inputs.iter().filter(|i| i.records == Some(0)).map(|i| i.file.clone()).collect();
    if !empty.is_empty() {
        return Err(NoVerdict::EmptyEvidence(empty));
    }
    if system.evidence_judged == 0 {
        return Err(NoVerdict::NoUsableEvidence(system.id.clone()));
    }
    Ok(())
}

/// A system's required controls with their statuses, as the gate judges them.
pub fn required(system: &SystemReport) -> impl Iterator<Item = (&str, Status)> {
    system.controls.iter().map(|c| (&*c.id, c.status))
}

/// Required controls whose status matches `fails` (e.g. fail or unknown).
pub fn blockers<'a>(
    controls: impl IntoIterator<Item = (&'a str, Status)>,
    fails: impl Fn(Status) -> bool,
) -> Vec<Blocker> {
    controls
        .into_iter()
        .filter(|(_, s)| fails(*s))
        .map(|(id, status)| Blocker { control: id.to_string(), status, before: None })
        .collect()
}

/// The system's level went down since the baseline: fewer controls are required, so a gate on
/// regressions alone would pass a deployment that simply asks less of itself.
pub fn level_lowered(system: &SystemReport, baseline: &Baseline) -> bool {
    system.level < baseline.level
}

/// Regressions against the baseline: required controls now `fail` or `unknown` that were
/// `pass`, `waived` or `not_applicable` there, or that the baseline did not require at all (a
/// control new to the system's profile has never been shown to hold). Controls already failing in
/// the baseline are not regressions.
pub fn regressions<'a>(controls: impl IntoIterator<Item = (&'a str, Status)>, baseline: &Baseline) -> Vec<Blocker> {
    controls
        .into_iter()
        .filter(|(_, s)| s.is_missing())
        .filter_map(|(id, status)| {
            let before = baseline.controls.get(id).copied();
            let was_satisfied = before.is_none_or(Status::is_satisfied);
            was_satisfied.then(|| Blocker { control: id.to_string(), status, before })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn baseline(controls: &[(&str, &str)]) -> Baseline {
        Baseline {
            file: "b.json".into(),
            generated_at: "2026-10-01T00:00:00Z".into(),
            level: 3,
            catalogue: "tt12-2022".into(),
            controls: controls
                .iter()
                .map(|(a, b)| (a.to_string(), serde_json::from_value(serde_json::Value::from(*b)).unwrap()))
                .collect(),
        }
    }

    #[test]
    fn only_changes_for_the_worse_are_regressions() {
        let b = baseline(&[("A", "pass"), ("B", "fail"), ("C", "waived"), ("D", "not_applicable"), ("E", "unknown")]);
        let now = [
            ("A", Status::Fail),
            ("B", Status::Fail),
            ("C", Status::Unknown),
            ("D", Status::Pass),
            ("E", Status::Unknown),
            ("F", Status::Fail),
        ];
        let r: Vec<(String, Option<Status>)> =
            regressions(now, &b).into_iter().map(|x| (x.control, x.before)).collect();
        let want = [("A", Some(Status::Pass)), ("C", Some(Status::Waived)), ("F", None)];
        assert_eq!(r, want.map(|(c, b)| (c.to_string(), b)));
    }

    #[test]
    fn blockers_follow_the_fail_on_test() {
        let now = [("A", Status::Fail), ("B", Status::Unknown), ("C", Status::Waived), ("D", Status::NotApplicable)];
        let ids = |v: Vec<Blocker>| v.into_iter().map(|b| b.control).collect::<Vec<_>>();
        assert_eq!(ids(blockers(now, |s| matches!(s, Status::Fail | Status::Unknown))), ["A", "B"]);
        assert_eq!(ids(blockers(now, |s| s == Status::Fail)), ["A"]);
    }
}
