//! Judging one record by a system's rules, shared by every evidence kind's runner (nmap and
//! incidents in [`super::rules_eval`], probe records in [`super::probes`], host records in
//! [`super::host_rules`]): a rule's result for the system, the verdict of each rule on one record
//! (memoised per distinct record), and the `unknown` findings of a record that is missing, failed
//! or too old.

use super::SystemCx;
use super::model::{Finding, Outcome, Source};
use super::record::Record;
use crate::i18n::Text;
use crate::policy::rules::{Rule, Verdict};
use cel::common::value::{CowVal, Val};
use cel::context::VariableResolver;
use serde_json::Value;
use std::cell::LazyCell;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// What one rule concluded for one system.
#[derive(Debug, Clone, Default)]
pub struct RuleResult {
    /// The system has no asset this rule's evidence could describe: the rule is silent.
    pub not_applicable: bool,
    /// Records judged without error (passed or failed).
    pub judged: usize,
    /// Fail findings, one per failing record.
    pub failures: Vec<Finding>,
    /// Unknown findings: evidence missing, stale, or a record the rule could not evaluate.
    pub unknowns: Vec<Finding>,
    /// Host evidence: the declared hosts this rule measured clean (their places in the system's
    /// [`super::hosts::Unit`] list, whose labels are distinct).
    pub passed: std::collections::HashSet<usize>,
    /// Host evidence: what was not measured and why (shown, changes no status).
    pub notes: Vec<Finding>,
}

/// What every record of a system is judged with: the context binding `system` and `params`, and
/// the facts bound there (the keys of remembered verdicts).
pub(super) struct Base<'a, 'p, 'v> {
    pub ctx: &'a cel::Context<'p, 'v>,
    pub system: &'a Value,
    pub params: &'a Value,
}

impl<'a> Base<'a, '_, '_> {
    /// The record's variables for [`super::memo::Memo`]: `system`, `params` and `more`.
    pub fn vars<const N: usize>(&self, more: [(&'a str, &'a Value); N]) -> Vec<(&'a str, &'a Value)> {
        let mut v = vec![("system", self.system), ("params", self.params)];
        v.extend(more);
        v
    }
}

pub(super) fn unknown(rule: Source, asset: Option<String>, message: Text, evidence: Option<String>) -> Finding {
    Finding {
        rule,
        outcome: Outcome::Unknown,
        severity: None,
        asset,
        message: message.into(),
        evidence,
        observed: BTreeMap::new(),
    }
}

/// One record as findings name it: its facts (for messages and `show:`), asset and evidence.
pub(super) struct Judged<'a> {
    pub record: &'a Record<'a>,
    pub asset: &'a str,
    pub evidence: &'a str,
}

/// Judges one record by every rule of `rules`. `vars` are the facts `ctx` binds; `ctx` is built
/// only if some verdict is not already known from an identical record.
pub(super) fn judge_all<'p, 'v>(
    cx: &SystemCx,
    rules: &[&Rule],
    vars: &super::memo::Vars,
    ctx: &LazyCell<cel::Context<'p, 'v>, impl FnOnce() -> cel::Context<'p, 'v>>,
    judged: &Judged,
    out: &mut HashMap<Arc<str>, RuleResult>,
) {
    let Judged { record, asset, evidence } = *judged;
    for r in rules {
        let Some(res) = out.get_mut(&r.id) else { continue };
        match cx.memo.judge(r, vars, || LazyCell::force(ctx)) {
            Verdict::Skipped => {}
            Verdict::Pass => res.judged += 1,
            Verdict::Fail => {
                res.judged += 1;
                res.failures.push(failure(r, record, asset, evidence));
            }
            Verdict::Error(e) => res.unknowns.push(unknown(
                Source::Rule(r.id.clone()),
                Some(asset.to_string()),
                Text::new(
                    format!("rule could not be evaluated on this record: {e}"),
                    format!("không đánh giá được quy tắc trên bản ghi này: {e}"),
                ),
                Some(evidence.to_string()),
            )),
        }
    }
}

fn failure(r: &Rule, record: &Record, asset: &str, evidence: &str) -> Finding {
    let mut texts = record.texts();
    let observed = r.show.iter().map(|path| (path.clone(), texts.fact_text(path))).collect();
    Finding {
        rule: Source::Rule(r.id.clone()),
        outcome: Outcome::Fail,
        severity: Some(r.severity),
        asset: Some(asset.to_string()),
        message: Text::new(texts.render(&r.message.en), texts.render(&r.message.vi)).into(),
        evidence: Some(evidence.to_string()),
        observed,
    }
}

/// Why evidence dated `day` cannot be used at the evaluation date: no date, dated after it, or
/// older than the maximum evidence age. `verb` says how the evidence was taken ("scanned").
pub(super) fn age_problem(cx: &SystemCx, day: Option<time::Date>, verb: (&str, &str), missing: Text) -> Option<Text> {
    let Some(day) = day else { return Some(missing) };
    let (en, vi) = verb;
    let shown = crate::dates::format(day);
    if day > cx.as_of {
        let as_of = crate::dates::format(cx.as_of);
        return Some(Text::new(
            format!("{en} on {shown}, after the evaluation date {as_of}"),
            format!("{vi} ngày {shown}, sau ngày đánh giá {as_of}"),
        ));
    }
    let (age, max) = ((cx.as_of - day).whole_days(), cx.max_age_days);
    (age > max as i64).then(|| {
        Text::new(
            format!(
                "{en} on {shown}, {age} days before the evaluation date; evidence older than {max} days is not used"
            ),
            format!(
                "{vi} ngày {shown}, cách ngày đánh giá {age} ngày; bằng chứng cũ hơn {max} ngày không được sử dụng"
            ),
        )
    })
}

/// Marks every rule in `rules` silent for this system (it has no asset of their evidence kind).
pub(super) fn mark_not_applicable(rules: &[&Rule], out: &mut HashMap<Arc<str>, RuleResult>) {
    for r in rules {
        if let Some(res) = out.get_mut(&r.id) {
            res.not_applicable = true;
        }
    }
}

/// Records the same unknown finding for every rule in `rules` (missing or unusable evidence is a
/// fact about the evidence, shared by all rules that needed it).
pub(super) fn unknown_for_all(rules: &[&Rule], out: &mut HashMap<Arc<str>, RuleResult>, finding: &Finding) {
    for r in rules {
        if let Some(res) = out.get_mut(&r.id) {
            res.unknowns.push(finding.clone());
        }
    }
}

/// Binds one shared value to a variable name of a rule's scope, by reference.
pub(super) struct Shared<'a> {
    pub name: &'static str,
    pub val: &'a (dyn Val + 'a),
}

impl VariableResolver for Shared<'_> {
    fn resolve<'b>(&'b self, variable: &str) -> Option<CowVal<'b, 'b>> {
        (variable == self.name).then_some(CowVal::Borrowed(self.val))
    }
}
