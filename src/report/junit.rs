//! `--format junit`: a test suite per system and a test case per required control, so a CI
//! server shows a system's level as a test run.
//!
//! `fail` and `unknown` are both failures (type `fail` / `unknown`): a pipeline must not pass on
//! missing evidence. `waived` and `not_applicable` are skipped, with the reason. Text comes from
//! scanned hosts: control characters that XML 1.0 cannot carry are stripped, the rest is escaped.

use super::render::{Junit, Render};
use super::{ControlReport, Glossary, RenderError, Report, SystemReport};
use crate::engine::Status;
use std::fmt::Write;

/// XML-escaped, one line, no control characters.
fn esc(s: &str) -> String {
    crate::sanitize::markup(&crate::sanitize::one_line(s))
}

/// The findings of a control, one per line, as the failure's body.
fn details(c: &ControlReport) -> String {
    c.findings
        .iter()
        .map(|f| {
            let asset = f.asset.as_deref().map(|a| format!(" [{a}]")).unwrap_or_default();
            let evidence = f.evidence.as_deref().map(|e| format!(" ({e})")).unwrap_or_default();
            esc(&format!("{}{asset}: {}{evidence}", f.rule, f.message))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn case(out: &mut String, class: &str, c: &ControlReport) {
    let _ = write!(out, "    <testcase classname=\"{}\" name=\"{}\"", esc(class), esc(&c.id));
    let first = c.findings.iter().find(|f| f.outcome != crate::engine::Outcome::Pass);
    let message = esc(first.map_or("", |f| f.message.as_str()));
    match c.status {
        Status::Pass => out.push_str("/>\n"),
        Status::Fail | Status::Unknown => {
            let _ = writeln!(
                out,
                ">\n      <failure type=\"{}\" message=\"{message}\">{}</failure>\n    </testcase>",
                c.status.as_str(),
                details(c)
            );
        }
        Status::Waived | Status::NotApplicable => {
            let why = c.waiver.as_ref().map(|w| esc(&w.reason)).unwrap_or(message);
            let _ = writeln!(out, ">\n      <skipped message=\"{}: {why}\"/>\n    </testcase>", c.status.as_str());
        }
    }
}

fn suite(out: &mut String, agency: &str, s: &SystemReport) {
    let count = |p: fn(Status) -> bool| s.controls.iter().filter(|c| p(c.status)).count();
    let skipped = count(|st| matches!(st, Status::Waived | Status::NotApplicable));
    let _ = writeln!(
        out,
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{skipped}\">",
        esc(&format!("{agency}/{} — level {} ({})", s.id, s.level, s.catalogue)),
        s.controls.len(),
        count(Status::is_missing),
    );
    let class = format!("{agency}.{}", s.id);
    for c in &s.controls {
        case(out, &class, c);
    }
    out.push_str("  </testsuite>\n");
}

impl Render<Report> for Junit {
    fn render(&self, report: &Report, _: &Glossary) -> Result<Vec<u8>, RenderError> {
        Ok(text(report).into_bytes())
    }
}

fn text(report: &Report) -> String {
    let systems: Vec<_> = report.systems().collect();
    let tests: usize = systems.iter().map(|(_, s)| s.controls.len()).sum();
    let failures: usize =
        systems.iter().map(|(_, s)| s.controls.iter().filter(|c| Status::is_missing(c.status)).count()).sum();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(out, "<testsuites name=\"tuanthu\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\">");
    for (agency, system) in systems {
        suite(&mut out, &agency.id, system);
    }
    out.push_str("</testsuites>\n");
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn text_is_escaped_and_stripped() {
        let e = super::esc("a<b & \"c\"\u{1b}[0m\n");
        assert!(e.starts_with("a&lt;b &amp; &quot;c&quot;"), "{e}");
        assert!(!e.chars().any(char::is_control), "{e:?}");
    }
}
