//! A control catalogue: every control and decree obligation of one regime (e.g. `tt12-2022`),
//! with titles in both languages, the levels that list it, the clause
//! used per level and how it can be
//! evidenced. Schema `tuanthu/catalogue/v1`; the bundled one is `profiles/tt12-2022/catalogue.yaml`.

use crate::diag::{Collector, Problem, Problems};
use crate::i18n::Text;
use serde::Deserialize;
use serde_saphyr::Spanned;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

pub const SCHEMA: &str = "tuanthu/catalogue/v1";

/// Where in the regulation a control comes from; reports group controls by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Section {
    /// Annex §I: management requirements.
    Management,
    /// Circular body, Art. 9: general requirements.
    General,
    /// Annex §II.1: design requirements (zones and measures).
    Design,
    /// Annex §II.2: setup and configuration requirements.
    Configuration,
    /// Decree 331 Art. 30.4 technical groups and their national-standard detail (no annex split).
    Technical,
    /// Decree duties, reported beside the controls; they do not enter `compliant`.
    Obligation,
    /// Level criteria: catalogued for reference and comparison, never evaluated (the level is
    /// declared with its approval decision; a scan cannot observe it).
    Criteria,
}

/// How much of a control a scan can decide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Automation {
    /// Only an attestation can show it.
    Manual,
    /// Scans can show a failure, never a pass.
    Partial,
    /// Scans alone can pass it.
    Automated,
}

/// Whether a pass needs an attestation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AttestationNeed {
    /// A pass needs a fresh `implemented` attestation; rules can only fail the control.
    Required,
    /// Measured sufficiency ([`Measured`]) passes it as well; allowed only with `measured:`.
    Optional,
}

/// Measured sufficiency: when the control's rules measure every declared host clean with fresh
/// evidence of these kinds, the measurement alone passes the control (spec: "Measured
/// sufficiency"). Declared only where the measurement really covers what the control asks.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Measured {
    /// Host evidence kinds whose rules may pass it: `host-audit`, `vulnerabilities`, `agent`.
    pub kinds: Vec<crate::policy::rules::EvidenceKind>,
    pub coverage: Coverage,
    /// The level-profile parameter (days) within which each host's evidence must have been taken.
    pub max_age: String,
    /// Why this measurement covers the requirement: the candid judgement behind `measured:`.
    pub why: String,
}

/// Which hosts the measurement must cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Coverage {
    /// Every host the system declares (a network: its addresses seen up in the nmap evidence).
    EveryDeclaredHost,
}

/// Months an attestation stays valid: one number, one per level, or the level profile's parameter
/// of that name (so a regime's per-level cadence lives in one place, beside the other parameters).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum Validity {
    All(u32),
    PerLevel(BTreeMap<u8, u32>),
    Param { param: String },
}

/// Something recorded in the inventory after which older evidence no longer counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RenewEvent {
    /// An incident recorded with severity `serious` or `critical`.
    SeriousIncident,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceSpec {
    pub attestation: AttestationNeed,
    #[serde(default)]
    pub validity_months: Option<Validity>,
    /// No age limit: the regulation renews this evidence on events, not on a calendar.
    #[serde(default)]
    pub untimed: bool,
    /// A yearly submission due on or before this day (`MM-DD`); the attestation's `reviewed` date
    /// is the day it was sent.
    #[serde(default)]
    pub due_yearly: Option<String>,
    /// Recorded events that make evidence dated before them stale.
    #[serde(default)]
    pub renew_after: Vec<RenewEvent>,
    /// The inventory's `assessments:` of this kind also show the control (Mẫu 08 column 12).
    #[serde(default)]
    pub records: Option<crate::inventory::AssessmentKind>,
    /// A system that went live on or after the catalogue's `effective` date must show evidence
    /// dated on or before its `operating_since` (an assessment after go-live is too late).
    #[serde(default)]
    pub before_operation: bool,
    /// Where the validity period comes from (the regulation's clause), shown in reports.
    #[serde(default)]
    pub validity_source: Option<String>,
    /// When measurement alone may pass the control.
    #[serde(default)]
    pub measured: Option<Measured>,
}

/// How an attestation of a control is renewed, resolved for one level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Renewal {
    /// Valid for this many months after its review date.
    Months(u32),
    /// Valid until an event renews it.
    Untimed,
    /// Sent every year on or before this month and day.
    DueYearly(time::Month, u8),
}

/// Clause reference: one per level, or one for all levels (obligations cite articles).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Refs {
    PerLevel(BTreeMap<u8, String>),
    All(String),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Control {
    /// Shared (`Arc`) with every verdict on the control: an evaluation of 10 000 systems makes
    /// hundreds of thousands of them.
    pub id: Arc<str>,
    pub section: Section,
    pub group: String,
    pub title: Text,
    pub levels: Vec<u8>,
    #[serde(rename = "ref")]
    pub refs: Refs,
    #[serde(default)]
    pub tcvn_ref: BTreeMap<u8, Option<String>>,
    pub automation: Automation,
    pub evidence: EvidenceSpec,
    #[serde(default)]
    pub notes: Option<String>,
    #[serde(default)]
    pub observable_notes: Option<String>,
    #[serde(default)]
    pub evidence_hint: Option<String>,
    #[serde(default)]
    pub successor_hint: Option<String>,
    pub verification: Arc<str>,
    /// Ids of the same requirement in other catalogues (`{tt12-2022: [POL.01, POL.02]}`).
    #[serde(default)]
    pub maps_to: BTreeMap<String, Vec<String>>,
    /// Levels at which the law leaves the control to the owner's need and capacity: evaluated and
    /// reported, never counted toward `compliant`.
    #[serde(default)]
    pub optional_levels: Vec<u8>,
}

impl Control {
    /// The circular's clause for this control at `level` (e.g. "PL-III §II.2 1.1.6").
    pub fn clause(&self, level: u8) -> Option<&str> {
        match &self.refs {
            Refs::PerLevel(m) => m.get(&level).map(String::as_str),
            Refs::All(s) => Some(s),
        }
    }

    /// The TCVN clause the annex cites at `level`, if any.
    pub fn tcvn_clause(&self, level: u8) -> Option<&str> {
        self.tcvn_ref.get(&level).and_then(|c| c.as_deref())
    }

    /// How an attestation of this control is renewed for a system at `level` whose profile has
    /// `params`. A parameter that is `null` (the regulation sets no cadence) falls back to
    /// `default`, as an absent validity does.
    pub fn renewal(&self, level: u8, params: &BTreeMap<String, serde_json::Value>, default: u32) -> Renewal {
        let e = &self.evidence;
        if e.untimed {
            return Renewal::Untimed;
        }
        if let Some((month, day)) = e.due_yearly.as_deref().and_then(month_day) {
            return Renewal::DueYearly(month, day);
        }
        let months = match &e.validity_months {
            None => default,
            Some(Validity::All(m)) => *m,
            Some(Validity::PerLevel(m)) => m.get(&level).copied().unwrap_or(default),
            Some(Validity::Param { param }) => {
                params.get(param).and_then(serde_json::Value::as_u64).map_or(default, |m| m as u32)
            }
        };
        Renewal::Months(months)
    }

    /// True when the law leaves this control to need and capacity at `level`.
    pub fn optional_at(&self, level: u8) -> bool {
        self.optional_levels.contains(&level)
    }

    pub fn is_obligation(&self) -> bool {
        self.section == Section::Obligation
    }

    /// Level criteria are catalogued but never evaluated.
    pub fn is_criterion(&self) -> bool {
        self.section == Section::Criteria
    }
}

/// `MM-DD` as a month and a day that exists in every year (29 February is refused).
pub fn month_day(s: &str) -> Option<(time::Month, u8)> {
    let (m, d) = s.split_once('-')?;
    let (m, d): (u8, u8) = (m.parse().ok()?, d.parse().ok()?);
    let month = time::Month::try_from(m).ok()?;
    (m >= 1 && d >= 1 && d <= time::util::days_in_month(month, 2025)).then_some((month, d))
}

/// Where the ids of an older catalogue went: the routing of ids it does not reuse.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Supersedes {
    pub catalogue: String,
    /// Old id -> the ids of this catalogue that carry its substance (empty: none does).
    pub routing: BTreeMap<String, Vec<String>>,
    /// Old id -> why it has no successor, for ids routed nowhere.
    #[serde(default)]
    pub notes: BTreeMap<String, String>,
}

/// The type of a level parameter's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ParamType {
    Boolean,
    /// A whole number (days, hours, months, counts).
    Integer,
    String,
}

impl ParamType {
    pub fn as_str(self) -> &'static str {
        match self {
            ParamType::Boolean => "boolean",
            ParamType::Integer => "integer",
            ParamType::String => "string",
        }
    }

    /// Whether `v` is a value of this type (`null` only where the parameter allows it).
    pub fn admits(self, v: &serde_json::Value, nullable: bool) -> bool {
        match v {
            serde_json::Value::Null => nullable,
            serde_json::Value::Bool(_) => self == ParamType::Boolean,
            serde_json::Value::Number(n) => self == ParamType::Integer && (n.is_i64() || n.is_u64()),
            serde_json::Value::String(_) => self == ParamType::String,
            _ => false,
        }
    }
}

/// A level parameter the catalogue's profiles set and rules read (`params.NAME`): declared once
/// with its type, so a profile that misspells or mistypes one, or a rule that reads one no
/// catalogue declares, is refused at load instead of erring on every record.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParamSpec {
    #[serde(rename = "type")]
    pub kind: ParamType,
    /// `null` allowed: the level sets no value (e.g. no appraisal time limit at levels 1–2).
    #[serde(default)]
    pub nullable: bool,
    /// Unit of an integer (`days`, `hours`, `months`, `seconds`).
    #[serde(default)]
    pub unit: Option<String>,
    pub description: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Defaults {
    pub validity_months: u32,
    pub evidence_max_age_days: u32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogueFile {
    schema: Spanned<String>,
    id: Spanned<String>,
    version: String,
    title: Text,
    #[serde(default)]
    sources: Vec<String>,
    /// The national standard whose clauses `tcvn_ref` cites (e.g. "TCVN 11930:2017").
    standard: String,
    /// The day the regime took effect.
    effective: Spanned<String>,
    /// Verification marking -> the caveat every report shows with a control so marked.
    #[serde(default)]
    verification_caveats: BTreeMap<String, Arc<Text>>,
    /// Why some controls are optional at some levels, shown beside them in reports.
    #[serde(default)]
    optional_basis: Option<Text>,
    #[serde(default)]
    supersedes: Option<Supersedes>,
    defaults: Defaults,
    /// The level parameters its profiles set, with their types.
    #[serde(default)]
    params: BTreeMap<String, ParamSpec>,
    controls: Vec<Spanned<Control>>,
    #[serde(default)]
    obligations: Vec<Spanned<Control>>,
}

/// A loaded, checked catalogue.
///
/// Invariants (enforced by [`Catalogue::parse`]): ids are unique; every control has both titles,
/// levels within 1..=5 and a clause for each of its levels; obligations have section `obligation`
/// and controls do not.
#[derive(Debug, Clone)]
pub struct Catalogue {
    pub id: String,
    pub version: String,
    pub title: Text,
    pub sources: Vec<String>,
    pub standard: String,
    pub effective: time::Date,
    pub verification_caveats: BTreeMap<String, Arc<Text>>,
    pub optional_basis: Option<Text>,
    pub supersedes: Option<Supersedes>,
    pub defaults: Defaults,
    pub params: BTreeMap<String, ParamSpec>,
    /// Controls then obligations, in file order.
    pub controls: Vec<Control>,
    index: HashMap<String, usize>,
    /// Where the catalogue was read from, for messages.
    pub origin: String,
}

impl Catalogue {
    pub fn parse(origin: &str, text: &str) -> Result<Catalogue, Problems> {
        let file: CatalogueFile = crate::yaml::parse_all(origin, text)?;
        let mut problems = Collector::default();
        if file.schema.value != SCHEMA {
            problems.push(Problem::at_text(
                origin,
                file.schema.referenced,
                crate::i18n::Text::new(
                    format!("expected `schema: {SCHEMA}`, found `{}`", file.schema.value),
                    format!("cần `schema: {SCHEMA}`, gặp `{}`", file.schema.value),
                ),
            ));
        }
        let effective = crate::dates::parse(&file.effective.value).unwrap_or_else(|e| {
            problems.push(Problem::at_text(
                origin,
                file.effective.referenced,
                crate::i18n::Text::new(format!("effective: {e}"), format!("effective: {e}")),
            ));
            time::Date::MIN
        });
        let mut controls = Vec::new();
        let mut index = HashMap::new();
        let entries =
            file.controls.into_iter().map(|c| (c, false)).chain(file.obligations.into_iter().map(|c| (c, true)));
        for (spanned, in_obligations) in entries {
            let at = spanned.referenced;
            let c = spanned.value;
            for msg in check_control(&c, in_obligations) {
                problems.push(Problem::at_text(
                    origin,
                    at,
                    crate::i18n::Text::new(format!("control {}: {msg}", c.id), format!("biện pháp {}: {msg}", c.id)),
                ));
            }
            if index.insert(c.id.to_string(), controls.len()).is_some() {
                problems.push(Problem::at_text(
                    origin,
                    at,
                    crate::i18n::Text::new(
                        format!("duplicate control id {}", c.id),
                        format!("mã biện pháp {} bị trùng", c.id),
                    ),
                ));
            }
            controls.push(c);
        }
        problems.finish(Catalogue {
            id: file.id.value,
            version: file.version,
            title: file.title,
            sources: file.sources,
            standard: file.standard,
            effective,
            verification_caveats: file.verification_caveats,
            optional_basis: file.optional_basis,
            supersedes: file.supersedes,
            defaults: file.defaults,
            params: file.params,
            controls,
            index,
            origin: origin.to_string(),
        })
    }

    pub fn get(&self, id: &str) -> Option<&Control> {
        self.index.get(id).map(|&i| &self.controls[i])
    }

    /// Controls and obligations whose annex or article lists them at `level`, in catalogue order.
    pub fn listed_at(&self, level: u8) -> impl Iterator<Item = &Control> {
        self.controls.iter().filter(move |c| c.levels.contains(&level))
    }

    /// The caveat a report shows with `c`, when its verification marking has one.
    pub fn caveat(&self, c: &Control) -> Option<&Arc<Text>> {
        self.verification_caveats.get(&*c.verification)
    }
}

fn check_control(c: &Control, in_obligations: bool) -> Vec<String> {
    let mut out = Vec::new();
    if !c.title.is_complete() {
        out.push("needs both an English and a Vietnamese title".to_string());
    }
    if c.levels.is_empty() || c.levels.iter().any(|l| !(1..=5).contains(l)) {
        out.push(format!("levels must be within 1..=5, found {:?}", c.levels));
    }
    if let Refs::PerLevel(m) = &c.refs {
        for l in &c.levels {
            if !m.contains_key(l) {
                out.push(format!("no clause reference for level {l}"));
            }
        }
    }
    let listed_as_obligation = c.is_obligation() || c.is_criterion();
    if in_obligations != listed_as_obligation {
        out.push(
            "obligations and level criteria (and only they) go under `obligations:`, with `section: obligation` or `criteria`"
                .into(),
        );
    }
    if let Some(l) = c.optional_levels.iter().find(|l| !c.levels.contains(l)) {
        out.push(format!("optional at level {l}, which is not among its levels"));
    }
    if c.is_criterion() && !c.optional_levels.is_empty() {
        out.push("level criteria are never evaluated, so they cannot be optional".into());
    }
    out.extend(check_evidence(&c.evidence));
    out
}

/// The renewal fields say one thing: a period, no age limit, or a yearly deadline.
fn check_evidence(e: &EvidenceSpec) -> Vec<String> {
    let mut out = Vec::new();
    let set = [e.validity_months.is_some(), e.untimed, e.due_yearly.is_some()].iter().filter(|b| **b).count();
    if set > 1 {
        out.push("give at most one of `validity_months`, `untimed` and `due_yearly`".to_string());
    }
    if let Some(d) = &e.due_yearly
        && month_day(d).is_none()
    {
        out.push(format!("due_yearly must be MM-DD (a day every year has), found `{d}`"));
    }
    match &e.measured {
        None if e.attestation == AttestationNeed::Optional => out.push(
            "`attestation: optional` needs `measured:` (which evidence, on which hosts, how fresh, and why it is enough)"
                .to_string(),
        ),
        None => {}
        Some(m) => {
            if m.kinds.is_empty() || m.kinds.iter().any(|k| k.host_record().is_none()) {
                out.push("measured.kinds must list host evidence kinds: host-audit, vulnerabilities, agent".to_string());
            }
            if m.why.trim().is_empty() {
                out.push("measured.why must say why the measurement covers the requirement".to_string());
            }
        }
    }
    out
}
