//! Synthetic inventories shared by the benchmarks.

use std::fmt::Write as _;
use tuanthu::policy::Policy;

/// One agency's inventory: `systems` systems, levels 1–5 in turn, a quarter of them not approved,
/// each attesting about 90 % of its level's controls (some partial, some stale), with 2 hosts.
pub fn inventory_text(policy: &Policy, agency: usize, systems: usize) -> String {
    let mut t = format!(
        "schema: tuanthu/inventory/v1\nagency:\n  id: agency-{agency}\n  name: Cơ quan {agency}\n  catalogue: tt12-2022\nsystems:\n"
    );
    for s in 0..systems {
        let level = (s % 5 + 1) as u8;
        let n = agency * systems + s;
        // Host addresses repeat beyond 64 000 systems; only the nmap benchmark matches them.
        let (a, b) = ((n / 250) % 256, n % 250);
        let approval = if s % 4 == 0 {
            "{status: draft}".to_string()
        } else {
            "{status: approved, decision: \"1/QĐ\", date: 2025-01-10}".to_string()
        };
        write!(t, "  - id: sys-{s}\n    name: Hệ thống {s}\n    level: {level}\n    approval: {approval}\n").ok();
        write!(t, "    assets:\n      hosts: [10.{a}.{b}.1, 10.{a}.{b}.2]\n      allowed_ports: [tcp/443, tcp/22]\n    attestations:\n").ok();
        let prof = policy.profile("tt12-2022", level).expect("profile");
        for (i, id) in prof.controls.iter().chain(prof.obligations.iter()).enumerate() {
            let (status, reviewed) = match (n + i) % 20 {
                0 => continue,
                1 => ("partial", "2026-06-01"),
                2 => ("implemented", "2024-01-01"),
                _ => ("implemented", "2026-06-01"),
            };
            writeln!(t, "      {id}: {{status: {status}, evidence: \"QĐ {i}\", reviewed: {reviewed}}}").ok();
        }
    }
    t
}
