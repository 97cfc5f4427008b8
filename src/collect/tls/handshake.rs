//! One probe exchange on a [`Connection`]: send a hand-built hello, read the server's first flight
//! (ServerHello … ServerHelloDone, or just the ServerHello for TLS 1.3, whose rest is encrypted)
//! within the read timeout and the flight byte cap, and classify the answer. Also the rustls
//! handshake that captures the chain and parameters a modern client gets.
//!
//! Nothing here trusts a length from the network: records, handshake messages and SSLv2 fields
//! are bounds-checked before use, and every byte count is capped.

use super::hello;
use super::suites;
use super::version::{self, TLS13};
use crate::collect::net::{self, Connection, Limits};
use crate::evidence::Negotiated;
use crate::evidence::{ErrorClass, ProbeError};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use std::sync::{Arc, Mutex};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

/// The `random` of a TLS 1.3 HelloRetryRequest (RFC 8446 4.1.3): SHA-256("HelloRetryRequest").
const HRR_RANDOM: [u8; 32] = [
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91, 0xC2, 0xA2, 0x11,
    0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
];
/// Largest TLSCiphertext record (RFC 8446 5.2); anything longer is not TLS.
const MAX_RECORD: usize = (1 << 14) + 2048;
const READ_CHUNK: usize = 16 << 10;

pub mod alert {
    pub const CLOSE_NOTIFY: u8 = 0;
    /// No suite (or other parameter) of the hello is acceptable: a refusal.
    pub const HANDSHAKE_FAILURE: u8 = 40;
    pub const PROTOCOL_VERSION: u8 = 70;
    /// The server failed on its side, e.g. on the suite it chose (DHE without DH parameters).
    pub const INTERNAL_ERROR: u8 = 80;
}

/// What the server chose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerHello {
    /// The negotiated version (from supported_versions when present, so TLS 1.3 reads 0x0304).
    pub version: u16,
    pub cipher: u16,
    /// A TLS 1.3 HelloRetryRequest: the server accepts the version and suite but wants another
    /// key share.
    pub retry: bool,
    /// The key-exchange group of a TLS 1.3 key_share (or of the retry request).
    pub group: Option<u16>,
}

/// The plaintext part of an accepted handshake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flight {
    pub hello: ServerHello,
    /// DER certificates of the plaintext Certificate message (TLS ≤ 1.2), leaf first.
    pub chain: Vec<Vec<u8>>,
    /// Size of the DH prime of a DHE/DH_anon ServerKeyExchange.
    pub dh_bits: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// A fatal alert (its description code) before any ServerHello.
    Alert(u8),
    /// The connection was closed or reset without a byte of answer.
    Closed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Accepted(Flight),
    Refused(Refusal),
}

/// Sends `hello` and reads the answer. `Err` is for answers that are not a TLS refusal:
/// timeouts, garbage, oversized flights, connections cut mid-answer.
pub async fn exchange(conn: &mut Connection, hello: &[u8], limits: &Limits) -> Result<Outcome, ProbeError> {
    send(&mut conn.stream, hello, limits).await?;
    let mut parser = FlightParser::new(limits.max_handshake_bytes);
    let mut buf = vec![0u8; READ_CHUNK];
    let mut received = 0usize;
    loop {
        let n = match net::read_some(&mut conn.stream, &mut buf, limits.read_timeout).await {
            Ok(0) => return parser.cut_short(net::error(ErrorClass::Closed, "connection closed"), received),
            Ok(n) => n,
            Err(e) => return parser.cut_short(e, received),
        };
        received += n;
        if received > limits.max_handshake_bytes {
            return Err(too_large(limits.max_handshake_bytes));
        }
        if let Some(outcome) = parser.feed(&buf[..n])? {
            return Ok(outcome);
        }
    }
}

async fn send(stream: &mut TcpStream, bytes: &[u8], limits: &Limits) -> Result<(), ProbeError> {
    // A server that never reads could block the write forever once buffers fill.
    match tokio::time::timeout(limits.read_timeout, stream.write_all(bytes)).await {
        Err(_) => Err(net::error(ErrorClass::Timeout, "the server did not take the ClientHello")),
        Ok(Err(e)) => Err(net::io_error(&e, "cannot send the ClientHello")),
        Ok(Ok(())) => Ok(()),
    }
}

fn protocol(msg: impl Into<String>) -> ProbeError {
    net::error(ErrorClass::Protocol, msg)
}

fn too_large(cap: usize) -> ProbeError {
    net::error(ErrorClass::TooLarge, format!("the handshake flight exceeds {cap} bytes"))
}

/// Incremental parser of the server's first flight: records, then handshake messages (which may
/// span records or share one).
struct FlightParser {
    /// Received bytes not yet framed into records.
    records: Vec<u8>,
    state: FlightState,
}

#[derive(Default)]
struct FlightState {
    /// Handshake bytes not yet framed into messages.
    messages: Vec<u8>,
    max_message: usize,
    hello: Option<ServerHello>,
    chain: Vec<Vec<u8>>,
    dh_bits: Option<u32>,
}

impl FlightParser {
    fn new(max_message: usize) -> FlightParser {
        FlightParser { records: Vec::new(), state: FlightState { max_message, ..Default::default() } }
    }

    /// Takes more bytes; `Some` once the flight is complete or refused.
    fn feed(&mut self, data: &[u8]) -> Result<Option<Outcome>, ProbeError> {
        self.records.extend_from_slice(data);
        let mut at = 0;
        while let Some((content_type, len)) = frame_record(&self.records[at..])? {
            let payload = &self.records[at + 5..at + 5 + len];
            at += 5 + len;
            if let Some(outcome) = self.state.record(content_type, payload)? {
                return Ok(Some(outcome));
            }
        }
        self.records.drain(..at);
        Ok(None)
    }

    /// The answer when the stream ends or fails before the flight is complete.
    fn cut_short(&mut self, err: ProbeError, received: usize) -> Result<Outcome, ProbeError> {
        if let Some(outcome) = self.state.finish() {
            // The ServerHello is what decides; a truncated rest only loses the chain.
            return Ok(outcome);
        }
        match (&err.class, received) {
            (ErrorClass::Closed, 0) => Ok(Outcome::Refused(Refusal::Closed)),
            (ErrorClass::Closed, n) => {
                Err(net::error(ErrorClass::Closed, format!("closed mid-handshake after {n} bytes")))
            }
            _ => Err(err),
        }
    }
}

/// Frames one record at the start of `buf`: `Some((content type, payload length))` when complete.
/// Fails as soon as the header cannot be TLS, so garbage is caught without waiting.
fn frame_record(buf: &[u8]) -> Result<Option<(u8, usize)>, ProbeError> {
    let Some(&content_type) = buf.first() else { return Ok(None) };
    if !(20..=24).contains(&content_type) || buf.get(1).is_some_and(|&major| major != 3) {
        let head: Vec<String> = buf.iter().take(4).map(|b| format!("{b:02x}")).collect();
        return Err(protocol(format!("not a TLS answer (starts with {})", head.join(" "))));
    }
    if buf.len() < 5 {
        return Ok(None);
    }
    let len = usize::from(u16::from_be_bytes([buf[3], buf[4]]));
    if len > MAX_RECORD {
        return Err(protocol(format!("TLS record of {len} bytes")));
    }
    Ok((buf.len() >= 5 + len).then_some((content_type, len)))
}

impl FlightState {
    fn record(&mut self, content_type: u8, payload: &[u8]) -> Result<Option<Outcome>, ProbeError> {
        match content_type {
            22 => {
                self.messages.extend_from_slice(payload);
                self.messages()
            }
            21 => self.alert(payload),
            // ChangeCipherSpec or encrypted data: the plaintext part of the flight is over.
            20 | 23 if self.hello.is_some() => Ok(self.finish()),
            _ => Err(protocol(format!("record type {content_type} before the ServerHello"))),
        }
    }

    fn alert(&mut self, payload: &[u8]) -> Result<Option<Outcome>, ProbeError> {
        let [level, description, ..] = *payload else { return Err(protocol("truncated alert")) };
        if self.hello.is_some() {
            return Ok(self.finish());
        }
        // Warnings (e.g. unrecognized_name before the ServerHello) do not end the handshake.
        if level == 1 && description != alert::CLOSE_NOTIFY {
            return Ok(None);
        }
        Ok(Some(Outcome::Refused(Refusal::Alert(description))))
    }

    fn messages(&mut self) -> Result<Option<Outcome>, ProbeError> {
        let buf = std::mem::take(&mut self.messages);
        let mut at = 0;
        while let Some(rest) = buf.get(at..).filter(|r| r.len() >= 4) {
            let len = usize::from(rest[1]) << 16 | usize::from(rest[2]) << 8 | usize::from(rest[3]);
            if len > self.max_message {
                return Err(too_large(self.max_message));
            }
            let Some(body) = rest.get(4..4 + len) else { break };
            at += 4 + len;
            if let Some(outcome) = self.message(rest[0], body)? {
                return Ok(Some(outcome));
            }
        }
        self.messages = buf.get(at..).unwrap_or_default().to_vec();
        Ok(None)
    }

    fn message(&mut self, msg_type: u8, body: &[u8]) -> Result<Option<Outcome>, ProbeError> {
        match (msg_type, &self.hello) {
            // HelloRequest may come at any time and is ignored (RFC 5246 7.4.1.1).
            (0, _) => Ok(None),
            (2, None) => {
                let hello = parse_server_hello(body)?;
                // TLS 1.3 encrypts everything after the ServerHello; a retry request ends the flight.
                let done = hello.version >= TLS13 || hello.retry;
                self.hello = Some(hello);
                Ok(if done { self.finish() } else { None })
            }
            (_, None) => Err(protocol(format!("handshake message {msg_type} before the ServerHello"))),
            (2, Some(_)) => Err(protocol("a second ServerHello")),
            (11, Some(_)) => {
                self.chain = parse_chain(body);
                Ok(None)
            }
            (12, Some(h)) => {
                if suites::sends_dh_params(h.cipher) {
                    self.dh_bits = dh_prime_bits(body);
                }
                Ok(None)
            }
            (14, Some(_)) => Ok(self.finish()),
            _ => Ok(None),
        }
    }

    /// The accepted outcome, once a ServerHello was seen.
    fn finish(&mut self) -> Option<Outcome> {
        let hello = self.hello.take()?;
        Some(Outcome::Accepted(Flight { hello, chain: std::mem::take(&mut self.chain), dh_bits: self.dh_bits }))
    }
}

fn parse_server_hello(body: &[u8]) -> Result<ServerHello, ProbeError> {
    let (_, sh) = tls_parser::parse_tls_handshake_server_hello(body).map_err(|_| protocol("malformed ServerHello"))?;
    let mut hello =
        ServerHello { version: sh.version.0, cipher: sh.cipher.0, retry: sh.random == HRR_RANDOM, group: None };
    for (ext_type, data) in extensions(sh.ext.unwrap_or_default()) {
        match (ext_type, data) {
            (43, &[a, b]) => hello.version = u16::from_be_bytes([a, b]),
            (51, &[a, b, ..]) => hello.group = Some(u16::from_be_bytes([a, b])),
            _ => {}
        }
    }
    Ok(hello)
}

/// The (type, data) pairs of an extension block; a truncated tail is ignored.
fn extensions(mut b: &[u8]) -> Vec<(u16, &[u8])> {
    let mut out = Vec::new();
    while let [t0, t1, l0, l1, rest @ ..] = b {
        let len = usize::from(u16::from_be_bytes([*l0, *l1]));
        let Some(data) = rest.get(..len) else { break };
        out.push((u16::from_be_bytes([*t0, *t1]), data));
        b = &rest[len..];
    }
    out
}

/// The DER certificates of a Certificate message; empty when it does not parse.
fn parse_chain(body: &[u8]) -> Vec<Vec<u8>> {
    match tls_parser::parse_tls_handshake_msg_certificate(body) {
        Ok((_, tls_parser::TlsMessageHandshake::Certificate(c))) => {
            c.cert_chain.iter().map(|cert| cert.data.to_vec()).collect()
        }
        _ => Vec::new(),
    }
}

/// Bits of the DH prime `p` that opens a DHE ServerKeyExchange.
fn dh_prime_bits(body: &[u8]) -> Option<u32> {
    let (_, params) = tls_parser::parse_dh_params(body).ok()?;
    let p = params.dh_p;
    let first = p.iter().position(|&b| b != 0)?;
    let significant = (p.len() - first) as u32;
    Some(significant * 8 - p[first].leading_zeros())
}

/// The answer to an SSLv2 CLIENT-HELLO.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ssl2Outcome {
    /// An SSLv2 SERVER-HELLO: the cipher kinds it lists and its certificate (DER), if any.
    Accepted { ciphers: Vec<[u8; 3]>, certificate: Option<Vec<u8>> },
    /// A TLS alert, another version, or a close.
    Refused,
}

/// Sends the SSLv2 CLIENT-HELLO and parses the SERVER-HELLO by hand (tls-parser has no SSLv2).
pub async fn exchange_ssl2(conn: &mut Connection, limits: &Limits) -> Result<Ssl2Outcome, ProbeError> {
    send(&mut conn.stream, &hello::ssl2_client_hello(), limits).await?;
    let mut got = Vec::new();
    let mut buf = vec![0u8; READ_CHUNK];
    loop {
        let n = match net::read_some(&mut conn.stream, &mut buf, limits.read_timeout).await {
            Ok(0) if got.is_empty() => return Ok(Ssl2Outcome::Refused),
            Ok(0) => return Err(net::error(ErrorClass::Closed, "closed mid SSLv2 SERVER-HELLO")),
            Ok(n) => n,
            Err(e) if e.class == ErrorClass::Closed && got.is_empty() => return Ok(Ssl2Outcome::Refused),
            Err(e) => return Err(e),
        };
        got.extend_from_slice(&buf[..n]);
        if got.len() > limits.max_handshake_bytes {
            return Err(too_large(limits.max_handshake_bytes));
        }
        if let Some(outcome) = parse_ssl2_server_hello(&got)? {
            return Ok(outcome);
        }
    }
}

/// `None` until the whole SSLv2 record is there.
fn parse_ssl2_server_hello(buf: &[u8]) -> Result<Option<Ssl2Outcome>, ProbeError> {
    let [b0, b1, ..] = *buf else { return Ok(None) };
    // An answer in TLS records (an alert, or a ServerHello of another version) is a refusal.
    if (20..=24).contains(&b0) && b1 == 3 {
        return Ok(Some(Ssl2Outcome::Refused));
    }
    // Two-byte header when the top bit is set, else three bytes (with padding length).
    let (header, len) = if b0 & 0x80 != 0 {
        (2, usize::from(b0 & 0x7f) << 8 | usize::from(b1))
    } else {
        (3, usize::from(b0 & 0x3f) << 8 | usize::from(b1))
    };
    let Some(msg) = buf.get(header..header + len) else { return Ok(None) };
    let field = |i: usize| msg.get(i..i + 2).map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])));
    let (Some(4), Some(version), Some(cert_len), Some(specs_len), Some(_connection_id_len)) =
        (msg.first().copied(), field(3), field(5), field(7), field(9))
    else {
        return Err(protocol("not an SSLv2 SERVER-HELLO"));
    };
    if version != usize::from(version::SSL2) {
        return Ok(Some(Ssl2Outcome::Refused));
    }
    let (Some(cert), Some(specs)) = (msg.get(11..11 + cert_len), msg.get(11 + cert_len..11 + cert_len + specs_len))
    else {
        return Err(protocol("SSLv2 SERVER-HELLO shorter than its fields"));
    };
    let ciphers = specs.chunks_exact(3).map(|c| [c[0], c[1], c[2]]).collect();
    // Certificate type 1 is X.509.
    let certificate = (msg.get(2) == Some(&1) && !cert.is_empty()).then(|| cert.to_vec());
    Ok(Some(Ssl2Outcome::Accepted { ciphers, certificate }))
}

/// The chain a rustls client was shown (even if the handshake failed later) and, when the
/// handshake completed, its parameters.
#[derive(Debug, Clone, Default)]
pub struct Capture {
    pub chain: Vec<Vec<u8>>,
    pub negotiated: Option<Negotiated>,
}

/// Runs a rustls handshake that accepts any certificate, to read the chain even where it is
/// encrypted (TLS 1.3). Signatures are still checked: the server must hold the key.
pub async fn capture(conn: &mut Connection, name: ServerName<'static>, limits: &Limits) -> Capture {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let recorder = Arc::new(Recorder { provider: provider.clone(), chain: Mutex::new(Vec::new()) });
    let Ok(builder) =
        rustls::ClientConfig::builder_with_provider(provider).with_protocol_versions(rustls::ALL_VERSIONS)
    else {
        return Capture::default();
    };
    let config = builder.dangerous().with_custom_certificate_verifier(recorder.clone()).with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    // TLS 1.2 waits for two server flights, TLS 1.3 for one.
    let handshake = tokio::time::timeout(limits.read_timeout * 2, connector.connect(name, &mut conn.stream)).await;
    let negotiated = match handshake {
        Ok(Ok(tls)) => negotiated(tls.get_ref().1),
        _ => None,
    };
    let chain = std::mem::take(&mut *recorder.chain.lock().unwrap_or_else(|e| e.into_inner()));
    Capture { chain, negotiated }
}

fn negotiated(conn: &rustls::ClientConnection) -> Option<Negotiated> {
    let version = version::version_key(u16::from(conn.protocol_version()?)).to_string();
    let cipher = suites::name(u16::from(conn.negotiated_cipher_suite()?.suite()));
    let group = conn.negotiated_key_exchange_group().map(|g| group_name(u16::from(g.name())));
    Some(Negotiated { version, cipher, group })
}

/// IANA name of a TLS supported-groups code point.
pub fn group_name(id: u16) -> String {
    let name = match id {
        0x0017 => "secp256r1",
        0x0018 => "secp384r1",
        0x0019 => "secp521r1",
        0x001d => "x25519",
        0x001e => "x448",
        0x0100 => "ffdhe2048",
        0x0101 => "ffdhe3072",
        0x0102 => "ffdhe4096",
        0x0103 => "ffdhe6144",
        0x0104 => "ffdhe8192",
        0x0200 => "MLKEM512",
        0x0201 => "MLKEM768",
        0x0202 => "MLKEM1024",
        0x11eb => "SecP256r1MLKEM768",
        0x11ec => "X25519MLKEM768",
        0x11ed => "SecP384r1MLKEM1024",
        _ => return format!("0x{id:04x}"),
    };
    name.to_string()
}

/// A certificate verifier that accepts any chain and records it.
#[derive(Debug)]
struct Recorder {
    provider: Arc<CryptoProvider>,
    chain: Mutex<Vec<Vec<u8>>>,
}

impl ServerCertVerifier for Recorder {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let chain = std::iter::once(end_entity).chain(intermediates).map(|c| c.to_vec()).collect();
        *self.chain.lock().unwrap_or_else(|e| e.into_inner()) = chain;
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collect::tls::hello::{handshake, record};
    use crate::collect::tls::version::{SSL3, TLS12};

    fn server_hello(version: u16, cipher: u16, random: [u8; 32], exts: &[u8]) -> Vec<u8> {
        let mut b = version.to_be_bytes().to_vec();
        b.extend_from_slice(&random);
        b.push(0);
        b.extend_from_slice(&cipher.to_be_bytes());
        b.push(0);
        if !exts.is_empty() {
            b.extend_from_slice(&(exts.len() as u16).to_be_bytes());
            b.extend_from_slice(exts);
        }
        handshake(2, &b)
    }

    fn certificate(certs: &[&[u8]]) -> Vec<u8> {
        let mut list = Vec::new();
        for c in certs {
            list.extend_from_slice(&(c.len() as u32).to_be_bytes()[1..]);
            list.extend_from_slice(c);
        }
        let mut body = (list.len() as u32).to_be_bytes()[1..].to_vec();
        body.extend_from_slice(&list);
        handshake(11, &body)
    }

    fn dhe_key_exchange(p: &[u8]) -> Vec<u8> {
        let mut b = Vec::new();
        for field in [p, &[2], &[1, 2, 3]] {
            b.extend_from_slice(&(field.len() as u16).to_be_bytes());
            b.extend_from_slice(field);
        }
        b.extend_from_slice(&[4, 1, 0, 2, 0xAA, 0xBB]); // signature, never checked
        handshake(12, &b)
    }

    fn parse_all(bytes: &[u8], split: usize) -> Result<Option<Outcome>, ProbeError> {
        let mut p = FlightParser::new(1 << 16);
        for chunk in bytes.chunks(split.max(1)) {
            if let Some(o) = p.feed(chunk)? {
                return Ok(Some(o));
            }
        }
        Ok(None)
    }

    #[test]
    fn tls12_flight_split_anywhere_gives_hello_chain_and_dh_bits() {
        let mut p = vec![0u8; 128];
        p[0] = 0x00; // a leading zero byte does not count
        p[1] = 0xC5;
        let mut msgs = server_hello(TLS12, 0x009E, [1; 32], &[]); // TLS_DHE_RSA_WITH_AES_128_GCM_SHA256
        msgs.extend(certificate(&[b"leaf-der", b"ca-der"]));
        msgs.extend(dhe_key_exchange(&p));
        msgs.extend(handshake(14, &[]));
        // Two records, the second starting mid-message.
        let mut bytes = record(22, TLS12, &msgs[..50]);
        bytes.extend(record(22, TLS12, &msgs[50..]));
        for split in [1, 3, 7, 64, bytes.len()] {
            let Some(Outcome::Accepted(f)) = parse_all(&bytes, split).unwrap() else { panic!("split {split}") };
            assert_eq!(f.hello, ServerHello { version: TLS12, cipher: 0x009E, retry: false, group: None });
            assert_eq!(f.chain, vec![b"leaf-der".to_vec(), b"ca-der".to_vec()]);
            assert_eq!(f.dh_bits, Some(127 * 8));
        }
    }

    #[test]
    fn tls13_hello_and_retry_request_end_the_flight() {
        // supported_versions = TLS 1.3, key_share = x25519 + key
        let exts = [0, 43, 0, 2, 3, 4, 0, 51, 0, 6, 0, 0x1d, 0, 2, 9, 9];
        let bytes = record(22, TLS12, &server_hello(TLS12, 0x1302, [1; 32], &exts));
        let Some(Outcome::Accepted(f)) = parse_all(&bytes, 5).unwrap() else { panic!() };
        assert_eq!(f.hello, ServerHello { version: TLS13, cipher: 0x1302, retry: false, group: Some(0x1d) });
        let hrr = [0, 43, 0, 2, 3, 4, 0, 51, 0, 2, 0, 0x17];
        let bytes = record(22, TLS12, &server_hello(TLS12, 0x1301, HRR_RANDOM, &hrr));
        let Some(Outcome::Accepted(f)) = parse_all(&bytes, 100).unwrap() else { panic!() };
        assert_eq!(f.hello, ServerHello { version: TLS13, cipher: 0x1301, retry: true, group: Some(0x17) });
    }

    #[test]
    fn alerts_refuse_but_warnings_do_not() {
        let fatal = record(21, TLS12, &[2, 40]);
        assert_eq!(parse_all(&fatal, 100).unwrap(), Some(Outcome::Refused(Refusal::Alert(40))));
        let mut warned = record(21, TLS12, &[1, 112]);
        warned.extend(record(22, SSL3, &server_hello(SSL3, 0x0005, [1; 32], &[])));
        warned.extend(record(22, SSL3, &handshake(14, &[])));
        let Some(Outcome::Accepted(f)) = parse_all(&warned, 100).unwrap() else { panic!() };
        assert_eq!((f.hello.version, f.hello.cipher), (SSL3, 0x0005));
    }

    #[test]
    fn garbage_oversize_and_truncation_are_errors_not_panics() {
        let err = parse_all(b"HTTP/1.1 400 Bad Request\r\n", 100).unwrap_err();
        assert_eq!(err.class, ErrorClass::Protocol, "{err:?}");
        let huge = [22, 3, 3, 0x48, 0x01, 2, 0xff, 0xff, 0xff];
        assert_eq!(parse_all(&huge, 100).unwrap_err().class, ErrorClass::Protocol, "record over 2^14+2048");
        let big_msg = record(22, TLS12, &[2, 0x02, 0, 0]);
        assert_eq!(parse_all(&big_msg, 100).unwrap_err().class, ErrorClass::TooLarge);
        let bad_hello = record(22, TLS12, &handshake(2, &[3, 3, 0]));
        assert_eq!(parse_all(&bad_hello, 100).unwrap_err().class, ErrorClass::Protocol);
        // Every prefix of a valid flight is "need more", never a verdict or a panic.
        let full = record(22, TLS12, &server_hello(TLS12, 0xC02F, [1; 32], &[]));
        for end in 0..full.len() {
            assert_eq!(parse_all(&full[..end], 1).unwrap(), None, "prefix {end}");
        }
        let mut p = FlightParser::new(1 << 16);
        assert_eq!(p.feed(&full[..20]).unwrap(), None);
        assert_eq!(p.cut_short(net::error(ErrorClass::Closed, "x"), 20).unwrap_err().class, ErrorClass::Closed);
        let mut p = FlightParser::new(1 << 16);
        assert_eq!(p.cut_short(net::error(ErrorClass::Closed, "x"), 0).unwrap(), Outcome::Refused(Refusal::Closed));
    }

    #[test]
    fn fuzzed_bytes_never_panic() {
        let mut state = 0x2545F4914F6CDD1Du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        };
        for _ in 0..2000 {
            let mut bytes = vec![22, 3, 3, 0, 60];
            bytes.extend((0..60).map(|_| next()));
            if next() % 2 == 0 {
                bytes[5] = 2;
            }
            let _ = parse_all(&bytes, 7);
            let _ = parse_ssl2_server_hello(&bytes[4..]);
        }
    }

    #[test]
    fn ssl2_server_hello_is_parsed_by_hand() {
        let cert = b"der";
        let mut msg = vec![4, 0, 1, 0, 2, 0, 3, 0, 6, 0, 16];
        msg.extend_from_slice(cert);
        msg.extend_from_slice(&[0x01, 0x00, 0x80, 0x07, 0x00, 0xC0]);
        msg.extend_from_slice(&[0xAB; 16]);
        let mut bytes = (0x8000u16 | msg.len() as u16).to_be_bytes().to_vec();
        bytes.extend_from_slice(&msg);
        assert_eq!(parse_ssl2_server_hello(&bytes[..bytes.len() - 1]).unwrap(), None);
        let outcome = parse_ssl2_server_hello(&bytes).unwrap().unwrap();
        assert_eq!(
            outcome,
            Ssl2Outcome::Accepted { ciphers: vec![[1, 0, 0x80], [7, 0, 0xC0]], certificate: Some(b"der".to_vec()) }
        );
        assert_eq!(parse_ssl2_server_hello(&[21, 3, 1, 0, 2, 2, 70]).unwrap(), Some(Ssl2Outcome::Refused));
        assert_eq!(parse_ssl2_server_hello(&[0x80, 3, 9, 9, 9]).unwrap_err().class, ErrorClass::Protocol);
    }
}
