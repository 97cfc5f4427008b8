//! Reading inventory files: YAML documents → checked [`Inventory`].

use super::assets::{HostAsset, PortSpec, TlsAsset, UrlAsset};
use super::model::*;
use super::tailoring;
use crate::diag::{Collector, Problem, Problems};
use serde::{Deserialize, Deserializer};
use serde_saphyr::{Location, Spanned};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub const SCHEMA: &str = "tuanthu/inventory/v1";

// ---- the document as written -----------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct InventoryDoc {
    schema: Spanned<String>,
    agency: AgencyDoc,
    #[serde(default)]
    systems: Vec<Spanned<SystemDoc>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AgencyDoc {
    id: Spanned<String>,
    name: String,
    #[serde(default)]
    parent: Option<String>,
    #[serde(default)]
    catalogue: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SystemDoc {
    id: Spanned<String>,
    name: String,
    level: Spanned<crate::yaml::Scalar>,
    #[serde(default)]
    catalogue: Option<Spanned<String>>,
    approval: Spanned<ApprovalDoc>,
    #[serde(default)]
    tailoring: Vec<Spanned<String>>,
    #[serde(default)]
    owner: Option<String>,
    #[serde(default)]
    operator: Option<String>,
    #[serde(default)]
    regulation: Option<String>,
    #[serde(default)]
    expected_approval: Option<Spanned<String>>,
    #[serde(default)]
    expected_completion: Option<Spanned<String>>,
    #[serde(default)]
    assessments: Vec<Spanned<AssessmentDoc>>,
    #[serde(default)]
    construction_started: Option<Spanned<String>>,
    #[serde(default)]
    operating_since: Option<Spanned<String>>,
    #[serde(default)]
    incidents: Vec<Spanned<IncidentDoc>>,
    #[serde(default)]
    assets: AssetsDoc,
    #[serde(default)]
    attestations: SpannedMap<AttestationDoc>,
    #[serde(default)]
    waivers: Vec<Spanned<WaiverDoc>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ApprovalDoc {
    status: ApprovalStatus,
    #[serde(default)]
    decision: Option<String>,
    #[serde(default)]
    date: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AssessmentDoc {
    kind: AssessmentKind,
    date: Spanned<String>,
    #[serde(default)]
    by: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IncidentDoc {
    #[serde(default)]
    id: Option<String>,
    detected: Spanned<String>,
    severity: IncidentSeverity,
    #[serde(default)]
    notified: Option<Spanned<String>>,
    #[serde(default)]
    reported: Option<Spanned<String>>,
    #[serde(default)]
    reference: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AssetsDoc {
    #[serde(default)]
    hosts: Vec<Spanned<String>>,
    #[serde(default)]
    urls: Vec<Spanned<UrlEntry>>,
    #[serde(default)]
    tls: Vec<Spanned<TlsEntry>>,
    #[serde(default)]
    ssh: Vec<Spanned<TlsEntry>>,
    #[serde(default)]
    allowed_ports: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum UrlEntry {
    Plain(String),
    Pinned(PinnedUrl),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PinnedUrl {
    url: String,
    address: String,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum TlsEntry {
    Plain(String),
    Pinned(PinnedTls),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PinnedTls {
    target: String,
    address: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AttestationDoc {
    status: AttestationStatus,
    #[serde(default)]
    evidence: Option<String>,
    #[serde(default)]
    reviewed: Option<Spanned<String>>,
    #[serde(default)]
    reason: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WaiverDoc {
    control: String,
    reason: Option<String>,
    #[serde(default)]
    approved_by: Option<String>,
    expires: Option<Spanned<String>>,
}

/// A YAML mapping kept in file order, with the position of every key.
#[derive(Debug)]
struct SpannedMap<V>(Vec<(Spanned<String>, V)>);

impl<V> Default for SpannedMap<V> {
    fn default() -> Self {
        SpannedMap(Vec::new())
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for SpannedMap<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit<V>(std::marker::PhantomData<V>);
        impl<'de, V: Deserialize<'de>> serde::de::Visitor<'de> for Visit<V> {
            type Value = SpannedMap<V>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a mapping from control id to attestation")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(k) = m.next_key::<Spanned<String>>()? {
                    out.push((k, m.next_value::<V>()?));
                }
                Ok(SpannedMap(out))
            }
        }
        d.deserialize_map(Visit(std::marker::PhantomData))
    }
}

// ---- loading ------------------------------------------------------------------------------------

/// What `load_paths` read: the inventory, plus the files it skipped because they are another kind
/// of tuanthu file (tailoring files beside the inventory), so callers can report them.
#[derive(Debug, Default)]
pub struct InventoryFiles {
    pub inventory: Inventory,
    pub files: Vec<String>,
}

/// Loads inventory files and directories (every `*.yaml` whose `schema:` is the inventory's).
/// `tailoring_dirs` are searched for tailoring files after each inventory file's own directory;
/// tailoring names stay inside the folder they are looked up in (see [`load_paths_with`]).
pub fn load_paths(paths: &[PathBuf], tailoring_dirs: &[PathBuf]) -> Result<InventoryFiles, Problems> {
    load_paths_with(paths, &tailoring::Lookup { dirs: tailoring_dirs.to_vec(), allow_outside: false })
}

/// [`load_paths`] with the tailoring lookup spelled out: `lookup.dirs` follow each inventory
/// file's own folder, and `lookup.allow_outside` lets names leave those folders.
pub fn load_paths_with(paths: &[PathBuf], lookup: &tailoring::Lookup) -> Result<InventoryFiles, Problems> {
    let mut p = Collector::default();
    p.extend(tailoring::check_dirs(&lookup.dirs));
    let mut out = InventoryFiles::default();
    let mut by_agency: HashMap<String, usize> = HashMap::new();
    for path in expand(paths, &mut p) {
        let origin = path.display().to_string();
        let text = match crate::yaml::read_text(&path) {
            Ok(t) => t,
            Err(e) => {
                p.push(e);
                continue;
            }
        };
        if path_is_dir_member(&path, paths) && crate::yaml::schema_of(&origin, &text).is_ok_and(|s| s != SCHEMA) {
            continue; // a tailoring or other tuanthu file inside an inventory directory
        }
        // `inv.yaml` (and `-`, standard input) have an empty parent: the current folder.
        let own = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let mut here = tailoring::Lookup { dirs: vec![own.to_path_buf()], allow_outside: lookup.allow_outside };
        here.dirs.extend(lookup.dirs.iter().cloned());
        match parse_file_with(&origin, &text, &here) {
            Ok(agency) => merge(&mut out.inventory, &mut by_agency, agency, &mut p),
            Err(e) => p.extend(e),
        }
        out.files.push(origin);
    }
    if out.files.is_empty() && p.is_empty() {
        p.push(Problem::file(
            paths.iter().map(|x| x.display().to_string()).collect::<Vec<_>>().join(", "),
            "no inventory file found (expected YAML files with `schema: tuanthu/inventory/v1`)",
        ));
    }
    p.finish(out)
}

fn path_is_dir_member(path: &Path, given: &[PathBuf]) -> bool {
    !given.iter().any(|g| g == path)
}

fn expand(paths: &[PathBuf], p: &mut Collector) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            match crate::policy::bundle::yaml_files(path) {
                Ok(files) => out.extend(files),
                Err(e) => p.push(Problem::file(path.display().to_string(), e)),
            }
        } else {
            out.push(path.clone());
        }
    }
    out
}

fn merge(inv: &mut Inventory, by_agency: &mut HashMap<String, usize>, agency: Agency, p: &mut Collector) {
    let Some(&i) = by_agency.get(&agency.id) else {
        by_agency.insert(agency.id.clone(), inv.agencies.len());
        inv.agencies.push(agency);
        return;
    };
    let existing = &mut inv.agencies[i];
    // The same agency split over several files must describe itself identically: its catalogue
    // is the default of every system, so a silent choice could judge systems under the wrong regime.
    let fields = [
        ("name", Some(&existing.name), Some(&agency.name)),
        ("catalogue", existing.catalogue.as_ref(), agency.catalogue.as_ref()),
        ("parent", existing.parent.as_ref(), agency.parent.as_ref()),
    ];
    for (field, first, here) in fields {
        if first != here {
            let show = |v: Option<&String>| v.map(|s| format!("`{s}`")).unwrap_or_else(|| "absent".into());
            p.push(Problem::file(
                agency.files.join(", "),
                format!(
                    "agency {}: `{field}` is {} here but {} in {}",
                    agency.id,
                    show(here),
                    show(first),
                    existing.files.join(", ")
                ),
            ));
        }
    }
    for s in agency.systems {
        if let Some(prev) = existing.systems.iter().find(|x| x.id == s.id) {
            p.push(Problem::new(
                &s.origin.file,
                s.origin.line,
                s.origin.column,
                format!("duplicate system id `{}` in agency {} (first declared at {})", s.id, agency.id, prev.origin),
            ));
        } else {
            existing.systems.push(s);
        }
    }
    existing.files.extend(agency.files);
}

/// Parses and checks one inventory document; tailoring files are looked up in `tailoring_dirs`
/// and must stay inside them.
pub fn parse_file(origin: &str, text: &str, tailoring_dirs: &[PathBuf]) -> Result<Agency, Problems> {
    parse_file_with(origin, text, &tailoring::Lookup { dirs: tailoring_dirs.to_vec(), allow_outside: false })
}

/// [`parse_file`] with the tailoring lookup spelled out.
pub fn parse_file_with(origin: &str, text: &str, lookup: &tailoring::Lookup) -> Result<Agency, Problems> {
    let doc: InventoryDoc = crate::yaml::parse(origin, text)?;
    let mut cx = Cx { origin, text, p: Collector::default() };
    if doc.schema.value != SCHEMA {
        cx.err(doc.schema.referenced, format!("expected `schema: {SCHEMA}`, found `{}`", doc.schema.value));
    }
    check_id(&mut cx, &doc.agency.id, "agency id");
    let mut systems: Vec<System> = Vec::new();
    for s in doc.systems {
        if let Some(sys) = system(&mut cx, s, lookup) {
            if let Some(prev) = systems.iter().find(|x| x.id == sys.id) {
                let msg = format!("duplicate system id `{}` (first declared at line {})", sys.id, prev.origin.line);
                cx.p.push(Problem::new(origin, sys.origin.line, sys.origin.column, msg));
            } else {
                systems.push(sys);
            }
        }
    }
    let agency = Agency {
        id: doc.agency.id.value,
        name: doc.agency.name,
        parent: doc.agency.parent,
        catalogue: doc.agency.catalogue.map(|c| c.value),
        systems,
        files: vec![origin.to_string()],
    };
    cx.p.finish(agency)
}

/// Loading context: the file name, its text (integer fields are judged by their spelling) and the
/// problems found so far.
struct Cx<'a> {
    origin: &'a str,
    text: &'a str,
    p: Collector,
}

impl Cx<'_> {
    fn err(&mut self, at: Location, msg: impl std::fmt::Display) {
        self.p.push(Problem::at(self.origin, at, msg));
    }
    fn origin(&self, at: Location) -> Origin {
        Origin { file: self.origin.to_string(), line: at.line(), column: at.column() }
    }
    fn date(&mut self, s: &Spanned<String>) -> Option<time::Date> {
        crate::dates::parse(&s.value).map_err(|e| self.err(s.referenced, e)).ok()
    }
    fn datetime(&mut self, s: &Spanned<String>) -> Option<time::OffsetDateTime> {
        crate::dates::parse_datetime(&s.value).map_err(|e| self.err(s.referenced, e)).ok()
    }
}

fn check_id(cx: &mut Cx, id: &Spanned<String>, what: &str) {
    let ok = !id.value.is_empty()
        && id.value.len() <= 64
        && id.value.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !id.value.starts_with('-');
    if !ok {
        cx.err(
            id.referenced,
            format!("{what} `{}` must be lowercase letters, digits and hyphens ([a-z0-9-], at most 64)", id.value),
        );
    }
}

fn system(cx: &mut Cx, doc: Spanned<SystemDoc>, lookup: &tailoring::Lookup) -> Option<System> {
    let at = doc.referenced;
    let s = doc.value;
    check_id(cx, &s.id, "system id");
    let level = match crate::yaml::plain_int(cx.text, &s.level, "level") {
        Ok(n) => match u8::try_from(n) {
            Ok(l) if (1..=5).contains(&l) => l,
            _ => {
                cx.err(s.level.referenced, format!("level must be 1, 2, 3, 4 or 5 (Decree 85/2016), found {n}"));
                0
            }
        },
        Err(e) => {
            cx.err(s.level.referenced, e);
            0
        }
    };
    let approval = approval(cx, s.approval);
    let assessments = s
        .assessments
        .iter()
        .filter_map(|a| Some(Assessment { kind: a.value.kind, date: cx.date(&a.value.date)?, by: a.value.by.clone() }))
        .collect();
    let construction_started = s.construction_started.as_ref().and_then(|d| cx.date(d));
    let operating_since = s.operating_since.as_ref().and_then(|d| cx.date(d));
    let incidents = s.incidents.into_iter().filter_map(|i| incident(cx, i)).collect();
    let expected_approval = s.expected_approval.as_ref().and_then(|d| cx.date(d));
    let expected_completion = s.expected_completion.as_ref().and_then(|d| cx.date(d));
    let assets = assets(cx, s.assets);
    let attestations = attestations(cx, s.attestations);
    let waivers = waivers(cx, s.waivers);
    let tailoring = s.tailoring.iter().filter_map(|t| load_tailoring(cx, t, lookup)).collect();
    if level == 0 {
        return None;
    }
    Some(System {
        id: s.id.value,
        name: s.name,
        level,
        catalogue: s.catalogue.map(|c| c.value),
        approval,
        tailoring,
        owner: s.owner,
        operator: s.operator,
        regulation: s.regulation,
        expected_approval,
        expected_completion,
        assessments,
        construction_started,
        operating_since,
        incidents,
        assets,
        attestations,
        waivers,
        origin: cx.origin(at),
    })
}

/// An incident record; a notice or report dated before the detection is refused (the deadlines
/// are measured from the detection).
fn incident(cx: &mut Cx, doc: Spanned<IncidentDoc>) -> Option<Incident> {
    let at = doc.referenced;
    let i = doc.value;
    let detected = cx.datetime(&i.detected);
    let after = |cx: &mut Cx, t: &Option<Spanned<String>>, what: &str| {
        let t = t.as_ref()?;
        let v = cx.datetime(t)?;
        if detected.is_some_and(|d| v < d) {
            cx.err(t.referenced, format!("incident `{what}` is before `detected`"));
            return None;
        }
        Some(v)
    };
    let notified = after(cx, &i.notified, "notified");
    let reported = after(cx, &i.reported, "reported");
    Some(Incident {
        id: i.id,
        detected: detected?,
        severity: i.severity,
        notified,
        reported,
        reference: i.reference,
        origin: cx.origin(at),
    })
}

fn approval(cx: &mut Cx, doc: Spanned<ApprovalDoc>) -> Approval {
    let a = doc.value;
    let date = a.date.as_ref().and_then(|d| cx.date(d));
    if a.status == ApprovalStatus::Approved {
        if a.decision.as_deref().is_none_or(|d| d.trim().is_empty()) {
            cx.err(
                doc.referenced,
                "approval.status is `approved` but there is no `decision:` (decision number, e.g. \"123/QĐ-UBND\")",
            );
        }
        if a.date.is_none() {
            cx.err(doc.referenced, "approval.status is `approved` but there is no `date:` (decision date, YYYY-MM-DD)");
        }
    }
    Approval { status: a.status, decision: a.decision, date }
}

fn assets(cx: &mut Cx, a: AssetsDoc) -> Assets {
    let mut out = Assets::default();
    for h in &a.hosts {
        match HostAsset::parse(&h.value) {
            Ok(x) => out.hosts.push(x),
            Err(e) => cx.err(h.referenced, e),
        }
    }
    for u in &a.urls {
        let r = match &u.value {
            UrlEntry::Plain(s) => UrlAsset::parse(s, None),
            UrlEntry::Pinned(p) => UrlAsset::parse(&p.url, Some(&p.address)),
        };
        match r {
            Ok(x) => out.urls.push(x),
            Err(e) => cx.err(u.referenced, e),
        }
    }
    for t in &a.tls {
        let r = match &t.value {
            TlsEntry::Plain(s) => TlsAsset::parse(s, None),
            TlsEntry::Pinned(p) => TlsAsset::parse(&p.target, Some(&p.address)),
        };
        match r {
            Ok(x) => out.tls.push(x),
            Err(e) => cx.err(t.referenced, e),
        }
    }
    for t in &a.ssh {
        let r = match &t.value {
            TlsEntry::Plain(s) => TlsAsset::parse_ssh(s, None),
            TlsEntry::Pinned(p) => TlsAsset::parse_ssh(&p.target, Some(&p.address)),
        };
        match r {
            Ok(x) => out.ssh.push(x),
            Err(e) => cx.err(t.referenced, e),
        }
    }
    for port in &a.allowed_ports {
        match PortSpec::parse(&port.value) {
            Ok(x) => out.allowed_ports.push(x),
            Err(e) => cx.err(port.referenced, e),
        }
    }
    out
}

fn attestations(cx: &mut Cx, m: SpannedMap<AttestationDoc>) -> Vec<Attestation> {
    let mut out = Vec::new();
    for (key, a) in m.0 {
        if a.status == AttestationStatus::NotApplicable && a.reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
            cx.err(key.referenced, format!("attestation {}: `not-applicable` needs a `reason:`", key.value));
        }
        let reviewed = a.reviewed.as_ref().and_then(|d| cx.date(d));
        out.push(Attestation {
            control: key.value.clone(),
            status: a.status,
            evidence: a.evidence.filter(|e| !e.trim().is_empty()),
            reviewed,
            reason: a.reason,
            origin: cx.origin(key.referenced),
        });
    }
    out
}

fn waivers(cx: &mut Cx, list: Vec<Spanned<WaiverDoc>>) -> Vec<Waiver> {
    let mut out = Vec::new();
    for w in list {
        let at = w.referenced;
        let reason = w.value.reason.filter(|r| !r.trim().is_empty());
        if reason.is_none() {
            cx.err(at, format!("waiver for {} needs a `reason:`", w.value.control));
        }
        let expires = match &w.value.expires {
            Some(e) => cx.date(e),
            None => {
                cx.err(at, format!("waiver for {} needs `expires:` (a waiver is always temporary)", w.value.control));
                None
            }
        };
        if let (Some(reason), Some(expires)) = (reason, expires) {
            out.push(Waiver {
                control: w.value.control,
                reason,
                approved_by: w.value.approved_by,
                expires,
                origin: cx.origin(at),
            });
        }
    }
    out
}

fn load_tailoring(cx: &mut Cx, name: &Spanned<String>, lookup: &tailoring::Lookup) -> Option<tailoring::Tailoring> {
    let dirs = &lookup.dirs;
    let found =
        tailoring::find(&name.value, dirs, lookup.allow_outside).map_err(|e| cx.err(name.referenced, e)).ok()?;
    let Some(path) = found else {
        let looked: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
        cx.err(
            name.referenced,
            format!("tailoring `{}` not found (looked for {}.yaml in {})", name.value, name.value, looked.join(", ")),
        );
        return None;
    };
    match tailoring::load(&name.value, &path) {
        Ok(t) => Some(t),
        Err(e) => {
            cx.p.extend(e);
            None
        }
    }
}
