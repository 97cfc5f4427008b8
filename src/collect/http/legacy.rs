//! The HTTP probe's fallback for servers the modern client cannot talk to: a server that speaks
//! only TLS 1.0/1.1, or TLS 1.2 with only CBC (non-AEAD) suites, fails the rustls handshake, and
//! without this its HSTS, headers and cookies would be `unknown` — on exactly the oldest systems,
//! the likeliest to lack them.
//!
//! **Dangerous by design, and fenced.** The fetch uses the system's OpenSSL at security level 0
//! (TLS 1.0 and up, every suite the library still has, no certificate or host-name verification),
//! which no client should use for anything but reading what such a server sends. The only way in is
//! [`dangerous`], the configuration lives and dies with one fetch (one connection, no pooling, no
//! session reuse), and nothing else in tuanthu can reach it. It runs only after rustls failed the
//! handshake, only for `https` URLs the probe was already allowed to fetch (scope is checked by the
//! caller, before each hop), on a connection opened through the [`Dialer`], under the same caps as
//! the modern client: response head bytes, header count, body bytes, read timeout, target deadline.
//!
//! [`Dialer`]: crate::collect::net::Dialer

use crate::collect::net::{self, Connection, Limits, error};
use crate::evidence::{ErrorClass, ProbeError};
use openssl::ssl::{HandshakeError, SslConnector, SslMethod, SslStream, SslVerifyMode, SslVersion};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Instant;
use url::Url;

/// Most header fields of one response (the modern client's hyper allows about as many).
pub const MAX_HEADERS: usize = 128;

/// The entry point, named for what it is: see the module documentation.
pub fn dangerous() -> DangerousLegacyFetch {
    DangerousLegacyFetch { _private: () }
}

/// A single legacy-TLS fetch, not yet made. Consumed by [`DangerousLegacyFetch::get_once`].
pub struct DangerousLegacyFetch {
    _private: (),
}

/// What the legacy fetch read: the response head, the body size, and the TLS it took.
#[derive(Debug, Clone)]
pub struct LegacyResponse {
    pub status: u16,
    /// `HTTP/1.0` or `HTTP/1.1`.
    pub version: &'static str,
    /// Header fields as received, names lower-cased.
    pub fields: Vec<(String, String)>,
    pub body_bytes: u64,
    pub body_error: Option<ProbeError>,
    /// The evidence's version key (`tls1.0`, `tls1.1`, `tls1.2`, …).
    pub tls_version: String,
    /// The IANA name of the suite negotiated (OpenSSL's name when it has no IANA one).
    pub cipher: String,
}

impl DangerousLegacyFetch {
    /// GETs `url` over `conn` (opened through the Dialer; its permit is held until the fetch
    /// ends), sending `sni` when the URL names a host. The body is read and counted, never kept,
    /// until `body_until`; everything stops at `deadline`.
    pub async fn get_once(
        self,
        conn: Connection,
        url: &Url,
        sni: Option<&str>,
        limits: &Limits,
        body_until: tokio::time::Instant,
        deadline: tokio::time::Instant,
    ) -> Result<LegacyResponse, ProbeError> {
        let (socket, permit) = conn.into_blocking().map_err(|e| net::io_error(&e, "cannot hand the socket over"))?;
        let job = Job {
            url: url.clone(),
            sni: sni.map(str::to_string),
            limits: limits.clone(),
            body_until: body_until.into_std(),
            deadline: deadline.into_std(),
        };
        // OpenSSL's streams block: the fetch runs on a worker thread, bounded by the socket
        // timeouts and its own deadline checks even when the caller stops waiting.
        let joined = tokio::task::spawn_blocking(move || {
            let result = job.run(socket);
            drop(permit);
            result
        })
        .await;
        joined
            .unwrap_or_else(|e| Err(error(ErrorClass::Internal, format!("the legacy fetch stopped unexpectedly: {e}"))))
    }
}

/// A response head: status, version, fields, and the body bytes that came with it.
struct Head {
    status: u16,
    version: &'static str,
    fields: Vec<(String, String)>,
    body_bytes: u64,
}

struct Job {
    url: Url,
    sni: Option<String>,
    limits: Limits,
    body_until: Instant,
    deadline: Instant,
}

impl Job {
    fn run(&self, socket: TcpStream) -> Result<LegacyResponse, ProbeError> {
        let timeout = Some(self.limits.read_timeout);
        socket
            .set_read_timeout(timeout)
            .and_then(|()| socket.set_write_timeout(timeout))
            .map_err(|e| net::io_error(&e, "cannot set the socket timeouts"))?;
        let mut tls = self.handshake(socket)?;
        let request = self.request();
        tls.write_all(request.as_bytes()).map_err(|e| net::io_error(&e, "cannot send the request"))?;
        let Head { status, version, fields, mut body_bytes } = self.head(&mut tls)?;
        let body_error = self.drain(&mut tls, &mut body_bytes);
        let ssl = tls.ssl();
        let cipher = ssl.current_cipher().map(|c| c.standard_name().unwrap_or(c.name()).to_string());
        Ok(LegacyResponse {
            status,
            version,
            fields,
            body_bytes,
            body_error,
            tls_version: version_key(ssl.version_str()),
            cipher: cipher.unwrap_or_default(),
        })
    }

    /// The permissive handshake: TLS 1.0 and up, every suite, security level 0, no verification
    /// (certificates are judged by the TLS probe, as for the modern client).
    fn handshake(&self, socket: TcpStream) -> Result<SslStream<TcpStream>, ProbeError> {
        let setup = |e: openssl::error::ErrorStack| error(ErrorClass::Internal, format!("legacy TLS setup: {e}"));
        let mut builder = SslConnector::builder(SslMethod::tls_client()).map_err(setup)?;
        builder.set_security_level(0);
        builder.set_min_proto_version(Some(SslVersion::TLS1)).map_err(setup)?;
        builder.set_cipher_list("ALL:@SECLEVEL=0").map_err(setup)?;
        builder.set_verify(SslVerifyMode::NONE);
        let mut config = builder.build().configure().map_err(setup)?;
        config.set_verify_hostname(false);
        config.set_use_server_name_indication(self.sni.is_some());
        match config.connect(self.sni.as_deref().unwrap_or("invalid"), socket) {
            Ok(s) => Ok(s),
            Err(HandshakeError::SetupFailure(e)) => Err(setup(e)),
            Err(HandshakeError::WouldBlock(_)) => Err(error(
                ErrorClass::Timeout,
                format!("legacy TLS: no handshake within {} s", self.limits.read_timeout.as_secs_f32()),
            )),
            Err(HandshakeError::Failure(mid)) => {
                Err(error(ErrorClass::Tls, format!("legacy TLS handshake failed too: {}", mid.error())))
            }
        }
    }

    fn request(&self) -> String {
        let authority = &self.url[url::Position::BeforeHost..url::Position::AfterPort];
        let path = &self.url[url::Position::BeforePath..url::Position::AfterQuery];
        let path = if path.is_empty() { "/" } else { path };
        format!(
            "GET {path} HTTP/1.1\r\nHost: {authority}\r\nUser-Agent: {}\r\nAccept: */*\r\nConnection: close\r\n\r\n",
            super::USER_AGENT
        )
    }

    /// Reads the response head within the byte and header-count caps.
    fn head(&self, tls: &mut SslStream<TcpStream>) -> Result<Head, ProbeError> {
        let cap = self.limits.max_header_bytes;
        let mut buf: Vec<u8> = Vec::new();
        let mut chunk = [0u8; 8192];
        loop {
            let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
            let mut response = httparse::Response::new(&mut headers);
            match response.parse(&buf) {
                Ok(httparse::Status::Complete(len)) => {
                    let status = response.code.unwrap_or_default();
                    let version = if response.version == Some(0) { "HTTP/1.0" } else { "HTTP/1.1" };
                    let fields = response
                        .headers
                        .iter()
                        .map(|h| (h.name.to_ascii_lowercase(), String::from_utf8_lossy(h.value).into_owned()))
                        .collect();
                    return Ok(Head { status, version, fields, body_bytes: (buf.len() - len) as u64 });
                }
                Ok(httparse::Status::Partial) => {}
                Err(httparse::Error::TooManyHeaders) => {
                    return Err(error(ErrorClass::TooLarge, format!("more than {MAX_HEADERS} response header fields")));
                }
                Err(e) => return Err(error(ErrorClass::Protocol, format!("not an HTTP/1 response head: {e}"))),
            }
            if buf.len() > cap {
                return Err(error(ErrorClass::TooLarge, format!("response headers exceed the limit of {cap} bytes")));
            }
            if Instant::now() > self.deadline {
                return Err(error(ErrorClass::Deadline, "the response head did not arrive within the target deadline"));
            }
            let n = read(tls, &mut chunk)?;
            if n == 0 {
                return Err(error(
                    ErrorClass::Closed,
                    "the server closed the connection before a complete response head",
                ));
            }
            buf.extend_from_slice(&chunk[..n]);
        }
    }

    /// Reads and discards the body up to `max_body_bytes`, until the server closes or
    /// `body_until`.
    fn drain(&self, tls: &mut SslStream<TcpStream>, read_so_far: &mut u64) -> Option<ProbeError> {
        let cap = self.limits.max_body_bytes as u64;
        let mut chunk = [0u8; 8192];
        while *read_so_far < cap {
            if Instant::now() > self.body_until.min(self.deadline) {
                return Some(error(ErrorClass::Timeout, format!("body incomplete after {read_so_far} bytes")));
            }
            match read(tls, &mut chunk) {
                Ok(0) => return None,
                Ok(n) => *read_so_far = (*read_so_far + n as u64).min(cap),
                Err(e) => return Some(e),
            }
        }
        None
    }
}

/// One read, with a close without close_notify (common on old servers) read as the end.
fn read(tls: &mut SslStream<TcpStream>, buf: &mut [u8]) -> Result<usize, ProbeError> {
    match tls.read(buf) {
        Ok(n) => Ok(n),
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(0),
        Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
            Err(error(ErrorClass::Timeout, "no answer within the read timeout (legacy TLS)"))
        }
        Err(e) => Err(net::io_error(&e, "legacy TLS read failed")),
    }
}

/// OpenSSL's version names as the evidence's keys.
fn version_key(openssl: &str) -> String {
    match openssl {
        "SSLv3" => "ssl3",
        "TLSv1" => "tls1.0",
        "TLSv1.1" => "tls1.1",
        "TLSv1.2" => "tls1.2",
        "TLSv1.3" => "tls1.3",
        other => other,
    }
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_name_the_host_and_path_only() {
        let job = |u: &str| Job {
            url: Url::parse(u).unwrap(),
            sni: None,
            limits: Limits::default(),
            body_until: Instant::now(),
            deadline: Instant::now(),
        };
        let ua = super::super::USER_AGENT;
        assert_eq!(
            job("https://old.example.gov.vn:8443/a/b?x=1#frag").request(),
            format!(
                "GET /a/b?x=1 HTTP/1.1\r\nHost: old.example.gov.vn:8443\r\nUser-Agent: {ua}\r\nAccept: */*\r\nConnection: close\r\n\r\n"
            )
        );
        assert!(job("https://[::1]/").request().starts_with("GET / HTTP/1.1\r\nHost: [::1]\r\n"));
        assert_eq!((version_key("TLSv1"), version_key("TLSv1.2")), ("tls1.0".to_string(), "tls1.2".to_string()));
    }
}
