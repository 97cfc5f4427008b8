//! Runs probes over many targets at once, politely, and turns every target — measured, failed,
//! timed out, or cut off by the overall deadline — into exactly one evidence record.
//!
//! Invariant: `run` hands the sink one record per planned target, whatever happens to the probe
//! (error, per-target deadline, panic, overall deadline). Nothing is dropped silently, and a
//! misbehaving target cannot delay the records of the others.

use super::plan::Target;
use crate::collect::net::{self, Dialer};
use crate::evidence::{ErrorClass, Facts, ProbeError, Record};
use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinSet;

/// What a probe found out about one target.
pub type ProbeResult = Result<Facts, ProbeError>;
pub type ProbeFuture = Pin<Box<dyn Future<Output = ProbeResult> + Send>>;

/// A kind of probe. `addr` is where to connect (the pin, or the first resolved address); the
/// target keeps the name for SNI, `Host` and hostname checks.
pub trait Prober: Send + Sync + 'static {
    fn probe(self: Arc<Self>, target: Arc<Target>, addr: SocketAddr) -> ProbeFuture;
}

#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// When the whole run must stop; targets not measured by then get `deadline` error records.
    pub deadline: Option<Duration>,
    /// Draw a progress bar on standard error (only when it is a terminal).
    pub progress: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    pub targets: usize,
    /// Targets with facts.
    pub measured: usize,
    /// Targets with an error record (including those cut off by the deadline).
    pub errors: usize,
}

/// The outcome of one target's task.
struct Done {
    index: usize,
    address: Option<IpAddr>,
    observed_at: String,
    result: ProbeResult,
}

/// Probes every target and passes each record to `sink` as soon as it is known.
pub async fn run<P: Prober, E>(
    targets: Vec<Target>,
    prober: Arc<P>,
    dialer: Arc<Dialer>,
    settings: &Settings,
    mut sink: impl FnMut(Record) -> Result<(), E>,
) -> Result<Summary, E> {
    let targets: Vec<Arc<Target>> = targets.into_iter().map(Arc::new).collect();
    let progress = progress_bar(targets.len(), settings.progress);
    let mut tasks = JoinSet::new();
    let mut task_index = HashMap::new();
    for (index, t) in targets.iter().enumerate() {
        let handle = tasks.spawn(measure(index, t.clone(), prober.clone(), dialer.clone()));
        task_index.insert(handle.id(), index);
    }
    let mut out = Emitter {
        targets: &targets,
        recorded: vec![false; targets.len()],
        summary: Summary { targets: targets.len(), ..Summary::default() },
        progress,
        sink: &mut sink,
    };
    let deadline = settings.deadline.map(|d| tokio::time::Instant::now() + d);
    loop {
        let next = match deadline {
            Some(at) => match tokio::time::timeout_at(at, tasks.join_next_with_id()).await {
                Ok(n) => n,
                Err(_) => break,
            },
            None => tasks.join_next_with_id().await,
        };
        let Some(joined) = next else { break };
        let done = match joined {
            Ok((_, done)) => done,
            Err(e) => {
                // A panic in a probe is a bug, but the target still gets its record.
                // invariant: every task's id is recorded right after it is spawned.
                let index = task_index[&e.id()];
                Done {
                    index,
                    address: targets[index].address,
                    observed_at: crate::dates::now(),
                    result: Err(net::error(ErrorClass::Internal, format!("the probe stopped unexpectedly: {e}"))),
                }
            }
        };
        out.emit(done)?;
    }
    tasks.abort_all();
    if let Some(d) = settings.deadline {
        let missing: Vec<usize> = (0..targets.len()).filter(|&i| !out.recorded[i]).collect();
        for index in missing {
            let why = format!("the run's deadline ({} s) passed before this target was measured", d.as_secs());
            let done = Done {
                index,
                address: targets[index].address,
                observed_at: crate::dates::now(),
                result: Err(net::error(ErrorClass::Deadline, why)),
            };
            out.emit(done)?;
        }
    }
    out.progress.finish_and_clear();
    Ok(out.summary)
}

/// Hands finished targets to the sink, counting them and moving the progress bar.
struct Emitter<'a, S> {
    targets: &'a [Arc<Target>],
    recorded: Vec<bool>,
    summary: Summary,
    progress: indicatif::ProgressBar,
    sink: &'a mut S,
}

impl<E, S: FnMut(Record) -> Result<(), E>> Emitter<'_, S> {
    fn emit(&mut self, done: Done) -> Result<(), E> {
        self.recorded[done.index] = true;
        match &done.result {
            Ok(_) => self.summary.measured += 1,
            Err(_) => self.summary.errors += 1,
        }
        let target = &self.targets[done.index];
        self.progress.set_message(crate::sanitize::one_line(&target.name));
        self.progress.inc(1);
        (self.sink)(record(target, done))
    }
}

/// One target: resolve, wait for the address's target slot, then probe within the target's
/// deadline (which starts only once the slot is held, so queueing is not counted against it).
async fn measure<P: Prober>(index: usize, target: Arc<Target>, prober: Arc<P>, dialer: Arc<Dialer>) -> Done {
    let limits = &dialer.limits;
    let addr = match net::resolve(&target.host, target.port, target.address, limits.connect_timeout).await {
        Ok(addr) => addr,
        Err(e) => return Done { index, address: target.address, observed_at: crate::dates::now(), result: Err(e) },
    };
    let _slot = dialer.target_slot(addr.ip()).await;
    let observed_at = crate::dates::now();
    let deadline = limits.target_deadline;
    let result = match tokio::time::timeout(deadline, prober.probe(target, addr)).await {
        Ok(r) => r,
        Err(_) => Err(net::error(
            ErrorClass::Deadline,
            format!("the target was not fully measured within its deadline ({} s)", deadline.as_secs()),
        )),
    };
    Done { index, address: Some(addr.ip()), observed_at, result }
}

fn record(target: &Target, done: Done) -> Record {
    let mut rec = match done.result {
        Ok(facts) => Record::measured(target.name.clone(), facts),
        Err(e) => Record::failed(target.kind.record_kind(), target.name.clone(), e),
    };
    rec.address = done.address.map(|a| a.to_string());
    rec.sni = target.sni().map(str::to_string);
    rec.observed_at = Some(done.observed_at);
    rec
}

fn progress_bar(len: usize, wanted: bool) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if !wanted || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::with_draw_target(Some(len as u64), indicatif::ProgressDrawTarget::stderr());
    if let Ok(style) = indicatif::ProgressStyle::with_template("{spinner} {pos}/{len} targets [{elapsed}] {wide_msg}") {
        bar.set_style(style);
    }
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

#[cfg(test)]
mod tests {
    use super::super::plan::Kind;
    use super::*;
    use crate::collect::net::{Limits, Politeness};
    use tokio::io::AsyncWriteExt;

    /// Reads the first bytes the server sends: enough to exercise the scheduling around it.
    struct Banner;

    impl Prober for Banner {
        fn probe(self: Arc<Self>, _t: Arc<Target>, addr: SocketAddr) -> ProbeFuture {
            Box::pin(async move {
                let dialer = test_dialer();
                let mut c = dialer.connect(addr).await?;
                let mut buf = [0u8; 16];
                let n = net::read_some(&mut c.stream, &mut buf, dialer.limits.read_timeout).await?;
                let mut extra = crate::evidence::Extra::new();
                extra.insert("banner".into(), String::from_utf8_lossy(&buf[..n]).into());
                Ok(Facts::Other("banner".into(), extra.into()))
            })
        }
    }

    struct Sleepy;

    impl Prober for Sleepy {
        fn probe(self: Arc<Self>, t: Arc<Target>, _addr: SocketAddr) -> ProbeFuture {
            Box::pin(async move {
                if t.port == 1 {
                    panic!("probe bug");
                }
                tokio::time::sleep(Duration::from_secs(30)).await;
                Ok(Facts::Other("sleepy".into(), serde_json::json!({})))
            })
        }
    }

    /// Three targets per address may run at once: the tests' targets all share 127.0.0.1, and
    /// the deadline test needs each of them started (a queued one would only ever see the deadline).
    fn test_dialer() -> Dialer {
        let limits = Limits { read_timeout: Duration::from_millis(300), ..Limits::default() };
        Dialer::new(limits, Politeness { global: 8, per_host: 3, min_interval: Duration::ZERO })
    }

    fn target(port: u16) -> Target {
        Target {
            kind: Kind::Tls,
            name: format!("localhost:{port}"),
            host: "localhost".into(),
            port,
            address: Some("127.0.0.1".parse().unwrap()),
            url: None,
            mail: None,
            systems: vec!["a/s".into()],
        }
    }

    async fn collect<P: Prober>(targets: Vec<Target>, p: P, settings: Settings) -> (Summary, Vec<Record>) {
        let mut records = Vec::new();
        let summary = run(targets, Arc::new(p), Arc::new(test_dialer()), &settings, |r| {
            records.push(r);
            Ok::<(), String>(())
        })
        .await
        .unwrap();
        records.sort_by(|a, b| a.target.cmp(&b.target));
        (summary, records)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_target_gets_one_record_whatever_it_does() {
        let talker = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let (tp, sp) = (talker.local_addr().unwrap().port(), silent.local_addr().unwrap().port());
        tokio::spawn(async move {
            while let Ok((mut s, _)) = talker.accept().await {
                let _ = s.write_all(b"hello").await;
            }
        });
        tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((s, _)) = silent.accept().await {
                held.push(s);
            }
        });
        let (summary, records) =
            collect(vec![target(tp), target(sp), target(closed)], Banner, Settings::default()).await;
        assert_eq!(summary, Summary { targets: 3, measured: 1, errors: 2 });
        let by_port = |p: u16| records.iter().find(|r| r.target == format!("localhost:{p}")).unwrap();
        assert_eq!(by_port(tp).facts(), Some(&Facts::Other("banner".into(), serde_json::json!({"banner": "hello"}))));
        assert_eq!(by_port(sp).error().unwrap().class, ErrorClass::Timeout);
        assert_eq!(by_port(closed).error().unwrap().class, ErrorClass::Connect);
        assert!(records.iter().all(|r| r.address.as_deref() == Some("127.0.0.1") && r.observed_at.is_some()));
        assert_eq!(by_port(tp).sni.as_deref(), Some("localhost"));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_overall_deadline_and_a_panicking_probe_still_yield_records() {
        // The panicking probe must be joined before the deadline: 2 s leaves room for a loaded
        // machine (at 300 ms it was once still starting when the deadline passed), and the other
        // probes sleep 30 s, so the deadline still cuts them off.
        let settings = Settings { deadline: Some(Duration::from_secs(2)), progress: false };
        let started = std::time::Instant::now();
        let (summary, records) = collect(vec![target(1), target(2), target(3)], Sleepy, settings).await;
        assert!(started.elapsed() < Duration::from_secs(10), "the deadline stops the run");
        assert_eq!(summary, Summary { targets: 3, measured: 0, errors: 3 });
        assert_eq!(records[0].error().unwrap().class, ErrorClass::Internal);
        assert!(records[1..].iter().all(|r| r.error().unwrap().class == ErrorClass::Deadline));
    }
}
