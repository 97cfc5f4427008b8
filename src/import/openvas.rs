//! Streaming importer for Greenbone/OpenVAS XML reports (the GMP `get_reports` XML format: a
//! `<report>` export or a whole `<get_reports_response>`, report detail v1 and v2).
//!
//! # What it reads
//! In the report (the outer `<report>` of an export wraps the inner one; both are read alike): its
//! id, `scan_start` and `scan_end`; each `results/result` (result id, name, host address and host
//! name, port, NVT OID, name and family, threat, numeric severity, CVSS base score, CVEs from
//! `refs/ref[@type=cve]` or the older `<cve>` list, solution from `nvt/solution` or the `solution=`
//! field of `nvt/tags`, solution type, QoD); and each host summary block `report/host` (address,
//! host name from its `detail[name=hostname]`, start and end of its scan). Descriptions, notes,
//! overrides, ports, task and filter information are passed over.
//!
//! # Hosts and times
//! The per-host blocks come after the results in Greenbone's files, and report detail v2 may have
//! none: [`OpenvasReport::hosts`] lists every host of a block, then every other address that a
//! result names (with the host name the result gives), in order of first appearance. A host's end
//! of scan is its block's `<end>`; when it has none, [`OpenvasReport::scan_end`] is the time to use.
//!
//! # Mapping
//! Severity: the result's numeric `<severity>` (CVSS base score) through [`Severity::from_cvss`]
//! (0 none, 0.1–3.9 low, 4–6.9 medium, 7–8.9 high, 9–10 critical). The numeric score wins over the
//! `<threat>` word because Greenbone's threat classes changed between versions (an older "nist"
//! class calls 10.0 "High"); the word is kept in [`OpenvasResult::threat`]. Without a usable score
//! the word maps: `Log` → none, `Low`, `Medium`, `High`, `Critical` → the same. Negative scores
//! (Greenbone's false positive −1, debug −2, error −3) and the words `False Positive`, `Debug`,
//! `Error` give no severity (`None`): not a finding, and not a pass either.
//!
//! # Memory, safety, damaged files
//! Results are handed to the callback one at a time, as soon as each `</result>` is read; what is
//! kept is the host list (at most [`MAX_HOSTS`]) and one result. Text and attribute values are cut at
//! [`Limits::max_text_bytes`]. The XML discipline is [`super::xml`]'s; the root must be `report` or
//! `get_reports_response`. A damaged file is an error with its line and column after every result
//! completed before the damage was delivered.

use std::collections::HashSet;
use std::io::BufRead;

use super::xml::{Ev, XmlReader, check_root, shown, truncated};
use super::{ImportError, Limits, Severity};
use crate::text;

const ROOTS: [&str; 2] = ["report", "get_reports_response"];

/// Most hosts one report may list.
pub const MAX_HOSTS: usize = 1 << 20;

/// One result (a finding, or a log entry).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OpenvasResult {
    pub id: Option<String>,
    pub name: String,
    pub host: String,
    pub hostname: Option<String>,
    /// `general/tcp`, `443/tcp` …
    pub port: Option<String>,
    pub nvt_oid: Option<String>,
    pub nvt_name: Option<String>,
    pub family: Option<String>,
    /// The tool's threat word (`Log`, `Low`, `Medium`, `High`, `Critical`, `False Positive` …).
    pub threat: Option<String>,
    /// The result's numeric severity (a CVSS base score; negative for Greenbone's special classes).
    pub severity_score: Option<f64>,
    pub severity: Option<Severity>,
    /// `nvt/cvss_base`.
    pub cvss_base: Option<f64>,
    pub cves: Vec<String>,
    pub solution: Option<String>,
    pub solution_type: Option<String>,
    /// Quality of detection, 0–100.
    pub qod: Option<u32>,
}

/// A host of the report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpenvasHost {
    pub address: String,
    pub hostname: Option<String>,
    pub start: Option<String>,
    pub end: Option<String>,
}

/// What was learnt about the report as a whole.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OpenvasReport {
    pub id: Option<String>,
    pub scan_start: Option<String>,
    pub scan_end: Option<String>,
    pub hosts: Vec<OpenvasHost>,
    pub results: usize,
}

/// Streams a Greenbone/OpenVAS XML report, calling `on_result` once per complete result in file
/// order; returns the report's hosts and times.
///
/// # Errors
/// `Malformed` with the position of the damage (results completed before it have already been
/// delivered), `Io` if reading fails, `Callback` if `on_result` refused one.
pub fn read_openvas<R: BufRead>(
    input: R,
    limits: &Limits,
    mut on_result: impl FnMut(OpenvasResult) -> Result<(), String>,
) -> Result<OpenvasReport, ImportError> {
    let mut r = XmlReader::new(input, limits);
    let mut report = OpenvasReport::default();
    let mut block_hosts = Vec::new();
    let mut result_hosts: Vec<OpenvasHost> = Vec::new();
    let mut seen = HashSet::new();
    loop {
        let step = match r.event()? {
            Ev::Open(tag) => {
                if tag.depth() == 1 {
                    check_root(&tag, &ROOTS, "Greenbone/OpenVAS report")?;
                }
                match tag.local() {
                    "report" => {
                        if let Some(id) = tag.attr("id")? {
                            report.id = Some(id);
                        }
                        Step::Descend
                    }
                    "get_reports_response" => Step::Descend,
                    "results" => Step::Descend,
                    "result" => Step::Result(tag.attr("id")?),
                    "host" => Step::Host,
                    "scan_start" => Step::Start,
                    "scan_end" => Step::End,
                    _ => Step::Skip,
                }
            }
            Ev::Close | Ev::Text(_) => Step::Descend,
            Ev::Eof => break,
        };
        match step {
            Step::Descend => {}
            Step::Skip => r.skip()?,
            Step::Start => report.scan_start = Some(r.trimmed()?).filter(|s| !s.is_empty()),
            Step::End => report.scan_end = Some(r.trimmed()?).filter(|s| !s.is_empty()),
            Step::Host => {
                let host = host_block(&mut r)?;
                if block_hosts.len() + result_hosts.len() >= MAX_HOSTS {
                    return Err(r.error(text!(
                        "more than {MAX_HOSTS} hosts in the report",
                        "báo cáo có nhiều hơn {MAX_HOSTS} máy"
                    )));
                }
                block_hosts.push(host);
            }
            Step::Result(id) => {
                let result = result(&mut r, id)?;
                if seen.insert(result.host.clone()) {
                    if seen.len() > MAX_HOSTS {
                        return Err(r.error(text!(
                            "more than {MAX_HOSTS} hosts in the report",
                            "báo cáo có nhiều hơn {MAX_HOSTS} máy"
                        )));
                    }
                    let hostname = result.hostname.clone();
                    result_hosts.push(OpenvasHost { address: result.host.clone(), hostname, start: None, end: None });
                }
                report.results += 1;
                on_result(result).map_err(ImportError::Callback)?;
            }
        }
    }
    let blocked: HashSet<String> = block_hosts.iter().map(|h| h.address.clone()).collect();
    result_hosts.retain(|h| !blocked.contains(&h.address));
    report.hosts = block_hosts;
    report.hosts.extend(result_hosts);
    Ok(report)
}

enum Step {
    Descend,
    Skip,
    Start,
    End,
    Host,
    Result(Option<String>),
}

/// A `report/host` summary block.
fn host_block<R: BufRead>(r: &mut XmlReader<R>) -> Result<OpenvasHost, ImportError> {
    let mut host = OpenvasHost::default();
    loop {
        let child = match r.event()? {
            Ev::Open(tag) => match tag.local() {
                "ip" => 1,
                "start" => 2,
                "end" => 3,
                "detail" => 4,
                _ => 0,
            },
            Ev::Close => break,
            Ev::Text(_) => continue,
            Ev::Eof => return Err(r.error(truncated())),
        };
        match child {
            1 => host.address = r.trimmed()?,
            2 => host.start = Some(r.trimmed()?).filter(|s| !s.is_empty()),
            3 => host.end = Some(r.trimmed()?).filter(|s| !s.is_empty()),
            4 => {
                let (name, value) = detail(r)?;
                if name == "hostname" && host.hostname.is_none() && !value.is_empty() {
                    host.hostname = Some(value);
                }
            }
            _ => r.skip()?,
        }
    }
    if host.address.is_empty() {
        return Err(r.error(text!("a report host has no <ip>", "một máy trong báo cáo không có <ip>")));
    }
    Ok(host)
}

/// A host `detail`: its name and value.
fn detail<R: BufRead>(r: &mut XmlReader<R>) -> Result<(String, String), ImportError> {
    let (mut name, mut value) = (String::new(), String::new());
    loop {
        let child = match r.event()? {
            Ev::Open(tag) => match tag.local() {
                "name" => 1,
                "value" => 2,
                _ => 0,
            },
            Ev::Close => return Ok((name, value)),
            Ev::Text(_) => continue,
            Ev::Eof => return Err(r.error(truncated())),
        };
        match child {
            1 => name = r.trimmed()?,
            2 => value = r.trimmed()?,
            _ => r.skip()?,
        }
    }
}

/// The children of a result we keep.
enum ResultChild {
    Name,
    Host,
    Port,
    Nvt(Option<String>),
    Threat,
    Severity,
    Qod,
    Other,
}

fn result<R: BufRead>(r: &mut XmlReader<R>, id: Option<String>) -> Result<OpenvasResult, ImportError> {
    let mut out = OpenvasResult { id, ..OpenvasResult::default() };
    loop {
        let child = match r.event()? {
            Ev::Open(tag) => match tag.local() {
                "name" => ResultChild::Name,
                "host" => ResultChild::Host,
                "port" => ResultChild::Port,
                "nvt" => ResultChild::Nvt(tag.attr("oid")?),
                "threat" => ResultChild::Threat,
                "severity" => ResultChild::Severity,
                "qod" => ResultChild::Qod,
                _ => ResultChild::Other,
            },
            Ev::Close => break,
            Ev::Text(_) => continue,
            Ev::Eof => return Err(r.error(truncated())),
        };
        match child {
            ResultChild::Name => out.name = r.trimmed()?,
            ResultChild::Host => result_host(r, &mut out)?,
            ResultChild::Port => out.port = Some(r.trimmed()?).filter(|s| !s.is_empty()),
            ResultChild::Nvt(oid) => {
                out.nvt_oid = oid;
                nvt(r, &mut out)?;
            }
            ResultChild::Threat => out.threat = Some(r.trimmed()?).filter(|s| !s.is_empty()),
            ResultChild::Severity => out.severity_score = score(r, "severity")?,
            ResultChild::Qod => out.qod = qod(r)?,
            ResultChild::Other => r.skip()?,
        }
    }
    if out.host.is_empty() {
        let id = shown(out.id.as_deref().unwrap_or(&out.name));
        return Err(r.error(text!("result {id} names no host", "kết quả {id} không nêu máy nào")));
    }
    out.severity = match out.severity_score {
        Some(s) => Severity::from_cvss(s),
        None => out.threat.as_deref().and_then(threat_severity),
    };
    Ok(out)
}

/// `<host>10.0.0.1<asset asset_id=…/><hostname>x</hostname></host>`: the address is the element's
/// own text, the host name a child.
fn result_host<R: BufRead>(r: &mut XmlReader<R>, out: &mut OpenvasResult) -> Result<(), ImportError> {
    let mut address = String::new();
    loop {
        let hostname = match r.event()? {
            Ev::Open(tag) => tag.local() == "hostname",
            Ev::Close => break,
            Ev::Text(t) => {
                if address.len() < 256 {
                    address.push_str(&t);
                }
                continue;
            }
            Ev::Eof => return Err(r.error(truncated())),
        };
        if hostname {
            out.hostname = Some(r.trimmed()?).filter(|s| !s.is_empty());
        } else {
            r.skip()?;
        }
    }
    out.host = address.trim().to_owned();
    Ok(())
}

/// A numeric element's value (empty is `None`).
fn score<R: BufRead>(r: &mut XmlReader<R>, what: &str) -> Result<Option<f64>, ImportError> {
    let text = r.trimmed()?;
    if text.is_empty() {
        return Ok(None);
    }
    text.parse().map(Some).map_err(|_| {
        let text = shown(&text);
        r.error(text!("<{what}> {text:?} is not a number", "<{what}> {text:?} không phải số"))
    })
}

fn qod<R: BufRead>(r: &mut XmlReader<R>) -> Result<Option<u32>, ImportError> {
    let mut value = None;
    loop {
        let is_value = match r.event()? {
            Ev::Open(tag) => tag.local() == "value",
            Ev::Close => return Ok(value),
            Ev::Text(_) => continue,
            Ev::Eof => return Err(r.error(truncated())),
        };
        if is_value {
            let text = r.trimmed()?;
            value = Some(text.parse().map_err(|_| {
                let text = shown(&text);
                r.error(text!("QoD {text:?} is not a number", "QoD {text:?} không phải số"))
            })?);
        } else {
            r.skip()?;
        }
    }
}

/// The children of an `nvt` we keep.
enum NvtChild {
    Name,
    Family,
    CvssBase,
    Tags,
    Solution(Option<String>),
    Refs,
    Cve,
    Other,
}

fn nvt<R: BufRead>(r: &mut XmlReader<R>, out: &mut OpenvasResult) -> Result<(), ImportError> {
    let mut tag_solution = None;
    loop {
        let child = match r.event()? {
            Ev::Open(tag) => match tag.local() {
                "name" => NvtChild::Name,
                "family" => NvtChild::Family,
                "cvss_base" => NvtChild::CvssBase,
                "tags" => NvtChild::Tags,
                "solution" => NvtChild::Solution(tag.attr("type")?),
                "refs" => NvtChild::Refs,
                "cve" => NvtChild::Cve,
                _ => NvtChild::Other,
            },
            Ev::Close => break,
            Ev::Text(_) => continue,
            Ev::Eof => return Err(r.error(truncated())),
        };
        match child {
            NvtChild::Name => out.nvt_name = Some(r.trimmed()?),
            NvtChild::Family => out.family = Some(r.trimmed()?).filter(|s| !s.is_empty()),
            NvtChild::CvssBase => out.cvss_base = score(r, "cvss_base")?,
            NvtChild::Tags => {
                let tags = r.text()?;
                tag_solution = tag_field(&tags, "solution").map(str::to_owned);
                if out.solution_type.is_none() {
                    out.solution_type = tag_field(&tags, "solution_type").map(str::to_owned);
                }
            }
            NvtChild::Solution(kind) => {
                out.solution = Some(r.trimmed()?).filter(|s| !s.is_empty());
                out.solution_type = kind.or(out.solution_type.take());
            }
            NvtChild::Refs => refs(r, &mut out.cves)?,
            NvtChild::Cve => {
                let text = r.text()?;
                let ids = text.split(|c: char| c == ',' || c.is_whitespace()).filter(|s| s.starts_with("CVE-"));
                out.cves.extend(ids.map(str::to_owned));
            }
            NvtChild::Other => r.skip()?,
        }
    }
    if out.solution.is_none() {
        out.solution = tag_solution.filter(|s| !s.is_empty());
    }
    Ok(())
}

/// A `key=value` field of an NVT's `|`-separated tags.
fn tag_field<'t>(tags: &'t str, key: &str) -> Option<&'t str> {
    tags.split('|').find_map(|field| field.split_once('=').filter(|(k, _)| *k == key).map(|(_, v)| v.trim()))
}

fn refs<R: BufRead>(r: &mut XmlReader<R>, cves: &mut Vec<String>) -> Result<(), ImportError> {
    loop {
        let cve = match r.event()? {
            Ev::Open(tag)
                if tag.local() == "ref" && tag.attr("type")?.is_some_and(|t| t.eq_ignore_ascii_case("cve")) =>
            {
                tag.attr("id")?
            }
            Ev::Open(_) => None,
            Ev::Close => return Ok(()),
            Ev::Text(_) => continue,
            Ev::Eof => return Err(r.error(truncated())),
        };
        cves.extend(cve);
        r.skip()?;
    }
}

/// Greenbone's threat words on the shared scale (module docs).
pub fn threat_severity(word: &str) -> Option<Severity> {
    match word {
        "Log" => Some(Severity::None),
        "Low" => Some(Severity::Low),
        "Medium" => Some(Severity::Medium),
        "High" => Some(Severity::High),
        "Critical" => Some(Severity::Critical),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_fields_are_found() {
        let tags = "cvss_base_vector=AV:N|summary=x|solution=Upgrade to 117.|solution_type=VendorFix";
        assert_eq!(tag_field(tags, "solution"), Some("Upgrade to 117."));
        assert_eq!(tag_field(tags, "solution_type"), Some("VendorFix"));
        assert_eq!(tag_field(tags, "impact"), None);
    }

    #[test]
    fn a_get_reports_response_reads_like_an_export() {
        let xml = "<get_reports_response status=\"200\" status_text=\"OK\"><report id=\"a\"><report id=\"a\">\
                   <results><result id=\"r\"><name>n</name><host>10.0.0.2<hostname>h</hostname></host><port>22/tcp</port>\
                   <nvt oid=\"1.2\"><name>n</name><cve>CVE-2020-1, CVE-2020-2</cve><tags>solution=Patch.|x=y</tags></nvt>\
                   <threat>Medium</threat><severity></severity></result></results>\
                   <host><ip>10.0.0.2</ip><start>s</start><end>e</end><detail><name>hostname</name><value>h.gov.vn</value></detail></host>\
                   <scan_end>e</scan_end></report></report></get_reports_response>";
        let mut got = Vec::new();
        let report = read_openvas(xml.as_bytes(), &Limits::default(), |res| {
            got.push(res);
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
        let host = OpenvasHost {
            address: "10.0.0.2".into(),
            hostname: Some("h.gov.vn".into()),
            start: Some("s".into()),
            end: Some("e".into()),
        };
        assert_eq!(report.hosts, vec![host]);
        let r = &got[0];
        assert_eq!((r.hostname.as_deref(), r.severity_score, r.severity), (Some("h"), None, Some(Severity::Medium)));
        assert_eq!(r.cves, ["CVE-2020-1", "CVE-2020-2"]);
        assert_eq!(r.solution.as_deref(), Some("Patch."));
    }

    #[test]
    fn a_log_result_has_no_finding_severity_above_none() {
        let xml = "<report><report><results><result id=\"r\"><name>n</name><host>10.0.0.1</host>\
                   <threat>Log</threat><severity>0.0</severity></result></results></report></report>";
        let mut got = Vec::new();
        let report = read_openvas(xml.as_bytes(), &Limits::default(), |res| {
            got.push(res);
            Ok(())
        });
        assert_eq!(report.map(|r| r.hosts.len()), Ok(1));
        assert_eq!(got[0].severity, Some(Severity::None));
    }
}
