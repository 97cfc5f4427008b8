//! Words and figures every renderer writes the same way: statuses, bases, approval states,
//! transition states, rates as percentages, yes/no, missing-control rankings. One place, so the
//! table, the HTML page, the workbook and the national view never disagree on a word.

use crate::engine::{Basis, Status, TransitionState};
use crate::i18n::{Lang, tr};
use crate::report::Rate;

/// A rate as a percentage with one decimal; "—" when there is no denominator.
pub(crate) fn pct(r: Rate) -> String {
    r.map(|x| format!("{:.1}%", x * 100.0)).unwrap_or_else(|| "—".into())
}

pub fn status_text(s: Status, lang: Lang) -> &'static str {
    match s {
        Status::Pass => tr(lang, "pass", "đạt"),
        Status::Fail => tr(lang, "FAIL", "KHÔNG ĐẠT"),
        Status::Unknown => tr(lang, "unknown", "chưa rõ"),
        Status::Waived => tr(lang, "waived", "miễn trừ"),
        Status::NotApplicable => tr(lang, "n/a", "không áp dụng"),
    }
}

/// What decided a control's status, in words.
pub fn basis_text(b: Basis, lang: Lang) -> &'static str {
    match b {
        Basis::Measured => tr(lang, "measured", "đo kiểm"),
        Basis::Attested => tr(lang, "attested", "xác nhận"),
        Basis::Both => tr(lang, "both", "cả hai"),
        Basis::None => tr(lang, "none", "chưa có"),
    }
}

/// "N/M (x%)": measured required controls among all, and the share.
pub(crate) fn measured_text(measured: usize, required: usize, share: Rate) -> String {
    format!("{measured}/{required} ({})", pct(share))
}

pub(crate) fn approval_text(s: crate::inventory::ApprovalStatus, lang: Lang) -> &'static str {
    use crate::inventory::ApprovalStatus::*;
    match s {
        Draft => tr(lang, "draft", "đang dự thảo"),
        Submitted => tr(lang, "submitted", "đã gửi thẩm định"),
        Appraised => tr(lang, "appraised", "đã thẩm định"),
        Approved => tr(lang, "approved", "đã phê duyệt"),
        Rejected => tr(lang, "rejected", "bị trả lại"),
    }
}

pub(crate) fn transition_state(s: TransitionState, lang: Lang) -> &'static str {
    match s {
        TransitionState::Pending => tr(lang, "pending", "chưa đến hạn"),
        TransitionState::Preview => tr(lang, "preview", "xem trước"),
        TransitionState::Ended => tr(lang, "due: transition ended", "đã đến hạn"),
        TransitionState::Overdue => tr(lang, "overdue, still on the old catalogue", "quá hạn, vẫn theo danh mục cũ"),
    }
}

/// "yes"/"no" in the report's language.
pub(crate) fn yes_no(b: bool, lang: Lang) -> &'static str {
    if b { tr(lang, "yes", "có") } else { tr(lang, "no", "không") }
}

/// `NET.01 (3); APP.04 (1)`: a ranking in one cell.
pub(crate) fn missing_list<'a>(items: impl Iterator<Item = (&'a str, usize)>) -> String {
    items.map(|(c, n)| format!("{c} ({n})")).collect::<Vec<_>>().join("; ")
}
