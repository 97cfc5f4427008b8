//! A control catalogue: every control and decree obligation of one regime (e.g. `tt12-2022`),
//! with titles in both languages, the levels that list it, the clause per level and how it can be
//! evidenced. Schema `tuanthu/catalogue/v1`; the bundled one is `profiles/tt12-2022/catalogue.yaml`.

use crate::diag::{Collector, Problem, Problems};
use crate::i18n::Text;
use serde::Deserialize;
use serde_saphyr::Spanned;
use std::collections::{BTreeMap, HashMap};

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
    /// Decree duties, reported beside the controls; they do not enter `compliant`.
    Obligation,
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
    /// A clean, fresh measurement by the control's rules passes it as well.
    Optional,
}

/// Months an attestation stays valid: one number, or one per level.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum Validity {
    All(u32),
    PerLevel(BTreeMap<u8, u32>),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceSpec {
    pub attestation: AttestationNeed,
    #[serde(default)]
    pub validity_months: Option<Validity>,
    /// Where the validity period comes from (the regulation's clause), shown in reports.
    #[serde(default)]
    pub validity_source: Option<String>,
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
    pub id: String,
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
    pub verification: String,
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

    /// Months an attestation of this control stays valid for a system at `level`.
    pub fn validity_months(&self, level: u8, default: u32) -> u32 {
        match &self.evidence.validity_months {
            None => default,
            Some(Validity::All(m)) => *m,
            Some(Validity::PerLevel(m)) => m.get(&level).copied().unwrap_or(default),
        }
    }

    pub fn is_obligation(&self) -> bool {
        self.section == Section::Obligation
    }

    /// True when the catalogue says the per-level substance was not verified against the text.
    pub fn content_unverified(&self) -> bool {
        self.verification.contains("unverified")
    }
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
    defaults: Defaults,
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
    pub defaults: Defaults,
    /// Controls then obligations, in file order.
    pub controls: Vec<Control>,
    index: HashMap<String, usize>,
    /// Where the catalogue was read from, for messages.
    pub origin: String,
}

impl Catalogue {
    pub fn parse(origin: &str, text: &str) -> Result<Catalogue, Problems> {
        let file: CatalogueFile = crate::yaml::parse(origin, text)?;
        let mut problems = Collector::default();
        if file.schema.value != SCHEMA {
            problems.push(Problem::at(
                origin,
                file.schema.referenced,
                format!("expected `schema: {SCHEMA}`, found `{}`", file.schema.value),
            ));
        }
        let mut controls = Vec::new();
        let mut index = HashMap::new();
        let entries =
            file.controls.into_iter().map(|c| (c, false)).chain(file.obligations.into_iter().map(|c| (c, true)));
        for (spanned, in_obligations) in entries {
            let at = spanned.referenced;
            let c = spanned.value;
            for msg in check_control(&c, in_obligations) {
                problems.push(Problem::at(origin, at, format!("control {}: {msg}", c.id)));
            }
            if index.insert(c.id.clone(), controls.len()).is_some() {
                problems.push(Problem::at(origin, at, format!("duplicate control id {}", c.id)));
            }
            controls.push(c);
        }
        problems.finish(Catalogue {
            id: file.id.value,
            version: file.version,
            title: file.title,
            sources: file.sources,
            defaults: file.defaults,
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
    if in_obligations != c.is_obligation() {
        out.push("obligations (and only they) go under `obligations:` with `section: obligation`".into());
    }
    out
}
