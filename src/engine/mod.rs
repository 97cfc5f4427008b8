//! The engine: systems × required controls × rules × evidence → findings and statuses.
//!
//! It does no network I/O and reads only evidence that was already collected, so the same inputs
//! and the same `--as-of` date always give the same result, in the same order. A control that
//! evidence cannot show is `unknown`, never `pass`: an unmeasured target, a missing or stale
//! attestation, or an old scan all say "we do not know".

pub mod checks;
mod control;
mod facts;
mod host_index;
mod host_rules;
mod hosts;
mod judge;
mod memo;
pub mod messages;
pub mod model;
mod probes;
mod record;
pub mod references;
pub mod regime;
mod rules_eval;
pub mod transition;

pub use control::Selection;
pub use model::*;

use crate::evidence::nmap::{NmapInput, ScannedHost};
use crate::i18n::Text;
use crate::inventory::{Agency, Inventory, System};
use crate::policy::{Catalogue, Policy, Profile};
use std::collections::HashMap;
use time::Date;

/// Evidence given to an evaluation.
#[derive(Debug, Default)]
pub struct Evidence {
    pub nmap: Vec<NmapInput>,
    /// Evidence files of live probes (`tuanthu/evidence/v1`).
    pub probes: Vec<crate::evidence::file::EvidenceInput>,
}

/// Settings of one evaluation.
#[derive(Debug, Clone)]
pub struct Options {
    /// The evaluation date: attestation staleness, waiver expiry and evidence age are judged at it.
    pub as_of: Date,
    /// Overrides the catalogue's maximum evidence age.
    pub max_evidence_age_days: Option<u32>,
    /// Evaluate every system under this catalogue (a preview of another regime).
    pub catalogue: Option<String>,
}

/// Evaluates every system of the inventory.
///
/// The policy and inventory must have passed [`references::check`]; a system whose catalogue or
/// profile is missing anyway is reported with every control unknown rather than skipped.
pub fn evaluate(inv: &Inventory, policy: &Policy, evidence: &Evidence, opts: &Options) -> Assessment {
    let work: Vec<(&Agency, &System)> = inv.systems().collect();
    let index = host_index::HostIndex::new(evidence);
    // Probe records are prepared once here and shared by every system that declares them.
    let systems: Vec<&System> = work.iter().map(|(_, s)| *s).collect();
    let probes = probes::ProbeIndex::new(&evidence.probes, &systems, opts.as_of);
    let values = probes.values();
    let host_records = hosts::HostRecords::new(&evidence.probes);
    let selections = host_rules::Selections::new(&policy.rules, &evidence.probes);
    let memo = memo::Memo::default();
    // `params` is the same for every system of a profile: its facts and their rule-language
    // value are built once per profile, not once per system.
    let params: Vec<serde_json::Value> = policy.profiles.iter().map(|p| facts::params(&p.params)).collect();
    let param_vals: Vec<_> = params.iter().map(crate::policy::rules::to_val).collect();
    let shared = Shared {
        params: &params,
        param_vals: &param_vals,
        memo: &memo,
        index: &index,
        probes: &probes,
        values: &values,
        host_records: &host_records,
        selections: &selections,
    };
    let results = crate::par::map(&work, |(a, s)| evaluate_system(a, s, policy, evidence, &shared, opts));
    let mut by_agency: Vec<AgencyResult> = inv
        .agencies
        .iter()
        .map(|a| AgencyResult { id: a.id.clone(), name: a.name.clone(), systems: Vec::new() })
        .collect();
    let index: HashMap<&str, usize> = inv.agencies.iter().enumerate().map(|(i, a)| (a.id.as_str(), i)).collect();
    for ((a, _), r) in work.iter().zip(results) {
        by_agency[index[a.id.as_str()]].systems.push(r);
    }
    Assessment {
        as_of: opts.as_of,
        agencies: by_agency,
        unregistered: unregistered(evidence, &crate::inventory::Scope::of(inv)),
        inputs: inputs(evidence),
        rules_digest: policy.rules.digest(),
        catalogues: policy.catalogues.iter().map(|c| (c.id.clone(), c.version.clone())).collect(),
    }
}

/// What every system's evaluation reads, built once per evaluation.
struct Shared<'a> {
    index: &'a host_index::HostIndex,
    probes: &'a probes::ProbeIndex,
    values: &'a probes::ProbeValues<'a>,
    host_records: &'a hosts::HostRecords,
    selections: &'a host_rules::Selections,
    memo: &'a memo::Memo,
    /// `params` of each profile of the policy, in the policy's order.
    params: &'a [serde_json::Value],
    param_vals: &'a [Box<dyn cel::common::value::Val + 'a>],
}

/// Everything needed to judge one system.
pub(crate) struct SystemCx<'a> {
    pub agency: &'a Agency,
    pub system: &'a System,
    pub catalogue: &'a Catalogue,
    pub profile: &'a Profile,
    pub policy: &'a Policy,
    pub evidence: &'a Evidence,
    pub probes: &'a probes::ProbeIndex,
    pub probe_values: &'a probes::ProbeValues<'a>,
    pub hosts: Vec<(&'a NmapInput, &'a ScannedHost)>,
    /// Declared host assets that no scanned host seen up covers.
    pub host_gaps: Vec<String>,
    /// The system's attestations by control id (the first one wins, as in the file).
    pub attestations: HashMap<&'a str, &'a crate::inventory::Attestation>,
    pub as_of: Date,
    pub max_age_days: u32,
    /// `--max-evidence-age`: shortens every maximum age, never lengthens one.
    pub max_age_override: Option<u32>,
    pub host_records: &'a hosts::HostRecords,
    pub selections: &'a host_rules::Selections,
    /// Verdicts of this evaluation's rules on distinct records, shared by every system.
    pub memo: &'a memo::Memo,
    /// The declared hosts as host evidence is matched to them.
    pub units: Vec<hosts::Unit>,
    /// Declared networks none of whose addresses was seen up, and why that matters.
    pub unit_gaps: Vec<(String, Text)>,
    /// The profile's `params` facts and their rule-language value, shared by its systems.
    pub params: (&'a serde_json::Value, &'a (dyn cel::common::value::Val + 'a)),
}

impl SystemCx<'_> {
    /// How many days a host record of `kind` counts at this level: the profile's parameter for
    /// the kind (`host_audit_max_age_days`, `vulnerability_scan_max_age_days`,
    /// `agent_evidence_max_age_days`), else the catalogue's evidence age; `--max-evidence-age`
    /// may shorten it.
    pub fn host_max_age(&self, kind: &crate::evidence::RecordKind) -> u32 {
        use crate::evidence::RecordKind;
        let param = match kind {
            RecordKind::HostAudit => "host_audit_max_age_days",
            RecordKind::Vulnerabilities => "vulnerability_scan_max_age_days",
            _ => "agent_evidence_max_age_days",
        };
        let days = self.param_days(param).unwrap_or(self.catalogue.defaults.evidence_max_age_days);
        self.max_age_override.map_or(days, |o| o.min(days))
    }

    /// A profile parameter that is a whole number of days.
    pub fn param_days(&self, name: &str) -> Option<u32> {
        self.profile.params.get(name).and_then(serde_json::Value::as_u64).and_then(|d| u32::try_from(d).ok())
    }
}

fn evaluate_system(
    agency: &Agency,
    system: &System,
    policy: &Policy,
    evidence: &Evidence,
    shared: &Shared,
    opts: &Options,
) -> SystemResult {
    let regime = regime::select(agency, system, policy, opts.catalogue.as_deref(), opts.as_of);
    let found = policy.catalogue(&regime.catalogue).zip(policy.profile(&regime.catalogue, system.level));
    let Some((catalogue, profile)) = found else {
        return unevaluable(system, regime);
    };
    let Some(at) = policy.profiles.iter().position(|p| std::ptr::eq(p, profile)) else {
        // invariant: `profile` was found among the policy's profiles just above.
        return unevaluable(system, regime);
    };
    let matched = shared.index.matched(system, evidence, opts.as_of);
    let cx = SystemCx {
        agency,
        system,
        catalogue,
        profile,
        policy,
        evidence,
        probes: shared.probes,
        probe_values: shared.values,
        hosts: matched.hosts,
        host_gaps: matched.gaps,
        attestations: system.attestations.iter().rev().map(|a| (a.control.as_str(), a)).collect(),
        as_of: opts.as_of,
        max_age_days: opts.max_evidence_age_days.unwrap_or(catalogue.defaults.evidence_max_age_days),
        max_age_override: opts.max_evidence_age_days,
        host_records: shared.host_records,
        selections: shared.selections,
        memo: shared.memo,
        units: Vec::new(),
        unit_gaps: Vec::new(),
        params: (&shared.params[at], shared.param_vals[at].as_ref()),
    };
    let (mut units, unit_gaps) = hosts::units(&cx);
    shared.host_records.enrich(&evidence.probes, &mut units);
    let cx = SystemCx { units, unit_gaps, ..cx };
    let sel = control::required_controls(&cx);
    let mut rule_results = rules_eval::evaluate_rules(&cx, &sel.required, &sel.optional);
    let ids = sel.required.iter().map(|(id, _)| id).chain(&profile.obligations).chain(&sel.optional);
    let mut readers = control::Readers::count(&cx, ids.map(String::as_str));
    let mut judge = |id: &String, tailored: bool| control::judge(&cx, id, tailored, &mut rule_results, &mut readers);
    let controls: Vec<_> = sel.required.iter().map(|(id, tailored)| judge(id, *tailored)).collect();
    let obligations: Vec<_> = profile.obligations.iter().map(|id| judge(id, false)).collect();
    let optional = sel.optional.iter().map(|id| judge(id, false)).collect();
    let transition = regime.transition.map(|t| transition::result(&cx, &t, &controls, &obligations));
    let evidence_judged = rule_results
        .iter()
        .filter(|(id, _)| policy.rules.get(id).is_some_and(|r| r.evidence.is_measured()))
        .map(|(_, r)| r.judged)
        .sum();
    SystemResult {
        id: system.id.clone(),
        name: system.name.clone(),
        level: system.level,
        catalogue: regime.catalogue,
        catalogue_rule: regime.rule,
        catalogue_reason: regime.reason,
        approval: system.approval.status,
        controls,
        obligations,
        optional,
        tailoring: sel.tailoring,
        transition,
        registration: Registration::of(system),
        evidence_judged,
    }
}

/// A system whose catalogue or profile does not exist: nothing can be shown, so nothing passes.
fn unevaluable(system: &System, regime: regime::Regime) -> SystemResult {
    let cat_id = regime.catalogue;
    let msg = Text::new(
        format!("no profile for level {} in catalogue `{cat_id}`: nothing can be evaluated", system.level),
        format!("không có hồ sơ yêu cầu cấp độ {} trong danh mục `{cat_id}`: không đánh giá được", system.level),
    );
    SystemResult {
        id: system.id.clone(),
        name: system.name.clone(),
        level: system.level,
        catalogue: cat_id.clone(),
        catalogue_rule: regime.rule,
        catalogue_reason: regime.reason,
        approval: system.approval.status,
        controls: vec![ControlResult {
            id: format!("{cat_id}/level-{}", system.level).into(),
            status: Status::Unknown,
            basis: Basis::None,
            waived_status: None,
            waiver: None,
            tailored: false,
            findings: vec![Finding {
                rule: Source::Profile,
                outcome: Outcome::Unknown,
                severity: None,
                asset: None,
                message: msg.into(),
                evidence: None,
                observed: Default::default(),
            }],
            verification: None,
            caveat: None,
        }],
        obligations: Vec::new(),
        optional: Vec::new(),
        tailoring: Vec::new(),
        transition: None,
        registration: Registration::of(system),
        evidence_judged: 0,
    }
}

fn unregistered(evidence: &Evidence, scope: &crate::inventory::Scope) -> Vec<UnregisteredAsset> {
    let hosts = hosts::HostRecords::unregistered(&evidence.probes, scope);
    let mut out: Vec<UnregisteredAsset> = evidence
        .nmap
        .iter()
        .flat_map(|i| i.unregistered.iter())
        .map(|u| UnregisteredAsset {
            address: u.address.clone(),
            seen_in: u.seen_in.clone(),
            open_ports: u.open_ports.clone(),
        })
        .chain(hosts)
        .collect();
    out.sort_by(|a, b| (&a.address, &a.seen_in).cmp(&(&b.address, &b.seen_in)));
    out
}

fn inputs(evidence: &Evidence) -> Vec<InputInfo> {
    let one_line = |t: &Text| t.map(crate::sanitize::one_line);
    let nmap = evidence.nmap.iter().map(|i| {
        let texts = InputTexts {
            error: i.error.as_ref().map(one_line),
            note: (i.error.is_none() && !i.run.complete).then(|| {
                Text::new(
                    "no <runstats>: the scan may have been interrupted; hosts it did not reach are not covered",
                    "không có <runstats>: lần quét có thể đã bị ngắt; các máy chưa quét tới không được tính",
                )
            }),
        };
        InputInfo {
            file: i.file.clone(),
            kind: "nmap",
            partial: i.partial(),
            observed_at: i
                .run
                .start
                .and_then(|s| time::OffsetDateTime::from_unix_timestamp(s).ok())
                .map(crate::dates::rfc3339),
            hosts_matched: i.hosts.len(),
            // Hosts read from the file: 0 means the file held no scan at all.
            records: Some(usize::try_from(i.run.hosts_parsed).unwrap_or(usize::MAX)),
            ..InputInfo::with(texts)
        }
    });
    let probes = evidence.probes.iter().map(|i| {
        let texts = InputTexts {
            error: i.fatal.clone().or_else(|| (!i.problems.is_empty()).then(|| Text::join(&i.problems, "; "))),
            // Records kept but not evaluated (unknown kinds or error classes) are said, not hidden.
            note: (!i.warnings.is_empty()).then(|| one_line(&Text::join(&i.warnings, "; "))),
        };
        InputInfo {
            file: i.file.clone(),
            kind: "evidence",
            partial: i.partial || i.fatal.is_some(),
            // Copied only when it is a valid timestamp: the report promises RFC 3339 here.
            observed_at: i
                .started_at
                .as_deref()
                .and_then(|t| time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok())
                .map(crate::dates::rfc3339),
            hosts_matched: 0,
            records: Some(i.records.len()),
            ..InputInfo::with(texts)
        }
    });
    nmap.chain(probes).collect()
}
