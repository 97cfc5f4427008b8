//! The HTTP probe against real servers on loopback: hyper over plain TCP and over tokio-rustls
//! (self-signed rcgen certificate), and raw TCP servers that misbehave on purpose.

mod common;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tuanthu::collect::http::{UrlTarget, probe};
use tuanthu::collect::net::{Dialer, Limits, Politeness};
use tuanthu::evidence::{ErrorClass, HttpFacts, ProbeError};
use url::Url;

const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

fn dialer() -> Dialer {
    Dialer::new(
        Limits {
            connect_timeout: Duration::from_secs(2),
            read_timeout: Duration::from_secs(2),
            target_deadline: Duration::from_secs(10),
            ..Default::default()
        },
        Politeness { global: 16, per_host: 3, min_interval: Duration::from_millis(0) },
    )
}

/// A target pinned to loopback whose plain-HTTP test goes to `http_port`.
fn target(url: &str, http_port: u16, hosts: &[&str]) -> UrlTarget {
    UrlTarget {
        url: Url::parse(url).unwrap(),
        address: Some(LOOPBACK),
        declared_hosts: hosts.iter().map(|h| h.to_string()).collect(),
        http_port: Some(http_port),
    }
}

/// A loopback port nobody listens on (bound, then released).
fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

// ---------------------------------------------------------------------------------------------
// Well-behaved hyper servers

/// What a server saw of one request.
#[derive(Debug, Clone)]
struct Seen {
    host: String,
    path: String,
    user_agent: String,
}

type Handler = Arc<dyn Fn(&Seen) -> Response<Full<Bytes>> + Send + Sync>;

struct Server {
    port: u16,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Server {
    fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

fn respond(status: u16, headers: &[(&str, &str)], body: &str) -> Response<Full<Bytes>> {
    let mut r = Response::builder().status(status);
    for (n, v) in headers {
        r = r.header(*n, *v);
    }
    r.body(Full::new(Bytes::from(body.to_string()))).unwrap()
}

async fn serve_connection<IO>(io: IO, handler: Handler, seen: Arc<Mutex<Vec<Seen>>>)
where
    IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |req: Request<Incoming>| {
        let s = Seen {
            host: req.headers().get("host").map(|h| h.to_str().unwrap_or("").to_string()).unwrap_or_default(),
            path: req.uri().path_and_query().map(|p| p.to_string()).unwrap_or_default(),
            user_agent: req
                .headers()
                .get("user-agent")
                .map(|h| h.to_str().unwrap_or("").to_string())
                .unwrap_or_default(),
        };
        seen.lock().unwrap().push(s.clone());
        let response = handler(&s);
        async move { Ok::<_, std::convert::Infallible>(response) }
    });
    let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(io), service).await;
}

/// Serves `handler` on a fresh loopback port, over TLS when `tls`.
async fn serve(tls: bool, handler: impl Fn(&Seen) -> Response<Full<Bytes>> + Send + Sync + 'static) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let handler: Handler = Arc::new(handler);
    let acceptor = tls.then(|| common::https_acceptor("portal.example.gov.vn"));
    let log = seen.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (handler, log, acceptor) = (handler.clone(), log.clone(), acceptor.clone());
            tokio::spawn(async move {
                match acceptor {
                    Some(a) => {
                        if let Ok(tls) = a.accept(tcp).await {
                            serve_connection(tls, handler, log).await;
                        }
                    }
                    None => serve_connection(tcp, handler, log).await,
                }
            });
        }
    });
    Server { port, seen }
}

// ---------------------------------------------------------------------------------------------
// Misbehaving raw servers

/// Accepts connections and hands each to `behaviour`.
async fn raw_server<F, Fut>(behaviour: F) -> u16
where
    F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((s, _)) = listener.accept().await {
            tokio::spawn(behaviour(s));
        }
    });
    port
}

/// Reads until the end of the request head, so answers come after the request like a server's.
async fn read_request(s: &mut TcpStream) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        match s.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

/// Answers with `head`, a header `X-Big` of `size` bytes, then an empty body.
async fn big_header_server(size: usize) -> u16 {
    raw_server(move |mut s| async move {
        read_request(&mut s).await;
        let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX-Big: ").await;
        let block = vec![b'a'; 64 << 10];
        let mut sent = 0;
        while sent < size {
            let n = block.len().min(size - sent);
            if s.write_all(&block[..n]).await.is_err() {
                return; // the client gave up, as it should
            }
            sent += n;
        }
        let _ = s.write_all(b"\r\n\r\n").await;
        tokio::time::sleep(Duration::from_secs(30)).await;
    })
    .await
}

async fn expect_error(t: &UrlTarget) -> (ProbeError, Duration) {
    let start = Instant::now();
    let r = probe(&dialer(), t).await;
    let took = start.elapsed();
    (r.err().unwrap_or_else(|| panic!("{} should not be measurable", t.url)), took)
}

async fn expect_facts(d: &Dialer, t: &UrlTarget) -> HttpFacts {
    probe(d, t).await.unwrap_or_else(|e| panic!("{}: {e:?}", t.url))
}

// ---------------------------------------------------------------------------------------------
// Well-behaved sites

const GOOD_HEADERS: &[(&str, &str)] = &[
    ("strict-transport-security", "max-age=31536000; includeSubDomains"),
    ("content-security-policy", "default-src 'self'; object-src 'none'; frame-ancestors 'self'"),
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "strict-origin-when-cross-origin"),
    ("permissions-policy", "geolocation=()"),
    ("server", "nginx"),
    ("set-cookie", "sid=1; Secure; HttpOnly; SameSite=Strict"),
    ("set-cookie", "lang=vi; Path=/"),
    ("set-cookie", "__Host-t=2; Secure; Path=/; Domain=example.gov.vn"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn good_https_site_with_plain_http_redirect() {
    let site = serve(true, |_| respond(200, GOOD_HEADERS, "hello")).await;
    let a = site.port;
    let plain = serve(false, move |s| {
        respond(
            301,
            &[("location", &format!("https://portal.example.gov.vn:{a}{}", s.path)), ("server", "nginx/1.18.0")],
            "",
        )
    })
    .await;
    let t = target(&format!("https://portal.example.gov.vn:{a}/path?q=1"), plain.port, &[]);
    let d = dialer();
    let f = expect_facts(&d, &t).await;

    assert_eq!((f.status, f.http_version.as_str()), (200, "HTTP/1.1"));
    assert_eq!(f.final_url, t.url.as_str());
    assert_eq!(f.connected_to, format!("127.0.0.1:{a}"), "the pinned address is used");
    assert!(f.redirect_chain.is_empty() && f.left_declared_hosts.is_none());
    assert_eq!(f.http_redirects_to_https, Some(true));
    let http_url = format!("http://portal.example.gov.vn:{}/path?q=1", plain.port);
    assert_eq!(f.http_redirect_chain, vec![format!("{http_url} -> {}", t.url)]);
    assert!(f.http_redirect_error.is_none());
    assert_eq!(site.requests().len(), 1, "the https target of the plain-HTTP redirect is not fetched again");

    assert!(f.hsts.present && f.hsts.valid && f.hsts.include_subdomains && !f.hsts.preload);
    assert_eq!(f.hsts.max_age, 31_536_000);
    assert!(f.csp.present && !f.csp.unsafe_inline && f.csp.anti_clickjacking);
    assert_eq!(f.csp.frame_ancestors.as_deref(), Some("'self'"));
    assert!(f.header_checks.nosniff && f.header_checks.referrer_policy_private);
    assert_eq!(f.header_checks.frame_options.as_deref(), Some("DENY"));
    assert_eq!(f.headers["x-content-type-options"].as_deref(), Some("nosniff"));
    assert_eq!(f.headers["x-powered-by"], None);

    let names: Vec<_> = f.cookies.iter().map(|c| (c.name.as_str(), c.secure, c.http_only, c.prefix_ok)).collect();
    assert_eq!(names, [("sid", true, true, true), ("lang", false, false, true), ("__Host-t", true, false, false)]);
    assert_eq!(f.cookies[0].same_site.as_deref(), Some("Strict"));

    // The final page hides its version, the plain-HTTP redirect does not.
    assert_eq!(f.server_banner.as_deref(), Some("nginx"));
    assert!(f.version_disclosed);
    assert_eq!(f.version_banners, ["server: nginx/1.18.0"]);
    assert_eq!(f.body_bytes_read, 5);
    assert!(f.body_error.is_none());

    // The server saw the declared name (Host, with SNI from the same URL) and tuanthu's agent.
    let seen = &site.requests()[0];
    assert_eq!(seen.host, format!("portal.example.gov.vn:{a}"));
    assert_eq!(seen.path, "/path?q=1");
    assert!(seen.user_agent.starts_with("tuanthu/") && seen.user_agent.ends_with("(compliance scan)"));
    assert_eq!(plain.requests()[0].path, "/path?q=1");
    // One connection per exchange, one at a time.
    assert_eq!((d.connections(), d.peak(LOOPBACK)), (2, 1));

    // The JSON shape the rules read.
    let v = serde_json::to_value(&f).unwrap();
    assert_eq!(v["hsts"]["max_age"], 31_536_000);
    assert_eq!(v["http_redirects_to_https"], true);
    assert_eq!(v["headers"].as_object().unwrap().len(), 8);
    assert!(v["headers"]["x-powered-by"].is_null());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_served_or_unreachable() {
    let site = serve(true, |_| respond(200, &[], "")).await;
    let plain = serve(false, |_| respond(200, &[("server", "Apache")], "served in clear")).await;
    let served = expect_facts(&dialer(), &target(&format!("https://127.0.0.1:{}/", site.port), plain.port, &[])).await;
    assert_eq!(served.http_redirects_to_https, Some(false));
    assert!(served.http_redirect_chain.is_empty() && served.http_redirect_error.is_none());
    assert_eq!(served.http_hops[0].status, 200);

    let closed =
        expect_facts(&dialer(), &target(&format!("https://127.0.0.1:{}/", site.port), closed_port(), &[])).await;
    assert_eq!(closed.http_redirects_to_https, None, "port 80 closed is not a failed redirect");
    assert_eq!(closed.http_redirect_error.unwrap().class, ErrorClass::Connect);
    assert_eq!(closed.status, 200, "the declared URL is still measured");

    // A declared http URL is its own test; HSTS over plain HTTP does not count (RFC 6797 §8.1).
    let clear = serve(false, |_| respond(200, &[("strict-transport-security", "max-age=31536000")], "")).await;
    let f = expect_facts(&dialer(), &target(&format!("http://127.0.0.1:{}/", clear.port), closed_port(), &[])).await;
    assert_eq!(f.http_redirects_to_https, Some(false));
    assert!(!f.hsts.present);
    assert_eq!(f.headers["strict-transport-security"].as_deref(), Some("max-age=31536000"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_within_declared_hosts_are_followed_and_others_only_recorded() {
    let outside = serve(true, |_| respond(200, &[], "")).await;
    let o = outside.port;
    let site = serve(true, move |s| match s.path.as_str() {
        "/" => respond(302, &[("location", "/login"), ("set-cookie", "step=1; Secure; HttpOnly")], ""),
        "/login" => respond(200, &[("x-frame-options", "SAMEORIGIN"), ("set-cookie", "sid=2")], "login"),
        _ => respond(302, &[("location", &format!("https://localhost:{o}/sso")), ("x-frame-options", "DENY")], ""),
    })
    .await;
    let d = dialer();

    let t = target(&format!("https://127.0.0.1:{}/", site.port), closed_port(), &[]);
    let f = expect_facts(&d, &t).await;
    let login = format!("https://127.0.0.1:{}/login", site.port);
    assert_eq!((f.status, f.final_url.as_str()), (200, login.as_str()));
    assert_eq!(f.redirect_chain, [format!("{} -> {login}", t.url)]);
    assert!(f.hops[0].followed && !f.hops[1].followed);
    assert_eq!(f.header_checks.frame_options.as_deref(), Some("SAMEORIGIN"), "headers of the final page");
    let cookies: Vec<_> = f.cookies.iter().map(|c| (c.name.as_str(), c.secure)).collect();
    assert_eq!(cookies, [("step", true), ("sid", false)], "cookies of every hop");

    let t = target(&format!("https://127.0.0.1:{}/away", site.port), closed_port(), &["127.0.0.1"]);
    let f = expect_facts(&d, &t).await;
    let away = format!("https://localhost:{o}/sso");
    assert_eq!(f.status, 302);
    assert_eq!(f.final_url, t.url.as_str(), "headers are judged on the declared URL's own answer");
    assert_eq!(f.left_declared_hosts.as_deref(), Some(away.as_str()));
    assert_eq!(f.redirect_chain, [format!("{} -> {away}", t.url)]);
    assert!(!f.hops[0].followed);
    assert_eq!(f.hops[0].reason.as_deref(), Some("leaves the declared hosts"));
    assert_eq!(f.header_checks.frame_options.as_deref(), Some("DENY"));
    assert!(outside.requests().is_empty(), "an undeclared host is never fetched");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hsts_csp_and_banner_variants() {
    let site = serve(true, |s| {
        let h: &[(&str, &str)] = match s.path.as_str() {
            "/hsts-good" => &[("strict-transport-security", "max-age=63072000; includeSubDomains; preload")],
            "/hsts-short" => &[("strict-transport-security", "max-age=300")],
            "/hsts-malformed" => &[("strict-transport-security", "max-age=abc; includeSubDomains")],
            "/hsts-twice" => {
                &[("strict-transport-security", "max-age=31536000"), ("strict-transport-security", "max-age=0")]
            }
            "/csp-unsafe" => &[(
                "content-security-policy",
                "default-src 'self'; script-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
            )],
            "/csp-eval" => &[("content-security-policy", "script-src 'self' 'unsafe-eval'; object-src 'none'")],
            "/versioned" => &[("server", "nginx/1.18.0")],
            "/powered" => &[("server", "nginx"), ("x-powered-by", "PHP/7.4.3")],
            "/iis" => &[("server", "Microsoft-IIS/10.0")],
            _ => &[("server", "nginx")],
        };
        respond(200, h, "")
    })
    .await;
    let d = dialer();
    let closed = closed_port();
    let get = |path: &str| target(&format!("https://127.0.0.1:{}{path}", site.port), closed, &[]);

    let f = expect_facts(&d, &get("/hsts-good")).await;
    assert!(f.hsts.valid && f.hsts.include_subdomains && f.hsts.preload);
    assert_eq!(f.hsts.max_age, 63_072_000);
    let f = expect_facts(&d, &get("/hsts-short")).await;
    assert!(f.hsts.present && f.hsts.valid);
    assert_eq!(f.hsts.max_age, 300);
    let f = expect_facts(&d, &get("/hsts-malformed")).await;
    assert!(f.hsts.present && !f.hsts.valid && f.hsts.error.is_some());
    assert_eq!(f.hsts.max_age, 0, "an invalid header gives no protection");
    let f = expect_facts(&d, &get("/hsts-twice")).await;
    assert!(!f.hsts.valid && f.hsts.fields == 2);
    assert_eq!(f.headers["strict-transport-security"].as_deref(), Some("max-age=31536000, max-age=0"));
    let f = expect_facts(&d, &get("/missing")).await;
    assert!(!f.hsts.present && f.hsts.max_age == 0 && !f.csp.present);
    assert_eq!(f.headers["content-security-policy"], None);

    let f = expect_facts(&d, &get("/csp-unsafe")).await;
    assert!(f.csp.present && f.csp.unsafe_inline && !f.csp.unsafe_eval && f.csp.anti_clickjacking);
    assert_eq!(f.csp.frame_ancestors.as_deref(), Some("'none'"));
    assert_eq!(f.csp.script_src.as_deref(), Some("'self' 'unsafe-inline'"));
    let f = expect_facts(&d, &get("/csp-eval")).await;
    assert!(f.csp.unsafe_eval && !f.csp.unsafe_inline && f.csp.frame_ancestors.is_none());

    for (path, disclosed) in [("/versioned", true), ("/powered", true), ("/iis", true), ("/plain", false)] {
        let f = expect_facts(&d, &get(path)).await;
        assert_eq!(f.version_disclosed, disclosed, "{path}: {:?}", f.version_banners);
    }
    let f = expect_facts(&d, &get("/powered")).await;
    assert_eq!(f.version_banners, ["x-powered-by: PHP/7.4.3"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirect_loops_and_endless_chains_are_errors() {
    let site = serve(false, |s| match s.path.as_str() {
        "/a" => respond(302, &[("location", "/b")], ""),
        "/b" => respond(301, &[("location", "/a")], ""),
        p => {
            let n: u32 = p.trim_start_matches("/n/").parse().unwrap_or(0);
            respond(307, &[("location", &format!("/n/{}", n + 1))], "")
        }
    })
    .await;
    let (e, took) = expect_error(&target(&format!("http://127.0.0.1:{}/a", site.port), 0, &[])).await;
    assert_eq!(e.class, ErrorClass::Http);
    assert!(e.message.starts_with("redirect loop:") && e.message.contains("/b -> "), "{}", e.message);
    assert!(took < Duration::from_millis(1500), "{took:?}");

    let (e, took) = expect_error(&target(&format!("http://127.0.0.1:{}/n/0", site.port), 0, &[])).await;
    assert_eq!(e.class, ErrorClass::Http);
    assert!(e.message.starts_with("more than 10 redirects") && e.message.contains("/n/10 -> "), "{}", e.message);
    assert!(took < Duration::from_millis(1500), "{took:?}");
    assert_eq!(site.requests().len(), 2 + 11, "no hop beyond the limit is fetched");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn body_is_capped() {
    let big = "x".repeat(1 << 20);
    let site = serve(false, move |_| respond(200, &[], &big)).await;
    let mut limits = dialer().limits.clone();
    limits.max_body_bytes = 64 << 10;
    let d = Dialer::new(limits, Politeness { global: 16, per_host: 3, min_interval: Duration::ZERO });
    let f = expect_facts(&d, &target(&format!("http://127.0.0.1:{}/", site.port), 0, &[])).await;
    assert_eq!(f.body_bytes_read, 64 << 10);
    assert!(f.body_error.is_none());
}

// ---------------------------------------------------------------------------------------------
// Hostile and broken servers

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huge_headers_are_refused_promptly() {
    // 10 MB: hyper's own head limit (about 400 KiB) stops it.
    let port = big_header_server(10 << 20).await;
    let (e, took) = expect_error(&target(&format!("http://127.0.0.1:{port}/"), 0, &[])).await;
    assert_eq!(e.class, ErrorClass::TooLarge, "{e:?}");
    assert!(took < Duration::from_millis(1500), "{took:?}");
    // 100 KB: within hyper's limit, beyond max_header_bytes (64 KiB).
    let port = big_header_server(100 << 10).await;
    let (e, took) = expect_error(&target(&format!("http://127.0.0.1:{port}/"), 0, &[])).await;
    assert_eq!(e.class, ErrorClass::TooLarge, "{e:?}");
    assert!(e.message.contains("exceed the limit of 65536"), "{}", e.message);
    assert!(took < Duration::from_millis(1500), "{took:?}");
}

async fn never_answers() -> u16 {
    raw_server(|s| async move {
        tokio::time::sleep(Duration::from_secs(60)).await;
        drop(s);
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_servers_time_out() {
    let port = never_answers().await;
    for scheme in ["http", "https"] {
        let (e, took) = expect_error(&target(&format!("{scheme}://127.0.0.1:{port}/"), 0, &[])).await;
        assert_eq!(e.class, ErrorClass::Timeout, "{scheme}: {e:?}");
        assert!(took >= Duration::from_millis(1900) && took < Duration::from_secs(4), "{scheme}: {took:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_target_deadline_bounds_everything() {
    let port = never_answers().await;
    let limits =
        Limits { read_timeout: Duration::from_secs(30), target_deadline: Duration::from_secs(1), ..dialer().limits };
    let d = Dialer::new(limits, Politeness::default());
    let start = Instant::now();
    let e = probe(&d, &target(&format!("http://127.0.0.1:{port}/"), 0, &[])).await.unwrap_err();
    assert_eq!(e.class, ErrorClass::Deadline, "{e:?}");
    let took = start.elapsed();
    assert!(took >= Duration::from_millis(950) && took < Duration::from_millis(1500), "{took:?}");
}

/// Bytes that are not HTTP (a fixed pseudo-random sequence).
fn noise() -> Vec<u8> {
    let mut x: u32 = 0x2545_f491;
    (0..4096)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 24) as u8 | 0x80 // high bit set: never a letter of "HTTP/"
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_is_a_protocol_error() {
    let port = raw_server(|mut s| async move {
        read_request(&mut s).await;
        let _ = s.write_all(&noise()).await;
        tokio::time::sleep(Duration::from_secs(30)).await;
    })
    .await;
    let (e, took) = expect_error(&target(&format!("http://127.0.0.1:{port}/"), 0, &[])).await;
    assert_eq!(e.class, ErrorClass::Protocol, "{e:?}");
    assert!(took < Duration::from_millis(1500), "{took:?}");

    // The same noise where a TLS handshake is expected.
    let port = raw_server(|mut s| async move {
        let _ = s.write_all(&noise()).await;
        tokio::time::sleep(Duration::from_secs(30)).await;
    })
    .await;
    let (e, _) = expect_error(&target(&format!("https://127.0.0.1:{port}/"), 0, &[])).await;
    assert_eq!(e.class, ErrorClass::Tls, "{e:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_closed_mid_response() {
    let head = raw_server(|mut s| async move {
        read_request(&mut s).await;
        let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Ty").await;
    })
    .await;
    let (e, took) = expect_error(&target(&format!("http://127.0.0.1:{head}/"), 0, &[])).await;
    assert_eq!(e.class, ErrorClass::Closed, "{e:?}");
    assert!(took < Duration::from_millis(1500), "{took:?}");

    // Complete headers, truncated body: the headers are evidence, the body error is noted.
    let body = raw_server(|mut s| async move {
        read_request(&mut s).await;
        let _ =
            s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nX-Frame-Options: DENY\r\n\r\n0123456789").await;
    })
    .await;
    let f = expect_facts(&dialer(), &target(&format!("http://127.0.0.1:{body}/"), 0, &[])).await;
    assert_eq!(f.status, 200);
    assert_eq!(f.header_checks.frame_options.as_deref(), Some("DENY"));
    assert_eq!(f.body_bytes_read, 10);
    let body_error = f.body_error.expect("a truncated body is noted");
    assert_eq!(body_error.class, ErrorClass::Closed, "{body_error:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_targets() {
    let (e, took) = expect_error(&target(&format!("http://127.0.0.1:{}/", closed_port()), 0, &[])).await;
    assert_eq!(e.class, ErrorClass::Connect, "{e:?}");
    assert!(took < Duration::from_millis(1500), "{took:?}");
    let mut t = target("http://no-such-host.invalid/", 0, &[]);
    t.address = None;
    let (e, _) = expect_error(&t).await;
    assert_eq!(e.class, ErrorClass::Dns, "{e:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_target_does_not_hold_up_a_good_one() {
    let hostile = never_answers().await;
    let good = serve(true, |_| respond(200, GOOD_HEADERS, "ok")).await;
    let d = dialer();
    let bad_t = target(&format!("http://127.0.0.1:{hostile}/"), 0, &[]);
    let good_t = target(&format!("https://127.0.0.1:{}/", good.port), closed_port(), &[]);
    let start = Instant::now();
    let (bad, ok) = tokio::join!(probe(&d, &bad_t), async {
        let f = probe(&d, &good_t).await;
        (f, start.elapsed())
    });
    assert_eq!(bad.unwrap_err().class, ErrorClass::Timeout);
    let (f, took) = ok;
    let f = f.unwrap();
    assert!(took < Duration::from_millis(1500), "the good target waited for the hostile one: {took:?}");
    assert_eq!(f.status, 200);
    assert!(f.hsts.valid && f.csp.present && f.cookies.len() == 3);
    assert!(d.peak(LOOPBACK) >= 2, "both probes held a connection at once");
}
