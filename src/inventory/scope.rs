//! Scope: the hosts the inventory declares. Scan results are matched against it, and nothing
//! outside it is ever probed.
//!
//! Matching is indexed (hash sets for addresses and names, a sorted list of merged address ranges
//! for networks) because a national import pairs tens of thousands of scanned hosts with tens of
//! thousands of declared assets; a linear scan of one against the other would be quadratic.

use crate::inventory::{HostAsset, Inventory, same_name_key};
use std::collections::HashSet;
use std::net::IpAddr;

/// Every declared host asset of an inventory, indexed for membership tests.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    addrs: HashSet<IpAddr>,
    names: HashSet<String>,
    /// Disjoint, sorted, inclusive address ranges covering every declared network.
    ranges: Vec<(IpAddr, IpAddr)>,
}

impl Scope {
    pub fn of(inv: &Inventory) -> Scope {
        let mut s = Scope::default();
        let mut ranges = Vec::new();
        for (_, sys) in inv.systems() {
            for a in &sys.assets.hosts {
                match a {
                    HostAsset::Ip(ip) => {
                        s.addrs.insert(*ip);
                    }
                    HostAsset::Name(n) => {
                        s.names.insert(same_name_key(n));
                    }
                    HostAsset::Net(net) => ranges.push((net.network(), net.broadcast())),
                }
            }
        }
        s.ranges = merge(ranges);
        s
    }

    /// Is a host with these addresses and names declared by any system?
    pub fn contains(&self, addrs: &[IpAddr], names: &[String]) -> bool {
        addrs.iter().any(|a| self.addrs.contains(a) || self.in_ranges(*a))
            || names.iter().any(|n| self.names.contains(&same_name_key(n)))
    }

    fn in_ranges(&self, ip: IpAddr) -> bool {
        // The last range starting at or before `ip` is the only one that can hold it.
        let i = self.ranges.partition_point(|(start, _)| *start <= ip);
        i > 0 && self.ranges[i - 1].1 >= ip && same_family(self.ranges[i - 1].0, ip)
    }
}

fn same_family(a: IpAddr, b: IpAddr) -> bool {
    a.is_ipv4() == b.is_ipv4()
}

/// Sorts ranges and merges overlapping ones, so that a binary search finds the only candidate.
fn merge(mut ranges: Vec<(IpAddr, IpAddr)>) -> Vec<(IpAddr, IpAddr)> {
    ranges.sort();
    let mut out: Vec<(IpAddr, IpAddr)> = Vec::with_capacity(ranges.len());
    for (start, end) in ranges {
        match out.last_mut() {
            Some(last) if same_family(last.0, start) && start <= last.1 => last.1 = last.1.max(end),
            _ => out.push((start, end)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(hosts: &str) -> Scope {
        let text = format!(
            "schema: tuanthu/inventory/v1\nagency: {{id: a, name: A}}\nsystems:\n  - {{id: s, name: S, level: 1, approval: {{status: draft}}, assets: {{hosts: [{hosts}]}}}}\n"
        );
        let agency = crate::inventory::parse_file("x.yaml", &text, &[]).unwrap();
        Scope::of(&Inventory { agencies: vec![agency] })
    }

    #[test]
    fn matches_addresses_networks_and_names() {
        let s = scope("10.0.0.0/28, 10.0.0.8/29, 10.1.0.0/16, 192.0.2.7, dvc.example.vn, 2001:db8::/64");
        let has = |a: &str| s.contains(&[a.parse().unwrap()], &[]);
        assert!(has("10.0.0.0") && has("10.0.0.15") && has("10.1.255.255") && has("192.0.2.7") && has("2001:db8::5"));
        assert!(!has("10.0.0.16") && !has("10.2.0.0") && !has("192.0.2.8") && !has("2001:db8:0:1::1"));
        assert!(s.contains(&[], &["DVC.Example.VN.".into()]));
        assert!(!s.contains(&[], &["other.example.vn".into()]));
    }
}
