//! `tuanthu init` (a starter inventory that validates and evaluates as written, never replacing a
//! file) and `tuanthu explain` (a control of each catalogue, an id found nowhere, an id of the
//! other catalogue), in English and Vietnamese.

mod common;

use common::tuanthu;
use std::path::Path;

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn path(p: &Path) -> &str {
    p.to_str().expect("UTF-8 temporary path")
}

fn today() -> String {
    tuanthu::dates::format(tuanthu::dates::today())
}

#[test]
fn init_writes_an_inventory_that_validates_and_evaluates_in_both_languages_and_catalogues() {
    let dir = tempfile::tempdir().unwrap();
    for lang in ["en", "vi"] {
        for catalogue in [None, Some("tt12-2022"), Some("nd331-2026")] {
            let file = dir.path().join(format!("{lang}-{}.yaml", catalogue.unwrap_or("default")));
            let f = path(&file);
            let mut args =
                vec!["init", "--agency", "so-khcn-demo", "--name", "Sở KH&CN \"demo\"", "-o", f, "--lang", lang];
            if let Some(c) = catalogue {
                args.extend(["--catalogue", c]);
            }
            let o = tuanthu(&args);
            assert_eq!(o.status.code(), Some(0), "{lang} {catalogue:?}: {}", stderr(&o));
            let wrote = match lang {
                "en" => format!("tuanthu: wrote {f}; after editing it, check it with `tuanthu validate {f}`\n"),
                _ => format!("tuanthu: đã tạo {f}; sau khi sửa, kiểm tra bằng `tuanthu validate {f}`\n"),
            };
            assert_eq!(stderr(&o), wrote);
            let text = std::fs::read_to_string(&file).unwrap();
            assert!(text.contains("\n  id: so-khcn-demo\n"), "{text}");
            assert!(text.contains("\n  name: \"Sở KH&CN \\\"demo\\\"\"    #"), "{text}");
            let comment = if lang == "en" { "# The agency's stable id" } else { "# Mã cố định của cơ quan" };
            assert!(text.contains(comment), "{lang}: comments in the language asked for");
            // The default is the regime in force today: Decree 331 (the clock is past 2026-08-19).
            let cat = catalogue.unwrap_or("nd331-2026");
            assert!(text.contains(&format!("tuanthu controls --catalogue {cat} --level 3")), "{text}");

            let v = tuanthu(&["validate", f]);
            assert_eq!((v.status.code(), stdout(&v).as_str(), stderr(&v).as_str()), (Some(0), "1 file(s) valid\n", ""));

            // Evaluated as written: the example system is judged under the catalogue it was written
            // for, and without evidence most controls are unknown (exit 1), with no panic.
            let c = tuanthu(&["check", "--inventory", f, "--format", "json"]);
            assert_eq!(c.status.code(), Some(1), "{lang} {catalogue:?}: {}", stderr(&c));
            let report: serde_json::Value = serde_json::from_slice(&c.stdout).unwrap();
            let system = &report["agencies"][0]["systems"][0];
            assert_eq!(system["id"], "cong-dvc");
            assert_eq!(system["catalogue"], cat, "{lang} {catalogue:?}");
            assert_eq!(system["approval"], "approved");
        }
    }
}

#[test]
fn init_writes_to_standard_output_without_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("inventory.yaml");
    let written = tuanthu(&["init", "--agency", "stttt-lao-cai", "-o", path(&file)]);
    assert_eq!(written.status.code(), Some(0));
    let on_disk = std::fs::read_to_string(&file).unwrap();
    for args in [&["init", "--agency", "stttt-lao-cai"][..], &["init", "--agency", "stttt-lao-cai", "-o", "-"]] {
        let o = tuanthu(args);
        assert_eq!((o.status.code(), stderr(&o).as_str()), (Some(0), ""), "{args:?}");
        assert_eq!(stdout(&o), on_disk, "{args:?}");
    }
    assert!(on_disk.starts_with("# Inventory of the agency's information systems, for tuanthu"));
    assert!(on_disk.contains("\n  name: \"Name of the agency (replace it)\"    #"));
}

#[test]
fn init_never_replaces_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("inventory.yaml");
    std::fs::write(&file, "mine").unwrap();
    let f = path(&file);
    let o = tuanthu(&["init", "--agency", "so-khcn", "-o", f]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        format!("error: {f} exists; tuanthu init never replaces a file (give another name with -o, or move it away)\n")
    );
    let o = tuanthu(&["init", "--agency", "so-khcn", "-o", f, "--lang", "vi"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        format!(
            "lỗi: {f} đã tồn tại; tuanthu init không bao giờ ghi đè tệp (chọn tên khác với -o, hoặc chuyển tệp đi nơi khác)\n"
        )
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "mine");
    // A dangling link is not written through either.
    let link = dir.path().join("link.yaml");
    std::os::unix::fs::symlink(dir.path().join("nowhere.yaml"), &link).unwrap();
    let o = tuanthu(&["init", "--agency", "so-khcn", "-o", path(&link)]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(!dir.path().join("nowhere.yaml").exists());
}

#[test]
fn init_refuses_an_agency_id_the_inventory_would_refuse() {
    let o = tuanthu(&["init", "--agency", "So_KHCN"]);
    assert_eq!((o.status.code(), stdout(&o).as_str()), (Some(2), ""));
    assert_eq!(
        stderr(&o),
        "error: --agency: `So_KHCN` is not an agency id: use lowercase letters, digits and hyphens ([a-z0-9-], \
at most 64, not starting with a hyphen); did you mean `so-khcn`?\n"
    );
    let o = tuanthu(&["init", "--agency", "sở-khcn", "--lang", "vi"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "lỗi: --agency: `sở-khcn` không phải là mã cơ quan: chỉ dùng chữ thường, chữ số và dấu gạch ngang \
([a-z0-9-], tối đa 64 ký tự, không bắt đầu bằng dấu gạch ngang)\n"
    );
}

#[test]
fn explain_a_circular_12_control() {
    let o = tuanthu(&["explain", "POL.01", "--catalogue", "tt12-2022"]);
    assert_eq!((o.status.code(), stderr(&o).as_str()), (Some(0), ""));
    let expected = format!(
        "POL.01 — Information security policy
Catalogue: tt12-2022 — Circular 12/2022/TT-BTTTT — security of information systems by level (Decree 85/2016)
Section: management · group: management/policy · verification: listed; content-unverified
† per-level content in TCVN 11930:2017, which the project has not seen: this rests on the annex row, not on the standard's text

By level:
  1  required        PL-I §I 1.1.1 · TCVN 11930:2017 5.1.1.1 · valid 12 months
  2  required        PL-II §I 1.1.1 · TCVN 11930:2017 6.1.1.1 · valid 12 months
  3  required        PL-III §I 1.1.1 · TCVN 11930:2017 7.1.1.1 · valid 12 months
  4  required        PL-IV §I 1.1.1 · TCVN 11930:2017 8.1.1.1 · valid 12 months
  5  required        PL-V §I 1.1.1 · TCVN 11930:2017 9.1.1.1 · valid 12 months

What evidences it:
  automation: manual (only an attestation can show it)
  attestation required: a pass needs a fresh `implemented` attestation; rules can only fail it
  no rule measures it: only an attestation shows it

The same requirement in nd331-2026:
  MGT.01 — Establish the cybersecurity policy

How to attest it (paste under the system in the inventory; `tuanthu validate` checks it):
    attestations:
      POL.01: {{status: implemented, evidence: \"number and date of the document that shows it\", reviewed: {}}}
",
        today()
    );
    assert_eq!(stdout(&o), expected);
}

#[test]
fn explain_a_decree_331_control_in_vietnamese() {
    let o = tuanthu(&["explain", "MGT.01", "--lang", "vi"]);
    assert_eq!((o.status.code(), stderr(&o).as_str()), (Some(0), ""));
    let expected = format!(
        "MGT.01 — Thiết lập chính sách an ninh mạng
Danh mục: nd331-2026 — Nghị định 331/2026/NĐ-CP — bảo vệ an ninh mạng đối với hệ thống thông tin theo cấp độ (Luật An ninh mạng 2025, TCVN 14423:2026)
Phần: management · nhóm: management/policy · mức kiểm chứng: primary

Theo cấp độ:
  1  bắt buộc        Art. 30.3.a · hiệu lực 12 tháng
  2  bắt buộc        Art. 30.3.a · hiệu lực 12 tháng
  3  bắt buộc        Art. 30.3.a · hiệu lực 12 tháng
  4  bắt buộc        Art. 30.3.a · hiệu lực 12 tháng
  5  bắt buộc        Art. 30.3.a · hiệu lực 12 tháng

Bằng chứng:
  mức tự động: thủ công (chỉ bản tự khai chứng minh được)
  bắt buộc tự khai: chỉ đạt khi có bản tự khai `implemented` còn hiệu lực; quy tắc chỉ có thể làm không đạt
  không có quy tắc đo: chỉ bản tự khai chứng minh

Yêu cầu tương ứng trong tt12-2022:
  POL.01 — Chính sách an toàn thông tin
  POL.02 — Xây dựng và công bố
  POL.03 — Rà soát, sửa đổi

Cách tự khai (dán vào mục của hệ thống trong tệp danh mục hệ thống; kiểm tra bằng `tuanthu validate`):
    attestations:
      MGT.01: {{status: implemented, evidence: \"số, ngày văn bản chứng minh\", reviewed: {}}}
",
        today()
    );
    assert_eq!(stdout(&o), expected);
}

#[test]
fn explain_names_the_rules_and_the_records_that_evidence_a_control() {
    let o = tuanthu(&["explain", "DES.03"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with("DES.03 is in several catalogues, each shown below: nd331-2026, tt12-2022\n\n"), "{out}");
    let rule =
        "  rule nmap-port-not-allowed (nmap.port: nmap XML, --nmap, medium): Port open beyond the approved design\n";
    assert_eq!(out.matches(rule).count(), 2, "{out}");
    assert!(out.contains("  automation: partial (scans can show a failure, never a pass)\n"), "{out}");

    let o = tuanthu(&["explain", "ASM.01"]);
    let out = stdout(&o);
    assert!(out.contains("\n  1  obligation      Art. 28.3, 30.6;"), "{out}");
    assert!(out.contains("  the inventory's assessments of kind `pre-operation` count as an attestation\n"), "{out}");
    assert!(out.contains(&format!(
        "  or record the assessment itself (it counts as an attestation):\n    assessments:\n      - {{kind: pre-operation, date: {}, by: \"who assessed it\"}}\n",
        today()
    )));
    assert!(out.contains("The same requirement in tt12-2022:\n  no counterpart\n"), "{out}");
}

#[test]
fn explain_as_json() {
    let o = tuanthu(&["explain", "NET.01", "--catalogue", "tt12-2022", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["control"], "NET.01");
    let e = &v["entries"][0];
    assert_eq!(v["entries"].as_array().unwrap().len(), 1);
    assert_eq!((e["catalogue"].as_str(), e["attestation"].as_str()), (Some("tt12-2022"), Some("required")));
    assert_eq!(e["by_level"][2]["clause"], "PL-III §II.2 1.1.1");
    assert_eq!(e["by_level"][2]["need"], "required");
    assert_eq!(e["by_level"][2]["validity"]["en"], "12 months");
    let rules: Vec<(&str, &str)> = e["rule_details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["id"].as_str().unwrap(), r["evidence"].as_str().unwrap()))
        .collect();
    assert!(rules.contains(&("nmap-port-not-allowed", "nmap.port")), "{rules:?}");
    assert_eq!(e["counterparts"]["nd331-2026"], serde_json::json!(["NET.01", "TEC.01"]));
}

#[test]
fn explain_suggests_the_nearest_ids_for_an_unknown_one() {
    let o = tuanthu(&["explain", "POL.1"]);
    assert_eq!((o.status.code(), stdout(&o).as_str()), (Some(2), ""));
    assert_eq!(stderr(&o), "error: no control `POL.1` in nd331-2026 or tt12-2022; did you mean `POL.01`?\n");
    let o = tuanthu(&["explain", "POL.1", "--lang", "vi"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stderr(&o), "lỗi: không có biện pháp `POL.1` trong nd331-2026 hoặc tt12-2022; có phải là `POL.01`?\n");
    let o = tuanthu(&["explain", "XYZZY"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "error: no control `XYZZY` in nd331-2026 or tt12-2022; list the ids with `tuanthu controls --catalogue ID`\n"
    );
    // Lower case finds the id.
    assert_eq!(tuanthu(&["explain", "mgt.01"]).status.code(), Some(0));
}

#[test]
fn explain_says_when_an_id_belongs_to_the_other_catalogue() {
    let o = tuanthu(&["explain", "POL.01", "--catalogue", "nd331-2026"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "error: no control `POL.01` in nd331-2026: it is an id of tt12-2022; the same requirement in nd331-2026: `MGT.01`\n"
    );
    let o = tuanthu(&["explain", "POL.01", "--catalogue", "nd331-2026", "--lang", "vi"]);
    assert_eq!(
        stderr(&o),
        "lỗi: không có biện pháp `POL.01` trong nd331-2026: đây là mã của tt12-2022; yêu cầu tương ứng trong nd331-2026: `MGT.01`\n"
    );
    let o = tuanthu(&["explain", "POL.01", "--catalogue", "nd331"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stderr(&o), "error: unknown catalogue `nd331` (known: nd331-2026, tt12-2022)\n");
}

#[test]
fn an_attestation_pasted_from_explain_validates() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("inventory.yaml");
    assert_eq!(tuanthu(&["init", "--agency", "so-khcn", "-o", path(&file)]).status.code(), Some(0));
    let o = tuanthu(&["explain", "OBL.08", "--catalogue", "nd331-2026"]);
    let out = stdout(&o);
    let line = out.lines().skip_while(|l| *l != "    attestations:").nth(1).expect("snippet line");
    let text = std::fs::read_to_string(&file).unwrap().replacen(
        "    attestations:\n",
        &format!("    attestations:\n{line}\n"),
        1,
    );
    std::fs::write(&file, text).unwrap();
    let v = tuanthu(&["validate", path(&file)]);
    assert_eq!((v.status.code(), stderr(&v).as_str()), (Some(0), ""));
}
