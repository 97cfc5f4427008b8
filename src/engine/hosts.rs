//! Host evidence — host audits, vulnerability scans, monitoring agents — matched to the hosts each
//! system declares.
//!
//! A record matches a declared host by address, then by host name (exact, case-insensitive: `web01`
//! matches a declared `web01`, not `web01.example.gov.vn`). A declared network stands for its
//! addresses the nmap evidence saw up. Of several records of one kind for one host, the newest
//! observed no later than the evaluation date is judged (an older one never overrides it); records
//! that match no declared host of any system are unregistered assets, never dropped.

use super::SystemCx;
use super::model::UnregisteredAsset;
use crate::evidence::file::EvidenceInput;
use crate::evidence::{Facts, Record, RecordKind};
use crate::i18n::Text;
use crate::inventory::{HostAsset, Scope, same_name_key};
use std::collections::HashMap;
use std::net::IpAddr;
use time::{Date, OffsetDateTime};

/// (input index, record index).
type At = (usize, usize);

/// Host records of every evidence input, indexed once per evaluation.
#[derive(Default)]
pub struct HostRecords {
    by_addr: HashMap<IpAddr, Vec<At>>,
    by_name: HashMap<String, Vec<At>>,
    /// Record kinds present at all (to say "none was given" once rather than per host).
    kinds: Vec<RecordKind>,
    /// The earliest observation of each finding on each host, by (host key, finding id): a
    /// finding's `first_seen` when its tool gives none.
    first_seen: HashMap<(String, String), OffsetDateTime>,
}

impl HostRecords {
    pub fn new(inputs: &[EvidenceInput]) -> HostRecords {
        let mut index = HostRecords::default();
        for (i, input) in inputs.iter().enumerate() {
            for (r, rec) in input.records.iter().enumerate() {
                if !is_host_kind(rec.kind()) {
                    continue;
                }
                if !index.kinds.contains(rec.kind()) {
                    index.kinds.push(rec.kind().clone());
                }
                for a in addresses(rec) {
                    index.by_addr.entry(a).or_default().push((i, r));
                }
                for n in names(rec) {
                    index.by_name.entry(same_name_key(n)).or_default().push((i, r));
                }
                index.note_findings(rec);
            }
        }
        index
    }

    fn note_findings(&mut self, rec: &Record) {
        let (Some(Facts::Vulnerabilities(v)), Some(at)) = (rec.facts(), rec.observed()) else { return };
        let host = same_name_key(&rec.target);
        for f in &v.findings {
            let seen = self.first_seen.entry((host.clone(), f.id.clone())).or_insert(at);
            *seen = (*seen).min(at);
        }
    }

    /// Whether any record of `kind` was given at all.
    pub fn has(&self, kind: &RecordKind) -> bool {
        self.kinds.contains(kind)
    }

    /// The earliest observation of finding `id` on the host `target` among the files given.
    pub fn first_seen(&self, target: &str, id: &str) -> Option<OffsetDateTime> {
        self.first_seen.get(&(same_name_key(target), id.to_string())).copied()
    }

    /// Completes what identifies each declared host with what host evidence about it says: the
    /// addresses a host audit or agent matched by name reports for the machine, and the names a
    /// record matched by address gives it. One round, from records that matched directly, so that
    /// a vulnerability scan that names `10.0.0.5` finds the host declared as `web01` whose audit
    /// reports that address.
    pub fn enrich(&self, inputs: &[EvidenceInput], units: &mut [Unit]) {
        for unit in units.iter_mut() {
            let direct: Vec<At> = unit
                .addresses
                .iter()
                .flat_map(|a| self.by_addr.get(a))
                .chain(unit.names.iter().flat_map(|n| self.by_name.get(&same_name_key(n))))
                .flatten()
                .copied()
                .collect();
            for (i, r) in direct {
                let rec = &inputs[i].records[r];
                for a in addresses(rec) {
                    if !unit.addresses.contains(&a) {
                        unit.addresses.push(a);
                    }
                }
                for n in names(rec) {
                    if !unit.names.iter().any(|x| same_name_key(x) == same_name_key(n)) {
                        unit.names.push(n.to_string());
                    }
                }
            }
        }
    }

    /// The record of `kind` to judge `unit` on: matched by address, else by name; the newest
    /// observed no later than `as_of`, else the newest (whose date the age check then reports).
    pub fn best<'a>(
        &self,
        inputs: &'a [EvidenceInput],
        unit: &Unit,
        kind: &RecordKind,
        as_of: Date,
    ) -> Option<(&'a str, &'a Record)> {
        let rank = |&(i, r): &At| {
            let t = inputs[i].records[r].observed();
            (t.is_some_and(|t| t.date() <= as_of), t)
        };
        // Judged for every host of every system (and again by measured sufficiency): walked in
        // place rather than collected.
        let of_kind = |&&(i, r): &&At| inputs[i].records[r].kind() == kind;
        let by_addr = unit.addresses.iter().flat_map(|a| self.by_addr.get(a)).flatten().filter(of_kind);
        // `max_by_key` keeps the last of equal maxima, as it did over the collected list.
        let best = match by_addr.max_by_key(|at| rank(at)) {
            Some(at) => *at,
            None => {
                let by_name = unit.names.iter().flat_map(|n| self.by_name.get(&same_name_key(n))).flatten();
                *by_name.filter(of_kind).max_by_key(|at| rank(at))?
            }
        };
        let (i, r) = best;
        Some((inputs[i].file.as_str(), &inputs[i].records[r]))
    }

    /// Host records that match no host any system declares — directly, or through what a record
    /// that does match says of the same machine (as [`HostRecords::enrich`] does).
    pub fn unregistered(inputs: &[EvidenceInput], scope: &Scope) -> Vec<UnregisteredAsset> {
        let host_records = || {
            inputs.iter().flat_map(|i| i.records.iter().map(move |r| (i, r))).filter(|(_, r)| is_host_kind(r.kind()))
        };
        let identity = |rec: &Record| -> (Vec<IpAddr>, Vec<String>) {
            (addresses(rec).collect(), names(rec).map(same_name_key).collect())
        };
        let mut known_addrs = std::collections::HashSet::new();
        let mut known_names = std::collections::HashSet::new();
        for (_, rec) in host_records() {
            let (addrs, names) = identity(rec);
            if scope.contains(&addrs, &names) {
                known_addrs.extend(addrs);
                known_names.extend(names);
            }
        }
        let mut out = Vec::new();
        for (input, rec) in host_records() {
            let (addrs, names) = identity(rec);
            let related =
                addrs.iter().any(|a| known_addrs.contains(a)) || names.iter().any(|n| known_names.contains(n));
            if !related && !scope.contains(&addrs, &names) {
                out.push(UnregisteredAsset {
                    address: rec.target.clone(),
                    seen_in: format!("{} ({})", input.file, rec.kind()),
                    open_ports: Vec::new(),
                });
            }
        }
        out
    }
}

fn is_host_kind(kind: &RecordKind) -> bool {
    matches!(kind, RecordKind::HostAudit | RecordKind::Vulnerabilities | RecordKind::Agent)
}

/// A record's addresses that identify a host: those it lists, and its target when that is an
/// address. Loopback, link-local and unspecified addresses (every machine has them; OpenSCAP
/// lists them among a target's addresses) identify nothing and are left out.
fn addresses(rec: &Record) -> impl Iterator<Item = IpAddr> + '_ {
    rec.addresses.iter().chain(std::iter::once(&rec.target)).filter_map(|a| a.parse().ok()).filter(identifies)
}

fn identifies(a: &IpAddr) -> bool {
    let link_local = match a {
        IpAddr::V4(v4) => v4.is_link_local(),
        IpAddr::V6(v6) => (v6.segments()[0] & 0xffc0) == 0xfe80,
    };
    !(a.is_loopback() || a.is_unspecified() || link_local)
}

/// A record's host names: those it lists, and its target when that is not an address.
fn names(rec: &Record) -> impl Iterator<Item = &str> {
    let target = (rec.target.parse::<IpAddr>().is_err()).then_some(rec.target.as_str());
    rec.hostnames.iter().map(String::as_str).chain(target)
}

/// One declared host as host evidence is matched to it.
#[derive(Debug, Clone)]
pub struct Unit {
    /// How findings name it: the declared address or name, or an address seen in a network.
    pub label: String,
    pub addresses: Vec<IpAddr>,
    pub names: Vec<String>,
}

/// The declared hosts of the system, networks expanded into their addresses the nmap evidence
/// saw up; and for each network with none, why it cannot be shown.
pub fn units(cx: &SystemCx) -> (Vec<Unit>, Vec<(String, Text)>) {
    let mut units: Vec<Unit> = Vec::new();
    let mut gaps = Vec::new();
    for asset in &cx.system.assets.hosts {
        match asset {
            HostAsset::Ip(ip) => units.push(Unit { label: ip.to_string(), addresses: vec![*ip], names: Vec::new() }),
            HostAsset::Name(n) => {
                // The addresses the nmap evidence resolved this name to identify it too.
                let addresses = cx
                    .hosts
                    .iter()
                    .filter(|(_, h)| h.names.iter().any(|x| same_name_key(x) == same_name_key(n)))
                    .flat_map(|(_, h)| h.addresses.iter().copied())
                    .collect();
                units.push(Unit { label: n.clone(), addresses, names: vec![n.clone()] });
            }
            HostAsset::Net(net) => {
                let seen: Vec<&crate::evidence::nmap::ScannedHost> = cx
                    .hosts
                    .iter()
                    .map(|(_, h)| *h)
                    .filter(|h| h.is_up() && h.addresses.iter().any(|a| net.contains(a)))
                    .collect();
                if seen.is_empty() {
                    gaps.push((
                        net.to_string(),
                        Text::new(
                            format!("no address of the declared network {net} was seen up in the nmap evidence, so its hosts are not known"),
                            format!("không thấy địa chỉ nào của mạng đã khai báo {net} hoạt động trong kết quả nmap nên chưa biết các máy của mạng"),
                        ),
                    ));
                }
                for h in seen {
                    let addresses: Vec<IpAddr> = h.addresses.iter().copied().filter(|a| net.contains(a)).collect();
                    units.push(Unit { label: h.label.clone(), addresses, names: h.names.clone() });
                }
            }
        }
    }
    // A host declared twice (as an address and inside a network) is one host.
    let mut seen = std::collections::HashSet::new();
    units.retain(|u| seen.insert(u.label.clone()));
    (units, gaps)
}
