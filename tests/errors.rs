//! One error path: whatever fails — the run, the input, the gate — stderr says `error: ` once per
//! line, and the exit code is the spec's (2 invalid input, 3 the run failed).

mod common;

use common::{code, dir_with, stderr, stdout, tuanthu};

const INV: &str = "examples/demo/inventory.yaml";
const SCAN: &str = "examples/demo/scan.xml";

#[test]
fn a_run_failure_is_one_error_line_and_exit_3() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("missing-folder/report.json");
    let o = tuanthu(&[
        "check",
        "--inventory",
        INV,
        "--nmap",
        SCAN,
        "--as-of",
        "2026-11-25",
        "--format",
        "json",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    assert_eq!(stderr(&o), format!("error: cannot write {}: No such file or directory (os error 2)\n", out.display()));
}

#[test]
fn invalid_input_is_one_error_line_per_problem_and_exit_2() {
    let o = tuanthu(&["check", "--inventory", INV, "--nmap", SCAN, "--as-of", "2026-13-01"]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert_eq!(stderr(&o), "error: --as-of: expected a date as YYYY-MM-DD, found `2026-13-01`\n");
    assert_eq!(stdout(&o), "", "no report on invalid input");
}

#[test]
fn a_gate_without_evidence_says_error_like_every_command() {
    let o = tuanthu(&["gate", "--inventory", INV, "--as-of", "2026-11-25", "--system", "tin-noi-bo"]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        "error: a gate needs evidence: give --nmap, --evidence or --live (it never passes on nothing)\n"
    );
}

#[test]
fn a_gate_on_an_empty_evidence_file_lists_each_error_with_one_prefix() {
    let d = dir_with(&[("empty.json", "")]);
    let empty = d.path().join("empty.json");
    let shown = empty.display();
    let args = ["--nmap", SCAN, "--evidence", empty.to_str().unwrap(), "-q"];
    let mut all = vec!["gate", "--inventory", INV, "--as-of", "2026-11-25", "--system", "tin-noi-bo"];
    all.extend(args);
    let o = tuanthu(&all);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        format!(
            "error: {shown}: the file is empty: no evidence (no record of it is used)\n\
             error: empty evidence file: {shown} (a gate never passes on nothing)\n"
        )
    );
}

#[test]
fn a_signing_key_that_cannot_be_read_is_invalid_input() {
    let d = tempfile::tempdir().unwrap();
    let key = d.path().join("missing.key");
    let report = d.path().join("report.json");
    let o = tuanthu(&[
        "check",
        "--inventory",
        INV,
        "--nmap",
        SCAN,
        "--as-of",
        "2026-11-25",
        "--format",
        "json",
        "--sign",
        key.to_str().unwrap(),
        "-o",
        report.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        format!("error: --sign: {}: cannot read: No such file or directory (os error 2)\n", key.display())
    );
    assert!(!report.exists(), "nothing is evaluated or written before the key is read");
}

#[test]
fn a_key_that_is_not_a_private_key_is_invalid_input() {
    let d = dir_with(&[("agency.key", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")]);
    let key = d.path().join("agency.key");
    let o = tuanthu(&[
        "check",
        "--inventory",
        INV,
        "--nmap",
        SCAN,
        "--as-of",
        "2026-11-25",
        "--format",
        "json",
        "--sign",
        key.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    let prefix = format!("error: --sign: {}: not an ed25519 private key in PKCS#8 PEM: ", key.display());
    assert!(stderr(&o).starts_with(&prefix), "{}", stderr(&o));
    assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
}

#[test]
fn no_command_uses_another_prefix() {
    let d = tempfile::tempdir().unwrap();
    let cases: [&[&str]; 5] = [
        &["controls", "--catalogue", "nd999"],
        &["aggregate", "no-such-dir", "--allow-unsigned"],
        &["keys", "generate", "--agency", "a b", "-o", d.path().to_str().unwrap()],
        &["verify", "--keys", "examples", "README.md"],
        &["gate", "--inventory", INV, "--system", "nope", "--nmap", SCAN],
    ];
    let expected = [
        "error: unknown catalogue `nd999` (known: nd331-2026, tt12-2022)\n",
        "error: no-such-dir: no such file or directory\n",
        "error: --agency: `a b` is not an agency id (letters, digits, `-`, `_`, `.`)\n",
        "error: README.md: line 1, column 1: expected value at line 1 column 1\n",
        "error: --system: no system `nope` in the inventory\n",
    ];
    for (args, want) in cases.iter().zip(expected) {
        let o = tuanthu(args);
        assert_eq!(code(&o), 2, "{args:?}: {}", stderr(&o));
        assert_eq!(stderr(&o), want, "{args:?}");
    }
}
