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

use super::render::{Mau08, Render};
use super::{Deployment, Glossary, RenderError, Report};
use crate::engine::AssessmentRecord;
use crate::i18n::Lang;
use crate::inventory::{ApprovalStatus, AssessmentKind};

mod csv;
mod sheet;

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
    pub fn build(report: &Report, glossary: &Glossary) -> Result<Return, RenderError> {
        let as_of = crate::dates::parse(&report.as_of).map_err(RenderError::AsOf)?;
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
}

impl Render<Report> for Mau08 {
    /// The return built from `report`, in the container asked for.
    fn render(&self, report: &Report, g: &Glossary) -> Result<Vec<u8>, RenderError> {
        let form = Return::build(report, g)?;
        match self {
            Mau08::Csv => Ok(form.csv(g.lang).into_bytes()),
            Mau08::Xlsx => form.xlsx(g.lang),
        }
    }
}

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
pub(super) fn period_bounds(period: &str) -> (String, String) {
    match period.trim().parse::<i32>() {
        Ok(y) => (format!("{}-12-15", y - 1), format!("{y}-12-14")),
        Err(_) => (period.to_string(), period.to_string()),
    }
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
        assert_eq!(sheet::DATE_FORMAT, "dd/m/yyyy", "the workbook shows the same form");
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
