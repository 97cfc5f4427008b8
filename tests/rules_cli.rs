//! `tuanthu rules test` (a rule author's loop, without cargo) and `--add-rules` (a pack beside the
//! bundled rules), through the real binary: exact output and exit codes.

mod common;

use common::{PACK_HEADER, code, dir_with, path_str, stderr, stdout, tuanthu};

/// A minimal rule over nmap ports, as a pack author would write it.
fn rule(id: &str, message: &str, show: &str) -> String {
    format!(
        r#"schema: tuanthu/rule/v1
id: {id}
version: 1
controls: [SRV.04]
evidence: nmap.port
severity: medium
applies_when: 'port.state == "open"'
fail_when: 'port.portid == 23'
show: [{show}]
info:
  title: {{en: "Telnet open", vi: "Telnet mở"}}
  description: {{en: "d", vi: "d"}}
  rationale: {{en: "r", vi: "r"}}
  remediation: {{en: "m", vi: "m"}}
message:
  en: "{message}"
  vi: "{message}"
"#
    )
}

const GOOD_CASES: &str = "schema: tuanthu/rule-cases/v1
rule: pack-telnet
cases:
  - {name: telnet open, port: {portid: 23, state: open}, expect: fail, message: 'asset has port 23 open'}
  - {name: ssh open, port: {portid: 22, state: open}, expect: pass}
  - {name: closed, port: {portid: 23, state: closed}, expect: skipped}
";

#[test]
fn the_bundled_pack_passes_its_own_cases() {
    let out = tuanthu(&["rules", "test"]);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    let summary = stdout(&out);
    assert!(summary.starts_with(&format!("pack tuanthu-core {}: ", env!("CARGO_PKG_VERSION"))), "{summary}");
    let line = summary.lines().last().unwrap();
    assert!(line.ends_with(" passed, 0 failed"), "{line}");
    let rules: usize = line.split(' ').next().unwrap().parse().unwrap();
    assert!(line.starts_with(&format!("{rules} rules, {rules} case files, ")), "{line}");
}

#[test]
fn a_pack_whose_cases_hold_passes() {
    let d = dir_with(&[
        ("pack.yaml", PACK_HEADER),
        ("pack-telnet.yaml", &rule("pack-telnet", "{asset} has port {port.portid} open", "port.service.name")),
        ("pack-telnet.cases.yaml", GOOD_CASES),
    ]);
    let out = tuanthu(&["rules", "test", &path_str(d.path())]);
    assert_eq!(stdout(&out), "pack test-pack 1.0.0: Test pack\n1 rules, 1 case files, 3 cases: 3 passed, 0 failed\n");
    assert_eq!(code(&out), 0);
    let vi = tuanthu(&["rules", "test", &path_str(d.path()), "--lang", "vi", "-q"]);
    assert_eq!(stdout(&vi), "", "-q prints nothing when every case passes");
    assert_eq!(code(&vi), 0);
}

#[test]
fn each_kind_of_failure_is_listed_with_its_position() {
    let wrong = "schema: tuanthu/rule-cases/v1
rule: pack-telnet
cases:
  - {name: telnet open, port: {portid: 23, state: open}, expect: pass}
  - {name: ssh open, port: {portid: 22, state: open}, expect: fail}
";
    let d = dir_with(&[
        ("pack.yaml", PACK_HEADER),
        // `port.servce.name`: a typo below a known variable, caught when a failing case renders it.
        ("pack-telnet.yaml", &rule("pack-telnet", "{asset} has port {port.portid} open", "port.servce.name")),
        ("pack-telnet.cases.yaml", wrong),
        ("pack-uncovered.yaml", &rule("pack-uncovered", "{asset}", "port.portid")),
    ]);
    let dir = path_str(d.path());
    let out = tuanthu(&["rules", "test", &dir]);
    let cases = format!("{dir}/pack-telnet.cases.yaml");
    assert_eq!(
        stdout(&out),
        format!(
            "pack test-pack 1.0.0: Test pack\n\
             FAIL {cases}:4 pack-telnet / telnet open: expected pass, got fail\n\
             FAIL {cases}:5 pack-telnet / ssh open: expected fail, got pass\n\
             FAIL {dir}/pack-uncovered.yaml pack-uncovered: no case file: add pack-uncovered.cases.yaml beside the rule\n\
             2 rules, 1 case files, 2 cases: 0 passed, 2 failed (and 1 rule-level problems)\n"
        )
    );
    assert_eq!(code(&out), 1);

    let typo = GOOD_CASES.replace(", message: 'asset has port 23 open'", "");
    let d = dir_with(&[
        ("pack.yaml", PACK_HEADER),
        ("pack-telnet.yaml", &rule("pack-telnet", "{asset} has port {port.portid} open", "port.servce.name")),
        ("pack-telnet.cases.yaml", &typo),
    ]);
    let dir = path_str(d.path());
    let out = tuanthu(&["rules", "test", &dir, "--lang", "vi"]);
    assert_eq!(
        stdout(&out),
        format!(
            "pack test-pack 1.0.0: Bộ quy tắc thử\n\
             FAIL {dir}/pack-telnet.cases.yaml:4 pack-telnet / telnet open: phát hiện nhắc tới dữ kiện bản ghi \
             không có: port.servce.name (viết sai sẽ in ra `?`)\n\
             1 quy tắc, 1 tệp ca kiểm thử, 3 ca: 2 đạt, 1 không đạt\n"
        )
    );
    assert_eq!(code(&out), 1);
}

#[test]
fn a_wrong_message_and_a_one_sided_case_file_fail() {
    let cases = GOOD_CASES.replace("asset has port 23 open", "asset has telnet open").replace(
        "  - {name: ssh open, port: {portid: 22, state: open}, expect: pass}\n  - {name: closed, port: {portid: 23, state: closed}, expect: skipped}\n",
        "",
    );
    let d = dir_with(&[
        ("pack.yaml", PACK_HEADER),
        ("pack-telnet.yaml", &rule("pack-telnet", "{asset} has port {port.portid} open", "port.service.name")),
        ("pack-telnet.cases.yaml", &cases),
    ]);
    let dir = path_str(d.path());
    let out = tuanthu(&["rules", "test", &dir]);
    assert_eq!(
        stdout(&out),
        format!(
            "pack test-pack 1.0.0: Test pack\n\
             FAIL {dir}/pack-telnet.cases.yaml pack-telnet: needs a `fail` case and one that is not (e.g. `pass`)\n\
             FAIL {dir}/pack-telnet.cases.yaml:4 pack-telnet / telnet open: expected the message \
             `asset has telnet open`, got `asset has port 23 open`\n\
             1 rules, 1 case files, 1 cases: 0 passed, 1 failed (and 1 rule-level problems)\n"
        )
    );
    assert_eq!(code(&out), 1);
}

#[test]
fn invalid_rule_and_case_files_exit_2_with_every_problem() {
    let cases = "schema: tuanthu/rule-cases/v1
rule: pack-telnt
cases:
  - {name: x, port: {portid: 23}, expect: failed}
";
    let d = dir_with(&[
        ("pack.yaml", PACK_HEADER),
        ("pack-telnet.yaml", &rule("pack-telnet", "{prot.portid} open", "port.portid")),
        ("pack-telnet.cases.yaml", cases),
    ]);
    let dir = path_str(d.path());
    let out = tuanthu(&["rules", "test", &dir]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "{dir}/pack-telnet.yaml:2:5: `prot.portid` in message.en names no fact of this rule (did you mean `port`?): \
             paths start with system, params, host, port, asset"
        )),
        "{err}"
    );
    assert!(err.contains(&format!("{dir}/pack-telnet.cases.yaml:4:")), "{err}");
    assert!(err.contains("`failed`"), "{err}");
}

#[test]
fn add_rules_adds_a_pack_and_refuses_a_second_rule_of_one_id() {
    let d = dir_with(&[
        ("pack.yaml", PACK_HEADER),
        ("pack-telnet.yaml", &rule("pack-telnet", "{asset} has port {port.portid} open", "port.service.name")),
    ]);
    let pack = path_str(d.path());
    let out = tuanthu(&["controls", "--level", "3", "--add-rules", &pack, "--format", "json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let srv04 = json["controls"].as_array().unwrap().iter().find(|c| c["id"] == "SRV.04").expect("SRV.04 listed");
    let rules: Vec<&str> = srv04["rules"].as_array().unwrap().iter().map(|r| r.as_str().unwrap()).collect();
    assert!(rules.contains(&"pack-telnet") && rules.contains(&"nmap-smbv1"), "{rules:?}");

    let dup =
        dir_with(&[("pack.yaml", PACK_HEADER), ("nmap-smbv1.yaml", &rule("nmap-smbv1", "{asset}", "port.portid"))]);
    let out = tuanthu(&["controls", "--add-rules", &path_str(dup.path())]);
    assert_eq!(code(&out), 2);
    assert_eq!(
        stderr(&out),
        format!(
            "error: {}/nmap-smbv1.yaml: duplicate rule id `nmap-smbv1` (also in <bundled>/rules/nmap/nmap-smbv1.yaml)\n",
            path_str(dup.path())
        )
    );
}

#[test]
fn a_pack_without_a_header_is_refused_with_what_to_write() {
    let d = dir_with(&[("pack-telnet.yaml", &rule("pack-telnet", "{asset}", "port.portid"))]);
    let dir = path_str(d.path());
    let out = tuanthu(&["check", "--inventory", "examples/demo/inventory.yaml", "--add-rules", &dir]);
    assert_eq!(code(&out), 2);
    assert_eq!(
        stderr(&out),
        format!(
            "error: {dir}: a rule pack needs a header: add {dir}/pack.yaml with `schema: tuanthu/rule-pack/v1`, `id`, \
             `version`, `title` (en, vi) and `source` (see docs/rules.md)\n"
        )
    );
}
