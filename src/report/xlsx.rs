//! `--format xlsx`: the report as an Excel workbook, for the people who work in spreadsheets.
//!
//! Sheets, in order:
//!
//! * **Summary** — one row per agency: systems, approval, compliance and implementation figures,
//!   and the required controls decided by measurement (`controls_measured`, `measured_share`);
//! * **Systems** — one row per system: level, regime, approval (with its Mẫu 08 wording), status
//!   counts, measured controls and share, and the registration (owner, operator, decisions,
//!   expected dates, inventory source);
//! * **Controls** — one row per system × control (required controls, obligations and optional
//!   controls, told apart by a kind column) with the control's title and clause, its status, its
//!   basis and how many findings explain it;
//! * **Findings** — one row per finding, as in `--format csv`, plus the rule's title and
//!   remediation;
//! * **Mẫu 08** — the yearly return of Decree 331, laid out as the form ([`super::mau08`]).
//!
//! Sheet names are the same in every language (scripts find sheets by name); headers follow
//! `--lang`. Every data sheet has a bold header row, frozen, with an autofilter. Status, kind and approval
//! columns hold the same ids as the JSON and CSV reports (`fail`, `obligation`, `submitted`), so
//! filters and formulas written against one report work on the next.
//!
//! **Hostile text.** Names, banners and certificate fields reach the cells. Every string passes
//! through [`cell_text`](super::kit::sheet::cell_text): flattened to one line, control characters stripped as everywhere in
//! tuanthu, cut to Excel's 32 767-unit cell limit with a `…` marker. Text is always written as a
//! string cell, never as a formula, so `=HYPERLINK(…)` stays text; numbers are written only from
//! figures tuanthu computed. **Dates** are real Excel dates shown as `yyyy-mm-dd` (ISO 8601, the
//! form every other tuanthu output uses), so they sort and filter as dates.

use super::kit::sheet::{Cell, DataSheet, Styles, col, data_sheet, long, properties, save};
use super::kit::words::{missing_list, yes_no};
use super::render::{Render, Xlsx};
use super::{ControlReport, Deployment, Glossary, RenderError, Report, ReportFinding, SystemReport};
use crate::i18n::{Lang, tr};
use rust_xlsxwriter::{Workbook, XlsxError};

pub(crate) fn deployment_id(d: Deployment) -> &'static str {
    match d {
        Deployment::Full => "full",
        Deployment::Partial => "partial",
        Deployment::None => "none",
    }
}

impl Render<Report> for Xlsx {
    /// The report as a workbook (see the module documentation).
    fn render(&self, report: &Report, glossary: &Glossary) -> Result<Vec<u8>, RenderError> {
        workbook(report, glossary)
    }
}

fn workbook(report: &Report, glossary: &Glossary) -> Result<Vec<u8>, RenderError> {
    let mut wb = Workbook::new();
    properties(
        &mut wb,
        tr(glossary.lang, "tuanthu compliance report", "Báo cáo tuân thủ tuanthu"),
        &report.generated_at,
    );
    let form = super::mau08::Return::build(report, glossary)?;
    write(&mut wb, report, glossary, &form)?;
    save(&mut wb)
}

fn write(
    wb: &mut Workbook,
    report: &Report,
    glossary: &Glossary,
    form: &super::mau08::Return,
) -> Result<(), XlsxError> {
    let styles = Styles::new();
    let lang = glossary.lang;
    summary(wb, &styles, report, lang)?;
    systems(wb, &styles, report, lang)?;
    controls(wb, &styles, report, glossary)?;
    findings(wb, &styles, report, glossary)?;
    form.write_sheet(wb, lang)?;
    Ok(())
}

fn summary(wb: &mut Workbook, s: &Styles, report: &Report, lang: Lang) -> Result<(), XlsxError> {
    let t = |en, vi| tr(lang, en, vi);
    let cols = [
        col(t("Agency ID", "Mã cơ quan"), 18.0),
        long(t("Agency", "Cơ quan"), 36.0),
        col(t("Period", "Kỳ báo cáo"), 9.0),
        col(t("As of", "Tính đến ngày"), 12.0),
        col(t("Generated at", "Thời điểm lập"), 21.0),
        col(t("Systems", "Số hệ thống"), 10.0),
        col(t("Approved", "Đã phê duyệt"), 10.0),
        col(t("Approval rate", "Tỷ lệ phê duyệt"), 11.0),
        col(t("Compliant", "Đạt yêu cầu"), 10.0),
        col(t("Compliance rate", "Tỷ lệ đạt yêu cầu"), 11.0),
        col(t("Fully implemented", "Triển khai đầy đủ"), 12.0),
        col(t("Fully implemented rate", "Tỷ lệ triển khai đầy đủ"), 12.0),
        col(t("Fully implemented among approved", "Tỷ lệ triển khai đầy đủ trong số đã phê duyệt"), 14.0),
        col(t("Partly implemented", "Triển khai một số hạng mục"), 12.0),
        col(t("Not implemented", "Chưa triển khai"), 12.0),
        col(t("Controls measured", "Biện pháp đo kiểm"), 11.0),
        col(t("Measured share", "Tỷ lệ đo kiểm"), 11.0),
        long(t("Missing controls (systems)", "Biện pháp còn thiếu (số hệ thống)"), 50.0),
    ];
    let mut sheet = data_sheet(wb, s, "Summary", &cols)?;
    for a in &report.agencies {
        let missing = missing_list(a.missing_controls.iter().map(|m| (m.control.as_str(), m.systems)));
        sheet.push(&[
            Cell::Text(&a.id),
            Cell::Text(&a.name),
            Cell::Text(&report.period),
            Cell::Date(Some(&report.as_of)),
            Cell::Text(&report.generated_at),
            Cell::Count(a.systems_total),
            Cell::Count(a.systems_approved),
            Cell::Rate(a.approval_rate),
            Cell::Count(a.systems_compliant),
            Cell::Rate(a.compliance_rate),
            Cell::Count(a.systems_fully_implemented),
            Cell::Rate(a.fully_implemented_rate),
            Cell::Rate(a.approved_compliance_rate),
            Cell::Count(a.systems_partly_implemented),
            Cell::Count(a.systems_not_implemented),
            Cell::Count(a.controls_measured),
            Cell::Rate(a.measured_share),
            Cell::Text(&missing),
        ])?;
    }
    sheet.finish()
}

fn systems(wb: &mut Workbook, s: &Styles, report: &Report, lang: Lang) -> Result<(), XlsxError> {
    let t = |en, vi| tr(lang, en, vi);
    let cols = [
        col(t("Agency ID", "Mã cơ quan"), 16.0),
        col(t("System ID", "Mã hệ thống"), 20.0),
        long(t("System", "Hệ thống"), 40.0),
        col(t("Level", "Cấp độ"), 7.0),
        col(t("Catalogue", "Danh mục"), 12.0),
        col(t("Approval", "Phê duyệt"), 11.0),
        col(t("Approval (Mẫu 08)", "Tình trạng phê duyệt (Mẫu 08)"), 22.0),
        col(t("Approval decision", "Quyết định phê duyệt"), 18.0),
        col(t("Decision date", "Ngày quyết định"), 12.0),
        col(t("Compliant", "Đạt yêu cầu"), 10.0),
        col(t("Fully implemented", "Triển khai đầy đủ"), 11.0),
        col(t("Deployment", "Mức triển khai"), 11.0),
        col(t("Pass", "Đạt"), 7.0),
        col(t("Fail", "Không đạt"), 7.0),
        col(t("Unknown", "Chưa rõ"), 8.0),
        col(t("Waived", "Miễn trừ"), 8.0),
        col(t("Not applicable", "Không áp dụng"), 9.0),
        col(t("Controls measured", "Biện pháp đo kiểm"), 11.0),
        col(t("Measured share", "Tỷ lệ đo kiểm"), 11.0),
        long(t("Owner", "Chủ quản"), 28.0),
        long(t("Operator", "Đơn vị vận hành"), 28.0),
        col(t("Security regulation", "Quy chế bảo đảm an toàn"), 16.0),
        col(t("Expected approval", "Dự kiến phê duyệt"), 12.0),
        col(t("Expected full implementation", "Dự kiến triển khai đầy đủ"), 13.0),
        col(t("Transition", "Chuyển tiếp"), 11.0),
        col(t("Inventory entry", "Vị trí trong danh mục"), 30.0),
    ];
    let mut sheet = data_sheet(wb, s, "Systems", &cols)?;
    for (agency, sys) in report.systems() {
        let r = &sys.registration;
        let source = format!("{}:{}:{}", r.source.file, r.source.line, r.source.column);
        let transition = sys.transition.as_ref().map(|x| transition_id(x.state)).unwrap_or("");
        sheet.push(&[
            Cell::Text(&agency.id),
            Cell::Text(&sys.id),
            Cell::Text(&sys.name),
            Cell::Count(usize::from(sys.level)),
            Cell::Text(&sys.catalogue),
            Cell::Text(sys.approval.as_str()),
            Cell::Text(super::mau08::approval_status(sys.approval)),
            Cell::Text(r.approval_decision.as_deref().unwrap_or("")),
            Cell::Date(r.approval_date.as_deref()),
            Cell::Text(yes_no(sys.compliant, lang)),
            Cell::Text(yes_no(sys.fully_implemented, lang)),
            Cell::Text(deployment_id(sys.deployment)),
            Cell::Count(sys.counts.pass),
            Cell::Count(sys.counts.fail),
            Cell::Count(sys.counts.unknown),
            Cell::Count(sys.counts.waived),
            Cell::Count(sys.counts.not_applicable),
            Cell::Count(sys.controls_measured),
            Cell::Rate(sys.measured_share),
            Cell::Text(r.owner.as_deref().unwrap_or("")),
            Cell::Text(r.operator.as_deref().unwrap_or("")),
            Cell::Text(r.regulation.as_deref().unwrap_or("")),
            Cell::Date(r.expected_approval.as_deref()),
            Cell::Date(r.expected_completion.as_deref()),
            Cell::Text(transition),
            Cell::Text(&source),
        ])?;
    }
    sheet.finish()
}

fn transition_id(s: crate::engine::TransitionState) -> &'static str {
    use crate::engine::TransitionState::*;
    match s {
        Pending => "pending",
        Preview => "preview",
        Ended => "ended",
        Overdue => "overdue",
    }
}

/// Each system's controls, obligations and optional controls, with the kind id the CSV uses.
fn control_lists(sys: &SystemReport) -> [(&'static str, &[ControlReport]); 3] {
    [("control", &sys.controls), ("obligation", &sys.obligations), ("optional", &sys.optional_controls)]
}

fn controls(wb: &mut Workbook, s: &Styles, report: &Report, g: &Glossary) -> Result<(), XlsxError> {
    let t = |en, vi| tr(g.lang, en, vi);
    let cols = [
        col(t("Agency ID", "Mã cơ quan"), 16.0),
        col(t("System ID", "Mã hệ thống"), 20.0),
        col(t("Level", "Cấp độ"), 7.0),
        col(t("Catalogue", "Danh mục"), 12.0),
        col(t("Kind", "Loại"), 11.0),
        col(t("Control", "Biện pháp"), 10.0),
        long(t("Title", "Tên biện pháp"), 50.0),
        col(t("Clause", "Điều khoản"), 22.0),
        col(t("Status", "Trạng thái"), 14.0),
        col(t("Basis", "Cơ sở"), 10.0),
        col(t("Findings", "Số phát hiện"), 10.0),
        col(t("Tailored", "Điều chỉnh"), 10.0),
        long(t("Waiver", "Miễn trừ"), 36.0),
    ];
    let mut sheet = data_sheet(wb, s, "Controls", &cols)?;
    for (agency, sys) in report.systems() {
        for (kind, list) in control_lists(sys) {
            for c in list {
                let info = g.control(&sys.catalogue, &c.id, sys.level);
                let waiver = c.waiver.as_ref().map(|w| format!("{} ({} {})", w.reason, t("until", "đến"), w.expires));
                sheet.push(&[
                    Cell::Text(&agency.id),
                    Cell::Text(&sys.id),
                    Cell::Count(usize::from(sys.level)),
                    Cell::Text(&sys.catalogue),
                    Cell::Text(kind),
                    Cell::Text(&c.id),
                    Cell::Text(info.map_or("", |i| i.title)),
                    Cell::Text(info.and_then(|i| i.clause).unwrap_or("")),
                    Cell::Text(c.status.as_str()),
                    Cell::Text(c.basis.as_str()),
                    Cell::Count(c.findings.len()),
                    Cell::Text(if c.tailored { yes_no(true, g.lang) } else { "" }),
                    Cell::Text(waiver.as_deref().unwrap_or("")),
                ])?;
            }
        }
    }
    sheet.finish()
}

fn findings(wb: &mut Workbook, s: &Styles, report: &Report, g: &Glossary) -> Result<(), XlsxError> {
    let t = |en, vi| tr(g.lang, en, vi);
    let cols = [
        col(t("Agency ID", "Mã cơ quan"), 16.0),
        col(t("System ID", "Mã hệ thống"), 20.0),
        long(t("System", "Hệ thống"), 30.0),
        col(t("Level", "Cấp độ"), 7.0),
        col(t("Catalogue", "Danh mục"), 12.0),
        col(t("Approval", "Phê duyệt"), 11.0),
        col(t("Kind", "Loại"), 11.0),
        col(t("Control", "Biện pháp"), 10.0),
        col(t("Status", "Trạng thái"), 14.0),
        col(t("Rule", "Quy tắc"), 24.0),
        long(t("Rule title", "Tên quy tắc"), 36.0),
        col(t("Outcome", "Kết quả"), 9.0),
        col(t("Severity", "Mức độ"), 9.0),
        col(t("Asset", "Tài sản"), 24.0),
        long(t("Message", "Thông điệp"), 60.0),
        col(t("Evidence", "Bằng chứng"), 28.0),
        long(t("Remediation", "Khắc phục"), 50.0),
    ];
    let mut sheet = data_sheet(wb, s, "Findings", &cols)?;
    for (agency, sys) in report.systems() {
        for (kind, list) in control_lists(sys) {
            for c in list {
                for f in &c.findings {
                    finding_row(&mut sheet, g, agency.id.as_str(), sys, kind, c, f)?;
                }
            }
        }
    }
    sheet.finish()
}

fn finding_row(
    sheet: &mut DataSheet<'_>,
    g: &Glossary,
    agency: &str,
    sys: &SystemReport,
    kind: &str,
    c: &ControlReport,
    f: &ReportFinding,
) -> Result<(), XlsxError> {
    let rule = g.rule(f.rule.as_str());
    sheet.push(&[
        Cell::Text(agency),
        Cell::Text(&sys.id),
        Cell::Text(&sys.name),
        Cell::Count(usize::from(sys.level)),
        Cell::Text(&sys.catalogue),
        Cell::Text(sys.approval.as_str()),
        Cell::Text(kind),
        Cell::Text(&c.id),
        Cell::Text(c.status.as_str()),
        Cell::Text(f.rule.as_str()),
        Cell::Text(rule.map_or("", |r| r.title)),
        Cell::Text(f.outcome.as_str()),
        Cell::Text(f.severity.map_or("", |s| s.as_str())),
        Cell::Text(f.asset.as_deref().unwrap_or("")),
        Cell::Text(&f.message),
        Cell::Text(f.evidence.as_deref().unwrap_or("")),
        Cell::Text(rule.map_or("", |r| r.remediation)),
    ])
}
