//! `tuanthu aggregate --format xlsx`: the national view as a workbook.
//!
//! Sheets (names fixed in every language; headers follow `--lang`):
//!
//! * **Overview** — the headline sentences in the ministry's phrasing (the same sentences as the
//!   table output), then the overall figures;
//! * **Agencies** — one row per counted agency with its figures, the change since `--previous`
//!   and the report counted for it, then a bold row for all agencies, kept below the autofilter;
//! * **By level** — figures per level, then per catalogue (regime);
//! * **Missing controls** — the national ranking, with each control's title (from the bundled
//!   catalogues; the bare id when a report names a control they do not have);
//! * **Rejected** and **Superseded** — the inputs not counted, and why.
//!
//! Cells are written as in [`crate::report::xlsx`]: text always as strings (never formulas),
//! control characters stripped, Excel's cell limit respected; rates as percentages, changes as
//! signed percentages.

use super::national::{Change, Figures, National};
use crate::i18n::{Lang, tr};
use crate::report::kit::sheet::{Cell, Col, DataSheet, Styles, cell_text, col, data_sheet, long};
use crate::report::kit::words::{missing_list, yes_no};
use crate::report::render::{Render, Xlsx};
use crate::report::{Glossary, RenderError};
use rust_xlsxwriter::{Workbook, XlsxError};

impl Render<National> for Xlsx {
    /// The national view as a workbook. `glossary` names the missing controls.
    fn render(&self, n: &National, glossary: &Glossary) -> Result<Vec<u8>, RenderError> {
        workbook(n, glossary)
    }
}

fn workbook(n: &National, glossary: &Glossary) -> Result<Vec<u8>, RenderError> {
    let lang = glossary.lang;
    let mut wb = Workbook::new();
    let title = format!("{} {}", tr(lang, "National view, period", "Tổng hợp toàn quốc, kỳ"), n.period);
    crate::report::kit::sheet::properties(&mut wb, &title, &n.generated_at);
    write(&mut wb, n, glossary, &title)?;
    crate::report::kit::sheet::save(&mut wb)
}

fn write(wb: &mut Workbook, n: &National, g: &Glossary, title: &str) -> Result<(), XlsxError> {
    let s = Styles::new();
    overview(wb, &s, n, g.lang, title)?;
    agencies(wb, &s, n, g.lang)?;
    by_level(wb, &s, n, g.lang)?;
    missing(wb, &s, n, g)?;
    rejected(wb, &s, n, g.lang)?;
    superseded(wb, &s, n, g.lang)
}

fn overview(wb: &mut Workbook, s: &Styles, n: &National, lang: Lang, title: &str) -> Result<(), XlsxError> {
    let t = |en, vi| tr(lang, en, vi);
    let ws = wb.add_worksheet();
    ws.set_name("Overview")?;
    ws.set_column_width(0, 56.0)?;
    ws.set_column_width(1, 16.0)?;
    ws.write_string_with_format(0, 0, cell_text(title), &s.title)?;
    let generated = format!("{} {}", t("Generated at:", "Thời điểm lập:"), n.generated_at);
    ws.write_string(1, 0, cell_text(&generated))?;
    let mut row = 3;
    for h in super::words::headlines(n, lang) {
        ws.write_string(row, 0, cell_text(&h))?;
        row += 1;
    }
    if n.includes_unsigned {
        let warn = t(
            "Some counted reports were not signed (--allow-unsigned).",
            "Có báo cáo chưa ký số được tính (--allow-unsigned).",
        );
        ws.write_string(row, 0, warn)?;
        row += 1;
    }
    row += 1;
    ws.write_string_with_format(row, 0, t("Figure", "Chỉ tiêu"), &s.header)?;
    ws.write_string_with_format(row, 1, t("All agencies", "Tất cả cơ quan"), &s.header)?;
    let o = &n.overall;
    let f = &o.figures;
    let change = o.change.as_ref();
    let lines: [(&str, Cell<'_>); 15] = [
        (t("Agencies", "Số cơ quan"), Cell::Count(o.agencies)),
        (t("Systems", "Số hệ thống"), Cell::Count(f.systems_total)),
        (t("Approved", "Đã phê duyệt"), Cell::Count(f.systems_approved)),
        (t("Approval rate", "Tỷ lệ phê duyệt"), Cell::Rate(f.approval_rate)),
        (t("Fully implemented", "Triển khai đầy đủ"), Cell::Count(f.systems_fully_implemented)),
        (t("Fully implemented rate", "Tỷ lệ triển khai đầy đủ"), Cell::Rate(f.fully_implemented_rate)),
        (t("Partly implemented", "Triển khai một số hạng mục"), Cell::Count(f.systems_partly_implemented)),
        (t("Not implemented", "Chưa triển khai"), Cell::Count(f.systems_not_implemented)),
        (t("Measured controls", "Biện pháp đo kiểm"), Cell::Count(f.controls_measured)),
        (t("Measured share of required controls", "Tỷ lệ biện pháp bắt buộc đo kiểm"), Cell::Rate(f.measured_share)),
        (
            t("Agencies with an approval rate below 50%", "Cơ quan có tỷ lệ phê duyệt dưới 50%"),
            Cell::Count(o.agencies_below_50pct_approval),
        ),
        (
            t("Change in approval rate since the previous period", "Thay đổi tỷ lệ phê duyệt so với kỳ trước"),
            Cell::Change(change.and_then(|c| c.approval_rate)),
        ),
        (
            t(
                "Change in fully implemented rate since the previous period",
                "Thay đổi tỷ lệ triển khai đầy đủ so với kỳ trước",
            ),
            Cell::Change(change.and_then(|c| c.fully_implemented_rate)),
        ),
        (t("Rejected inputs", "Báo cáo bị từ chối"), Cell::Count(n.rejected.len())),
        (t("Superseded inputs", "Báo cáo bị thay thế"), Cell::Count(n.superseded.len())),
    ];
    for (label, value) in lines {
        row += 1;
        crate::report::kit::sheet::write_cell(ws, s, (row, 0), Cell::Text(label), false, false)?;
        crate::report::kit::sheet::write_cell(ws, s, (row, 1), value, false, false)?;
    }
    Ok(())
}

/// The figure columns shared by the Agencies and By level sheets.
fn figure_cols(lang: Lang) -> Vec<Col<'static>> {
    let t = |en, vi| tr(lang, en, vi);
    vec![
        col(t("Systems", "Số hệ thống"), 10.0),
        col(t("Approved", "Đã phê duyệt"), 10.0),
        col(t("Approval rate", "Tỷ lệ phê duyệt"), 11.0),
        col(t("Fully implemented", "Triển khai đầy đủ"), 12.0),
        col(t("Fully implemented rate", "Tỷ lệ triển khai đầy đủ"), 12.0),
        col(t("Partly implemented", "Triển khai một số hạng mục"), 12.0),
        col(t("Not implemented", "Chưa triển khai"), 12.0),
        col(t("Measured controls", "Biện pháp đo kiểm"), 11.0),
        col(t("Measured share", "Tỷ lệ đo kiểm"), 11.0),
    ]
}

fn figure_cells(f: &Figures) -> [Cell<'static>; 9] {
    [
        Cell::Count(f.systems_total),
        Cell::Count(f.systems_approved),
        Cell::Rate(f.approval_rate),
        Cell::Count(f.systems_fully_implemented),
        Cell::Rate(f.fully_implemented_rate),
        Cell::Count(f.systems_partly_implemented),
        Cell::Count(f.systems_not_implemented),
        Cell::Count(f.controls_measured),
        Cell::Rate(f.measured_share),
    ]
}

fn change_cells(c: Option<&Change>) -> [Cell<'static>; 2] {
    [Cell::Change(c.and_then(|c| c.approval_rate)), Cell::Change(c.and_then(|c| c.fully_implemented_rate))]
}

fn missing_of(f: &Figures) -> String {
    missing_list(f.missing_controls.iter().map(|m| (m.control.as_str(), m.systems)))
}

fn agencies(wb: &mut Workbook, s: &Styles, n: &National, lang: Lang) -> Result<(), XlsxError> {
    let t = |en, vi| tr(lang, en, vi);
    let mut cols = vec![col(t("Agency ID", "Mã cơ quan"), 18.0), long(t("Agency", "Cơ quan"), 36.0)];
    cols.extend(figure_cols(lang));
    cols.extend([
        col(t("Change in approval rate", "Thay đổi tỷ lệ phê duyệt"), 12.0),
        col(t("Change in fully implemented rate", "Thay đổi tỷ lệ triển khai đầy đủ"), 12.0),
        long(t("Missing controls (systems)", "Biện pháp còn thiếu (số hệ thống)"), 40.0),
        col(t("Report", "Báo cáo"), 30.0),
        col(t("Generated at", "Thời điểm lập"), 21.0),
        col(t("Signed by", "Khóa ký"), 18.0),
    ]);
    let mut sheet = data_sheet(wb, s, "Agencies", &cols)?;
    for a in &n.agencies {
        let missing = missing_of(&a.figures);
        let mut cells = vec![Cell::Text(&a.id), Cell::Text(&a.name)];
        cells.extend(figure_cells(&a.figures));
        cells.extend(change_cells(a.change.as_ref()));
        cells.extend([
            Cell::Text(&missing),
            Cell::Text(&a.report),
            Cell::Text(&a.generated_at),
            Cell::Text(a.signed_by.as_deref().unwrap_or("")),
        ]);
        sheet.push(&cells)?;
    }
    sheet.finish()?;
    let o = &n.overall;
    let name = format!("{} ({})", t("All agencies", "Tất cả cơ quan"), o.agencies);
    let missing = missing_of(&o.figures);
    let mut cells = vec![Cell::Text(""), Cell::Text(&name)];
    cells.extend(figure_cells(&o.figures));
    cells.extend(change_cells(o.change.as_ref()));
    cells.extend([Cell::Text(&missing), Cell::Text(""), Cell::Text(&n.generated_at)]);
    sheet.total(&cells)
}

fn by_level(wb: &mut Workbook, s: &Styles, n: &National, lang: Lang) -> Result<(), XlsxError> {
    let t = |en, vi| tr(lang, en, vi);
    let mut cols =
        vec![col(t("Breakdown", "Phân theo"), 11.0), col(t("Level or catalogue", "Cấp độ hoặc danh mục"), 14.0)];
    cols.extend(figure_cols(lang));
    cols.push(long(t("Missing controls (systems)", "Biện pháp còn thiếu (số hệ thống)"), 50.0));
    let mut sheet: DataSheet<'_> = data_sheet(wb, s, "By level", &cols)?;
    let groups = [("level", &n.overall.by_level), ("catalogue", &n.overall.by_catalogue)];
    for (kind, group) in groups {
        for (key, f) in group {
            let missing = missing_of(f);
            let mut cells = vec![Cell::Text(kind), Cell::Text(key)];
            cells.extend(figure_cells(f));
            cells.push(Cell::Text(&missing));
            sheet.push(&cells)?;
        }
    }
    sheet.finish()
}

fn missing(wb: &mut Workbook, s: &Styles, n: &National, g: &Glossary) -> Result<(), XlsxError> {
    let t = |en, vi| tr(g.lang, en, vi);
    let cols = [
        col(t("Rank", "Thứ tự"), 7.0),
        col(t("Control", "Biện pháp"), 12.0),
        long(t("Title", "Tên biện pháp"), 60.0),
        col(t("Systems", "Số hệ thống"), 10.0),
        col(t("Agencies", "Số cơ quan"), 10.0),
    ];
    let mut sheet = data_sheet(wb, s, "Missing controls", &cols)?;
    for (i, m) in n.missing_controls.iter().enumerate() {
        let title = g.any_control_title(&m.control).unwrap_or(&m.control);
        sheet.push(&[
            Cell::Count(i + 1),
            Cell::Text(&m.control),
            Cell::Text(title),
            Cell::Count(m.systems),
            Cell::Count(m.agencies.unwrap_or(0)),
        ])?;
    }
    sheet.finish()
}

fn rejected(wb: &mut Workbook, s: &Styles, n: &National, lang: Lang) -> Result<(), XlsxError> {
    let t = |en, vi| tr(lang, en, vi);
    let cols = [col(t("File", "Tệp"), 50.0), long(t("Reason", "Lý do"), 70.0)];
    let mut sheet = data_sheet(wb, s, "Rejected", &cols)?;
    for r in &n.rejected {
        sheet.push(&[Cell::Text(&r.file), Cell::Text(&r.reason)])?;
    }
    sheet.finish()
}

fn superseded(wb: &mut Workbook, s: &Styles, n: &National, lang: Lang) -> Result<(), XlsxError> {
    let t = |en, vi| tr(lang, en, vi);
    let cols = [
        col(t("File", "Tệp"), 50.0),
        col(t("Superseded by", "Được thay bằng"), 50.0),
        col(t("Identical copy", "Bản trùng lặp"), 14.0),
    ];
    let mut sheet = data_sheet(wb, s, "Superseded", &cols)?;
    for x in &n.superseded {
        sheet.push(&[Cell::Text(&x.file), Cell::Text(&x.by), Cell::Text(yes_no(x.identical, lang))])?;
    }
    sheet.finish()
}
