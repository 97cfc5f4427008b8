//! nmap results as evidence: streams an nmap XML file, keeps the hosts that belong to declared
//! assets, and summarises the rest as unregistered assets. Memory is bounded by the registered
//! scope, not by the size of the file.

use super::nmap::{self, Host, Limits, NmapError, RunInfo};
use super::scope::Scope;
use std::io::BufReader;
use std::net::IpAddr;
use std::path::Path;

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
    fn new(host: Host, run_start: Option<i64>) -> ScannedHost {
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

fn open_ports(h: &Host) -> impl Iterator<Item = String> + '_ {
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
    /// Set when the file is truncated or malformed: the hosts before the damage are kept.
    pub error: Option<NmapError>,
    pub hosts: Vec<ScannedHost>,
    pub unregistered: Vec<Unregistered>,
}

impl NmapInput {
    pub fn partial(&self) -> bool {
        self.error.is_some()
    }
}

/// Imports one nmap XML file against the declared scope.
pub fn import(path: &Path, scope: &Scope) -> NmapInput {
    let file = path.display().to_string();
    let reader = match crate::files::open(path) {
        Ok(f) => BufReader::with_capacity(256 << 10, f),
        Err(e) => {
            return NmapInput {
                file,
                run: RunInfo::default(),
                error: Some(NmapError::Io(e.into())),
                hosts: Vec::new(),
                unregistered: Vec::new(),
            };
        }
    };
    let mut hosts = Vec::new();
    let mut unregistered = Vec::new();
    // The run's start time is known before the first host (it is an attribute of <nmaprun>), but
    // the callback does not see it; hosts carry their own start time in nmap ≥ 5, and the rest get
    // the run's start below.
    let (run, error) = nmap::read_nmap_partial(reader, &Limits::default(), |h| {
        let sh = ScannedHost::new(h, None);
        if scope.contains(&sh.addresses, &sh.names) {
            hosts.push(sh);
        } else if sh.is_up() {
            unregistered.push(Unregistered {
                address: sh.label.clone(),
                seen_in: file.clone(),
                open_ports: open_ports(&sh.host).collect(),
            });
        }
        Ok(())
    });
    for h in &mut hosts {
        h.observed = h.observed.or(run.start);
    }
    NmapInput { file, run, error, hosts, unregistered }
}
