//! What the officer sees on the command line (#14 items 1–3): `validate` and `check` print every
//! problem once, in `--lang`, and the warnings of mistakes that used to pass silently; a bad
//! `--nmap` file is a clear error before any report.

mod common;

use common::{code, dir_with, stderr, stdout, tuanthu};
use std::path::Path;
use std::process::{Command, Output};

/// Runs tuanthu in `cwd` (relative paths are the officer's own).
fn tuanthu_in(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tuanthu"))
        .args(args)
        .current_dir(cwd)
        .env_remove("TUANTHU_LANG")
        .env_remove("TUANTHU_AS_OF")
        .output()
        .expect("run tuanthu")
}

const MISTAKES: &str = "schema: tuanthu/inventory/v1
agency:
  id: so-a
  name: Sở A
systems:
  - id: one
    name: One
    level: 2
    operater: Văn phòng
    approval: {status: draft}
  - id: two
    name: Two
    level: 7
    approval: {status: draft}
  - id: three
    name: Three
    level: 1
    approval: {status: approved, date: 2025-01-01}
";

#[test]
fn validate_lists_every_problem_once_in_the_chosen_language() {
    let d = dir_with(&[("inv.yaml", MISTAKES)]);
    let o = tuanthu_in(d.path(), &["validate", "inv.yaml"]);
    assert_eq!(code(&o), 2);
    assert_eq!(
        stderr(&o),
        "error: inv.yaml:9:5: unknown field `operater` (did you mean `operator`?)\n\
         error: inv.yaml:13:12: level must be 1, 2, 3, 4 or 5 (Decree 85/2016), found 7\n\
         error: inv.yaml:18:15: approval.status is `approved` but there is no `decision:` (decision number, e.g. \"123/QĐ-UBND\")\n\
         3 problem(s) in 1 file(s)\n"
    );
    let o = tuanthu_in(d.path(), &["validate", "--lang", "vi", "inv.yaml"]);
    assert_eq!(code(&o), 2);
    assert_eq!(
        stderr(&o),
        "lỗi: inv.yaml:9:5: trường `operater` không hợp lệ (có phải là `operator`?)\n\
         lỗi: inv.yaml:13:12: cấp độ phải là 1, 2, 3, 4 hoặc 5 (Nghị định 85/2016), gặp 7\n\
         lỗi: inv.yaml:18:15: approval.status là `approved` nhưng không có `decision:` (số quyết định, ví dụ \"123/QĐ-UBND\")\n\
         3 lỗi trong 1 tệp\n"
    );
    let o = tuanthu_in(d.path(), &["check", "--inventory", "inv.yaml", "--lang", "vi"]);
    assert_eq!(code(&o), 2, "check loads the same way");
    assert_eq!(stderr(&o).lines().count(), 3, "{}", stderr(&o));
    assert!(stderr(&o).starts_with("lỗi: inv.yaml:9:5: trường `operater` không hợp lệ"), "{}", stderr(&o));
    assert_eq!(stdout(&o), "");
}

#[test]
fn a_tailoring_next_to_a_relative_inventory_names_the_folder_and_is_reported_once() {
    let inv = common::inventory(1, "    tailoring: [nowhere, overlay]\n");
    let d = dir_with(&[
        ("inv.yaml", &inv),
        ("overlay.yaml", "schema: tuanthu/tailoring/v1\ndrop:\n  - {control: DES.17}\n"),
    ]);
    let o = tuanthu_in(d.path(), &["validate", "inv.yaml"]);
    assert_eq!(
        stderr(&o),
        "error: inv.yaml:11:17: tailoring `nowhere` not found (looked for nowhere.yaml in .)\n\
         error: ./overlay.yaml:3:5: dropping DES.17 needs a `reason:` (it is shown in every report)\n\
         2 problem(s) in 1 file(s)\n"
    );
    // The tailoring file is given too, or with its folder: its problem is listed once.
    for args in [&["validate", "."][..], &["validate", "inv.yaml", "overlay.yaml"][..]] {
        let o = tuanthu_in(d.path(), args);
        assert_eq!(code(&o), 2);
        let err = stderr(&o);
        assert_eq!(err.matches("dropping DES.17 needs a `reason:`").count(), 1, "{args:?}: {err}");
        assert_eq!(err.lines().count(), 3, "{args:?}: {err}");
        assert!(err.ends_with("2 problem(s) in 2 file(s)\n"), "{args:?}: {err}");
    }
    let o = tuanthu_in(d.path(), &["validate", "--lang", "vi", "inv.yaml"]);
    assert!(
        stderr(&o)
            .starts_with("lỗi: inv.yaml:11:17: không tìm thấy tinh chỉnh `nowhere` (đã tìm nowhere.yaml trong .)\n"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_missing_nmap_file_is_a_clear_error_and_no_report() {
    let o = tuanthu(&["check", "--inventory", "examples/demo/inventory.yaml", "--nmap", "no-such-scan.xml"]);
    assert_eq!(code(&o), 2);
    assert_eq!(stderr(&o), "error: no-such-scan.xml: --nmap file not found (give the XML file nmap wrote with -oX)\n");
    assert_eq!(stdout(&o), "", "no report is printed");
    let o = tuanthu(&[
        "check",
        "--inventory",
        "examples/demo/inventory.yaml",
        "--nmap",
        "no-such-scan.xml",
        "--lang",
        "vi",
    ]);
    assert_eq!(stderr(&o), "lỗi: no-such-scan.xml: không tìm thấy tệp --nmap (hãy đưa tệp XML do nmap ghi với -oX)\n");
}

#[test]
fn nmap_normal_output_is_told_to_use_xml() {
    let d = dir_with(&[(
        "scan.txt",
        "# Nmap 7.94 scan initiated Mon Nov 23 10:00:00 2026 as: nmap -oN scan.txt 10.0.0.0/24\n",
    )]);
    let scan = d.path().join("scan.txt");
    let o = tuanthu(&["check", "--inventory", "examples/demo/inventory.yaml", "--nmap", scan.to_str().unwrap()]);
    assert_eq!(code(&o), 2);
    let err = stderr(&o);
    assert!(
        err.starts_with(&format!(
            "error: {}: --nmap reads nmap XML (`nmap -oX`); this is nmap normal output (-oN), which tuanthu does not read; run nmap with -oX FILE (XML output) and give that file",
            scan.display()
        )),
        "{err}"
    );
    assert_eq!(stdout(&o), "");
}

#[test]
fn warnings_are_printed_by_validate_and_check_and_change_no_exit_code() {
    let inv = common::inventory(1, "    assets:\n      hosts: [0.0.0.0/0]\n");
    let d = dir_with(&[("inv.yaml", &inv)]);
    let warning = "warning: inv.yaml:12:15: `0.0.0.0/0` is wider than any real system (more than a /16 for IPv4, a /48 for IPv6): every scanned host in it would count as this system's; declare the system's own addresses or networks\n";
    let o = tuanthu_in(d.path(), &["validate", "inv.yaml"]);
    assert_eq!((code(&o), stderr(&o).as_str(), stdout(&o).as_str()), (0, warning, "1 file(s) valid\n"));
    let o = tuanthu_in(d.path(), &["check", "--inventory", "inv.yaml", "--as-of", "2026-11-25", "-q"]);
    assert_eq!((code(&o), stderr(&o).as_str()), (1, warning), "the report is made, the exit code is the verdict's");
    let o = tuanthu_in(d.path(), &["validate", "--lang", "vi", "inv.yaml"]);
    assert!(
        stderr(&o).starts_with("cảnh báo: inv.yaml:12:15: `0.0.0.0/0` rộng hơn mọi hệ thống thực tế"),
        "{}",
        stderr(&o)
    );
    assert_eq!(stdout(&o), "1 tệp hợp lệ\n");
}

#[test]
fn check_refuses_a_date_after_the_evaluation_date() {
    let inv = common::inventory(1, "").replace("date: 2025-01-10", "date: 2026-12-01");
    let d = dir_with(&[("inv.yaml", &inv)]);
    let o = tuanthu_in(d.path(), &["check", "--inventory", "inv.yaml", "--as-of", "2026-11-25"]);
    assert_eq!(code(&o), 2);
    assert_eq!(
        stderr(&o),
        "error: inv.yaml:10:58: `approval.date` 2026-12-01 is after the evaluation date 2026-11-25: a date that has not come yet is counted as if it had (and an approval or construction date chooses the catalogue); correct it, or evaluate with --as-of\n"
    );
    let o = tuanthu_in(d.path(), &["check", "--inventory", "inv.yaml", "--as-of", "2026-12-01", "-q"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
}

#[test]
fn usage_errors_follow_the_language() {
    let o = tuanthu(&["check", "--inventory", "examples/demo/inventory.yaml", "--as-of", "2026-02-30", "--lang", "vi"]);
    assert_eq!(code(&o), 2);
    assert_eq!(stderr(&o), "lỗi: --as-of: `2026-02-30` không phải ngày có thật (tháng 2/2026 có 28 ngày)\n");
    let o = tuanthu(&["check", "--inventory", "examples/demo/inventory.yaml", "--sign", "k.key", "--lang", "vi"]);
    assert_eq!(stderr(&o), "lỗi: --sign: chỉ báo cáo JSON được ký: thêm --format json\n");
    let o = tuanthu(&["gate", "--inventory", "examples/demo/inventory.yaml", "--system", "x", "--lang", "vi"]);
    assert_eq!(
        stderr(&o),
        "lỗi: cổng kiểm tra cần bằng chứng: dùng --nmap, --evidence hoặc --live (không bao giờ đạt khi không có gì)\n"
    );
}
