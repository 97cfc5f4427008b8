//! Running the rules of a system's controls over the system's evidence records.

use super::SystemCx;
use super::facts;
use super::judge::{
    Base, Judged, RuleResult, Shared, age_problem, judge_all, mark_not_applicable, unknown, unknown_for_all,
};
use super::model::Source;
use super::record::{Part, Record};
use crate::evidence::nmap::ScannedHost;
use crate::i18n::Text;
use crate::policy::rules::{EvidenceKind, Rule, new_context, to_val};
use std::cell::LazyCell;
use std::collections::HashMap;
use std::sync::Arc;

/// Runs every rule that speaks for one of `required` or `optional` controls (or an obligation of
/// the profile).
pub fn evaluate_rules(
    cx: &SystemCx,
    required: &[(String, bool)],
    optional: &[String],
) -> HashMap<Arc<str>, RuleResult> {
    let mut wanted: Vec<&Rule> = Vec::new();
    let ids = required
        .iter()
        .map(|(id, _)| id.as_str())
        .chain(cx.profile.obligations.iter().map(String::as_str))
        .chain(optional.iter().map(String::as_str));
    for id in ids {
        for r in cx.policy.rules.for_control(id) {
            if r.applies_at(cx.system.level) && !wanted.iter().any(|w| w.id == r.id) {
                wanted.push(r);
            }
        }
    }
    if wanted.is_empty() {
        return HashMap::new();
    }
    let system = facts::system(cx.agency, cx.system, &cx.catalogue.id);
    let (params, params_val) = cx.params;
    let params_var = Shared { name: "params", val: params_val };
    let mut out: HashMap<Arc<str>, RuleResult> = wanted.iter().map(|r| (r.id.clone(), RuleResult::default())).collect();
    let nmap: Vec<&Rule> = wanted
        .iter()
        .copied()
        .filter(|r| matches!(r.evidence, EvidenceKind::NmapHost | EvidenceKind::NmapPort))
        .collect();
    let mut root = new_context();
    root.add_variable_as_val("system", to_val(&system));
    root.set_variable_resolver(&params_var);
    let root = Base { ctx: &root, system: &system, params };
    if !nmap.is_empty() {
        run_nmap(cx, &root, &nmap, &mut out);
    }
    for kind in [EvidenceKind::Tls, EvidenceKind::Http, EvidenceKind::Ssh, EvidenceKind::Dns] {
        let rules: Vec<&Rule> = wanted.iter().copied().filter(|r| r.evidence == kind).collect();
        if !rules.is_empty() {
            super::probes::run(cx, cx.probes, &root, kind, &rules, &mut out);
        }
    }
    for kind in [EvidenceKind::HostAudit, EvidenceKind::Vulnerabilities, EvidenceKind::Agent] {
        let rules: Vec<&Rule> = wanted.iter().copied().filter(|r| r.evidence == kind).collect();
        if !rules.is_empty() {
            super::host_rules::run(cx, &root, kind, &rules, &mut out);
        }
    }
    let incident: Vec<&Rule> = wanted.iter().copied().filter(|r| r.evidence == EvidenceKind::Incident).collect();
    if !incident.is_empty() {
        run_incidents(cx, &root, &incident, &mut out);
    }
    out
}

/// Incident rules: one record per incident detected up to the evaluation date. A system that
/// records none gives the rules nothing to judge; the control then rests on its attestation.
fn run_incidents(cx: &SystemCx, root: &Base, rules: &[&Rule], out: &mut HashMap<Arc<str>, RuleResult>) {
    let mut seen = cx.system.incidents.iter().filter(|i| i.detected.date() <= cx.as_of).peekable();
    if seen.peek().is_none() {
        mark_not_applicable(rules, out);
        return;
    }
    for (n, i) in seen.enumerate() {
        let incident = facts::incident(i, n, cx.as_of);
        let label = incident["id"].as_str().unwrap_or_default().to_string();
        let ctx = LazyCell::new(|| {
            let mut ctx = root.ctx.new_inner_scope();
            ctx.add_variable_as_val("incident", to_val(&incident));
            ctx
        });
        let parts = [("incident", Part::Facts(&incident)), ("asset", Part::Text(&label))];
        let vars = root.vars([("incident", &incident)]);
        let judged = Judged { record: &Record::new(&parts), asset: &label, evidence: &i.origin.to_string() };
        judge_all(cx, rules, &vars, &ctx, &judged, out);
    }
}

/// nmap rules: one record per host (`nmap.host`) and one per port (`nmap.port`) of the system's
/// hosts. Each host's facts are built once and shared by both kinds of rule, and by every
/// finding on the host's ports: the work per port does not grow with the host's port count.
fn run_nmap(cx: &SystemCx, root: &Base, rules: &[&Rule], out: &mut HashMap<Arc<str>, RuleResult>) {
    if cx.system.assets.hosts.is_empty() {
        mark_not_applicable(rules, out);
        return;
    }
    // Missing or stale evidence is a fact about the system's scans, not about one rule: the
    // finding names the evidence kind, so a control fed by several rules shows it once.
    if let Some(reason) = coverage_gap(cx) {
        unknown_for_all(rules, out, &unknown(Source::Kind("nmap"), None, reason, None));
        return;
    }
    for asset in &cx.host_gaps {
        let why = Text::new(
            format!("declared host {asset} was not seen up in the nmap scans, so its exposure is not known"),
            format!(
                "máy đã khai báo {asset} không xuất hiện (đang hoạt động) trong kết quả quét nmap nên chưa biết mức độ phơi nhiễm"
            ),
        );
        unknown_for_all(rules, out, &unknown(Source::Kind("nmap"), Some(asset.clone()), why, None));
    }
    let host_rules: Vec<&Rule> = rules.iter().copied().filter(|r| r.evidence == EvidenceKind::NmapHost).collect();
    let port_rules: Vec<&Rule> = rules.iter().copied().filter(|r| r.evidence == EvidenceKind::NmapPort).collect();
    for (input, host) in &cx.hosts {
        let evidence = format!("{}#host={}", input.file, host.label);
        if let Some(why) = staleness(cx, host) {
            unknown_for_all(rules, out, &unknown(Source::Kind("nmap"), Some(host.label.clone()), why, Some(evidence)));
            continue;
        }
        let host_facts = facts::host(host);
        // Contexts are built only when a verdict is not already known.
        let host_ctx = LazyCell::new(|| {
            let mut ctx = root.ctx.new_inner_scope();
            ctx.add_variable_as_val("host", to_val(&host_facts));
            ctx
        });
        if !host_rules.is_empty() {
            let parts = [("host", Part::Facts(&host_facts)), ("asset", Part::Text(&host.label))];
            let vars = root.vars([("host", &host_facts)]);
            let judged = Judged { record: &Record::new(&parts), asset: &host.label, evidence: &evidence };
            judge_all(cx, &host_rules, &vars, &host_ctx, &judged, out);
        }
        if port_rules.is_empty() {
            continue;
        }
        for p in &host.host.ports {
            let port_facts = facts::port(p);
            let asset = format!("{}:{}/{}", host.label, p.portid, p.protocol);
            let ctx = LazyCell::new(|| {
                let mut ctx = host_ctx.new_inner_scope();
                ctx.add_variable_as_val("port", to_val(&port_facts));
                ctx
            });
            // The record (for messages and `show:`) refers to the host's facts, never copies them.
            let parts =
                [("host", Part::Facts(&host_facts)), ("port", Part::Facts(&port_facts)), ("asset", Part::Text(&asset))];
            let ev = format!("{evidence};port={}/{}", p.protocol, p.portid);
            let vars = root.vars([("host", &host_facts), ("port", &port_facts)]);
            let judged = Judged { record: &Record::new(&parts), asset: &asset, evidence: &ev };
            judge_all(cx, &port_rules, &vars, &ctx, &judged, out);
        }
    }
}

/// Why the system's hosts have no usable scan, if they have none.
fn coverage_gap(cx: &SystemCx) -> Option<Text> {
    let declared: Vec<String> = cx.system.assets.hosts.iter().map(ToString::to_string).collect();
    let declared = declared.join(", ");
    if cx.evidence.nmap.is_empty() {
        return Some(Text::new(
            format!("no nmap scan was given, so the exposure of {declared} is not known (use --nmap)"),
            format!("không có kết quả quét nmap nên chưa biết mức độ phơi nhiễm của {declared} (dùng --nmap)"),
        ));
    }
    if cx.hosts.is_empty() {
        return Some(Text::new(
            format!("no host in the nmap scans matches this system's assets ({declared})"),
            format!("không có máy nào trong kết quả quét nmap thuộc tài sản của hệ thống ({declared})"),
        ));
    }
    None
}

/// Why a scanned host's evidence is too old (or too new) for the evaluation date, if it is.
fn staleness(cx: &SystemCx, host: &ScannedHost) -> Option<Text> {
    let missing = Text::new(
        "the scan has no start time, so its age cannot be judged",
        "kết quả quét không có thời điểm bắt đầu nên không xác định được độ cũ",
    );
    age_problem(cx, host.observed.and_then(crate::dates::date_of_unix), ("scanned", "quét"), missing)
}
