//! Hostile rule packs (issue #11, items 1 and 2): expressions too deep for the evaluator's stack
//! and comprehensions whose cost multiplies are refused at load, with the position and the limit;
//! an allowed rule on a record too big for the step budget is `unknown`, never `pass`, and
//! quickly. Every run is the binary as a child under an address-space limit and a timeout.

mod common;

use common::{code, dir_with, stderr, stdout, tuanthu_within};
use std::fmt::Write as _;
use std::time::Duration;

const LIMIT_MIB: u64 = 2048;
const TIMEOUT: Duration = Duration::from_secs(120);

/// A rule over `nmap.host` records with `fail_when`, as a file of a rule pack.
fn rule(id: &str, fail_when: &str) -> (String, String) {
    let text = format!(
        r#"schema: tuanthu/rule/v1
id: {id}
version: 1
controls: [NET.06, DES.02, SRV.04, CFG.01, CFG.02]
evidence: nmap.host
severity: high
fail_when: '{fail_when}'
info:
  title: {{en: "t", vi: "t"}}
  description: {{en: "d", vi: "d"}}
  rationale: {{en: "r", vi: "r"}}
  remediation: {{en: "x", vi: "x"}}
message: {{en: "failed on {{asset}}", vi: "không đạt trên {{asset}}"}}
"#
    );
    (format!("rules/{id}.yaml"), text)
}

/// An inventory of `systems` level-3 systems, the n-th with the host 10.0.<n/250>.<n%250 + 1>.
fn inventory(systems: usize) -> String {
    let mut s = String::from(
        "schema: tuanthu/inventory/v1\nagency:\n  id: test-agency\n  name: Cơ quan thử nghiệm\n  catalogue: tt12-2022\nsystems:\n",
    );
    for n in 0..systems {
        write!(
            s,
            "  - id: sys-{n}\n    name: Hệ thống {n}\n    level: 3\n    approval: {{status: approved, decision: \"{n}/QĐ\", date: 2025-01-10}}\n    assets:\n      hosts: [{}]\n",
            host(n)
        )
        .unwrap();
    }
    s
}

fn host(n: usize) -> String {
    format!("10.0.{}.{}", n / 250, n % 250 + 1)
}

/// An nmap scan of the inventory's hosts, the first with `ports` open ports.
fn scan(systems: usize, ports: usize) -> String {
    let mut x =
        String::from("<?xml version=\"1.0\"?><nmaprun scanner=\"nmap\" start=\"1795000000\" version=\"7.94\">\n");
    for n in 0..systems {
        write!(
            x,
            "<host starttime=\"1795000000\"><status state=\"up\"/><address addr=\"{}\" addrtype=\"ipv4\"/><ports>",
            host(n)
        )
        .unwrap();
        for p in 0..if n == 0 { ports } else { 1 } {
            write!(
                x,
                "<port protocol=\"tcp\" portid=\"{}\"><state state=\"open\"/><service name=\"x\"/></port>",
                p + 1
            )
            .unwrap();
        }
        x.push_str("</ports></host>\n");
    }
    x.push_str("<runstats><finished time=\"1795000100\" exit=\"success\"/></runstats></nmaprun>\n");
    x
}

/// `validate` on the pack and `check` of `systems` systems with it: both outputs.
fn validate_and_check(rules: &[(String, String)], systems: usize, ports: usize) -> [std::process::Output; 2] {
    let mut files: Vec<(&str, &str)> = rules.iter().map(|(n, t)| (n.as_str(), t.as_str())).collect();
    let (inv, nmap) = (inventory(systems), scan(systems, ports));
    files.push(("rules/pack.yaml", common::PACK_HEADER));
    files.push(("inventory.yaml", &inv));
    files.push(("scan.xml", &nmap));
    let d = dir_with(&files);
    let validate = tuanthu_within(&["validate", "rules"], LIMIT_MIB, TIMEOUT, d.path());
    let check = tuanthu_within(
        &[
            "check",
            "--rules",
            "rules",
            "--inventory",
            "inventory.yaml",
            "--nmap",
            "scan.xml",
            "--as-of",
            "2026-11-25",
            "--format",
            "json",
        ],
        LIMIT_MIB,
        TIMEOUT,
        d.path(),
    );
    [validate, check]
}

fn ten() -> &'static str {
    "[0,1,2,3,4,5,6,7,8,9]"
}

/// Item 1: the 1 600-term chain that overflowed the workers' stack with 64 systems is refused by
/// `validate` and by `check`, naming the file, the depth and the limit.
#[test]
fn a_long_flat_chain_is_refused_at_load() {
    let chain = format!("{} > 0", vec!["1"; 1600].join("+"));
    let [validate, check] = validate_and_check(&[rule("long-chain", &chain)], 64, 1);
    for o in [&validate, &check] {
        assert_eq!(code(o), 2, "{}", stderr(o));
        let e = stderr(o);
        assert!(e.contains("long-chain.yaml:7:"), "{e}");
        assert!(e.contains("syntax tree is 1601 levels deep"), "{e}");
        assert!(e.contains("the limit is 64"), "{e}");
    }
}

/// The deepest chain `validate` accepts evaluates on every one of 64 systems (the workers'
/// stacks hold it, even in a debug build): no crash, a verdict per system.
#[test]
fn the_deepest_accepted_chain_evaluates_over_64_systems() {
    let chain = format!("{} < 0", vec!["1"; 63].join("+"));
    let [validate, check] = validate_and_check(&[rule("deep-chain", &chain)], 64, 1);
    assert_eq!(code(&validate), 0, "{}", stderr(&validate));
    assert!(code(&check) <= 1, "{}", stderr(&check));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&check)).expect("a JSON report");
    let systems = doc["agencies"][0]["systems"].as_array().unwrap();
    assert_eq!(systems.len(), 64);
    assert!(systems.iter().all(|s| s["evidence_judged"].as_u64() >= Some(1)), "every host judged");
    assert!(!stdout(&check).contains("could not be evaluated"), "every record evaluated");
}

/// Item 2: nine nested `.all` (minutes before) and eight nested `.map` (3.8 GB before) are
/// refused at load with the position and the limit.
#[test]
fn nested_comprehensions_are_refused_at_load() {
    let vars = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
    let all =
        vars.iter().rev().fold(format!("{} >= 0", vars.join("+")), |body, v| format!("{}.all({v}, {body})", ten()));
    let map = vars[..8].iter().rev().fold("0".to_string(), |body, v| format!("{}.map({v}, {body})", ten()));
    let map = format!("size({map}) > 0");
    let [validate, check] = validate_and_check(&[rule("nested-all", &all), rule("nested-map", &map)], 1, 1);
    for o in [&validate, &check] {
        assert_eq!(code(o), 2, "{}", stderr(o));
        let e = stderr(o);
        assert!(e.contains("nested-all.yaml:7:"), "{e}");
        assert!(e.contains("nest 9 deep (at column 258 of the expression); the limit is 3"), "{e}");
        assert!(e.contains("nested-map.yaml:7:"), "{e}");
        assert!(e.contains("nest 8 deep (at column 234 of the expression); the limit is 3"), "{e}");
    }
}

/// Two nested comprehensions are allowed, but over a host with 20 000 open ports they would take
/// 4 × 10⁸ steps: that record is `unknown` with the budget message, at once and within the
/// memory limit. A single comprehension over the same list is linear and is evaluated.
#[test]
fn a_record_too_big_for_the_budget_is_unknown() {
    let quadratic = rule("pairs", "host.open_ports.exists(a, host.open_ports.exists(b, a + b == \"x\"))");
    let linear = rule("telnet", "host.open_ports.exists(p, p == \"tcp/23\")");
    let [validate, check] = validate_and_check(&[quadratic, linear], 1, 20_000);
    assert_eq!(code(&validate), 0, "{}", stderr(&validate));
    assert_eq!(code(&check), 1, "{}", stderr(&check));
    let out = stdout(&check);
    assert!(out.contains("this rule would need more than 1000000 steps on this record"), "{out}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let system = &doc["agencies"][0]["systems"][0];
    let findings: Vec<&serde_json::Value> = system["controls"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["findings"].as_array().into_iter().flatten())
        .collect();
    // Each rule speaks for several controls: the set of its outcomes.
    let of = |rule: &str| {
        let mut o: Vec<&str> =
            findings.iter().filter(|f| f["rule"] == rule).filter_map(|f| f["outcome"].as_str()).collect();
        o.dedup();
        o
    };
    assert_eq!(of("pairs"), vec!["unknown"], "{findings:?}");
    assert_eq!(of("telnet"), vec!["fail"], "{findings:?}");
}
