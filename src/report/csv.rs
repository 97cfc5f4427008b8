//! `--format csv`: one row per finding (a control without findings still gets one row, so every
//! status appears), for spreadsheets. The last columns (added after the others, so that scripts
//! reading columns by position keep working) are the control's `basis` and its system's
//! `controls_measured` and `measured_share`, repeated on each of the system's rows as its level and
//! catalogue are.
//!
//! Written for Excel as much as for parsers: UTF-8 with a byte-order mark (without it Excel shows
//! Vietnamese as mojibake), CRLF line ends and RFC 4180 quoting. Cells are hostile data (banners,
//! certificate fields): control characters are stripped, and a cell that a spreadsheet would take
//! for a formula (`=`, `+`, `-`, `@` first) is prefixed with `'` (CSV injection).
//!
//! The writing helpers ([`BOM`], [`Field`], [`record`], [`row`]) are shared by every CSV tuanthu
//! writes (the Mẫu 08 return, the national view), so they all quote and defuse alike.

use super::{ControlReport, Report, ReportFinding};
use crate::i18n::Lang;

const HEADER_EN: [&str; 18] = [
    "agency_id",
    "system_id",
    "system",
    "level",
    "catalogue",
    "approval",
    "kind",
    "control",
    "status",
    "rule",
    "outcome",
    "severity",
    "asset",
    "message",
    "evidence",
    "basis",
    "controls_measured",
    "measured_share",
];

const HEADER_VI: [&str; 18] = [
    "ma_co_quan",
    "ma_he_thong",
    "he_thong",
    "cap_do",
    "danh_muc",
    "phe_duyet",
    "loai",
    "bien_phap",
    "trang_thai",
    "quy_tac",
    "ket_qua",
    "muc_do",
    "tai_san",
    "thong_diep",
    "bang_chung",
    "co_so",
    "bien_phap_do_kiem",
    "ty_le_do_kiem",
];

/// The byte-order mark every tuanthu CSV starts with: without it Excel reads UTF-8 as ANSI.
pub(crate) const BOM: &str = "\u{FEFF}";

/// One field of a CSV record.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Field<'a> {
    /// Text from an inventory, a report or a scanned host: flattened to one line, control
    /// characters stripped, defused when a spreadsheet would run it, quoted when needed.
    Text(&'a str),
    /// A count tuanthu computed.
    Count(usize),
    /// A number tuanthu computed (a rate, a change), at full precision; `None` is an empty field.
    /// Written as is: a negative change must stay a number, and no formula can hide in one.
    Number(Option<f64>),
}

/// A cell as written: one line, no control characters, no formula, quoted when needed.
fn cell(raw: &str) -> String {
    let mut s = crate::sanitize::one_line(raw);
    if s.starts_with(['=', '+', '-', '@']) {
        s.insert(0, '\'');
    }
    if s.contains([',', '"', ';']) || s.starts_with(' ') || s.ends_with(' ') {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// Appends one record, CRLF-terminated.
pub(crate) fn record(out: &mut String, fields: &[Field<'_>]) {
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        match *f {
            Field::Text(t) => out.push_str(&cell(t)),
            Field::Count(n) => out.push_str(&n.to_string()),
            Field::Number(Some(x)) if x.is_finite() => out.push_str(&x.to_string()),
            Field::Number(_) => {}
        }
    }
    out.push_str("\r\n");
}

/// Appends a record of text fields.
pub(crate) fn row(out: &mut String, cells: &[&str]) {
    let fields: Vec<Field<'_>> = cells.iter().map(|c| Field::Text(c)).collect();
    record(out, &fields);
}

pub fn render(report: &Report, lang: Lang) -> String {
    let mut out = String::from(BOM);
    row(&mut out, if lang == Lang::Vi { &HEADER_VI } else { &HEADER_EN });
    for (agency, system) in report.systems() {
        let level = system.level.to_string();
        let lists: [(&str, &[ControlReport]); 3] = [
            ("control", &system.controls),
            ("obligation", &system.obligations),
            ("optional", &system.optional_controls),
        ];
        for (kind, controls) in lists {
            for c in controls {
                let fixed =
                    [&agency.id, &system.id, &system.name, &level, &system.catalogue, system.approval.as_str(), kind];
                let findings: Vec<Option<&ReportFinding>> =
                    if c.findings.is_empty() { vec![None] } else { c.findings.iter().map(Some).collect() };
                for f in findings {
                    let mut fields: Vec<Field<'_>> = fixed.iter().map(|s| Field::Text(s)).collect();
                    fields.extend([Field::Text(&c.id), Field::Text(c.status.as_str())]);
                    fields.extend(finding_cells(f).map(Field::Text));
                    fields.extend([
                        Field::Text(c.basis.as_str()),
                        Field::Count(system.controls_measured),
                        Field::Number(system.measured_share),
                    ]);
                    record(&mut out, &fields);
                }
            }
        }
    }
    out
}

fn finding_cells(f: Option<&ReportFinding>) -> [&str; 6] {
    match f {
        None => [""; 6],
        Some(f) => [
            f.rule.as_str(),
            f.outcome.as_str(),
            f.severity.map_or("", |s| s.as_str()),
            f.asset.as_deref().unwrap_or(""),
            f.message.as_str(),
            f.evidence.as_deref().unwrap_or(""),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn numbers_are_written_as_numbers() {
        use super::{Field, record};
        let mut out = String::new();
        record(&mut out, &[Field::Text("-x"), Field::Count(3), Field::Number(Some(-0.25)), Field::Number(None)]);
        assert_eq!(out, "'-x,3,-0.25,\r\n");
    }

    #[test]
    fn cells_are_quoted_flattened_and_defused() {
        assert_eq!(cell("plain"), "plain");
        assert_eq!(cell("a, b"), "\"a, b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(cell("-1+2"), "'-1+2");
        assert!(!cell("line1\nline2\x1b[31m").contains(['\n', '\x1b']));
    }
}
