//! Benchmark (d): the national service under its national load — 1 000 agencies × 100 systems
//! (100 000 systems) submitting signed reports concurrently over loopback, then the national view.
//!
//! Workload: the aggregate benchmark's reports (benches/support/synth.rs inventories evaluated by
//! the real engine, each signed with its agency's own ed25519 key; ~2 MB each), signed up front
//! and kept on disk. For SQLite (a file, `synchronous=FULL`) and PostgreSQL (a throw-away cluster
//! as the tests start it, with `fsync` turned back on so commits are durable as in production):
//! a `tuanthu serve` in this process on 127.0.0.1, the 1 000 keys registered, then
//! `BENCH_CLIENTS` (default 32) client tasks POST every report (each verified against its key and
//! stored with its figures in one transaction). Measured: sustained submissions/s and MB/s,
//! p50/p99/max latency of one submission, and `GET /api/v1/national?period=2026` afterwards (the
//! first call and the best of 3; for SQLite once more after a restart with the database's files
//! dropped from the OS page cache, as after a reboot), plus the database's size.
//!
//! Run: `cargo bench --bench serve` (BENCH_AGENCIES=N, BENCH_CLIENTS=N; BENCH_DIR=DIR keeps the
//! generated reports and keys and reuses them; BENCH_BACKENDS=sqlite or postgres for one only).

#[path = "../tests/serve_support/mod.rs"]
mod serve_support;
#[path = "support/synth.rs"]
mod synth;

/// What tests/serve_support expects of the test binaries' common module.
mod common {
    pub fn skipped(what: &str) {
        println!("skipped: {what}");
    }
}

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tuanthu::aggregate::national;
use tuanthu::policy::Policy;
use tuanthu::serve::Limits;
use tuanthu::serve::figures;
use tuanthu::serve::records::{self, Role};

const SYSTEMS: usize = 100;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|s| s.parse().ok()).unwrap_or(default)
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

/// Submits every report to a fresh server on `url`, then times the national view.
/// `cold`: the database's files, to time the view once more after a restart with them out of the
/// OS page cache (SQLite; PostgreSQL keeps its own buffers, so it is not measured cold).
#[allow(clippy::too_many_arguments)]
fn run(
    backend: &str,
    url: &str,
    agencies: usize,
    clients: usize,
    reports: &Path,
    keys: &Path,
    size: impl Fn() -> u64,
    cold: &[PathBuf],
) {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    rt.block_on(async {
        let limits = Limits {
            burst: 1_000,
            per_minute: 1_000_000,
            client_burst: 1_000_000,
            client_per_minute: 1_000_000,
            in_flight: 1 << 30,
            ..Limits::default()
        };
        let server = serve_support::Server::start(url, limits.clone()).await;
        for a in 0..agencies {
            let public = std::fs::read_to_string(keys.join(format!("agency-{a}.pub"))).expect("key");
            server.add_key(&format!("agency-{a}"), &public, None, None).await;
        }
        let center = server.token(Role::Center).await;

        let next = Arc::new(AtomicUsize::new(0));
        let bytes = Arc::new(AtomicUsize::new(0));
        let endpoint = format!("{}/api/v1/reports", server.base);
        let started = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..clients {
            let (next, bytes, endpoint, reports) = (next.clone(), bytes.clone(), endpoint.clone(), reports.to_path_buf());
            tasks.push(tokio::spawn(async move {
                let client = reqwest::Client::new();
                let mut latencies = Vec::new();
                loop {
                    let a = next.fetch_add(1, Ordering::SeqCst);
                    if a >= agencies {
                        return latencies;
                    }
                    let path = reports.join(format!("agency-{a}.json"));
                    let body = tokio::task::spawn_blocking(move || std::fs::read(path)).await.expect("join").expect("read");
                    bytes.fetch_add(body.len(), Ordering::Relaxed);
                    let t = Instant::now();
                    let r = client.post(&endpoint).body(body).send().await.expect("post");
                    let status = r.status().as_u16();
                    let answer = r.bytes().await.expect("body");
                    latencies.push(t.elapsed());
                    assert_eq!(status, 201, "agency-{a}: {}", String::from_utf8_lossy(&answer));
                    assert!(String::from_utf8_lossy(&answer).contains("\"counted\""), "agency-{a}");
                }
            }));
        }
        let mut latencies = Vec::new();
        for t in tasks {
            latencies.extend(t.await.expect("client"));
        }
        let wall = started.elapsed().as_secs_f64();
        latencies.sort();
        let mb = bytes.load(Ordering::Relaxed) as f64 / 1e6;
        println!(
            "{backend}: {agencies} submissions ({mb:.0} MB, {} systems), every signature verified, {clients} clients: {wall:.1} s = {:.1} submissions/s, {:.1} MB/s; latency p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms",
            agencies * SYSTEMS,
            agencies as f64 / wall,
            mb / wall,
            percentile(&latencies, 0.5),
            percentile(&latencies, 0.99),
            percentile(&latencies, 1.0),
        );

        let mut times = Vec::new();
        for _ in 0..3 {
            let t = Instant::now();
            let (status, national) = server.get("/api/v1/national?period=2026", Some(&center)).await;
            times.push(t.elapsed().as_secs_f64());
            assert_eq!(status, 200, "{national}");
            assert_eq!(national["overall"]["agencies"], agencies);
            assert_eq!(national["overall"]["systems_total"], agencies * SYSTEMS);
        }
        let best = times.iter().copied().fold(f64::MAX, f64::min);
        println!(
            "{backend}: GET /api/v1/national ({agencies} agencies, {} systems): first {:.3} s, best of 3 {best:.3} s",
            agencies * SYSTEMS,
            times[0],
        );
        // The view as it was computed before schema version 2, from every submission's full
        // figures (systems, controls, findings), on the same database: the before of the fix.
        let t = Instant::now();
        let stored = server.store().tx(|c| records::of_period(c, "2026")).await.expect("read");
        let read = t.elapsed().as_secs_f64();
        let all: Vec<_> =
            stored.iter().map(|s| figures::loaded(s, figures::StoredFigures::read(s).expect("figures")).expect("loaded")).collect();
        let (counted, superseded) = national::select(all);
        let view = national::build(&counted, Vec::new(), superseded, None, "2026", String::new(), 20);
        assert_eq!(view.overall.figures.systems_total, agencies * SYSTEMS);
        println!(
            "{backend}: the same view from the full figures (before schema version 2): {:.3} s ({read:.3} s reading {:.0} MB of figures)",
            t.elapsed().as_secs_f64(),
            stored.iter().map(|s| s.figures.len()).sum::<usize>() as f64 / 1e6
        );
        server.stop().await;
        if !cold.is_empty() {
            drop_cached(cold);
            let server = serve_support::Server::start(url, limits).await;
            let t = Instant::now();
            let (status, national) = server.get("/api/v1/national?period=2026", Some(&center)).await;
            assert_eq!((status, national["overall"]["agencies"].as_u64()), (200, Some(agencies as u64)), "{national}");
            println!(
                "{backend}: GET /api/v1/national after a restart, the database out of the page cache: {:.3} s ({})",
                t.elapsed().as_secs_f64(),
                cached(cold)
            );
            server.stop().await;
        }
    });
    println!("{backend}: database {:.0} MB", size() as f64 / 1e6);
}

/// Drops `files` from the OS page cache (GNU dd: `iflag=nocache count=0` advises the kernel to
/// drop the whole file), as after a reboot, without touching the rest of the machine's cache.
fn drop_cached(files: &[PathBuf]) {
    for f in files.iter().filter(|f| f.exists()) {
        let done = std::process::Command::new("dd")
            .arg(format!("if={}", f.display()))
            .args(["iflag=nocache", "count=0", "status=none"])
            .status();
        assert!(done.is_ok_and(|s| s.success()), "dd could not drop {} from the page cache", f.display());
    }
}

/// How much of `files` the page cache holds (util-linux `fincore`), to show the drop worked.
fn cached(files: &[PathBuf]) -> String {
    let out = std::process::Command::new("fincore")
        .args(["--bytes", "--noheadings", "--output", "RES"])
        .args(files.iter().filter(|f| f.exists()))
        .output();
    match out {
        Ok(o) if o.status.success() => {
            let bytes: u64 =
                String::from_utf8_lossy(&o.stdout).split_whitespace().filter_map(|n| n.parse::<u64>().ok()).sum();
            format!("{:.1} MB of its files in the page cache afterwards", bytes as f64 / 1e6)
        }
        _ => "fincore not available".to_string(),
    }
}

fn main() {
    let agencies = env("BENCH_AGENCIES", 1000);
    let clients = env("BENCH_CLIENTS", 32);
    let backends = std::env::var("BENCH_BACKENDS").unwrap_or_else(|_| "sqlite,postgres".into());
    let policy = Policy::bundled().expect("policy");
    let temp = tempfile::tempdir().expect("tempdir");
    let kept = std::env::var_os("BENCH_DIR").map(PathBuf::from);
    let dir = kept.clone().unwrap_or_else(|| temp.path().to_path_buf());
    let (reports, keys) = (dir.join("reports"), dir.join("keys"));
    let reuse = kept.is_some() && std::fs::read_dir(&reports).map(|d| d.count() == agencies).unwrap_or(false);
    if reuse {
        println!("reusing {agencies} signed reports in {}", reports.display());
    } else {
        std::fs::create_dir_all(&reports).expect("mkdir");
        std::fs::create_dir_all(&keys).expect("mkdir");
        let t = Instant::now();
        synth::signed_reports(&policy, agencies, SYSTEMS, &reports, &keys);
        println!("generated {agencies} signed reports in {:.1} s", t.elapsed().as_secs_f64());
    }

    if backends.contains("sqlite") {
        let db = tempfile::tempdir().expect("tempdir");
        let file = db.path().join("center.db");
        let url = format!("sqlite:{}", file.display());
        let size = || {
            ["", "-wal"]
                .iter()
                .map(|s| std::fs::metadata(format!("{}{s}", file.display())).map_or(0, |m| m.len()))
                .sum()
        };
        let files: Vec<PathBuf> =
            ["", "-wal", "-shm"].iter().map(|s| PathBuf::from(format!("{}{s}", file.display()))).collect();
        run("SQLite", &url, agencies, clients, &reports, &keys, size, &files);
    }
    if backends.contains("postgres") {
        // Durable commits, as in production (the tests' clusters run with fsync off).
        let Some(cluster) = serve_support::Cluster::start_with(true) else { return };
        let url = cluster.fresh_database();
        let admin = url.clone();
        let size_url = url.clone();
        let sql = move |q: &'static str, url: String| -> Option<i64> {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
            rt.block_on(async move {
                let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await.ok()?;
                let task = tokio::spawn(conn);
                let rows = client.simple_query(q).await.ok()?;
                drop(client);
                let _ = task.await;
                rows.iter().find_map(|m| match m {
                    tokio_postgres::SimpleQueryMessage::Row(r) => r.get(0).and_then(|v| v.parse().ok()),
                    _ => None,
                })
            })
        };
        let fsync = sql("SELECT CASE WHEN current_setting('fsync') = 'on' THEN 1 ELSE 0 END", admin);
        println!("PostgreSQL fsync on: {}", fsync == Some(1));
        let size = || sql("SELECT pg_database_size(current_database())", size_url.clone()).unwrap_or(0) as u64;
        run("PostgreSQL", &url, agencies, clients, &reports, &keys, size, &[]);
    }
}
