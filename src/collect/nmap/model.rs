//! What the importer produces: plain data, one `Host` per `<host>` element.
//!
//! Strings are kept exactly as nmap wrote them (entities decoded, nothing
//! trimmed or sanitised): deciding what is trustworthy is the caller's job.

use serde::Serialize;

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
