//! The nmap grammar, as a pull parser over [`XmlStream`].
//!
//! Each element we model has two steps: its attributes are turned into owned
//! values while the tag still borrows the read buffer, then its children are
//! read. Elements we do not model are skipped without keeping anything.
//!
//! Hosts go to a [`Hosts`] sink; with worker threads, the parser cuts host
//! elements out for them when it can (see the `split` module) and a worker
//! parses each with [`parse_job`].

use std::io::BufRead;

use super::model::{Address, ExtraPorts, Host, Hostname, OsMatch, Port, RunInfo, Script, ScriptNode, Service};
use super::sink::{Hosts, Job};
use super::xml::{Attr, Ev, Events, Here, HostStream, Origin, Tag, XmlStream, shown};
use super::{Limits, NmapError, TRUNCATION_MARK};
use crate::text;

/// Smallest per-token cap, so that tiny test limits still read `<nmaprun>`.
const MIN_TOKEN: usize = 64 * 1024;
/// Fixed element levels above a script's tables (nmaprun/host/ports/port/script)
/// plus the `<elem>` below them, with some slack.
const DEPTH_SLACK: usize = 8;

/// Above this capacity, scratch buffers are dropped after use rather than
/// kept for the next host.
const SCRATCH_PORTS: usize = 1024;
const SCRATCH_TEXT: usize = 64 * 1024;

/// Reads the stream; what it keeps lives in [`Cx`], a separate field so that
/// a tag borrowed from `xml` can be handed to `cx`.
pub(super) struct Parser<'l, S> {
    xml: S,
    pub(super) cx: Cx<'l>,
}

/// Limits, the current host's budget and the run summary.
pub(super) struct Cx<'l> {
    limits: &'l Limits,
    budget: Budget,
    pub(super) run: RunInfo,
    runstats_seen: bool,
    /// The current host's ports, moved into it at its end: one allocation
    /// of the right size instead of a growing vector's several.
    ports: Vec<Port>,
    /// Reused to gather text that arrives in pieces (entity references).
    text: String,
}

/// Bytes of text and attributes one host may still keep.
struct Budget {
    left: usize,
    max: usize,
}

impl Budget {
    fn charge(&mut self, bytes: usize, at: Here) -> Result<(), NmapError> {
        self.left = self.left.checked_sub(bytes).ok_or_else(|| {
            let max = self.max;
            at.malformed(text!(
                "host is larger than max_host_bytes ({max} bytes of text, attributes and records)",
                "máy lớn quá max_host_bytes ({max} byte văn bản, thuộc tính và bản ghi)"
            ))
        })?;
        Ok(())
    }

    fn reset(&mut self) {
        self.left = self.max;
    }
}

/// The error for an end of input inside an element.
fn truncated(at: Here, inside: &str) -> NmapError {
    at.malformed(text!(
        "file is truncated: end of file inside <{inside}>, before </nmaprun>",
        "tệp bị cắt cụt: tệp kết thúc bên trong <{inside}>, trước </nmaprun>"
    ))
}

fn is_blank(text: &str) -> bool {
    text.bytes().all(|b| b.is_ascii_whitespace())
}

/// Text accumulator that keeps at most `cap` bytes and remembers the cut.
struct Capped {
    text: String,
    cap: usize,
    cut: bool,
}

impl Capped {
    fn new(cap: usize) -> Self {
        Self { text: String::new(), cap, cut: false }
    }

    /// Gathers into `buffer` (cleared), for [`Capped::copy`].
    fn reusing(mut buffer: String, cap: usize) -> Self {
        buffer.clear();
        Self { text: buffer, cap, cut: false }
    }

    /// The text (marked if cut), in a string of its own size; and the buffer.
    fn copy(self) -> (String, String) {
        let mut out = String::with_capacity(self.text.len() + if self.cut { TRUNCATION_MARK.len() } else { 0 });
        out.push_str(&self.text);
        if self.cut {
            out.push_str(TRUNCATION_MARK);
        }
        (out, self.text)
    }

    /// Appends what fits; returns the number of bytes kept.
    fn push(&mut self, piece: &str) -> usize {
        let room = self.cap.saturating_sub(self.text.len());
        if piece.len() <= room {
            self.text.push_str(piece);
            return piece.len();
        }
        let mut end = room;
        while !piece.is_char_boundary(end) {
            end -= 1;
        }
        self.text.push_str(piece.get(..end).unwrap_or_default());
        self.cut = true;
        end
    }

    fn finish(mut self) -> String {
        if self.cut {
            self.text.push_str(TRUNCATION_MARK);
        }
        self.text
    }
}

/// `value` cut to `cap` bytes plus the mark, if longer.
fn capped(value: String, cap: usize) -> String {
    if value.len() <= cap {
        return value;
    }
    let mut acc = Capped::new(cap);
    acc.push(&value);
    acc.finish()
}

/// What a child element of `<nmaprun>` turned out to be.
enum Top {
    Host(Box<Host>),
    /// A non-empty host that may go to a worker: a copy of its start tag,
    /// `<...>`, and a buffer for the answer.
    Cut(Vec<u8>, String),
    Runstats,
    Skip,
}

/// What a child element of `<host>` turned out to be.
enum HostPart {
    Done,
    Hostnames,
    Ports,
    Os,
    Hostscript,
}

/// What a child of `<port>` turned out to be.
enum PortPart {
    Done,
    Service(Service),
    Script(Script),
}

/// A node of structured script output, before its children are read.
enum NodePart {
    Elem(Option<String>),
    Table(Option<String>),
    Skip,
}

/// Buffers a parser can hand over to the next one (a worker parses many
/// hosts, each with a parser of its own).
#[derive(Default)]
pub(super) struct Scratch {
    ports: Vec<Port>,
    text: String,
}

/// Parses one host element cut out of a file (on a worker thread): the
/// same result, or the same error at the same place, as parsing it in place.
pub(super) fn parse_job(
    bytes: &[u8],
    origin: Origin,
    limits: &Limits,
    scratch: &mut Scratch,
) -> Result<Box<Host>, NmapError> {
    let xml = HostStream::new(bytes, origin, max_depth(limits));
    let mut parser = Parser { xml, cx: Cx::new(limits, std::mem::take(scratch)) };
    let result = parser.host_element().map_err(|error| parser.xml.locate(error));
    *scratch = Scratch { ports: parser.cx.ports, text: parser.cx.text };
    result
}

/// The error for a host cut where quick-xml does not agree: a bug, not bad input.
fn bad_cut(at: Here) -> NmapError {
    at.malformed(text!(
        "internal error: host element cut at the wrong place",
        "lỗi nội bộ: phần tử host bị cắt sai chỗ"
    ))
}

/// Deepest element nesting accepted.
fn max_depth(limits: &Limits) -> usize {
    limits.max_nesting.saturating_add(DEPTH_SLACK)
}

impl<'l> Cx<'l> {
    fn new(limits: &'l Limits, scratch: Scratch) -> Self {
        Self {
            limits,
            budget: Budget { left: limits.max_host_bytes, max: limits.max_host_bytes },
            run: RunInfo::default(),
            runstats_seen: false,
            ports: scratch.ports,
            text: scratch.text,
        }
    }
}

impl<'l, R: BufRead> Parser<'l, XmlStream<R>> {
    pub(super) fn new(reader: R, limits: &'l Limits) -> Self {
        let max_token = limits.max_host_bytes.max(MIN_TOKEN);
        Self { xml: XmlStream::new(reader, max_token, max_depth(limits)), cx: Cx::new(limits, Scratch::default()) }
    }

    /// Reads the whole document, handing each host to `hosts`; returns the
    /// error that stopped it, with its line and column: the first one in
    /// file order, after every host before it was delivered.
    pub(super) fn run(&mut self, hosts: &mut dyn Hosts) -> Option<NmapError> {
        let error = match self.document(hosts) {
            Ok(()) => None,
            // Delivery failed: a host's own error or the callback's, final.
            Err(error) if hosts.failed() => Some(error),
            Err(error) => {
                let error = self.xml.locate(error);
                // Hosts still with workers come before the damage, and so
                // does any error among them.
                Some(hosts.drain().err().unwrap_or(error))
            }
        };
        self.cx.run.hosts_parsed = hosts.delivered();
        error
    }

    fn document(&mut self, hosts: &mut dyn Hosts) -> Result<(), NmapError> {
        if !self.root()? {
            self.nmaprun_body(hosts)?;
        }
        self.epilog()?;
        hosts.drain()?;
        self.cx.run.complete = self.cx.runstats_seen;
        Ok(())
    }

    /// A non-empty `<host>` whose start tag (`<...>`, at `at`) was just read:
    /// cut out for a worker if the splitter can, else parsed here.
    fn host_cut(&mut self, mut job: Vec<u8>, text: String, at: Here, hosts: &mut dyn Hosts) -> Result<(), NmapError> {
        if let Some(origin) = self.xml.cut_host(&mut job, at)? {
            hosts.send(Job { bytes: job, origin, text })?;
            // Only `</host>` is left of it in our stream.
            return match self.xml.next()? {
                (_, Ev::Close) => Ok(()),
                (at, _) => Err(bad_cut(at)),
            };
        }
        let content = job.get(1..job.len().saturating_sub(1)).and_then(|c| std::str::from_utf8(c).ok());
        let mut host = self.cx.host_start(&self.xml.rebuilt_tag(content.unwrap_or_default(), at))?;
        self.host_body(&mut host)?;
        hosts.parsed(host, self.xml.position() - at.0)
    }

    /// Prolog up to the root element, which must be `<nmaprun>`; reads its
    /// attributes and returns whether it is empty.
    fn root(&mut self) -> Result<bool, NmapError> {
        loop {
            let (at, ev) = self.xml.next()?;
            match ev {
                Ev::Open(tag) => {
                    if tag.name() != "nmaprun" {
                        let root = shown(tag.name());
                        return Err(at.malformed(text!(
                            "not an nmap XML file: root element is <{root}>",
                            "không phải tệp nmap XML: phần tử gốc là <{root}>"
                        )));
                    }
                    self.cx.nmaprun(&tag)?;
                    return Ok(tag.empty);
                }
                // quick-xml drops a BOM only if it arrives in one read.
                Ev::Text(text) if is_blank(text.trim_start_matches('\u{feff}')) => {}
                Ev::Other => {}
                Ev::Text(_) | Ev::Close => {
                    return Err(at.malformed(text!(
                        "not an nmap XML file: content before the root element",
                        "không phải tệp nmap XML: có nội dung trước phần tử gốc"
                    )));
                }
                Ev::Eof => {
                    return Err(at.malformed(text!(
                        "not an nmap XML file: no root element",
                        "không phải tệp nmap XML: không có phần tử gốc"
                    )));
                }
            }
        }
    }

    /// After `</nmaprun>` only blanks, comments and PIs may follow.
    fn epilog(&mut self) -> Result<(), NmapError> {
        loop {
            let (at, ev) = self.xml.next()?;
            match ev {
                Ev::Eof => return Ok(()),
                Ev::Other => {}
                Ev::Text(text) if is_blank(&text) => {}
                Ev::Text(_) | Ev::Open(_) | Ev::Close => {
                    return Err(at.malformed(text!("content after </nmaprun>", "có nội dung sau </nmaprun>")));
                }
            }
        }
    }

    fn nmaprun_body(&mut self, hosts: &mut dyn Hosts) -> Result<(), NmapError> {
        loop {
            let (at, ev) = self.xml.next()?;
            let (top, empty) = match ev {
                Ev::Open(tag) if tag.name() == "host" && !tag.empty && hosts.cuts() => {
                    let content = tag.content().as_bytes();
                    let (mut job, text) = hosts.buffer();
                    job.push(b'<');
                    job.extend_from_slice(content);
                    job.push(b'>');
                    (Top::Cut(job, text), false)
                }
                Ev::Open(tag) => (self.cx.top_element(&tag)?, tag.empty),
                Ev::Close => return hosts.drain(),
                Ev::Eof => return Err(truncated(at, "nmaprun")),
                Ev::Text(_) | Ev::Other => continue,
            };
            match top {
                Top::Cut(job, text) => self.host_cut(job, text, at, hosts)?,
                Top::Host(mut host) => {
                    if !empty {
                        self.host_body(&mut host)?;
                    }
                    hosts.parsed(host, self.xml.position() - at.0)?;
                }
                Top::Runstats => {
                    // What runstats says must not be seen before every
                    // host before it is delivered (one may be damaged).
                    hosts.drain()?;
                    self.cx.runstats_seen = true;
                    self.runstats_body(empty)?;
                }
                Top::Skip => self.skip(empty, "nmaprun")?,
            }
        }
    }
}

/// The grammar below `<nmaprun>`'s children, for both kinds of stream.
impl<S: Events> Parser<'_, S> {
    /// The one `<host>` element of a job, which must fill it exactly.
    fn host_element(&mut self) -> Result<Box<Host>, NmapError> {
        let (at, ev) = self.xml.next()?;
        let mut host = match ev {
            Ev::Open(tag) if tag.name() == "host" && !tag.empty => self.cx.host_start(&tag)?,
            _ => return Err(bad_cut(at)),
        };
        self.host_body(&mut host)?;
        match self.xml.next()? {
            (_, Ev::Eof) => Ok(host),
            (at, _) => Err(bad_cut(at)),
        }
    }

    fn runstats_body(&mut self, empty: bool) -> Result<(), NmapError> {
        if empty {
            return Ok(());
        }
        loop {
            let (at, ev) = self.xml.next()?;
            let empty = match ev {
                Ev::Open(tag) => {
                    self.cx.runstats_child(&tag)?;
                    tag.empty
                }
                Ev::Close => return Ok(()),
                Ev::Eof => return Err(truncated(at, "runstats")),
                Ev::Text(_) | Ev::Other => continue,
            };
            self.skip(empty, "runstats")?;
        }
    }

    fn host_body(&mut self, host: &mut Host) -> Result<(), NmapError> {
        loop {
            let (at, ev) = self.xml.next()?;
            let (part, empty) = match ev {
                Ev::Open(tag) => (self.cx.host_child(&tag, host)?, tag.empty),
                Ev::Close => {
                    // Exactly the size needed; the scratch keeps its capacity.
                    host.ports = Vec::with_capacity(self.cx.ports.len());
                    host.ports.append(&mut self.cx.ports);
                    if self.cx.ports.capacity() > SCRATCH_PORTS {
                        self.cx.ports = Vec::new();
                    }
                    return Ok(());
                }
                Ev::Eof => return Err(truncated(at, "host")),
                Ev::Text(_) | Ev::Other => continue,
            };
            if empty {
                continue;
            }
            match part {
                HostPart::Done => self.skip(false, "host")?,
                HostPart::Hostnames => self.hostnames_body(host)?,
                HostPart::Ports => self.ports_body(host)?,
                HostPart::Os => self.os_body(host)?,
                HostPart::Hostscript => self.hostscript_body(host)?,
            }
        }
    }

    fn hostnames_body(&mut self, host: &mut Host) -> Result<(), NmapError> {
        loop {
            let (at, ev) = self.xml.next()?;
            let empty = match ev {
                Ev::Open(tag) if tag.name() == "hostname" => {
                    self.cx.hostname(&tag, host)?;
                    tag.empty
                }
                Ev::Open(tag) => {
                    tag.check_refs()?;
                    tag.empty
                }
                Ev::Close => return Ok(()),
                Ev::Eof => return Err(truncated(at, "hostnames")),
                Ev::Text(_) | Ev::Other => continue,
            };
            self.skip(empty, "hostnames")?;
        }
    }

    fn os_body(&mut self, host: &mut Host) -> Result<(), NmapError> {
        loop {
            let (at, ev) = self.xml.next()?;
            let empty = match ev {
                Ev::Open(tag) if tag.name() == "osmatch" => {
                    self.cx.osmatch(&tag, host)?;
                    tag.empty
                }
                // portused, osclass (nmap 4), osfingerprint: not modelled.
                Ev::Open(tag) => {
                    tag.check_refs()?;
                    tag.empty
                }
                Ev::Close => return Ok(()),
                Ev::Eof => return Err(truncated(at, "os")),
                Ev::Text(_) | Ev::Other => continue,
            };
            self.skip(empty, "os")?;
        }
    }

    fn hostscript_body(&mut self, host: &mut Host) -> Result<(), NmapError> {
        loop {
            let (at, ev) = self.xml.next()?;
            let (script, empty) = match ev {
                Ev::Open(tag) if tag.name() == "script" => (Some(self.cx.script_start(&tag)?), tag.empty),
                Ev::Open(tag) => {
                    tag.check_refs()?;
                    (None, tag.empty)
                }
                Ev::Close => return Ok(()),
                Ev::Eof => return Err(truncated(at, "hostscript")),
                Ev::Text(_) | Ev::Other => continue,
            };
            match script {
                Some(mut script) => {
                    if !empty {
                        script.elements = self.script_nodes()?;
                    }
                    host.scripts.push(script);
                }
                None => self.skip(empty, "hostscript")?,
            }
        }
    }

    fn ports_body(&mut self, host: &mut Host) -> Result<(), NmapError> {
        loop {
            let (at, ev) = self.xml.next()?;
            let (port, empty) = match ev {
                Ev::Open(tag) if tag.name() == "port" => (Some(self.cx.port_start(&tag, host)?), tag.empty),
                Ev::Open(tag) if tag.name() == "extraports" => {
                    self.cx.extraports(&tag, host)?;
                    (None, tag.empty)
                }
                Ev::Open(tag) => {
                    tag.check_refs()?;
                    (None, tag.empty)
                }
                Ev::Close => return Ok(()),
                Ev::Eof => return Err(truncated(at, "ports")),
                Ev::Text(_) | Ev::Other => continue,
            };
            match port {
                Some(mut port) => {
                    if !empty {
                        self.port_body(&mut port)?;
                    }
                    self.cx.ports.push(port);
                }
                None => self.skip(empty, "ports")?,
            }
        }
    }

    fn port_body(&mut self, port: &mut Port) -> Result<(), NmapError> {
        loop {
            let (at, ev) = self.xml.next()?;
            let (part, empty) = match ev {
                Ev::Open(tag) => (self.cx.port_child(&tag, port)?, tag.empty),
                Ev::Close => return Ok(()),
                Ev::Eof => return Err(truncated(at, "port")),
                Ev::Text(_) | Ev::Other => continue,
            };
            match part {
                PortPart::Done => self.skip(empty, "port")?,
                PortPart::Service(mut service) => {
                    if !empty {
                        self.service_body(&mut service)?;
                    }
                    port.service = Some(service);
                }
                PortPart::Script(mut script) => {
                    if !empty {
                        script.elements = self.script_nodes()?;
                    }
                    port.scripts.push(script);
                }
            }
        }
    }

    /// `<service>` children: only `<cpe>` text is kept.
    fn service_body(&mut self, service: &mut Service) -> Result<(), NmapError> {
        loop {
            let (at, ev) = self.xml.next()?;
            let (is_cpe, empty) = match ev {
                Ev::Open(tag) => {
                    tag.check_refs()?;
                    (tag.name() == "cpe", tag.empty)
                }
                Ev::Close => return Ok(()),
                Ev::Eof => return Err(truncated(at, "service")),
                Ev::Text(_) | Ev::Other => continue,
            };
            if is_cpe {
                self.cx.budget.charge(size_of::<String>(), at)?;
                let cpe = self.text_content(empty, "cpe")?;
                service.cpe.push(cpe);
            } else {
                self.skip(empty, "service")?;
            }
        }
    }

    /// Children of a `<script>` up to its end tag, as a tree of elems and
    /// tables. Iterative, so hostile nesting cannot exhaust the stack; depth
    /// is bounded by `max_nesting`.
    fn script_nodes(&mut self) -> Result<Vec<ScriptNode>, NmapError> {
        // One frame per open <table>, the bottom one is the <script> itself.
        let mut stack: Vec<(Option<String>, Vec<ScriptNode>)> = vec![(None, Vec::new())];
        loop {
            let (at, ev) = self.xml.next()?;
            let (part, empty) = match ev {
                Ev::Open(tag) => (self.cx.node_start(&tag, stack.len())?, tag.empty),
                Ev::Close => {
                    let (key, children) = stack.pop().unwrap_or_default();
                    match stack.last_mut() {
                        Some((_, siblings)) => siblings.push(ScriptNode::Table { key, children }),
                        None => return Ok(children),
                    }
                    continue;
                }
                Ev::Eof => return Err(truncated(at, "script")),
                Ev::Text(_) | Ev::Other => continue,
            };
            let node = match part {
                NodePart::Elem(key) => ScriptNode::Elem { key, value: self.text_content(empty, "elem")? },
                NodePart::Table(key) if empty => ScriptNode::Table { key, children: Vec::new() },
                NodePart::Table(key) => {
                    stack.push((key, Vec::new()));
                    continue;
                }
                NodePart::Skip => {
                    self.skip(empty, "script")?;
                    continue;
                }
            };
            if let Some((_, siblings)) = stack.last_mut() {
                siblings.push(node);
            }
        }
    }

    /// Text of a leaf element (`<elem>`, `<cpe>`), capped at
    /// `max_script_output`; child elements, which nmap never writes, are skipped.
    fn text_content(&mut self, empty: bool, name: &str) -> Result<String, NmapError> {
        if empty {
            return Ok(String::new());
        }
        let mut acc = Capped::reusing(std::mem::take(&mut self.cx.text), self.cx.limits.max_script_output);
        loop {
            let (at, ev) = self.xml.next()?;
            let empty = match ev {
                Ev::Text(text) => {
                    let kept = acc.push(&text);
                    self.cx.budget.charge(kept, at)?;
                    continue;
                }
                Ev::Open(tag) => {
                    tag.check_refs()?;
                    tag.empty
                }
                Ev::Close => {
                    let (text, buffer) = acc.copy();
                    if buffer.capacity() <= SCRATCH_TEXT {
                        self.cx.text = buffer;
                    }
                    return Ok(text);
                }
                Ev::Eof => return Err(truncated(at, name)),
                Ev::Other => continue,
            };
            self.skip(empty, name)?;
        }
    }

    /// Skips the rest of an element whose start tag was just read, keeping
    /// nothing (depth counting, no recursion).
    fn skip(&mut self, empty: bool, inside: &str) -> Result<(), NmapError> {
        if empty {
            return Ok(());
        }
        let mut depth = 1usize;
        loop {
            let (at, ev) = self.xml.next()?;
            match ev {
                Ev::Open(tag) => {
                    tag.check_refs()?;
                    if !tag.empty {
                        depth += 1;
                    }
                }
                Ev::Close => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(());
                    }
                }
                Ev::Eof => return Err(truncated(at, inside)),
                Ev::Text(_) | Ev::Other => {}
            }
        }
    }
}

/// First steps: turn a start tag into owned values, while it still borrows
/// the read buffer. Unknown attributes are ignored.
impl Cx<'_> {
    fn nmaprun(&mut self, tag: &Tag<'_>) -> Result<(), NmapError> {
        let run = &mut self.run;
        tag.read_attrs(self.limits.max_attributes, |a| {
            match a.key() {
                "scanner" => run.scanner = Some(a.string()?),
                "version" => run.version = Some(a.string()?),
                "args" => run.args = Some(a.string()?),
                "xmloutputversion" => run.xml_output_version = Some(a.string()?),
                "start" => run.start = a.unix_time()?,
                _ => {}
            }
            Ok(())
        })?;
        Ok(())
    }

    /// First step of a child of `<nmaprun>`.
    fn top_element(&mut self, tag: &Tag<'_>) -> Result<Top, NmapError> {
        Ok(match tag.name() {
            "host" => Top::Host(self.host_start(tag)?),
            "runstats" => Top::Runstats,
            // scaninfo, verbose, debugging, task*, prescript, postscript,
            // hosthint, output...: nothing we model.
            _ => {
                tag.check_refs()?;
                Top::Skip
            }
        })
    }

    fn host_start(&mut self, tag: &Tag<'_>) -> Result<Box<Host>, NmapError> {
        self.budget.reset();
        self.ports.clear();
        let mut host = Box::<Host>::default();
        self.read_attrs(tag, size_of::<Host>(), |a| {
            match a.key() {
                "starttime" => host.starttime = a.unix_time()?,
                "endtime" => host.endtime = a.unix_time()?,
                _ => {}
            }
            Ok(())
        })?;
        Ok(host)
    }

    /// Reads the attributes of a modelled element and charges them to the
    /// host budget, with `record`, the size of the struct the element adds:
    /// thousands of tiny `<elem/>` must not slip under the budget. (Ports are
    /// bounded by their own limit instead.)
    fn read_attrs(
        &mut self,
        tag: &Tag<'_>,
        record: usize,
        f: impl FnMut(&Attr<'_, '_>) -> Result<(), NmapError>,
    ) -> Result<(), NmapError> {
        let size = tag.read_attrs(self.limits.max_attributes, f)?;
        self.budget.charge(size + record, tag.at)
    }

    fn runstats_child(&mut self, tag: &Tag<'_>) -> Result<(), NmapError> {
        let run = &mut self.run;
        let max = self.limits.max_attributes;
        match tag.name() {
            "finished" => tag.read_attrs(max, |a| {
                match a.key() {
                    "time" => run.finished = a.unix_time()?,
                    "exit" => run.exit = Some(a.string()?),
                    "errormsg" => run.error_msg = Some(a.string()?),
                    _ => {}
                }
                Ok(())
            })?,
            "hosts" => tag.read_attrs(max, |a| {
                match a.key() {
                    "up" => run.hosts_up = a.number()?,
                    "down" => run.hosts_down = a.number()?,
                    "total" => run.hosts_total = a.number()?,
                    _ => {}
                }
                Ok(())
            })?,
            _ => return tag.check_refs(),
        };
        Ok(())
    }

    /// First step of a child of `<host>`: elements made only of attributes
    /// are stored right away.
    fn host_child(&mut self, tag: &Tag<'_>, host: &mut Host) -> Result<HostPart, NmapError> {
        Ok(match tag.name() {
            "status" => {
                self.read_attrs(tag, 0, |a| {
                    match a.key() {
                        "state" => host.state = Some(a.string()?),
                        "reason" => host.reason = Some(a.string()?),
                        _ => {}
                    }
                    Ok(())
                })?;
                HostPart::Done
            }
            "address" => {
                self.address(tag, host)?;
                HostPart::Done
            }
            "hostnames" => HostPart::Hostnames,
            "ports" => HostPart::Ports,
            "os" => HostPart::Os,
            "hostscript" => HostPart::Hostscript,
            // trace, times, uptime, distance, *sequence, smurf...
            _ => {
                tag.check_refs()?;
                HostPart::Done
            }
        })
    }

    fn address(&mut self, tag: &Tag<'_>, host: &mut Host) -> Result<(), NmapError> {
        let (mut addr, mut addrtype, mut vendor) = (None, None, None);
        self.read_attrs(tag, size_of::<Address>(), |a| {
            match a.key() {
                "addr" => addr = Some(a.string()?),
                "addrtype" => addrtype = Some(a.string()?),
                "vendor" => vendor = Some(a.string()?),
                _ => {}
            }
            Ok(())
        })?;
        host.addresses.push(Address {
            addr: addr.ok_or_else(|| tag.missing("addr"))?,
            // The nmap DTD default.
            addrtype: addrtype.unwrap_or_else(|| "ipv4".to_owned()),
            vendor,
        });
        Ok(())
    }

    fn hostname(&mut self, tag: &Tag<'_>, host: &mut Host) -> Result<(), NmapError> {
        let (mut name, mut kind) = (None, None);
        self.read_attrs(tag, size_of::<Hostname>(), |a| {
            match a.key() {
                "name" => name = Some(a.string()?),
                "type" => kind = Some(a.string()?),
                _ => {}
            }
            Ok(())
        })?;
        let name = name.ok_or_else(|| tag.missing("name"))?;
        host.hostnames.push(Hostname { name, kind });
        Ok(())
    }

    fn osmatch(&mut self, tag: &Tag<'_>, host: &mut Host) -> Result<(), NmapError> {
        let (mut name, mut accuracy) = (None, None);
        self.read_attrs(tag, size_of::<OsMatch>(), |a| {
            match a.key() {
                "name" => name = Some(a.string()?),
                "accuracy" => accuracy = a.number()?,
                _ => {}
            }
            Ok(())
        })?;
        let name = name.ok_or_else(|| tag.missing("name"))?;
        host.os_matches.push(OsMatch { name, accuracy });
        Ok(())
    }

    fn extraports(&mut self, tag: &Tag<'_>, host: &mut Host) -> Result<(), NmapError> {
        let (mut state, mut count) = (None, None);
        self.read_attrs(tag, size_of::<ExtraPorts>(), |a| {
            match a.key() {
                "state" => state = Some(a.string()?),
                "count" => count = a.number()?,
                _ => {}
            }
            Ok(())
        })?;
        let state = state.ok_or_else(|| tag.missing("state"))?;
        let count = count.ok_or_else(|| tag.missing("count"))?;
        host.extraports.push(ExtraPorts { state, count });
        Ok(())
    }

    fn port_start(&mut self, tag: &Tag<'_>, host: &Host) -> Result<Port, NmapError> {
        let max_ports = self.limits.max_ports_per_host;
        if host.ports.len() + self.ports.len() >= max_ports {
            let message = text!(
                "host has more than max_ports_per_host ({max_ports}) ports",
                "máy có nhiều cổng hơn max_ports_per_host ({max_ports})"
            );
            return Err(tag.at.malformed(message));
        }
        let mut port = Port::default();
        let mut portid = None;
        self.read_attrs(tag, 0, |a| {
            match a.key() {
                // Lenient: a missing protocol stays empty (hand-edited files).
                "protocol" => port.protocol = a.string()?,
                "portid" => portid = a.number::<u32>()?,
                _ => {}
            }
            Ok(())
        })?;
        port.portid = portid.ok_or_else(|| tag.missing("portid"))?;
        if port.portid > 65535 {
            let portid = port.portid;
            return Err(tag.at.malformed(text!(
                "attribute portid=\"{portid}\" on <port> is out of range 0..=65535",
                "thuộc tính portid=\"{portid}\" của <port> nằm ngoài khoảng 0..=65535"
            )));
        }
        Ok(port)
    }

    fn port_child(&mut self, tag: &Tag<'_>, port: &mut Port) -> Result<PortPart, NmapError> {
        Ok(match tag.name() {
            "state" => {
                self.read_attrs(tag, 0, |a| {
                    match a.key() {
                        // Lenient: a missing state stays empty.
                        "state" => port.state = a.string()?,
                        "reason" => port.reason = Some(a.string()?),
                        _ => {}
                    }
                    Ok(())
                })?;
                PortPart::Done
            }
            "service" => PortPart::Service(self.service(tag)?),
            "script" => PortPart::Script(self.script_start(tag)?),
            // owner (ident scan), ...
            _ => {
                tag.check_refs()?;
                PortPart::Done
            }
        })
    }

    fn service(&mut self, tag: &Tag<'_>) -> Result<Service, NmapError> {
        let mut service = Service::default();
        let s = &mut service;
        self.read_attrs(tag, 0, |a| {
            match a.key() {
                "name" => s.name = Some(a.string()?),
                "product" => s.product = Some(a.string()?),
                "version" => s.version = Some(a.string()?),
                "extrainfo" => s.extrainfo = Some(a.string()?),
                "tunnel" => s.tunnel = Some(a.string()?),
                "method" => s.method = Some(a.string()?),
                "conf" => s.conf = a.number()?,
                "ostype" => s.ostype = Some(a.string()?),
                // servicefp, devicetype, hostname, rpcnum, lowver, highver...
                _ => {}
            }
            Ok(())
        })?;
        Ok(service)
    }

    fn script_start(&mut self, tag: &Tag<'_>) -> Result<Script, NmapError> {
        let cap = self.limits.max_script_output;
        let (mut id, mut output) = (None, None);
        // Not charged as a whole: the output is cut to `cap` first.
        tag.read_attrs(self.limits.max_attributes, |a| {
            match a.key() {
                "id" => id = Some(a.string()?),
                "output" => output = Some(capped(a.string()?, cap)),
                _ => {}
            }
            Ok(())
        })?;
        let id = id.ok_or_else(|| tag.missing("id"))?;
        // Lenient: some old or hand-made files have no output attribute.
        let output = output.unwrap_or_default();
        let record = size_of::<Script>() + id.len() + output.len();
        self.budget.charge(record, tag.at)?;
        Ok(Script { id, output, elements: Vec::new() })
    }

    /// First step of an `<elem>` or `<table>`; `frames` = open tables + 1.
    fn node_start(&mut self, tag: &Tag<'_>, frames: usize) -> Result<NodePart, NmapError> {
        let name = tag.name();
        if name != "elem" && name != "table" {
            tag.check_refs()?;
            return Ok(NodePart::Skip);
        }
        let mut key = None;
        self.read_attrs(tag, size_of::<ScriptNode>(), |a| {
            if a.key() == "key" {
                key = Some(a.string()?);
            }
            Ok(())
        })?;
        if name == "elem" {
            return Ok(NodePart::Elem(key));
        }
        if frames > self.limits.max_nesting {
            let max = self.limits.max_nesting;
            return Err(tag.at.malformed(text!(
                "script output tables nested deeper than {max} levels (max_nesting)",
                "các bảng kết quả script lồng sâu quá {max} cấp (max_nesting)"
            )));
        }
        Ok(NodePart::Table(key))
    }
}
