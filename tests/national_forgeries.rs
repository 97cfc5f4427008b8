//! Issue 11 item 8: the national view trusts the signature for *who* sent a report, never for
//! *what* it says. Each forged report of the issue, validly signed with its agency's own key, is
//! refused by `verify` and by `aggregate` alike, with the same reason; an unsigned report never
//! supersedes a signed one; `verify /dev/zero` ends with a clear error under a memory limit.

mod common;

use common::reports::{policy, refigure, report, set_bases, set_basis, system};
use common::{code, stderr, stdout, tuanthu};
use ed25519_dalek::SigningKey;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use tuanthu::report::sign;

const AGENCY: &str = "so-a";

fn keypair(dir: &Path, agency: &str) -> SigningKey {
    std::fs::create_dir_all(dir).unwrap();
    let (private, public) = sign::generate().unwrap();
    std::fs::write(dir.join(format!("{agency}.pub")), public).unwrap();
    ed25519_dalek::pkcs8::DecodePrivateKey::from_pkcs8_pem(&private).unwrap()
}

/// A consistent report of so-a: one compliant approved system, one failing NET.01.
fn genuine() -> Value {
    report(
        AGENCY,
        "2026-11-20T08:00:00Z",
        vec![system("a1", 3, "approved", "full", &[]), system("a2", 2, "approved", "partial", &["NET.01"])],
    )
}

/// Every forged report of the issue, each validly signed with so-a's key (or unsigned where the
/// forgery is the envelope), with a word its rejection must contain.
fn forgeries(key: &SigningKey) -> Vec<(&'static str, String, &'static str)> {
    let signed = |v: &Value| sign::sign(v, key).unwrap();
    let mut out = Vec::new();

    let mut fully = genuine();
    let a2 = &mut fully["agencies"][0]["systems"][1];
    a2["fully_implemented"] = json!(true);
    fully["agencies"][0]["systems_fully_implemented"] = json!(2);
    fully["agencies"][0]["fully_implemented_rate"] = json!(1.0);
    out.push(("fully-implemented.json", signed(&fully), "system `a2`: `fully_implemented` states true, derived false"));

    let mut claimed = genuine();
    let a2 = &mut claimed["agencies"][0]["systems"][1];
    (a2["compliant"], a2["fully_implemented"], a2["deployment"]) = (json!(true), json!(true), json!("full"));
    out.push(("compliant-claimed.json", signed(&claimed), "system `a2`: `compliant` states true, derived false"));

    let mut agency_figure = genuine();
    agency_figure["agencies"][0]["systems_approved"] = json!(5);
    out.push(("agency-figure.json", signed(&agency_figure), "agency `so-a`: `systems_approved` states 5, derived 2"));

    let mut repeated = genuine();
    let one = repeated["agencies"][0]["systems"][0].clone();
    repeated["agencies"][0]["systems"] = Value::Array(vec![one; 1000]);
    refigure(&mut repeated);
    out.push(("repeated.json", signed(&repeated), "system id `a1` is listed twice"));

    let mut level = genuine();
    level["agencies"][0]["systems"][0]["level"] = json!(9);
    out.push(("level-9.json", signed(&level), "level 9 is not 1–5"));

    let mut approval = genuine();
    approval["agencies"][0]["systems"][0]["approval"] = json!("blessed");
    out.push(("approval.json", signed(&approval), "unknown variant `blessed`"));

    let mut deployment = genuine();
    deployment["agencies"][0]["systems"][0]["deployment"] = json!("everywhere");
    out.push(("deployment.json", signed(&deployment), "unknown variant `everywhere`"));

    let mut catalogue = genuine();
    catalogue["agencies"][0]["systems"][0]["catalogue"] = json!("tt99-2099");
    catalogue["policy"]["catalogues"]["tt99-2099"] = json!("1.0.0");
    refigure(&mut catalogue);
    out.push(("catalogue.json", signed(&catalogue), "unknown catalogue `tt99-2099`"));

    let mut status = genuine();
    status["agencies"][0]["systems"][0]["controls"][0]["status"] = json!("mostly");
    out.push(("status.json", signed(&status), "unknown variant `mostly`"));

    let mut dropped = genuine();
    dropped["agencies"][0]["systems"][1]["controls"].as_array_mut().unwrap().retain(|c| c["id"] != "NET.01");
    refigure(&mut dropped);
    out.push(("control-dropped.json", signed(&dropped), "`controls` does not list NET.01, which the profile requires"));

    // Issue 12 item 6: the measured share is re-derived from the controls' bases, and a basis
    // must fit its status and its catalogue.
    let mut based = genuine();
    set_bases(&mut based, &["NET.01"]);
    let mut share = based.clone();
    share["agencies"][0]["systems"][1]["measured_share"] = json!(1.0);
    out.push((
        "measured-share.json",
        signed(&share),
        "system `a2`: `measured_share` states Some(1.0), derived Some(0.021739130434782608)",
    ));

    let mut count = based.clone();
    count["agencies"][0]["controls_measured"] = json!(40);
    out.push(("controls-measured.json", signed(&count), "agency `so-a`: `controls_measured` states 40, derived 1"));

    let mut agency_share = based.clone();
    agency_share["agencies"][0]["measured_share"] = json!(0.9);
    out.push((
        "agency-share.json",
        signed(&agency_share),
        "agency `so-a`: `measured_share` states Some(0.9), derived Some(0.009009009009009009)",
    ));

    // A measured pass of a control only an attestation can pass, its figures made to agree.
    let mut measured_pass = based.clone();
    set_basis(&mut measured_pass, "a1", "POL.01", "measured");
    refigure(&mut measured_pass);
    out.push((
        "measured-pass.json",
        signed(&measured_pass),
        "system `a1`: control POL.01 is `pass` with basis `measured`, which cannot have decided it",
    ));

    let mut both_fail = based.clone();
    set_basis(&mut both_fail, "a2", "NET.01", "both");
    refigure(&mut both_fail);
    out.push((
        "both-fail.json",
        signed(&both_fail),
        "system `a2`: control NET.01 is `fail` with basis `both`, which cannot have decided it",
    ));

    let mut basis = based.clone();
    set_basis(&mut basis, "a1", "POL.01", "paper");
    out.push(("basis.json", signed(&basis), "unknown variant `paper`"));

    let mut generated = genuine();
    generated["generated_at"] = json!("zzzz");
    out.push(("generated-at.json", signed(&generated), "`generated_at` `zzzz` is not an RFC 3339 timestamp"));

    let mut period = genuine();
    period["period"] = json!("9999");
    out.push((
        "period-9999.json",
        signed(&period),
        "bad period: period 9999 but `as_of` 2026-11-25 falls in period 2026",
    ));

    let mut future = genuine();
    (future["period"], future["as_of"], future["generated_at"]) =
        (json!("9999"), json!("9999-01-01"), json!("9999-01-01T00:00:00Z"));
    out.push(("future.json", signed(&future), "later than the time of receipt"));

    out.push(("blank-lines.json", format!("{}\n\n\n", signed(&genuine()).trim_end()), "not in the canonical form"));

    // Non-canonical bytes (pretty-printed) signed as they are, the signature member added after.
    let raw = serde_json::to_string_pretty(&genuine()).unwrap();
    let sig = ed25519_dalek::Signer::sign(key, raw.as_bytes());
    let value = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, sig.to_bytes());
    let body = raw.trim_end().strip_suffix('}').unwrap();
    let raw_signed = format!(
        "{body},\n  \"signature\": {{\"alg\": \"ed25519\", \"key_id\": \"{AGENCY}\", \"value\": \"{value}\"}}\n}}\n"
    );
    out.push(("signed-raw.json", raw_signed, "not in the canonical form"));

    // The signature moved inside `tool`: it signs nothing, the report is unsigned.
    let mut nested: Value = serde_json::from_str(&signed(&genuine())).unwrap();
    let member = nested.as_object_mut().unwrap().remove("signature").unwrap();
    nested["tool"]["signature"] = member;
    out.push(("nested-signature.json", canonical(&nested), "unsigned"));
    out
}

fn canonical(v: &Value) -> String {
    format!("{}\n", serde_json_canonicalizer::to_string(v).unwrap())
}

/// The national view of `dir` as JSON, with its exit code.
fn national(dir: &Path, keys: &Path, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["aggregate", dir.to_str().unwrap(), "--keys", keys.to_str().unwrap(), "--format", "json"];
    args.extend(extra);
    let o = tuanthu(&args);
    let v = serde_json::from_str(&stdout(&o)).unwrap_or_else(|e| panic!("{e}: {}{}", stdout(&o), stderr(&o)));
    (code(&o), v)
}

fn rejection<'v>(view: &'v Value, file: &str) -> Option<&'v str> {
    view["rejected"].as_array()?.iter().find(|r| r["file"].as_str().is_some_and(|f| f.ends_with(file)))?["reason"]
        .as_str()
}

#[test]
fn each_forged_report_is_refused_by_verify_and_aggregate_with_the_same_reason() {
    let root = tempfile::tempdir().unwrap();
    let (keys, dir) = (root.path().join("keys"), root.path().join("in"));
    std::fs::create_dir_all(&dir).unwrap();
    let key = keypair(&keys, AGENCY);
    let forged = forgeries(&key);
    let mut files: Vec<(String, PathBuf)> = Vec::new();
    for (name, text, _) in &forged {
        std::fs::write(dir.join(name), text).unwrap();
        files.push((name.to_string(), dir.join(name)));
    }
    // Genuine reports of other agencies, signed and kept as written, and one straight from `check`.
    for (agency, file) in [("so-b", "b.json"), ("so-c", "c.json")] {
        let k = keypair(&keys, agency);
        let mut r = genuine();
        r["agencies"][0]["id"] = json!(agency);
        std::fs::write(dir.join(file), sign::sign(&r, &k).unwrap()).unwrap();
        files.push((file.to_string(), dir.join(file)));
    }
    let real = dir.join("real.json");
    common::signed_report(&keys, "skhcn-binh-an", "examples/demo/inventory.yaml", &real);
    files.push(("real.json".into(), real));

    let (exit, view) = national(&dir, &keys, &[]);
    assert_eq!(exit, 1, "forged inputs are rejected");
    assert_eq!(view["overall"]["agencies"], 3, "so-b, so-c and the demo agency count; so-a's forgeries do not");
    for (name, _, expected) in &forged {
        let reason = rejection(&view, name).unwrap_or_else(|| panic!("{name} was not rejected: {view:#}"));
        assert!(reason.contains(expected), "{name}: `{reason}` does not say `{expected}`");
    }
    // verify agrees on every file: the same verdict and the same reason.
    for (name, path) in &files {
        let o = tuanthu(&["verify", path.to_str().unwrap(), "--keys", keys.to_str().unwrap()]);
        match rejection(&view, name) {
            None => {
                assert_eq!(code(&o), 0, "{name}: counted by aggregate, refused by verify: {}", stdout(&o));
                assert!(stdout(&o).contains("valid signature"), "{}", stdout(&o));
            }
            Some(reason) => {
                assert_eq!(code(&o), 1, "{name}: rejected by aggregate ({reason}), verify says {}", stdout(&o));
                assert!(stdout(&o).ends_with(&format!(": rejected: {reason}\n")), "{name}: {} vs {reason}", stdout(&o));
            }
        }
    }
}

#[test]
fn an_unsigned_report_never_supersedes_a_signed_one() {
    let root = tempfile::tempdir().unwrap();
    let (keys, dir) = (root.path().join("keys"), root.path().join("in"));
    std::fs::create_dir_all(&dir).unwrap();
    let key = keypair(&keys, AGENCY);
    let honest = report(AGENCY, "2026-11-20T08:00:00Z", vec![system("a1", 3, "draft", "none", &["NET.01"])]);
    std::fs::write(dir.join("signed.json"), sign::sign(&honest, &key).unwrap()).unwrap();
    // Anyone can write an unsigned report with a later date and a better picture.
    let forged = report(AGENCY, "2026-12-01T08:00:00Z", vec![system("a1", 3, "approved", "full", &[])]);
    std::fs::write(dir.join("unsigned-later.json"), canonical(&forged)).unwrap();

    let (exit, view) = national(&dir, &keys, &["--allow-unsigned"]);
    assert_eq!(exit, 0, "{view:#}");
    assert_eq!(view["overall"]["systems_fully_implemented"], 0, "the signed report counts");
    assert_eq!(view["agencies"][0]["signed_by"], AGENCY);
    let superseded = &view["superseded"][0];
    assert!(superseded["file"].as_str().unwrap().ends_with("unsigned-later.json"), "{view:#}");
    assert!(superseded["by"].as_str().unwrap().ends_with("signed.json"));
    assert_eq!(view["includes_unsigned"], false);
}

#[test]
fn a_genuine_report_still_verifies_and_its_figures_rederive() {
    let root = tempfile::tempdir().unwrap();
    let keys = root.path().join("keys");
    let key = keypair(&keys, AGENCY);
    let file = root.path().join("r.json");
    // Tailoring listed in the report is replayed against the profile.
    let mut r = genuine();
    let level3 = policy().profile("tt12-2022", 3).unwrap();
    let dropped = level3.controls.last().unwrap().clone();
    let s = &mut r["agencies"][0]["systems"][0];
    s["controls"].as_array_mut().unwrap().retain(|c| c["id"] != dropped.as_str());
    s["tailoring"] = json!([{"control": dropped, "action": "drop", "reason": "no such component", "file": "t.yaml"}]);
    refigure(&mut r);
    std::fs::write(&file, sign::sign(&r, &key).unwrap()).unwrap();
    let o = tuanthu(&["verify", file.to_str().unwrap(), "--keys", keys.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    // The same drop without its reason is refused.
    r["agencies"][0]["systems"][0]["tailoring"][0].as_object_mut().unwrap().remove("reason");
    std::fs::write(&file, sign::sign(&r, &key).unwrap()).unwrap();
    let o = tuanthu(&["verify", file.to_str().unwrap(), "--keys", keys.to_str().unwrap()]);
    assert_eq!(code(&o), 1);
    assert!(stdout(&o).contains("without a reason"), "{}", stdout(&o));
}

#[test]
fn verify_of_dev_zero_ends_with_a_clear_error_under_a_memory_limit() {
    let root = tempfile::tempdir().unwrap();
    let keys = root.path().join("keys");
    keypair(&keys, AGENCY);
    let o = common::tuanthu_within(
        &["verify", "/dev/zero", "--keys", keys.to_str().unwrap()],
        1024,
        std::time::Duration::from_secs(120),
        &common::root(),
    );
    assert_eq!(code(&o), 2, "{}{}", stdout(&o), stderr(&o));
    assert!(stderr(&o).contains("/dev/zero: is a device, not a file"), "{}", stderr(&o));
}
