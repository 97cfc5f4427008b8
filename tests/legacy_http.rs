//! HTTP over legacy TLS, loopback only: real `openssl s_server -HTTP` processes (Debian OpenSSL 3)
//! serving a page with HSTS, a cookie and nosniff, one offering only TLS 1.0 (`-tls1`, which
//! OpenSSL 3 allows only at `@SECLEVEL=0`) and one offering only CBC suites on TLS 1.2. rustls
//! cannot talk to either, so without the legacy fallback these facts were `unknown`; with it they
//! are measured, `legacy_tls` says how, and `http-legacy-tls-only` fails the site. A modern
//! server never takes the fallback.

mod common;

use common::{code, stderr, tuanthu};
use serde_json::Value;
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tuanthu::collect::http::{UrlTarget, probe};
use tuanthu::collect::net::{Dialer, Limits, Politeness};
use url::Url;

const PAGE: &str = "HTTP/1.0 200 OK\r\nContent-Type: text/html\r\nStrict-Transport-Security: max-age=31536000; includeSubDomains\r\nSet-Cookie: sid=abc123; Secure; HttpOnly; SameSite=Lax\r\nX-Content-Type-Options: nosniff\r\n\r\n<html><body>legacy</body></html>\n";

fn openssl_available() -> bool {
    common::tool_available("openssl", "version", "openssl")
}

/// An `openssl s_server -HTTP` serving `page.html`, killed when dropped.
struct Server {
    child: Child,
    addr: SocketAddr,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(args: &[&str]) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let key = rcgen::KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048).unwrap();
        let cert = rcgen::CertificateParams::new(vec!["localhost".to_string()]).unwrap().self_signed(&key).unwrap();
        std::fs::write(dir.path().join("cert.pem"), cert.pem()).unwrap();
        std::fs::write(dir.path().join("key.pem"), key.serialize_pem()).unwrap();
        std::fs::write(dir.path().join("page.html"), PAGE).unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let child = Command::new("openssl")
            .args(["s_server", "-quiet", "-HTTP", "-accept", &format!("127.0.0.1:{port}")])
            .args(["-cert", "cert.pem", "-key", "key.pem"])
            .args(args)
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("openssl s_server starts");
        let mut server = Server { child, addr, _dir: dir };
        server.wait_ready();
        server
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("openssl s_server exited at start: {status}");
            }
            if std::net::TcpStream::connect(self.addr).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("openssl s_server did not listen on {} within 10 s", self.addr);
    }

    fn url(&self) -> Url {
        Url::parse(&format!("https://localhost:{}/page.html", self.addr.port())).unwrap()
    }
}

/// A loopback port nobody listens on, for the plain-HTTP redirect test.
fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn measure(server: &Server) -> (tuanthu::evidence::HttpFacts, usize) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let dialer = Dialer::new(
        Limits { connect_timeout: Duration::from_secs(2), read_timeout: Duration::from_secs(2), ..Default::default() },
        Politeness { global: 8, per_host: 3, min_interval: Duration::ZERO },
    );
    let mut target = UrlTarget::new(server.url(), Some(server.addr.ip()));
    target.http_port = Some(closed_port());
    let facts = rt.block_on(probe(&dialer, &target)).unwrap_or_else(|e| panic!("{}: {e:?}", target.url));
    (facts, dialer.connections())
}

/// The facts a legacy site must yield: measured, not unknown.
fn assert_measured(f: &tuanthu::evidence::HttpFacts) {
    assert_eq!((f.status, f.http_version.as_str()), (200, "HTTP/1.0"));
    assert!(f.hsts.present && f.hsts.include_subdomains, "{:?}", f.hsts);
    assert_eq!(f.hsts.max_age, 31_536_000);
    assert_eq!(f.cookies.len(), 1, "{:?}", f.cookies);
    let c = &f.cookies[0];
    assert_eq!((c.name.as_str(), c.secure, c.http_only), ("sid", true, true));
    assert_eq!(f.headers["x-content-type-options"].as_deref(), Some("nosniff"));
    assert!(f.body_error.is_none(), "{:?}", f.body_error);
    assert_eq!(f.body_bytes_read, "<html><body>legacy</body></html>\n".len() as u64);
}

#[test]
fn a_tls10_only_site_is_measured_over_the_legacy_fallback() {
    if !openssl_available() {
        return;
    }
    let server = Server::start(&["-tls1", "-cipher", "DEFAULT:@SECLEVEL=0"]);
    let (f, connections) = measure(&server);
    assert_measured(&f);
    let legacy = f.legacy_tls.as_ref().expect("the fallback was used");
    assert_eq!(legacy.version, "tls1.0");
    assert!(legacy.cipher.starts_with("TLS_") && legacy.cipher.contains("_CBC_"), "{}", legacy.cipher);
    assert!(legacy.modern_error.contains("ProtocolVersion"), "{}", legacy.modern_error);
    // One connection for the modern client's failed handshake, one for the fallback, one for the
    // plain-HTTP test (refused): the fallback's is counted apart.
    assert_eq!((legacy.connections, connections), (1, 3));
}

#[test]
fn a_cbc_only_tls12_site_is_measured_over_the_legacy_fallback() {
    if !openssl_available() {
        return;
    }
    let server = Server::start(&["-tls1_2", "-cipher", "ECDHE-RSA-AES128-SHA:AES256-SHA"]);
    let (f, _) = measure(&server);
    assert_measured(&f);
    let legacy = f.legacy_tls.as_ref().expect("the fallback was used");
    assert_eq!((legacy.version.as_str(), legacy.cipher.as_str()), ("tls1.2", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"));
    assert_eq!(legacy.connections, 1);
}

#[test]
fn a_modern_site_never_takes_the_fallback() {
    if !openssl_available() {
        return;
    }
    let server = Server::start(&[]);
    let (f, connections) = measure(&server);
    assert!(f.legacy_tls.is_none(), "{:?}", f.legacy_tls);
    assert!(f.hsts.present);
    assert_eq!(connections, 2, "the page and the plain-HTTP test");
}

#[test]
fn collect_and_check_judge_a_legacy_site_on_measured_headers() {
    if !openssl_available() {
        return;
    }
    let server = Server::start(&["-tls1", "-cipher", "DEFAULT:@SECLEVEL=0"]);
    let url = server.url();
    let inv = format!(
        r#"schema: tuanthu/inventory/v1
agency: {{id: test-agency, name: Test agency, catalogue: tt12-2022}}
systems:
  - id: old
    name: Old portal
    level: 3
    approval: {{status: approved, decision: "1/QĐ", date: 2026-09-01}}
    assets:
      urls: [{{url: "{url}", address: 127.0.0.1}}]
"#
    );
    let dir = common::dir_with(&[("inventory.yaml", &inv)]);
    let (inv, ev) = (dir.path().join("inventory.yaml"), dir.path().join("ev.jsonl"));
    let o =
        tuanthu(&["collect", "--inventory", inv.to_str().unwrap(), "-o", ev.to_str().unwrap(), "-q", "--only", "http"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let text = std::fs::read_to_string(&ev).unwrap();
    let rec: Value = text.lines().map(|l| serde_json::from_str::<Value>(l).unwrap()).nth(1).unwrap();
    assert_eq!(rec["facts"]["legacy_tls"]["version"], "tls1.0", "{rec:#}");
    drop(server);
    let report = common::check_collected(&inv, &ev);
    let sys = &report["agencies"][0]["systems"][0];
    let outcomes = |rule: &str| -> Vec<String> {
        let mut o: Vec<String> = sys["controls"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|c| c["findings"].as_array().into_iter().flatten())
            .filter(|f| f["rule"] == rule)
            .map(|f| f["outcome"].as_str().unwrap().to_string())
            .collect();
        o.dedup();
        o
    };
    assert_eq!(outcomes("http-legacy-tls-only"), ["fail"]);
    // HSTS and nosniff were measured over the fallback: they pass (no finding), not unknown.
    assert!(outcomes("http-hsts").is_empty(), "{:?}", outcomes("http-hsts"));
    assert!(outcomes("http-content-type-options").is_empty(), "{:?}", outcomes("http-content-type-options"));
    assert!(outcomes("http").is_empty(), "the URL was measured");
}
