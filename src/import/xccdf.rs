//! Streaming importer for XCCDF 1.1 and 1.2 results and ARF 1.1 result collections (OpenSCAP's
//! `oscap xccdf eval --results` / `--results-arf`, CIS-CAT's XCCDF output).
//!
//! # What it reads
//! Every `TestResult`, wherever it sits (the root of a results file, inside a `Benchmark`, or in an
//! ARF `arf:reports/arf:report/arf:content`): its id, benchmark, profile, start and end time, test
//! system, target, target addresses and facts, score, and each `rule-result` (idref, result,
//! severity, time, weight, idents with their system). When the file carries the benchmark (an ARF
//! holds the data stream in `arf:report-requests`; a results file embeds the `Benchmark`), each
//! `Rule`'s title, severity, idents (CCE …) and `<reference href=…>` lists grouped by source (NIST
//! SP 800-53, CIS, ANSSI, PCI DSS …: the `href`, with the comma-separated text split into ids), so
//! that a rule pack can match rules by reference rather than by product-specific rule id.
//! Everything else (OVAL definitions and results, CPE dictionaries, descriptions, fixes, checks'
//! content) is passed over without being kept.
//!
//! # OVAL-generated patch benchmarks
//! A rule whose id starts with `oval-`, whose check is an OVAL check and whose title begins with an
//! advisory id (`RHSA-2006:0117: …`, `DSA-4371-1 …`, `USN-…`) is a patch rule, as in the
//! benchmarks `oscap` generates from a vendor's OVAL patch definitions. Each such rule that
//! *fails* in a `TestResult` is delivered as a [`PatchFinding`] (the advisory is missing): its
//! advisory id, title, CVEs (idents of system `…cve…`) and severity. Patch rules that pass are only
//! rule results.
//!
//! # Mapping
//! `rule-result/result` onto [`CheckResult`]: `pass` and `fixed` → pass; `fail` → fail; `error` →
//! error; `unknown` → unknown; `notapplicable` → not applicable; `notchecked` and `notselected`
//! (the rule was not part of the profile) → not checked; `informational` → informational; any
//! other word → unknown. The tool's word is kept in [`RuleResult::tool_result`]. Severity (of
//! `rule-result/@severity` in [`RuleResult`], of `Rule/@severity` in [`RuleInfo`]; a patch
//! finding takes the first it has): `info` → none, `low`, `medium`, `high` → the same; `unknown`,
//! absent or any other word → `None` (the rule result keeps the word).
//!
//! # Memory
//! The file is never loaded: each `TestResult` is handed to the callback as soon as its end tag is
//! read, so memory is one `TestResult` (at most [`Limits::max_results_per_host`] rule results)
//! plus the benchmark's rule map (at most as many rules), whatever the file size. Text and
//! attribute values are cut at [`Limits::max_text_bytes`].
//!
//! # Safety and damaged files
//! As every XML importer (see [`super::xml`]): no DTD entities, the five predefined entities and
//! character references only, nesting and token sizes bounded, the root must be `Benchmark`,
//! `TestResult` or `asset-report-collection`. A damaged file is an error with its line and column
//! *after* every `TestResult` completed before the damage was delivered.
//!
//! Elements are matched by local name, so XCCDF 1.1, 1.2 and any namespace prefix read alike.

use std::collections::HashMap;
use std::io::BufRead;

use super::xml::{Ev, Tag, XmlFormat, XmlReader, check_root, shown, truncated};
use super::{CheckResult, ImportError, Limits, Severity};
use crate::text;

/// Root elements accepted.
const ROOTS: [&str; 3] = ["Benchmark", "TestResult", "asset-report-collection"];

/// An ident (`<ident system="https://ncp.nist.gov/cce">CCE-80814-3</ident>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ident {
    pub system: String,
    pub id: String,
}

/// A rule's references from one source: the `href` and the ids listed under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct References {
    pub source: String,
    pub ids: Vec<String>,
}

/// What the benchmark says of one rule.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RuleInfo {
    pub title: String,
    pub severity: Option<Severity>,
    pub idents: Vec<Ident>,
    /// Grouped by source, in order of first appearance.
    pub references: Vec<References>,
    /// An OVAL-generated patch rule (module docs): the advisory id its title begins with.
    pub advisory: Option<String>,
}

/// The benchmark(s) the file carries: ids and the compact rule map.
#[derive(Debug, Clone, Default)]
pub struct Benchmark {
    /// Ids of the `Benchmark` elements read, in file order.
    pub ids: Vec<String>,
    pub rules: HashMap<String, RuleInfo>,
}

/// A target fact (`<fact name=… type=…>value</fact>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fact {
    pub name: String,
    pub kind: Option<String>,
    pub value: String,
}

/// One `rule-result`.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleResult {
    pub idref: String,
    pub result: CheckResult,
    /// The tool's word (`pass`, `notselected` …).
    pub tool_result: String,
    pub severity: Option<Severity>,
    pub tool_severity: Option<String>,
    pub time: Option<String>,
    pub weight: Option<f64>,
    pub idents: Vec<Ident>,
}

/// A failing OVAL patch rule: an advisory not applied on the target.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchFinding {
    pub rule_id: String,
    pub advisory: String,
    pub title: String,
    pub cves: Vec<String>,
    pub severity: Option<Severity>,
}

/// One `TestResult`: what was evaluated on one target.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TestResult {
    pub id: String,
    /// The benchmark's id (`benchmark/@id`, else the enclosing or first `Benchmark`'s id), else its
    /// `href`.
    pub benchmark: Option<String>,
    pub profile: Option<String>,
    pub start_time: Option<String>,
    pub end_time: Option<String>,
    pub test_system: Option<String>,
    pub target: Option<String>,
    pub target_addresses: Vec<String>,
    pub target_facts: Vec<Fact>,
    pub score: Option<f64>,
    pub rule_results: Vec<RuleResult>,
    /// Failing patch rules (module docs), derived from the rule map when the file carries it.
    pub findings: Vec<PatchFinding>,
}

/// What was learnt about the file as a whole.
#[derive(Debug, Clone)]
pub struct XccdfRun {
    /// XCCDF 1.1, 1.2 or ARF, from the root element's namespace (`None`: a namespace we do not
    /// know, read all the same).
    pub format: Option<XmlFormat>,
    pub benchmark: Benchmark,
    pub test_results: usize,
}

/// Streams an XCCDF or ARF file, calling `on_result` with the benchmark read so far and each
/// complete `TestResult`, in file order.
///
/// # Errors
/// `Malformed` with the position of the damage (every `TestResult` completed before it has
/// already been delivered), `Io` if reading fails, `Callback` if `on_result` refused one.
pub fn read_xccdf<R: BufRead>(
    input: R,
    limits: &Limits,
    mut on_result: impl FnMut(&Benchmark, TestResult) -> Result<(), String>,
) -> Result<XccdfRun, ImportError> {
    let mut r = XmlReader::new(input, limits);
    let mut run = XccdfRun { format: None, benchmark: Benchmark::default(), test_results: 0 };
    loop {
        let step = match r.event()? {
            Ev::Open(tag) => {
                if tag.depth() == 1 {
                    check_root(&tag, &ROOTS, "XCCDF or ARF result")?;
                    run.format = tag.format();
                }
                Step::of(&tag, &mut run.benchmark)?
            }
            Ev::Close | Ev::Text(_) => Step::Descend,
            Ev::Eof => return Ok(run),
        };
        match step {
            Step::Descend => {}
            Step::Rule(id, severity) => {
                let info = rule(&mut r, severity)?;
                if run.benchmark.rules.len() >= limits.max_results_per_host {
                    let max = limits.max_results_per_host;
                    return Err(r.error(text!(
                        "more than {max} rules in the benchmark",
                        "bộ tiêu chuẩn có nhiều hơn {max} quy tắc"
                    )));
                }
                run.benchmark.rules.insert(id, info);
            }
            Step::TestResult(mut test) => {
                test_result(&mut r, limits, &mut test)?;
                if test.benchmark.is_none() {
                    test.benchmark = run.benchmark.ids.first().cloned();
                }
                test.findings = patch_findings(&test, &run.benchmark);
                run.test_results += 1;
                on_result(&run.benchmark, *test).map_err(ImportError::Callback)?;
            }
        }
    }
}

/// What to do with an opening tag met outside rules and results.
enum Step {
    Descend,
    Rule(String, Option<String>),
    TestResult(Box<TestResult>),
}

impl Step {
    fn of(tag: &Tag<'_>, benchmark: &mut Benchmark) -> Result<Step, ImportError> {
        Ok(match tag.local() {
            "Benchmark" => {
                if let Some(id) = tag.attr("id")? {
                    benchmark.ids.push(id);
                }
                Step::Descend
            }
            "Rule" => Step::Rule(required(tag, "id")?, tag.attr("severity")?),
            "TestResult" => Step::TestResult(Box::new(TestResult {
                id: required(tag, "id")?,
                start_time: tag.attr("start-time")?,
                end_time: tag.attr("end-time")?,
                test_system: tag.attr("test-system")?,
                ..TestResult::default()
            })),
            _ => Step::Descend,
        })
    }
}

fn required(tag: &Tag<'_>, key: &str) -> Result<String, ImportError> {
    present(tag, key, tag.attr(key)?)
}

/// `value` of attribute `key`, which `tag` must have.
fn present(tag: &Tag<'_>, key: &str, value: Option<String>) -> Result<String, ImportError> {
    value.ok_or_else(|| {
        let name = shown(tag.local());
        super::xml::malformed(
            tag.at(),
            text!("missing attribute {key} on <{name}>", "thiếu thuộc tính {key} trên <{name}>"),
        )
    })
}

/// The children of a `Rule` we keep.
enum RuleChild {
    Title,
    Reference(String),
    Ident(String),
    Check(bool),
    Other,
}

fn rule<R: BufRead>(r: &mut XmlReader<R>, severity: Option<String>) -> Result<RuleInfo, ImportError> {
    let mut info = RuleInfo { severity: severity.as_deref().and_then(severity_of), ..RuleInfo::default() };
    let mut oval = false;
    loop {
        let child = match r.event()? {
            Ev::Open(tag) => match tag.local() {
                "title" => RuleChild::Title,
                "reference" => RuleChild::Reference(tag.attr("href")?.unwrap_or_default()),
                "ident" => RuleChild::Ident(tag.attr("system")?.unwrap_or_default()),
                "check" => RuleChild::Check(tag.attr("system")?.is_some_and(|s| s.contains("oval"))),
                _ => RuleChild::Other,
            },
            Ev::Close => break,
            Ev::Text(_) => continue,
            Ev::Eof => return Err(r.error(truncated())),
        };
        match child {
            RuleChild::Title => info.title = r.trimmed()?,
            RuleChild::Reference(source) => {
                let text = r.trimmed()?;
                let ids = text.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
                match info.references.iter_mut().find(|g| g.source == source) {
                    Some(group) => group.ids.extend(ids),
                    None => info.references.push(References { source, ids: ids.collect() }),
                }
            }
            RuleChild::Ident(system) => info.idents.push(Ident { system, id: r.trimmed()? }),
            RuleChild::Check(is_oval) => {
                oval |= is_oval;
                r.skip()?;
            }
            RuleChild::Other => r.skip()?,
        }
    }
    Ok(RuleInfo { advisory: if oval { advisory_of(&info.title) } else { None }, ..info })
}

/// The advisory id an OVAL patch rule's title begins with (`RHSA-2006:0117`, `DSA-4371-1`,
/// `USN-5432-1`, `ELSA-2020:1234` …): letters, a dash, then a number of at least three digits.
fn advisory_of(title: &str) -> Option<String> {
    let token = title.split(|c: char| c.is_whitespace() || c == ',').next()?.trim_end_matches(':');
    let (prefix, rest) = token.split_once('-')?;
    let looks = !prefix.is_empty()
        && prefix.chars().all(|c| c.is_ascii_alphabetic())
        && rest.starts_with(|c: char| c.is_ascii_digit())
        && rest.chars().filter(char::is_ascii_digit).count() >= 3
        && rest.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '-' | '.'));
    looks.then(|| token.to_owned())
}

/// The children of a `TestResult` we keep.
enum TestChild {
    Benchmark(Option<String>),
    Profile(Option<String>),
    Target,
    Address,
    Facts,
    RuleResult(RuleResult),
    Score,
    Other,
}

fn test_result<R: BufRead>(r: &mut XmlReader<R>, limits: &Limits, test: &mut TestResult) -> Result<(), ImportError> {
    loop {
        let child = match r.event()? {
            Ev::Open(tag) => match tag.local() {
                "benchmark" => TestChild::Benchmark(tag.attr("id")?.or(tag.attr("href")?)),
                "profile" => TestChild::Profile(tag.attr("idref")?),
                "target" => TestChild::Target,
                "target-address" => TestChild::Address,
                "target-facts" => TestChild::Facts,
                "rule-result" => {
                    // One pass over the attributes of the most frequent element, read in the order
                    // (and with the errors) of one lookup per key.
                    let attrs = tag.attrs(["severity", "idref", "time", "weight"]);
                    let severity = attrs.get(0)?;
                    TestChild::RuleResult(RuleResult {
                        idref: present(&tag, "idref", attrs.get(1)?)?,
                        result: CheckResult::Unknown,
                        tool_result: String::new(),
                        severity: severity.as_deref().and_then(severity_of),
                        tool_severity: severity,
                        time: attrs.get(2)?,
                        weight: parsed(&tag, "weight", attrs.get(3)?)?,
                        idents: Vec::new(),
                    })
                }
                "score" => TestChild::Score,
                _ => TestChild::Other,
            },
            Ev::Close => return Ok(()),
            Ev::Text(_) => continue,
            Ev::Eof => return Err(r.error(truncated())),
        };
        match child {
            TestChild::Benchmark(id) => {
                test.benchmark = id;
                r.skip()?;
            }
            TestChild::Profile(idref) => {
                test.profile = idref;
                r.skip()?;
            }
            TestChild::Target => test.target = Some(r.trimmed()?),
            TestChild::Address => {
                let address = r.trimmed()?;
                if test.target_addresses.len() >= limits.max_results_per_host {
                    let max = limits.max_results_per_host;
                    return Err(r.error(text!("more than {max} target addresses", "nhiều hơn {max} địa chỉ đích")));
                }
                test.target_addresses.push(address);
            }
            TestChild::Facts => facts(r, limits, &mut test.target_facts)?,
            TestChild::RuleResult(mut result) => {
                rule_result(r, &mut result)?;
                if test.rule_results.len() >= limits.max_results_per_host {
                    let id = shown(&test.id).into_owned();
                    let max = limits.max_results_per_host;
                    return Err(r.error(text!(
                        "TestResult {id} has more than {max} rule results",
                        "TestResult {id} có nhiều hơn {max} kết quả quy tắc"
                    )));
                }
                test.rule_results.push(result);
            }
            TestChild::Score => {
                let text = r.trimmed()?;
                test.score = Some(text.parse().map_err(|_| {
                    let text = shown(&text);
                    r.error(text!("score {text:?} is not a number", "điểm {text:?} không phải số"))
                })?);
            }
            TestChild::Other => r.skip()?,
        }
    }
}

/// `value` of attribute `key` of `tag` as a number, when it is there.
fn parsed(tag: &Tag<'_>, key: &str, value: Option<String>) -> Result<Option<f64>, ImportError> {
    match value {
        None => Ok(None),
        Some(v) => v.trim().parse().map(Some).map_err(|_| {
            let (v, name) = (shown(&v), tag.local());
            super::xml::malformed(
                tag.at(),
                text!(
                    "attribute {key}=\"{v}\" on <{name}> is not a number",
                    "thuộc tính {key}=\"{v}\" trên <{name}> không phải số"
                ),
            )
        }),
    }
}

fn facts<R: BufRead>(r: &mut XmlReader<R>, limits: &Limits, out: &mut Vec<Fact>) -> Result<(), ImportError> {
    loop {
        let head = match r.event()? {
            Ev::Open(tag) if tag.local() == "fact" => Some((tag.attr("name")?.unwrap_or_default(), tag.attr("type")?)),
            Ev::Open(_) => None,
            Ev::Close => return Ok(()),
            Ev::Text(_) => continue,
            Ev::Eof => return Err(r.error(truncated())),
        };
        match head {
            Some((name, kind)) => {
                if out.len() >= limits.max_results_per_host {
                    let max = limits.max_results_per_host;
                    return Err(r.error(text!("more than {max} target facts", "nhiều hơn {max} dữ kiện về đích")));
                }
                out.push(Fact { name, kind, value: r.trimmed()? });
            }
            None => r.skip()?,
        }
    }
}

fn rule_result<R: BufRead>(r: &mut XmlReader<R>, result: &mut RuleResult) -> Result<(), ImportError> {
    loop {
        let child = match r.event()? {
            Ev::Open(tag) => match tag.local() {
                "result" => Some(None),
                "ident" => Some(Some(tag.attr("system")?.unwrap_or_default())),
                _ => None,
            },
            Ev::Close => break,
            Ev::Text(_) => continue,
            Ev::Eof => return Err(r.error(truncated())),
        };
        match child {
            Some(None) => result.tool_result = r.trimmed()?,
            Some(Some(system)) => result.idents.push(Ident { system, id: r.trimmed()? }),
            None => r.skip()?,
        }
    }
    if result.tool_result.is_empty() {
        let id = shown(&result.idref);
        return Err(r.error(text!("rule-result {id} has no <result>", "rule-result {id} không có <result>")));
    }
    result.result = result_of(&result.tool_result);
    Ok(())
}

/// XCCDF's result words on the shared scale (module docs).
pub fn result_of(word: &str) -> CheckResult {
    match word {
        "pass" | "fixed" => CheckResult::Pass,
        "fail" => CheckResult::Fail,
        "error" => CheckResult::Error,
        "notapplicable" => CheckResult::NotApplicable,
        "notchecked" | "notselected" => CheckResult::NotChecked,
        "informational" => CheckResult::Informational,
        _ => CheckResult::Unknown,
    }
}

/// XCCDF's severity words on the shared scale (module docs).
pub fn severity_of(word: &str) -> Option<Severity> {
    match word {
        "info" => Some(Severity::None),
        "low" => Some(Severity::Low),
        "medium" => Some(Severity::Medium),
        "high" => Some(Severity::High),
        _ => None,
    }
}

/// The failing patch rules of `test` as findings (module docs).
fn patch_findings(test: &TestResult, benchmark: &Benchmark) -> Vec<PatchFinding> {
    let is_cve = |i: &&Ident| i.system.to_ascii_lowercase().contains("cve");
    test.rule_results
        .iter()
        .filter(|rr| rr.result == CheckResult::Fail && rr.idref.starts_with("oval-"))
        .filter_map(|rr| {
            let rule = benchmark.rules.get(&rr.idref)?;
            let advisory = rule.advisory.clone()?;
            let idents = if rr.idents.is_empty() { &rule.idents } else { &rr.idents };
            Some(PatchFinding {
                rule_id: rr.idref.clone(),
                advisory,
                title: rule.title.clone(),
                cves: idents.iter().filter(is_cve).map(|i| i.id.clone()).collect(),
                severity: rr.severity.or(rule.severity),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advisories_are_recognised_in_titles() {
        let cases = [
            ("RHSA-2006:0117: vixie-cron security update (Low)", Some("RHSA-2006:0117")),
            ("DSA-4371-1 lxml -- security update", Some("DSA-4371-1")),
            ("USN-5432-1: ...", Some("USN-5432-1")),
            ("Ensure auditd is running", None),
            ("SSH-2 only", None),
        ];
        for (title, want) in cases {
            assert_eq!(advisory_of(title).as_deref(), want, "{title}");
        }
    }

    #[test]
    fn a_minimal_results_file_reads() {
        let xml = r#"<Benchmark xmlns="http://checklists.nist.gov/xccdf/1.2" id="b">
            <Rule id="r1" severity="high"><title>T1</title>
              <reference href="nist">AC-2, AC-3</reference><reference href="nist">AU-2</reference>
              <ident system="https://ncp.nist.gov/cce">CCE-1</ident></Rule>
            <TestResult id="t" end-time="2026-01-01T00:00:00"><profile idref="p"/><target>h</target>
              <rule-result idref="r1" weight="1.0"><result>fail</result></rule-result>
              <rule-result idref="r2" severity="info"><result>notselected</result></rule-result>
            </TestResult></Benchmark>"#;
        let mut got = Vec::new();
        let run = read_xccdf(xml.as_bytes(), &Limits::default(), |_, t| {
            got.push(t);
            Ok(())
        });
        let run = run.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(run.format, Some(XmlFormat::Xccdf12));
        let rule = &run.benchmark.rules["r1"];
        assert_eq!(
            rule.references,
            vec![References { source: "nist".into(), ids: vec!["AC-2".into(), "AC-3".into(), "AU-2".into()] }]
        );
        assert_eq!(rule.severity, Some(Severity::High));
        let t = &got[0];
        assert_eq!(
            (t.benchmark.as_deref(), t.profile.as_deref(), t.target.as_deref()),
            (Some("b"), Some("p"), Some("h"))
        );
        assert_eq!(t.rule_results[0].result, CheckResult::Fail);
        assert_eq!(t.rule_results[1].result, CheckResult::NotChecked);
        assert_eq!(t.rule_results[1].severity, Some(Severity::None));
        assert!(t.findings.is_empty());
    }
}
