//! Benchmark (c): the national aggregate of 1 000 signed agency reports, 100 000 systems in all.
//!
//! Workload: 1 000 agencies × 100 systems (the engine benchmark's synthetic inventories: levels
//! 1–5, a quarter not approved, ~90 % of controls attested), each evaluated by the real engine
//! (no scan evidence, so scan-visible controls carry `unknown` findings), reported in English and
//! signed with its own ed25519 key, written to a temporary directory. Measured: `aggregate` over
//! the directory with every signature verified against its agency's public key — wall time,
//! throughput and peak RSS (the peak is reset after the reports are written, so it covers the
//! aggregation only). Best of `BENCH_ITERS` (default 3) runs.
//!
//! Run: `cargo bench --bench aggregate` (BENCH_AGENCIES=N to change the agency count;
//! BENCH_DIR=DIR keeps the generated reports and keys in DIR and reuses them on the next run, to
//! compare builds without regenerating 2 GB).

#[path = "support/synth.rs"]
mod synth;

use std::time::Instant;
use tuanthu::aggregate::{self, Options};
use tuanthu::policy::Policy;

const SYSTEMS: usize = 100;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|s| s.parse().ok()).unwrap_or(default)
}

/// Peak resident set size (VmHWM) in MiB; `reset` starts a new peak (Linux).
fn peak_rss(reset: bool) -> f64 {
    if reset {
        let _ = std::fs::write("/proc/self/clear_refs", "5");
    }
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0.0);
    kb / 1024.0
}

fn main() {
    let agencies = env("BENCH_AGENCIES", 1000);
    let iterations = env("BENCH_ITERS", 3);
    let policy = Policy::bundled().expect("policy");
    let temp = tempfile::tempdir().expect("tempdir");
    let kept = std::env::var_os("BENCH_DIR").map(std::path::PathBuf::from);
    let dir = kept.clone().unwrap_or_else(|| temp.path().to_path_buf());
    let (reports, keys) = (dir.join("reports"), dir.join("keys"));
    let reuse = kept.is_some() && std::fs::read_dir(&reports).map(|d| d.count() == agencies).unwrap_or(false);
    let bytes = if reuse {
        let bytes =
            std::fs::read_dir(&reports).expect("list").map(|e| e.expect("entry").metadata().expect("size").len()).sum();
        println!("reusing {agencies} signed reports in {}", reports.display());
        bytes
    } else {
        std::fs::create_dir_all(&reports).expect("mkdir");
        std::fs::create_dir_all(&keys).expect("mkdir");
        let t = Instant::now();
        let bytes = synth::signed_reports(&policy, agencies, SYSTEMS, &reports, &keys);
        println!(
            "generated {agencies} signed reports, {} systems, {:.0} MB in {:.1} s",
            agencies * SYSTEMS,
            bytes as f64 / 1e6,
            t.elapsed().as_secs_f64()
        );
        bytes
    };
    let opts = Options { keys: Some(&keys), allow_unsigned: false, previous: None, top: 20, period: None };
    let mut best = f64::MAX;
    let mut peak = 0.0f64;
    for _ in 0..iterations {
        peak_rss(true);
        let t = Instant::now();
        let national = aggregate::aggregate(std::slice::from_ref(&reports), &opts).expect("aggregate");
        best = best.min(t.elapsed().as_secs_f64());
        peak = peak.max(peak_rss(false));
        assert!(national.rejected.is_empty(), "{:?}", &national.rejected[..1]);
        assert_eq!(national.overall.figures.systems_total, agencies * SYSTEMS);
    }
    println!(
        "aggregate: {agencies} reports ({:.0} MB), {} systems, all signatures verified: {best:.2} s (best of {iterations}) = {:.0} reports/s, {:.0} systems/s, {:.0} MB/s; peak RSS {peak:.0} MiB ({} threads)",
        bytes as f64 / 1e6,
        agencies * SYSTEMS,
        agencies as f64 / best,
        (agencies * SYSTEMS) as f64 / best,
        bytes as f64 / 1e6 / best,
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    );
}
