//! Rules over probe evidence (`tls`, `http`, `ssh` and `dns` records of evidence files): each declared
//! TLS endpoint, URL, SSH endpoint and domain of a system is judged on its newest record. A declared target without a
//! record, with an error record (the probe could not measure it) or with a record older than the
//! maximum evidence age is `unknown`, never `pass`.

use super::SystemCx;
use super::judge::{
    Base, Judged, RuleResult, Shared, age_problem, judge_all, mark_not_applicable, unknown, unknown_for_all,
};
use super::model::Source;
use super::record::{Part, Record as Facts};
use crate::evidence::{Record, RecordKind};
use crate::i18n::Text;
use crate::inventory::{System, same_name_key};
use crate::policy::rules::{EvidenceKind, Rule, to_val};
use cel::common::value::Val;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::Arc;
use time::Date;

/// Where a record is: (input index, record index).
type At = (usize, usize);

/// Probe records indexed by kind and normalised target, built once per evaluation, with the
/// facts rules see of each usable record of a declared target. Many systems may declare one
/// target (a shared portal): its record's facts are prepared here once and shared by all of them,
/// never copied per system; records of targets no system declares are not prepared at all.
#[derive(Default)]
pub struct ProbeIndex {
    by_target: HashMap<(EvidenceKind, String), Vec<At>>,
    /// [`record_facts`] of every `tls`/`http`/`ssh` record without error of a declared target.
    facts: HashMap<At, Value>,
}

impl ProbeIndex {
    pub fn new(inputs: &[crate::evidence::file::EvidenceInput], systems: &[&System], as_of: Date) -> ProbeIndex {
        let declared: HashSet<(EvidenceKind, String)> = systems
            .iter()
            .flat_map(|s| {
                let tls = tls_targets(s).into_iter().map(|t| (EvidenceKind::Tls, t.target));
                let ssh = ssh_targets(s).into_iter().map(|t| (EvidenceKind::Ssh, t.target));
                let dns = dns_targets(s).into_iter().map(|t| (EvidenceKind::Dns, t.target));
                tls.chain(http_targets(s).into_iter().map(|t| (EvidenceKind::Http, t.target))).chain(ssh).chain(dns)
            })
            .map(|(kind, target)| (kind, normalise(kind, &target)))
            .collect();
        let mut by_target: HashMap<(EvidenceKind, String), Vec<At>> = HashMap::new();
        let mut facts = HashMap::new();
        for (i, input) in inputs.iter().enumerate() {
            for (r, rec) in input.records.iter().enumerate() {
                let kind = match rec.kind() {
                    RecordKind::Tls => EvidenceKind::Tls,
                    RecordKind::Http => EvidenceKind::Http,
                    RecordKind::Ssh => EvidenceKind::Ssh,
                    RecordKind::Dns => EvidenceKind::Dns,
                    _ => continue,
                };
                let key = (kind, normalise(kind, &rec.target));
                if rec.error().is_none() && declared.contains(&key) {
                    facts.insert((i, r), record_facts(rec, as_of));
                }
                by_target.entry(key).or_default().push((i, r));
            }
        }
        ProbeIndex { by_target, facts }
    }

    /// The rule-language values of the prepared facts, converted once for every system.
    pub fn values(&self) -> ProbeValues<'_> {
        ProbeValues { vals: self.facts.iter().map(|(at, f)| (*at, to_val(f))).collect() }
    }

    /// The record to judge a target on: the newest observed no later than the evaluation date
    /// (re-running a past period ignores later evidence), else the newest (which the age check
    /// then reports). A target pinned to an address only accepts records measured at it.
    fn best<'a>(&self, cx: &'a SystemCx, kind: EvidenceKind, target: &Target) -> Option<(At, &'a str, &'a Record)> {
        let list = self.by_target.get(&(kind, normalise(kind, &target.target)))?;
        let at_pin = |rec: &Record| match target.address {
            None => true,
            Some(pin) => rec.address.as_deref().and_then(|a| a.parse::<IpAddr>().ok()) == Some(pin),
        };
        // An unpinned entry prefers records not taken at a sibling entry's pin: those measured
        // one node, not what the name resolves to (they are used only when nothing else exists).
        let own = |rec: &Record| {
            let at = rec.address.as_deref().and_then(|a| a.parse::<IpAddr>().ok());
            !at.is_some_and(|a| target.sibling_pins.contains(&a))
        };
        let rank = |rec: &Record| {
            let t = rec.observed();
            (t.is_some_and(|t| t.date() <= cx.as_of), own(rec), t)
        };
        list.iter()
            .map(|&(i, r)| ((i, r), cx.evidence.probes[i].file.as_str(), &cx.evidence.probes[i].records[r]))
            .filter(|(_, _, rec)| at_pin(rec))
            .max_by_key(|(_, _, rec)| rank(rec))
    }
}

/// The prepared facts of [`ProbeIndex`] as rule-language values, shared by every system's rules.
pub struct ProbeValues<'a> {
    vals: HashMap<At, Box<dyn Val + 'a>>,
}

/// A declared probe target: its name (`host:port` or URL) and, when pinned, the address it must
/// be measured at.
pub struct Target {
    pub target: String,
    pub address: Option<IpAddr>,
    /// For an unpinned entry: the pins of the system's other entries with the same name.
    pub sibling_pins: Vec<IpAddr>,
}

impl Target {
    /// How findings name it: a pinned entry is its own target, so two nodes behind one name are
    /// judged separately.
    fn label(&self) -> String {
        match self.address {
            Some(a) => format!("{} @ {a}", self.target),
            None => self.target.clone(),
        }
    }
}

/// Targets compare by DNS name case-insensitively; URLs by their parsed form.
pub fn normalise(kind: EvidenceKind, target: &str) -> String {
    match kind {
        EvidenceKind::Http => url::Url::parse(target).map(|u| u.to_string()).unwrap_or_else(|_| target.to_string()),
        _ => match target.rsplit_once(':') {
            Some((host, port)) => {
                format!("{}:{port}", same_name_key(host.trim_start_matches('[').trim_end_matches(']')))
            }
            None => same_name_key(target),
        },
    }
}

/// The system's TLS endpoints (`host:port`): declared ones, and those its https URLs imply.
pub fn tls_targets(s: &System) -> Vec<Target> {
    with_sibling_pins(
        EvidenceKind::Tls,
        s.assets.tls_endpoints().into_iter().map(|t| (t.target(), t.address)).collect(),
    )
}

pub fn http_targets(s: &System) -> Vec<Target> {
    with_sibling_pins(EvidenceKind::Http, s.assets.urls.iter().map(|u| (u.url.to_string(), u.address)).collect())
}

/// The system's SSH endpoints (`host:port`).
pub fn ssh_targets(s: &System) -> Vec<Target> {
    with_sibling_pins(EvidenceKind::Ssh, s.assets.ssh.iter().map(|t| (t.target(), t.address)).collect())
}

/// The system's declared domains (never pinned: a domain is asked of a resolver).
pub fn dns_targets(s: &System) -> Vec<Target> {
    with_sibling_pins(EvidenceKind::Dns, s.assets.domains.iter().map(|d| (d.clone(), None)).collect())
}

fn with_sibling_pins(kind: EvidenceKind, entries: Vec<(String, Option<IpAddr>)>) -> Vec<Target> {
    let keys: Vec<String> = entries.iter().map(|(t, _)| normalise(kind, t)).collect();
    entries
        .iter()
        .enumerate()
        .map(|(i, (target, address))| {
            let sibling_pins = match address {
                Some(_) => Vec::new(),
                None => {
                    entries.iter().zip(&keys).filter(|(_, k)| **k == keys[i]).filter_map(|((_, a), _)| *a).collect()
                }
            };
            Target { target: target.clone(), address: *address, sibling_pins }
        })
        .collect()
}

/// Runs `rules` (all of one probe kind) over the system's targets of that kind.
pub fn run(
    cx: &SystemCx,
    index: &ProbeIndex,
    root: &Base,
    kind: EvidenceKind,
    rules: &[&Rule],
    out: &mut HashMap<Arc<str>, RuleResult>,
) {
    let targets = match kind {
        EvidenceKind::Tls => tls_targets(cx.system),
        EvidenceKind::Ssh => ssh_targets(cx.system),
        EvidenceKind::Dns => dns_targets(cx.system),
        _ => http_targets(cx.system),
    };
    if targets.is_empty() {
        mark_not_applicable(rules, out);
        return;
    }
    let name = kind.as_str();
    let gap = |target: &str, evidence: Option<String>, why: Text, out: &mut HashMap<Arc<str>, RuleResult>| {
        unknown_for_all(rules, out, &unknown(Source::Kind(name), Some(target.to_string()), why, evidence));
    };
    for t in &targets {
        let target = t.label();
        let target = target.as_str();
        let Some((at, file, rec)) = index.best(cx, kind, t) else {
            let why = if cx.evidence.probes.is_empty() {
                Text::new(
                    format!(
                        "no evidence file was given, so {target} was not measured (use --evidence with a file from a TLS/HTTP/SSH/DNS probe run)"
                    ),
                    format!(
                        "không có tệp bằng chứng nên {target} chưa được đo (dùng --evidence với tệp kết quả đo TLS/HTTP/SSH/DNS)"
                    ),
                )
            } else {
                Text::new(
                    format!("no {name} evidence for {target}"),
                    format!("không có bằng chứng {name} cho {target}"),
                )
            };
            gap(target, None, why, out);
            continue;
        };
        let evidence = format!("{file}#{}", rec.position);
        if let Some(err) = rec.error() {
            let (class, msg) = (crate::sanitize::one_line(err.class.as_str()), crate::sanitize::one_line(&err.message));
            gap(
                target,
                Some(evidence),
                Text::new(
                    format!("{target} could not be measured: {class}: {msg}"),
                    format!("không đo được {target}: {class}: {msg}"),
                ),
                out,
            );
            continue;
        }
        if let Some(why) = too_old(cx, rec) {
            gap(target, Some(evidence), why, out);
            continue;
        }
        let (Some(facts), Some(val)) = (index.facts.get(&at), cx.probe_values.vals.get(&at)) else {
            // invariant: every record without error has prepared facts and values; say so if not.
            let why =
                Text::new("internal error: the record was not prepared", "lỗi nội bộ: bản ghi chưa được chuẩn bị");
            gap(target, Some(evidence), why, out);
            continue;
        };
        let shared = Shared { name, val: val.as_ref() };
        let ctx = std::cell::LazyCell::new(|| {
            let mut ctx = root.ctx.new_inner_scope();
            ctx.set_variable_resolver(&shared);
            ctx
        });
        let parts = [(name, Part::Facts(facts)), ("asset", Part::Text(target))];
        let vars = root.vars([(name, facts)]);
        let judged = Judged { record: &Facts::new(&parts), asset: target, evidence: &evidence };
        judge_all(cx, rules, &vars, &ctx, &judged, out);
    }
}

/// The facts a rule sees: the record's facts, its target, and values that depend on the
/// evaluation date (certificate days left), computed here so that `--as-of` governs them.
fn record_facts(rec: &Record, as_of: Date) -> Value {
    let mut facts = rec.facts().map_or_else(|| json!({}), crate::evidence::Facts::to_value);
    if let Value::Object(m) = &mut facts {
        m.insert("target".into(), json!(rec.target));
        m.insert("address".into(), json!(rec.address.clone().unwrap_or_default()));
        m.insert("sni".into(), json!(rec.sni.clone().unwrap_or_default()));
        // The deprecated versions the endpoint accepted, named, so a finding says which.
        let offered = legacy_offered(m.get("protocols"));
        m.insert("offered_legacy_text".into(), json!(offered.join(", ")));
        m.insert("offered_legacy".into(), json!(offered));
        if let Some(Value::Object(cert)) = m.get_mut("certificate") {
            let not_after = cert
                .get("not_after")
                .and_then(|v| v.as_str())
                .and_then(|s| time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok());
            if let Some(na) = not_after {
                cert.insert("days_left".into(), json!((na.date() - as_of).whole_days()));
            }
        }
    }
    facts
}

/// The deprecated SSL/TLS versions `protocols` marks as accepted, oldest first ("SSL 3.0").
fn legacy_offered(protocols: Option<&Value>) -> Vec<&'static str> {
    const LEGACY: [(&str, &str); 4] =
        [("ssl2", "SSL 2.0"), ("ssl3", "SSL 3.0"), ("tls1.0", "TLS 1.0"), ("tls1.1", "TLS 1.1")];
    LEGACY
        .iter()
        .filter(|(key, _)| protocols.and_then(|p| p.get(key)).and_then(Value::as_bool) == Some(true))
        .map(|(_, name)| *name)
        .collect()
}

fn too_old(cx: &SystemCx, rec: &Record) -> Option<Text> {
    let missing = Text::new(
        "the record has no valid `observed_at` time, so its age cannot be judged",
        "bản ghi không có thời điểm `observed_at` hợp lệ nên không xác định được độ cũ",
    );
    age_problem(cx, rec.observed().map(|t| t.date()), ("observed", "đo"), missing)
}
