//! `tuanthu aggregate --format html`: the national view as one self-contained page, on the same
//! shell, style sheet and charts as the agency report ([`crate::report::html`]).
//!
//! It opens with the ministry's headline sentences (the same as the table's,
//! [`super::words::headlines`]) and, when it applies, a warning that unsigned reports were counted;
//! then the overall figures (the measured share of required controls among them) with their change
//! since the previous period, figures per level and
//! per catalogue, one row per agency (below 50 % approval flagged), the distribution of approval
//! rates across agencies, the controls most often missing, and every rejected or superseded input
//! with its reason.

use super::national::{AgencyView, Figures, Missing, National};
use super::words::{change, figures_row, headlines, points};
use crate::i18n::{Lang, tr};
use crate::report::kit::html::page::{self, Figure, Html, Row, col, figures, meta_list, notice, num, text_table};
use crate::report::kit::html::svg::{self, Bar, Group, Series};
use crate::report::kit::html::{chart, footer, titled};
use crate::report::kit::words::pct;
use crate::report::render::{self, Render};
use crate::report::{Glossary, RenderError};

/// How many controls the missing-controls chart shows (the table below it lists all of `--top`).
const CHART_TOP: usize = 10;

/// The national view as an HTML5 document (also well-formed XML). Control titles come from `g`.
impl Render<National> for render::Html {
    fn render(&self, n: &National, g: &Glossary) -> Result<Vec<u8>, RenderError> {
        Ok(document(n, g).into_bytes())
    }
}

fn document(n: &National, g: &Glossary) -> String {
    let l = g.lang;
    let title = format!("{} {}", tr(l, "National view, period", "Tổng hợp toàn quốc, kỳ"), n.period);
    page::document(l, &title, |h| {
        header(h, n, &title, l);
        overall(h, n, l);
        levels(h, n, l);
        agencies(h, n, l);
        missing(h, n, g);
        inputs(h, n, l);
        footer(h, env!("CARGO_PKG_VERSION"), &n.generated_at, l);
    })
}

fn header(h: &mut Html, n: &National, title: &str, l: Lang) {
    h.el("header", &[("class", &"doc")], |h| {
        h.leaf("h1", &[], title);
        if n.includes_unsigned {
            notice(
                h,
                "alarm",
                tr(
                    l,
                    "Includes unsigned reports: some counted reports carry no signature (--allow-unsigned), so nothing proves which agency produced them. They are marked UNSIGNED below.",
                    "Có báo cáo chưa ký số được tính (--allow-unsigned): không có gì chứng minh cơ quan nào đã lập các báo cáo này. Chúng được đánh dấu CHƯA KÝ SỐ bên dưới.",
                ),
            );
        }
        meta_list(
            h,
            &[
                (tr(l, "Reporting period", "Kỳ báo cáo"), n.period.clone()),
                (tr(l, "Generated at", "Thời điểm lập"), n.generated_at.clone()),
                (tr(l, "Agencies counted", "Số cơ quan được tính"), n.overall.agencies.to_string()),
                (tr(l, "Inputs rejected", "Báo cáo bị từ chối"), n.rejected.len().to_string()),
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

/// "N (rate)", plus the change in points when a previous period is known.
fn rate_figure(n: usize, rate: Option<f64>, change: Option<Option<f64>>, l: Lang) -> (String, String) {
    let note = match change {
        Some(c) => format!(
            "{} {} {}",
            tr(l, "since the previous period:", "so với kỳ trước:"),
            points(c),
            tr(l, "pp", "điểm %")
        ),
        None => String::new(),
    };
    (format!("{n} ({})", pct(rate)), note)
}

pub(crate) fn overall(h: &mut Html, n: &National, l: Lang) {
    let o = &n.overall;
    let f = &o.figures;
    let (approved, approved_note) =
        rate_figure(f.systems_approved, f.approval_rate, o.change.as_ref().map(|c| c.approval_rate), l);
    let (fully, fully_note) = rate_figure(
        f.systems_fully_implemented,
        f.fully_implemented_rate,
        o.change.as_ref().map(|c| c.fully_implemented_rate),
        l,
    );
    let bad = |n: usize| if n > 0 { "bad" } else { "" };
    h.leaf("h2", &[], tr(l, "Overall", "Toàn quốc"));
    figures(
        h,
        &[
            Figure::new(tr(l, "Agencies", "Cơ quan"), o.agencies.to_string()),
            Figure::new(tr(l, "Registered systems", "Hệ thống đã đăng ký"), f.systems_total.to_string()),
            Figure::new(tr(l, "Level dossier approved", "Đã phê duyệt hồ sơ cấp độ"), approved).note(approved_note),
            Figure::new(tr(l, "Fully implemented", "Triển khai đầy đủ"), fully).note(fully_note).tone("good"),
            Figure::new(
                tr(l, "Partly implemented", "Triển khai một số hạng mục"),
                f.systems_partly_implemented.to_string(),
            )
            .tone(bad(f.systems_partly_implemented)),
            Figure::new(tr(l, "Not implemented", "Chưa triển khai"), f.systems_not_implemented.to_string())
                .tone(bad(f.systems_not_implemented)),
            Figure::new(
                tr(l, "Agencies below 50% approval", "Cơ quan có tỷ lệ phê duyệt dưới 50%"),
                o.agencies_below_50pct_approval.to_string(),
            )
            .tone(bad(o.agencies_below_50pct_approval)),
            Figure::new(
                tr(l, "Measured controls", "Biện pháp đo kiểm"),
                format!("{} ({})", f.controls_measured, pct(f.measured_share)),
            )
            .note(
                tr(
                    l,
                    "required controls decided by a measurement rather than paper",
                    "biện pháp bắt buộc được xác định bằng đo kiểm thay vì hồ sơ giấy",
                )
                .into(),
            ),
        ],
    );
}

fn figure_columns(l: Lang) -> [page::Column<'static>; 7] {
    [
        col(""),
        num(tr(l, "Systems", "Hệ thống")),
        num(tr(l, "Approved", "Đã phê duyệt")),
        num(tr(l, "Fully implemented", "Triển khai đầy đủ")),
        num(tr(l, "Partly", "Một số hạng mục")),
        num(tr(l, "Not implemented", "Chưa triển khai")),
        num(tr(l, "Measured controls", "Biện pháp đo kiểm")),
    ]
}

pub(crate) fn levels(h: &mut Html, n: &National, l: Lang) {
    let o = &n.overall;
    h.leaf("h2", &[], tr(l, "Per level", "Theo cấp độ"));
    let series = [
        Series { label: tr(l, "registered", "đã đăng ký"), colour: page::BLUE_GREY, ink: "#000000" },
        Series { label: tr(l, "approved", "đã phê duyệt"), colour: page::BLUE, ink: "#ffffff" },
        Series { label: tr(l, "fully implemented", "triển khai đầy đủ"), colour: page::GREEN, ink: "#ffffff" },
    ];
    let empty = Figures::default();
    let groups: Vec<Group> = (1..=5u8)
        .map(|level| {
            let f = o.by_level.get(&level.to_string()).unwrap_or(&empty);
            Group {
                label: format!("{} {level}", tr(l, "Level", "Cấp độ")),
                values: vec![f.systems_total, f.systems_approved, f.systems_fully_implemented],
            }
        })
        .collect();
    let caption =
        tr(l, "Systems per level: approval and implementation", "Hệ thống theo cấp độ: phê duyệt và triển khai");
    chart(h, caption, |h| svg::grouped_columns(h, caption, &series, &groups));
    let level_rows =
        o.by_level.iter().map(|(level, f)| figures_row(format!("{} {level}", tr(l, "Level", "Cấp độ")), f).into());
    let catalogue_rows = o.by_catalogue.iter().map(|(c, f)| figures_row(c.clone(), f).into());
    let mut columns = figure_columns(l);
    columns[0] = col(tr(l, "Level / catalogue", "Cấp độ / danh mục"));
    text_table(h, "", &columns, level_rows.chain(catalogue_rows));
}

fn agency_row(a: &AgencyView, with_change: bool, l: Lang) -> Row {
    let below = a.figures.approval_rate.is_some_and(|r| r < 0.5);
    let mut cells = figures_row(format!("{} ({})", a.name, a.id), &a.figures);
    if below {
        cells[2].push_str(&format!(" — {}", tr(l, "BELOW 50%", "DƯỚI 50%")));
    }
    if with_change {
        cells.push(change(&a.change));
    }
    let signed = match &a.signed_by {
        Some(key) => format!("{} {key}", tr(l, "signed by", "ký số bởi")),
        None => tr(l, "UNSIGNED", "CHƯA KÝ SỐ").to_string(),
    };
    cells.push(format!("{} · {} · {signed}", a.report, a.generated_at));
    let flagged = below || a.signed_by.is_none();
    Row { cells, class: if flagged { "flagged" } else { "" } }
}

fn agencies(h: &mut Html, n: &National, l: Lang) {
    h.leaf("h2", &[], tr(l, "Per agency", "Theo cơ quan"));
    // The change column only when a previous period was given (`--previous`).
    let with_change = n.overall.change.is_some();
    let mut columns = Vec::from(figure_columns(l));
    columns[0] = col(tr(l, "Agency", "Cơ quan"));
    if with_change {
        columns.push(num(tr(l, "Change (pp): approval / fully implemented", "Thay đổi (điểm %): phê duyệt / đầy đủ")));
    }
    columns.push(col(tr(l, "Report counted", "Báo cáo được tính")));
    let mut rows: Vec<Row> = n.agencies.iter().map(|a| agency_row(a, with_change, l)).collect();
    let mut total = figures_row(tr(l, "All agencies", "Tất cả").into(), &n.overall.figures);
    if with_change {
        total.push(change(&n.overall.change));
    }
    total.push(String::new());
    rows.push(total.into());
    text_table(h, "", &columns, rows);
    distribution(h, n, l);
}

/// Agencies per tenth of approval rate (agencies without systems have no rate and are left out).
pub(crate) fn distribution(h: &mut Html, n: &National, l: Lang) {
    let mut buckets = [0usize; 10];
    for r in n.agencies.iter().filter_map(|a| a.figures.approval_rate) {
        // A rate lies in [0, 1]; 100 % joins the last tenth.
        buckets[((r * 10.0).floor() as usize).min(9)] += 1;
    }
    let groups: Vec<Group> = buckets
        .iter()
        .enumerate()
        .map(|(i, &count)| Group { label: format!("{}–{}%", i * 10, i * 10 + 10), values: vec![count] })
        .collect();
    let series = [Series { label: tr(l, "agencies", "cơ quan"), colour: page::BLUE, ink: "#ffffff" }];
    let caption = tr(
        l,
        "Approval rate across agencies: number of agencies per tenth (below 50% on the left half)",
        "Phân bố tỷ lệ phê duyệt giữa các cơ quan: số cơ quan theo từng khoảng 10% (dưới 50% ở nửa trái)",
    );
    chart(h, caption, |h| svg::grouped_columns(h, caption, &series, &groups));
}

pub(crate) fn missing(h: &mut Html, n: &National, g: &Glossary) {
    let l = g.lang;
    h.leaf("h2", &[], tr(l, "Controls most often missing", "Biện pháp thường thiếu nhất"));
    if n.missing_controls.is_empty() {
        h.leaf("p", &[], tr(l, "No required control is missing.", "Không thiếu biện pháp bắt buộc nào."));
        return;
    }
    let title = |m: &Missing| g.any_control_title(&m.control);
    let bars: Vec<Bar> = n
        .missing_controls
        .iter()
        .take(CHART_TOP)
        .map(|m| Bar { label: titled(&m.control, title(m)), value: m.systems })
        .collect();
    let caption = tr(
        l,
        "Controls most often missing (fail or unknown): number of systems",
        "Biện pháp thường thiếu nhất (không đạt hoặc chưa rõ): số hệ thống",
    );
    chart(h, caption, |h| svg::horizontal_bars(h, caption, &bars, page::ORANGE));
    let rows = n.missing_controls.iter().map(|m| {
        let agencies = m.agencies.map(|a| a.to_string()).unwrap_or_default();
        vec![m.control.clone(), title(m).unwrap_or_default().to_string(), m.systems.to_string(), agencies].into()
    });
    text_table(
        h,
        "",
        &[
            col(tr(l, "Control", "Biện pháp")),
            col(tr(l, "Title", "Tên biện pháp")),
            num(tr(l, "Systems", "Hệ thống")),
            num(tr(l, "Agencies", "Cơ quan")),
        ],
        rows,
    );
}

fn inputs(h: &mut Html, n: &National, l: Lang) {
    h.leaf("h2", &[], tr(l, "Inputs not counted", "Báo cáo không được tính"));
    if n.rejected.is_empty() && n.superseded.is_empty() {
        h.leaf("p", &[], tr(l, "Every input was counted.", "Mọi báo cáo đều được tính."));
        return;
    }
    if !n.rejected.is_empty() {
        notice(
            h,
            "alarm",
            &format!(
                "{} {}",
                n.rejected.len(),
                tr(
                    l,
                    "inputs were rejected and are not in any figure above.",
                    "báo cáo bị từ chối và không có trong số liệu nào ở trên."
                )
            ),
        );
        let rows = n.rejected.iter().map(|r| vec![r.file.clone(), r.reason.clone()].into());
        text_table(
            h,
            tr(l, "Rejected", "Bị từ chối"),
            &[col(tr(l, "File", "Tệp")), col(tr(l, "Reason", "Lý do"))],
            rows,
        );
    }
    if !n.superseded.is_empty() {
        let rows = n.superseded.iter().map(|s| {
            let why = if s.identical {
                tr(l, "byte-identical resubmission", "nộp lại y hệt")
            } else {
                tr(l, "older report of the same agency and period", "báo cáo cũ hơn của cùng cơ quan và kỳ")
            };
            vec![s.file.clone(), s.by.clone(), why.to_string()].into()
        });
        text_table(
            h,
            tr(
                l,
                "Superseded (one report counts per agency and period: the newest)",
                "Bị thay thế (mỗi cơ quan, mỗi kỳ chỉ tính báo cáo mới nhất)",
            ),
            &[col(tr(l, "File", "Tệp")), col(tr(l, "Superseded by", "Được thay bằng")), col(tr(l, "Why", "Lý do"))],
            rows,
        );
    }
}
