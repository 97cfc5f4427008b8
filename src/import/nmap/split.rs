//! Host-level parallelism: cutting `<host>` elements out of the stream and
//! parsing them on worker threads, with results delivered in file order.
//!
//! # How
//! The main (caller's) thread runs the ordinary streaming parser over the
//! whole file. When it reads the start tag of a `<host>` child of
//! `<nmaprun>`, a cheap lexer ([`BodyScanner`](super::cut::BodyScanner)) looks ahead for the matching
//! `</host>`. If it finds it, the element's bytes are copied into a [`Job`]
//! and the body is skipped in the stream (quick-xml then reads `</host>`
//! right after the start tag, so its element stack stays right). The job is
//! parsed by a worker thread or, when all workers are busy, by the main
//! thread itself, with the same grammar over quick-xml's slice reader
//! (faster than streaming), starting at the same offset, line, column,
//! nesting depth and XML version. Everything outside hosts (prolog,
//! `<nmaprun>`, scaninfo, runstats, epilog) is read by the main thread, in
//! order. With one worker per extra core, the two threads share the hosts
//! about evenly on two cores. A worker hands a host back [`packed`] and
//! frees it itself: memory freed by a thread other than the one that
//! allocated it makes glibc's allocator arenas contend, which costs more
//! than the packing.
//!
//! # Same results as one thread
//! - The lexer mirrors quick-xml's tokenizer for what it accepts (tags with
//!   quoted attributes, end tags, comments, CDATA, processing instructions,
//!   text), so it finds the same `</host>` quick-xml would. Anything else (a
//!   DOCTYPE or an XML declaration inside a host, `<!` junk, a host that ends
//!   with anything but exactly `</host>`, the end of the input, a host longer
//!   than [`CUT_CAP`](super::cut::CUT_CAP) or than the token limit) is *declined*: the main thread
//!   then parses that host in the stream, exactly as without threads. A job
//!   thus holds the very bytes and state the streaming parser would see, and
//!   fails with the same error at the same place, or yields the same host.
//! - Results go through one queue in file order ([`Pipeline`]). An error,
//!   wherever it was found, is reported only after every host before it was
//!   delivered, and nothing after the first failure is delivered (a worker
//!   that finished a later host just has its result dropped). `<runstats>` is
//!   read only once all hosts before it are delivered, so the [`RunInfo`]
//!   returned with an error is the single-threaded one.
//!
//! # Memory
//! The queue holds at most [`MAX_QUEUE`] hosts, cut from at most
//! [`QUEUE_BYTES`] of input in all (a host parsed in the stream counts for
//! its size too), and the look-ahead at most one host of [`CUT_CAP`](super::cut::CUT_CAP) bytes:
//! memory stays a small constant times the size of a host, whatever the
//! size of the file.
//!
//! [`RunInfo`]: super::RunInfo

use std::collections::VecDeque;
use std::io;
use std::sync::mpsc::{self, Receiver, SyncSender, TryRecvError};
use std::thread::{Scope, ScopedJoinHandle};

use super::model::{Host, Port};
use super::packed;
use super::parse;
use super::sink::{Hosts, Job, Outcome};
use super::{Limits, NmapError};

/// Hosts handed to one worker and not collected yet: enough that a worker
/// never waits for the main thread, which parses hosts too.
const IN_FLIGHT_PER_WORKER: usize = 16;
/// Hosts cut or parsed but not delivered yet, in file order...
const MAX_QUEUE: usize = 32;
/// ...and how many bytes of input they came from: the memory bound.
const QUEUE_BYTES: usize = 2 * 1024 * 1024;
/// Job buffers kept for reuse, and the largest kept.
const SPARE: usize = 8;
const SPARE_MAX: usize = 64 * 1024;

/// What a worker sends back: its job's buffers, holding the host it parsed,
/// [packed](packed::pack) (Ok), or not (the error).
type Answer = (Result<(), NmapError>, Vec<u8>, String);

/// A worker thread and its two channels.
struct Worker<'scope> {
    jobs: SyncSender<Job>,
    results: Receiver<Answer>,
    handle: ScopedJoinHandle<'scope, ()>,
    in_flight: usize,
}

/// A place in the delivery queue, with the bytes of input it stands for.
// A host is moved, not boxed: the queue is short, an allocation per host is not.
#[allow(clippy::large_enum_variant)]
enum Slot {
    /// Sent to this worker; each worker answers in the order it was sent jobs.
    Sent(usize, usize),
    Done(Outcome, usize),
}

#[cfg(test)]
thread_local! {
    /// Hosts cut out by this thread: tests check that the threaded path is
    /// really taken.
    pub(super) static CUT: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// The multi-threaded sink: hosts are parsed by up to `max_workers` threads
/// (started on first use) or, when all are busy, by the caller's thread, and
/// delivered in file order on the caller's thread.
pub(super) struct Pipeline<'scope, 'env, 'f> {
    scope: &'scope Scope<'scope, 'env>,
    limits: &'env Limits,
    on_host: &'f mut dyn FnMut(Host) -> Result<(), String>,
    max_workers: usize,
    workers: Vec<Worker<'scope>>,
    queue: VecDeque<Slot>,
    /// Bytes of input the queued hosts came from.
    queued: usize,
    /// Job buffers back from workers.
    spare: Vec<(Vec<u8>, String)>,
    /// For the hosts parsed or unpacked on this thread.
    scratch: parse::Scratch,
    ports: Vec<Port>,
    delivered: u64,
    failed: bool,
    /// A thread could not be started: no more attempts.
    no_threads: bool,
}

/// The error for a host that does not unpack: a bug, not bad input.
fn bad_packing() -> NmapError {
    NmapError::Io(io::Error::other("internal error: a host packed by a worker does not unpack"))
}

/// The error for a worker that went away without answering (it panicked).
fn worker_lost() -> NmapError {
    NmapError::Io(io::Error::other("nmap import worker thread stopped unexpectedly"))
}

impl<'scope, 'env, 'f> Pipeline<'scope, 'env, 'f> {
    pub(super) fn new(
        scope: &'scope Scope<'scope, 'env>,
        limits: &'env Limits,
        on_host: &'f mut dyn FnMut(Host) -> Result<(), String>,
        max_workers: usize,
    ) -> Self {
        Self {
            scope,
            limits,
            on_host,
            max_workers,
            workers: Vec::new(),
            queue: VecDeque::new(),
            queued: 0,
            spare: Vec::new(),
            scratch: parse::Scratch::default(),
            ports: Vec::new(),
            delivered: 0,
            failed: false,
            no_threads: false,
        }
    }

    /// Stops the workers (jobs not started are dropped) and waits for them;
    /// a panicked worker is an error, not a panic.
    pub(super) fn finish(self) -> Option<NmapError> {
        let mut error = None;
        for Worker { jobs, results, handle, .. } in self.workers {
            drop((jobs, results));
            if handle.join().is_err() {
                error = Some(worker_lost());
            }
        }
        error
    }

    /// The worker to give the next job to: the least busy, if it can take
    /// more; a new one if all are busy and more may be started.
    fn pick_worker(&mut self) -> Option<usize> {
        let least = (0..self.workers.len()).min_by_key(|&i| self.workers.get(i).map_or(usize::MAX, |w| w.in_flight));
        let load = least.and_then(|i| self.workers.get(i)).map(|w| w.in_flight);
        if load.is_none_or(|n| n > 0) && self.workers.len() < self.max_workers && !self.no_threads {
            match self.spawn() {
                Some(worker) => {
                    self.workers.push(worker);
                    return Some(self.workers.len() - 1);
                }
                None => self.no_threads = true,
            }
        }
        least.filter(|_| load.is_some_and(|n| n < IN_FLIGHT_PER_WORKER))
    }

    fn spawn(&self) -> Option<Worker<'scope>> {
        // Never full: a worker has at most IN_FLIGHT_PER_WORKER jobs, whose
        // results are collected before it is given more.
        let (jobs, job_rx) = mpsc::sync_channel::<Job>(IN_FLIGHT_PER_WORKER);
        let (result_tx, results) = mpsc::sync_channel::<Answer>(IN_FLIGHT_PER_WORKER);
        let limits = self.limits;
        let handle = std::thread::Builder::new()
            .name("nmap-import".into())
            .spawn_scoped(self.scope, move || {
                let mut scratch = parse::Scratch::default();
                for Job { mut bytes, origin, mut text } in job_rx {
                    let outcome = parse::parse_job(&bytes, origin, limits, &mut scratch);
                    // The host is freed here, where it was allocated.
                    bytes.clear();
                    text.clear();
                    let answer = outcome.map(|host| packed::pack(&host, &mut bytes, &mut text));
                    // The receiver is gone when reading stopped: quit.
                    if result_tx.send((answer, bytes, text)).is_err() {
                        break;
                    }
                }
            })
            .ok()?;
        Some(Worker { jobs, results, handle, in_flight: 0 })
    }

    /// Delivers the results at the front of the queue that are ready; with
    /// `wait`, also waits for results until the queue has room for a host
    /// from `room` bytes of input.
    fn pump(&mut self, wait: bool, room: usize) -> Result<(), NmapError> {
        loop {
            let must = wait && (self.queue.len() >= MAX_QUEUE || self.queued + room > QUEUE_BYTES);
            let Some(slot) = self.queue.pop_front() else { return Ok(()) };
            let (outcome, bytes) = match slot {
                Slot::Done(outcome, bytes) => (outcome, bytes),
                Slot::Sent(i, bytes) => {
                    let Some(worker) = self.workers.get_mut(i) else { return Err(self.fail(worker_lost())) };
                    let received = if must {
                        worker.results.recv().ok()
                    } else {
                        match worker.results.try_recv() {
                            Ok(received) => Some(received),
                            Err(TryRecvError::Empty) => {
                                self.queue.push_front(Slot::Sent(i, bytes));
                                return Ok(());
                            }
                            Err(TryRecvError::Disconnected) => None,
                        }
                    };
                    worker.in_flight -= 1;
                    let Some((answer, buffer, text)) = received else { return Err(self.fail(worker_lost())) };
                    let outcome =
                        answer.and_then(|()| packed::unpack(&buffer, &text, &mut self.ports).ok_or_else(bad_packing));
                    self.recycle(buffer, text);
                    (outcome, bytes)
                }
            };
            self.queued -= bytes;
            self.deliver(outcome)?;
        }
    }

    fn deliver(&mut self, outcome: Outcome) -> Result<(), NmapError> {
        match outcome {
            Ok(host) => {
                self.delivered += 1;
                (self.on_host)(host).map_err(|message| self.fail(NmapError::Callback(message)))
            }
            Err(error) => Err(self.fail(error)),
        }
    }

    /// Keeps a job's buffers for the next job.
    fn recycle(&mut self, mut bytes: Vec<u8>, mut text: String) {
        if bytes.capacity() <= SPARE_MAX && text.capacity() <= SPARE_MAX && self.spare.len() < SPARE {
            bytes.clear();
            text.clear();
            self.spare.push((bytes, text));
        }
    }

    /// Records that delivery stopped for good.
    fn fail(&mut self, error: NmapError) -> NmapError {
        self.failed = true;
        error
    }

    fn enqueue(&mut self, slot: Slot) {
        self.queued += match slot {
            Slot::Sent(_, bytes) | Slot::Done(_, bytes) => bytes,
        };
        self.queue.push_back(slot);
    }
}

impl Hosts for Pipeline<'_, '_, '_> {
    fn cuts(&self) -> bool {
        !self.failed
    }

    fn buffer(&mut self) -> (Vec<u8>, String) {
        self.spare.pop().unwrap_or_default()
    }

    fn send(&mut self, job: Job) -> Result<(), NmapError> {
        #[cfg(test)]
        CUT.with(|cut| cut.set(cut.get() + 1));
        let len = job.bytes.len();
        // Deliver what is ready (results should not wait, nor hold memory),
        // and wait if the queue is full.
        self.pump(true, len)?;
        if let Some(i) = self.pick_worker() {
            let sent = self.workers.get_mut(i).is_some_and(|worker| {
                worker.in_flight += 1;
                worker.jobs.send(job).is_ok()
            });
            if !sent {
                return Err(self.fail(worker_lost()));
            }
            self.enqueue(Slot::Sent(i, len));
            return Ok(());
        }
        // All workers are busy (or none could be started): parse it here,
        // in its place in the queue.
        let outcome = parse::parse_job(&job.bytes, job.origin, self.limits, &mut self.scratch).map(|host| *host);
        self.recycle(job.bytes, job.text);
        self.enqueue(Slot::Done(outcome, len));
        self.pump(false, 0)
    }

    fn parsed(&mut self, host: Box<Host>, span: u64) -> Result<(), NmapError> {
        // Charged like a cut host of the same size; a larger one is
        // delivered as soon as every host before it is.
        let span = usize::try_from(span).unwrap_or(usize::MAX).min(QUEUE_BYTES);
        self.pump(true, span)?;
        self.enqueue(Slot::Done(Ok(*host), span));
        self.pump(false, 0)
    }

    fn drain(&mut self) -> Result<(), NmapError> {
        // No room for anything: wait for everything.
        self.pump(true, QUEUE_BYTES + 1)
    }

    fn failed(&self) -> bool {
        self.failed
    }

    fn delivered(&self) -> u64 {
        self.delivered
    }
}
