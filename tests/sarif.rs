//! `--format sarif`: validated against the SARIF 2.1.0 schema (OASIS, as shipped in Microsoft's
//! `@microsoft/jest-sarif`, MIT; see tests/fixtures/sarif/README.md) and checked result by result
//! against the JSON report of the same run.

mod common;

use common::{check_demo, stdout};
use serde_json::Value;
use std::collections::{BTreeSet, HashSet};

const EVIDENCE: [&str; 2] = ["--evidence", "examples/demo/evidence.json"];

fn demo(format: &str, extra: &[&str]) -> Value {
    let mut args = vec!["--format", format];
    args.extend(EVIDENCE);
    args.extend(extra);
    let o = check_demo(&args);
    assert_eq!(o.status.code(), Some(1), "the demo is non-compliant by design: {}", common::stderr(&o));
    serde_json::from_str(&stdout(&o)).expect("valid JSON")
}

/// The validator for the schema as shipped, with one repair: its `language` patterns (of `run`
/// and `toolComponent`) have a stray `]` (`^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$`) that the
/// meta-schema's `regex` format refuses. They are replaced by the pattern meant (a language tag
/// such as `en` or `en-US`); tuanthu emits no `language`, so the repair cannot hide a defect.
fn validator() -> jsonschema::Validator {
    const BROKEN: &str = "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$";
    fn repair(v: &mut Value, count: &mut usize) {
        match v {
            Value::Object(m) => {
                for (k, v) in m.iter_mut() {
                    if k == "pattern" && v == BROKEN {
                        *v = Value::from("^[a-zA-Z]{2}(-[a-zA-Z]{2})?$");
                        *count += 1;
                    } else {
                        repair(v, count);
                    }
                }
            }
            Value::Array(a) => a.iter_mut().for_each(|v| repair(v, count)),
            _ => {}
        }
    }
    let mut schema = sarif_schema();
    let mut repaired = 0;
    repair(&mut schema, &mut repaired);
    assert_eq!(repaired, 2, "the fixture is the rtm.5 schema with its two broken patterns");
    jsonschema::validator_for(&schema).expect("the SARIF schema compiles")
}

fn sarif_schema() -> Value {
    let text = std::fs::read_to_string(common::root().join("tests/fixtures/sarif/sarif-2.1.0-rtm.5.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn assert_valid(log: &Value) {
    let validator = validator();
    let errors: Vec<String> = validator.iter_errors(log).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "SARIF schema violations:\n{}", errors.join("\n"));
}

#[test]
fn demo_sarif_is_valid_sarif_2_1_0() {
    for lang in ["en", "vi"] {
        assert_valid(&demo("sarif", &["--lang", lang]));
    }
}

#[test]
fn the_schema_check_can_fail() {
    // The validator is not vacuous: a result without a message is refused.
    let mut log = demo("sarif", &[]);
    log["runs"][0]["results"][0].as_object_mut().unwrap().remove("message");
    let validator = validator();
    assert!(!validator.is_valid(&log));
}

#[test]
fn every_missing_control_has_a_result_and_nothing_else_does() {
    let report = demo("json", &[]);
    let log = demo("sarif", &[]);
    let run = &log["runs"][0];
    let results = run["results"].as_array().unwrap();
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let inventory = std::fs::read_to_string(common::root().join("examples/demo/inventory.yaml")).unwrap();
    let lines: Vec<&str> = inventory.lines().collect();

    // (system, control, status) expected from the report.
    let mut expected = BTreeSet::new();
    let mut bases = std::collections::HashMap::new();
    for system in report["agencies"][0]["systems"].as_array().unwrap() {
        for c in system["controls"].as_array().unwrap() {
            let status = match c["status"].as_str().unwrap() {
                "waived" => c["waived_status"].as_str().unwrap(),
                s => s,
            };
            if matches!(status, "fail" | "unknown") {
                expected.insert((system["id"].as_str().unwrap(), c["id"].as_str().unwrap(), status));
                bases.insert((system["id"].as_str().unwrap(), c["id"].as_str().unwrap()), c["basis"].clone());
            }
        }
    }
    // The run carries the report's measured figures over every system.
    let p = &run["properties"];
    assert_eq!((p["controls_measured"].as_u64(), p["controls_required"].as_u64()), (Some(21), Some(351)));
    assert_eq!(p["measured_share"].as_f64(), Some(21.0 / 351.0));
    assert!(expected.len() > 20, "the demo has plenty of missing controls");
    let mut seen = BTreeSet::new();
    let mut fingerprints = HashSet::new();
    for r in results {
        let p = &r["properties"];
        let key = (p["system"].as_str().unwrap(), p["control"].as_str().unwrap(), p["status"].as_str().unwrap());
        assert!(expected.contains(&key), "unexpected result {key:?}");
        assert_eq!(p["basis"], bases[&(key.0, key.1)], "{key:?}: the control's basis");
        seen.insert(key);
        assert_eq!(r["level"], if key.2 == "fail" { "error" } else { "warning" });
        // The rule index points at the rule the id names.
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], r["ruleId"]);
        // The location is the system's entry in the inventory.
        let loc = &r["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uri"], "examples/demo/inventory.yaml");
        let line = lines[loc["region"]["startLine"].as_u64().unwrap() as usize - 1];
        assert!(line.contains(&format!("id: {}", key.0)), "line {line:?} registers {}", key.0);
        assert!(fingerprints.insert(r["partialFingerprints"]["tuanthuFinding/v1"].as_str().unwrap().to_string()));
    }
    assert_eq!(seen, expected, "one or more results per missing control, none for the others");
}

#[test]
fn fail_results_are_per_asset_and_rules_carry_clauses_and_remediation() {
    let log = demo("sarif", &[]);
    let run = &log["runs"][0];
    let results = run["results"].as_array().unwrap();
    // A scan-visible failure names its asset and the rule that showed it.
    let telnet = results
        .iter()
        .find(|r| r["properties"]["rules"].as_array().unwrap().iter().any(|x| x == "nmap-cleartext-admin"))
        .expect("the demo exposes a clear-text admin service");
    assert_eq!(telnet["level"], "error");
    assert!(telnet["properties"]["asset"].as_str().unwrap().contains("/tcp"));
    let rule = &run["tool"]["driver"]["rules"][telnet["ruleIndex"].as_u64().unwrap() as usize];
    assert!(rule["properties"]["clauses"].as_object().is_some_and(|c| !c.is_empty()));
    assert!(rule["help"]["text"].as_str().unwrap().contains("nmap-cleartext-admin"));
    assert!(rule["properties"]["security-severity"].as_str().is_some());
}

#[test]
fn vietnamese_sarif_uses_vietnamese_titles() {
    let log = demo("sarif", &["--lang", "vi"]);
    let texts: String = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["message"]["text"].as_str().unwrap().to_string())
        .collect();
    assert!(texts.contains("cấp độ") && texts.contains("chưa rõ"));
}

#[test]
fn waived_controls_are_reported_as_suppressed() {
    let log = demo("sarif", &[]);
    let suppressed: Vec<&Value> =
        log["runs"][0]["results"].as_array().unwrap().iter().filter(|r| r.get("suppressions").is_some()).collect();
    assert!(!suppressed.is_empty(), "the demo has a valid waiver");
    for r in suppressed {
        let s = &r["suppressions"][0];
        assert_eq!(s["kind"], "external");
        assert!(s["justification"].as_str().unwrap().contains("expires 2027-03-31"));
    }
}
