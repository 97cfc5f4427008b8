//! Polite networking for live probes: every connection tuanthu opens goes through a [`Dialer`],
//! which enforces the politeness contract of `shared/spec/evidence.md`:
//!
//! * a global bound on simultaneous connections;
//! * a per-host bound, counted per resolved IP address (fragile government hosts drop scanners
//!   that open many connections at once);
//! * a per-host rate: connection starts to one address are paced by a token bucket that holds at
//!   most `per_host` tokens and gains one every `min_interval`, so a target's first connections
//!   (at most as many as may be open at once anyway) start without waiting, and over any stretch
//!   of time no more than `per_host` + elapsed / `min_interval` connections start;
//! * a connect timeout, and read helpers that bound both time and bytes.
//!
//! Invariant: a [`Connection`] (or [`Permit`]) holds its host and global slots until dropped, so
//! the bounds hold for as long as the socket is open, not only while connecting.

use crate::evidence::{ErrorClass, ProbeError};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// A probe error of `class`.
pub fn error(class: ErrorClass, message: impl Into<String>) -> ProbeError {
    ProbeError::new(class, message)
}

/// Limits applied to every probe. Defaults suit production government hosts; tests shorten them.
#[derive(Debug, Clone)]
pub struct Limits {
    /// TCP connect timeout.
    pub connect_timeout: Duration,
    /// Longest wait for the next bytes of an answer.
    pub read_timeout: Duration,
    /// Longest a whole target (every connection of its probe) may take.
    pub target_deadline: Duration,
    /// Most bytes accepted for one TLS handshake flight (ServerHello … ServerHelloDone),
    /// which bounds the certificate chain.
    pub max_handshake_bytes: usize,
    /// Most bytes of HTTP response headers.
    pub max_header_bytes: usize,
    /// Most bytes of an HTTP body read (bodies are not needed for the facts; this bounds draining).
    pub max_body_bytes: usize,
    /// Most redirects followed from one URL.
    pub max_redirects: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            connect_timeout: Duration::from_secs(5),
            read_timeout: Duration::from_secs(5),
            target_deadline: Duration::from_secs(120),
            max_handshake_bytes: 256 << 10,
            max_header_bytes: 64 << 10,
            max_body_bytes: 256 << 10,
            max_redirects: 10,
        }
    }
}

/// Politeness settings of a [`Dialer`].
#[derive(Debug, Clone)]
pub struct Politeness {
    /// Simultaneous connections in all.
    pub global: usize,
    /// Simultaneous connections per IP address.
    pub per_host: usize,
    /// Time to earn one new connection start to one IP address (1 / `--rate`); up to `per_host`
    /// starts may be saved up (see [`Pacer`]).
    pub min_interval: Duration,
}

impl Default for Politeness {
    fn default() -> Politeness {
        Politeness { global: 64, per_host: 3, min_interval: Duration::from_millis(20) }
    }
}

/// One host's slots and the earliest time its next connection may start.
struct HostGate {
    slots: Arc<Semaphore>,
    /// Targets measured at once on this address (see [`Dialer::target_slot`]).
    targets: Arc<Semaphore>,
    pacer: tokio::sync::Mutex<Pacer>,
    /// Connections open now, and the most seen at once (for tests and statistics).
    open: AtomicUsize,
    peak: AtomicUsize,
}

/// The per-address rate: a token bucket of `burst` tokens refilled one per `interval`, kept as
/// the time the bucket would be empty again at the sustained rate (the generic cell rate
/// algorithm). A start at `t` is allowed when `t >= tat - (burst - 1) * interval`.
///
/// Invariant (tested): between any two starts `s_j <= s_k`, `k - j <= burst - 1 + (s_k - s_j) /
/// interval`, so a window of length `w` sees at most `burst + w / interval` starts, and a long
/// run the sustained rate. `burst` is `per_host`, which the host semaphore already allows open
/// at once: the burst never puts more connections on a host than it may hold.
#[derive(Debug)]
pub struct Pacer {
    /// When the bucket would be full again with nothing taken (the theoretical arrival time).
    tat: Instant,
    /// How far `tat` may run ahead of now: `(burst - 1) * interval`.
    slack: Duration,
    interval: Duration,
}

impl Pacer {
    /// A full bucket at `now`.
    pub fn new(burst: usize, interval: Duration, now: Instant) -> Pacer {
        let saved = u32::try_from(burst.max(1) - 1).unwrap_or(u32::MAX);
        Pacer { tat: now, slack: interval.saturating_mul(saved), interval }
    }

    /// When the next start may happen, if not at `now`.
    pub fn earliest(&self, now: Instant) -> Option<Instant> {
        let at = self.tat.checked_sub(self.slack).unwrap_or(now);
        (at > now).then_some(at)
    }

    /// Takes a token for a start at `now` (call only once [`Pacer::earliest`] allows it).
    pub fn admit(&mut self, now: Instant) {
        self.tat = self.tat.max(now) + self.interval;
    }
}

/// Hands out connections within the politeness bounds. Cheap to share (`Arc<Dialer>`).
pub struct Dialer {
    pub limits: Limits,
    politeness: Politeness,
    global: Arc<Semaphore>,
    hosts: Mutex<HashMap<IpAddr, Arc<HostGate>>>,
    connections: AtomicUsize,
}

/// The right to hold one connection to one address. Dropping it frees the slots.
pub struct Permit {
    gate: Arc<HostGate>,
    _host: OwnedSemaphorePermit,
    _global: OwnedSemaphorePermit,
}

impl Drop for Permit {
    fn drop(&mut self) {
        self.gate.open.fetch_sub(1, Ordering::Relaxed);
    }
}

/// An open TCP connection and the permit it was opened under.
pub struct Connection {
    pub stream: TcpStream,
    pub peer: SocketAddr,
    _permit: Permit,
}

impl Connection {
    /// The socket as a blocking standard stream, for a client that only speaks blocking I/O (the
    /// HTTP probe's legacy-TLS fallback), with the permit that must be held for as long as it is
    /// open.
    pub fn into_blocking(self) -> std::io::Result<(std::net::TcpStream, Permit)> {
        let socket = self.stream.into_std()?;
        socket.set_nonblocking(false)?;
        Ok((socket, self._permit))
    }
}

impl Dialer {
    pub fn new(limits: Limits, politeness: Politeness) -> Dialer {
        let politeness = Politeness {
            global: politeness.global.max(1),
            per_host: politeness.per_host.max(1),
            min_interval: politeness.min_interval,
        };
        Dialer {
            limits,
            global: Arc::new(Semaphore::new(politeness.global)),
            politeness,
            hosts: Mutex::new(HashMap::new()),
            connections: AtomicUsize::new(0),
        }
    }

    fn gate(&self, ip: IpAddr) -> Arc<HostGate> {
        let mut hosts = self.hosts.lock().unwrap_or_else(|e| e.into_inner());
        hosts
            .entry(ip)
            .or_insert_with(|| {
                Arc::new(HostGate {
                    slots: Arc::new(Semaphore::new(self.politeness.per_host)),
                    targets: Arc::new(Semaphore::new(self.politeness.per_host)),
                    pacer: tokio::sync::Mutex::new(Pacer::new(
                        self.politeness.per_host,
                        self.politeness.min_interval,
                        Instant::now(),
                    )),
                    open: AtomicUsize::new(0),
                    peak: AtomicUsize::new(0),
                })
            })
            .clone()
    }

    /// Waits for a slot to `ip` (host slot first, then a global one: waiting for a busy host must
    /// not hold a global slot others could use) and for the host's rate ([`Pacer`]).
    pub async fn permit(&self, ip: IpAddr) -> Permit {
        let gate = self.gate(ip);
        // Acquiring fails only on a closed semaphore, and the Dialer never closes its semaphores
        // (no `close()` call exists on them).
        // invariant: the host semaphore is never closed.
        let host = gate.slots.clone().acquire_owned().await.expect("host semaphore is never closed");
        // invariant: as above.
        let global = self.global.clone().acquire_owned().await.expect("global semaphore is never closed");
        {
            // Held while sleeping: waiters start in the order they came.
            let mut pacer = gate.pacer.lock().await;
            if let Some(at) = pacer.earliest(Instant::now()) {
                tokio::time::sleep_until(at).await;
            }
            pacer.admit(Instant::now());
        }
        let open = gate.open.fetch_add(1, Ordering::Relaxed) + 1;
        gate.peak.fetch_max(open, Ordering::Relaxed);
        self.connections.fetch_add(1, Ordering::Relaxed);
        Permit { gate, _host: host, _global: global }
    }

    /// Waits until `ip` may take one more target. A target's own deadline starts after this, so
    /// many targets behind one address (virtual hosts on one load balancer) queue politely instead
    /// of timing out while they wait for that address's connection slots.
    pub async fn target_slot(&self, ip: IpAddr) -> OwnedSemaphorePermit {
        let gate = self.gate(ip);
        // invariant: acquiring fails only on a closed semaphore, and this one is never closed.
        gate.targets.clone().acquire_owned().await.expect("target semaphore is never closed")
    }

    /// Opens a TCP connection to `addr` within the bounds and the connect timeout.
    pub async fn connect(&self, addr: SocketAddr) -> Result<Connection, ProbeError> {
        let permit = self.permit(addr.ip()).await;
        let stream = match tokio::time::timeout(self.limits.connect_timeout, TcpStream::connect(addr)).await {
            Err(_) => {
                return Err(error(
                    ErrorClass::Timeout,
                    format!("no TCP connection to {addr} within {} s", self.limits.connect_timeout.as_secs_f32()),
                ));
            }
            Ok(Err(e)) => return Err(io_error(&e, &format!("cannot connect to {addr}"))),
            Ok(Ok(s)) => s,
        };
        // Probes send small requests and wait for answers: do not delay them.
        let _ = stream.set_nodelay(true);
        Ok(Connection { stream, peer: addr, _permit: permit })
    }

    /// Connections opened so far.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::Relaxed)
    }

    /// The most connections seen open at once to `ip`.
    pub fn peak(&self, ip: IpAddr) -> usize {
        self.hosts.lock().unwrap_or_else(|e| e.into_inner()).get(&ip).map_or(0, |g| g.peak.load(Ordering::Relaxed))
    }
}

/// Maps an I/O error to a probe error class.
pub fn io_error(e: &std::io::Error, context: &str) -> ProbeError {
    use std::io::ErrorKind as K;
    let class = match e.kind() {
        K::ConnectionRefused | K::NetworkUnreachable | K::HostUnreachable | K::AddrNotAvailable => ErrorClass::Connect,
        K::TimedOut => ErrorClass::Timeout,
        K::ConnectionReset | K::ConnectionAborted | K::UnexpectedEof | K::BrokenPipe => ErrorClass::Closed,
        _ => ErrorClass::Io,
    };
    error(class, format!("{context}: {e}"))
}

/// Resolves `host` (a name or an address literal) to the address to probe — the first the
/// resolver gives, as a browser would — within the connect timeout. A pinned address wins: the
/// name is then used only for SNI, Host and hostname checks.
pub async fn resolve(
    host: &str,
    port: u16,
    pinned: Option<IpAddr>,
    timeout: Duration,
) -> Result<SocketAddr, ProbeError> {
    if let Some(ip) = pinned {
        return Ok(SocketAddr::new(ip, port));
    }
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, port));
    }
    match tokio::time::timeout(timeout, tokio::net::lookup_host((bare, port))).await {
        Err(_) => Err(error(ErrorClass::Dns, format!("{bare} did not resolve within {} s", timeout.as_secs_f32()))),
        Ok(Err(e)) => Err(error(ErrorClass::Dns, format!("{bare} does not resolve: {e}"))),
        Ok(Ok(mut addrs)) => addrs.next().ok_or_else(|| error(ErrorClass::Dns, format!("{bare} has no address"))),
    }
}

/// Reads into `buf` with the read timeout; `Ok(0)` is end of stream.
pub async fn read_some(stream: &mut TcpStream, buf: &mut [u8], timeout: Duration) -> Result<usize, ProbeError> {
    match tokio::time::timeout(timeout, stream.read(buf)).await {
        Err(_) => Err(error(ErrorClass::Timeout, format!("no answer within {} s", timeout.as_secs_f32()))),
        Ok(Err(e)) => Err(io_error(&e, "read failed")),
        Ok(Ok(n)) => Ok(n),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn per_host_bound_holds_while_connections_are_open() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((s, _)) = listener.accept().await {
                held.push(s);
            }
        });
        let dialer = Arc::new(Dialer::new(
            Limits::default(),
            Politeness { global: 16, per_host: 2, min_interval: Duration::from_millis(1) },
        ));
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let d = dialer.clone();
            tasks.push(tokio::spawn(async move {
                let c = d.connect(addr).await.unwrap();
                tokio::time::sleep(Duration::from_millis(30)).await;
                drop(c);
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(dialer.connections(), 8);
        assert_eq!(dialer.peak(addr.ip()), 2, "never more than per_host connections at once");
    }

    /// Starts of requests arriving at `arrivals` (sorted), each as early as the pacer allows.
    fn paced(burst: usize, interval: Duration, arrivals: &[Instant]) -> Vec<Instant> {
        let mut pacer = Pacer::new(burst, interval, arrivals[0]);
        let mut last = arrivals[0];
        arrivals
            .iter()
            .map(|&arrival| {
                // One at a time, in order, as the host's pacer lock makes them.
                let now = arrival.max(last);
                let start = pacer.earliest(now).unwrap_or(now);
                pacer.admit(start);
                last = start;
                start
            })
            .collect()
    }

    /// The pacer's invariant over simulated time: between the j-th and k-th starts at most
    /// `burst - 1` more starts than whole intervals elapsed, i.e. any window of `w` holds at most
    /// `burst + w / interval` starts.
    fn assert_within_rate(burst: usize, interval: Duration, starts: &[Instant]) {
        for j in 0..starts.len() {
            for k in j + 1..starts.len() {
                let elapsed = starts[k] - starts[j];
                let earned = (elapsed.as_nanos() / interval.as_nanos()) as usize;
                assert!(k - j < burst + earned, "starts {j}..={k} within {elapsed:?}: more than {burst} + {earned}");
            }
        }
    }

    #[test]
    fn the_pacer_lets_per_host_connections_start_at_once_then_keeps_the_rate() {
        let interval = Duration::from_millis(20);
        let t0 = Instant::now();
        let starts = paced(3, interval, &[t0; 200]);
        let offsets: Vec<u128> = starts.iter().map(|s| (*s - t0).as_millis()).collect();
        assert_eq!(offsets[..5], [0, 0, 0, 20, 40], "a burst of three, then one every 20 ms");
        assert_eq!(offsets[199], 197 * 20, "200 starts take (200 - 3) intervals, not less");
        assert_within_rate(3, interval, &starts);

        // Idle time refills the bucket, never beyond its capacity.
        let later = starts[199] + Duration::from_secs(10);
        let mut arrivals = vec![t0; 10];
        arrivals.extend([later; 5]);
        let starts = paced(3, interval, &arrivals);
        let offsets: Vec<u128> = starts[10..].iter().map(|s| (*s - later).as_millis()).collect();
        assert_eq!(offsets, [0, 0, 0, 20, 40]);
        assert_within_rate(3, interval, &starts);

        // Without a burst (per_host 1) it is plain spacing, as before.
        let starts = paced(1, interval, &[t0; 4]);
        let offsets: Vec<u128> = starts.iter().map(|s| (*s - t0).as_millis()).collect();
        assert_eq!(offsets, [0, 20, 40, 60]);
    }

    #[test]
    fn the_pacer_never_exceeds_the_rate_whatever_the_arrivals() {
        // A deterministic spread of arrival patterns: bursts, trickles and pauses.
        let interval = Duration::from_millis(20);
        let t0 = Instant::now();
        for burst in 1..=4 {
            for seed in 0u64..50 {
                let mut x = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let mut at = t0;
                let arrivals: Vec<Instant> = (0..120)
                    .map(|_| {
                        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                        at += Duration::from_millis((x >> 33) % 7 * (x >> 60));
                        at
                    })
                    .collect();
                let starts = paced(burst, interval, &arrivals);
                assert_within_rate(burst, interval, &starts);
                assert!(starts.iter().zip(&arrivals).all(|(s, a)| s >= a), "no start before its request");
            }
        }
    }

    #[tokio::test]
    async fn refused_targets_are_classified_and_pins_win() {
        // Bind then drop a listener to get a loopback port nobody listens on.
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let dialer = Dialer::new(Limits::default(), Politeness::default());
        let err = dialer.connect(SocketAddr::from(([127, 0, 0, 1], port))).await.err().unwrap();
        assert_eq!(err.class, ErrorClass::Connect, "{err:?}");
        let pinned = resolve("portal.example.gov.vn", 443, Some("127.0.0.9".parse().unwrap()), Duration::from_secs(1));
        assert_eq!(pinned.await.unwrap(), SocketAddr::from(([127, 0, 0, 9], 443)));
    }
}
