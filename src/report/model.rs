//! The `tuanthu/report/v1` document.
//!
//! Rates are fractions in [0, 1] at full precision; a rate whose denominator is 0 is `null`.

use super::figures::{
    AgencyTally, CatalogueFigures, Deployment, MissingControl, Rate, StatusCounts, SystemFigures, rate,
};
use crate::engine::{
    Assessment, Basis, ControlResult, Finding, GapEntry, InputInfo, Status, SystemResult, TailoringEntry,
    TransitionResult, TransitionState, UnregisteredAsset,
};
use crate::i18n::Lang;
use serde::Serialize;
use std::collections::BTreeMap;

pub const SCHEMA: &str = "tuanthu/report/v1";

#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct Policy {
    pub rules_digest: String,
    pub catalogues: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema: &'static str,
    pub generated_at: String,
    pub as_of: String,
    pub period: String,
    pub lang: Lang,
    pub tool: Tool,
    pub policy: Policy,
    pub agencies: Vec<AgencyReport>,
    pub unregistered_assets: Vec<UnregisteredAsset>,
    pub inputs: Vec<InputInfo>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AgencyReport {
    pub id: String,
    pub name: String,
    pub systems_total: usize,
    pub systems_approved: usize,
    pub approval_rate: Rate,
    pub systems_compliant: usize,
    pub compliance_rate: Rate,
    pub systems_fully_implemented: usize,
    pub fully_implemented_rate: Rate,
    /// Fully implemented among approved systems.
    pub approved_compliance_rate: Rate,
    pub systems_partly_implemented: usize,
    pub systems_not_implemented: usize,
    /// Required controls decided by measurement (basis `measured` or `both`) over all systems.
    pub controls_measured: usize,
    /// `controls_measured` / required controls over all systems; `null` when there are none.
    pub measured_share: Rate,
    pub missing_controls: Vec<MissingControl>,
    /// The same figures per catalogue (regime), while agencies run both.
    pub by_catalogue: BTreeMap<String, CatalogueFigures>,
    pub systems: Vec<SystemReport>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReportFinding {
    pub rule: crate::engine::Source,
    pub outcome: crate::engine::Outcome,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<crate::policy::rules::Severity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asset: Option<String>,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub observed: BTreeMap<String, String>,
    /// The evidence was there but is too old (a stale attestation, or evidence that predates a
    /// serious incident): the terminal report asks for a renewal rather than an attestation.
    /// Not serialised: the message already says it.
    #[serde(skip)]
    pub stale: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ControlReport {
    pub id: std::sync::Arc<str>,
    pub status: Status,
    /// What decided the status: `measured`, `attested`, `both` or `none` (for a waived control,
    /// the status beneath the waiver).
    pub basis: Basis,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waived_status: Option<Status>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waiver: Option<crate::engine::WaiverUse>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub tailored: bool,
    /// The catalogue's verification marking (e.g. `primary`, `secondary`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification: Option<std::sync::Arc<str>>,
    /// What the marking means for this control's findings, when it weakens them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caveat: Option<String>,
    pub findings: Vec<ReportFinding>,
}

/// A Decree 85 system's transition to Decree 331.
#[derive(Debug, Clone, Serialize)]
pub struct TransitionReport {
    pub from: String,
    pub to: String,
    /// Last day of the 12-month transition.
    pub deadline: String,
    pub state: TransitionState,
    pub basis: String,
    /// Required controls and duties of the new regime not met yet (preview, ended); absent when
    /// the system was evaluated under the old regime.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gap: Option<Vec<GapEntry>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SystemReport {
    pub id: String,
    pub name: String,
    pub level: u8,
    pub catalogue: String,
    /// The transition rule that chose the catalogue (`decree-85-approval`, `forced`, ...).
    pub catalogue_rule: &'static str,
    pub catalogue_reason: String,
    pub approval: crate::inventory::ApprovalStatus,
    pub compliant: bool,
    pub fully_implemented: bool,
    pub deployment: Deployment,
    pub counts: StatusCounts,
    /// Required controls decided by measurement (basis `measured` or `both`).
    pub controls_measured: usize,
    /// `controls_measured` / required controls; `null` when there are none.
    pub measured_share: Rate,
    pub controls: Vec<ControlReport>,
    pub obligations: Vec<ControlReport>,
    /// Optional at this level (Law 116 Art. 10): shown, never counted toward `compliant`.
    pub optional_controls: Vec<ControlReport>,
    pub tailoring: Vec<TailoringEntry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transition: Option<TransitionReport>,
    /// The inventory's entry: where it is written and the yearly return's columns.
    pub registration: crate::engine::Registration,
    /// Rule judgements over measured evidence (scans, probes) of the system's assets; 0 = none.
    pub evidence_judged: usize,
}

impl Report {
    /// Summarises an assessment (consumed: its texts move into the report rather than being
    /// copied). `generated_at` is passed in so that tests are reproducible.
    pub fn build(a: Assessment, lang: Lang, generated_at: String) -> Report {
        Report {
            schema: SCHEMA,
            generated_at,
            as_of: crate::dates::format(a.as_of),
            period: crate::dates::reporting_period(a.as_of).to_string(),
            lang,
            tool: Tool { name: "tuanthu", version: env!("CARGO_PKG_VERSION") },
            policy: Policy { rules_digest: a.rules_digest, catalogues: a.catalogues.into_iter().collect() },
            agencies: a.agencies.into_iter().map(|ag| agency(ag.id, ag.name, ag.systems, lang)).collect(),
            unregistered_assets: a.unregistered,
            inputs: a.inputs.into_iter().map(|i| i.in_lang(lang)).collect(),
        }
    }

    pub fn systems(&self) -> impl Iterator<Item = (&AgencyReport, &SystemReport)> {
        self.agencies.iter().flat_map(|a| a.systems.iter().map(move |s| (a, s)))
    }

    /// The report's overall measured figures, over every system of every agency:
    /// (`controls_measured`, required controls, `measured_share`).
    pub fn measured(&self) -> (usize, usize, Rate) {
        let (measured, required) =
            self.systems().fold((0, 0), |(m, r), (_, s)| (m + s.controls_measured, r + s.controls.len()));
        (measured, required, rate(measured, required))
    }
}

fn agency(id: String, name: String, systems: Vec<SystemResult>, lang: Lang) -> AgencyReport {
    let figures: Vec<SystemFigures> = systems.iter().map(figures_of).collect();
    let mut tally = AgencyTally::default();
    for (s, f) in systems.iter().zip(&figures) {
        let missing = s.controls.iter().filter(|c| c.status.is_missing()).map(|c| &*c.id);
        tally.add(&s.catalogue, s.approval, f, missing);
    }
    let a = tally.finish();
    AgencyReport {
        id,
        name,
        systems_total: a.systems_total,
        systems_approved: a.systems_approved,
        approval_rate: a.approval_rate,
        systems_compliant: a.systems_compliant,
        compliance_rate: a.compliance_rate,
        systems_fully_implemented: a.systems_fully_implemented,
        fully_implemented_rate: a.fully_implemented_rate,
        approved_compliance_rate: a.approved_compliance_rate,
        systems_partly_implemented: a.systems_partly_implemented,
        systems_not_implemented: a.systems_not_implemented,
        controls_measured: a.controls_measured,
        measured_share: a.measured_share,
        missing_controls: a.missing_controls,
        by_catalogue: a.by_catalogue,
        systems: systems.into_iter().zip(figures).map(|(s, f)| system(s, f, lang)).collect(),
    }
}

/// A system's figures from its required controls' statuses ([`super::figures`], which verifiers
/// use too).
fn figures_of(s: &SystemResult) -> SystemFigures {
    SystemFigures::of(s.controls.iter().map(|c| c.status), s.approval)
        .with_bases(s.controls.iter().map(|c| Some(c.basis)))
}

fn system(s: SystemResult, f: SystemFigures, lang: Lang) -> SystemReport {
    SystemReport {
        catalogue_reason: s.catalogue_reason.get(lang).to_string(),
        id: s.id,
        name: s.name,
        level: s.level,
        catalogue: s.catalogue,
        catalogue_rule: s.catalogue_rule.as_str(),
        approval: s.approval,
        compliant: f.compliant,
        fully_implemented: f.fully_implemented,
        deployment: f.deployment,
        measured_share: f.measured_share(),
        controls_measured: f.controls_measured,
        counts: f.counts,
        controls: s.controls.into_iter().map(|c| control(c, lang)).collect(),
        obligations: s.obligations.into_iter().map(|c| control(c, lang)).collect(),
        optional_controls: s.optional.into_iter().map(|c| control(c, lang)).collect(),
        tailoring: s.tailoring,
        transition: s.transition.map(|t| transition(t, lang)),
        registration: s.registration,
        evidence_judged: s.evidence_judged,
    }
}

fn transition(t: TransitionResult, lang: Lang) -> TransitionReport {
    TransitionReport {
        from: t.from,
        to: t.to,
        deadline: crate::dates::format(t.deadline),
        state: t.state,
        basis: t.basis.get(lang).to_string(),
        gap: t.gap,
    }
}

fn control(c: ControlResult, lang: Lang) -> ControlReport {
    ControlReport {
        id: c.id,
        status: c.status,
        basis: c.basis,
        waived_status: c.waived_status,
        waiver: c.waiver,
        tailored: c.tailored,
        verification: c.verification,
        caveat: c.caveat.map(|t| t.get(lang).to_string()),
        findings: c.findings.into_iter().map(|f| finding(f, lang)).collect(),
    }
}

fn finding(f: Finding, lang: Lang) -> ReportFinding {
    use crate::engine::messages::Message;
    let stale = matches!(f.message, Message::Stale { .. } | Message::StaleAfterIncident { .. });
    ReportFinding {
        stale,
        message: f.message.render(lang),
        rule: f.rule,
        outcome: f.outcome,
        severity: f.severity,
        asset: f.asset,
        evidence: f.evidence,
        observed: f.observed,
    }
}
