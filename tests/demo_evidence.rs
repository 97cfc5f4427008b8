//! The demo evaluated with its recorded evidence file (`examples/demo/evidence.json`, recorded by
//! `record-evidence.sh` with the real collector against loopback stand-ins): the file reads
//! cleanly, the TLS/HTTP/SSH/mail/DNS findings appear exactly where the stand-ins were configured
//! badly, and no declared TLS, SSH or mail endpoint, URL or domain is left unmeasured.

mod common;

use common::{code, stderr, stdout};
use serde_json::Value;

const EVIDENCE: &str = "examples/demo/evidence.json";

fn check(with_evidence: bool) -> std::process::Output {
    let evidence: &[&str] = if with_evidence { &["--evidence", EVIDENCE] } else { &[] };
    common::check_demo(&[&["--format", "json"], evidence].concat())
}

fn report(with_evidence: bool) -> Value {
    let o = check(with_evidence);
    serde_json::from_str(&stdout(&o)).unwrap_or_else(|e| panic!("JSON report ({e}): {}", stderr(&o)))
}

fn system<'a>(doc: &'a Value, id: &str) -> &'a Value {
    doc["agencies"][0]["systems"].as_array().unwrap().iter().find(|s| s["id"] == id).unwrap()
}

fn control<'a>(doc: &'a Value, sys: &str, id: &str) -> &'a Value {
    system(doc, sys)["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("{sys} {id}"))
}

fn status(doc: &Value, sys: &str, id: &str) -> String {
    control(doc, sys, id)["status"].as_str().unwrap().to_string()
}

/// (rule, asset) of the failed findings of a control.
fn failures(doc: &Value, sys: &str, id: &str) -> Vec<(String, String)> {
    control(doc, sys, id)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["outcome"] == "fail")
        .map(|f| (f["rule"].as_str().unwrap().to_string(), f["asset"].as_str().unwrap_or("").to_string()))
        .collect()
}

/// Every finding of a system, over controls and obligations.
fn all_findings(doc: &Value, sys: &str) -> Vec<Value> {
    let s = system(doc, sys);
    s["controls"]
        .as_array()
        .unwrap()
        .iter()
        .chain(s["obligations"].as_array().unwrap())
        .flat_map(|c| c["findings"].as_array().unwrap().clone())
        .collect()
}

fn has(list: &[(String, String)], rule: &str, asset: &str) -> bool {
    list.iter().any(|(r, a)| r == rule && a == asset)
}

const DVC_NODE1: &str = "dichvucong.binhan.gov.vn.example:443 @ 203.0.113.10";
const DVC_NODE2: &str = "dichvucong.binhan.gov.vn.example:443 @ 203.0.113.11";
const DVC_URL: &str = "https://dichvucong.binhan.gov.vn.example/";
const QLVB_URL: &str = "https://qlvb.binhan.gov.vn.example/";
const MAIL: &str = "mail.binhan.gov.vn.example:993";
const VPN: &str = "vpn.binhan.gov.vn.example:443";
const PHANANH_URL: &str = "https://phananh.binhan.gov.vn.example/";
const PHANANH_TLS: &str = "phananh.binhan.gov.vn.example:443";
const SUBMISSION: &str = "mail.binhan.gov.vn.example:587";
const BASTION: &str = "bastion.binhan.gov.vn.example:22 @ 203.0.113.18";
const DOMAIN: &str = "binhan.gov.vn.example";

#[test]
fn demo_evidence_reads_without_problems_and_the_verdict_stays_1() {
    let o = check(true);
    assert_eq!(code(&o), 1, "required controls fail, and nothing is invalid: {}", stderr(&o));
    assert!(!stderr(&o).contains("error"), "no problem reading the evidence: {}", stderr(&o));
    let doc: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let input =
        doc["inputs"].as_array().unwrap().iter().find(|i| i["file"] == EVIDENCE).expect("evidence input listed");
    assert_eq!(input["kind"], "evidence");
    assert_eq!(input["partial"], false);
    assert_eq!(input["records"], 13);
    assert!(input["observed_at"].as_str().unwrap().starts_with("2026-11-25T"), "{input}");
    // The level-1 site declares no URL or TLS endpoint and stays compliant, as does the Decree 331
    // portal (which declares none either).
    assert_eq!(system(&doc, "tin-noi-bo")["compliant"], true);
    assert_eq!(system(&doc, "cong-ttdt")["compliant"], true);
    let agency = &doc["agencies"][0];
    assert_eq!(agency["systems_compliant"], 2);
}

#[test]
fn demo_evidence_file_matches_the_inventory_and_its_ca() {
    let text = std::fs::read_to_string(common::root().join(EVIDENCE)).unwrap();
    assert!(!text.contains("127.77.") && !text.contains("127.0.0.1"), "loopback addresses were rewritten");
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["schema"], "tuanthu/evidence/v1");
    let records = doc["records"].as_array().unwrap();
    let at = |kind: &str, target: &str, address: &str| {
        records
            .iter()
            .find(|r| r["kind"] == kind && r["target"] == target && r["address"] == address)
            .unwrap_or_else(|| panic!("no {kind} record for {target} at {address}"))
    };
    // The inventory pins the portal's two nodes: each has its own record at its pin.
    for node in ["203.0.113.10", "203.0.113.11"] {
        at("tls", "dichvucong.binhan.gov.vn.example:443", node);
    }
    at("http", DVC_URL, "203.0.113.13");
    at("tls", VPN, "203.0.113.17");
    at("tls", MAIL, "10.50.2.6");
    at("http", PHANANH_URL, "203.0.113.40");
    // A real sshd, a STARTTLS submission stand-in and a real unbound, measured by the same run.
    let ssh = &at("ssh", "bastion.binhan.gov.vn.example:22", "203.0.113.18")["facts"];
    assert!(ssh["banner"].as_str().unwrap().starts_with("SSH-2.0-OpenSSH_"), "{ssh}");
    let submission = &at("tls", SUBMISSION, "10.50.2.6")["facts"];
    assert_eq!((&submission["starttls"], &submission["starttls_offered"]), (&Value::from("smtp"), &Value::from(true)));
    let dns = &at("dns", DOMAIN, "10.50.0.53")["facts"];
    assert_eq!((&dns["dnssec"], &dns["dnssec_anchor"]), (&Value::from("insecure"), &Value::from("demo-root.key")));
    assert_eq!(dns["mx"][0]["declared"], true, "the MX is the declared submission server: {dns}");
    for r in records {
        assert!(r["error"].is_null(), "every target was measured: {r}");
        assert!(r["observed_at"].as_str().unwrap().starts_with("2026-11-25T"));
    }
    // The trusted certificates chain to the committed demo CA; no private key is committed.
    let pem = std::fs::read(common::demo().join("demo-gov-ca.pem")).unwrap();
    let (_, pem) = x509_parser::pem::parse_x509_pem(&pem).expect("a PEM certificate");
    let ca = pem.parse_x509().expect("an X.509 certificate");
    assert!(ca.is_ca());
    let ca_subject = ca.subject().to_string();
    let vpn = &at("tls", VPN, "203.0.113.17")["facts"]["certificate"];
    assert_eq!(vpn["chain_valid"], true);
    assert_eq!(vpn["issuer"].as_str().unwrap(), ca_subject);
    for entry in std::fs::read_dir(common::demo()).unwrap() {
        let p = entry.unwrap().path();
        let t = std::fs::read(&p).unwrap();
        assert!(!String::from_utf8_lossy(&t).contains("PRIVATE KEY-----"), "{} holds a private key", p.display());
    }
}

#[test]
fn demo_evidence_findings_appear_where_the_stand_ins_are_bad() {
    let doc = report(true);

    // cong-dvc (level 3): node 2 runs nginx's default TLS settings; node 1 and the balancer are
    // hardened, and the portal's page sends every security header.
    for c in ["APP.04", "DAT.02"] {
        assert_eq!(status(&doc, "cong-dvc", c), "fail", "cong-dvc {c}");
        let f = failures(&doc, "cong-dvc", c);
        assert!(has(&f, "tls-legacy-protocols", DVC_NODE2), "{c}: {f:?}");
        assert!(has(&f, "tls-weak-ciphers", DVC_NODE2), "{c}: {f:?}");
        assert!(f.iter().all(|(_, a)| a == DVC_NODE2), "only node 2 is bad: {f:?}");
    }
    assert!(has(&failures(&doc, "cong-dvc", "APP.04"), "tls-forward-secrecy", DVC_NODE2));
    assert!(!all_findings(&doc, "cong-dvc").iter().any(|f| f["asset"].as_str().is_some_and(|a| a == DVC_NODE1)));
    assert!(!all_findings(&doc, "cong-dvc").iter().any(|f| f["asset"] == DVC_URL), "the portal page is clean");
    for c in ["APP.01", "APP.06"] {
        assert_eq!(status(&doc, "cong-dvc", c), "pass", "cong-dvc {c}: attested and measured clean");
    }

    // qlvb-email (level 2): stock nginx/1.18.0 without CSP; IMAPS still accepts TLS 1.0.
    let f = failures(&doc, "qlvb-email", "APP.06");
    assert!(has(&f, "http-version-disclosure", QLVB_URL) && has(&f, "http-content-security-policy", QLVB_URL), "{f:?}");
    assert_eq!(f.len(), 2, "nosniff and X-Frame-Options are sent: {f:?}");
    let f = failures(&doc, "qlvb-email", "DAT.02");
    assert!(has(&f, "tls-legacy-protocols", MAIL) && has(&f, "tls-weak-ciphers", MAIL), "{f:?}");
    assert!(f.iter().all(|(_, a)| a == MAIL), "the web endpoint's TLS is clean: {f:?}");
    // No HSTS on the site, but HSTS is required only from level 3; its cookie and redirect are fine.
    let rules: Vec<Value> = all_findings(&doc, "qlvb-email");
    for rule in ["http-hsts", "http-insecure-cookies", "http-no-https-redirect"] {
        assert!(!rules.iter().any(|f| f["rule"] == rule), "qlvb-email {rule}");
    }
    assert_eq!(status(&doc, "qlvb-email", "APP.01"), "unknown", "measured clean but not attested");

    // Its mail domain: SPF, DMARC with reports and CAA are published (their rules pass); no
    // MTA-STS policy and an unsigned zone fail. The submission port's TLS is clean.
    let f = failures(&doc, "qlvb-email", "DES.06");
    assert!(has(&f, "dns-mta-sts-missing", DOMAIN), "{f:?}");
    for rule in ["dns-spf-missing", "dns-spf-permissive", "dns-dmarc-missing", "dns-dmarc-no-reports"] {
        assert!(!has(&f, rule, DOMAIN), "{rule}: {f:?}");
    }
    assert_eq!(failures(&doc, "qlvb-email", "NET.06"), vec![("dns-dnssec-unsigned".to_string(), DOMAIN.to_string())]);
    assert!(!rules.iter().any(|f| f["outcome"] == "fail" && f["asset"].as_str().unwrap_or("").starts_with(SUBMISSION)));

    // ttdl-tinh (level 4): the SSH bastion keeps CBC ciphers, SHA-1 MACs and a SHA-1 key exchange
    // (and a NIST-curve one, as ssh-audit judges) for old clients.
    for c in ["DES.02", "NET.06"] {
        let ssh: Vec<_> = failures(&doc, "ttdl-tinh", c).into_iter().filter(|(r, _)| r.starts_with("ssh-")).collect();
        let want = ["ssh-weak-ciphers", "ssh-weak-kex", "ssh-weak-macs"].map(|r| (r.to_string(), BASTION.to_string()));
        assert_eq!(ssh, want, "{c}");
    }

    // ttdl-tinh (level 4): the SSL VPN's certificate expires in 20 days (minimum 30).
    for c in ["APP.04", "DAT.02"] {
        assert_eq!(status(&doc, "ttdl-tinh", c), "fail");
        let tls: Vec<_> = failures(&doc, "ttdl-tinh", c).into_iter().filter(|(r, _)| r.starts_with("tls-")).collect();
        assert_eq!(tls, vec![("tls-certificate-expiry".to_string(), VPN.to_string())], "{c}");
    }
    let expiry = control(&doc, "ttdl-tinh", "APP.04")["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "tls-certificate-expiry")
        .unwrap()
        .clone();
    assert!(expiry["message"].as_str().unwrap().contains("(20 days left)"), "{expiry}");

    // phan-anh-kien-nghi (level 2, Decree 331: its dossier was rejected and resubmitted): PHP
    // session cookie without flags, version banners, no security headers. Its self-signed
    // certificate, TLS 1.0 and missing redirect speak for ENC.01, which Decree 331 requires only
    // from level 3, so no required control of this system carries them.
    let f = failures(&doc, "phan-anh-kien-nghi", "TEC.03");
    for rule in
        ["http-content-security-policy", "http-content-type-options", "http-frame-protection", "http-insecure-cookies"]
    {
        assert!(has(&f, rule, PHANANH_URL), "TEC.03 {rule}: {f:?}");
    }
    assert!(has(&failures(&doc, "phan-anh-kien-nghi", "SDL.01"), "http-version-disclosure", PHANANH_URL));
    let controls = system(&doc, "phan-anh-kien-nghi")["controls"].as_array().unwrap();
    assert!(!controls.iter().any(|c| c["id"] == "ENC.01"), "ENC.01 is not required at level 2 under Decree 331");
    let _ = PHANANH_TLS;
    assert!(!all_findings(&doc, "phan-anh-kien-nghi").iter().any(|f| f["rule"] == "http-hsts"), "level 2");
}

#[test]
fn demo_evidence_leaves_no_declared_target_unmeasured() {
    let without = report(false);
    let with = report(true);
    let mut gaps_before = 0;
    for sys in ["qlvb-email", "cong-dvc", "ttdl-tinh", "phan-anh-kien-nghi"] {
        let gap = |f: &Value| {
            f["outcome"] == "unknown"
                && ["tls", "http", "ssh", "mail", "dns"].contains(&f["rule"].as_str().unwrap_or(""))
        };
        gaps_before += all_findings(&without, sys).iter().filter(|f| gap(f)).count();
        let left: Vec<_> = all_findings(&with, sys).into_iter().filter(gap).collect();
        assert!(left.is_empty(), "{sys}: targets without usable evidence: {left:?}");
    }
    assert!(gaps_before > 0, "without the file, the same targets are reported as not measured");
    // What the measurement changes on the portal: unknown for lack of evidence -> judged.
    for (c, before, after) in [
        ("APP.01", "unknown", "pass"),
        ("APP.06", "unknown", "pass"),
        ("APP.04", "unknown", "fail"),
        ("DAT.02", "unknown", "fail"),
    ] {
        assert_eq!(status(&without, "cong-dvc", c), before, "cong-dvc {c} without evidence");
        assert_eq!(status(&with, "cong-dvc", c), after, "cong-dvc {c} with evidence");
    }
    // Controls that neither scans nor probes judge are untouched.
    for sys in ["tin-noi-bo", "csdl-cong-dan"] {
        assert_eq!(system(&without, sys)["controls"], system(&with, sys)["controls"], "{sys}");
    }
}
