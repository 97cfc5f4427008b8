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
//! through [`cell_text`]: flattened to one line, control characters stripped as everywhere in
//! tuanthu, cut to Excel's 32 767-unit cell limit with a `…` marker. Text is always written as a
//! string cell, never as a formula, so `=HYPERLINK(…)` stays text; numbers are written only from
//! figures tuanthu computed. **Dates** are real Excel dates shown as `yyyy-mm-dd` (ISO 8601, the
//! form every other tuanthu output uses), so they sort and filter as dates.

use super::{ControlReport, Deployment, Glossary, Report, ReportFinding, SystemReport};
use crate::i18n::{Lang, tr};
use rust_xlsxwriter::{
    Color, DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError,
};
use std::borrow::Cow;

/// Excel's limit on the text of one cell, in UTF-16 code units.
pub const CELL_MAX: usize = 32_767;

/// Marks a cell cut at [`CELL_MAX`].
const CUT: char = '…';

/// A string as written to a cell: one line, control characters stripped (see
/// [`crate::sanitize`]), cut to [`CELL_MAX`] with a `…` marker.
pub fn cell_text(raw: &str) -> String {
    fit(crate::sanitize::one_line(raw))
}

/// Cuts `s` to Excel's cell limit, marking the cut.
fn fit(s: String) -> String {
    // A UTF-8 string has at least as many bytes as UTF-16 units: short strings need no count.
    if s.len() <= CELL_MAX || s.encode_utf16().count() <= CELL_MAX {
        return s;
    }
    let budget = CELL_MAX - CUT.len_utf16();
    let (mut units, mut end) = (0, 0);
    for (i, c) in s.char_indices() {
        if units + c.len_utf16() > budget {
            break;
        }
        units += c.len_utf16();
        end = i + c.len_utf8();
    }
    let mut out = s[..end].to_string();
    out.push(CUT);
    out
}

/// The formats every tuanthu workbook shares.
pub(crate) struct Styles {
    pub header: Format,
    pub text: Format,
    pub wrap: Format,
    pub count: Format,
    pub rate: Format,
    pub change: Format,
    pub date: Format,
    pub title: Format,
}

/// How dates are shown: ISO 8601, like every other tuanthu output.
pub(crate) const DATE_FORMAT: &str = "yyyy-mm-dd";

impl Styles {
    pub fn new() -> Styles {
        let top = Format::new().set_align(FormatAlign::Top);
        Styles {
            header: Format::new()
                .set_bold()
                .set_text_wrap()
                .set_align(FormatAlign::Top)
                .set_border(FormatBorder::Thin)
                .set_background_color(Color::RGB(0xD9E1F2)),
            text: top.clone(),
            wrap: top.clone().set_text_wrap(),
            count: top.clone().set_num_format("0"),
            rate: top.clone().set_num_format("0.0%"),
            change: top.clone().set_num_format("+0.0%;-0.0%;0.0%"),
            date: top.clone().set_num_format(DATE_FORMAT).set_align(FormatAlign::Left),
            title: Format::new().set_bold().set_font_size(14),
        }
    }
}

/// A column of a data sheet.
pub(crate) struct Col<'a> {
    pub title: &'a str,
    /// Width in characters.
    pub width: f64,
    /// Long text, wrapped in its cell.
    pub wrap: bool,
}

/// A column of short values.
pub(crate) fn col(title: &str, width: f64) -> Col<'_> {
    Col { title, width, wrap: false }
}

/// A column of long text, wrapped.
pub(crate) fn long(title: &str, width: f64) -> Col<'_> {
    Col { title, width, wrap: true }
}

/// A value of a data sheet.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Cell<'a> {
    /// Text from anywhere (sanitised and written as a string).
    Text(&'a str),
    Count(usize),
    /// A fraction in [0, 1], shown as a percentage; `None` (no denominator) is a blank cell.
    Rate(Option<f64>),
    /// A change of a rate, shown signed in percentage points.
    Change(Option<f64>),
    /// A `YYYY-MM-DD` date, written as a real date; blank when absent, text when malformed.
    Date(Option<&'a str>),
}

/// Writes one value with the style of its kind (`wrap` for long text, `bold` for a total).
pub(crate) fn write_cell(
    ws: &mut Worksheet,
    s: &Styles,
    (row, col): (u32, u16),
    cell: Cell<'_>,
    wrap: bool,
    bold: bool,
) -> Result<(), XlsxError> {
    let style = |f| emphasis(f, bold);
    let text_format = style(if wrap { &s.wrap } else { &s.text });
    match cell {
        Cell::Text(t) => {
            ws.write_string_with_format(row, col, cell_text(t), &text_format)?;
        }
        Cell::Count(n) => {
            ws.write_number_with_format(row, col, n as f64, &style(&s.count))?;
        }
        Cell::Rate(Some(x)) => {
            ws.write_number_with_format(row, col, x, &style(&s.rate))?;
        }
        Cell::Change(Some(x)) => {
            ws.write_number_with_format(row, col, x, &style(&s.change))?;
        }
        Cell::Date(Some(d)) => match excel_date(d) {
            Some(date) => {
                ws.write_datetime_with_format(row, col, date, &style(&s.date))?;
            }
            None => {
                ws.write_string_with_format(row, col, cell_text(d), &text_format)?;
            }
        },
        Cell::Rate(None) | Cell::Change(None) | Cell::Date(None) => {}
    }
    Ok(())
}

/// The height (points) of a row whose cells wrap `(text, column width in characters)`: enough
/// lines for the longest, at most Excel's 409 points. Set explicitly because a spreadsheet does not
/// always fit rows to wrapped text when it opens a file (LibreOffice does not, nor does Excel for
/// merged cells).
pub(crate) fn row_height<'t>(texts: impl IntoIterator<Item = (&'t str, f64)>) -> f64 {
    let lines =
        texts.into_iter().map(|(t, w)| ((t.chars().count() as f64 * 1.1) / w.max(1.0)).ceil()).fold(1.0, f64::max);
    (15.0 * lines).min(409.0)
}

/// `f`, in bold when `bold`.
fn emphasis(f: &Format, bold: bool) -> Cow<'_, Format> {
    if bold { Cow::Owned(f.clone().set_bold()) } else { Cow::Borrowed(f) }
}

/// A `YYYY-MM-DD` date as an Excel date.
pub(crate) fn excel_date(s: &str) -> Option<ExcelDateTime> {
    let d = crate::dates::parse(s).ok()?;
    ExcelDateTime::from_ymd(u16::try_from(d.year()).ok()?, d.month() as u8, d.day()).ok()
}

/// A sheet of records: a bold, frozen header row with an autofilter, then one row per record.
pub(crate) struct DataSheet<'w> {
    ws: &'w mut Worksheet,
    styles: &'w Styles,
    wrap: Vec<bool>,
    widths: Vec<f64>,
    next: u32,
    /// Row index past which records are no longer written (see [`DataSheet::push`]).
    limit: u32,
    truncated: bool,
}

/// Excel's last row index (1 048 576 rows). The two rows after the last record are kept for the
/// truncation note and a total.
const LAST_ROW: u32 = 1_048_575;

/// Adds a data sheet named `name` with `cols`.
pub(crate) fn data_sheet<'w>(
    wb: &'w mut Workbook,
    styles: &'w Styles,
    name: &str,
    cols: &[Col<'_>],
) -> Result<DataSheet<'w>, XlsxError> {
    let ws = wb.add_worksheet();
    ws.set_name(name)?;
    for (i, c) in (0u16..).zip(cols) {
        ws.set_column_width(i, c.width)?;
        ws.write_string_with_format(0, i, cell_text(c.title), &styles.header)?;
    }
    ws.set_freeze_panes(1, 0)?;
    // Printed: landscape, one page wide, the header on every page.
    ws.set_landscape().set_print_fit_to_pages(1, 0);
    ws.set_repeat_rows(0, 0)?;
    let header = row_height(cols.iter().map(|c| (c.title, c.width)));
    if header > 15.0 {
        ws.set_row_height(0, header)?;
    }
    Ok(DataSheet {
        ws,
        styles,
        wrap: cols.iter().map(|c| c.wrap).collect(),
        widths: cols.iter().map(|c| c.width).collect(),
        next: 1,
        limit: LAST_ROW - 1,
        truncated: false,
    })
}

impl DataSheet<'_> {
    /// Writes a record. Past Excel's row limit the rest are left out, and one row says so: a
    /// national workbook must not fail outright because a sheet has more rows than Excel holds.
    pub fn push(&mut self, cells: &[Cell<'_>]) -> Result<(), XlsxError> {
        if self.next < self.limit {
            return self.write(cells, false);
        }
        if !self.truncated {
            self.truncated = true;
            let note = "… further rows left out: an Excel sheet holds 1 048 576 rows; the JSON and CSV \
                        reports have every row / các dòng còn lại được lược bỏ: xem báo cáo JSON hoặc CSV";
            self.write(&[Cell::Text(note)], true)?;
        }
        Ok(())
    }

    fn write(&mut self, cells: &[Cell<'_>], bold: bool) -> Result<(), XlsxError> {
        let mut wrapped = Vec::new();
        for (i, cell) in (0u16..).zip(cells) {
            let wrap = self.wrap.get(usize::from(i)).copied().unwrap_or(false);
            write_cell(self.ws, self.styles, (self.next, i), *cell, wrap, bold)?;
            if let (true, Cell::Text(t)) = (wrap, cell) {
                wrapped.push((*t, self.widths.get(usize::from(i)).copied().unwrap_or(10.0)));
            }
        }
        let height = row_height(wrapped);
        if height > 15.0 {
            self.ws.set_row_height(self.next, height)?;
        }
        self.next += 1;
        Ok(())
    }

    /// Sets the autofilter over the header and the records written so far.
    pub fn finish(&mut self) -> Result<(), XlsxError> {
        let last_col = u16::try_from(self.wrap.len().saturating_sub(1)).unwrap_or(u16::MAX);
        self.ws.autofilter(0, 0, self.next - 1, last_col)?;
        Ok(())
    }

    /// Writes a bold row (a total) after [`DataSheet::finish`]: it stays outside the autofilter,
    /// so sorting or filtering the records never moves or hides it.
    pub fn total(&mut self, cells: &[Cell<'_>]) -> Result<(), XlsxError> {
        self.write(cells, true)
    }
}

/// Workbook properties: title, tuanthu as author, and the report's own time as creation time,
/// so one report always yields the same workbook.
pub(crate) fn properties(wb: &mut Workbook, title: &str, generated_at: &str) {
    let mut p = DocProperties::new().set_title(cell_text(title)).set_author("tuanthu");
    if let Ok(t) = ExcelDateTime::parse_from_str(generated_at.trim_end_matches('Z')) {
        p = p.set_creation_datetime(&t);
    }
    wb.set_properties(&p);
}

/// The workbook's bytes.
pub(crate) fn save(wb: &mut Workbook) -> Result<Vec<u8>, super::RenderError> {
    Ok(wb.save_to_buffer()?)
}

pub(crate) fn yes_no(b: bool, lang: Lang) -> &'static str {
    if b { tr(lang, "yes", "có") } else { tr(lang, "no", "không") }
}

pub(crate) fn deployment_id(d: Deployment) -> &'static str {
    match d {
        Deployment::Full => "full",
        Deployment::Partial => "partial",
        Deployment::None => "none",
    }
}

/// The report as a workbook (see the module documentation).
pub fn render(report: &Report, glossary: &Glossary) -> Result<Vec<u8>, super::RenderError> {
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

/// `NET.01 (3); APP.04 (1)`: a ranking in one cell.
pub(crate) fn missing_list<'a>(items: impl Iterator<Item = (&'a str, usize)>) -> String {
    items.map(|(c, n)| format!("{c} ({n})")).collect::<Vec<_>>().join("; ")
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
    let rule = g.rule(&f.rule);
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
        Cell::Text(&f.rule),
        Cell::Text(rule.map_or("", |r| r.title)),
        Cell::Text(f.outcome.as_str()),
        Cell::Text(f.severity.map_or("", |s| s.as_str())),
        Cell::Text(f.asset.as_deref().unwrap_or("")),
        Cell::Text(&f.message),
        Cell::Text(f.evidence.as_deref().unwrap_or("")),
        Cell::Text(rule.map_or("", |r| r.remediation)),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_past_the_limit_are_left_out_and_said_so() {
        let mut wb = Workbook::new();
        let styles = Styles::new();
        let cols = [Col { title: "n", width: 8.0, wrap: false }];
        let mut sheet = data_sheet(&mut wb, &styles, "Rows", &cols).unwrap();
        sheet.limit = 4;
        for i in 0..10usize {
            sheet.push(&[Cell::Count(i)]).unwrap();
        }
        sheet.finish().unwrap();
        let bytes = wb.save_to_buffer().unwrap();
        use calamine::Reader;
        let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let range = book.worksheet_range("Rows").unwrap();
        let rows: Vec<String> = range.rows().map(|r| r[0].to_string()).collect();
        assert_eq!(rows.len(), 5, "header, 3 records, the note: {rows:?}");
        assert!(rows[4].contains("further rows left out"));
    }

    #[test]
    fn cells_are_cut_at_excels_limit_in_utf16_units() {
        let short = "Cổng dịch vụ công".to_string();
        assert_eq!(fit(short.clone()), short);
        let exact = "a".repeat(CELL_MAX);
        assert_eq!(fit(exact.clone()), exact);
        let long = "a".repeat(CELL_MAX + 10);
        let cut = fit(long);
        assert_eq!(cut.encode_utf16().count(), CELL_MAX);
        assert!(cut.ends_with(CUT));
        // Astral characters are two UTF-16 units: the cut never splits one and stays in the limit.
        let astral = "😀".repeat(CELL_MAX);
        let cut = fit(astral);
        assert!(cut.encode_utf16().count() <= CELL_MAX);
        assert!(cut.ends_with(CUT));
    }

    #[test]
    fn cell_text_strips_controls_and_flattens() {
        let t = cell_text("=HYPERLINK(\"http://x\",\"y\")\u{1b}[2J\nnext");
        assert!(t.starts_with("=HYPERLINK("), "{t}");
        assert!(!t.chars().any(char::is_control), "{t:?}");
    }

    #[test]
    fn dates_become_excel_dates_only_when_well_formed() {
        assert!(excel_date("2026-11-25").is_some());
        assert!(excel_date("25/11/2026").is_none());
    }
}
