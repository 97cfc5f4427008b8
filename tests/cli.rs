//! The command line end to end: exit codes, formats, languages, bad input.

mod common;

use common::{code, stderr, stdout, tuanthu};

use common::README_DEMO as DEMO;

fn check(extra: &[&str]) -> std::process::Output {
    let mut args = vec!["check"];
    args.extend(DEMO);
    args.extend(extra);
    tuanthu(&args)
}

fn demo_json() -> serde_json::Value {
    let o = check(&["--format", "json"]);
    serde_json::from_str(&stdout(&o)).expect("valid JSON")
}

fn system<'a>(doc: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    doc["agencies"][0]["systems"].as_array().unwrap().iter().find(|s| s["id"] == id).unwrap()
}

fn control_status(doc: &serde_json::Value, sys: &str, control: &str) -> String {
    let s = system(doc, sys);
    let all = s["controls"].as_array().unwrap().iter().chain(s["obligations"].as_array().unwrap());
    all.clone()
        .find(|c| c["id"] == control)
        .map(|c| c["status"].as_str().unwrap().to_string())
        .unwrap_or_else(|| "absent".into())
}

#[test]
fn demo_table_names_every_system_and_exits_1() {
    let o = check(&[]);
    assert_eq!(code(&o), 1, "some demo systems are not compliant: {}", stderr(&o));
    let out = stdout(&o);
    for id in ["tin-noi-bo", "qlvb-email", "cong-dvc", "csdl-cong-dan", "ttdl-tinh", "phan-anh-kien-nghi", "cong-ttdt"]
    {
        assert!(out.contains(id), "{id} missing from the table");
    }
    assert!(out.contains("Systems: 7 · approved: 4 (57.1%)"), "{out}");
    assert!(out.contains("203.0.113.99"), "the unregistered host is shown");
}

#[test]
fn demo_json_matches_the_expected_outcomes() {
    let doc = demo_json();
    assert_eq!(doc["schema"], "tuanthu/report/v1");
    assert_eq!(doc["period"], "2026");
    let ag = &doc["agencies"][0];
    assert_eq!(ag["systems_total"], 7);
    assert_eq!(ag["approval_rate"], 4.0 / 7.0);
    assert_eq!(system(&doc, "tin-noi-bo")["compliant"], true);
    assert_eq!(system(&doc, "tin-noi-bo")["fully_implemented"], true);
    assert_eq!(system(&doc, "tin-noi-bo")["deployment"], "full");
    // The portal: the scan shows SSH and databases reachable from the Internet.
    for c in ["DES.01", "DES.02", "DES.03", "DES.08", "NET.01"] {
        assert_eq!(control_status(&doc, "cong-dvc", c), "fail", "cong-dvc {c}");
    }
    assert_eq!(control_status(&doc, "cong-dvc", "DES.10"), "waived");
    assert_eq!(control_status(&doc, "cong-dvc", "DES.17"), "not_applicable");
    assert_eq!(control_status(&doc, "cong-dvc", "POL.03"), "unknown", "stale attestation");
    assert_eq!(control_status(&doc, "cong-dvc", "DES.06"), "absent", "dropped by tailoring");
    assert_eq!(control_status(&doc, "cong-dvc", "DES.18"), "unknown", "added by tailoring, unattested");
    // The data centre exposes telnet, VNC and FTP.
    for c in ["NET.06", "SRV.04", "DES.02"] {
        assert_eq!(control_status(&doc, "ttdl-tinh", c), "fail", "ttdl-tinh {c}");
    }
    let findings = system(&doc, "ttdl-tinh")["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "NET.06")
        .unwrap()["findings"]
        .clone();
    let f = findings.as_array().unwrap().iter().find(|f| f["rule"] == "nmap-cleartext-admin").expect("telnet finding");
    assert!(f["asset"].as_str().unwrap().ends_with("/tcp"));
    assert!(f["evidence"].as_str().unwrap().starts_with("examples/demo/scan.xml#host="));
    assert_eq!(doc["unregistered_assets"][0]["address"], "203.0.113.99");
}

#[test]
fn json_report_validates_against_the_shipped_schema() {
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(common::root().join("reports/report-v1.schema.json")).unwrap())
            .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the schema itself is valid");
    // Both regimes, and the Decree 331 preview with its transition gap.
    for extra in [&["--lang", "en"][..], &["--lang", "vi"], &["--catalogue", "nd331-2026"]] {
        let mut args = vec!["--format", "json"];
        args.extend(extra);
        let o = check(&args);
        let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        let errors: Vec<String> =
            validator.iter_errors(&doc).map(|e| format!("{} at {}", e, e.instance_path())).collect();
        assert!(errors.is_empty(), "report does not match reports/report-v1.schema.json:\n{}", errors.join("\n"));
    }
    // And the schema is strict: an unknown member is refused, so schema and output stay in step.
    let mut doc = demo_json();
    doc["agencies"][0]["systems"][0]["surprise"] = serde_json::json!(1);
    assert!(!validator.is_valid(&doc));
}

#[test]
fn vietnamese_output() {
    let o = check(&["--lang", "vi"]);
    let out = stdout(&o);
    assert!(out.contains("Số hệ thống: 7"), "{out}");
    // The default view groups what is missing by action (statuses are in the `-v` table).
    assert!(out.contains("  Khắc phục: có phát hiện không đạt;"), "{out}");
    assert!(stdout(&check(&["--lang", "vi", "-v"])).contains("KHÔNG ĐẠT"));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&check(&["--format", "json", "--lang", "vi"]))).unwrap();
    let msg = system(&doc, "cong-dvc")["controls"].as_array().unwrap().iter().find(|c| c["id"] == "DES.02").unwrap()["findings"][0]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(msg.contains("ngoài mạng riêng ảo"), "{msg}");
}

#[test]
fn fail_on_controls_the_exit_code() {
    assert_eq!(code(&check(&["--fail-on", "never"])), 0);
    assert_eq!(code(&check(&["--fail-on", "fail"])), 1);
}

#[test]
fn output_file_is_written() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("r.json");
    let o = check(&["--format", "json", "-o", out.to_str().unwrap()]);
    assert_eq!(code(&o), 1);
    assert!(stdout(&o).is_empty());
    let doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out).unwrap()).unwrap();
    assert_eq!(doc["schema"], "tuanthu/report/v1");
}

#[test]
fn invalid_inventory_exits_2_with_position() {
    let d = common::dir_with(&[(
        "inv.yaml",
        "schema: tuanthu/inventory/v1\nagency: {id: a, name: A}\nsystems:\n  - {id: s, name: S, level: 6, approval: {status: draft}}\n",
    )]);
    let inv = d.path().join("inv.yaml");
    let o = tuanthu(&["check", "--inventory", inv.to_str().unwrap()]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("inv.yaml:4:29: level must be 1, 2, 3, 4 or 5"), "{}", stderr(&o));
}

#[test]
fn malformed_nmap_exits_2_but_still_reports() {
    let d = common::dir_with(&[(
        "bad.xml",
        "<?xml version=\"1.0\"?>\n<nmaprun scanner=\"nmap\" start=\"1795000000\">\n<host><status state=\"up\"/><address addr=\"203.0.113.10\" addrtype=\"ipv4\"/></host>\n<host><status state=\"up\"/><address addr=\"203.0",
    )]);
    let bad = d.path().join("bad.xml");
    let o = tuanthu(&[
        "check",
        "--inventory",
        "examples/demo/inventory.yaml",
        "--nmap",
        bad.to_str().unwrap(),
        "--as-of",
        "2026-11-25",
        "--format",
        "json",
    ]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("bad.xml"), "{}", stderr(&o));
    assert!(stderr(&o).contains("line 4"), "names the position: {}", stderr(&o));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("the report is still written");
    assert_eq!(doc["inputs"][0]["partial"], true);
}

#[test]
fn missing_files_and_bad_dates_are_usage_errors() {
    assert_eq!(code(&tuanthu(&["check", "--inventory", "does/not/exist.yaml"])), 2);
    assert_eq!(code(&tuanthu(&["check", "--inventory", "examples/demo/inventory.yaml", "--as-of", "2026-13-01"])), 2);
    assert_eq!(code(&tuanthu(&["check"])), 2, "clap usage errors exit 2");
}

#[test]
fn hostile_banners_do_not_reach_the_terminal() {
    let evil = "<?xml version=\"1.0\"?><nmaprun scanner=\"nmap\" start=\"1795000000\"><host starttime=\"1795000000\"><status state=\"up\"/><address addr=\"203.0.113.10\" addrtype=\"ipv4\"/><ports><port protocol=\"tcp\" portid=\"23\"><state state=\"open\"/><service name=\"telnet\" product=\"evil&#27;]0;pwned&#7;&#27;[2J\"/></port></ports></host><runstats><finished time=\"1795000001\"/></runstats></nmaprun>";
    let d = common::dir_with(&[("evil.xml", evil)]);
    let f = d.path().join("evil.xml");
    let o = tuanthu(&[
        "check",
        "--inventory",
        "examples/demo/inventory.yaml",
        "--nmap",
        f.to_str().unwrap(),
        "--as-of",
        "2026-11-25",
    ]);
    let out = stdout(&o);
    assert!(out.contains("evil"), "the banner is shown...");
    assert!(!out.contains('\u{1b}') && !out.contains('\u{7}'), "...without its escape sequences");
}

#[test]
fn validate_lists_every_problem() {
    let d = common::dir_with(&[
        (
            "inv.yaml",
            "schema: tuanthu/inventory/v1\nagency: {id: a, name: A}\nsystems:\n  - {id: s, name: S, level: 9, approval: {status: approved}}\n",
        ),
        ("rule.yaml", "schema: tuanthu/rule/v1\nid: other\n"),
    ]);
    let o = tuanthu(&["validate", d.path().to_str().unwrap()]);
    assert_eq!(code(&o), 2);
    let err = stderr(&o);
    assert!(err.contains("level must be"), "{err}");
    assert!(err.contains("no `decision:`"), "{err}");
    assert!(err.contains("rule.yaml"), "{err}");
    let ok = tuanthu(&["validate", "rules", "profiles", "examples/demo"]);
    assert_eq!(code(&ok), 0, "{}", stderr(&ok));
}

#[test]
fn controls_lists_a_level() {
    let o = tuanthu(&["controls", "--level", "3", "--format", "json"]);
    assert_eq!(code(&o), 0);
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let ids: Vec<&str> = doc["controls"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 22 + 5 + 17 + 21 + 8);
    assert!(ids.contains(&"DES.08") && !ids.contains(&"DES.18"));
    let t = tuanthu(&["controls", "--level", "1", "--lang", "vi"]);
    assert!(stdout(&t).contains("Chính sách an toàn thông tin"));
}

/// The table's Rules column lists every rule that speaks for a control (NET.06 has five), as
/// the JSON does, in both catalogues.
#[test]
fn controls_table_lists_every_rule_of_a_control() {
    for cat in ["tt12-2022", "nd331-2026"] {
        let json = tuanthu(&["controls", "--catalogue", cat, "--format", "json"]);
        let doc: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap();
        let mut want = std::collections::BTreeMap::new();
        for c in doc["controls"].as_array().unwrap() {
            let rules: Vec<String> =
                c["rules"].as_array().unwrap().iter().map(|r| r.to_string().replace('"', "")).collect();
            want.insert(c["id"].as_str().unwrap().to_string(), rules);
        }
        let table = stdout(&tuanthu(&["controls", "--catalogue", cat]));
        let mut got: std::collections::BTreeMap<String, Vec<String>> = std::collections::BTreeMap::new();
        let mut current = String::new();
        for line in table.lines().filter(|l| l.starts_with('│') && l.contains('┆')) {
            let cells: Vec<&str> = line.trim_matches('│').split('┆').map(str::trim).collect();
            let id = cells[0].trim_end_matches(" †");
            if !id.is_empty() {
                current = id.to_string();
                got.entry(current.clone()).or_default();
            }
            let rule = cells[cells.len() - 1];
            if !rule.is_empty() && current != "Control" {
                got.entry(current.clone()).or_default().push(rule.to_string());
            }
        }
        got.remove("Control");
        assert_eq!(got, want, "{cat}");
        if cat == "tt12-2022" {
            let net06 = [
                "dns-dnssec-bogus",
                "dns-dnssec-unsigned",
                "nmap-cleartext-admin",
                "nmap-remote-admin-exposed",
                "nmap-smbv1",
                "nmap-snmp-exposed",
                "nmap-snmp-v1-v2c",
                "nmap-sshv1",
                "ssh-protocol-1",
                "ssh-weak-ciphers",
                "ssh-weak-kex",
                "ssh-weak-macs",
            ];
            assert_eq!(got["NET.06"], net06);
        }
    }
}

#[test]
fn completions_and_help() {
    let o = tuanthu(&["completions", "bash"]);
    assert_eq!(code(&o), 0);
    assert!(stdout(&o).contains("tuanthu"));
    let h = tuanthu(&["check", "--help"]);
    assert!(stdout(&h).contains("--as-of") && stdout(&h).contains("Exit codes"));
}

#[test]
fn hostile_inputs_exit_2_without_panicking() {
    let mut bomb = String::from(
        "schema: tuanthu/inventory/v1\nagency: {id: a, name: A}\nsystems:\n  - id: s\n    name: S\n    level: 1\n    approval: {status: draft}\n    owner: &a0 \"lol\"\n",
    );
    for i in 1..12 {
        bomb.push_str(&format!(
            "    x{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n",
            p = i - 1
        ));
    }
    let xxe = "<?xml version=\"1.0\"?>\n<!DOCTYPE nmaprun [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n<nmaprun scanner=\"nmap\"><host><status state=\"up\"/><address addr=\"203.0.113.10\" addrtype=\"ipv4\"/><hostnames><hostname name=\"&xxe;\"/></hostnames></host></nmaprun>\n";
    let d = common::dir_with(&[
        ("bomb.yaml", &bomb),
        ("xxe.xml", xxe),
        ("types.yaml", "schema: tuanthu/inventory/v1\nagency: [not, a, mapping]\n"),
    ]);
    for (args, expect) in [
        (vec!["check", "--inventory", "bomb.yaml"], "bomb.yaml:"),
        (vec!["check", "--inventory", "types.yaml"], "types.yaml:2:"),
        (vec!["validate", "bomb.yaml", "types.yaml"], "types.yaml:2:"),
    ] {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_tuanthu"));
        let o = cmd.args(&args).current_dir(d.path()).output().unwrap();
        assert_eq!(code(&o), 2, "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(expect), "{args:?}: {}", stderr(&o));
        assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
    }
    let xml = d.path().join("xxe.xml");
    let o = tuanthu(&[
        "check",
        "--inventory",
        "examples/demo/inventory.yaml",
        "--nmap",
        xml.to_str().unwrap(),
        "--as-of",
        "2026-11-25",
    ]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("xxe.xml") && stderr(&o).contains("line 2"), "{}", stderr(&o));
    assert!(!stdout(&o).contains("root:"), "no external entity was read");
}

#[test]
fn the_demo_runs_both_regimes() {
    let doc = demo_json();
    let regime = |id: &str| {
        let s = system(&doc, id);
        (s["catalogue"].as_str().unwrap().to_string(), s["catalogue_rule"].as_str().unwrap().to_string())
    };
    assert_eq!(regime("cong-dvc"), ("tt12-2022".into(), "decree-85-approval".into()));
    assert_eq!(regime("qlvb-email"), ("tt12-2022".into(), "decree-85-construction".into()));
    assert_eq!(regime("cong-ttdt"), ("nd331-2026".into(), "decree-331".into()));
    assert_eq!(regime("phan-anh-kien-nghi"), ("nd331-2026".into(), "decree-331".into()));
    let by = &doc["agencies"][0]["by_catalogue"];
    assert_eq!(
        (by["tt12-2022"]["systems_total"].as_u64(), by["nd331-2026"]["systems_total"].as_u64()),
        (Some(4), Some(3))
    );
    // Compliant under Decree 331 although backup, optional at level 2, is not attested.
    let ttdt = system(&doc, "cong-ttdt");
    assert_eq!(ttdt["compliant"], true);
    let bak = ttdt["optional_controls"].as_array().unwrap().iter().find(|c| c["id"] == "BAK.01").unwrap();
    assert_eq!(bak["status"], "unknown");
    assert_eq!(control_status(&doc, "cong-ttdt", "OBL.08"), "fail", "first notice after 28 hours");
    assert_eq!(system(&doc, "cong-dvc")["transition"]["state"], "pending");
}

#[test]
fn preview_under_decree_331_shows_the_transition_gap() {
    let o = check(&["--catalogue", "nd331-2026"]);
    let out = stdout(&o);
    assert!(out.contains("Transition gap: tt12-2022 → nd331-2026 (measures due by 2027-07-01)"), "{out}");
    let doc: serde_json::Value =
        serde_json::from_str(&stdout(&check(&["--catalogue", "nd331-2026", "--format", "json"]))).unwrap();
    let t = &system(&doc, "cong-dvc")["transition"];
    assert_eq!(t["state"], "preview");
    let gap = t["gap"].as_array().unwrap();
    let new: Vec<&str> = gap
        .iter()
        .filter(|g| g["counterparts"].as_array().unwrap().is_empty())
        .map(|g| g["control"].as_str().unwrap())
        .collect();
    for id in ["PLN.01", "STD.01", "NSL.01", "TRN.01"] {
        assert!(new.contains(&id), "{id} is a new duty the portal misses: {new:?}");
    }
    assert!(!new.contains(&"ASM.01"), "its pre-operation assessment (2025-05-06) is recorded");
    // After the deadline the preview is the regime itself.
    let later =
        tuanthu(&["check", "--inventory", "examples/demo/inventory.yaml", "--as-of", "2027-07-02", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&stdout(&later)).unwrap();
    let s = system(&doc, "cong-dvc");
    assert_eq!((s["catalogue"].as_str(), s["catalogue_rule"].as_str()), (Some("nd331-2026"), Some("transition-ended")));
    assert_eq!(s["transition"]["state"], "ended");
}

#[test]
fn controls_diff_table_and_json() {
    let o = tuanthu(&["controls", "diff", "tt12-2022", "nd331-2026", "--level", "3"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("Level 3 — tt12-2022: 65 required, 0 optional, 8 obligations → nd331-2026: 58 required, 1 optional, 16 obligations"), "{out}");
    assert!(out.contains("Id mapping tt12-2022 → nd331-2026"));
    let o = tuanthu(&["controls", "diff", "tt12-2022", "nd331-2026", "--format", "json", "--lang", "vi"]);
    let d: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(d["levels"].as_array().unwrap().len(), 5);
    let l5 = &d["levels"][4];
    assert!(l5["added"].as_array().unwrap().iter().any(|a| a["id"] == "ASM.01" && a["kind"] == "new"));
    assert!(l5["dropped"].as_array().unwrap().iter().any(|x| x["id"] == "GEN.03" && x["kind"] == "removed"));
    let vi = tuanthu(&["controls", "diff", "tt12-2022", "nd331-2026", "--level", "1", "--lang", "vi"]);
    assert!(stdout(&vi).contains("Cấp độ 1 — tt12-2022"), "{}", stdout(&vi));
    let bad = tuanthu(&["controls", "diff", "tt12-2022", "nd999"]);
    assert_eq!(code(&bad), 2);
    assert!(stderr(&bad).contains("unknown catalogue `nd999`"));
}

#[test]
fn validate_covers_both_catalogues() {
    for path in ["profiles", "profiles/nd331-2026", "profiles/tt12-2022/level-3.yaml"] {
        let o = tuanthu(&["validate", path]);
        assert_eq!(code(&o), 0, "{path}: {}", stderr(&o));
    }
    // A level-2 profile of Decree 331 that lists a level-3 control is refused.
    let text = std::fs::read_to_string(common::root().join("profiles/nd331-2026/level-2.yaml"))
        .unwrap()
        .replace("technical: [TEC.01,", "technical: [MON.01, TEC.01,");
    let d = common::dir_with(&[("level-2.yaml", &text)]);
    let o = tuanthu(&["validate", d.path().join("level-2.yaml").to_str().unwrap()]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("MON.01 is not listed at level 2 in the catalogue"), "{}", stderr(&o));
}
