//! Issue 15: `tuanthu serve --tls-cert FILE --tls-key FILE` (rustls) and `tuanthu submit --to
//! https://… --ca-bundle FILE`, with a private CA made by rcgen, on loopback: a report submitted
//! and read over TLS; plain HTTP to the TLS port gets a clear `400`; a client that does not trust
//! the CA refuses the server; unreadable or mismatched certificate and key files are refused at
//! start with their path. (TLS does not depend on the database: SQLite only.)

mod common;
mod serve_support;

use common::reports::{report, system};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose};
use serde_json::Value;
use serve_support::{keypair, sign_as, write};
use std::path::Path;
use std::process::{Child, Command, Stdio};

struct Pki {
    ca_pem: String,
    chain_pem: String,
    key_pem: String,
}

fn pki() -> Pki {
    let mut ca = CertificateParams::default();
    ca.distinguished_name.push(DnType::CommonName, "Test national CA");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().unwrap()).unwrap();
    let key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()]).unwrap();
    let leaf = leaf.signed_by(&key, &ca).unwrap();
    Pki { ca_pem: ca.pem(), chain_pem: format!("{}{}", leaf.pem(), ca.pem()), key_pem: key.serialize_pem() }
}

/// A `tuanthu serve` child, killed when dropped.
struct Serve(Child);

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(db: &str, port: u16, cert: &Path, key: &Path, log: &Path) -> Serve {
    let log = std::fs::File::create(log).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_tuanthu"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--database", db])
        .arg("--tls-cert")
        .arg(cert)
        .arg("--tls-key")
        .arg(key)
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    Serve(child)
}

fn https_client(ca_pem: &str) -> reqwest::Client {
    let ca = reqwest::Certificate::from_pem_bundle(ca_pem.as_bytes()).unwrap();
    reqwest::Client::builder().tls_certs_only(ca).build().unwrap()
}

#[test]
fn submit_and_read_over_tls_with_a_private_ca() {
    let dir = tempfile::tempdir().unwrap();
    let p = pki();
    let ca = write(dir.path(), "ca.pem", &p.ca_pem);
    let cert = write(dir.path(), "chain.pem", &p.chain_pem);
    let key = write(dir.path(), "key.pem", &p.key_pem);
    let db = format!("sqlite:{}", dir.path().join("center.db").display());

    let (signing, public) = keypair();
    let public_path = write(dir.path(), "so-a.pub", &public);
    let o = common::tuanthu(&[
        "serve",
        "keys",
        "add",
        "--agency",
        "so-a",
        public_path.to_str().unwrap(),
        "--database",
        &db,
    ]);
    assert_eq!(common::code(&o), 0, "{}", common::stderr(&o));
    let o = common::tuanthu(&["serve", "tokens", "create", "--role", "center", "--database", &db]);
    let stdout = String::from_utf8(o.stdout).unwrap();
    let token = stdout.lines().last().unwrap().to_string();
    let r = report("so-a", "2026-11-20T08:00:00Z", vec![system("portal", 3, "approved", "full", &[])]);
    let report_path = write(dir.path(), "so-a.json", &sign_as(&r, &signing, "so-a"));

    let port = serve_support::free_port();
    let _server = serve(&db, port, &cert, &key, &dir.path().join("serve.log"));
    let base = format!("https://127.0.0.1:{port}");
    let rt = serve_support::runtime();
    rt.block_on(async {
        let client = https_client(&p.ca_pem);
        for _ in 0..2_000 {
            if client.get(format!("{base}/readyz")).send().await.is_ok_and(|r| r.status() == 200) {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        panic!("the TLS server never became ready: {}", std::fs::read_to_string(dir.path().join("serve.log")).unwrap());
    });

    // Submitted over TLS with the private CA trusted.
    let o =
        common::tuanthu(&["submit", report_path.to_str().unwrap(), "--to", &base, "--ca-bundle", ca.to_str().unwrap()]);
    assert_eq!(common::code(&o), 0, "{}", common::stderr(&o));
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(out.starts_with(&format!("{}: counted (id ", report_path.display())), "{out}");

    // Without the CA the service's certificate is not trusted: unreachable (3), saying why.
    let o = common::tuanthu(&["submit", report_path.to_str().unwrap(), "--to", &base, "--retries", "0"]);
    assert_eq!(common::code(&o), 3, "{}", common::stderr(&o));
    assert!(common::stderr(&o).contains("the service could not be reached"), "{}", common::stderr(&o));

    rt.block_on(async {
        // Read over TLS.
        let r = https_client(&p.ca_pem)
            .get(format!("{base}/api/v1/national?period=2026"))
            .header("authorization", format!("Bearer {token}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let national: Value = serde_json::from_slice(&r.bytes().await.unwrap()).unwrap();
        assert_eq!(national["overall"]["agencies"], 1, "{national}");

        // Plain HTTP to the TLS port: a clear 400, and the server goes on serving.
        let r = reqwest::get(format!("http://127.0.0.1:{port}/healthz")).await.unwrap();
        assert_eq!(r.status(), 400);
        let body: Value = serde_json::from_slice(&r.bytes().await.unwrap()).unwrap();
        assert_eq!(body["error"]["message"], "this port speaks TLS: use https://");
        let r = https_client(&p.ca_pem).get(format!("{base}/healthz")).send().await.unwrap();
        assert_eq!(r.status(), 200);

        // The dashboard's session cookie is `Secure` when the service itself speaks TLS.
        let ca = reqwest::Certificate::from_pem_bundle(p.ca_pem.as_bytes()).unwrap();
        let browser =
            reqwest::Client::builder().tls_certs_only(ca).redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let r = browser
            .post(format!("{base}/login"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("token={token}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let cookie = r.headers()["set-cookie"].to_str().unwrap();
        assert!(
            cookie.starts_with("tuanthu_session=") && cookie.ends_with("; HttpOnly; SameSite=Strict; Path=/; Secure"),
            "{cookie}"
        );
    });
}

#[test]
fn bad_certificate_or_key_files_are_refused_with_their_path() {
    let dir = tempfile::tempdir().unwrap();
    let p = pki();
    let cert = write(dir.path(), "chain.pem", &p.chain_pem);
    let key = write(dir.path(), "key.pem", &p.key_pem);
    let other_key = write(dir.path(), "other-key.pem", &KeyPair::generate().unwrap().serialize_pem());
    let missing = dir.path().join("missing.pem");
    let db = format!("sqlite:{}", dir.path().join("center.db").display());
    let run = |cert: &Path, key: &Path| {
        let o = common::tuanthu(&[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--database",
            &db,
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ]);
        (common::code(&o), common::stderr(&o))
    };
    let (code, err) = run(&missing, &key);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(&format!("{}: cannot read the certificate chain: ", missing.display())), "{err}");
    let (code, err) = run(&key, &key);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(&format!("--tls-cert: {}: no certificate in the file", key.display())), "{err}");
    let (code, err) = run(&cert, &cert);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(&format!("--tls-key: {}: cannot read the private key: no PEM block", cert.display())),
        "{err}"
    );
    let (code, err) = run(&cert, &other_key);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(&format!("{} and {}: ", cert.display(), other_key.display())), "{err}");
    // Only one of the two: usage error.
    let o = common::tuanthu(&["serve", "--database", &db, "--tls-cert", cert.to_str().unwrap()]);
    assert_eq!(common::code(&o), 2, "{}", common::stderr(&o));
    assert!(common::stderr(&o).contains("--tls-key"), "{}", common::stderr(&o));
}
