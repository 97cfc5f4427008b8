//! The national view's words and figures, shared by its renderers (table, HTML, …): the headline
//! sentences in the ministry's phrasing, figure rows, changes in percentage points.

use super::national::{Change, Figures, National};
use crate::i18n::Lang;
use crate::report::kit::words::pct;

/// A change of rate in percentage points (`+5.0`), `–` when either period had no rate.
pub(crate) fn points(v: Option<f64>) -> String {
    v.map_or_else(|| "–".into(), |v| format!("{:+.1}", v * 100.0))
}

/// "approval / fully implemented" change in points; empty without a previous period.
pub(crate) fn change(c: &Option<Change>) -> String {
    let Some(c) = c else { return String::new() };
    format!("{} / {}", points(c.approval_rate), points(c.fully_implemented_rate))
}

/// The headline sentences.
pub fn headlines(n: &National, lang: Lang) -> Vec<String> {
    let o = &n.overall;
    let not_full = o.figures.fully_implemented_rate.map(|r| 1.0 - r);
    match lang {
        Lang::En => vec![
            format!("{} of {} agencies have an approval rate below 50%.", o.agencies_below_50pct_approval, o.agencies),
            format!(
                "{} of registered systems have not fully implemented their level's plan ({} of {} systems).",
                pct(not_full),
                o.figures.systems_total - o.figures.systems_fully_implemented,
                o.figures.systems_total
            ),
            format!(
                "{} of {} systems have an approved level dossier ({}).",
                o.figures.systems_approved,
                o.figures.systems_total,
                pct(o.figures.approval_rate)
            ),
            format!(
                "{} of required controls were decided by a measurement rather than paper ({} controls).",
                pct(o.figures.measured_share),
                o.figures.controls_measured
            ),
        ],
        Lang::Vi => vec![
            format!(
                "{}/{} cơ quan có tỷ lệ hệ thống được phê duyệt hồ sơ cấp độ dưới 50%.",
                o.agencies_below_50pct_approval, o.agencies
            ),
            format!(
                "{} hệ thống đã đăng ký chưa triển khai đầy đủ phương án bảo đảm an toàn theo cấp độ ({}/{} hệ thống).",
                pct(not_full),
                o.figures.systems_total - o.figures.systems_fully_implemented,
                o.figures.systems_total
            ),
            format!(
                "{}/{} hệ thống đã được phê duyệt hồ sơ cấp độ ({}).",
                o.figures.systems_approved,
                o.figures.systems_total,
                pct(o.figures.approval_rate)
            ),
            format!(
                "{} biện pháp bắt buộc được xác định bằng đo kiểm thay vì hồ sơ giấy ({} biện pháp).",
                pct(o.figures.measured_share),
                o.figures.controls_measured
            ),
        ],
    }
}

/// Name, systems, approved (rate), fully implemented (rate), partly, not implemented, measured
/// controls (share).
pub(crate) fn figures_row(name: String, f: &Figures) -> Vec<String> {
    vec![
        name,
        f.systems_total.to_string(),
        format!("{} ({})", f.systems_approved, pct(f.approval_rate)),
        format!("{} ({})", f.systems_fully_implemented, pct(f.fully_implemented_rate)),
        f.systems_partly_implemented.to_string(),
        f.systems_not_implemented.to_string(),
        format!("{} ({})", f.controls_measured, pct(f.measured_share)),
    ]
}
