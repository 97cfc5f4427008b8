//! A host packed into two buffers, to hand it to another thread.
//!
//! Memory allocated by one thread and freed by another is slow with glibc
//! (the freeing thread takes the allocating thread's arena lock, and they
//! end up waiting for each other). So a worker packs each host it parsed
//! and frees it itself; the receiving thread unpacks it into fresh
//! allocations of its own. Tree-shaped script output is packed and unpacked
//! without recursion.

use crate::evidence::nmap::{Address, ExtraPorts, Host, Hostname, OsMatch, Port, Script, ScriptNode, Service};

/// Appends `host` to `out` (its shape) and `text` (all its strings, one
/// after the other: unpacking slices them without checking UTF-8 again).
pub(super) fn pack(host: &Host, out: &mut Vec<u8>, text: &mut String) {
    let w = &mut Writer { out, text };
    w.opt_str(host.state.as_deref());
    w.opt_str(host.reason.as_deref());
    w.len(host.addresses.len());
    for a in &host.addresses {
        w.str(&a.addr);
        w.str(&a.addrtype);
        w.opt_str(a.vendor.as_deref());
    }
    w.len(host.hostnames.len());
    for h in &host.hostnames {
        w.str(&h.name);
        w.opt_str(h.kind.as_deref());
    }
    w.len(host.ports.len());
    for p in &host.ports {
        w.str(&p.protocol);
        w.u32(p.portid);
        w.str(&p.state);
        w.opt_str(p.reason.as_deref());
        match &p.service {
            None => w.u8(0),
            Some(s) => {
                w.u8(1);
                for field in [&s.name, &s.product, &s.version, &s.extrainfo, &s.tunnel, &s.method] {
                    w.opt_str(field.as_deref());
                }
                w.opt_u8(s.conf);
                w.opt_str(s.ostype.as_deref());
                w.len(s.cpe.len());
                for cpe in &s.cpe {
                    w.str(cpe);
                }
            }
        }
        w.scripts(&p.scripts);
    }
    w.len(host.extraports.len());
    for x in &host.extraports {
        w.str(&x.state);
        w.u32(x.count);
    }
    w.len(host.os_matches.len());
    for m in &host.os_matches {
        w.str(&m.name);
        w.opt_u8(m.accuracy);
    }
    w.scripts(&host.scripts);
    w.opt_i64(host.starttime);
    w.opt_i64(host.endtime);
}

/// The host [`pack`] wrote at the start of `bytes` and `text`; `None` if
/// they are not that (which would be a bug). `ports` is scratch space.
pub(super) fn unpack(bytes: &[u8], text: &str, ports: &mut Vec<Port>) -> Option<Host> {
    let r = &mut Reader { bytes, text };
    let state = r.opt_str()?;
    let reason = r.opt_str()?;
    let addresses = r.vec(|r| Some(Address { addr: r.str()?, addrtype: r.str()?, vendor: r.opt_str()? }))?;
    let hostnames = r.vec(|r| Some(Hostname { name: r.str()?, kind: r.opt_str()? }))?;
    ports.clear();
    for _ in 0..r.len()? {
        let (protocol, portid, state, reason) = (r.str()?, r.u32()?, r.str()?, r.opt_str()?);
        let service = match r.u8()? {
            0 => None,
            _ => Some(Service {
                name: r.opt_str()?,
                product: r.opt_str()?,
                version: r.opt_str()?,
                extrainfo: r.opt_str()?,
                tunnel: r.opt_str()?,
                method: r.opt_str()?,
                conf: r.opt_u8()?,
                ostype: r.opt_str()?,
                cpe: r.vec(Reader::str)?,
            }),
        };
        ports.push(Port { protocol, portid, state, reason, service, scripts: r.scripts()? });
    }
    let extraports = r.vec(|r| Some(ExtraPorts { state: r.str()?, count: r.u32()? }))?;
    let os_matches = r.vec(|r| Some(OsMatch { name: r.str()?, accuracy: r.opt_u8()? }))?;
    let scripts = r.scripts()?;
    let (starttime, endtime) = (r.opt_i64()?, r.opt_i64()?);
    // The ports' vector, often the one large allocation, comes last:
    // glibc then serves the many small ones above from the chunks the
    // previous host freed, before a large request merges those away.
    let mut exact = Vec::with_capacity(ports.len());
    exact.append(ports);
    Some(Host {
        state,
        reason,
        addresses,
        hostnames,
        ports: exact,
        extraports,
        os_matches,
        scripts,
        starttime,
        endtime,
    })
}

struct Writer<'a> {
    out: &'a mut Vec<u8>,
    text: &'a mut String,
}

impl Writer<'_> {
    fn u8(&mut self, v: u8) {
        self.out.push(v);
    }

    fn u32(&mut self, v: u32) {
        self.out.extend_from_slice(&v.to_le_bytes());
    }

    fn len(&mut self, n: usize) {
        self.out.extend_from_slice(&(n as u64).to_le_bytes());
    }

    fn str(&mut self, s: &str) {
        self.len(s.len());
        self.text.push_str(s);
    }

    fn opt_str(&mut self, s: Option<&str>) {
        match s {
            None => self.u8(0),
            Some(s) => {
                self.u8(1);
                self.str(s);
            }
        }
    }

    fn opt_u8(&mut self, v: Option<u8>) {
        match v {
            None => self.u8(0),
            Some(v) => self.out.extend_from_slice(&[1, v]),
        }
    }

    fn opt_i64(&mut self, v: Option<i64>) {
        match v {
            None => self.u8(0),
            Some(v) => {
                self.u8(1);
                self.out.extend_from_slice(&v.to_le_bytes());
            }
        }
    }

    /// Scripts and their output trees, depth first: each node is its key,
    /// then 0 and a value (elem) or 1 and a child count (table).
    fn scripts(&mut self, scripts: &[Script]) {
        self.len(scripts.len());
        for script in scripts {
            self.str(&script.id);
            self.str(&script.output);
            self.len(script.elements.len());
            let mut stack = vec![script.elements.iter()];
            while let Some(nodes) = stack.last_mut() {
                match nodes.next() {
                    None => {
                        stack.pop();
                    }
                    Some(ScriptNode::Elem { key, value }) => {
                        self.opt_str(key.as_deref());
                        self.u8(0);
                        self.str(value);
                    }
                    Some(ScriptNode::Table { key, children }) => {
                        self.opt_str(key.as_deref());
                        self.u8(1);
                        self.len(children.len());
                        stack.push(children.iter());
                    }
                }
            }
        }
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    text: &'a str,
}

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let (head, rest) = self.bytes.split_first_chunk::<N>()?;
        self.bytes = rest;
        Some(*head)
    }

    fn u8(&mut self) -> Option<u8> {
        self.take::<1>().map(|[v]| v)
    }

    fn u32(&mut self) -> Option<u32> {
        self.take().map(u32::from_le_bytes)
    }

    fn len(&mut self) -> Option<usize> {
        usize::try_from(u64::from_le_bytes(self.take()?)).ok()
    }

    fn str(&mut self) -> Option<String> {
        let n = self.len()?;
        let (s, rest) = self.text.split_at_checked(n)?;
        self.text = rest;
        Some(s.to_owned())
    }

    fn opt_str(&mut self) -> Option<Option<String>> {
        match self.u8()? {
            0 => Some(None),
            _ => self.str().map(Some),
        }
    }

    fn opt_u8(&mut self) -> Option<Option<u8>> {
        match self.u8()? {
            0 => Some(None),
            _ => self.u8().map(Some),
        }
    }

    fn opt_i64(&mut self) -> Option<Option<i64>> {
        match self.u8()? {
            0 => Some(None),
            _ => self.take().map(|v| Some(i64::from_le_bytes(v))),
        }
    }

    /// `n` items read by `item`, in a vector of exactly that size.
    fn vec<T>(&mut self, mut item: impl FnMut(&mut Self) -> Option<T>) -> Option<Vec<T>> {
        let n = self.len()?;
        // Each item takes at least a byte: a bad count cannot allocate much.
        let mut items = Vec::with_capacity(n.min(self.bytes.len()));
        for _ in 0..n {
            items.push(item(self)?);
        }
        Some(items)
    }

    fn scripts(&mut self) -> Option<Vec<Script>> {
        self.vec(|r| {
            let (id, output) = (r.str()?, r.str()?);
            Some(Script { id, output, elements: r.nodes()? })
        })
    }

    /// What [`Writer::scripts`] wrote for one script's elements.
    fn nodes(&mut self) -> Option<Vec<ScriptNode>> {
        // One frame per open table: its key, children so far, children left.
        let n = self.len()?;
        let mut stack: Vec<(Option<String>, Vec<ScriptNode>, usize)> =
            vec![(None, Vec::with_capacity(n.min(self.bytes.len())), n)];
        loop {
            let (_, _, left) = stack.last_mut()?;
            if *left == 0 {
                let (key, children, _) = stack.pop()?;
                match stack.last_mut() {
                    Some((_, siblings, _)) => siblings.push(ScriptNode::Table { key, children }),
                    None => return Some(children),
                }
                continue;
            }
            *left -= 1;
            let key = self.opt_str()?;
            if self.u8()? == 0 {
                let value = self.str()?;
                stack.last_mut()?.1.push(ScriptNode::Elem { key, value });
            } else {
                let n = self.len()?;
                stack.push((key, Vec::with_capacity(n.min(self.bytes.len())), n));
            }
        }
    }
}
