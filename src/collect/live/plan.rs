//! What a live run probes: exactly the TLS endpoints, URLs and SSH endpoints the inventory declares (scope
//! safety), each once however many systems declare it.

use crate::inventory::{HostAsset, Inventory, TlsAsset, same_name_key};
use std::collections::{BTreeSet, HashMap};
use std::net::IpAddr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Tls,
    Http,
    Ssh,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Tls => "tls",
            Kind::Http => "http",
            Kind::Ssh => "ssh",
        }
    }

    /// The kind of the records this target's probe writes.
    pub fn record_kind(self) -> crate::evidence::RecordKind {
        match self {
            Kind::Tls => crate::evidence::RecordKind::Tls,
            Kind::Http => crate::evidence::RecordKind::Http,
            Kind::Ssh => crate::evidence::RecordKind::Ssh,
        }
    }
}

/// One probe target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub kind: Kind,
    /// The record's `target`: `host:port` for TLS, the URL for HTTP.
    pub name: String,
    /// The host name (or address literal) used for SNI, `Host` and hostname checks.
    pub host: String,
    pub port: u16,
    /// The address to connect to instead of resolving `host` (an inventory pin).
    pub address: Option<IpAddr>,
    /// The URL, for HTTP targets.
    pub url: Option<url::Url>,
    /// `agency/system` of every system that declares the target, for progress and logs.
    pub systems: Vec<String>,
}

impl Target {
    /// The name to send in SNI: names only (RFC 6066), so an address-literal target has none.
    pub fn sni(&self) -> Option<&str> {
        (self.kind == Kind::Tls && self.host.parse::<IpAddr>().is_err()).then_some(self.host.as_str())
    }
}

/// Which targets a run takes.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only these systems (`ID` or `AGENCY/ID`); empty = all.
    pub systems: Vec<String>,
    /// Only this kind; `None` = all.
    pub kind: Option<Kind>,
}

impl Filter {
    fn takes_system(&self, agency: &str, system: &str) -> bool {
        self.systems.is_empty() || self.systems.iter().any(|s| s == system || *s == format!("{agency}/{system}"))
    }

    fn takes(&self, kind: Kind) -> bool {
        self.kind.is_none_or(|k| k == kind)
    }
}

/// The targets of the inventory that pass the filter, in a stable order (kind, name, address).
pub fn plan(inv: &Inventory, filter: &Filter) -> Vec<Target> {
    let mut out = Planned::default();
    for (agency, system) in inv.systems() {
        if !filter.takes_system(&agency.id, &system.id) {
            continue;
        }
        let owner = format!("{}/{}", agency.id, system.id);
        if filter.takes(Kind::Tls) {
            for t in system.assets.tls_endpoints() {
                out.add(tls_target(&t), &owner);
            }
        }
        if filter.takes(Kind::Http) {
            for u in &system.assets.urls {
                let host = u.url.host_str().unwrap_or_default().trim_start_matches('[').trim_end_matches(']');
                let target = Target {
                    kind: Kind::Http,
                    name: u.url.to_string(),
                    host: host.to_string(),
                    port: u.url.port_or_known_default().unwrap_or(80),
                    address: u.address,
                    url: Some(u.url.clone()),
                    systems: Vec::new(),
                };
                out.add(target, &owner);
            }
        }
        if filter.takes(Kind::Ssh) {
            for t in &system.assets.ssh {
                out.add(Target { kind: Kind::Ssh, ..tls_target(t) }, &owner);
            }
        }
    }
    let mut out = out.targets;
    out.sort_by(|a, b| (a.kind, &a.name, a.address).cmp(&(b.kind, &b.name, b.address)));
    out
}

fn tls_target(t: &TlsAsset) -> Target {
    Target {
        kind: Kind::Tls,
        name: t.target(),
        host: t.host.clone(),
        port: t.port,
        address: t.address,
        url: None,
        systems: Vec::new(),
    }
}

type Key = (Kind, String, Option<IpAddr>);

#[derive(Default)]
struct Planned {
    targets: Vec<Target>,
    index: HashMap<Key, usize>,
}

impl Planned {
    /// Adds a target, or the owner to the same target already planned (same kind, name by DNS
    /// rules, and pin).
    fn add(&mut self, t: Target, owner: &str) {
        // URLs are already normalised by parsing (scheme and host lower-cased); their paths are
        // case-sensitive, so only TLS names are folded.
        let name = if t.kind == Kind::Http { t.name.clone() } else { same_name_key(&t.name) };
        let key = (t.kind, name, t.address);
        match self.index.get(&key) {
            Some(&i) => {
                let systems = &mut self.targets[i].systems;
                if !systems.iter().any(|s| s == owner) {
                    systems.push(owner.to_string());
                }
            }
            None => {
                self.index.insert(key, self.targets.len());
                self.targets.push(Target { systems: vec![owner.to_string()], ..t });
            }
        }
    }
}

/// Every host the inventory declares by name or address: redirects to these may be followed;
/// anything else is recorded but never contacted.
pub fn declared_hosts(inv: &Inventory) -> Vec<String> {
    let mut hosts = BTreeSet::new();
    for (_, system) in inv.systems() {
        let a = &system.assets;
        for h in &a.hosts {
            match h {
                HostAsset::Ip(ip) => hosts.insert(ip.to_string()),
                HostAsset::Name(n) => hosts.insert(same_name_key(n)),
                HostAsset::Net(_) => false,
            };
        }
        for u in &a.urls {
            if let Some(h) = u.url.host_str() {
                hosts.insert(same_name_key(h.trim_start_matches('[').trim_end_matches(']')));
            }
        }
        for t in a.tls.iter().chain(&a.ssh) {
            hosts.insert(same_name_key(&t.host));
        }
    }
    hosts.into_iter().collect()
}
