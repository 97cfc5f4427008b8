//! `/`: the national view of a period (center only) — the very view `aggregate` builds
//! ([`Service::national`]) with its headline sentences, figures and charts drawn by
//! `aggregate --format html`'s own code ([`crate::aggregate::html`]) — plus what a live service
//! adds: the period selector, trend lines over every stored period, the agencies table sortable
//! by links (`?sort=name|systems|approval|fully|measured&dir=asc|desc`), and the registered
//! agencies that have not reported for the period.

use super::Ctx;
use super::layout::{self, Cell, Crumb, Heading, PageError, Row, read_error};
use super::trend::{self, Line};
use crate::aggregate::national::{AgencyView, National};
use crate::aggregate::words::{figures_row, headlines};
use crate::i18n::{Lang, Text, tr};
use crate::report::Glossary;
use crate::report::kit::html::page::{self, Html};
use crate::report::kit::html::svg::Series;
use crate::serve::Service;
use axum::http::StatusCode;
use std::cmp::Ordering;

/// A sort key of the agencies table: its query value.
const SORTS: [&str; 5] = ["name", "systems", "approval", "fully", "measured"];

/// A registered agency without a counted report for the period.
struct NotReported {
    id: String,
    name: Option<String>,
}

pub async fn page(svc: &Service, ctx: &Ctx) -> Result<String, PageError> {
    let l = ctx.lang;
    let (sort, desc) = sorting(ctx)?;
    let periods = svc.periods().await?;
    if periods.is_empty() && ctx.query.period.is_none() {
        return Ok(empty(ctx));
    }
    let period = svc.period(ctx.query.period.as_deref()).await.map_err(|e| read_error(e, || unknown(&[])))?;
    if !periods.contains(&period) {
        return Err(PageError::not_found(unknown(&[period])));
    }
    let n = svc.national(Some(&period)).await.map_err(|e| read_error(e, || unknown(&[])))?;
    let missing = svc.missing(Some(&period)).await.map_err(|e| read_error(e, || unknown(&[])))?;
    let not_reported: Vec<NotReported> = missing["agencies"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|a| NotReported {
            id: a["id"].as_str().unwrap_or_default().to_string(),
            name: a["name"].as_str().map(str::to_string),
        })
        .collect();
    let mut history = Vec::new();
    for p in &periods {
        history.push(svc.national(Some(p)).await.map_err(|e| read_error(e, || unknown(&[])))?);
    }
    let g = Glossary::new(svc.policy(), l);
    let title = format!("{} {}", tr(l, "National view, period", "Tổng hợp toàn quốc, kỳ"), n.period);
    let crumbs = [Crumb { text: tr(l, "Country", "Toàn quốc").into(), href: None }];
    Ok(layout::shell(ctx, &title, &crumbs, |h| {
        header(h, &n, &title, l);
        layout::periods(h, l, &periods, &period, |p| layout::href(&[], &[("period", p)], l));
        crate::aggregate::html::overall(h, &n, l);
        trends(h, &history, l);
        agencies(h, ctx, &n, sort, desc);
        absent(h, &not_reported, &n.period, l);
        crate::aggregate::html::levels(h, &n, l);
        crate::aggregate::html::missing(h, &n, &g);
    }))
}

/// "No report for period P" (or none at all).
fn unknown(period: &[String]) -> Text {
    match period.first() {
        Some(p) => {
            crate::text!("No report has been submitted for period {p}.", "Chưa có báo cáo nào được nộp cho kỳ {p}.")
        }
        None => Text::new("No such period.", "Không có kỳ báo cáo này."),
    }
}

/// The sort asked for: a key of [`SORTS`] (default `name`) and whether it is descending.
fn sorting(ctx: &Ctx) -> Result<(&'static str, bool), PageError> {
    let q = &ctx.query;
    let sort = match q.sort.as_deref() {
        None => "name",
        Some(s) => SORTS.iter().find(|k| **k == s).copied().ok_or_else(|| {
            PageError::new(
                StatusCode::BAD_REQUEST,
                Text::new(
                    "`sort` is one of name, systems, approval, fully, measured.",
                    "`sort` là một trong name, systems, approval, fully, measured.",
                ),
            )
        })?,
    };
    let desc = match q.dir.as_deref() {
        None | Some("asc") => false,
        Some("desc") => true,
        Some(_) => {
            return Err(PageError::new(
                StatusCode::BAD_REQUEST,
                Text::new("`dir` is `asc` or `desc`.", "`dir` là `asc` hoặc `desc`."),
            ));
        }
    };
    Ok((sort, desc))
}

/// The agencies in the order asked for; ties (and agencies without a rate, which sort lowest)
/// by id, so the order is the same on every load.
pub fn sorted<'a>(agencies: &'a [AgencyView], sort: &str, desc: bool) -> Vec<&'a AgencyView> {
    let key = |a: &AgencyView, b: &AgencyView| -> Ordering {
        let rate = |x: Option<f64>, y: Option<f64>| x.partial_cmp(&y).unwrap_or(Ordering::Equal);
        match sort {
            "systems" => a.figures.systems_total.cmp(&b.figures.systems_total),
            "approval" => rate(a.figures.approval_rate, b.figures.approval_rate),
            "fully" => rate(a.figures.fully_implemented_rate, b.figures.fully_implemented_rate),
            "measured" => rate(a.figures.measured_share, b.figures.measured_share),
            _ => a.name.to_lowercase().cmp(&b.name.to_lowercase()),
        }
    };
    let mut v: Vec<&AgencyView> = agencies.iter().collect();
    v.sort_by(|a, b| {
        let primary = key(a, b);
        let primary = if desc { primary.reverse() } else { primary };
        primary.then_with(|| a.id.cmp(&b.id))
    });
    v
}

fn empty(ctx: &Ctx) -> String {
    let l = ctx.lang;
    let title = tr(l, "National view", "Tổng hợp toàn quốc");
    layout::shell(ctx, title, &[Crumb { text: tr(l, "Country", "Toàn quốc").into(), href: None }], |h| {
        layout::header(h, title, &[]);
        h.leaf("p", &[], tr(l, "No report has been submitted yet.", "Chưa có báo cáo nào được nộp."));
    })
}

fn header(h: &mut Html, n: &National, title: &str, l: Lang) {
    h.el("header", &[("class", &"doc")], |h| {
        h.leaf("h1", &[], title);
        page::meta_list(
            h,
            &[
                (tr(l, "Reporting period", "Kỳ báo cáo"), n.period.clone()),
                (tr(l, "Generated at", "Thời điểm lập"), n.generated_at.clone()),
                (tr(l, "Agencies counted", "Số cơ quan được tính"), n.overall.agencies.to_string()),
                (tr(l, "Inputs superseded", "Báo cáo bị thay thế"), n.superseded.len().to_string()),
                (tr(l, "Document", "Định dạng"), n.schema.to_string()),
            ],
        );
        h.el("ul", &[("class", &"headlines")], |h| {
            for sentence in headlines(n, l) {
                h.leaf("li", &[], &sentence);
            }
        });
    });
}

/// The three national rates over every stored period, as lines and as a table.
fn trends(h: &mut Html, history: &[National], l: Lang) {
    h.leaf("h2", &[], tr(l, "Across periods", "Qua các kỳ"));
    let periods: Vec<String> = history.iter().map(|n| n.period.clone()).collect();
    let line = |label, colour, f: fn(&National) -> Option<f64>| Line {
        series: Series { label, colour, ink: "#ffffff" },
        values: history.iter().map(f).collect(),
    };
    let lines = [
        line(tr(l, "approval rate", "tỷ lệ phê duyệt"), page::BLUE, |n| n.overall.figures.approval_rate),
        line(tr(l, "fully implemented", "triển khai đầy đủ"), page::GREEN, |n| {
            n.overall.figures.fully_implemented_rate
        }),
        line(tr(l, "measured share", "tỷ lệ đo kiểm"), page::ORANGE, |n| n.overall.figures.measured_share),
    ];
    let caption = tr(l, "National rates per period", "Các tỷ lệ toàn quốc theo kỳ");
    crate::report::kit::html::chart(h, caption, |h| trend::rates(h, caption, &periods, &lines));
    let rows: Vec<Row> = history
        .iter()
        .map(|n| {
            let mut cells =
                figures_row(n.period.clone(), &n.overall.figures).into_iter().map(Cell::Text).collect::<Vec<_>>();
            cells[0] = Cell::Link(n.period.clone(), layout::href(&[], &[("period", &n.period)], l));
            cells.insert(1, Cell::Text(n.overall.agencies.to_string()));
            Row { cells, class: "" }
        })
        .collect();
    let mut headings = figure_headings(l);
    headings[0] = Heading::text(tr(l, "Period", "Kỳ"), false);
    headings.insert(1, Heading::text(tr(l, "Agencies", "Cơ quan"), true));
    layout::table(h, "", &headings, &rows);
}

/// The columns of [`figures_row`].
fn figure_headings(l: Lang) -> Vec<Heading> {
    vec![
        Heading::text("", false),
        Heading::text(tr(l, "Systems", "Hệ thống"), true),
        Heading::text(tr(l, "Approved", "Đã phê duyệt"), true),
        Heading::text(tr(l, "Fully implemented", "Triển khai đầy đủ"), true),
        Heading::text(tr(l, "Partly", "Một số hạng mục"), true),
        Heading::text(tr(l, "Not implemented", "Chưa triển khai"), true),
        Heading::text(tr(l, "Measured controls", "Biện pháp đo kiểm"), true),
    ]
}

fn agencies(h: &mut Html, ctx: &Ctx, n: &National, sort: &str, desc: bool) {
    let l = ctx.lang;
    h.leaf("h2", &[], tr(l, "Per agency", "Theo cơ quan"));
    h.leaf(
        "p",
        &[("class", &"muted")],
        tr(
            l,
            "Sort by a column by following its heading; follow it again to reverse. Agencies below 50% approval are highlighted.",
            "Nhấn vào tiêu đề cột để sắp xếp theo cột đó; nhấn lần nữa để đảo chiều. Cơ quan có tỷ lệ phê duyệt dưới 50% được tô đỏ.",
        ),
    );
    let mut headings = figure_headings(l);
    headings[0] = Heading::text(tr(l, "Agency", "Cơ quan"), false);
    // Headings that sort: the agency (name), systems, approved, fully implemented, measured.
    for (i, key) in [(0, "name"), (1, "systems"), (2, "approval"), (3, "fully"), (6, "measured")] {
        let current = key == sort;
        let dir = if current && !desc { "desc" } else { "asc" };
        let arrow = match (current, desc) {
            (false, _) => "",
            (true, false) => " ▲",
            (true, true) => " ▼",
        };
        headings[i].title.push_str(arrow);
        headings[i].href = Some(layout::href(&[], &[("period", &n.period), ("sort", key), ("dir", dir)], l));
        headings[i].sorted = current;
    }
    headings.push(Heading::text(tr(l, "Report counted", "Báo cáo được tính"), false));
    let rows: Vec<Row> = sorted(&n.agencies, sort, desc)
        .into_iter()
        .map(|a| {
            let below = a.figures.approval_rate.is_some_and(|r| r < 0.5);
            let mut text = figures_row(format!("{} ({})", a.name, a.id), &a.figures);
            if below {
                text[2].push_str(&format!(" — {}", tr(l, "BELOW 50%", "DƯỚI 50%")));
            }
            text.push(a.generated_at.clone());
            let mut cells: Vec<Cell> = text.into_iter().map(Cell::Text).collect();
            cells[0] = Cell::Link(
                format!("{} ({})", a.name, a.id),
                layout::href(&["agencies", &a.id], &[("period", &n.period)], l),
            );
            Row { cells, class: if below { "flagged" } else { "" } }
        })
        .collect();
    layout::table(h, "", &headings, &rows);
}

/// Registered agencies with no counted report for the period, highlighted.
fn absent(h: &mut Html, agencies: &[NotReported], period: &str, l: Lang) {
    h.leaf("h2", &[], tr(l, "Agencies that have not reported", "Cơ quan chưa nộp báo cáo"));
    if agencies.is_empty() {
        h.leaf(
            "p",
            &[],
            tr(
                l,
                "Every registered agency has reported for this period.",
                "Mọi cơ quan đã đăng ký đều đã nộp báo cáo kỳ này.",
            ),
        );
        return;
    }
    page::notice(
        h,
        "alarm",
        &format!(
            "{} {} {period}.",
            agencies.len(),
            tr(
                l,
                "registered agencies have no counted report for period",
                "cơ quan đã đăng ký chưa có báo cáo được tính cho kỳ"
            )
        ),
    );
    let rows: Vec<Row> = agencies
        .iter()
        .map(|a| Row {
            cells: vec![
                Cell::Text(a.id.clone()),
                Cell::Text(a.name.clone().unwrap_or_default()),
                Cell::Text(tr(l, "NOT REPORTED", "CHƯA NỘP").into()),
            ],
            class: "flagged",
        })
        .collect();
    let headings = [
        Heading::text(tr(l, "Agency", "Cơ quan"), false),
        Heading::text(tr(l, "Name", "Tên"), false),
        Heading::text(tr(l, "Status", "Tình trạng"), false),
    ];
    layout::table(h, "", &headings, &rows);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::national::Figures;

    fn agency(id: &str, name: &str, approval: Option<f64>) -> AgencyView {
        AgencyView {
            id: id.into(),
            name: name.into(),
            figures: Figures { approval_rate: approval, ..Figures::default() },
            report: String::new(),
            generated_at: String::new(),
            signed_by: None,
            change: None,
        }
    }

    #[test]
    fn agencies_sort_by_rate_with_no_rate_lowest_and_ties_by_id() {
        let v = [
            agency("c", "Cc", Some(0.5)),
            agency("a", "Bb", None),
            agency("b", "aa", Some(0.5)),
            agency("d", "Dd", Some(0.9)),
        ];
        let ids = |v: Vec<&AgencyView>| v.iter().map(|a| a.id.clone()).collect::<Vec<_>>().join("");
        assert_eq!(ids(sorted(&v, "approval", false)), "abcd");
        assert_eq!(ids(sorted(&v, "approval", true)), "dbca");
        assert_eq!(ids(sorted(&v, "name", false)), "bacd");
    }
}
