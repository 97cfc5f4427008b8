//! Synthetic inventories shared by the benchmarks.

use std::fmt::Write as _;
use std::path::Path;
use time::macros::date;
use tuanthu::engine::{self, Evidence};
use tuanthu::i18n::Lang;
use tuanthu::inventory::Inventory;
use tuanthu::policy::Policy;
use tuanthu::report::{Report, sign};

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

/// Writes one signed report (`agency-N.json`) and public key (`agency-N.pub`) per agency, each of
/// `systems` systems evaluated without evidence; returns the report bytes written.
#[allow(dead_code)] // the engine bench signs nothing
pub fn signed_reports(policy: &Policy, agencies: usize, systems: usize, reports: &Path, keys: &Path) -> u64 {
    let opts = engine::Options { as_of: date!(2026 - 11 - 25), max_evidence_age_days: None, catalogue: None };
    let mut bytes = 0u64;
    for a in 0..agencies {
        let agency =
            tuanthu::inventory::parse_file(&format!("agency-{a}.yaml"), &inventory_text(policy, a, systems), &[])
                .expect("valid inventory");
        let inv = Inventory { agencies: vec![agency] };
        let report = Report::build(
            engine::evaluate(&inv, policy, &Evidence::default(), &opts),
            Lang::En,
            "2026-11-25T08:00:00Z".into(),
        );
        let (private, public) = sign::generate().expect("key");
        std::fs::write(keys.join(format!("agency-{a}.pub")), public).expect("write key");
        let key = ed25519_dalek::pkcs8::DecodePrivateKey::from_pkcs8_pem(&private).expect("key");
        let text = sign::sign(&serde_json::to_value(&report).expect("json"), &key).expect("sign");
        bytes += text.len() as u64;
        std::fs::write(reports.join(format!("agency-{a}.json")), text).expect("write report");
    }
    bytes
}
