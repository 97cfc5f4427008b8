//! `tuanthu explain CONTROL`: one control as an officer needs it — its title, what each level
//! requires and under which clause, what evidences it (the rules that measure it and whether an
//! attestation is needed), its ids in the other regime, and a ready-to-paste attestation.
//!
//! It reads the same catalogues, profiles and rules as `tuanthu controls` and prints nothing they do
//! not hold: the id is looked up in every installed catalogue unless `--catalogue` names one, and an
//! id found nowhere gets the nearest ids as suggestions.

use super::controls::{Format, control_json, need_text};
use super::{Common, Error, ExitCode, load_policy, write_output};
use clap::Args;
use tuanthu::i18n::{Lang, tr};
use tuanthu::policy::catalogue::{AttestationNeed, Automation};
use tuanthu::policy::diff::validity_text;
use tuanthu::policy::rules::EvidenceKind;
use tuanthu::policy::{Catalogue, Control, Policy};
use tuanthu::sanitize::one_line;

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Control or obligation id, e.g. POL.01, MGT.01, OBL.08
    #[arg(value_name = "CONTROL")]
    pub control: String,
    /// Look only in this catalogue (default: every installed catalogue)
    #[arg(long, value_name = "ID")]
    pub catalogue: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    #[command(flatten)]
    pub common: Common,
}

pub fn run(a: ExplainArgs) -> Result<ExitCode, Error> {
    let l = a.common.lang;
    let policy = load_policy(&a.common)?;
    let cats: Vec<&Catalogue> = match &a.catalogue {
        None => policy.catalogues.iter().collect(),
        Some(id) => match policy.catalogue(id) {
            Some(c) => vec![c],
            None => {
                let known: Vec<&str> = policy.catalogues.iter().map(|c| c.id.as_str()).collect();
                return Err(Error::Usage(format!(
                    "{} `{}` ({}: {})",
                    tr(l, "unknown catalogue", "không có danh mục"),
                    one_line(id),
                    tr(l, "known", "các danh mục có"),
                    known.join(", ")
                )));
            }
        },
    };
    let found = find(&cats, &a.control);
    if found.is_empty() {
        let all: Vec<&Catalogue> = policy.catalogues.iter().collect();
        let elsewhere = find(&all, &a.control);
        let msg = match elsewhere.first() {
            Some((other, c)) => in_other_catalogue(&policy, cats[0], other, c, l),
            None => not_found(&cats, &a.control, l),
        };
        return Err(Error::Usage(msg));
    }
    let text = match a.format {
        Format::Json => {
            let entries: Vec<serde_json::Value> = found.iter().map(|(cat, c)| entry_json(&policy, cat, c, l)).collect();
            match serde_json::to_string_pretty(&serde_json::json!({ "control": found[0].1.id, "entries": entries })) {
                Ok(s) => s + "\n",
                Err(e) => return Err(Error::run(e)),
            }
        }
        Format::Table => {
            let mut out = String::new();
            if found.len() > 1 {
                let ids: Vec<&str> = found.iter().map(|(cat, _)| cat.id.as_str()).collect();
                out.push_str(&format!(
                    "{} {} {}: {}\n\n",
                    found[0].1.id,
                    tr(l, "is in", "có trong"),
                    tr(l, "several catalogues, each shown below", "nhiều danh mục, lần lượt dưới đây"),
                    ids.join(", ")
                ));
            }
            let parts: Vec<String> =
                found.iter().map(|(cat, c)| entry_text(&policy, cat, c, l, a.common.verbose)).collect();
            out.push_str(&parts.join("\n"));
            out
        }
    };
    write_output(a.common.output.as_deref(), &text)?;
    Ok(ExitCode::Ok)
}

/// The control `id` in each catalogue that has it; ids are matched exactly, then ignoring case.
fn find<'a>(cats: &[&'a Catalogue], id: &str) -> Vec<(&'a Catalogue, &'a Control)> {
    let exact: Vec<_> = cats.iter().filter_map(|cat| cat.get(id).map(|c| (*cat, c))).collect();
    if !exact.is_empty() {
        return exact;
    }
    let upper = id.to_ascii_uppercase();
    cats.iter().filter_map(|cat| cat.get(&upper).map(|c| (*cat, c))).collect()
}

/// An id of another catalogue than the one asked for (a Circular 12 id looked up in Decree 331):
/// say so, and name its counterparts in the catalogue asked for.
fn in_other_catalogue(policy: &Policy, asked: &Catalogue, other: &Catalogue, c: &Control, l: Lang) -> String {
    let there: Vec<String> = counterparts(policy, other, c)
        .into_iter()
        .filter(|(cat, _)| cat.id == asked.id)
        .flat_map(|(_, xs)| xs.into_iter().map(|x| format!("`{}`", x.id)))
        .collect();
    let mut msg = format!(
        "{} `{}` {} {}: {} {}",
        tr(l, "no control", "không có biện pháp"),
        c.id,
        tr(l, "in", "trong"),
        asked.id,
        tr(l, "it is an id of", "đây là mã của"),
        other.id,
    );
    if there.is_empty() {
        msg.push_str(&format!(
            "; {} {}",
            tr(l, "it has no counterpart in", "không có biện pháp tương ứng trong"),
            asked.id
        ));
    } else {
        msg.push_str(&format!(
            "; {} {}: {}",
            tr(l, "the same requirement in", "yêu cầu tương ứng trong"),
            asked.id,
            there.join(", ")
        ));
    }
    msg
}

/// "no control X in A or B; did you mean Y?" — the nearest ids by edit distance.
fn not_found(cats: &[&Catalogue], id: &str, l: Lang) -> String {
    let names: Vec<&str> = cats.iter().map(|c| c.id.as_str()).collect();
    let mut msg = format!(
        "{} `{}` {} {}",
        tr(l, "no control", "không có biện pháp"),
        one_line(id),
        tr(l, "in", "trong"),
        names.join(tr(l, " or ", " hoặc "))
    );
    let near = nearest(cats, id);
    if near.is_empty() {
        msg.push_str(&format!(
            "; {} `tuanthu controls --catalogue ID`",
            tr(l, "list the ids with", "xem danh sách mã bằng")
        ));
    } else {
        let near: Vec<String> = near.iter().map(|n| format!("`{n}`")).collect();
        msg.push_str(&format!("; {} {}?", tr(l, "did you mean", "có phải là"), near.join(tr(l, " or ", " hoặc "))));
    }
    msg
}

/// Up to three ids of `cats` closest to `id` (see [`tuanthu::suggest::nearest`]).
fn nearest(cats: &[&Catalogue], id: &str) -> Vec<String> {
    let ids = cats.iter().flat_map(|cat| cat.controls.iter()).map(|c| &*c.id);
    tuanthu::suggest::nearest(id, ids).into_iter().map(str::to_string).collect()
}

/// Ids of the same requirement in every other installed catalogue, with their titles: the
/// catalogues' `maps_to` and supersession routing, read both ways (as `controls diff` does).
fn counterparts<'a>(policy: &'a Policy, cat: &Catalogue, c: &Control) -> Vec<(&'a Catalogue, Vec<&'a Control>)> {
    let mut out = Vec::new();
    for other in policy.catalogues.iter().filter(|o| o.id != cat.id) {
        let mut ids: Vec<String> = Vec::new();
        if let Ok(d) = tuanthu::policy::diff::diff(policy, &cat.id, &other.id, &[])
            && let Some(m) = d.mapping.iter().find(|m| *m.from == *c.id)
        {
            ids.extend(m.to.iter().cloned());
        }
        if let Ok(d) = tuanthu::policy::diff::diff(policy, &other.id, &cat.id, &[]) {
            ids.extend(d.mapping.iter().filter(|m| m.to.iter().any(|t| **t == *c.id)).map(|m| m.from.clone()));
        }
        let mut controls: Vec<&Control> = Vec::new();
        for id in ids {
            if let Some(x) = other.get(&id)
                && !controls.iter().any(|y| y.id == x.id)
            {
                controls.push(x);
            }
        }
        out.push((other, controls));
    }
    out
}

/// What a rule over this kind of evidence reads.
fn kind_source(k: EvidenceKind, l: Lang) -> &'static str {
    match k {
        EvidenceKind::NmapPort | EvidenceKind::NmapHost => tr(l, "nmap XML, --nmap", "kết quả nmap XML, --nmap"),
        EvidenceKind::Tls | EvidenceKind::Http => {
            tr(l, "evidence file of tuanthu collect, --evidence", "tệp bằng chứng của tuanthu collect, --evidence")
        }
        EvidenceKind::Incident => tr(l, "the inventory's incidents:", "mục incidents: của danh mục hệ thống"),
        EvidenceKind::HostAudit => tr(
            l,
            "host audits (OpenSCAP/CIS-CAT XCCDF or ARF, Lynis, Wazuh SCA), --evidence",
            "kết quả rà soát máy chủ (OpenSCAP/CIS-CAT XCCDF hoặc ARF, Lynis, Wazuh SCA), --evidence",
        ),
        EvidenceKind::Vulnerabilities => tr(
            l,
            "vulnerability scans (Greenbone/OpenVAS, Nessus, Wazuh), --evidence",
            "kết quả quét lỗ hổng (Greenbone/OpenVAS, Nessus, Wazuh), --evidence",
        ),
        EvidenceKind::Agent => tr(
            l,
            "monitoring agents (Wazuh agents list), --evidence",
            "tác tử giám sát (danh sách tác tử Wazuh), --evidence",
        ),
        EvidenceKind::Ssh => tr(
            l,
            "SSH endpoints (evidence file of tuanthu collect, or ssh-audit -j), --evidence",
            "điểm kết nối SSH (tệp bằng chứng của tuanthu collect, hoặc ssh-audit -j), --evidence",
        ),
        EvidenceKind::Dns => tr(
            l,
            "declared domains (evidence file of tuanthu collect), --evidence",
            "tên miền đã khai báo (tệp bằng chứng của tuanthu collect), --evidence",
        ),
    }
}

fn automation_text(a: Automation, l: Lang) -> &'static str {
    match a {
        Automation::Manual => {
            tr(l, "manual (only an attestation can show it)", "thủ công (chỉ bản tự khai chứng minh được)")
        }
        Automation::Partial => {
            tr(l, "partial (scans can show a failure, never a pass)", "một phần (rà quét chỉ phát hiện được vi phạm)")
        }
        Automation::Automated => tr(l, "automated (scans alone can pass it)", "tự động (rà quét đủ để đạt)"),
    }
}

fn attestation_text(c: &Control, l: Lang) -> &'static str {
    match c.evidence.attestation {
        AttestationNeed::Required => tr(
            l,
            "attestation required: a pass needs a fresh `implemented` attestation; rules can only fail it",
            "bắt buộc tự khai: chỉ đạt khi có bản tự khai `implemented` còn hiệu lực; quy tắc chỉ có thể làm không đạt",
        ),
        AttestationNeed::Optional => tr(
            l,
            "attestation optional: a clean, fresh measurement by its rules passes it as well",
            "không bắt buộc tự khai: kết quả đo mới, không vi phạm của các quy tắc cũng làm đạt",
        ),
    }
}

/// The kind of inventory assessment that stands in for an attestation of `c` (`pre-operation`).
fn record_kind(c: &Control) -> Option<String> {
    let kind = serde_json::to_value(c.evidence.records?).ok()?;
    kind.as_str().map(str::to_string)
}

/// The attestation to paste under a system's `attestations:`, in the inventory's own indentation.
fn snippet(c: &Control, l: Lang) -> String {
    let evidence = tr(l, "number and date of the document that shows it", "số, ngày văn bản chứng minh");
    let mut out = format!(
        "    attestations:\n      {}: {{status: implemented, evidence: \"{evidence}\", reviewed: {}}}\n",
        c.id,
        tuanthu::dates::format(tuanthu::dates::today())
    );
    if let Some(kind) = record_kind(c) {
        out.push_str(&format!(
            "  {}\n    assessments:\n      - {{kind: {kind}, date: {}, by: \"{}\"}}\n",
            tr(
                l,
                "or record the assessment itself (it counts as an attestation):",
                "hoặc ghi lại chính lần đánh giá (được tính như bản tự khai):"
            ),
            tuanthu::dates::format(tuanthu::dates::today()),
            tr(l, "who assessed it", "đơn vị đánh giá")
        ));
    }
    out
}

/// The table form: one block per catalogue that has the id.
fn entry_text(policy: &Policy, cat: &Catalogue, c: &Control, l: Lang, verbose: bool) -> String {
    let mut out = format!("{} — {}\n", c.id, one_line(c.title.get(l)));
    out.push_str(&format!("{}: {} — {}\n", tr(l, "Catalogue", "Danh mục"), cat.id, one_line(cat.title.get(l))));
    let section = format!("{:?}", c.section).to_lowercase();
    out.push_str(&format!(
        "{}: {section} · {}: {} · {}: {}\n",
        tr(l, "Section", "Phần"),
        tr(l, "group", "nhóm"),
        one_line(&c.group),
        tr(l, "verification", "mức kiểm chứng"),
        one_line(&c.verification)
    ));
    if let Some(caveat) = cat.caveat(c) {
        out.push_str(&format!("† {}\n", one_line(caveat.get(l))));
    }
    if c.is_obligation() {
        out.push_str(&format!(
            "{}\n",
            tr(
                l,
                "An obligation: judged and reported beside the controls; it does not count toward compliance.",
                "Nghĩa vụ: được đánh giá và báo cáo bên cạnh các biện pháp; không tính vào đáp ứng yêu cầu."
            )
        ));
    }
    if c.is_criterion() {
        out.push_str(&format!(
            "{}\n",
            tr(
                l,
                "A level criterion: catalogued for comparison, never evaluated (the level is declared with its approval).",
                "Tiêu chí xác định cấp độ: chỉ để đối chiếu, không đánh giá (cấp độ được khai kèm quyết định phê duyệt)."
            )
        ));
    }
    out.push_str(&format!("\n{}\n", tr(l, "By level:", "Theo cấp độ:")));
    for level in 1..=5u8 {
        out.push_str(&level_line(policy, cat, c, level, l));
    }
    if let Some(basis) = cat.optional_basis.as_ref().filter(|_| !c.optional_levels.is_empty()) {
        out.push_str(&format!("  {}\n", one_line(basis.get(l))));
    }
    if !c.is_criterion() {
        out.push_str(&evidence_text(policy, c, l));
    }
    for (other, controls) in counterparts(policy, cat, c) {
        out.push_str(&format!("\n{} {}:\n", tr(l, "The same requirement in", "Yêu cầu tương ứng trong"), other.id));
        if controls.is_empty() {
            out.push_str(&format!("  {}\n", tr(l, "no counterpart", "không có biện pháp tương ứng")));
        }
        for x in controls {
            out.push_str(&format!("  {} — {}\n", x.id, one_line(x.title.get(l))));
        }
    }
    if verbose && let Some(notes) = &c.notes {
        out.push_str(&format!("\n{}: {}\n", tr(l, "Notes", "Ghi chú"), one_line(notes)));
    }
    if !c.is_criterion() {
        out.push_str(&format!(
            "\n{}\n{}",
            tr(
                l,
                "How to attest it (paste under the system in the inventory; `tuanthu validate` checks it):",
                "Cách tự khai (dán vào mục của hệ thống trong tệp danh mục hệ thống; kiểm tra bằng `tuanthu validate`):"
            ),
            snippet(c, l)
        ));
    }
    out
}

/// What evidences `c`: automation, attestation, the rules mapped to it and the records that count.
fn evidence_text(policy: &Policy, c: &Control, l: Lang) -> String {
    let mut out = format!("\n{}\n", tr(l, "What evidences it:", "Bằng chứng:"));
    out.push_str(&format!("  {}: {}\n", tr(l, "automation", "mức tự động"), automation_text(c.automation, l)));
    out.push_str(&format!("  {}\n", attestation_text(c, l)));
    let rules: Vec<_> = policy.rules.for_control(&c.id).collect();
    if rules.is_empty() {
        out.push_str(&format!(
            "  {}\n",
            tr(
                l,
                "no rule measures it: only an attestation shows it",
                "không có quy tắc đo: chỉ bản tự khai chứng minh"
            )
        ));
    }
    for r in rules {
        let levels = r.levels.as_ref().map(|v| {
            let v: Vec<String> = v.iter().map(ToString::to_string).collect();
            format!(", {} {}", tr(l, "levels", "cấp độ"), v.join(","))
        });
        out.push_str(&format!(
            "  {} {} ({}: {}, {}{}): {}\n",
            tr(l, "rule", "quy tắc"),
            r.id,
            r.evidence.as_str(),
            kind_source(r.evidence, l),
            r.severity.as_str(),
            levels.unwrap_or_default(),
            one_line(r.info.title.get(l))
        ));
    }
    if let Some(kind) = record_kind(c) {
        out.push_str(&format!(
            "  {} `{kind}` {}\n",
            tr(l, "the inventory's assessments of kind", "các lần đánh giá loại"),
            tr(l, "count as an attestation", "trong assessments: được tính như bản tự khai")
        ));
    }
    if let Some(hint) = &c.evidence_hint {
        out.push_str(&format!("  {}: {}\n", tr(l, "usually shown by", "thường chứng minh bằng"), one_line(hint)));
    }
    if let Some(src) = &c.evidence.validity_source {
        out.push_str(&format!("  {}: {}\n", tr(l, "validity from", "thời hạn theo"), one_line(src)));
    }
    out
}

/// "  3  required    PL-III §I 1.1.1 · TCVN 11930:2017 7.1.1.1 · valid 12 months"
fn level_line(policy: &Policy, cat: &Catalogue, c: &Control, level: u8, l: Lang) -> String {
    let profile = policy.profile(&cat.id, level);
    let need = match profile.and_then(|p| p.need(&c.id)) {
        _ if !c.levels.contains(&level) => None,
        Some(n) => Some(need_text(n, l)),
        None if c.is_criterion() => Some(tr(l, "criterion", "tiêu chí").to_string()),
        None => None,
    };
    let Some(need) = need else {
        return format!("  {level}  {}\n", tr(l, "not required", "không yêu cầu"));
    };
    let mut parts = vec![c.clause(level).unwrap_or("—").to_string()];
    if let Some(t) = c.tcvn_clause(level) {
        parts.push(format!("{} {t}", cat.standard));
    }
    if !c.is_criterion()
        && let Some(p) = profile
    {
        parts.push(format!("{} {}", tr(l, "valid", "hiệu lực"), validity_text(cat, p, c).get(l)));
    }
    format!("  {level}  {need:<16}{}\n", one_line(&parts.join(" · ")))
}

fn entry_json(policy: &Policy, cat: &Catalogue, c: &Control, l: Lang) -> serde_json::Value {
    let mut v = control_json(policy, cat, c, None, None);
    let by_level: Vec<serde_json::Value> = (1..=5u8)
        .filter(|lv| c.levels.contains(lv))
        .map(|lv| {
            let p = policy.profile(&cat.id, lv);
            serde_json::json!({
                "level": lv,
                "need": p.and_then(|p| p.need(&c.id)).map(tuanthu::policy::diff::Need::as_str),
                "clause": c.clause(lv),
                "tcvn": c.tcvn_clause(lv),
                "validity": p.filter(|_| !c.is_criterion()).map(|p| validity_text(cat, p, c)),
            })
        })
        .collect();
    let rules: Vec<serde_json::Value> = policy
        .rules
        .for_control(&c.id)
        .map(|r| {
            serde_json::json!({
                "id": r.id, "evidence": r.evidence.as_str(), "severity": r.severity.as_str(),
                "levels": r.levels, "title": r.info.title,
            })
        })
        .collect();
    let other: serde_json::Map<String, serde_json::Value> = counterparts(policy, cat, c)
        .into_iter()
        .map(|(o, xs)| (o.id.clone(), serde_json::json!(xs.iter().map(|x| &x.id).collect::<Vec<_>>())))
        .collect();
    let extra = serde_json::json!({
        "catalogue": cat.id,
        "automation": format!("{:?}", c.automation).to_lowercase(),
        "attestation": match c.evidence.attestation { AttestationNeed::Required => "required", AttestationNeed::Optional => "optional" },
        "records": c.evidence.records,
        "by_level": by_level,
        "rule_details": rules,
        "counterparts": other,
        "evidence_hint": c.evidence_hint,
        "attest": (!c.is_criterion()).then(|| snippet(c, l)),
    });
    if let (Some(obj), serde_json::Value::Object(more)) = (v.as_object_mut(), extra) {
        obj.extend(more);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_are_the_nearest_ids_of_every_catalogue() {
        let policy = Policy::bundled().unwrap();
        let cats: Vec<&Catalogue> = policy.catalogues.iter().collect();
        assert_eq!(nearest(&cats, "pol.1"), vec!["POL.01"]);
        assert_eq!(nearest(&cats, "MGT.1"), vec!["MGT.01"]);
        assert!(nearest(&cats, "XYZZY").is_empty());
    }
}
