//! Protocol-version and cipher-suite enumeration of one TLS endpoint, the public entry point of
//! the TLS probe.
//!
//! Strategy (few connections — these are fragile government hosts):
//!
//! * per version, offer every known suite in chunks of at most [`MAX_SUITES`]; take the suite the
//!   server chose, remove it, offer again until the server refuses: the suites come out in the
//!   order the server prefers (for servers that follow the client's order, in ours);
//! * the version in the ServerHello must be the one offered — a server that does not speak it
//!   answers with a lower one;
//! * TLS 1.3 through supported_versions; a HelloRetryRequest also proves support;
//! * SSLv2 through an SSLv2 CLIENT-HELLO;
//! * whether the server imposes its order: offer its two extreme suites the other way round;
//!   suites found in different chunks are merged into its order by comparisons ([`merge`]);
//! * finally one rustls handshake, for the chain (encrypted in TLS 1.3) and what a modern client
//!   negotiates.
//!
//! Scheduling: the first hello goes alone (an unreachable endpoint costs one connection); then
//! the versions, the chunks of a version (once its first offer showed it is spoken), SSLv2 and
//! the rustls handshake run at once. Only the [`Dialer`] paces them (`--per-host` open at once,
//! `--rate` starts per second per address), so on a slow link several hellos are in flight
//! instead of one; running at once adds no connection to those of a one-at-a-time run.
//!
//! A mail endpoint upgraded with STARTTLS runs the same enumeration with the plaintext dialogue
//! ([`crate::collect::mail::dialogue`]) on every connection before its hello ([`enumerate_with`]).

use super::handshake::{self, Capture, Outcome, Refusal, Ssl2Outcome, alert};
use super::hello::{self, MAX_SUITES};
use super::merge;
use super::suites::{self, class as weak};
use super::version::{SSL2, SSL3, TLS10, TLS11, TLS12, TLS13, version_key};
use crate::collect::mail::dialogue::{self, Upgrade};
use crate::collect::net::{self, Connection, Dialer};
use crate::evidence::{ErrorClass, ProbeError, TlsFacts};
use crate::inventory::Starttls;
use rustls::pki_types::ServerName;
use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::Mutex;

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

/// The answer to one hello: `None` when no connection could be opened.
type Answer = Option<Result<Outcome, ProbeError>>;

/// Most suites per version that the server may abort on before the version is given up with an
/// error: each costs about log2 of the offer in connections ([`Session::ask`]).
const MAX_BROKEN: usize = 64;

/// The server aborted the handshake on its side (alert internal_error) instead of answering.
fn aborted(answer: &Answer) -> bool {
    matches!(answer, Some(Ok(Outcome::Refused(Refusal::Alert(alert::INTERNAL_ERROR)))))
}

/// What one version's enumeration found.
#[derive(Default)]
struct Found {
    /// Accepted suites in the server's order.
    suites: Vec<u16>,
    /// Whether the server imposes its order, when the version needed the test.
    order: Option<Option<bool>>,
}

/// Everything the connections taught besides the suites, shared by the steps that run at once.
#[derive(Default)]
struct Tally {
    connections: usize,
    /// Refusals seen: an alert proves a TLS peer, a clean close at least a peer that answers.
    alerts: usize,
    closes: usize,
    /// First error per version (key 0: connections that did not open after the first).
    errors: BTreeMap<u16, ProbeError>,
    /// The first probe error, the most telling when nothing works.
    first_error: Option<ProbeError>,
    /// The first chain each version's offers were shown (the first offer of a version is always
    /// answered before its other offers are sent, so this does not depend on timing).
    chains: BTreeMap<u16, Vec<Vec<u8>>>,
    dh_min_bits: Option<u32>,
    /// Per version, the suites the server aborts on after choosing them ([`Session::ask`]).
    broken: BTreeMap<u16, std::collections::BTreeSet<u16>>,
}

impl Tally {
    /// Records the first error of a version (key 0: a connection that did not open).
    fn note_error(&mut self, key: u16, e: ProbeError) {
        self.first_error.get_or_insert_with(|| e.clone());
        self.errors.entry(key).or_insert(e);
    }

    /// Learns from the answer to a hello of `version`.
    fn learn(&mut self, version: u16, answer: &Result<Outcome, ProbeError>) {
        match answer {
            Ok(Outcome::Accepted(f)) => {
                if !f.chain.is_empty() {
                    self.chains.entry(version).or_insert_with(|| f.chain.clone());
                }
                if let Some(bits) = f.dh_bits {
                    self.dh_min_bits = Some(self.dh_min_bits.map_or(bits, |m| m.min(bits)));
                }
            }
            Ok(Outcome::Refused(Refusal::Alert(_))) => self.alerts += 1,
            Ok(Outcome::Refused(Refusal::Closed)) => self.closes += 1,
            Err(_) => {}
        }
    }

    /// The chain of the first accepted flight, in the order the versions used to be probed
    /// one after another.
    fn chain(&self) -> Vec<Vec<u8>> {
        [TLS12, TLS13, TLS11, TLS10, SSL3].iter().find_map(|v| self.chains.get(v)).cloned().unwrap_or_default()
    }
}

/// One endpoint's enumeration. Its steps run concurrently where they do not depend on each
/// other (versions, chunks of one version, SSLv2, the rustls handshake); the [`Dialer`] keeps
/// them within `--per-host` connections at once and the per-address rate, so they share the
/// address's budget as one queue instead of waiting for each other.
struct Session<'a> {
    dialer: &'a Dialer,
    ep: Endpoint<'a>,
    /// The plaintext dialogue run on each connection before its hello (mail endpoints).
    starttls: Option<Starttls>,
    tally: Mutex<Tally>,
}

impl<'a> Session<'a> {
    fn new(dialer: &'a Dialer, ep: Endpoint<'a>) -> Session<'a> {
        Session { dialer, ep, starttls: None, tally: Mutex::new(Tally::default()) }
    }

    /// The tally; never held across an await. A poisoned lock still holds consistent counts.
    fn tally(&self) -> std::sync::MutexGuard<'_, Tally> {
        self.tally.lock().unwrap_or_else(|e| e.into_inner())
    }

    async fn run(&self) -> Result<Enumeration, Stopped> {
        // The first hello alone (TLS 1.2, the most widely spoken): an endpoint that cannot be
        // reached costs one connection, and its answer decides whether more is worth trying.
        let tls12 = first_chunk(TLS12);
        let first = self.first_hello(TLS12, &tls12).await?;
        let capture_now = matches!(&first, Some(Ok(Outcome::Accepted(f))) if f.hello.version == TLS12);
        let mut tls13_first = None;
        if !answered(&first) {
            // TLS 1.3 next: any TLS server answers one of the two, even a legacy one (with an
            // alert or a lower-version ServerHello). Both ended in errors (silence, garbage,
            // endless data): the endpoint does not speak TLS in a way that can be measured.
            self.note(TLS12, &first);
            let answer = self.probe(TLS13, &first_chunk(TLS13)).await;
            if !answered(&answer) {
                self.note(TLS13, &answer);
                return Err(self.failure().into());
            }
            tls13_first = Some(answer);
        }
        let modern = async {
            let (tls12, tls13) = tokio::join!(self.version(TLS12, Some(first)), self.version(TLS13, tls13_first));
            let late = !capture_now && (!tls12.suites.is_empty() || !tls13.suites.is_empty());
            let capture = if late { Some(self.capture().await) } else { None };
            (tls12, tls13, capture)
        };
        let early_capture = async { if capture_now { Some(self.capture().await) } else { None } };
        let ((tls12, tls13, late_capture), tls11, tls10, ssl3, ssl2, early_capture) = tokio::join!(
            modern,
            self.version(TLS11, None),
            self.version(TLS10, None),
            self.version(SSL3, None),
            self.ssl2(),
            early_capture,
        );
        let found: BTreeMap<u16, Found> =
            [(TLS12, tls12), (TLS13, tls13), (TLS11, tls11), (TLS10, tls10), (SSL3, ssl3)].into_iter().collect();
        if found.values().all(|f| f.suites.is_empty()) && ssl2.ciphers.is_empty() {
            return Err(self.failure().into());
        }
        let server_cipher_order = self.server_order(&found).await;
        let capture = early_capture.or(late_capture).unwrap_or_default();
        Ok(self.facts(found, ssl2, server_cipher_order, capture))
    }

    /// Notes the error of an answer that was one (noting twice keeps the first).
    fn note(&self, version: u16, answer: &Answer) {
        if let Some(Err(e)) = answer {
            self.tally().note_error(version, e.clone());
        }
    }

    /// The error for an endpoint that accepted nothing.
    fn failure(&self) -> ProbeError {
        let mut tally = self.tally();
        if tally.alerts > 0 {
            return net::error(ErrorClass::Tls, "the server refused every protocol version and cipher suite offered");
        }
        match tally.first_error.take() {
            Some(e) => e,
            None => net::error(ErrorClass::Closed, "the server closed the connection on every ClientHello"),
        }
    }

    /// Opens a connection, ready for a hello (after the STARTTLS dialogue, if any).
    async fn open(&self) -> Result<Connection, Stopped> {
        self.tally().connections += 1;
        let conn = self.dialer.connect(self.ep.addr).await?;
        self.upgrade(conn).await
    }

    /// A connection after the first: one that does not open is noted, not fatal.
    async fn connect(&self) -> Option<Connection> {
        match self.open().await {
            Ok(c) => Some(c),
            Err(Stopped::Failed(e)) => {
                self.tally().note_error(0, e);
                None
            }
            Err(Stopped::NotOffered(why)) => {
                // Offered on the first connection, not on this one: a flaky or balanced server.
                let msg = format!("STARTTLS was no longer offered: {why}");
                self.tally().note_error(0, net::error(ErrorClass::Protocol, msg));
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

    /// The very first hello: a connection that does not open stops the enumeration.
    async fn first_hello(&self, version: u16, offer: &[u16]) -> Result<Answer, Stopped> {
        let mut conn = self.open().await?;
        Ok(Some(self.hello(&mut conn, version, offer).await))
    }

    /// One hello of `offer` without the suites the server is known to abort on. A server that
    /// chooses a suite it cannot complete (DHE without DH parameters) aborts with internal_error
    /// instead of answering. That refuses nothing: the suite is isolated by halving the offer
    /// (about log2 of its length in connections), left out, and the rest offered again. Read as a
    /// refusal, as it once was, one broken suite hid every suite offered with it, weak ones too.
    /// Never answers with an abort: an offer of broken suites only is refused without a
    /// connection, and a server that aborts on more than [`MAX_BROKEN`] suites (or answers the
    /// halving with errors) gets an error for the version, so that its list reads as unmeasured.
    async fn ask(&self, version: u16, offer: &[u16]) -> Answer {
        loop {
            let offer: Vec<u16> = {
                let tally = self.tally();
                let broken = tally.broken.get(&version);
                offer.iter().copied().filter(|s| broken.is_none_or(|b| !b.contains(s))).collect()
            };
            if offer.is_empty() {
                return Some(Ok(Outcome::Refused(Refusal::Alert(alert::HANDSHAKE_FAILURE))));
            }
            let answer = self.probe(version, &offer).await;
            if !aborted(&answer) {
                return answer;
            }
            let aborts = |what: String| Some(Err(net::error(ErrorClass::Protocol, what)));
            let Some(suite) = self.isolate(version, offer).await else {
                return aborts(
                    "the server aborted the handshake (alert internal_error) and its suites could not be told apart"
                        .into(),
                );
            };
            let mut tally = self.tally();
            let broken = tally.broken.entry(version).or_default();
            broken.insert(suite);
            if broken.len() > MAX_BROKEN {
                let n = broken.len();
                return aborts(format!(
                    "the server aborted the handshake (alert internal_error) on {n} suites it chose; its other suites of this version were not all enumerated"
                ));
            }
        }
    }

    /// The suite of `offer` (on which the server aborts) that the server aborts on: the half it
    /// still aborts on, until one suite is left. A server that prefers its own order picks the
    /// same suite from the half holding it, and one that follows the client's the first it has,
    /// so the abort stays in one half. `None` when a half is answered with an error.
    async fn isolate(&self, version: u16, mut offer: Vec<u16>) -> Option<u16> {
        while offer.len() > 1 {
            let back = offer.split_off(offer.len() / 2);
            let answer = self.probe(version, &offer).await;
            match answer {
                _ if aborted(&answer) => {}
                Some(Ok(_)) => offer = back,
                _ => return None,
            }
        }
        offer.first().copied()
    }

    /// One connection, one hello.
    async fn probe(&self, version: u16, offer: &[u16]) -> Answer {
        let mut conn = self.connect().await?;
        Some(self.hello(&mut conn, version, offer).await)
    }

    async fn hello(&self, conn: &mut Connection, version: u16, offer: &[u16]) -> Result<Outcome, ProbeError> {
        let hello = hello::client_hello(version, offer, self.ep.sni);
        let answer = handshake::exchange(conn, &hello, &self.dialer.limits).await;
        self.tally().learn(version, &answer);
        answer
    }

    /// Enumerates the suites of one version. `first` is the answer to the first chunk's first
    /// offer when it was already sent; that answer decides whether the version is spoken, so a
    /// version that is not costs one connection.
    ///
    /// With several chunks, the later ones are drained first (they hold the suites offered last,
    /// which servers seldom accept), then the first chunk is drained with the best suite found
    /// so far offered alongside ([`Session::drain_merging`]): each answer places one suite in
    /// the server's order, so the order across chunks costs one connection per suite of the later
    /// chunks instead of offering every suite found once more.
    async fn version(&self, version: u16, first: Option<Answer>) -> Found {
        let chunks: Vec<Vec<u16>> = chunks(&suites::candidates(version)).map(<[u16]>::to_vec).collect();
        let Some((head, rest)) = chunks.split_first() else { return Found::default() };
        let mut pool = head.clone();
        let mut run = Vec::new();
        let answer = match first {
            Some(answer) => answer,
            None => self.probe(version, &pool).await,
        };
        match self.take(version, answer, &mut pool, &mut run) {
            Some(Stop::Version) => return Found { suites: run, order: None },
            Some(Stop::Exhausted) => pool.clear(),
            None => {}
        }
        let later = self.later_chunks(version, rest).await;
        // `run` holds the first chunk's best suite, if it had any.
        if later.is_empty() || (run.is_empty() && pool.is_empty()) {
            self.drain(version, pool, &mut run).await;
            let suites = [run, later].concat();
            return Found { suites, order: None };
        }
        if later.len() == 1 {
            // One suite to place: drain the first chunk alone, then place it by bisection.
            self.drain(version, pool, &mut run).await;
            return self.order_runs(version, vec![run, later]).await;
        }
        // Whether the server imposes its order (the first chunk's run is not known yet).
        let imposes = self.order_test(version, &later).await;
        if imposes == Some(false) {
            // The server follows our order: the first chunk's suites come first.
            self.drain(version, pool, &mut run).await;
            return Found { suites: [run, later].concat(), order: Some(imposes) };
        }
        let suites = self.drain_merging(version, run.pop(), pool, later).await;
        Found { suites, order: Some(imposes) }
    }

    /// Drains the chunks after the first, at once, into one run in the server's order.
    async fn later_chunks(&self, version: u16, chunks: &[Vec<u16>]) -> Vec<u16> {
        let drains: Vec<Drain<'_>> = chunks
            .iter()
            .map(|chunk| -> Drain<'_> {
                Box::pin(async move {
                    let mut run = Vec::new();
                    self.drain(version, chunk.clone(), &mut run).await;
                    run
                })
            })
            .collect();
        let runs: Vec<Vec<u16>> = join_all(drains).await.into_iter().filter(|r| !r.is_empty()).collect();
        let mut merged = Vec::new();
        for run in runs {
            merged = self.merge(version, merged, run).await;
        }
        merged
    }

    /// Drains `pool` with the head of `known` (suites found in later chunks, in the server's
    /// order) and `best` (the server's first choice from the first chunk, ahead of the rest of
    /// `pool`) offered alongside: each answer is the server's next suite overall. Offered in
    /// chunk order, so a server that follows the client's order, or ranks suites equal, keeps
    /// ours. A server that stops choosing what it chose before (flaky) leaves the suites not
    /// placed yet at the end, still accepted.
    async fn drain_merging(&self, version: u16, best: Option<u16>, mut pool: Vec<u16>, known: Vec<u16>) -> Vec<u16> {
        let mut best = best;
        let mut known = std::collections::VecDeque::from(known);
        let mut found = Vec::new();
        while best.is_some() || !known.is_empty() {
            let mut offer: Vec<u16> = best.iter().chain(&pool).chain(known.front()).copied().collect();
            let answer = self.ask(version, &offer).await;
            let placed = found.len();
            // A refusal or an error places nothing: stop there.
            let _ = self.take(version, answer, &mut offer, &mut found);
            let Some(&chosen) = found.get(placed) else { break };
            if best == Some(chosen) {
                best = None;
            } else if known.front() == Some(&chosen) {
                known.pop_front();
            } else {
                pool.retain(|&s| s != chosen);
            }
        }
        if best.is_none() && known.is_empty() {
            self.drain(version, pool, &mut found).await;
        }
        found.extend(best);
        found.extend(known);
        found
    }

    /// Puts the runs of several chunks into one list in the server's order (they were found
    /// chunk by chunk, so the order between chunks is ours, not the server's).
    async fn order_runs(&self, version: u16, runs: Vec<Vec<u16>>) -> Found {
        let runs: Vec<Vec<u16>> = runs.into_iter().filter(|r| !r.is_empty()).collect();
        if runs.len() <= 1 {
            return Found { suites: runs.concat(), order: None };
        }
        // Runs follow each other in offer order. That is the server's order only if the server
        // follows the client's: otherwise merge the runs by asking the server.
        let sample = runs.iter().find(|r| r.len() >= 2);
        let imposes = match sample {
            Some(run) => self.order_test(version, run).await,
            None => None,
        };
        if imposes == Some(false) {
            return Found { suites: runs.concat(), order: Some(imposes) };
        }
        let mut merged = Vec::new();
        for run in runs {
            merged = self.merge(version, merged, run).await;
        }
        Found { suites: merged, order: Some(imposes) }
    }

    /// Merges two runs ([`merge`]), one connection per comparison. A comparison the server does
    /// not answer with one of the two (flaky server) stops the merge: the suites are all still
    /// accepted, and keep the offer order from there.
    async fn merge(&self, version: u16, a: Vec<u16>, b: Vec<u16>) -> Vec<u16> {
        let mut answers = merge::Answers::new();
        loop {
            let (x, y) = match merge::merge(&a, &b, &answers) {
                Ok(merged) => return merged,
                Err(question) => question,
            };
            let chosen = match self.probe(version, &[x, y]).await {
                Some(Ok(Outcome::Accepted(f))) if f.hello.version == version => f.hello.cipher,
                _ => return [a, b].concat(),
            };
            if chosen != x && chosen != y {
                return [a, b].concat();
            }
            answers.insert((x, y), chosen == x);
        }
    }

    /// Reads one answer of a drain: the chosen suite moves from `offer` to `found`. `None`: offer
    /// the rest again.
    fn take(&self, version: u16, answer: Answer, offer: &mut Vec<u16>, found: &mut Vec<u16>) -> Option<Stop> {
        let outcome = match answer {
            Some(Ok(o)) => o,
            Some(Err(e)) => {
                self.tally().note_error(version, e);
                return Some(Stop::Version);
            }
            None => return Some(Stop::Version),
        };
        match outcome {
            Outcome::Accepted(f) if f.hello.version == version && offer.contains(&f.hello.cipher) => {
                offer.retain(|&s| s != f.hello.cipher);
                found.push(f.hello.cipher);
                if offer.is_empty() { Some(Stop::Exhausted) } else { None }
            }
            Outcome::Accepted(f) if f.hello.version == version => {
                let msg = format!("the server chose suite {:#06x}, which was not offered", f.hello.cipher);
                self.tally().note_error(version, net::error(ErrorClass::Protocol, msg));
                Some(Stop::Version)
            }
            // A lower (or other) version: the offered one is not spoken.
            Outcome::Accepted(_) => Some(Stop::Version),
            Outcome::Refused(Refusal::Alert(alert::PROTOCOL_VERSION)) => Some(Stop::Version),
            // The server failed on the suite it chose: not a refusal of the offer. Offer it again
            // through [`Session::ask`], which leaves that suite out.
            Outcome::Refused(Refusal::Alert(alert::INTERNAL_ERROR)) => None,
            Outcome::Refused(_) => Some(Stop::Exhausted),
        }
    }

    /// Offers `offer` again and again, each time without the suite the server chose, until the
    /// server refuses; the chosen suites are appended to `found` in the server's order.
    async fn drain(&self, version: u16, mut offer: Vec<u16>, found: &mut Vec<u16>) -> Stop {
        while !offer.is_empty() {
            let answer = self.ask(version, &offer).await;
            if let Some(stop) = self.take(version, answer, &mut offer, found) {
                return stop;
            }
        }
        Stop::Exhausted
    }

    /// SSLv2. Its errors never make the endpoint unmeasurable: many servers simply hang up.
    async fn ssl2(&self) -> Ssl2Found {
        let Some(mut conn) = self.connect().await else { return Ssl2Found::default() };
        match handshake::exchange_ssl2(&mut conn, &self.dialer.limits).await {
            Ok(Ssl2Outcome::Accepted { ciphers, certificate }) => {
                let ciphers: Vec<_> = ciphers.into_iter().filter_map(suites::ssl2_cipher).collect();
                // A SERVER-HELLO without a cipher in common does not make SSLv2 usable.
                let certificate = if ciphers.is_empty() { Vec::new() } else { certificate.into_iter().collect() };
                Ssl2Found { ciphers, certificate }
            }
            Ok(Ssl2Outcome::Refused) => Ssl2Found::default(),
            Err(e) => {
                self.tally().note_error(SSL2, e);
                Ssl2Found::default()
            }
        }
    }

    /// Whether the server imposes its order, judged at the highest version with two suites.
    async fn server_order(&self, found: &BTreeMap<u16, Found>) -> Option<bool> {
        let (version, f) = found.iter().rev().find(|(_, f)| f.suites.len() >= 2)?;
        match f.order {
            Some(known) => known,
            None => self.order_test(*version, &f.suites).await,
        }
    }

    /// Offers the first and last suites of `run` (suites in the order the server chose them from
    /// one offer) the other way round: a server that imposes its order still picks the first, a
    /// server that follows the client's picks the last.
    async fn order_test(&self, version: u16, run: &[u16]) -> Option<bool> {
        let (first, last) = (*run.first()?, *run.last()?);
        match self.probe(version, &[last, first]).await? {
            Ok(Outcome::Accepted(f)) if f.hello.version == version => Some(f.hello.cipher == first),
            _ => None,
        }
    }

    /// The rustls handshake (called only when the server speaks a version rustls does).
    async fn capture(&self) -> Capture {
        let Some(mut conn) = self.connect().await else { return Capture::default() };
        let ip = ServerName::IpAddress(self.ep.addr.ip().into());
        let name = self.ep.sni.and_then(|h| ServerName::try_from(h.to_string()).ok()).unwrap_or(ip);
        handshake::capture(&mut conn, name, &self.dialer.limits).await
    }

    fn facts(
        &self,
        found: BTreeMap<u16, Found>,
        ssl2: Ssl2Found,
        server_cipher_order: Option<bool>,
        capture: Capture,
    ) -> Enumeration {
        let tally = std::mem::take(&mut *self.tally());
        // A version whose probe failed (timeout, garbage) rather than being refused was not
        // measured: `None`, so that rules over it say unknown instead of reading a refusal.
        let mut protocols: BTreeMap<String, Option<bool>> = [SSL2, SSL3, TLS10, TLS11, TLS12, TLS13]
            .iter()
            .map(|&v| (version_key(v).to_string(), (!tally.errors.contains_key(&v)).then_some(false)))
            .collect();
        let mut ciphers = BTreeMap::new();
        let mut classes = BTreeSet::new();
        let accepted: BTreeMap<u16, Vec<u16>> =
            found.into_iter().filter(|(_, f)| !f.suites.is_empty()).map(|(v, f)| (v, f.suites)).collect();
        for (&version, suites) in &accepted {
            protocols.insert(version_key(version).to_string(), Some(true));
            ciphers.insert(version_key(version).to_string(), suites.iter().map(|&s| suites::name(s)).collect());
            classes.extend(suites.iter().flat_map(|&s| suites::weak_classes(s, version)));
        }
        if !ssl2.ciphers.is_empty() {
            protocols.insert(version_key(SSL2).to_string(), Some(true));
            ciphers.insert(version_key(SSL2).to_string(), ssl2.ciphers.iter().map(|c| c.name.to_string()).collect());
            classes.extend(ssl2.ciphers.iter().flat_map(|c| c.classes.iter().copied()));
        }
        if tally.dh_min_bits.is_some_and(|b| b < suites::DH_STRONG_BITS) {
            classes.insert(weak::DH_WEAK);
        }
        // SSLv2 has no forward-secret cipher.
        let all: Vec<u16> = accepted.values().flatten().copied().collect();
        let forward_secrecy = ssl2.ciphers.is_empty() && all.iter().all(|&s| suites::forward_secret(s));
        let forward_secrecy_offered = all.iter().any(|&s| suites::forward_secret(s));
        let raw_chain = match tally.chain() {
            chain if chain.is_empty() => ssl2.certificate,
            chain => chain,
        };
        let chain = if capture.chain.is_empty() { raw_chain } else { capture.chain };
        let facts = TlsFacts {
            protocols,
            ciphers,
            server_cipher_order,
            forward_secrecy,
            forward_secrecy_offered,
            weak_cipher_classes: classes.into_iter().map(str::to_string).collect(),
            dh_min_bits: tally.dh_min_bits,
            negotiated: capture.negotiated,
            probe_errors: tally.errors.into_iter().map(|(v, e)| (probe_key(v), e)).collect(),
            connections: tally.connections,
            certificate: None,
            mail_protocol: None,
            starttls: self.starttls.map(|p| p.as_str().to_string()),
            starttls_offered: self.starttls.map(|_| true),
            extra: Default::default(),
        };
        Enumeration { facts, chain }
    }
}

/// What the SSLv2 probe found: the usable ciphers, and the certificate when there are any.
#[derive(Default)]
struct Ssl2Found {
    ciphers: Vec<&'static suites::Ssl2Cipher>,
    certificate: Vec<Vec<u8>>,
}

/// A drain of one chunk, run alongside the others: the suites it found, in the server's order.
type Drain<'s> = std::pin::Pin<Box<dyn Future<Output = Vec<u16>> + Send + 's>>;

/// Whether an answer shows a peer that answers hellos (a suite at any version, an alert, a clean
/// close), as opposed to silence, garbage or no connection at all.
fn answered(answer: &Answer) -> bool {
    matches!(answer, Some(Ok(_)))
}

/// Runs `futures` at once on the current task; their outputs in the given order.
async fn join_all<F: Future + Unpin>(futures: Vec<F>) -> Vec<F::Output> {
    let mut pending: Vec<Option<F>> = futures.into_iter().map(Some).collect();
    let mut outputs: Vec<Option<F::Output>> = pending.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        for (slot, output) in pending.iter_mut().zip(outputs.iter_mut()) {
            if let Some(future) = slot
                && let std::task::Poll::Ready(out) = std::pin::Pin::new(future).poll(cx)
            {
                *output = Some(out);
                *slot = None;
            }
        }
        if pending.iter().all(Option::is_none) { std::task::Poll::Ready(()) } else { std::task::Poll::Pending }
    })
    .await;
    outputs.into_iter().flatten().collect()
}

/// The first chunk of a version's candidates: its first offer.
fn first_chunk(version: u16) -> Vec<u16> {
    chunks(&suites::candidates(version)).next().map(<[u16]>::to_vec).unwrap_or_default()
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
