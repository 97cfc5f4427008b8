//! Other tools' result files as evidence records: one `host-audit`, `vulnerabilities` or `agent`
//! record per host the file describes, in the evidence contract ([`crate::evidence`]).
//!
//! Each record names the file and format it came from (`source`) and keeps the tool's own time
//! (when the audit or scan ran), never the import time. Times the tools write without an offset
//! (XCCDF, Lynis, Nessus's `HOST_END`) are the audited machine's local time; they are read as UTC,
//! which moves them by at most a few hours — a day's granularity is what evidence ages are judged
//! at. `--observed-at` replaces them.
//!
//! XCCDF rule results of rules the profile did not select (`notselected`) are left out: they were
//! not part of the audit.
//!
//! A file is read to its end or to its damage: the records complete before a damage are kept and
//! the input is marked partial with the position, as for evidence files.

use super::format::Format;
use super::{ImportError, Limits};
use crate::evidence::file::{EvidenceInput, Tool};
use crate::evidence::{
    AgentFacts, Check, Counts, Facts, HostAuditFacts, Record, References, SeverityCounts, Source, Vulnerability,
    VulnerabilityFacts,
};
use crate::i18n::Text;
use crate::text;
use std::collections::{BTreeMap, HashMap};
use std::io::BufReader;
use std::net::IpAddr;
use std::path::Path;
use time::OffsetDateTime;

/// What the user said about a file that the file does not say itself.
#[derive(Debug, Clone, Default)]
pub struct Hints {
    /// The host the file is about (`--target`), for formats that do not name it.
    pub target: Option<String>,
    /// When the tool ran (`--observed-at`, RFC 3339), for formats that do not say.
    pub observed_at: Option<OffsetDateTime>,
}

/// Reads `path` as `format` into evidence records. Never fails: what could not be read is in the
/// input's `fatal` or `problems`, like [`crate::evidence::file::read`].
pub fn read(path: &Path, format: Format, hints: &Hints, limits: &Limits) -> EvidenceInput {
    if format == Format::Evidence {
        return crate::evidence::file::read(path);
    }
    let mut records = Vec::new();
    let mut input = read_into(path, format, hints, limits, &mut |r| {
        records.push(r);
        Ok(())
    });
    input.records = records;
    input
}

/// Reads `path` as `format`, handing each record to `sink` as soon as it is complete (so that
/// `tuanthu import` writes a large file in bounded memory). The returned input has no records:
/// only what was learnt about the file (tool, problems, warnings, partial, fatal) and in `counted`
/// how many records went to the sink. A sink error stops the reading and is the input's `fatal`.
pub fn read_into(
    path: &Path,
    format: Format,
    hints: &Hints,
    limits: &Limits,
    sink: &mut dyn FnMut(Record) -> Result<(), String>,
) -> EvidenceInput {
    let mut input = EvidenceInput { file: path.display().to_string(), ..Default::default() };
    let source = Source { file: input.file.clone(), format: format.as_str().to_string(), tool: None };
    let mut out = Out { input: &mut input, source, hints, sink, sent: 0 };
    let outcome = match crate::files::open(path) {
        Err(e) => {
            let (en, vi) = (e.to_string(), e.text().vi);
            Err(ImportError::whole(text!("read error: {en}", "lỗi đọc tệp: {vi}")))
        }
        Ok(file) => {
            let reader = BufReader::with_capacity(256 << 10, file);
            match format {
                Format::Xccdf | Format::Arf => xccdf(reader, limits, &mut out),
                Format::Lynis => lynis(reader, limits, &mut out),
                Format::Openvas => openvas(reader, limits, &mut out),
                Format::Nessus => nessus(reader, limits, &mut out),
                Format::WazuhAgents => wazuh_agents(reader, limits, &mut out),
                Format::WazuhSca => wazuh_sca(reader, limits, &mut out),
                Format::WazuhVulns => wazuh_vulns(reader, limits, &mut out),
                Format::SshAudit => ssh_audit(reader, limits, &mut out),
                Format::Evidence | Format::Nmap => Err(ImportError::whole(text!(
                    "{format} files are not converted into records",
                    "tệp {format} không được chuyển thành bản ghi"
                ))),
            }
        }
    };
    let sent = out.sent;
    match outcome {
        Ok(()) => {}
        Err(ImportError::Callback(e)) => input.fatal = Some(Text::new(e.clone(), e)),
        Err(e) if sent == 0 => input.fatal = Some(e.text()),
        Err(e) => {
            input.partial = true;
            input.problems.push(records_before(&e.text()));
        }
    }
    input.counted = sent;
    input
}

/// `why; the records before it are used`.
fn records_before(why: &Text) -> Text {
    let (en, vi) = (&why.en, &why.vi);
    text!("{en}; the records before it are used", "{vi}; các bản ghi trước chỗ đó được dùng")
}

/// Where converted records go, with what every record shares.
struct Out<'a> {
    input: &'a mut EvidenceInput,
    source: Source,
    hints: &'a Hints,
    sink: &'a mut dyn FnMut(Record) -> Result<(), String>,
    /// Records handed to the sink.
    sent: usize,
}

impl Out<'_> {
    /// Adds a record about one host: its target is the first of `names` that is set, else the first
    /// address (or `--target`, which always wins); `at` is the tool's time of it.
    fn host(&mut self, facts: Facts, host: Host, at: Option<&str>) -> Result<(), String> {
        let Some(target) = self
            .hints
            .target
            .clone()
            .or_else(|| host.names.first().cloned())
            .or_else(|| host.addresses.first().cloned())
        else {
            let kind = facts.kind();
            self.input.problems.push(text!(
                "the {kind} results name no host, so they were not kept: convert the file with `tuanthu import FILE --target HOST -o evidence.jsonl`",
                "các kết quả {kind} không nêu máy nào, nên không được giữ: hãy chuyển tệp bằng `tuanthu import TỆP --target MÁY -o evidence.jsonl`"
            ));
            self.input.partial = true;
            return Ok(());
        };
        let mut rec = Record::measured(target, facts);
        rec.addresses = host.addresses;
        rec.hostnames = host.names;
        rec.observed_at = self.observed(at);
        self.send(rec)
    }

    /// Hands a record to the sink, with its source and position.
    fn send(&mut self, mut rec: Record) -> Result<(), String> {
        rec.source = Some(self.source.clone());
        self.sent += 1;
        rec.position = format!("record {}", self.sent);
        (self.sink)(rec)
    }

    fn observed(&self, at: Option<&str>) -> Option<String> {
        let t = self.hints.observed_at.or_else(|| at.and_then(tool_time))?;
        Some(crate::dates::rfc3339(t))
    }

    fn tool(&mut self, name: &str, version: Option<&str>) {
        let version = version.unwrap_or_default().to_string();
        self.source.tool = Some(format!("{name} {version}").trim().to_string());
        self.input.tool = Some(Tool { name: name.into(), version });
    }
}

/// A host as a file names it.
#[derive(Debug, Clone, Default)]
struct Host {
    names: Vec<String>,
    addresses: Vec<String>,
}

impl Host {
    /// Sorts `words` into addresses and names, dropping empty ones and duplicates.
    fn of<'a>(words: impl IntoIterator<Item = &'a str>) -> Host {
        let mut h = Host::default();
        for w in words.into_iter().map(str::trim).filter(|w| !w.is_empty() && *w != "any") {
            let list = if w.parse::<IpAddr>().is_ok() { &mut h.addresses } else { &mut h.names };
            if !list.iter().any(|x| x == w) {
                list.push(w.to_string());
            }
        }
        h
    }
}

/// A tool's timestamp as UTC: RFC 3339, `YYYY-MM-DD[T ]HH:MM:SS[.frac]` without offset, or the C
/// library's `Tue Jun 25 10:39:42 2013`.
pub fn tool_time(s: &str) -> Option<OffsetDateTime> {
    use time::format_description::well_known::Rfc3339;
    let s = s.trim();
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Some(t);
    }
    let naive = s.replacen(' ', "T", 1);
    let naive = naive.split('.').next().unwrap_or_default();
    if let Ok(t) = OffsetDateTime::parse(&format!("{naive}Z"), &Rfc3339) {
        return Some(t);
    }
    let ctime = time::macros::format_description!(
        "[weekday repr:short] [month repr:short] [day padding:none] [hour]:[minute]:[second] [year]"
    );
    let squeezed = s.split_whitespace().collect::<Vec<_>>().join(" ");
    time::PrimitiveDateTime::parse(&squeezed, ctime).ok().map(time::PrimitiveDateTime::assume_utc)
}

/// Groups a benchmark rule's references by a short source name rules can match on: `nist`
/// (SP 800-53), `cis`, `anssi`, `pcidss`, `cci` (DISA), `iso27001`, `hipaa`, `ospp`, `cui`, `stig`;
/// any other source keeps its `href`. CCE and other idents go under their system's short name.
fn source_name(href: &str) -> String {
    let h = href.to_ascii_lowercase();
    let known = [
        ("800-53", "nist"),
        ("cisecurity", "cis"),
        ("ssi.gouv.fr", "anssi"),
        ("pcisecuritystandards", "pcidss"),
        ("cci", "cci"),
        ("iso", "iso27001"),
        ("hhs.gov", "hipaa"),
        ("niap-ccevs", "ospp"),
        ("800-171", "cui"),
        ("stig", "stig"),
        ("cce", "cce"),
        ("cve", "cve"),
    ];
    known.iter().find(|(k, _)| h.contains(k)).map_or_else(|| href.to_string(), |(_, v)| (*v).to_string())
}

/// The tool an XCCDF `test-system` CPE names: `cpe:/a:redhat:openscap:1.3.7` → OpenSCAP 1.3.7.
fn xccdf_tool(test_system: Option<&str>) -> (String, Option<String>) {
    let Some(cpe) = test_system else { return ("XCCDF".into(), None) };
    let parts: Vec<&str> = cpe.trim_start_matches("cpe:/").trim_start_matches("cpe:2.3:").split(':').collect();
    match parts.as_slice() {
        [_, _, product, version, ..] if product.eq_ignore_ascii_case("openscap") => {
            ("OpenSCAP".into(), Some((*version).to_string()))
        }
        [_, vendor, product, version, ..] => (format!("{vendor} {product}"), Some((*version).to_string())),
        _ => (cpe.to_string(), None),
    }
}

fn xccdf(reader: impl std::io::BufRead, limits: &Limits, out: &mut Out) -> Result<(), ImportError> {
    out.tool("XCCDF", None);
    // A rule's references, grouped once and shared by every host's check of it.
    let mut refs_cache: HashMap<String, References> = HashMap::new();
    let run = super::xccdf::read_xccdf(reader, limits, |bench, mut tr| {
        let rule_refs = |id: &str, cache: &mut HashMap<String, References>| {
            if let Some(refs) = cache.get(id) {
                return refs.clone();
            }
            let mut m: BTreeMap<String, Vec<String>> = BTreeMap::new();
            if let Some(info) = bench.rules.get(id) {
                for r in &info.references {
                    m.entry(source_name(&r.source)).or_default().extend(r.ids.iter().cloned());
                }
                for i in &info.idents {
                    m.entry(source_name(&i.system)).or_default().push(i.id.clone());
                }
            }
            cache.entry(id.to_string()).or_insert_with(|| References::new(m)).clone()
        };
        // `notselected`: the rule was not part of the profile evaluated, so it is no result of the
        // audit at all (a profile leaves most of a benchmark's rules out).
        let results: Vec<Check> = std::mem::take(&mut tr.rule_results)
            .into_iter()
            .filter(|rr| rr.tool_result != "notselected")
            .map(|rr| {
                let info = bench.rules.get(&rr.idref);
                Check {
                    result: rr.result,
                    severity: rr.severity.or(info.and_then(|i| i.severity)),
                    title: info.map(|i| i.title.clone()).unwrap_or_default(),
                    references: rule_refs(&rr.idref, &mut refs_cache),
                    check: rr.idref,
                }
            })
            .collect();
        let (tool, version) = xccdf_tool(tr.test_system.as_deref());
        out.tool(&tool, version.as_deref());
        let host = Host::of(tr.target.iter().map(String::as_str).chain(tr.target_addresses.iter().map(String::as_str)));
        let at = tr.end_time.clone().or_else(|| tr.start_time.clone());
        let facts = HostAuditFacts {
            benchmark: tr.benchmark.clone().or_else(|| bench.ids.first().cloned()),
            profile: tr.profile.clone(),
            counts: Counts::of(&results),
            results,
            score: tr.score,
            state: None,
            extra: Default::default(),
        };
        let patch = (!tr.findings.is_empty()).then(|| {
            let findings: Vec<Vulnerability> = tr
                .findings
                .iter()
                .map(|f| Vulnerability {
                    id: f.advisory.clone(),
                    name: f.title.clone(),
                    port: None,
                    severity: f.severity,
                    cvss: None,
                    cves: f.cves.clone(),
                    first_seen: None,
                    solution: Some(format!("apply {}", f.advisory)),
                })
                .collect();
            VulnerabilityFacts { counts: SeverityCounts::of(&findings), findings, extra: Default::default() }
        });
        let again = host.clone();
        out.host(Facts::HostAudit(Box::new(facts)), host, at.as_deref())?;
        if let Some(v) = patch {
            out.host(Facts::Vulnerabilities(Box::new(v)), again, at.as_deref())?;
        }
        Ok(())
    })?;
    if let Some(f) = run.format {
        out.source.format = f.as_str().to_string();
    }
    if run.test_results == 0 {
        out.input.warnings.push(text!(
            "the file holds no TestResult: it is a benchmark, not a result",
            "tệp không có TestResult: đây là bộ tiêu chuẩn, không phải kết quả"
        ));
    }
    Ok(())
}

fn lynis(reader: impl std::io::Read, limits: &Limits, out: &mut Out) -> Result<(), ImportError> {
    let mut report = None;
    // A damaged report still delivers what was read before the damage, then the error.
    let outcome = super::lynis::read_lynis(reader, limits, &mut |r| {
        report = Some(r);
        Ok(())
    });
    if let Some(r) = report {
        lynis_record(r, out)?;
    }
    outcome
}

fn lynis_record(r: super::lynis::LynisReport, out: &mut Out) -> Result<(), ImportError> {
    out.tool("Lynis", r.lynis_version.as_deref());
    let texts: HashMap<&str, &str> =
        r.warnings.iter().chain(&r.suggestions).map(|f| (f.test_id.as_str(), f.text.as_str())).collect();
    let results: Vec<Check> = r
        .results()
        .into_iter()
        .map(|t| Check {
            title: texts.get(t.test_id.as_str()).copied().unwrap_or_default().to_string(),
            check: t.test_id,
            result: t.result,
            severity: None,
            references: References::default(),
        })
        .collect();
    let fqdn = r.hostname.as_deref().zip(r.domainname.as_deref()).map(|(h, d)| format!("{h}.{d}"));
    let names = r.hostname.iter().map(String::as_str).chain(fqdn.as_deref());
    let host = Host::of(names.chain(r.addresses.iter().map(String::as_str)));
    let facts = HostAuditFacts {
        benchmark: Some("lynis".into()),
        profile: None,
        counts: Counts::of(&results),
        results,
        score: r.hardening_index.map(f64::from),
        state: Some(r.facts.clone()),
        extra: Default::default(),
    };
    if !r.complete {
        out.input.partial = true;
        out.input.problems.push(text!(
            "the report has no `finish=true`: Lynis did not complete the audit",
            "báo cáo không có `finish=true`: Lynis chưa hoàn tất việc kiểm tra"
        ));
    }
    out.host(Facts::HostAudit(Box::new(facts)), host, r.observed_at()).map_err(ImportError::Callback)
}

fn openvas(reader: impl std::io::BufRead, limits: &Limits, out: &mut Out) -> Result<(), ImportError> {
    out.tool("Greenbone", None);
    let mut by_host: BTreeMap<String, (Option<String>, Vec<Vulnerability>)> = BTreeMap::new();
    let outcome = super::openvas::read_openvas(reader, limits, |r| {
        let entry = by_host.entry(r.host.clone()).or_default();
        entry.0 = entry.0.take().or(r.hostname.clone());
        // Log-level results (severity 0, "Log") are information, not vulnerabilities.
        if r.severity.is_some_and(|s| s > crate::evidence::Severity::None) {
            entry.1.push(Vulnerability {
                id: r.nvt_oid.clone().or(r.id.clone()).unwrap_or_default(),
                name: r.name,
                port: r.port,
                severity: r.severity,
                cvss: r.cvss_base.or(r.severity_score),
                cves: r.cves,
                first_seen: None,
                solution: r.solution,
            });
        }
        Ok(())
    });
    let report = match outcome {
        Ok(report) => Some(report),
        Err(e) if by_host.is_empty() => return Err(e),
        Err(e) => {
            out.input.partial = true;
            let (en, vi) = (e.text().en, e.text().vi);
            out.input
                .problems
                .push(text!("{en}; the hosts before it are used", "{vi}; các máy trước chỗ đó được dùng"));
            None
        }
    };
    let hosts = report.as_ref().map(|r| r.hosts.clone()).unwrap_or_default();
    let scan_end = report.as_ref().and_then(|r| r.scan_end.clone().or(r.scan_start.clone()));
    // Every scanned host gets a record, also those with nothing found: a clean scan is evidence.
    for h in &hosts {
        by_host.entry(h.address.clone()).or_default();
    }
    for (address, (name, findings)) in by_host {
        let h = hosts.iter().find(|h| h.address == address);
        let at = h.and_then(|h| h.end.clone().or(h.start.clone())).or(scan_end.clone());
        let name = name.or(h.and_then(|h| h.hostname.clone()));
        let host = Host::of(name.iter().map(String::as_str).chain([address.as_str()]));
        let facts = VulnerabilityFacts { counts: SeverityCounts::of(&findings), findings, extra: Default::default() };
        out.host(Facts::Vulnerabilities(Box::new(facts)), host, at.as_deref()).map_err(ImportError::Callback)?;
    }
    Ok(())
}

fn nessus(reader: impl std::io::BufRead, limits: &Limits, out: &mut Out) -> Result<(), ImportError> {
    out.tool("Nessus", None);
    super::nessus::read_nessus(reader, limits, |h| {
        let findings: Vec<Vulnerability> = h
            .items
            .iter()
            .filter(|i| i.tool_severity > 0)
            .map(|i| Vulnerability {
                id: i.plugin_id.clone(),
                name: i.plugin_name.clone(),
                port: (i.port > 0).then(|| format!("{}/{}", i.port, i.protocol)),
                severity: Some(i.severity),
                cvss: i.cvss3_base_score.or(i.cvss_base_score),
                cves: i.cves.clone(),
                first_seen: None,
                solution: i.solution.clone(),
            })
            .collect();
        let at = h
            .host_end_timestamp
            .and_then(|t| OffsetDateTime::from_unix_timestamp(t).ok())
            .map(crate::dates::rfc3339)
            .or(h.host_end.clone())
            .or(h.host_start.clone());
        let words = [Some(&h.name), h.fqdn.as_ref(), h.netbios_name.as_ref(), h.ip.as_ref()];
        let host = Host::of(words.into_iter().flatten().map(String::as_str));
        let facts = VulnerabilityFacts { counts: SeverityCounts::of(&findings), findings, extra: Default::default() };
        out.host(Facts::Vulnerabilities(Box::new(facts)), host, at.as_deref())
    })?;
    Ok(())
}

/// ssh-audit (`super::ssh_audit`): one `ssh` record per audited endpoint, at `--observed-at`.
fn ssh_audit(reader: impl std::io::Read, limits: &Limits, out: &mut Out) -> Result<(), ImportError> {
    out.tool("ssh-audit", None);
    let Some(at) = out.hints.observed_at else {
        return Err(ImportError::whole(text!(
            "ssh-audit's JSON does not say when the audit ran: convert it with `tuanthu import FILE --from ssh-audit --observed-at TIME -o evidence.jsonl`",
            "JSON của ssh-audit không cho biết lúc kiểm tra: hãy chuyển bằng `tuanthu import TỆP --from ssh-audit --observed-at THỜI_ĐIỂM -o evidence.jsonl`"
        )));
    };
    for a in super::ssh_audit::read(reader, limits)? {
        let mut rec = Record::measured(out.hints.target.clone().unwrap_or(a.target), Facts::Ssh(Box::new(a.facts)));
        rec.observed_at = Some(crate::dates::rfc3339(at));
        out.send(rec).map_err(ImportError::Callback)?;
    }
    Ok(())
}

fn wazuh_agents(reader: impl std::io::Read, limits: &Limits, out: &mut Out) -> Result<(), ImportError> {
    out.tool("Wazuh", None);
    let mut agents = Vec::new();
    super::wazuh::read_agents(reader, limits, &mut |a| {
        agents.push(a);
        Ok(())
    })?;
    // The list says when each agent last spoke, not when it was taken: the newest keep-alive is
    // the latest moment the list can be known to describe (unless --observed-at says better).
    let taken = agents.iter().filter_map(|a| a.last_keepalive.as_deref().and_then(tool_time)).max();
    let taken = taken.map(crate::dates::rfc3339);
    for a in agents {
        let words = a.name.iter().chain(a.ip.iter()).map(String::as_str);
        let facts = AgentFacts {
            tool: "wazuh".into(),
            agent_id: a.id.as_ref().map(|i| i.0.clone()).unwrap_or_default(),
            status: a.status.clone().unwrap_or_default(),
            last_keepalive: a.last_keepalive.as_deref().and_then(tool_time).map(crate::dates::rfc3339),
            version: a.version.clone(),
            extra: Default::default(),
        };
        out.host(Facts::Agent(Box::new(facts)), Host::of(words), taken.as_deref()).map_err(ImportError::Callback)?;
    }
    Ok(())
}

fn wazuh_sca(reader: impl std::io::Read, limits: &Limits, out: &mut Out) -> Result<(), ImportError> {
    out.tool("Wazuh", None);
    let mut results = Vec::new();
    let mut policy = None;
    super::wazuh::read_sca(reader, limits, &mut |c| {
        policy = policy.take().or(c.policy_id.clone());
        let mut references: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for comp in &c.compliance {
            if let Some(key) = &comp.key {
                let key = key.to_ascii_lowercase();
                references.entry(key.clone()).or_default().extend(c.compliance_values(&key).map(str::to_string));
            }
        }
        results.push(Check {
            check: c.id.as_ref().map(|i| i.0.clone()).unwrap_or_default(),
            result: c.check_result(),
            severity: None,
            title: c.title.clone().unwrap_or_default(),
            references: references.into(),
        });
        Ok(())
    })?;
    let facts = HostAuditFacts {
        benchmark: policy,
        profile: None,
        counts: Counts::of(&results),
        results,
        score: None,
        state: None,
        extra: Default::default(),
    };
    out.host(Facts::HostAudit(Box::new(facts)), Host::default(), None).map_err(ImportError::Callback)
}

fn wazuh_vulns(reader: impl std::io::Read, limits: &Limits, out: &mut Out) -> Result<(), ImportError> {
    out.tool("Wazuh", None);
    let bytes = super::json::read_capped(reader, limits.max_file_bytes)?;
    let format = super::wazuh::detect(&bytes).unwrap_or(super::wazuh::WazuhFormat::VulnsApi);
    // Per host: its addresses, its findings and the newest detection among them.
    type Seen = (Vec<String>, Vec<Vulnerability>, Option<OffsetDateTime>);
    let mut by_host: BTreeMap<String, Seen> = BTreeMap::new();
    super::wazuh::read_vulnerabilities(bytes.as_slice(), format, limits, &mut |v| {
        let key = out.hints.target.clone().or(v.agent_name.clone()).or(v.agent_id.clone()).unwrap_or_default();
        let entry = by_host.entry(key).or_default();
        entry.0.extend(v.agent_addresses.iter().cloned());
        let seen = v.detected_at.as_deref().and_then(tool_time);
        entry.2 = entry.2.max(seen);
        entry.1.push(Vulnerability {
            id: v.cve.clone(),
            name: v.title.clone().unwrap_or_else(|| v.cve.clone()),
            port: None,
            severity: v.severity,
            cvss: v.cvss3.or(v.cvss2),
            cves: vec![v.cve],
            first_seen: seen.map(crate::dates::rfc3339),
            solution: v.package.as_ref().map(|p| format!("update {p}")),
        });
        Ok(())
    })?;
    if by_host.is_empty()
        && let Some(t) = out.hints.target.clone()
    {
        // An empty answer for a named agent is a clean result, not nothing.
        by_host.insert(t, Default::default());
    }
    for (name, (addresses, findings, newest)) in by_host {
        let host = Host::of([name.as_str()].into_iter().chain(addresses.iter().map(String::as_str)));
        let at = newest.map(crate::dates::rfc3339);
        let facts = VulnerabilityFacts { counts: SeverityCounts::of(&findings), findings, extra: Default::default() };
        out.host(Facts::Vulnerabilities(Box::new(facts)), host, at.as_deref()).map_err(ImportError::Callback)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tool_times_are_read_as_utc() {
        let t = |s: &str| tool_time(s).map(crate::dates::rfc3339);
        assert_eq!(t("2019-03-04T07:43:35").as_deref(), Some("2019-03-04T07:43:35Z"));
        assert_eq!(t("2026-07-31 00:00:30").as_deref(), Some("2026-07-31T00:00:30Z"));
        assert_eq!(t("2025-08-22T17:09:57+02:00").as_deref(), Some("2025-08-22T15:09:57Z"));
        assert_eq!(t("Tue Jun 25 10:39:42 2013").as_deref(), Some("2013-06-25T10:39:42Z"));
        assert_eq!(t("Mon Jul  1 11:40:48 2013").as_deref(), Some("2013-07-01T11:40:48Z"));
        assert_eq!(t("yesterday"), None);
    }

    #[test]
    fn the_test_system_names_the_tool() {
        assert_eq!(xccdf_tool(Some("cpe:/a:redhat:openscap:1.3.7")), ("OpenSCAP".into(), Some("1.3.7".into())));
        assert_eq!(
            xccdf_tool(Some("cpe:/a:cisecurity:cis-cat_pro:4.28.0")),
            ("cisecurity cis-cat_pro".into(), Some("4.28.0".into()))
        );
        assert_eq!(xccdf_tool(None), ("XCCDF".into(), None));
    }

    #[test]
    fn reference_sources_get_short_names() {
        assert_eq!(source_name("http://nvlpubs.nist.gov/nistpubs/SpecialPublications/NIST.SP.800-53r4.pdf"), "nist");
        assert_eq!(source_name("https://www.cisecurity.org/benchmark/debian_linux/"), "cis");
        assert_eq!(source_name("https://ncp.nist.gov/cce"), "cce");
        assert_eq!(source_name("https://example.org/own"), "https://example.org/own");
    }
}
