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

use super::kit::csv::{BOM, Field, record, row};
use super::render::{Csv, Render};
use super::{ControlReport, Glossary, RenderError, Report, ReportFinding};
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

impl Render<Report> for Csv {
    fn render(&self, report: &Report, g: &Glossary) -> Result<Vec<u8>, RenderError> {
        Ok(text(report, g.lang).into_bytes())
    }
}

fn text(report: &Report, lang: Lang) -> String {
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
