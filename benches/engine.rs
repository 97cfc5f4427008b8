//! Benchmark (b): 10 000 systems over 100 agencies evaluated against the full catalogue.
//!
//! Workload: 100 agencies × 100 systems, levels 1–5 in turn, each system attesting about 90 % of
//! its level's controls (some partial, some stale), with 2 declared hosts; one nmap file with those
//! 20 000 hosts × 5 open ports (a mix of https, ssh, telnet, mysql, and an unlisted port), so every
//! bundled rule runs over every record. Reports load time and the evaluation time after load
//! (engine + report summaries), best of 3.
//!
//! Run: `cargo bench --bench engine`.

use std::fmt::Write as _;
use std::time::Instant;
use time::macros::date;
use tuanthu::engine::{self, Evidence, Options};
use tuanthu::i18n::Lang;
use tuanthu::import::nmap::read_scoped as import_nmap;
use tuanthu::inventory::Inventory;
use tuanthu::inventory::Scope;
use tuanthu::policy::Policy;
use tuanthu::report::Report;

const AGENCIES: usize = 100;
const SYSTEMS: usize = 100;

#[path = "support/synth.rs"]
mod synth;

fn nmap_text() -> String {
    let mut x =
        String::from("<?xml version=\"1.0\"?><nmaprun scanner=\"nmap\" start=\"1795000000\" version=\"7.94\">\n");
    let services = [(443, "https"), (22, "ssh"), (23, "telnet"), (3306, "mysql"), (8080, "http-proxy")];
    for n in 0..AGENCIES * SYSTEMS {
        let (a, b) = (n / 250, n % 250);
        for h in 1..=2 {
            write!(x, "<host starttime=\"1795000000\"><status state=\"up\"/><address addr=\"10.{a}.{b}.{h}\" addrtype=\"ipv4\"/><ports>").ok();
            for (i, (port, name)) in services.iter().enumerate() {
                // Not every host has every port: vary by host so outcomes differ.
                if (n + i) % 3 == 0 && i > 0 {
                    continue;
                }
                write!(x, "<port protocol=\"tcp\" portid=\"{port}\"><state state=\"open\"/><service name=\"{name}\" product=\"p\" version=\"1\"/></port>").ok();
            }
            x.push_str("</ports></host>\n");
        }
    }
    x.push_str("<runstats><finished time=\"1795000100\" exit=\"success\"/></runstats></nmaprun>\n");
    x
}

fn main() {
    let policy = Policy::bundled().expect("policy");
    let t0 = Instant::now();
    let agencies = (0..AGENCIES)
        .map(|a| {
            tuanthu::inventory::parse_file(
                &format!("agency-{a}.yaml"),
                &synth::inventory_text(&policy, a, SYSTEMS),
                &[],
            )
            .expect("valid")
        })
        .collect();
    let inv = Inventory { agencies };
    let dir = std::env::temp_dir().join("tuanthu-bench-engine");
    let _ = std::fs::create_dir_all(&dir);
    let xml = dir.join("scan.xml");
    std::fs::write(&xml, nmap_text()).expect("write nmap");
    // BENCH_NO_NMAP=1 measures the attestation-only part of the evaluation.
    let evidence = if std::env::var_os("BENCH_NO_NMAP").is_some() {
        Evidence::default()
    } else {
        Evidence { nmap: vec![import_nmap(&xml, &Scope::of(&inv))], ..Default::default() }
    };
    let load = t0.elapsed().as_secs_f64();
    let systems: usize = inv.agencies.iter().map(|a| a.systems.len()).sum();
    let records: usize = evidence.nmap.iter().flat_map(|i| i.hosts.iter()).map(|h| h.host.ports.len()).sum();
    let opts = Options { as_of: date!(2026 - 11 - 25), max_evidence_age_days: None, catalogue: None };
    let (mut best_eval, mut best_total) = (f64::MAX, f64::MAX);
    let mut controls = 0;
    let iterations: usize = std::env::var("BENCH_ITERS").ok().and_then(|s| s.parse().ok()).unwrap_or(3);
    for _ in 0..iterations {
        let t = Instant::now();
        let a = engine::evaluate(&inv, &policy, &evidence, &opts);
        let evaluated = t.elapsed().as_secs_f64();
        let r = Report::build(a, Lang::En, String::new());
        best_total = best_total.min(t.elapsed().as_secs_f64());
        best_eval = best_eval.min(evaluated);
        controls = r.systems().map(|(_, s)| s.controls.len() + s.obligations.len()).sum();
    }
    println!(
        "engine: {AGENCIES} agencies, {systems} systems, {controls} control verdicts, {records} port records: load {load:.2} s; evaluate {best_eval:.3} s; evaluate + report summaries {best_total:.3} s (best of {iterations}, {} threads)",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
