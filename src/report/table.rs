//! `--format table` (the default): a summary per agency, one row per system, then the controls
//! that keep each system from compliance with the reason behind each. Every summary says how many
//! required controls a measurement decided (`controls_measured`, `measured_share`) and every
//! control row its basis: measured, attested, both or none. Every cell passes through
//! [`crate::sanitize`]: findings quote banners and script output from scanned hosts.

use super::kit::terminal::new_table;
use super::kit::words::{approval_text, basis_text, measured_text, pct, status_text, transition_state};
use super::render::{Detail, Gate, Render, Table};
use super::{AgencyReport, ControlReport, Glossary, RenderError, Report, ReportFinding, SystemReport};
use crate::engine::{Outcome, Status};
use crate::i18n::{Lang, tr};
use crate::sanitize::{one_line, truncate};
use comfy_table::{ColumnConstraint, Width};

impl Render<Report> for Table {
    /// The report with control titles from `g`, ending with the next steps and, when `gate` is
    /// given, what the exit code means.
    fn render(&self, r: &Report, g: &Glossary) -> Result<Vec<u8>, RenderError> {
        let writer = Writer { lang: g.lang, detail: self.detail, width: self.width };
        Ok(writer.render(r, g, self.gate).into_bytes())
    }
}

/// A [`Table`] at work: its options and the glossary's language.
struct Writer {
    lang: Lang,
    detail: Detail,
    width: Option<u16>,
}

/// What the officer must do about a control that is not met: the groups of the "what to do" list,
/// in the order they are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Action {
    /// A finding fails (a measured problem, or an attestation of partial/planned work).
    Fix,
    /// The attestation or evidence is there but too old.
    Renew,
    /// A measurement is missing: a host not scanned, a target not measured, no evidence file.
    Measure,
    /// Nobody attested the control.
    Attest,
}

const ACTIONS: [Action; 4] = [Action::Fix, Action::Renew, Action::Measure, Action::Attest];

/// How many controls a "what to do" group lists before "… and N more" (`-v` lists all).
const GROUP_CAP: usize = 8;

/// The action a control that is not met asks for, and the finding that says why (none for a
/// bare "no attestation"). Decided from the findings the engine gives: a failing finding first,
/// then a stale one, then an evidence gap of a measurement; what remains lacks an attestation.
fn action(c: &ControlReport) -> Option<(Action, Option<&ReportFinding>)> {
    if c.status.is_satisfied() {
        return None;
    }
    let failing = |f: &&ReportFinding| f.outcome == Outcome::Fail;
    if let Some(f) = c.findings.iter().filter(failing).find(|f| f.rule != "attestation") {
        return Some((Action::Fix, Some(f)));
    }
    if let Some(f) = c.findings.iter().find(failing) {
        return Some((Action::Fix, Some(f)));
    }
    if let Some(f) = c.findings.iter().find(|f| f.stale && f.outcome != Outcome::Pass) {
        return Some((Action::Renew, Some(f)));
    }
    let gap = c.findings.iter().find(|f| f.rule != "attestation" && f.outcome == Outcome::Unknown);
    match gap {
        Some(f) => Some((Action::Measure, Some(f))),
        None => Some((Action::Attest, None)),
    }
}

/// The group's heading: what to do, in one line.
fn action_text(a: Action, lang: Lang) -> &'static str {
    match a {
        Action::Fix => tr(
            lang,
            "Fix: a finding fails; correct it, then scan or attest again",
            "Khắc phục: có phát hiện không đạt; sửa rồi quét hoặc xác nhận lại",
        ),
        Action::Renew => tr(
            lang,
            "Renew: the attestation is too old; review the control again and update its review date",
            "Gia hạn: xác nhận đã quá hạn; rà soát lại biện pháp và cập nhật ngày rà soát",
        ),
        Action::Measure => tr(
            lang,
            "Measure: evidence is missing; scan the hosts not scanned, run the collectors or pass the evidence file",
            "Đo kiểm: thiếu bằng chứng; quét các máy chưa quét, chạy bộ thu thập hoặc cung cấp tệp bằng chứng",
        ),
        Action::Attest => tr(
            lang,
            "Attest: no attestation; record status, evidence and review date in the inventory (`tuanthu explain ID` shows how)",
            "Xác nhận: chưa có xác nhận; ghi trạng thái, bằng chứng và ngày rà soát vào hồ sơ (`tuanthu explain ID` hướng dẫn)",
        ),
    }
}

/// "id Title" (the bare id when the glossary does not know it).
fn titled(g: &Glossary, s: &SystemReport, id: &str) -> String {
    match g.control(&s.catalogue, id, s.level) {
        Some(info) => format!("{} {}", one_line(id), one_line(info.title)),
        None => one_line(id),
    }
}

/// A finding in one line: the asset unless the message already names it.
fn finding_line(f: &ReportFinding, max: usize) -> String {
    let asset = match f.asset.as_deref() {
        Some(a) if !f.message.contains(a) => format!("[{}] ", one_line(a)),
        _ => String::new(),
    };
    truncate(&format!("{asset}{}", one_line(&f.message)), max)
}

impl Writer {
    fn render(&self, r: &Report, g: &Glossary, gate: Option<Gate>) -> String {
        let l = self.lang;
        let mut out = String::new();
        for a in &r.agencies {
            out.push_str(&self.agency(r, a, g));
        }
        if !r.unregistered_assets.is_empty() {
            out.push_str(&format!(
                "\n{} ({})\n",
                tr(
                    l,
                    "Unregistered assets: hosts seen up in evidence that no system declares",
                    "Tài sản chưa đăng ký: máy đang hoạt động trong kết quả quét nhưng không thuộc hệ thống nào"
                ),
                r.unregistered_assets.len()
            ));
            let mut t = new_table(self.width);
            t.set_header(vec![tr(l, "Address", "Địa chỉ"), tr(l, "Open ports", "Cổng mở"), tr(l, "Seen in", "Nguồn")]);
            for u in &r.unregistered_assets {
                t.add_row(vec![one_line(&u.address), one_line(&u.open_ports.join(", ")), one_line(&u.seen_in)]);
            }
            out.push_str(&format!("{t}\n"));
        }
        for i in r.inputs.iter().filter(|i| i.note.is_some()) {
            let note = one_line(i.note.as_deref().unwrap_or_default());
            out.push_str(&format!("\n{} {}: {note}\n", tr(l, "Note:", "Lưu ý:"), one_line(&i.file)));
        }
        for i in r.inputs.iter().filter(|i| i.error.is_some()) {
            out.push_str(&format!(
                "\n{} {}: {}\n",
                tr(l, "Partial evidence:", "Bằng chứng không đầy đủ:"),
                one_line(&i.file),
                one_line(i.error.as_deref().unwrap_or_default())
            ));
        }
        out.push_str(&next_steps(r, gate, l));
        out
    }

    fn agency(&self, r: &Report, a: &AgencyReport, g: &Glossary) -> String {
        let l = self.lang;
        let mut out = format!(
            "{} {} ({}) — {} {}, {} {}\n",
            tr(l, "Agency", "Cơ quan"),
            one_line(&a.name),
            one_line(&a.id),
            tr(l, "as of", "đánh giá ngày"),
            one_line(&r.as_of),
            tr(l, "period", "kỳ báo cáo"),
            one_line(&r.period)
        );
        let required: usize = a.systems.iter().map(|s| s.controls.len()).sum();
        out.push_str(&format!(
            "{}: {} · {}: {} ({}) · {}: {} ({}) · {}: {} ({}) · {}: {}\n",
            tr(l, "Systems", "Số hệ thống"),
            a.systems_total,
            tr(l, "approved", "đã phê duyệt"),
            a.systems_approved,
            pct(a.approval_rate),
            tr(l, "compliant", "đáp ứng yêu cầu"),
            a.systems_compliant,
            pct(a.compliance_rate),
            tr(l, "fully implemented", "triển khai đầy đủ"),
            a.systems_fully_implemented,
            pct(a.fully_implemented_rate),
            tr(l, "controls measured", "biện pháp đo kiểm"),
            measured_text(a.controls_measured, required, a.measured_share),
        ));
        let mut t = new_table(self.width);
        t.set_header(vec![
            tr(l, "System", "Hệ thống"),
            tr(l, "Level", "Cấp độ"),
            tr(l, "Catalogue", "Danh mục"),
            tr(l, "Approval", "Phê duyệt"),
            tr(l, "Compliant", "Đáp ứng"),
            tr(l, "Pass", "Đạt"),
            tr(l, "Fail", "Không đạt"),
            tr(l, "Unknown", "Chưa rõ"),
            tr(l, "Waived", "Miễn trừ"),
            tr(l, "N/A", "K.áp dụng"),
            tr(l, "Measured", "Đo kiểm"),
        ]);
        // A system id is never broken across lines (names may wrap): ids are what readers grep.
        let widest = a.systems.iter().map(|s| one_line(&s.id).chars().count()).max().unwrap_or(0);
        if let Some(c) = t.column_mut(0) {
            let w = u16::try_from(widest.min(32)).unwrap_or(32) + 2;
            c.set_constraint(ColumnConstraint::LowerBoundary(Width::Fixed(w)));
        }
        for s in &a.systems {
            t.add_row(vec![
                format!("{}\n{}", one_line(&s.id), one_line(&s.name)),
                s.level.to_string(),
                one_line(&s.catalogue),
                approval_text(s.approval, l).to_string(),
                (if s.compliant { tr(l, "yes", "có") } else { tr(l, "no", "không") }).to_string(),
                s.counts.pass.to_string(),
                s.counts.fail.to_string(),
                s.counts.unknown.to_string(),
                s.counts.waived.to_string(),
                s.counts.not_applicable.to_string(),
                // The share alone: the counts are in the summary line and the JSON.
                pct(s.measured_share),
            ]);
        }
        out.push_str(&format!("{t}\n"));
        if !a.missing_controls.is_empty() {
            let top: Vec<String> = a
                .missing_controls
                .iter()
                .take(10)
                .map(|m| format!("{} ({})", one_line(&m.control), m.systems))
                .collect();
            out.push_str(&format!("{}: {}\n", tr(l, "Most often missing", "Thiếu nhiều nhất"), top.join(", ")));
        }
        out.push_str(&self.transitions(a));
        if self.detail != Detail::Summary {
            for s in &a.systems {
                out.push_str(&self.system(s, g));
            }
        }
        out
    }

    /// The transition gap: each Decree 85 system, its deadline, and what it misses of the new
    /// regime when it was evaluated under it (new duties apart from requirements it had before).
    fn transitions(&self, a: &AgencyReport) -> String {
        let l = self.lang;
        let systems: Vec<_> = a.systems.iter().filter_map(|s| s.transition.as_ref().map(|t| (s, t))).collect();
        let Some((_, first)) = systems.first() else { return String::new() };
        let mut out = format!(
            "\n{} {} → {} ({} {})\n",
            tr(l, "Transition gap:", "Khoảng cách chuyển tiếp:"),
            one_line(&first.from),
            one_line(&first.to),
            tr(l, "measures due by", "phải đáp ứng chậm nhất ngày"),
            one_line(&first.deadline)
        );
        let mut table = new_table(self.width);
        table.set_header(vec![
            tr(l, "System", "Hệ thống"),
            tr(l, "State", "Tình trạng"),
            tr(l, "Missing: new duties", "Còn thiếu: yêu cầu mới"),
            tr(l, "Missing: carried over", "Còn thiếu: yêu cầu đã có"),
        ]);
        for (s, t) in systems {
            let (new, carried) = match &t.gap {
                Some(gap) => (gap_ids(gap, true), gap_ids(gap, false)),
                None => (
                    format!("{} {}", tr(l, "run with --catalogue", "chạy với --catalogue"), one_line(&t.to)),
                    "—".to_string(),
                ),
            };
            table.add_row(vec![one_line(&s.id), transition_state(t.state, l).to_string(), new, carried]);
        }
        out.push_str(&format!("{table}\n"));
        out
    }

    fn system(&self, s: &SystemReport, g: &Glossary) -> String {
        let l = self.lang;
        let mut out = format!(
            "\n{} — {} ({} {}, {}, {})\n",
            one_line(&s.id),
            one_line(&s.name),
            tr(l, "level", "cấp độ"),
            s.level,
            approval_text(s.approval, l),
            one_line(&s.catalogue)
        );
        out.push_str(&format!("  {}: {}\n", tr(l, "regime", "chế độ áp dụng"), one_line(&s.catalogue_reason)));
        if !s.optional_controls.is_empty() {
            let list: Vec<String> = s
                .optional_controls
                .iter()
                .map(|c| format!("{} {}", one_line(&c.id), status_text(c.status, l)))
                .collect();
            out.push_str(&format!(
                "  {}: {}\n",
                tr(
                    l,
                    "optional at this level (Law 116 Art. 10), not counted toward compliance",
                    "không bắt buộc ở cấp độ này (Luật An ninh mạng Điều 10), không tính vào đáp ứng"
                ),
                list.join(", ")
            ));
        }
        for t in &s.tailoring {
            let reason = t.reason.as_deref().map(|r| format!(": {}", one_line(r))).unwrap_or_default();
            let action = match t.action {
                "add" => tr(l, "adds", "bổ sung"),
                _ => tr(l, "drops", "loại bỏ"),
            };
            out.push_str(&format!(
                "  {} {action} {}{reason}\n",
                tr(l, "tailoring", "điều chỉnh"),
                one_line(&t.control)
            ));
        }
        // The default view tells what to do, grouped by action; `-v` adds every control's row.
        let tables = self.detail == Detail::All;
        let todo = self.todo(s, g, &s.controls);
        if tables {
            out.push_str(&self.control_table(s, g, &s.controls.iter().collect::<Vec<_>>()));
        }
        if todo.is_empty() {
            out.push_str(&format!("  {}\n", tr(l, "every required control is met", "đáp ứng mọi yêu cầu")));
        }
        for c in s.controls.iter().filter(|c| !tables && c.status == Status::Waived) {
            if let Some(w) = &c.waiver {
                out.push_str(&format!(
                    "  {} {} {}: {}\n",
                    titled(g, s, &c.id),
                    tr(l, "waived until", "miễn trừ đến"),
                    one_line(&w.expires),
                    one_line(&w.reason)
                ));
            }
        }
        out.push_str(&todo);
        let obligations = self.todo(s, g, &s.obligations);
        if !s.obligations.is_empty() && (tables || !obligations.is_empty()) {
            out.push_str(&format!(
                "  {}\n",
                tr(
                    l,
                    "Obligations: legal duties of the operator, reported but NOT counted toward compliance",
                    "Nghĩa vụ: trách nhiệm pháp lý của đơn vị vận hành, được báo cáo nhưng KHÔNG tính vào đáp ứng"
                )
            ));
            if tables {
                out.push_str(&self.control_table(s, g, &s.obligations.iter().collect::<Vec<_>>()));
            }
            out.push_str(&obligations);
        }
        out
    }

    fn control_table(&self, s: &SystemReport, g: &Glossary, rows: &[&ControlReport]) -> String {
        let l = self.lang;
        let mut t = new_table(self.width);
        t.set_header(vec![
            tr(l, "Control", "Biện pháp"),
            tr(l, "Status", "Trạng thái"),
            tr(l, "Basis", "Cơ sở"),
            tr(l, "Why", "Lý do"),
        ]);
        for c in rows.iter().copied() {
            let shown: Vec<_> =
                c.findings.iter().filter(|f| self.detail == Detail::All || f.outcome != Outcome::Pass).collect();
            let why: Vec<String> = shown.iter().take(4).map(|f| finding_line(f, 160)).collect();
            let more = shown.len().saturating_sub(4);
            let mut why = why.join("\n");
            if more > 0 && self.detail != Detail::All {
                why.push_str(&format!(
                    "\n(+{more} {})",
                    tr(l, "more in --format json", "chi tiết trong --format json")
                ));
            }
            if let Some(w) = &c.waiver {
                why.push_str(&format!(
                    "\n{} {}: {}",
                    tr(l, "waived until", "miễn trừ đến"),
                    one_line(&w.expires),
                    one_line(&w.reason)
                ));
            }
            let mut id = titled(g, s, &c.id);
            if c.caveat.is_some() {
                id.push_str(" †");
            }
            t.add_row(vec![id, status_text(c.status, l).to_string(), basis_text(c.basis, l).to_string(), why]);
        }
        format!("{t}\n{}", caveats(rows))
    }

    /// What to do about the controls and obligations not met, grouped by action: one line of
    /// instruction, then the controls with their titles (and the finding behind a fix, renewal
    /// or measurement), capped at [`GROUP_CAP`] unless `-v`.
    fn todo(&self, s: &SystemReport, g: &Glossary, list: &[ControlReport]) -> String {
        let l = self.lang;
        let mut out = String::new();
        let all: Vec<_> = list.iter().filter_map(|c| action(c).map(|(a, f)| (c, a, f))).collect();
        for act in ACTIONS {
            let group: Vec<_> = all.iter().filter(|(_, a, _)| *a == act).collect();
            if group.is_empty() {
                continue;
            }
            out.push_str(&format!("  {} ({}):\n", action_text(act, l), group.len()));
            let cap = if self.detail == Detail::All { usize::MAX } else { GROUP_CAP };
            for (c, _, f) in group.iter().take(cap) {
                let why = f.map(|f| format!(" — {}", finding_line(f, 100))).unwrap_or_default();
                out.push_str(&format!("    {}{why}\n", titled(g, s, &c.id)));
            }
            if group.len() > cap {
                out.push_str(&format!(
                    "    … {} {} {}\n",
                    tr(l, "and", "và"),
                    group.len() - cap,
                    tr(l, "more (-v shows all)", "mục khác (-v để xem hết)")
                ));
            }
        }
        out
    }
}

/// The English noun for `n` things (Vietnamese has no plural).
fn plural(n: usize, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 { one } else { many }
}

/// The closing lines: how many controls ask for each action over the whole report, and what the
/// exit code means under `gate`.
fn next_steps(r: &Report, gate: Option<Gate>, l: Lang) -> String {
    let mut counts = [0usize; 4];
    for (_, s) in r.systems() {
        for c in s.controls.iter().chain(s.obligations.iter()) {
            if let Some((a, _)) = action(c) {
                counts[a as usize] += 1;
            }
        }
    }
    let mut steps = Vec::new();
    for (act, n) in ACTIONS.iter().zip(counts) {
        if n == 0 {
            continue;
        }
        steps.push(match act {
            Action::Fix => format!(
                "{} {n} {}",
                tr(l, "fix", "khắc phục"),
                tr(
                    l,
                    plural(n, "control with failing findings", "controls with failing findings"),
                    "biện pháp có phát hiện không đạt"
                )
            ),
            Action::Renew => format!(
                "{} {n} {}",
                tr(l, "renew", "gia hạn"),
                tr(l, plural(n, "stale attestation", "stale attestations"), "xác nhận quá hạn")
            ),
            Action::Measure => format!(
                "{} {n} {}",
                tr(l, "measure", "đo kiểm"),
                tr(l, plural(n, "control lacking evidence", "controls lacking evidence"), "biện pháp thiếu bằng chứng")
            ),
            Action::Attest => format!(
                "{} {n} {}",
                tr(l, "attest", "xác nhận"),
                tr(
                    l,
                    plural(n, "control (`tuanthu explain ID` shows how)", "controls (`tuanthu explain ID` shows how)"),
                    "biện pháp (`tuanthu explain ID` hướng dẫn)"
                )
            ),
        });
    }
    let mut out = String::from("\n");
    if steps.is_empty() {
        out.push_str(tr(
            l,
            "Next: nothing to do; every required control is met.\n",
            "Tiếp theo: không còn việc gì; mọi yêu cầu đều đáp ứng.\n",
        ));
    } else {
        out.push_str(&format!("{} {}.\n", tr(l, "Next:", "Tiếp theo:"), steps.join(", ")));
    }
    let required = |f: fn(Status) -> bool| r.systems().any(|(_, s)| s.controls.iter().any(|c| f(c.status)));
    let exit = match gate {
        None => return out,
        Some(Gate::FailOrUnknown) if required(|s| s.is_missing()) => tr(
            l,
            "Exit code 1: some required control is fail or unknown (--fail-on any).",
            "Mã thoát 1: có biện pháp bắt buộc không đạt hoặc chưa rõ (--fail-on any).",
        ),
        Some(Gate::FailOrUnknown) => tr(
            l,
            "Exit code 0: every required control is met, waived or not applicable (--fail-on any).",
            "Mã thoát 0: mọi biện pháp bắt buộc đều đạt, được miễn trừ hoặc không áp dụng (--fail-on any).",
        ),
        Some(Gate::Fail) if required(|s| s == Status::Fail) => tr(
            l,
            "Exit code 1: some required control is fail (--fail-on fail).",
            "Mã thoát 1: có biện pháp bắt buộc không đạt (--fail-on fail).",
        ),
        Some(Gate::Fail) => tr(
            l,
            "Exit code 0: no required control is fail; unknown ones do not count (--fail-on fail).",
            "Mã thoát 0: không có biện pháp bắt buộc nào không đạt; mục chưa rõ không tính (--fail-on fail).",
        ),
        Some(Gate::Never) => {
            tr(l, "Exit code 0 whatever the results (--fail-on never).", "Mã thoát 0 bất kể kết quả (--fail-on never).")
        }
    };
    out.push_str(exit);
    out.push('\n');
    out
}

/// One legend line per distinct caveat among the rows shown (marked † in the table).
fn caveats(rows: &[&ControlReport]) -> String {
    let mut seen: Vec<(&str, &str)> = Vec::new();
    for c in rows {
        if let (Some(v), Some(text)) = (c.verification.as_deref(), c.caveat.as_deref())
            && !seen.iter().any(|(sv, _)| *sv == v)
        {
            seen.push((v, text));
        }
    }
    seen.iter().map(|(v, text)| format!("  † {}: {}\n", one_line(v), one_line(text))).collect()
}

/// "N: ids" of the gap entries that are new duties (`new`) or carried over from the old catalogue.
fn gap_ids(gap: &[crate::engine::GapEntry], new: bool) -> String {
    let ids: Vec<&str> = gap.iter().filter(|g| g.counterparts.is_empty() == new).map(|g| g.control.as_str()).collect();
    format!("{}: {}", ids.len(), one_line(&ids.join(", ")))
}
