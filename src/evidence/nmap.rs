//! nmap evidence: one `Host` per `<host>` element of a scan, and the hosts of a file that match
//! the declared assets ([`NmapInput`]).
//!
//! Strings are kept exactly as nmap wrote them (entities decoded, nothing
//! trimmed or sanitised): deciding what is trustworthy is the caller's job.

use serde::Serialize;
use std::net::IpAddr;

/// One `<host>` element, fully parsed. All strings are exactly as in the file (un-escaped), not sanitised.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Host {
    /// `<status state="up|down|unknown">`.
    pub state: Option<String>,
    /// `<status reason>`.
    pub reason: Option<String>,
    /// `<address addr addrtype vendor>`.
    pub addresses: Vec<Address>,
    /// `<hostnames><hostname name type>`.
    pub hostnames: Vec<Hostname>,
    /// `<ports><port>`, in file order (several `<ports>` blocks are concatenated).
    pub ports: Vec<Port>,
    /// `<ports><extraports state count>`.
    pub extraports: Vec<ExtraPorts>,
    /// `<os><osmatch name accuracy>`.
    pub os_matches: Vec<OsMatch>,
    /// `<hostscript><script>`.
    pub scripts: Vec<Script>,
    /// `<host starttime>` (unix seconds).
    pub starttime: Option<i64>,
    /// `<host endtime>` (unix seconds).
    pub endtime: Option<i64>,
}

/// `<address addr addrtype vendor>`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Address {
    pub addr: String,
    /// `ipv4`, `ipv6` or `mac`; `ipv4` when the attribute is absent (the nmap DTD default).
    pub addrtype: String,
    /// NIC vendor, only on `mac` addresses.
    pub vendor: Option<String>,
}

/// `<hostname name type>`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Hostname {
    pub name: String,
    /// The `type` attribute: `user` or `PTR`.
    pub kind: Option<String>,
}

/// `<port protocol portid>` with its `<state>`, `<service>` and `<script>` children.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Port {
    /// `tcp`, `udp`, `sctp` or `ip`; empty when a (hand-edited) file omits it.
    pub protocol: String,
    /// 0..=65535 (validated).
    pub portid: u32,
    /// `<state state>`: `open`, `closed`, `filtered`, `open|filtered`...; empty if absent.
    pub state: String,
    /// `<state reason>`.
    pub reason: Option<String>,
    pub service: Option<Service>,
    pub scripts: Vec<Script>,
}

/// `<service>` attributes and its nested `<cpe>` text elements.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Service {
    pub name: Option<String>,
    pub product: Option<String>,
    pub version: Option<String>,
    pub extrainfo: Option<String>,
    pub tunnel: Option<String>,
    /// `probed` or `table`.
    pub method: Option<String>,
    /// Detection confidence 0..=10.
    pub conf: Option<u8>,
    pub ostype: Option<String>,
    pub cpe: Vec<String>,
}

/// One NSE `<script id output>` with its structured output, if any.
///
/// `output` and element values longer than `Limits::max_script_output` are cut
/// and end with [`TRUNCATION_MARK`](super::TRUNCATION_MARK).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Script {
    pub id: String,
    pub output: String,
    pub elements: Vec<ScriptNode>,
}

/// Structured NSE output: `<elem key>text</elem>` or `<table key>...</table>`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum ScriptNode {
    Elem { key: Option<String>, value: String },
    Table { key: Option<String>, children: Vec<ScriptNode> },
}

/// `<extraports state count>`: ports summarised rather than listed.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ExtraPorts {
    pub state: String,
    pub count: u32,
}

/// `<osmatch name accuracy>`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct OsMatch {
    pub name: String,
    /// Percent, 0..=100.
    pub accuracy: Option<u8>,
}

/// What the run says about itself (from `<nmaprun>`, `<scaninfo>`, `<runstats>`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RunInfo {
    pub scanner: Option<String>,
    pub version: Option<String>,
    pub args: Option<String>,
    pub xml_output_version: Option<String>,
    /// `<nmaprun start>` (unix seconds).
    pub start: Option<i64>,
    /// `<runstats><finished time>`; `None` = no `<runstats>` (interrupted run).
    pub finished: Option<i64>,
    /// `<finished exit>`: `success` or `error` (absent before nmap 5).
    pub exit: Option<String>,
    /// `<finished errormsg>`.
    pub error_msg: Option<String>,
    pub hosts_up: Option<u64>,
    pub hosts_down: Option<u64>,
    pub hosts_total: Option<u64>,
    /// Number of `<host>` elements delivered to the callback.
    pub hosts_parsed: u64,
    /// True only when `</nmaprun>` was reached AND `<runstats>` was present.
    pub complete: bool,
}

impl Script {
    /// Depth-first iterator over every `<elem>` of the structured output,
    /// as `(key, value)`; handy for scripts like `vulners` or `ssl-cert`.
    pub fn elems(&self) -> impl Iterator<Item = (Option<&str>, &str)> {
        let mut stack: Vec<&ScriptNode> = self.elements.iter().rev().collect();
        std::iter::from_fn(move || {
            while let Some(node) = stack.pop() {
                match node {
                    ScriptNode::Elem { key, value } => {
                        return Some((key.as_deref(), value.as_str()));
                    }
                    ScriptNode::Table { children, .. } => stack.extend(children.iter().rev()),
                }
            }
            None
        })
    }
}

/// A scanned host that matches at least one declared asset.
#[derive(Debug, Clone)]
pub struct ScannedHost {
    pub addresses: Vec<IpAddr>,
    pub names: Vec<String>,
    pub host: Host,
    /// When the host was scanned (unix seconds): the host's own start time, else the run's.
    pub observed: Option<i64>,
    /// The address shown in findings (first IP address, else first name).
    pub label: String,
}

impl ScannedHost {
    pub fn new(host: Host, run_start: Option<i64>) -> ScannedHost {
        let addresses: Vec<IpAddr> = host.addresses.iter().filter_map(|a| a.addr.parse().ok()).collect();
        let names: Vec<String> = host.hostnames.iter().map(|h| h.name.clone()).collect();
        let label = addresses.first().map(ToString::to_string).or_else(|| names.first().cloned()).unwrap_or_default();
        let observed = host.starttime.or(run_start);
        ScannedHost { addresses, names, host, observed, label }
    }

    /// Seen up: nmap says so, or it has an open port.
    pub fn is_up(&self) -> bool {
        self.host.state.as_deref() == Some("up") || open_ports(&self.host).next().is_some()
    }
}

/// The open ports of a host, as `port/protocol`.
pub fn open_ports(h: &Host) -> impl Iterator<Item = String> + '_ {
    h.ports.iter().filter(|p| p.state == "open").map(|p| format!("{}/{}", p.portid, p.protocol))
}

/// A host seen up that matches no declared asset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unregistered {
    pub address: String,
    pub seen_in: String,
    pub open_ports: Vec<String>,
}

/// One imported nmap file.
#[derive(Debug)]
pub struct NmapInput {
    pub file: String,
    pub run: RunInfo,
    /// Set when the file is unreadable, truncated or malformed (with the position): the hosts
    /// before the damage are kept.
    pub error: Option<crate::i18n::Text>,
    pub hosts: Vec<ScannedHost>,
    pub unregistered: Vec<Unregistered>,
}

impl NmapInput {
    pub fn partial(&self) -> bool {
        self.error.is_some()
    }
}
