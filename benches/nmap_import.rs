//! Benchmark (a): streaming import of a large synthetic nmap XML file.
//!
//! Workload: N hosts × 20 open ports, each port with a `<service>` (product, version, cpe) and a
//! `<script>` (http-title; on every fourth port also ssl-enum-ciphers with nested `<table>`/`<elem>`),
//! plus a host script — about 11 KB per host, so 100 000 hosts ≈ 1.1 GB. The file is generated once under `target/bench-data/` and reused.
//!
//! Run: `cargo bench --bench nmap_import` (defaults to 100 000 hosts; `NMAP_BENCH_HOSTS=10000` for
//! a quick run). Reports MB/s and the peak resident set size of the import alone (the kernel's
//! high-water mark is reset after generation), for two file sizes so that "memory independent of
//! file size" can be checked.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

#[path = "support/memory.rs"]
mod memory;
use memory::{peak_rss_kib, reset_peak};
use tuanthu::import::nmap::{Limits, read_nmap_partial};

fn generate(path: &Path, hosts: usize) -> std::io::Result<()> {
    let mut w = BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    writeln!(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE nmaprun>")?;
    writeln!(
        w,
        "<nmaprun scanner=\"nmap\" args=\"nmap -sV -sC -oX bench.xml 10.0.0.0/8\" start=\"1795000000\" version=\"7.94\" xmloutputversion=\"1.05\">"
    )?;
    writeln!(w, "<scaninfo type=\"syn\" protocol=\"tcp\" numservices=\"1000\" services=\"1-1000\"/>")?;
    for h in 0..hosts {
        let (a, b, c) = ((h >> 16) & 0xff, (h >> 8) & 0xff, h & 0xff);
        writeln!(
            w,
            "<host starttime=\"1795000000\" endtime=\"1795000100\"><status state=\"up\" reason=\"syn-ack\" reason_ttl=\"63\"/>"
        )?;
        writeln!(
            w,
            "<address addr=\"10.{a}.{b}.{c}\" addrtype=\"ipv4\"/><address addr=\"00:16:3E:{a:02X}:{b:02X}:{c:02X}\" addrtype=\"mac\" vendor=\"Xensource\"/>"
        )?;
        writeln!(
            w,
            "<hostnames><hostname name=\"host-{h}.example.gov.vn\" type=\"PTR\"/></hostnames><ports><extraports state=\"closed\" count=\"980\"><extrareasons reason=\"reset\" count=\"980\"/></extraports>"
        )?;
        for p in 0..20u32 {
            let port = 20 + p * 37;
            writeln!(
                w,
                "<port protocol=\"tcp\" portid=\"{port}\"><state state=\"open\" reason=\"syn-ack\" reason_ttl=\"63\"/>"
            )?;
            writeln!(
                w,
                "<service name=\"http\" product=\"nginx\" version=\"1.18.{p}\" extrainfo=\"Ubuntu &amp; friends\" ostype=\"Linux\" method=\"probed\" conf=\"10\"><cpe>cpe:/a:igor_sysoev:nginx:1.18.{p}</cpe><cpe>cpe:/o:linux:linux_kernel</cpe></service>"
            )?;
            writeln!(
                w,
                "<script id=\"http-title\" output=\"Cổng dịch vụ công &#x2013; trang chủ {h}\"><elem key=\"title\">Cổng dịch vụ công &#x2013; trang chủ {h}</elem></script>"
            )?;
            // TLS cipher enumeration (nested tables) on every fourth port, as -sC gives on HTTPS.
            if p % 4 != 0 {
                writeln!(w, "</port>")?;
                continue;
            }
            writeln!(
                w,
                "<script id=\"ssl-enum-ciphers\" output=\"&#xa;  TLSv1.2: &#xa;    ciphers: &#xa;      TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 (secp256r1) - A&#xa;  least strength: A\"><table key=\"TLSv1.2\"><table key=\"ciphers\"><table><elem key=\"strength\">A</elem><elem key=\"name\">TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256</elem><elem key=\"kex_info\">secp256r1</elem></table><table><elem key=\"strength\">A</elem><elem key=\"name\">TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384</elem><elem key=\"kex_info\">secp256r1</elem></table></table><elem key=\"cipher preference\">server</elem></table><elem key=\"least strength\">A</elem></script></port>"
            )?;
        }
        writeln!(w, "</ports><os><osmatch name=\"Linux 4.15 - 5.6\" accuracy=\"95\" line=\"1\"/></os>")?;
        writeln!(
            w,
            "<hostscript><script id=\"smb-protocols\" output=\"&#xa;  dialects: &#xa;    2.02&#xa;    2.10\"><table key=\"dialects\"><elem>2.02</elem><elem>2.10</elem></table></script></hostscript>"
        )?;
        writeln!(w, "<times srtt=\"1000\" rttvar=\"500\" to=\"100000\"/></host>")?;
    }
    writeln!(
        w,
        "<runstats><finished time=\"1795009999\" timestr=\"x\" elapsed=\"9999\" summary=\"done\" exit=\"success\"/><hosts up=\"{hosts}\" down=\"0\" total=\"{hosts}\"/></runstats></nmaprun>"
    )?;
    w.flush()
}

fn data_file(hosts: usize) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-data");
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join(format!("nmap-{hosts}-hosts.xml"));
    if !path.exists() {
        eprintln!("generating {} ...", path.display());
        let tmp = path.with_extension("tmp");
        generate(&tmp, hosts).expect("generate bench data");
        std::fs::rename(&tmp, &path).expect("rename");
    }
    path
}

fn import(path: &Path) {
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    reset_peak();
    let start = Instant::now();
    let reader = std::io::BufReader::with_capacity(256 << 10, std::fs::File::open(path).expect("open"));
    let (mut hosts, mut ports, mut scripts) = (0u64, 0u64, 0u64);
    let (run, err) = read_nmap_partial(reader, &Limits::default(), |h| {
        hosts += 1;
        ports += h.ports.len() as u64;
        scripts += h.ports.iter().map(|p| p.scripts.len() as u64).sum::<u64>() + h.scripts.len() as u64;
        Ok(())
    });
    let secs = start.elapsed().as_secs_f64();
    assert!(err.is_none(), "import failed: {err:?}");
    assert!(run.complete);
    let mb = size as f64 / 1e6;
    println!(
        "nmap import: {:>8.1} MB, {hosts} hosts, {ports} ports, {scripts} scripts in {secs:.2} s = {:.0} MB/s, peak RSS {:.1} MiB",
        mb,
        mb / secs,
        peak_rss_kib() as f64 / 1024.0
    );
}

fn main() {
    let hosts: usize = std::env::var("NMAP_BENCH_HOSTS").ok().and_then(|s| s.parse().ok()).unwrap_or(100_000);
    // A tenth of the workload first: equal peak RSS for both sizes shows memory does not grow
    // with the file.
    for n in [hosts / 10, hosts] {
        import(&data_file(n.max(1)));
    }
}
