//! What a live run probes: exactly the TLS endpoints, URLs, SSH and mail endpoints the inventory
//! declares (scope safety), each once however many systems declare it.

use crate::inventory::{HostAsset, Inventory, MailProtocol, TlsAsset, same_name_key};
use std::collections::{BTreeSet, HashMap};
use std::net::IpAddr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Tls,
    Http,
    Ssh,
    /// A mail endpoint: TLS reached through its protocol (STARTTLS or implicit), `tls` records.
    Mail,
    /// A declared domain, asked of the resolver: `dns` records.
    Dns,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Tls => "tls",
            Kind::Http => "http",
            Kind::Ssh => "ssh",
            Kind::Mail => "mail",
            Kind::Dns => "dns",
        }
    }

    /// The kind of the records this target's probe writes.
    pub fn record_kind(self) -> crate::evidence::RecordKind {
        match self {
            Kind::Tls | Kind::Mail => crate::evidence::RecordKind::Tls,
            Kind::Http => crate::evidence::RecordKind::Http,
            Kind::Ssh => crate::evidence::RecordKind::Ssh,
            Kind::Dns => crate::evidence::RecordKind::Dns,
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
    /// How a mail target speaks.
    pub mail: Option<MailProtocol>,
    /// `agency/system` of every system that declares the target, for progress and logs.
    pub systems: Vec<String>,
}

impl Target {
    /// The name to send in SNI: names only (RFC 6066), so an address-literal target has none.
    pub fn sni(&self) -> Option<&str> {
        let tls = matches!(self.kind, Kind::Tls | Kind::Mail);
        (tls && self.host.parse::<IpAddr>().is_err()).then_some(self.host.as_str())
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
            // A mail endpoint's TLS is reached through its protocol: probed as mail below.
            for t in system.assets.tls_endpoints().iter().filter(|t| system.assets.mail_at(t).is_none()) {
                out.add(tls_target(t), &owner);
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
                    mail: None,
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
        if filter.takes(Kind::Mail) {
            for m in &system.assets.mail {
                out.add(Target { kind: Kind::Mail, mail: Some(m.protocol), ..tls_target(&m.endpoint) }, &owner);
            }
        }
        if filter.takes(Kind::Dns) {
            for d in &system.assets.domains {
                let target = Target {
                    kind: Kind::Dns,
                    name: d.clone(),
                    host: d.clone(),
                    port: 53,
                    address: None,
                    url: None,
                    mail: None,
                    systems: Vec::new(),
                };
                out.add(target, &owner);
            }
        }
    }
    let mut out = out.targets;
    out.sort_by(|a, b| (a.kind, &a.name, a.address).cmp(&(b.kind, &b.name, b.address)));
    out
}

/// Points every DNS target at the resolver that will be asked: the runner then waits for that
/// address's target slot (the per-resolver politeness) and records where it asked.
pub fn pin_resolver(targets: &mut [Target], resolver: std::net::SocketAddr) {
    for t in targets.iter_mut().filter(|t| t.kind == Kind::Dns) {
        t.address = Some(resolver.ip());
        t.port = resolver.port();
    }
}

/// The host names declared as `mail:` endpoints: an MX host among them is probed as one.
pub fn declared_mail_hosts(inv: &Inventory) -> Vec<String> {
    let mut hosts = BTreeSet::new();
    for (_, system) in inv.systems() {
        hosts.extend(system.assets.mail.iter().map(|m| same_name_key(&m.endpoint.host)));
    }
    hosts.into_iter().collect()
}

fn tls_target(t: &TlsAsset) -> Target {
    Target {
        kind: Kind::Tls,
        name: t.target(),
        host: t.host.clone(),
        port: t.port,
        address: t.address,
        url: None,
        mail: None,
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
        for t in a.tls.iter().chain(&a.ssh).chain(a.mail.iter().map(|m| &m.endpoint)) {
            hosts.insert(same_name_key(&t.host));
        }
        // A declared domain allows its MTA-STS policy host (and only that fetch).
        for d in &a.domains {
            hosts.insert(format!("mta-sts.{d}"));
        }
    }
    hosts.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inventory(assets: &str) -> Inventory {
        let text = format!(
            "schema: tuanthu/inventory/v1\nagency: {{id: a, name: A}}\nsystems:\n  - {{id: s, name: S, level: 1, approval: {{status: draft}}, assets: {assets}}}\n"
        );
        Inventory { agencies: vec![crate::inventory::parse_file("x.yaml", &text, &[]).unwrap()] }
    }

    #[test]
    fn mail_endpoints_are_probed_as_mail_once_and_their_hosts_are_declared() {
        let inv = inventory(
            "{tls: [web.example.vn:443, MX.example.vn:465], mail: [{target: mx.example.vn:465, protocol: smtps}, {target: mx.example.vn:25, protocol: smtp, address: 10.0.0.5}]}",
        );
        let got: Vec<(Kind, String, Option<MailProtocol>, Option<IpAddr>)> =
            plan(&inv, &Filter::default()).into_iter().map(|t| (t.kind, t.name, t.mail, t.address)).collect();
        let want = vec![
            (Kind::Tls, "web.example.vn:443".to_string(), None, None),
            (Kind::Mail, "mx.example.vn:25".to_string(), Some(MailProtocol::Smtp), Some("10.0.0.5".parse().unwrap())),
            (Kind::Mail, "mx.example.vn:465".to_string(), Some(MailProtocol::Smtps), None),
        ];
        assert_eq!(got, want, "the tls: entry at the mail endpoint is probed once, as mail");
        let only_tls = Filter { kind: Some(Kind::Tls), ..Filter::default() };
        assert_eq!(plan(&inv, &only_tls).len(), 1);
        assert!(declared_hosts(&inv).contains(&"mx.example.vn".to_string()));
        let t = &plan(&inv, &Filter::default())[1];
        assert_eq!((t.sni(), t.kind.record_kind().as_str()), (Some("mx.example.vn"), "tls"));
    }

    #[test]
    fn domains_are_planned_once_at_the_resolver_and_allow_their_mta_sts_host() {
        let inv = inventory("{domains: [Example.vn, example.vn.], mail: [{target: mx.example.vn:25, protocol: smtp}]}");
        let mut dns: Vec<Target> =
            plan(&inv, &Filter { kind: Some(Kind::Dns), ..Filter::default() }).into_iter().collect();
        assert_eq!(dns.iter().map(|t| (t.kind, t.name.as_str())).collect::<Vec<_>>(), [(Kind::Dns, "example.vn")]);
        pin_resolver(&mut dns, "192.0.2.53:5353".parse().unwrap());
        assert_eq!((dns[0].address, dns[0].port, dns[0].sni()), (Some("192.0.2.53".parse().unwrap()), 5353, None));
        assert_eq!(dns[0].kind.record_kind().as_str(), "dns");
        assert!(declared_hosts(&inv).contains(&"mta-sts.example.vn".to_string()));
        assert_eq!(declared_mail_hosts(&inv), ["mx.example.vn"]);
    }
}
