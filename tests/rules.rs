//! Table-driven rule tests: `tests/rules/<rule-id>.yaml` holds minimal facts per case and the
//! expected verdict. Facts not given take the empty defaults the engine always supplies, so a case
//! states only what matters to it. Every bundled rule must have a case file with at least one
//! failing and one non-failing case.

use serde::Deserialize;
use serde_json::{Value, json};
use tuanthu::policy::Policy;
use tuanthu::policy::rules::{Verdict, to_val};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    rule: String,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    #[serde(default)]
    system: Value,
    #[serde(default)]
    host: Value,
    #[serde(default)]
    port: Value,
    #[serde(default)]
    params: Value,
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
    /// For `select:` rules: the audited check (expect `selected` or `not-selected`).
    #[serde(default)]
    check: Value,
    #[serde(default)]
    ssh: Value,
    expect: String,
}

/// Overlays `over` on `base`, object by object.
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

/// Probe facts as `tuanthu collect` writes them (spec/evidence.md), with optional values empty.
fn probe_defaults() -> (Value, Value) {
    let tls = json!({"target": "a.example.vn:443", "address": "", "sni": "a.example.vn", "protocols": {},
        "ciphers": {}, "server_cipher_order": true, "forward_secrecy": true, "weak_cipher_classes": [],
        "mail_protocol": null, "starttls": null, "starttls_offered": null});
    let http = json!({"target": "https://a.example.vn/", "status": 200, "redirect_chain": [],
        "http_redirects_to_https": null,
        "hsts": {"present": false, "max_age": 0, "include_subdomains": false, "preload": false},
        "headers": {"content-security-policy": null, "x-content-type-options": null, "x-frame-options": null,
                    "referrer-policy": null, "permissions-policy": null},
        "cookies": [], "server_banner": "", "version_disclosed": false, "legacy_tls": null});
    (tls, http)
}

/// SSH facts as `tuanthu collect` writes them (spec/evidence.md): nothing weak; `openssh_version`
/// null (a case cannot set null over a default), so the end-of-life cases state it.
fn ssh_defaults() -> Value {
    json!({"target": "bastion.example.vn:22", "address": "", "sni": "", "banner": "SSH-2.0-OpenSSH_9.2p1",
        "software": "OpenSSH_9.2p1", "protocol": "2.0", "kex": ["curve25519-sha256"],
        "host_key_algorithms": ["ssh-ed25519"], "ciphers": ["chacha20-poly1305@openssh.com"],
        "macs": ["hmac-sha2-256-etm@openssh.com"], "host_keys": [], "weak": [], "comments": null,
        "openssh_version": null, "end_of_life": null, "compression": ["none"], "strict_kex": true,
        "host_key_errors": [], "connections": 1})
}

/// An incident as the engine describes it: detected, nothing notified or reported yet.
fn incident_defaults() -> Value {
    json!({"id": "SC-1", "severity": "normal", "detected": "2026-10-03T01:30:00Z", "notified": "", "reported": "",
        "has_notice": false, "notice_after_minutes": -1, "has_report": false, "report_after_minutes": -1,
        "open_minutes": 0, "reference": ""})
}

/// Host evidence as the engine describes it to rules (engine/facts.rs): nothing found yet.
fn host_defaults() -> (Value, Value, Value, Value) {
    let state = serde_json::to_value(tuanthu::evidence::HostState::default()).unwrap();
    let counts = serde_json::to_value(tuanthu::evidence::Counts::default()).unwrap();
    let audit = json!({"target": "web01", "benchmark": "", "profile": "", "tool": "", "score": -1.0, "checks": 0,
        "counts": counts, "state": state, "has_state": false, "age_days": 0});
    let vcounts = serde_json::to_value(tuanthu::evidence::SeverityCounts::default()).unwrap();
    let vulns = json!({"target": "web01", "tool": "", "counts": vcounts, "findings": [], "age_days": 0});
    let agent = json!({"target": "web01", "tool": "wazuh", "agent_id": "001", "status": "active", "active": true,
        "last_keepalive": "", "silent_hours": 0, "version": "", "age_days": 0});
    let check = json!({"id": "", "title": "", "severity": "", "references": {}, "benchmark": ""});
    (audit, vulns, agent, check)
}

fn defaults() -> (Value, Value, Value) {
    let system = json!({"id": "s", "agency": "a", "name": "S", "level": 3, "catalogue": "tt12-2022",
        "approval": "approved", "allowed_ports": [], "has_allowed_ports": false});
    let host = json!({"address": "10.0.0.1", "public": false, "addresses": ["10.0.0.1"], "hostnames": [],
        "state": "up", "os": [], "open_ports": [], "scripts": {}});
    let port = json!({"protocol": "tcp", "portid": 0, "id": "", "state": "", "reason": "",
        "service": {"name": "", "product": "", "version": "", "extrainfo": "", "tunnel": "", "method": "", "conf": 0, "cpe": []},
        "scripts": {}});
    (system, host, port)
}

#[test]
fn every_rule_behaves_as_its_cases_say() {
    let policy = Policy::bundled().unwrap();
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/rules");
    let mut covered = Vec::new();
    let mut failures = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let file: CaseFile = serde_saphyr::from_str(&std::fs::read_to_string(&path).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let rule = policy.rules.get(&file.rule).unwrap_or_else(|| panic!("{}: no rule {}", path.display(), file.rule));
        assert_eq!(path.file_stem().unwrap().to_str().unwrap(), file.rule, "case file named after its rule");
        let expects: Vec<&str> = file.cases.iter().map(|c| c.expect.as_str()).collect();
        let (yes, no) = if rule.select.is_some() { ("selected", "not-selected") } else { ("fail", "pass") };
        assert!(
            expects.contains(&yes) && expects.iter().any(|e| *e != yes),
            "{}: needs a `{yes}` case and one that is not (e.g. `{no}`)",
            file.rule
        );
        for case in &file.cases {
            let (mut system, mut host, mut port) = defaults();
            let (mut tls, mut http) = probe_defaults();
            merge(&mut system, &case.system);
            merge(&mut host, &case.host);
            merge(&mut port, &case.port);
            merge(&mut tls, &case.tls);
            merge(&mut http, &case.http);
            let mut incident = incident_defaults();
            merge(&mut incident, &case.incident);
            let mut ssh = ssh_defaults();
            merge(&mut ssh, &case.ssh);
            // Parameters default to the bundled level-3 profile's.
            let mut params = serde_json::to_value(&policy.profile("tt12-2022", 3).unwrap().params).unwrap();
            merge(&mut params, &case.params);
            let (mut audit, mut vulns, mut agent, mut check) = host_defaults();
            merge(&mut audit, &case.audit);
            merge(&mut vulns, &case.vulns);
            merge(&mut agent, &case.agent);
            merge(&mut check, &case.check);
            let mut ctx = tuanthu::policy::rules::new_context();
            ctx.add_variable_as_val("system", to_val(&system));
            ctx.add_variable_as_val("params", to_val(&params));
            ctx.add_variable_as_val("host", to_val(&host));
            ctx.add_variable_as_val("port", to_val(&port));
            ctx.add_variable_as_val("tls", to_val(&tls));
            ctx.add_variable_as_val("http", to_val(&http));
            ctx.add_variable_as_val("incident", to_val(&incident));
            ctx.add_variable_as_val("ssh", to_val(&ssh));
            ctx.add_variable_as_val("audit", to_val(&audit));
            ctx.add_variable_as_val("vulns", to_val(&vulns));
            ctx.add_variable_as_val("agent", to_val(&agent));
            ctx.add_variable_as_val("check", to_val(&check));
            let got = if rule.select.is_some() {
                match rule.selects(&ctx) {
                    Ok(true) => "selected".to_string(),
                    Ok(false) => "not-selected".to_string(),
                    Err(e) => format!("error: {e}"),
                }
            } else {
                match rule.judge(&ctx) {
                    Verdict::Fail => "fail".to_string(),
                    Verdict::Pass => "pass".to_string(),
                    Verdict::Skipped => "skipped".to_string(),
                    Verdict::Error(e) => format!("error: {e}"),
                }
            };
            let matches = got == case.expect || (case.expect == "error" && got.starts_with("error"));
            if !matches {
                failures.push(format!("{} / {}: expected {}, got {got}", file.rule, case.name, case.expect));
            }
        }
        covered.push(file.rule);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    for r in &policy.rules.rules {
        assert!(covered.contains(&r.id), "rule {} has no tests/rules/{}.yaml", r.id, r.id);
    }
}

/// The bundled rules stay well inside the resource model's limits (README, "Resource model"), so
/// that the limits refuse only what no real rule needs.
#[test]
fn bundled_rules_are_far_from_the_limits() {
    use tuanthu::policy::cost::{MAX_AST_DEPTH, MAX_COMPREHENSION_NESTING};
    let policy = Policy::bundled().unwrap();
    let mut deepest = (0, String::new());
    for r in &policy.rules.rules {
        for e in r.applies_when.iter().chain(r.fail_when.iter()).chain(r.select.iter()) {
            let a = e.analysis();
            assert!(a.nesting < MAX_COMPREHENSION_NESTING, "{}: {a:?}", r.id);
            if a.depth > deepest.0 {
                deepest = (a.depth, r.id.clone());
            }
        }
    }
    assert!(deepest.0 <= MAX_AST_DEPTH / 2, "{deepest:?}");
    eprintln!("deepest bundled expression: {deepest:?}");
}
