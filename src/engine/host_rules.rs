//! Rules over host evidence (`host-audit`, `vulnerabilities`, `agent`): each declared host of a
//! system is judged on its newest record of the rule's kind.
//!
//! Host evidence *adds* measurement to controls that an attestation otherwise shows: a host
//! without a record, or with one older than the level's maximum age, is noted ("not measured")
//! but does not make a control unknown — a failing check does fail it, and a clean measurement
//! of every declared host passes the controls whose catalogue entry says measurement is enough
//! (`measured:`, see [`super::control`]).
//!
//! `select:` rules name the audited checks that speak for their controls. Which checks a rule
//! selects depends only on what the checks are (id, title, references), so it is decided once per
//! distinct check of the evaluation ([`Selections`]), not once per host.

use super::SystemCx;
use super::facts;
use super::hosts::Unit;
use super::judge::{Base, Judged, RuleResult, judge_all, mark_not_applicable};
use super::model::{Finding, Outcome, Source};
use super::record::{Part, Record as Facts};
use crate::evidence::file::EvidenceInput;
use crate::evidence::{CheckResult, Facts as Typed, Record, RecordKind};
use crate::i18n::Text;
use crate::policy::rules::{EvidenceKind, Rule, RuleSet, new_context, to_val};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// Which checks each `select:` rule selects, decided once per distinct (benchmark, check id).
#[derive(Default)]
pub struct Selections {
    /// Index of each `select:` rule in the bit sets.
    rules: HashMap<Arc<str>, usize>,
    by_check: HashMap<String, HashMap<String, Bits>>,
}

/// Per select rule: selected, and whether selecting failed (the check then counts as unmeasured);
/// and the check's facts, built once for the findings of every host where it failed.
#[derive(Clone)]
struct Bits {
    selected: Vec<bool>,
    failed: Vec<bool>,
    /// The check as first seen, and its facts ([`facts::check`]).
    seen: crate::evidence::Check,
    facts: Value,
    /// The display texts of the `check` paths the select rules' messages and `show:` name, on
    /// `facts`: the same for every host where the check failed, so made once.
    texts: Vec<(String, String)>,
}

impl Bits {
    /// The facts of `c` (a check of the same id): the prepared ones when `c` describes the check
    /// the same way (another tool version may retitle it), else built for it.
    fn facts_of(&self, bench: &str, c: &crate::evidence::Check) -> std::borrow::Cow<'_, Value> {
        let s = &self.seen;
        if c.title == s.title && c.severity == s.severity && c.references == s.references {
            std::borrow::Cow::Borrowed(&self.facts)
        } else {
            std::borrow::Cow::Owned(facts::check(bench, c))
        }
    }
}

impl Selections {
    pub fn new(rules: &RuleSet, inputs: &[EvidenceInput]) -> Selections {
        let select: Vec<&Rule> = rules.rules.iter().filter(|r| r.select.is_some()).collect();
        let mut s = Selections {
            rules: select.iter().enumerate().map(|(i, r)| (r.id.clone(), i)).collect(),
            by_check: HashMap::new(),
        };
        if select.is_empty() {
            return s;
        }
        let paths = check_paths(&select);
        for input in inputs {
            for rec in &input.records {
                let Some(Typed::HostAudit(audit)) = rec.facts() else { continue };
                let bench = audit.benchmark.as_deref().unwrap_or_default();
                let checks = s.by_check.entry(bench.to_string()).or_default();
                for c in &audit.results {
                    if checks.contains_key(&c.check) {
                        continue;
                    }
                    let check = facts::check(bench, c);
                    let mut ctx = new_context();
                    ctx.add_variable_as_val("check", to_val(&check));
                    let mut bits = Bits {
                        selected: vec![false; select.len()],
                        failed: vec![false; select.len()],
                        seen: c.clone(),
                        facts: Value::Null,
                        texts: Vec::new(),
                    };
                    for (i, r) in select.iter().enumerate() {
                        match r.selects(&ctx) {
                            Ok(b) => bits.selected[i] = b,
                            Err(_) => bits.failed[i] = true,
                        }
                    }
                    drop(ctx);
                    let parts = [("check", Part::Facts(&check))];
                    let record = Facts::new(&parts);
                    bits.texts = paths.iter().map(|p| (p.clone(), record.fact_text(p))).collect();
                    bits.facts = check;
                    checks.insert(c.check.clone(), bits);
                }
            }
        }
        s
    }
}

/// The `check` paths (`check.title`, `check.id`…) that the messages and `show:` of `select`
/// rules name: their texts are made once per distinct check.
fn check_paths(select: &[&Rule]) -> Vec<String> {
    let mut paths: Vec<String> = Vec::new();
    let mut note = |p: &str| {
        if (p == "check" || p.starts_with("check.")) && !paths.iter().any(|x| x == p) {
            paths.push(p.to_string());
        }
    };
    for r in select {
        for template in [&r.message.en, &r.message.vi] {
            crate::policy::rules::fill_placeholders_with(template, |p, _| note(p));
        }
        r.show.iter().for_each(|p| note(p));
    }
    paths
}

/// Runs `rules` (all of one host kind) over the system's declared hosts.
pub fn run(cx: &SystemCx, root: &Base, kind: EvidenceKind, rules: &[&Rule], out: &mut HashMap<Arc<str>, RuleResult>) {
    let Some(record_kind) = kind.host_record() else { return };
    if cx.system.assets.hosts.is_empty() {
        mark_not_applicable(rules, out);
        return;
    }
    if !cx.host_records.has(&record_kind) {
        let why = not_given(&record_kind);
        note_all(rules, out, note(Source::Kind(kind.as_str()), None, why, None));
        return;
    }
    for (label, why) in &cx.unit_gaps {
        note_all(rules, out, note(Source::Kind(kind.as_str()), Some(label.clone()), why.clone(), None));
    }
    for (at, unit) in cx.units.iter().enumerate() {
        let inputs = &cx.evidence.probes;
        let Some((file, rec)) = cx.host_records.best(inputs, unit, &record_kind, cx.as_of) else {
            let why = Text::new(
                format!("no {record_kind} record for {}, so it was not measured", unit.label),
                format!("không có bản ghi {record_kind} cho {} nên máy chưa được đo", unit.label),
            );
            note_all(rules, out, note(Source::Kind(kind.as_str()), Some(unit.label.clone()), why, None));
            continue;
        };
        let evidence = format!("{file}#{}", rec.position);
        if let Some(why) = too_old(cx, rec, &record_kind) {
            note_all(rules, out, note(Source::Kind(kind.as_str()), Some(unit.label.clone()), why, Some(evidence)));
            continue;
        }
        judge_host(cx, root, (at, unit), rec, &evidence, rules, out);
    }
}

/// Judges one host's record (the `at`th unit of the system): record rules on its facts,
/// `select:` rules on its checks.
fn judge_host(
    cx: &SystemCx,
    root: &Base,
    (at, unit): (usize, &Unit),
    rec: &Record,
    evidence: &str,
    rules: &[&Rule],
    out: &mut HashMap<Arc<str>, RuleResult>,
) {
    let (name, value) = match rec.facts() {
        Some(Typed::HostAudit(f)) => ("audit", facts::audit(rec, f, cx.as_of)),
        Some(Typed::Vulnerabilities(f)) => {
            ("vulns", facts::vulns(rec, f, cx.as_of, |id| cx.host_records.first_seen(&rec.target, id)))
        }
        Some(Typed::Agent(f)) => ("agent", facts::agent(rec, f, cx.as_of)),
        _ => return,
    };
    let record_rules: Vec<&Rule> = rules.iter().copied().filter(|r| r.select.is_none()).collect();
    if !record_rules.is_empty() {
        let ctx = std::cell::LazyCell::new(|| {
            let mut ctx = root.ctx.new_inner_scope();
            ctx.add_variable_as_val(name, to_val(&value));
            ctx
        });
        let parts = [(name, Part::Facts(&value)), ("asset", Part::Text(&unit.label))];
        let counts = |out: &HashMap<Arc<str>, RuleResult>, r: &Rule| {
            out.get(&r.id).map_or((0, 0, 0), |x| (x.failures.len(), x.unknowns.len(), x.judged))
        };
        let before: Vec<(usize, usize, usize)> = record_rules.iter().map(|r| counts(out, r)).collect();
        let vars = root.vars([(name, &value)]);
        let judged = Judged { record: &Facts::new(&parts), asset: &unit.label, evidence };
        judge_all(cx, &record_rules, &vars, &ctx, &judged, out);
        // A record judged without failure or error is a clean measurement of this host.
        for (r, (fails, unknowns, judged)) in record_rules.iter().zip(before) {
            if let Some(res) = out.get_mut(&r.id)
                && res.failures.len() == fails
                && res.unknowns.len() == unknowns
                && res.judged > judged
            {
                res.passed.insert(at);
            }
        }
    }
    if let Some(Typed::HostAudit(audit)) = rec.facts() {
        // What each check is selected by, looked up once for all the select rules.
        let bench = audit.benchmark.as_deref().unwrap_or_default();
        let checks = cx.selections.by_check.get(bench);
        let bits: Vec<Option<&Bits>> = audit.results.iter().map(|c| checks.and_then(|m| m.get(&c.check))).collect();
        for r in rules.iter().filter(|r| r.select.is_some()) {
            if let Some(res) = out.get_mut(&r.id) {
                select_checks(cx, r, (at, unit), audit, &bits, &value, evidence, res);
            }
        }
    }
}

/// A `select:` rule on one host: a finding per selected check that failed, a note per one that
/// could not be evaluated, and a pass when at least one passed and nothing else spoke against.
#[allow(clippy::too_many_arguments)] // one host's audit, seen from one rule: all of it is needed
fn select_checks(
    cx: &SystemCx,
    r: &Rule,
    (at, unit): (usize, &Unit),
    audit: &crate::evidence::HostAuditFacts,
    bits: &[Option<&Bits>],
    audit_value: &Value,
    evidence: &str,
    res: &mut RuleResult,
) {
    let Some(&bit) = cx.selections.rules.get(&r.id) else { return };
    let bench = audit.benchmark.as_deref().unwrap_or_default();
    // The host's name as messages show it, made once for all its failed checks.
    let mut asset_text: Option<[(String, String); 1]> = None;
    let (mut passed, mut failed, mut unmeasured) = (0usize, 0usize, Vec::new());
    for (c, bits) in audit.results.iter().zip(bits) {
        let Some(bits) = bits else { continue };
        if bits.failed[bit] {
            unmeasured.push(format!("{} (the rule's select: could not be evaluated on it)", c.check));
            continue;
        }
        if !bits.selected[bit] {
            continue;
        }
        match c.result {
            CheckResult::Pass => passed += 1,
            CheckResult::Fail => {
                failed += 1;
                let check = bits.facts_of(bench, c);
                let parts = [
                    ("check", Part::Facts(&check)),
                    ("audit", Part::Facts(audit_value)),
                    ("asset", Part::Text(&unit.label)),
                ];
                let record = Facts::new(&parts);
                // The check's texts are made once per check, valid when its facts are the
                // prepared ones (the check described as first seen).
                let shared: &[(String, String)] =
                    if matches!(check, std::borrow::Cow::Borrowed(_)) { &bits.texts } else { &[] };
                let asset = asset_text.get_or_insert_with(|| {
                    let part = [("asset", Part::Text(&unit.label))];
                    [("asset".to_string(), Facts::new(&part).fact_text("asset"))]
                });
                let known = [shared, &asset[..]];
                let mut texts = record.texts_with(&known);
                let message = Text::new(texts.render(&r.message.en), texts.render(&r.message.vi)).into();
                res.failures.push(Finding {
                    rule: Source::Rule(r.id.clone()),
                    outcome: Outcome::Fail,
                    severity: Some(r.severity),
                    asset: Some(unit.label.clone()),
                    message,
                    evidence: Some(format!("{evidence};check={}", c.check)),
                    observed: r.show.iter().map(|p| (p.clone(), texts.fact_text(p))).collect::<BTreeMap<_, _>>(),
                });
            }
            CheckResult::Error | CheckResult::Unknown | CheckResult::NotChecked => {
                unmeasured.push(format!("{} ({})", c.check, c.result.as_str()));
            }
            CheckResult::NotApplicable | CheckResult::Informational => {}
        }
    }
    res.judged += passed + failed;
    if !unmeasured.is_empty() {
        let shown = crate::sanitize::truncate(&unmeasured.join(", "), 300);
        res.notes.push(note(
            Source::Rule(r.id.clone()),
            Some(unit.label.clone()),
            Text::new(
                format!("{} selected check(s) were not evaluated on {}: {shown}", unmeasured.len(), unit.label),
                format!("{} mục kiểm tra được chọn chưa được đánh giá trên {}: {shown}", unmeasured.len(), unit.label),
            ),
            Some(evidence.to_string()),
        ));
    } else if passed > 0 && failed == 0 {
        res.passed.insert(at);
    } else if passed == 0 && failed == 0 {
        res.notes.push(note(
            Source::Rule(r.id.clone()),
            Some(unit.label.clone()),
            Text::new(
                format!("the audit of {} has no evaluated check this rule maps to the control", unit.label),
                format!("kết quả rà soát {} không có mục kiểm tra nào quy tắc này gắn với biện pháp", unit.label),
            ),
            Some(evidence.to_string()),
        ));
    }
}

/// Why a host's record is too old (or dated after the evaluation), if it is: the level's maximum
/// age for the kind (a profile parameter), never longer than `--max-evidence-age`.
fn too_old(cx: &SystemCx, rec: &Record, kind: &RecordKind) -> Option<Text> {
    let Some(day) = rec.observed().map(|t| t.date()) else {
        return Some(Text::new(
            format!("the {kind} record of {} has no valid time, so its age cannot be judged", rec.target),
            format!("bản ghi {kind} của {} không có thời điểm hợp lệ nên không xác định được độ cũ", rec.target),
        ));
    };
    let max = cx.host_max_age(kind);
    let shown = crate::dates::format(day);
    if day > cx.as_of {
        let as_of = crate::dates::format(cx.as_of);
        return Some(Text::new(
            format!("{kind} of {} taken on {shown}, after the evaluation date {as_of}", rec.target),
            format!("{kind} của {} lấy ngày {shown}, sau ngày đánh giá {as_of}", rec.target),
        ));
    }
    let age = (cx.as_of - day).whole_days();
    (age > i64::from(max)).then(|| {
        Text::new(
            format!("{kind} of {} taken on {shown}, {age} days before the evaluation date; at this level it counts for {max} days", rec.target),
            format!("{kind} của {} lấy ngày {shown}, cách ngày đánh giá {age} ngày; ở cấp độ này chỉ có giá trị {max} ngày", rec.target),
        )
    })
}

/// Why a whole kind of host evidence is missing, with how to get it.
fn not_given(kind: &RecordKind) -> Text {
    let (en, vi) = match kind {
        RecordKind::HostAudit => (
            "no host audit was given (OpenSCAP/CIS-CAT XCCDF or ARF, Lynis report.dat, Wazuh SCA: give them with --evidence)",
            "không có kết quả rà soát máy chủ (OpenSCAP/CIS-CAT XCCDF hoặc ARF, Lynis report.dat, Wazuh SCA: đưa vào bằng --evidence)",
        ),
        RecordKind::Vulnerabilities => (
            "no vulnerability scan was given (Greenbone/OpenVAS, Nessus, Wazuh: give it with --evidence)",
            "không có kết quả quét lỗ hổng (Greenbone/OpenVAS, Nessus, Wazuh: đưa vào bằng --evidence)",
        ),
        _ => (
            "no monitoring agents list was given (Wazuh GET /agents: give it with --evidence)",
            "không có danh sách tác tử giám sát (Wazuh GET /agents: đưa vào bằng --evidence)",
        ),
    };
    Text::new(en, vi)
}

fn note(rule: Source, asset: Option<String>, message: Text, evidence: Option<String>) -> Finding {
    Finding {
        rule,
        outcome: Outcome::Info,
        severity: None,
        asset,
        message: message.into(),
        evidence,
        observed: BTreeMap::new(),
    }
}

/// Records the same note for every rule in `rules`.
fn note_all(rules: &[&Rule], out: &mut HashMap<Arc<str>, RuleResult>, finding: Finding) {
    for r in rules {
        if let Some(res) = out.get_mut(&r.id) {
            res.notes.push(finding.clone());
        }
    }
}
