//! The terminal report of the demo (the README's command) as golden files in English and
//! Vietnamese: titles beside ids, what to do grouped by action, obligations in their own section
//! that says they do not count, and the closing next steps with the exit code's meaning. A
//! deliberate change is reviewed as a diff: rerun with UPDATE_GOLDEN=1. Also `-q`, which prints
//! only errors.

mod common;

use common::{code, stderr, stdout, tuanthu};

/// The README's demo command, in `lang`, with `extra` arguments.
fn demo(lang: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["check"];
    args.extend(common::README_DEMO);
    args.extend(["--lang", lang]);
    args.extend(extra);
    tuanthu(&args)
}

fn golden(lang: &str) -> String {
    let o = demo(lang, &[]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let got = stdout(&o);
    let path = common::root().join(format!("tests/golden/demo-terminal.{lang}.txt"));
    if std::env::var("UPDATE_GOLDEN").as_deref() == Ok("1") {
        std::fs::write(&path, &got).unwrap();
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (UPDATE_GOLDEN=1 writes it)", path.display()));
    for (i, (g, w)) in got.lines().zip(want.lines()).enumerate() {
        assert_eq!(g, w, "line {} of {}", i + 1, path.display());
    }
    assert_eq!(got, want, "{}", path.display());
    got
}

#[test]
fn demo_terminal_report_tells_what_to_do_in_english() {
    let out = golden("en");
    // Titles beside ids, the groups, the obligations section, the next steps.
    // The attested `partial` is overtaken by a measured failure of the domain (no MTA-STS).
    assert!(
        out.contains(
            "    DES.06 E-mail system security — binhan.gov.vn.example receives mail without an enforced MTA-STS policy"
        ),
        "{out}"
    );
    assert!(
        out.contains("  Attest: no attestation; record status, evidence and review date in the inventory"),
        "{out}"
    );
    assert!(out.contains("    … and 24 more (-v shows all)\n"), "{out}");
    assert!(out.contains("  Renew: the attestation is too old;"), "{out}");
    assert!(out.contains("  Measure: evidence is missing;"), "{out}");
    assert!(
        out.contains("  Obligations: legal duties of the operator, reported but NOT counted toward compliance\n"),
        "{out}"
    );
    assert!(out.contains("\nNext: fix 37 controls with failing findings, renew 3 stale attestations,"), "{out}");
    assert!(out.ends_with("Exit code 1: some required control is fail or unknown (--fail-on any).\n"), "{out}");
    // A legacy-TLS finding names the versions offered.
    assert!(out.contains("mail.binhan.gov.vn.example:993 accepts deprecated TLS 1.0, TLS 1.1\n"), "{out}");
    assert!(!out.contains("SSL 3.0, TLS 1.0 or TLS 1.1"), "{out}");
}

#[test]
fn demo_terminal_report_tells_what_to_do_in_vietnamese() {
    let out = golden("vi");
    assert!(
        out.contains(
            "  Nghĩa vụ: trách nhiệm pháp lý của đơn vị vận hành, được báo cáo nhưng KHÔNG tính vào đáp ứng\n"
        )
    );
    assert!(out.contains("\nTiếp theo: khắc phục 37 biện pháp có phát hiện không đạt,"), "{out}");
    assert!(out.ends_with("Mã thoát 1: có biện pháp bắt buộc không đạt hoặc chưa rõ (--fail-on any).\n"), "{out}");
    assert!(out.contains("chấp nhận phiên bản lỗi thời TLS 1.0, TLS 1.1\n"), "{out}");
}

#[test]
fn exit_code_line_follows_fail_on() {
    let o = demo("en", &["--fail-on", "never"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stdout(&o).ends_with("Exit code 0 whatever the results (--fail-on never).\n"), "{}", stdout(&o));
    let o = demo("en", &["--fail-on", "fail"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(stdout(&o).ends_with("Exit code 1: some required control is fail (--fail-on fail).\n"), "{}", stdout(&o));
}

#[test]
fn verbose_lists_every_control_with_its_title() {
    let o = demo("en", &["-v"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(!out.contains("more (-v shows all)"), "{out}");
    assert!(out.contains("│ POL.02 Policy development"), "{out}");
}

#[test]
fn quiet_prints_nothing_but_keeps_the_exit_code_and_the_file() {
    let o = demo("en", &["-q"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert_eq!(stdout(&o), "");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.txt");
    let o = demo("en", &["-q", "-o", file.to_str().unwrap()]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert_eq!(stdout(&o), "");
    let written = std::fs::read_to_string(&file).unwrap();
    assert!(written.starts_with("Agency Sở Khoa học và Công nghệ tỉnh Bình An (demo)"), "{written}");
    assert!(written.contains("\nNext: "), "{written}");
}

#[test]
fn quiet_is_documented_as_printing_only_errors() {
    let o = tuanthu(&["check", "--help"]);
    assert_eq!(code(&o), 0);
    assert!(stdout(&o).contains("-q, --quiet"), "{}", stdout(&o));
    assert!(stdout(&o).contains("Print only errors"), "{}", stdout(&o));
}
