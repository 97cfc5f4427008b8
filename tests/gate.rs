//! `tuanthu gate`: every exit path, on the demo's evidence. A gate never passes on nothing: each
//! way of giving it nothing to judge must exit 2.

mod common;

use common::{code, dir_with, stderr, stdout, tuanthu};
use serde_json::Value;

const INV: &str = "examples/demo/inventory.yaml";
const SCAN: &str = "examples/demo/scan.xml";
const EVIDENCE: &str = "examples/demo/evidence.json";

/// `tuanthu gate` on the demo inventory as of the demo's date, plus `extra`.
fn gate(system: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["gate", "--inventory", INV, "--as-of", "2026-11-25", "--system", system];
    args.extend(extra);
    tuanthu(&args)
}

fn with_evidence(extra: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = ["--nmap", SCAN, "--evidence", EVIDENCE].map(String::from).to_vec();
    v.extend(extra.iter().map(|s| s.to_string()));
    v
}

fn gate_ev(system: &str, extra: &[&str]) -> std::process::Output {
    let args = with_evidence(extra);
    gate(system, &args.iter().map(String::as_str).collect::<Vec<_>>())
}

#[test]
fn a_compliant_system_passes() {
    let o = gate_ev("tin-noi-bo", &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stderr(&o).contains("gate: PASS: skhcn-binh-an/tin-noi-bo"), "{}", stderr(&o));
    // The table ends with the next steps but not check's exit-code line: the gate decides its own.
    assert!(stdout(&o).contains("\nNext: "), "{}", stdout(&o));
    assert!(!stdout(&o).contains("Exit code"), "{}", stdout(&o));
}

#[test]
fn a_failing_system_exits_1_naming_its_blocking_controls() {
    let o = gate_ev("skhcn-binh-an/cong-dvc", &["--format", "json"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("gate: FAIL: skhcn-binh-an/cong-dvc"), "{err}");
    // The report on stdout holds the gated system only, and every blocking control is named.
    let report: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let systems = report["agencies"][0]["systems"].as_array().unwrap();
    assert_eq!(systems.len(), 1);
    assert_eq!(report["unregistered_assets"], serde_json::json!([]));
    for c in systems[0]["controls"].as_array().unwrap() {
        let blocking = matches!(c["status"].as_str().unwrap(), "fail" | "unknown");
        let id = c["id"].as_str().unwrap();
        assert_eq!(err.lines().any(|l| l.trim_start().starts_with(id)), blocking, "{id} in:\n{err}");
    }
}

#[test]
fn fail_on_selects_which_statuses_block() {
    // cong-dvc has both fail and unknown controls: `fail` still blocks; `never` reports only.
    assert_eq!(code(&gate_ev("cong-dvc", &["--fail-on", "fail"])), 1);
    let o = gate_ev("cong-dvc", &["--fail-on", "never"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

#[test]
fn no_evidence_at_all_fails_closed() {
    let o = gate("tin-noi-bo", &[]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("needs evidence"), "{}", stderr(&o));
}

#[test]
fn an_empty_evidence_file_fails_closed() {
    let d = dir_with(&[("empty.json", ""), ("empty.jsonl", "")]);
    for name in ["empty.json", "empty.jsonl"] {
        let p = d.path().join(name);
        // Even beside a usable scan: an empty file means a collection step went wrong.
        let o = gate("tin-noi-bo", &["--nmap", SCAN, "--evidence", p.to_str().unwrap()]);
        assert_eq!(code(&o), 2, "{name}: {}", stderr(&o));
        assert!(stderr(&o).contains("empty"), "{}", stderr(&o));
    }
}

#[test]
fn an_unreadable_or_garbage_evidence_file_fails_closed() {
    let d = dir_with(&[("garbage.json", "{\"schema\": \"nope\"\n<html>")]);
    let missing = d.path().join("missing.json");
    let garbage = d.path().join("garbage.json");
    for p in [missing, garbage] {
        let o = gate("tin-noi-bo", &["--nmap", SCAN, "--evidence", p.to_str().unwrap()]);
        assert_eq!(code(&o), 2, "{}: {}", p.display(), stderr(&o));
    }
    let o = gate("tin-noi-bo", &["--nmap", "no-such-scan.xml"]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
}

#[test]
fn evidence_about_other_hosts_is_no_evidence() {
    // cong-ttdt's assets are in neither the scan nor the evidence file: attestations alone
    // (which would make it compliant) must not pass a gate.
    let check = common::check_demo(&["--evidence", EVIDENCE, "--format", "json"]);
    let report: Value = serde_json::from_str(&stdout(&check)).unwrap();
    let ttdt = report["agencies"][0]["systems"].as_array().unwrap().iter().find(|s| s["id"] == "cong-ttdt").unwrap();
    assert_eq!(ttdt["compliant"], true, "the premise: compliant on paper");
    assert_eq!(ttdt["evidence_judged"], 0);
    let o = gate_ev("cong-ttdt", &[]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("no usable evidence"), "{}", stderr(&o));
}

#[test]
fn unknown_and_ambiguous_systems_fail_closed() {
    let o = gate_ev("no-such-system", &[]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("no system `no-such-system`"), "{}", stderr(&o));
    let o = gate_ev("other-agency/cong-dvc", &[]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));

    // Two agencies registering the same id: the bare id is refused, AGENCY/ID works.
    let demo = std::fs::read_to_string(common::root().join(INV)).unwrap();
    let twin = demo.replace("id: skhcn-binh-an", "id: skhcn-twin");
    assert_ne!(demo, twin);
    let overlay = std::fs::read_to_string(common::root().join("examples/demo/cong-dvc-overlay.yaml")).unwrap();
    let d = dir_with(&[("a.yaml", &demo), ("b.yaml", &twin), ("cong-dvc-overlay.yaml", &overlay)]);
    let args = |system: &'static str| {
        let mut v = vec!["gate".to_string(), "--inventory".into()];
        v.extend(["a.yaml", "b.yaml"].map(|f| d.path().join(f).display().to_string()));
        v.extend(
            ["--system", system, "--as-of", "2026-11-25", "--nmap", SCAN, "--evidence", EVIDENCE].map(String::from),
        );
        v
    };
    let run = |system| {
        let a = args(system);
        tuanthu(&a.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let o = run("tin-noi-bo");
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("ambiguous") && stderr(&o).contains("skhcn-twin/tin-noi-bo"), "{}", stderr(&o));
    let o = run("skhcn-twin/tin-noi-bo");
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

/// The demo's JSON report of the same evidence, as a baseline, after `edit`.
fn baseline(edit: impl FnOnce(&mut Value)) -> tempfile::TempDir {
    let o = common::check_demo(&["--evidence", EVIDENCE, "--format", "json"]);
    let mut report: Value = serde_json::from_str(&stdout(&o)).unwrap();
    edit(&mut report);
    dir_with(&[("baseline.json", &serde_json::to_string_pretty(&report).unwrap())])
}

fn control_mut<'a>(report: &'a mut Value, system: &str, control: &str) -> &'a mut Value {
    let systems = report["agencies"][0]["systems"].as_array_mut().unwrap();
    let s = systems.iter_mut().find(|s| s["id"] == system).unwrap();
    s["controls"].as_array_mut().unwrap().iter_mut().find(|c| c["id"] == control).unwrap()
}

#[test]
fn with_a_baseline_only_regressions_fail() {
    // Same evidence as the baseline: cong-dvc still fails 16 controls, but none is new.
    let d = baseline(|_| {});
    let b = d.path().join("baseline.json");
    let o = gate_ev("cong-dvc", &["--baseline", b.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stderr(&o).contains("0 regression"), "{}", stderr(&o));
    // The same without --fail-on new's default: any still blocks.
    assert_eq!(code(&gate_ev("cong-dvc", &["--baseline", b.to_str().unwrap(), "--fail-on", "any"])), 1);

    // A control that passed in the baseline and fails now is a regression.
    let d = baseline(|r| {
        control_mut(r, "cong-dvc", "NET.01")["status"] = "pass".into();
        control_mut(r, "cong-dvc", "APP.05")["status"] = "not_applicable".into();
    });
    let b = d.path().join("baseline.json");
    let o = gate_ev("cong-dvc", &["--baseline", b.to_str().unwrap()]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("2 regression"), "{err}");
    assert!(err.contains("NET.01") && err.contains("pass → FAIL"), "{err}");
    assert!(err.contains("APP.05") && err.contains("not_applicable → unknown"), "{err}");
}

#[test]
fn an_expired_waiver_fails_the_gate_and_shows_as_a_regression() {
    // cong-dvc's DES.10 is waived until 2027-03-31. Let the waiver expire before the gate runs.
    let demo = std::fs::read_to_string(common::root().join(INV)).unwrap();
    let expired = demo.replace("expires: 2027-03-31", "expires: 2026-11-24");
    assert_ne!(demo, expired);
    let d = baseline(|_| {});
    std::fs::write(d.path().join("inventory.yaml"), expired).unwrap();
    std::fs::copy(common::root().join("examples/demo/cong-dvc-overlay.yaml"), d.path().join("cong-dvc-overlay.yaml"))
        .unwrap();
    let inv = d.path().join("inventory.yaml");
    let b = d.path().join("baseline.json");
    let o = tuanthu(&[
        "gate",
        "--inventory",
        inv.to_str().unwrap(),
        "--system",
        "cong-dvc",
        "--as-of",
        "2026-11-25",
        "--nmap",
        SCAN,
        "--evidence",
        EVIDENCE,
        "--baseline",
        b.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("1 regression") && err.contains("DES.10") && err.contains("waived →"), "{err}");
}

#[test]
fn an_unusable_baseline_fails_closed() {
    let d = dir_with(&[("broken.json", "{\"schema\": \"tuanthu/report/v1\",\n  \"agencies\": [oops]}")]);
    let broken = d.path().join("broken.json");
    let o = gate_ev("cong-dvc", &["--baseline", broken.to_str().unwrap()]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("broken.json:2:"), "the position is named: {}", stderr(&o));

    let without = baseline(|r| {
        r["agencies"][0]["systems"].as_array_mut().unwrap().retain(|s| s["id"] != "cong-dvc");
    });
    let b = without.path().join("baseline.json");
    let o = gate_ev("cong-dvc", &["--baseline", b.to_str().unwrap()]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("has no system `skhcn-binh-an/cong-dvc`"), "{}", stderr(&o));

    let o = gate_ev("cong-dvc", &["--fail-on", "new"]);
    assert_eq!(code(&o), 2, "--fail-on new without a baseline is a usage error");
}

#[test]
fn the_gate_writes_sarif_for_code_scanning() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("gate.sarif");
    let o = gate_ev("cong-dvc", &["--format", "sarif", "-o", out.to_str().unwrap(), "-q"]);
    assert_eq!(code(&o), 1);
    let log: Value = serde_json::from_str(&std::fs::read_to_string(out).unwrap()).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    // One result per failing or unknown required control's finding, all about the gated system:
    // `error` for a failing control, `warning` for an unknown one.
    assert!(results.iter().all(|r| r["properties"]["system"] == "cong-dvc"));
    let got: Vec<String> =
        results.iter().map(|r| format!("{} {}", r["ruleId"].as_str().unwrap(), r["level"].as_str().unwrap())).collect();
    let errors = ["DES.01", "DES.01", "DES.02", "DES.03", "DES.03", "DES.03", "DES.08", "DES.08", "DES.11", "DES.13"]
        .into_iter()
        .chain(["DES.15", "NET.01", "NET.01", "NET.01", "NET.06", "APP.04", "DAT.02"])
        .map(|c| format!("tt12-2022/{c} error"));
    let warnings = ["POL.03", "CLD.01", "DES.10", "APP.05", "DAT.01", "DES.18"]
        .into_iter()
        .map(|c| format!("tt12-2022/{c} warning"));
    let mut want: Vec<String> = errors.chain(warnings).collect();
    let mut sorted = got.clone();
    sorted.sort();
    want.sort();
    assert_eq!(sorted, want, "{got:?}");
}

#[test]
fn an_nmap_file_without_hosts_is_empty_evidence() {
    let d = dir_with(&[(
        "empty.xml",
        "<?xml version=\"1.0\"?>\n<nmaprun scanner=\"nmap\" args=\"nmap -oX empty.xml 10.0.0.1\" start=\"1764000000\">\n\
<runstats><finished time=\"1764000001\"/><hosts up=\"0\" down=\"0\" total=\"0\"/></runstats>\n</nmaprun>\n",
    )]);
    let empty = d.path().join("empty.xml");
    // Beside a usable evidence file: the empty scan still means a step went wrong.
    let o = gate("cong-dvc", &["--nmap", empty.to_str().unwrap(), "--evidence", EVIDENCE, "--fail-on", "never"]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("empty evidence file") && stderr(&o).contains("empty.xml"), "{}", stderr(&o));
}

#[test]
fn a_baseline_that_hides_regressions_is_refused() {
    // A hand-edited status is not read as "not satisfied" (which would hide its regressions).
    let d = baseline(|r| control_mut(r, "cong-dvc", "NET.01")["status"] = "PASS".into());
    let b = d.path().join("baseline.json");
    let o = gate_ev("cong-dvc", &["--baseline", b.to_str().unwrap()]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("baseline.json"), "{}", stderr(&o));

    // A baseline that measured nothing (everything unknown) would make every failure look old.
    let o = common::check_demo(&["--format", "json"]);
    let mut report: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let systems = report["agencies"][0]["systems"].as_array_mut().unwrap();
    let s = systems.iter_mut().find(|s| s["id"] == "cong-dvc").unwrap();
    s["evidence_judged"] = 0.into();
    let d = dir_with(&[("blind.json", &report.to_string())]);
    let o = gate_ev("cong-dvc", &["--baseline", d.path().join("blind.json").to_str().unwrap()]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("measured nothing"), "{}", stderr(&o));
}

#[test]
fn lowering_the_level_is_not_a_pass() {
    // The baseline saw cong-dvc at level 4; the inventory now says 3: fewer controls required.
    let d = baseline(|r| {
        let systems = r["agencies"][0]["systems"].as_array_mut().unwrap();
        systems.iter_mut().find(|s| s["id"] == "cong-dvc").unwrap()["level"] = 4.into();
    });
    let b = d.path().join("baseline.json");
    let o = gate_ev("cong-dvc", &["--baseline", b.to_str().unwrap()]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(stderr(&o).contains("level lowered from 4"), "{}", stderr(&o));
}
