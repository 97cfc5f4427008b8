//! Which scanned hosts belong to which system, found through an index built once per evaluation
//! (addresses in an ordered map so a network is one range query, names in a hash map).

use super::Evidence;
use crate::collect::{NmapInput, ScannedHost};
use crate::inventory::{HostAsset, System, same_name_key};
use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

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

    /// Scanned hosts matching any of the system's declared hosts, in evidence order, each once.
    pub fn matched<'a>(&self, system: &System, evidence: &'a Evidence) -> Vec<(&'a NmapInput, &'a ScannedHost)> {
        let mut hits: Vec<At> = Vec::new();
        for asset in &system.assets.hosts {
            match asset {
                HostAsset::Ip(ip) => hits.extend(self.by_addr.get(ip).into_iter().flatten()),
                HostAsset::Net(net) => {
                    for (_, v) in self.by_addr.range(net.network()..=net.broadcast()) {
                        hits.extend(v);
                    }
                }
                HostAsset::Name(n) => hits.extend(self.by_name.get(&same_name_key(n)).into_iter().flatten()),
            }
        }
        hits.sort_unstable();
        hits.dedup();
        hits.into_iter().map(|(i, h)| (&evidence.nmap[i], &evidence.nmap[i].hosts[h])).collect()
    }
}
