//! Certificate verdicts end to end: rustls servers on loopback present rcgen chains (valid via
//! --ca-bundle, missing intermediate, expired, not yet valid, self-signed, wrong name, wildcards),
//! `tuanthu collect` captures and judges them, and each record carries the expected facts.

mod common;

use common::{code, stderr, tuanthu};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use std::sync::Arc;
use time::{Duration, OffsetDateTime};
use tokio::net::TcpListener;

struct Served {
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
}

fn ca(cn: &str, issuer: Option<&CertifiedIssuer<'static, KeyPair>>) -> CertifiedIssuer<'static, KeyPair> {
    let mut p = CertificateParams::default();
    p.distinguished_name.push(DnType::CommonName, cn);
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let key = KeyPair::generate().unwrap();
    match issuer {
        None => CertifiedIssuer::self_signed(p, key).unwrap(),
        Some(i) => CertifiedIssuer::signed_by(p, key, i).unwrap(),
    }
}

fn leaf(sans: &[&str], from: OffsetDateTime, to: OffsetDateTime) -> CertificateParams {
    let mut p = CertificateParams::new(sans.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap();
    p.distinguished_name.push(DnType::CommonName, sans[0]);
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    p.not_before = from;
    p.not_after = to;
    p
}

/// `(name to probe, what the server presents)` for every case.
fn cases(root: &CertifiedIssuer<'static, KeyPair>) -> Vec<(&'static str, Served)> {
    let now = OffsetDateTime::now_utc();
    let (past, future) = (now - Duration::days(200), now + Duration::days(200));
    let inter = ca("Test Intermediate", Some(root));
    let issued = |sans: &[&str], from, to, with_intermediate: bool| {
        let key = KeyPair::generate().unwrap();
        let cert = leaf(sans, from, to).signed_by(&key, &inter).unwrap();
        let mut chain = vec![cert.der().clone()];
        if with_intermediate {
            chain.push(inter.der().clone());
        }
        Served { chain, key: PrivateKeyDer::Pkcs8(key.serialize_der().into()) }
    };
    let self_signed = {
        let key = KeyPair::generate().unwrap();
        let cert = leaf(&["self.test"], past, future).self_signed(&key).unwrap();
        Served { chain: vec![cert.der().clone()], key: PrivateKeyDer::Pkcs8(key.serialize_der().into()) }
    };
    vec![
        ("valid.test", issued(&["valid.test"], past, future, true)),
        ("nointer.test", issued(&["nointer.test"], past, future, false)),
        ("expired.test", issued(&["expired.test"], past, now - Duration::days(10), true)),
        ("early.test", issued(&["early.test"], now + Duration::days(10), future, true)),
        ("self.test", self_signed),
        ("wrong.test", issued(&["other.test"], past, future, true)),
        ("a.wild.test", issued(&["*.wild.test"], past, future, true)),
        ("a.b.deep.test", issued(&["*.deep.test"], past, future, true)),
    ]
}

async fn serve(listener: TcpListener, served: Served) {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(served.chain, served.key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    while let Ok((tcp, _)) = listener.accept().await {
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            let _ = acceptor.accept(tcp).await;
        });
    }
}

#[test]
fn certificate_verdicts_from_real_handshakes() {
    let root = ca("Test Root CA", None);
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let mut entries = String::new();
    let mut names = Vec::new();
    for (name, served) in cases(&root) {
        let listener = rt.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
        let port = listener.local_addr().unwrap().port();
        rt.spawn(serve(listener, served));
        entries.push_str(&format!("        - {{target: \"{name}:{port}\", address: 127.0.0.1}}\n"));
        names.push((name, port));
    }
    let inventory = format!(
        "schema: tuanthu/inventory/v1\nagency: {{id: t, name: T, catalogue: tt12-2022}}\nsystems:\n  - id: s\n    name: S\n    level: 3\n    approval: {{status: draft}}\n    assets:\n      tls:\n{entries}"
    );
    let dir = common::dir_with(&[("inventory.yaml", &inventory), ("ca.pem", &root.pem())]);
    let ev = dir.path().join("ev.json");
    let o = tuanthu(&[
        "collect",
        "--inventory",
        dir.path().join("inventory.yaml").to_str().unwrap(),
        "--ca-bundle",
        dir.path().join("ca.pem").to_str().unwrap(),
        "-o",
        ev.to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(code(&o), 0, "every endpoint answers TLS: {}", stderr(&o));
    let doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&ev).unwrap()).unwrap();
    let cert = |name: &str| {
        let port = names.iter().find(|(n, _)| *n == name).unwrap().1;
        let r = doc["records"].as_array().unwrap().iter().find(|r| r["target"] == format!("{name}:{port}")).unwrap();
        assert!(r["error"].is_null(), "{r:#}");
        r["facts"]["certificate"].clone()
    };
    let error = |c: &serde_json::Value| c["chain_error"].as_str().unwrap_or_default().to_string();

    let valid = cert("valid.test");
    assert_eq!(
        (valid["chain_valid"].clone(), valid["hostname_match"].clone()),
        (true.into(), true.into()),
        "{valid:#}"
    );
    assert_eq!(valid["chain_length"], 2);

    let c = cert("nointer.test");
    assert_eq!(c["chain_valid"], false);
    assert!(error(&c).contains("unknown issuer"), "{c:#}");

    let c = cert("expired.test");
    assert_eq!(c["chain_valid"], false);
    assert!(error(&c).contains("expired"), "{c:#}");
    assert!(c["days_remaining"].as_i64().unwrap() < 0);

    let c = cert("early.test");
    assert!(error(&c).contains("not yet valid"), "{c:#}");

    let c = cert("self.test");
    assert_eq!((c["self_signed"].clone(), c["chain_valid"].clone()), (true.into(), false.into()), "{c:#}");

    let c = cert("wrong.test");
    assert_eq!((c["hostname_match"].clone(), c["chain_valid"].clone()), (false.into(), true.into()), "{c:#}");

    assert_eq!(cert("a.wild.test")["hostname_match"], true, "a wildcard covers one label");
    assert_eq!(cert("a.b.deep.test")["hostname_match"], false, "…and only one");
}
