//! The nmap grammar, as a pull parser over [`XmlStream`].
//!
//! Each element we model has two steps: its attributes are turned into owned
//! values while the tag still borrows the read buffer, then its children are
//! read. Elements we do not model are skipped without keeping anything.

use std::io::BufRead;

use super::model::{
    Address, ExtraPorts, Host, Hostname, OsMatch, Port, RunInfo, Script, ScriptNode, Service,
};
use super::xml::{Attrs, Ev, Here, Tag, XmlStream, shown};
use super::{Limits, NmapError, TRUNCATION_MARK};

/// Smallest per-token cap, so that tiny test limits still read `<nmaprun>`.
const MIN_TOKEN: usize = 64 * 1024;
/// Fixed element levels above a script's tables (nmaprun/host/ports/port/script)
/// plus the `<elem>` below them, with some slack.
const DEPTH_SLACK: usize = 8;

/// Reads the stream; what it keeps lives in [`Cx`], a separate field so that
/// a tag borrowed from `xml` can be handed to `cx`.
pub(super) struct Parser<'l, R> {
    xml: XmlStream<R>,
    pub(super) cx: Cx<'l>,
}

/// Limits, the current host's budget and the run summary.
pub(super) struct Cx<'l> {
    limits: &'l Limits,
    budget: Budget,
    pub(super) run: RunInfo,
    runstats_seen: bool,
}

/// Bytes of text and attributes one host may still keep.
struct Budget {
    left: usize,
    max: usize,
}

impl Budget {
    fn charge(&mut self, bytes: usize, at: Here) -> Result<(), NmapError> {
        self.left = self.left.checked_sub(bytes).ok_or_else(|| {
            at.malformed(format!(
                "host is larger than max_host_bytes ({} bytes of text and attributes)",
                self.max
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
    at.malformed(format!(
        "file is truncated: end of file inside <{inside}>, before </nmaprun>"
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
        Self {
            text: String::new(),
            cap,
            cut: false,
        }
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

impl<'l, R: BufRead> Parser<'l, R> {
    pub(super) fn new(reader: R, limits: &'l Limits) -> Self {
        let max_token = limits.max_host_bytes.max(MIN_TOKEN);
        let max_depth = limits.max_nesting.saturating_add(DEPTH_SLACK);
        Self {
            xml: XmlStream::new(reader, max_token, max_depth),
            cx: Cx {
                limits,
                budget: Budget {
                    left: limits.max_host_bytes,
                    max: limits.max_host_bytes,
                },
                run: RunInfo::default(),
                runstats_seen: false,
            },
        }
    }

    /// Reads the whole document, handing each host to `on_host`; returns
    /// the error that stopped it, with its line and column.
    pub(super) fn run(
        &mut self,
        on_host: &mut dyn FnMut(Host) -> Result<(), String>,
    ) -> Option<NmapError> {
        let error = self.document(on_host).err()?;
        Some(self.xml.locate(error))
    }

    fn document(
        &mut self,
        on_host: &mut dyn FnMut(Host) -> Result<(), String>,
    ) -> Result<(), NmapError> {
        if !self.root()? {
            self.nmaprun_body(on_host)?;
        }
        self.epilog()?;
        self.cx.run.complete = self.cx.runstats_seen;
        Ok(())
    }

    /// Prolog up to the root element, which must be `<nmaprun>`; reads its
    /// attributes and returns whether it is empty.
    fn root(&mut self) -> Result<bool, NmapError> {
        loop {
            let (at, ev) = self.xml.next()?;
            match ev {
                Ev::Open(tag) => {
                    if tag.name() != "nmaprun" {
                        return Err(at.malformed(format!(
                            "not an nmap XML file: root element is <{}>",
                            shown(tag.name())
                        )));
                    }
                    let mut a = tag.attrs(self.cx.limits.max_attributes)?;
                    self.cx.run.scanner = a.opt("scanner");
                    self.cx.run.version = a.opt("version");
                    self.cx.run.args = a.opt("args");
                    self.cx.run.xml_output_version = a.opt("xmloutputversion");
                    self.cx.run.start = a.num("start")?;
                    return Ok(tag.empty);
                }
                Ev::Text(text) if is_blank(&text) => {}
                Ev::Other => {}
                Ev::Text(_) | Ev::Close => {
                    return Err(
                        at.malformed("not an nmap XML file: content before the root element")
                    );
                }
                Ev::Eof => return Err(at.malformed("not an nmap XML file: no root element")),
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
                    return Err(at.malformed("content after </nmaprun>"));
                }
            }
        }
    }

    fn nmaprun_body(
        &mut self,
        on_host: &mut dyn FnMut(Host) -> Result<(), String>,
    ) -> Result<(), NmapError> {
        loop {
            let (at, ev) = self.xml.next()?;
            let (top, empty) = match ev {
                Ev::Open(tag) => (self.cx.top_element(&tag)?, tag.empty),
                Ev::Close => return Ok(()),
                Ev::Eof => return Err(truncated(at, "nmaprun")),
                Ev::Text(_) | Ev::Other => continue,
            };
            match top {
                Top::Host(mut host) => {
                    if !empty {
                        self.host_body(&mut host)?;
                    }
                    self.cx.run.hosts_parsed += 1;
                    on_host(*host).map_err(NmapError::Callback)?;
                }
                Top::Runstats => {
                    self.cx.runstats_seen = true;
                    self.runstats_body(empty)?;
                }
                Top::Skip => self.skip(empty, "nmaprun")?,
            }
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
                Ev::Close => return Ok(()),
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
                    let mut a = self.cx.attrs(&tag)?;
                    host.hostnames.push(Hostname {
                        name: a.req("name")?,
                        kind: a.opt("type"),
                    });
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
                    let mut a = self.cx.attrs(&tag)?;
                    host.os_matches.push(OsMatch {
                        name: a.req("name")?,
                        accuracy: a.num("accuracy")?,
                    });
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
                Ev::Open(tag) if tag.name() == "script" => {
                    (Some(self.cx.script_start(&tag)?), tag.empty)
                }
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
                Ev::Open(tag) if tag.name() == "port" => {
                    (Some(self.cx.port_start(&tag, host)?), tag.empty)
                }
                Ev::Open(tag) if tag.name() == "extraports" => {
                    let mut a = self.cx.attrs(&tag)?;
                    host.extraports.push(ExtraPorts {
                        state: a.req("state")?,
                        count: a.req_num("count")?,
                    });
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
                    host.ports.push(port);
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
                NodePart::Elem(key) => ScriptNode::Elem {
                    key,
                    value: self.text_content(empty, "elem")?,
                },
                NodePart::Table(key) if empty => ScriptNode::Table {
                    key,
                    children: Vec::new(),
                },
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
        let mut acc = Capped::new(self.cx.limits.max_script_output);
        if empty {
            return Ok(acc.finish());
        }
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
                Ev::Close => return Ok(acc.finish()),
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
/// the read buffer.
impl Cx<'_> {
    /// First step of a child of `<nmaprun>`.
    fn top_element(&mut self, tag: &Tag<'_>) -> Result<Top, NmapError> {
        Ok(match tag.name() {
            "host" => {
                self.budget.reset();
                let a = self.attrs(tag)?;
                Top::Host(Box::new(Host {
                    starttime: a.num("starttime")?,
                    endtime: a.num("endtime")?,
                    ..Host::default()
                }))
            }
            "runstats" => Top::Runstats,
            // scaninfo, verbose, debugging, task*, prescript, postscript,
            // hosthint, output...: nothing we model.
            _ => {
                tag.check_refs()?;
                Top::Skip
            }
        })
    }

    /// Attributes of a modelled element, charged to the host budget.
    fn attrs<'t>(&mut self, tag: &'t Tag<'_>) -> Result<Attrs<'t>, NmapError> {
        let a = tag.attrs(self.limits.max_attributes)?;
        self.budget.charge(a.size(), a.at())?;
        Ok(a)
    }

    fn runstats_child(&mut self, tag: &Tag<'_>) -> Result<(), NmapError> {
        match tag.name() {
            "finished" => {
                let mut a = tag.attrs(self.limits.max_attributes)?;
                self.run.finished = a.num("time")?;
                self.run.exit = a.opt("exit");
                self.run.error_msg = a.opt("errormsg");
            }
            "hosts" => {
                let a = tag.attrs(self.limits.max_attributes)?;
                self.run.hosts_up = a.num("up")?;
                self.run.hosts_down = a.num("down")?;
                self.run.hosts_total = a.num("total")?;
            }
            _ => tag.check_refs()?,
        }
        Ok(())
    }

    /// First step of a child of `<host>`: elements made only of attributes
    /// are stored right away.
    fn host_child(&mut self, tag: &Tag<'_>, host: &mut Host) -> Result<HostPart, NmapError> {
        Ok(match tag.name() {
            "status" => {
                let mut a = self.attrs(tag)?;
                host.state = a.opt("state");
                host.reason = a.opt("reason");
                HostPart::Done
            }
            "address" => {
                let mut a = self.attrs(tag)?;
                host.addresses.push(Address {
                    addr: a.req("addr")?,
                    addrtype: a.opt("addrtype").unwrap_or_else(|| "ipv4".to_owned()),
                    vendor: a.opt("vendor"),
                });
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

    fn port_start(&mut self, tag: &Tag<'_>, host: &Host) -> Result<Port, NmapError> {
        let mut a = self.attrs(tag)?;
        if host.ports.len() >= self.limits.max_ports_per_host {
            return Err(a.at().malformed(format!(
                "host has more than max_ports_per_host ({}) ports",
                self.limits.max_ports_per_host
            )));
        }
        let portid: u32 = a.req_num("portid")?;
        if portid > 65535 {
            return Err(a.at().malformed(format!(
                "attribute portid=\"{portid}\" on <port> is out of range 0..=65535"
            )));
        }
        Ok(Port {
            // Lenient: hand-edited files in the wild omit it.
            protocol: a.opt("protocol").unwrap_or_default(),
            portid,
            ..Port::default()
        })
    }

    fn port_child(&mut self, tag: &Tag<'_>, port: &mut Port) -> Result<PortPart, NmapError> {
        Ok(match tag.name() {
            "state" => {
                let mut a = self.attrs(tag)?;
                port.state = a.opt("state").unwrap_or_default();
                port.reason = a.opt("reason");
                PortPart::Done
            }
            "service" => {
                let mut a = self.attrs(tag)?;
                PortPart::Service(Service {
                    name: a.opt("name"),
                    product: a.opt("product"),
                    version: a.opt("version"),
                    extrainfo: a.opt("extrainfo"),
                    tunnel: a.opt("tunnel"),
                    method: a.opt("method"),
                    conf: a.num("conf")?,
                    ostype: a.opt("ostype"),
                    cpe: Vec::new(),
                })
            }
            "script" => PortPart::Script(self.script_start(tag)?),
            // owner (ident scan), ...
            _ => {
                tag.check_refs()?;
                PortPart::Done
            }
        })
    }

    fn script_start(&mut self, tag: &Tag<'_>) -> Result<Script, NmapError> {
        let mut a = tag.attrs(self.limits.max_attributes)?;
        let cap = self.limits.max_script_output;
        let id = a.req("id")?;
        // Lenient: some old or hand-made files have no output attribute.
        let output = capped(a.opt("output").unwrap_or_default(), cap);
        self.budget.charge(id.len() + output.len(), a.at())?;
        Ok(Script {
            id,
            output,
            elements: Vec::new(),
        })
    }

    /// First step of an `<elem>` or `<table>`; `frames` = open tables + 1.
    fn node_start(&mut self, tag: &Tag<'_>, frames: usize) -> Result<NodePart, NmapError> {
        let name = tag.name();
        if name != "elem" && name != "table" {
            tag.check_refs()?;
            return Ok(NodePart::Skip);
        }
        let mut a = self.attrs(tag)?;
        let key = a.opt("key");
        if name == "elem" {
            return Ok(NodePart::Elem(key));
        }
        if frames > self.limits.max_nesting {
            return Err(a.at().malformed(format!(
                "script output tables nested deeper than {} levels (max_nesting)",
                self.limits.max_nesting
            )));
        }
        Ok(NodePart::Table(key))
    }
}
