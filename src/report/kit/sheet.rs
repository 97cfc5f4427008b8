//! Workbook pieces every tuanthu workbook shares (the report's, the Mẫu 08 form's, the national
//! view's): cell text, styles, data sheets with a frozen, filtered header, properties and saving.
//!
//! **Hostile text.** Names, banners and certificate fields reach the cells. Every string passes
//! through [`cell_text`]: flattened to one line, control characters stripped as everywhere in
//! tuanthu, cut to Excel's 32 767-unit cell limit with a `…` marker. Text is always written as a
//! string cell, never as a formula, so `=HYPERLINK(…)` stays text; numbers are written only from
//! figures tuanthu computed. **Dates** are real Excel dates shown as `yyyy-mm-dd` (ISO 8601, the
//! form every other tuanthu output uses), so they sort and filter as dates.

use crate::report::RenderError;
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
pub(crate) fn save(wb: &mut Workbook) -> Result<Vec<u8>, RenderError> {
    Ok(wb.save_to_buffer()?)
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
