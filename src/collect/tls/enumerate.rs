//! Protocol-version and cipher-suite enumeration of one TLS endpoint, the public entry point of
//! the TLS probe.
//!
//! Strategy (few connections, one at a time — these are fragile government hosts):
//!
//! * per version, offer every known suite in chunks of at most [`MAX_SUITES`]; take the suite the
//!   server chose, remove it, offer again until the server refuses: the suites come out in the
//!   order the server prefers (for servers that follow the client's order, in ours);
//! * the version in the ServerHello must be the one offered — a server that does not speak it
//!   answers with a lower one;
//! * TLS 1.3 through supported_versions; a HelloRetryRequest also proves support;
//! * SSLv2 through an SSLv2 CLIENT-HELLO;
//! * whether the server imposes its order: offer its two extreme suites the other way round;
//! * finally one rustls handshake, for the chain (encrypted in TLS 1.3) and what a modern client
//!   negotiates.
//!
//! A mail endpoint upgraded with STARTTLS runs the same enumeration with the plaintext dialogue
//! ([`crate::collect::mail::dialogue`]) on every connection before its hello ([`enumerate_with`]).

use super::handshake::{self, Capture, Outcome, Refusal, Ssl2Outcome, alert};
use super::hello::{self, MAX_SUITES};
use super::suites::{self, class as weak};
use super::version::{SSL2, SSL3, TLS10, TLS11, TLS12, TLS13, version_key};
use crate::collect::mail::dialogue::{self, Upgrade};
use crate::collect::net::{self, Connection, Dialer};
use crate::evidence::{ErrorClass, ProbeError, TlsFacts};
use crate::inventory::Starttls;
use rustls::pki_types::ServerName;
use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;

/// The endpoint to measure: an address and the name to send as SNI (`None` for IP-literal
/// targets, which must not be sent as SNI).
#[derive(Debug, Clone, Copy)]
pub struct Endpoint<'a> {
    pub addr: SocketAddr,
    pub sni: Option<&'a str>,
}

/// What an enumeration found: the endpoint's TLS facts (without the certificate facts, which
/// [`super::certificate::analyse`] derives from `chain`) and the chain itself.
#[derive(Debug, Clone)]
pub struct Enumeration {
    pub facts: TlsFacts,
    /// DER certificates as presented, leaf first. Input to the certificate facts, not a fact
    /// itself (raw DER would bloat evidence files).
    pub chain: Vec<Vec<u8>>,
}

/// Measures the endpoint. `Err` only when it cannot be measured at all: the first connection
/// fails, or no offer at all drew a TLS answer. A refused version is `false`, not an error.
/// Each read waits at most `read_timeout`; the caller bounds the whole run (wrap the future in
/// `dialer.limits.target_deadline`).
pub async fn enumerate(dialer: &Dialer, ep: Endpoint<'_>) -> Result<Enumeration, ProbeError> {
    match enumerate_with(dialer, ep, None).await? {
        Reached::Enumerated(found) => Ok(*found),
        // invariant: without a dialogue nothing can be "not offered".
        Reached::NotOffered(why) => Err(net::error(ErrorClass::Internal, why)),
    }
}

/// What an enumeration behind a STARTTLS dialogue reached.
#[derive(Debug, Clone)]
pub enum Reached {
    Enumerated(Box<Enumeration>),
    /// The first connection's dialogue showed the server does not offer STARTTLS (why, for
    /// people): a measurement, and no handshake was tried.
    NotOffered(String),
}

/// Like [`enumerate`], with the `starttls` dialogue run on every connection before its hello.
/// A dialogue that fails on a later connection is that connection's error, like a failed connect.
pub async fn enumerate_with(
    dialer: &Dialer,
    ep: Endpoint<'_>,
    starttls: Option<Starttls>,
) -> Result<Reached, ProbeError> {
    let mut session = Session::new(dialer, ep);
    session.starttls = starttls;
    match session.run().await {
        Ok(found) => Ok(Reached::Enumerated(Box::new(found))),
        Err(Stopped::NotOffered(why)) => Ok(Reached::NotOffered(why)),
        Err(Stopped::Failed(e)) => Err(e),
    }
}

/// Why [`Session::run`] produced no enumeration.
enum Stopped {
    NotOffered(String),
    Failed(ProbeError),
}

impl From<ProbeError> for Stopped {
    fn from(e: ProbeError) -> Stopped {
        Stopped::Failed(e)
    }
}

/// Why a run of offers for one version stopped.
enum Stop {
    /// The server refused the remaining suites (or chose none of them).
    Exhausted,
    /// The version is not spoken, or probing it failed: no further chunks.
    Version,
}

struct Session<'a> {
    dialer: &'a Dialer,
    ep: Endpoint<'a>,
    connections: usize,
    /// The plaintext dialogue run on each connection before its hello (mail endpoints).
    starttls: Option<Starttls>,
    /// Set when the very first connection cannot be opened: nothing else is tried.
    unreachable: Option<Stopped>,
    /// Refusals seen: an alert proves a TLS peer, a clean close at least a peer that answers.
    alerts: usize,
    closes: usize,
    /// First error per version (key 0: connections that did not open after the first).
    errors: BTreeMap<u16, ProbeError>,
    /// The first probe error, the most telling when nothing works.
    first_error: Option<ProbeError>,
    /// Accepted suites per version, in server order.
    accepted: BTreeMap<u16, Vec<u16>>,
    /// Per version, whether the server imposes its suite order, where it was tested.
    order: BTreeMap<u16, Option<bool>>,
    ssl2: Vec<&'static suites::Ssl2Cipher>,
    raw_chain: Vec<Vec<u8>>,
    dh_min_bits: Option<u32>,
}

impl<'a> Session<'a> {
    fn new(dialer: &'a Dialer, ep: Endpoint<'a>) -> Session<'a> {
        Session {
            dialer,
            ep,
            connections: 0,
            starttls: None,
            unreachable: None,
            alerts: 0,
            closes: 0,
            errors: BTreeMap::new(),
            first_error: None,
            accepted: BTreeMap::new(),
            order: BTreeMap::new(),
            ssl2: Vec::new(),
            raw_chain: Vec::new(),
            dh_min_bits: None,
        }
    }

    async fn run(mut self) -> Result<Enumeration, Stopped> {
        // The modern versions first: any TLS server answers one of them, even a legacy one
        // (with an alert or a lower-version ServerHello).
        for version in [TLS12, TLS13] {
            self.version(version).await;
            if let Some(e) = self.unreachable.take() {
                return Err(e);
            }
        }
        if self.accepted.is_empty() && self.alerts + self.closes == 0 {
            // Both probes ended in errors (silence, garbage, endless data): the endpoint does not
            // speak TLS in a way that can be measured; more probes would only cost time.
            return Err(self.failure().into());
        }
        for version in [TLS11, TLS10, SSL3] {
            self.version(version).await;
        }
        self.ssl2().await;
        if self.accepted.is_empty() && self.ssl2.is_empty() {
            return Err(self.failure().into());
        }
        let server_cipher_order = self.server_order().await;
        let capture = self.capture().await;
        Ok(self.facts(server_cipher_order, capture))
    }

    /// The error for an endpoint that accepted nothing.
    fn failure(&mut self) -> ProbeError {
        if self.alerts > 0 {
            return net::error(ErrorClass::Tls, "the server refused every protocol version and cipher suite offered");
        }
        match self.first_error.take() {
            Some(e) => e,
            None => net::error(ErrorClass::Closed, "the server closed the connection on every ClientHello"),
        }
    }

    /// Records the first error of a version (key 0: a connection that did not open).
    fn note_error(&mut self, key: u16, e: ProbeError) {
        self.first_error.get_or_insert_with(|| e.clone());
        self.errors.entry(key).or_insert(e);
    }

    async fn connect(&mut self) -> Option<Connection> {
        let first = self.connections == 0;
        self.connections += 1;
        let opened = match self.dialer.connect(self.ep.addr).await {
            Ok(c) => self.upgrade(c).await,
            Err(e) => Err(Stopped::Failed(e)),
        };
        match opened {
            Ok(c) => Some(c),
            Err(stop) if first => {
                self.unreachable = Some(stop);
                None
            }
            Err(Stopped::Failed(e)) => {
                self.note_error(0, e);
                None
            }
            Err(Stopped::NotOffered(why)) => {
                // Offered on the first connection, not on this one: a flaky or balanced server.
                let msg = format!("STARTTLS was no longer offered: {why}");
                self.note_error(0, net::error(ErrorClass::Protocol, msg));
                None
            }
        }
    }

    /// Runs the STARTTLS dialogue, if any, so that the connection is ready for a hello.
    async fn upgrade(&self, mut conn: Connection) -> Result<Connection, Stopped> {
        let Some(protocol) = self.starttls else { return Ok(conn) };
        match dialogue::starttls(&mut conn, protocol, &self.dialer.limits).await? {
            Upgrade::Ready => Ok(conn),
            Upgrade::NotOffered(why) => Err(Stopped::NotOffered(why)),
        }
    }

    /// Enumerates the suites of one version into `self.accepted`.
    async fn version(&mut self, version: u16) {
        let pool = suites::candidates(version);
        // Suites found per chunk, each run in the server's order.
        let mut runs: Vec<Vec<u16>> = Vec::new();
        for chunk in chunks(&pool) {
            let mut run = Vec::new();
            let stop = self.drain(version, chunk.to_vec(), &mut run).await;
            if !run.is_empty() {
                runs.push(run);
            }
            if matches!(stop, Stop::Version) || self.unreachable.is_some() {
                break;
            }
        }
        let mut found = runs.concat();
        if runs.len() > 1 {
            // Runs follow each other in offer order. That is the server's order only if the
            // server follows the client's: otherwise find the order across runs.
            let sample = runs.iter().find(|r| r.len() >= 2);
            let imposes = match sample {
                Some(run) => self.order_test(version, run).await,
                None => None,
            };
            self.order.insert(version, imposes);
            if imposes != Some(false) {
                found = self.reorder(version, found).await;
            }
        }
        if !found.is_empty() {
            self.accepted.insert(version, found);
        }
    }

    /// Offers `offer` again and again, each time without the suite the server chose, until the
    /// server refuses; the chosen suites are appended to `found` in the server's order.
    async fn drain(&mut self, version: u16, mut offer: Vec<u16>, found: &mut Vec<u16>) -> Stop {
        while !offer.is_empty() {
            let outcome = match self.probe(version, &offer).await {
                Some(Ok(o)) => o,
                Some(Err(e)) => {
                    self.note_error(version, e);
                    return Stop::Version;
                }
                None => return Stop::Version,
            };
            match outcome {
                Outcome::Accepted(f) if f.hello.version == version && offer.contains(&f.hello.cipher) => {
                    offer.retain(|&s| s != f.hello.cipher);
                    found.push(f.hello.cipher);
                }
                Outcome::Accepted(f) if f.hello.version == version => {
                    let msg = format!("the server chose suite {:#06x}, which was not offered", f.hello.cipher);
                    self.note_error(version, net::error(ErrorClass::Protocol, msg));
                    return Stop::Version;
                }
                // A lower (or other) version: the offered one is not spoken.
                Outcome::Accepted(_) => return Stop::Version,
                Outcome::Refused(Refusal::Alert(alert::PROTOCOL_VERSION)) => return Stop::Version,
                Outcome::Refused(_) => return Stop::Exhausted,
            }
        }
        Stop::Exhausted
    }

    /// Puts suites found across several chunks in the server's order (they were found chunk by
    /// chunk, so the order between chunks is ours, not the server's).
    async fn reorder(&mut self, version: u16, found: Vec<u16>) -> Vec<u16> {
        let mut ordered = Vec::new();
        for chunk in chunks(&found) {
            self.drain(version, chunk.to_vec(), &mut ordered).await;
        }
        // A suite the server no longer chose (flaky server) is still accepted: keep it, last.
        let missing: Vec<u16> = found.iter().filter(|s| !ordered.contains(s)).copied().collect();
        ordered.extend(missing);
        ordered
    }

    /// One connection, one hello. `None` when no connection could be opened.
    async fn probe(&mut self, version: u16, offer: &[u16]) -> Option<Result<Outcome, ProbeError>> {
        let mut conn = self.connect().await?;
        let hello = hello::client_hello(version, offer, self.ep.sni);
        let result = handshake::exchange(&mut conn, &hello, &self.dialer.limits).await;
        match &result {
            Ok(Outcome::Accepted(f)) => self.absorb(f),
            Ok(Outcome::Refused(Refusal::Alert(_))) => self.alerts += 1,
            Ok(Outcome::Refused(Refusal::Closed)) => self.closes += 1,
            Err(_) => {}
        }
        Some(result)
    }

    /// Keeps what every accepted flight teaches beyond the suite: chain and DH group size.
    fn absorb(&mut self, flight: &handshake::Flight) {
        if self.raw_chain.is_empty() {
            self.raw_chain = flight.chain.clone();
        }
        if let Some(bits) = flight.dh_bits {
            self.dh_min_bits = Some(self.dh_min_bits.map_or(bits, |m| m.min(bits)));
        }
    }

    /// SSLv2. Its errors never make the endpoint unmeasurable: many servers simply hang up.
    async fn ssl2(&mut self) {
        let Some(mut conn) = self.connect().await else { return };
        match handshake::exchange_ssl2(&mut conn, &self.dialer.limits).await {
            Ok(Ssl2Outcome::Accepted { ciphers, certificate }) => {
                self.ssl2 = ciphers.into_iter().filter_map(suites::ssl2_cipher).collect();
                // A SERVER-HELLO without a cipher in common does not make SSLv2 usable.
                if !self.ssl2.is_empty() && self.raw_chain.is_empty() {
                    self.raw_chain.extend(certificate);
                }
            }
            Ok(Ssl2Outcome::Refused) => {}
            Err(e) => {
                self.note_error(SSL2, e);
            }
        }
    }

    /// Whether the server imposes its order, judged at the highest version with two suites.
    async fn server_order(&mut self) -> Option<bool> {
        let (version, found) = self.accepted.iter().rev().find(|(_, s)| s.len() >= 2)?;
        let (version, found) = (*version, found.clone());
        match self.order.get(&version) {
            Some(known) => *known,
            None => self.order_test(version, &found).await,
        }
    }

    /// Offers the first and last suites of `run` (suites in the order the server chose them from
    /// one offer) the other way round: a server that imposes its order still picks the first, a
    /// server that follows the client's picks the last.
    async fn order_test(&mut self, version: u16, run: &[u16]) -> Option<bool> {
        let (first, last) = (*run.first()?, *run.last()?);
        match self.probe(version, &[last, first]).await? {
            Ok(Outcome::Accepted(f)) if f.hello.version == version => Some(f.hello.cipher == first),
            _ => None,
        }
    }

    /// The rustls handshake, only when the server speaks a version rustls does.
    async fn capture(&mut self) -> Capture {
        if !self.accepted.contains_key(&TLS12) && !self.accepted.contains_key(&TLS13) {
            return Capture::default();
        }
        let Some(mut conn) = self.connect().await else { return Capture::default() };
        let ip = ServerName::IpAddress(self.ep.addr.ip().into());
        let name = self.ep.sni.and_then(|h| ServerName::try_from(h.to_string()).ok()).unwrap_or(ip);
        handshake::capture(&mut conn, name, &self.dialer.limits).await
    }

    fn facts(self, server_cipher_order: Option<bool>, capture: Capture) -> Enumeration {
        // A version whose probe failed (timeout, garbage) rather than being refused was not
        // measured: `None`, so that rules over it say unknown instead of reading a refusal.
        let mut protocols: BTreeMap<String, Option<bool>> = [SSL2, SSL3, TLS10, TLS11, TLS12, TLS13]
            .iter()
            .map(|&v| (version_key(v).to_string(), (!self.errors.contains_key(&v)).then_some(false)))
            .collect();
        let mut ciphers = BTreeMap::new();
        let mut classes = BTreeSet::new();
        for (&version, found) in &self.accepted {
            protocols.insert(version_key(version).to_string(), Some(true));
            ciphers.insert(version_key(version).to_string(), found.iter().map(|&s| suites::name(s)).collect());
            classes.extend(found.iter().flat_map(|&s| suites::weak_classes(s, version)));
        }
        if !self.ssl2.is_empty() {
            protocols.insert(version_key(SSL2).to_string(), Some(true));
            ciphers.insert(version_key(SSL2).to_string(), self.ssl2.iter().map(|c| c.name.to_string()).collect());
            classes.extend(self.ssl2.iter().flat_map(|c| c.classes.iter().copied()));
        }
        if self.dh_min_bits.is_some_and(|b| b < suites::DH_STRONG_BITS) {
            classes.insert(weak::DH_WEAK);
        }
        // SSLv2 has no forward-secret cipher.
        let all: Vec<u16> = self.accepted.values().flatten().copied().collect();
        let forward_secrecy = self.ssl2.is_empty() && all.iter().all(|&s| suites::forward_secret(s));
        let forward_secrecy_offered = all.iter().any(|&s| suites::forward_secret(s));
        let chain = if capture.chain.is_empty() { self.raw_chain } else { capture.chain };
        let facts = TlsFacts {
            protocols,
            ciphers,
            server_cipher_order,
            forward_secrecy,
            forward_secrecy_offered,
            weak_cipher_classes: classes.into_iter().map(str::to_string).collect(),
            dh_min_bits: self.dh_min_bits,
            negotiated: capture.negotiated,
            probe_errors: self.errors.into_iter().map(|(v, e)| (probe_key(v), e)).collect(),
            connections: self.connections,
            certificate: None,
            mail_protocol: None,
            starttls: self.starttls.map(|p| p.as_str().to_string()),
            starttls_offered: self.starttls.map(|_| true),
            extra: Default::default(),
        };
        Enumeration { facts, chain }
    }
}

/// Key of a probe error: the version, or "connect" for connections that failed to open.
fn probe_key(version: u16) -> String {
    if version == 0 { "connect".to_string() } else { version_key(version).to_string() }
}

/// Splits `pool` into as few chunks of at most [`MAX_SUITES`] as possible, of even sizes (so
/// that no hello is tiny and the first holds the most suites offered first).
fn chunks(pool: &[u16]) -> std::slice::Chunks<'_, u16> {
    let n = pool.len().div_ceil(MAX_SUITES).max(1);
    pool.chunks(pool.len().div_ceil(n).max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_are_even_and_bounded() {
        let pool: Vec<u16> = (0..225).collect();
        let sizes: Vec<usize> = chunks(&pool).map(<[u16]>::len).collect();
        assert_eq!(sizes, [113, 112]);
        let pool: Vec<u16> = (0..89).collect();
        assert_eq!(chunks(&pool).count(), 1);
        assert_eq!(chunks(&[]).count(), 0);
        let pool: Vec<u16> = (0..241).collect();
        assert!(chunks(&pool).all(|c| c.len() <= MAX_SUITES));
    }
}
