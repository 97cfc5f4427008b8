//! Benchmark (b): 10 000 systems over 100 agencies evaluated against the full catalogue.
//!
//! Workload: 100 agencies × 100 systems, levels 1–5 in turn, each system attesting about 90 % of
//! its level's controls (some partial, some stale), with 2 declared hosts; one nmap file with those
//! 20 000 hosts × 5 open ports (a mix of https, ssh, telnet, mysql, and an unlisted port), so every
//! bundled rule runs over every record. Reports load time and the evaluation time after load
//! (engine + report summaries), best of 3, and the CPU time of the evaluation (all threads): on a
//! machine shared with other work the wall time says more about the others than about the engine.
//!
//! Then the same with host evidence for every one of the 20 000 hosts (BENCH_HOST=0 skips it): a
//! host audit of 60 checks (SCAP Security Guide rule ids and NIST references, a quarter failing),
//! a vulnerability scan with 3 findings and a monitoring agent — the input of the host-audit,
//! vulnerability and agent rule packs and of measured sufficiency.
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
use tuanthu::report::render::{Json, Render};
use tuanthu::report::{Glossary, Report};

const AGENCIES: usize = 100;
const SYSTEMS: usize = 100;

#[path = "support/alloc_count.rs"]
mod alloc_count;
#[path = "support/synth.rs"]
mod synth;

#[global_allocator]
static ALLOC: alloc_count::Counting = alloc_count::Counting;

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

/// Host evidence for every declared host, as `tuanthu import` writes it.
fn host_records() -> tuanthu::evidence::file::EvidenceInput {
    use tuanthu::evidence::{
        AgentFacts, Check, CheckResult, Counts, Facts, HostAuditFacts, Record, Severity, SeverityCounts, Vulnerability,
        VulnerabilityFacts,
    };
    let refs =
        ["AU-9(2)", "IA-5(f)", "AC-6(1)", "CM-6(a)", "CM-7(a)", "SI-2(c)", "SI-3", "AC-17(a)", "SC-7", "AU-12(c)"];
    let checks: Vec<Check> = (0..60)
        .map(|i| Check {
            check: format!("xccdf_org.ssgproject.content_rule_bench_{i}"),
            result: if i % 4 == 0 { CheckResult::Fail } else { CheckResult::Pass },
            severity: Some(Severity::Medium),
            title: format!("Bench rule {i}"),
            references: std::collections::BTreeMap::from([(
                "nist".to_string(),
                vec![refs[i % refs.len()].to_string()],
            )])
            .into(),
        })
        .collect();
    let audit = HostAuditFacts {
        benchmark: Some("xccdf_org.ssgproject.content_benchmark_DEBIAN-12".into()),
        counts: Counts::of(&checks),
        results: checks,
        ..Default::default()
    };
    let findings: Vec<Vulnerability> = (0..3)
        .map(|i| Vulnerability {
            id: format!("1.3.6.1.4.1.25623.1.0.{i}"),
            name: format!("finding {i}"),
            port: Some("443/tcp".into()),
            severity: Some([Severity::Critical, Severity::High, Severity::Medium][i]),
            cvss: Some(7.5),
            cves: vec![format!("CVE-2026-{i}")],
            first_seen: Some("2026-11-20T00:00:00Z".into()),
            solution: None,
        })
        .collect();
    let vulns = VulnerabilityFacts { counts: SeverityCounts::of(&findings), findings, ..Default::default() };
    let agent = AgentFacts {
        tool: "wazuh".into(),
        agent_id: "001".into(),
        status: "active".into(),
        last_keepalive: Some("2026-11-23T23:50:00Z".into()),
        ..Default::default()
    };
    let mut records = Vec::new();
    for n in 0..AGENCIES * SYSTEMS {
        let (a, b) = (n / 250, n % 250);
        for h in 1..=2 {
            let address = format!("10.{a}.{b}.{h}");
            for facts in [
                Facts::HostAudit(Box::new(audit.clone())),
                Facts::Vulnerabilities(Box::new(vulns.clone())),
                Facts::Agent(Box::new(agent.clone())),
            ] {
                let mut r = Record::measured(address.clone(), facts);
                r.addresses = vec![address.clone()];
                r.observed_at = Some("2026-11-24T00:00:00Z".into());
                records.push(r);
            }
        }
    }
    tuanthu::evidence::file::EvidenceInput { file: "host.jsonl".into(), records, ..Default::default() }
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
    run("nmap", &inv, &policy, &evidence, load);
    if std::env::var("BENCH_HOST").as_deref() != Ok("0") {
        let t0 = Instant::now();
        let mut evidence = evidence;
        evidence.probes.push(host_records());
        let load = t0.elapsed().as_secs_f64();
        run("nmap + host audit + vulnerabilities + agent", &inv, &policy, &evidence, load);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn run(what: &str, inv: &Inventory, policy: &Policy, evidence: &Evidence, load: f64) {
    let systems: usize = inv.agencies.iter().map(|a| a.systems.len()).sum();
    let records: usize = evidence.nmap.iter().flat_map(|i| i.hosts.iter()).map(|h| h.host.ports.len()).sum();
    let opts = Options { as_of: date!(2026 - 11 - 25), max_evidence_age_days: None, catalogue: None };
    let (mut best_eval, mut best_total, mut best_cpu) = (f64::MAX, f64::MAX, f64::MAX);
    let mut controls = 0;
    let mut digest = String::new();
    let iterations: usize = std::env::var("BENCH_ITERS").ok().and_then(|s| s.parse().ok()).unwrap_or(3);
    for i in 0..iterations {
        let (t, cpu) = (Instant::now(), cpu_seconds());
        let a = engine::evaluate(inv, policy, evidence, &opts);
        let evaluated = t.elapsed().as_secs_f64();
        if let (Some(before), Some(after)) = (cpu, cpu_seconds()) {
            best_cpu = best_cpu.min(after - before);
        }
        let r = Report::build(a, Lang::En, String::new());
        best_total = best_total.min(t.elapsed().as_secs_f64());
        best_eval = best_eval.min(evaluated);
        controls = r.systems().map(|(_, s)| s.controls.len() + s.obligations.len()).sum();
        // The digest of the JSON report, to show that a change of the engine changes no result
        // (compare it between two builds).
        if i + 1 == iterations {
            use sha2::Digest;
            let json = Json.render(&r, &Glossary::empty(Lang::En)).expect("json");
            digest = sha2::Sha256::digest(&json).iter().take(8).map(|b| format!("{b:02x}")).collect();
        }
    }
    // One more evaluation with the allocation counter on: counting costs an atomic add per
    // allocation, so the timed runs above leave it off.
    let (a, allocs) = alloc_count::counted(|| engine::evaluate(inv, policy, evidence, &opts));
    let floor = floor(&a, iterations);
    let host_records: usize = evidence.probes.iter().map(|i| i.records.len()).sum();
    let cpu = if best_cpu < f64::MAX { format!("{best_cpu:.2} s") } else { "not known".to_string() };
    println!(
        "engine ({what}): {AGENCIES} agencies, {systems} systems, {controls} control verdicts, {records} port records, {host_records} host records: load {load:.2} s; evaluate {best_eval:.3} s (CPU time of all threads {cpu}); evaluate + report summaries {best_total:.3} s (best of {iterations}, {} threads); {:.1} M allocations per evaluation; JSON report digest {digest}",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        allocs as f64 / 1e6
    );
    println!(
        "  floor: copying the result (every verdict and finding, on the same threads) takes {:.3} s (CPU time {}; {:.1} M allocations; {:.2} M findings)",
        floor.seconds,
        floor.cpu.map_or("not known".to_string(), |c| format!("{c:.2} s")),
        floor.allocs as f64 / 1e6,
        floor.findings as f64 / 1e6
    );
}

/// What the output alone costs: a deep copy of every system's result, spread over the threads
/// as the evaluation is. Whatever the engine does, it must at least allocate and fill these.
struct Floor {
    seconds: f64,
    cpu: Option<f64>,
    allocs: u64,
    findings: usize,
}

fn floor(a: &engine::Assessment, iterations: usize) -> Floor {
    let systems: Vec<&engine::SystemResult> = a.agencies.iter().flat_map(|g| g.systems.iter()).collect();
    let copy = || tuanthu::par::map(&systems, |s| (*s).clone());
    let (mut seconds, mut cpu) = (f64::MAX, None::<f64>);
    for _ in 0..iterations {
        let (t, before) = (Instant::now(), cpu_seconds());
        let copied = copy();
        seconds = seconds.min(t.elapsed().as_secs_f64());
        if let (Some(b), Some(after)) = (before, cpu_seconds()) {
            cpu = Some(cpu.map_or(after - b, |c: f64| c.min(after - b)));
        }
        drop(copied);
    }
    let allocs = alloc_count::counted(copy).1;
    let findings = systems
        .iter()
        .flat_map(|s| s.controls.iter().chain(&s.obligations).chain(&s.optional))
        .map(|c| c.findings.len())
        .sum();
    Floor { seconds, cpu, allocs, findings }
}

/// User + system CPU time of the whole process so far (Linux `/proc/self/stat`, 100 ticks a
/// second), or `None` elsewhere. On a machine shared with other work the wall time of an
/// evaluation says more about the others than about the engine; its CPU time much less so.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which is in parentheses and may hold spaces): state is
    // field 3, utime and stime are fields 14 and 15.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i - 3).and_then(|f| f.parse::<f64>().ok());
    Some((ticks(14)? + ticks(15)?) / 100.0)
}
