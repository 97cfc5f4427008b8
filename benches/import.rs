//! Benchmark: streaming import of a large synthetic ARF (OpenSCAP `--results-arf`, with the
//! benchmark) and a large `.nessus`.
//!
//! Workload, per host: an ARF `TestResult` of 300 rule results (idref, time, severity, weight, a
//! CCE ident, an OVAL check reference), about 105 KB; a `ReportHost` of 70 `ReportItem`s with
//! description, plugin output, solution, CVSS and CVEs, about 100 KB. The ARF carries the benchmark
//! (300 rules with titles, descriptions, references to NIST SP 800-53, CIS and ANSSI, and a CCE)
//! in its report requests, as `oscap` writes it. `IMPORT_BENCH_HOSTS` hosts (default 10 000: about
//! 1 GB per file). Files are generated into `BENCH_DIR` (kept) or a temporary folder (removed).
//!
//! Run: `cargo bench --bench import` (1 GB each); `IMPORT_BENCH_HOSTS=2000 cargo bench --bench
//! import` for about 200 MB each; `IMPORT_BENCH_ONLY=arf` (or `nessus`) for one format, and
//! `IMPORT_BENCH_FULL_ONLY=1` to skip the tenth-size pass. Each format is read at a tenth of the size and then at the full
//! size, and MB/s and the peak resident set size of the import alone are printed: equal peaks show
//! that memory does not grow with the file. Each file is then converted into evidence records and
//! written as JSON Lines (`tuanthu import FILE -o out.jsonl`), with its own time and peak.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

#[path = "support/memory.rs"]
mod memory;
use memory::{peak_rss_kib, reset_peak};

use tuanthu::import::Limits;
use tuanthu::import::nessus::read_nessus;
use tuanthu::import::xccdf::read_xccdf;

const RULES: usize = 300;
const ITEMS: usize = 70;

fn rule_id(r: usize) -> String {
    format!("xccdf_org.ssgproject.content_rule_bench_check_{r:03}")
}

fn generate_arf(path: &Path, hosts: usize) -> std::io::Result<()> {
    let mut w = BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    writeln!(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>")?;
    writeln!(
        w,
        "<arf:asset-report-collection xmlns:arf=\"http://scap.nist.gov/schema/asset-reporting-format/1.1\" xmlns:core=\"http://scap.nist.gov/schema/reporting-core/1.1\" xmlns:ai=\"http://scap.nist.gov/schema/asset-identification/1.1\">"
    )?;
    writeln!(w, "<arf:report-requests><arf:report-request id=\"collection1\"><arf:content>")?;
    writeln!(
        w,
        "<ds:data-stream-collection xmlns:ds=\"http://scap.nist.gov/schema/scap/source/1.2\" id=\"scap_org.open-scap_collection_from_xccdf_ssg-debian11-xccdf.xml\"><ds:component id=\"scap_org.open-scap_comp_ssg-debian11-xccdf.xml\">"
    )?;
    writeln!(
        w,
        "<xccdf-1.2:Benchmark xmlns:xccdf-1.2=\"http://checklists.nist.gov/xccdf/1.2\" id=\"xccdf_org.ssgproject.content_benchmark_DEBIAN-11\" resolved=\"1\">"
    )?;
    writeln!(w, "<xccdf-1.2:title>Guide to the Secure Configuration of Debian 11</xccdf-1.2:title>")?;
    for r in 0..RULES {
        writeln!(
            w,
            "<xccdf-1.2:Rule id=\"{}\" selected=\"true\" severity=\"medium\"><xccdf-1.2:title>Ensure benchmark setting {r} is configured</xccdf-1.2:title>\
             <xccdf-1.2:description>The setting {r} must be configured so that the system &amp; its services behave as the agency&apos;s policy requires.</xccdf-1.2:description>\
             <xccdf-1.2:reference href=\"http://nvlpubs.nist.gov/nistpubs/SpecialPublications/NIST.SP.800-53r4.pdf\">CM-6(a),AC-{}</xccdf-1.2:reference>\
             <xccdf-1.2:reference href=\"https://www.cisecurity.org/controls/\">1,{}</xccdf-1.2:reference>\
             <xccdf-1.2:reference href=\"http://www.ssi.gouv.fr/administration/bonnes-pratiques/\">R{}</xccdf-1.2:reference>\
             <xccdf-1.2:ident system=\"https://ncp.nist.gov/cce\">CCE-{}-1</xccdf-1.2:ident>\
             <xccdf-1.2:check system=\"http://oval.mitre.org/XMLSchema/oval-definitions-5\"><xccdf-1.2:check-content-ref name=\"oval:ssg-bench_{r}:def:1\" href=\"ssg-debian11-oval.xml\"/></xccdf-1.2:check></xccdf-1.2:Rule>",
            rule_id(r),
            r % 20 + 1,
            r % 18 + 2,
            r % 60 + 1,
            80000 + r
        )?;
    }
    writeln!(
        w,
        "</xccdf-1.2:Benchmark></ds:component></ds:data-stream-collection></arf:content></arf:report-request></arf:report-requests>"
    )?;
    writeln!(w, "<arf:reports>")?;
    for h in 0..hosts {
        let (a, b) = ((h >> 8) & 0xff, h & 0xff);
        writeln!(
            w,
            "<arf:report id=\"xccdf{h}\"><arf:content><TestResult xmlns=\"http://checklists.nist.gov/xccdf/1.2\" id=\"xccdf_org.open-scap_testresult_anssi_{h}\" start-time=\"2026-11-20T10:00:00+07:00\" end-time=\"2026-11-20T10:01:30+07:00\" version=\"0.1.65\" test-system=\"cpe:/a:redhat:openscap:1.2.17\">"
        )?;
        writeln!(
            w,
            "<benchmark href=\"#scap_org.open-scap_comp_ssg-debian11-xccdf.xml\" id=\"xccdf_org.ssgproject.content_benchmark_DEBIAN-11\"/><title>OSCAP Scan Result</title><identity authenticated=\"true\" privileged=\"true\">root</identity>\
             <profile idref=\"xccdf_org.ssgproject.content_profile_anssi_np_nt28_average\"/><target>host-{h}.bo.gov.vn</target><target-address>127.0.0.1</target-address><target-address>10.20.{a}.{b}</target-address>\
             <target-facts><fact name=\"urn:xccdf:fact:scanner:name\" type=\"string\">OpenSCAP</fact><fact name=\"urn:xccdf:fact:asset:identifier:fqdn\" type=\"string\">host-{h}.bo.gov.vn</fact><fact name=\"urn:xccdf:fact:ethernet:MAC\" type=\"string\">00:16:3E:00:{a:02X}:{b:02X}</fact></target-facts>"
        )?;
        for r in 0..RULES {
            let result = match (h + r) % 7 {
                0 => "fail",
                1 => "notapplicable",
                _ => "pass",
            };
            writeln!(
                w,
                "<rule-result idref=\"{}\" role=\"full\" time=\"2026-11-20T10:00:{:02}+07:00\" severity=\"medium\" weight=\"1.000000\"><result>{result}</result><ident system=\"https://ncp.nist.gov/cce\">CCE-{}-1</ident><check system=\"http://oval.mitre.org/XMLSchema/oval-definitions-5\"><check-content-ref name=\"oval:ssg-bench_{r}:def:1\" href=\"#oval0\"/></check></rule-result>",
                rule_id(r),
                r % 60,
                80000 + r
            )?;
        }
        writeln!(
            w,
            "<score system=\"urn:xccdf:scoring:default\" maximum=\"100.000000\">85.714287</score></TestResult></arf:content></arf:report>"
        )?;
    }
    writeln!(w, "</arf:reports></arf:asset-report-collection>")?;
    w.flush()
}

fn generate_nessus(path: &Path, hosts: usize) -> std::io::Result<()> {
    let mut w = BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    writeln!(w, "<?xml version=\"1.0\" ?>\n<NessusClientData_v2>")?;
    writeln!(
        w,
        "<Policy><policyName>Basic Network Scan</policyName><Preferences><ServerPreferences><preference><name>max_hosts</name><value>30</value></preference></ServerPreferences></Preferences></Policy>"
    )?;
    writeln!(w, "<Report name=\"Bench scan\" xmlns:cm=\"http://www.nessus.org/cm\">")?;
    for h in 0..hosts {
        let (a, b) = ((h >> 8) & 0xff, h & 0xff);
        writeln!(
            w,
            "<ReportHost name=\"10.30.{a}.{b}\"><HostProperties>\n<tag name=\"HOST_END_TIMESTAMP\">1795000000</tag>\n<tag name=\"HOST_END\">Fri Nov 20 10:39:42 2026</tag>\n<tag name=\"operating-system\">Linux Kernel 5.10 on Debian 11</tag>\n<tag name=\"host-ip\">10.30.{a}.{b}</tag>\n<tag name=\"host-fqdn\">host-{h}.bo.gov.vn</tag>\n<tag name=\"netbios-name\">HOST-{h}</tag>\n<tag name=\"HOST_START_TIMESTAMP\">1794999000</tag>\n</HostProperties>"
        )?;
        for i in 0..ITEMS {
            let severity = i % 5;
            writeln!(
                w,
                "<ReportItem port=\"{}\" svc_name=\"www\" protocol=\"tcp\" severity=\"{severity}\" pluginID=\"{}\" pluginName=\"Bench plugin {i} &amp; friends\" pluginFamily=\"Web Servers\">\n\
                 <agent>all</agent>\n<description>The remote web server is affected by issue {i}. An unauthenticated, remote attacker can exploit this to cause a denial of service or to disclose information; see the vendor advisory for details of the affected versions and the conditions under which the flaw can be reached from the network.</description>\n\
                 <fname>bench_{i}.nasl</fname>\n<plugin_modification_date>2026/01/01</plugin_modification_date>\n<plugin_name>Bench plugin {i} &amp; friends</plugin_name>\n<plugin_type>remote</plugin_type>\n\
                 <risk_factor>Medium</risk_factor>\n<script_version>1.{i}</script_version>\n<see_also>https://vendor.example/advisory/{i}</see_also>\n\
                 <solution>Upgrade to version 2.4.{i} or later, or apply the vendor&apos;s patch.</solution>\n<synopsis>The remote web server is affected by issue {i}.</synopsis>\n\
                 <cvss3_base_score>6.5</cvss3_base_score>\n<cvss3_vector>CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:L</cvss3_vector>\n<cvss_base_score>5.0</cvss_base_score>\n<cvss_vector>CVSS2#AV:N/AC:L/Au:N/C:N/I:N/A:P</cvss_vector>\n\
                 <cve>CVE-2026-{:04}</cve>\n<cve>CVE-2026-{:04}</cve>\n<xref>IAVA:2026-A-{i:04}</xref>\n\
                 <plugin_output>\n  URL               : https://10.30.{a}.{b}/\n  Installed version : 2.4.{}\n  Fixed version     : 2.4.{i}\n</plugin_output>\n</ReportItem>",
                if i % 3 == 0 { 443 } else { 80 },
                100000 + i,
                1000 + i,
                2000 + i,
                i.saturating_sub(1)
            )?;
        }
        writeln!(w, "</ReportHost>")?;
    }
    writeln!(w, "</Report>\n</NessusClientData_v2>")?;
    w.flush()
}

/// CPU time this process has run, in seconds (Linux schedstat): on a shared machine the wall
/// clock also counts the time other processes held the cores.
fn cpu_secs() -> f64 {
    std::fs::read_to_string("/proc/self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .map_or(0.0, |ns| ns as f64 / 1e9)
}

fn open(path: &Path) -> std::io::BufReader<std::fs::File> {
    std::io::BufReader::with_capacity(256 << 10, std::fs::File::open(path).expect("open"))
}

fn report(what: &str, path: &Path, (secs, cpu): (f64, f64), units: &str) {
    let mb = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0) as f64 / 1e6;
    println!(
        "{what:>6} import: {mb:>8.1} MB, {units} in {secs:.2} s = {:.0} MB/s (CPU {cpu:.2} s = {:.0} MB/s), peak RSS {:.1} MiB",
        mb / secs,
        mb / cpu,
        peak_rss_kib() as f64 / 1024.0
    );
}

/// Wall and CPU seconds since `start` / `cpu_start`.
fn elapsed(start: Instant, cpu_start: f64) -> (f64, f64) {
    (start.elapsed().as_secs_f64(), cpu_secs() - cpu_start)
}

fn import_arf(path: &Path) {
    reset_peak();
    let (start, cpu_start) = (Instant::now(), cpu_secs());
    let (mut tests, mut results, mut fails) = (0u64, 0u64, 0u64);
    let run = read_xccdf(open(path), &Limits::default(), |_, t| {
        tests += 1;
        results += t.rule_results.len() as u64;
        fails += t.rule_results.iter().filter(|r| r.tool_result == "fail").count() as u64;
        Ok(())
    });
    let secs = elapsed(start, cpu_start);
    let run = run.expect("ARF import");
    assert_eq!(run.benchmark.rules.len(), RULES);
    report("ARF", path, secs, &format!("{tests} TestResults, {results} rule results ({fails} fail)"));
}

fn import_nessus(path: &Path) {
    reset_peak();
    let (start, cpu_start) = (Instant::now(), cpu_secs());
    let (mut hosts, mut items, mut cves) = (0u64, 0u64, 0u64);
    let run = read_nessus(open(path), &Limits::default(), |h| {
        hosts += 1;
        items += h.items.len() as u64;
        cves += h.items.iter().map(|i| i.cves.len() as u64).sum::<u64>();
        Ok(())
    });
    let secs = elapsed(start, cpu_start);
    run.expect("nessus import");
    report("Nessus", path, secs, &format!("{hosts} hosts, {items} items, {cves} CVEs"));
}

/// `tuanthu import FILE -o out.jsonl`: the file detected, converted into evidence records and
/// written as JSON Lines as it is read.
fn convert(what: &str, path: &Path, out: &Path) {
    use tuanthu::evidence::writer::EvidenceWriter;
    use tuanthu::import::format::detect_file;
    use tuanthu::import::records::{Hints, read_into};
    reset_peak();
    let (start, cpu_start) = (Instant::now(), cpu_secs());
    let format = detect_file(path).expect("detect");
    let mut w = EvidenceWriter::create(out, "2026-11-25T00:00:00Z").expect("create");
    let input =
        read_into(path, format, &Hints::default(), &Limits::default(), &mut |r| w.push(r).map_err(|e| e.to_string()));
    w.finish("2026-11-25T00:00:01Z").expect("finish");
    let secs = elapsed(start, cpu_start);
    assert!(input.fatal.is_none() && input.problems.is_empty(), "{:?} {:?}", input.fatal, input.problems);
    let written = std::fs::metadata(out).map(|m| m.len()).unwrap_or(0) as f64 / 1e6;
    report(what, path, secs, &format!("{} records ({written:.0} MB of JSON Lines)", input.counted));
    let _ = std::fs::remove_file(out);
}

fn main() {
    let hosts: usize = std::env::var("IMPORT_BENCH_HOSTS").ok().and_then(|s| s.parse().ok()).unwrap_or(10_000);
    let temp = tempfile::tempdir().expect("tempdir");
    let dir = std::env::var_os("BENCH_DIR").map_or_else(|| temp.path().to_path_buf(), PathBuf::from);
    std::fs::create_dir_all(&dir).expect("bench dir");
    let only = std::env::var("IMPORT_BENCH_ONLY").unwrap_or_default();
    let sizes = if std::env::var_os("IMPORT_BENCH_FULL_ONLY").is_some() {
        vec![hosts]
    } else {
        vec![(hosts / 10).max(1), hosts]
    };
    for n in sizes {
        if only.is_empty() || only == "arf" {
            let arf = dir.join(format!("bench-{n}-hosts.arf.xml"));
            if !arf.exists() {
                generate_arf(&arf, n).expect("generate ARF");
            }
            import_arf(&arf);
            convert("ARF→ev", &arf, &dir.join("arf.jsonl"));
            if std::env::var_os("BENCH_DIR").is_none() {
                let _ = std::fs::remove_file(&arf);
            }
        }
        if only.is_empty() || only == "nessus" {
            let nessus = dir.join(format!("bench-{n}-hosts.nessus"));
            if !nessus.exists() {
                generate_nessus(&nessus, n).expect("generate .nessus");
            }
            import_nessus(&nessus);
            convert("Nes→ev", &nessus, &dir.join("nessus.jsonl"));
            if std::env::var_os("BENCH_DIR").is_none() {
                let _ = std::fs::remove_file(&nessus);
            }
        }
    }
}
