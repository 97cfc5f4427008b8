//! Where the grammar sends each host, in file order: the [`Hosts`] sink, the [`Job`] of a host cut
//! out of the file, and the single-threaded sink [`Direct`] (the reference behaviour; the threaded
//! one is [`super::split::Pipeline`]).

use std::io;

use super::NmapError;
use super::model::Host;
use super::xml::Origin;

/// One host element cut out of the file, and where it was.
pub(super) struct Job {
    /// `<host ...>`, its body, `</host>`.
    pub(super) bytes: Vec<u8>,
    pub(super) origin: Origin,
    /// A buffer for the answer.
    pub(super) text: String,
}

/// A parsed host, or the error that stopped it.
pub(super) type Outcome = Result<Host, NmapError>;

/// Where the grammar sends each host, in file order. One implementation
/// delivers on the spot ([`Direct`]), the other through worker threads
/// ([`Pipeline`]).
pub(super) trait Hosts {
    /// Whether hosts should be cut out of the stream (for [`send`](Self::send)).
    fn cuts(&self) -> bool;
    /// Empty buffers for a [`Job`] (recycled: allocating and freeing 10 KB
    /// per host on two threads costs more than it seems with glibc).
    fn buffer(&mut self) -> (Vec<u8>, String);
    /// A host cut out of the file, parsed by a worker or, if all are busy,
    /// right here (from its bytes: faster than in the stream).
    fn send(&mut self, job: Job) -> Result<(), NmapError>;
    /// A host parsed in the stream, from `span` bytes of input.
    fn parsed(&mut self, host: Box<Host>, span: u64) -> Result<(), NmapError>;
    /// Delivers everything still pending, in order.
    fn drain(&mut self) -> Result<(), NmapError>;
    /// Whether delivery failed (a host's error or the callback's): that error
    /// is then final, no further host may be delivered.
    fn failed(&self) -> bool;
    /// Hosts handed to the callback.
    fn delivered(&self) -> u64;
}

/// The single-threaded sink: every host is parsed in place and delivered at
/// once. This is the reference behaviour.
pub(super) struct Direct<'f> {
    on_host: &'f mut dyn FnMut(Host) -> Result<(), String>,
    delivered: u64,
    failed: bool,
}

impl<'f> Direct<'f> {
    pub(super) fn new(on_host: &'f mut dyn FnMut(Host) -> Result<(), String>) -> Self {
        Self { on_host, delivered: 0, failed: false }
    }
}

impl Hosts for Direct<'_> {
    fn cuts(&self) -> bool {
        false
    }

    fn buffer(&mut self) -> (Vec<u8>, String) {
        Default::default()
    }

    fn send(&mut self, _job: Job) -> Result<(), NmapError> {
        // Not reached: nothing is cut.
        Err(NmapError::Io(io::Error::other("internal error: host cut without a pipeline")))
    }

    fn parsed(&mut self, host: Box<Host>, _span: u64) -> Result<(), NmapError> {
        self.delivered += 1;
        (self.on_host)(*host).map_err(|message| {
            self.failed = true;
            NmapError::Callback(message)
        })
    }

    fn drain(&mut self) -> Result<(), NmapError> {
        Ok(())
    }

    fn failed(&self) -> bool {
        self.failed
    }

    fn delivered(&self) -> u64 {
        self.delivered
    }
}
