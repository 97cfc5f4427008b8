//! `--format mau08`: the agency's yearly return on Decree 331 form **Mẫu 08** ("báo cáo kết quả
//! công tác bảo đảm an ninh mạng hệ thống thông tin"), built from a report.
//!
//! The form (`shared/regulation/nd331-2026.md` §3) has three parts; tuanthu fills them as follows.
//!
//! **Part 1, general figures** (seven lines), over every system of the report:
//!
//! 1. systems in scope: every registered system;
//! 2. systems classified: every registered system, since each one declares its level;
//! 3. systems with a level dossier prepared: approval `submitted`, `appraised` or `approved`. A
//!    `draft` dossier is *being* prepared and is not counted; nor is a `rejected` one, which is
//!    back in drafting (column 6 shows it as "Đang dự thảo"). Both are counted in the line's note;
//! 4. dossier appraised: `appraised` or `approved`;
//! 5. level approved: `approved`;
//! 6. approved systems periodically checked: approved systems whose column 12 says "Định kỳ" —
//!    see [`assessed`] for when a periodic check counts;
//! 7. expected date for approving all systems: the latest `expected_approval` among the systems
//!    not approved; blank when all are approved. The note says how many of them give no date, in
//!    which case the date is only a lower bound.
//!
//! **Part 2, identification**: for each distinct owner (`owner:` of the systems, else the
//! agency's name) the owner's five fields, then the dedicated cybersecurity unit's five fields.
//! tuanthu knows only the owner's name: the other fields are blank cells marked "to be filled in".
//!
//! **Part 3, the per-system table**: the form's twelve columns, values in the form's own
//! Vietnamese wording whatever `--lang` says (it is a Vietnamese legal form): see [`Row`].
//!
//! **Language.** With `--lang vi` every label is the form's text. With `--lang en` a label is the
//! English translation followed by the form's Vietnamese in parentheses ("Owner (Chủ quản HTTT)"),
//! in both containers, so the return can be matched to the printed form; notes are English.
//!
//! **Containers.** [`Return::csv`] writes Part 3 only: one header row and one row per system,
//! twelve columns, as a clerk imports it into another system. Part 1 adds nothing a CSV needs:
//! each of its figures is a count or the latest date over Part 3's columns (line 6 counts the
//! approved rows whose column 12 holds "Định kỳ"). [`Return::xlsx`] writes the whole form on one
//! sheet named "Mẫu 08", ready to print (A4 landscape, one page wide, Part 3's header repeated on
//! every page).
//!
//! **Dates** are written as Vietnamese documents write them, day/month/year with a two-digit day
//! and the month without a leading zero (`05/9/2025`, see [`vietnamese_date`]): text in the CSV
//! and in column 7 ("18/QĐ-SKHCN ngày 05/9/2025"), real dates shown `dd/m/yyyy` in the workbook,
//! and in the Vietnamese heading and notes. English notes keep ISO 8601 (`2025-09-05`), which an
//! English reader cannot misread as month/day.
//!
//! The form sheet freezes no panes: Part 3's header sits below Parts 1 and 2, and a frozen header
//! there would pin both parts to the top of the window. It repeats on every printed page instead;
//! the frozen, filterable view of the systems is the Systems sheet of `--format xlsx`.

use super::xlsx::{cell_text, excel_date};
use super::{Deployment, Glossary, Report};
use crate::engine::AssessmentRecord;
use crate::i18n::{Lang, tr};
use crate::inventory::{ApprovalStatus, AssessmentKind};
use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, FormatUnderline, Workbook, Worksheet, XlsxError};

/// Column 12's value for a check before go-live (catalogue `ASM.01`).
pub const PRE_OPERATION: &str = "Trước khi đưa vào sử dụng";
/// Column 12's value for a periodic check (catalogue `OBL.03`).
pub const PERIODIC: &str = "Định kỳ";

/// The periodic inspection and assessment duty, in both catalogues: its validity at the system's
/// level decides whether a periodic check still counts.
const PERIODIC_DUTY: &str = "OBL.03";
/// The validity used when the policy does not know the duty: the return's own yearly cycle.
const DEFAULT_PERIODIC_MONTHS: u32 = 12;

/// Part 3's headers: the form's Vietnamese, as printed, and an English translation.
pub const HEADERS: [(&str, &str); 12] = [
    ("STT", "No."),
    ("Tên HTTT", "Information system"),
    ("Chủ quản HTTT", "Owner"),
    ("Đơn vị vận hành HTTT", "Operating unit"),
    ("Cấp độ đề xuất", "Proposed level"),
    ("Tình trạng phê duyệt cấp độ", "Level approval status"),
    ("Quyết định phê duyệt cấp độ", "Level approval decision"),
    ("Quy chế bảo đảm ANM cho hệ thống", "The system's cybersecurity regulation"),
    ("Dự kiến thời điểm phê duyệt HSĐXCĐ", "Expected approval of the level dossier"),
    ("Đã triển khai đầy đủ PA BĐANM", "Security plan deployed"),
    ("Dự kiến thời điểm triển khai đầy đủ PA BĐANM", "Expected full deployment of the security plan"),
    ("Đã kiểm tra, đánh giá ANM", "Cybersecurity check and assessment done"),
];

/// A label of the form: the form's Vietnamese with `--lang vi`; with `--lang en`, the English
/// translation followed by the Vietnamese in parentheses.
pub fn label(lang: Lang, en: &str, vi: &str) -> String {
    match lang {
        Lang::Vi => vi.to_string(),
        Lang::En => format!("{en} ({vi})"),
    }
}

/// Part 3's header of column `i` (0-based) in `lang`.
pub fn header(i: usize, lang: Lang) -> String {
    HEADERS.get(i).map(|(vi, en)| label(lang, en, vi)).unwrap_or_default()
}

/// Column 6: the approval status in the form's words. A rejected dossier is back in drafting:
/// "Đang dự thảo", noted as returned.
pub fn approval_status(s: ApprovalStatus) -> &'static str {
    match s {
        ApprovalStatus::Draft => "Đang dự thảo",
        ApprovalStatus::Rejected => "Đang dự thảo (hồ sơ bị trả lại)",
        ApprovalStatus::Submitted => "Đã gửi thẩm định",
        ApprovalStatus::Appraised => "Đã thẩm định",
        ApprovalStatus::Approved => "Đã được phê duyệt",
    }
}

/// Column 10: the security plan's deployment in the form's words.
pub fn deployment_status(d: Deployment) -> &'static str {
    match d {
        Deployment::Full => "Đã triển khai đầy đủ",
        Deployment::Partial => "Đã triển khai một số hạng mục",
        Deployment::None => "Chưa triển khai",
    }
}

/// Column 12: which checks count as done on `as_of`, as (before go-live, periodic).
///
/// A check dated after `as_of` has not happened yet and never counts. A pre-operation check
/// counts once done (it is made once, before go-live). A periodic check counts while it is
/// still valid on `as_of`: dated at most `periodic_months` earlier, the validity of the periodic
/// inspection duty (`OBL.03`) at the system's level and regime, as the engine judges that duty —
/// 24 months at levels 1–2, 12 at levels 3–4 and 6 at level 5 under Circular 12 (Decree 85
/// Art. 20.2.c), 12 months under Decree 331, whose return is yearly. A system whose last periodic
/// check has lapsed is overdue and is not reported as periodically checked.
pub fn assessed(records: &[AssessmentRecord], as_of: time::Date, periodic_months: u32) -> (bool, bool) {
    let done = |kind: AssessmentKind| {
        records
            .iter()
            .filter(|a| a.kind == kind)
            .filter_map(|a| crate::dates::parse(&a.date).ok())
            .filter(|d| *d <= as_of)
            .max()
    };
    let pre = done(AssessmentKind::PreOperation).is_some();
    let periodic =
        done(AssessmentKind::Periodic).is_some_and(|d| crate::dates::add_months(d, periodic_months) >= as_of);
    (pre, periodic)
}

/// Column 12's text.
pub fn assessed_text(pre: bool, periodic: bool) -> String {
    match (pre, periodic) {
        (true, true) => format!("{PRE_OPERATION}, {PERIODIC}"),
        (true, false) => PRE_OPERATION.to_string(),
        (false, true) => PERIODIC.to_string(),
        (false, false) => String::new(),
    }
}

/// Part 1's figures.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Figures {
    /// 1. Systems in scope.
    pub total: usize,
    /// 2. Systems classified (every registered system declares its level).
    pub classified: usize,
    /// 3. Level dossier prepared: submitted, appraised or approved.
    pub dossier_prepared: usize,
    /// Not in line 3: dossiers being prepared (draft or returned)…
    pub being_prepared: usize,
    /// …of which returned after appraisal (rejected).
    pub returned: usize,
    /// 4. Dossier appraised: appraised or approved.
    pub appraised: usize,
    /// 5. Level approved.
    pub approved: usize,
    /// 6. Approved systems with a periodic check still valid.
    pub periodically_checked: usize,
    /// 7. The latest expected approval date among the systems not approved.
    pub expected_all_approved: Option<String>,
    /// Systems not approved.
    pub not_approved: usize,
    /// Systems not approved that give no expected approval date.
    pub undated: usize,
}

/// One row of Part 3, in the form's column order and wording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// (1) STT.
    pub no: usize,
    /// (2) Tên HTTT.
    pub name: String,
    /// (3) Chủ quản HTTT: the system's owner, else its agency.
    pub owner: String,
    /// (4) Đơn vị vận hành HTTT.
    pub operator: String,
    /// (5) Cấp độ đề xuất.
    pub level: u8,
    /// (6) Tình trạng phê duyệt cấp độ: [`approval_status`].
    pub approval: &'static str,
    /// (7) Quyết định phê duyệt cấp độ: "number ngày date", when approved.
    pub decision: String,
    /// (8) Quy chế bảo đảm ANM cho hệ thống: the decision issuing the system's regulation.
    pub regulation: String,
    /// (9) Dự kiến thời điểm phê duyệt HSĐXCĐ: only while not approved.
    pub expected_approval: Option<String>,
    /// (10) Đã triển khai đầy đủ PA BĐANM: [`deployment_status`].
    pub deployment: &'static str,
    /// (11) Dự kiến thời điểm triển khai đầy đủ PA BĐANM: only while not fully deployed.
    pub expected_completion: Option<String>,
    /// (12) Đã kiểm tra, đánh giá ANM: [`assessed_text`].
    pub assessed: String,
}

/// The return: what the form holds, built once and written to either container.
#[derive(Debug, Clone)]
pub struct Return {
    /// The reporting year (15 December of the year before to 14 December).
    pub period: String,
    /// The date the figures are computed at.
    pub as_of: String,
    /// Part 2's owners, in order of first appearance.
    pub owners: Vec<String>,
    pub figures: Figures,
    pub rows: Vec<Row>,
    generated_at: String,
    tool_version: &'static str,
}

impl Return {
    /// The return of every system in `report`. `glossary` gives the periodic duty's validity per
    /// catalogue and level (an empty glossary falls back to 12 months).
    pub fn build(report: &Report, glossary: &Glossary) -> Result<Return, super::RenderError> {
        let as_of = crate::dates::parse(&report.as_of).map_err(super::RenderError::AsOf)?;
        let (mut owners, mut rows, mut f) = (Vec::<String>::new(), Vec::new(), Figures::default());
        for (agency, s) in report.systems() {
            let r = &s.registration;
            let owner = r.owner.clone().unwrap_or_else(|| agency.name.clone());
            if !owners.contains(&owner) {
                owners.push(owner.clone());
            }
            let months =
                glossary.validity_months(&s.catalogue, PERIODIC_DUTY, s.level).unwrap_or(DEFAULT_PERIODIC_MONTHS);
            let (pre, periodic) = assessed(&r.assessments, as_of, months);
            let approved = s.approval == ApprovalStatus::Approved;
            f.total += 1;
            f.classified += 1;
            match s.approval {
                ApprovalStatus::Draft => f.being_prepared += 1,
                ApprovalStatus::Rejected => {
                    f.being_prepared += 1;
                    f.returned += 1;
                }
                ApprovalStatus::Submitted => f.dossier_prepared += 1,
                ApprovalStatus::Appraised | ApprovalStatus::Approved => {
                    f.dossier_prepared += 1;
                    f.appraised += 1;
                }
            }
            let expected_approval = if approved { None } else { r.expected_approval.clone() };
            if approved {
                f.approved += 1;
                f.periodically_checked += usize::from(periodic);
            } else {
                f.not_approved += 1;
                match &expected_approval {
                    // ISO dates order as text.
                    Some(d) if f.expected_all_approved.as_ref().is_none_or(|m| d > m) => {
                        f.expected_all_approved = Some(d.clone());
                    }
                    Some(_) => {}
                    None => f.undated += 1,
                }
            }
            let decision = match (approved, r.approval_decision.as_deref(), r.approval_date.as_deref()) {
                (false, _, _) | (true, None, None) => String::new(),
                (true, Some(n), Some(d)) => format!("{n} ngày {}", vietnamese_date(d)),
                (true, Some(n), None) => n.to_string(),
                (true, None, Some(d)) => format!("ngày {}", vietnamese_date(d)),
            };
            rows.push(Row {
                no: rows.len() + 1,
                name: s.name.clone(),
                owner,
                operator: r.operator.clone().unwrap_or_default(),
                level: s.level,
                approval: approval_status(s.approval),
                decision,
                regulation: r.regulation.clone().unwrap_or_default(),
                expected_approval,
                deployment: deployment_status(s.deployment),
                expected_completion: if s.deployment == Deployment::Full {
                    None
                } else {
                    r.expected_completion.clone()
                },
                assessed: assessed_text(pre, periodic),
            });
        }
        Ok(Return {
            period: report.period.clone(),
            as_of: report.as_of.clone(),
            owners,
            figures: f,
            rows,
            generated_at: report.generated_at.clone(),
            tool_version: report.tool.version,
        })
    }

    /// Part 3 as CSV: UTF-8 with BOM, CRLF, RFC 4180, one header row then one row per system
    /// (see the module documentation for why Parts 1 and 2 are left to the workbook).
    pub fn csv(&self, lang: Lang) -> String {
        use super::csv::{BOM, Field, record, row};
        let mut out = String::from(BOM);
        let headers: Vec<String> = (0..HEADERS.len()).map(|i| header(i, lang)).collect();
        row(&mut out, &headers.iter().map(String::as_str).collect::<Vec<_>>());
        for r in &self.rows {
            record(
                &mut out,
                &[
                    Field::Count(r.no),
                    Field::Text(&r.name),
                    Field::Text(&r.owner),
                    Field::Text(&r.operator),
                    Field::Count(usize::from(r.level)),
                    Field::Text(r.approval),
                    Field::Text(&r.decision),
                    Field::Text(&r.regulation),
                    Field::Text(&r.expected_approval.as_deref().map(vietnamese_date).unwrap_or_default()),
                    Field::Text(r.deployment),
                    Field::Text(&r.expected_completion.as_deref().map(vietnamese_date).unwrap_or_default()),
                    Field::Text(&r.assessed),
                ],
            );
        }
        out
    }

    /// The whole form as a workbook of one sheet, "Mẫu 08".
    pub fn xlsx(&self, lang: Lang) -> Result<Vec<u8>, super::RenderError> {
        let mut wb = Workbook::new();
        super::xlsx::properties(&mut wb, &format!("Mẫu 08 — {}", self.period), &self.generated_at);
        self.write_sheet(&mut wb, lang)?;
        super::xlsx::save(&mut wb)
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
const DATE_FORMAT: &str = "dd/m/yyyy";

/// An ISO 8601 date (`2025-09-05`) as Vietnamese documents write it: `05/9/2025`, a two-digit
/// day and the month without a leading zero. Text that is not a date is returned as it is.
pub fn vietnamese_date(iso: &str) -> String {
    match crate::dates::parse(iso) {
        Ok(d) => format!("{:02}/{}/{}", d.day(), d.month() as u8, d.year()),
        Err(_) => iso.to_string(),
    }
}

/// The first and last day of reporting year `period` (Circular 12 Art. 13: 15 December of the
/// year before to 14 December).
fn period_bounds(period: &str) -> (String, String) {
    match period.trim().parse::<i32>() {
        Ok(y) => (format!("{}-12-15", y - 1), format!("{y}-12-14")),
        Err(_) => (period.to_string(), period.to_string()),
    }
}

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
    ws.set_row_height(r, super::xlsx::row_height(texts.iter().copied()))?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn rec(kind: AssessmentKind, d: &str) -> AssessmentRecord {
        AssessmentRecord { kind, date: d.to_string(), by: None }
    }

    #[test]
    fn approval_maps_to_the_forms_four_values_and_rejected_is_back_in_drafting() {
        use ApprovalStatus::*;
        assert_eq!(approval_status(Draft), "Đang dự thảo");
        assert_eq!(approval_status(Submitted), "Đã gửi thẩm định");
        assert_eq!(approval_status(Appraised), "Đã thẩm định");
        assert_eq!(approval_status(Approved), "Đã được phê duyệt");
        assert!(approval_status(Rejected).starts_with("Đang dự thảo"));
        assert!(approval_status(Rejected).contains("trả lại"));
    }

    #[test]
    fn deployment_maps_to_the_forms_three_values() {
        assert_eq!(deployment_status(Deployment::Full), "Đã triển khai đầy đủ");
        assert_eq!(deployment_status(Deployment::Partial), "Đã triển khai một số hạng mục");
        assert_eq!(deployment_status(Deployment::None), "Chưa triển khai");
    }

    #[test]
    fn dates_are_written_day_month_year_as_vietnamese_documents_write_them() {
        assert_eq!(vietnamese_date("2025-09-05"), "05/9/2025");
        assert_eq!(vietnamese_date("2025-12-14"), "14/12/2025");
        assert_eq!(vietnamese_date("2026-01-01"), "01/1/2026");
        assert_eq!(vietnamese_date("not a date"), "not a date", "text that is not a date is kept");
        assert_eq!(DATE_FORMAT, "dd/m/yyyy", "the workbook shows the same form");
    }

    #[test]
    fn a_periodic_check_counts_while_valid_and_never_from_the_future() {
        let as_of = date!(2026 - 11 - 25);
        let periodic = |d| assessed(&[rec(AssessmentKind::Periodic, d)], as_of, 12);
        assert_eq!(periodic("2026-03-10"), (false, true));
        assert_eq!(periodic("2025-11-25"), (false, true), "valid through its last day");
        assert_eq!(periodic("2025-11-24"), (false, false), "lapsed");
        assert_eq!(periodic("2026-11-26"), (false, false), "not done yet");
        assert_eq!(assessed(&[rec(AssessmentKind::Periodic, "2025-03-01")], as_of, 24), (false, true));
        // The latest periodic check decides; an old pre-operation check still counts.
        let both = [
            rec(AssessmentKind::PreOperation, "2019-01-01"),
            rec(AssessmentKind::Periodic, "2024-01-01"),
            rec(AssessmentKind::Periodic, "2026-06-01"),
        ];
        assert_eq!(assessed(&both, as_of, 12), (true, true));
        assert_eq!(assessed(&[], as_of, 12), (false, false));
    }

    #[test]
    fn column_12_joins_both_checks() {
        assert_eq!(assessed_text(true, true), "Trước khi đưa vào sử dụng, Định kỳ");
        assert_eq!(assessed_text(true, false), PRE_OPERATION);
        assert_eq!(assessed_text(false, true), PERIODIC);
        assert_eq!(assessed_text(false, false), "");
    }

    #[test]
    fn english_labels_carry_the_forms_vietnamese() {
        assert_eq!(header(2, Lang::Vi), "Chủ quản HTTT");
        assert_eq!(header(2, Lang::En), "Owner (Chủ quản HTTT)");
        assert_eq!(header(12, Lang::En), "");
        assert_eq!(period_bounds("2026"), ("2025-12-15".to_string(), "2026-12-14".to_string()));
    }
}
