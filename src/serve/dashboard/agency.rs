//! `/agencies/{id}`: an agency in a period ([`Service::agency`]: its figures as the national view
//! states them, its systems, its figures in every period) — figures, trend lines, the systems
//! table linking to each system, and the controls it most often misses.
//!
//! Without `?period=` the page shows the service's default period, or, when the agency has no
//! report for it, the newest period it has one for (an agency that has not yet reported this
//! year still lands on its own figures).

use super::layout::{self, Cell, Crumb, Heading, PageError, Row, read_error};
use super::trend::{self, Line};
use super::{Ctx, level_text};
use crate::aggregate::national::Figures;
use crate::aggregate::words::figures_row;
use crate::i18n::{Lang, Text, tr};
use crate::report::Glossary;
use crate::report::kit::html::page::{self, Figure, Html};
use crate::report::kit::html::svg::Series;
use crate::report::kit::words::deployment_text;
use crate::report::kit::words::{approval_text, measured_text, pct};
use crate::serve::Service;
use crate::serve::figures::SystemRecord;
use crate::serve::service::ReadError;
use serde::Deserialize;

/// [`Service::agency`]'s document, as this page reads it.
#[derive(Deserialize)]
pub struct AgencyData {
    pub period: String,
    pub agency: Named,
    pub report: String,
    pub systems: Vec<SystemRecord>,
    pub history: Vec<PeriodData>,
}

#[derive(Deserialize)]
pub struct Named {
    pub id: String,
    pub name: String,
    #[serde(flatten)]
    pub figures: Figures,
}

#[derive(Deserialize)]
pub struct PeriodData {
    pub period: String,
    pub report: String,
    pub generated_at: String,
    pub figures: Option<Named>,
}

fn not_found(id: &str, period: Option<&str>) -> Text {
    let id = crate::sanitize::one_line(id);
    match period {
        Some(p) => crate::text!(
            "Agency `{id}` has no counted report for period {p}.",
            "Cơ quan `{id}` không có báo cáo được tính cho kỳ {p}."
        ),
        None => crate::text!("Agency `{id}` has no counted report.", "Cơ quan `{id}` chưa có báo cáo được tính."),
    }
}

/// The agency's data for the period asked for (see the module's note on the default).
pub async fn read(svc: &Service, ctx: &Ctx, id: &str) -> Result<AgencyData, PageError> {
    let asked = ctx.query.period.as_deref();
    let value = match svc.agency(id, asked).await {
        Ok(v) => v,
        Err(ReadError::NotFound(_)) if asked.is_none() => {
            let mut found = None;
            for p in svc.periods().await?.iter().rev() {
                if let Ok(v) = svc.agency(id, Some(p)).await {
                    found = Some(v);
                    break;
                }
            }
            found.ok_or_else(|| PageError::not_found(not_found(id, None)))?
        }
        Err(e) => return Err(read_error(e, || not_found(id, asked))),
    };
    serde_json::from_value(value).map_err(|e| crate::serve::StoreError::Corrupt(format!("agency view: {e}")).into())
}

pub async fn page(svc: &Service, ctx: &Ctx, id: &str) -> Result<String, PageError> {
    let a = read(svc, ctx, id).await?;
    let l = ctx.lang;
    let g = Glossary::new(svc.policy(), l);
    let name = format!("{} ({})", a.agency.name, a.agency.id);
    let title = format!("{name} — {} {}", tr(l, "period", "kỳ"), a.period);
    let crumbs = [
        Crumb { text: tr(l, "Country", "Toàn quốc").into(), href: country(ctx, &a.period) },
        Crumb { text: name.clone(), href: None },
    ];
    let current = a.history.iter().find(|p| p.period == a.period);
    Ok(layout::shell(ctx, &title, &crumbs, |h| {
        layout::header(
            h,
            &title,
            &[
                (tr(l, "Reporting period", "Kỳ báo cáo"), a.period.clone()),
                (tr(l, "Report counted", "Báo cáo được tính"), a.report.clone()),
                (tr(l, "Generated at", "Thời điểm lập"), current.map(|p| p.generated_at.clone()).unwrap_or_default()),
            ],
        );
        let periods: Vec<String> = a.history.iter().map(|p| p.period.clone()).collect();
        layout::periods(h, l, &periods, &a.period, |p| layout::href(&["agencies", id], &[("period", p)], l));
        figures(h, &a.agency.figures, l);
        trends(h, &a, id, l);
        systems(h, &a, id, l);
        missing(h, &a, &g);
    }))
}

/// The national view's link, for a center reader only (an agency's is refused).
pub fn country(ctx: &Ctx, period: &str) -> Option<String> {
    matches!(ctx.role, Some(super::Role::Center)).then(|| layout::href(&[], &[("period", period)], ctx.lang))
}

fn figures(h: &mut Html, f: &Figures, l: Lang) {
    h.leaf("h2", &[], tr(l, "Figures", "Số liệu"));
    if f.approval_rate.is_some_and(|r| r < 0.5) {
        page::notice(
            h,
            "alarm",
            tr(l, "The approval rate is below 50%.", "Tỷ lệ hệ thống được phê duyệt hồ sơ cấp độ dưới 50%."),
        );
    }
    page::figures(
        h,
        &[
            Figure::new(tr(l, "Registered systems", "Hệ thống đã đăng ký"), f.systems_total.to_string()),
            Figure::new(
                tr(l, "Level dossier approved", "Đã phê duyệt hồ sơ cấp độ"),
                format!("{} ({})", f.systems_approved, pct(f.approval_rate)),
            ),
            Figure::new(
                tr(l, "Fully implemented", "Triển khai đầy đủ"),
                format!("{} ({})", f.systems_fully_implemented, pct(f.fully_implemented_rate)),
            )
            .tone("good"),
            Figure::new(
                tr(l, "Partly implemented", "Triển khai một số hạng mục"),
                f.systems_partly_implemented.to_string(),
            ),
            Figure::new(tr(l, "Not implemented", "Chưa triển khai"), f.systems_not_implemented.to_string()),
            Figure::new(
                tr(l, "Measured controls", "Biện pháp đo kiểm"),
                format!("{} ({})", f.controls_measured, pct(f.measured_share)),
            ),
        ],
    );
}

fn trends(h: &mut Html, a: &AgencyData, id: &str, l: Lang) {
    h.leaf("h2", &[], tr(l, "Across periods", "Qua các kỳ"));
    let periods: Vec<String> = a.history.iter().map(|p| p.period.clone()).collect();
    let line = |label, colour, f: fn(&Figures) -> Option<f64>| Line {
        series: Series { label, colour, ink: "#ffffff" },
        values: a.history.iter().map(|p| p.figures.as_ref().and_then(|n| f(&n.figures))).collect(),
    };
    let lines = [
        line(tr(l, "approval rate", "tỷ lệ phê duyệt"), page::BLUE, |f| f.approval_rate),
        line(tr(l, "fully implemented", "triển khai đầy đủ"), page::GREEN, |f| f.fully_implemented_rate),
        line(tr(l, "measured share", "tỷ lệ đo kiểm"), page::ORANGE, |f| f.measured_share),
    ];
    let caption = tr(l, "The agency's rates per period", "Các tỷ lệ của cơ quan theo kỳ");
    crate::report::kit::html::chart(h, caption, |h| trend::rates(h, caption, &periods, &lines));
    let rows: Vec<Row> = a
        .history
        .iter()
        .filter_map(|p| {
            let f = p.figures.as_ref()?;
            let mut cells: Vec<Cell> = figures_row(p.period.clone(), &f.figures).into_iter().map(Cell::Text).collect();
            cells[0] = Cell::Link(p.period.clone(), layout::href(&["agencies", id], &[("period", &p.period)], l));
            cells.push(Cell::Text(p.report.clone()));
            Some(Row { cells, class: "" })
        })
        .collect();
    let headings = [
        Heading::text(tr(l, "Period", "Kỳ"), false),
        Heading::text(tr(l, "Systems", "Hệ thống"), true),
        Heading::text(tr(l, "Approved", "Đã phê duyệt"), true),
        Heading::text(tr(l, "Fully implemented", "Triển khai đầy đủ"), true),
        Heading::text(tr(l, "Partly", "Một số hạng mục"), true),
        Heading::text(tr(l, "Not implemented", "Chưa triển khai"), true),
        Heading::text(tr(l, "Measured controls", "Biện pháp đo kiểm"), true),
        Heading::text(tr(l, "Report counted", "Báo cáo được tính"), false),
    ];
    layout::table(h, "", &headings, &rows);
}

/// A system's measured share: controls measured over the controls it lists.
pub fn measured(s: &SystemRecord) -> String {
    let required = s.controls.len();
    measured_text(s.controls_measured, required, crate::report::rate(s.controls_measured, required))
}

fn systems(h: &mut Html, a: &AgencyData, id: &str, l: Lang) {
    h.leaf("h2", &[], tr(l, "Systems", "Hệ thống"));
    let rows: Vec<Row> = a
        .systems
        .iter()
        .map(|s| Row {
            cells: vec![
                Cell::Link(
                    format!("{} ({})", s.name, s.id),
                    layout::href(&["agencies", id, "systems", &s.id], &[("period", &a.period)], l),
                ),
                Cell::Text(level_text(l, s.level)),
                Cell::Text(approval_text(s.approval, l).into()),
                Cell::Text(deployment_text(s.deployment, l).into()),
                Cell::Text(if s.fully_implemented { tr(l, "yes", "có") } else { tr(l, "no", "không") }.into()),
                Cell::Text(measured(s)),
                Cell::Text(s.missing_controls.len().to_string()),
            ],
            class: if s.missing_controls.is_empty() { "" } else { "flagged" },
        })
        .collect();
    let headings = [
        Heading::text(tr(l, "System", "Hệ thống"), false),
        Heading::text(tr(l, "Level", "Cấp độ"), false),
        Heading::text(tr(l, "Level dossier", "Hồ sơ cấp độ"), false),
        Heading::text(tr(l, "Implemented", "Triển khai"), false),
        Heading::text(tr(l, "Fully implemented", "Triển khai đầy đủ"), false),
        Heading::text(tr(l, "Measured controls", "Biện pháp đo kiểm"), true),
        Heading::text(tr(l, "Missing controls", "Biện pháp còn thiếu"), true),
    ];
    layout::table(h, "", &headings, &rows);
}

fn missing(h: &mut Html, a: &AgencyData, g: &Glossary) {
    let l = g.lang;
    h.leaf("h2", &[], tr(l, "Controls most often missing", "Biện pháp thường thiếu nhất"));
    let m = &a.agency.figures.missing_controls;
    if m.is_empty() {
        h.leaf("p", &[], tr(l, "No required control is missing.", "Không thiếu biện pháp bắt buộc nào."));
        return;
    }
    let rows: Vec<Row> = m
        .iter()
        .map(|c| Row {
            cells: vec![
                Cell::Text(c.control.clone()),
                Cell::Text(g.any_control_title(&c.control).unwrap_or_default().to_string()),
                Cell::Text(c.systems.to_string()),
            ],
            class: "",
        })
        .collect();
    let headings = [
        Heading::text(tr(l, "Control", "Biện pháp"), false),
        Heading::text(tr(l, "Title", "Tên biện pháp"), false),
        Heading::text(tr(l, "Systems", "Hệ thống"), true),
    ];
    layout::table(h, "", &headings, &rows);
}
