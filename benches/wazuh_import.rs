//! Benchmark: Wazuh vulnerability import, the largest JSON the importers read.
//!
//! Workload: a search response over `wazuh-states-vulnerabilities` (the 4.8+ shape: agent, host.os,
//! package, vulnerability with a description of about 600 bytes, as Wazuh writes them), about 1.6 KB
//! per document. Two sizes, 6 and 60 MB (below the 64 MiB cap on a file read whole), are generated
//! into `BENCH_DIR` (default: a temporary directory) and imported once each.
//!
//! Run: `cargo bench --bench wazuh_import`. Prints MB/s and the peak RSS of each import alone (the
//! kernel's high-water mark is reset before it): memory is the file plus one record, so it grows
//! with the file, up to the cap.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

#[path = "support/memory.rs"]
mod memory;
use memory::{peak_rss_kib, reset_peak};

use tuanthu::import::Limits;
use tuanthu::import::wazuh::{WazuhFormat, read_vulnerabilities};

fn generate(path: &Path, docs: usize) -> std::io::Result<()> {
    let mut w = BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    write!(
        w,
        r#"{{"took": 8, "timed_out": false, "hits": {{"total": {{"value": {docs}, "relation": "eq"}}, "hits": ["#
    )?;
    let description = "A flaw was found in the package's handling of crafted input: an attacker able to send \
        such input can cause a denial of service or, in some configurations, execute code with the privileges \
        of the process. "
        .repeat(3);
    for i in 0..docs {
        let sep = if i == 0 { "" } else { "," };
        let (agent, cve) = (i % 5000, 20000 + i);
        let severity = ["Critical", "High", "Medium", "Low", "-"][i % 5];
        write!(
            w,
            r#"{sep}{{"_index": "wazuh-states-vulnerabilities-wazuh-server", "_id": "{agent:03}_pkg_CVE-2025-{cve}", "_score": 1.0, "_source": {{"agent": {{"id": "{agent:03}", "name": "host-{agent}", "type": "Wazuh", "version": "v4.11.1"}}, "host": {{"os": {{"full": "Ubuntu 24.04.2 LTS", "kernel": "6.8.0-62-generic", "name": "Ubuntu", "platform": "ubuntu", "type": "ubuntu", "version": "24.04.2"}}}}, "package": {{"architecture": "amd64", "description": "Signed kernel image generic", "name": "linux-image-6.8.0-60-generic", "size": 15025152, "type": "deb", "version": "6.8.0-60.63"}}, "vulnerability": {{"category": "Packages", "classification": "CVSS", "description": "{description}", "detected_at": "2026-11-20T02:00:00.000Z", "enumeration": "CVE", "id": "CVE-2025-{cve}", "published_at": "2025-04-22T19:16:08Z", "reference": "https://ubuntu.com/security/CVE-2025-{cve}, https://www.cve.org/CVERecord?id=CVE-2025-{cve}", "scanner": {{"condition": "Package default status", "reference": "https://cti.wazuh.com/vulnerabilities/cves/CVE-2025-{cve}", "source": "Canonical Security Tracker", "vendor": "Wazuh"}}, "score": {{"base": 7.5, "version": "3.1"}}, "severity": "{severity}", "under_evaluation": false}}, "wazuh": {{"cluster": {{"name": "wazuh-server"}}, "schema": {{"version": "1.0.0"}}}}}}}}"#
        )?;
    }
    write!(w, "]}}}}")?;
    w.flush()
}

fn import(path: &Path) {
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    reset_peak();
    let start = Instant::now();
    let (mut n, mut critical) = (0u64, 0u64);
    let file = std::fs::File::open(path).expect("open");
    let summary = read_vulnerabilities(file, WazuhFormat::VulnsIndex, &Limits::default(), &mut |v| {
        n += 1;
        critical += u64::from(v.severity == Some(tuanthu::evidence::Severity::Critical));
        Ok(())
    })
    .expect("import");
    let secs = start.elapsed().as_secs_f64();
    assert_eq!(summary.records as u64, n);
    let mb = size as f64 / 1e6;
    println!(
        "wazuh vulnerabilities import: {mb:>6.1} MB, {n} documents ({critical} critical) in {secs:.2} s = {:.0} MB/s, peak RSS {:.1} MiB",
        mb / secs,
        peak_rss_kib() as f64 / 1024.0
    );
}

fn main() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = std::env::var_os("BENCH_DIR").map(PathBuf::from).unwrap_or_else(|| tmp.path().to_path_buf());
    let _ = std::fs::create_dir_all(&dir);
    for docs in [3_300, 33_000] {
        let path = dir.join(format!("wazuh-vulns-{docs}.json"));
        if !path.exists() {
            generate(&path, docs).expect("generate bench data");
        }
        import(&path);
    }
}
