//! nmap results as evidence: streams an nmap XML file, keeps the hosts that belong to declared
//! assets, and summarises the rest as unregistered assets. Memory is bounded by the registered
//! scope, not by the size of the file.

use super::Limits;
use crate::evidence::nmap::{NmapInput, RunInfo, ScannedHost, Unregistered, open_ports};
use crate::inventory::Scope;
use std::io::BufReader;
use std::path::Path;

/// Imports one nmap XML file against the declared scope.
pub fn read_scoped(path: &Path, scope: &Scope) -> NmapInput {
    let file = path.display().to_string();
    let reader = match crate::files::open(path) {
        Ok(f) => BufReader::with_capacity(256 << 10, f),
        Err(e) => {
            return NmapInput {
                file,
                run: RunInfo::default(),
                error: Some({
                    let (en, vi) = (e.to_string(), e.text().vi);
                    crate::text!("read error: {en}", "lỗi đọc tệp: {vi}")
                }),
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
    let (run, error) = super::read_nmap_partial(reader, &Limits::default(), |h| {
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
    NmapInput { file, run, error: error.map(|e| e.text()), hosts, unregistered }
}
