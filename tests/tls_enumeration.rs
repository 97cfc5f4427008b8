//! TLS enumeration end to end, loopback only, through the real polite `Dialer`:
//!
//! * real `openssl s_server` processes (Debian OpenSSL 3.0) in several configurations;
//! * an in-process rustls server with a known chain and its own suite order;
//! * scripted servers answering with constructed SSLv3/RC4 and TLS 1.0/3DES flights, which no
//!   OpenSSL build at hand can serve;
//! * hostile peers: silent, garbage, endless, cut short.

mod common;

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tuanthu::collect::net::{Dialer, Limits, Politeness};
use tuanthu::collect::tls::enumerate::{Endpoint, Enumeration, enumerate};
use tuanthu::evidence::ErrorClass;

fn dialer() -> Dialer {
    Dialer::new(
        Limits { connect_timeout: Duration::from_secs(2), read_timeout: Duration::from_secs(2), ..Default::default() },
        Politeness { global: 16, per_host: 3, min_interval: Duration::from_millis(0) },
    )
}

async fn run(addr: SocketAddr, sni: Option<&str>) -> (Result<Enumeration, tuanthu::evidence::ProbeError>, usize) {
    let d = dialer();
    let r = enumerate(&d, Endpoint { addr, sni }).await;
    assert!(d.peak(addr.ip()) <= 3, "the enumerator holds at most per_host connections at once");
    (r, d.connections())
}

fn protocols(e: &Enumeration) -> Vec<&str> {
    e.facts.protocols.iter().filter(|(_, on)| **on == Some(true)).map(|(k, _)| k.as_str()).collect()
}

fn names_of(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// A self-signed RSA certificate (RSA key exchange suites need an RSA key) for localhost.
fn rsa_cert() -> (Vec<u8>, String, String) {
    let key = KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048).unwrap();
    let cert = CertificateParams::new(vec!["localhost".to_string()]).unwrap().self_signed(&key).unwrap();
    (cert.der().to_vec(), cert.pem(), key.serialize_pem())
}

// ---------------------------------------------------------------------------------------------
// 1. openssl s_server

fn openssl_available() -> bool {
    common::tool_available("openssl", "version", "openssl")
}

/// An `openssl s_server` child, killed when dropped.
struct SServer {
    child: Child,
    addr: SocketAddr,
    _dir: tempfile::TempDir,
}

impl Drop for SServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl SServer {
    async fn start(args: &[&str]) -> SServer {
        let dir = tempfile::tempdir().unwrap();
        let (_, cert, key) = rsa_cert();
        std::fs::write(dir.path().join("cert.pem"), cert).unwrap();
        std::fs::write(dir.path().join("key.pem"), key).unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let child = Command::new("openssl")
            .args(["s_server", "-quiet", "-www", "-accept", &format!("127.0.0.1:{port}")])
            .args(["-cert", "cert.pem", "-key", "key.pem"])
            .args(args)
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("openssl s_server starts");
        let mut server = SServer { child, addr, _dir: dir };
        server.wait_ready().await;
        server
    }

    async fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("openssl s_server exited at start: {status}");
            }
            if TcpStream::connect(self.addr).await.is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("openssl s_server did not listen on {} within 10 s", self.addr);
    }
}

/// IANA names `openssl ciphers` lists for a cipher string and version flag, minus TLS 1.3 suites
/// (listed whatever the flag) and suites an RSA certificate cannot serve.
fn openssl_suites(version_flag: &str, cipher: &str) -> Vec<String> {
    let out = Command::new("openssl").args(["ciphers", "-stdname", "-s", version_flag, cipher]).output().unwrap();
    assert!(out.status.success(), "openssl ciphers {cipher}");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .filter(|n| n.starts_with("TLS_") && n.contains("_WITH_"))
        .filter(|n| !["ECDSA", "DSS", "PSK", "SRP"].iter().any(|w| n.contains(w)))
        .collect()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openssl_tls10_only_server_accepts_only_tls10_with_cbc() {
    if !openssl_available() {
        return;
    }
    let s = SServer::start(&["-tls1", "-cipher", "DEFAULT:@SECLEVEL=0"]).await;
    let started = Instant::now();
    let (e, connections) = run(s.addr, Some("localhost")).await;
    let e = e.unwrap();
    eprintln!("TLS 1.0 s_server: {connections} connections, {:?}", started.elapsed());
    assert_eq!(protocols(&e), ["tls1.0"], "{e:#?}");
    assert_eq!(
        sorted(e.facts.ciphers["tls1.0"].clone()),
        sorted(openssl_suites("-tls1", "DEFAULT:@SECLEVEL=0")),
        "{e:#?}"
    );
    assert!(e.facts.weak_cipher_classes.contains(&"CBC_TLS1.0".to_string()), "{e:#?}");
    assert_eq!(e.facts.server_cipher_order, Some(false), "s_server follows the client's order by default");
    assert!(!e.facts.forward_secrecy && e.facts.forward_secrecy_offered, "RSA and ECDHE suites both accepted");
    assert_eq!(e.facts.negotiated, None, "rustls speaks no TLS 1.0");
    assert_eq!(e.chain.len(), 1, "the chain comes from the plaintext Certificate message");
    assert_eq!(e.facts.connections, connections);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openssl_tls11_only_server_accepts_only_tls11() {
    if !openssl_available() {
        return;
    }
    let s = SServer::start(&["-tls1_1", "-cipher", "DEFAULT:@SECLEVEL=0"]).await;
    let e = run(s.addr, Some("localhost")).await.0.unwrap();
    assert_eq!(protocols(&e), ["tls1.1"], "{e:#?}");
    assert_eq!(sorted(e.facts.ciphers["tls1.1"].clone()), sorted(openssl_suites("-tls1_1", "DEFAULT:@SECLEVEL=0")));
    assert!(!e.facts.weak_cipher_classes.contains(&"CBC_TLS1.0".to_string()), "CBC under TLS 1.1 is not CBC_TLS1.0");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openssl_default_server_speaks_tls12_and_tls13_in_its_own_order() {
    if !openssl_available() {
        return;
    }
    let s = SServer::start(&["-serverpref"]).await;
    let started = Instant::now();
    let (e, connections) = run(s.addr, Some("localhost")).await;
    let e = e.unwrap();
    eprintln!("default s_server: {connections} connections, {:?}", started.elapsed());
    assert_eq!(protocols(&e), ["tls1.2", "tls1.3"], "{e:#?}");
    // -serverpref: the order found is OpenSSL's own DEFAULT order, not the order offered.
    assert_eq!(e.facts.ciphers["tls1.2"], openssl_suites("-tls1_2", "DEFAULT"), "{e:#?}");
    assert_eq!(
        sorted(e.facts.ciphers["tls1.3"].clone()),
        sorted(names_of(&["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"]))
    );
    assert_eq!(e.facts.server_cipher_order, Some(true));
    assert!(!e.facts.forward_secrecy, "DEFAULT keeps RSA key exchange");
    assert!(e.facts.weak_cipher_classes.is_empty(), "{e:#?}");
    assert_eq!(e.facts.dh_min_bits, Some(2048), "automatic DH parameters for a 2048-bit key");
    let n = e.facts.negotiated.as_ref().expect("rustls connects");
    assert_eq!(n.version, "tls1.3");
    assert_eq!(e.chain.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openssl_tls13_only_server_is_found_through_supported_versions() {
    if !openssl_available() {
        return;
    }
    let s = SServer::start(&["-tls1_3"]).await;
    let e = run(s.addr, None).await.0.unwrap();
    assert_eq!(protocols(&e), ["tls1.3"], "{e:#?}");
    // s_server follows the client's order, so the suites come out in the order offered.
    assert_eq!(
        e.facts.ciphers["tls1.3"],
        names_of(&["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"])
    );
    assert_eq!(e.facts.server_cipher_order, Some(false));
    assert!(e.facts.forward_secrecy && e.facts.forward_secrecy_offered);
    assert_eq!(e.facts.negotiated.as_ref().map(|n| n.version.as_str()), Some("tls1.3"));
    assert_eq!(e.chain.len(), 1, "chain captured by rustls although encrypted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openssl_hello_retry_request_still_proves_tls13() {
    if !openssl_available() {
        return;
    }
    // The enumerator's key share is x25519: a P-256-only server answers every TLS 1.3 offer with
    // a HelloRetryRequest.
    let s = SServer::start(&["-tls1_3", "-groups", "P-256"]).await;
    let e = run(s.addr, Some("localhost")).await.0.unwrap();
    assert_eq!(protocols(&e), ["tls1.3"], "{e:#?}");
    assert_eq!(e.facts.ciphers["tls1.3"].len(), 3, "{e:#?}");
    let n = e.facts.negotiated.as_ref().expect("rustls connects");
    assert_eq!(n.group.as_deref(), Some("secp256r1"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openssl_weak_suites_are_classified() {
    if !openssl_available() {
        return;
    }
    let ciphers = "NULL-MD5:NULL-SHA256:ADH-AES128-GCM-SHA256:AECDH-AES256-SHA:@SECLEVEL=0";
    let s = SServer::start(&["-tls1_2", "-cipher", ciphers]).await;
    let e = run(s.addr, Some("localhost")).await.0.unwrap();
    assert_eq!(protocols(&e), ["tls1.2"], "{e:#?}");
    assert_eq!(
        sorted(e.facts.ciphers["tls1.2"].clone()),
        sorted(names_of(&[
            "TLS_RSA_WITH_NULL_MD5",
            "TLS_RSA_WITH_NULL_SHA256",
            "TLS_DH_anon_WITH_AES_128_GCM_SHA256",
            "TLS_ECDH_anon_WITH_AES_256_CBC_SHA",
        ]))
    );
    for class in ["ANON", "MD5", "NULL"] {
        assert!(e.facts.weak_cipher_classes.contains(&class.to_string()), "{class}: {e:#?}");
    }
    assert!(!e.facts.forward_secrecy);
    assert_eq!(e.facts.negotiated, None, "rustls refuses every one of these suites");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openssl_1024_bit_dh_is_weak() {
    if !openssl_available() {
        return;
    }
    let dh = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/dh1024.pem");
    let s = SServer::start(&["-tls1_2", "-cipher", "DHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0", "-dhparam", dh]).await;
    let e = run(s.addr, Some("localhost")).await.0.unwrap();
    assert_eq!(e.facts.ciphers["tls1.2"], names_of(&["TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"]), "{e:#?}");
    assert_eq!(e.facts.dh_min_bits, Some(1024));
    assert_eq!(e.facts.weak_cipher_classes, names_of(&["DH_WEAK"]));
    assert!(e.facts.forward_secrecy);
    assert_eq!(e.facts.server_cipher_order, None, "one suite: nothing to compare");
}

// ---------------------------------------------------------------------------------------------
// 2. In-process rustls server

struct Chain {
    der: Vec<Vec<u8>>,
    key: Vec<u8>,
}

/// A CA and a leaf (ECDSA P-256) it signed, for localhost.
fn chain() -> Chain {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.distinguished_name.push(DnType::CommonName, "Test CA");
    let ca = CertifiedIssuer::self_signed(ca_params, ca_key).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["localhost".to_string()]).unwrap().signed_by(&leaf_key, &ca).unwrap();
    Chain { der: vec![leaf.der().to_vec(), ca.der().to_vec()], key: leaf_key.serialize_der() }
}

async fn rustls_server(chain: &Chain) -> SocketAddr {
    use rustls::crypto::aws_lc_rs::{cipher_suite as cs, default_provider};
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    // The server's order puts ChaCha20 first, unlike the enumerator's offers.
    let suites = vec![
        cs::TLS13_CHACHA20_POLY1305_SHA256,
        cs::TLS13_AES_128_GCM_SHA256,
        cs::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        cs::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    ];
    let provider = rustls::crypto::CryptoProvider { cipher_suites: suites, ..default_provider() };
    let certs = chain.der.iter().map(|d| CertificateDer::from(d.clone())).collect();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(chain.key.clone()));
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(provider))
        .with_protocol_versions(rustls::ALL_VERSIONS)
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    config.ignore_client_order = true;
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let _ = acceptor.accept(stream).await;
            });
        }
    });
    addr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rustls_server_suites_order_and_chain() {
    let chain = chain();
    let addr = rustls_server(&chain).await;
    let (e, connections) = run(addr, Some("localhost")).await;
    let e = e.unwrap();
    eprintln!("rustls server: {connections} connections");
    assert_eq!(protocols(&e), ["tls1.2", "tls1.3"], "{e:#?}");
    assert_eq!(
        e.facts.ciphers["tls1.2"],
        names_of(&["TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"])
    );
    assert_eq!(e.facts.ciphers["tls1.3"], names_of(&["TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_GCM_SHA256"]));
    assert_eq!(e.facts.server_cipher_order, Some(true));
    assert!(e.facts.forward_secrecy && e.facts.forward_secrecy_offered);
    assert!(e.facts.weak_cipher_classes.is_empty());
    assert_eq!(e.facts.dh_min_bits, None);
    assert_eq!(e.chain, chain.der, "the chain as served, leaf first");
    let n = e.facts.negotiated.as_ref().expect("rustls connects");
    assert_eq!((n.version.as_str(), n.cipher.as_str()), ("tls1.3", "TLS_CHACHA20_POLY1305_SHA256"));
    assert!(n.group.is_some());
    assert_eq!(e.facts.connections, connections);
    assert_eq!(e.facts.probe_errors.len(), 0, "{:?}", e.facts.probe_errors);
}

// ---------------------------------------------------------------------------------------------
// 3. Scripted legacy servers

/// A server that speaks one version and a few suites, with a real certificate.
#[derive(Clone)]
struct Scripted {
    version: u16,
    /// In the server's order of preference.
    suites: Vec<u16>,
    /// Pick the client's first acceptable suite rather than the server's.
    follow_client: bool,
    /// Suites the server chooses but then aborts on (alert internal_error), as a server with DHE
    /// suites and no DH parameters does.
    broken: Vec<u16>,
    cert: Vec<u8>,
}

/// Reads one TLS record (the ClientHello); `None` for an SSLv2 hello or a close.
async fn read_record(s: &mut TcpStream) -> Option<Vec<u8>> {
    let mut head = [0u8; 5];
    s.read_exact(&mut head).await.ok()?;
    if head[0] != 22 {
        return None;
    }
    let mut body = vec![0u8; usize::from(u16::from_be_bytes([head[3], head[4]]))];
    s.read_exact(&mut body).await.ok()?;
    Some([head.to_vec(), body].concat())
}

impl Scripted {
    fn new(version: u16, suites: &[u16], cert: &[u8]) -> Scripted {
        Scripted { version, suites: suites.to_vec(), follow_client: false, broken: Vec::new(), cert: cert.to_vec() }
    }

    /// Answers like an old server: its version if the client's is at least as high, and a suite
    /// both sides have; else alert protocol_version (70) or handshake_failure (40).
    fn answer(&self, hello: &[u8]) -> Vec<u8> {
        use tls_parser::{TlsMessage, TlsMessageHandshake};
        let Ok((_, rec)) = tls_parser::parse_tls_plaintext(hello) else { return alert(50) };
        let Some(TlsMessage::Handshake(TlsMessageHandshake::ClientHello(ch))) = rec.msg.first() else {
            return alert(10);
        };
        if ch.version.0 < self.version {
            return alert(70);
        }
        let offered: Vec<u16> = ch.ciphers.iter().map(|c| c.0).collect();
        let choice = if self.follow_client {
            offered.iter().find(|c| self.suites.contains(c))
        } else {
            self.suites.iter().find(|c| offered.contains(c))
        };
        let Some(&suite) = choice else { return alert(40) };
        if self.broken.contains(&suite) {
            return alert(80);
        }
        let mut sh = self.version.to_be_bytes().to_vec();
        sh.extend_from_slice(&[0x42; 32]);
        sh.push(0);
        sh.extend_from_slice(&suite.to_be_bytes());
        sh.push(0);
        let mut msgs = handshake(2, &sh);
        let mut list = (self.cert.len() as u32).to_be_bytes()[1..].to_vec();
        list.extend_from_slice(&self.cert);
        let mut body = (list.len() as u32).to_be_bytes()[1..].to_vec();
        body.extend_from_slice(&list);
        msgs.extend(handshake(11, &body));
        msgs.extend(handshake(14, &[]));
        record(22, self.version, &msgs)
    }
}

fn handshake(t: u8, body: &[u8]) -> Vec<u8> {
    let mut m = vec![t];
    m.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    m.extend_from_slice(body);
    m
}

fn record(t: u8, version: u16, payload: &[u8]) -> Vec<u8> {
    let mut r = vec![t];
    r.extend_from_slice(&version.to_be_bytes());
    r.extend_from_slice(&(payload.len() as u16).to_be_bytes());
    r.extend_from_slice(payload);
    r
}

fn alert(description: u8) -> Vec<u8> {
    record(21, 0x0301, &[2, description])
}

/// Serves every connection with `handler` on background tasks.
async fn serve<F, Fut>(handler: F) -> SocketAddr
where
    F: Fn(TcpStream) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(handler(stream));
        }
    });
    addr
}

async fn scripted_server(script: Scripted) -> SocketAddr {
    serve(move |mut s| {
        let script = script.clone();
        async move {
            let Some(hello) = read_record(&mut s).await else { return };
            let _ = s.write_all(&script.answer(&hello)).await;
            // Wait for the client to hang up, as a server waiting for its key exchange would.
            let _ = tokio::time::timeout(Duration::from_secs(10), s.read(&mut [0u8; 64])).await;
        }
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scripted_sslv3_rc4_server() {
    let (cert, _, _) = rsa_cert();
    let addr = scripted_server(Scripted::new(0x0300, &[0x0005], &cert)).await;
    let e = run(addr, Some("localhost")).await.0.unwrap();
    assert_eq!(protocols(&e), ["ssl3"], "a lower-version ServerHello does not count for TLS: {e:#?}");
    assert_eq!(e.facts.ciphers["ssl3"], names_of(&["TLS_RSA_WITH_RC4_128_SHA"]));
    assert_eq!(e.facts.weak_cipher_classes, names_of(&["RC4"]));
    assert_eq!(e.chain, vec![cert], "chain from the plaintext Certificate message");
    assert!(!e.facts.forward_secrecy && !e.facts.forward_secrecy_offered);
    assert_eq!(e.facts.negotiated, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scripted_tls10_3des_server() {
    let (cert, _, _) = rsa_cert();
    let addr = scripted_server(Scripted::new(0x0301, &[0x000A], &cert)).await;
    let e = run(addr, None).await.0.unwrap();
    assert_eq!(protocols(&e), ["tls1.0"], "{e:#?}");
    assert_eq!(e.facts.ciphers["tls1.0"], names_of(&["TLS_RSA_WITH_3DES_EDE_CBC_SHA"]));
    assert_eq!(e.facts.weak_cipher_classes, names_of(&["3DES", "CBC_TLS1.0"]));
    assert_eq!(e.chain, vec![cert]);
}

/// Suites spread over both TLS 1.2 offers: two mainstream ones (first offer) and two the
/// enumerator offers last (anonymous, NULL), interleaved in the server's preference.
const SPREAD: [u16; 4] = [0x0034, 0xC02F, 0x0002, 0x002F];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_order_is_recovered_across_offers() {
    let (cert, _, _) = rsa_cert();
    let addr = scripted_server(Scripted::new(0x0303, &SPREAD, &cert)).await;
    let (e, connections) = run(addr, Some("localhost")).await;
    let e = e.unwrap();
    assert_eq!(protocols(&e), ["tls1.2"], "{e:#?}");
    let names: Vec<String> = SPREAD.iter().map(|&s| tuanthu::collect::tls::suites::name(s)).collect();
    assert_eq!(e.facts.ciphers["tls1.2"], names, "the server's order, across both offers");
    assert_eq!(e.facts.server_cipher_order, Some(true));
    assert_eq!(e.facts.weak_cipher_classes, names_of(&["ANON", "NULL"]));
    assert!(!e.facts.forward_secrecy && e.facts.forward_secrecy_offered);
    assert_eq!(e.chain, vec![cert], "rustls fails on the scripted flight: chain from the raw handshake");
    assert_eq!(e.facts.negotiated, None);
    // TLS 1.2: the first offer (0xC02F), the second chunk drained (0x0034, 0x0002, a refusal),
    // the order test on that run, then the first chunk drained with the second's suites offered
    // alongside, each answer placing one suite (0x0034, 0xC02F, 0x0002, 0x002F, a refusal).
    // Offering all four found suites again, as before, took two more. TLS 1.3, 1.1, 1.0, SSLv3,
    // SSLv2: one refusal each; rustls: 1.
    assert_eq!(connections, 1 + 3 + 1 + 5 + 5 + 1, "the order across offers costs no extra pass");
}

/// One suite from the second offer, ranked between the first offer's: placed by bisection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_single_suite_from_the_second_offer_is_placed_by_bisection() {
    let (cert, _, _) = rsa_cert();
    let order = [0xC02F, 0xC030, 0x0002, 0x002F, 0x0035];
    let addr = scripted_server(Scripted::new(0x0303, &order, &cert)).await;
    let (e, connections) = run(addr, Some("localhost")).await;
    let e = e.unwrap();
    let names: Vec<String> = order.iter().map(|&s| tuanthu::collect::tls::suites::name(s)).collect();
    assert_eq!(e.facts.ciphers["tls1.2"], names, "{e:#?}");
    assert_eq!(e.facts.server_cipher_order, Some(true));
    // TLS 1.2: the first chunk drained (4 suites, a refusal), the second (0x0002, a refusal), the
    // order test, three comparisons to place 0x0002 among four (five places); then 5 refusals
    // and rustls. Offering the five found suites again, as before, took six.
    assert_eq!(connections, 5 + 2 + 1 + 3 + 5 + 1);
}

/// A server that aborts on the suites it prefers (DHE without DH parameters: internal_error
/// before its ServerHello) still has its other suites found, the anonymous one included. Read as a
/// refusal, the first abort hid them all (found on dovecot by bench/ssh-mail: 1 suite of 29).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suites_hidden_behind_one_the_server_aborts_on_are_found() {
    let (cert, _, _) = rsa_cert();
    // DHE-RSA-AES128-SHA and DHE-RSA-AES256-SHA first in the server's order, both broken; then
    // ECDHE-RSA-AES128-GCM-SHA256, ADH-AES128-SHA and AES128-SHA.
    let order = [0x0033, 0x0039, 0xC02F, 0x0034, 0x002F];
    let script = Scripted { broken: vec![0x0033, 0x0039], ..Scripted::new(0x0303, &order, &cert) };
    let addr = scripted_server(script).await;
    let e = run(addr, Some("localhost")).await.0.unwrap();
    let names: Vec<String> = order[2..].iter().map(|&s| tuanthu::collect::tls::suites::name(s)).collect();
    assert_eq!(e.facts.ciphers["tls1.2"], names, "{e:#?}");
    assert_eq!(e.facts.weak_cipher_classes, names_of(&["ANON"]));
    assert!(e.facts.probe_errors.is_empty(), "{:?}", e.facts.probe_errors);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_order_servers_need_no_reordering() {
    let (cert, _, _) = rsa_cert();
    let script = Scripted { follow_client: true, ..Scripted::new(0x0303, &SPREAD, &cert) };
    let addr = scripted_server(script).await;
    let (e, connections) = run(addr, None).await;
    let e = e.unwrap();
    let pool = tuanthu::collect::tls::suites::candidates(0x0303);
    let mut expected = SPREAD.to_vec();
    expected.sort_by_key(|s| pool.iter().position(|p| p == s));
    let expected: Vec<String> = expected.iter().map(|&s| tuanthu::collect::tls::suites::name(s)).collect();
    assert_eq!(e.facts.ciphers["tls1.2"], expected, "{e:#?}");
    assert_eq!(e.facts.server_cipher_order, Some(false));
    // TLS 1.2: 4 acceptances, 2 refusals, 1 order test; TLS 1.3, 1.1, 1.0, SSLv3, SSLv2: one
    // refusal each; rustls: 1.
    assert_eq!(connections, 4 + 2 + 1 + 5 + 1, "no reordering pass");
}

// ---------------------------------------------------------------------------------------------
// 4. Hostile peers

async fn hostile(
    behaviour: fn(TcpStream) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>,
) -> (ErrorClass, Duration) {
    let addr = serve(behaviour).await;
    let started = Instant::now();
    let err = run(addr, Some("localhost")).await.0.expect_err("a hostile peer cannot be measured");
    let elapsed = started.elapsed();
    // A hang guard, not a performance test: two probes of one read timeout each, plus slack.
    assert!(elapsed < Duration::from_secs(20), "took {elapsed:?}");
    (err.class, elapsed)
}

/// Drains what the client sends so the peer looks alive.
async fn swallow_hello(s: &mut TcpStream) {
    let _ = tokio::time::timeout(Duration::from_millis(500), s.read(&mut [0u8; 4096])).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_server_times_out() {
    let (class, _) = hostile(|mut s| {
        Box::pin(async move {
            let _ = s.read(&mut [0u8; 4096]).await;
            tokio::time::sleep(Duration::from_secs(30)).await;
        })
    })
    .await;
    assert_eq!(class, ErrorClass::Timeout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_is_a_protocol_error() {
    let (class, _) = hostile(|mut s| {
        Box::pin(async move {
            swallow_hello(&mut s).await;
            let mut x = 0x9E37_79B9_7F4A_7C15u64;
            let bytes: Vec<u8> = (0..256)
                .map(|_| {
                    x ^= x << 7;
                    x ^= x >> 9;
                    x as u8
                })
                .collect();
            let _ = s.write_all(&bytes).await;
            tokio::time::sleep(Duration::from_secs(30)).await;
        })
    })
    .await;
    assert_eq!(class, ErrorClass::Protocol);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endless_handshake_records_are_too_large() {
    let (class, _) = hostile(|mut s| {
        Box::pin(async move {
            swallow_hello(&mut s).await;
            // Well-formed handshake records full of (ignorable) HelloRequest messages, forever.
            let rec = record(22, 0x0303, &[0u8; 16 << 10]);
            while s.write_all(&rec).await.is_ok() {}
        })
    })
    .await;
    assert_eq!(class, ErrorClass::TooLarge);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_mid_handshake_is_closed() {
    let (class, _) = hostile(|mut s| {
        Box::pin(async move {
            swallow_hello(&mut s).await;
            // The first bytes of a ServerHello record, then a hang-up.
            let _ = s.write_all(&[22, 3, 3, 0, 80, 2, 0, 0, 76, 3, 3]).await;
        })
    })
    .await;
    assert_eq!(class, ErrorClass::Closed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_connection_is_a_connect_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let (r, connections) = run(SocketAddr::from(([127, 0, 0, 1], port)), None).await;
    assert_eq!(r.unwrap_err().class, ErrorClass::Connect);
    assert_eq!(connections, 1, "nothing more is tried after the first connection fails");
}
