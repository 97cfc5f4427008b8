//! What the engine concludes: per system, a status for every required control and obligation,
//! each explained by findings. Renderers and the aggregate read these types; nothing here is
//! computed twice.

use crate::inventory::ApprovalStatus;
use crate::policy::rules::Severity;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The status of one required control (or obligation) for one system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pass,
    Fail,
    Unknown,
    Waived,
    NotApplicable,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Unknown => "unknown",
            Status::Waived => "waived",
            Status::NotApplicable => "not_applicable",
        }
    }

    /// Counts toward `compliant`: pass, waived, not applicable.
    pub fn is_satisfied(self) -> bool {
        matches!(self, Status::Pass | Status::Waived | Status::NotApplicable)
    }

    /// Missing: fail or unknown — what reports list as a system's missing controls, what
    /// `--fail-on any` and the gate fail on. The one place this is decided.
    pub fn is_missing(self) -> bool {
        matches!(self, Status::Fail | Status::Unknown)
    }
}

/// Every required control is pass, waived or not applicable. A system without any required
/// control (which a valid profile never yields) is not compliant: nothing was shown.
pub fn compliant(mut statuses: impl Iterator<Item = Status>) -> bool {
    let mut any = false;
    statuses.all(|s| {
        any = true;
        s.is_satisfied()
    }) && any
}

/// What decided a control's status (spec: "Basis"): a measurement, an attestation, both, or
/// nothing (unknown). A waived control keeps the basis of the status beneath the waiver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// A rule over measured evidence failed it, or measured sufficiency passed it.
    Measured,
    /// An attestation (or a recorded assessment, or an inventory record such as an incident)
    /// decided it.
    Attested,
    /// It passes on an attestation, and measured sufficiency alone would also pass it.
    Both,
    /// Nothing decided it: unknown.
    None,
}

impl Basis {
    pub fn as_str(self) -> &'static str {
        match self {
            Basis::Measured => "measured",
            Basis::Attested => "attested",
            Basis::Both => "both",
            Basis::None => "none",
        }
    }

    /// Counts toward `controls_measured`: measured or both.
    pub fn is_measured(self) -> bool {
        matches!(self, Basis::Measured | Basis::Both)
    }
}

/// What a single finding says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Evidence shows the requirement is not met.
    Fail,
    /// Evidence the control needs is missing, stale or could not be measured.
    Unknown,
    /// Evidence supports the control (shown so that a pass can be audited).
    Pass,
    /// Context that changes nothing (an expired waiver, a skipped rule...).
    Info,
}

/// One reason behind a status.
impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Fail => "fail",
            Outcome::Unknown => "unknown",
            Outcome::Pass => "pass",
            Outcome::Info => "info",
        }
    }
}

/// Who speaks in a finding: a rule, or — where no rule could — the evidence itself. Reports
/// write it as one string (the spec's `rule` field): the rule's id or the evidence's name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Source {
    /// A rule, by id (shared with the loaded rule).
    Rule(Arc<str>),
    /// The system's attestation of the control, or its absence (`attestation`).
    Attestation,
    /// A waiver of the control (`waiver`).
    Waiver,
    /// The level profile: none for the system's catalogue and level (`profile`).
    Profile,
    /// The catalogue: the control is not in it (`catalogue`).
    Catalogue,
    /// The control's measured sufficiency, and why measurement falls short (`measured`).
    Measured,
    /// Nothing shows the control at all (`evidence`).
    Evidence,
    /// Evidence of this kind (`nmap`, `tls`, `host-audit` …) is missing or unusable for every
    /// rule that needed it.
    Kind(&'static str),
}

impl Source {
    pub fn as_str(&self) -> &str {
        match self {
            Source::Rule(id) => id,
            Source::Attestation => "attestation",
            Source::Waiver => "waiver",
            Source::Profile => "profile",
            Source::Catalogue => "catalogue",
            Source::Measured => "measured",
            Source::Evidence => "evidence",
            Source::Kind(kind) => kind,
        }
    }

    /// The rule's id, when a rule speaks.
    pub fn rule(&self) -> Option<&str> {
        match self {
            Source::Rule(id) => Some(id),
            _ => None,
        }
    }
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Source {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Compares with the string reports write (`f.rule == "attestation"`), for readers of reports
/// and tests.
impl PartialEq<str> for Source {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Source {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[derive(Debug, Clone)]
pub struct Finding {
    /// The rule that found it, or the evidence that speaks for itself.
    pub rule: Source,
    pub outcome: Outcome,
    pub severity: Option<Severity>,
    /// `ip:port/proto`, a URL or `host:port`; absent for system-wide evidence.
    pub asset: Option<String>,
    pub message: super::messages::Message,
    /// File and record the finding came from (`scan.xml#host=10.10.1.5`, `inventory.yaml:42:7`).
    pub evidence: Option<String>,
    /// Facts the rule asked to show (`show:`), e.g. the product and version seen.
    pub observed: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct WaiverUse {
    pub reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approved_by: Option<String>,
    pub expires: String,
}

#[derive(Debug, Clone)]
pub struct ControlResult {
    /// The catalogue's id, shared with it and with every other system's verdict on the control.
    pub id: Arc<str>,
    pub status: Status,
    /// What decided `status` (for a waived control: the status beneath the waiver).
    pub basis: Basis,
    /// When `status` is `waived`: what it would have been.
    pub waived_status: Option<Status>,
    pub waiver: Option<WaiverUse>,
    /// Added to the profile by tailoring.
    pub tailored: bool,
    pub findings: Vec<Finding>,
    /// The catalogue's verification marking of the control (how far its text was checked).
    pub verification: Option<Arc<str>>,
    /// What that marking means for a finding, when it weakens it (e.g. a secondary paraphrase).
    pub caveat: Option<Arc<crate::i18n::Text>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TailoringEntry {
    pub control: String,
    pub action: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub file: String,
}

/// Where a Decree 85 system stands in the 12-month move to Decree 331, as the report shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TransitionState {
    /// Evaluated under the old regime before the deadline: the new measures are not due yet.
    Pending,
    /// Evaluated under the new regime before the deadline: what the system would miss.
    Preview,
    /// Evaluated under the new regime after the deadline: the gap is non-compliance.
    Ended,
    /// Still evaluated under the old regime after the deadline (a declared `catalogue:`).
    Overdue,
}

/// A control or duty of the new regime that the system does not yet meet.
#[derive(Debug, Clone, Serialize)]
pub struct GapEntry {
    pub control: String,
    pub status: Status,
    /// A decree duty (reported beside the controls) rather than a control.
    pub obligation: bool,
    /// Ids of the same requirement in the old catalogue; empty = a new requirement.
    pub counterparts: Vec<String>,
    /// Those the system attests as implemented under the old catalogue.
    pub attested_counterparts: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct TransitionResult {
    pub from: String,
    pub to: String,
    pub deadline: time::Date,
    pub basis: crate::i18n::Text,
    pub state: TransitionState,
    /// Present when the system was evaluated under the new regime.
    pub gap: Option<Vec<GapEntry>>,
}

#[derive(Debug, Clone)]
pub struct SystemResult {
    pub id: String,
    pub name: String,
    pub level: u8,
    pub catalogue: String,
    pub catalogue_rule: super::regime::Rule,
    pub catalogue_reason: crate::i18n::Text,
    pub approval: ApprovalStatus,
    pub controls: Vec<ControlResult>,
    pub obligations: Vec<ControlResult>,
    /// Controls and duties the law leaves optional at this level: never counted toward `compliant`.
    pub optional: Vec<ControlResult>,
    pub tailoring: Vec<TailoringEntry>,
    pub transition: Option<TransitionResult>,
    pub registration: Registration,
    /// Rule judgements over measured evidence (nmap, TLS and HTTP records of the system's assets,
    /// pass or fail). Zero means nothing about the system was measured: attestations alone.
    pub evidence_judged: usize,
}

/// What the inventory registers about a system beyond its level and approval status: the columns
/// of the yearly return (Decree 331 form Mẫu 08) and where the entry is written, so renderers
/// (Mẫu 08, SARIF locations) need not read the inventory again.
#[derive(Debug, Clone, Serialize)]
pub struct Registration {
    /// The inventory file, line and column of the system's entry.
    pub source: SourceLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approval_decision: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approval_date: Option<String>,
    /// The decision issuing the system's security regulation (quy chế bảo đảm an toàn).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub regulation: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_approval: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_completion: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub assessments: Vec<AssessmentRecord>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SourceLocation {
    pub file: String,
    pub line: u64,
    pub column: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct AssessmentRecord {
    pub kind: crate::inventory::AssessmentKind,
    pub date: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
}

impl Registration {
    pub fn of(s: &crate::inventory::System) -> Registration {
        let date = |d: Option<time::Date>| d.map(crate::dates::format);
        Registration {
            source: SourceLocation { file: s.origin.file.clone(), line: s.origin.line, column: s.origin.column },
            owner: s.owner.clone(),
            operator: s.operator.clone(),
            approval_decision: s.approval.decision.clone(),
            approval_date: date(s.approval.date),
            regulation: s.regulation.clone(),
            expected_approval: date(s.expected_approval),
            expected_completion: date(s.expected_completion),
            assessments: s
                .assessments
                .iter()
                .map(|a| AssessmentRecord { kind: a.kind, date: crate::dates::format(a.date), by: a.by.clone() })
                .collect(),
        }
    }
}

impl SystemResult {
    /// Every required control is pass, waived or not applicable (one definition for writers and
    /// verifiers: [`crate::report::figures`]).
    pub fn compliant(&self) -> bool {
        compliant(self.controls.iter().map(|c| c.status))
    }

    pub fn approved(&self) -> bool {
        self.approval == ApprovalStatus::Approved
    }

    /// Compliant and approved: the ministry's "approved plan fully implemented".
    pub fn fully_implemented(&self) -> bool {
        self.compliant() && self.approved()
    }
}

#[derive(Debug, Clone)]
pub struct AgencyResult {
    pub id: String,
    pub name: String,
    pub systems: Vec<SystemResult>,
}

/// A host seen up in evidence that matches no registered asset.
#[derive(Debug, Clone, Serialize)]
pub struct UnregisteredAsset {
    pub address: String,
    pub seen_in: String,
    pub open_ports: Vec<String>,
}

/// An evidence file that went into the evaluation.
#[derive(Debug, Clone, Serialize)]
pub struct InputInfo {
    pub file: String,
    pub kind: &'static str,
    pub partial: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub observed_at: Option<String>,
    pub hosts_matched: usize,
    /// Records read: probe records of an evidence file, hosts of an nmap file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub records: Option<usize>,
    /// A caveat about the input that is not an error (e.g. an interrupted scan).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// `error` and `note` in both languages; the report keeps them in its own ([`InputInfo::in_lang`]).
    #[serde(skip)]
    pub texts: InputTexts,
}

/// An input's error and note in both languages.
#[derive(Debug, Clone, Default)]
pub struct InputTexts {
    pub error: Option<crate::i18n::Text>,
    pub note: Option<crate::i18n::Text>,
}

impl InputInfo {
    /// An input with `texts`, its `error` and `note` in English until [`InputInfo::in_lang`].
    pub fn with(texts: InputTexts) -> InputInfo {
        InputInfo {
            file: String::new(),
            kind: "",
            partial: false,
            error: texts.error.as_ref().map(|t| t.en.clone()),
            observed_at: None,
            hosts_matched: 0,
            records: None,
            note: texts.note.as_ref().map(|t| t.en.clone()),
            texts,
        }
    }

    /// Sets `error` and `note` (English until then) in `lang`.
    pub fn in_lang(mut self, lang: crate::i18n::Lang) -> InputInfo {
        self.error = self.texts.error.as_ref().map(|t| t.get(lang).to_string());
        self.note = self.texts.note.as_ref().map(|t| t.get(lang).to_string());
        self
    }
}

/// The engine's whole result.
#[derive(Debug, Clone)]
pub struct Assessment {
    pub as_of: time::Date,
    pub agencies: Vec<AgencyResult>,
    pub unregistered: Vec<UnregisteredAsset>,
    pub inputs: Vec<InputInfo>,
    pub rules_digest: String,
    pub catalogues: Vec<(String, String)>,
}
