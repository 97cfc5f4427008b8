//! Declarative rules: one check per file under `rules/`, schema `tuanthu/rule/v1`.
//!
//! A rule names the evidence it reads (`evidence: nmap.port`), the catalogue controls it speaks
//! for, and its logic as CEL expressions (Common Expression Language — the language of Kubernetes
//! admission policies, Envoy and Google Cloud IAM conditions): `applies_when` selects the records
//! the rule judges and `fail_when` says when one of them violates the requirement. CEL has no I/O
//! and no unbounded loops, so a rule file cannot do anything but compute a boolean over the facts
//! it is given. Adding a check is adding a YAML file; no Rust changes.
//!
//! Safety: the CEL parser is recursive, so an expression is refused before parsing when it is
//! longer than [`MAX_EXPR_LEN`] or nests brackets deeper than [`MAX_EXPR_DEPTH`], and parsing runs
//! on a thread with a large stack. The evaluator is recursive too and its comprehensions multiply
//! work by the lengths of lists in the evidence: [`cost`](super::cost) refuses too deep a syntax
//! tree or too deep a nesting of comprehensions at load, and bounds the steps of each evaluation
//! before it starts. A rule that errs while evaluating, or would exceed the step budget, never
//! passes: the record is reported as unmeasured (`unknown`).

use super::cost;
use crate::diag::{Collector, Problem, Problems};
use crate::i18n::Text;
use serde::Deserialize;
use serde_saphyr::Spanned;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

pub const SCHEMA: &str = "tuanthu/rule/v1";
/// Longest CEL expression accepted.
pub const MAX_EXPR_LEN: usize = 4096;
/// Deepest bracket nesting accepted in a CEL expression.
pub const MAX_EXPR_DEPTH: usize = 32;

/// Which evidence records a rule judges, and so which variables its expressions see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
pub enum EvidenceKind {
    /// One record per port of a scanned host: variables `system`, `params`, `host`, `port`.
    #[serde(rename = "nmap.port")]
    NmapPort,
    /// One record per scanned host: variables `system`, `params`, `host`.
    #[serde(rename = "nmap.host")]
    NmapHost,
    /// One record per declared TLS endpoint (evidence files): variables `system`, `params`, `tls`.
    #[serde(rename = "tls")]
    Tls,
    /// One record per declared URL (evidence files): variables `system`, `params`, `http`.
    #[serde(rename = "http")]
    Http,
    /// One record per incident the inventory records up to the evaluation date: variables
    /// `system`, `params`, `incident`.
    #[serde(rename = "incident")]
    Incident,
    /// One host audit (OpenSCAP, CIS-CAT, Lynis, Wazuh SCA) per declared host: variables `system`,
    /// `params`, `audit` — or, for a rule with `select:`, each audited check as `check`.
    #[serde(rename = "host-audit")]
    HostAudit,
    /// One vulnerability scan per declared host: variables `system`, `params`, `vulns`.
    #[serde(rename = "vulnerabilities")]
    Vulnerabilities,
    /// One monitoring agent per declared host: variables `system`, `params`, `agent`.
    #[serde(rename = "agent")]
    Agent,
    /// One record per declared SSH endpoint (evidence files): variables `system`, `params`, `ssh`.
    #[serde(rename = "ssh")]
    Ssh,
    /// One record per declared domain (evidence files): variables `system`, `params`, `dns`.
    #[serde(rename = "dns")]
    Dns,
}

impl EvidenceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EvidenceKind::NmapPort => "nmap.port",
            EvidenceKind::NmapHost => "nmap.host",
            EvidenceKind::Tls => "tls",
            EvidenceKind::Http => "http",
            EvidenceKind::Incident => "incident",
            EvidenceKind::HostAudit => "host-audit",
            EvidenceKind::Vulnerabilities => "vulnerabilities",
            EvidenceKind::Agent => "agent",
            EvidenceKind::Ssh => "ssh",
            EvidenceKind::Dns => "dns",
        }
    }

    /// The evidence record kind the rule reads, for kinds judged per declared host.
    pub fn host_record(self) -> Option<crate::evidence::RecordKind> {
        use crate::evidence::RecordKind;
        match self {
            EvidenceKind::HostAudit => Some(RecordKind::HostAudit),
            EvidenceKind::Vulnerabilities => Some(RecordKind::Vulnerabilities),
            EvidenceKind::Agent => Some(RecordKind::Agent),
            _ => None,
        }
    }

    /// Evidence measured on the system's assets (scans and probes), as opposed to what the
    /// inventory itself records (incidents).
    pub fn is_measured(self) -> bool {
        !matches!(self, EvidenceKind::Incident)
    }

    /// The variables a rule over this kind of evidence may use.
    pub fn variables(self) -> &'static [&'static str] {
        match self {
            EvidenceKind::NmapPort => &["system", "params", "host", "port"],
            EvidenceKind::NmapHost => &["system", "params", "host"],
            EvidenceKind::Tls => &["system", "params", "tls"],
            EvidenceKind::Http => &["system", "params", "http"],
            EvidenceKind::Incident => &["system", "params", "incident"],
            EvidenceKind::HostAudit => &["system", "params", "audit"],
            EvidenceKind::Vulnerabilities => &["system", "params", "vulns"],
            EvidenceKind::Agent => &["system", "params", "agent"],
            EvidenceKind::Ssh => &["system", "params", "ssh"],
            EvidenceKind::Dns => &["system", "params", "dns"],
        }
    }
}

/// Severity of a rule's failure; each maps to exactly one SARIF level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleInfo {
    pub title: Text,
    pub description: Text,
    pub rationale: Text,
    pub remediation: Text,
    #[serde(default)]
    pub impact: Option<Text>,
    #[serde(default)]
    pub references: Vec<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub cwe: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    schema: Spanned<String>,
    id: Spanned<String>,
    version: u32,
    controls: Vec<Spanned<String>>,
    evidence: EvidenceKind,
    severity: Severity,
    #[serde(default)]
    levels: Option<Vec<u8>>,
    #[serde(default)]
    applies_when: Option<Spanned<String>>,
    #[serde(default)]
    fail_when: Option<Spanned<String>>,
    #[serde(default)]
    select: Option<Spanned<String>>,
    #[serde(default)]
    show: Vec<String>,
    info: RuleInfo,
    message: Text,
}

/// A compiled CEL expression together with its source, for messages.
#[derive(Clone)]
pub struct Expr {
    pub source: String,
    program: Arc<cel::Program>,
    /// Its shape, checked at load: whether each evaluation is bounded first.
    analysis: cost::Analysis,
    /// The fact paths it reads (see [`read_paths`]).
    reads: Vec<Vec<String>>,
}

impl Expr {
    /// What the load-time analysis found (depth, comprehension nesting, whether bounded).
    pub fn analysis(&self) -> cost::Analysis {
        self.analysis
    }
}

impl std::fmt::Debug for Expr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.source)
    }
}

/// A loaded, compiled rule.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Shared (`Arc`) with every finding of the rule.
    pub id: std::sync::Arc<str>,
    pub version: u32,
    pub controls: Vec<String>,
    pub evidence: EvidenceKind,
    pub severity: Severity,
    /// Levels at which the rule applies; `None` = all.
    pub levels: Option<Vec<u8>>,
    pub applies_when: Option<Expr>,
    /// When a record violates the requirement; absent for `select:` rules.
    pub fail_when: Option<Expr>,
    /// `host-audit` rules only: which audited checks speak for the rule's controls (CEL over
    /// `check`: `check.id`, `check.title`, `check.severity`, `check.references`, `check.benchmark`).
    /// A host passes the rule when at least one selected check passed and none failed or could
    /// not be evaluated; each failed one is a finding.
    pub select: Option<Expr>,
    /// Dotted fact paths copied into each finding (what was observed).
    pub show: Vec<String>,
    pub info: RuleInfo,
    /// Finding message; `{path}` placeholders are filled from the record's facts.
    pub message: Text,
    pub origin: String,
    /// What `applies_when` and `fail_when` read ([`Rule::reads`]), gathered once at load.
    reads: Vec<Vec<String>>,
    /// SHA-256 of the rule file's bytes: an edit shows in the rule set's digest even when the
    /// author forgot to raise `version`.
    content: [u8; 32],
}

/// What one rule says about one record.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// `applies_when` was false: the rule has nothing to say about this record.
    Skipped,
    Pass,
    Fail,
    /// The expression could not be evaluated on this record (type error, missing fact...).
    Error(String),
}

impl Rule {
    pub fn applies_at(&self, level: u8) -> bool {
        self.levels.as_ref().is_none_or(|l| l.contains(&level))
    }

    /// Judges one record. `vars` binds every variable of the rule's evidence kind.
    pub fn judge(&self, ctx: &cel::Context) -> Verdict {
        if let Some(cond) = &self.applies_when {
            match eval_bool(cond, ctx) {
                Ok(false) => return Verdict::Skipped,
                Ok(true) => {}
                Err(e) => return Verdict::Error(format!("applies_when: {e}")),
            }
        }
        let Some(fail_when) = &self.fail_when else {
            return Verdict::Error("a `select:` rule is judged per audited check, not per record".into());
        };
        match eval_bool(fail_when, ctx) {
            Ok(true) => Verdict::Fail,
            Ok(false) => Verdict::Pass,
            Err(e) => Verdict::Error(format!("fail_when: {e}")),
        }
    }

    /// Every fact path (`["port", "service", "name"]`, `["host", "public"]`, or a whole variable)
    /// that `applies_when` and `fail_when` read: the rule's verdict on a record depends on the
    /// values at these paths and on nothing else, so records equal there get the same verdict.
    pub fn reads(&self) -> &[Vec<String>] {
        &self.reads
    }

    /// Whether a `select:` rule selects the check bound as `check` in `ctx`.
    pub fn selects(&self, ctx: &cel::Context) -> Result<bool, String> {
        match &self.select {
            Some(select) => eval_bool(select, ctx).map_err(|e| format!("select: {e}")),
            None => Ok(false),
        }
    }
}

/// Why an expression was refused when its rule loaded, or could not be evaluated on a record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExprError {
    #[error("empty expression")]
    Empty,
    /// Longer than [`MAX_EXPR_LEN`] bytes (its length).
    #[error("expression is {0} bytes long; the limit is {MAX_EXPR_LEN}")]
    TooLong(usize),
    /// Brackets nested deeper than [`MAX_EXPR_DEPTH`] (the depth found).
    #[error("brackets nest {0} deep; the limit is {MAX_EXPR_DEPTH}")]
    TooDeep(usize),
    /// The CEL parser's message.
    #[error("CEL syntax error: {0}")]
    Syntax(String),
    /// It parses, but exceeds a limit of [`cost::analyse`].
    #[error(transparent)]
    Limit(#[from] cost::LimitError),
    /// The estimated steps on this record exceed [`cost::STEP_BUDGET`] (`u64::MAX`: unbounded).
    #[error(
        "this rule would need more than {} steps on this record ({}), so it was not evaluated: its \
         comprehensions iterate over lists of this record too long for them (see \"Resource model\" in the README)",
        cost::STEP_BUDGET,
        estimate(*.0)
    )]
    OverBudget(u64),
    /// The expression gave a value of another type (its CEL type).
    #[error("expected a boolean, got {0}")]
    NotBoolean(String),
    /// CEL's evaluation error (a type error, a missing fact...).
    #[error("{0}")]
    Evaluation(String),
}

fn estimate(steps: u64) -> String {
    if steps == u64::MAX { "an unbounded number".to_string() } else { format!("up to {steps}") }
}

fn eval_bool(expr: &Expr, ctx: &cel::Context) -> Result<bool, ExprError> {
    if expr.analysis.bounded {
        let steps = cost::estimate(expr.program.expression(), ctx);
        if steps > cost::STEP_BUDGET {
            return Err(ExprError::OverBudget(steps));
        }
    }
    match expr.program.execute(ctx) {
        Ok(cel::Value::Bool(b)) => Ok(b),
        Ok(other) => Err(ExprError::NotBoolean(format!("{:?}", other.type_of()))),
        Err(e) => Err(ExprError::Evaluation(e.to_string())),
    }
}

/// All loaded rules, with an index from control id to the rules that speak for it, and one by
/// rule id (the engine looks rules up by id for every finding of every control).
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
    by_control: HashMap<String, Vec<usize>>,
    by_id: HashMap<Arc<str>, usize>,
}

impl RuleSet {
    pub fn new(rules: Vec<Rule>) -> Self {
        let mut by_control: HashMap<String, Vec<usize>> = HashMap::new();
        let mut by_id = HashMap::new();
        for (i, r) in rules.iter().enumerate() {
            for c in &r.controls {
                by_control.entry(c.clone()).or_default().push(i);
            }
            // The first of two rules with one id wins, as a search in load order would find it.
            by_id.entry(r.id.clone()).or_insert(i);
        }
        RuleSet { rules, by_control, by_id }
    }

    /// Rules that speak for `control`, in load order.
    pub fn for_control(&self, control: &str) -> impl Iterator<Item = &Rule> {
        self.by_control.get(control).into_iter().flatten().map(|&i| &self.rules[i])
    }

    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.by_id.get(id).map(|&i| &self.rules[i])
    }

    /// A fingerprint of the rule set, recorded in reports so that readers can tell which rules
    /// produced a result: SHA-256 over each rule's id, version and file content, in id order
    /// (the first 16 hex digits). Any edit to any rule changes it.
    pub fn digest(&self) -> String {
        use sha2::Digest;
        let mut rules: Vec<&Rule> = self.rules.iter().collect();
        rules.sort_by(|a, b| a.id.cmp(&b.id));
        let mut h = sha2::Sha256::new();
        for r in rules {
            h.update(format!("{}@{}\n", r.id, r.version).as_bytes());
            h.update(r.content);
        }
        h.finalize().iter().take(8).map(|b| format!("{b:02x}")).collect()
    }
}

/// Parses one rule file. `stem` is the file name without extension: the rule id must equal it.
/// Compilation of the expressions happens here too.
pub fn parse_rule(origin: &str, stem: &str, text: &str) -> Result<Rule, Problems> {
    let f: RuleFile = crate::yaml::parse_all(origin, text)?;
    let mut p = Collector::default();
    if f.schema.value != SCHEMA {
        p.push(Problem::at_text(
            origin,
            f.schema.referenced,
            crate::i18n::Text::new(format!("expected `schema: {SCHEMA}`"), format!("cần `schema: {SCHEMA}`")),
        ));
    }
    if f.id.value != stem {
        p.push(Problem::at_text(
            origin,
            f.id.referenced,
            crate::i18n::Text::new(
                format!("rule id `{}` must equal the file name `{stem}`", f.id.value),
                format!("mã quy tắc `{}` phải trùng tên tệp `{stem}`", f.id.value),
            ),
        ));
    }
    if f.controls.is_empty() {
        p.push(Problem::at_text(
            origin,
            f.id.referenced,
            crate::i18n::Text::new(
                "a rule must name at least one control in `controls:`",
                "quy tắc phải nêu ít nhất một biện pháp trong `controls:`",
            ),
        ));
    }
    for (what, t) in [
        ("info.title", &f.info.title),
        ("info.description", &f.info.description),
        ("info.rationale", &f.info.rationale),
        ("info.remediation", &f.info.remediation),
        ("message", &f.message),
    ] {
        if !t.is_complete() {
            p.push(Problem::at_text(
                origin,
                f.id.referenced,
                crate::i18n::Text::new(
                    format!("{what} needs both `en` and `vi` text"),
                    format!("{what} cần cả văn bản `en` và `vi`"),
                ),
            ));
        }
    }
    if let Some(levels) = &f.levels
        && (levels.is_empty() || levels.iter().any(|l| !(1..=5).contains(l)))
    {
        p.push(Problem::at_text(
            origin,
            f.id.referenced,
            crate::i18n::Text::new(
                "levels must be a non-empty list within 1..=5",
                "levels phải là danh sách không rỗng trong khoảng 1..=5",
            ),
        ));
    }
    check_fact_paths(origin, &f, &mut p);
    let applies_when = f.applies_when.as_ref().and_then(|e| compile(origin, "applies_when", e, f.evidence, &mut p));
    let (fail_when, select) = match (&f.fail_when, &f.select) {
        (Some(e), None) => match compile(origin, "fail_when", e, f.evidence, &mut p) {
            Some(x) => (Some(x), None),
            None => {
                return Err(p.failed(|| {
                    Problem::at_text(
                        origin,
                        e.referenced,
                        crate::i18n::Text::new("fail_when: cannot be compiled", "fail_when: không biên dịch được"),
                    )
                }));
            }
        },
        (None, Some(e)) if f.evidence == EvidenceKind::HostAudit => {
            match compile_with(origin, "select", e, &["check"], f.evidence, &mut p) {
                Some(x) => (None, Some(x)),
                None => {
                    return Err(p.failed(|| {
                        Problem::at_text(
                            origin,
                            e.referenced,
                            crate::i18n::Text::new("select: cannot be compiled", "select: không biên dịch được"),
                        )
                    }));
                }
            }
        }
        (None, Some(e)) => {
            return Err(p.failed(|| {
                Problem::at_text(
                    origin,
                    e.referenced,
                    crate::i18n::Text::new(
                        "`select:` is for `evidence: host-audit` rules only",
                        "`select:` chỉ dành cho quy tắc `evidence: host-audit`",
                    ),
                )
            }));
        }
        (Some(_), Some(e)) => {
            return Err(p.failed(|| {
                Problem::at_text(
                    origin,
                    e.referenced,
                    crate::i18n::Text::new(
                        "give either `fail_when:` or `select:`, not both",
                        "chỉ dùng `fail_when:` hoặc `select:`, không dùng cả hai",
                    ),
                )
            }));
        }
        (None, None) => {
            let at = f.id.referenced;
            return Err(p.failed(|| {
                Problem::at_text(
                    origin,
                    at,
                    crate::i18n::Text::new(
                        "a rule needs `fail_when:` (or, for host-audit rules, `select:`)",
                        "quy tắc cần `fail_when:` (hoặc `select:` với quy tắc host-audit)",
                    ),
                )
            }));
        }
    };
    let mut reads: Vec<Vec<String>> = applies_when.iter().chain(&fail_when).flat_map(|e| e.reads.clone()).collect();
    reads.sort();
    reads.dedup();
    p.finish(Rule {
        reads,
        content: <sha2::Sha256 as sha2::Digest>::digest(text.as_bytes()).into(),
        id: f.id.value.into(),
        version: f.version,
        controls: f.controls.into_iter().map(|c| c.value).collect(),
        evidence: f.evidence,
        severity: f.severity,
        levels: f.levels,
        applies_when,
        fail_when,
        select,
        show: f.show,
        info: f.info,
        message: f.message,
        origin: origin.to_string(),
    })
}

/// The message's `{placeholders}` and the `show:` paths must start at a variable the rule's
/// records have (or be `{asset}`): a typo would otherwise print `?` in every finding. (Deeper
/// segments depend on what was observed; `tuanthu rules test` checks them on the cases' facts.)
fn check_fact_paths(origin: &str, f: &RuleFile, p: &mut Collector) {
    let mut roots: Vec<&str> = f.evidence.variables().to_vec();
    roots.push("asset");
    if f.select.is_some() {
        roots.push("check");
    }
    let paths = placeholders(&f.message.en)
        .map(|x| ("message.en", x))
        .chain(placeholders(&f.message.vi).map(|x| ("message.vi", x)))
        .chain(f.show.iter().map(|x| ("show", x.as_str())));
    for (field, path) in paths {
        let root = path.split('.').next().unwrap_or_default();
        if !roots.contains(&root) {
            let hint = crate::yaml::did_you_mean(root, roots.iter().copied());
            let list = roots.join(", ");
            p.push(Problem::at_text(
                origin,
                f.id.referenced,
                Text::new(
                    format!("`{path}` in {field} names no fact of this rule{}: paths start with {list}", hint.en),
                    format!(
                        "`{path}` trong {field} không trỏ tới dữ kiện nào của quy tắc{}: đường dẫn bắt đầu bằng {list}",
                        hint.vi
                    ),
                ),
            ));
        }
    }
}

fn compile(origin: &str, field: &str, src: &Spanned<String>, kind: EvidenceKind, p: &mut Collector) -> Option<Expr> {
    compile_with(origin, field, src, kind.variables(), kind, p)
}

/// Compiles an expression that may read only `allowed` variables.
fn compile_with(
    origin: &str,
    field: &str,
    src: &Spanned<String>,
    allowed: &[&str],
    kind: EvidenceKind,
    p: &mut Collector,
) -> Option<Expr> {
    let at = src.referenced;
    let text = src.value.trim();
    if let Err(msg) = precheck(text) {
        p.push(Problem::at(origin, at, format!("{field}: {msg}")));
        return None;
    }
    match compile_on_big_stack(text) {
        Err(e) => {
            p.push(Problem::at(origin, at, format!("{field}: {e}")));
            None
        }
        Ok((program, analysis)) => {
            let bound = comprehension_variables(text);
            let bad: Vec<String> = program
                .references()
                .variables()
                .into_iter()
                .filter(|v| !allowed.contains(v) && !bound.iter().any(|b| b == v))
                .map(str::to_string)
                .collect();
            if !bad.is_empty() {
                let (bad, kind, allowed) = (bad.join(", "), kind.as_str(), allowed.join(", "));
                p.push(Problem::at_text(
                    origin,
                    at,
                    crate::text!(
                        "{field}: unknown variable(s) {bad} (evidence `{kind}` provides {allowed})",
                        "{field}: biến không có {bad} (bằng chứng `{kind}` cung cấp {allowed})"
                    ),
                ));
                return None;
            }
            let reads = read_paths(program.expression(), allowed);
            Some(Expr { source: text.to_string(), program: Arc::new(program), analysis, reads })
        }
    }
}

/// The paths of the variables in `vars` that `e` reads: each chain of field selections rooted at
/// one of them (`port.service.name`), the whole variable where it is used otherwise. A `has()`
/// test reads its operand (so whether the field exists is part of what was read). A name a
/// comprehension binds that shadows a variable only adds a path: reading more is always safe.
/// The step estimate of [`cost`] reads the same values, so an over-budget verdict is covered too.
fn read_paths(e: &cel::common::ast::IdedExpr, vars: &[&str]) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    collect_reads(e, vars, &mut out);
    out.sort();
    out.dedup();
    out
}

fn collect_reads(e: &cel::common::ast::IdedExpr, vars: &[&str], out: &mut Vec<Vec<String>>) {
    use cel::common::ast::{EntryExpr, Expr as E};
    match &e.expr {
        E::Ident(name) if vars.contains(&name.as_str()) => out.push(vec![name.clone()]),
        E::Ident(_) | E::Literal(_) | E::Unspecified => {}
        E::Select(s) => {
            let chain = if s.test { selection_chain(&s.operand) } else { selection_chain(e) };
            match chain {
                Some(path) if vars.contains(&path[0].as_str()) => out.push(path),
                Some(_) => {}
                None => collect_reads(&s.operand, vars, out),
            }
        }
        E::Call(c) => {
            for x in c.target.iter().map(|t| &**t).chain(&c.args) {
                collect_reads(x, vars, out);
            }
        }
        E::List(l) => l.elements.iter().for_each(|x| collect_reads(x, vars, out)),
        E::Map(m) => m.entries.iter().for_each(|x| entry_reads(&x.expr, vars, out)),
        E::Struct(s) => s.entries.iter().for_each(|x| entry_reads(&x.expr, vars, out)),
        E::Comprehension(c) => {
            for x in [&c.iter_range, &c.accu_init, &c.loop_cond, &c.loop_step, &c.result] {
                collect_reads(x, vars, out);
            }
        }
    }

    fn entry_reads(x: &EntryExpr, vars: &[&str], out: &mut Vec<Vec<String>>) {
        match x {
            EntryExpr::StructField(f) => collect_reads(&f.value, vars, out),
            EntryExpr::MapEntry(m) => {
                collect_reads(&m.key, vars, out);
                collect_reads(&m.value, vars, out);
            }
        }
    }
}

/// `a.b.c` as `["a", "b", "c"]` when `e` is a plain chain of field selections on a name.
fn selection_chain(e: &cel::common::ast::IdedExpr) -> Option<Vec<String>> {
    use cel::common::ast::Expr as E;
    let mut path = Vec::new();
    let mut at = e;
    loop {
        match &at.expr {
            E::Ident(name) => {
                path.push(name.clone());
                path.reverse();
                return Some(path);
            }
            E::Select(s) if !s.test => {
                path.push(s.field.clone());
                at = &s.operand;
            }
            _ => return None,
        }
    }
}

/// Names bound by CEL's comprehension macros (`list.exists(v, ...)`, `all`, `exists_one`, `map`,
/// `filter`): the parser reports them among the referenced variables, but they are local.
fn comprehension_variables(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for m in [".all(", ".exists(", ".exists_one(", ".map(", ".filter("] {
        for (i, _) in text.match_indices(m) {
            let rest = &text[i + m.len()..];
            let name: String =
                rest.trim_start().chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            if !name.is_empty() && rest.trim_start()[name.len()..].trim_start().starts_with(',') {
                out.push(name);
            }
        }
    }
    out
}

/// Refuses expressions that could exhaust the parser's stack before they reach it.
fn precheck(text: &str) -> Result<(), ExprError> {
    if text.is_empty() {
        return Err(ExprError::Empty);
    }
    if text.len() > MAX_EXPR_LEN {
        return Err(ExprError::TooLong(text.len()));
    }
    let (mut depth, mut max, mut quote) = (0usize, 0usize, None::<char>);
    let mut escaped = false;
    for c in text.chars() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '\'' => quote = Some(c),
            '(' | '[' | '{' => {
                depth += 1;
                max = max.max(depth);
            }
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    if max > MAX_EXPR_DEPTH {
        return Err(ExprError::TooDeep(max));
    }
    Ok(())
}

/// The CEL environment of every rule: the standard library plus the strings extension
/// (`lowerAscii`, `trim`, `split`, ...), built once.
pub fn cel_env() -> Arc<cel::Env> {
    static ENV: std::sync::OnceLock<Arc<cel::Env>> = std::sync::OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = cel::Env::stdlib();
        // The extension only declares functions; it cannot fail on a fresh environment, and if it
        // did, rules using it would fail to compile with a clear message.
        let _ = env.add_extension(cel::extensions::strings);
        Arc::new(env)
    })
    .clone()
}

/// A context for evaluating rules (cheap: it shares the environment).
pub fn new_context<'p, 'v>() -> cel::Context<'p, 'v> {
    cel::Context::with_env(cel_env())
}

/// The CEL parser recurses per nesting level and the default 2 MiB test-thread stack is not
/// enough for its generated code in debug builds; parse on a 16 MiB stack. The shape is checked
/// there too, so that a tree too deep to evaluate is also dropped (recursively) on that stack.
fn compile_on_big_stack(text: &str) -> Result<(cel::Program, cost::Analysis), ExprError> {
    let owned = text.to_string();
    let handle = std::thread::Builder::new()
        .name("cel-compile".into())
        .stack_size(16 << 20)
        .spawn(move || {
            let program = cel_env().compile(&owned).map_err(|e| ExprError::Syntax(e.to_string()))?;
            let analysis = cost::analyse(&program, &owned)?;
            Ok((program, analysis))
        })
        .map_err(|e| ExprError::Syntax(format!("cannot start the compiler thread: {e}")))?;
    handle.join().unwrap_or_else(|_| Err(ExprError::Syntax("the CEL parser failed on this expression".into())))
}

/// A CEL value that borrows from JSON facts (no string is copied). All integers become CEL `int`
/// so that rules can compare them with plain literals (`port.portid == 23`).
pub fn to_val(v: &serde_json::Value) -> Box<dyn cel::common::value::Val + '_> {
    use cel::common::types::{CelBool, CelDouble, CelInt, CelList, CelMap, CelMapKey, CelNull, CelString};
    use serde_json::Value as J;
    match v {
        J::Null => Box::new(CelNull),
        J::Bool(b) => Box::new(CelBool::from(*b)),
        J::Number(n) => match n.as_i64() {
            Some(i) => Box::new(CelInt::from(i)),
            None => Box::new(CelDouble::from(n.as_f64().unwrap_or(f64::NAN))),
        },
        J::String(s) => Box::new(CelString::from(s.as_str())),
        J::Array(a) => Box::new(CelList::from(a.iter().map(to_val).collect::<Vec<_>>())),
        J::Object(o) => {
            let map: HashMap<CelMapKey, Box<dyn cel::common::value::Val>> =
                o.iter().map(|(k, v)| (CelMapKey::from(k.as_str()), to_val(v))).collect();
            Box::new(CelMap::from(map))
        }
    }
}

/// Fills `{dotted.path}` placeholders of a message template from `facts`. Unknown paths render as
/// `?`, and every value is sanitised: facts come from scanned hosts.
pub fn render_message(template: &str, facts: &serde_json::Value) -> String {
    fill_placeholders(template, |path| fact_text(facts, path))
}

/// Replaces each `{dotted.path}` of a message template with `text(path)`; an unclosed `{` and
/// what follows it are kept as written. One loop for every way a record's facts are held.
pub fn fill_placeholders(template: &str, mut text: impl FnMut(&str) -> String) -> String {
    fill_placeholders_with(template, |path, out| out.push_str(&text(path)))
}

/// [`fill_placeholders`] where `text(path, out)` appends the text of `path` to `out`, so that
/// texts already held elsewhere are copied once, into the message, and nowhere else.
pub fn fill_placeholders_with(template: &str, mut text: impl FnMut(&str, &mut String)) -> String {
    let mut out = String::with_capacity(2 * template.len() + 32);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) => {
                text(&after[..end], &mut out);
                rest = &after[end + 1..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// Looks a dotted path up in JSON facts.
pub fn lookup<'a>(facts: &'a serde_json::Value, path: &str) -> Option<&'a serde_json::Value> {
    path.split('.').try_fold(facts, |v, key| v.get(key))
}

/// The display form of the fact at `path` ("?" when absent), sanitised and capped.
pub fn fact_text(facts: &serde_json::Value, path: &str) -> String {
    let s = match lookup(facts, path) {
        None | Some(serde_json::Value::Null) => "?".to_string(),
        Some(serde_json::Value::String(s)) if s.is_empty() => "?".to_string(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    };
    crate::sanitize::truncate(&crate::sanitize::one_line(&s), 200)
}

/// Map of control id to rules, for `validate`: every control a rule names must exist somewhere.
pub fn unknown_controls<'a>(rules: &'a RuleSet, known: &dyn Fn(&str) -> bool) -> BTreeMap<&'a str, Vec<&'a str>> {
    let mut out: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for r in &rules.rules {
        for c in &r.controls {
            if !known(c) {
                out.entry(r.origin.as_str()).or_default().push(c.as_str());
            }
        }
    }
    out
}

/// The `{dotted.path}` placeholders of a message template.
pub fn placeholders(template: &str) -> impl Iterator<Item = &str> {
    template.split('{').skip(1).filter_map(|s| s.split_once('}').map(|(path, _)| path))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Compiles without the limits, on the compiler's stack.
    pub(crate) fn compile_big(src: &str) -> Result<cel::Program, ExprError> {
        let owned = src.to_string();
        let t = std::thread::Builder::new()
            .stack_size(16 << 20)
            .spawn(move || cel_env().compile(&owned).map_err(|e| ExprError::Syntax(e.to_string())));
        t.unwrap().join().unwrap()
    }

    /// Drops a program on a big stack (dropping a deep tree recurses).
    pub(crate) fn drop_big(p: Arc<cel::Program>) {
        std::thread::Builder::new().stack_size(16 << 20).spawn(move || drop(p)).unwrap().join().unwrap();
    }

    const RULE: &str = r#"schema: tuanthu/rule/v1
id: demo-rule
version: 1
controls: [NET.01]
evidence: nmap.port
severity: high
applies_when: 'port.state == "open"'
fail_when: 'port.service.name in ["telnet"]'
show: [port.service.product]
info:
  title: {en: "Telnet", vi: "Telnet"}
  description: {en: "d", vi: "d"}
  rationale: {en: "r", vi: "r"}
  remediation: {en: "x", vi: "x"}
message: {en: "{port.service.name} on {asset}", vi: "{port.service.name} trên {asset}"}
"#;

    fn judge(r: &Rule, port: serde_json::Value) -> Verdict {
        let mut ctx = new_context();
        ctx.add_variable_as_val("port", to_val(&port));
        r.judge(&ctx)
    }

    #[test]
    fn compiles_and_judges() {
        let r = parse_rule("demo-rule.yaml", "demo-rule", RULE).unwrap();
        let telnet = serde_json::json!({"state": "open", "service": {"name": "telnet"}});
        let https = serde_json::json!({"state": "open", "service": {"name": "https"}});
        let closed = serde_json::json!({"state": "closed", "service": {"name": "telnet"}});
        assert_eq!(judge(&r, telnet), Verdict::Fail);
        assert_eq!(judge(&r, https), Verdict::Pass);
        assert_eq!(judge(&r, closed), Verdict::Skipped);
    }

    #[test]
    fn evaluation_error_is_not_a_pass() {
        let r = parse_rule("demo-rule.yaml", "demo-rule", RULE).unwrap();
        let missing = serde_json::json!({"state": "open"});
        assert!(matches!(judge(&r, missing), Verdict::Error(_)));
    }

    #[test]
    fn id_must_match_file_name() {
        let e = parse_rule("x.yaml", "other", RULE).unwrap_err();
        assert!(e.to_string().contains("must equal the file name"), "{e}");
    }

    #[test]
    fn unknown_variable_is_rejected() {
        let bad = RULE.replace(r#"fail_when: 'port.service.name in ["telnet"]'"#, "fail_when: 'tls.protocols.ssl3'");
        let e = parse_rule("demo-rule.yaml", "demo-rule", &bad).unwrap_err();
        assert!(e.to_string().contains("unknown variable(s) tls"), "{e}");
        assert!(e.to_string().starts_with("demo-rule.yaml:8:"), "{e}");
    }

    #[test]
    fn syntax_error_names_position() {
        let bad =
            RULE.replace(r#"fail_when: 'port.service.name in ["telnet"]'"#, "fail_when: 'port.service.name in ['");
        let e = parse_rule("demo-rule.yaml", "demo-rule", &bad).unwrap_err();
        assert!(e.to_string().contains("CEL syntax error"), "{e}");
    }

    #[test]
    fn deep_nesting_is_refused_before_parsing() {
        let deep = format!("{}true{}", "[".repeat(200), "]".repeat(200));
        let bad = RULE.replace(r#"'port.service.name in ["telnet"]'"#, &format!("'{deep}'"));
        let e = parse_rule("demo-rule.yaml", "demo-rule", &bad).unwrap_err();
        assert!(e.to_string().contains("nest 200 deep"), "{e}");
    }

    #[test]
    fn over_budget_is_an_error_not_a_pass() {
        let rule =
            RULE.replace(r#"'port.service.name in ["telnet"]'"#, r#"'port.cpe.exists(a, port.cpe.exists(b, a == b))'"#);
        let r = parse_rule("demo-rule.yaml", "demo-rule", &rule).unwrap();
        let few = serde_json::json!({"state": "open", "cpe": ["a", "b"]});
        assert_eq!(judge(&r, few), Verdict::Fail);
        let many = serde_json::json!({"state": "open", "cpe": (0..2000).map(|i| i.to_string()).collect::<Vec<_>>()});
        match judge(&r, many) {
            Verdict::Error(e) => {
                assert!(e.starts_with("fail_when: this rule would need more than 1000000 steps"), "{e}")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn too_deep_a_tree_is_refused_with_the_limit() {
        let chain = format!("'{} > 0'", vec!["1"; 100].join(" + "));
        let bad = RULE.replace(r#"'port.service.name in ["telnet"]'"#, &chain);
        let e = parse_rule("demo-rule.yaml", "demo-rule", &bad).unwrap_err().to_string();
        assert!(e.starts_with("demo-rule.yaml:8:"), "{e}");
        assert!(e.contains("syntax tree is 101 levels deep (at column 5 of the expression); the limit is 64"), "{e}");
    }

    #[test]
    fn messages_fill_and_sanitise() {
        let facts = serde_json::json!({"asset": "10.0.0.1:23/tcp", "port": {"service": {"name": "tel\u{1b}[2Jnet"}}});
        let m = render_message("{port.service.name} on {asset} ({port.nope})", &facts);
        assert_eq!(m, "tel\u{FFFD}[2Jnet on 10.0.0.1:23/tcp (?)");
    }
}
