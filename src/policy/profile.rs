//! A level profile: the set of catalogue controls required at one security level, exactly as the
//! level's annex (or the decree and its standard) lists them, the controls the law leaves optional
//! at that level, and per-level parameters that rules and validity periods read as `params.*`.
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

/// How many entries each list of the profile holds, as the catalogue's data says; checked against
/// the lists so that the two cannot drift apart silently.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Counts {
    pub required: usize,
    pub optional: usize,
    pub obligations: usize,
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
    counts: Option<Counts>,
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
    technical: Vec<Spanned<String>>,
    #[serde(default)]
    obligations: Vec<Spanned<String>>,
    /// Controls and obligations the law leaves to need and capacity at this level.
    #[serde(default)]
    optional: Vec<Spanned<String>>,
}

/// A checked profile.
///
/// Invariants (enforced by [`Profile::build`]): every id exists in the catalogue, sits in the
/// matching section, lists this level, and appears once; an id is in `optional` exactly when the
/// catalogue marks it optional at this level; the lists match `annex_counts` and `counts`.
#[derive(Debug, Clone)]
pub struct Profile {
    pub catalogue: String,
    pub level: u8,
    pub title: Text,
    pub annex_counts: Option<AnnexCounts>,
    pub counts: Option<Counts>,
    pub params: BTreeMap<String, serde_json::Value>,
    /// Required controls (management, general, design, configuration, technical), in that order.
    pub controls: Vec<String>,
    /// Decree obligations reported beside the controls.
    pub obligations: Vec<String>,
    /// Optional controls and obligations: evaluated and reported apart, never counted toward
    /// `compliant`.
    pub optional: Vec<String>,
    pub origin: String,
}

impl Profile {
    /// Parses a profile file and checks it against its catalogue.
    pub fn build(origin: &str, text: &str, catalogues: &[Catalogue]) -> Result<Profile, Problems> {
        let f: ProfileFile = crate::yaml::parse_all(origin, text)?;
        let mut problems = Collector::default();
        if f.schema.value != SCHEMA {
            problems.push(Problem::at_text(
                origin,
                f.schema.referenced,
                crate::i18n::Text::new(format!("expected `schema: {SCHEMA}`"), format!("cần `schema: {SCHEMA}`")),
            ));
        }
        let Some(cat) = catalogues.iter().find(|c| c.id == f.catalogue.value) else {
            return Err(problems.fail_with(Problem::at_text(
                origin,
                f.catalogue.referenced,
                crate::i18n::Text::new(
                    format!("unknown catalogue `{}`", f.catalogue.value),
                    format!("không có danh mục `{}`", f.catalogue.value),
                ),
            )));
        };
        let level = f.level.value;
        if !(1..=5).contains(&level) {
            problems.push(Problem::at_text(
                origin,
                f.level.referenced,
                crate::i18n::Text::new(
                    format!("level must be 1..=5, found {level}"),
                    format!("cấp độ phải từ 1 đến 5, gặp {level}"),
                ),
            ));
        }
        let lists = [
            (Section::Management, &f.management),
            (Section::General, &f.general),
            (Section::Design, &f.design),
            (Section::Configuration, &f.configuration),
            (Section::Technical, &f.technical),
            (Section::Obligation, &f.obligations),
        ];
        let mut seen = std::collections::HashSet::new();
        for (section, ids) in lists {
            for id in ids.iter() {
                check_entry(origin, cat, level, Some(section), id, &mut seen, &mut problems);
            }
        }
        for id in &f.optional {
            check_entry(origin, cat, level, None, id, &mut seen, &mut problems);
        }
        if let Some(counts) = &f.annex_counts {
            check_counts(origin, &f, counts, &mut problems);
        }
        if let Some(counts) = &f.counts {
            check_list_counts(origin, &f, counts, &mut problems);
        }
        check_complete(origin, cat, level, &seen, &mut problems);
        let ids = |v: &[Spanned<String>]| v.iter().map(|s| s.value.clone()).collect::<Vec<_>>();
        let mut controls = ids(&f.management);
        controls.extend(ids(&f.general));
        controls.extend(ids(&f.design));
        controls.extend(ids(&f.configuration));
        controls.extend(ids(&f.technical));
        problems.finish(Profile {
            catalogue: cat.id.clone(),
            level,
            title: f.title,
            annex_counts: f.annex_counts,
            counts: f.counts,
            params: f.params,
            controls,
            obligations: ids(&f.obligations),
            optional: ids(&f.optional),
            origin: origin.to_string(),
        })
    }
}

/// Checks one entry of a list; `section` is the list's section, `None` for `optional:` (which
/// holds controls and obligations alike).
fn check_entry(
    origin: &str,
    cat: &Catalogue,
    level: u8,
    section: Option<Section>,
    id: &Spanned<String>,
    seen: &mut std::collections::HashSet<String>,
    problems: &mut Collector,
) {
    let at = id.referenced;
    match cat.get(&id.value) {
        None => problems.push(Problem::at_text(
            origin,
            at,
            crate::i18n::Text::new(
                format!("unknown control `{}` in catalogue {}", id.value, cat.id),
                format!("biện pháp `{}` không có trong danh mục {}", id.value, cat.id),
            ),
        )),
        Some(c) => {
            match section {
                Some(s) if c.section != s => problems.push(Problem::at_text(
                    origin,
                    at,
                    crate::i18n::Text::new(
                        format!("{} belongs to section {:?}, not {s:?}", c.id, c.section),
                        format!("{} thuộc mục {:?}, không phải {s:?}", c.id, c.section),
                    ),
                )),
                None if c.is_criterion() => problems.push(Problem::at_text(
                    origin,
                    at,
                    crate::i18n::Text::new(
                        format!("{} is a level criterion, never evaluated", c.id),
                        format!("{} là tiêu chí xác định cấp độ, không bao giờ được đánh giá", c.id),
                    ),
                )),
                _ => {}
            }
            if c.optional_at(level) != section.is_none() {
                let (want, list) =
                    if c.optional_at(level) { ("optional", "`optional:`") } else { ("required", "its section's list") };
                problems.push(Problem::at_text(
                    origin,
                    at,
                    crate::i18n::Text::new(
                        format!("{} is {want} at level {level} in the catalogue: list it under {list}", c.id),
                        format!("{} là {want} ở cấp độ {level} trong danh mục: hãy liệt kê trong {list}", c.id),
                    ),
                ));
            }
            if !c.levels.contains(&level) {
                problems.push(Problem::at_text(
                    origin,
                    at,
                    crate::i18n::Text::new(
                        format!("{} is not listed at level {level} in the catalogue", c.id),
                        format!("{} không có ở cấp độ {level} trong danh mục", c.id),
                    ),
                ));
            }
        }
    }
    if !seen.insert(id.value.clone()) {
        problems.push(Problem::at_text(
            origin,
            at,
            crate::i18n::Text::new(
                format!("{} is listed twice", id.value),
                format!("{} được liệt kê hai lần", id.value),
            ),
        ));
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
    report_count_drift(origin, f, "annex_counts", &actual, problems);
}

fn check_list_counts(origin: &str, f: &ProfileFile, counts: &Counts, problems: &mut Collector) {
    let required = f.management.len() + f.general.len() + f.design.len() + f.configuration.len() + f.technical.len();
    let actual = [
        ("required", required, counts.required),
        ("optional", f.optional.len(), counts.optional),
        ("obligations", f.obligations.len(), counts.obligations),
    ];
    report_count_drift(origin, f, "counts", &actual, problems);
}

/// One problem per declared count (`{key}.{name}`) that differs from what the lists hold.
fn report_count_drift(
    origin: &str,
    f: &ProfileFile,
    key: &str,
    actual: &[(&str, usize, usize)],
    problems: &mut Collector,
) {
    for &(name, got, want) in actual {
        if got != want {
            problems.push(Problem::at_text(
                origin,
                f.level.referenced,
                crate::i18n::Text::new(
                    format!("{key}.{name} is {want} but the profile lists {got}"),
                    format!("{key}.{name} là {want} nhưng hồ sơ liệt kê {got}"),
                ),
            ));
        }
    }
}

/// The catalogue and the profile must agree both ways: a control listed at this level in the
/// catalogue but missing from the profile is as wrong as the reverse. Level criteria are never
/// evaluated, so profiles do not list them.
fn check_complete(
    origin: &str,
    cat: &Catalogue,
    level: u8,
    seen: &std::collections::HashSet<String>,
    problems: &mut Collector,
) {
    for c in cat.listed_at(level).filter(|c| !c.is_criterion()) {
        if !seen.contains(&*c.id) {
            problems.push(Problem::file_text(
                origin,
                crate::i18n::Text::new(
                    format!(
                        "{} is listed at level {level} in catalogue {} but missing from this profile",
                        c.id, cat.id
                    ),
                    format!("{} có ở cấp độ {level} trong danh mục {} nhưng thiếu trong hồ sơ này", c.id, cat.id),
                ),
            ));
        }
    }
}
