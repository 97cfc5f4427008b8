//! The Lynis and Wazuh importers on real files: every Lynis and Wazuh file of the shared corpus
//! (`../shared/corpora/host-and-vuln`, see its README) with exact counts taken independently from
//! the files (Python's `json` module and grep), a real `lynis audit system` run, and hostile input
//! (truncation at every byte, a gigabyte value, deep nesting, invalid UTF-8, wrong roots).
//!
//! Without the corpus (or without `lynis`) a test says "skipped" on stderr and passes, except under
//! CI (`CI=true`) where the absence fails it.

mod common;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use tuanthu::evidence::{CheckResult, Severity};
use tuanthu::import::lynis::{self, LynisReport};
use tuanthu::import::wazuh::{self, Agent, ScaCheck, Summary, Vulnerability, WazuhFormat};
use tuanthu::import::{ImportError, Limits};

fn corpus(file: &str) -> Option<PathBuf> {
    let shared = common::shared()?;
    Some(shared.join("corpora/host-and-vuln").join(file))
}

fn lynis_bytes(bytes: &[u8], limits: &Limits) -> (Option<LynisReport>, Result<(), ImportError>) {
    let mut got = None;
    let r = lynis::read_lynis(bytes, limits, &mut |rep| {
        got = Some(rep);
        Ok(())
    });
    (got, r)
}

fn lynis_file(path: &Path) -> LynisReport {
    let (rep, r) = lynis_bytes(&std::fs::read(path).unwrap(), &Limits::default());
    r.unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    rep.unwrap()
}

fn vulns(bytes: &[u8], format: WazuhFormat) -> (Vec<Vulnerability>, Result<Summary, ImportError>) {
    let mut got = Vec::new();
    let r = wazuh::read_vulnerabilities(bytes, format, &Limits::default(), &mut |v| {
        got.push(v);
        Ok(())
    });
    (got, r)
}

fn result_counts(rep: &LynisReport) -> BTreeMap<&'static str, usize> {
    let mut counts = BTreeMap::new();
    for t in rep.results() {
        *counts.entry(t.result.as_str()).or_default() += 1;
    }
    counts
}

fn severity_counts(v: &[Vulnerability]) -> BTreeMap<&'static str, usize> {
    let mut counts = BTreeMap::new();
    for f in v {
        *counts.entry(f.severity.map_or("unknown", Severity::as_str)).or_default() += 1;
    }
    counts
}

// ---------------------------------------------------------------------------------------------
// Corpus
// ---------------------------------------------------------------------------------------------

#[test]
fn corpus_lynis_reports_exact() {
    let Some(dir) = corpus("lynis") else { return };
    for (file, suggestions) in [("lynis_no_vuln.dat", 0), ("lynis_one_vuln.dat", 1)] {
        let rep = lynis_file(&dir.join(file));
        assert!(rep.complete, "{file}");
        assert_eq!(rep.hostname.as_deref(), Some("82103dde74c7"), "{file}");
        assert!(rep.addresses.is_empty(), "{file}: the container run lists no address");
        assert_eq!(rep.lynis_version.as_deref(), Some("3.1.4"));
        assert_eq!(rep.os.as_deref(), Some("Debian GNU/Linux 13 (trixie)"));
        assert_eq!(rep.kernel.as_deref(), Some("6.18.33.2-microsoft-standard-WSL2"));
        assert_eq!(rep.started.as_deref(), Some("2026-07-31 00:00:00"));
        assert_eq!(rep.observed_at(), Some("2026-07-31 00:00:30"));
        assert_eq!(rep.hardening_index, Some(1));
        assert_eq!(rep.warnings.len(), 0, "{file}");
        assert_eq!(rep.suggestions.len(), suggestions, "{file}");
        assert_eq!(rep.tests_executed, ["BOOT-5104"]);
        assert_eq!(rep.tests_skipped.len(), 465);
        assert_eq!(rep.tests_skipped.first().map(String::as_str), Some("HRDN-7231"));
        assert_eq!(rep.tests_skipped.last().map(String::as_str), Some("CORE-1000"));
        assert_eq!(rep.list("exception_event[]").len(), 3);
        assert_eq!(rep.value("slow_test[]"), Some("DEB-0880,10.150878"));
        let mut want = BTreeMap::from([("pass", 1), ("notchecked", 465)]);
        if suggestions == 1 {
            want.insert("informational", 1);
            let s = &rep.suggestions[0];
            assert_eq!(s.test_id, "LYNIS");
            assert!(s.text.starts_with("This release is more than 4 months old."), "{}", s.text);
            assert_eq!((s.details.as_deref(), s.solution.as_deref()), (None, None));
        }
        assert_eq!(result_counts(&rep), want, "{file}");
        let f = &rep.facts;
        assert_eq!(f.malware_scanner_installed, Some(false));
        assert_eq!(
            (f.firewall_installed, f.firewall_active, f.firewall_empty_ruleset),
            (Some(false), Some(false), Some(false))
        );
        assert!(f.firewall_software.is_empty());
        assert_eq!(
            (f.audit_daemon_running, f.auditd_running),
            (Some(false), None),
            "3.1.4 wrote no linux_auditd_running here"
        );
        assert_eq!(
            (f.ntp_daemon.as_deref(), f.ntp_daemon_running, f.ntp_config_found),
            (None, Some(false), Some(false))
        );
        assert_eq!((f.log_rotation_tool.as_deref(), f.log_rotation_config_found), (None, Some(false)));
        assert_eq!(f.remote_syslog_configured, None);
        assert_eq!((f.ssh_daemon_running, f.openssh_daemon_running), (Some(false), Some(false)));
        assert_eq!((f.password_min_days, f.password_max_days), (Some(-1), Some(-1)));
        assert_eq!((f.auth_failed_logins_logged, f.session_timeout_enabled), (Some(false), Some(false)));
        assert_eq!((f.package_audit_tool.as_deref(), f.vulnerable_packages_found), (None, Some(false)));
        assert!(f.vulnerable_packages.is_empty());
    }
}

#[test]
fn corpus_wazuh_4_7_many_findings_exact() {
    let Some(path) = corpus("wazuh/v4-7_many_findings.json") else { return };
    let (v, r) = vulns(&std::fs::read(&path).unwrap(), WazuhFormat::VulnsApi);
    let s = r.unwrap();
    assert_eq!((s.records, s.declared_total, s.failed_items), (13, Some(13), Some(0)));
    assert!(!s.names_host, "the 4.7 API answers for one agent named only in the URL");
    assert!(s.names_time, "every item has detection_time");
    // Severity words: Critical 2, High 3, Medium 5, Low 2, Untriaged 1 (scores 0/0: unknown).
    let want = BTreeMap::from([("critical", 2), ("high", 3), ("medium", 5), ("low", 2), ("unknown", 1)]);
    assert_eq!(severity_counts(&v), want);
    let untriaged: Vec<_> = v.iter().filter(|f| f.severity.is_none()).collect();
    assert_eq!(untriaged.len(), 1);
    assert_eq!(untriaged[0].cve, "CVE-YYYY-jfjieo");
    assert_eq!(untriaged[0].severity_text.as_deref(), Some("Untriaged"));
    assert_eq!(untriaged[0].severity_basis, Some(wazuh::SeverityBasis::Unknown));
    let first = &v[0];
    assert_eq!(first.cve, "CVE-YYYY-fjiewof");
    assert_eq!((first.package.as_deref(), first.package_version.as_deref()), (Some("123123"), Some("2.11")));
    assert_eq!((first.cvss3, first.cvss2), (Some(9.8), Some(7.5)));
    assert_eq!(first.condition.as_deref(), Some("Package unfixed"));
    assert_eq!(first.detected_at.as_deref(), Some("2023-02-08T13:55:24Z"));
    assert_eq!(first.references.len(), 2);
    // A score of 0 is "no score" in the 4.7 API.
    assert_eq!((v[1].cvss3, v[1].cvss2), (None, None));
    assert_eq!(v.iter().filter(|f| f.status.as_deref() == Some("VALID")).count(), 12);
    assert_eq!(v[12].status.as_deref(), Some("UNTRIAGED"));
    assert_eq!(v.iter().filter(|f| f.cve == "CVE-YYYY-XXXXX").count(), 2);
}

#[test]
fn corpus_wazuh_4_7_one_finding_with_endpoint_exact() {
    let Some(path) = corpus("wazuh/v4-7_one_finding_with_endpoint.json") else { return };
    let (v, r) = vulns(&std::fs::read(&path).unwrap(), WazuhFormat::VulnsApi);
    let s = r.unwrap();
    assert_eq!((s.records, s.declared_total, s.names_host, s.names_time), (1, Some(1), true, true));
    let f = &v[0];
    assert_eq!(f.cve, "CVE-1234-1234");
    assert_eq!(f.title.as_deref(), Some("CVE-1234-1234 affects curl"));
    assert_eq!((f.severity, f.severity_basis), (Some(Severity::Medium), Some(wazuh::SeverityBasis::Tool)));
    assert_eq!((f.cvss3, f.cvss2), (Some(6.5), None));
    assert_eq!(
        (f.agent_name.as_deref(), f.agent_addresses.as_slice()),
        (Some("agent-1"), &["111.111.111.111".to_string()][..])
    );
    assert_eq!(f.condition.as_deref(), Some("Package less than 2"));
    assert_eq!((f.published.as_deref(), f.updated.as_deref()), (Some("2023-12-07"), Some("2023-12-24")));
}

#[test]
fn corpus_wazuh_index_document_with_abnormal_severity_exact() {
    // Despite its name this file is not a 4.7 response: it is a search over the 4.8+
    // `wazuh-states-vulnerabilities` index, one hit of 125, severity "-".
    let Some(path) = corpus("wazuh/wazuh_abnormal_severity.json") else { return };
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(wazuh::detect(&bytes), Some(WazuhFormat::VulnsIndex));
    let (v, r) = vulns(&bytes, WazuhFormat::VulnsIndex);
    let s = r.unwrap();
    assert_eq!((s.records, s.declared_total, s.names_host, s.names_time), (1, Some(125), true, true));
    let f = &v[0];
    assert_eq!(f.cve, "CVE-2025-27558");
    assert_eq!(f.severity_text.as_deref(), Some("-"));
    assert_eq!((f.severity, f.severity_basis), (Some(Severity::Critical), Some(wazuh::SeverityBasis::Score)));
    assert_eq!((f.cvss3, f.cvss2), (Some(9.1), None));
    assert_eq!((f.agent_id.as_deref(), f.agent_name.as_deref()), (Some("001"), Some("myhost0")));
    assert_eq!(f.package.as_deref(), Some("linux-image-6.8.0-60-generic"));
    assert_eq!(f.package_version.as_deref(), Some("6.8.0-60.63"));
    assert_eq!(f.os.as_deref(), Some("Ubuntu 24.04.2 LTS"));
    assert_eq!(f.detected_at.as_deref(), Some("2025-05-25T17:07:15.204Z"));
    assert_eq!(f.published.as_deref(), Some("2025-04-22T19:16:08Z"));
    assert_eq!(f.source.as_deref(), Some("Canonical Security Tracker"));
    assert_eq!(f.condition.as_deref(), Some("Package default status"));
    assert_eq!(f.under_evaluation, Some(false));
    assert_eq!(
        f.references,
        ["https://ubuntu.com/security/CVE-2025-27558", "https://www.cve.org/CVERecord?id=CVE-2025-27558"]
    );
    assert!(f.description.as_deref().is_some_and(|d| d.starts_with("IEEE P603.12-REVme")));
}

#[test]
fn corpus_files_are_detected_from_their_first_4_kib() {
    let Some(dir) = corpus("") else { return };
    let head = |p: &str| {
        let mut b = Vec::new();
        std::fs::File::open(dir.join(p)).unwrap().take(4096).read_to_end(&mut b).unwrap();
        b
    };
    for f in ["lynis/lynis_no_vuln.dat", "lynis/lynis_one_vuln.dat"] {
        assert!(lynis::detect(&head(f)), "{f}");
        assert_eq!(wazuh::detect(&head(f)), None, "{f}");
    }
    for f in ["wazuh/v4-7_many_findings.json", "wazuh/v4-7_one_finding_with_endpoint.json"] {
        assert_eq!(wazuh::detect(&head(f)), Some(WazuhFormat::VulnsApi), "{f}");
        assert!(!lynis::detect(&head(f)), "{f}");
    }
    assert_eq!(wazuh::detect(&head("wazuh/wazuh_abnormal_severity.json")), Some(WazuhFormat::VulnsIndex));
    // Neighbours in the corpus that are none of these formats.
    for f in ["ssh-audit", "inspec", "openvas", "nessus", "openscap"] {
        for entry in std::fs::read_dir(dir.join(f)).unwrap() {
            let p = entry.unwrap().path();
            let rel = p.strip_prefix(&dir).unwrap().to_str().unwrap().to_string();
            assert_eq!(wazuh::detect(&head(&rel)), None, "{rel}");
            assert!(!lynis::detect(&head(&rel)), "{rel}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Agents and SCA (shapes of the Wazuh server API reference; the corpus has none)
// ---------------------------------------------------------------------------------------------

const AGENTS: &str = r#"{
  "data": {
    "affected_items": [
      {"os": {"arch": "x86_64", "major": "12", "name": "Debian GNU/Linux", "platform": "debian", "uname": "Linux |web01 |6.1.0", "version": "12"},
       "group": ["default"], "status_code": 0, "configSum": "ab73af41", "id": "001", "name": "web01", "ip": "10.20.1.5",
       "registerIP": "any", "manager": "wazuh-manager", "node_name": "node01", "dateAdd": "2026-01-10T03:00:00+00:00",
       "version": "Wazuh v4.11.1", "lastKeepAlive": "2026-11-20T02:00:11+00:00", "status": "active", "mergedSum": "9a0"},
      {"id": "002", "name": "db01", "ip": "10.20.1.6", "registerIP": "10.20.1.6", "status": "disconnected",
       "lastKeepAlive": "2026-10-01T08:00:00+00:00", "version": "Wazuh v4.7.2", "group": null, "node_name": "node01"},
      {"id": "003", "name": "new01", "ip": "10.20.1.7", "registerIP": "10.20.1.7", "status": "never_connected", "node_name": "node01"}
    ],
    "total_affected_items": 3, "total_failed_items": 0, "failed_items": []
  },
  "message": "All selected agents information was returned",
  "error": 0
}"#;

#[test]
fn agents_list() {
    assert_eq!(wazuh::detect(AGENTS.as_bytes()), Some(WazuhFormat::Agents));
    let mut got: Vec<Agent> = Vec::new();
    let s = wazuh::read_agents(AGENTS.as_bytes(), &Limits::default(), &mut |a| {
        got.push(a);
        Ok(())
    })
    .unwrap();
    assert_eq!(
        (s.records, s.declared_total, s.failed_items, s.names_host, s.names_time),
        (3, Some(3), Some(0), true, false)
    );
    assert_eq!(s.format.as_str(), "wazuh-agents");
    let web = &got[0];
    assert_eq!(web.id.as_ref().map(|i| i.0.as_str()), Some("001"));
    assert_eq!(
        (web.name.as_deref(), web.ip.as_deref(), web.register_ip.as_deref()),
        (Some("web01"), Some("10.20.1.5"), Some("any"))
    );
    assert_eq!(web.last_keepalive.as_deref(), Some("2026-11-20T02:00:11+00:00"));
    assert_eq!(web.os.as_ref().and_then(|o| o.platform.as_deref()), Some("debian"));
    assert_eq!(web.group, ["default"]);
    assert!(web.is_active());
    assert_eq!(got.iter().filter(|a| a.is_active()).count(), 1);
    assert!(got[1].group.is_empty(), "null group");
    assert_eq!(got[2].status.as_deref(), Some("never_connected"));
}

const SCA: &str = r#"{"data": {"affected_items": [
  {"remediation": "Edit /etc/ssh/sshd_config and set PermitRootLogin no.", "rationale": "Root login over SSH is risky.",
   "title": "Ensure SSH root login is disabled.", "policy_id": "cis_debian12", "description": "d", "id": 28571,
   "command": "sshd -T", "condition": "all", "file": "/etc/ssh/sshd_config", "result": "failed", "references": "https://www.cisecurity.org/cis-benchmarks/",
   "compliance": [{"key": "cis", "value": "5.2.10"}, {"key": "cis_csc_v8", "value": "5.4"}, {"key": "nist_sp_800-53", "value": "AC-6(2), AC-6(5)"},
                  {"key": "pci_dss_v4.0", "value": "2.2.1, 2.2.4"}, {"key": "iso_27001-2013", "value": "A.9.2.3"}],
   "rules": [{"type": "command", "rule": "c:sshd -T -> r:^\\s*permitrootlogin\\s+no"}]},
  {"id": 28500, "policy_id": "cis_debian12", "title": "Ensure mounting of cramfs filesystems is disabled.", "result": "passed",
   "compliance": [{"key": "cis", "value": "1.1.1.1"}], "rules": []},
  {"id": 28502, "policy_id": "cis_debian12", "title": "Ensure separate partition exists for /tmp.", "result": "not applicable",
   "reason": "Could not open file '/etc/fstab'", "compliance": [], "rules": []},
  {"id": 3000, "policy_id": "cis_debian9_L1", "title": "Old agent check.", "result": "", "status": "Not applicable", "reason": "x",
   "compliance": null, "rules": null}
], "total_affected_items": 190, "total_failed_items": 0, "failed_items": []}, "message": "All selected sca/policy information was returned", "error": 0}"#;

#[test]
fn sca_checks_with_compliance_tags() {
    assert_eq!(wazuh::detect(SCA.as_bytes()), Some(WazuhFormat::Sca));
    let mut got: Vec<ScaCheck> = Vec::new();
    let s = wazuh::read_sca(SCA.as_bytes(), &Limits::default(), &mut |c| {
        got.push(c);
        Ok(())
    })
    .unwrap();
    assert_eq!((s.records, s.declared_total, s.names_host, s.names_time), (4, Some(190), false, false));
    let results: Vec<CheckResult> = got.iter().map(ScaCheck::check_result).collect();
    assert_eq!(results, [CheckResult::Fail, CheckResult::Pass, CheckResult::NotApplicable, CheckResult::NotApplicable]);
    let ssh = &got[0];
    assert_eq!(ssh.id.as_ref().map(|i| i.0.as_str()), Some("28571"));
    assert_eq!(ssh.compliance_values("nist_sp_800-53").collect::<Vec<_>>(), ["AC-6(2)", "AC-6(5)"]);
    assert_eq!(ssh.compliance_values("cis").collect::<Vec<_>>(), ["5.2.10"]);
    assert_eq!(ssh.rules[0].rule.as_deref(), Some(r"c:sshd -T -> r:^\s*permitrootlogin\s+no"));
    assert_eq!(ssh.command.as_deref(), Some("sshd -T"), "kept as text, never run");
    assert!(got[3].compliance.is_empty() && got[3].rules.is_empty());
}

// ---------------------------------------------------------------------------------------------
// A real Lynis run
// ---------------------------------------------------------------------------------------------

/// What the report's own lines say, counted without the importer.
fn count_lines(text: &str) -> (usize, usize, Option<u8>, Vec<String>) {
    let (mut warnings, mut suggestions, mut index, mut ids) = (0, 0, None, Vec::new());
    for line in text.lines() {
        if let Some(v) = line.strip_prefix("warning[]=") {
            warnings += 1;
            ids.push(v.split('|').next().unwrap().to_string());
        } else if let Some(v) = line.strip_prefix("suggestion[]=") {
            suggestions += 1;
            ids.push(v.split('|').next().unwrap().to_string());
        } else if let Some(v) = line.strip_prefix("hardening_index=") {
            index = v.parse().ok();
        }
    }
    (warnings, suggestions, index, ids)
}

#[test]
fn real_lynis_audit_is_imported_as_lynis_wrote_it() {
    let lynis_bin =
        ["/usr/sbin/lynis", "/usr/bin/lynis", "/usr/local/bin/lynis"].into_iter().find(|p| Path::new(p).exists());
    let Some(lynis_bin) = lynis_bin else {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("lynis is not installed under CI=true (.ci/run installs it)");
        }
        common::skipped("lynis is not installed (apt-get install lynis)");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let report = tmp.path().join("report.dat");
    // Lynis reads the machine and changes nothing. Its report and log go to the temporary
    // directory; HOME there keeps an unprivileged run's PID file in it too (as root Lynis keeps
    // /var/run/lynis.pid for the run and removes it; its mktemp files in /tmp are removed too).
    let out = Command::new(lynis_bin)
        .args(["audit", "system", "--quick", "--no-colors", "--report-file"])
        .arg(&report)
        .arg("--logfile")
        .arg(tmp.path().join("lynis.log"))
        .env("HOME", tmp.path())
        .current_dir(tmp.path())
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run lynis");
    assert!(out.status.success(), "lynis failed: {}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(&report).unwrap();
    let (warnings, suggestions, index, ids) = count_lines(&text);
    let rep = lynis_file(&report);
    assert!(rep.complete);
    assert_eq!(rep.warnings.len(), warnings);
    assert_eq!(rep.suggestions.len(), suggestions);
    assert!(suggestions > 0, "a quick audit of any machine suggests something");
    assert_eq!(rep.hardening_index, index);
    assert!(index.is_some());
    let got_ids: Vec<&str> = rep.warnings.iter().chain(&rep.suggestions).map(|f| f.test_id.as_str()).collect();
    let mut want_ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    let mut got_sorted = got_ids.clone();
    want_ids.sort_unstable();
    got_sorted.sort_unstable();
    assert_eq!(got_sorted, want_ids);
    // Results: every warned id fails, every executed test has a result, none is lost.
    let results = rep.results();
    for w in &rep.warnings {
        assert!(results.iter().any(|t| t.test_id == w.test_id && t.result == CheckResult::Fail), "{}", w.test_id);
    }
    let executed = text.lines().find_map(|l| l.strip_prefix("tests_executed=")).unwrap();
    let executed: Vec<&str> = executed.split('|').filter(|t| !t.is_empty()).collect();
    assert_eq!(rep.tests_executed, executed);
    assert!(executed.iter().all(|id| results.iter().any(|t| t.test_id == *id)));
    // Counts per result, from the file's own lines by set arithmetic (module docs' mapping).
    use std::collections::BTreeSet;
    let skipped = text.lines().find_map(|l| l.strip_prefix("tests_skipped=")).unwrap_or_default();
    let skipped: BTreeSet<&str> = skipped.split('|').filter(|t| !t.is_empty()).collect();
    let executed: BTreeSet<&str> = executed.into_iter().collect();
    let warned: BTreeSet<&str> = rep.warnings.iter().map(|f| f.test_id.as_str()).collect();
    let suggested: BTreeSet<&str> = ids.iter().map(String::as_str).filter(|id| !warned.contains(id)).collect();
    let named: BTreeSet<&str> = warned.union(&suggested).copied().collect();
    let mut want = BTreeMap::from([
        ("fail", warned.len()),
        ("informational", suggested.len()),
        ("pass", executed.difference(&named).count()),
        ("notchecked", skipped.iter().filter(|t| !executed.contains(*t) && !named.contains(*t)).count()),
    ]);
    want.retain(|_, n| *n > 0);
    assert_eq!(result_counts(&rep), want);
    assert_eq!(
        rep.hostname.as_deref(),
        text.lines().find_map(|l| l.strip_prefix("hostname=")).filter(|h| !h.is_empty())
    );
    let v4 = text.lines().filter(|l| l.starts_with("network_ipv4_address[]=")).count();
    let v6 = text.lines().filter(|l| l.starts_with("network_ipv6_address[]=")).count();
    assert_eq!(rep.addresses.len(), v4 + v6);
    eprintln!(
        "lynis: {} warnings, {} suggestions, hardening index {:?}, {} tests run, {} skipped",
        warnings,
        suggestions,
        index,
        rep.tests_executed.len(),
        rep.tests_skipped.len()
    );

    // The mapped controls get the statuses the mapping implies: SRV.05 (server anti-malware)
    // fails when Lynis found no malware scanner, and SRV.01 fails on exactly the warned AUTH tests.
    let host = rep.hostname.clone().expect("hostname");
    let day = rep.observed_at().map(|t| t[..10].to_string()).expect("time");
    let controls = common::check_one_host(&host, &[&report], &day);
    let evidence = format!("{}#record 1", report.display());
    let no_scanner = rep.facts.malware_scanner_installed == Some(false);
    let (status, basis, fails) = controls["SRV.05"].clone();
    let malware_warned: Vec<&str> =
        rep.warnings.iter().map(|w| w.test_id.as_str()).filter(|id| id.starts_with("MALW-")).collect();
    if no_scanner || !malware_warned.is_empty() {
        assert_eq!((status.as_str(), basis.as_str()), ("fail", "measured"), "{fails:?}");
        if no_scanner {
            assert!(fails.contains(&format!("audit-no-malware-scanner {host} {evidence}")), "{fails:?}");
        }
    } else {
        assert_eq!((status.as_str(), basis.as_str()), ("unknown", "none"), "{fails:?}");
    }
    let mut auth: Vec<String> = rep
        .warnings
        .iter()
        .filter(|w| w.test_id.starts_with("AUTH-"))
        .map(|w| format!("audit-authentication {host} {evidence};check={}", w.test_id))
        .collect();
    auth.sort();
    auth.dedup();
    let (status, _, mut fails) = controls["SRV.01"].clone();
    fails.sort();
    assert_eq!(fails, auth, "SRV.01's findings are the warned AUTH tests");
    assert_eq!(status, if auth.is_empty() { "unknown" } else { "fail" });
}

// ---------------------------------------------------------------------------------------------
// Hostile input
// ---------------------------------------------------------------------------------------------

#[test]
fn lynis_truncated_at_every_byte() {
    let Some(path) = corpus("lynis/lynis_one_vuln.dat") else { return };
    let full = std::fs::read(&path).unwrap();
    let whole = lynis_file(&path);
    let header = "# Lynis Report".len();
    for cut in 0..full.len() {
        let (rep, r) = lynis_bytes(&full[..cut], &Limits::default());
        if cut == full.len() - 1 {
            // Only the final newline is missing: the report is whole.
            assert_eq!(rep.as_ref(), Some(&whole));
            assert!(r.is_ok());
            continue;
        }
        let Err(ImportError::Malformed { line, column, message }) = r else { panic!("cut {cut}: {r:?}") };
        assert!(line >= 1 && column >= 1, "cut {cut}: {line}:{column} {message:?}");
        if cut < header {
            assert!(rep.is_none(), "cut {cut}: no header, nothing delivered");
            continue;
        }
        let rep = rep.unwrap_or_else(|| panic!("cut {cut}: what was read is delivered"));
        assert!(!rep.complete);
        // Every line complete before the cut was kept.
        let complete_lines = full[..cut].iter().filter(|&&b| b == b'\n').count();
        let kept: usize = rep.values.values().map(Vec::len).sum();
        let want = std::str::from_utf8(&full[..cut])
            .unwrap()
            .lines()
            .take(complete_lines)
            .skip(1)
            .filter(|l| !l.starts_with('#') && !l.is_empty() && !l.starts_with("finish="))
            .count();
        assert_eq!(kept, want, "cut {cut}");
    }
}

#[test]
fn wazuh_truncated_at_every_byte() {
    let Some(dir) = corpus("wazuh") else { return };
    for (file, format, total) in [
        ("v4-7_one_finding_with_endpoint.json", WazuhFormat::VulnsApi, 1),
        ("v4-7_many_findings.json", WazuhFormat::VulnsApi, 13),
        ("wazuh_abnormal_severity.json", WazuhFormat::VulnsIndex, 1),
    ] {
        let full = std::fs::read(dir.join(file)).unwrap();
        let end = full.iter().rposition(|b| !b.is_ascii_whitespace()).unwrap() + 1;
        let mut last = 0;
        for cut in 0..end {
            let (v, r) = vulns(&full[..cut], format);
            let Err(ImportError::Malformed { line, column, message }) = &r else { panic!("{file} cut {cut}: {r:?}") };
            assert!(
                *line >= 1 && *column >= 1 && message.en.contains("truncated"),
                "{file} cut {cut}: {line}:{column} {message:?}"
            );
            // Records complete before the cut are delivered, never more later than earlier.
            assert!(v.len() >= last && v.len() <= total, "{file} cut {cut}: {} records", v.len());
            last = v.len();
        }
        let nearly = if total == 13 { 12 } else { 0 };
        assert!(last >= nearly, "{file}: {last} records delivered before the final cut");
        assert_eq!(vulns(&full, format).0.len(), total);
    }
}

#[test]
fn json_nesting_is_capped_with_a_position() {
    // Deeper than Limits::max_depth (64) but within serde_json's 128, and far beyond it.
    let prefix = r#"{"data": {"affected_items": [{"cve": "#;
    for depth in [100, 100_000] {
        let text = format!("{prefix}{}", "[".repeat(depth));
        let (v, r) = vulns(text.as_bytes(), WazuhFormat::VulnsApi);
        assert!(v.is_empty());
        // Four levels are open before the brackets; the 61st bracket is level 65.
        let column = (prefix.len() + 61) as u64;
        let message = tuanthu::i18n::Text::new("JSON nested deeper than 64 levels", "JSON lồng sâu quá 64 cấp");
        assert_eq!(r.unwrap_err(), ImportError::Malformed { line: 1, column, message }, "depth {depth}");
    }
}

#[test]
fn invalid_utf8_and_wrong_roots_are_refused_clearly() {
    let bad = b"{\"data\": {\"affected_items\": [{\"cve\": \"CVE-1\"},\n {\"cve\": \"\xff\"}]}}";
    let (v, r) = vulns(bad, WazuhFormat::VulnsApi);
    assert_eq!(v.len(), 1, "the record before the damage is delivered");
    let e = r.unwrap_err().to_string();
    assert!(e.starts_with("line 2, column ") && e.contains("invalid unicode"), "{e}");
    // An array root, an XML file, a search response given as an API one, an agents list given as
    // SCA (fields of the wrong type).
    let e = vulns(b"[1, 2]", WazuhFormat::VulnsApi).1.unwrap_err().to_string();
    assert!(e.contains("expected a Wazuh API response object"), "{e}");
    let xml = b"<?xml version=\"1.0\"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><r>&x;</r>";
    let e = vulns(xml, WazuhFormat::VulnsApi).1.unwrap_err().to_string();
    assert!(e.starts_with("line 1, column 1: expected value"), "{e}");
    let (_, r) = lynis_bytes(xml, &Limits::default());
    assert!(r.unwrap_err().to_string().contains("not a Lynis report.dat"));
    let e = vulns(br#"{"hits": {"hits": []}}"#, WazuhFormat::VulnsApi).1.unwrap_err().to_string();
    assert_eq!(e, "no `data.affected_items` array");
    let e = vulns(br#"{"data": {"affected_items": []}}"#, WazuhFormat::VulnsIndex).1.unwrap_err().to_string();
    assert_eq!(e, "no `hits.hits` array");
    let e = wazuh::read_sca(AGENTS.as_bytes(), &Limits::default(), &mut |_| Ok(())).unwrap_err().to_string();
    assert!(
        e.starts_with("line 8, column 6: ")
            && e.ends_with("record 1: no `title`: not an SCA check of GET /sca/{agent}/checks/{policy}"),
        "{e}"
    );
    let e = wazuh::read_agents(SCA.as_bytes(), &Limits::default(), &mut |_| Ok(())).unwrap_err().to_string();
    assert!(e.ends_with("record 1: no `name`: not an agent of GET /agents"), "{e}");
    let (v, r) = vulns(AGENTS.as_bytes(), WazuhFormat::VulnsApi);
    assert!(v.is_empty() && r.unwrap_err().to_string().ends_with("no `cve`: not a vulnerability of the 4.7 API"));
}

#[test]
fn values_are_text_never_interpreted() {
    let text = "# Lynis Report\nhostname=$(reboot)\nntp_daemon=`id`;&xxe;\u{1b}[31m\nfinish=true\n";
    let (rep, r) = lynis_bytes(text.as_bytes(), &Limits::default());
    r.unwrap();
    let rep = rep.unwrap();
    assert_eq!(rep.hostname.as_deref(), Some("$(reboot)"));
    assert_eq!(rep.facts.ntp_daemon.as_deref(), Some("`id`;&xxe;\u{1b}[31m"), "kept; stripped only when rendered");
}

#[test]
fn a_long_string_is_cut_and_marked() {
    let long = "a".repeat(10 << 20);
    let text = format!("{{\"data\": {{\"affected_items\": [{{\"cve\": \"CVE-1\", \"title\": \"{long}\"}}]}}}}");
    let (v, r) = vulns(text.as_bytes(), WazuhFormat::VulnsApi);
    r.unwrap();
    let title = v[0].title.as_deref().unwrap();
    assert_eq!(title.len(), (64 << 10) + tuanthu::import::json::CUT_MARK.len());
    assert!(title.ends_with(tuanthu::import::json::CUT_MARK));
    let line = format!("# Lynis Report\nhostname={long}\nfinish=true\n");
    let (rep, r) = lynis_bytes(line.as_bytes(), &Limits::default());
    r.unwrap();
    assert_eq!(rep.unwrap().hostname.unwrap().len(), (64 << 10) + tuanthu::import::json::CUT_MARK.len());
}

/// A stream of `prefix`, then `len` bytes of `a`, then `suffix`, never held in memory.
struct Generated {
    prefix: Vec<u8>,
    left: u64,
    suffix: Vec<u8>,
}

impl Read for Generated {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if !self.prefix.is_empty() {
            let n = self.prefix.len().min(buf.len());
            buf[..n].copy_from_slice(&self.prefix[..n]);
            self.prefix.drain(..n);
            return Ok(n);
        }
        if self.left > 0 {
            let n = (self.left.min(buf.len() as u64)) as usize;
            buf[..n].fill(b'a');
            self.left -= n as u64;
            return Ok(n);
        }
        let n = self.suffix.len().min(buf.len());
        buf[..n].copy_from_slice(&self.suffix[..n]);
        self.suffix.drain(..n);
        Ok(n)
    }
}

const GIB: u64 = 1 << 30;

/// Run by [`a_gigabyte_value_is_refused_within_bounded_memory`] in a child process under an
/// address-space limit; ignored in a normal run.
#[test]
#[ignore = "run as a bounded child process by a_gigabyte_value_is_refused_within_bounded_memory"]
fn child_gigabyte_values() {
    if std::env::var("TUANTHU_BOUNDED_CHILD").is_err() {
        return;
    }
    let json = Generated {
        prefix: br#"{"data": {"affected_items": [{"cve": ""#.to_vec(),
        left: GIB,
        suffix: b"\"}]}}".to_vec(),
    };
    let e = wazuh::read_vulnerabilities(json, WazuhFormat::VulnsApi, &Limits::default(), &mut |_| Ok(())).unwrap_err();
    println!("wazuh: {e}");
    let dat =
        Generated { prefix: b"# Lynis Report\nhostname=".to_vec(), left: GIB, suffix: b"\nfinish=true\n".to_vec() };
    let e = lynis::read_lynis(dat, &Limits::default(), &mut |_| Ok(())).unwrap_err();
    println!("lynis: {e}");
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let hwm = status.lines().find(|l| l.starts_with("VmHWM")).unwrap_or("VmHWM: ?");
    println!("{hwm}");
}

#[test]
fn a_gigabyte_value_is_refused_within_bounded_memory() {
    // The test binary itself, under `ulimit -v`, runs the ignored child test: reading a 1 GiB
    // value whole could not fit; the cap must refuse it first.
    let exe = std::env::current_exe().unwrap();
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {} && exec \"$0\" \"$@\"", 512 * 1024))
        .arg(&exe)
        .args(["--exact", "child_gigabyte_values", "--ignored", "--nocapture", "--test-threads=1"])
        .env("TUANTHU_BOUNDED_CHILD", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "child failed: {stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let too_large = "the file is larger than 64 MiB, the most this format is read whole";
    assert!(stdout.contains(&format!("wazuh: {too_large}")), "{stdout}");
    assert!(stdout.contains(&format!("lynis: {too_large}")), "{stdout}");
    eprintln!("{}", stdout.lines().find(|l| l.starts_with("VmHWM")).unwrap_or("no VmHWM"));
}

#[test]
fn a_callback_can_stop_the_import() {
    let Some(path) = corpus("wazuh/v4-7_many_findings.json") else { return };
    let mut n = 0;
    let r = wazuh::read_vulnerabilities(
        std::fs::File::open(path).unwrap(),
        WazuhFormat::VulnsApi,
        &Limits::default(),
        &mut |_| {
            n += 1;
            if n == 3 { Err("enough".into()) } else { Ok(()) }
        },
    );
    assert_eq!((n, r.unwrap_err()), (3, ImportError::Callback("enough".into())));
}
