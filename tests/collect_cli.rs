//! `tuanthu collect` and `tuanthu scan` end to end, against real servers on loopback started by
//! the test: a well-configured HTTPS portal (rustls, chain to a test CA given with --ca-bundle),
//! a server that accepts and never answers, and one that answers with random bytes. The hostile
//! targets must yield error records and leave the portal's facts complete.

mod common;

use common::{code, stderr, stdout, tuanthu};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

struct Pki {
    ca_pem: String,
    chain: Vec<rustls_pki_types::CertificateDer<'static>>,
    key: rustls_pki_types::PrivateKeyDer<'static>,
}

/// A test CA and a leaf for `portal.test` signed by it.
fn pki() -> Pki {
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.distinguished_name.push(DnType::CommonName, "tuanthu test CA");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let issuer = CertifiedIssuer::self_signed(ca, KeyPair::generate().unwrap()).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let mut leaf = CertificateParams::new(vec!["portal.test".to_string()]).unwrap();
    leaf.distinguished_name.push(DnType::CommonName, "portal.test");
    let leaf_cert = leaf.signed_by(&leaf_key, &issuer).unwrap();
    Pki {
        ca_pem: issuer.pem(),
        chain: vec![leaf_cert.der().clone()],
        key: rustls_pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into()),
    }
}

const PAGE: &str = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 2\r\n\
Strict-Transport-Security: max-age=63072000; includeSubDomains\r\n\
Content-Security-Policy: default-src 'self'; frame-ancestors 'none'\r\n\
X-Content-Type-Options: nosniff\r\nX-Frame-Options: DENY\r\nReferrer-Policy: no-referrer\r\n\
Set-Cookie: sid=1; Secure; HttpOnly; SameSite=Strict\r\nServer: nginx\r\nConnection: close\r\n\r\nok";

/// Serves HTTPS (one page to every request) until the runtime stops.
async fn portal(listener: TcpListener, pki: &Pki) {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(pki.chain.clone(), pki.key.clone_key())
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    loop {
        let Ok((tcp, _)) = listener.accept().await else { return };
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            // Handshakes of the raw enumerator are abandoned halfway: errors are expected.
            let Ok(mut tls) = acceptor.accept(tcp).await else { return };
            let mut buf = vec![0u8; 8192];
            let mut got = Vec::new();
            while !got.windows(4).any(|w| w == b"\r\n\r\n") {
                match tls.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => got.extend_from_slice(&buf[..n]),
                }
            }
            let _ = tls.write_all(PAGE.as_bytes()).await;
            let _ = tls.shutdown().await;
        });
    }
}

async fn silent(listener: TcpListener) {
    let mut held = Vec::new();
    while let Ok((s, _)) = listener.accept().await {
        held.push(s);
    }
}

async fn garbage(listener: TcpListener) {
    while let Ok((mut s, _)) = listener.accept().await {
        tokio::spawn(async move {
            let noise: Vec<u8> = (0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
            let _ = s.write_all(&noise).await;
            tokio::time::sleep(Duration::from_millis(200)).await;
        });
    }
}

/// Starts the three servers on a background runtime; returns their ports and the CA PEM.
fn servers() -> (tokio::runtime::Runtime, [u16; 3], String) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let pki = pki();
    let ca = pki.ca_pem.clone();
    let ports = rt.block_on(async {
        let (a, b, c) = (
            TcpListener::bind("127.0.0.1:0").await.unwrap(),
            TcpListener::bind("127.0.0.1:0").await.unwrap(),
            TcpListener::bind("127.0.0.1:0").await.unwrap(),
        );
        let ports = [a.local_addr().unwrap().port(), b.local_addr().unwrap().port(), c.local_addr().unwrap().port()];
        tokio::spawn(async move { portal(a, &pki).await });
        tokio::spawn(silent(b));
        tokio::spawn(garbage(c));
        ports
    });
    (rt, ports, ca)
}

fn inventory(ports: [u16; 3]) -> String {
    let [p, s, g] = ports;
    format!(
        r#"schema: tuanthu/inventory/v1
agency: {{id: test-agency, name: Test agency, catalogue: tt12-2022}}
systems:
  - id: portal
    name: Test portal
    level: 3
    approval: {{status: approved, decision: "1/QĐ", date: 2026-09-01}}
    assets:
      urls:
        - {{url: "https://portal.test:{p}/", address: 127.0.0.1}}
      tls:
        - {{target: "silent.test:{s}", address: 127.0.0.1}}
        - {{target: "garbage.test:{g}", address: 127.0.0.1}}
"#
    )
}

const FAST: [&str; 6] = ["--connect-timeout", "1", "--read-timeout", "1", "--target-timeout", "30"];

fn records(path: &std::path::Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(path).unwrap();
    let lines: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines[0]["schema"], "tuanthu/evidence/v1");
    assert!(lines.last().unwrap().get("finished_at").is_some(), "the trailer marks a complete run");
    lines[1..lines.len() - 1].to_vec()
}

fn find<'a>(recs: &'a [serde_json::Value], kind: &str, target_prefix: &str) -> &'a serde_json::Value {
    recs.iter()
        .find(|r| r["kind"] == kind && r["target"].as_str().unwrap().starts_with(target_prefix))
        .unwrap_or_else(|| panic!("no {kind} record for {target_prefix}: {recs:#?}"))
}

#[test]
fn collect_measures_good_targets_and_records_hostile_ones_as_errors() {
    let (_rt, ports, ca) = servers();
    let dir = common::dir_with(&[("inventory.yaml", &inventory(ports)), ("ca.pem", &ca)]);
    let (inv, ev, ca) = (dir.path().join("inventory.yaml"), dir.path().join("ev.jsonl"), dir.path().join("ca.pem"));
    let mut args = vec!["collect", "--inventory", inv.to_str().unwrap(), "-o", ev.to_str().unwrap()];
    args.extend(["--ca-bundle", ca.to_str().unwrap(), "-q"]);
    args.extend(FAST);
    let o = tuanthu(&args);
    assert_eq!(code(&o), 1, "exit 1: some targets could not be measured; stderr: {}", stderr(&o));

    let recs = records(&ev);
    assert_eq!(recs.len(), 4, "one record per declared target: 3 TLS endpoints (one implied by the URL) + 1 URL");
    let tls = find(&recs, "tls", "portal.test");
    assert!(tls["error"].is_null(), "{tls:#}");
    let f = &tls["facts"];
    assert_eq!(f["protocols"]["tls1.3"], true);
    assert_eq!(f["protocols"]["tls1.2"], true);
    assert_eq!(f["protocols"]["tls1.0"], false);
    assert_eq!(f["protocols"]["ssl3"], false);
    assert_eq!(f["forward_secrecy"], true);
    assert_eq!(f["weak_cipher_classes"], serde_json::json!([]));
    assert_eq!(f["certificate"]["chain_valid"], true, "trusted through --ca-bundle: {:#}", f["certificate"]);
    assert_eq!(f["certificate"]["hostname_match"], true);
    assert_eq!(tls["sni"], "portal.test");
    assert_eq!(tls["address"], "127.0.0.1");

    let http = find(&recs, "http", "https://portal.test");
    assert!(http["error"].is_null(), "{http:#}");
    assert_eq!(http["facts"]["status"], 200);
    assert_eq!(http["facts"]["hsts"]["max_age"], 63072000);
    assert_eq!(http["facts"]["cookies"][0]["secure"], true);

    assert_eq!(find(&recs, "tls", "silent.test")["error"]["class"], "timeout");
    let g = &find(&recs, "tls", "garbage.test")["error"]["class"];
    assert!(g == "protocol" || g == "tls", "garbage is not TLS: {g}");

    // The evidence is evaluated later without probing again: the portal's TLS/HTTP rules pass,
    // the unmeasured endpoints make the transport controls unknown (never pass).
    let report = common::check_collected(&inv, &ev);
    let sys = &report["agencies"][0]["systems"][0];
    let app04 = sys["controls"].as_array().unwrap().iter().find(|c| c["id"] == "APP.04").unwrap();
    assert_eq!(app04["status"], "unknown", "{app04:#}");
    let text = app04.to_string();
    assert!(text.contains("silent.test") && text.contains("could not be measured"), "{text}");
}

#[test]
fn scan_probes_and_evaluates_in_one_go_and_can_keep_the_evidence() {
    let (_rt, ports, ca) = servers();
    let dir = common::dir_with(&[("inventory.yaml", &inventory(ports)), ("ca.pem", &ca)]);
    let (inv, ev, ca) = (dir.path().join("inventory.yaml"), dir.path().join("ev.json"), dir.path().join("ca.pem"));
    let mut args = vec!["scan", "--inventory", inv.to_str().unwrap(), "--format", "json", "-q"];
    args.extend(["--ca-bundle", ca.to_str().unwrap(), "--save-evidence", ev.to_str().unwrap()]);
    args.extend(FAST);
    let o = tuanthu(&args);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let report: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(report["agencies"][0]["systems"][0]["id"], "portal");
    let saved: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&ev).unwrap()).unwrap();
    assert_eq!(saved["records"].as_array().unwrap().len(), 4);
}

#[test]
fn collect_refuses_unknown_systems_and_bad_bundles_before_probing() {
    let dir = common::dir_with(&[("inventory.yaml", &inventory([1, 2, 3])), ("bad.pem", "not a certificate\n")]);
    let inv = dir.path().join("inventory.yaml");
    let ev = dir.path().join("ev.json");
    let o = tuanthu(&["collect", "--inventory", inv.to_str().unwrap(), "-o", ev.to_str().unwrap(), "--system", "nope"]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("no system `nope`"), "{}", stderr(&o));
    let bad = dir.path().join("bad.pem");
    let o = tuanthu(&[
        "collect",
        "--inventory",
        inv.to_str().unwrap(),
        "-o",
        ev.to_str().unwrap(),
        "--ca-bundle",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("bad.pem"), "{}", stderr(&o));
}

/// Two systems: `portal` (the HTTPS portal) and `dark` (an endpoint that never answers).
fn two_systems(ports: [u16; 3]) -> String {
    let [p, s, _] = ports;
    format!(
        r#"schema: tuanthu/inventory/v1
agency: {{id: test-agency, name: Test agency, catalogue: tt12-2022}}
systems:
  - id: portal
    name: Test portal
    level: 1
    approval: {{status: approved, decision: "1/QĐ", date: 2026-09-01}}
    assets:
      urls:
        - {{url: "https://portal.test:{p}/", address: 127.0.0.1}}
  - id: dark
    name: Unreachable system
    level: 1
    approval: {{status: approved, decision: "2/QĐ", date: 2026-09-01}}
    assets:
      tls:
        - {{target: "silent.test:{s}", address: 127.0.0.1}}
"#
    )
}

#[test]
fn gate_live_probes_only_the_gated_system() {
    let (_rt, ports, ca) = servers();
    let dir = common::dir_with(&[("inventory.yaml", &two_systems(ports)), ("ca.pem", &ca)]);
    let (inv, ca) = (dir.path().join("inventory.yaml"), dir.path().join("ca.pem"));
    let gate = |system: &str| {
        let mut args = vec!["gate", "--inventory", inv.to_str().unwrap(), "--system", system, "--live"];
        args.extend(["--ca-bundle", ca.to_str().unwrap(), "--format", "json", "-q", "--fail-on", "fail"]);
        args.extend(FAST);
        tuanthu(&args)
    };
    let o = gate("portal");
    let report: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let live = report["inputs"].as_array().unwrap().iter().find(|i| i["file"] == "live probes").unwrap();
    assert_eq!(live["records"], 2, "the portal's TLS endpoint and URL, not the other system's: {live:#}");
    assert!(report["agencies"][0]["systems"][0]["evidence_judged"].as_u64().unwrap() > 0);
    assert_ne!(code(&o), 2, "measured: a verdict is given; {}", stderr(&o));

    // Its only endpoint never answers: nothing measured, so no verdict (exit 2), not a pass.
    let o = gate("dark");
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("no usable evidence"), "{}", stderr(&o));
}
