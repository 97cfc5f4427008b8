//! `--format sarif`: SARIF 2.1.0, so that GitHub and GitLab code scanning show a system's missing
//! controls beside the inventory entry that registers it.
//!
//! Mapping (one run per report):
//! - a SARIF *rule* is a catalogue control (`tt12-2022/APP.04`): its title, the regulation's
//!   clauses per level, the remediation of the tuanthu rules that can show it (or how to attest
//!   it), and a `security-severity` from the most severe of those rules;
//! - a *result* is one required control of one system on one asset that is `fail` (level `error`)
//!   or `unknown` (level `warning`: no evidence is not a pass). A control whose findings name no
//!   asset (an attestation, the system as a whole) yields one result for the system. A waived
//!   control is still reported, with an external suppression carrying the waiver, so code
//!   scanning shows it as dismissed rather than losing it;
//! - the *location* is the system's entry in the inventory file (file, line, column), the only
//!   source line a deployment pipeline can change; the system itself is the logical location;
//! - `partialFingerprints` identify (agency, system, control, asset), so code scanning tracks a
//!   result across runs even when the inventory file is edited above it;
//! - a result's `properties.basis` says what decided the control (`measured`, `attested`, `both`,
//!   `none`); the run's properties carry the report's `controls_measured`, `controls_required` and
//!   `measured_share` over every system.
//!
//! Text from scanned hosts reaches `message.text`: control characters are removed first.

use super::render::{Render, Sarif};
use super::{ControlReport, Glossary, RenderError, Report, SystemReport};
use crate::engine::{Outcome, Status};
use crate::i18n::tr;
use crate::policy::rules::Severity;
use serde_json::{Value, json};
use std::collections::BTreeMap;

pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

impl Render<Report> for Sarif {
    /// The SARIF log for `report`. Fails only if serialisation fails.
    fn render(&self, report: &Report, g: &Glossary) -> Result<Vec<u8>, RenderError> {
        Ok(log(report, g)?.into_bytes())
    }
}

fn log(report: &Report, g: &Glossary) -> Result<String, RenderError> {
    let mut rules = RuleTable::default();
    let mut results = Vec::new();
    for (agency, system) in report.systems() {
        for control in &system.controls {
            if let Some(status) = missing_status(control) {
                for group in by_asset(control, status) {
                    let index = rules.index(&system.catalogue, &control.id);
                    results.push(result(g, &agency.id, system, control, status, &group, index));
                }
            }
        }
    }
    let (measured, required, share) = report.measured();
    let mut log = json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "tuanthu",
                "version": report.tool.version,
                "semanticVersion": report.tool.version,
                "rules": rules.into_descriptors(g),
            }},
            "automationDetails": {"id": automation_id(report)},
            "invocations": [invocation(report)],
            "columnKind": "unicodeCodePoints",
            "results": results,
            "properties": {
                "as_of": report.as_of,
                "period": report.period,
                "rules_digest": report.policy.rules_digest,
                "controls_measured": measured,
                "controls_required": required,
                "measured_share": share,
            },
        }],
    });
    scrub(&mut log);
    serde_json::to_string_pretty(&log).map(|s| s + "\n").map_err(super::RenderError::serialise("SARIF"))
}

/// Strips control characters from every string of the log (ids, assets, evidence names and
/// properties too, not only the messages): code-scanning pages show them all, and JSON would only
/// escape C0 controls, not remove them.
fn scrub(v: &mut Value) {
    match v {
        Value::String(s) => *s = crate::sanitize::clean(s),
        Value::Array(a) => a.iter_mut().for_each(scrub),
        Value::Object(m) => m.values_mut().for_each(scrub),
        _ => {}
    }
}

/// The status a control is reported with, or `None` when nothing is missing. A waiver keeps the
/// status it covered (`fail` or `unknown`), so the result can carry it as a suppression.
fn missing_status(c: &ControlReport) -> Option<Status> {
    match c.status {
        Status::Fail | Status::Unknown => Some(c.status),
        Status::Waived => c.waived_status.filter(|s| s.is_missing()),
        Status::Pass | Status::NotApplicable => None,
    }
}

/// The findings that explain `status`, grouped by asset (`None`: the system as a whole).
struct AssetGroup<'r> {
    asset: Option<&'r str>,
    findings: Vec<&'r super::ReportFinding>,
}

fn by_asset(c: &ControlReport, status: Status) -> Vec<AssetGroup<'_>> {
    let wanted = if status == Status::Fail { Outcome::Fail } else { Outcome::Unknown };
    let mut groups: BTreeMap<Option<&str>, Vec<&super::ReportFinding>> = BTreeMap::new();
    for f in c.findings.iter().filter(|f| f.outcome == wanted) {
        groups.entry(f.asset.as_deref()).or_default().push(f);
    }
    if groups.is_empty() {
        // Nothing explains the status (e.g. no evidence at all): one result for the system.
        return vec![AssetGroup { asset: None, findings: Vec::new() }];
    }
    groups.into_iter().map(|(asset, findings)| AssetGroup { asset, findings }).collect()
}

fn result(
    g: &Glossary,
    agency: &str,
    system: &SystemReport,
    control: &ControlReport,
    status: Status,
    group: &AssetGroup,
    rule_index: usize,
) -> Value {
    let info = g.control(&system.catalogue, &control.id, system.level);
    let mut r = json!({
        "ruleId": rule_id(&system.catalogue, &control.id),
        "ruleIndex": rule_index,
        "kind": "fail",
        "level": if status == Status::Fail { "error" } else { "warning" },
        "message": {"text": message(g, system, control, status, group, info)},
        "locations": [location(agency, system)],
        "partialFingerprints": {"tuanthuFinding/v1": fingerprint(agency, &system.id, &system.catalogue, &control.id, group.asset)},
        "properties": {
            "agency": agency,
            "system": system.id,
            "level": system.level,
            "catalogue": system.catalogue,
            "control": control.id,
            "status": status.as_str(),
            "basis": control.basis.as_str(),
            "asset": group.asset,
            "clause": info.and_then(|i| i.clause),
            "rules": group.findings.iter().map(|f| f.rule.as_str()).collect::<Vec<_>>(),
            "evidence": group.findings.iter().filter_map(|f| f.evidence.as_deref()).collect::<Vec<_>>(),
        },
    });
    if let (Some(w), Some(obj)) = (&control.waiver, r.as_object_mut()) {
        let by = w.approved_by.as_deref().map(|b| format!(" ({b})")).unwrap_or_default();
        obj.insert(
            "suppressions".into(),
            json!([{
                "kind": "external",
                "status": "accepted",
                "justification": clean(&format!("{}{by}; expires {}", w.reason, w.expires)),
            }]),
        );
    }
    r
}

fn message(
    g: &Glossary,
    system: &SystemReport,
    control: &ControlReport,
    status: Status,
    group: &AssetGroup,
    info: Option<super::glossary::ControlInfo>,
) -> String {
    let lang = g.lang;
    let title = info.map(|i| i.title).unwrap_or(&control.id);
    let what =
        if status == Status::Fail { tr(lang, "fails", "không đạt") } else { tr(lang, "unknown", "chưa rõ") };
    let on = group.asset.map(|a| format!(" [{a}]")).unwrap_or_default();
    let level = tr(lang, "level", "cấp độ");
    let mut text =
        format!("{} {title}: {what}{on} — {} ({}, {level} {}).", control.id, system.name, system.id, system.level);
    if group.findings.is_empty() {
        text.push(' ');
        text.push_str(tr(
            lang,
            "No evidence shows this control: attest it in the inventory or collect evidence.",
            "Chưa có bằng chứng cho yêu cầu này: khai báo trong danh mục hoặc thu thập bằng chứng.",
        ));
    }
    for f in &group.findings {
        text.push(' ');
        text.push_str(&sentence(&f.message));
    }
    if let Some(clause) = info.and_then(|i| i.clause) {
        text.push_str(&format!(" ({}: {clause})", tr(lang, "clause", "điều khoản")));
    }
    clean(&text)
}

/// The system's entry in the inventory. Relative paths stay relative to `%SRCROOT%` (the
/// repository root in code scanning); absolute ones become `file://` URIs.
fn location(agency: &str, system: &SystemReport) -> Value {
    let src = &system.registration.source;
    let path = std::path::Path::new(&src.file);
    let artifact = if path.is_absolute() {
        match url::Url::from_file_path(path) {
            Ok(u) => json!({"uri": u.as_str()}),
            Err(()) => json!({"uri": percent_encode_path(&src.file)}),
        }
    } else {
        json!({"uri": percent_encode_path(src.file.trim_start_matches("./")), "uriBaseId": "%SRCROOT%"})
    };
    json!({
        "physicalLocation": {
            "artifactLocation": artifact,
            "region": {"startLine": src.line.max(1), "startColumn": src.column.max(1)},
        },
        "logicalLocations": [{
            "name": system.id,
            "fullyQualifiedName": format!("{agency}/{}", system.id),
            "kind": "module",
        }],
    })
}

/// RFC 3986 path: unreserved characters and `/` stay, every other byte is %-encoded (Vietnamese
/// file names, spaces).
fn percent_encode_path(p: &str) -> String {
    let mut out = String::with_capacity(p.len());
    for b in p.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn fingerprint(agency: &str, system: &str, catalogue: &str, control: &str, asset: Option<&str>) -> String {
    use sha2::Digest;
    // An absent asset (the system as a whole) must not read like an empty asset name.
    let asset = asset.map_or_else(|| "-".to_string(), |a| format!("={a}"));
    let key = [agency, system, catalogue, control, &asset].join("\u{0}");
    sha2::Sha256::digest(key.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

fn rule_id(catalogue: &str, control: &str) -> String {
    format!("{catalogue}/{control}")
}

/// The run's category in code scanning: one per system for a single-system report (a `gate`),
/// else one per agency set. No period in it: a new period must close the old alerts, not leave
/// them open under a category no longer uploaded.
fn automation_id(report: &Report) -> String {
    let mut systems = report.systems();
    if let (Some((agency, system)), None) = (systems.next(), systems.next()) {
        return format!("tuanthu/{}/{}/", agency.id, system.id);
    }
    let agencies: Vec<&str> = report.agencies.iter().map(|a| a.id.as_str()).collect();
    format!("tuanthu/{}/", agencies.join("+"))
}

/// The run succeeded; damaged or partial inputs are reported as notifications rather than lost.
fn invocation(report: &Report) -> Value {
    let notes: Vec<Value> = report
        .inputs
        .iter()
        .filter(|i| i.partial || i.error.is_some())
        .map(|i| {
            let what = i.error.as_deref().unwrap_or("partial evidence");
            json!({
                "level": if i.error.is_some() { "error" } else { "warning" },
                "message": {"text": clean(&format!("{} ({}): {what}", i.file, i.kind))},
            })
        })
        .collect();
    json!({
        "executionSuccessful": true,
        "endTimeUtc": report.generated_at,
        "toolExecutionNotifications": notes,
    })
}

/// A finding message as a sentence: capitalised, ending with a full stop.
fn sentence(m: &str) -> String {
    let mut chars = m.trim().chars();
    let mut out: String = chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default();
    if !out.is_empty() && !out.ends_with(['.', '!', '?']) {
        out.push('.');
    }
    out
}

fn clean(s: &str) -> String {
    crate::sanitize::one_line(s)
}

/// The controls results refer to, in first-use order (results carry their index).
#[derive(Default)]
struct RuleTable {
    ids: Vec<(String, String)>,
    index: BTreeMap<(String, String), usize>,
}

impl RuleTable {
    fn index(&mut self, catalogue: &str, control: &str) -> usize {
        let key = (catalogue.to_string(), control.to_string());
        if let Some(&i) = self.index.get(&key) {
            return i;
        }
        self.ids.push(key.clone());
        self.index.insert(key, self.ids.len() - 1);
        self.ids.len() - 1
    }

    fn into_descriptors(self, g: &Glossary) -> Vec<Value> {
        self.ids.iter().map(|(cat, id)| descriptor(g, cat, id)).collect()
    }
}

/// A control as a SARIF rule: title, clauses per level, remediation and severity.
fn descriptor(g: &Glossary, catalogue: &str, id: &str) -> Value {
    let lang = g.lang;
    let clauses: BTreeMap<String, &str> = (1..=5)
        .filter_map(|l| g.control(catalogue, id, l).and_then(|i| i.clause).map(|c| (l.to_string(), c)))
        .collect();
    let info = (1..=5).find_map(|l| g.control(catalogue, id, l));
    let title = info.map(|i| i.title).unwrap_or(id);
    let rules = g.rules_for_control(id);
    let mut help = String::new();
    for r in &rules {
        help.push_str(&format!("- {} ({}): {}\n", r.title, r.id, r.remediation));
    }
    if info.is_none_or(|i| i.needs_attestation) {
        help.push_str(&format!(
            "- {}{}\n",
            tr(
                lang,
                "Implement the control and attest it in the inventory (`attestations`) with evidence and a review date",
                "Triển khai yêu cầu và khai báo trong danh mục (`attestations`) kèm bằng chứng và ngày rà soát",
            ),
            info.and_then(|i| i.evidence_hint).map(|h| format!(": {h}")).unwrap_or_default()
        ));
    }
    let clause_text: Vec<String> =
        clauses.iter().map(|(l, c)| format!("{} {l}: {c}", tr(lang, "level", "cấp độ"))).collect();
    let full = if clause_text.is_empty() { title.to_string() } else { format!("{title} ({})", clause_text.join("; ")) };
    let mut tags = vec!["security".to_string(), "compliance".to_string(), catalogue.to_string()];
    if let Some(i) = info {
        tags.push(i.group.to_string());
    }
    // Code scanning shows `external/cwe/cwe-N` tags as CWE links.
    for cwe in rules.iter().filter_map(|r| r.cwe) {
        let tag = format!("external/cwe/{}", cwe.to_ascii_lowercase());
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    let mut properties = json!({"tags": tags, "clauses": clauses, "catalogue": catalogue});
    let severity = rules.iter().map(|r| r.severity).max().and_then(security_severity);
    if let (Some(sev), Some(obj)) = (severity, properties.as_object_mut()) {
        obj.insert("security-severity".into(), json!(sev));
    }
    json!({
        "id": rule_id(catalogue, id),
        "name": id,
        "shortDescription": {"text": clean(title)},
        "fullDescription": {"text": clean(&full)},
        "help": {"text": help.trim_end(), "markdown": help.trim_end()},
        "defaultConfiguration": {"level": "error"},
        "properties": properties,
    })
}

/// GitHub's scale: critical ≥ 9.0, high 7.0–8.9, medium 4.0–6.9, low 0.1–3.9. Informational
/// rules have no place on it and carry none.
fn security_severity(s: Severity) -> Option<&'static str> {
    match s {
        Severity::Critical => Some("9.5"),
        Severity::High => Some("8.0"),
        Severity::Medium => Some("5.5"),
        Severity::Low => Some("3.0"),
        Severity::Info => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_percent_encoded_per_byte() {
        assert_eq!(percent_encode_path("inventories/sở tttt.yaml"), "inventories/s%E1%BB%9F%20tttt.yaml");
        assert_eq!(percent_encode_path("a/b-c_d.e~f"), "a/b-c_d.e~f");
    }

    #[test]
    fn finding_messages_read_as_sentences() {
        assert_eq!(sentence("no attestation for this control"), "No attestation for this control.");
        assert_eq!(sentence("đã hết hạn."), "Đã hết hạn.");
        assert_eq!(sentence(""), "");
    }

    #[test]
    fn fingerprints_separate_their_parts() {
        // "ab"+"c" and "a"+"bc" must not collide.
        assert_ne!(fingerprint("ab", "c", "x", "y", None), fingerprint("a", "bc", "x", "y", None));
        assert_ne!(fingerprint("a", "b", "x", "y", None), fingerprint("a", "b", "x", "y", Some("")));
    }
}
