//! `host-audit` records: the result of a configuration audit of one host (OpenSCAP and CIS-CAT
//! XCCDF/ARF, Lynis, Wazuh SCA), check by check, on XCCDF's result scale.

use super::{CheckResult, Severity};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The facts of one host audit.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HostAuditFacts {
    /// The benchmark or policy audited against (XCCDF benchmark id, Wazuh SCA policy id, `lynis`).
    pub benchmark: Option<String>,
    /// The benchmark's profile, when it has one.
    pub profile: Option<String>,
    /// Every check evaluated, in the tool's order.
    pub results: Vec<Check>,
    /// Results per value, as the tool counted them (equal to `results` unless the import capped it).
    pub counts: Counts,
    /// The tool's overall score (XCCDF score, Lynis hardening index), on its own scale.
    #[serde(default)]
    pub score: Option<f64>,
    /// The host's security services as the tool saw them (Lynis).
    #[serde(default)]
    pub state: Option<HostState>,
    /// Facts a newer import keeps that this version has no name for.
    #[serde(default, skip_serializing_if = "super::Extra::is_empty")]
    pub extra: super::Extra,
}

/// One evaluated check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Check {
    /// The tool's id of the check: XCCDF rule id, Lynis test id (`SSH-7408`), Wazuh SCA check id.
    pub check: String,
    pub result: CheckResult,
    #[serde(default)]
    pub severity: Option<Severity>,
    #[serde(default)]
    pub title: String,
    /// Requirements the check is traced to, by source: `nist` (800-53), `cis`, `cce`, `anssi`,
    /// `pci_dss`, … as the benchmark or policy states them.
    #[serde(default, skip_serializing_if = "no_references")]
    pub references: References,
}

/// A check's references. Shared: every host audited against a benchmark has the same ones for a
/// rule, and an ARF of 10 000 hosts × 300 rules would otherwise copy them three million times.
pub type References = Arc<BTreeMap<String, Vec<String>>>;

fn no_references(r: &References) -> bool {
    r.is_empty()
}

/// How many checks ended in each result.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Counts {
    pub pass: u64,
    pub fail: u64,
    pub notapplicable: u64,
    pub notchecked: u64,
    pub error: u64,
    pub unknown: u64,
    pub informational: u64,
}

impl Counts {
    pub fn of<'a>(results: impl IntoIterator<Item = &'a Check>) -> Counts {
        let mut c = Counts::default();
        for r in results {
            c.add(r.result);
        }
        c
    }

    pub fn add(&mut self, r: CheckResult) {
        let n = match r {
            CheckResult::Pass => &mut self.pass,
            CheckResult::Fail => &mut self.fail,
            CheckResult::NotApplicable => &mut self.notapplicable,
            CheckResult::NotChecked => &mut self.notchecked,
            CheckResult::Error => &mut self.error,
            CheckResult::Unknown => &mut self.unknown,
            CheckResult::Informational => &mut self.informational,
        };
        *n += 1;
    }
}

/// What the audit tool saw of the host's security services (Lynis reports them; see
/// `import::lynis` for the keys each is read from). `None` or empty: the tool did not say.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct HostState {
    pub malware_scanner_installed: Option<bool>,
    pub malware_scanners: Vec<String>,
    pub firewall_installed: Option<bool>,
    pub firewall_active: Option<bool>,
    pub firewall_empty_ruleset: Option<bool>,
    pub firewall_software: Vec<String>,
    /// `linux_auditd_running`.
    pub auditd_running: Option<bool>,
    /// `audit_daemon_running` (any audit daemon, all platforms).
    pub audit_daemon_running: Option<bool>,
    pub audit_trail_tools: Vec<String>,
    /// The time daemon Lynis found (`systemd-timesyncd`, `chronyd`, `ntpd`…); `None` when empty.
    pub ntp_daemon: Option<String>,
    pub ntp_daemon_running: Option<bool>,
    pub ntp_config_found: Option<bool>,
    pub log_rotation_tool: Option<String>,
    pub log_rotation_config_found: Option<bool>,
    pub remote_syslog_configured: Option<bool>,
    pub syslog_daemons: Vec<String>,
    pub unattended_upgrade_tools: Vec<String>,
    pub unattended_upgrade_option_available: Option<bool>,
    pub package_audit_tool: Option<String>,
    pub ssh_daemon_running: Option<bool>,
    pub openssh_daemon_running: Option<bool>,
    pub auth_failed_logins_logged: Option<bool>,
    pub session_timeout_enabled: Option<bool>,
    /// `-1` when not set in `/etc/login.defs`, as Lynis writes it.
    pub password_min_days: Option<i64>,
    pub password_max_days: Option<i64>,
    pub accounts_without_password: Vec<String>,
    pub uid_zero_users: Vec<String>,
    pub pam_modules: Vec<String>,
    pub file_integrity_tools: Vec<String>,
    pub ids_ips_tools: Vec<String>,
    pub vulnerable_packages_found: Option<bool>,
    pub vulnerable_packages: Vec<String>,
}
