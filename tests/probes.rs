//! Probe evidence (`tuanthu/evidence/v1` files) through the engine: TLS and HTTP rules, unknown for
//! unmeasured, missing or stale targets, and certificate expiry judged at --as-of.

mod common;

use time::macros::date;
use tuanthu::engine::{self, Assessment, Evidence, Options, Status};
use tuanthu::evidence::file as evidence_file;
use tuanthu::inventory::Inventory;
use tuanthu::policy::Policy;

fn inventory() -> Inventory {
    let text = common::inventory(
        3,
        "    assets:\n      urls: [https://portal.example.vn/]\n      tls: [{target: \"mail.example.vn:993\", address: 203.0.113.7}]\n",
    );
    Inventory { agencies: vec![tuanthu::inventory::parse_file("inv.yaml", &text, &[]).unwrap()] }
}

fn tls_record(target: &str, observed: &str, legacy: bool, not_after: &str) -> String {
    format!(
        r#"{{"kind": "tls", "target": "{target}", "address": "203.0.113.7", "sni": "portal.example.vn", "observed_at": "{observed}", "error": null,
  "facts": {{"protocols": {{"ssl3": false, "tls1.0": {legacy}, "tls1.1": false, "tls1.2": true, "tls1.3": true}},
   "ciphers": {{}}, "server_cipher_order": true, "forward_secrecy": true, "weak_cipher_classes": [],
   "certificate": {{"subject": "CN=portal.example.vn", "issuer": "CN=Test CA", "san": ["portal.example.vn"], "not_before": "2026-01-01T00:00:00Z",
     "not_after": "{not_after}", "days_remaining": 0, "key_type": "RSA", "key_bits": 2048, "signature_algorithm": "sha256WithRSAEncryption",
     "self_signed": false, "hostname_match": true, "chain_valid": true, "chain_error": null, "chain_length": 2, "sha256": "00"}}}}}}"#
    )
}

fn http_record(observed: &str) -> String {
    format!(
        r#"{{"kind": "http", "target": "https://portal.example.vn/", "observed_at": "{observed}", "error": null,
  "facts": {{"status": 200, "redirect_chain": ["http://portal.example.vn/ -> https://portal.example.vn/"], "http_redirects_to_https": true,
   "hsts": {{"present": true, "max_age": 31536000, "include_subdomains": true, "preload": false}},
   "headers": {{"content-security-policy": "default-src 'self'; frame-ancestors 'none'", "x-content-type-options": "nosniff", "x-frame-options": null, "referrer-policy": "no-referrer", "permissions-policy": null}},
   "csp": {{"present": true, "result": "csp-implemented-with-no-unsafe", "anti_clickjacking": true, "frame_ancestors": "'none'", "default_src": "'self'", "script_src": "'self'"}},
   "header_checks": {{"content_type_options_result": "x-content-type-options-nosniff", "frame_options_result": "x-frame-options-implemented-via-csp", "referrer_policy_result": "referrer-policy-private", "frame_options": null, "referrer_policy": "no-referrer"}},
   "cookies": [{{"name": "sid", "secure": true, "http_only": true, "same_site": "Strict"}}], "cookie_checks": {{"result": "cookies-secure-with-httponly-sessions-and-samesite"}},
   "server_banner": "nginx", "version_disclosed": false}}}}"#
    )
}

fn document(records: &[String]) -> String {
    format!(
        "{{\"schema\": \"tuanthu/evidence/v1\", \"tool\": {{\"name\": \"tuanthu\", \"version\": \"0.2.0\"}}, \"started_at\": \"2026-11-25T08:00:00Z\", \"finished_at\": \"2026-11-25T08:00:09Z\",\n\"records\": [{}]}}\n",
        records.join(",\n")
    )
}

fn eval(doc: Option<&str>, as_of: time::Date) -> Assessment {
    let d = common::dir_with(&[("evidence.json", doc.unwrap_or(""))]);
    let probes = doc.map(|_| vec![evidence_file::read(&d.path().join("evidence.json"))]).unwrap_or_default();
    let evidence = Evidence { probes, ..Default::default() };
    engine::evaluate(
        &inventory(),
        &Policy::bundled().unwrap(),
        &evidence,
        &Options { as_of, max_evidence_age_days: None, catalogue: None },
    )
}

fn control(a: &Assessment, id: &str) -> (Status, Vec<String>) {
    let c = a.agencies[0].systems[0].controls.iter().find(|c| &*c.id == id).unwrap();
    (
        c.status,
        c.findings.iter().map(|f| format!("{}: {}", f.rule, f.message.render(tuanthu::i18n::Lang::En))).collect(),
    )
}

#[test]
fn tls_and_http_facts_are_judged_per_declared_target() {
    let mail_error = r#"{"kind": "tls", "target": "mail.example.vn:993", "address": "203.0.113.7", "observed_at": "2026-11-25T08:00:02Z", "error": {"class": "timeout", "message": "no ServerHello within 5 s"}, "facts": null}"#;
    let doc = document(&[
        tls_record("portal.example.vn:443", "2026-11-25T08:00:01Z", true, "2026-12-10T00:00:00Z"),
        mail_error.to_string(),
        http_record("2026-11-25T08:00:03Z"),
    ]);
    let a = eval(Some(&doc), date!(2026 - 11 - 25));
    let (status, findings) = control(&a, "APP.04");
    assert_eq!(status, Status::Fail, "{findings:#?}");
    assert!(
        findings.iter().any(|f| *f == "tls-legacy-protocols: portal.example.vn:443 accepts deprecated TLS 1.0"),
        "{findings:#?}"
    );
    assert!(
        findings.iter().any(|f| f.starts_with("tls-certificate-expiry:") && f.contains("(15 days left)")),
        "{findings:#?}"
    );
    // The endpoint that could not be measured is unknown with the probe's reason, never a pass.
    assert!(
        findings.iter().any(|f| f
            .contains("mail.example.vn:993 @ 203.0.113.7 could not be measured: timeout: no ServerHello within 5 s")),
        "{findings:#?}"
    );
    // The well-configured web application passes its HTTP checks (but still needs an attestation).
    let (status, findings) = control(&a, "APP.06");
    assert_eq!(status, Status::Unknown);
    assert!(!findings.iter().any(|f| f.starts_with("http-")), "no HTTP rule failed: {findings:#?}");
}

#[test]
fn expiry_is_judged_at_the_evaluation_date() {
    let doc = document(&[tls_record("portal.example.vn:443", "2026-09-30T08:00:00Z", false, "2026-12-10T00:00:00Z")]);
    let late = eval(Some(&doc), date!(2026 - 11 - 25));
    assert!(control(&late, "DAT.02").1.iter().any(|f| f.starts_with("tls-certificate-expiry")));
    let early = eval(Some(&doc), date!(2026 - 10 - 01));
    assert!(
        !control(&early, "DAT.02").1.iter().any(|f| f.starts_with("tls-certificate-expiry")),
        "70 days left on 2026-10-01"
    );
}

#[test]
fn missing_and_stale_evidence_is_unknown() {
    let none = eval(None, date!(2026 - 11 - 25));
    let (status, findings) = control(&none, "DAT.02");
    assert_eq!(status, Status::Unknown);
    assert!(findings.iter().any(|f| f.contains("no evidence file was given")), "{findings:#?}");
    let old = document(&[tls_record("portal.example.vn:443", "2026-06-01T08:00:00Z", true, "2027-12-10T00:00:00Z")]);
    let a = eval(Some(&old), date!(2026 - 11 - 25));
    let (status, findings) = control(&a, "DAT.02");
    assert_eq!(status, Status::Unknown, "a stale record fails nothing and passes nothing");
    assert!(findings.iter().any(|f| f.contains("evidence older than 90 days is not used")), "{findings:#?}");
    assert!(findings.iter().any(|f| f.contains("no tls evidence for mail.example.vn:993")), "{findings:#?}");
}

#[test]
fn cli_rejects_empty_and_interrupted_evidence_files() {
    let header = r#"{"schema": "tuanthu/evidence/v1", "tool": {"name": "tuanthu", "version": "0.2.0"}, "started_at": "2026-11-25T08:00:00Z"}"#;
    let rec =
        tls_record("portal.example.vn:443", "2026-11-25T08:00:01Z", false, "2027-12-10T00:00:00Z").replace('\n', " ");
    let inv = common::inventory(3, "    assets:\n      urls: [https://portal.example.vn/]\n");
    let d = common::dir_with(&[("inv.yaml", &inv), ("empty.json", ""), ("cut.jsonl", &format!("{header}\n{rec}\n"))]);
    let run = |f: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_tuanthu"))
            .args(["check", "--inventory", "inv.yaml", "--evidence", f, "--as-of", "2026-11-25", "--format", "json"])
            .current_dir(d.path())
            .output()
            .unwrap()
    };
    let empty = run("empty.json");
    assert_eq!(common::code(&empty), 2);
    assert!(common::stderr(&empty).contains("empty.json: the file is empty"), "{}", common::stderr(&empty));
    let cut = run("cut.jsonl");
    assert_eq!(common::code(&cut), 2, "an interrupted run is partial evidence");
    assert!(common::stderr(&cut).contains("no trailer line"), "{}", common::stderr(&cut));
    let doc: serde_json::Value = serde_json::from_str(&common::stdout(&cut)).unwrap();
    assert_eq!(doc["inputs"][0]["partial"], true);
    assert_eq!(doc["inputs"][0]["records"], 1);
}

#[test]
fn pinned_entries_are_judged_on_their_own_address() {
    // Two nodes behind one name: only one was measured, so the other is unknown, not passed.
    let text = common::inventory(
        3,
        "    assets:\n      tls:\n        - {target: \"portal.example.vn:443\", address: 10.0.0.1}\n        - {target: \"portal.example.vn:443\", address: 10.0.0.2}\n",
    );
    let inv = Inventory { agencies: vec![tuanthu::inventory::parse_file("inv.yaml", &text, &[]).unwrap()] };
    let rec = tls_record("portal.example.vn:443", "2026-11-25T08:00:01Z", false, "2027-12-10T00:00:00Z")
        .replace("203.0.113.7", "10.0.0.1");
    let d = common::dir_with(&[("e.json", &document(&[rec]))]);
    let evidence = Evidence { probes: vec![evidence_file::read(&d.path().join("e.json"))], ..Default::default() };
    let a = engine::evaluate(
        &inv,
        &Policy::bundled().unwrap(),
        &evidence,
        &Options { as_of: date!(2026 - 11 - 25), max_evidence_age_days: None, catalogue: None },
    );
    let (_, findings) = control(&a, "DAT.02");
    assert!(findings.iter().any(|f| f == "tls: no tls evidence for portal.example.vn:443 @ 10.0.0.2"), "{findings:#?}");
    assert!(!findings.iter().any(|f| f.contains("@ 10.0.0.1")), "the measured node has no gap: {findings:#?}");
}

/// An unpinned entry (the name as DNS resolves it) is judged on its own record, not on a newer
/// record taken at a sibling entry's pin (one node behind the load balancer).
#[test]
fn an_unpinned_entry_is_not_judged_on_a_pinned_siblings_record() {
    let text = common::inventory(
        3,
        "    assets:\n      urls: [https://portal.example.vn/]\n      tls: [{target: \"portal.example.vn:443\", address: 203.0.113.11}]\n",
    );
    let inv = Inventory { agencies: vec![tuanthu::inventory::parse_file("inv.yaml", &text, &[]).unwrap()] };
    let balancer = tls_record("portal.example.vn:443", "2026-11-25T08:00:01Z", false, "2027-06-01T00:00:00Z")
        .replace("203.0.113.7", "203.0.113.13");
    let node = tls_record("portal.example.vn:443", "2026-11-25T08:00:05Z", true, "2027-06-01T00:00:00Z")
        .replace("203.0.113.7", "203.0.113.11");
    let d = common::dir_with(&[("evidence.json", &document(&[balancer, node, http_record("2026-11-25T08:00:03Z")]))]);
    let evidence =
        Evidence { probes: vec![evidence_file::read(&d.path().join("evidence.json"))], ..Default::default() };
    let opts = Options { as_of: date!(2026 - 11 - 25), max_evidence_age_days: None, catalogue: None };
    let a = engine::evaluate(&inv, &Policy::bundled().unwrap(), &evidence, &opts);
    let (status, findings) = control(&a, "APP.04");
    assert_eq!(status, Status::Fail, "the pinned node accepts TLS 1.0: {findings:#?}");
    let app04 = a.agencies[0].systems[0].controls.iter().find(|c| &*c.id == "APP.04").unwrap();
    let legacy: Vec<&str> = app04
        .findings
        .iter()
        .filter(|f| f.rule == "tls-legacy-protocols" && f.outcome == tuanthu::engine::Outcome::Fail)
        .filter_map(|f| f.asset.as_deref())
        .collect();
    assert_eq!(legacy, ["portal.example.vn:443 @ 203.0.113.11"], "the node fails, the name (balancer) does not");
}
