//! A level profile: the set of catalogue controls required at one security level, exactly as the
//! level's annex lists them, plus per-level parameters that rules read as `params.*`.
//! Schema `tuanthu/profile/v1`; the bundled ones are `profiles/<catalogue>/level-<N>.yaml`.

use super::catalogue::{Catalogue, Section};
use crate::diag::{Collector, Problem, Problems};
use crate::i18n::Text;
use serde::Deserialize;
use serde_saphyr::Spanned;
use std::collections::BTreeMap;

pub const SCHEMA: &str = "tuanthu/profile/v1";

/// Row counts of the level's annex, as printed in the circular.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct AnnexCounts {
    pub management: usize,
    pub zones: usize,
    pub design_measures: usize,
    pub configuration: usize,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileFile {
    schema: Spanned<String>,
    catalogue: Spanned<String>,
    level: Spanned<u8>,
    title: Text,
    annex_counts: Option<AnnexCounts>,
    #[serde(default)]
    params: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    management: Vec<Spanned<String>>,
    #[serde(default)]
    general: Vec<Spanned<String>>,
    #[serde(default)]
    design: Vec<Spanned<String>>,
    #[serde(default)]
    configuration: Vec<Spanned<String>>,
    #[serde(default)]
    obligations: Vec<Spanned<String>>,
}

/// A checked profile.
///
/// Invariants (enforced by [`Profile::build`]): every id exists in the catalogue, sits in the
/// matching section, lists this level, and appears once; the lists match `annex_counts`.
#[derive(Debug, Clone)]
pub struct Profile {
    pub catalogue: String,
    pub level: u8,
    pub title: Text,
    pub annex_counts: Option<AnnexCounts>,
    pub params: BTreeMap<String, serde_json::Value>,
    /// Required controls (management, general, design, configuration), in that order.
    pub controls: Vec<String>,
    /// Decree obligations reported beside the controls.
    pub obligations: Vec<String>,
    pub origin: String,
}

impl Profile {
    /// Parses a profile file and checks it against its catalogue.
    pub fn build(origin: &str, text: &str, catalogues: &[Catalogue]) -> Result<Profile, Problems> {
        let f: ProfileFile = crate::yaml::parse(origin, text)?;
        let mut problems = Collector::default();
        if f.schema.value != SCHEMA {
            problems.push(Problem::at(origin, f.schema.referenced, format!("expected `schema: {SCHEMA}`")));
        }
        let Some(cat) = catalogues.iter().find(|c| c.id == f.catalogue.value) else {
            problems.push(Problem::at(
                origin,
                f.catalogue.referenced,
                format!("unknown catalogue `{}`", f.catalogue.value),
            ));
            return Err(Problems(problems.0));
        };
        let level = f.level.value;
        if !(1..=5).contains(&level) {
            problems.push(Problem::at(origin, f.level.referenced, format!("level must be 1..=5, found {level}")));
        }
        let lists = [
            (Section::Management, &f.management),
            (Section::General, &f.general),
            (Section::Design, &f.design),
            (Section::Configuration, &f.configuration),
            (Section::Obligation, &f.obligations),
        ];
        let mut seen = std::collections::HashSet::new();
        for (section, ids) in lists {
            for id in ids.iter() {
                check_entry(origin, cat, level, section, id, &mut seen, &mut problems);
            }
        }
        if let Some(counts) = &f.annex_counts {
            check_counts(origin, &f, counts, &mut problems);
        }
        check_complete(origin, cat, level, &seen, &mut problems);
        let ids = |v: &[Spanned<String>]| v.iter().map(|s| s.value.clone()).collect::<Vec<_>>();
        let mut controls = ids(&f.management);
        controls.extend(ids(&f.general));
        controls.extend(ids(&f.design));
        controls.extend(ids(&f.configuration));
        problems.finish(Profile {
            catalogue: cat.id.clone(),
            level,
            title: f.title,
            annex_counts: f.annex_counts,
            params: f.params,
            controls,
            obligations: ids(&f.obligations),
            origin: origin.to_string(),
        })
    }
}

fn check_entry(
    origin: &str,
    cat: &Catalogue,
    level: u8,
    section: Section,
    id: &Spanned<String>,
    seen: &mut std::collections::HashSet<String>,
    problems: &mut Collector,
) {
    let at = id.referenced;
    match cat.get(&id.value) {
        None => {
            problems.push(Problem::at(origin, at, format!("unknown control `{}` in catalogue {}", id.value, cat.id)))
        }
        Some(c) => {
            if c.section != section {
                problems.push(Problem::at(
                    origin,
                    at,
                    format!("{} belongs to section {:?}, not {section:?}", c.id, c.section),
                ));
            }
            if !c.levels.contains(&level) {
                problems.push(Problem::at(
                    origin,
                    at,
                    format!("{} is not listed at level {level} in the catalogue", c.id),
                ));
            }
        }
    }
    if !seen.insert(id.value.clone()) {
        problems.push(Problem::at(origin, at, format!("{} is listed twice", id.value)));
    }
}

fn check_counts(origin: &str, f: &ProfileFile, counts: &AnnexCounts, problems: &mut Collector) {
    // DES.01 is the zoning requirement (§II.1.a); the other design entries are §II.1.b measures.
    let measures = f.design.iter().filter(|d| d.value != "DES.01").count();
    let actual = [
        ("management", f.management.len(), counts.management),
        ("design_measures", measures, counts.design_measures),
        ("configuration", f.configuration.len(), counts.configuration),
    ];
    for (name, got, want) in actual {
        if got != want {
            problems.push(Problem::at(
                origin,
                f.level.referenced,
                format!("annex_counts.{name} is {want} but the profile lists {got}"),
            ));
        }
    }
}

/// The catalogue and the profile must agree both ways: a control listed at this level in the
/// catalogue but missing from the profile is as wrong as the reverse.
fn check_complete(
    origin: &str,
    cat: &Catalogue,
    level: u8,
    seen: &std::collections::HashSet<String>,
    problems: &mut Collector,
) {
    for c in cat.listed_at(level) {
        if !seen.contains(&c.id) {
            problems.push(Problem::file(
                origin,
                format!("{} is listed at level {level} in catalogue {} but missing from this profile", c.id, cat.id),
            ));
        }
    }
}
