//! Reading inventory files: YAML documents → checked [`Inventory`].
//!
//! A file is parsed into a tree that keeps every position ([`crate::yaml::parse_tree`]), then
//! read field by field ([`super::read`]): every problem of every system is collected — unknown
//! fields with the nearest known one, bad values with the accepted ones — and reported in file
//! order, so one `tuanthu validate` run lists them all. Mistakes that are valid YAML but almost
//! certainly not meant (a network wider than any system, the same host in two systems, an agency
//! with no systems) are warnings.

use super::assets::{HostAsset, MailAsset, MailProtocol, PortSpec, TlsAsset, UrlAsset};
use super::model::*;
use super::read::{Cx, Fields, keyed};
use super::tailoring;
use crate::diag::{Collector, Problem, Problems};
use crate::i18n::Text;
use crate::text;
use crate::yaml::{Node, Value};
use serde_saphyr::Spanned;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub const SCHEMA: &str = "tuanthu/inventory/v1";

// ---- the fields of each mapping ----------------------------------------------------------------

const TOP: &[&str] = &["schema", "agency", "systems"];
const AGENCY: &[&str] = &["id", "name", "parent", "catalogue"];
const SYSTEM: &[&str] = &[
    "id",
    "name",
    "level",
    "catalogue",
    "approval",
    "tailoring",
    "owner",
    "operator",
    "regulation",
    "expected_approval",
    "expected_completion",
    "assessments",
    "construction_started",
    "operating_since",
    "incidents",
    "assets",
    "attestations",
    "waivers",
];
const APPROVAL: &[&str] = &["status", "decision", "date"];
const ASSESSMENT: &[&str] = &["kind", "date", "by"];
const INCIDENT: &[&str] = &["id", "detected", "severity", "notified", "reported", "reference"];
const ASSETS: &[&str] = &["hosts", "urls", "tls", "ssh", "mail", "domains", "allowed_ports"];
const PINNED_URL: &[&str] = &["url", "address"];
const PINNED_TLS: &[&str] = &["target", "address"];
const MAIL: &[&str] = &["target", "protocol", "address"];
const ATTESTATION: &[&str] = &["status", "evidence", "reviewed", "reason"];
const WAIVER: &[&str] = &["control", "reason", "approved_by", "expires"];

/// The fields each object of an inventory file may hold, by object: what the loader accepts, so
/// the published JSON Schema (`schemas/inventory-v1.schema.json`) can be held to it by a test.
pub const FIELDS: &[(&str, &[&str])] = &[
    ("document", TOP),
    ("agency", AGENCY),
    ("system", SYSTEM),
    ("approval", APPROVAL),
    ("assessments", ASSESSMENT),
    ("incidents", INCIDENT),
    ("assets", ASSETS),
    ("mail", MAIL),
    ("attestations", ATTESTATION),
    ("waivers", WAIVER),
];

const APPROVAL_STATUS: &[(&str, ApprovalStatus)] = &[
    ("draft", ApprovalStatus::Draft),
    ("submitted", ApprovalStatus::Submitted),
    ("appraised", ApprovalStatus::Appraised),
    ("approved", ApprovalStatus::Approved),
    ("rejected", ApprovalStatus::Rejected),
];
const ATTESTATION_STATUS: &[(&str, AttestationStatus)] = &[
    ("implemented", AttestationStatus::Implemented),
    ("partial", AttestationStatus::Partial),
    ("planned", AttestationStatus::Planned),
    ("not-implemented", AttestationStatus::NotImplemented),
    ("not-applicable", AttestationStatus::NotApplicable),
];
const ASSESSMENT_KIND: &[(&str, AssessmentKind)] =
    &[("pre-operation", AssessmentKind::PreOperation), ("periodic", AssessmentKind::Periodic)];
const SEVERITY: &[(&str, IncidentSeverity)] = &[
    ("normal", IncidentSeverity::Normal),
    ("serious", IncidentSeverity::Serious),
    ("critical", IncidentSeverity::Critical),
];

/// The widest network one system may plausibly hold: a /16 (65 536 IPv4 addresses) is a whole
/// provincial network; an IPv6 site is a /48. A wider declaration (`0.0.0.0/0`) is almost always
/// a placeholder, and it would claim every scanned host of other systems and agencies as this
/// system's.
const WIDEST_V4: u8 = 16;
const WIDEST_V6: u8 = 48;

// ---- loading ------------------------------------------------------------------------------------

/// What `load_paths` read: the inventory, the files it was read from, and the warnings (mistakes
/// that do not stop the load; callers print them).
#[derive(Debug, Default)]
pub struct InventoryFiles {
    pub inventory: Inventory,
    pub files: Vec<String>,
    /// In file order: networks wider than any system, hosts declared by two systems, agencies
    /// without systems.
    pub warnings: Vec<Problem>,
}

/// One file read: the agency, its warnings, and where each host was declared (for the checks
/// across files).
struct Parsed {
    agency: Agency,
    warnings: Vec<Problem>,
    hosts: Vec<(String, HostAsset, Origin)>,
    at: Origin,
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
    let mut agency_at: Vec<Origin> = Vec::new();
    let mut hosts = Vec::new();
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
        match parse_one(&origin, &text, &here) {
            Ok(parsed) => {
                out.warnings.extend(parsed.warnings);
                hosts.extend(parsed.hosts.into_iter().map(|(sys, h, o)| (parsed.agency.id.clone(), sys, h, o)));
                if !by_agency.contains_key(&parsed.agency.id) {
                    agency_at.push(parsed.at);
                }
                merge(&mut out.inventory, &mut by_agency, parsed.agency, &mut p);
            }
            Err(e) => p.extend(e),
        }
        out.files.push(origin);
    }
    if out.files.is_empty() && p.is_empty() {
        p.push(Problem::file_text(
            paths.iter().map(|x| x.display().to_string()).collect::<Vec<_>>().join(", "),
            text!(
                "no inventory file found (expected YAML files with `schema: tuanthu/inventory/v1`)",
                "không tìm thấy tệp danh mục hệ thống (cần tệp YAML có `schema: tuanthu/inventory/v1`)"
            ),
        ));
    }
    for (agency, at) in out.inventory.agencies.iter().zip(&agency_at) {
        if agency.systems.is_empty() {
            let id = &agency.id;
            out.warnings.push(Problem::text(
                &at.file,
                at.line,
                at.column,
                text!(
                    "agency `{id}` declares no systems: nothing of it is evaluated (list them under `systems:`)",
                    "cơ quan `{id}` không khai báo hệ thống nào: không có gì được đánh giá (liệt kê dưới `systems:`)"
                ),
            ));
        }
    }
    out.warnings.extend(shared_hosts(&hosts));
    p.finish(out)
}

/// A host entry declared by two systems (the same address, network or name): its scan results
/// would count for both. Each later declaration is a warning naming the first.
fn shared_hosts(hosts: &[(String, String, HostAsset, Origin)]) -> Vec<Problem> {
    let key = |h: &HostAsset| match h {
        HostAsset::Name(n) => format!("name:{}", super::same_name_key(n)),
        other => other.to_string(),
    };
    let mut first: HashMap<String, (&str, &str, &Origin)> = HashMap::new();
    let mut out = Vec::new();
    for (agency, system, host, origin) in hosts {
        match first.get(&key(host)) {
            Some((a, s, o)) if (*a, *s) != (agency.as_str(), system.as_str()) => {
                let (other, o) = (if *a == agency { s.to_string() } else { format!("{a}/{s}") }, o.to_string());
                out.push(Problem::text(
                    &origin.file,
                    origin.line,
                    origin.column,
                    text!(
                        "host `{host}` of system `{system}` is also declared by system `{other}` ({o}): its scan results count for both; declare it in one",
                        "máy `{host}` của hệ thống `{system}` cũng được khai báo trong hệ thống `{other}` ({o}): kết quả quét của nó tính cho cả hai; chỉ khai báo ở một hệ thống"
                    ),
                ));
            }
            Some(_) => {}
            None => {
                first.insert(key(host), (agency, system, origin));
            }
        }
    }
    out
}

fn path_is_dir_member(path: &Path, given: &[PathBuf]) -> bool {
    !given.iter().any(|g| g == path)
}

fn expand(paths: &[PathBuf], p: &mut Collector) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            match crate::files::yaml_files(path) {
                Ok(files) => out.extend(files),
                Err(e) => p.push(Problem::file_text(path.display().to_string(), e.text())),
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
            let show = |v: Option<&String>, absent: &str| v.map(|s| format!("`{s}`")).unwrap_or_else(|| absent.into());
            let (id, there) = (&agency.id, existing.files.join(", "));
            let (h_en, f_en, h_vi, f_vi) =
                (show(here, "absent"), show(first, "absent"), show(here, "không có"), show(first, "không có"));
            p.push(Problem::file_text(
                agency.files.join(", "),
                text!(
                    "agency {id}: `{field}` is {h_en} here but {f_en} in {there}",
                    "cơ quan {id}: `{field}` ở đây là {h_vi} nhưng trong {there} là {f_vi}"
                ),
            ));
        }
    }
    for s in agency.systems {
        if let Some(prev) = existing.systems.iter().find(|x| x.id == s.id) {
            let (id, a, first) = (&s.id, &agency.id, &prev.origin);
            p.push(Problem::text(
                &s.origin.file,
                s.origin.line,
                s.origin.column,
                text!(
                    "duplicate system id `{id}` in agency {a} (first declared at {first})",
                    "mã hệ thống `{id}` bị trùng trong cơ quan {a} (khai báo lần đầu ở {first})"
                ),
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
    parse_one(origin, text, lookup).map(|p| p.agency)
}

/// One document, every problem of it in file order (problems of the tailoring files it names
/// follow).
fn parse_one(origin: &str, text: &str, lookup: &tailoring::Lookup) -> Result<Parsed, Problems> {
    let root = crate::yaml::parse_tree(origin, text)?;
    let mut cx = Cx::new(origin, text);
    let mut hosts = Vec::new();
    let parsed = document(&mut cx, &root, lookup, &mut hosts);
    let Cx { p, mut warnings, .. } = cx;
    let mut problems = p.into_problems().map(Problems::into_vec).unwrap_or_default();
    // The inventory's own problems by position; those of the tailoring files it names follow, in
    // the order they were read (a stable sort keeps each file's own order).
    problems.sort_by_key(|x| if x.file == origin { (false, x.line, x.column) } else { (true, 0, 0) });
    warnings.sort_by_key(|x| (x.line, x.column));
    match (Problems::from_vec(problems), parsed) {
        (None, Some((agency, at))) => Ok(Parsed { agency, warnings, hosts, at }),
        (Some(e), _) => Err(e),
        (None, None) => Err(Problems::one(Problem::file(origin, "the inventory could not be read"))),
    }
}

fn document(
    cx: &mut Cx,
    root: &Node,
    lookup: &tailoring::Lookup,
    hosts: &mut Vec<(String, HostAsset, Origin)>,
) -> Option<(Agency, Origin)> {
    let top = Fields::of(cx, root, "the document", TOP)?;
    if let Some(schema) = top.require(cx, "schema").and_then(|n| cx.spanned(n, "schema"))
        && schema.value != SCHEMA
    {
        let found = &schema.value;
        cx.err(
            schema.referenced,
            text!("expected `schema: {SCHEMA}`, found `{found}`", "cần `schema: {SCHEMA}`, gặp `{found}`"),
        );
    }
    let agency_node = top.require(cx, "agency");
    let agency = agency_node.and_then(|n| Fields::of(cx, n, "agency", AGENCY));
    let id = agency.as_ref().and_then(|a| a.require(cx, "id")).and_then(|n| cx.spanned(n, "id"));
    if let Some(id) = &id {
        check_id(cx, id, text!("agency id", "mã cơ quan"));
    }
    let name = agency.as_ref().and_then(|a| a.require(cx, "name")).and_then(|n| cx.string(n, "name"));
    let parent = agency.as_ref().and_then(|a| a.get("parent")).and_then(|n| cx.string(n, "parent"));
    let catalogue = agency.as_ref().and_then(|a| a.get("catalogue")).and_then(|n| cx.string(n, "catalogue"));
    let mut systems: Vec<System> = Vec::new();
    let list = top.get("systems").map(|n| cx.list(n, "systems")).unwrap_or_default();
    for s in list {
        let Some((sys, sys_hosts)) = system(cx, s, lookup) else { continue };
        if let Some(prev) = systems.iter().find(|x| x.id == sys.id) {
            let (id, line) = (&sys.id, prev.origin.line);
            let msg = text!(
                "duplicate system id `{id}` (first declared at line {line})",
                "mã hệ thống `{id}` bị trùng (khai báo lần đầu ở dòng {line})"
            );
            cx.p.push(Problem::text(cx.origin, sys.origin.line, sys.origin.column, msg));
        } else {
            hosts.extend(sys_hosts.into_iter().map(|(h, o)| (sys.id.clone(), h, o)));
            systems.push(sys);
        }
    }
    let at = cx.origin_of(agency_node.map_or(root.referenced, |n| n.referenced));
    Some((Agency { id: id?.value, name: name?, parent, catalogue, systems, files: vec![cx.origin.to_string()] }, at))
}

fn check_id(cx: &mut Cx, id: &Spanned<String>, what: Text) {
    let ok = !id.value.is_empty()
        && id.value.len() <= 64
        && id.value.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !id.value.starts_with('-');
    if !ok {
        let v = &id.value;
        cx.err(
            id.referenced,
            Text::new(
                format!("{} `{v}` must be lowercase letters, digits and hyphens ([a-z0-9-], at most 64)", what.en),
                format!("{} `{v}` chỉ gồm chữ thường, chữ số và dấu gạch ngang ([a-z0-9-], tối đa 64 ký tự)", what.vi),
            ),
        );
    }
}

/// The system's level: a plain 1–5. Anything else is reported as the level, with the five
/// values and, when the text holds one (`"3"`, `3.0`, `cấp 3`), that one.
fn level(cx: &mut Cx, n: &Node) -> Option<u8> {
    let raw = crate::yaml::raw(cx.text, n).unwrap_or("").trim();
    let shown: String = raw.chars().take(32).collect();
    if let Value::Int(v) = n.value
        && raw.bytes().all(|b| b.is_ascii_digit() || b == b'-')
        && (raw == "0" || !raw.trim_start_matches('-').starts_with('0'))
    {
        if let Some(l) = u8::try_from(v).ok().filter(|l| (1..=5).contains(l)) {
            return Some(l);
        }
        cx.err(
            n.referenced,
            text!(
                "level must be 1, 2, 3, 4 or 5 (Decree 85/2016), found {v}",
                "cấp độ phải là 1, 2, 3, 4 hoặc 5 (Nghị định 85/2016), gặp {v}"
            ),
        );
        return None;
    }
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    let whole = match n.value {
        Value::Float(f) if f.fract() == 0.0 && (1.0..=5.0).contains(&f) => Some(f as u8),
        _ => digits.trim_start_matches('0').parse::<u8>().ok().filter(|l| (1..=5).contains(l)),
    };
    let hint = match whole {
        Some(l) => text!(" (did you mean `level: {l}`?)", " (có phải là `level: {l}`?)"),
        None => Text::default(),
    };
    cx.err(
        n.referenced,
        Text::new(
            format!(
                "`level` is the security level: write 1, 2, 3, 4 or 5 as a plain number (e.g. `level: 3`), found `{shown}`{}",
                hint.en
            ),
            format!(
                "`level` là cấp độ an toàn: ghi 1, 2, 3, 4 hoặc 5 dạng số thường (ví dụ `level: 3`), gặp `{shown}`{}",
                hint.vi
            ),
        ),
    );
    None
}

type Hosts = Vec<(HostAsset, Origin)>;

fn system(cx: &mut Cx, n: &Node, lookup: &tailoring::Lookup) -> Option<(System, Hosts)> {
    let f = Fields::of(cx, n, "system", SYSTEM)?;
    let at = n.referenced;
    let mut dates: Vec<DeclaredDate> = Vec::new();
    let id = f.require(cx, "id").and_then(|v| cx.spanned(v, "id"));
    if let Some(id) = &id {
        check_id(cx, id, text!("system id", "mã hệ thống"));
    }
    let name = f.require(cx, "name").and_then(|v| cx.string(v, "name"));
    let level = f.require(cx, "level").and_then(|v| level(cx, v));
    let catalogue = f.get("catalogue").and_then(|v| cx.string(v, "catalogue"));
    let approval = f.require(cx, "approval").and_then(|v| approval(cx, v, &mut dates));
    let mut date = |cx: &mut Cx, field: &'static str| {
        let v = f.get(field)?;
        let d = cx.date(v, field)?;
        dates.push(DeclaredDate { field, date: d, origin: cx.origin_of(v.referenced) });
        Some(d)
    };
    let construction_started = date(cx, "construction_started");
    let operating_since = date(cx, "operating_since");
    let expected_approval = f.get("expected_approval").and_then(|v| cx.date(v, "expected_approval"));
    let expected_completion = f.get("expected_completion").and_then(|v| cx.date(v, "expected_completion"));
    let assessments = f.get("assessments").map(|v| assessments(cx, v, &mut dates)).unwrap_or_default();
    let incidents = f
        .get("incidents")
        .map(|v| cx.list(v, "incidents").iter().filter_map(|i| incident(cx, i)).collect())
        .unwrap_or_default();
    let (assets, hosts) = f.get("assets").map(|v| assets(cx, v)).unwrap_or_default();
    let attestations = f.get("attestations").map(|v| attestations(cx, v)).unwrap_or_default();
    let waivers = f.get("waivers").map(|v| waivers(cx, v)).unwrap_or_default();
    let tailoring = f
        .get("tailoring")
        .map(|v| {
            let names = cx.list(v, "tailoring");
            let mut out = Vec::new();
            for t in names {
                if let Some(t) = cx.spanned(t, "tailoring").and_then(|t| load_tailoring(cx, &t, lookup)) {
                    out.push(t);
                }
            }
            out
        })
        .unwrap_or_default();
    let owner = f.get("owner").and_then(|v| cx.string(v, "owner"));
    let operator = f.get("operator").and_then(|v| cx.string(v, "operator"));
    let regulation = f.get("regulation").and_then(|v| cx.string(v, "regulation"));
    let system = System {
        id: id?.value,
        name: name?,
        level: level?,
        catalogue,
        approval: approval?,
        tailoring,
        owner,
        operator,
        regulation,
        expected_approval,
        expected_completion,
        assessments,
        construction_started,
        operating_since,
        incidents,
        assets,
        attestations,
        waivers,
        declared_dates: dates,
        origin: cx.origin_of(at),
    };
    Some((system, hosts))
}

fn assessments(cx: &mut Cx, n: &Node, dates: &mut Vec<DeclaredDate>) -> Vec<Assessment> {
    let mut out = Vec::new();
    for a in cx.list(n, "assessments") {
        let Some(f) = Fields::of(cx, a, "assessments", ASSESSMENT) else { continue };
        let kind = f.require(cx, "kind").and_then(|v| cx.choice(v, "kind", ASSESSMENT_KIND));
        let date_node = f.require(cx, "date");
        let date = date_node.and_then(|v| cx.date(v, "date"));
        let by = f.get("by").and_then(|v| cx.string(v, "by"));
        if let (Some(kind), Some(date), Some(v)) = (kind, date, date_node) {
            dates.push(DeclaredDate { field: "assessments.date", date, origin: cx.origin_of(v.referenced) });
            out.push(Assessment { kind, date, by });
        }
    }
    out
}

/// An incident record; a notice or report dated before the detection is refused (the deadlines
/// are measured from the detection).
fn incident(cx: &mut Cx, n: &Node) -> Option<Incident> {
    let f = Fields::of(cx, n, "incidents", INCIDENT)?;
    let id = f.get("id").and_then(|v| cx.string(v, "id"));
    let detected = f.require(cx, "detected").and_then(|v| cx.datetime(v, "detected"));
    let severity = f.require(cx, "severity").and_then(|v| cx.choice(v, "severity", SEVERITY));
    let after = |cx: &mut Cx, what: &str| {
        let t = f.get(what)?;
        let v = cx.datetime(t, what)?;
        if detected.is_some_and(|d| v < d) {
            cx.err(
                t.referenced,
                text!("incident `{what}` is before `detected`", "sự cố: `{what}` trước thời điểm `detected`"),
            );
            return None;
        }
        Some(v)
    };
    let notified = after(cx, "notified");
    let reported = after(cx, "reported");
    let reference = f.get("reference").and_then(|v| cx.string(v, "reference"));
    Some(Incident {
        id,
        detected: detected?,
        severity: severity?,
        notified,
        reported,
        reference,
        origin: cx.origin_of(n.referenced),
    })
}

fn approval(cx: &mut Cx, n: &Node, dates: &mut Vec<DeclaredDate>) -> Option<Approval> {
    let f = Fields::of(cx, n, "approval", APPROVAL)?;
    let status = f.require(cx, "status").and_then(|v| cx.choice(v, "status", APPROVAL_STATUS));
    let decision = f.get("decision").and_then(|v| cx.string(v, "decision"));
    let date_node = f.get("date");
    let date = date_node.and_then(|v| cx.date(v, "date"));
    if let (Some(d), Some(v)) = (date, date_node) {
        dates.push(DeclaredDate { field: "approval.date", date: d, origin: cx.origin_of(v.referenced) });
    }
    if status == Some(ApprovalStatus::Approved) {
        if decision.as_deref().is_none_or(|d| d.trim().is_empty()) {
            cx.err(
                n.referenced,
                text!(
                    "approval.status is `approved` but there is no `decision:` (decision number, e.g. \"123/QĐ-UBND\")",
                    "approval.status là `approved` nhưng không có `decision:` (số quyết định, ví dụ \"123/QĐ-UBND\")"
                ),
            );
        }
        if date_node.is_none() {
            cx.err(
                n.referenced,
                text!(
                    "approval.status is `approved` but there is no `date:` (decision date, YYYY-MM-DD)",
                    "approval.status là `approved` nhưng không có `date:` (ngày quyết định, YYYY-MM-DD)"
                ),
            );
        }
    }
    Some(Approval { status: status?, decision, date })
}

fn assets(cx: &mut Cx, n: &Node) -> (Assets, Hosts) {
    let mut out = Assets::default();
    let mut hosts = Vec::new();
    let Some(f) = Fields::of(cx, n, "assets", ASSETS) else { return (out, hosts) };
    for h in f.get("hosts").map(|v| cx.list(v, "hosts")).unwrap_or_default() {
        let Some(s) = cx.string(h, "hosts") else { continue };
        match HostAsset::parse(&s) {
            Ok(x) => {
                if let HostAsset::Net(net) = &x
                    && net.prefix_len() < if net.addr().is_ipv4() { WIDEST_V4 } else { WIDEST_V6 }
                {
                    cx.warn(
                        h.referenced,
                        text!(
                            "`{net}` is wider than any real system (more than a /{WIDEST_V4} for IPv4, a /{WIDEST_V6} for IPv6): every scanned host in it would count as this system's; declare the system's own addresses or networks",
                            "`{net}` rộng hơn mọi hệ thống thực tế (lớn hơn /{WIDEST_V4} với IPv4, /{WIDEST_V6} với IPv6): mọi máy được quét trong dải này sẽ bị tính là của hệ thống; hãy khai báo đúng địa chỉ hoặc dải mạng của hệ thống"
                        ),
                    );
                }
                hosts.push((x.clone(), cx.origin_of(h.referenced)));
                out.hosts.push(x);
            }
            Err(e) => cx.err(h.referenced, e.text()),
        }
    }
    for u in f.get("urls").map(|v| cx.list(v, "urls")).unwrap_or_default() {
        let r = match &u.value {
            Value::Map(_) => {
                let Some(p) = Fields::of(cx, u, "urls", PINNED_URL) else { continue };
                let url = p.require(cx, "url").and_then(|v| cx.string(v, "url"));
                let address = p.require(cx, "address").and_then(|v| cx.string(v, "address"));
                let (Some(url), Some(address)) = (url, address) else { continue };
                UrlAsset::parse(&url, Some(&address))
            }
            _ => {
                let Some(s) = cx.string(u, "urls") else { continue };
                UrlAsset::parse(&s, None)
            }
        };
        match r {
            Ok(x) => out.urls.push(x),
            Err(e) => cx.err(u.referenced, e.text()),
        }
    }
    out.tls = endpoints(cx, &f, "tls", TlsAsset::parse);
    out.ssh = endpoints(cx, &f, "ssh", TlsAsset::parse_ssh);
    out.mail = mail(cx, &f);
    for d in f.get("domains").map(|v| cx.list(v, "domains")).unwrap_or_default() {
        let Some(s) = cx.string(d, "domains") else { continue };
        match super::assets::parse_domain(&s) {
            Ok(x) if !out.domains.contains(&x) => out.domains.push(x),
            Ok(_) => {}
            Err(e) => cx.err(d.referenced, e.text()),
        }
    }
    for port in f.get("allowed_ports").map(|v| cx.list(v, "allowed_ports")).unwrap_or_default() {
        let Some(s) = cx.string(port, "allowed_ports") else { continue };
        match PortSpec::parse(&s) {
            Ok(x) => out.allowed_ports.push(x),
            Err(e) => cx.err(port.referenced, e.text()),
        }
    }
    (out, hosts)
}

/// The endpoints listed under `field` (`tls`): each `host:port`, or `{target, address}` pinned to
/// an address, read by `parse`.
fn endpoints(
    cx: &mut Cx,
    f: &Fields,
    field: &str,
    parse: fn(&str, Option<&str>) -> Result<TlsAsset, super::AssetError>,
) -> Vec<TlsAsset> {
    let mut out = Vec::new();
    for t in f.get(field).map(|v| cx.list(v, field)).unwrap_or_default() {
        let r = match &t.value {
            Value::Map(_) => {
                let Some(p) = Fields::of(cx, t, field, PINNED_TLS) else { continue };
                let target = p.require(cx, "target").and_then(|v| cx.string(v, "target"));
                let address = p.require(cx, "address").and_then(|v| cx.string(v, "address"));
                let (Some(target), Some(address)) = (target, address) else { continue };
                parse(&target, Some(&address))
            }
            _ => {
                let Some(s) = cx.string(t, field) else { continue };
                parse(&s, None)
            }
        };
        match r {
            Ok(x) => out.push(x),
            Err(e) => cx.err(t.referenced, e.text()),
        }
    }
    out
}

/// The mail endpoints: each `{target: host:port, protocol: smtp|…, address?}` (the protocol says
/// whether TLS starts with STARTTLS or at once, so it cannot be guessed from the port).
fn mail(cx: &mut Cx, f: &Fields) -> Vec<MailAsset> {
    let mut out = Vec::new();
    for m in f.get("mail").map(|v| cx.list(v, "mail")).unwrap_or_default() {
        if !matches!(m.value, Value::Map(_)) {
            let msg = Text::new(
                "a `mail` entry is a mapping `{target: host:port, protocol: smtp}` (protocol: smtp, submission, imap, pop3, smtps, imaps or pop3s)",
                "mỗi mục `mail` là một ánh xạ `{target: host:port, protocol: smtp}` (protocol: smtp, submission, imap, pop3, smtps, imaps hoặc pop3s)",
            );
            cx.err(m.referenced, msg);
            continue;
        }
        let Some(p) = Fields::of(cx, m, "mail", MAIL) else { continue };
        let target = p.require(cx, "target").and_then(|v| cx.string(v, "target"));
        let protocol = p.require(cx, "protocol").and_then(|v| cx.choice(v, "protocol", &MailProtocol::ALL));
        let address = p.get("address").and_then(|v| cx.string(v, "address"));
        let (Some(target), Some(protocol)) = (target, protocol) else { continue };
        match TlsAsset::parse_mail(&target, address.as_deref()) {
            Ok(endpoint) => out.push(MailAsset { endpoint, protocol }),
            Err(e) => cx.err(m.referenced, e.text()),
        }
    }
    out
}

fn attestations(cx: &mut Cx, n: &Node) -> Vec<Attestation> {
    let mut out = Vec::new();
    for (key, v) in keyed(cx, n, "attestations") {
        let Some(f) = Fields::of(cx, v, "attestation", ATTESTATION) else { continue };
        let status = f.require(cx, "status").and_then(|s| cx.choice(s, "status", ATTESTATION_STATUS));
        let evidence = f.get("evidence").and_then(|e| cx.string(e, "evidence"));
        let reviewed = f.get("reviewed").and_then(|d| cx.date(d, "reviewed"));
        let reason = f.get("reason").and_then(|r| cx.string(r, "reason"));
        if status == Some(AttestationStatus::NotApplicable) && reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
            let id = &key.value;
            cx.err(
                key.referenced,
                text!(
                    "attestation {id}: `not-applicable` needs a `reason:`",
                    "tự đánh giá {id}: `not-applicable` cần có `reason:`"
                ),
            );
        }
        let Some(status) = status else { continue };
        out.push(Attestation {
            control: key.value.clone(),
            status,
            evidence: evidence.filter(|e| !e.trim().is_empty()),
            reviewed,
            reason,
            origin: cx.origin_of(key.referenced),
        });
    }
    out
}

fn waivers(cx: &mut Cx, n: &Node) -> Vec<Waiver> {
    let mut out = Vec::new();
    for w in cx.list(n, "waivers") {
        let Some(f) = Fields::of(cx, w, "waivers", WAIVER) else { continue };
        let at = w.referenced;
        let Some(control) = f.require(cx, "control").and_then(|v| cx.string(v, "control")) else { continue };
        let reason = f.get("reason").and_then(|v| cx.string(v, "reason")).filter(|r| !r.trim().is_empty());
        let approved_by = f.get("approved_by").and_then(|v| cx.string(v, "approved_by"));
        if reason.is_none() {
            cx.err(at, text!("waiver for {control} needs a `reason:`", "miễn trừ cho {control} cần có `reason:`"));
        }
        let expires = match f.get("expires") {
            Some(e) => cx.date(e, "expires"),
            None => {
                cx.err(
                    at,
                    text!(
                        "waiver for {control} needs `expires:` (a waiver is always temporary)",
                        "miễn trừ cho {control} cần có `expires:` (miễn trừ luôn có thời hạn)"
                    ),
                );
                None
            }
        };
        if let (Some(reason), Some(expires)) = (reason, expires) {
            out.push(Waiver { control, reason, approved_by, expires, origin: cx.origin_of(at) });
        }
    }
    out
}

fn load_tailoring(cx: &mut Cx, name: &Spanned<String>, lookup: &tailoring::Lookup) -> Option<tailoring::Tailoring> {
    let dirs = &lookup.dirs;
    let found =
        tailoring::find(&name.value, dirs, lookup.allow_outside).map_err(|e| cx.err(name.referenced, e.text())).ok()?;
    let Some(path) = found else {
        let looked: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
        let (n, looked) = (&name.value, looked.join(", "));
        cx.err(
            name.referenced,
            text!(
                "tailoring `{n}` not found (looked for {n}.yaml in {looked})",
                "không tìm thấy tinh chỉnh `{n}` (đã tìm {n}.yaml trong {looked})"
            ),
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
