//! Which tool wrote a file: detected from its first bytes, or named with `--from`.
//!
//! Detection reads at most [`HEAD_BYTES`] and never trusts the file name: result files are renamed
//! freely (`scan.xml`, `results.json`), and the content says unambiguously what they are — the
//! root element and its namespace for XML, the keys for JSON, the header line for Lynis.

use crate::i18n::Text;
use crate::text;
use std::fmt;
use std::io::Read;
use std::path::Path;

/// How much of a file detection reads.
pub const HEAD_BYTES: u64 = 64 << 10;

/// The formats `tuanthu import` and `--evidence` read (the `--from` names of the spec).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// tuanthu's own evidence file (`tuanthu/evidence/v1`).
    Evidence,
    /// nmap XML (`nmap -oX`).
    Nmap,
    /// XCCDF 1.1 or 1.2 results (OpenSCAP `--results`, CIS-CAT).
    Xccdf,
    /// ARF 1.1 result collections (OpenSCAP `--results-arf`).
    Arf,
    /// Lynis `report.dat`.
    Lynis,
    /// Wazuh `GET /agents`.
    WazuhAgents,
    /// Wazuh `GET /sca/{agent}/checks/{policy}`.
    WazuhSca,
    /// Wazuh vulnerabilities: the 4.7 API or the 4.8+ `wazuh-states-vulnerabilities` documents.
    WazuhVulns,
    /// Greenbone/OpenVAS XML reports.
    Openvas,
    /// Nessus v2 (`.nessus`).
    Nessus,
    /// ssh-audit's JSON output (`ssh-audit -j`).
    SshAudit,
}

impl Format {
    pub const ALL: [Format; 11] = [
        Format::Evidence,
        Format::Nmap,
        Format::Xccdf,
        Format::Arf,
        Format::Lynis,
        Format::WazuhAgents,
        Format::WazuhSca,
        Format::WazuhVulns,
        Format::Openvas,
        Format::Nessus,
        Format::SshAudit,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Evidence => "evidence",
            Format::Nmap => "nmap",
            Format::Xccdf => "xccdf",
            Format::Arf => "arf",
            Format::Lynis => "lynis",
            Format::WazuhAgents => "wazuh-agents",
            Format::WazuhSca => "wazuh-sca",
            Format::WazuhVulns => "wazuh-vulns",
            Format::Openvas => "openvas",
            Format::Nessus => "nessus",
            Format::SshAudit => "ssh-audit",
        }
    }

    /// The format a `--from` name stands for.
    pub fn parse(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.as_str().eq_ignore_ascii_case(name.trim()))
    }

    /// Every `--from` name, for messages: "evidence, nmap, xccdf, …".
    pub fn names() -> String {
        Format::ALL.map(Format::as_str).join(", ")
    }

    /// Whether each record of the format names its host and the time it was measured; those that
    /// do not are read only by `tuanthu import` with `--target` (spec).
    pub fn names_host(self) -> bool {
        !matches!(self, Format::WazuhSca | Format::SshAudit)
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a file's format could not be told. Its text is in both languages ([`DetectError::text`]);
/// `Display` is the English one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DetectError {
    /// The file could not be read: why.
    Read(Text),
    /// What the file looks like, and what to do instead when that is known (`; run nmap …`).
    Unknown { looks: Text, hint: Option<Text> },
}

impl DetectError {
    pub fn text(&self) -> Text {
        match self {
            DetectError::Read(why) => {
                let (en, vi) = (&why.en, &why.vi);
                text!("cannot be read: {en}", "không đọc được: {vi}")
            }
            DetectError::Unknown { looks, hint } => {
                let known = Format::names();
                let (looks_en, looks_vi) = (&looks.en, &looks.vi);
                let hint = hint.clone().unwrap_or_default();
                let (hint_en, hint_vi) = (&hint.en, &hint.vi);
                text!(
                    "{looks_en}, which tuanthu does not read{hint_en}; known formats: {known}",
                    "{looks_vi}, định dạng tuanthu không đọc{hint_vi}; các định dạng tuanthu đọc: {known}"
                )
            }
        }
    }
}

impl fmt::Display for DetectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text().en)
    }
}

impl std::error::Error for DetectError {}

/// Detects the format of the file at `path` from its first bytes.
pub fn detect_file(path: &Path) -> Result<Format, DetectError> {
    let file = crate::files::open(path).map_err(|e| DetectError::Read(e.text()))?;
    let mut head = Vec::new();
    file.take(HEAD_BYTES).read_to_end(&mut head).map_err(|e| {
        let e = e.to_string();
        DetectError::Read(Text::new(e.clone(), e))
    })?;
    detect(&head)
}

/// Detects a format from the first bytes of a file.
pub fn detect(head: &[u8]) -> Result<Format, DetectError> {
    let text = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    let start = text.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(text.len());
    let body = &text[start..];
    let unknown = |looks: Text| DetectError::Unknown { looks, hint: None };
    if super::lynis::detect(text) {
        return Ok(Format::Lynis);
    }
    match body.first() {
        // The evidence reader says it best ("the file is empty: no evidence").
        None => Ok(Format::Evidence),
        Some(b'<') => xml_format(body).ok_or_else(|| {
            let looks = match root_name(body) {
                None => text!("XML", "XML"),
                Some(r) => {
                    let r = crate::sanitize::truncate(&crate::sanitize::one_line(&r), 60);
                    text!("XML with root element <{r}>", "XML có phần tử gốc <{r}>")
                }
            };
            unknown(looks)
        }),
        Some(b'{') => json_format(body).ok_or_else(|| unknown(text!("JSON", "JSON"))),
        Some(b'[') if super::ssh_audit::detect(body) => Ok(Format::SshAudit),
        Some(_) if body.starts_with(b"# Nmap") || body.starts_with(b"Starting Nmap") => Err(DetectError::Unknown {
            looks: text!("nmap normal output (-oN)", "kết quả thường của nmap (-oN)"),
            hint: Some(text!(
                "; run nmap with -oX FILE (XML output) and give that file",
                "; hãy chạy nmap với -oX TỆP (kết quả XML) và đưa tệp đó"
            )),
        }),
        Some(_) if body.starts_with(b"# Lynis") => {
            Err(unknown(text!("a Lynis file that is not report.dat", "một tệp của Lynis nhưng không phải report.dat")))
        }
        Some(_) => Err(unknown(text!("text", "văn bản"))),
    }
}

fn xml_format(body: &[u8]) -> Option<Format> {
    use super::xml::XmlFormat;
    match super::xml::detect(body) {
        Some(XmlFormat::Xccdf11 | XmlFormat::Xccdf12) => Some(Format::Xccdf),
        Some(XmlFormat::Arf) => Some(Format::Arf),
        Some(XmlFormat::OpenVas) => Some(Format::Openvas),
        Some(XmlFormat::Nessus) => Some(Format::Nessus),
        None => (root_name(body).as_deref() == Some("nmaprun")).then_some(Format::Nmap),
    }
}

/// A JSON file is a Wazuh response when its keys say so, and otherwise read as an evidence file,
/// whose reader says precisely what is wrong with one that is not (its schema, with positions).
fn json_format(body: &[u8]) -> Option<Format> {
    use super::wazuh::WazuhFormat;
    // ssh-audit's object form first: anything else not Wazuh's falls back to the evidence reader.
    if super::ssh_audit::detect(body) {
        return Some(Format::SshAudit);
    }
    Some(match super::wazuh::detect(body) {
        Some(WazuhFormat::Agents) => Format::WazuhAgents,
        Some(WazuhFormat::Sca) => Format::WazuhSca,
        Some(WazuhFormat::VulnsApi | WazuhFormat::VulnsIndex) => Format::WazuhVulns,
        None => Format::Evidence,
    })
}

/// The local name of the first element, if the head holds one.
fn root_name(body: &[u8]) -> Option<String> {
    let mut reader = quick_xml::Reader::from_reader(body);
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e)) => {
                return Some(e.local_name().into_inner().to_string());
            }
            Ok(quick_xml::events::Event::Eof) | Err(_) => return None,
            Ok(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_told_from_their_content() {
        let cases: [(&[u8], Format); 6] = [
            (b"<?xml version=\"1.0\"?>\n<!DOCTYPE nmaprun>\n<nmaprun scanner=\"nmap\">", Format::Nmap),
            (b"\xef\xbb\xbf<NessusClientData_v2>", Format::Nessus),
            (b"<report id=\"x\">", Format::Openvas),
            (b"<TestResult xmlns=\"http://checklists.nist.gov/xccdf/1.2\" id=\"t\">", Format::Xccdf),
            (b"{\"schema\": \"tuanthu/evidence/v1\", \"started_at\": \"x\"}", Format::Evidence),
            (b"# Lynis Report\nreport_version_major=1\n", Format::Lynis),
        ];
        for (head, want) in cases {
            assert_eq!(detect(head), Ok(want), "{}", String::from_utf8_lossy(head));
        }
    }

    #[test]
    fn an_unknown_file_says_what_it_looks_like_and_what_is_known() {
        let known = Format::names();
        assert_eq!(
            detect(b"# Nmap 7.94 scan initiated Mon Dec  7 10:00:00 2026 as: nmap -sV 10.0.0.1\n")
                .unwrap_err()
                .to_string(),
            format!(
                "nmap normal output (-oN), which tuanthu does not read; run nmap with -oX FILE (XML output) and give that file; known formats: {known}"
            )
        );
        assert_eq!(
            detect(b"<html><body>").unwrap_err().to_string(),
            format!("XML with root element <html>, which tuanthu does not read; known formats: {known}")
        );
        assert_eq!(detect(b"  "), Ok(Format::Evidence), "the evidence reader explains an empty file");
        assert_eq!(Format::parse("Wazuh-SCA"), Some(Format::WazuhSca));
        assert_eq!(Format::parse("csv"), None);
    }
}
