//! Importer for Lynis's `report.dat` (`lynis audit system --report-file FILE`; by default
//! `/var/log/lynis-report.dat`).
//!
//! # What it reads
//! The report is one `key=value` per line, after a `# Lynis Report` header, ending with
//! `finish=true`. A key ending in `[]` is a list: each line adds one item. Every key is kept as
//! written ([`LynisReport::values`], all values of a key in file order), and these are typed:
//! * **Host**: `hostname`, `domainname`, addresses from `network_ipv4_address[]` then
//!   `network_ipv6_address[]` (as Lynis lists them, loopback included), `network_mac_address[]`,
//!   `hostid`.
//! * **Run**: `report_datetime_start`, `report_datetime_end` (the audited machine's local time,
//!   `YYYY-MM-DD HH:MM:SS`, with no UTC offset: the caller supplies the zone), `lynis_version`,
//!   `os_fullname` (`os_name`, `os_version`), `os_kernel_version_full`, `hardening_index` (0–100).
//! * **Findings**: `warning[]` and `suggestion[]`, each `TEST-ID|text|details|solution|` (`-` = none),
//!   as [`Finding`]; `tests_executed` and `tests_skipped`, `|`-separated test ids.
//! * **HostState** ([`HostState`]), from the keys Lynis 3.x writes (`include/tests_*`):
//!
//! | fact | keys |
//! |---|---|
//! | malware scanner | `malware_scanner_installed`, `malware_scanner[]` |
//! | firewall | `firewall_installed`, `firewall_active`, `firewall_empty_ruleset`, `firewall_software[]` |
//! | audit daemon | `linux_auditd_running`, `audit_daemon_running`, `audit_trail_tool[]` |
//! | time synchronisation | `ntp_daemon`, `ntp_daemon_running`, `ntp_config_found` |
//! | logging | `log_rotation_tool`, `log_rotation_config_found`, `remote_syslog_configured`, `syslog_daemon[]` |
//! | automatic updates | `unattended_upgrade_tool[]`, `unattended_upgrade_option_available`, `package_audit_tool` |
//! | SSH and authentication | `ssh_daemon_running`, `openssh_daemon_running`, `auth_failed_logins_logged`, `session_timeout_enabled`, `password_min_days`, `password_max_days`, `account_without_password[]`, `user_with_uid_zero[]`, `pam_module[]` |
//! | integrity and intrusion detection | `file_integrity_tool[]`, `ids_ips_tooling[]` |
//! | vulnerable packages | `vulnerable_packages_found`, `vulnerable_package[]` |
//!
//! Lynis writes booleans as `1`/`0`; any other value is `None` (unknown), as is a missing key: a
//! quick or unprivileged run skips tests, and an absent fact is never read as "no".
//!
//! # Mapping onto [`CheckResult`]
//! Lynis has no pass/fail per test; it lists the tests it ran and raises warnings (a problem
//! found) and suggestions (a hardening idea). [`LynisReport::results`] maps per test id:
//! * a test with a `warning[]` → [`CheckResult::Fail`];
//! * else a test with a `suggestion[]` → [`CheckResult::Informational`] (a suggestion never fails
//!   a check: Lynis marks every test that could be hardened further, even on hardened hosts);
//! * else a test in `tests_executed` → [`CheckResult::Pass`]: Lynis ran it and found nothing;
//! * else a test in `tests_skipped` → [`CheckResult::NotChecked`] (skipped because the software is
//!   absent, the run was quick or unprivileged, or a profile skipped it: Lynis does not say which,
//!   so it never counts as a pass);
//! * warnings and suggestions name ids that are not tests (`LYNIS`: the release is old) and keep
//!   their own result.
//!
//! `hardening_index` is Lynis's own score, kept as written; it is not recomputed.
//!
//! # Memory and safety
//! The file is read whole up to [`Limits::max_file_bytes`] (a real report is 10–100 KiB). A value
//! longer than [`Limits::max_text_bytes`] is cut and marked ([`super::json::CUT_MARK`]); a key over
//! 256 bytes, more than [`MAX_KEYS`] distinct keys or more than [`Limits::max_results_per_host`]
//! items of one list is an error. Values are text: nothing is executed, expanded or interpreted
//! beyond the booleans and numbers above.
//!
//! # Damaged files
//! Invalid UTF-8, a line that is not `key=value`, a bad `hardening_index`, or a file that ends
//! before `finish=true` (truncated, or Lynis was interrupted) yield an [`ImportError::Malformed`]
//! with the 1-based line and column, *after* the report read so far (with `complete: false`) has
//! been delivered. A last line cut before its newline is not used (its value may be cut), except
//! `finish=true` itself. A file whose first line is not `# Lynis Report` is refused outright.

use std::collections::BTreeMap;
use std::io::Read;

use super::json::{cap, read_capped};
use super::{CheckResult, ImportError, Limits};
use crate::evidence::HostState;
use crate::i18n::Text;
use crate::text;

/// Most distinct keys in one report (Lynis 3 writes about 300).
pub const MAX_KEYS: usize = 10_000;
/// Longest key accepted.
const MAX_KEY_BYTES: usize = 256;
const HEADER: &str = "# Lynis Report";

/// One `warning[]` or `suggestion[]`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Finding {
    /// The Lynis test id (`AUTH-9262`), or `LYNIS` for remarks about Lynis itself.
    pub test_id: String,
    pub text: String,
    /// `None` when Lynis wrote `-` or nothing.
    pub details: Option<String>,
    pub solution: Option<String>,
}

/// A Lynis report as read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LynisReport {
    pub hostname: Option<String>,
    pub domainname: Option<String>,
    /// IPv4 then IPv6 addresses, as Lynis listed them.
    pub addresses: Vec<String>,
    pub mac_addresses: Vec<String>,
    pub hostid: Option<String>,
    /// Local time of the audited machine, `YYYY-MM-DD HH:MM:SS`, no offset.
    pub started: Option<String>,
    pub ended: Option<String>,
    pub lynis_version: Option<String>,
    /// `os_fullname`, or `os_name os_version`.
    pub os: Option<String>,
    pub kernel: Option<String>,
    pub hardening_index: Option<u8>,
    pub warnings: Vec<Finding>,
    pub suggestions: Vec<Finding>,
    pub tests_executed: Vec<String>,
    pub tests_skipped: Vec<String>,
    pub facts: HostState,
    /// `finish=true` was read.
    pub complete: bool,
    /// Every key as written (`warning[]` included), with all its values in file order.
    pub values: BTreeMap<String, Vec<String>>,
}

/// One test's result, mapped as the module docs say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestResult {
    pub test_id: String,
    pub result: CheckResult,
}

impl LynisReport {
    /// The last value of `key` (Lynis writes a few scalar keys more than once).
    pub fn value(&self, key: &str) -> Option<&str> {
        self.values.get(key).and_then(|v| v.last()).map(String::as_str)
    }

    /// Every value of a list key (`firewall_software[]`), or of a repeated scalar key.
    pub fn list(&self, key: &str) -> &[String] {
        self.values.get(key).map_or(&[], Vec::as_slice)
    }

    /// When the audit ended (or, failing that, started): the report's time of observation.
    pub fn observed_at(&self) -> Option<&str> {
        self.ended.as_deref().or(self.started.as_deref())
    }

    /// One result per test id, in this order: executed tests, skipped tests, then ids named only
    /// by warnings or suggestions. Mapping: module docs.
    pub fn results(&self) -> Vec<TestResult> {
        let warned: std::collections::HashSet<&str> = self.warnings.iter().map(|f| f.test_id.as_str()).collect();
        let suggested: std::collections::HashSet<&str> = self.suggestions.iter().map(|f| f.test_id.as_str()).collect();
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        let ids = self.tests_executed.iter().map(|t| (t, CheckResult::Pass));
        let ids = ids.chain(self.tests_skipped.iter().map(|t| (t, CheckResult::NotChecked)));
        let ids = ids.chain(self.warnings.iter().chain(&self.suggestions).map(|f| (&f.test_id, CheckResult::Pass)));
        for (id, otherwise) in ids {
            if !seen.insert(id.as_str()) {
                continue;
            }
            let result = if warned.contains(id.as_str()) {
                CheckResult::Fail
            } else if suggested.contains(id.as_str()) {
                CheckResult::Informational
            } else {
                otherwise
            };
            out.push(TestResult { test_id: id.clone(), result });
        }
        out
    }
}

/// Whether `head` (the first bytes of a file) is a Lynis report: its first line is
/// `# Lynis Report`.
pub fn detect(head: &[u8]) -> bool {
    let head = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    head.starts_with(HEADER.as_bytes())
        && matches!(head.get(HEADER.len()), None | Some(b'\n') | Some(b'\r') | Some(b' '))
}

/// Reads a `report.dat` from `input` and gives the report to `on_report` — also when the file is
/// damaged, with what was read before the damage (`complete: false`), before the error is
/// returned. Nothing is delivered when the header is missing.
pub fn read_lynis<R: Read>(
    input: R,
    limits: &Limits,
    on_report: &mut dyn FnMut(LynisReport) -> Result<(), String>,
) -> Result<(), ImportError> {
    let bytes = read_capped(input, limits.max_file_bytes)?;
    let mut raw = Raw::default();
    let outcome = parse(&bytes, limits, &mut raw);
    if outcome.as_ref().is_err_and(|e| matches!(e, Refusal::NotLynis(_))) {
        return outcome.map_err(Refusal::into_error);
    }
    let report = raw.into_report(limits);
    on_report(report).map_err(ImportError::Callback)?;
    outcome.map_err(Refusal::into_error)
}

/// Why parsing stopped.
enum Refusal {
    /// The file is not a Lynis report: nothing is delivered.
    NotLynis(ImportError),
    /// Damage after the header: what was read is delivered first.
    Damaged(ImportError),
}

impl Refusal {
    fn into_error(self) -> ImportError {
        match self {
            Refusal::NotLynis(e) | Refusal::Damaged(e) => e,
        }
    }
}

fn at(line: usize, column: usize, message: Text) -> ImportError {
    ImportError::Malformed { line: line as u64, column: column as u64, message }
}

/// What the lines said, before typing.
#[derive(Default)]
struct Raw {
    values: BTreeMap<String, Vec<String>>,
    complete: bool,
    /// A bad `hardening_index` is kept out of the report.
    bad_index: bool,
}

fn parse(bytes: &[u8], limits: &Limits, raw: &mut Raw) -> Result<(), Refusal> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    if !detect(bytes) {
        return Err(Refusal::NotLynis(at(
            1,
            1,
            text!(
                "not a Lynis report.dat: the first line is not `{HEADER}`",
                "không phải tệp report.dat của Lynis: dòng đầu không phải `{HEADER}`"
            ),
        )));
    }
    // The pieces between newlines: a file that ends with one has an empty last piece.
    let pieces = bytes.split(|&b| b == b'\n').count();
    for (i, line) in bytes.split(|&b| b == b'\n').enumerate().skip(1) {
        let (n, last) = (i + 1, i + 1 == pieces);
        if last && line.is_empty() {
            break;
        }
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let text = std::str::from_utf8(line).map_err(|e| {
            Refusal::Damaged(at(n, e.valid_up_to() + 1, text!("invalid UTF-8", "không phải UTF-8 hợp lệ")))
        })?;
        if last {
            // The file ends inside this line: its value may be cut, so only `finish=true` is used.
            if text == "finish=true" {
                raw.complete = true;
                return Ok(());
            }
            return Err(Refusal::Damaged(at(
                n,
                line.len() + 1,
                text!("the file ends in the middle of a line (truncated)", "tệp kết thúc giữa một dòng (bị cắt cụt)"),
            )));
        }
        line_into(text, n, limits, raw).map_err(Refusal::Damaged)?;
    }
    if !raw.complete {
        let message = text!(
            "the report ends before `finish=true` (truncated, or Lynis did not finish)",
            "báo cáo kết thúc trước `finish=true` (bị cắt cụt, hoặc Lynis chưa chạy xong)"
        );
        return Err(Refusal::Damaged(at(pieces, 1, message)));
    }
    Ok(())
}

/// One line after the header.
fn line_into(text: &str, n: usize, limits: &Limits, raw: &mut Raw) -> Result<(), ImportError> {
    if text.trim().is_empty() || text.starts_with('#') {
        return Ok(());
    }
    let Some((key, value)) = text.split_once('=') else {
        return Err(at(n, 1, text!("expected `key=value`", "cần dạng `khoá=giá trị`")));
    };
    if key.is_empty() || key.len() > MAX_KEY_BYTES || key.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(at(
            n,
            1,
            text!(
                "expected a key of at most {MAX_KEY_BYTES} bytes without spaces before `=`",
                "cần một khoá dài tối đa {MAX_KEY_BYTES} byte, không có dấu cách, trước `=`"
            ),
        ));
    }
    if key == "finish" {
        raw.complete = value == "true";
        return Ok(());
    }
    if key == "hardening_index" && value.parse::<u8>().ok().filter(|v| *v <= 100).is_none() {
        raw.bad_index = true;
        return Err(at(
            n,
            key.len() + 2,
            text!("hardening_index: expected a number from 0 to 100", "hardening_index: cần một số từ 0 đến 100"),
        ));
    }
    if !raw.values.contains_key(key) && raw.values.len() >= MAX_KEYS {
        return Err(at(n, 1, text!("more than {MAX_KEYS} distinct keys", "nhiều hơn {MAX_KEYS} khoá khác nhau")));
    }
    let values = raw.values.entry(key.to_string()).or_default();
    if values.len() >= limits.max_results_per_host {
        let max = limits.max_results_per_host;
        return Err(at(n, 1, text!("more than {max} values of `{key}`", "nhiều hơn {max} giá trị của `{key}`")));
    }
    let mut value = value.to_string();
    cap(&mut value, limits.max_text_bytes);
    values.push(value);
    Ok(())
}

impl Raw {
    fn into_report(self, limits: &Limits) -> LynisReport {
        let values = self.values;
        let last = |k: &str| values.get(k).and_then(|v| v.last()).filter(|s| !s.is_empty()).cloned();
        let list = |k: &str| values.get(k).cloned().unwrap_or_default();
        let ids = |k: &str| -> Vec<String> {
            let mut v: Vec<String> =
                last(k).map(|s| s.split('|').filter(|t| !t.is_empty()).map(String::from).collect()).unwrap_or_default();
            v.truncate(limits.max_results_per_host);
            v
        };
        let os = last("os_fullname").or_else(|| {
            let joined = format!("{} {}", last("os_name").unwrap_or_default(), last("os_version").unwrap_or_default());
            Some(joined.trim().to_string()).filter(|s| !s.is_empty())
        });
        let mut addresses = list("network_ipv4_address[]");
        addresses.extend(list("network_ipv6_address[]"));
        LynisReport {
            hostname: last("hostname"),
            domainname: last("domainname"),
            addresses,
            mac_addresses: list("network_mac_address[]"),
            hostid: last("hostid"),
            started: last("report_datetime_start"),
            ended: last("report_datetime_end"),
            lynis_version: last("lynis_version"),
            os,
            kernel: last("os_kernel_version_full"),
            hardening_index: if self.bad_index { None } else { last("hardening_index").and_then(|v| v.parse().ok()) },
            warnings: list("warning[]").iter().map(|v| finding(v)).collect(),
            suggestions: list("suggestion[]").iter().map(|v| finding(v)).collect(),
            tests_executed: ids("tests_executed"),
            tests_skipped: ids("tests_skipped"),
            facts: facts(&values),
            complete: self.complete,
            values,
        }
    }
}

/// `TEST-ID|text|details|solution|`: the id is up to the first `|`, then the last two fields
/// are taken from the right so that a `|` inside the text does not shift them.
fn finding(value: &str) -> Finding {
    let (id, rest) = value.split_once('|').unwrap_or((value, ""));
    let rest = rest.strip_suffix('|').unwrap_or(rest);
    let mut fields = rest.rsplitn(3, '|');
    let (solution, details, text) = (fields.next(), fields.next(), fields.next());
    // Fewer than three fields (older Lynis wrote `TEST|text|`): what there is, is the text.
    let (text, details, solution) = match (text, details, solution) {
        (Some(t), d, s) => (t, d, s),
        (None, Some(t), s) => (t, None, s),
        (None, None, t) => (t.unwrap_or_default(), None, None),
    };
    let none_if_dash = |s: Option<&str>| s.map(str::trim).filter(|s| !s.is_empty() && *s != "-").map(String::from);
    Finding {
        test_id: id.trim().to_string(),
        text: text.to_string(),
        details: none_if_dash(details),
        solution: none_if_dash(solution),
    }
}

fn facts(values: &BTreeMap<String, Vec<String>>) -> HostState {
    let last = |k: &str| values.get(k).and_then(|v| v.last()).map(|s| s.trim());
    let flag = |k: &str| match last(k) {
        Some("1") => Some(true),
        Some("0") => Some(false),
        _ => None,
    };
    let text = |k: &str| last(k).filter(|s| !s.is_empty()).map(String::from);
    let number = |k: &str| last(k).and_then(|s| s.parse::<i64>().ok());
    let list = |k: &str| values.get(k).cloned().unwrap_or_default();
    HostState {
        malware_scanner_installed: flag("malware_scanner_installed"),
        malware_scanners: list("malware_scanner[]"),
        firewall_installed: flag("firewall_installed"),
        firewall_active: flag("firewall_active"),
        firewall_empty_ruleset: flag("firewall_empty_ruleset"),
        firewall_software: list("firewall_software[]"),
        auditd_running: flag("linux_auditd_running"),
        audit_daemon_running: flag("audit_daemon_running"),
        audit_trail_tools: list("audit_trail_tool[]"),
        ntp_daemon: text("ntp_daemon"),
        ntp_daemon_running: flag("ntp_daemon_running"),
        ntp_config_found: flag("ntp_config_found"),
        log_rotation_tool: text("log_rotation_tool"),
        log_rotation_config_found: flag("log_rotation_config_found"),
        remote_syslog_configured: flag("remote_syslog_configured"),
        syslog_daemons: list("syslog_daemon[]"),
        unattended_upgrade_tools: list("unattended_upgrade_tool[]"),
        unattended_upgrade_option_available: flag("unattended_upgrade_option_available"),
        package_audit_tool: text("package_audit_tool"),
        ssh_daemon_running: flag("ssh_daemon_running"),
        openssh_daemon_running: flag("openssh_daemon_running"),
        auth_failed_logins_logged: flag("auth_failed_logins_logged"),
        session_timeout_enabled: flag("session_timeout_enabled"),
        password_min_days: number("password_min_days"),
        password_max_days: number("password_max_days"),
        accounts_without_password: list("account_without_password[]"),
        uid_zero_users: list("user_with_uid_zero[]"),
        pam_modules: list("pam_module[]"),
        file_integrity_tools: list("file_integrity_tool[]"),
        ids_ips_tools: list("ids_ips_tooling[]"),
        vulnerable_packages_found: flag("vulnerable_packages_found"),
        vulnerable_packages: list("vulnerable_package[]"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &[u8]) -> (Option<LynisReport>, Result<(), ImportError>) {
        let mut got = None;
        let r = read_lynis(text, &Limits::default(), &mut |rep| {
            got = Some(rep);
            Ok(())
        });
        (got, r)
    }

    const SMALL: &str = "# Lynis Report\nhostname=web01\nnetwork_ipv4_address[]=10.0.0.5\n\
        warning[]=SSH-7408|Root login allowed|PermitRootLogin|Set it to no|\n\
        suggestion[]=SSH-7408|Consider a banner|-|-|\nsuggestion[]=LYNIS|Old release|-|-|\n\
        firewall_active=1\nntp_daemon=\nhardening_index=64\n\
        tests_executed=SSH-7408|AUTH-9262|\ntests_skipped=HTTP-6622|\nfinish=true\n";

    #[test]
    fn a_small_report_is_typed_and_mapped() {
        let (rep, r) = read(SMALL.as_bytes());
        r.unwrap();
        let rep = rep.unwrap();
        assert!(rep.complete);
        assert_eq!(rep.hostname.as_deref(), Some("web01"));
        assert_eq!(rep.addresses, ["10.0.0.5"]);
        assert_eq!(rep.hardening_index, Some(64));
        let w = &rep.warnings[0];
        assert_eq!((w.test_id.as_str(), w.text.as_str()), ("SSH-7408", "Root login allowed"));
        assert_eq!((w.details.as_deref(), w.solution.as_deref()), (Some("PermitRootLogin"), Some("Set it to no")));
        assert_eq!(rep.suggestions[0].details, None);
        assert_eq!(rep.facts.firewall_active, Some(true));
        assert_eq!(rep.facts.ntp_daemon, None);
        assert_eq!(rep.facts.malware_scanner_installed, None);
        let results = rep.results();
        let results: Vec<(&str, CheckResult)> = results.iter().map(|t| (t.test_id.as_str(), t.result)).collect();
        assert_eq!(
            results,
            [
                ("SSH-7408", CheckResult::Fail),
                ("AUTH-9262", CheckResult::Pass),
                ("HTTP-6622", CheckResult::NotChecked),
                ("LYNIS", CheckResult::Informational)
            ]
        );
    }

    #[test]
    fn a_pipe_in_the_text_does_not_shift_details_and_solution() {
        let f = finding("KRNL-6000|a|b|c|-|");
        assert_eq!((f.text.as_str(), f.details.as_deref(), f.solution.as_deref()), ("a|b", Some("c"), None));
        let old = finding("TEST-1|text|");
        assert_eq!((old.test_id.as_str(), old.text.as_str(), old.details), ("TEST-1", "text", None));
    }

    #[test]
    fn truncation_delivers_what_was_read_then_says_where() {
        let cut = &SMALL.as_bytes()[..SMALL.find("hardening_index=64").unwrap() + 17];
        let (rep, r) = read(cut);
        let rep = rep.unwrap();
        assert!(!rep.complete);
        assert_eq!(rep.hardening_index, None, "a value cut by the truncation is not used");
        assert_eq!(rep.warnings.len(), 1);
        match r.unwrap_err() {
            ImportError::Malformed { line: 9, column: 18, message } => {
                assert!(message.en.contains("truncated"), "{message:?}")
            }
            e => panic!("{e:?}"),
        }
        let no_finish = SMALL.replace("finish=true\n", "");
        let (rep, r) = read(no_finish.as_bytes());
        assert!(rep.is_some());
        assert!(r.unwrap_err().to_string().starts_with("line 12, column 1: the report ends before `finish=true`"));
        // Cut just before the final newline: the report is whole.
        let (rep, r) = read(&SMALL.as_bytes()[..SMALL.len() - 1]);
        assert!(r.is_ok() && rep.unwrap().complete);
    }

    #[test]
    fn not_a_report_delivers_nothing() {
        for text in [&b"{\"data\": 1}\n"[..], b"", b"# Lynis", b"\xff\xfe# Lynis Report\n"] {
            let (rep, r) = read(text);
            assert!(rep.is_none());
            assert!(matches!(r, Err(ImportError::Malformed { line: 1, .. })), "{r:?}");
        }
    }

    #[test]
    fn damage_inside_is_positioned() {
        let (_, r) = read(b"# Lynis Report\nhostname=a\nno equals sign\nfinish=true\n");
        assert_eq!(r.unwrap_err(), at(3, 1, text!("expected `key=value`", "cần dạng `khoá=giá trị`")));
        let (_, r) = read(b"# Lynis Report\nhostname=a\xffb\nfinish=true\n");
        assert_eq!(r.unwrap_err(), at(2, 11, text!("invalid UTF-8", "không phải UTF-8 hợp lệ")));
        let (rep, r) = read(b"# Lynis Report\nhardening_index=250\nfinish=true\n");
        assert_eq!(rep.unwrap().hardening_index, None);
        assert_eq!(r.unwrap_err().to_string(), "line 2, column 17: hardening_index: expected a number from 0 to 100");
    }

    #[test]
    fn long_values_are_cut_and_lists_capped() {
        let limits = Limits { max_text_bytes: 8, max_results_per_host: 2, ..Limits::default() };
        let mut got = None;
        let text = "# Lynis Report\nhostname=abcdefghijkl\nfinish=true\n";
        read_lynis(text.as_bytes(), &limits, &mut |r| {
            got = Some(r);
            Ok(())
        })
        .unwrap();
        assert_eq!(got.unwrap().hostname.unwrap(), format!("abcdefgh{}", super::super::json::CUT_MARK));
        let text = "# Lynis Report\nx[]=1\nx[]=2\nx[]=3\nfinish=true\n";
        let r = read_lynis(text.as_bytes(), &limits, &mut |_| Ok(()));
        assert_eq!(r.unwrap_err().to_string(), "line 4, column 1: more than 2 values of `x[]`");
    }

    #[test]
    fn detection_wants_the_header_line() {
        assert!(detect(b"# Lynis Report\nreport_version_major=1"));
        assert!(detect(b"\xef\xbb\xbf# Lynis Report\r\n"));
        assert!(!detect(b"# Lynis Reports\n"));
        assert!(!detect(b"{\"data\": {}}"));
    }
}
