//! Words and figures every renderer writes the same way: statuses, bases, approval states,
//! transition states, rates as percentages, yes/no, missing-control rankings. One place, so the
//! table, the HTML page, the workbook and the national view never disagree on a word.

use crate::engine::{Basis, Outcome, Status, TransitionState};
use crate::i18n::{Lang, tr};
use crate::policy::rules::Severity;
use crate::report::Deployment;
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

/// Mẫu 08's plan status in words.
/// Mẫu 08's plan status, in words.
pub fn deployment_text(d: Deployment, l: Lang) -> &'static str {
    match d {
        Deployment::Full => tr(l, "full: every required control met", "Đã triển khai đầy đủ"),
        Deployment::Partial => tr(l, "partial: some required controls met", "Đã triển khai một số hạng mục"),
        Deployment::None => tr(l, "none: no required control met", "Chưa triển khai"),
    }
}

/// A finding's outcome in words.
pub fn outcome_text(o: Outcome, l: Lang) -> &'static str {
    match o {
        Outcome::Fail => tr(l, "fail", "không đạt"),
        Outcome::Unknown => tr(l, "unknown", "chưa rõ"),
        Outcome::Pass => tr(l, "pass", "đạt"),
        Outcome::Info => tr(l, "info", "thông tin"),
    }
}

/// A rule's severity in words.
pub fn severity_text(s: Severity, l: Lang) -> &'static str {
    match s {
        Severity::Info => tr(l, "info", "thông tin"),
        Severity::Low => tr(l, "low", "thấp"),
        Severity::Medium => tr(l, "medium", "trung bình"),
        Severity::High => tr(l, "high", "cao"),
        Severity::Critical => tr(l, "critical", "nghiêm trọng"),
    }
}

/// The words for a finding that no rule raised (its `rule` is the evidence kind).
/// What produced a finding that no rule produced, in words.
pub fn evidence_kind(kind: &str, l: Lang) -> Option<&'static str> {
    match kind {
        "attestation" => Some(tr(l, "Attestation", "Tự đánh giá, xác nhận")),
        "waiver" => Some(tr(l, "Waiver", "Miễn trừ")),
        "nmap" => Some(tr(l, "nmap scan", "Kết quả quét nmap")),
        "profile" => Some(tr(l, "Level profile", "Hồ sơ cấp độ")),
        _ => None,
    }
}
