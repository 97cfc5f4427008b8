//! The XML importers (XCCDF/ARF, Greenbone/OpenVAS, Nessus v2) on real tool output and on hostile
//! input.
//!
//! * Every file of `../shared/corpora/host-and-vuln/{openscap,openvas,nessus}` is imported and its
//!   exact contents asserted: counts taken independently from the files (Python `xml.etree` and
//!   grep), not from these parsers. Without the corpus these tests are skipped (said on stderr),
//!   except under `CI=true`, where they fail.
//! * A real `oscap xccdf eval` run on this machine (the Debian 11 SSG data stream with its platform
//!   gates removed from a copy) is imported from both its XCCDF and ARF outputs and compared with
//!   the tool's own per-rule output. Skipped with a note when `oscap` is not installed, except
//!   under `CI=true`, where it fails.
//! * Hostile input: DTD entity tricks, truncation at every byte of small real files, 100 MB
//!   attributes and text (in a child process under an address-space limit), wrong roots, invalid
//!   UTF-8, deep nesting: a positioned error, never a panic.

mod common;

use std::collections::BTreeMap;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use tuanthu::evidence::{CheckResult, Severity};
use tuanthu::import::nessus::{NessusHost, NessusRun, read_nessus};
use tuanthu::import::openvas::{OpenvasReport, OpenvasResult, read_openvas};
use tuanthu::import::xccdf::{Benchmark, TestResult, XccdfRun, read_xccdf};
use tuanthu::import::xml::{TRUNCATION_MARK, XmlFormat, detect};
use tuanthu::import::{ImportError, Limits};

// ---------------------------------------------------------------------------------------------
// Helpers

/// The corpus folder, or `None` (test skipped, said on stderr) when `../shared` is absent outside CI.
fn corpus() -> Option<PathBuf> {
    let dir = common::shared()?.join("corpora/host-and-vuln");
    assert!(dir.is_dir(), "{} is missing", dir.display());
    Some(dir)
}

fn xccdf(bytes: &[u8]) -> (Result<XccdfRun, ImportError>, Vec<TestResult>, Benchmark) {
    let (mut tests, mut benchmark) = (Vec::new(), Benchmark::default());
    let run = read_xccdf(bytes, &Limits::default(), |b, t| {
        benchmark = b.clone();
        tests.push(t);
        Ok(())
    });
    if let Ok(run) = &run {
        benchmark = run.benchmark.clone();
    }
    (run, tests, benchmark)
}

fn openvas(bytes: &[u8]) -> (Result<OpenvasReport, ImportError>, Vec<OpenvasResult>) {
    let mut results = Vec::new();
    let report = read_openvas(bytes, &Limits::default(), |r| {
        results.push(r);
        Ok(())
    });
    (report, results)
}

fn nessus(bytes: &[u8]) -> (Result<NessusRun, ImportError>, Vec<NessusHost>) {
    let mut hosts = Vec::new();
    let run = read_nessus(bytes, &Limits::default(), |h| {
        hosts.push(h);
        Ok(())
    });
    (run, hosts)
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Results per CheckResult and per tool word.
fn per_result(test: &TestResult) -> (BTreeMap<CheckResult, usize>, BTreeMap<String, usize>) {
    let (mut mapped, mut words) = (BTreeMap::new(), BTreeMap::new());
    for rr in &test.rule_results {
        *mapped.entry(rr.result).or_default() += 1;
        *words.entry(rr.tool_result.clone()).or_default() += 1;
    }
    (mapped, words)
}

fn words(pairs: &[(&str, usize)]) -> BTreeMap<String, usize> {
    pairs.iter().map(|(w, n)| ((*w).to_owned(), *n)).collect()
}

/// The file names of a corpus folder, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()).unwrap_or_default())
        .collect();
    names.sort();
    names
}

// ---------------------------------------------------------------------------------------------
// Corpus: OpenSCAP

#[test]
fn every_openscap_corpus_file_has_its_exact_contents() {
    let Some(dir) = corpus() else { return };
    let dir = dir.join("openscap");
    assert_eq!(listing(&dir), ["ios-sample-v1.1.3.xccdf.xml", "no_vuln_rhsa.xml", "one_vuln_rhsa.xml"]);

    // The NIST XCCDF 1.1 sample: a Benchmark of 8 rules with one TestResult.
    let (run, tests, benchmark) = xccdf(&read(&dir.join("ios-sample-v1.1.3.xccdf.xml")));
    let run = run.unwrap_or_else(|e| panic!("ios sample: {e}"));
    assert_eq!((run.format, run.test_results), (Some(XmlFormat::Xccdf11), 1));
    assert_eq!(benchmark.ids, ["ios-test-1"]);
    assert_eq!(benchmark.rules.len(), 8);
    assert_eq!(benchmark.rules["req-exec-timeout"].title, "Require exec timeout on admin sessions");
    let t = &tests[0];
    assert_eq!(t.id, "ios-test-5");
    assert_eq!(t.benchmark.as_deref(), Some("ios-sample-v1.1.xccdf.xml"));
    assert_eq!((t.start_time.as_deref(), t.end_time.as_deref()), (None, Some("2004-09-25T13:45:02-04:00")));
    assert_eq!(t.target.as_deref(), Some("lower.test.net"));
    assert_eq!(t.target_addresses, ["192.168.248.1", "2001:8::1"]);
    assert_eq!(t.target_facts.len(), 6);
    assert_eq!(t.target_facts[1].name, "urn:xccdf:fact:OS:IOS");
    assert_eq!(t.target_facts[1].value, "1");
    let (mapped, tool) = per_result(t);
    assert_eq!(tool, words(&[("fail", 1), ("notselected", 1), ("pass", 1)]));
    assert_eq!(mapped, BTreeMap::from([(CheckResult::Pass, 1), (CheckResult::Fail, 1), (CheckResult::NotChecked, 1)]));
    assert_eq!(t.rule_results[0].idref, "ios12-no-finger-service");
    assert_eq!(t.rule_results[0].time.as_deref(), Some("2004-09-25T13:45:00-04:00"));
    assert!(t.findings.is_empty());

    // OVAL-generated RHSA patch benchmarks: 8 advisories, one (RHSA-2006:0117) missing or none.
    for (file, fails) in [("one_vuln_rhsa.xml", 1), ("no_vuln_rhsa.xml", 0)] {
        let (run, tests, benchmark) = xccdf(&read(&dir.join(file)));
        let run = run.unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!((run.format, run.test_results), (Some(XmlFormat::Xccdf11), 1), "{file}");
        assert_eq!(benchmark.ids, ["generated-xccdf"]);
        assert_eq!(benchmark.rules.len(), 8);
        assert!(benchmark.rules.values().all(|r| r.advisory.is_some()), "{file}: every rule is a patch rule");
        let kernel = &benchmark.rules["oval-com.redhat.rhsa-def-20060101"];
        assert_eq!(kernel.advisory.as_deref(), Some("RHSA-2006:0101"));
        assert_eq!(kernel.idents.len(), 17);
        assert_eq!(kernel.severity, Some(Severity::High));
        let t = &tests[0];
        assert_eq!(t.id, "xccdf_org.open-scap_testresult_default-profile");
        assert_eq!(t.benchmark.as_deref(), Some("/usr/local/hpsa/data/RHEL7-tailored//com.redhat.rhsa-all.xccdf.xml"));
        assert_eq!(
            (t.start_time.as_deref(), t.end_time.as_deref()),
            (Some("2019-03-04T07:43:35"), Some("2019-03-04T07:43:39"))
        );
        assert_eq!(t.test_system.as_deref(), Some("cpe:/a:redhat:openscap:1.2.17"));
        assert_eq!(t.target.as_deref(), Some("sample.system"));
        assert_eq!(t.target_addresses.len(), 7);
        assert_eq!(t.target_addresses[6], "http://a.com/a.php?a=b");
        assert_eq!(t.target_facts.len(), 8);
        assert_eq!(t.score, Some(98.943779));
        let (_, tool) = per_result(t);
        assert_eq!(
            tool,
            words(&[("fail", fails), ("pass", 8 - fails)].into_iter().filter(|(_, n)| *n > 0).collect::<Vec<_>>())
        );
        assert_eq!(t.rule_results[5].idents.len(), 17);
        assert_eq!(t.rule_results[5].weight, Some(1.0));
        assert_eq!(t.findings.len(), fails, "{file}");
        if let Some(f) = t.findings.first() {
            assert_eq!(f.rule_id, "oval-com.redhat.rhsa-def-20060117");
            assert_eq!(f.advisory, "RHSA-2006:0117");
            assert_eq!(f.title, "RHSA-2006:0117: vixie-cron security update (Low)");
            assert_eq!(f.cves, ["CVE-2005-1038"]);
            assert_eq!(f.severity, Some(Severity::Low));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Corpus: Greenbone/OpenVAS

#[test]
fn every_openvas_corpus_file_has_its_exact_contents() {
    let Some(dir) = corpus() else { return };
    let dir = dir.join("openvas");
    assert_eq!(listing(&dir), ["no_vuln.xml", "one_vuln.xml", "report_detail_v2.xml"]);

    let (report, results) = openvas(&read(&dir.join("one_vuln.xml")));
    let report = report.unwrap_or_else(|e| panic!("one_vuln: {e}"));
    assert_eq!(report.results, 1);
    assert_eq!(report.id.as_deref(), Some("27748e67-fa00-462d-8a05-8479a07988a0"));
    assert_eq!(report.scan_start.as_deref(), Some("2023-09-28T14:48:02Z"));
    assert_eq!(report.scan_end.as_deref(), Some("2023-09-28T16:12:15Z"));
    assert_eq!(report.hosts.len(), 1);
    let host = &report.hosts[0];
    assert_eq!(host.address, "10.0.101.2");
    assert_eq!(
        (host.start.as_deref(), host.end.as_deref()),
        (Some("2023-09-28T14:48:02Z"), Some("2023-09-28T16:12:15Z"))
    );
    let r = &results[0];
    assert_eq!(r.id.as_deref(), Some("b87d3a32-8ff8-4010-aada-4b4f578b084d"));
    assert_eq!(r.name, "Mozilla Firefox Security Update (mfsa_2023-32_2023-36) - Windows");
    assert_eq!((r.host.as_str(), r.hostname.as_deref(), r.port.as_deref()), ("10.0.101.2", None, Some("general/tcp")));
    assert_eq!(r.nvt_oid.as_deref(), Some("1.3.6.1.4.1.25623.1.0.832260"));
    assert_eq!(r.family.as_deref(), Some("General"));
    // The numeric severity (10.0) wins over the old "nist" threat class word (High).
    assert_eq!(
        (r.threat.as_deref(), r.severity_score, r.severity),
        (Some("High"), Some(10.0), Some(Severity::Critical))
    );
    assert_eq!(r.cvss_base, Some(10.0));
    assert_eq!(r.cves.len(), 12);
    assert_eq!((r.cves[0].as_str(), r.cves[11].as_str()), ("CVE-2023-4573", "CVE-2023-4584"));
    assert_eq!(
        r.solution.as_deref(),
        Some("Upgrade to version 117 or later,\nPlease see the references for more information.")
    );
    assert_eq!((r.solution_type.as_deref(), r.qod), (Some("VendorFix"), Some(97)));

    let (report, results) = openvas(&read(&dir.join("no_vuln.xml")));
    let report = report.unwrap_or_else(|e| panic!("no_vuln: {e}"));
    assert_eq!((report.results, results.len(), report.hosts.len()), (0, 0, 0));
    assert_eq!(report.scan_end.as_deref(), Some("2023-09-25T10:54:26Z"));

    let (report, results) = openvas(&read(&dir.join("report_detail_v2.xml")));
    let report = report.unwrap_or_else(|e| panic!("report_detail_v2: {e}"));
    assert_eq!(report.results, 1);
    assert_eq!(report.scan_end.as_deref(), Some("2025-08-22T17:09:57+02:00"));
    // No host block in detail v2: the host comes from its result, its end time from the report.
    assert_eq!(report.hosts.len(), 1);
    assert_eq!(
        (report.hosts[0].address.as_str(), report.hosts[0].hostname.as_deref()),
        ("10.99.99.99", Some("server99"))
    );
    assert_eq!(report.hosts[0].end, None);
    let r = &results[0];
    assert_eq!(r.name, "Microsoft Windows Multiple Vulnerabilities (KB5062557)");
    assert_eq!(
        (r.port.as_deref(), r.severity_score, r.severity),
        (Some("42/tcp"), Some(9.8), Some(Severity::Critical))
    );
    assert_eq!(r.cves.len(), 93);
    assert_eq!(
        r.solution.as_deref(),
        Some("The vendor has released updates. Please see\n  the references for more information.")
    );
    assert_eq!((r.solution_type.as_deref(), r.qod), (Some("VendorFix"), Some(80)));
}

// ---------------------------------------------------------------------------------------------
// Corpus: Nessus

#[test]
fn every_nessus_corpus_file_has_its_exact_contents() {
    let Some(dir) = corpus() else { return };
    let dir = dir.join("nessus");
    assert_eq!(listing(&dir), ["nessus_many_vuln.nessus", "nessus_v_unknown.nessus"]);

    let (run, hosts) = nessus(&read(&dir.join("nessus_many_vuln.nessus")));
    let run = run.unwrap_or_else(|e| panic!("many_vuln: {e}"));
    assert_eq!(
        (run.policy_name.as_deref(), run.report_name.as_deref(), run.hosts),
        (Some("Web App Tests"), Some("Remote"), 1)
    );
    let h = &hosts[0];
    assert_eq!(h.name, "preprod.boardvantage.net");
    assert_eq!((h.ip.as_deref(), h.fqdn.as_deref()), (Some("12.233.108.201"), Some("preprod.boardvantage.net")));
    assert_eq!((h.host_end.as_deref(), h.host_end_timestamp), (Some("Tue Jun 25 10:39:42 2013"), None));
    assert_eq!(h.items.len(), 7);
    assert!(h.items.iter().all(|i| i.severity == Severity::None && i.tool_severity == 0 && i.solution.is_some()));
    let first = &h.items[0];
    assert_eq!((first.plugin_id.as_str(), first.plugin_name.as_str()), ("19506", "Nessus Scan Information"));
    assert_eq!((first.port, first.protocol.as_str(), first.svc_name.as_deref()), (0, "tcp", Some("general")));

    let (run, hosts) = nessus(&read(&dir.join("nessus_v_unknown.nessus")));
    let run = run.unwrap_or_else(|e| panic!("v_unknown: {e}"));
    assert_eq!(
        (run.policy_name.as_deref(), run.report_name.as_deref()),
        (Some("Internal Network Scan"), Some("2459_Coinstar"))
    );
    #[rustfmt::skip]
    let expected = [
        // name, ip, items, severity 0/1/2, HOST_END
        ("qa3app09", "10.31.112.29", 43, [38, 1, 4], "Mon Jul  1 11:40:48 2013"),
        ("qa3app06", "10.31.112.26", 41, [37, 1, 3], "Mon Jul  1 11:47:23 2013"),
        ("qa3app05", "10.31.112.25", 41, [37, 1, 3], "Mon Jul  1 11:44:55 2013"),
        ("qa3app04", "10.31.112.24", 41, [37, 1, 3], "Mon Jul  1 11:46:01 2013"),
        ("qa3app03", "10.31.112.23", 41, [37, 1, 3], "Mon Jul  1 11:45:06 2013"),
        ("qa3app02", "10.31.112.22", 45, [41, 1, 3], "Mon Jul  1 11:54:48 2013"),
        ("qa3app01", "10.31.112.21", 44, [39, 1, 4], "Mon Jul  1 11:41:29 2013"),
    ];
    assert_eq!(hosts.len(), expected.len());
    for (h, (name, ip, items, per_severity, end)) in hosts.iter().zip(expected) {
        assert_eq!(
            (h.name.as_str(), h.ip.as_deref(), h.items.len(), h.host_end.as_deref()),
            (name, Some(ip), items, Some(end))
        );
        assert_eq!(h.netbios_name.as_deref(), Some(name.to_uppercase().as_str()));
        let count = |s: Severity| h.items.iter().filter(|i| i.severity == s).count();
        assert_eq!([count(Severity::None), count(Severity::Low), count(Severity::Medium)], per_severity, "{name}");
        assert_eq!(count(Severity::High) + count(Severity::Critical), 0);
        assert_eq!(h.items.iter().map(|i| i.cves.len()).sum::<usize>(), 1, "{name}");
    }
    let all = || hosts.iter().flat_map(|h| &h.items);
    assert_eq!(all().count(), 296);
    assert_eq!(all().filter(|i| i.cvss_base_score.is_some()).count(), 30);
    assert_eq!(all().filter(|i| i.cvss3_base_score.is_some()).count(), 0);
    assert_eq!(all().filter(|i| i.solution.is_some()).count(), 296);
    let mitm = hosts[0].items.iter().find(|i| i.plugin_id == "18405").expect("plugin 18405 on qa3app09");
    assert_eq!(mitm.plugin_name, "Microsoft Windows Remote Desktop Protocol Server Man-in-the-Middle Weakness");
    assert_eq!(
        (mitm.port, mitm.svc_name.as_deref(), mitm.tool_severity, mitm.severity),
        (3389, Some("msrdp"), 2, Severity::Medium)
    );
    assert_eq!(
        (mitm.cves.as_slice(), mitm.cvss_base_score, mitm.risk_factor.as_deref()),
        (&["CVE-2005-1794".to_owned()][..], Some(5.1), Some("Medium"))
    );
    assert_eq!(mitm.solution.as_deref().map(|s| s.starts_with("- Force the use of SSL")), Some(true));
}

#[test]
fn corpus_files_are_detected_from_their_first_kilobytes() {
    let Some(dir) = corpus() else { return };
    let cases = [
        ("openscap/ios-sample-v1.1.3.xccdf.xml", XmlFormat::Xccdf11),
        ("openscap/one_vuln_rhsa.xml", XmlFormat::Xccdf11),
        ("openvas/one_vuln.xml", XmlFormat::OpenVas),
        ("openvas/no_vuln.xml", XmlFormat::OpenVas),
        ("openvas/report_detail_v2.xml", XmlFormat::OpenVas),
        ("nessus/nessus_many_vuln.nessus", XmlFormat::Nessus),
    ];
    for (file, want) in cases {
        let bytes = read(&dir.join(file));
        assert_eq!(detect(&bytes[..bytes.len().min(4096)]), Some(want), "{file}");
    }
    // Formats of the other importers are not claimed.
    for other in ["lynis", "wazuh", "ssh-audit", "inspec"] {
        for name in listing(&dir.join(other)) {
            let bytes = read(&dir.join(other).join(&name));
            assert_eq!(detect(&bytes[..bytes.len().min(4096)]), None, "{other}/{name}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// A real oscap run

/// `s` without the `<xccdf-1.2:platform idref="…"/>` gates (which make every rule
/// `notapplicable` on a Debian release the content was not written for).
fn without_platform_gates(s: &str) -> String {
    const GATE: &str = "<xccdf-1.2:platform idref=\"";
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find(GATE) {
        out.push_str(&rest[..i]);
        let after = &rest[i..];
        let end = after.find("/>").map_or(after.len(), |e| e + 2);
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// The `<result>` words of `rule-result`s, counted by a plain text scan (not an XML parser).
fn result_words(xml: &str) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for part in xml.split("<xccdf:rule-result ").skip(1).chain(xml.split("<rule-result ").skip(1)) {
        let body = part.split("rule-result>").next().unwrap_or_default();
        let Some(start) = body.find("result>") else { continue };
        let word: String = body[start + "result>".len()..].chars().take_while(|c| c.is_ascii_alphabetic()).collect();
        *counts.entry(word).or_default() += 1;
    }
    counts
}

#[test]
fn a_real_oscap_run_imports_with_the_tools_own_results() {
    let oscap = std::process::Command::new("oscap").arg("--version").output();
    if oscap.is_err() {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "oscap is not installed under CI=true (.ci/run installs it)"
        );
        common::skipped("oscap is not installed (apt-get install openscap-scanner ssg-debian)");
        return;
    }
    let ds = Path::new("/usr/share/xml/scap/ssg/content/ssg-debian11-ds.xml");
    if !ds.is_file() {
        assert_ne!(std::env::var("CI").as_deref(), Ok("true"), "{} is missing under CI=true", ds.display());
        common::skipped(&format!("{} is missing (apt-get install ssg-debian)", ds.display()));
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let content = std::fs::read_to_string(ds).expect("read the data stream");
    std::fs::write(dir.path().join("DS.xml"), without_platform_gates(&content)).expect("write DS.xml");
    const PROFILE: &str = "xccdf_org.ssgproject.content_profile_anssi_np_nt28_average";
    let out = std::process::Command::new("oscap")
        .args(["xccdf", "eval", "--profile", PROFILE, "--results-arf", "arf.xml", "--results", "xccdf.xml", "DS.xml"])
        .current_dir(dir.path())
        .output()
        .expect("run oscap");
    // 0: every rule passed, 2: some failed; anything else is the tool failing.
    assert!(
        matches!(out.status.code(), Some(0 | 2)),
        "oscap: {:?}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );

    // The tool's own word per rule, from its standard output (Title / Rule / Result blocks).
    let stdout = String::from_utf8_lossy(&out.stdout);
    let mut tool: BTreeMap<String, String> = BTreeMap::new();
    let mut rule = None;
    // oscap writes a carriage return before each tab (it redraws the line on a terminal).
    for line in stdout.lines().map(|l| l.replace('\r', "")) {
        if let Some(id) = line.strip_prefix("Rule\t") {
            rule = Some(id.trim().to_owned());
        } else if let (Some(word), Some(id)) = (line.strip_prefix("Result\t"), rule.take()) {
            tool.insert(id, word.trim().to_owned());
        }
    }
    assert!(tool.len() >= 20, "oscap evaluated only {} rules:\n{stdout}", tool.len());
    let mut tool_counts: BTreeMap<String, usize> = BTreeMap::new();
    for word in tool.values() {
        *tool_counts.entry(word.clone()).or_default() += 1;
    }
    assert!(
        tool_counts.get("pass").is_some_and(|&n| n > 0) && tool_counts.get("fail").is_some_and(|&n| n > 0),
        "{tool_counts:?}"
    );

    for (file, format) in [("xccdf.xml", XmlFormat::Xccdf12), ("arf.xml", XmlFormat::Arf)] {
        let text = std::fs::read_to_string(dir.path().join(file)).expect("read oscap output");
        assert_eq!(detect(&text.as_bytes()[..4096.min(text.len())]), Some(format), "{file}");
        let (run, tests, benchmark) = xccdf(text.as_bytes());
        let run = run.unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!((run.format, tests.len()), (Some(format), 1), "{file}");
        let t = &tests[0];
        assert_eq!(t.profile.as_deref(), Some(PROFILE), "{file}");
        assert_eq!(t.benchmark.as_deref(), Some("xccdf_org.ssgproject.content_benchmark_DEBIAN-11"), "{file}");
        assert!(t.target.as_deref().is_some_and(|s| !s.is_empty()) && !t.target_addresses.is_empty(), "{file}");
        assert!(t.start_time.is_some() && t.end_time.is_some(), "{file}");
        // Every evaluated rule, with the tool's own word; the rest of the benchmark notselected.
        let evaluated: BTreeMap<String, String> = t
            .rule_results
            .iter()
            .filter(|rr| rr.tool_result != "notselected")
            .map(|rr| (rr.idref.clone(), rr.tool_result.clone()))
            .collect();
        assert_eq!(evaluated, tool, "{file}: per-rule results differ from oscap's own output");
        let (mapped, words) = per_result(t);
        assert_eq!(words, result_words(&text), "{file}: counts differ from a text scan of the file");
        assert_eq!(mapped.get(&CheckResult::Pass), tool_counts.get("pass"), "{file}");
        assert_eq!(mapped.get(&CheckResult::Fail), tool_counts.get("fail"), "{file}");
        // The benchmark travels with the results: rule titles and references by source.
        assert!(benchmark.rules.len() >= t.rule_results.len(), "{file}: {} rules", benchmark.rules.len());
        let sample = tool.keys().next().expect("a rule");
        let info = &benchmark.rules[sample];
        assert!(!info.title.is_empty(), "{file}: {sample} has no title");
        let with_nist = benchmark
            .rules
            .values()
            .filter(|r| r.references.iter().any(|g| g.source.contains("800-53") && !g.ids.is_empty()))
            .count();
        assert!(with_nist > 100, "{file}: {with_nist} rules reference NIST SP 800-53");
        // Debian's SSG content has no CCE idents; ANSSI and CIS references it has.
        for source in ["ssi.gouv.fr", "cisecurity.org/controls"] {
            let n = benchmark.rules.values().filter(|r| r.references.iter().any(|g| g.source.contains(source))).count();
            assert!(n > 10, "{file}: {n} rules reference {source}");
        }
        assert!(t.findings.is_empty(), "{file}: SSG rules are not patch advisories");
    }

    // The mapped controls get the statuses the mapping implies: SRV.03 (server logging) fails on
    // exactly the evaluated checks the benchmark traces to NIST AU-*, and only on those.
    let arf = dir.path().join("arf.xml");
    let text = std::fs::read_to_string(&arf).expect("read arf");
    let (_, tests, benchmark) = xccdf(text.as_bytes());
    let t = &tests[0];
    let target = t.target.clone().expect("target");
    let au = |id: &str| {
        benchmark.rules.get(id).is_some_and(|r| {
            r.references.iter().any(|g| g.source.contains("800-53") && g.ids.iter().any(|n| n.starts_with("AU-")))
        })
    };
    let mut want: Vec<String> = t
        .rule_results
        .iter()
        .filter(|rr| rr.result == CheckResult::Fail && au(&rr.idref))
        .map(|rr| format!("audit-logging {target} {}#record 1;check={}", arf.display(), rr.idref))
        .collect();
    want.sort();
    let at = t.end_time.as_deref().expect("end time");
    let as_of = &at[..10];
    let controls = common::check_one_host(&target, &[&arf], as_of);
    let (status, basis, mut fails) = controls["SRV.03"].clone();
    fails.sort();
    assert_eq!(fails, want, "SRV.03's findings are the failed AU checks");
    let implied = if want.is_empty() { ("unknown", "none") } else { ("fail", "measured") };
    assert_eq!((status.as_str(), basis.as_str()), implied);
    eprintln!("oscap: {} rules evaluated, {} failed AU checks → SRV.03 {status}", tool.len(), want.len());
}

// ---------------------------------------------------------------------------------------------
// Hostile input

/// The three importers, each run on `bytes`, as (name, error, units delivered).
fn all_importers(bytes: &[u8]) -> Vec<(&'static str, Result<(), ImportError>, usize)> {
    let (a, t, _) = xccdf(bytes);
    let (b, r) = openvas(bytes);
    let (c, h) = nessus(bytes);
    vec![("xccdf", a.map(|_| ()), t.len()), ("openvas", b.map(|_| ()), r.len()), ("nessus", c.map(|_| ()), h.len())]
}

fn message(result: &Result<(), ImportError>) -> String {
    match result {
        Ok(()) => "no error".into(),
        Err(e) => e.to_string(),
    }
}

#[test]
fn dtd_entity_tricks_are_refused() {
    let laughs = "<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\
                  <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">]>";
    let external = "<!DOCTYPE r [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>";
    for root in ["Benchmark", "report", "NessusClientData_v2"] {
        for dtd in [laughs, external] {
            let doc = format!("<?xml version=\"1.0\"?>\n{dtd}\n<{root}><x>&lol3;&xxe;</x></{root}>");
            for (name, result, _) in all_importers(doc.as_bytes()) {
                let m = message(&result);
                assert!(
                    m.starts_with("line 2, column 1: DTD entity declarations are not allowed"),
                    "{name} on {root}: {m}"
                );
            }
        }
        // An external DTD declares nothing we could see: its entities are simply undefined.
        let doc =
            format!("<!DOCTYPE {root} SYSTEM \"http://127.0.0.1:9/x.dtd\">\n<{root}>\n  <name>&xxe;</name></{root}>");
        let results = all_importers(doc.as_bytes());
        let (_, result, _) = results
            .iter()
            .find(|(_, r, _)| !message(r).contains("root element is"))
            .expect("one importer accepts the root");
        assert_eq!(message(result), "line 3, column 9: undefined entity &xxe;", "{root}");
    }
}

/// The byte offsets just past each `</{unit}>` in `text`.
fn unit_ends(text: &str, unit: &str) -> Vec<usize> {
    let close = format!("</{unit}>");
    text.match_indices(&close).map(|(i, _)| i + close.len()).collect()
}

/// Lines in `prefix`, 1-based (the line the end of `prefix` is on).
fn line_of_end(prefix: &[u8]) -> u64 {
    prefix.iter().filter(|&&b| b == b'\n').count() as u64 + 1
}

/// Cuts `text` at every byte: every cut before the root's end is an error that says the file is
/// truncated, at a line no further than the cut, after every unit that ended before the cut was
/// delivered. The cuts are shared between two threads (a debug build parses slowly).
fn truncate_everywhere(
    label: &str,
    text: &str,
    unit: &str,
    run: impl Fn(&[u8]) -> (Result<(), ImportError>, usize) + Sync,
) {
    let ends = unit_ends(text, unit);
    assert!(!ends.is_empty(), "{label}: no </{unit}>");
    let root_end = text.trim_end().len();
    let check = |cut: usize| {
        let prefix = &text.as_bytes()[..cut];
        let (result, delivered) = run(prefix);
        let complete = ends.iter().filter(|&&e| e <= cut).count();
        if cut >= root_end {
            assert!(result.is_ok(), "{label} cut at {cut}: {}", message(&result));
            return;
        }
        match &result {
            Err(ImportError::Malformed { line, column, message }) => {
                assert!(
                    message.en.contains("truncated") || message.en.contains("no root element"),
                    "{label} cut at {cut}: {message:?}"
                );
                assert!(
                    *line >= 1 && *line <= line_of_end(prefix) && *column >= 1,
                    "{label} cut at {cut}: line {line}"
                );
            }
            other => panic!("{label} cut at {cut}: {other:?}"),
        }
        assert_eq!(delivered, complete, "{label} cut at {cut}: units delivered before the damage");
    };
    std::thread::scope(|scope| {
        let other = scope.spawn(|| (1..text.len()).step_by(2).for_each(check));
        (0..text.len()).step_by(2).for_each(check);
        other.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
    });
}

#[test]
fn truncation_at_every_byte_of_small_real_files_keeps_what_was_read() {
    let Some(dir) = corpus() else { return };
    let text = String::from_utf8(read(&dir.join("openscap/one_vuln_rhsa.xml"))).expect("UTF-8");
    truncate_everywhere("one_vuln_rhsa.xml", &text, "TestResult", |b| {
        let (r, t, _) = xccdf(b);
        (r.map(|_| ()), t.len())
    });
    let text = String::from_utf8(read(&dir.join("openvas/one_vuln.xml"))).expect("UTF-8");
    truncate_everywhere("openvas/one_vuln.xml", &text, "result", |b| {
        let (r, res) = openvas(b);
        (r.map(|_| ()), res.len())
    });
    // A small real .nessus: the corpus file's hosts without its 2 600-line policy.
    let full = String::from_utf8(read(&dir.join("nessus/nessus_many_vuln.nessus"))).expect("UTF-8");
    let report = full.find("<Report ").expect("a <Report>");
    let text = format!("<?xml version=\"1.0\" ?>\n<NessusClientData_v2>\n{}", &full[report..]);
    let (run, hosts) = nessus(text.as_bytes());
    assert_eq!((run.map(|r| r.hosts), hosts.first().map(|h| h.items.len())), (Ok(1), Some(7)));
    truncate_everywhere("nessus_many_vuln.nessus (hosts only)", &text, "ReportHost", |b| {
        let (r, h) = nessus(b);
        (r.map(|_| ()), h.len())
    });
}

#[test]
fn wrong_roots_are_named() {
    let nmap = b"<?xml version=\"1.0\"?>\n<nmaprun scanner=\"nmap\"><host/></nmaprun>";
    let results = all_importers(nmap);
    let expect = [
        "line 2, column 1: root element is <nmaprun>, not <Benchmark> or <TestResult> or <asset-report-collection>: this is not a XCCDF or ARF result file",
        "line 2, column 1: root element is <nmaprun>, not <report> or <get_reports_response>: this is not a Greenbone/OpenVAS report file",
        "line 2, column 1: root element is <nmaprun>, not <NessusClientData_v2>: this is not a Nessus v2 file",
    ];
    for ((name, result, _), want) in results.iter().zip(expect) {
        assert_eq!(message(result), want, "{name}");
    }
    for (name, result, _) in all_importers(b"") {
        assert_eq!(message(&result), "line 1, column 1: no root element: the file is empty", "{name}");
    }
    for (name, result, _) in all_importers(b"{\"data\": {\"affected_items\": []}}") {
        assert!(message(&result).contains("text outside the root element"), "{name}: {}", message(&result));
    }
}

#[test]
fn invalid_utf8_is_a_positioned_error() {
    for root in ["TestResult id=\"t\"", "report", "NessusClientData_v2"] {
        let name = root.split(' ').next().unwrap_or_default();
        let mut doc = format!("<{root}>\n<target>ab").into_bytes();
        doc.extend_from_slice(&[0xff, 0xfe]);
        doc.extend_from_slice(format!("</target></{name}>").as_bytes());
        let results = all_importers(&doc);
        let (_, result, _) = results
            .iter()
            .find(|(_, r, _)| !message(r).contains("root element is"))
            .expect("one importer accepts the root");
        let m = message(result);
        assert!(m.starts_with("line 2, column ") && m.contains("UTF-8"), "{root}: {m}");
    }
}

#[test]
fn deep_nesting_is_refused_without_recursion() {
    for (root, inner) in [("Benchmark", "Group"), ("report", "results"), ("NessusClientData_v2", "Report")] {
        let doc = format!("<{root}>{}", format!("<{inner}>").repeat(200_000));
        for (name, result, _) in all_importers(doc.as_bytes()) {
            let m = message(&result);
            assert!(
                m.contains("elements nested deeper than 64 levels") || m.contains("root element is"),
                "{name} on {root}: {m}"
            );
        }
    }
}

#[test]
fn long_text_is_cut_and_marked() {
    let solution = "x".repeat(1 << 20);
    let doc = format!(
        "<NessusClientData_v2><Report name=\"r\"><ReportHost name=\"h\"><ReportItem port=\"22\" protocol=\"tcp\" \
         severity=\"3\" pluginID=\"1\" pluginName=\"{}\"><solution>{solution}</solution></ReportItem></ReportHost></Report></NessusClientData_v2>",
        "n".repeat(100_000)
    );
    let (run, hosts) = nessus(doc.as_bytes());
    assert_eq!(run.map(|r| r.hosts), Ok(1));
    let item = &hosts[0].items[0];
    let max = Limits::default().max_text_bytes;
    assert_eq!(item.solution.as_ref().map(String::len), Some(max + TRUNCATION_MARK.len()));
    assert!(item.plugin_name.ends_with(TRUNCATION_MARK) && item.plugin_name.len() == max + TRUNCATION_MARK.len());
    assert_eq!(item.severity, Severity::High);
}

/// A reader of `head`, then `size` bytes of `fill`, then `tail`: a huge file without a huge buffer.
struct Huge {
    parts: [Vec<u8>; 2],
    fill: u8,
    size: u64,
    pos: u64,
}

impl Read for Huge {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let head = self.parts[0].len() as u64;
        let total = head + self.size + self.parts[1].len() as u64;
        let mut n = 0;
        while n < out.len() && self.pos < total {
            let p = self.pos;
            out[n] = if p < head {
                self.parts[0][p as usize]
            } else if p < head + self.size {
                self.fill
            } else {
                self.parts[1][(p - head - self.size) as usize]
            };
            n += 1;
            self.pos += 1;
        }
        Ok(n)
    }
}

fn huge(head: &str, fill: u8, size: u64, tail: &str) -> BufReader<Huge> {
    BufReader::with_capacity(
        64 << 10,
        Huge { parts: [head.as_bytes().to_vec(), tail.as_bytes().to_vec()], fill, size, pos: 0 },
    )
}

/// Runs in a child process under an address-space limit (see the test below); ignored otherwise.
#[test]
#[ignore = "run by huge_attributes_and_text_are_refused_in_bounded_memory in a bounded child"]
fn child_huge_tokens() {
    const SIZE: u64 = 100 << 20;
    let limits = Limits::default();
    let mut messages = Vec::new();
    let attr = huge("<Benchmark>\n<Rule id=\"", b'a', SIZE, "\"/></Benchmark>");
    messages.push(read_xccdf(attr, &limits, |_, _| Ok(())).map(|_| ()));
    let text = huge("<report>\n<results><result><name>", b'b', SIZE, "</name></result></results></report>");
    messages.push(read_openvas(text, &limits, |_| Ok(())).map(|_| ()));
    let attr = huge("<NessusClientData_v2>\n<Report name=\"", b'c', SIZE, "\"/></NessusClientData_v2>");
    messages.push(read_nessus(attr, &limits, |_| Ok(())).map(|_| ()));
    let blank = huge("<NessusClientData_v2>\n", b' ', SIZE, "</NessusClientData_v2>");
    messages.push(read_nessus(blank, &limits, |_| Ok(())).map(|_| ()));
    for m in &messages {
        println!("MESSAGE: {}", message(m));
    }
}

#[test]
fn huge_attributes_and_text_are_refused_in_bounded_memory() {
    let exe = std::env::current_exe().expect("test binary");
    // 128 MiB of address space: enough for the test harness (it runs in 80) and the 16 MiB token
    // cap, not for a buffer holding one whole 100 MB token (grown by doubling, it would pass 128 MiB).
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 131072 && exec \"$0\" \"$@\"")
        .arg(exe)
        .args(["--exact", "child_huge_tokens", "--ignored", "--nocapture", "--test-threads=1"])
        .output()
        .expect("run the bounded child");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "child failed: {:?}\n{stdout}\n{}", out.status, String::from_utf8_lossy(&out.stderr));
    let messages: Vec<&str> = stdout.lines().filter_map(|l| l.split_once("MESSAGE: ").map(|(_, m)| m)).collect();
    assert_eq!(messages.len(), 4, "{stdout}");
    for (m, line) in messages.iter().zip([2, 2, 2, 1]) {
        eprintln!("{m}");
        assert!(
            m.starts_with(&format!("line {line}, column "))
                && m.ends_with("a single tag or text run is longer than 16777216 bytes"),
            "{m}"
        );
    }
}
