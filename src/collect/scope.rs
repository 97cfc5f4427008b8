//! Scope: the hosts the inventory declares. Scan results are matched against it, and nothing
//! outside it is ever probed.

use crate::inventory::{HostAsset, Inventory};
use std::net::IpAddr;

/// Every declared host asset of an inventory, flattened for matching.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    assets: Vec<HostAsset>,
}

impl Scope {
    pub fn of(inv: &Inventory) -> Scope {
        let assets = inv.systems().flat_map(|(_, s)| s.assets.hosts.iter().cloned()).collect();
        Scope { assets }
    }

    /// Is a host with these addresses and names declared by any system?
    pub fn contains(&self, addrs: &[IpAddr], names: &[String]) -> bool {
        self.assets.iter().any(|a| a.matches(addrs, names))
    }
}
