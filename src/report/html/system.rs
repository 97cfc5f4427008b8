//! A system's section of the HTML report: its registration, its counts, the control matrix of
//! required controls (then obligations and optional controls in their own tables), tailoring and
//! the Decree 85 → 331 transition.

use super::Glossary;
use crate::engine::{Outcome, Status, TransitionState};
use crate::i18n::{Lang, tr};
use crate::inventory::AssessmentKind;
use crate::report::kit::html::badge;
use crate::report::kit::html::page::{Html, col, meta_list, text_table};
use crate::report::kit::words::{
    approval_text, basis_text, deployment_text, evidence_kind, measured_text, outcome_text, severity_text, status_text,
    transition_state, yes_no,
};
use crate::report::{ControlReport, ReportFinding, SystemReport, TransitionReport};

pub(super) fn section(h: &mut Html, anchor: &str, s: &SystemReport, g: &Glossary) {
    let l = g.lang;
    h.el("section", &[("class", &"system"), ("id", &anchor)], |h| {
        h.leaf("h2", &[], &format!("{} — {}", s.id, s.name));
        registration(h, s, l);
        counts(h, s, l);
        matrix(h, tr(l, "Required controls", "Biện pháp bắt buộc"), s, &s.controls, g);
        if !s.obligations.is_empty() {
            let caption = tr(
                l,
                "Decree obligations (reported beside the controls, not counted toward compliance)",
                "Nghĩa vụ theo Nghị định (báo cáo riêng, không tính vào đáp ứng yêu cầu)",
            );
            matrix(h, caption, s, &s.obligations, g);
        }
        if !s.optional_controls.is_empty() {
            let caption = tr(
                l,
                "Optional at this level (Law 116 Art. 10): shown, never counted toward compliance",
                "Không bắt buộc ở cấp độ này (Luật An ninh mạng Điều 10): chỉ hiển thị, không tính vào đáp ứng",
            );
            matrix(h, caption, s, &s.optional_controls, g);
        }
        tailoring(h, s, l);
        if let Some(t) = &s.transition {
            transition(h, t, l);
        }
    });
}

fn assessment_kind(k: AssessmentKind, l: Lang) -> &'static str {
    match k {
        AssessmentKind::PreOperation => tr(l, "pre-operation", "trước khi đưa vào vận hành"),
        AssessmentKind::Periodic => tr(l, "periodic", "định kỳ"),
    }
}

fn registration(h: &mut Html, s: &SystemReport, l: Lang) {
    let r = &s.registration;
    let mut approval = approval_text(s.approval, l).to_string();
    if let Some(d) = &r.approval_decision {
        approval.push_str(&format!(" — {} {d}", tr(l, "decision", "quyết định")));
    }
    if let Some(d) = &r.approval_date {
        approval.push_str(&format!(" {} {d}", tr(l, "of", "ngày")));
    }
    let assessments: Vec<String> = r
        .assessments
        .iter()
        .map(|a| {
            let by = a.by.as_deref().map(|b| format!(" ({b})")).unwrap_or_default();
            format!("{} {}{by}", assessment_kind(a.kind, l), a.date)
        })
        .collect();
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    meta_list(
        h,
        &[
            (tr(l, "Level", "Cấp độ"), s.level.to_string()),
            (
                tr(l, "Catalogue", "Danh mục"),
                format!("{} ({} {}: {})", s.catalogue, tr(l, "rule", "quy tắc"), s.catalogue_rule, s.catalogue_reason),
            ),
            (tr(l, "Approval", "Phê duyệt hồ sơ cấp độ"), approval),
            (tr(l, "Security regulation", "Quy chế bảo đảm an toàn"), opt(&r.regulation)),
            (tr(l, "Deployment (Mẫu 08)", "Tình trạng triển khai (Mẫu 08)"), deployment_text(s.deployment, l).into()),
            (tr(l, "Compliant", "Đáp ứng yêu cầu"), yes_no(s.compliant, l).into()),
            (tr(l, "Fully implemented", "Triển khai đầy đủ"), yes_no(s.fully_implemented, l).into()),
            (tr(l, "Owner", "Chủ quản"), opt(&r.owner)),
            (tr(l, "Operator", "Đơn vị vận hành"), opt(&r.operator)),
            (tr(l, "Expected approval", "Dự kiến phê duyệt"), opt(&r.expected_approval)),
            (tr(l, "Expected completion", "Dự kiến hoàn thành"), opt(&r.expected_completion)),
            (tr(l, "Assessments", "Kiểm tra, đánh giá"), assessments.join("; ")),
            (
                tr(l, "Registered in", "Khai báo tại"),
                format!("{}:{}:{}", r.source.file, r.source.line, r.source.column),
            ),
        ],
    );
}

fn counts(h: &mut Html, s: &SystemReport, l: Lang) {
    let c = &s.counts;
    h.el("p", &[("class", &"counts")], |h| {
        h.text(tr(l, "Required controls: ", "Biện pháp bắt buộc: "));
        let statuses = [
            (Status::Pass, c.pass),
            (Status::Fail, c.fail),
            (Status::Unknown, c.unknown),
            (Status::Waived, c.waived),
            (Status::NotApplicable, c.not_applicable),
        ];
        for (i, (status, n)) in statuses.into_iter().enumerate() {
            if i > 0 {
                h.text(" · ");
            }
            badge(h, status, l);
            h.text(&format!(" {n}"));
        }
        h.text(&format!(
            " · {}: {}",
            tr(l, "decided by measurement", "xác định bằng đo kiểm"),
            measured_text(s.controls_measured, s.controls.len(), s.measured_share)
        ));
    });
}

/// The distinct (verification, caveat) pairs among `controls`, numbered in order of appearance.
fn caveats(controls: &[ControlReport]) -> Vec<(&str, &str)> {
    let mut seen: Vec<(&str, &str)> = Vec::new();
    for c in controls {
        if let (Some(v), Some(text)) = (c.verification.as_deref(), c.caveat.as_deref())
            && !seen.contains(&(v, text))
        {
            seen.push((v, text));
        }
    }
    seen
}

fn matrix(h: &mut Html, caption: &str, s: &SystemReport, controls: &[ControlReport], g: &Glossary) {
    let l = g.lang;
    let notes = caveats(controls);
    h.el("table", &[("class", &"matrix")], |h| {
        h.leaf("caption", &[], caption);
        h.el("thead", &[], |h| {
            h.el("tr", &[], |h| {
                h.leaf("th", &[("class", &"c-id"), ("scope", &"col")], tr(l, "Control", "Biện pháp"));
                h.leaf("th", &[("class", &"c-req"), ("scope", &"col")], tr(l, "Requirement", "Yêu cầu"));
                h.leaf("th", &[("class", &"c-status"), ("scope", &"col")], tr(l, "Status", "Trạng thái"));
                h.leaf("th", &[("scope", &"col")], tr(l, "Findings", "Kết quả kiểm tra"));
            });
        });
        h.el("tbody", &[], |h| {
            for c in controls {
                let mark = match (c.verification.as_deref(), c.caveat.as_deref()) {
                    (Some(v), Some(t)) => notes.iter().position(|n| *n == (v, t)).map(|i| i + 1),
                    _ => None,
                };
                control_row(h, s, c, mark, g);
            }
        });
    });
    for (i, (verification, text)) in notes.iter().enumerate() {
        h.el("p", &[("class", &"muted")], |h| {
            h.leaf("span", &[("class", &"mark")], &format!("†{}", i + 1));
            h.text(&format!(" {verification}: {text}"));
        });
    }
}

fn control_row(h: &mut Html, s: &SystemReport, c: &ControlReport, mark: Option<usize>, g: &Glossary) {
    let l = g.lang;
    h.el("tr", &[("class", &format!("row-{}", c.status.as_str()))], |h| {
        h.el("td", &[], |h| {
            h.leaf("code", &[], &c.id);
            if let Some(n) = mark {
                h.leaf("sup", &[("class", &"mark")], &format!("†{n}"));
            }
            if c.tailored {
                h.void("br", &[]).leaf(
                    "span",
                    &[("class", &"muted")],
                    tr(l, "added by tailoring", "bổ sung khi điều chỉnh"),
                );
            }
        });
        h.el("td", &[], |h| requirement(h, s, &c.id, g));
        h.el("td", &[], |h| {
            badge(h, c.status, l);
            h.void("br", &[]).leaf(
                "span",
                &[("class", &format!("muted basis-{}", c.basis.as_str()))],
                &format!("{}: {}", tr(l, "basis", "cơ sở"), basis_text(c.basis, l)),
            );
            if let Some(w) = c.waived_status {
                h.void("br", &[]).leaf(
                    "span",
                    &[("class", &"muted")],
                    &format!("{} {}", tr(l, "otherwise", "nếu không miễn trừ:"), status_text(w, l)),
                );
            }
        });
        h.el("td", &[], |h| {
            findings(h, c, g);
            waiver(h, c, l);
            remediation(h, c, g);
        });
    });
}

/// The control's title and its clause at the system's level (and the TCVN clause, if cited).
fn requirement(h: &mut Html, s: &SystemReport, id: &str, g: &Glossary) {
    let l = g.lang;
    let Some(info) = g.control(&s.catalogue, id, s.level) else {
        h.leaf("span", &[("class", &"muted")], tr(l, "(not in the catalogue)", "(không có trong danh mục)"));
        return;
    };
    h.text(info.title);
    if let Some(clause) = info.clause {
        h.leaf("span", &[("class", &"clause")], &format!("{} {}: {clause}", tr(l, "Level", "Cấp độ"), s.level));
    }
    if let Some(tcvn) = info.tcvn {
        h.leaf("span", &[("class", &"clause")], &format!("TCVN: {tcvn}"));
    }
}

fn outcome_class(o: Outcome) -> &'static str {
    match o {
        Outcome::Fail => "o-fail",
        Outcome::Unknown => "o-unknown",
        Outcome::Pass => "o-pass",
        Outcome::Info => "o-info",
    }
}

fn findings(h: &mut Html, c: &ControlReport, g: &Glossary) {
    let l = g.lang;
    if c.findings.is_empty() {
        h.leaf("span", &[("class", &"muted")], tr(l, "no findings", "không có kết quả"));
        return;
    }
    h.el("ul", &[("class", &"findings")], |h| {
        for f in &c.findings {
            h.el("li", &[("class", &outcome_class(f.outcome))], |h| finding(h, f, g));
        }
    });
}

fn finding(h: &mut Html, f: &ReportFinding, g: &Glossary) {
    let l = g.lang;
    h.leaf("span", &[("class", &"outcome")], outcome_text(f.outcome, l));
    h.text(" ");
    match g.rule(f.rule.as_str()) {
        Some(rule) => {
            h.leaf("strong", &[], rule.title);
            h.text(" ").leaf("span", &[("class", &"muted")], &format!("({})", f.rule));
        }
        None => {
            h.leaf("strong", &[], evidence_kind(f.rule.as_str(), l).unwrap_or(f.rule.as_str()));
        }
    }
    if let Some(sev) = f.severity.filter(|_| f.outcome == Outcome::Fail) {
        h.text(" ").leaf("span", &[("class", &"muted")], &format!("[{}]", severity_text(sev, l)));
    }
    h.void("br", &[]);
    if let Some(asset) = &f.asset {
        h.leaf("code", &[], asset).text(": ");
    }
    h.text(&f.message);
    if !f.observed.is_empty() {
        let facts: Vec<String> = f.observed.iter().map(|(k, v)| format!("{k} = {v}")).collect();
        h.void("br", &[]).leaf(
            "span",
            &[("class", &"muted")],
            &format!("{} {}", tr(l, "observed:", "ghi nhận:"), facts.join("; ")),
        );
    }
    if let Some(e) = &f.evidence {
        h.void("br", &[]).el("span", &[("class", &"muted")], |h| {
            h.text(tr(l, "evidence: ", "bằng chứng: ")).leaf("code", &[], e);
        });
    }
}

fn waiver(h: &mut Html, c: &ControlReport, l: Lang) {
    let Some(w) = &c.waiver else { return };
    let by = w
        .approved_by
        .as_deref()
        .map(|b| format!(", {} {b}", tr(l, "approved by", "phê duyệt bởi")))
        .unwrap_or_default();
    h.leaf(
        "p",
        &[("class", &"waiver")],
        &format!("{}: {}{by}, {} {}", tr(l, "Waiver", "Miễn trừ"), w.reason, tr(l, "expires", "hết hạn"), w.expires),
    );
}

/// How to fix each failing rule of the control, once per rule.
fn remediation(h: &mut Html, c: &ControlReport, g: &Glossary) {
    let l = g.lang;
    let mut seen: Vec<&str> = Vec::new();
    for f in c.findings.iter().filter(|f| f.outcome == Outcome::Fail) {
        if seen.contains(&f.rule.as_str()) {
            continue;
        }
        seen.push(f.rule.as_str());
        let Some(rule) = g.rule(f.rule.as_str()).filter(|r| !r.remediation.trim().is_empty()) else { continue };
        h.el("p", &[("class", &"fix")], |h| {
            h.leaf("strong", &[], &format!("{} {}:", tr(l, "How to fix", "Cách khắc phục"), rule.title));
            h.text(" ").text(rule.remediation.trim());
        });
    }
}

fn tailoring(h: &mut Html, s: &SystemReport, l: Lang) {
    if s.tailoring.is_empty() {
        return;
    }
    let rows = s.tailoring.iter().map(|t| {
        let action = match t.action {
            "add" => tr(l, "adds", "bổ sung"),
            _ => tr(l, "drops", "loại bỏ"),
        };
        vec![t.control.clone(), action.to_string(), t.reason.clone().unwrap_or_default(), t.file.clone()].into()
    });
    text_table(
        h,
        tr(l, "Tailoring", "Điều chỉnh danh mục"),
        &[
            col(tr(l, "Control", "Biện pháp")),
            col(tr(l, "Action", "Thao tác")),
            col(tr(l, "Reason", "Lý do")),
            col(tr(l, "File", "Tệp")),
        ],
        rows,
    );
}

fn transition(h: &mut Html, t: &TransitionReport, l: Lang) {
    h.leaf("h3", &[], &format!("{} {} → {}", tr(l, "Transition", "Chuyển tiếp"), t.from, t.to));
    meta_list(
        h,
        &[
            (tr(l, "State", "Tình trạng"), transition_state(t.state, l).to_string()),
            (tr(l, "Measures due by", "Phải đáp ứng chậm nhất ngày"), t.deadline.clone()),
            (tr(l, "Basis", "Căn cứ"), t.basis.clone()),
        ],
    );
    let Some(gap) = &t.gap else {
        if t.state != TransitionState::Overdue {
            h.leaf(
                "p",
                &[("class", &"muted")],
                &format!(
                    "{} --catalogue {}",
                    tr(l, "To see the gap to the new regime, run with", "Để xem khoảng cách với chế độ mới, chạy với"),
                    t.to
                ),
            );
        }
        return;
    };
    if gap.is_empty() {
        h.leaf(
            "p",
            &[],
            tr(l, "No gap: every new requirement is met.", "Không còn khoảng cách: mọi yêu cầu mới đã đáp ứng."),
        );
        return;
    }
    let rows = gap.iter().map(|e| {
        let kind = if e.obligation { tr(l, "obligation", "nghĩa vụ") } else { tr(l, "control", "biện pháp") };
        let origin = if e.counterparts.is_empty() {
            tr(l, "new requirement", "yêu cầu mới").to_string()
        } else {
            format!("{} {}", tr(l, "carried over from", "đã có tại"), e.counterparts.join(", "))
        };
        vec![
            e.control.clone(),
            status_text(e.status, l).to_string(),
            kind.into(),
            origin,
            e.attested_counterparts.join(", "),
        ]
        .into()
    });
    text_table(
        h,
        tr(l, "Gap to the new regime", "Khoảng cách với chế độ mới"),
        &[
            col(tr(l, "Control", "Biện pháp")),
            col(tr(l, "Status", "Trạng thái")),
            col(tr(l, "Kind", "Loại")),
            col(tr(l, "Origin", "Nguồn gốc")),
            col(tr(l, "Attested under the old catalogue", "Đã xác nhận theo danh mục cũ")),
        ],
        rows,
    );
}
