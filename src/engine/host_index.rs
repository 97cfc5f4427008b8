//! Which scanned hosts belong to which system, found through an index built once per evaluation
//! (addresses in an ordered map so a network is one range query, names in a hash map).

use super::Evidence;
use crate::evidence::nmap::{NmapInput, ScannedHost};
use crate::inventory::{HostAsset, System, same_name_key};
use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use time::Date;

/// (input index, host index) of a scanned host.
type At = (usize, usize);

pub struct HostIndex {
    by_addr: BTreeMap<IpAddr, Vec<At>>,
    by_name: HashMap<String, Vec<At>>,
}

impl HostIndex {
    pub fn new(evidence: &Evidence) -> HostIndex {
        let mut by_addr: BTreeMap<IpAddr, Vec<At>> = BTreeMap::new();
        let mut by_name: HashMap<String, Vec<At>> = HashMap::new();
        for (i, input) in evidence.nmap.iter().enumerate() {
            for (h, host) in input.hosts.iter().enumerate() {
                for a in &host.addresses {
                    by_addr.entry(*a).or_default().push((i, h));
                }
                for n in &host.names {
                    by_name.entry(same_name_key(n)).or_default().push((i, h));
                }
            }
        }
        HostIndex { by_addr, by_name }
    }

    /// The scanned hosts of a system, and the declared host assets that no scan shows up.
    ///
    /// A host seen in several scans is judged once, on its newest scan dated no later than the
    /// evaluation date (so re-running a past period ignores later scans); when every scan of it is
    /// later, the newest is kept and the staleness check reports it. Each declared address, name
    /// or network must be covered by at least one host seen up (status up, or an open port):
    /// otherwise the scans say nothing about it, which is a gap, not a pass.
    pub fn matched<'a>(&self, system: &System, evidence: &'a Evidence, as_of: Date) -> Matched<'a> {
        let mut chosen: Vec<At> = Vec::new();
        let mut gaps = Vec::new();
        for asset in &system.assets.hosts {
            let hits: Vec<At> = match asset {
                HostAsset::Ip(ip) => self.by_addr.get(ip).into_iter().flatten().copied().collect(),
                HostAsset::Net(net) => {
                    self.by_addr.range(net.network()..=net.broadcast()).flat_map(|(_, v)| v.iter().copied()).collect()
                }
                HostAsset::Name(n) => self.by_name.get(&same_name_key(n)).into_iter().flatten().copied().collect(),
            };
            let host = |&(i, h): &At| &evidence.nmap[i].hosts[h];
            if !hits.iter().any(|at| host(at).is_up()) {
                gaps.push(asset.to_string());
            }
            chosen.extend(hits);
        }
        chosen.sort_unstable();
        chosen.dedup();
        // One entry per scanned host (by its label): the best scan of it.
        let mut best: BTreeMap<&str, At> = BTreeMap::new();
        for at in chosen {
            let h = &evidence.nmap[at.0].hosts[at.1];
            let better = match best.get(h.label.as_str()) {
                None => true,
                Some(&cur) => rank(&evidence.nmap[cur.0].hosts[cur.1], as_of) < rank(h, as_of),
            };
            if better {
                best.insert(h.label.as_str(), at);
            }
        }
        let mut hosts: Vec<At> = best.into_values().collect();
        hosts.sort_unstable();
        Matched {
            hosts: hosts.into_iter().map(|(i, h)| (&evidence.nmap[i], &evidence.nmap[i].hosts[h])).collect(),
            gaps,
        }
    }
}

/// Orders the scans of one host: any scan dated on or before the evaluation date beats a later
/// one; among those, the newer wins.
fn rank(h: &ScannedHost, as_of: Date) -> (bool, i64) {
    let t = h.observed.unwrap_or(i64::MIN);
    let on_time = h.observed.and_then(crate::dates::date_of_unix).is_some_and(|d| d <= as_of);
    (on_time, t)
}

/// What [`HostIndex::matched`] found for one system.
pub struct Matched<'a> {
    pub hosts: Vec<(&'a NmapInput, &'a ScannedHost)>,
    /// Declared host assets that no scanned host seen up covers.
    pub gaps: Vec<String>,
}
