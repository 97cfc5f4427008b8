//! The HTTP(S) probe of one declared URL.
//!
//! tuanthu follows redirects itself, one hop per connection, so that every connection is opened
//! under a [`Dialer`] permit for the address it goes to and so that scope is checked before each
//! hop (`shared/spec/evidence.md`): only declared hosts are fetched, and a redirect that leaves them
//! is recorded with its `Location` but not followed. For an `https` URL the probe also asks the
//! `http://` form of the same host and path, to see whether plain HTTP redirects to HTTPS.
//!
//! Header facts describe the last response fetched in the declared URL's chain (`final_url`):
//! the final page when the chain stays on declared hosts, otherwise the redirect that leaves them
//! (`left_declared_hosts` then holds its target). Certificates are not judged here (the TLS probe
//! does that), so invalid certificates are accepted.
//!
//! When rustls cannot complete the handshake of an `https` hop (a server that speaks only TLS
//! 1.0/1.1, or only CBC suites), the same hop is fetched once more over the fenced legacy-TLS
//! client ([`super::legacy`]), on a connection of its own; later hops to the same address go
//! straight to it. The facts then say so (`legacy_tls`, with the fallback's connections).

use super::cookies::parse_set_cookie;
use super::headers;
use super::legacy;
use crate::collect::net::{self, Dialer, Limits, Permit, error};
use crate::evidence::{Cookie, Hop, Hsts, HttpFacts, LegacyTls};
use crate::evidence::{ErrorClass, ProbeError};
use std::error::Error as StdError;
use std::net::{IpAddr, SocketAddr};
use tokio::time::Instant;
use url::Url;

/// Sent with every request, so operators can tell a compliance scan from an attack.
pub const USER_AGENT: &str = concat!("tuanthu/", env!("CARGO_PKG_VERSION"), " (compliance scan)");

/// One declared URL to probe.
#[derive(Debug, Clone)]
pub struct UrlTarget {
    /// The declared URL (`http` or `https`).
    pub url: Url,
    /// Pinned address: connect here for the URL's own host, keeping the name for Host and SNI.
    pub address: Option<IpAddr>,
    /// Hosts (names or IP literals) redirects may be followed to, besides the URL's own host.
    pub declared_hosts: Vec<String>,
    /// Port of the plain-HTTP redirect test of an `https` URL; `None` means 80.
    pub http_port: Option<u16>,
}

impl UrlTarget {
    /// A target whose only declared host is the URL's own.
    pub fn new(url: Url, address: Option<IpAddr>) -> UrlTarget {
        UrlTarget { url, address, declared_hosts: Vec::new(), http_port: None }
    }
}

/// Probes `target`: follows its redirects within the declared hosts, and for an `https` URL tests
/// the plain-HTTP redirect. `Err` only when the declared URL itself cannot be measured.
pub async fn probe(dialer: &Dialer, target: &UrlTarget) -> Result<HttpFacts, ProbeError> {
    let limits = &dialer.limits;
    let deadline = Instant::now() + limits.target_deadline;
    let scope = Scope::new(target, deadline);
    let mut legacy = Legacy::default();
    let (mut chain, mut last) = within(deadline, limits, &target.url, follow(dialer, &scope, &mut legacy)).await??;
    // The body is read (bounded) to see the answer complete and for the `<meta>` elements of its
    // head; a trickling body must not eat the time the plain-HTTP test needs.
    let body_deadline = deadline.min(Instant::now() + limits.read_timeout * 2);
    (chain.body_bytes, chain.body_error, chain.body_head) = drain(&mut last, limits, body_deadline).await;
    drop(last);
    chain.legacy_tls = legacy.facts();
    let plain = match target.url.scheme() {
        "https" => {
            Some(match within(deadline, limits, &target.url, plain_http_test(dialer, &scope, &mut legacy)).await {
                Ok(test) => test,
                Err(e) => PlainTest { error: Some(e), ..PlainTest::default() },
            })
        }
        _ => None,
    };
    assemble(chain, plain)
}

// ---------------------------------------------------------------------------------------------
// Scope

/// Which hosts may be fetched, and where the pinned address applies.
struct Scope<'a> {
    target: &'a UrlTarget,
    own: Option<String>,
    declared: Vec<String>,
    /// The target's deadline, which a blocking legacy fetch checks itself.
    deadline: Instant,
}

impl<'a> Scope<'a> {
    fn new(target: &'a UrlTarget, deadline: Instant) -> Scope<'a> {
        let declared = target.declared_hosts.iter().map(|h| normalise_host(h)).collect();
        Scope { target, own: host_key(&target.url), declared, deadline }
    }

    fn allows(&self, url: &Url) -> bool {
        let Some(host) = host_key(url) else { return false };
        matches!(url.scheme(), "http" | "https") && (self.own.as_ref() == Some(&host) || self.declared.contains(&host))
    }

    /// The pinned address applies to the declared URL's own host only, and only to a name: a
    /// client cannot be told to reach an IP literal elsewhere, and the permit must name the
    /// address actually connected to.
    fn pin(&self, url: &Url) -> Option<IpAddr> {
        let named = matches!(url.host(), Some(url::Host::Domain(_)));
        self.target.address.filter(|_| named && host_key(url) == self.own)
    }
}

/// A URL's host in comparable form: lowercase name without a trailing dot, or canonical IP.
fn host_key(url: &Url) -> Option<String> {
    Some(match url.host()? {
        url::Host::Domain(d) => d.trim_end_matches('.').to_ascii_lowercase(),
        url::Host::Ipv4(ip) => ip.to_string(),
        url::Host::Ipv6(ip) => ip.to_string(),
    })
}

fn normalise_host(h: &str) -> String {
    let h = h.trim().trim_start_matches('[').trim_end_matches(']');
    match h.parse::<IpAddr>() {
        Ok(ip) => ip.to_string(),
        Err(_) => h.trim_end_matches('.').to_ascii_lowercase(),
    }
}

// ---------------------------------------------------------------------------------------------
// One exchange

/// One request and its response headers, on its own connection, under the permit for the
/// address it went to. Dropping it closes the connection and frees the permit.
struct Exchange {
    head: Fetched,
    body: Body,
    peer: SocketAddr,
    _permit: Option<Permit>,
}

/// The body of an exchange: still on the wire (modern client), or already read and counted by
/// the legacy fetch, whose connection is closed.
enum Body {
    Wire(reqwest::Response),
    Read { bytes: u64, error: Option<ProbeError> },
}

/// The recorded part of a response.
#[derive(Clone)]
struct Fetched {
    url: Url,
    status: u16,
    version: &'static str,
    fields: Vec<(String, String)>,
}

impl Fetched {
    fn of(url: &Url, r: &reqwest::Response) -> Fetched {
        let fields = r
            .headers()
            .iter()
            .map(|(n, v)| (n.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect();
        Fetched { url: url.clone(), status: r.status().as_u16(), version: version_name(r.version()), fields }
    }

    fn https(&self) -> bool {
        self.url.scheme() == "https"
    }
}

fn version_name(v: reqwest::Version) -> &'static str {
    match v {
        reqwest::Version::HTTP_09 => "HTTP/0.9",
        reqwest::Version::HTTP_10 => "HTTP/1.0",
        reqwest::Version::HTTP_11 => "HTTP/1.1",
        reqwest::Version::HTTP_2 => "HTTP/2",
        reqwest::Version::HTTP_3 => "HTTP/3",
        _ => "HTTP/?",
    }
}

/// GETs `url` from the first address its host resolves to (or the pinned one); an `https` URL
/// whose handshake rustls cannot complete is fetched again over the legacy-TLS fallback.
async fn exchange(dialer: &Dialer, scope: &Scope<'_>, url: &Url, legacy: &mut Legacy) -> Result<Exchange, ProbeError> {
    let limits = &dialer.limits;
    let host = url.host_str().ok_or_else(|| error(ErrorClass::Http, format!("{url} has no host")))?;
    let port = url.port_or_known_default().unwrap_or(80);
    let peer = net::resolve(host, port, scope.pin(url), limits.connect_timeout).await?;
    let what = format!("GET {url} ({peer})");
    let https = url.scheme() == "https";
    if https && legacy.peers.contains(&peer) {
        return legacy_exchange(dialer, scope, url, peer, legacy).await;
    }
    let permit = dialer.permit(peer.ip()).await;
    let response = match client(limits, url, peer)?.get(url.clone()).send().await {
        Ok(r) => r,
        Err(e) => {
            let failed = classify(&e, &what, limits);
            if !(https && failed.class == ErrorClass::Tls) {
                return Err(failed);
            }
            drop(permit);
            legacy.modern_error.get_or_insert(failed.message.clone());
            // The fallback's own failure says less than the modern client's: keep the first.
            return legacy_exchange(dialer, scope, url, peer, legacy).await.map_err(|_| failed);
        }
    };
    // hyper caps HTTP/1 heads at about 400 KiB on its own; the configured limit is enforced here.
    let head = head_bytes(&response);
    if head > limits.max_header_bytes {
        return Err(error(
            ErrorClass::TooLarge,
            format!("{what}: response headers of {head} bytes exceed the limit of {}", limits.max_header_bytes),
        ));
    }
    Ok(Exchange {
        head: Fetched::of(url, &response),
        peer: response.remote_addr().unwrap_or(peer),
        body: Body::Wire(response),
        _permit: Some(permit),
    })
}

/// What the legacy-TLS fallback did during one URL's probe.
#[derive(Default)]
struct Legacy {
    /// Addresses rustls could not talk to: later hops there use the fallback at once.
    peers: Vec<SocketAddr>,
    /// The first handshake error of the modern client.
    modern_error: Option<String>,
    /// The first version and suite the fallback negotiated.
    negotiated: Option<(String, String)>,
    connections: usize,
}

impl Legacy {
    fn facts(&self) -> Option<LegacyTls> {
        let (version, cipher) = self.negotiated.clone()?;
        Some(LegacyTls {
            version,
            cipher,
            modern_error: self.modern_error.clone().unwrap_or_default(),
            connections: self.connections,
        })
    }
}

/// The same GET over the fenced legacy-TLS client, on a connection of its own.
async fn legacy_exchange(
    dialer: &Dialer,
    scope: &Scope<'_>,
    url: &Url,
    peer: SocketAddr,
    legacy: &mut Legacy,
) -> Result<Exchange, ProbeError> {
    let limits = &dialer.limits;
    legacy.connections += 1;
    let conn = dialer.connect(peer).await?;
    let sni = match url.host() {
        Some(url::Host::Domain(name)) => Some(name.trim_end_matches('.')),
        _ => None,
    };
    let body_until = scope.deadline.min(Instant::now() + limits.read_timeout * 2);
    let r = legacy::dangerous().get_once(conn, url, sni, limits, body_until, scope.deadline).await?;
    if !legacy.peers.contains(&peer) {
        legacy.peers.push(peer);
    }
    legacy.negotiated.get_or_insert((r.tls_version, r.cipher));
    let head = Fetched { url: url.clone(), status: r.status, version: r.version, fields: r.fields };
    Ok(Exchange { head, body: Body::Read { bytes: r.body_bytes, error: r.body_error }, peer, _permit: None })
}

/// A client for one exchange: pinned to `peer`, no redirects, retries, proxies, pooling or
/// decompression, and certificates accepted (they are judged by the TLS probe).
fn client(limits: &Limits, url: &Url, peer: SocketAddr) -> Result<reqwest::Client, ProbeError> {
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .retry(reqwest::retry::never())
        .no_proxy()
        .referer(false)
        .pool_max_idle_per_host(0)
        .connect_timeout(limits.connect_timeout)
        .read_timeout(limits.read_timeout)
        .http2_max_header_list_size(u32::try_from(limits.max_header_bytes).unwrap_or(u32::MAX))
        .tls_danger_accept_invalid_certs(true)
        .user_agent(USER_AGENT);
    if let Some(url::Host::Domain(name)) = url.host() {
        builder = builder.resolve(name, peer);
    }
    builder.build().map_err(|e| error(ErrorClass::Io, format!("cannot set up an HTTP client: {e}")))
}

/// Size of a response head as sent on the wire in HTTP/1 (status line estimated).
fn head_bytes(r: &reqwest::Response) -> usize {
    const STATUS_LINE: usize = 17;
    STATUS_LINE + r.headers().iter().map(|(n, v)| n.as_str().len() + v.len() + 4).sum::<usize>()
}

/// The first bytes of a page kept for its `<meta>` elements: a head is rarely longer.
const HEAD_BYTES: usize = 64 * 1024;

/// Reads the body, up to `max_body_bytes` and until `until`, keeping its first [`HEAD_BYTES`]
/// (none from the legacy fallback, which counts the body without keeping it).
async fn drain(ex: &mut Exchange, limits: &Limits, until: Instant) -> (u64, Option<ProbeError>, Vec<u8>) {
    let response = match &mut ex.body {
        Body::Wire(r) => r,
        Body::Read { bytes, error } => return (*bytes, error.take(), Vec::new()),
    };
    let cap = limits.max_body_bytes as u64;
    let (mut read, mut head) = (0u64, Vec::new());
    while read < cap {
        match tokio::time::timeout_at(until, response.chunk()).await {
            Ok(Ok(Some(chunk))) => {
                let keep = HEAD_BYTES.saturating_sub(head.len()).min(chunk.len()).min((cap - read) as usize);
                head.extend_from_slice(&chunk[..keep]);
                read = (read + chunk.len() as u64).min(cap);
            }
            Ok(Ok(None)) => break,
            Ok(Err(e)) => return (read, Some(classify(&e, &format!("body from {}", ex.peer), limits)), head),
            Err(_) => {
                let e = error(ErrorClass::Timeout, format!("body incomplete after {read} bytes"));
                return (read, Some(e), head);
            }
        }
    }
    (read, None, head)
}

async fn within<T>(
    deadline: Instant,
    limits: &Limits,
    url: &Url,
    fut: impl Future<Output = T>,
) -> Result<T, ProbeError> {
    tokio::time::timeout_at(deadline, fut).await.map_err(|_| {
        let secs = limits.target_deadline.as_secs_f32();
        error(ErrorClass::Deadline, format!("{url} not measured within the target deadline of {secs} s"))
    })
}

// ---------------------------------------------------------------------------------------------
// Redirect chains

const REDIRECTS: [u16; 5] = [301, 302, 303, 307, 308];

/// `Hop::reason` of a redirect that leaves the declared hosts.
const LEAVES_SCOPE: &str = "leaves the declared hosts";

/// The hop a response makes, and the URL to fetch next when it is a redirect within scope.
fn next_hop(f: &Fetched, scope: &Scope) -> (Hop, Option<Url>) {
    let mut hop = Hop { url: f.url.to_string(), status: f.status, location: None, followed: false, reason: None };
    if !REDIRECTS.contains(&f.status) {
        return (hop, None);
    }
    let Some(raw) = headers::values(&f.fields, "location").first().map(|l| l.trim()) else {
        hop.reason = Some("redirect without Location".into());
        return (hop, None);
    };
    match f.url.join(raw) {
        Err(e) => {
            hop.location = Some(raw.to_string());
            hop.reason = Some(format!("Location is not a URL: {e}"));
            (hop, None)
        }
        Ok(mut next) => {
            // Fragments are never sent; without them a loop through `#x` variants is still a loop.
            next.set_fragment(None);
            hop.location = Some(next.to_string());
            if !matches!(next.scheme(), "http" | "https") {
                hop.reason = Some("not an HTTP(S) URL".into());
                (hop, None)
            } else if scope.allows(&next) {
                hop.followed = true;
                (hop, Some(next))
            } else {
                hop.reason = Some(LEAVES_SCOPE.into());
                (hop, None)
            }
        }
    }
}

/// Refuses a hop to an already fetched URL, or one past `max_redirects`.
fn check_hop(fetched: &[Fetched], next: &Url, max_redirects: usize) -> Result<(), ProbeError> {
    let path = || {
        let mut urls: Vec<String> = fetched.iter().map(|f| shorten(f.url.as_str())).collect();
        urls.push(shorten(next.as_str()));
        urls.join(" -> ")
    };
    if fetched.iter().any(|f| f.url == *next) {
        return Err(error(ErrorClass::Http, format!("redirect loop: {}", path())));
    }
    if fetched.len() > max_redirects {
        return Err(error(ErrorClass::Http, format!("more than {max_redirects} redirects: {}", path())));
    }
    Ok(())
}

/// URLs come from the network: keep error messages bounded.
fn shorten(s: &str) -> String {
    const MAX: usize = 200;
    match s.char_indices().nth(MAX) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// The declared URL's chain: what was fetched, and the last exchange (body unread).
#[derive(Default)]
struct Chain {
    hops: Vec<Hop>,
    fetched: Vec<Fetched>,
    left_declared_hosts: Option<String>,
    connected_to: Option<SocketAddr>,
    body_bytes: u64,
    body_error: Option<ProbeError>,
    /// The first bytes of the last response's body.
    body_head: Vec<u8>,
    legacy_tls: Option<LegacyTls>,
}

async fn follow(dialer: &Dialer, scope: &Scope<'_>, legacy: &mut Legacy) -> Result<(Chain, Exchange), ProbeError> {
    let mut chain = Chain::default();
    let mut url = scope.target.url.clone();
    loop {
        let ex = exchange(dialer, scope, &url, legacy).await?;
        chain.connected_to.get_or_insert(ex.peer);
        let fetched = ex.head.clone();
        let (hop, next) = next_hop(&fetched, scope);
        if hop.reason.as_deref() == Some(LEAVES_SCOPE) {
            chain.left_declared_hosts = hop.location.clone();
        }
        chain.hops.push(hop);
        chain.fetched.push(fetched);
        match next {
            None => return Ok((chain, ex)),
            Some(next) => {
                check_hop(&chain.fetched, &next, dialer.limits.max_redirects)?;
                url = next;
            }
        }
    }
}

/// The plain-HTTP redirect test of an `https` URL.
#[derive(Default)]
struct PlainTest {
    result: Option<bool>,
    hops: Vec<Hop>,
    fetched: Vec<Fetched>,
    error: Option<ProbeError>,
}

/// The declared URL with scheme `http` on the test port (80 unless the target says otherwise).
fn plain_form(target: &UrlTarget) -> Url {
    let mut url = target.url.clone();
    // Both calls only fail for URLs that cannot be http (no host); the declared one has one.
    let _ = url.set_scheme("http");
    let _ = url.set_port(Some(target.http_port.unwrap_or(80)).filter(|&p| p != 80));
    url
}

/// Asks the `http://` form and follows plain-HTTP redirects within scope until one points at
/// HTTPS on a declared host (which is not fetched: the declared chain covers HTTPS).
async fn plain_http_test(dialer: &Dialer, scope: &Scope<'_>, legacy: &mut Legacy) -> PlainTest {
    let mut test = PlainTest::default();
    let mut url = plain_form(scope.target);
    loop {
        let ex = match exchange(dialer, scope, &url, legacy).await {
            Ok(ex) => ex,
            Err(e) => return PlainTest { error: Some(e), ..test },
        };
        let fetched = ex.head;
        let (mut hop, next) = next_hop(&fetched, scope);
        test.fetched.push(fetched);
        let Some(next) = next else {
            test.hops.push(hop);
            return PlainTest { result: Some(false), ..test };
        };
        if next.scheme() == "https" {
            (hop.followed, hop.reason) = (false, Some("reaches HTTPS on a declared host".into()));
            test.hops.push(hop);
            return PlainTest { result: Some(true), ..test };
        }
        test.hops.push(hop);
        if let Err(e) = check_hop(&test.fetched, &next, dialer.limits.max_redirects) {
            // Plain HTTP answered and never reached HTTPS: that is a finding, not an unknown.
            return PlainTest { result: Some(false), error: Some(e), ..test };
        }
        url = next;
    }
}

// ---------------------------------------------------------------------------------------------
// Facts

fn redirect_strings(hops: &[Hop]) -> Vec<String> {
    hops.iter().filter_map(|h| h.location.as_ref().map(|l| format!("{} -> {l}", h.url))).collect()
}

fn assemble(chain: Chain, plain: Option<PlainTest>) -> Result<HttpFacts, ProbeError> {
    // `follow` records every response before it returns, so this is empty only on a bug; the
    // target then gets an error record rather than a crash.
    let Some(last) = chain.fetched.last() else {
        return Err(net::error(ErrorClass::Internal, "no response was recorded for the declared URL"));
    };
    let https = last.https();
    let (http_redirects_to_https, http_hops, http_redirect_error, plain_fetched) = match plain {
        Some(t) => (t.result, t.hops, t.error, t.fetched),
        // An http URL is its own plain-HTTP test.
        None => (Some(https), chain.hops.clone(), None, Vec::new()),
    };
    let banners = version_banners(chain.fetched.iter().chain(&plain_fetched));
    // RFC 6797 §8.1: a Strict-Transport-Security header over plain HTTP is ignored.
    let hsts = if https {
        headers::parse_hsts(&headers::values(&last.fields, "strict-transport-security"))
    } else {
        Hsts { result: Some("hsts-not-implemented-no-https".into()), ..Hsts::default() }
    };
    let meta = headers::meta_headers(&chain.body_head);
    let csp = headers::analyse_csp(&headers::values(&last.fields, "content-security-policy"), &meta.csp, https);
    let cookies = cookies(&chain.fetched);
    let hsts_passes = hsts.valid && hsts.max_age >= Hsts::SIX_MONTHS;
    Ok(HttpFacts {
        status: last.status,
        final_url: last.url.to_string(),
        http_version: last.version.to_string(),
        connected_to: chain.connected_to.map(|a| a.to_string()).unwrap_or_default(),
        redirect_chain: redirect_strings(&chain.hops),
        hops: chain.hops,
        left_declared_hosts: chain.left_declared_hosts,
        http_redirects_to_https,
        http_redirect_chain: redirect_strings(&http_hops),
        http_hops,
        http_redirect_error,
        hsts,
        headers: headers::reported(&last.fields),
        header_checks: headers::header_checks(&last.fields, &csp, meta.referrer.as_deref()),
        csp,
        cookie_checks: super::cookies::judge(&cookies, hsts_passes),
        cookies,
        server_banner: headers::joined(&last.fields, "server"),
        version_disclosed: !banners.is_empty(),
        version_banners: banners,
        body_bytes_read: chain.body_bytes,
        body_error: chain.body_error,
        legacy_tls: chain.legacy_tls,
        extra: Default::default(),
    })
}

fn cookies(fetched: &[Fetched]) -> Vec<Cookie> {
    fetched
        .iter()
        .flat_map(|f| {
            headers::values(&f.fields, "set-cookie").into_iter().filter_map(|v| parse_set_cookie(v, f.https()))
        })
        .collect()
}

fn version_banners<'a>(fetched: impl Iterator<Item = &'a Fetched>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for f in fetched {
        for name in headers::BANNER_HEADERS {
            for v in headers::values(&f.fields, name) {
                let line = format!("{name}: {v}");
                if headers::discloses_version(v) && !out.contains(&line) {
                    out.push(line);
                }
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Error classification

/// `e` and its causes, looking inside `io::Error`s (whose `source()` skips the error they wrap,
/// which is where rustls and hyper put theirs). Bounded: a cyclic chain cannot hang the probe.
fn causes<'a>(e: &'a (dyn StdError + 'static)) -> Vec<&'a (dyn StdError + 'static)> {
    let mut out = Vec::new();
    let mut current = Some(e);
    while let Some(c) = current.filter(|_| out.len() < 16) {
        out.push(c);
        current = match c.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref()) {
            Some(inner) => Some(inner as &(dyn StdError + 'static)),
            None => c.source(),
        };
    }
    out
}

/// Maps a reqwest error to a probe error class. hyper's error kinds are not reachable without
/// depending on hyper directly, so its parse errors are recognised by their fixed messages.
fn classify(e: &reqwest::Error, what: &str, limits: &Limits) -> ProbeError {
    if e.is_timeout() {
        // reqwest only says "operation timed out": name the phase and the limit instead.
        let (phase, limit) = match e.is_connect() {
            true => ("no connection (TCP and TLS) established", limits.connect_timeout),
            false => ("no answer", limits.read_timeout),
        };
        return error(ErrorClass::Timeout, format!("{what}: {phase} within {} s", limit.as_secs_f32()));
    }
    let chain = causes(e);
    let said = |needles: &[&str]| chain.iter().any(|c| needles.iter().any(|n| c.to_string().contains(n)));
    let class = if said(&["message head is too large"]) {
        ErrorClass::TooLarge
    } else if chain.iter().any(|c| c.is::<rustls::Error>()) {
        ErrorClass::Tls
    } else if said(&[
        "invalid HTTP",
        "invalid URI",
        "invalid content-length",
        "transfer-encoding",
        "unexpected message",
    ]) || said(&["http2 error"])
    {
        ErrorClass::Protocol
    } else if said(&["connection closed before message completed"]) {
        ErrorClass::Closed
    } else if let Some(io) = chain.iter().find_map(|c| c.downcast_ref::<std::io::Error>()) {
        net::io_error(io, "").class
    } else if e.is_connect() {
        ErrorClass::Connect
    } else {
        ErrorClass::Http
    };
    let mut text: Vec<String> = Vec::new();
    for c in chain.iter().skip(1) {
        let s = c.to_string();
        if text.last() != Some(&s) {
            text.push(s);
        }
    }
    let text = if text.is_empty() { e.to_string() } else { text.join(": ") };
    ProbeError::new(class, format!("{what}: {text}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fetched(url: &str, status: u16, location: Option<&str>) -> Fetched {
        let fields = location.map(|l| vec![("location".to_string(), l.to_string())]).unwrap_or_default();
        Fetched { url: Url::parse(url).unwrap(), status, version: "HTTP/1.1", fields }
    }

    fn target() -> UrlTarget {
        let mut t = UrlTarget::new(Url::parse("https://Portal.Example.gov.vn/a").unwrap(), None);
        t.declared_hosts = vec!["www.example.gov.vn.".into(), "[::1]".into()];
        t
    }

    #[test]
    fn scope_admits_own_and_declared_hosts_only() {
        let t = target();
        let s = Scope::new(&t, Instant::now());
        for ok in ["http://portal.example.gov.vn/x", "https://WWW.example.gov.vn/", "http://[::1]:8080/"] {
            assert!(s.allows(&Url::parse(ok).unwrap()), "{ok}");
        }
        for no in ["https://evil.example/", "ftp://portal.example.gov.vn/", "https://example.gov.vn/"] {
            assert!(!s.allows(&Url::parse(no).unwrap()), "{no}");
        }
    }

    #[test]
    fn hops_resolve_locations_and_record_leaving_scope() {
        let t = target();
        let s = Scope::new(&t, Instant::now());
        let (hop, next) = next_hop(&fetched("https://portal.example.gov.vn/a", 302, Some("/b#frag")), &s);
        assert_eq!(next.unwrap().as_str(), "https://portal.example.gov.vn/b");
        assert!(hop.followed && hop.reason.is_none());
        let (hop, next) = next_hop(&fetched("https://portal.example.gov.vn/a", 301, Some("https://evil.example/")), &s);
        assert!(next.is_none() && !hop.followed);
        assert_eq!(hop.location.as_deref(), Some("https://evil.example/"));
        assert_eq!(hop.reason.as_deref(), Some(LEAVES_SCOPE));
        let (hop, next) =
            next_hop(&fetched("https://portal.example.gov.vn/a", 302, Some("ftp://portal.example.gov.vn/")), &s);
        assert!(next.is_none() && hop.reason.as_deref() == Some("not an HTTP(S) URL"));
        let (hop, next) = next_hop(&fetched("https://portal.example.gov.vn/a", 302, None), &s);
        assert!(next.is_none() && hop.reason.is_some());
        let (hop, next) = next_hop(&fetched("https://portal.example.gov.vn/a", 200, Some("/ignored")), &s);
        assert!(next.is_none() && hop.location.is_none() && hop.reason.is_none());
        let (hop, next) = next_hop(&fetched("https://portal.example.gov.vn/a", 307, Some("http://[bad")), &s);
        assert!(next.is_none() && hop.reason.unwrap().starts_with("Location is not a URL"));
    }

    #[test]
    fn loops_and_long_chains_are_refused_with_their_path() {
        let chain = [fetched("https://a.example/1", 302, None), fetched("https://a.example/2", 302, None)];
        let e = check_hop(&chain, &Url::parse("https://a.example/1").unwrap(), 10).unwrap_err();
        assert_eq!(e.class, ErrorClass::Http);
        assert_eq!(e.message, "redirect loop: https://a.example/1 -> https://a.example/2 -> https://a.example/1");
        let e = check_hop(&chain, &Url::parse("https://a.example/3").unwrap(), 1).unwrap_err();
        assert!(e.message.starts_with("more than 1 redirects"), "{}", e.message);
        assert!(check_hop(&chain, &Url::parse("https://a.example/3").unwrap(), 2).is_ok());
    }

    #[test]
    fn plain_form_keeps_host_and_path() {
        let mut t = target();
        assert_eq!(plain_form(&t).as_str(), "http://portal.example.gov.vn/a");
        t.http_port = Some(8080);
        assert_eq!(plain_form(&t).as_str(), "http://portal.example.gov.vn:8080/a");
    }

    #[test]
    fn pin_applies_to_the_own_host_only() {
        let mut t = target();
        t.address = Some("192.0.2.7".parse().unwrap());
        let s = Scope::new(&t, Instant::now());
        assert_eq!(s.pin(&Url::parse("http://portal.example.gov.vn:80/").unwrap()), t.address);
        assert_eq!(s.pin(&Url::parse("https://www.example.gov.vn/").unwrap()), None);
        let mut literal = UrlTarget::new(Url::parse("https://198.51.100.1/").unwrap(), t.address);
        literal.declared_hosts.clear();
        assert_eq!(
            Scope::new(&literal, Instant::now()).pin(&literal.url),
            None,
            "an IP literal is connected to as written"
        );
    }
}
