//! The national view as terminal tables, headed by the ministry's phrasing: "N of M agencies have
//! an approval rate below 50%", "X% of registered systems have not fully implemented their
//! level's plan". Control titles come from a [`Glossary`] in `--lang`; rejected and superseded
//! inputs end the table (the command does not list them again on stderr, see `cli::aggregate`).

use super::national::National;
use super::words::{change, figures_row, headlines};
use crate::i18n::tr;
use crate::report::render::{Render, Table};
use crate::report::{Glossary, RenderError};
use crate::sanitize::one_line;
use std::fmt::Write;

/// The national view as text; `g` names the missing controls (an empty glossary leaves the
/// titles blank).
impl Render<National> for Table {
    fn render(&self, n: &National, g: &Glossary) -> Result<Vec<u8>, RenderError> {
        Ok(text(n, g).into_bytes())
    }
}

fn text(n: &National, g: &Glossary) -> String {
    let lang = g.lang;
    let mut out = String::new();
    let _ = writeln!(out, "{} {}", tr(lang, "National view, period", "Tổng hợp toàn quốc, kỳ"), one_line(&n.period));
    for h in headlines(n, lang) {
        let _ = writeln!(out, "  • {h}");
    }
    if n.includes_unsigned {
        let _ = writeln!(
            out,
            "  ! {}",
            tr(
                lang,
                "Some counted reports were not signed (--allow-unsigned).",
                "Có báo cáo chưa ký số được tính (--allow-unsigned)."
            )
        );
    }
    let head = [
        tr(lang, "Agency", "Cơ quan"),
        tr(lang, "Systems", "Hệ thống"),
        tr(lang, "Approved", "Đã phê duyệt"),
        tr(lang, "Fully implemented", "Triển khai đầy đủ"),
        tr(lang, "Partly", "Một số hạng mục"),
        tr(lang, "Not implemented", "Chưa triển khai"),
        tr(lang, "Measured", "Đo kiểm"),
        tr(lang, "Change (pp)", "Thay đổi (điểm %)"),
    ];
    let mut t = crate::report::kit::terminal::new_table(None);
    t.set_header(head);
    for a in &n.agencies {
        let mut row = figures_row(format!("{} ({})", one_line(&a.name), one_line(&a.id)), &a.figures);
        row.push(change(&a.change));
        t.add_row(row);
    }
    let mut total = figures_row(tr(lang, "All agencies", "Tất cả").into(), &n.overall.figures);
    total.push(change(&n.overall.change));
    t.add_row(total);
    let _ = writeln!(out, "\n{t}");
    let mut levels = crate::report::kit::terminal::new_table(None);
    // Its rows are levels and catalogues, not agencies.
    let mut level_head = head;
    level_head[0] = tr(lang, "Level / catalogue", "Cấp độ / danh mục");
    levels.set_header(&level_head[..7]);
    for (level, f) in &n.overall.by_level {
        levels.add_row(figures_row(format!("{} {level}", tr(lang, "Level", "Cấp độ")), f));
    }
    for (catalogue, f) in &n.overall.by_catalogue {
        levels.add_row(figures_row(one_line(catalogue), f));
    }
    let _ = writeln!(out, "{levels}");
    if !n.missing_controls.is_empty() {
        let mut m = crate::report::kit::terminal::new_table(None);
        m.set_header([
            tr(lang, "Most often missing control", "Biện pháp thường thiếu nhất"),
            tr(lang, "Title", "Tên biện pháp"),
            tr(lang, "Systems", "Hệ thống"),
            tr(lang, "Agencies", "Cơ quan"),
        ]);
        for c in n.missing_controls.iter().take(10) {
            m.add_row([
                one_line(&c.control),
                one_line(g.any_control_title(&c.control).unwrap_or_default()),
                c.systems.to_string(),
                c.agencies.unwrap_or(0).to_string(),
            ]);
        }
        let _ = writeln!(out, "{m}");
    }
    for r in &n.rejected {
        let _ =
            writeln!(out, "{}: {} — {}", tr(lang, "rejected", "bị từ chối"), one_line(&r.file), one_line(&r.reason));
    }
    for s in &n.superseded {
        let _ = writeln!(out, "{}: {} → {}", tr(lang, "superseded", "bị thay thế"), one_line(&s.file), one_line(&s.by));
    }
    out
}
