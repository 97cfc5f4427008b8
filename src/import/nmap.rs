//! Streaming importer for nmap XML output (`nmap -oX`).
//!
//! # What it reads
//! Any `-oX` file from nmap 4.x to 7.9x: the `<nmaprun>` attributes, every
//! `<host>` (status, IPv4/IPv6/MAC addresses with vendor, hostnames, ports
//! with state/service/CPE, `<extraports>`, OS matches, port and host NSE
//! scripts with their nested `<table>`/`<elem>` output) and `<runstats>`.
//! Everything else (traceroute, timing, uptime, TCP sequence, task progress,
//! pre/post-scan scripts, `<output>`...) is skipped without being kept.
//!
//! # Memory
//! The file is never loaded: hosts are handed to a callback one at a time,
//! in file order, soon after their `</host>` is read. Memory is bounded by a
//! few dozen hosts (those being parsed or waiting for their turn, cut from
//! at most 2 MiB of input in all), one host of up to 1 MiB of look-ahead and
//! one XML token, whatever the file size. [`Limits`] caps what one host may
//! keep (bytes, ports, script output, table nesting, attributes); no single
//! tag or text run may exceed `max(max_host_bytes, 64 KiB)` bytes, even
//! outside hosts. Breaching a limit is a [`NmapError::Malformed`] error with
//! its position, except over-long script output, which is cut and marked
//! with [`TRUNCATION_MARK`].
//!
//! # Threads
//! Hosts are parsed in parallel: one worker thread per extra core (up to 3)
//! besides the caller's, which reads the file, cuts each `<host>` element
//! out of it (a small lexer finds its end), parses hosts itself when the
//! workers are busy, and calls `on_host` in file order. Everything outside
//! hosts is read on the caller's thread, in order. The outcome (hosts, run
//! information, errors and their positions) is exactly that of reading on
//! one thread; hosts the lexer is not sure about (a DOCTYPE or an XML
//! declaration inside one, a host over 1 MiB...) are simply parsed in the
//! stream. On a single core no thread is started.
//!
//! # Safety
//! quick-xml never expands DTD entities or fetches external ones. A DOCTYPE
//! that declares entities is refused ("DTD entity declarations are not
//! allowed"): such a file would otherwise silently lose content, and no real
//! nmap output has one. The five predefined entities and numeric character
//! references are decoded; any other `&name;` is an error. The root element
//! must be `<nmaprun>`. Duplicate attributes are refused on the elements we
//! read (quick-xml's own check allocates per element; ours does not). No input
//! can make the importer panic or recurse without bound (script tables are
//! read with an explicit stack).
//!
//! # Speed
//! About 1.5 times the cost of bare quick-xml event reading on `-sV` output
//! for one thread: lines are counted in one vectorised pass per input
//! chunk, never per event; only the attributes we keep are decoded; no
//! allocation per element beyond the strings kept. Hosts cut out of the
//! stream are read with quick-xml's slice reader, without copies, which is
//! faster still; with a second core, throughput nearly doubles.
//!
//! # Damaged files
//! A truncated or otherwise malformed file yields an error with the 1-based
//! line and column (in bytes) of the damage (for a truncated file: the end
//! of file), *after* every host completed before it has been delivered, so
//! callers can keep those as partial evidence. A file that ends properly but
//! has no `<runstats>` (an interrupted scan) is not an error:
//! [`RunInfo::complete`] is `false`.
//!
//! # Why our own parser
//! No maintained crate streams nmap XML: the existing ones build a whole DOM
//! or deserialize the whole file, are unmaintained, and have no memory bound
//! or entity policy. On top of quick-xml the grammar is small.

mod cut;
mod packed;
mod parse;
mod scoped;
mod sink;
mod split;
mod xml;

#[cfg(test)]
mod tests;

use std::io::{BufRead, BufReader};
use std::path::Path;

pub use scoped::read_scoped;

// The model is the evidence contract's; the parser's modules read it as `super::model`.
use crate::evidence::nmap as model;
use model::{Host, RunInfo};

/// Appended to script output that was cut at `Limits::max_script_output`.
pub const TRUNCATION_MARK: &str = "…[truncated]";

/// Limits that bound memory per host (the file may be gigabytes).
#[derive(Debug, Clone)]
pub struct Limits {
    /// Total bytes of text and attributes kept for one host, plus the size
    /// of each record (address, script, table, elem...) except ports, which
    /// `max_ports_per_host` bounds. Also the longest single tag or text run
    /// accepted anywhere (at least 64 KiB).
    pub max_host_bytes: usize,
    /// Ports listed for one host (tcp + udp, every port: 131 072).
    pub max_ports_per_host: usize,
    /// Per script output string (`output` attribute, `<elem>` text); longer
    /// strings are truncated and marked, not refused.
    pub max_script_output: usize,
    /// Levels of `<table>` nesting in script output.
    pub max_nesting: usize,
    /// Attributes on one element.
    pub max_attributes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_host_bytes: 16 * 1024 * 1024,
            max_ports_per_host: 131_072,
            max_script_output: 1024 * 1024,
            max_nesting: 64,
            max_attributes: 64,
        }
    }
}

/// Why reading an nmap file stopped. Its text is in both languages ([`NmapError::text`]);
/// `Display` is the English one.
#[derive(Debug, thiserror::Error)]
pub enum NmapError {
    /// I/O error reading the file.
    #[error("read error: {0}")]
    Io(#[from] std::io::Error),
    /// Not well-formed XML, truncated file, undefined entity, DTD with entities, wrong root, limit exceeded, bad attribute value...
    #[error("line {line}, column {column}: {}", message.en)]
    Malformed { line: u64, column: u64, byte_offset: u64, message: crate::i18n::Text },
    /// The callback asked to stop (its error is passed through as a string).
    #[error("{0}")]
    Callback(String),
}

impl NmapError {
    /// The error in both languages, with its position.
    pub fn text(&self) -> crate::i18n::Text {
        match self {
            NmapError::Io(e) => crate::text!("read error: {e}", "lỗi đọc tệp: {e}"),
            NmapError::Malformed { line, column, message, .. } => crate::diag::at_position(*line, *column, message),
            NmapError::Callback(e) => crate::i18n::Text::new(e.clone(), e.clone()),
        }
    }
}

/// Streams an nmap XML document, calling `on_host` once per complete
/// `<host>` in file order, and always returns what was learnt about the run,
/// plus the error that stopped reading, if any. Hosts completed before an
/// error have already been delivered; `RunInfo::hosts_parsed` counts them.
pub fn read_nmap_partial<R: BufRead>(
    reader: R,
    limits: &Limits,
    mut on_host: impl FnMut(Host) -> Result<(), String>,
) -> (RunInfo, Option<NmapError>) {
    read_with_workers(reader, limits, &mut on_host, Some(default_workers()))
}

/// Worker threads to parse hosts with: one per core besides the caller's,
/// which reads, cuts, parses hosts too when the workers are busy, and
/// delivers. Past a few workers the caller's thread is the bottleneck.
fn default_workers() -> usize {
    const MAX_WORKERS: usize = 3;
    std::thread::available_parallelism().map_or(0, |n| usize::from(n) - 1).min(MAX_WORKERS)
}

/// [`read_nmap_partial`] with `workers` threads, or with `None`: every host
/// parsed in place in the stream, the reference behaviour the other must
/// match exactly.
fn read_with_workers<R: BufRead>(
    reader: R,
    limits: &Limits,
    on_host: &mut dyn FnMut(Host) -> Result<(), String>,
    workers: Option<usize>,
) -> (RunInfo, Option<NmapError>) {
    let mut parser = parse::Parser::new(reader, limits);
    let error = match workers {
        None => parser.run(&mut sink::Direct::new(on_host)),
        Some(workers) => std::thread::scope(|scope| {
            let mut pipeline = split::Pipeline::new(scope, limits, on_host, workers);
            let error = parser.run(&mut pipeline);
            let stopped = pipeline.finish();
            error.or(stopped)
        }),
    };
    (parser.cx.run, error)
}

/// Stream an nmap XML document, calling `on_host` once per complete `<host>` element, in file
/// order, holding a bounded number of hosts in memory. Returns the [`RunInfo`] on success.
///
/// # Errors
/// On a malformed or truncated file, `Err(Malformed{..})` with the position of the damage; every
/// host completed before the damage has ALREADY been delivered to `on_host` (callers keep them,
/// marked partial). `Io` if reading fails, `Callback` if `on_host` refused a host. Use
/// [`read_nmap_partial`] to also get the [`RunInfo`] read before an error.
pub fn read_nmap<R: BufRead>(
    reader: R,
    limits: &Limits,
    on_host: impl FnMut(Host) -> Result<(), String>,
) -> Result<RunInfo, NmapError> {
    match read_nmap_partial(reader, limits, on_host) {
        (run, None) => Ok(run),
        (_, Some(error)) => Err(error),
    }
}

/// Convenience for tests and small files: read a whole file into `(RunInfo, Vec<Host>)`.
///
/// # Errors
/// As [`read_nmap`] (or `Io` if the file cannot be opened), together with the hosts parsed
/// before the error: `Err((NmapError, Vec<Host>))`.
pub fn read_nmap_file(path: &Path, limits: &Limits) -> Result<(RunInfo, Vec<Host>), (NmapError, Vec<Host>)> {
    let file = crate::files::open(path).map_err(|e| (NmapError::Io(e.into()), Vec::new()))?;
    let mut hosts = Vec::new();
    let result = read_nmap(BufReader::with_capacity(64 * 1024, file), limits, |host| {
        hosts.push(host);
        Ok(())
    });
    match result {
        Ok(run) => Ok((run, hosts)),
        Err(error) => Err((error, hosts)),
    }
}
