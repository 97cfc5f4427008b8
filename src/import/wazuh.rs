//! Importer for Wazuh's JSON: the agents list, SCA check results and vulnerabilities.
//!
//! # What it reads
//! * **Agents**, `GET /agents` of the server API: `data.affected_items[]` as [`Agent`] (id, name,
//!   `ip`, `registerIP`, `status`, `lastKeepAlive`, `dateAdd`, `version`, `os`, `node_name`,
//!   `group`…).
//! * **SCA checks**, `GET /sca/{agent}/checks/{policy}`: `data.affected_items[]` as [`ScaCheck`] (id,
//!   `policy_id`, title, rationale, remediation, `result`, the older `status`/`reason`, `condition`,
//!   `command`/`file`/… , `compliance` tags `[{key, value}]` such as `cis`, `nist_800_53`, `pci_dss`,
//!   and `rules` `[{type, rule}]`).
//! * **Vulnerabilities, 4.7 API**, `GET /vulnerability/{agent}`: `data.affected_items[]` (`cve`,
//!   package `name`/`version`/`architecture`, `severity`, `cvss2_score`, `cvss3_score`, `status`,
//!   `detection_time`, `published`, `updated`, `condition`, `external_references`; some exports add
//!   `agent_name`/`agent_ip`).
//! * **Vulnerabilities, 4.8 and later**: a search response over the `wazuh-states-vulnerabilities-*`
//!   index (`hits.hits[]._source`), whose documents follow the index template of
//!   wazuh-indexer-plugins (`ecs/states-vulnerabilities`): `agent.{id,name,host.ip}`,
//!   `host.os.{full,name,version}`, `package.{name,version,architecture,type}`,
//!   `vulnerability.{id,severity,score.{base,version},detected_at,published_at,reference,description,
//!   under_evaluation,scanner.{condition,source}}`.
//!
//! Both vulnerability shapes become one [`Vulnerability`]. The envelope's declared total
//! (`total_affected_items`, `hits.total.value`) is reported in [`Summary::declared_total`]: more than
//! the records read means the file is one page of a longer answer.
//!
//! # Host and time
//! An SCA or 4.7 vulnerability response is the answer for one agent, named only in the request's
//! URL, so the file names no host; an agents list and an SCA response name no time of observation
//! (the API adds none; `lastKeepAlive` is each agent's own freshness). [`Summary::names_host`] and
//! [`Summary::names_time`] say whether every record named its host / its time, so the caller can
//! require `--target` / `--observed-at` (see the evidence spec).
//!
//! # Mapping
//! * SCA `result`: `passed` → [`CheckResult::Pass`](super::CheckResult::Pass), `failed` → `Fail`, `not applicable` →
//!   `NotApplicable`; agents before 4.2 leave `result` empty and write `status: "Not applicable"` →
//!   `NotApplicable`; anything else → `Unknown` (never a pass).
//! * Vulnerability severity, case-insensitive: `Critical` → critical, `High` (and Red Hat's
//!   `Important`) → high, `Medium` (`Moderate`) → medium, `Low` → low, `None` → none. Any other word
//!   (`Untriaged`, `-`, empty, an unknown value) takes the band of the CVSS base score: v3 (and v4)
//!   by [`Severity::from_cvss`](super::Severity::from_cvss), v2 by its three bands (below 4 low, below 7 medium, else high);
//!   a score of 0 is how the 4.7 API writes "no score" and does not count. With neither, the
//!   record is kept with `severity: None` and [`SeverityBasis::Unknown`]. [`Vulnerability::severity_basis`]
//!   says which rule decided.
//! * Agent status: only `active` is connected ([`Agent::is_active`]).
//!
//! # Memory and safety
//! The file is read whole up to [`Limits::max_file_bytes`] (64 MiB by default: API pages are at
//! most 100 000 items), its JSON nesting is capped at [`Limits::max_depth`] before parsing, and
//! records are deserialized one at a time and handed to the callback, so memory is the file plus
//! one record. At most [`Limits::max_results_per_host`] records per file; strings longer than
//! [`Limits::max_text_bytes`] are cut and marked ([`super::json::CUT_MARK`]). Nothing in a record
//! is executed or interpreted (an SCA `command` is text).
//!
//! # Damaged files
//! Invalid JSON or UTF-8, a truncated file, a wrong shape (no `data.affected_items`, a field of the
//! wrong type, a record without the fields that make it one: `id` and `name` for an agent; `id`,
//! `title` and `result` or `status` for an SCA check; `cve` or `vulnerability.id` for a
//! vulnerability — so that one response is never read as another) is an
//! [`ImportError::Malformed`] with serde_json's line and column, after every record complete
//! before it was delivered. An API error response (`"error": 6000, "detail": …`)
//! is refused with the server's own words.

mod detect;
mod model;

use std::io::Read;

pub use detect::detect;
pub use model::{Agent, AgentOs, Compliance, ScaCheck, ScaRule, SeverityBasis, Vulnerability};

use super::json::{Envelope, EnvelopeInfo, for_each_record, read_capped};
use super::{ImportError, Limits};

/// The Wazuh files this importer reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WazuhFormat {
    /// `GET /agents`.
    Agents,
    /// `GET /sca/{agent}/checks/{policy}`.
    Sca,
    /// `GET /vulnerability/{agent}` of the 4.7 API.
    VulnsApi,
    /// `wazuh-states-vulnerabilities` index documents (4.8 and later).
    VulnsIndex,
}

impl WazuhFormat {
    /// The name `tuanthu import --from` uses (the spec's list; both vulnerability shapes are
    /// `wazuh-vulns`).
    pub fn as_str(self) -> &'static str {
        match self {
            WazuhFormat::Agents => "wazuh-agents",
            WazuhFormat::Sca => "wazuh-sca",
            WazuhFormat::VulnsApi | WazuhFormat::VulnsIndex => "wazuh-vulns",
        }
    }
}

/// What a file held besides its records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub format: WazuhFormat,
    /// Records delivered.
    pub records: usize,
    /// Records the response says match; more than `records` means a partial page.
    pub declared_total: Option<u64>,
    /// `total_failed_items` of an API response.
    pub failed_items: Option<u64>,
    /// Every record named its host (agent name, id or address); `false` for an empty file.
    pub names_host: bool,
    /// Every record carried its own time of observation; `false` for an empty file.
    pub names_time: bool,
}

impl Summary {
    fn new(format: WazuhFormat, info: EnvelopeInfo, records: usize, host: usize, time: usize) -> Summary {
        Summary {
            format,
            records,
            declared_total: info.declared_total,
            failed_items: info.failed_items,
            names_host: records > 0 && host == records,
            names_time: records > 0 && time == records,
        }
    }
}

/// Reads a `GET /agents` response, giving each agent to `on_agent`. The list names its hosts but
/// not when it was taken (`names_time` is false; each agent's `lastKeepAlive` is its own).
pub fn read_agents<R: Read>(
    input: R,
    limits: &Limits,
    on_agent: &mut dyn FnMut(Agent) -> Result<(), String>,
) -> Result<Summary, ImportError> {
    let bytes = read_capped(input, limits.max_file_bytes)?;
    let (mut n, mut host) = (0, 0);
    let info = for_each_record::<Agent>(&bytes, Envelope::Api, limits, &mut |mut agent| {
        agent.cap(limits.max_text_bytes);
        n += 1;
        host += usize::from(agent.name.is_some() || agent.ip.is_some());
        on_agent(agent)
    })?;
    Ok(Summary::new(WazuhFormat::Agents, info, n, host, 0))
}

/// Reads a `GET /sca/{agent}/checks/{policy}` response, giving each check to `on_check`. The
/// response names neither its agent nor the scan's time.
pub fn read_sca<R: Read>(
    input: R,
    limits: &Limits,
    on_check: &mut dyn FnMut(ScaCheck) -> Result<(), String>,
) -> Result<Summary, ImportError> {
    let bytes = read_capped(input, limits.max_file_bytes)?;
    let mut n = 0;
    let info = for_each_record::<ScaCheck>(&bytes, Envelope::Api, limits, &mut |mut check| {
        check.cap(limits.max_text_bytes);
        n += 1;
        on_check(check)
    })?;
    Ok(Summary::new(WazuhFormat::Sca, info, n, 0, 0))
}

/// Reads vulnerabilities in either shape (`format` is [`WazuhFormat::VulnsApi`] or
/// [`WazuhFormat::VulnsIndex`]), giving each to `on_vuln`.
pub fn read_vulnerabilities<R: Read>(
    input: R,
    format: WazuhFormat,
    limits: &Limits,
    on_vuln: &mut dyn FnMut(Vulnerability) -> Result<(), String>,
) -> Result<Summary, ImportError> {
    let bytes = read_capped(input, limits.max_file_bytes)?;
    let (mut n, mut host, mut time) = (0, 0, 0);
    let mut deliver = |v: Vulnerability| {
        n += 1;
        host += usize::from(v.names_host());
        time += usize::from(v.detected_at.is_some());
        on_vuln(v)
    };
    let max = limits.max_text_bytes;
    let info = match format {
        WazuhFormat::VulnsApi => for_each_record::<model::ApiVuln>(&bytes, Envelope::Api, limits, &mut |v| {
            deliver(v.into_vulnerability(max))
        })?,
        WazuhFormat::VulnsIndex => for_each_record::<model::IndexDoc>(&bytes, Envelope::Search, limits, &mut |d| {
            deliver(d.into_vulnerability(max))
        })?,
        WazuhFormat::Agents | WazuhFormat::Sca => {
            let format = format.as_str();
            return Err(ImportError::whole(crate::text!(
                "{format} is not a vulnerability format",
                "{format} không phải định dạng lỗ hổng"
            )));
        }
    };
    Ok(Summary::new(format, info, n, host, time))
}

#[cfg(test)]
mod tests {
    use super::model::severity;
    use super::*;
    use crate::import::{CheckResult, Severity};

    #[test]
    fn severity_words_then_scores_then_unknown() {
        assert_eq!(severity(Some("Critical"), None, None), (Some(Severity::Critical), SeverityBasis::Tool));
        assert_eq!(severity(Some(" medium "), Some(9.8), None), (Some(Severity::Medium), SeverityBasis::Tool));
        assert_eq!(severity(Some("-"), Some(9.1), None), (Some(Severity::Critical), SeverityBasis::Score));
        assert_eq!(severity(Some("Untriaged"), None, Some(7.5)), (Some(Severity::High), SeverityBasis::Score));
        assert_eq!(severity(Some("Untriaged"), None, Some(3.9)), (Some(Severity::Low), SeverityBasis::Score));
        assert_eq!(severity(Some("bogus"), None, None), (None, SeverityBasis::Unknown));
        assert_eq!(severity(None, None, None), (None, SeverityBasis::Unknown));
    }

    #[test]
    fn sca_results_map_onto_the_xccdf_scale() {
        let check = |result: Option<&str>, status: Option<&str>| ScaCheck {
            result: result.map(String::from),
            status: status.map(String::from),
            ..ScaCheck::default()
        };
        assert_eq!(check(Some("passed"), None).check_result(), CheckResult::Pass);
        assert_eq!(check(Some("failed"), None).check_result(), CheckResult::Fail);
        assert_eq!(check(Some("not applicable"), None).check_result(), CheckResult::NotApplicable);
        assert_eq!(check(Some(""), Some("Not applicable")).check_result(), CheckResult::NotApplicable);
        assert_eq!(check(None, None).check_result(), CheckResult::Unknown);
        assert_eq!(check(Some("maybe"), None).check_result(), CheckResult::Unknown);
    }

    #[test]
    fn compliance_values_are_split_on_commas() {
        let json = r#"{"data": {"affected_items": [{"id": 28500, "title": "t", "result": "failed",
            "compliance": [{"key": "cis", "value": "1.1.1"}, {"key": "pci_dss", "value": "2.2.5, 2.2.4"}],
            "rules": [{"type": "command", "rule": "c:modprobe -n -v cramfs -> r:install"}]}]}}"#;
        let mut checks = Vec::new();
        let s = read_sca(json.as_bytes(), &Limits::default(), &mut |c| {
            checks.push(c);
            Ok(())
        })
        .unwrap();
        assert_eq!((s.records, s.names_host, s.names_time), (1, false, false));
        let c = &checks[0];
        assert_eq!(c.id.as_ref().map(|i| i.0.as_str()), Some("28500"));
        assert_eq!(c.compliance_values("PCI_DSS").collect::<Vec<_>>(), ["2.2.5", "2.2.4"]);
        assert_eq!(c.rules[0].kind.as_deref(), Some("command"));
    }
}
