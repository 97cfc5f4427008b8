//! `--format html`: the report as one self-contained page — no external asset, no script — that
//! opens offline and prints on A4 (a page per system).
//!
//! The page opens with the report's provenance (agency, period, evaluation date, tool, rules
//! digest, catalogues) and the agency's figures, then charts drawn as inline SVG (figures per
//! level, the controls most often missing, statuses per system), then a section per system with
//! its registration and control matrix (title and clause at the system's level, status as text and
//! colour, findings, waivers, caveats), its obligations, optional controls, tailoring and
//! transition, and finally unregistered assets and the evidence files read.
//!
//! Unknown is never shown as a pass: it has its own colour and label, its own headline figure, and
//! it counts among the missing controls. All text — scanned data included — is escaped by
//! [`page::esc`]. Program text follows the glossary's language (`--lang`).

mod system;

use super::render::{self, Render};
use super::{AgencyReport, Glossary, RenderError, Report};
use crate::engine::{Basis, Status};
use crate::i18n::{Lang, tr};
use crate::report::kit::html::page::{self, Figure, Html, col, figures, meta_list, notice, num, text_table};
use crate::report::kit::html::svg::{self, Bar, Group, Series};
use crate::report::kit::html::{badge, chart, footer, titled};
use crate::report::kit::words::{approval_text, basis_text, deployment_text, measured_text, pct, status_text};

impl Render<Report> for render::Html {
    /// The whole report as an HTML5 document (also well-formed XML).
    fn render(&self, report: &Report, g: &Glossary) -> Result<Vec<u8>, RenderError> {
        Ok(document(report, g).into_bytes())
    }
}

fn document(report: &Report, g: &Glossary) -> String {
    let l = g.lang;
    let names: Vec<&str> = report.agencies.iter().map(|a| a.name.as_str()).collect();
    let title = format!(
        "{} — {}",
        tr(l, "Security compliance report", "Báo cáo tuân thủ bảo đảm an toàn hệ thống thông tin"),
        names.join(", ")
    );
    page::document(l, &title, |h| {
        header(h, report, &title, l);
        status_legend(h, l);
        for (ai, a) in report.agencies.iter().enumerate() {
            agency(h, ai, a, g);
        }
        unregistered(h, report, l);
        inputs(h, report, l);
        footer(h, report.tool.version, &report.generated_at, l);
    })
}

fn header(h: &mut Html, r: &Report, title: &str, l: Lang) {
    let agencies: Vec<String> = r.agencies.iter().map(|a| format!("{} ({})", a.name, a.id)).collect();
    let catalogues: Vec<String> = r.policy.catalogues.iter().map(|(id, v)| format!("{id} {v}")).collect();
    h.el("header", &[("class", &"doc")], |h| {
        h.leaf("h1", &[], title);
        meta_list(
            h,
            &[
                (tr(l, "Agency", "Cơ quan"), agencies.join("; ")),
                (tr(l, "Reporting period", "Kỳ báo cáo"), r.period.clone()),
                (tr(l, "Evaluated as of", "Đánh giá tại ngày"), r.as_of.clone()),
                (tr(l, "Generated at", "Thời điểm lập"), r.generated_at.clone()),
                (tr(l, "Tool", "Công cụ"), format!("{} {}", r.tool.name, r.tool.version)),
                (tr(l, "Rules digest", "Mã băm bộ quy tắc"), r.policy.rules_digest.clone()),
                (tr(l, "Catalogues", "Danh mục biện pháp"), catalogues.join(", ")),
                (tr(l, "Document", "Định dạng"), r.schema.to_string()),
            ],
        );
    });
}

fn status_legend(h: &mut Html, l: Lang) {
    const MEANINGS: [(Status, &str, &str); 5] = [
        (Status::Pass, "the evidence shows the control is met", "bằng chứng cho thấy biện pháp được đáp ứng"),
        (
            Status::Fail,
            "the evidence shows it is not met, or it is attested partial, planned or not implemented",
            "bằng chứng cho thấy chưa đáp ứng, hoặc tự đánh giá là một phần, đang kế hoạch hay chưa triển khai",
        ),
        (
            Status::Unknown,
            "evidence is missing, stale or could not be measured: unknown is not pass, it counts as missing",
            "thiếu bằng chứng, bằng chứng quá hạn hoặc không đo được: chưa rõ không phải là đạt, được tính là còn thiếu",
        ),
        (
            Status::Waived,
            "a valid waiver covers a fail or unknown until it expires",
            "được miễn trừ hợp lệ (thay cho không đạt hoặc chưa rõ) đến khi hết hạn",
        ),
        (Status::NotApplicable, "attested not applicable, with a reason", "được xác nhận không áp dụng, có nêu lý do"),
    ];
    h.leaf("h2", &[], tr(l, "How to read this report", "Cách đọc báo cáo"));
    h.el("ul", &[("class", &"legend")], |h| {
        for (s, en, vi) in MEANINGS {
            h.el("li", &[], |h| {
                badge(h, s, l);
                h.text(" ").text(tr(l, en, vi));
            });
        }
    });
    basis_legend(h, l);
}

/// What each basis means (spec: "Basis"), under the statuses.
fn basis_legend(h: &mut Html, l: Lang) {
    const MEANINGS: [(Basis, &str, &str); 4] = [
        (
            Basis::Measured,
            "a rule over measured evidence (a scan, a probe, a host audit) failed the control, or measurement alone was enough to pass it",
            "quy tắc trên bằng chứng đo kiểm (quét, thăm dò, kiểm tra máy chủ) cho thấy không đạt, hoặc chỉ riêng kết quả đo đã đủ để đạt",
        ),
        (
            Basis::Attested,
            "an attestation decided it (or a recorded assessment); clean scans of a control they can only fail do not count",
            "do xác nhận (hoặc kết quả đánh giá đã ghi nhận) quyết định; kết quả quét sạch của biện pháp mà phép quét chỉ có thể đánh trượt không được tính",
        ),
        (
            Basis::Both,
            "it passes on an attestation, and measurement alone would also pass it",
            "đạt theo xác nhận, và chỉ riêng kết quả đo cũng đủ để đạt",
        ),
        (Basis::None, "nothing decided it: the control is unknown", "chưa có căn cứ: biện pháp ở trạng thái chưa rõ"),
    ];
    h.el("p", &[], |h| {
        h.text(tr(
            l,
            "Basis — what decided each status; the measured share of a system or an agency is the part of its required controls decided by measured or both:",
            "Cơ sở — căn cứ quyết định từng trạng thái; tỷ lệ đo kiểm của hệ thống hoặc cơ quan là phần biện pháp bắt buộc có cơ sở đo kiểm hoặc cả hai:",
        ));
    });
    h.el("ul", &[("class", &"legend")], |h| {
        for (b, en, vi) in MEANINGS {
            h.el("li", &[], |h| {
                h.leaf("strong", &[], basis_text(b, l));
                h.text(" ").text(tr(l, en, vi));
            });
        }
    });
}

fn anchor(agency: usize, system: usize) -> String {
    format!("sys-{agency}-{system}")
}

fn agency(h: &mut Html, ai: usize, a: &AgencyReport, g: &Glossary) {
    let l = g.lang;
    h.el("section", &[("class", &"agency")], |h| {
        h.leaf("h2", &[], &format!("{} ({})", a.name, a.id));
        agency_figures(h, a, l);
        charts(h, a, g);
        overview(h, ai, a, l);
        by_catalogue(h, a, l);
    });
    for (si, s) in a.systems.iter().enumerate() {
        system::section(h, &anchor(ai, si), s, g);
    }
}

fn count_and_rate(n: usize, rate: super::Rate) -> String {
    format!("{n} ({})", pct(rate))
}

fn agency_figures(h: &mut Html, a: &AgencyReport, l: Lang) {
    let unknown: usize = a.systems.iter().map(|s| s.counts.unknown).sum();
    let with_unknown = a.systems.iter().filter(|s| s.counts.unknown > 0).count();
    let required: usize = a.systems.iter().map(|s| s.controls.len()).sum();
    let bad = |n: usize| if n > 0 { "bad" } else { "" };
    figures(
        h,
        &[
            Figure::new(tr(l, "Registered systems", "Hệ thống đã đăng ký"), a.systems_total.to_string()),
            Figure::new(
                tr(l, "Level dossier approved", "Đã phê duyệt hồ sơ cấp độ"),
                count_and_rate(a.systems_approved, a.approval_rate),
            )
            .note(tr(l, "approval rate", "tỷ lệ phê duyệt").into()),
            Figure::new(tr(l, "Compliant", "Đáp ứng yêu cầu"), count_and_rate(a.systems_compliant, a.compliance_rate))
                .note(
                    tr(
                        l,
                        "every required control pass, waived or not applicable",
                        "mọi biện pháp bắt buộc đạt, được miễn trừ hoặc không áp dụng",
                    )
                    .into(),
                ),
            Figure::new(
                tr(l, "Fully implemented", "Triển khai đầy đủ"),
                count_and_rate(a.systems_fully_implemented, a.fully_implemented_rate),
            )
            .note(format!(
                "{}; {} {}",
                tr(l, "compliant and approved", "đáp ứng và đã được phê duyệt"),
                pct(a.approved_compliance_rate),
                tr(l, "of approved systems", "số hệ thống đã phê duyệt")
            ))
            .tone("good"),
            Figure::new(
                tr(l, "Partly implemented", "Triển khai một số hạng mục"),
                a.systems_partly_implemented.to_string(),
            )
            .tone(bad(a.systems_partly_implemented)),
            Figure::new(tr(l, "Not implemented", "Chưa triển khai"), a.systems_not_implemented.to_string())
                .tone(bad(a.systems_not_implemented)),
            Figure::new(
                tr(l, "Measured controls", "Biện pháp đo kiểm"),
                measured_text(a.controls_measured, required, a.measured_share),
            )
            .note(
                tr(
                    l,
                    "required controls decided by a measurement rather than paper",
                    "biện pháp bắt buộc được xác định bằng đo kiểm thay vì hồ sơ giấy",
                )
                .into(),
            ),
            Figure::new(tr(l, "Unknown controls", "Biện pháp chưa rõ"), unknown.to_string())
                .note(format!(
                    "{with_unknown} {}",
                    tr(l, "systems; unknown is not pass", "hệ thống; chưa rõ không phải là đạt")
                ))
                .tone(if unknown > 0 { "warn" } else { "" }),
        ],
    );
    if unknown > 0 {
        notice(
            h,
            "warn",
            &format!(
                "{unknown} {} {with_unknown} {}",
                tr(l, "required controls in", "biện pháp bắt buộc tại"),
                tr(
                    l,
                    "systems are unknown: their evidence is missing, stale or could not be measured. They count as missing and keep those systems from compliance.",
                    "hệ thống ở trạng thái chưa rõ: thiếu bằng chứng, bằng chứng quá hạn hoặc không đo được. Các biện pháp này được tính là còn thiếu và hệ thống chưa được coi là đáp ứng yêu cầu."
                )
            ),
        );
    }
}

/// The five statuses as chart series, in the order of [`status_values`].
fn status_series(l: Lang) -> [Series<'static>; 5] {
    let s = |c: (&str, &'static str, &'static str), label| Series { label, colour: c.1, ink: c.2 };
    [
        s(page::PASS, tr(l, "pass", "đạt")),
        s(page::FAIL, tr(l, "fail", "không đạt")),
        s(page::UNKNOWN, tr(l, "unknown", "chưa rõ")),
        s(page::WAIVED, tr(l, "waived", "miễn trừ")),
        s(page::NOT_APPLICABLE, tr(l, "not applicable", "không áp dụng")),
    ]
}

fn status_values(c: &super::StatusCounts) -> Vec<usize> {
    vec![c.pass, c.fail, c.unknown, c.waived, c.not_applicable]
}

/// Per level 1–5: systems registered, approved, compliant, fully implemented.
fn level_groups(a: &AgencyReport, l: Lang) -> Vec<Group> {
    (1..=5u8)
        .map(|level| {
            let systems: Vec<_> = a.systems.iter().filter(|s| s.level == level).collect();
            let approved = systems.iter().filter(|s| s.approval == crate::inventory::ApprovalStatus::Approved);
            Group {
                label: format!("{} {level}", tr(l, "Level", "Cấp độ")),
                values: vec![
                    systems.len(),
                    approved.count(),
                    systems.iter().filter(|s| s.compliant).count(),
                    systems.iter().filter(|s| s.fully_implemented).count(),
                ],
            }
        })
        .collect()
}

/// The title of a missing control, looked up in the catalogue and at the level of the first
/// system that misses it.
fn missing_title<'g>(a: &AgencyReport, id: &str, g: &Glossary<'g>) -> Option<&'g str> {
    let missing = |s: &&super::SystemReport| s.controls.iter().any(|c| *c.id == *id && c.status.is_missing());
    let from_system = a.systems.iter().find(missing).and_then(|s| g.control(&s.catalogue, id, s.level));
    from_system.map(|c| c.title).or_else(|| g.any_control_title(id))
}

fn charts(h: &mut Html, a: &AgencyReport, g: &Glossary) {
    let l = g.lang;
    let series = [
        Series { label: tr(l, "registered", "đã đăng ký"), colour: page::BLUE_GREY, ink: "#000000" },
        Series { label: tr(l, "approved", "đã phê duyệt"), colour: page::BLUE, ink: "#ffffff" },
        Series { label: tr(l, "compliant", "đáp ứng"), colour: page::TEAL, ink: "#ffffff" },
        Series { label: tr(l, "fully implemented", "triển khai đầy đủ"), colour: page::GREEN, ink: "#ffffff" },
    ];
    let caption = tr(l, "Systems per level: approval and compliance", "Hệ thống theo cấp độ: phê duyệt và đáp ứng");
    chart(h, caption, |h| svg::grouped_columns(h, caption, &series, &level_groups(a, l)));
    level_table(h, a, l);
    if !a.missing_controls.is_empty() {
        let bars: Vec<Bar> = a
            .missing_controls
            .iter()
            .take(10)
            .map(|m| Bar { label: titled(&m.control, missing_title(a, &m.control, g)), value: m.systems })
            .collect();
        let caption = tr(
            l,
            "Controls most often missing (fail or unknown): number of systems",
            "Biện pháp thường thiếu nhất (không đạt hoặc chưa rõ): số hệ thống",
        );
        chart(h, caption, |h| svg::horizontal_bars(h, caption, &bars, page::ORANGE));
    }
    let rows: Vec<Group> =
        a.systems.iter().map(|s| Group { label: s.id.clone(), values: status_values(&s.counts) }).collect();
    let caption =
        tr(l, "Required controls per system, by status", "Biện pháp bắt buộc của từng hệ thống, theo trạng thái");
    chart(h, caption, |h| svg::stacked_bars(h, caption, &status_series(l), &rows));
}

/// The per-level chart's figures as text, with rates.
fn level_table(h: &mut Html, a: &AgencyReport, l: Lang) {
    let rows = level_groups(a, l).into_iter().filter(|g| g.values[0] > 0).map(|g| {
        let total = g.values[0];
        let with_rate = |n: usize| count_and_rate(n, super::rate(n, total));
        vec![g.label, total.to_string(), with_rate(g.values[1]), with_rate(g.values[2]), with_rate(g.values[3])].into()
    });
    text_table(
        h,
        "",
        &[
            col(tr(l, "Level", "Cấp độ")),
            num(tr(l, "Systems", "Hệ thống")),
            num(tr(l, "Approved", "Đã phê duyệt")),
            num(tr(l, "Compliant", "Đáp ứng")),
            num(tr(l, "Fully implemented", "Triển khai đầy đủ")),
        ],
        rows,
    );
}

/// One row per system, linking to its section.
fn overview(h: &mut Html, ai: usize, a: &AgencyReport, l: Lang) {
    h.leaf("h3", &[], tr(l, "Systems", "Các hệ thống"));
    let head: [(&str, bool); 12] = [
        (tr(l, "System", "Hệ thống"), false),
        (tr(l, "Level", "Cấp độ"), true),
        (tr(l, "Catalogue", "Danh mục"), false),
        (tr(l, "Approval", "Phê duyệt"), false),
        (tr(l, "Deployment", "Triển khai"), false),
        (tr(l, "Compliant", "Đáp ứng"), false),
        (status_text(Status::Pass, l), true),
        (status_text(Status::Fail, l), true),
        (status_text(Status::Unknown, l), true),
        (status_text(Status::Waived, l), true),
        (status_text(Status::NotApplicable, l), true),
        (tr(l, "Measured", "Đo kiểm"), true),
    ];
    h.el("table", &[], |h| {
        h.el("thead", &[], |h| {
            h.el("tr", &[], |h| {
                for (label, numeric) in head {
                    h.leaf("th", &[("class", &if numeric { "num" } else { "" }), ("scope", &"col")], label);
                }
            });
        });
        h.el("tbody", &[], |h| {
            for (si, s) in a.systems.iter().enumerate() {
                h.el("tr", &[], |h| {
                    h.el("td", &[], |h| {
                        h.el("a", &[("href", &format!("#{}", anchor(ai, si)))], |h| {
                            h.leaf("code", &[], &s.id);
                        });
                        h.void("br", &[]).text(&s.name);
                    });
                    h.leaf("td", &[("class", &"num")], &s.level.to_string());
                    h.leaf("td", &[("class", &"nowrap")], &s.catalogue);
                    h.leaf("td", &[], approval_text(s.approval, l));
                    h.leaf("td", &[], deployment_text(s.deployment, l));
                    h.el("td", &[], |h| {
                        let (status, text) = if s.compliant {
                            (Status::Pass, tr(l, "yes", "có"))
                        } else {
                            (Status::Fail, tr(l, "no", "không"))
                        };
                        h.leaf("span", &[("class", &format!("badge st-{}", status.as_str()))], text);
                    });
                    for n in status_values(&s.counts) {
                        h.leaf("td", &[("class", &"num")], &n.to_string());
                    }
                    let measured = measured_text(s.controls_measured, s.controls.len(), s.measured_share);
                    h.leaf("td", &[("class", &"num")], &measured);
                });
            }
        });
    });
}

fn by_catalogue(h: &mut Html, a: &AgencyReport, l: Lang) {
    if a.by_catalogue.len() < 2 {
        return;
    }
    let rows = a.by_catalogue.iter().map(|(id, f)| {
        vec![
            id.clone(),
            f.systems_total.to_string(),
            f.systems_approved.to_string(),
            f.systems_compliant.to_string(),
            f.systems_fully_implemented.to_string(),
        ]
        .into()
    });
    text_table(
        h,
        tr(l, "Systems per catalogue (regime)", "Hệ thống theo danh mục (chế độ áp dụng)"),
        &[
            col(tr(l, "Catalogue", "Danh mục")),
            num(tr(l, "Systems", "Hệ thống")),
            num(tr(l, "Approved", "Đã phê duyệt")),
            num(tr(l, "Compliant", "Đáp ứng")),
            num(tr(l, "Fully implemented", "Triển khai đầy đủ")),
        ],
        rows,
    );
}

fn unregistered(h: &mut Html, r: &Report, l: Lang) {
    h.el("section", &[("class", &"unregistered")], |h| {
        h.leaf("h2", &[], tr(l, "Unregistered assets", "Tài sản chưa đăng ký"));
        if r.unregistered_assets.is_empty() {
            h.leaf(
                "p",
                &[],
                tr(
                    l,
                    "Every host seen up in the evidence belongs to a registered system.",
                    "Mọi máy đang hoạt động trong kết quả quét đều thuộc một hệ thống đã đăng ký.",
                ),
            );
            return;
        }
        notice(
            h,
            "warn",
            &format!(
                "{} {}",
                r.unregistered_assets.len(),
                tr(
                    l,
                    "hosts seen up in the evidence match no registered asset: register them or take them off the network.",
                    "máy đang hoạt động trong kết quả quét không thuộc tài sản đã đăng ký nào: cần đăng ký hoặc gỡ khỏi mạng.",
                )
            ),
        );
        let rows = r
            .unregistered_assets
            .iter()
            .map(|u| vec![u.address.clone(), u.open_ports.join(", "), u.seen_in.clone()].into());
        text_table(
            h,
            "",
            &[col(tr(l, "Address", "Địa chỉ")), col(tr(l, "Open ports", "Cổng mở")), col(tr(l, "Seen in", "Nguồn"))],
            rows,
        );
    });
}

fn inputs(h: &mut Html, r: &Report, l: Lang) {
    h.el("section", &[("class", &"inputs")], |h| {
        h.leaf("h2", &[], tr(l, "Evidence read", "Bằng chứng đã đọc"));
        let partial = r.inputs.iter().filter(|i| i.partial || i.error.is_some()).count();
        if partial > 0 {
            notice(
                h,
                "alarm",
                &format!(
                    "{partial} {}",
                    tr(
                        l,
                        "evidence files are partial (truncated or malformed): only what was read before the damage is used, and the run exits 2.",
                        "tệp bằng chứng không đầy đủ (bị cắt hoặc sai định dạng): chỉ phần đọc được trước chỗ hỏng được sử dụng, lệnh kết thúc với mã 2."
                    )
                ),
            );
        }
        if r.inputs.is_empty() {
            h.leaf("p", &[], tr(l, "No evidence file was given.", "Không có tệp bằng chứng nào."));
            return;
        }
        let rows = r.inputs.iter().map(|i| {
            let state = if i.partial || i.error.is_some() {
                format!("{} {}", tr(l, "PARTIAL:", "KHÔNG ĐẦY ĐỦ:"), i.error.as_deref().unwrap_or_default())
            } else {
                tr(l, "complete", "đầy đủ").to_string()
            };
            let class = if i.partial || i.error.is_some() { "flagged" } else { "" };
            let records = i.records.map(|n| n.to_string()).unwrap_or_default();
            let cells = vec![
                i.file.clone(),
                i.kind.to_string(),
                i.observed_at.clone().unwrap_or_default(),
                i.hosts_matched.to_string(),
                records,
                state,
                i.note.clone().unwrap_or_default(),
            ];
            page::Row { cells, class }
        });
        text_table(
            h,
            "",
            &[
                col(tr(l, "File", "Tệp")),
                col(tr(l, "Kind", "Loại")),
                col(tr(l, "Observed at", "Thời điểm thu thập")),
                num(tr(l, "Hosts matched", "Máy khớp")),
                num(tr(l, "Records", "Bản ghi")),
                col(tr(l, "State", "Tình trạng")),
                col(tr(l, "Note", "Ghi chú")),
            ],
            rows,
        );
    });
}
