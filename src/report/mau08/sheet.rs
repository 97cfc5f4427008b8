//! The Mẫu 08 return laid out as the form on one sheet, "Mẫu 08": the heading, Parts 1 and 2 as
//! grids, Part 3's table with its header repeated on every printed page (A4 landscape, one page wide).

use super::{HEADERS, PERIODIC, Return, header, label, period_bounds, vietnamese_date};
use crate::i18n::{Lang, tr};
use crate::report::RenderError;
use crate::report::kit::sheet::{cell_text, excel_date, properties, row_height, save};
use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, FormatUnderline, Workbook, Worksheet, XlsxError};

impl Return {
    /// The whole form as a workbook of one sheet, "Mẫu 08".
    pub fn xlsx(&self, lang: Lang) -> Result<Vec<u8>, RenderError> {
        let mut wb = Workbook::new();
        properties(&mut wb, &format!("Mẫu 08 — {}", self.period), &self.generated_at);
        self.write_sheet(&mut wb, lang)?;
        save(&mut wb)
    }

    /// Adds the sheet "Mẫu 08" to `wb`, laid out as the form.
    pub(crate) fn write_sheet(&self, wb: &mut Workbook, lang: Lang) -> Result<(), XlsxError> {
        let ws = wb.add_worksheet();
        ws.set_name("Mẫu 08")?;
        let mut form = Form { ws, st: FormStyles::new(), row: 0, lang };
        form.setup()?;
        self.heading(&mut form)?;
        self.part1(&mut form)?;
        self.part2(&mut form)?;
        self.part3(&mut form)
    }

    fn heading(&self, f: &mut Form<'_>) -> Result<(), XlsxError> {
        let lang = f.lang;
        let issuer = self.owners.iter().map(|o| o.to_uppercase()).collect::<Vec<_>>().join("; ");
        let st = &f.st;
        f.ws.merge_range(0, 0, 0, 3, &cell_text(&issuer), &st.issuer)?;
        f.ws.merge_range(
            0,
            7,
            0,
            11,
            &label(lang, "SOCIALIST REPUBLIC OF VIET NAM", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
            &st.motto,
        )?;
        let role = format!("({})", label(lang, "INFORMATION SYSTEM OWNER", "CHỦ QUẢN HỆ THỐNG THÔNG TIN"));
        f.ws.merge_range(1, 0, 1, 3, &role, &st.italic_center)?;
        f.ws.merge_range(
            1,
            7,
            1,
            11,
            &label(lang, "Independence - Freedom - Happiness", "Độc lập - Tự do - Hạnh phúc"),
            &st.motto_sub,
        )?;
        let subject = label(
            lang,
            "Re: results of ensuring the cybersecurity of information systems",
            "V/v kết quả công tác bảo đảm an ninh mạng hệ thống thông tin",
        );
        f.ws.merge_range(2, 0, 2, 3, &subject, &st.italic_center)?;
        height(f.ws, 0, &[(&issuer, 73.0)])?;
        height(f.ws, 1, &[(&role, 73.0)])?;
        height(f.ws, 2, &[(&subject, 73.0)])?;
        f.ws.merge_range(4, 0, 4, 11, &label(lang, "REPORT", "BÁO CÁO"), &st.title)?;
        let what = label(
            lang,
            "Results of ensuring the cybersecurity of information systems",
            "Kết quả công tác bảo đảm an ninh mạng hệ thống thông tin",
        );
        f.ws.merge_range(5, 0, 5, 11, &cell_text(&format!("{what} — {}", self.period)), &st.subtitle)?;
        let addressee = "Đơn vị chuyên trách về an ninh mạng/ Lực lượng chuyên trách về an ninh mạng";
        let to = match lang {
            Lang::Vi => format!("Kính gửi: ({addressee})"),
            Lang::En => format!("To: the dedicated cybersecurity unit or force (Kính gửi: {addressee})"),
        };
        f.ws.merge_range(6, 0, 6, 11, &to, &st.center)?;
        let (from, until) = period_bounds(&self.period);
        let about = match lang {
            Lang::En => format!(
                "Reporting period {from} to {until}; figures as of {}; prepared with tuanthu {}.",
                self.as_of, self.tool_version
            ),
            Lang::Vi => format!(
                "Kỳ báo cáo từ {} đến {}; số liệu tính đến ngày {}; lập bằng tuanthu {}.",
                vietnamese_date(&from),
                vietnamese_date(&until),
                vietnamese_date(&self.as_of),
                self.tool_version
            ),
        };
        f.ws.merge_range(7, 0, 7, 11, &cell_text(&about), &st.italic_center)?;
        f.row = 9;
        Ok(())
    }

    fn part1(&self, f: &mut Form<'_>) -> Result<(), XlsxError> {
        let lang = f.lang;
        let t = |en, vi| tr(lang, en, vi);
        let x = &self.figures;
        f.section(&label(lang, "Part 1. General information", "I. Thông tin chung"))?;
        f.grid_header(&[
            &label(lang, "No.", "STT"),
            &label(lang, "Item", "Nội dung"),
            &label(lang, "Figure", "Số liệu"),
            &label(lang, "Note", "Ghi chú"),
        ])?;
        let prepared_note = match lang {
            Lang::En => format!(
                "Submitted, appraised or approved. Not counted: {} being prepared (draft), of which {} returned after appraisal.",
                x.being_prepared, x.returned
            ),
            Lang::Vi => format!(
                "Đã gửi thẩm định, đã thẩm định hoặc đã được phê duyệt. Chưa tính {} hệ thống đang dự thảo, trong đó {} hồ sơ bị trả lại.",
                x.being_prepared, x.returned
            ),
        };
        let periodic_note = match lang {
            Lang::En => format!(
                "Column 12 says \"{PERIODIC}\": a periodic check still valid on {} (the periodic-assessment interval of the system's level and regime).",
                self.as_of
            ),
            Lang::Vi => format!(
                "Cột 12 ghi \"{PERIODIC}\": lần kiểm tra, đánh giá định kỳ còn hiệu lực tại ngày {} (theo chu kỳ ứng với cấp độ và văn bản áp dụng của hệ thống).",
                vietnamese_date(&self.as_of)
            ),
        };
        let expected_note = match (x.not_approved, x.undated, lang) {
            (0, _, _) => t("Every system is approved.", "Tất cả hệ thống đã được phê duyệt.").to_string(),
            (n, 0, Lang::En) => format!("Latest expected approval among the {n} systems not approved."),
            (n, 0, Lang::Vi) => format!("Thời điểm dự kiến muộn nhất trong {n} hệ thống chưa được phê duyệt."),
            (n, u, Lang::En) => format!(
                "Latest expected approval among the {n} systems not approved; {u} of them give no date, so all \
may be approved later than this."
            ),
            (n, u, Lang::Vi) => format!(
                "Thời điểm dự kiến muộn nhất trong {n} hệ thống chưa được phê duyệt; {u} hệ thống chưa nêu thời \
điểm nên việc phê duyệt tất cả có thể muộn hơn."
            ),
        };
        let lines: [(&str, &str, Value<'_>, String); 7] = [
            (
                "Information systems in scope",
                "Tổng số hệ thống thông tin thuộc phạm vi quản lý",
                Value::Count(x.total),
                String::new(),
            ),
            (
                "Information systems classified",
                "Số hệ thống thông tin đã được phân loại",
                Value::Count(x.classified),
                t("Every registered system declares its level.", "Mọi hệ thống đã đăng ký đều khai báo cấp độ.")
                    .to_string(),
            ),
            (
                "Systems with a level dossier prepared",
                "Số hệ thống thông tin đã lập hồ sơ đề xuất cấp độ",
                Value::Count(x.dossier_prepared),
                prepared_note,
            ),
            (
                "Systems whose level dossier has been appraised",
                "Số hệ thống thông tin đã được thẩm định hồ sơ đề xuất cấp độ",
                Value::Count(x.appraised),
                t("Appraised or approved.", "Đã thẩm định hoặc đã được phê duyệt.").to_string(),
            ),
            (
                "Systems with the level approved",
                "Số hệ thống thông tin đã được phê duyệt cấp độ",
                Value::Count(x.approved),
                String::new(),
            ),
            (
                "Approved systems periodically checked and assessed",
                "Số hệ thống thông tin đã được phê duyệt cấp độ được kiểm tra, đánh giá định kỳ",
                Value::Count(x.periodically_checked),
                periodic_note,
            ),
            (
                "Expected date for approving the level of every system",
                "Thời gian dự kiến hoàn thành phê duyệt cấp độ cho tất cả các hệ thống",
                Value::Date(x.expected_all_approved.as_deref()),
                expected_note,
            ),
        ];
        for (i, (en, vi, value, note)) in lines.iter().enumerate() {
            f.grid_line(i + 1, &label(lang, en, vi), *value, note, false)?;
        }
        f.row += 1;
        Ok(())
    }

    fn part2(&self, f: &mut Form<'_>) -> Result<(), XlsxError> {
        let lang = f.lang;
        f.section(&label(
            lang,
            "Part 2. The information system owner and the dedicated cybersecurity unit",
            "II. Thông tin về chủ quản hệ thống thông tin và đơn vị chuyên trách về an ninh mạng",
        ))?;
        let fields: [(&str, &str); 5] = [
            ("Name", "Tên cơ quan, tổ chức"),
            (
                "Document setting its functions and duties (blank if none)",
                "Văn bản quy định chức năng, nhiệm vụ (để trống nếu không có)",
            ),
            ("Head's name and position", "Họ tên, chức vụ người đứng đầu"),
            ("Address", "Địa chỉ"),
            ("Phone and e-mail", "Số điện thoại, thư điện tử"),
        ];
        let fill = tr(lang, "To be filled in: not known to tuanthu.", "Điền bổ sung: tuanthu không có thông tin này.");
        let many = self.owners.len() > 1;
        for (k, owner) in self.owners.iter().enumerate() {
            if many {
                let head = match lang {
                    Lang::En => format!("Owner {} of {} (Chủ quản thứ {})", k + 1, self.owners.len(), k + 1),
                    Lang::Vi => format!("Chủ quản thứ {}/{}", k + 1, self.owners.len()),
                };
                f.subsection(&head)?;
            }
            let owner_head = label(lang, "The information system owner", "Chủ quản hệ thống thông tin");
            f.subsection(&format!("a) {owner_head}"))?;
            for (i, (en, vi)) in fields.iter().enumerate() {
                let (value, note) = if i == 0 { (Value::Text(owner), "") } else { (Value::Blank, fill) };
                f.grid_line(i + 1, &label(lang, en, vi), value, note, i > 0)?;
            }
            let unit = label(lang, "The dedicated cybersecurity unit", "Đơn vị chuyên trách về an ninh mạng");
            f.subsection(&format!("b) {unit}"))?;
            for (i, (en, vi)) in fields.iter().enumerate() {
                f.grid_line(i + 1, &label(lang, en, vi), Value::Blank, fill, true)?;
            }
        }
        f.row += 1;
        Ok(())
    }

    fn part3(&self, f: &mut Form<'_>) -> Result<(), XlsxError> {
        let lang = f.lang;
        // The table starts a printed page; its header repeats on every page after.
        f.ws.set_page_breaks(&[f.row])?;
        f.section(&label(lang, "Part 3. The information systems", "III. Danh sách hệ thống thông tin"))?;
        let header_row = f.row;
        for i in 0..HEADERS.len() {
            let col = i as u16;
            f.ws.write_string_with_format(header_row, col, header(i, lang), &f.st.head)?;
            f.ws.write_string_with_format(header_row + 1, col, format!("({})", i + 1), &f.st.numbers)?;
        }
        let heights: Vec<(String, f64)> = (0..HEADERS.len()).map(|i| (header(i, lang), WIDTHS[i])).collect();
        let refs: Vec<(&str, f64)> = heights.iter().map(|(t, w)| (t.as_str(), *w)).collect();
        height(f.ws, header_row, &refs)?;
        f.ws.set_repeat_rows(header_row, header_row + 1)?;
        f.row = header_row + 2;
        for r in &self.rows {
            let row = f.row;
            let st = &f.st;
            let ws = &mut *f.ws;
            ws.write_number_with_format(row, 0, r.no as f64, &st.cell_center)?;
            ws.write_string_with_format(row, 1, cell_text(&r.name), &st.cell)?;
            ws.write_string_with_format(row, 2, cell_text(&r.owner), &st.cell)?;
            ws.write_string_with_format(row, 3, cell_text(&r.operator), &st.cell)?;
            ws.write_number_with_format(row, 4, f64::from(r.level), &st.cell_center)?;
            ws.write_string_with_format(row, 5, r.approval, &st.cell)?;
            ws.write_string_with_format(row, 6, cell_text(&r.decision), &st.cell)?;
            ws.write_string_with_format(row, 7, cell_text(&r.regulation), &st.cell)?;
            write_date(ws, (row, 8), r.expected_approval.as_deref(), st)?;
            ws.write_string_with_format(row, 9, r.deployment, &st.cell)?;
            write_date(ws, (row, 10), r.expected_completion.as_deref(), st)?;
            ws.write_string_with_format(row, 11, &r.assessed, &st.cell)?;
            let texts =
                [&r.name, &r.owner, &r.operator, r.approval, &r.decision, &r.regulation, r.deployment, &r.assessed];
            let widths = [1, 2, 3, 5, 6, 7, 9, 11].map(|i| WIDTHS[i]);
            height(ws, row, &texts.iter().zip(widths).map(|(t, w)| (*t as &str, w)).collect::<Vec<_>>())?;
            f.row += 1;
        }
        Ok(())
    }
}

/// Column widths of the sheet, in characters. Parts 1 and 2 lay a grid over them: number (A),
/// item (B–G), figure (H–I), note (J–L).
const WIDTHS: [f64; 12] = [5.0, 28.0, 20.0, 20.0, 8.0, 17.0, 20.0, 18.0, 13.0, 18.0, 13.0, 22.0];

/// The workbook's date format: [`vietnamese_date`]'s form (in Excel's codes an `m` between `dd/`
/// and `/yyyy` is the month).
pub(super) const DATE_FORMAT: &str = "dd/m/yyyy";

/// A value of Parts 1 and 2.
#[derive(Debug, Clone, Copy)]
enum Value<'a> {
    Count(usize),
    Date(Option<&'a str>),
    Text(&'a str),
    /// Left for the clerk to fill in.
    Blank,
}

struct FormStyles {
    issuer: Format,
    motto: Format,
    motto_sub: Format,
    italic_center: Format,
    title: Format,
    subtitle: Format,
    center: Format,
    section: Format,
    subsection: Format,
    head: Format,
    numbers: Format,
    cell: Format,
    cell_center: Format,
    cell_date: Format,
    fill_in: Format,
    hint: Format,
}

impl FormStyles {
    fn new() -> FormStyles {
        let center =
            Format::new().set_align(FormatAlign::Center).set_align(FormatAlign::VerticalCenter).set_text_wrap();
        let cell = Format::new().set_border(FormatBorder::Thin).set_text_wrap().set_align(FormatAlign::Top);
        FormStyles {
            issuer: center.clone().set_bold(),
            motto: center.clone().set_bold(),
            motto_sub: center.clone().set_bold().set_underline(FormatUnderline::Single),
            italic_center: center.clone().set_italic(),
            title: center.clone().set_bold().set_font_size(14),
            subtitle: center.clone().set_bold().set_font_size(12),
            center: center.clone(),
            section: Format::new().set_bold().set_font_size(12),
            subsection: Format::new().set_bold().set_italic(),
            head: center.clone().set_bold().set_border(FormatBorder::Thin).set_background_color(Color::RGB(0xD9E1F2)),
            numbers: center.clone().set_italic().set_border(FormatBorder::Thin),
            cell_center: cell.clone().set_align(FormatAlign::Center),
            cell_date: cell.clone().set_num_format(DATE_FORMAT).set_align(FormatAlign::Center),
            fill_in: cell.clone().set_background_color(Color::RGB(0xFFF2CC)),
            hint: cell.clone().set_italic().set_font_color(Color::RGB(0x7F7F7F)),
            cell,
        }
    }
}

/// The sheet being written, and where.
struct Form<'w> {
    ws: &'w mut Worksheet,
    st: FormStyles,
    row: u32,
    lang: Lang,
}

impl Form<'_> {
    fn setup(&mut self) -> Result<(), XlsxError> {
        for (i, w) in (0u16..).zip(WIDTHS) {
            self.ws.set_column_width(i, w)?;
        }
        // A4 landscape, one page wide, centred; a page number in the footer.
        self.ws.set_paper_size(9).set_landscape().set_print_fit_to_pages(1, 0).set_print_center_horizontally(true);
        self.ws.set_margins(0.5, 0.5, 0.6, 0.6, 0.3, 0.3);
        self.ws.set_footer(match self.lang {
            Lang::En => "&CPage &P of &N",
            Lang::Vi => "&CTrang &P/&N",
        });
        Ok(())
    }

    fn section(&mut self, text: &str) -> Result<(), XlsxError> {
        self.ws.merge_range(self.row, 0, self.row, 11, text, &self.st.section)?;
        self.row += 1;
        Ok(())
    }

    fn subsection(&mut self, text: &str) -> Result<(), XlsxError> {
        self.ws.merge_range(self.row, 0, self.row, 11, &cell_text(text), &self.st.subsection)?;
        self.row += 1;
        Ok(())
    }

    /// The header of the Parts 1–2 grid.
    fn grid_header(&mut self, cells: &[&str; 4]) -> Result<(), XlsxError> {
        let r = self.row;
        self.ws.write_string_with_format(r, 0, cells[0], &self.st.head)?;
        self.ws.merge_range(r, 1, r, 6, cells[1], &self.st.head)?;
        self.ws.merge_range(r, 7, r, 8, cells[2], &self.st.head)?;
        self.ws.merge_range(r, 9, r, 11, cells[3], &self.st.head)?;
        height(self.ws, r, &[(cells[0], WIDTHS[0]), (cells[1], 113.0), (cells[2], 31.0), (cells[3], 53.0)])?;
        self.row += 1;
        Ok(())
    }

    /// A line of the Parts 1–2 grid; `fill_in` marks the value as left for the clerk.
    fn grid_line(
        &mut self,
        no: usize,
        item: &str,
        value: Value<'_>,
        note: &str,
        fill_in: bool,
    ) -> Result<(), XlsxError> {
        let r = self.row;
        let st = &self.st;
        self.ws.write_number_with_format(r, 0, no as f64, &st.cell_center)?;
        self.ws.merge_range(r, 1, r, 6, item, &st.cell)?;
        let value_format = if fill_in { &st.fill_in } else { &st.cell_center };
        let mut shown = String::new();
        match value {
            Value::Count(n) => {
                self.ws.merge_range(r, 7, r, 8, "", value_format)?;
                self.ws.write_number_with_format(r, 7, n as f64, value_format)?;
            }
            Value::Date(d) => match d.and_then(excel_date) {
                Some(date) => {
                    self.ws.merge_range(r, 7, r, 8, "", &st.cell_date)?;
                    self.ws.write_datetime_with_format(r, 7, date, &st.cell_date)?;
                }
                None => {
                    shown = cell_text(d.unwrap_or(""));
                    self.ws.merge_range(r, 7, r, 8, &shown, value_format)?;
                }
            },
            Value::Text(t) => {
                shown = cell_text(t);
                self.ws.merge_range(r, 7, r, 8, &shown, &st.cell)?;
            }
            Value::Blank => {
                self.ws.merge_range(r, 7, r, 8, "", value_format)?;
            }
        }
        self.ws.merge_range(r, 9, r, 11, note, &st.hint)?;
        height(self.ws, r, &[(item, 113.0), (&shown, 31.0), (note, 53.0)])?;
        self.row += 1;
        Ok(())
    }
}

/// Sets row `r`'s height to show every `(text, width in characters)` wrapped.
fn height(ws: &mut Worksheet, r: u32, texts: &[(&str, f64)]) -> Result<(), XlsxError> {
    ws.set_row_height(r, row_height(texts.iter().copied()))?;
    Ok(())
}

/// A date cell of Part 3: a real date, or the text when it is not one, or a bordered blank.
fn write_date(ws: &mut Worksheet, (row, col): (u32, u16), d: Option<&str>, st: &FormStyles) -> Result<(), XlsxError> {
    match d.map(|d| (d, excel_date(d))) {
        Some((_, Some(date))) => ws.write_datetime_with_format(row, col, date, &st.cell_date)?,
        Some((d, None)) => ws.write_string_with_format(row, col, cell_text(d), &st.cell)?,
        None => ws.write_blank(row, col, &st.cell)?,
    };
    Ok(())
}
