//! Rule evaluation over generated facts: every bundled rule, and generated CEL expressions
//! compiled through a rule file, judged over facts of the documented shapes with any field
//! replaced by a value of any type (type confusion, huge integers, hostile strings, nulls).
//!
//! Cost is capped on purpose while the CEL cost bound is being built (issue #11, item 2):
//! generated expressions nest at most four levels and lists in facts hold at most eight items, so
//! every evaluation is small. Widen `DEPTH` and `LIST` once evaluation is bounded by the engine.

use crate::seeds::{DEMO, EVIDENCE};
use crate::{config, regressions};
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::{Value, json};
use std::sync::LazyLock;
use tuanthu::policy::rules::{EvidenceKind, Rule, Verdict, new_context, parse_rule, to_val};

/// Deepest generated expression (levels of nesting, comprehensions included).
const DEPTH: u32 = 4;
/// Longest list in generated facts.
const LIST: usize = 8;

static RULES: LazyLock<Vec<Rule>> = LazyLock::new(|| DEMO.policy.rules.rules.clone());

/// Realistic facts of each variable: the shapes the engine builds (engine/facts.rs) and the
/// collector writes (the demo's evidence).
static TEMPLATES: LazyLock<Vec<(&'static str, Value)>> = LazyLock::new(|| {
    let records: Value = serde_json::from_slice(&EVIDENCE.items[0].1).expect("demo evidence");
    // A record's facts plus what the engine adds before judging (engine/probes.rs).
    let first = |kind: &str| {
        let mut facts = records["records"]
            .as_array()
            .and_then(|r| r.iter().find(|r| r["kind"] == kind && r["facts"].is_object()))
            .map(|r| r["facts"].clone())
            .unwrap_or_else(|| json!({}));
        if let Value::Object(m) = &mut facts {
            m.insert("target".into(), json!("a.example:443"));
            m.insert("address".into(), json!("10.0.0.1"));
            m.insert("sni".into(), json!("a.example"));
            if let Some(Value::Object(cert)) = m.get_mut("certificate") {
                cert.insert("days_left".into(), json!(120));
            }
            // Optional facts absent from the file are null to rules (evidence::Facts::to_value).
            let optional = match kind {
                "tls" => tuanthu::evidence::TlsFacts::MAIL_FACTS,
                "http" => tuanthu::evidence::HttpFacts::OPTIONAL_FACTS,
                _ => &[],
            };
            for name in optional {
                m.entry(name.to_string()).or_insert(Value::Null);
            }
        }
        facts
    };
    let params = DEMO.policy.profiles.iter().find(|p| !p.params.is_empty()).map(|p| json!(p.params));
    vec![
        (
            "system",
            json!({"id": "sys-a", "agency": "a", "name": "Hệ thống A", "level": 3, "catalogue": "tt12-2022",
                   "approval": "approved", "allowed_ports": ["tcp/443"], "has_allowed_ports": true}),
        ),
        ("params", params.unwrap_or_else(|| json!({}))),
        (
            "host",
            json!({"address": "10.0.0.1", "public": false, "addresses": ["10.0.0.1"], "hostnames": ["a.example"],
                   "state": "up", "os": ["Linux 5.x"], "open_ports": ["tcp/22", "tcp/23"],
                   "scripts": {"smb-protocols": {"output": "NT LM 0.12 (SMBv1)", "elements": {"dialects.0": "NT LM 0.12 (SMBv1) [dangerous]"}}}}),
        ),
        (
            "port",
            json!({"protocol": "tcp", "portid": 22, "id": "tcp/22", "state": "open", "reason": "syn-ack",
                   "service": {"name": "ssh", "product": "OpenSSH", "version": "7.4", "extrainfo": "protocol 1.99",
                               "tunnel": "", "method": "probed", "conf": 10, "cpe": ["cpe:/a:openbsd:openssh:7.4"]},
                   "scripts": {"sslv2": {"output": "SSLv2 supported", "elements": {"ciphers.0": "SSL2_RC4_128_WITH_MD5"}}}}),
        ),
        ("tls", first("tls")),
        ("http", first("http")),
        (
            "ssh",
            json!({"target": "a.example:22", "address": "10.0.0.1", "sni": "", "banner": "SSH-2.0-OpenSSH_7.2p2 Ubuntu-4",
                   "software": "OpenSSH_7.2p2", "protocol": "2.0", "comments": "Ubuntu-4", "openssh_version": "7.2p2",
                   "end_of_life": {"software": "OpenSSH_7.2p2", "cutoff": "OpenSSH 7.4", "reason": "…"},
                   "kex": ["curve25519-sha256", "diffie-hellman-group1-sha1"], "host_key_algorithms": ["ssh-rsa"],
                   "ciphers": ["aes128-cbc"], "macs": ["hmac-sha1"], "compression": ["none"], "strict_kex": false,
                   "host_keys": [{"type": "ssh-rsa", "bits": 1024, "sha256": "SHA256:abc"}], "host_key_errors": [],
                   "connections": 1,
                   "weak": [{"category": "kex", "algorithm": "diffie-hellman-group1-sha1", "level": "fail",
                             "classes": ["small-modulus", "logjam", "sha1"], "reasons": ["using small 1024-bit modulus"]}]}),
        ),
        (
            "dns",
            json!({"target": "binhan.gov.vn", "address": "10.0.0.53", "sni": "",
                   "spf": {"record": "v=spf1 +all", "records": 1, "all": "+", "lookups": 0, "result": "pass", "problems": []},
                   "dmarc": {"record": "v=DMARC1; p=none", "records": 1, "valid": true, "p": "none", "sp": "none",
                             "rua": false, "pct": 100},
                   "mta_sts": {"record": "", "id": "", "mode": "", "mx": [], "max_age": 0, "error": ""},
                   "caa": {"records": 0, "issuers": [], "issuewild": [], "iodef": []}, "dnssec": "insecure",
                   "mx": [{"host": "mail.binhan.gov.vn", "preference": 10, "declared": true}],
                   "dnssec_anchor": "root", "resolver": "system", "queries": 7}),
        ),
        (
            "incident",
            json!({"id": "SC-1", "severity": "serious", "detected": "2026-09-14T22:10:00+07:00", "notified": "",
                   "reported": "", "has_notice": false, "notice_after_minutes": -1, "has_report": false,
                   "report_after_minutes": -1, "open_minutes": 100000, "reference": ""}),
        ),
        (
            "audit",
            json!({"target": "web01", "benchmark": "xccdf_org.ssgproject.content_benchmark_DEBIAN-12", "profile": "",
                   "tool": "Lynis 3.0.8", "score": 55.0, "checks": 2,
                   "counts": serde_json::to_value(tuanthu::evidence::Counts::default()).unwrap_or_default(),
                   "state": serde_json::to_value(tuanthu::evidence::HostState { malware_scanner_installed: Some(false), ..Default::default() }).unwrap_or_default(),
                   "has_state": true, "age_days": 5}),
        ),
        (
            "check",
            json!({"id": "xccdf_org.ssgproject.content_rule_package_rsyslog_installed", "title": "Ensure rsyslog is Installed",
                   "severity": "medium", "references": {"nist": ["CM-6(a)", "AU-9(2)"], "cis": ["4.2.1.1"]}, "benchmark": "b"}),
        ),
        (
            "vulns",
            json!({"target": "10.0.0.1", "tool": "Greenbone", "counts": {"critical": 1, "high": 0, "medium": 0, "low": 0, "none": 0, "unknown": 0},
                   "findings": [{"id": "1.3.6.1.4.1.25623.1.0.1", "name": "x", "port": "22/tcp", "severity": "critical",
                                 "cvss": 9.8, "cves": ["CVE-2024-6387"], "first_seen": "2026-11-01T00:00:00Z", "open_days": 24}],
                   "age_days": 4}),
        ),
        (
            "agent",
            json!({"target": "web01", "tool": "wazuh", "agent_id": "003", "status": "active", "active": true,
                   "last_keepalive": "2026-11-23T23:50:00Z", "silent_hours": 0, "version": "Wazuh v4.11.1", "age_days": 1}),
        ),
    ]
});

fn template(name: &str) -> Value {
    TEMPLATES.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone()).unwrap_or_else(|| json!({}))
}

/// Any JSON value, small: the kind of thing a hostile host could make a fact hold.
fn any_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        Just(json!(i64::MAX)),
        Just(json!(i64::MIN)),
        Just(json!(u64::MAX)),
        any::<f64>().prop_map(|f| json!(f)),
        "\\PC{0,12}".prop_map(Value::String),
        Just(json!("\u{1b}[31m\u{0}\u{202e}")),
        Just(json!("")),
    ];
    leaf.prop_recursive(3, 32, LIST as u32, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..LIST).prop_map(Value::Array),
            proptest::collection::btree_map("[a-z_]{1,8}", inner, 0..LIST)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Every node of `v` as a JSON pointer (the root included).
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                pointers(x, format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")), out);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                pointers(x, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
    out.push(at);
}

/// Edits to a template: replace a node by any value, or remove it.
fn edits() -> impl Strategy<Value = Vec<(Index, Option<Value>)>> {
    proptest::collection::vec((any::<Index>(), proptest::option::weighted(0.8, any_value())), 0..4)
}

fn edited(name: &str, edits: &[(Index, Option<Value>)]) -> Value {
    let mut v = template(name);
    for (i, with) in edits {
        let mut all = Vec::new();
        pointers(&v, String::new(), &mut all);
        let p = &all[i.index(all.len())];
        match (with, p.rsplit_once('/')) {
            (Some(x), _) if p.is_empty() => v = x.clone(),
            (Some(x), _) => {
                if let Some(node) = v.pointer_mut(p) {
                    *node = x.clone();
                }
            }
            (None, Some((parent, key))) => match v.pointer_mut(parent) {
                Some(Value::Object(m)) => {
                    m.remove(&key.replace("~1", "/").replace("~0", "~"));
                }
                Some(Value::Array(a)) => {
                    if let Ok(k) = key.parse::<usize>()
                        && k < a.len()
                    {
                        a.remove(k);
                    }
                }
                _ => {}
            },
            (None, None) => {}
        }
    }
    v
}

/// Facts for every variable, each edited.
fn facts() -> impl Strategy<Value = Vec<(&'static str, Value)>> {
    let names = [
        "system", "params", "host", "port", "tls", "http", "ssh", "dns", "incident", "audit", "check", "vulns", "agent",
    ];
    proptest::collection::vec(edits(), names.len())
        .prop_map(move |all| names.iter().zip(all).map(|(n, e)| (*n, edited(n, &e))).collect())
}

/// A rule's verdict; for a `select:` rule, whether it selects the check (as fail) or not (pass).
fn judge(rule: &Rule, facts: &[(&'static str, Value)]) -> Verdict {
    let mut ctx = new_context();
    for (name, v) in facts {
        let selected = rule.select.is_some() && *name == "check";
        if rule.evidence.variables().contains(name) || selected {
            ctx.add_variable_as_val(*name, to_val(v));
        }
    }
    if rule.select.is_none() {
        return rule.judge(&ctx);
    }
    match rule.selects(&ctx) {
        Ok(true) => Verdict::Fail,
        Ok(false) => Verdict::Pass,
        Err(e) => Verdict::Error(e),
    }
}

proptest! {
    #![proptest_config(config(64, regressions!("cel")))]

    /// Every bundled rule over edited facts: a verdict, never a panic. Facts of the documented
    /// shape, untouched, give a verdict that is not an error.
    #[test]
    fn bundled_rules_judge_any_facts(facts in facts(), pick in any::<Index>()) {
        let rule = &RULES[pick.index(RULES.len())];
        let _ = judge(rule, &facts);
        let clean: Vec<_> = facts.iter().map(|(n, _)| (*n, template(n))).collect();
        if let Verdict::Error(e) = judge(rule, &clean) {
            prop_assert!(false, "{} errs on its documented facts: {}", rule.id, e);
        }
    }
}

/// A CEL expression over the variables of `kind`, nested at most [`DEPTH`] levels.
fn expr(kind: EvidenceKind) -> impl Strategy<Value = String> {
    let vars: Vec<String> = kind.variables().iter().map(|v| v.to_string()).collect();
    let mut paths = Vec::new();
    for v in &vars {
        collect_paths(&template(v), v.clone(), &mut paths);
    }
    let atom = prop_oneof![
        4 => proptest::sample::select(paths),
        1 => prop_oneof![
            Just("0".to_string()), Just("-1".to_string()), Just("9223372036854775807".to_string()),
            Just("-9223372036854775808".to_string()), Just("18446744073709551615u".to_string()),
            Just("1.5e308".to_string()), Just("true".to_string()), Just("null".to_string()),
            Just("\"\"".to_string()), Just("\"tcp/23\"".to_string()), Just("\"\\u001b[31m\"".to_string()),
            Just("b\"\\xff\"".to_string()), Just("[]".to_string()), Just("{}".to_string()),
        ],
    ];
    atom.prop_recursive(DEPTH, 24, 3, |e| {
        let b = |op: &'static str| (e.clone(), e.clone()).prop_map(move |(a, b)| format!("({a} {op} {b})"));
        prop_oneof![
            b("=="),
            b("!="),
            b("<"),
            b(">="),
            b("+"),
            b("-"),
            b("*"),
            b("/"),
            b("%"),
            b("&&"),
            b("||"),
            b("in"),
            e.clone().prop_map(|a| format!("!{a}")),
            e.clone().prop_map(|a| format!("-{a}")),
            e.clone().prop_map(|a| format!("size({a})")),
            e.clone().prop_map(|a| format!("string({a})")),
            e.clone().prop_map(|a| format!("int({a})")),
            e.clone().prop_map(|a| format!("{a}.lowerAscii()")),
            (e.clone(), e.clone()).prop_map(|(a, b)| format!("{a}.contains({b})")),
            (e.clone(), e.clone()).prop_map(|(a, b)| format!("{a}.startsWith({b})")),
            (e.clone(), e.clone()).prop_map(|(a, b)| format!("{a}.split({b})")),
            e.clone().prop_map(|a| format!("{a}.matches(\"^(tcp|udp)/[0-9]+$\")")),
            (e.clone(), e.clone()).prop_map(|(a, b)| format!("{a}[{b}]")),
            (e.clone(), e.clone(), e.clone()).prop_map(|(c, a, b)| format!("({c} ? {a} : {b})")),
            (e.clone(), e.clone()).prop_map(|(a, b)| format!("[{a}, {b}]")),
            (e.clone(), e.clone()).prop_map(|(a, b)| format!("{{\"k\": {a}, {b}: 1}}")),
            (e.clone(), e.clone(), 0..4usize).prop_map(|(l, body, m)| {
                let mac = ["all", "exists", "map", "filter"][m];
                format!("{l}.{mac}(x, {body})")
            }),
        ]
    })
}

/// Dotted paths into a template, as CEL: `port.service.name`, `tls["not an ident"]`.
fn collect_paths(v: &Value, at: String, out: &mut Vec<String>) {
    out.push(at.clone());
    if let Value::Object(m) = v {
        for (k, x) in m {
            let ident = k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !k.starts_with(|c: char| c.is_ascii_digit());
            let next = if ident { format!("{at}.{k}") } else { format!("{at}[{}]", json!(k)) };
            collect_paths(x, next, out);
        }
    }
}

fn rule_file(kind: EvidenceKind, fail_when: &str) -> String {
    format!(
        "schema: tuanthu/rule/v1\nid: fuzz\nversion: 1\ncontrols: [NET.01]\nevidence: {}\nseverity: high\n\
         fail_when: {}\n\
         info:\n  title: {{en: t, vi: t}}\n  description: {{en: d, vi: d}}\n  rationale: {{en: r, vi: r}}\n  remediation: {{en: x, vi: x}}\n\
         message: {{en: m, vi: m}}\n",
        kind.as_str(),
        json!(fail_when)
    )
}

fn kind() -> impl Strategy<Value = EvidenceKind> {
    proptest::sample::select(vec![
        EvidenceKind::NmapPort,
        EvidenceKind::NmapHost,
        EvidenceKind::Tls,
        EvidenceKind::Http,
        EvidenceKind::Incident,
    ])
}

proptest! {
    #![proptest_config(config(64, regressions!("cel-generated")))]

    /// A generated expression compiles through a rule file (or is refused with a clear problem)
    /// and, once compiled, judges edited facts without panicking.
    #[test]
    fn generated_expressions_compile_and_judge(
        (kind, e) in kind().prop_flat_map(|k| (Just(k), expr(k))),
        facts in facts(),
    ) {
        match parse_rule("fuzz.yaml", "fuzz", &rule_file(kind, &e)) {
            Ok(rule) => {
                let _ = judge(&rule, &facts);
            }
            Err(p) => crate::assert_clean("rule problems", &p.to_string(), false),
        }
    }
}
