//! The records of the Wazuh responses, field for field as Wazuh writes them (unknown fields are
//! skipped, missing ones are `None`), and the vulnerability record both vulnerability shapes are
//! turned into.

use serde::{Deserialize, Deserializer};

use super::super::json::{Record, Scalar, cap};
use super::super::{CheckResult, Severity};
use crate::i18n::Text;

/// `null` read as the type's default (Wazuh writes `null` for empty lists in some versions).
fn null_default<'de, D: Deserializer<'de>, T: Default + Deserialize<'de>>(d: D) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// A string or a list of strings (ECS fields such as `agent.host.ip` may be either).
fn one_or_many<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match Option::<OneOrMany>::deserialize(d)? {
        None => Vec::new(),
        Some(OneOrMany::One(s)) => vec![s],
        Some(OneOrMany::Many(v)) => v,
    })
}

fn cap_opt(s: &mut Option<String>, max: usize) {
    if let Some(s) = s {
        cap(s, max);
    }
}

fn cap_all(v: &mut [String], max: usize) {
    v.iter_mut().for_each(|s| cap(s, max));
}

/// One agent of `GET /agents` (`data.affected_items[]`).
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub struct Agent {
    /// `"000"` is the manager itself.
    pub id: Option<Scalar>,
    pub name: Option<String>,
    /// The address the agent last connected from.
    pub ip: Option<String>,
    /// The address it registered with (`any` when it may connect from anywhere).
    #[serde(rename = "registerIP")]
    pub register_ip: Option<String>,
    /// `active`, `disconnected`, `pending` or `never_connected`.
    pub status: Option<String>,
    /// Last keep-alive as the server writes it (ISO 8601, UTC).
    #[serde(rename = "lastKeepAlive")]
    pub last_keepalive: Option<String>,
    #[serde(rename = "dateAdd")]
    pub date_add: Option<String>,
    /// `Wazuh v4.7.2`.
    pub version: Option<String>,
    pub os: Option<AgentOs>,
    pub node_name: Option<String>,
    pub manager: Option<String>,
    #[serde(default, deserialize_with = "null_default")]
    pub group: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub struct AgentOs {
    pub name: Option<String>,
    pub platform: Option<String>,
    pub version: Option<String>,
    pub arch: Option<String>,
    pub uname: Option<String>,
}

impl Agent {
    /// Whether the server counts the agent as connected (`status` is `active`): any other status,
    /// or none, is not.
    pub fn is_active(&self) -> bool {
        self.status.as_deref().is_some_and(|s| s.trim().eq_ignore_ascii_case("active"))
    }

    pub(super) fn cap(&mut self, max: usize) {
        for s in [&mut self.name, &mut self.ip, &mut self.register_ip, &mut self.status, &mut self.last_keepalive] {
            cap_opt(s, max);
        }
        for s in [&mut self.date_add, &mut self.version, &mut self.node_name, &mut self.manager] {
            cap_opt(s, max);
        }
        if let Some(id) = &mut self.id {
            cap(&mut id.0, max);
        }
        if let Some(os) = &mut self.os {
            for s in [&mut os.name, &mut os.platform, &mut os.version, &mut os.arch, &mut os.uname] {
                cap_opt(s, max);
            }
        }
        cap_all(&mut self.group, max);
    }
}

/// One check of `GET /sca/{agent}/checks/{policy}` (`data.affected_items[]`).
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub struct ScaCheck {
    /// A number in the API (`28500`); kept as text.
    pub id: Option<Scalar>,
    pub policy_id: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub rationale: Option<String>,
    pub remediation: Option<String>,
    /// `passed`, `failed` or `not applicable` (Wazuh 4.2 and later); empty on older agents.
    pub result: Option<String>,
    /// Older agents (before 4.2): `Not applicable` when the check could not run, with `reason`.
    pub status: Option<String>,
    pub reason: Option<String>,
    /// `all`, `any` or `none`: how the rules combine.
    pub condition: Option<String>,
    pub command: Option<String>,
    pub file: Option<String>,
    pub directory: Option<String>,
    pub process: Option<String>,
    pub registry: Option<String>,
    pub references: Option<String>,
    /// Compliance tags: `{"key": "cis", "value": "1.1.1"}`, `{"key": "nist_800_53", "value": "CM.1"}`…
    #[serde(default, deserialize_with = "null_default")]
    pub compliance: Vec<Compliance>,
    #[serde(default, deserialize_with = "null_default")]
    pub rules: Vec<ScaRule>,
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub struct Compliance {
    pub key: Option<String>,
    pub value: Option<Scalar>,
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub struct ScaRule {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub rule: Option<String>,
}

impl ScaCheck {
    /// `passed` → pass, `failed` → fail, `not applicable` → notapplicable; an empty or missing
    /// `result` with `status` `Not applicable` (agents before 4.2) → notapplicable; anything else
    /// → unknown (never a pass).
    pub fn check_result(&self) -> CheckResult {
        let norm = |s: &Option<String>| s.as_deref().map(|s| s.trim().to_ascii_lowercase()).unwrap_or_default();
        match norm(&self.result).as_str() {
            "passed" => CheckResult::Pass,
            "failed" => CheckResult::Fail,
            "not applicable" => CheckResult::NotApplicable,
            "" if norm(&self.status) == "not applicable" => CheckResult::NotApplicable,
            _ => CheckResult::Unknown,
        }
    }

    /// The values of the compliance tags named `key` (`cis`, `pci_dss`, `nist_800_53`…); a tag's
    /// value may list several, comma-separated, as Wazuh's policies write them.
    pub fn compliance_values<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.compliance
            .iter()
            .filter(move |c| c.key.as_deref().is_some_and(|k| k.eq_ignore_ascii_case(key)))
            .filter_map(|c| c.value.as_ref())
            .flat_map(|v| v.0.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
    }

    pub(super) fn cap(&mut self, max: usize) {
        for s in
            [&mut self.policy_id, &mut self.title, &mut self.description, &mut self.rationale, &mut self.remediation]
        {
            cap_opt(s, max);
        }
        for s in [&mut self.result, &mut self.status, &mut self.reason, &mut self.condition, &mut self.command] {
            cap_opt(s, max);
        }
        for s in [&mut self.file, &mut self.directory, &mut self.process, &mut self.registry, &mut self.references] {
            cap_opt(s, max);
        }
        if let Some(id) = &mut self.id {
            cap(&mut id.0, max);
        }
        for c in &mut self.compliance {
            cap_opt(&mut c.key, max);
            if let Some(v) = &mut c.value {
                cap(&mut v.0, max);
            }
        }
        for r in &mut self.rules {
            cap_opt(&mut r.kind, max);
            cap_opt(&mut r.rule, max);
        }
    }
}

/// One item of the 4.7 API `GET /vulnerability/{agent}` (`data.affected_items[]`).
#[derive(Debug, Clone, Default, Deserialize)]
pub(super) struct ApiVuln {
    cve: Option<String>,
    name: Option<String>,
    version: Option<String>,
    architecture: Option<String>,
    severity: Option<String>,
    cvss2_score: Option<Scalar>,
    cvss3_score: Option<Scalar>,
    status: Option<String>,
    title: Option<String>,
    condition: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    detection_time: Option<String>,
    published: Option<String>,
    updated: Option<String>,
    #[serde(default, deserialize_with = "null_default")]
    external_references: Vec<String>,
    /// Present only when the export added the agent (the 4.7 API answers for one agent).
    agent_id: Option<Scalar>,
    agent_name: Option<String>,
    agent_ip: Option<String>,
}

/// One `_source` document of the `wazuh-states-vulnerabilities` index (Wazuh 4.8 and later; ECS
/// field sets `agent`, `host.os`, `package`, `vulnerability`, as in the index template).
#[derive(Debug, Clone, Default, Deserialize)]
pub(super) struct IndexDoc {
    #[serde(default)]
    agent: IndexAgent,
    #[serde(default)]
    host: IndexHost,
    #[serde(default)]
    package: IndexPackage,
    #[serde(default)]
    vulnerability: IndexVulnerability,
}

#[derive(Debug, Clone, Default, Deserialize)]
struct IndexAgent {
    id: Option<Scalar>,
    name: Option<String>,
    host: Option<IndexAgentHost>,
}

#[derive(Debug, Clone, Default, Deserialize)]
struct IndexAgentHost {
    #[serde(default, deserialize_with = "one_or_many")]
    ip: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
struct IndexHost {
    os: Option<IndexOs>,
}

#[derive(Debug, Clone, Default, Deserialize)]
struct IndexOs {
    full: Option<String>,
    name: Option<String>,
    version: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
struct IndexPackage {
    name: Option<String>,
    version: Option<String>,
    architecture: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
struct IndexVulnerability {
    id: Option<String>,
    severity: Option<String>,
    score: Option<IndexScore>,
    detected_at: Option<String>,
    published_at: Option<String>,
    reference: Option<String>,
    description: Option<String>,
    under_evaluation: Option<bool>,
    scanner: Option<IndexScanner>,
}

#[derive(Debug, Clone, Default, Deserialize)]
struct IndexScore {
    base: Option<Scalar>,
    version: Option<Scalar>,
}

#[derive(Debug, Clone, Default, Deserialize)]
struct IndexScanner {
    condition: Option<String>,
    source: Option<String>,
}

/// Where a vulnerability's [`Severity`] came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SeverityBasis {
    /// Wazuh's own severity name.
    Tool,
    /// Wazuh named none (`-`, `Untriaged`, empty, unknown word): the CVSS base score's band.
    Score,
    /// Neither: the severity is unknown (`severity` is `None`); the record is kept.
    Unknown,
}

/// A package vulnerability on one agent, from either the 4.7 API or the 4.8+ index.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Vulnerability {
    /// CVE id (`cve` in 4.7, `vulnerability.id` in 4.8+).
    pub cve: String,
    pub title: Option<String>,
    pub description: Option<String>,
    pub package: Option<String>,
    pub package_version: Option<String>,
    pub architecture: Option<String>,
    pub package_type: Option<String>,
    /// Wazuh's own severity word, as written (`Critical`, `High`, `Medium`, `Low`, `Untriaged`, `-`…).
    pub severity_text: Option<String>,
    pub severity: Option<Severity>,
    pub severity_basis: Option<SeverityBasis>,
    /// CVSS v3 base score (4.7 `cvss3_score`; 4.8+ `score.base` when `score.version` is 3.x or 4.x).
    pub cvss3: Option<f64>,
    /// CVSS v2 base score (4.7 `cvss2_score`; 4.8+ `score.base` when `score.version` is 2.x).
    pub cvss2: Option<f64>,
    /// 4.7 `status` (`VALID`, `PENDING`, `OBSOLETE`); 4.8+ has none (the index holds open findings).
    pub status: Option<String>,
    /// The matched condition (`Package less than 2`, `Package unfixed`…).
    pub condition: Option<String>,
    /// When Wazuh first detected it on the agent (`detection_time`, `detected_at`).
    pub detected_at: Option<String>,
    pub published: Option<String>,
    pub updated: Option<String>,
    pub references: Vec<String>,
    /// 4.8+: the NVD has not analysed it yet.
    pub under_evaluation: Option<bool>,
    /// 4.8+ `vulnerability.scanner.source` (the feed).
    pub source: Option<String>,
    pub agent_id: Option<String>,
    pub agent_name: Option<String>,
    pub agent_addresses: Vec<String>,
    /// 4.8+ `host.os.full` (or name and version).
    pub os: Option<String>,
}

impl Vulnerability {
    /// Whether the record names its host (an agent name, id or address).
    pub fn names_host(&self) -> bool {
        self.agent_name.is_some() || self.agent_id.is_some() || !self.agent_addresses.is_empty()
    }

    fn cap(&mut self, max: usize) {
        cap(&mut self.cve, max);
        for s in [&mut self.title, &mut self.description, &mut self.package, &mut self.package_version] {
            cap_opt(s, max);
        }
        for s in [&mut self.architecture, &mut self.package_type, &mut self.severity_text, &mut self.status] {
            cap_opt(s, max);
        }
        for s in [&mut self.condition, &mut self.detected_at, &mut self.published, &mut self.updated] {
            cap_opt(s, max);
        }
        for s in [&mut self.source, &mut self.agent_id, &mut self.agent_name, &mut self.os] {
            cap_opt(s, max);
        }
        cap_all(&mut self.references, max);
        cap_all(&mut self.agent_addresses, max);
    }
}

/// A score Wazuh wrote: a number in 0–10; 0 is how the 4.7 API writes "no score", so it counts as
/// none.
fn score(s: &Option<Scalar>) -> Option<f64> {
    s.as_ref().and_then(Scalar::number).filter(|n| *n > 0.0 && *n <= 10.0)
}

/// Wazuh's severity word, or failing that the scores' bands (v3 first, then v2), or unknown.
pub(super) fn severity(
    text: Option<&str>,
    cvss3: Option<f64>,
    cvss2: Option<f64>,
) -> (Option<Severity>, SeverityBasis) {
    let named = match text.map(|t| t.trim().to_ascii_lowercase()).as_deref() {
        Some("critical") => Some(Severity::Critical),
        Some("high" | "important") => Some(Severity::High),
        Some("medium" | "moderate") => Some(Severity::Medium),
        Some("low") => Some(Severity::Low),
        Some("none") => Some(Severity::None),
        _ => None,
    };
    if let Some(s) = named {
        return (Some(s), SeverityBasis::Tool);
    }
    if let Some(s) = cvss3.and_then(Severity::from_cvss) {
        return (Some(s), SeverityBasis::Score);
    }
    // CVSS v2 has three bands: low below 4.0, medium below 7.0, high from 7.0.
    if let Some(v2) = cvss2 {
        let s = if v2 < 4.0 {
            Severity::Low
        } else if v2 < 7.0 {
            Severity::Medium
        } else {
            Severity::High
        };
        return (Some(s), SeverityBasis::Score);
    }
    (None, SeverityBasis::Unknown)
}

impl ApiVuln {
    pub(super) fn into_vulnerability(self, max: usize) -> Vulnerability {
        let (cvss3, cvss2) = (score(&self.cvss3_score), score(&self.cvss2_score));
        let (sev, basis) = severity(self.severity.as_deref(), cvss3, cvss2);
        let mut v = Vulnerability {
            cve: self.cve.unwrap_or_default(),
            title: self.title,
            package: self.name,
            package_version: self.version,
            architecture: self.architecture,
            package_type: self.kind,
            severity_text: self.severity,
            severity: sev,
            severity_basis: Some(basis),
            cvss3,
            cvss2,
            status: self.status,
            condition: self.condition,
            detected_at: self.detection_time,
            published: self.published,
            updated: self.updated,
            references: self.external_references,
            agent_id: self.agent_id.map(|s| s.0),
            agent_name: self.agent_name,
            agent_addresses: self.agent_ip.into_iter().collect(),
            ..Vulnerability::default()
        };
        v.cap(max);
        v
    }
}

impl IndexDoc {
    pub(super) fn into_vulnerability(self, max: usize) -> Vulnerability {
        let vuln = self.vulnerability;
        let (base, version) = vuln.score.map(|s| (score(&s.base), s.version.map(|v| v.0))).unwrap_or_default();
        // The index keeps one base score with its CVSS version; no version is read as v3, the
        // version Wazuh's feed uses by default.
        let is_v2 = version.as_deref().is_some_and(|v| v.trim().starts_with('2'));
        let (cvss3, cvss2) = if is_v2 { (None, base) } else { (base, None) };
        let (sev, basis) = severity(vuln.severity.as_deref(), cvss3, cvss2);
        let os = self.host.os.and_then(|os| {
            os.full.or_else(|| os.name.map(|n| format!("{n} {}", os.version.unwrap_or_default()).trim().to_string()))
        });
        // `reference` is one comma-separated string in the index.
        let references = vuln
            .reference
            .iter()
            .flat_map(|r| r.split(", "))
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(String::from)
            .collect();
        let mut v = Vulnerability {
            cve: vuln.id.unwrap_or_default(),
            description: vuln.description,
            package: self.package.name,
            package_version: self.package.version,
            architecture: self.package.architecture,
            package_type: self.package.kind,
            severity_text: vuln.severity,
            severity: sev,
            severity_basis: Some(basis),
            cvss3,
            cvss2,
            condition: vuln.scanner.as_ref().and_then(|s| s.condition.clone()),
            source: vuln.scanner.and_then(|s| s.source),
            detected_at: vuln.detected_at,
            published: vuln.published_at,
            references,
            under_evaluation: vuln.under_evaluation,
            agent_id: self.agent.id.map(|s| s.0),
            agent_name: self.agent.name,
            agent_addresses: self.agent.host.map(|h| h.ip).unwrap_or_default(),
            os,
            ..Vulnerability::default()
        };
        v.cap(max);
        v
    }
}

/// `Err` naming the first of `fields` that is `None`, as "no `field`: not KIND" (`kind` in English
/// and Vietnamese).
fn require(fields: &[(&str, bool)], kind: (&str, &str)) -> Result<(), Text> {
    let (kind_en, kind_vi) = kind;
    match fields.iter().find(|(_, present)| !present) {
        Some((name, _)) => Err(crate::text!("no `{name}`: not {kind_en}", "không có `{name}`: không phải {kind_vi}")),
        None => Ok(()),
    }
}

impl Record for Agent {
    fn check(&self) -> Result<(), Text> {
        let fields = [("id", self.id.is_some()), ("name", self.name.is_some())];
        require(&fields, ("an agent of GET /agents", "một tác tử của GET /agents"))
    }
}

impl Record for ScaCheck {
    fn check(&self) -> Result<(), Text> {
        let result = self.result.is_some() || self.status.is_some();
        let fields = [("id", self.id.is_some()), ("title", self.title.is_some()), ("result", result)];
        let kind = (
            "an SCA check of GET /sca/{agent}/checks/{policy}",
            "một mục kiểm tra SCA của GET /sca/{agent}/checks/{policy}",
        );
        require(&fields, kind)
    }
}

impl Record for ApiVuln {
    fn check(&self) -> Result<(), Text> {
        require(&[("cve", self.cve.is_some())], ("a vulnerability of the 4.7 API", "một lỗ hổng của API 4.7"))
    }
}

impl Record for IndexDoc {
    fn check(&self) -> Result<(), Text> {
        let kind = ("a wazuh-states-vulnerabilities document", "một tài liệu wazuh-states-vulnerabilities");
        require(&[("vulnerability.id", self.vulnerability.id.is_some())], kind)
    }
}
