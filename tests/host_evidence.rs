//! Host evidence — host audits, vulnerability scans, monitoring agents — through `check`: matched
//! to the declared hosts, judged by the bundled rule packs, and passing the controls the catalogue
//! marks as measurable only when every declared host is measured clean and fresh.

mod common;

use common::{code, dir_with, path_str, stderr};
use serde_json::{Value, json};

const AS_OF: &str = "2026-11-25";

/// A level-3 Circular 12 system declaring `hosts`, approved, with `extra` YAML under the system.
fn inventory(hosts: &str, extra: &str) -> String {
    format!(
        "schema: tuanthu/inventory/v1\nagency:\n  id: so-demo\n  name: Demo\nsystems:\n  - id: portal\n    name: Portal\n    level: 3\n    approval: {{status: approved, decision: \"1/QĐ\", date: 2025-06-01}}\n    owner: Demo\n    operator: Demo IT\n    assets:\n      hosts: {hosts}\n{extra}"
    )
}

fn check(name: &str, inventory: &str, records: &[Value]) -> (i32, Value, String) {
    let mut lines = vec![json!({"schema": "tuanthu/evidence/v1", "started_at": "2026-11-20T00:00:00Z"}).to_string()];
    lines.extend(records.iter().map(Value::to_string));
    lines.push(json!({"finished_at": "2026-11-24T00:00:00Z", "records": records.len(), "errors": 0}).to_string());
    let evidence = lines.join("\n") + "\n";
    let d = dir_with(&[("inventory.yaml", inventory), (name, &evidence)]);
    let (inv, ev, out) = (d.path().join("inventory.yaml"), d.path().join(name), d.path().join("r.json"));
    let o = common::tuanthu(&[
        "check",
        "--inventory",
        &path_str(&inv),
        "--evidence",
        &path_str(&ev),
        "--as-of",
        AS_OF,
        "--format",
        "json",
        "-o",
        &path_str(&out),
    ]);
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap_or_default()).unwrap_or(Value::Null);
    (code(&o), report, stderr(&o))
}

fn audit(target: &str, addresses: &[&str], at: &str, results: Value) -> Value {
    json!({"kind": "host-audit", "target": target, "addresses": addresses, "hostnames": [target], "observed_at": at,
        "source": {"format": "arf", "tool": "OpenSCAP 1.3.7"}, "error": null,
        "facts": {"benchmark": "xccdf_org.ssgproject.content_benchmark_DEBIAN-12", "profile": null, "results": results,
                  "counts": {}}})
}

fn rule(id: &str, result: &str, nist: &[&str]) -> Value {
    json!({"check": format!("xccdf_org.ssgproject.content_rule_{id}"), "result": result, "title": id.replace('_', " "),
           "references": {"nist": nist}})
}

fn vulns(target: &str, at: &str, findings: Value) -> Value {
    json!({"kind": "vulnerabilities", "target": target, "observed_at": at, "source": {"format": "openvas", "tool": "Greenbone"},
        "error": null, "facts": {"findings": findings, "counts": {}}})
}

fn agent(name: &str, address: &str, status: &str, keepalive: &str) -> Value {
    json!({"kind": "agent", "target": name, "addresses": [address], "observed_at": "2026-11-24T00:00:00Z",
        "source": {"format": "wazuh-agents"}, "error": null,
        "facts": {"tool": "wazuh", "agent_id": "00".to_string() + &name.len().to_string(), "status": status, "last_keepalive": keepalive}})
}

/// The control `id` of the only system: (status, basis, findings as "outcome rule asset: message").
fn control(report: &Value, id: &str) -> (String, String, Vec<String>) {
    let s = &report["agencies"][0]["systems"][0];
    let c = s["controls"].as_array().unwrap().iter().find(|c| c["id"] == id).unwrap_or_else(|| panic!("{id}"));
    let findings = c["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {} {}: {}",
                f["outcome"].as_str().unwrap(),
                f["rule"].as_str().unwrap(),
                f["asset"].as_str().unwrap_or("-"),
                f["message"].as_str().unwrap()
            )
        })
        .collect();
    (c["status"].as_str().unwrap().into(), c["basis"].as_str().unwrap().into(), findings)
}

/// Every declared host measured fresh and clean: the hosts' checks pass.
fn clean_estate() -> Vec<Value> {
    let checks = json!([
        rule("package_rsyslog_installed", "pass", &["AU-9(2)", "CM-6(a)"]),
        rule("accounts_password_minlen_login_defs", "pass", &["IA-5(f)"])
    ]);
    vec![
        audit("web01", &["10.0.0.5"], "2026-11-20T02:00:00Z", checks.clone()),
        audit("db01", &["10.0.0.6"], "2026-11-20T02:10:00Z", checks),
        vulns("10.0.0.5", "2026-11-21T02:00:00Z", json!([])),
        vulns(
            "db01",
            "2026-11-21T02:00:00Z",
            json!([{"id": "CVE-2026-1", "name": "x", "severity": "medium", "first_seen": "2026-01-01T00:00:00Z"}]),
        ),
        agent("web01", "10.0.0.5", "active", "2026-11-23T23:50:00Z"),
        agent("DB01", "10.0.0.6", "active", "2026-11-23T23:58:00Z"),
    ]
}

#[test]
fn fresh_clean_evidence_on_every_host_passes_the_measurable_controls_on_measurement() {
    let (code, r, err) = check("e.jsonl", &inventory("[web01, 10.0.0.6]", ""), &clean_estate());
    assert_eq!(code, 1, "{err}");
    assert_eq!(control(&r, "OPS.07"), ("pass".into(), "measured".into(), vec![]));
    assert_eq!(control(&r, "DES.13"), ("pass".into(), "measured".into(), vec![]));
    // Fail-only controls are not passed by clean checks: their attestation decides.
    let (status, basis, findings) = control(&r, "SRV.03");
    assert_eq!((status.as_str(), basis.as_str()), ("unknown", "none"));
    assert_eq!(findings, ["unknown attestation -: no attestation (status, evidence, review date) for this control"]);
    let s = &r["agencies"][0]["systems"][0];
    assert_eq!(s["controls_measured"], 2);
    assert!(r["unregistered_assets"].as_array().unwrap().is_empty(), "{}", r["unregistered_assets"]);
}

#[test]
fn an_attestation_beside_a_clean_measurement_is_both_and_alone_is_attested() {
    let attest = "    attestations:\n      OPS.07: {status: implemented, evidence: \"Báo cáo quét lỗ hổng 11/2026\", reviewed: 2026-11-22}\n      DES.13: {status: implemented, evidence: \"Hợp đồng giám sát SOC\", reviewed: 2026-11-22}\n";
    let (_, r, _) = check("e.jsonl", &inventory("[web01, 10.0.0.6]", attest), &clean_estate());
    assert_eq!(control(&r, "OPS.07").0, "pass");
    assert_eq!(control(&r, "OPS.07").1, "both");
    // Without agents, DES.13 rests on the attestation alone; the gap is noted, not held against it.
    let no_agents: Vec<Value> = clean_estate().into_iter().filter(|v| v["kind"] != "agent").collect();
    let (_, r, _) = check("e.jsonl", &inventory("[web01, 10.0.0.6]", attest), &no_agents);
    let (status, basis, findings) = control(&r, "DES.13");
    assert_eq!((status.as_str(), basis.as_str()), ("pass", "attested"));
    assert!(
        findings.contains(
            &"info agent -: no monitoring agents list was given (Wazuh GET /agents: give it with --evidence)"
                .to_string()
        ),
        "{findings:?}"
    );
}

#[test]
fn a_failing_mapped_check_fails_the_control_with_the_check_and_host() {
    let mut records = clean_estate();
    records[1] = audit(
        "db01",
        &["10.0.0.6"],
        "2026-11-20T02:10:00Z",
        json!([rule("accounts_password_minlen_login_defs", "fail", &["IA-5(f)"])]),
    );
    let (_, r, _) = check("e.jsonl", &inventory("[web01, 10.0.0.6]", ""), &records);
    let (status, basis, findings) = control(&r, "SRV.01");
    assert_eq!((status.as_str(), basis.as_str()), ("fail", "measured"));
    assert!(
        findings.contains(&"fail audit-authentication 10.0.0.6: 10.0.0.6: accounts password minlen login defs (xccdf_org.ssgproject.content_rule_accounts_password_minlen_login_defs) failed".to_string()),
        "{findings:?}"
    );
}

#[test]
fn a_host_without_evidence_or_with_stale_or_inconclusive_evidence_keeps_measurement_from_passing() {
    // db01's scan is 200 days old: a level-3 scan counts for 183 days.
    let mut stale = clean_estate();
    stale[3] = vulns("db01", "2026-05-09T02:00:00Z", json!([]));
    let (_, r, _) = check("e.jsonl", &inventory("[web01, 10.0.0.6]", ""), &stale);
    let (status, basis, findings) = control(&r, "OPS.07");
    assert_eq!((status.as_str(), basis.as_str()), ("unknown", "none"));
    assert_eq!(
        findings,
        [
            "info vulnerabilities 10.0.0.6: vulnerabilities of db01 taken on 2026-05-09, 200 days before the evaluation date; at this level it counts for 183 days",
            "unknown measured -: measurement can pass this control without an attestation, but 10.0.0.6 has no fresh, clean measurement of it by the rules that may pass it",
        ]
    );
    // A third declared host nobody measured.
    let (_, r, _) = check("e.jsonl", &inventory("[web01, 10.0.0.6, app01]", ""), &clean_estate());
    let (status, _, findings) = control(&r, "DES.13");
    assert_eq!(status, "unknown");
    assert!(
        findings.contains(&"info agent app01: no agent record for app01, so it was not measured".to_string()),
        "{findings:?}"
    );
}

#[test]
fn a_critical_finding_past_the_window_fails_vulnerability_management() {
    let mut records = clean_estate();
    records[3] = vulns(
        "db01",
        "2026-11-21T02:00:00Z",
        json!([{"id": "1.3.6.1.4.1.25623.1.0.9", "name": "OpenSSH RCE", "severity": "critical", "first_seen": "2026-11-01T00:00:00Z"}]),
    );
    let (_, r, _) = check("e.jsonl", &inventory("[web01, 10.0.0.6]", ""), &records);
    let (status, basis, findings) = control(&r, "OPS.07");
    assert_eq!((status.as_str(), basis.as_str()), ("fail", "measured"));
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert!(findings[0].starts_with("fail vuln-open-past-window 10.0.0.6: 10.0.0.6: critical or high vulnerabilities open past the remediation window"), "{findings:?}");
    // Found four days before the evaluation: inside the 15-day window.
    records[3]["facts"]["findings"][0]["first_seen"] = json!("2026-11-21T00:00:00Z");
    let (_, r, _) = check("e.jsonl", &inventory("[web01, 10.0.0.6]", ""), &records);
    assert_eq!(control(&r, "OPS.07").0, "pass");
}

#[test]
fn records_match_by_address_then_exact_name_and_the_rest_are_unregistered() {
    let records = vec![
        agent("WEB01", "192.0.2.1", "active", "2026-11-23T23:50:00Z"),
        agent("web01.example.gov.vn", "192.0.2.2", "disconnected", "2026-11-01T00:00:00Z"),
        agent("other", "10.0.0.6", "active", "2026-11-23T23:50:00Z"),
    ];
    let (_, r, _) = check("e.jsonl", &inventory("[web01, 10.0.0.6]", ""), &records);
    // web01 by name (any case), 10.0.0.6 by address; the longer name matches nothing.
    assert_eq!(control(&r, "DES.13"), ("pass".into(), "measured".into(), vec![]));
    let unregistered = r["unregistered_assets"].as_array().unwrap();
    assert_eq!(unregistered.len(), 1, "{unregistered:?}");
    assert_eq!(unregistered[0]["address"], "web01.example.gov.vn");
    assert!(r["unregistered_assets"][0]["seen_in"].as_str().unwrap().ends_with("e.jsonl (agent)"));
}

#[test]
fn the_newest_record_no_later_than_the_evaluation_date_is_judged() {
    let mut records = clean_estate();
    // An older disconnected agent list and a future one do not override the newest on time.
    let mut old = agent("web01", "10.0.0.5", "disconnected", "2026-11-01T00:00:00Z");
    old["observed_at"] = json!("2026-11-10T00:00:00Z");
    let mut future = agent("web01", "10.0.0.5", "disconnected", "2026-12-01T00:00:00Z");
    future["observed_at"] = json!("2026-12-02T00:00:00Z");
    records.extend([old, future]);
    let (_, r, _) = check("e.jsonl", &inventory("[web01, 10.0.0.6]", ""), &records);
    assert_eq!(control(&r, "DES.13"), ("pass".into(), "measured".into(), vec![]));
}

#[test]
fn a_selected_check_that_was_not_evaluated_is_noted_and_never_a_pass() {
    let attest =
        "    attestations:\n      SRV.03: {status: implemented, evidence: \"Quy chế nhật ký\", reviewed: 2026-11-22}\n";
    let records = vec![audit(
        "web01",
        &["10.0.0.5"],
        "2026-11-20T02:00:00Z",
        json!([rule("service_auditd_enabled", "notchecked", &["AU-12(c)"])]),
    )];
    let (_, r, _) = check("e.jsonl", &inventory("[web01]", attest), &records);
    let (status, basis, findings) = control(&r, "SRV.03");
    assert_eq!((status.as_str(), basis.as_str()), ("pass", "attested"));
    assert!(
        findings.contains(&"info audit-logging web01: 1 selected check(s) were not evaluated on web01: xccdf_org.ssgproject.content_rule_service_auditd_enabled (notchecked)".to_string()),
        "{findings:?}"
    );
}

#[test]
fn a_results_file_given_to_evidence_that_names_no_host_says_how_to_import_it() {
    let sca = r#"{"data": {"affected_items": [{"id": 28500, "policy_id": "cis_debian12", "title": "Ensure /tmp is a separate partition", "rationale": "r", "remediation": "m", "result": "failed", "compliance": [{"key": "cis", "value": "1.1.2.1"}]}], "total_affected_items": 1, "total_failed_items": 0, "failed_items": []}, "message": "ok", "error": 0}"#;
    let d = dir_with(&[("inventory.yaml", &inventory("[web01]", "")), ("sca.json", sca)]);
    let o = common::tuanthu(&[
        "check",
        "--inventory",
        &path_str(&d.path().join("inventory.yaml")),
        "--evidence",
        &path_str(&d.path().join("sca.json")),
        "--as-of",
        AS_OF,
    ]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("sca.json: the host-audit results name no host, so they were not kept: convert the file with `tuanthu import FILE --target HOST -o evidence.jsonl`"),
        "{}",
        stderr(&o)
    );
    // Imported with the host named, it is evidence like any other.
    let out = d.path().join("web01-sca.jsonl");
    let o = common::tuanthu(&[
        "import",
        &path_str(&d.path().join("sca.json")),
        "--target",
        "web01",
        "--observed-at",
        "2026-11-20T02:00:00Z",
        "-o",
        &path_str(&out),
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let (_, r, _) = check("x.jsonl", &inventory("[web01]", ""), &[]);
    assert_eq!(control(&r, "SRV.04").0, "unknown");
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(
        text.contains(r#""kind":"host-audit","target":"web01""#)
            && text.contains(r#""references":{"cis":["1.1.2.1"]}"#),
        "{text}"
    );
}
