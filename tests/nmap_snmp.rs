//! SNMP from recorded nmap output (tests/fixtures/nmap/snmp-net-snmp.xml: nmap 7.93 against two
//! real net-snmp 5.9.3 agents, how it was recorded and edited is in the file): net-snmp answering
//! `public` and SNMPv3 at once is v1/v2c even though nmap's product names SNMPv3, a v3-only agent
//! is not, and both count as administration services reachable outside the design (DES.02).

mod common;

use common::{code, stderr, stdout, tuanthu};
use serde_json::Value;

const INVENTORY: &str = r#"schema: tuanthu/inventory/v1
agency: {id: test-agency, name: Test agency, catalogue: tt12-2022}
systems:
  - id: mgmt
    name: Network management
    level: 3
    approval: {status: approved, decision: "1/QĐ", date: 2026-09-01}
    assets:
      hosts: [203.0.113.161]
  - id: core
    name: Core network
    level: 3
    approval: {status: approved, decision: "2/QĐ", date: 2026-09-01}
    assets:
      hosts: [10.20.0.161]
      allowed_ports: [tcp/443]
"#;

/// Every SNMP finding: (system, control, rule, asset, outcome), sorted.
fn snmp_findings(report: &Value) -> Vec<(String, String, String, String, String)> {
    let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let mut out = Vec::new();
    for sys in report["agencies"][0]["systems"].as_array().unwrap() {
        for c in sys["controls"].as_array().unwrap() {
            for f in c["findings"].as_array().into_iter().flatten() {
                if s(&f["rule"]).starts_with("nmap-snmp") {
                    out.push((s(&sys["id"]), s(&c["id"]), s(&f["rule"]), s(&f["asset"]), s(&f["outcome"])));
                }
            }
        }
    }
    out.sort();
    out
}

#[test]
fn net_snmp_answering_public_is_v1_v2c_and_every_answering_agent_is_administration() {
    let dir = common::dir_with(&[("inventory.yaml", INVENTORY)]);
    let scan = common::root().join("tests/fixtures/nmap/snmp-net-snmp.xml");
    let o = tuanthu(&[
        "check",
        "--inventory",
        dir.path().join("inventory.yaml").to_str().unwrap(),
        "--nmap",
        scan.to_str().unwrap(),
        "--format",
        "json",
        "--as-of",
        "2026-12-07",
    ]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let report: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let row = |sys: &str, control: &str, rule: &str, asset: &str| {
        (sys.to_string(), control.to_string(), rule.to_string(), asset.to_string(), "fail".to_string())
    };
    let (public, private) = ("203.0.113.161:161/udp", "10.20.0.161:161/udp");
    assert_eq!(
        snmp_findings(&report),
        vec![
            row("core", "DES.02", "nmap-snmp-exposed", private),
            row("core", "NET.06", "nmap-snmp-exposed", private),
            row("mgmt", "DES.02", "nmap-snmp-exposed", public),
            row("mgmt", "NET.06", "nmap-snmp-exposed", public),
            row("mgmt", "NET.06", "nmap-snmp-v1-v2c", public),
            row("mgmt", "SRV.04", "nmap-snmp-v1-v2c", public),
        ],
        "the v3-only agent (core) is not v1/v2c; both answer outside the design"
    );
    let text = report.to_string();
    assert!(
        text.contains(
            "SNMP (SNMPv1 server; net-snmp SNMPv3 server) answers v1/v2c on 203.0.113.161:161/udp (community: public)"
        ),
        "{text}"
    );
}
