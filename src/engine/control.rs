//! The status of one control for one system, in the order the spec fixes:
//! not_applicable → fail → unknown → pass, then a valid waiver turns fail/unknown into waived.

use super::SystemCx;
use super::judge::RuleResult;
use super::messages::Message;
use super::model::*;
use crate::inventory::{Attestation, AttestationStatus, IncidentSeverity};
use crate::policy::catalogue::{AttestationNeed, Control, RenewEvent, Renewal};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use time::Date;

/// What a system must and may show: the profile's required and optional controls after
/// tailoring, each flagged when tailoring added it, and the tailoring entries to show in reports.
pub struct Selection {
    pub required: Vec<(String, bool)>,
    pub optional: Vec<String>,
    pub tailoring: Vec<TailoringEntry>,
}

impl Selection {
    /// A profile's lists before tailoring.
    pub fn of(profile: &crate::policy::Profile) -> Selection {
        Selection {
            required: profile.controls.iter().map(|c| (c.clone(), false)).collect(),
            optional: profile.optional.clone(),
            tailoring: Vec::new(),
        }
    }

    /// Tailoring adds `id`: required (flagged as added), no longer optional. Adding an optional
    /// control makes it required: the owner chose to demand it.
    pub fn add(&mut self, id: &str, file: &str) {
        self.optional.retain(|c| c != id);
        if !self.required.iter().any(|(c, _)| c == id) {
            self.required.push((id.to_string(), true));
        }
        self.tailoring.push(TailoringEntry { control: id.to_string(), action: "add", reason: None, file: file.into() });
    }

    /// Tailoring drops `id` (with its reason, shown in every report).
    pub fn drop(&mut self, id: &str, reason: &str, file: &str) {
        self.required.retain(|(c, _)| c != id);
        self.optional.retain(|c| c != id);
        self.tailoring.push(TailoringEntry {
            control: id.to_string(),
            action: "drop",
            reason: Some(reason.to_string()),
            file: file.into(),
        });
    }
}

/// Applies the system's tailoring to its profile, file by file (adds, then drops), as
/// [`Selection`] does for verifiers replaying a report's tailoring list. Ids the evaluated
/// catalogue does not know (tailoring written for the other regime, met in a `--catalogue`
/// preview) do not apply and are not shown.
pub fn required_controls(cx: &SystemCx) -> Selection {
    let mut sel = Selection::of(cx.profile);
    let known = |id: &str| cx.catalogue.get(id).is_some();
    for t in &cx.system.tailoring {
        for (id, _) in t.add.iter().filter(|(id, _)| known(id)) {
            sel.add(id, &t.file);
        }
        for (d, _) in t.drop.iter().filter(|(d, _)| known(&d.control)) {
            sel.drop(&d.control, &d.reason, &t.file);
        }
    }
    sel
}

fn finding(rule: Source, outcome: Outcome, message: Message, evidence: Option<String>) -> Finding {
    Finding { rule, outcome, severity: None, asset: None, message, evidence, observed: BTreeMap::new() }
}

/// How many of the controls still to judge read each rule's findings. The last reader takes the
/// findings rather than copying them, so a rule that speaks for one control (most do) has its
/// findings moved into it; a rule shared by several controls is copied for all but the last.
pub struct Readers<'a> {
    left: HashMap<&'a str, usize>,
}

impl<'a> Readers<'a> {
    /// Counts the reads [`judge`] will make for the controls `ids`, in any order: every rule of a
    /// control of the catalogue that applies at the system's level, unless an attestation makes
    /// the control not applicable (it is then decided without its rules).
    pub fn count<'i>(cx: &SystemCx<'a>, ids: impl Iterator<Item = &'i str>) -> Readers<'a> {
        let mut left: HashMap<&'a str, usize> = HashMap::new();
        for id in ids.filter(|id| cx.catalogue.get(id).is_some()) {
            let att = cx.attestations.get(id).copied();
            if att.is_some_and(|a| a.status == AttestationStatus::NotApplicable) {
                continue;
            }
            for r in cx.policy.rules.for_control(id).filter(|r| r.applies_at(cx.system.level)) {
                *left.entry(&*r.id).or_default() += 1;
            }
        }
        Readers { left }
    }

    /// One read of `rule`'s findings: whether it is the last (the reader may then take them).
    fn read(&mut self, rule: &str) -> bool {
        match self.left.get_mut(rule) {
            Some(n) => {
                *n = n.saturating_sub(1);
                *n == 0
            }
            // Not counted: never taken, so a miscount can only cost a copy.
            None => false,
        }
    }
}

/// Judges one control (or obligation) for the system, with the catalogue's verification marking
/// and its caveat, so that every report can say how far the requirement's text was checked.
pub fn judge(
    cx: &SystemCx,
    id: &str,
    tailored: bool,
    rules: &mut HashMap<Arc<str>, RuleResult>,
    readers: &mut Readers,
) -> ControlResult {
    let Some(control) = cx.catalogue.get(id) else {
        let msg = Message::NotInCatalogue { control: id.to_string(), catalogue: cx.catalogue.id.clone() };
        return result(
            &Arc::from(id),
            Status::Unknown,
            tailored,
            vec![finding(Source::Catalogue, Outcome::Unknown, msg, None)],
        );
    };
    let mut r = judge_control(cx, control, tailored, rules, readers);
    r.verification = Some(Arc::clone(&control.verification));
    r.caveat = cx.catalogue.caveat(control).cloned();
    r
}

/// The findings of one control, each kept once: two rules fed by the same missing scan report
/// the same gap. Findings are grouped by a hash of their rule and asset, so that each is compared
/// with the few that could be the same: a tarpit host gives tens of thousands of findings,
/// compared pairwise otherwise.
#[derive(Default)]
struct Distinct {
    findings: Vec<Finding>,
    by_rule_asset: HashMap<u64, Vec<usize>>,
}

impl Distinct {
    /// Adds `f` unless an equal finding is already there; `f` is copied only when added.
    fn add(&mut self, f: std::borrow::Cow<'_, Finding>) {
        use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
        let key = BuildHasherDefault::<DefaultHasher>::default().hash_one((&f.rule, &f.asset));
        let same = self.by_rule_asset.entry(key).or_default();
        if !same.iter().any(|&i| same_finding(&self.findings[i], &f)) {
            same.push(self.findings.len());
            self.findings.push(f.into_owned());
        }
    }
}

fn judge_control(
    cx: &SystemCx,
    control: &Control,
    tailored: bool,
    rules: &mut HashMap<Arc<str>, RuleResult>,
    readers: &mut Readers,
) -> ControlResult {
    use std::borrow::Cow;
    let id = &*control.id;
    let att = cx.attestations.get(id).copied();
    if let Some(a) = att.filter(|a| a.status == AttestationStatus::NotApplicable) {
        let msg = Message::NotApplicable { reason: a.reason.clone().unwrap_or_default() };
        return result(
            &control.id,
            Status::NotApplicable,
            tailored,
            vec![finding(Source::Attestation, Outcome::Info, msg, Some(a.origin.to_string()))],
        );
    }
    // Before the findings are taken: it reads the rules' notes.
    let measured = measured_sufficiency(cx, control, rules);
    let mut distinct = Distinct::default();
    for r in cx.policy.rules.for_control(id).filter(|r| r.applies_at(cx.system.level)) {
        let last = readers.read(&r.id);
        let Some(res) = rules.get_mut(&r.id) else { continue };
        if res.not_applicable {
            continue;
        }
        if last {
            let taken = [&mut res.failures, &mut res.unknowns, &mut res.notes].map(std::mem::take);
            taken.into_iter().flatten().for_each(|f| distinct.add(Cow::Owned(f)));
        } else {
            res.failures.iter().chain(&res.unknowns).chain(&res.notes).for_each(|f| distinct.add(Cow::Borrowed(f)));
        }
    }
    let mut findings = distinct.findings;
    findings.extend(attestation_findings(cx, control, att));
    let attested = att_passes(&findings);
    let status = decide(control, &findings, attested, measured.is_ok());
    if status == Status::Unknown && findings.iter().all(|f| f.outcome != Outcome::Unknown) {
        match &measured {
            Err(Some(why)) => findings.push(finding(Source::Measured, Outcome::Unknown, why.clone().into(), None)),
            _ => findings.push(finding(Source::Evidence, Outcome::Unknown, Message::NoEvidence, None)),
        }
    }
    let basis = basis(cx, status, &findings, attested, measured.is_ok());
    let mut r = apply_waiver(cx, &control.id, status, tailored, findings);
    r.basis = basis;
    r
}

/// Whether measurement alone passes the control (its catalogue entry's `measured:`): every
/// declared host measured clean, with fresh evidence, by at least one of the control's rules of
/// the declared kinds, and nothing of those rules unmeasured on it. `Err(None)`: the control
/// declares no measured sufficiency; `Err(Some(why))`: it does, and this is why it falls short.
fn measured_sufficiency(
    cx: &SystemCx,
    control: &Control,
    rules: &HashMap<Arc<str>, RuleResult>,
) -> Result<(), Option<crate::i18n::Text>> {
    use crate::i18n::Text;
    let Some(m) = &control.evidence.measured else { return Err(None) };
    let short = |en: String, vi: String| {
        Err(Some(Text::new(
            format!("measurement can pass this control without an attestation, but {en}"),
            format!("kết quả đo có thể chứng minh biện pháp này mà không cần tự khai, nhưng {vi}"),
        )))
    };
    if cx.units.is_empty() && cx.unit_gaps.is_empty() {
        return short("the system declares no host".into(), "hệ thống không khai báo máy nào".into());
    }
    if let Some((net, _)) = cx.unit_gaps.first() {
        return short(
            format!("no host of the declared network {net} was seen, so not every host can be shown"),
            format!("không thấy máy nào của mạng đã khai báo {net} nên không chứng minh được mọi máy"),
        );
    }
    let measuring: Vec<(&crate::policy::rules::Rule, &RuleResult)> = cx
        .policy
        .rules
        .for_control(&control.id)
        .filter(|r| r.applies_at(cx.system.level) && m.kinds.contains(&r.evidence))
        .filter_map(|r| rules.get(&r.id).map(|res| (r, res)))
        .collect();
    let max_age = cx.param_days(&m.max_age).map(|d| cx.max_age_override.map_or(d, |o| o.min(d)));
    for (at, unit) in cx.units.iter().enumerate() {
        let clean = measuring.iter().any(|(r, res)| res.passed.contains(&at) && fresh(cx, unit, r, max_age));
        let unmeasured =
            measuring.iter().any(|(_, res)| res.notes.iter().any(|n| n.asset.as_deref() == Some(unit.label.as_str())));
        if !clean || unmeasured {
            let label = &unit.label;
            return short(
                format!("{label} has no fresh, clean measurement of it by the rules that may pass it"),
                format!("máy {label} chưa có kết quả đo mới và đạt theo các quy tắc được phép chứng minh"),
            );
        }
    }
    Ok(())
}

/// Whether the unit's record of the rule's kind is within the measured sufficiency's age.
fn fresh(cx: &SystemCx, unit: &super::hosts::Unit, r: &crate::policy::rules::Rule, max_age: Option<u32>) -> bool {
    let Some(kind) = r.evidence.host_record() else { return false };
    let Some(max) = max_age else { return false };
    let Some((_, rec)) = cx.host_records.best(&cx.evidence.probes, unit, &kind, cx.as_of) else { return false };
    rec.observed().is_some_and(|t| t.date() <= cx.as_of && (cx.as_of - t.date()).whole_days() <= i64::from(max))
}

/// What decided `status`: a failing rule over measured evidence is a measurement; a pass is
/// attested, measured (measured sufficiency), or both when each alone would pass it.
fn basis(cx: &SystemCx, status: Status, findings: &[Finding], attested: bool, measured: bool) -> Basis {
    let by_measurement =
        |f: &Finding| f.rule.rule().and_then(|id| cx.policy.rules.get(id)).is_some_and(|r| r.evidence.is_measured());
    match status {
        Status::Fail if findings.iter().any(|f| f.outcome == Outcome::Fail && by_measurement(f)) => Basis::Measured,
        Status::Fail => Basis::Attested,
        Status::Pass if attested && measured => Basis::Both,
        Status::Pass if attested => Basis::Attested,
        Status::Pass => Basis::Measured,
        Status::Unknown | Status::Waived => Basis::None,
        Status::NotApplicable => Basis::Attested,
    }
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
    findings.iter().any(|f| f.rule == Source::Attestation && f.outcome == Outcome::Pass)
}

fn decide(control: &Control, findings: &[Finding], attested: bool, measured: bool) -> Status {
    if findings.iter().any(|f| f.outcome == Outcome::Fail) {
        return Status::Fail;
    }
    if findings.iter().any(|f| f.outcome == Outcome::Unknown && f.rule != Source::Attestation) {
        return Status::Unknown;
    }
    match control.evidence.attestation {
        AttestationNeed::Required if attested => Status::Pass,
        AttestationNeed::Required => Status::Unknown,
        // Measured sufficiency may pass it alone (`measured:` is required with `optional`).
        AttestationNeed::Optional if attested || measured => Status::Pass,
        AttestationNeed::Optional => Status::Unknown,
    }
}

/// What the attestation says, as findings: pass, fail or unknown (and why). Without an attestation,
/// the inventory's `assessments:` of the kind the catalogue names stand in for one.
fn attestation_findings(cx: &SystemCx, control: &Control, att: Option<&Attestation>) -> Vec<Finding> {
    let Some(a) = att else {
        if let Some(f) = recorded(cx, control) {
            return vec![f];
        }
        if control.evidence.attestation == AttestationNeed::Required {
            return vec![finding(Source::Attestation, Outcome::Unknown, Message::NoAttestation, None)];
        }
        return Vec::new();
    };
    match a.status {
        AttestationStatus::Partial | AttestationStatus::Planned | AttestationStatus::NotImplemented => {
            vec![finding(Source::Attestation, Outcome::Fail, Message::AttestedAs(a.status), Some(a.origin.to_string()))]
        }
        AttestationStatus::NotApplicable => Vec::new(),
        AttestationStatus::Implemented => vec![implemented(cx, control, a)],
    }
}

/// The newest `assessments:` entry of the control's record kind dated no later than the
/// evaluation date, judged like an `implemented` attestation reviewed on that day.
fn recorded(cx: &SystemCx, control: &Control) -> Option<Finding> {
    let kind = control.evidence.records?;
    let a = cx.system.assessments.iter().filter(|a| a.kind == kind && a.date <= cx.as_of).max_by_key(|a| a.date)?;
    let ok = Message::Recorded { kind, date: a.date, by: a.by.clone() };
    Some(dated(cx, control, a.date, Some(cx.system.origin.to_string()), ok, ""))
}

/// An `implemented` attestation passes only with an evidence reference and a review date that the
/// control's renewal rule accepts at the evaluation date.
fn implemented(cx: &SystemCx, control: &Control, a: &Attestation) -> Finding {
    let at = Some(a.origin.to_string());
    let unknown = |m: Message| finding(Source::Attestation, Outcome::Unknown, m, at.clone());
    let Some(evidence) = a.evidence.as_deref() else {
        return unknown(Message::NoEvidenceReference);
    };
    let Some(reviewed) = a.reviewed else {
        return unknown(Message::NoReviewDate);
    };
    let ok = Message::Implemented { evidence: evidence.to_string(), reviewed };
    dated(cx, control, reviewed, at, ok, evidence)
}

/// Judges evidence dated `day` by the control's renewal rule: not after the evaluation date, not
/// after go-live where it had to come first, not before a serious incident that renews it, and
/// within its period or yearly deadline. `ok` is the message of a pass.
fn dated(cx: &SystemCx, control: &Control, day: Date, at: Option<String>, ok: Message, evidence: &str) -> Finding {
    // Called once, on whichever path decides: `at` is moved into the finding, not copied.
    let with = move |outcome, m: Message| finding(Source::Attestation, outcome, m, at);
    if day > cx.as_of {
        return with(Outcome::Unknown, Message::ReviewedAfterEvaluation { reviewed: day });
    }
    if let Some(op) = go_live_under(cx, control)
        && day > op
    {
        return with(Outcome::Fail, Message::AfterGoLive { dated: day, operating_since: op });
    }
    if let Some(detected) = renewing_incident(cx, control)
        && day < detected
    {
        return with(Outcome::Unknown, Message::StaleAfterIncident { reviewed: day, detected });
    }
    match control.renewal(cx.system.level, &cx.profile.params, cx.catalogue.defaults.validity_months) {
        Renewal::Untimed => with(Outcome::Pass, ok),
        Renewal::Months(months) => {
            let until = crate::dates::add_months(day, months);
            if until < cx.as_of {
                return with(Outcome::Unknown, Message::Stale { reviewed: day, months, until });
            }
            with(Outcome::Pass, ok)
        }
        Renewal::DueYearly(month, d) => {
            // The deadline that has passed: on its own day the submission is not late yet. On
            // time = sent in the 12 months up to and including it. One date cannot show two
            // submissions, so a later one (late, or early for the next deadline) leaves this
            // deadline unshown.
            let eve = cx.as_of.previous_day().unwrap_or(cx.as_of);
            let deadline = crate::dates::latest_deadline(eve, month, d);
            if day > deadline {
                return with(Outcome::Unknown, Message::SentAfterDeadline { sent: day, deadline });
            }
            if day <= crate::dates::year_before(deadline) {
                return with(Outcome::Unknown, Message::DeadlineMissed { sent: day, deadline });
            }
            with(Outcome::Pass, Message::SentOnTime { evidence: evidence.to_string(), sent: day, deadline })
        }
    }
}

/// The go-live date evidence of a `before_operation` control must not be after: only for systems
/// that went live once the catalogue's regime was in force (older systems could not comply).
fn go_live_under(cx: &SystemCx, control: &Control) -> Option<Date> {
    let op = cx.system.operating_since?;
    (control.evidence.before_operation && op >= cx.catalogue.effective && op <= cx.as_of).then_some(op)
}

/// The detection date of the latest serious or critical incident up to the evaluation date, when
/// the control is renewed by such incidents.
fn renewing_incident(cx: &SystemCx, control: &Control) -> Option<Date> {
    if !control.evidence.renew_after.contains(&RenewEvent::SeriousIncident) {
        return None;
    }
    cx.system
        .incidents
        .iter()
        .filter(|i| i.severity >= IncidentSeverity::Serious)
        .map(|i| i.detected.date())
        .filter(|d| *d <= cx.as_of)
        .max()
}

/// A waiver that has not expired turns fail/unknown into waived; an expired one is shown and
/// changes nothing.
fn apply_waiver(
    cx: &SystemCx,
    id: &Arc<str>,
    status: Status,
    tailored: bool,
    mut findings: Vec<Finding>,
) -> ControlResult {
    let waivers = cx.system.waivers.iter().filter(|w| *w.control == **id);
    let mut valid = None;
    for w in waivers {
        if w.expires >= cx.as_of {
            valid = valid.or(Some(w));
        } else {
            findings.push(finding(
                Source::Waiver,
                Outcome::Info,
                Message::WaiverExpired { expires: w.expires },
                Some(w.origin.to_string()),
            ));
        }
    }
    let mut r = result(id, status, tailored, findings);
    if let Some(w) = valid
        && status.is_missing()
    {
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

fn result(id: &Arc<str>, status: Status, tailored: bool, findings: Vec<Finding>) -> ControlResult {
    ControlResult {
        id: Arc::clone(id),
        status,
        basis: if status == Status::Unknown { Basis::None } else { Basis::Attested },
        waived_status: None,
        waiver: None,
        tailored,
        findings,
        verification: None,
        caveat: None,
    }
}
