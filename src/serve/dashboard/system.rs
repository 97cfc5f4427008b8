//! `/agencies/{id}/systems/{system}` and `…/controls/{control}`: a system in a period
//! ([`Service::system`]) with its controls — status (as the report's badge), basis, findings —
//! and its figures in every period; a control with all its stored findings and its status in
//! every period.
//!
//! Findings are scanned data, hostile: every string is escaped by the page writer (control
//! characters replaced) and cut to [`MAX_TEXT`] characters. The system page shows the first
//! [`SHOWN`] findings of a control and counts the rest; the control page shows every finding
//! stored (the service keeps [`crate::serve::figures::MAX_FINDINGS`] per control and the count).

use super::agency::{country, measured};
use super::layout::{self, Cell, Crumb, Heading, PageError, Row, read_error};
use super::{Ctx, level_text};
use crate::engine::{Basis, Outcome, Status};
use crate::i18n::{Lang, Text, tr};
use crate::report::Glossary;
use crate::report::kit::html::badge;
use crate::report::kit::html::page::Html;
use crate::report::kit::words::{approval_text, basis_text, status_text};
use crate::report::kit::words::{deployment_text, evidence_kind, outcome_text};
use crate::serve::Service;
use crate::serve::figures::{ControlRecord, SystemRecord};
use crate::serve::service::ReadError;
use serde::Deserialize;

/// Findings of a control shown on the system page.
const SHOWN: usize = 5;
/// Longest text of a finding shown.
const MAX_TEXT: usize = 2000;

/// [`Service::system`]'s document, as these pages read it.
#[derive(Deserialize)]
struct SystemData {
    period: String,
    agency: String,
    report: String,
    system: SystemRecord,
    history: Vec<SystemPeriod>,
}

#[derive(Deserialize)]
struct SystemPeriod {
    period: String,
    report: String,
    compliant: bool,
    fully_implemented: bool,
    deployment: crate::report::Deployment,
    missing_controls: usize,
}

fn not_found(agency: &str, system: &str, period: Option<&str>) -> Text {
    let (a, s) = (crate::sanitize::one_line(agency), crate::sanitize::one_line(system));
    match period {
        Some(p) => crate::text!(
            "Agency `{a}` has no system `{s}` in a counted report of period {p}.",
            "Cơ quan `{a}` không có hệ thống `{s}` trong báo cáo được tính của kỳ {p}."
        ),
        None => crate::text!(
            "Agency `{a}` has no system `{s}` in a counted report.",
            "Cơ quan `{a}` không có hệ thống `{s}` trong báo cáo được tính nào."
        ),
    }
}

/// The system in the period asked for; without one, the service's default period or else the
/// newest period that has the system.
async fn read(svc: &Service, ctx: &Ctx, agency: &str, system: &str) -> Result<SystemData, PageError> {
    let asked = ctx.query.period.as_deref();
    let value = match svc.system(agency, system, asked).await {
        Ok(v) => v,
        Err(ReadError::NotFound(_)) if asked.is_none() => {
            let mut found = None;
            for p in svc.periods().await?.iter().rev() {
                if let Ok(v) = svc.system(agency, system, Some(p)).await {
                    found = Some(v);
                    break;
                }
            }
            found.ok_or_else(|| PageError::not_found(not_found(agency, system, None)))?
        }
        Err(e) => return Err(read_error(e, || not_found(agency, system, asked))),
    };
    serde_json::from_value(value).map_err(|e| crate::serve::StoreError::Corrupt(format!("system view: {e}")).into())
}

fn crumbs(ctx: &Ctx, d: &SystemData, control: Option<&str>) -> Vec<Crumb> {
    let l = ctx.lang;
    let mut c = vec![
        Crumb { text: tr(l, "Country", "Toàn quốc").into(), href: country(ctx, &d.period) },
        Crumb {
            text: d.agency.clone(),
            href: Some(layout::href(&["agencies", &d.agency], &[("period", &d.period)], l)),
        },
        Crumb {
            text: format!("{} ({})", d.system.name, d.system.id),
            href: control.map(|_| system_href(d, &d.period, l)),
        },
    ];
    if let Some(id) = control {
        c.push(Crumb { text: id.to_string(), href: None });
    }
    c
}

fn system_href(d: &SystemData, period: &str, l: Lang) -> String {
    layout::href(&["agencies", &d.agency, "systems", &d.system.id], &[("period", period)], l)
}

fn control_href(d: &SystemData, control: &str, period: &str, l: Lang) -> String {
    layout::href(&["agencies", &d.agency, "systems", &d.system.id, "controls", control], &[("period", period)], l)
}

fn yes_no(b: bool, l: Lang) -> &'static str {
    if b { tr(l, "yes", "có") } else { tr(l, "no", "không") }
}

pub async fn page(svc: &Service, ctx: &Ctx, agency: &str, system: &str) -> Result<String, PageError> {
    let d = read(svc, ctx, agency, system).await?;
    let l = ctx.lang;
    let g = Glossary::new(svc.policy(), l);
    let s = &d.system;
    let title = format!("{} ({}) — {} {}", s.name, s.id, tr(l, "period", "kỳ"), d.period);
    Ok(layout::shell(ctx, &title, &crumbs(ctx, &d, None), |h| {
        layout::header(
            h,
            &title,
            &[
                (tr(l, "Agency", "Cơ quan"), d.agency.clone()),
                (tr(l, "Reporting period", "Kỳ báo cáo"), d.period.clone()),
                (tr(l, "Level", "Cấp độ"), s.level.to_string()),
                (tr(l, "Catalogue", "Danh mục biện pháp"), s.catalogue.clone()),
                (tr(l, "Level dossier", "Hồ sơ cấp độ"), approval_text(s.approval, l).into()),
                (tr(l, "Implemented", "Triển khai"), deployment_text(s.deployment, l).into()),
                (tr(l, "Compliant", "Tuân thủ"), yes_no(s.compliant, l).into()),
                (tr(l, "Fully implemented", "Triển khai đầy đủ"), yes_no(s.fully_implemented, l).into()),
                (tr(l, "Measured controls", "Biện pháp đo kiểm"), measured(s)),
                (tr(l, "Missing controls", "Biện pháp còn thiếu"), s.missing_controls.len().to_string()),
                (tr(l, "Report counted", "Báo cáo được tính"), d.report.clone()),
            ],
        );
        let periods: Vec<String> = d.history.iter().map(|p| p.period.clone()).collect();
        layout::periods(h, l, &periods, &d.period, |p| system_href(&d, p, l));
        history(h, &d, l);
        controls(h, &d, &g);
    }))
}

fn history(h: &mut Html, d: &SystemData, l: Lang) {
    h.leaf("h2", &[], tr(l, "Across periods", "Qua các kỳ"));
    let rows: Vec<Row> = d
        .history
        .iter()
        .map(|p| Row {
            cells: vec![
                Cell::Link(p.period.clone(), system_href(d, &p.period, l)),
                Cell::Text(yes_no(p.compliant, l).into()),
                Cell::Text(yes_no(p.fully_implemented, l).into()),
                Cell::Text(deployment_text(p.deployment, l).into()),
                Cell::Text(p.missing_controls.to_string()),
                Cell::Text(p.report.clone()),
            ],
            class: "",
        })
        .collect();
    let headings = [
        Heading::text(tr(l, "Period", "Kỳ"), false),
        Heading::text(tr(l, "Compliant", "Tuân thủ"), false),
        Heading::text(tr(l, "Fully implemented", "Triển khai đầy đủ"), false),
        Heading::text(tr(l, "Implemented", "Triển khai"), false),
        Heading::text(tr(l, "Missing controls", "Biện pháp còn thiếu"), true),
        Heading::text(tr(l, "Report counted", "Báo cáo được tính"), false),
    ];
    layout::table(h, "", &headings, &rows);
}

fn controls(h: &mut Html, d: &SystemData, g: &Glossary) {
    let l = g.lang;
    let s = &d.system;
    h.leaf("h2", &[], tr(l, "Required controls", "Biện pháp bắt buộc"));
    h.el("table", &[("class", &"matrix")], |h| {
        h.el("thead", &[], |h| {
            h.el("tr", &[], |h| {
                h.leaf("th", &[("class", &"c-id"), ("scope", &"col")], tr(l, "Control", "Biện pháp"));
                h.leaf("th", &[("class", &"c-req"), ("scope", &"col")], tr(l, "Requirement", "Yêu cầu"));
                h.leaf("th", &[("class", &"c-status"), ("scope", &"col")], tr(l, "Status", "Trạng thái"));
                h.leaf("th", &[("scope", &"col")], tr(l, "Findings", "Kết quả kiểm tra"));
            });
        });
        h.el("tbody", &[], |h| {
            for c in &s.controls {
                let link = control_href(d, &c.id, &d.period, l);
                h.el("tr", &[("class", &format!("row-{}", c.status.as_str()))], |h| {
                    h.el("td", &[], |h| {
                        h.el("a", &[("href", &link)], |h| {
                            h.leaf("code", &[], &c.id);
                        });
                    });
                    h.el("td", &[], |h| {
                        h.text(g.control(&s.catalogue, &c.id, s.level).map_or("", |i| i.title));
                    });
                    h.el("td", &[], |h| status(h, c.status, c.basis, l));
                    h.el("td", &[], |h| {
                        findings(h, c, SHOWN, g);
                        let total = c.findings_total.unwrap_or(c.findings.len());
                        if total > SHOWN {
                            let more = format!(
                                "{} {} {}",
                                tr(l, "…and", "…và"),
                                total - SHOWN,
                                tr(l, "more on the control's page", "kết quả khác ở trang của biện pháp")
                            );
                            h.leaf("a", &[("href", &link)], &more);
                        }
                    });
                });
            }
        });
    });
}

/// The status badge and the basis under it.
fn status(h: &mut Html, s: Status, basis: Option<Basis>, l: Lang) {
    badge(h, s, l);
    let basis = basis.map_or(tr(l, "not stated", "không nêu"), |b| basis_text(b, l));
    h.void("br", &[]).leaf("span", &[("class", &"muted")], &format!("{}: {basis}", tr(l, "basis", "cơ sở")));
}

/// A stored finding's string member, cut to [`MAX_TEXT`].
fn member(f: &serde_json::Value, key: &str) -> Option<String> {
    f.get(key).and_then(|v| v.as_str()).map(|s| crate::sanitize::truncate(s, MAX_TEXT))
}

/// The first `limit` findings of `c` as the report lists them.
fn findings(h: &mut Html, c: &ControlRecord, limit: usize, g: &Glossary) {
    let l = g.lang;
    if c.findings.is_empty() {
        h.leaf("span", &[("class", &"muted")], tr(l, "no findings", "không có kết quả"));
        return;
    }
    h.el("ul", &[("class", &"findings")], |h| {
        for f in c.findings.iter().take(limit) {
            // Verified at submission: the outcome is one of the schema's four.
            let outcome = match f.get("outcome").and_then(|o| o.as_str()) {
                Some("fail") => Some(Outcome::Fail),
                Some("unknown") => Some(Outcome::Unknown),
                Some("pass") => Some(Outcome::Pass),
                Some("info") => Some(Outcome::Info),
                _ => None,
            };
            let class = outcome.map_or(String::new(), |o| format!("o-{}", o.as_str()));
            h.el("li", &[("class", &class)], |h| {
                if let Some(o) = outcome {
                    h.leaf("span", &[("class", &"outcome")], outcome_text(o, l)).text(" ");
                }
                let rule = member(f, "rule").unwrap_or_default();
                match g.rule(&rule) {
                    Some(r) => {
                        h.leaf("strong", &[], r.title).text(" ").leaf(
                            "span",
                            &[("class", &"muted")],
                            &format!("({rule})"),
                        );
                    }
                    None => {
                        h.leaf("strong", &[], evidence_kind(&rule, l).unwrap_or(&rule));
                    }
                }
                h.void("br", &[]);
                if let Some(asset) = member(f, "asset") {
                    h.leaf("code", &[], &asset).text(": ");
                }
                h.text(&member(f, "message").unwrap_or_default());
                if let Some(e) = member(f, "evidence") {
                    h.void("br", &[]).el("span", &[("class", &"muted")], |h| {
                        h.text(tr(l, "evidence: ", "bằng chứng: ")).leaf("code", &[], &e);
                    });
                }
            });
        }
    });
}

pub async fn control_page(
    svc: &Service,
    ctx: &Ctx,
    agency: &str,
    system: &str,
    control: &str,
) -> Result<String, PageError> {
    let d = read(svc, ctx, agency, system).await?;
    let l = ctx.lang;
    let g = Glossary::new(svc.policy(), l);
    let s = &d.system;
    let Some(c) = s.controls.iter().find(|c| c.id == control) else {
        let (ci, si, p) = (crate::sanitize::one_line(control), crate::sanitize::one_line(system), &d.period);
        return Err(PageError::not_found(crate::text!(
            "System `{si}` lists no control `{ci}` in period {p}.",
            "Hệ thống `{si}` không có biện pháp `{ci}` trong kỳ {p}."
        )));
    };
    // The control's status in every period the system was reported in.
    let mut history = Vec::new();
    for p in &d.history {
        let v = svc
            .system(agency, system, Some(&p.period))
            .await
            .map_err(|e| read_error(e, || not_found(agency, system, Some(&p.period))))?;
        let past: SystemData = serde_json::from_value(v)
            .map_err(|e| PageError::from(crate::serve::StoreError::Corrupt(format!("system view: {e}"))))?;
        let record = past.system.controls.into_iter().find(|x| x.id == control);
        history.push((p.period.clone(), record));
    }
    let info = g.control(&s.catalogue, control, s.level);
    let title = match info.as_ref() {
        Some(i) => format!("{control} — {}", i.title),
        None => control.to_string(),
    };
    let total = c.findings_total.unwrap_or(c.findings.len());
    Ok(layout::shell(ctx, &title, &crumbs(ctx, &d, Some(control)), |h| {
        layout::header(
            h,
            &title,
            &[
                (tr(l, "System", "Hệ thống"), format!("{} ({})", s.name, s.id)),
                (tr(l, "Agency", "Cơ quan"), d.agency.clone()),
                (tr(l, "Reporting period", "Kỳ báo cáo"), d.period.clone()),
                (tr(l, "Level", "Cấp độ"), level_text(l, s.level)),
                (
                    tr(l, "Clause", "Điều khoản"),
                    info.as_ref().and_then(|i| i.clause).map(str::to_string).unwrap_or_default(),
                ),
                (tr(l, "Findings", "Kết quả kiểm tra"), total.to_string()),
            ],
        );
        h.el("p", &[], |h| status(h, c.status, c.basis, l));
        h.leaf("h2", &[], tr(l, "Findings", "Kết quả kiểm tra"));
        if total > c.findings.len() {
            crate::report::kit::html::page::notice(
                h,
                "warn",
                &format!(
                    "{} {} / {}; {}",
                    tr(l, "Showing", "Hiển thị"),
                    c.findings.len(),
                    total,
                    tr(l, "the stored report holds them all.", "báo cáo lưu trữ có đầy đủ.")
                ),
            );
        }
        findings(h, c, usize::MAX, &g);
        h.leaf("h2", &[], tr(l, "Across periods", "Qua các kỳ"));
        let rows: Vec<Row> = history
            .iter()
            .map(|(p, r)| {
                let (st, basis) = match r {
                    Some(r) => (
                        status_text(r.status, l).to_string(),
                        r.basis.map_or(String::new(), |b| basis_text(b, l).to_string()),
                    ),
                    None => (tr(l, "not required", "không bắt buộc").to_string(), String::new()),
                };
                let class = match r.as_ref().map(|r| r.status) {
                    Some(Status::Fail | Status::Unknown) => "flagged",
                    _ => "",
                };
                let period = match r {
                    Some(_) => Cell::Link(p.clone(), control_href(&d, control, p, l)),
                    None => Cell::Text(p.clone()),
                };
                Row { cells: vec![period, Cell::Text(st), Cell::Text(basis)], class }
            })
            .collect();
        let headings = [
            Heading::text(tr(l, "Period", "Kỳ"), false),
            Heading::text(tr(l, "Status", "Trạng thái"), false),
            Heading::text(tr(l, "Basis", "Cơ sở"), false),
        ];
        layout::table(h, "", &headings, &rows);
    }))
}
