//! Imports every nmap XML file of the shared third-party corpus
//! (`../shared/corpora/nmap-xml`, see its README) and checks each file's exact
//! outcome against counts taken independently from the files (Python
//! `xml.etree` and grep), not from this parser.
//!
//! Without the corpus a test says "skipped: TEST: why" on the terminal (the
//! harness still counts it as passed), except under CI (`CI=true`) where it
//! fails.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use tuanthu::evidence::nmap::{Host, RunInfo, ScriptNode};
use tuanthu::import::nmap::{Limits, NmapError, read_nmap, read_nmap_file};

/// Per-file totals, in this column order:
/// hosts, hosts up, ports listed, open ports, scripts (port + host, not pre/post),
/// tables and elems inside those scripts, service CPEs, OS matches,
/// hostnames, addresses, MAC addresses, extraports.
type Counts = [usize; 13];

enum Expect {
    /// Parses; `complete` = has `<runstats>`.
    Parses(Counts, bool),
    /// Malformed: message fragment, line of the damage, hosts delivered first.
    Refused(&'static str, u64, usize),
}
use Expect::{Parses, Refused};

#[rustfmt::skip]
const EXPECTED: &[(&str, Expect)] = &[
    //                                             hosts up ports open scr tab elem cpe os  hn addr mac xp
    ("defectdojo/issue12411.xml",                      Parses([2, 2, 7, 4, 0, 0, 0, 0, 0, 4, 2, 0, 2], true)),
    ("defectdojo/issue4406.xml",                       Parses([1, 1, 25, 25, 7, 54, 207, 13, 0, 1, 1, 0, 1], true)),
    ("defectdojo/nmap_0port.xml",                      Parses([1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 1], true)),
    ("defectdojo/nmap_1port.xml",                      Parses([1, 1, 1, 1, 0, 0, 0, 0, 0, 1, 1, 0, 1], true)),
    ("defectdojo/nmap_multiple_port.xml",              Parses([1, 1, 13, 13, 0, 0, 0, 0, 0, 2, 1, 0, 2], true)),
    ("defectdojo/nmap_script_vulners.xml",             Parses([1, 1, 1, 1, 1, 3, 8, 1, 0, 0, 1, 0, 0], true)),
    ("nmap-analyze/nmap-3hosts-result.xml",            Parses([3, 3, 8, 6, 0, 0, 0, 0, 0, 3, 3, 0, 3], true)),
    ("nmap-analyze/nmap-dd_all_ports.xml",             Parses([2, 2, 2000, 14, 0, 0, 0, 0, 0, 2, 2, 0, 0], true)),
    ("nmap-analyze/nmap-host-no-response-result.xml",  Parses([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0], false)),
    ("nmap-analyze/nmap-mac_addresses.xml",            Parses([2, 2, 2000, 14, 0, 0, 0, 0, 0, 2, 3, 1, 0], true)),
    ("nmap-analyze/nmap-result-parser_failed-55.xml",  Parses([50, 50, 68, 17, 0, 0, 0, 0, 0, 0, 50, 0, 0], true)),
    ("nmap_xml_parser/host-down.xml",                  Parses([4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0], true)),
    ("nmap_xml_parser/incomplete_scan.xml",            Refused("file is truncated", 12, 0)),
    ("nmap_xml_parser/issue_1.xml",                    Parses([1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 2, 1, 0], true)),
    ("nmap_xml_parser/test.xml",                       Parses([1, 1, 4, 4, 0, 0, 0, 0, 0, 2, 1, 0, 1], true)),
    ("python-libnmap/1_host_ping.xml",                 Parses([1, 1, 0, 0, 0, 0, 0, 0, 0, 2, 2, 1, 0], true)),
    ("python-libnmap/1_hosts.xml",                     Parses([1, 1, 5, 5, 0, 0, 0, 0, 0, 2, 1, 0, 1], true)),
    ("python-libnmap/1_hosts_banner.xml",              Parses([1, 1, 5, 5, 0, 0, 0, 0, 0, 2, 1, 0, 1], true)),
    ("python-libnmap/1_hosts_banner_ports.xml",        Parses([1, 1, 4, 2, 0, 0, 0, 0, 0, 2, 1, 0, 0], true)),
    ("python-libnmap/1_hosts_banner_ports_notsyn.xml", Parses([1, 1, 4, 2, 0, 0, 0, 0, 0, 2, 1, 0, 0], true)),
    ("python-libnmap/1_hosts_banner_ports_xmas.xml",   Parses([1, 1, 4, 0, 0, 0, 0, 0, 0, 2, 1, 0, 0], true)),
    ("python-libnmap/1_hosts_diff.xml",                Parses([1, 1, 5, 4, 0, 0, 0, 0, 0, 2, 1, 0, 1], true)),
    ("python-libnmap/1_hosts_down.xml",                Parses([1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1], true)),
    ("python-libnmap/1_hosts_nohostname.xml",          Parses([1, 1, 2, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0], true)),
    ("python-libnmap/1_os_banner_scripts.xml",         Parses([1, 1, 8, 8, 6, 0, 0, 0, 0, 1, 1, 0, 1], true)),
    ("python-libnmap/2_hosts.xml",                     Parses([2, 2, 9, 8, 0, 0, 0, 0, 0, 4, 2, 0, 2], true)),
    ("python-libnmap/2_hosts_achange.xml",             Parses([2, 2, 9, 7, 0, 0, 0, 0, 0, 4, 2, 0, 2], true)),
    ("python-libnmap/2_hosts_version.xml",             Parses([2, 2, 9, 8, 0, 0, 0, 0, 10, 4, 2, 0, 2], true)),
    ("python-libnmap/2_null_hosts.xml",                Parses([2, 2, 0, 0, 0, 0, 0, 0, 0, 4, 2, 0, 2], true)),
    ("python-libnmap/2_tcp_hosts.xml",                 Parses([2, 2, 9, 8, 0, 0, 0, 0, 0, 4, 2, 0, 2], true)),
    ("python-libnmap/defused_et_included.xml",         Refused("not an nmap XML file: root element is <root>", 2, 0)),
    ("python-libnmap/defused_et_local_includer.xml",   Refused("DTD entity declarations are not allowed", 2, 0)),
    ("python-libnmap/diff_1_host_ping_mac_changed.xml", Parses([1, 1, 0, 0, 0, 0, 0, 0, 0, 2, 2, 1, 0], true)),
    ("python-libnmap/dionaea_scan.xml",                Parses([1, 1, 16, 16, 55, 38, 151, 3, 1, 2, 2, 1, 1], true)),
    ("python-libnmap/extra_ports.xml",                 Parses([1, 1, 16, 16, 55, 38, 151, 3, 1, 2, 2, 1, 2], true)),
    ("python-libnmap/full_sudo5.xml",                  Parses([256, 4, 11, 11, 8, 0, 0, 0, 3, 0, 259, 3, 4], true)),
    ("python-libnmap/full_sudo6.xml",                  Parses([256, 4, 12, 12, 23, 15, 77, 5, 7, 0, 259, 3, 4], true)),
    ("python-libnmap/fullscan.xml",                    Parses([256, 2, 9, 9, 22, 28, 99, 3, 0, 0, 256, 0, 2], true)),
    ("python-libnmap/os_scan5.xml",                    Parses([256, 4, 11, 11, 0, 0, 0, 0, 4, 0, 259, 3, 4], true)),
    ("python-libnmap/os_scan6.xml",                    Parses([256, 3, 11, 11, 0, 0, 0, 0, 8, 0, 258, 2, 3], true)),
    ("python-libnmap/test_osclass.xml",                Parses([1, 1, 7, 7, 0, 0, 0, 0, 1, 1, 1, 0, 1], true)),
    ("ullaakut-nmap/scan_base.xml",                    Parses([1, 1, 2, 1, 2, 0, 0, 0, 10, 1, 1, 0, 1], true)),
    ("ullaakut-nmap/scan_error_other.xml",             Parses([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], true)),
    ("ullaakut-nmap/scan_error_resolving_name.xml",    Parses([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], true)),
    ("ullaakut-nmap/scan_invalid_services.xml",        Parses([4, 0, 6, 5, 0, 0, 0, 0, 0, 0, 4, 0, 0], false)),
];

/// The corpus folder, or `None` (the test says it skipped) when `../shared` is absent outside CI.
fn corpus() -> Option<PathBuf> {
    Some(common::shared()?.join("corpora/nmap-xml"))
}

/// Every `*.xml` under `dir`, as `/`-separated paths relative to `root`.
fn xml_files(root: &Path, dir: &Path, out: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).expect("read corpus dir") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            xml_files(root, &path, out);
        } else if path.extension().is_some_and(|e| e == "xml") {
            let rel = path.strip_prefix(root).expect("under root");
            let parts: Vec<_> = rel.iter().map(|p| p.to_string_lossy()).collect();
            out.insert(parts.join("/"));
        }
    }
}

fn scripts(hosts: &[Host]) -> impl Iterator<Item = &tuanthu::evidence::nmap::Script> {
    hosts.iter().flat_map(|h| h.ports.iter().flat_map(|p| &p.scripts).chain(&h.scripts))
}

/// (tables, elems) anywhere in `nodes`.
fn tree_counts(nodes: &[ScriptNode]) -> (usize, usize) {
    nodes.iter().fold((0, 0), |(t, e), node| match node {
        ScriptNode::Elem { .. } => (t, e + 1),
        ScriptNode::Table { children, .. } => {
            let (ct, ce) = tree_counts(children);
            (t + 1 + ct, e + ce)
        }
    })
}

fn counts(hosts: &[Host]) -> Counts {
    let ports = || hosts.iter().flat_map(|h| &h.ports);
    let addrs = || hosts.iter().flat_map(|h| &h.addresses);
    let (tables, elems) =
        scripts(hosts).map(|s| tree_counts(&s.elements)).fold((0, 0), |(t, e), (st, se)| (t + st, e + se));
    [
        hosts.len(),
        hosts.iter().filter(|h| h.state.as_deref() == Some("up")).count(),
        ports().count(),
        ports().filter(|p| p.state == "open").count(),
        scripts(hosts).count(),
        tables,
        elems,
        ports().filter_map(|p| p.service.as_ref()).map(|s| s.cpe.len()).sum(),
        hosts.iter().map(|h| h.os_matches.len()).sum(),
        hosts.iter().map(|h| h.hostnames.len()).sum(),
        addrs().count(),
        addrs().filter(|a| a.addrtype == "mac").count(),
        hosts.iter().map(|h| h.extraports.len()).sum(),
    ]
}

fn check(rel: &str, expect: &Expect, result: Result<(RunInfo, Vec<Host>), (NmapError, Vec<Host>)>) {
    match (expect, result) {
        (&Parses(want, complete), Ok((run, hosts))) => {
            assert_eq!(counts(&hosts), want, "{rel}: counts");
            assert_eq!(run.complete, complete, "{rel}: complete");
            assert_eq!(run.finished.is_some(), complete, "{rel}: finished");
            assert_eq!(run.hosts_parsed, hosts.len() as u64, "{rel}: hosts_parsed");
        }
        (&Refused(fragment, want_line, want_hosts), Err((error, hosts))) => {
            let NmapError::Malformed { line, message, .. } = &error else {
                panic!("{rel}: expected Malformed, got {error:?}");
            };
            assert!(message.en.contains(fragment), "{rel}: message {message:?}");
            assert_eq!(*line, want_line, "{rel}: line of {message:?}");
            assert_eq!(hosts.len(), want_hosts, "{rel}: hosts before the error");
        }
        (Parses(..), Err((error, _))) => panic!("{rel}: unexpected error {error}"),
        (Refused(..), Ok(_)) => panic!("{rel}: should have been refused"),
    }
}

#[test]
fn every_corpus_file_has_its_expected_outcome() {
    let Some(root) = corpus() else { return };
    let mut found = BTreeSet::new();
    xml_files(&root, &root, &mut found);
    let listed: BTreeSet<String> = EXPECTED.iter().map(|(rel, _)| rel.to_string()).collect();
    let unlisted: Vec<_> = found.difference(&listed).collect();
    let missing: Vec<_> = listed.difference(&found).collect();
    assert!(unlisted.is_empty(), "corpus files without an expectation row: {unlisted:?}");
    assert!(missing.is_empty(), "expectation rows without a corpus file: {missing:?}");

    for (rel, expect) in EXPECTED {
        check(rel, expect, read_nmap_file(&root.join(rel), &Limits::default()));
    }
}

fn load(rel: &str) -> Option<(RunInfo, Vec<Host>)> {
    let root = corpus()?;
    match read_nmap_file(&root.join(rel), &Limits::default()) {
        Ok(parsed) => Some(parsed),
        Err((e, _)) => panic!("{rel}: {e}"),
    }
}

#[test]
fn vulners_nested_tables_and_service_cpe() {
    let Some((run, hosts)) = load("defectdojo/nmap_script_vulners.xml") else {
        return;
    };
    assert_eq!(run.version.as_deref(), Some("7.60"));
    assert_eq!(run.start, Some(1581930445));
    assert_eq!(run.finished, Some(1581930455));
    assert_eq!(run.exit.as_deref(), Some("success"));
    assert_eq!((run.hosts_up, run.hosts_down, run.hosts_total), (Some(1), Some(0), Some(1)));
    let port = &hosts[0].ports[0];
    assert_eq!((port.protocol.as_str(), port.portid, port.state.as_str()), ("tcp", 5022, "open"));
    let service = port.service.as_ref().expect("service");
    assert_eq!(service.product.as_deref(), Some("OpenSSH"));
    assert_eq!(service.version.as_deref(), Some("7.4"));
    assert_eq!(service.conf, Some(10));
    assert_eq!(service.cpe, ["cpe:/a:openbsd:openssh:7.4"]);

    let script = &port.scripts[0];
    assert_eq!(script.id, "vulners");
    // &#xa; and &#x9; decoded.
    assert!(script.output.starts_with("\n  cpe:/a:openbsd:openssh:7.4: \n    \tCVE-2018-15919\t5.0\t"));
    let vuln = |id: &str| ScriptNode::Table {
        key: None,
        children: [("cvss", "5.0"), ("id", id), ("is_exploit", "false"), ("type", "cve")]
            .map(|(k, v)| ScriptNode::Elem { key: Some(k.into()), value: v.into() })
            .to_vec(),
    };
    assert_eq!(
        script.elements,
        [ScriptNode::Table {
            key: Some("cpe:/a:openbsd:openssh:7.4".into()),
            children: vec![vuln("CVE-2018-15919"), vuln("CVE-2017-15906")],
        }]
    );
}

#[test]
fn ssl_cert_script_output() {
    let Some((_, hosts)) = load("python-libnmap/dionaea_scan.xml") else {
        return;
    };
    let cert = scripts(&hosts).find(|s| s.id == "ssl-cert").expect("ssl-cert");
    assert_eq!(
        cert.output,
        "Subject: commonName=Nepenthes Development Team/organizationName=dionaea.carnivore.it/countryName=DE\n\
         Not valid before: 2020-11-22T17:06:58\nNot valid after:  2021-11-22T17:06:58"
    );
    let elems: Vec<_> = cert.elems().collect();
    assert_eq!(elems[0], (Some("commonName"), "Nepenthes Development Team"));
    assert!(elems.contains(&(Some("sig_algo"), "md5WithRSAEncryption")));
    assert!(elems.contains(&(Some("notBefore"), "2020-11-22T17:06:58")));
    // extensions: a keyed table of unkeyed tables.
    let Some(ScriptNode::Table { children, .. }) =
        cert.elements.iter().find(|n| matches!(n, ScriptNode::Table { key: Some(k), .. } if k == "extensions"))
    else {
        panic!("no extensions table");
    };
    assert_eq!(children.len(), 2);
}

#[test]
fn mac_address_with_vendor() {
    let Some((_, hosts)) = load("python-libnmap/full_sudo6.xml") else {
        return;
    };
    let host = hosts.iter().find(|h| h.addresses.iter().any(|a| a.addr == "192.168.1.5")).expect("host 192.168.1.5");
    assert_eq!(host.state.as_deref(), Some("up"));
    assert_eq!(host.reason.as_deref(), Some("arp-response"));
    assert_eq!(host.starttime, Some(1399586452));
    let mac = host.addresses.iter().find(|a| a.addrtype == "mac").expect("mac");
    assert_eq!(mac.addr, "00:1F:3C:87:66:50");
    assert_eq!(mac.vendor.as_deref(), Some("Intel Corporate"));
}

#[test]
fn hostnames_and_old_nmap_scripts() {
    let Some((_, hosts)) = load("defectdojo/issue12411.xml") else {
        return;
    };
    let names: Vec<_> = hosts[0].hostnames.iter().map(|h| (h.name.as_str(), h.kind.as_deref())).collect();
    assert_eq!(
        names,
        [("google.com", Some("user")), ("par10s10-in-f238.1e100.net", Some("PTR")), ("lalala", Some("custom")),]
    );

    // nmap 4.53: script ids were human-readable names.
    let Some((run, hosts)) = load("ullaakut-nmap/scan_base.xml") else {
        return;
    };
    assert_eq!(run.xml_output_version.as_deref(), Some("1.01"));
    assert_eq!(run.exit, None);
    assert_eq!(run.hosts_up, Some(8));
    assert!(scripts(&hosts).any(|s| s.id == "HTML title" && s.output == "freshmeat.net: Welcome to freshmeat.net"));
}

#[test]
fn error_runs_and_interrupted_runs() {
    let Some((run, hosts)) = load("ullaakut-nmap/scan_error_resolving_name.xml") else {
        return;
    };
    assert!(hosts.is_empty());
    assert!(run.complete);
    assert_eq!(run.error_msg.as_deref(), Some("Error resolving name localhost"));
    assert_eq!(run.finished, Some(1201481569));

    // Hand-edited: no protocol, no addrtype, two <ports> blocks, no <runstats>.
    let Some((run, hosts)) = load("ullaakut-nmap/scan_invalid_services.xml") else {
        return;
    };
    assert!(!run.complete);
    assert_eq!(run.finished, None);
    let first = &hosts[0];
    assert_eq!(first.addresses[0].addrtype, "ipv4");
    let ports: Vec<_> = first.ports.iter().map(|p| (p.protocol.as_str(), p.portid)).collect();
    assert_eq!(ports, [("", 80), ("", 443)]);
}

#[test]
fn streaming_delivers_the_same_hosts_in_order() {
    let Some(root) = corpus() else { return };
    let path = root.join("python-libnmap/fullscan.xml");
    let (_, all) = read_nmap_file(&path, &Limits::default()).expect("fullscan");
    let file = std::io::BufReader::new(std::fs::File::open(&path).expect("open"));
    let mut streamed = Vec::new();
    let run = read_nmap(file, &Limits::default(), |h| {
        streamed.push(h);
        Ok(())
    })
    .expect("stream");
    assert_eq!(run.hosts_parsed, 256);
    assert_eq!(streamed, all);
}

/// Without `../shared` a corpus test that skips says so where a user's `cargo test` shows it: the
/// line is on the test binary's stderr although the harness captures the output of passing tests.
#[test]
fn a_corpus_test_without_the_corpora_says_it_skipped() {
    if std::env::var_os("TUANTHU_SHARED").is_some() {
        return; // the child below: not a nested run
    }
    let missing = std::env::temp_dir().join("tuanthu-no-shared-here");
    let o = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "vulners_nested_tables_and_service_cpe", "--test-threads", "1"])
        .env("TUANTHU_SHARED", &missing)
        .env_remove("CI")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    let want = format!(
        "skipped: vulners_nested_tables_and_service_cpe: {} is absent (the test corpora; CI runs this test with them)\n",
        missing.display()
    );
    assert_eq!(err, want, "exactly one line, naming the test and why");
}
