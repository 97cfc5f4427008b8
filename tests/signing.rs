//! Signed reports end to end: `keys generate`, `check --sign`, `verify`.

mod common;

use common::{code, stderr, stdout, tuanthu};

#[test]
fn a_report_signed_at_creation_verifies_and_tampering_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys");
    let k = keys.to_str().unwrap();
    let o = tuanthu(&["keys", "generate", "--agency", "skhcn-binh-an", "-o", k]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(keys.join("skhcn-binh-an.key")).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the private key is readable by its owner only");
    }
    let again = tuanthu(&["keys", "generate", "--agency", "skhcn-binh-an", "-o", k]);
    assert_eq!(code(&again), 2, "an existing key is never overwritten");

    let report = dir.path().join("report.json");
    let key = keys.join("skhcn-binh-an.key");
    let o = common::check_demo(&["--format", "json", "--sign", key.to_str().unwrap(), "-o", report.to_str().unwrap()]);
    assert_eq!(code(&o), 1, "the demo is not compliant: {}", stderr(&o));
    let r = report.to_str().unwrap();
    let ok = tuanthu(&["verify", r, "--keys", k]);
    assert_eq!(code(&ok), 0, "{}{}", stdout(&ok), stderr(&ok));
    assert!(stdout(&ok).contains("valid signature of agency `skhcn-binh-an`"));

    // One changed figure: rejected with the reason.
    let text = std::fs::read_to_string(&report).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let total = doc["agencies"][0]["systems_total"].as_u64().unwrap();
    let tampered = text.replacen(&format!("\"systems_total\":{total}"), &format!("\"systems_total\":{}", total + 1), 1);
    assert_ne!(tampered, text, "the figure to tamper with is in the report");
    std::fs::write(&report, tampered).unwrap();
    let bad = tuanthu(&["verify", r, "--keys", k]);
    assert_eq!(code(&bad), 1);
    assert!(stdout(&bad).contains("bad signature"), "{}", stdout(&bad));

    // No signature at all.
    let mut unsigned: serde_json::Value = serde_json::from_str(&text).unwrap();
    unsigned.as_object_mut().unwrap().remove("signature");
    std::fs::write(&report, serde_json_canonicalizer::to_string(&unsigned).unwrap()).unwrap();
    let u = tuanthu(&["verify", r, "--keys", k]);
    assert_eq!(code(&u), 1);
    assert!(stdout(&u).contains("unsigned"), "{}", stdout(&u));
}

#[test]
fn only_json_reports_are_signed() {
    let o = common::check_demo(&["--sign", "no-such.key"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("--format json"), "{}", stderr(&o));
}

/// The README's signing example carries `--fail-on never`: a non-compliant system then does not
/// end a `set -e` script right after the valid signed report is written (exit 0, not 1).
#[test]
fn the_readmes_signing_example_exits_0_for_a_non_compliant_agency() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let example = "--format json --sign keys/skhcn-binh-an.key -o report.json --fail-on never";
    assert!(readme.contains(example), "the README's signing example: {example}");
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys");
    let o = tuanthu(&["keys", "generate", "--agency", "skhcn-binh-an", "-o", keys.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let report = dir.path().join("report.json");
    let key = keys.join("skhcn-binh-an.key");
    let args = ["--format", "json", "--sign", key.to_str().unwrap(), "-o", report.to_str().unwrap()];
    let o = common::check_demo(&[&args[..], &["--fail-on", "never"]].concat());
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let v = tuanthu(&["verify", report.to_str().unwrap(), "--keys", keys.to_str().unwrap()]);
    assert_eq!(code(&v), 0, "the report written is valid: {}{}", stdout(&v), stderr(&v));
    assert_eq!(code(&common::check_demo(&args)), 1, "without it, the non-compliant demo exits 1");
}
