//! Benchmark: a tarpit host (issue #11, item 3).
//!
//! Workload: one level-2 system declaring one host that answers on every port, as real nmap
//! writes it (`-sV -p-`: every port open, service `telnet`), with 20 000 and then 100 000 ports
//! (tcp 1–65535, then udp). Every port fails two to four rules, so each size gives one finding
//! per port and rule, copied into each control the rule speaks for. Reports the import, the
//! evaluation with the report summaries, and the table, JSON, CSV and SARIF renderings, best of
//! 3 (`BENCH_ITERS`). Linear work shows as a constant time per port across the two sizes.
//!
//! Run: `cargo bench --bench tarpit` (`BENCH_PORTS=20000,100000` to choose the sizes).

use std::fmt::Write as _;
use std::time::Instant;
use time::macros::date;
use tuanthu::engine::{self, Evidence, Options};
use tuanthu::i18n::Lang;
use tuanthu::import::nmap::read_scoped as import_nmap;
use tuanthu::inventory::Inventory;
use tuanthu::inventory::Scope;
use tuanthu::policy::Policy;
use tuanthu::report::render::{self, Render};
use tuanthu::report::{Glossary, Report};

const INVENTORY: &str = "schema: tuanthu/inventory/v1
agency:
  id: tarpit-agency
  name: Tarpit agency
systems:
  - id: tarpit
    name: Tarpit system
    level: 2
    approval: {status: approved, decision: \"1/QĐ\", date: 2025-09-05}
    assets:
      hosts: [10.9.9.9]
      allowed_ports: [tcp/443]
";

fn scan(ports: usize) -> String {
    let mut x = String::from(
        "<?xml version=\"1.0\"?>\n<nmaprun scanner=\"nmap\" args=\"nmap -sSU -sV -p- 10.9.9.9\" start=\"1795000000\" version=\"7.94\">\n<host starttime=\"1795000000\"><status state=\"up\"/><address addr=\"10.9.9.9\" addrtype=\"ipv4\"/><ports>\n",
    );
    for i in 0..ports {
        let (proto, id) = if i < 65_535 { ("tcp", i + 1) } else { ("udp", i - 65_535 + 1) };
        writeln!(x, "<port protocol=\"{proto}\" portid=\"{id}\"><state state=\"open\" reason=\"syn-ack\"/><service name=\"telnet\" method=\"probed\" conf=\"10\"/></port>").ok();
    }
    x.push_str("</ports></host>\n<runstats><finished time=\"1795000100\" exit=\"success\"/></runstats></nmaprun>\n");
    x
}

/// Best time of `iterations` runs of `f`, in seconds, and its last result.
fn best<T>(iterations: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut out = None;
    let mut best = f64::MAX;
    for _ in 0..iterations.max(1) {
        let t = Instant::now();
        let r = f();
        best = best.min(t.elapsed().as_secs_f64());
        out = Some(r);
    }
    (best, out.expect("at least one iteration"))
}

fn main() {
    let policy = Policy::bundled().expect("policy");
    let inv =
        Inventory { agencies: vec![tuanthu::inventory::parse_file("tarpit.yaml", INVENTORY, &[]).expect("valid")] };
    let iterations: usize = std::env::var("BENCH_ITERS").ok().and_then(|s| s.parse().ok()).unwrap_or(3);
    let sizes: Vec<usize> = std::env::var("BENCH_PORTS")
        .ok()
        .map(|s| s.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![20_000, 100_000]);
    let dir = std::env::temp_dir().join("tuanthu-bench-tarpit");
    let _ = std::fs::create_dir_all(&dir);
    let opts = Options { as_of: date!(2026 - 11 - 25), max_evidence_age_days: None, catalogue: None };
    let glossary = Glossary::new(&policy, Lang::En);
    for ports in sizes {
        let xml = dir.join(format!("tarpit-{ports}.xml"));
        std::fs::write(&xml, scan(ports)).expect("write nmap");
        let (import, input) = best(iterations, || import_nmap(&xml, &Scope::of(&inv)));
        let evidence = Evidence { nmap: vec![input], ..Default::default() };
        let (evaluate, report) = best(iterations, || {
            Report::build(engine::evaluate(&inv, &policy, &evidence, &opts), Lang::En, String::new())
        });
        let findings: usize = report.systems().flat_map(|(_, s)| &s.controls).map(|c| c.findings.len()).sum();
        let renderer = render::Table { detail: render::Detail::Problems, width: None, gate: None };
        let bare = Glossary::empty(Lang::En);
        let (table, _) = best(iterations, || renderer.render(&report, &bare).expect("table"));
        let (json, _) = best(iterations, || render::Json.render(&report, &bare).expect("json"));
        let (csv, _) = best(iterations, || render::Csv.render(&report, &bare).expect("csv"));
        let (sarif, _) = best(iterations, || render::Sarif.render(&report, &glossary).expect("sarif"));
        let per_port = (evaluate / ports as f64) * 1e6;
        println!(
            "tarpit: {ports} ports, {findings} findings: import {import:.2} s; evaluate + summaries {evaluate:.2} s ({per_port:.1} µs/port); table {table:.2} s, json {json:.2} s, csv {csv:.2} s, sarif {sarif:.2} s (best of {iterations})"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
