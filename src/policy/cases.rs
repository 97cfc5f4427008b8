//! Rule case files (`schema: tuanthu/rule-cases/v1`): a rule pack's own tests, kept beside the
//! rules as `<rule-id>.cases.yaml` and run by `tuanthu rules test` (and by `cargo test` for the
//! bundled pack). A case states only the facts that matter to it; every other fact takes the empty
//! value the engine gives when nothing was observed ([`defaults`]), so a case reads like the
//! situation it describes:
//!
//! ```yaml
//! schema: tuanthu/rule-cases/v1
//! rule: nmap-telnet-open
//! cases:
//!   - {name: telnet on 23, port: {portid: 23, state: open, service: {name: telnet}}, expect: fail}
//!   - {name: ssh on 22, port: {portid: 22, state: open, service: {name: ssh}}, expect: pass}
//! ```
//!
//! What a case file proves is checked too: each rule has a case file, each file has a case the
//! rule fails (for `select:` rules: selects) and one it does not, an `error` case names the exact
//! error, and a failing case's message and `show:` paths name facts the record has (a typo in a
//! placeholder would print `?` in every finding).

use super::Policy;
use super::rules::{Rule, Verdict, lookup, new_context, placeholders, render_message, to_val};
use super::source::Source;
use crate::diag::{Collector, Problem, Problems};
use crate::i18n::Text;
use serde::Deserialize;
use serde_json::{Value, json};
use serde_saphyr::Spanned;

pub const SCHEMA: &str = "tuanthu/rule-cases/v1";

/// The variables a case may set; each overlays the default facts of its name.
const VARIABLES: [&str; 13] =
    ["system", "params", "host", "port", "tls", "http", "incident", "audit", "vulns", "agent", "check", "ssh", "dns"];

/// What a case expects the rule to say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Expect {
    Pass,
    Fail,
    /// `applies_when` was false: the rule does not judge the record.
    Skipped,
    /// Evaluation failed; the case names the error (`error:`).
    Error,
    /// `select:` rules: the audited check speaks for the rule.
    Selected,
    NotSelected,
}

impl Expect {
    pub fn as_str(self) -> &'static str {
        match self {
            Expect::Pass => "pass",
            Expect::Fail => "fail",
            Expect::Skipped => "skipped",
            Expect::Error => "error",
            Expect::Selected => "selected",
            Expect::NotSelected => "not-selected",
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDe {
    schema: Spanned<String>,
    rule: Spanned<String>,
    cases: Vec<CaseDe>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseDe {
    name: Spanned<String>,
    expect: Expect,
    /// For `expect: error`: the error message, exactly.
    #[serde(default)]
    error: Option<String>,
    /// For a failing case: the finding's English message, exactly (optional).
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    system: Value,
    #[serde(default)]
    params: Value,
    #[serde(default)]
    host: Value,
    #[serde(default)]
    port: Value,
    #[serde(default)]
    tls: Value,
    #[serde(default)]
    http: Value,
    #[serde(default)]
    incident: Value,
    #[serde(default)]
    audit: Value,
    #[serde(default)]
    vulns: Value,
    #[serde(default)]
    agent: Value,
    #[serde(default)]
    check: Value,
    #[serde(default)]
    ssh: Value,
    #[serde(default)]
    dns: Value,
}

/// One loaded case file.
#[derive(Debug, Clone)]
pub struct CaseFile {
    pub origin: String,
    pub rule: String,
    pub cases: Vec<Case>,
}

/// One case: the facts it sets and what it expects.
#[derive(Debug, Clone)]
pub struct Case {
    pub name: String,
    pub line: u64,
    pub expect: Expect,
    pub error: Option<String>,
    pub message: Option<String>,
    /// The facts the case sets, by variable (absent: the defaults).
    pub facts: Vec<(&'static str, Value)>,
}

/// Parses a case file, listing every problem of it.
pub fn parse(origin: &str, text: &str) -> Result<CaseFile, Problems> {
    let f: FileDe = crate::yaml::parse_all(origin, text)?;
    let mut p = Collector::default();
    if f.schema.value != SCHEMA {
        p.push(Problem::at_text(
            origin,
            f.schema.referenced,
            crate::i18n::Text::new(format!("expected `schema: {SCHEMA}`"), format!("cần `schema: {SCHEMA}`")),
        ));
    }
    if f.cases.is_empty() {
        p.push(Problem::at_text(
            origin,
            f.rule.referenced,
            crate::i18n::Text::new(
                "a case file needs at least one case under `cases:`",
                "tệp ca kiểm thử cần ít nhất một ca trong `cases:`",
            ),
        ));
    }
    let mut cases = Vec::with_capacity(f.cases.len());
    for c in f.cases {
        let at = c.name.referenced;
        match (c.expect, &c.error) {
            (Expect::Error, None) => p.push(Problem::at_text(
                origin,
                at,
                crate::i18n::Text::new(
                    "an `expect: error` case names the error in `error:`",
                    "ca `expect: error` phải nêu lỗi trong `error:`",
                ),
            )),
            (e, Some(_)) if e != Expect::Error => p.push(Problem::at_text(
                origin,
                at,
                crate::i18n::Text::new(
                    "`error:` belongs to `expect: error` cases only",
                    "`error:` chỉ dành cho ca `expect: error`",
                ),
            )),
            _ => {}
        }
        let given = [
            c.system, c.params, c.host, c.port, c.tls, c.http, c.incident, c.audit, c.vulns, c.agent, c.check, c.ssh,
            c.dns,
        ];
        let facts = VARIABLES.iter().zip(given).filter(|(_, v)| !v.is_null()).map(|(k, v)| (*k, v)).collect();
        cases.push(Case {
            name: c.name.value,
            line: at.line(),
            expect: c.expect,
            error: c.error,
            message: c.message,
            facts,
        });
    }
    p.finish(CaseFile { origin: origin.to_string(), rule: f.rule.value, cases })
}

/// Whether a rule-pack file is a case file (by its `schema:`), so rule loaders pass over it.
pub fn is_case_file(s: &Source) -> bool {
    crate::yaml::schema_of(&s.origin, &s.text).is_ok_and(|k| k == SCHEMA)
}

/// The case files among a pack's files, every problem of every file listed.
pub fn from_sources(sources: &[Source]) -> Result<Vec<CaseFile>, Problems> {
    let mut p = Collector::default();
    let mut out = Vec::new();
    for s in sources.iter().filter(|s| is_case_file(s)) {
        match parse(&s.origin, &s.text) {
            Ok(f) => out.push(f),
            Err(e) => p.extend(e),
        }
    }
    p.finish(out)
}

/// The bundled pack's case files (shipped in the binary beside its rules).
pub fn bundled() -> Result<Vec<CaseFile>, Problems> {
    from_sources(&super::source::bundled_sources("rules/"))
}

/// Why a case (or a rule's testing) fails.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub origin: String,
    /// 0 when the failure is about a whole file or rule.
    pub line: u64,
    pub rule: String,
    /// The case's name; empty for a file- or rule-level failure.
    pub case: String,
    pub message: Text,
}

/// The result of running case files.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub rules: usize,
    pub files: usize,
    pub cases: usize,
    pub passed: usize,
    pub failures: Vec<Failure>,
}

/// Runs every case of `files` against `policy`'s rules. Every rule of the policy must have a case
/// file with a case it fails (selects) and one it does not; a case file naming no loaded rule is
/// a problem of the input (`Err`), not a failing case.
pub fn run(policy: &Policy, files: &[CaseFile]) -> Result<Outcome, Problems> {
    let mut p = Collector::default();
    for f in files {
        if policy.rules.get(&f.rule).is_none() {
            let hint = crate::yaml::did_you_mean(&f.rule, policy.rules.rules.iter().map(|r| &*r.id));
            p.push(Problem::file_text(
                &f.origin,
                Text::new(
                    format!("no rule `{}` is loaded{}", f.rule, hint.en),
                    format!("không có quy tắc `{}` nào được nạp{}", f.rule, hint.vi),
                ),
            ));
        }
    }
    let mut out = Outcome { rules: policy.rules.rules.len(), files: files.len(), ..Outcome::default() };
    let mut covered = std::collections::BTreeSet::new();
    for f in files {
        let Some(rule) = policy.rules.get(&f.rule) else { continue };
        covered.insert(&*rule.id);
        if let Some(m) = missing_kind(rule, f) {
            out.failures.push(Failure {
                origin: f.origin.clone(),
                line: 0,
                rule: f.rule.clone(),
                case: String::new(),
                message: m,
            });
        }
        for case in &f.cases {
            out.cases += 1;
            match run_case(policy, rule, case) {
                None => out.passed += 1,
                Some(message) => out.failures.push(Failure {
                    origin: f.origin.clone(),
                    line: case.line,
                    rule: f.rule.clone(),
                    case: case.name.clone(),
                    message,
                }),
            }
        }
    }
    for r in &policy.rules.rules {
        if !covered.contains(&*r.id) {
            out.failures.push(Failure {
                origin: r.origin.clone(),
                line: 0,
                rule: r.id.to_string(),
                case: String::new(),
                message: Text::new(
                    format!("no case file: add {}.cases.yaml beside the rule", r.id),
                    format!("chưa có tệp ca kiểm thử: thêm {}.cases.yaml cạnh quy tắc", r.id),
                ),
            });
        }
    }
    p.finish(out)
}

/// A case file must show the rule both ways: a case it fails (or selects) and one it does not.
fn missing_kind(rule: &Rule, f: &CaseFile) -> Option<Text> {
    let (yes, no) = if rule.select.is_some() { (Expect::Selected, "not-selected") } else { (Expect::Fail, "pass") };
    let has_yes = f.cases.iter().any(|c| c.expect == yes);
    let has_other = f.cases.iter().any(|c| c.expect != yes);
    (!(has_yes && has_other)).then(|| {
        Text::new(
            format!("needs a `{}` case and one that is not (e.g. `{no}`)", yes.as_str()),
            format!("cần một ca `{}` và một ca khác (ví dụ `{no}`)", yes.as_str()),
        )
    })
}

/// Runs one case; `None` when it behaves as it says.
fn run_case(policy: &Policy, rule: &Rule, case: &Case) -> Option<Text> {
    let vars = facts_of(policy, case);
    let mut ctx = new_context();
    for (name, v) in &vars {
        ctx.add_variable_as_val(*name, to_val(v));
    }
    let (got, error) = if rule.select.is_some() {
        match rule.selects(&ctx) {
            Ok(true) => (Expect::Selected, None),
            Ok(false) => (Expect::NotSelected, None),
            Err(e) => (Expect::Error, Some(e)),
        }
    } else {
        match rule.judge(&ctx) {
            Verdict::Fail => (Expect::Fail, None),
            Verdict::Pass => (Expect::Pass, None),
            Verdict::Skipped => (Expect::Skipped, None),
            Verdict::Error(e) => (Expect::Error, Some(e.to_string())),
        }
    };
    if got != case.expect {
        let detail = error.map(|e| format!(" ({e})")).unwrap_or_default();
        return Some(Text::new(
            format!("expected {}, got {}{detail}", case.expect.as_str(), got.as_str()),
            format!("mong đợi {}, nhận được {}{detail}", case.expect.as_str(), got.as_str()),
        ));
    }
    if let (Some(want), Some(got)) = (&case.error, &error)
        && want != got
    {
        return Some(Text::new(
            format!("expected the error `{want}`, got `{got}`"),
            format!("mong đợi lỗi `{want}`, nhận được `{got}`"),
        ));
    }
    if matches!(got, Expect::Fail | Expect::Selected) {
        return check_finding(rule, case, &vars);
    }
    None
}

/// A failing case's finding: its message and `show:` paths must name facts the record has, and
/// the message must be the one the case states, if it states one.
fn check_finding(rule: &Rule, case: &Case, vars: &[(&'static str, Value)]) -> Option<Text> {
    let mut record = serde_json::Map::new();
    for (k, v) in vars {
        record.insert((*k).to_string(), v.clone());
    }
    record.insert("asset".into(), json!("asset"));
    let record = Value::Object(record);
    let mut unknown: Vec<String> = placeholders(&rule.message.en)
        .chain(placeholders(&rule.message.vi))
        .chain(rule.show.iter().map(String::as_str))
        .filter(|path| lookup(&record, path).is_none())
        .map(str::to_string)
        .collect();
    unknown.dedup();
    if !unknown.is_empty() {
        let list = unknown.join(", ");
        return Some(Text::new(
            format!("the finding names facts this record does not have: {list} (a typo prints `?`)"),
            format!("phát hiện nhắc tới dữ kiện bản ghi không có: {list} (viết sai sẽ in ra `?`)"),
        ));
    }
    let got = render_message(&rule.message.en, &record);
    match &case.message {
        Some(want) if *want != got => Some(Text::new(
            format!("expected the message `{want}`, got `{got}`"),
            format!("mong đợi thông điệp `{want}`, nhận được `{got}`"),
        )),
        _ => None,
    }
}

/// The facts a case's rule sees: the defaults, with the case's facts laid over them. Parameters
/// default to the level-3 profile of the case's catalogue (`system.catalogue`).
fn facts_of(policy: &Policy, case: &Case) -> Vec<(&'static str, Value)> {
    let mut vars = defaults();
    let catalogue = case
        .facts
        .iter()
        .find(|(k, _)| *k == "system")
        .and_then(|(_, v)| v.get("catalogue"))
        .and_then(Value::as_str)
        .unwrap_or("tt12-2022");
    let params = policy.profile(catalogue, 3).map(|p| serde_json::to_value(&p.params).unwrap_or_default());
    vars.push(("params", params.unwrap_or_else(|| json!({}))));
    for (name, over) in &case.facts {
        if let Some((_, base)) = vars.iter_mut().find(|(k, _)| k == name) {
            merge(base, over);
        }
    }
    vars
}

/// Overlays `over` on `base`, object by object; a null in `over` keeps the default.
fn merge(base: &mut Value, over: &Value) {
    match (base, over) {
        (Value::Object(b), Value::Object(o)) => {
            for (k, v) in o {
                merge(b.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
        (b, o) if !o.is_null() => *b = o.clone(),
        _ => {}
    }
}

/// The facts of each variable when nothing was observed, as the engine supplies them (nmap facts:
/// `engine::facts`; probe records: the evidence contract's facts with the engine's additions;
/// host evidence: `engine::facts::audit`/`vulns`/`agent`). Optional values are empty.
pub fn defaults() -> Vec<(&'static str, Value)> {
    let state = serde_json::to_value(crate::evidence::HostState::default()).unwrap_or_default();
    let counts = serde_json::to_value(crate::evidence::Counts::default()).unwrap_or_default();
    let vcounts = serde_json::to_value(crate::evidence::SeverityCounts::default()).unwrap_or_default();
    vec![
        (
            "system",
            json!({"id": "s", "agency": "a", "name": "S", "level": 3, "catalogue": "tt12-2022",
                "approval": "approved", "allowed_ports": [], "has_allowed_ports": false}),
        ),
        (
            "host",
            json!({"address": "10.0.0.1", "public": false, "addresses": ["10.0.0.1"], "hostnames": [],
                "state": "up", "os": [], "open_ports": [], "scripts": {}}),
        ),
        (
            "port",
            json!({"protocol": "tcp", "portid": 0, "id": "", "state": "", "reason": "",
                "service": {"name": "", "product": "", "version": "", "extrainfo": "", "tunnel": "", "method": "",
                            "conf": 0, "cpe": [], "label": ""},
                "scripts": {}}),
        ),
        (
            "tls",
            json!({"target": "a.example.vn:443", "address": "", "sni": "a.example.vn", "protocols": {},
                "ciphers": {}, "server_cipher_order": true, "forward_secrecy": true, "weak_cipher_classes": [],
                "offered_legacy": [], "offered_legacy_text": "", "mail_protocol": null, "starttls": null,
                "starttls_offered": null}),
        ),
        (
            "http",
            json!({"target": "https://a.example.vn/", "address": "", "sni": "", "status": 200, "redirect_chain": [],
                "http_redirect_chain": [], "http_redirects_to_https": null,
                "hsts": {"present": false, "max_age": 0, "include_subdomains": false, "preload": false},
                "headers": {"content-security-policy": null, "x-content-type-options": null, "x-frame-options": null,
                            "referrer-policy": null, "permissions-policy": null},
                "cookies": [], "server_banner": "", "version_banners": [], "version_disclosed": false,
                "legacy_tls": null}),
        ),
        (
            "incident",
            json!({"id": "SC-1", "severity": "normal", "detected": "2026-10-03T01:30:00Z", "notified": "",
                "reported": "", "has_notice": false, "notice_after_minutes": -1, "has_report": false,
                "report_after_minutes": -1, "open_minutes": 0, "reference": ""}),
        ),
        (
            "audit",
            json!({"target": "web01", "benchmark": "", "profile": "", "tool": "", "score": -1.0, "checks": 0,
                "counts": counts, "state": state, "has_state": false, "age_days": 0}),
        ),
        ("vulns", json!({"target": "web01", "tool": "", "counts": vcounts, "findings": [], "age_days": 0})),
        (
            "agent",
            json!({"target": "web01", "tool": "wazuh", "agent_id": "001", "status": "active", "active": true,
                "last_keepalive": "", "silent_hours": 0, "version": "", "age_days": 0}),
        ),
        ("check", json!({"id": "", "title": "", "severity": "", "references": {}, "benchmark": ""})),
        (
            "ssh",
            json!({"target": "bastion.example.vn:22", "address": "", "sni": "", "banner": "SSH-2.0-OpenSSH_9.2p1",
                "software": "OpenSSH_9.2p1", "protocol": "2.0", "kex": ["curve25519-sha256"],
                "host_key_algorithms": ["ssh-ed25519"], "ciphers": ["chacha20-poly1305@openssh.com"],
                "macs": ["hmac-sha2-256-etm@openssh.com"], "host_keys": [], "weak": [], "comments": null,
                "openssh_version": null, "end_of_life": null, "compression": ["none"], "strict_kex": true,
                "host_key_errors": [], "connections": 1}),
        ),
        (
            "dns",
            // A well-run domain: strict SPF, enforced DMARC with reports, MTA-STS enforced,
            // CAA, DNSSEC secure, one MX.
            json!({"target": "example.vn", "address": "", "sni": "",
                "spf": {"record": "v=spf1 mx -all", "records": 1, "all": "-", "lookups": 1, "result": "pass",
                        "problems": []},
                "dmarc": {"record": "v=DMARC1; p=reject; rua=mailto:dmarc@example.vn", "records": 1, "valid": true,
                          "p": "reject", "sp": "reject", "rua": true, "pct": 100},
                "mta_sts": {"record": "v=STSv1; id=1", "id": "1", "mode": "enforce", "mx": ["mx.example.vn"],
                            "max_age": 604800, "error": "", "policy_error": "", "missing": {"en": "", "vi": ""}},
                "caa": {"records": 1, "issuers": ["letsencrypt.org"], "issuewild": [], "iodef": []},
                "dnssec": "secure", "dnssec_reason": "",
                "mx": [{"host": "mx.example.vn", "preference": 10, "declared": true}],
                "dnssec_anchor": "root", "resolver": "system", "queries": 8}),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_the_braced_paths() {
        let got: Vec<&str> = placeholders("{a.b} on {asset}: {unclosed").collect();
        assert_eq!(got, ["a.b", "asset"]);
    }

    #[test]
    fn an_error_case_must_name_its_error() {
        let text = "schema: tuanthu/rule-cases/v1\nrule: r\ncases:\n  - {name: x, expect: error}\n";
        let e = parse("c.yaml", text).unwrap_err();
        assert_eq!(e.to_string(), "c.yaml:4:12: an `expect: error` case names the error in `error:`");
    }
}
