//! Streaming importer for Nessus v2 exports (`.nessus`, root `NessusClientData_v2`).
//!
//! # What it reads
//! The policy name, the report name, and each `Report/ReportHost`: its name, the
//! `HostProperties` tags tuanthu needs (`host-ip`, `host-fqdn`, `netbios-name`, `operating-system`,
//! `mac-address`, `HOST_START`, `HOST_END`, `HOST_END_TIMESTAMP`), and each `ReportItem`:
//! `pluginID`, `pluginName`, `pluginFamily`, `port`, `protocol`, `svc_name`, `severity`, and the
//! children `risk_factor`, `cvss3_base_score`, `cvss_base_score`, `cve` (one element per CVE),
//! `synopsis` and `solution`. Descriptions, plugin output, the policy's preferences and other host
//! properties are passed over.
//!
//! # Mapping
//! Nessus's `severity` 0–4 onto [`Severity`]: 0 (informational) → none, 1 → low, 2 → medium,
//! 3 → high, 4 → critical — Nessus derives it from the CVSS score with the same bands. Any other
//! value is an error. The CVSS scores and `risk_factor` are kept as the tool wrote them.
//!
//! # Memory, safety, damaged files
//! Each host is handed to the callback when its `</ReportHost>` is read, with at most
//! [`Limits::max_results_per_host`] items (more is an error that names the host); nothing else is
//! kept. Text and attribute values are cut at [`Limits::max_text_bytes`]. The XML discipline is
//! [`super::xml`]'s; the root must be `NessusClientData_v2`. A damaged file is an error with its
//! line and column after every host completed before the damage was delivered.

use std::io::BufRead;

use super::xml::{Ev, Tag, XmlReader, check_root, malformed, shown, truncated};
use super::{ImportError, Limits, Severity};
use crate::text;

const ROOTS: [&str; 1] = ["NessusClientData_v2"];

/// One `ReportItem`.
#[derive(Debug, Clone, PartialEq)]
pub struct NessusItem {
    pub plugin_id: String,
    pub plugin_name: String,
    pub plugin_family: Option<String>,
    pub port: u16,
    pub protocol: String,
    pub svc_name: Option<String>,
    /// Nessus's own 0–4.
    pub tool_severity: u8,
    pub severity: Severity,
    pub risk_factor: Option<String>,
    pub cvss3_base_score: Option<f64>,
    pub cvss_base_score: Option<f64>,
    pub cves: Vec<String>,
    pub synopsis: Option<String>,
    pub solution: Option<String>,
}

/// One `ReportHost`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NessusHost {
    /// `ReportHost/@name`: the target as given to the scan (address or host name).
    pub name: String,
    pub ip: Option<String>,
    pub fqdn: Option<String>,
    pub netbios_name: Option<String>,
    pub operating_system: Option<String>,
    pub mac_address: Option<String>,
    pub host_start: Option<String>,
    /// `HOST_END`, as Nessus writes it (`Tue Jun 25 10:39:42 2013`).
    pub host_end: Option<String>,
    /// `HOST_END_TIMESTAMP` (Unix seconds), in newer exports.
    pub host_end_timestamp: Option<i64>,
    pub items: Vec<NessusItem>,
}

/// What was learnt about the export as a whole.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NessusRun {
    pub policy_name: Option<String>,
    pub report_name: Option<String>,
    pub hosts: usize,
}

/// Streams a `.nessus` file, calling `on_host` once per complete `ReportHost` in file order.
///
/// # Errors
/// `Malformed` with the position of the damage (hosts completed before it have already been
/// delivered), `Io` if reading fails, `Callback` if `on_host` refused one.
pub fn read_nessus<R: BufRead>(
    input: R,
    limits: &Limits,
    mut on_host: impl FnMut(NessusHost) -> Result<(), String>,
) -> Result<NessusRun, ImportError> {
    let mut r = XmlReader::new(input, limits);
    let mut run = NessusRun::default();
    loop {
        let step = match r.event()? {
            Ev::Open(tag) => {
                if tag.depth() == 1 {
                    check_root(&tag, &ROOTS, "Nessus v2")?;
                    Step::Descend
                } else {
                    match tag.local() {
                        "Policy" => Step::Descend,
                        "policyName" => Step::PolicyName,
                        "Report" => {
                            run.report_name = tag.attr("name")?;
                            Step::Descend
                        }
                        "ReportHost" => Step::Host(tag.attr("name")?.unwrap_or_default()),
                        _ => Step::Skip,
                    }
                }
            }
            Ev::Close | Ev::Text(_) => Step::Descend,
            Ev::Eof => return Ok(run),
        };
        match step {
            Step::Descend => {}
            Step::Skip => r.skip()?,
            Step::PolicyName => run.policy_name = Some(r.trimmed()?),
            Step::Host(name) => {
                let host = report_host(&mut r, limits, name)?;
                run.hosts += 1;
                on_host(host).map_err(ImportError::Callback)?;
            }
        }
    }
}

enum Step {
    Descend,
    Skip,
    PolicyName,
    Host(String),
}

fn report_host<R: BufRead>(r: &mut XmlReader<R>, limits: &Limits, name: String) -> Result<NessusHost, ImportError> {
    let mut host = NessusHost { name, ..NessusHost::default() };
    loop {
        let child = match r.event()? {
            Ev::Open(tag) => match tag.local() {
                "HostProperties" => None,
                "ReportItem" => Some(item_head(&tag)?),
                _ => {
                    drop(tag);
                    r.skip()?;
                    continue;
                }
            },
            Ev::Close => return Ok(host),
            Ev::Text(_) => continue,
            Ev::Eof => return Err(r.error(truncated())),
        };
        match child {
            None => properties(r, &mut host)?,
            Some(mut item) => {
                report_item(r, &mut item)?;
                if host.items.len() >= limits.max_results_per_host {
                    let name = shown(&host.name).into_owned();
                    let max = limits.max_results_per_host;
                    return Err(r.error(text!(
                        "host {name} has more than {max} ReportItems",
                        "máy {name} có nhiều hơn {max} ReportItem"
                    )));
                }
                host.items.push(item);
            }
        }
    }
}

fn properties<R: BufRead>(r: &mut XmlReader<R>, host: &mut NessusHost) -> Result<(), ImportError> {
    loop {
        let (name, at) = match r.event()? {
            Ev::Open(tag) if tag.local() == "tag" => (tag.attr("name")?.unwrap_or_default(), tag.at()),
            Ev::Open(_) => {
                r.skip()?;
                continue;
            }
            Ev::Close => return Ok(()),
            Ev::Text(_) => continue,
            Ev::Eof => return Err(r.error(truncated())),
        };
        let slot = match name.as_str() {
            "host-ip" => &mut host.ip,
            "host-fqdn" => &mut host.fqdn,
            "netbios-name" => &mut host.netbios_name,
            "operating-system" => &mut host.operating_system,
            "mac-address" => &mut host.mac_address,
            "HOST_START" => &mut host.host_start,
            "HOST_END" => &mut host.host_end,
            "HOST_END_TIMESTAMP" => {
                let text = r.trimmed()?;
                let stamp = text.parse().map_err(|_| {
                    let text = shown(&text);
                    malformed(
                        at,
                        text!(
                            "HOST_END_TIMESTAMP {text:?} is not a number",
                            "HOST_END_TIMESTAMP {text:?} không phải số"
                        ),
                    )
                })?;
                host.host_end_timestamp = Some(stamp);
                continue;
            }
            _ => {
                r.skip()?;
                continue;
            }
        };
        *slot = Some(r.trimmed()?).filter(|s| !s.is_empty());
    }
}

/// A `ReportItem`'s attributes.
fn item_head(tag: &Tag<'_>) -> Result<NessusItem, ImportError> {
    let at = tag.at();
    let required = |key: &str| -> Result<String, ImportError> {
        tag.attr(key)?.ok_or_else(|| {
            malformed(at, text!("missing attribute {key} on <ReportItem>", "thiếu thuộc tính {key} trên <ReportItem>"))
        })
    };
    let port = required("port")?;
    let port = port.trim().parse().map_err(|_| {
        let port = shown(&port);
        malformed(
            at,
            text!("ReportItem port {port:?} is not a port number", "cổng {port:?} của ReportItem không phải số cổng"),
        )
    })?;
    let severity = required("severity")?;
    let (tool_severity, mapped) = match severity.trim() {
        "0" => (0, Severity::None),
        "1" => (1, Severity::Low),
        "2" => (2, Severity::Medium),
        "3" => (3, Severity::High),
        "4" => (4, Severity::Critical),
        other => {
            let other = shown(other);
            return Err(malformed(
                at,
                text!(
                    "ReportItem severity {other:?} is not 0–4",
                    "mức nghiêm trọng {other:?} của ReportItem không thuộc 0–4"
                ),
            ));
        }
    };
    Ok(NessusItem {
        plugin_id: required("pluginID")?,
        plugin_name: tag.attr("pluginName")?.unwrap_or_default(),
        plugin_family: tag.attr("pluginFamily")?,
        port,
        protocol: tag.attr("protocol")?.unwrap_or_default(),
        svc_name: tag.attr("svc_name")?,
        tool_severity,
        severity: mapped,
        risk_factor: None,
        cvss3_base_score: None,
        cvss_base_score: None,
        cves: Vec::new(),
        synopsis: None,
        solution: None,
    })
}

/// The children of a `ReportItem` we keep.
enum ItemChild {
    RiskFactor,
    Cvss3,
    Cvss,
    Cve,
    Synopsis,
    Solution,
    Other,
}

fn report_item<R: BufRead>(r: &mut XmlReader<R>, item: &mut NessusItem) -> Result<(), ImportError> {
    loop {
        let child = match r.event()? {
            Ev::Open(tag) => match tag.local() {
                "risk_factor" => ItemChild::RiskFactor,
                "cvss3_base_score" => ItemChild::Cvss3,
                "cvss_base_score" => ItemChild::Cvss,
                "cve" => ItemChild::Cve,
                "synopsis" => ItemChild::Synopsis,
                "solution" => ItemChild::Solution,
                _ => ItemChild::Other,
            },
            Ev::Close => return Ok(()),
            Ev::Text(_) => continue,
            Ev::Eof => return Err(r.error(truncated())),
        };
        match child {
            ItemChild::RiskFactor => item.risk_factor = Some(r.trimmed()?),
            ItemChild::Cvss3 => item.cvss3_base_score = score(r, "cvss3_base_score")?,
            ItemChild::Cvss => item.cvss_base_score = score(r, "cvss_base_score")?,
            ItemChild::Cve => item.cves.push(r.trimmed()?),
            ItemChild::Synopsis => item.synopsis = Some(r.trimmed()?),
            ItemChild::Solution => item.solution = Some(r.trimmed()?),
            ItemChild::Other => r.skip()?,
        }
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severities_outside_0_to_4_are_refused() {
        let xml = "<NessusClientData_v2><Report name=\"r\"><ReportHost name=\"h\">\
                   <ReportItem port=\"0\" protocol=\"tcp\" severity=\"5\" pluginID=\"1\"/></ReportHost></Report></NessusClientData_v2>";
        let err = read_nessus(xml.as_bytes(), &Limits::default(), |_| Ok(())).map(|_| ()).unwrap_err().to_string();
        assert!(err.contains("severity \"5\" is not 0–4"), "{err}");
    }
}
