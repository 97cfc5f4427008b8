//! The one verification of an agency's report, for `verify`, `aggregate` and the national
//! service (`shared/spec/cli-and-report.md`, "Signature" and "What a report may claim").
//!
//! The signature is trusted for *who* sent a report, never for *what* it says: any agency can sign
//! anything with its own key. So after the signature ([`sign::envelope`], [`sign::check`]) the
//! report is read strictly against its schema (enums, levels 1–5, dates, a period that matches its
//! evaluation date, unique system ids, catalogue versions this verifier holds), each system's
//! control list is checked against what its level's profile and its listed tailoring require,
//! and every figure it states is re-derived from its control statuses with the code that wrote
//! them ([`super::figures`]); the first disagreement is the rejection.
//!
//! Bases (`measured`, `attested`, `both`, `none`) are optional in `tuanthu/report/v1`: a report
//! written before them is accepted and counts as unmeasured. When stated, `controls_measured` and
//! `measured_share` are re-derived from the controls' bases, and a basis must fit its status (a
//! `both` that is not a pass, a measured pass of a control only an attestation can pass, a basis
//! beside `unknown` other than `none`…): the evidence is not in the report, but a basis that
//! contradicts the statuses or the catalogue is a claim the verifier can refuse.
//!
//! The report is read borrowing ids and statuses from its bytes: a national center verifies
//! gigabytes of reports, and holds one per worker thread at a time.

use super::figures::{AgencyFigures, AgencyTally, SystemFigures};
use super::figures::{CatalogueFigures, Deployment, StatusCounts};
use super::sign;
use crate::engine::{Basis, Status};
use crate::inventory::ApprovalStatus;
use crate::policy::Policy;
use crate::sanitize::one_line;
use serde::Deserialize;
use serde::de::IgnoredAny;
use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use time::OffsetDateTime;

pub use super::rejection::Rejection;

/// Largest report file read (a province with thousands of systems stays far below).
pub const MAX_REPORT_BYTES: u64 = 256 << 20;

/// Where a verifier finds the public keys a signature is checked with: a directory of
/// `<agency-id>.pub` files for `verify` and `aggregate` ([`KeyDir`]), the service's key registry
/// (several keys per agency, validity windows, revocation) for `tuanthu serve`. The signature rule
/// itself ([`sign::envelope`], [`sign::check_with`]) is the same for all.
pub trait KeySource: Sync {
    /// Checks the envelope's signature with the keys of its `key_id`; returns the name of the key
    /// that verified it (a file name, or a registry fingerprint).
    fn check(&self, envelope: &sign::Envelope) -> Result<String, Rejection>;
}

/// A directory of agency public keys, one `<agency-id>.pub` per agency.
pub struct KeyDir<'a>(pub &'a Path);

impl KeySource for KeyDir<'_> {
    fn check(&self, envelope: &sign::Envelope) -> Result<String, Rejection> {
        sign::check(envelope, self.0)?;
        Ok(format!("{}.pub", envelope.key_id))
    }
}

/// How to verify.
pub struct Verifier<'p> {
    /// Where the agencies' public keys are; `None`: no signature can be checked.
    pub keys: Option<&'p dyn KeySource>,
    /// Accept a report without a (checkable) signature; its content is verified all the same.
    pub allow_unsigned: bool,
    /// The catalogues and profiles figures are re-derived against.
    pub policy: &'p Policy,
    /// The time of receipt: a report written later, or of a later period, is refused.
    pub now: OffsetDateTime,
}

/// A report that passed: the agency it is from, who signed it, and its contents.
#[derive(Debug)]
pub struct Verified<'a> {
    pub report: Summary<'a>,
    /// `generated_at`, parsed.
    pub written: OffsetDateTime,
    /// The key id that signed it; `None` when accepted unsigned.
    pub signed_by: Option<String>,
    /// The key that verified the signature, as the key source names it; `None` when unsigned.
    pub key: Option<String>,
    /// Tells a byte-identical resubmission apart: the signature (deterministic in ed25519, and
    /// over all the bytes but itself), or the SHA-256 of an unsigned file.
    pub digest: Vec<u8>,
}

impl<'a> Verified<'a> {
    /// The report's one agency.
    pub fn agency(&self) -> &AgencySummary<'a> {
        // invariant: verify accepts only reports with exactly one agency.
        &self.report.agencies[0]
    }
}

/// The catalogues and profiles a verifier re-derives figures against: the bundled ones, without
/// the rules (a verifier needs none, and compiling them would cost every run).
pub fn bundled_policy() -> Result<Policy, BundledPolicyError> {
    let profiles = crate::policy::source::bundled_sources("profiles/");
    Policy::from_sources(&profiles, &[]).map_err(BundledPolicyError)
}

/// The bundled catalogues and profiles did not load: a broken build, never the user's input.
#[derive(Debug, thiserror::Error)]
#[error("the bundled catalogues and profiles do not load: {0}")]
pub struct BundledPolicyError(pub crate::diag::Problems);

impl BundledPolicyError {
    /// The message in both languages (`Display` is the English one).
    pub fn text(&self) -> crate::i18n::Text {
        let first = self.0.first();
        crate::i18n::Text::new(
            format!("the bundled catalogues and profiles do not load: {}", first.render(crate::i18n::Lang::En)),
            format!("danh mục và hồ sơ cấp độ đi kèm không nạp được: {}", first.render(crate::i18n::Lang::Vi)),
        )
    }
}

/// Reads `path` with the report size cap (devices refused, pipes bounded), to [`verify`] it.
pub fn read(path: &Path) -> Result<Vec<u8>, crate::files::ReadError> {
    crate::files::read_capped(path, MAX_REPORT_BYTES)
}

/// Verifies a report's bytes: signature for who, schema and re-derived figures for what.
pub fn verify<'a>(bytes: &'a [u8], v: &Verifier) -> Result<Verified<'a>, Rejection> {
    let envelope = match (sign::envelope(bytes)?, v.keys) {
        (Some(e), Some(_)) => Some(e),
        (_, _) if v.allow_unsigned => None,
        (None, _) => return Err(Rejection::Unsigned),
        (Some(e), None) => return Err(Rejection::UnknownKey(e.key_id)),
    };
    let report: Summary = serde_json::from_slice(bytes)
        .map_err(|e| Rejection::Schema(format!("line {}, column {}: {e}", e.line(), e.column())))?;
    if report.agencies.len() != 1 {
        return Err(Rejection::SeveralAgencies(report.agencies.len()));
    }
    let agency = report.agencies[0].id.as_ref();
    let (signed_by, key, digest) = match (envelope, v.keys) {
        (Some(e), Some(keys)) => {
            if e.key_id != agency {
                return Err(Rejection::ForeignKey { agency: one_line(agency), key_id: one_line(&e.key_id) });
            }
            let key = keys.check(&e)?;
            (Some(e.key_id), Some(key), e.signature)
        }
        _ => (None, None, sha256(bytes).to_vec()),
    };
    let written = check_header(&report, v.now)?;
    check_agency(&report, v.policy)?;
    Ok(Verified { report, written, signed_by, key, digest })
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).into()
}

/// The members of `tuanthu/report/v1` a verifier reads, borrowing ids and statuses from the
/// bytes; the rest is skipped unparsed but must be there (or may be, when optional) and no member
/// outside the schema is accepted.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Summary<'a> {
    #[serde(borrow)]
    pub schema: Cow<'a, str>,
    pub generated_at: String,
    pub as_of: String,
    pub period: String,
    #[serde(default)]
    pub lang: Option<crate::i18n::Lang>,
    pub tool: ToolSummary,
    pub policy: PolicySummary,
    #[serde(borrow)]
    pub agencies: Vec<AgencySummary<'a>>,
    pub unregistered_assets: IgnoredAny,
    pub inputs: IgnoredAny,
    #[serde(default)]
    pub signature: Option<IgnoredAny>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToolSummary {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicySummary {
    pub rules_digest: IgnoredAny,
    /// Catalogue id → version.
    pub catalogues: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgencySummary<'a> {
    #[serde(borrow)]
    pub id: Cow<'a, str>,
    pub name: String,
    pub systems_total: usize,
    pub systems_approved: usize,
    pub approval_rate: Option<f64>,
    pub systems_compliant: usize,
    pub compliance_rate: Option<f64>,
    pub systems_fully_implemented: usize,
    pub fully_implemented_rate: Option<f64>,
    pub approved_compliance_rate: Option<f64>,
    #[serde(default)]
    pub systems_partly_implemented: Option<usize>,
    #[serde(default)]
    pub systems_not_implemented: Option<usize>,
    #[serde(default)]
    pub controls_measured: Option<usize>,
    /// Absent (`None`) or stated, possibly `null` (`Some(None)`).
    #[serde(default, deserialize_with = "present")]
    pub measured_share: Option<Option<f64>>,
    #[serde(borrow)]
    pub missing_controls: Vec<MissingSummary<'a>>,
    pub by_catalogue: BTreeMap<String, CatalogueFigures>,
    #[serde(borrow)]
    pub systems: Vec<SystemSummary<'a>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MissingSummary<'a> {
    #[serde(borrow)]
    pub control: Cow<'a, str>,
    pub systems: usize,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SystemSummary<'a> {
    #[serde(borrow)]
    pub id: Cow<'a, str>,
    /// Kept (not skipped): the national service shows it.
    #[serde(borrow)]
    pub name: Cow<'a, str>,
    pub level: u8,
    #[serde(borrow)]
    pub catalogue: Cow<'a, str>,
    pub catalogue_rule: IgnoredAny,
    pub catalogue_reason: IgnoredAny,
    pub approval: ApprovalStatus,
    pub compliant: bool,
    pub fully_implemented: bool,
    pub deployment: Deployment,
    #[serde(default)]
    pub counts: Option<StatusCounts>,
    #[serde(default)]
    pub controls_measured: Option<usize>,
    /// Absent (`None`) or stated, possibly `null` (`Some(None)`).
    #[serde(default, deserialize_with = "present")]
    pub measured_share: Option<Option<f64>>,
    /// Required controls only (optional ones are listed apart).
    #[serde(borrow)]
    pub controls: Vec<ControlSummary<'a>>,
    #[serde(borrow)]
    pub obligations: Vec<ControlSummary<'a>>,
    #[serde(borrow)]
    pub optional_controls: Vec<ControlSummary<'a>>,
    #[serde(borrow)]
    pub tailoring: Vec<TailoringSummary<'a>>,
    #[serde(default)]
    pub transition: Option<IgnoredAny>,
    pub registration: IgnoredAny,
    pub evidence_judged: usize,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ControlSummary<'a> {
    #[serde(borrow)]
    pub id: Cow<'a, str>,
    pub status: Status,
    /// Absent in reports written before bases existed: unmeasured.
    #[serde(default)]
    pub basis: Option<Basis>,
    #[serde(default)]
    pub waived_status: Option<Status>,
    #[serde(default)]
    pub waiver: Option<IgnoredAny>,
    #[serde(default)]
    pub tailored: bool,
    #[serde(default)]
    pub verification: Option<IgnoredAny>,
    #[serde(default)]
    pub caveat: Option<IgnoredAny>,
    pub findings: IgnoredAny,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TailoringSummary<'a> {
    #[serde(borrow)]
    pub control: Cow<'a, str>,
    #[serde(borrow)]
    pub action: Cow<'a, str>,
    #[serde(default)]
    pub reason: Option<String>,
    pub file: IgnoredAny,
}

impl SystemSummary<'_> {
    /// Required controls not met: `fail` or `unknown` (no evidence is not a pass).
    pub fn missing(&self) -> impl Iterator<Item = &str> {
        self.controls.iter().filter(|c| c.status.is_missing()).map(|c| c.id.as_ref())
    }

    fn figures(&self) -> SystemFigures {
        SystemFigures::of(self.controls.iter().map(|c| c.status), self.approval)
            .with_bases(self.controls.iter().map(|c| c.basis))
    }

    /// Required controls decided by measurement (basis `measured` or `both`).
    pub fn controls_measured(&self) -> usize {
        self.controls.iter().filter(|c| c.basis.is_some_and(Basis::is_measured)).count()
    }
}

/// A member that may be absent (`None`) or present and `null` (`Some(None)`): serde's `Option`
/// alone reads both as `None`, and a stated `null` share must still be checked.
fn present<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(d).map(Some)
}

/// A reporting period: four digits.
pub fn is_year(s: &str) -> bool {
    s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit())
}

/// Schema, tool, timestamps and the period; returns `generated_at`.
fn check_header(r: &Summary, now: OffsetDateTime) -> Result<OffsetDateTime, Rejection> {
    let schema = |m: String| Rejection::Schema(m);
    if r.schema != super::SCHEMA {
        return Err(schema(format!("`schema` is `{}`, expected {}", one_line(&r.schema), super::SCHEMA)));
    }
    if r.tool.name != "tuanthu" {
        return Err(schema(format!("`tool.name` is `{}`, expected tuanthu", one_line(&r.tool.name))));
    }
    let generated = OffsetDateTime::parse(&r.generated_at, &time::format_description::well_known::Rfc3339)
        .map_err(|_| schema(format!("`generated_at` `{}` is not an RFC 3339 timestamp", one_line(&r.generated_at))))?;
    // A day's grace for clocks; beyond it the report claims to come from the future.
    if generated > now + time::Duration::days(1) {
        return Err(schema(format!("`generated_at` {} is later than the time of receipt", r.generated_at)));
    }
    let as_of = (r.as_of.len() == 10)
        .then(|| crate::dates::parse(&r.as_of).ok())
        .flatten()
        .ok_or_else(|| schema(format!("`as_of` `{}` is not a date (YYYY-MM-DD)", one_line(&r.as_of))))?;
    if !is_year(&r.period) {
        return Err(Rejection::BadPeriod(format!("`{}` is not a year (YYYY)", one_line(&r.period))));
    }
    let expected = crate::dates::reporting_period(as_of);
    if r.period != expected.to_string() {
        return Err(Rejection::BadPeriod(format!(
            "period {} but `as_of` {} falls in period {expected}",
            r.period, r.as_of
        )));
    }
    let current = crate::dates::reporting_period(now.date());
    if expected > current {
        return Err(Rejection::BadPeriod(format!(
            "period {} is later than the period of receipt ({current})",
            r.period
        )));
    }
    Ok(generated)
}

/// The agency: its id, unique system ids, each system against its profile, and every figure.
fn check_agency(r: &Summary, policy: &Policy) -> Result<(), Rejection> {
    let a = &r.agencies[0];
    let id_ok = a.id.bytes().next().is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && a.id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !id_ok {
        return Err(Rejection::Schema(format!(
            "agency id `{}` is not of the form [a-z0-9][a-z0-9-]*",
            one_line(&a.id)
        )));
    }
    let mut ids = HashSet::with_capacity(a.systems.len());
    let mut tally = AgencyTally::default();
    for s in &a.systems {
        if !ids.insert(s.id.as_ref()) {
            return Err(Rejection::Schema(format!("system id `{}` is listed twice", one_line(&s.id))));
        }
        check_profile(s, &r.policy, policy)?;
        check_bases(s, policy)?;
        let f = s.figures();
        check_system_figures(s, &f)?;
        tally.add(&s.catalogue, s.approval, &f, s.missing());
    }
    check_agency_figures(a, &tally.finish())
}

/// The system's level, catalogue (a version this verifier holds) and tailoring are valid, and it
/// lists exactly the controls they require, in the order `check` writes them.
fn check_profile<'x>(s: &'x SystemSummary, stated: &PolicySummary, policy: &'x Policy) -> Result<(), Rejection> {
    let at = |m: String| Rejection::Schema(format!("system `{}`: {m}", one_line(&s.id)));
    if !(1..=5).contains(&s.level) {
        return Err(at(format!("level {} is not 1–5", s.level)));
    }
    let cat_id = s.catalogue.as_ref();
    let Some(version) = stated.catalogues.get(cat_id) else {
        return Err(at(format!("catalogue `{}` is not among the report's `policy.catalogues`", one_line(cat_id))));
    };
    let catalogue = policy.catalogue(cat_id).ok_or_else(|| at(format!("unknown catalogue `{}`", one_line(cat_id))))?;
    if catalogue.version != *version {
        return Err(at(format!(
            "catalogue {cat_id} version `{}`; this verifier holds version {} (re-derive with the matching tuanthu)",
            one_line(version),
            catalogue.version
        )));
    }
    let profile = policy
        .profile(cat_id, s.level)
        .ok_or_else(|| at(format!("catalogue {cat_id} has no level-{} profile", s.level)))?;
    let ids = |list: &'x [ControlSummary<'_>]| list.iter().map(|c| c.id.as_ref());
    same_controls(s, "obligations", ids(&s.obligations), profile.obligations.iter().map(String::as_str))?;
    if s.tailoring.is_empty() {
        same_controls(s, "optional_controls", ids(&s.optional_controls), profile.optional.iter().map(String::as_str))?;
        return same_controls(s, "controls", ids(&s.controls), profile.controls.iter().map(String::as_str));
    }
    let mut sel = crate::engine::Selection::of(profile);
    for t in &s.tailoring {
        if catalogue.get(&t.control).is_none() {
            return Err(at(format!("tailoring names `{}`, unknown to catalogue {cat_id}", one_line(&t.control))));
        }
        match (t.action.as_ref(), &t.reason) {
            ("add", _) => sel.add(&t.control, ""),
            ("drop", Some(reason)) if !reason.trim().is_empty() => sel.drop(&t.control, reason, ""),
            ("drop", _) => return Err(at(format!("tailoring drops {} without a reason", one_line(&t.control)))),
            (other, _) => return Err(at(format!("tailoring action `{}` is not add or drop", one_line(other)))),
        }
    }
    same_controls(s, "optional_controls", ids(&s.optional_controls), sel.optional.iter().map(String::as_str))?;
    same_controls(s, "controls", ids(&s.controls), sel.required.iter().map(|(id, _)| id.as_str()))
}

fn same_controls<'x>(
    s: &SystemSummary,
    list: &str,
    listed: impl Iterator<Item = &'x str>,
    required: impl Iterator<Item = &'x str>,
) -> Result<(), Rejection> {
    let (listed, required): (Vec<&str>, Vec<&str>) = (listed.collect(), required.collect());
    if listed == required {
        return Ok(());
    }
    let at = |m: String| {
        Rejection::Inconsistent(format!(
            "system `{}`: `{list}` {m} (level {} of {}{})",
            one_line(&s.id),
            s.level,
            s.catalogue,
            if s.tailoring.is_empty() { "" } else { " with its tailoring" }
        ))
    };
    if let Some(r) = required.iter().find(|r| !listed.contains(r)) {
        return Err(at(format!("does not list {r}, which the profile requires")));
    }
    if let Some(l) = listed.iter().find(|l| !required.contains(l)) {
        return Err(at(format!("lists `{}`, which the profile does not require", one_line(l))));
    }
    Err(at("lists a control twice, or in another order than the profile".into()))
}

fn disagree(scope: &str, field: &str, stated: impl std::fmt::Debug, derived: impl std::fmt::Debug) -> Rejection {
    Rejection::Inconsistent(format!("{scope}: `{field}` states {stated:?}, derived {derived:?}"))
}

fn check_system_figures(s: &SystemSummary, f: &SystemFigures) -> Result<(), Rejection> {
    let scope = format!("system `{}`", one_line(&s.id));
    if s.compliant != f.compliant {
        return Err(disagree(&scope, "compliant", s.compliant, f.compliant));
    }
    if s.fully_implemented != f.fully_implemented {
        return Err(disagree(&scope, "fully_implemented", s.fully_implemented, f.fully_implemented));
    }
    if s.deployment != f.deployment {
        return Err(disagree(&scope, "deployment", s.deployment, f.deployment));
    }
    if let Some(c) = &s.counts
        && *c != f.counts
    {
        return Err(disagree(&scope, "counts", c, &f.counts));
    }
    check_measured(&scope, (s.controls_measured, s.measured_share), (f.controls_measured, f.measured_share()))
}

/// Stated `controls_measured` and `measured_share` (each optional) against the derived ones.
fn check_measured(
    scope: &str,
    (count, share): (Option<usize>, Option<Option<f64>>),
    (derived_count, derived_share): (usize, Option<f64>),
) -> Result<(), Rejection> {
    if let Some(n) = count
        && n != derived_count
    {
        return Err(disagree(scope, "controls_measured", n, derived_count));
    }
    if let Some(r) = share
        && !same_rate(r, derived_share)
    {
        return Err(disagree(scope, "measured_share", r, derived_share));
    }
    Ok(())
}

/// Each control's basis fits its status (spec: "Basis"): `none` exactly when nothing decided it
/// (`unknown`, or a waiver over `unknown`), `both` only on a pass, and a pass on measurement
/// (`measured`, `both`) only for a control the catalogue lets measurement pass. A required
/// control, an obligation and an optional control alike.
fn check_bases(s: &SystemSummary, policy: &Policy) -> Result<(), Rejection> {
    let catalogue = policy.catalogue(&s.catalogue);
    let lists = [&s.controls, &s.obligations, &s.optional_controls];
    for c in lists.into_iter().flatten() {
        let Some(basis) = c.basis else { continue };
        let beneath = if c.status == Status::Waived { c.waived_status.unwrap_or(Status::Unknown) } else { c.status };
        let fits = match (basis, beneath) {
            (Basis::None, b) => b == Status::Unknown,
            (_, Status::Unknown) => false,
            (Basis::Measured | Basis::Both, Status::Pass) => measurable(catalogue, &c.id),
            (Basis::Both, _) => false,
            (Basis::Measured | Basis::Attested, _) => true,
        };
        if !fits {
            return Err(Rejection::Inconsistent(format!(
                "system `{}`: control {} is `{}` with basis `{}`, which cannot have decided it",
                one_line(&s.id),
                one_line(&c.id),
                c.status.as_str(),
                basis.as_str()
            )));
        }
    }
    Ok(())
}

/// Whether measurement alone may pass `control` (the catalogue's `attestation: optional`).
fn measurable(catalogue: Option<&crate::policy::catalogue::Catalogue>, control: &str) -> bool {
    catalogue
        .and_then(|c| c.get(control))
        .is_some_and(|c| c.evidence.attestation == crate::policy::catalogue::AttestationNeed::Optional)
}

/// Rates are compared to within rounding: a reader's float parsing may differ in the last bit.
fn same_rate(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(x), Some(y)) => (x - y).abs() <= 1e-12,
        _ => false,
    }
}

fn check_agency_figures(a: &AgencySummary, d: &AgencyFigures) -> Result<(), Rejection> {
    let scope = format!("agency `{}`", one_line(&a.id));
    let counts = [
        ("systems_total", a.systems_total, d.systems_total),
        ("systems_approved", a.systems_approved, d.systems_approved),
        ("systems_compliant", a.systems_compliant, d.systems_compliant),
        ("systems_fully_implemented", a.systems_fully_implemented, d.systems_fully_implemented),
        (
            "systems_partly_implemented",
            a.systems_partly_implemented.unwrap_or(d.systems_partly_implemented),
            d.systems_partly_implemented,
        ),
        (
            "systems_not_implemented",
            a.systems_not_implemented.unwrap_or(d.systems_not_implemented),
            d.systems_not_implemented,
        ),
    ];
    if let Some((field, stated, derived)) = counts.into_iter().find(|(_, s, d)| s != d) {
        return Err(disagree(&scope, field, stated, derived));
    }
    let rates = [
        ("approval_rate", a.approval_rate, d.approval_rate),
        ("compliance_rate", a.compliance_rate, d.compliance_rate),
        ("fully_implemented_rate", a.fully_implemented_rate, d.fully_implemented_rate),
        ("approved_compliance_rate", a.approved_compliance_rate, d.approved_compliance_rate),
    ];
    if let Some((field, stated, derived)) = rates.into_iter().find(|(_, s, d)| !same_rate(*s, *d)) {
        return Err(disagree(&scope, field, stated, derived));
    }
    let stated = a.missing_controls.iter().map(|m| (m.control.as_ref(), m.systems));
    let derived = d.missing_controls.iter().map(|m| (m.control.as_str(), m.systems));
    if let Some((i, (s, d))) = stated.zip(derived).enumerate().find(|(_, (s, d))| s != d) {
        return Err(disagree(&scope, &format!("missing_controls[{i}]"), s, d));
    }
    if a.missing_controls.len() != d.missing_controls.len() {
        return Err(disagree(&scope, "missing_controls (length)", a.missing_controls.len(), d.missing_controls.len()));
    }
    if a.by_catalogue != d.by_catalogue {
        return Err(disagree(&scope, "by_catalogue", &a.by_catalogue, &d.by_catalogue));
    }
    check_measured(&scope, (a.controls_measured, a.measured_share), (d.controls_measured, d.measured_share))
}
