//! The status of one control for one system, in the order the spec fixes:
//! not_applicable → fail → unknown → pass, then a valid waiver turns fail/unknown into waived.

use super::SystemCx;
use super::messages::Message;
use super::model::*;
use super::rules_eval::RuleResult;
use crate::inventory::{Attestation, AttestationStatus};
use crate::policy::catalogue::{AttestationNeed, Control};
use std::collections::{BTreeMap, HashMap};

/// The system's required controls (profile ± tailoring), each flagged when tailoring added it,
/// and the tailoring entries to show in reports.
pub fn required_controls(cx: &SystemCx) -> (Vec<(String, bool)>, Vec<TailoringEntry>) {
    let mut list: Vec<(String, bool)> = cx.profile.controls.iter().map(|c| (c.clone(), false)).collect();
    let mut entries = Vec::new();
    for t in &cx.system.tailoring {
        for (id, _) in &t.add {
            if !list.iter().any(|(c, _)| c == id) {
                list.push((id.clone(), true));
            }
            entries.push(TailoringEntry { control: id.clone(), action: "add", reason: None, file: t.file.clone() });
        }
        for (d, _) in &t.drop {
            list.retain(|(c, _)| c != &d.control);
            entries.push(TailoringEntry {
                control: d.control.clone(),
                action: "drop",
                reason: Some(d.reason.clone()),
                file: t.file.clone(),
            });
        }
    }
    (list, entries)
}

fn finding(rule: &str, outcome: Outcome, message: Message, evidence: Option<String>) -> Finding {
    Finding { rule: rule.into(), outcome, severity: None, asset: None, message, evidence, observed: BTreeMap::new() }
}

/// Judges one control (or obligation) for the system.
pub fn judge(cx: &SystemCx, id: &str, tailored: bool, rules: &HashMap<String, RuleResult>) -> ControlResult {
    let Some(control) = cx.catalogue.get(id) else {
        let msg = Message::NotInCatalogue { control: id.to_string(), catalogue: cx.catalogue.id.clone() };
        return result(id, Status::Unknown, tailored, vec![finding("catalogue", Outcome::Unknown, msg, None)]);
    };
    let att = cx.attestations.get(id).copied();
    if let Some(a) = att.filter(|a| a.status == AttestationStatus::NotApplicable) {
        let msg = Message::NotApplicable { reason: a.reason.clone().unwrap_or_default() };
        return result(
            id,
            Status::NotApplicable,
            tailored,
            vec![finding("attestation", Outcome::Info, msg, Some(a.origin.to_string()))],
        );
    }
    let mut findings = Vec::new();
    let mut rule_judged = 0usize;
    let mut rules_applicable = false;
    for r in cx.policy.rules.for_control(id).filter(|r| r.applies_at(cx.system.level)) {
        let Some(res) = rules.get(&r.id) else { continue };
        if res.not_applicable {
            continue;
        }
        rules_applicable = true;
        rule_judged += res.judged;
        for f in res.failures.iter().chain(res.unknowns.iter()) {
            if !findings.iter().any(|g: &Finding| same_finding(g, f)) {
                findings.push(f.clone());
            }
        }
    }
    findings.extend(attestation_findings(cx, control, att));
    let status = decide(control, &findings, att_passes(&findings), rules_applicable, rule_judged);
    if status == Status::Unknown && findings.iter().all(|f| f.outcome != Outcome::Unknown) {
        findings.push(finding("evidence", Outcome::Unknown, Message::NoEvidence, None));
    }
    apply_waiver(cx, id, status, tailored, findings)
}

/// Two rules fed by the same missing scan report the same gap; show it once.
fn same_finding(a: &Finding, b: &Finding) -> bool {
    a.rule == b.rule
        && a.outcome == b.outcome
        && a.asset == b.asset
        && a.message == b.message
        && a.evidence == b.evidence
}

fn att_passes(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.rule == "attestation" && f.outcome == Outcome::Pass)
}

fn decide(control: &Control, findings: &[Finding], attested: bool, rules_applicable: bool, judged: usize) -> Status {
    if findings.iter().any(|f| f.outcome == Outcome::Fail) {
        return Status::Fail;
    }
    if findings.iter().any(|f| f.outcome == Outcome::Unknown && f.rule != "attestation") {
        return Status::Unknown;
    }
    match control.evidence.attestation {
        AttestationNeed::Required if attested => Status::Pass,
        AttestationNeed::Required => Status::Unknown,
        // Rules alone may pass it, but only when they judged at least one record.
        AttestationNeed::Optional if attested || (rules_applicable && judged > 0) => Status::Pass,
        AttestationNeed::Optional => Status::Unknown,
    }
}

/// What the attestation says, as findings: pass, fail or unknown (and why).
fn attestation_findings(cx: &SystemCx, control: &Control, att: Option<&Attestation>) -> Vec<Finding> {
    let Some(a) = att else {
        if control.evidence.attestation == AttestationNeed::Required {
            return vec![finding("attestation", Outcome::Unknown, Message::NoAttestation, None)];
        }
        return Vec::new();
    };
    match a.status {
        AttestationStatus::Partial | AttestationStatus::Planned | AttestationStatus::NotImplemented => {
            vec![finding("attestation", Outcome::Fail, Message::AttestedAs(a.status), Some(a.origin.to_string()))]
        }
        AttestationStatus::NotApplicable => Vec::new(),
        AttestationStatus::Implemented => vec![implemented(cx, control, a)],
    }
}

/// An `implemented` attestation passes only with an evidence reference and a review date that is
/// neither in the future nor older than the control's validity period.
fn implemented(cx: &SystemCx, control: &Control, a: &Attestation) -> Finding {
    let at = Some(a.origin.to_string());
    let unknown = |m: Message| finding("attestation", Outcome::Unknown, m, at.clone());
    let Some(evidence) = a.evidence.as_deref() else {
        return unknown(Message::NoEvidenceReference);
    };
    let Some(reviewed) = a.reviewed else {
        return unknown(Message::NoReviewDate);
    };
    if reviewed > cx.as_of {
        return unknown(Message::ReviewedAfterEvaluation { reviewed });
    }
    let months = control.validity_months(cx.system.level, cx.catalogue.defaults.validity_months);
    let until = crate::dates::add_months(reviewed, months);
    if until < cx.as_of {
        return unknown(Message::Stale { reviewed, months, until });
    }
    finding("attestation", Outcome::Pass, Message::Implemented { evidence: evidence.to_string(), reviewed }, at)
}

/// A waiver that has not expired turns fail/unknown into waived; an expired one is shown and
/// changes nothing.
fn apply_waiver(cx: &SystemCx, id: &str, status: Status, tailored: bool, mut findings: Vec<Finding>) -> ControlResult {
    let waivers = cx.system.waivers.iter().filter(|w| w.control == id);
    let mut valid = None;
    for w in waivers {
        if w.expires >= cx.as_of {
            valid = valid.or(Some(w));
        } else {
            findings.push(finding(
                "waiver",
                Outcome::Info,
                Message::WaiverExpired { expires: w.expires },
                Some(w.origin.to_string()),
            ));
        }
    }
    let mut r = result(id, status, tailored, findings);
    if let (Some(w), Status::Fail | Status::Unknown) = (valid, status) {
        r.waived_status = Some(status);
        r.status = Status::Waived;
        r.waiver = Some(WaiverUse {
            reason: w.reason.clone(),
            approved_by: w.approved_by.clone(),
            expires: crate::dates::format(w.expires),
        });
    }
    r
}

fn result(id: &str, status: Status, tailored: bool, findings: Vec<Finding>) -> ControlResult {
    ControlResult { id: id.to_string(), status, waived_status: None, waiver: None, tailored, findings }
}
