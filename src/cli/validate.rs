//! `tuanthu validate`: lint files by their `schema:` kind, listing every problem found.

use super::ExitCode;
use super::error::{self, Error};
use clap::Args;
use std::path::PathBuf;
use tuanthu::diag::{Collector, Problem, Problems};
use tuanthu::i18n::{Lang, tr};
use tuanthu::policy::Policy;
use tuanthu::policy::source::Source;

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Files or directories: inventories, rules, profiles, catalogues, tailoring files
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Directory searched for tailoring files named by inventories
    #[arg(long, value_name = "DIR")]
    pub tailoring: Vec<PathBuf>,
    /// Let tailoring names in the inventory lead outside the folder they are looked up in (an
    /// absolute path, `..`, a link out of it); by default such a name is refused unread
    #[arg(long)]
    pub allow_outside_inventory: bool,
    /// Print nothing when everything is valid
    #[arg(short, long)]
    pub quiet: bool,
    /// Language of the messages
    #[arg(long, value_parser = super::lang_parser(), default_value = "en", env = "TUANTHU_LANG")]
    pub lang: Lang,
}

#[derive(Default)]
struct Sorted {
    policy_files: Vec<Source>,
    rule_files: Vec<Source>,
    inventories: Vec<PathBuf>,
    tailoring: Vec<Source>,
    cases: Vec<Source>,
}

pub fn run(a: ValidateArgs) -> Result<ExitCode, Error> {
    let mut p = Collector::default();
    let sorted = sort_files(&a.paths, &mut p);
    let checked = sorted.policy_files.len()
        + sorted.rule_files.len()
        + sorted.cases.len()
        + sorted.inventories.len()
        + sorted.tailoring.len();
    // Files not given are taken from the bundled policy, so a single rule or inventory can be
    // checked against the catalogues it refers to.
    let bundled = tuanthu::policy::source::bundled_sources;
    let policy_src = with_bundled_catalogues(&sorted.policy_files);
    let rule_src = if sorted.rule_files.is_empty() { bundled("rules/") } else { sorted.rule_files.clone() };
    let policy = Policy::from_sources(&policy_src, &rule_src).map_err(|e| p.extend(e)).ok();
    // Case files are parsed (every problem listed); running them is `tuanthu rules test`.
    if let Err(e) = tuanthu::policy::cases::from_sources(&sorted.cases) {
        p.extend(e);
    }
    for t in &sorted.tailoring {
        let name =
            std::path::Path::new(&t.origin).file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_default();
        if let Err(e) = tuanthu::inventory::tailoring::parse(&name, &t.origin, &t.text) {
            p.extend(e);
        }
    }
    let mut warnings = Vec::new();
    if sorted.inventories.is_empty() {
        p.extend(tuanthu::inventory::tailoring::check_dirs(&a.tailoring));
    } else {
        let lookup = tuanthu::inventory::tailoring::Lookup {
            dirs: a.tailoring.clone(),
            allow_outside: a.allow_outside_inventory,
        };
        match tuanthu::inventory::load_paths_with(&sorted.inventories, &lookup) {
            Ok(files) => {
                warnings = files.warnings;
                if let Some(pol) = &policy {
                    let today = tuanthu::dates::today();
                    p.extend(tuanthu::engine::references::check(&files.inventory, pol, None, today));
                    let checked = tuanthu::engine::checks::check(&files.inventory, pol, None, today);
                    p.extend(checked.errors);
                    warnings.extend(checked.warnings);
                }
            }
            Err(e) => p.extend(e),
        }
    }
    error::warn_problems(&warnings, a.lang);
    // Every problem is listed, then the count: the count follows the printed errors, so the
    // problems are printed here (through the one printer) rather than returned.
    // Each problem once: a tailoring file given to `validate` (`validate .`) is also read through
    // the inventory that names it, and its problems must not be listed twice.
    if let Some(problems) = p.into_problems().map(Problems::dedup) {
        let n = problems.len();
        let invalid = Error::Invalid(problems);
        error::print(&invalid, a.lang);
        match a.lang {
            Lang::En => eprintln!("{n} problem(s) in {checked} file(s)"),
            Lang::Vi => eprintln!("{n} lỗi trong {checked} tệp"),
        }
        return Ok(invalid.exit_code());
    }
    if !a.quiet {
        println!("{checked} {}", tr(a.lang, "file(s) valid", "tệp hợp lệ"));
    }
    Ok(ExitCode::Ok)
}

/// The given catalogue and profile files, plus the bundled ones they do not replace: rules and
/// `maps_to` name controls of both regimes, so one catalogue (or one profile) cannot be checked
/// alone. A given catalogue replaces the bundled one of its id with all its profiles; a given
/// profile replaces the bundled profile of its catalogue and level.
fn with_bundled_catalogues(given: &[Source]) -> Vec<Source> {
    #[derive(serde::Deserialize)]
    struct Names {
        #[serde(default)]
        id: Option<String>,
        #[serde(default)]
        catalogue: Option<String>,
        #[serde(default)]
        level: Option<u8>,
    }
    let names = |s: &Source| serde_saphyr::from_str::<Names>(&s.text).ok();
    let given_names: Vec<Names> = given.iter().filter_map(names).collect();
    let replaced = |n: &Names| {
        given_names.iter().any(|g| {
            let whole = g.id.is_some() && (g.id == n.id || g.id == n.catalogue);
            let profile = g.catalogue.is_some() && g.catalogue == n.catalogue && g.level == n.level;
            whole || profile
        })
    };
    let mut out = given.to_vec();
    out.extend(
        tuanthu::policy::source::bundled_sources("profiles/")
            .into_iter()
            .filter(|b| !names(b).is_some_and(|n| replaced(&n))),
    );
    out
}

fn sort_files(paths: &[PathBuf], p: &mut Collector) -> Sorted {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            match tuanthu::policy::source::yaml_files(path) {
                Ok(found) => files.extend(found),
                Err(e) => p.push(Problem::file_text(path.display().to_string(), e.text())),
            }
        } else {
            files.push(path.clone());
        }
    }
    let mut s = Sorted::default();
    for f in files {
        let origin = f.display().to_string();
        let text = match tuanthu::yaml::read_text(&f) {
            Ok(t) => t,
            Err(e) => {
                p.push(e);
                continue;
            }
        };
        let kind = match tuanthu::yaml::schema_of(&origin, &text) {
            Ok(k) => k,
            Err(e) => {
                p.push(e);
                continue;
            }
        };
        let src = Source { origin, text };
        match kind.as_str() {
            tuanthu::policy::catalogue::SCHEMA | tuanthu::policy::profile::SCHEMA => s.policy_files.push(src),
            // A pack header is read with the pack's rules (unique pack ids, its form).
            tuanthu::policy::rules::SCHEMA | tuanthu::policy::pack::SCHEMA => s.rule_files.push(src),
            tuanthu::inventory::tailoring::SCHEMA => s.tailoring.push(src),
            tuanthu::policy::cases::SCHEMA => s.cases.push(src),
            tuanthu::inventory::SCHEMA => s.inventories.push(f),
            other => {
                let known = [
                    tuanthu::inventory::SCHEMA,
                    tuanthu::inventory::tailoring::SCHEMA,
                    tuanthu::policy::rules::SCHEMA,
                    tuanthu::policy::cases::SCHEMA,
                    tuanthu::policy::pack::SCHEMA,
                    tuanthu::policy::profile::SCHEMA,
                    tuanthu::policy::catalogue::SCHEMA,
                ];
                let hint = tuanthu::yaml::did_you_mean(other, known);
                let list = known.join(", ");
                p.push(Problem::text(
                    &src.origin,
                    1,
                    1,
                    tuanthu::i18n::Text::new(
                        format!("unknown `schema: {other}`{}; known: {list}", hint.en),
                        format!("`schema: {other}` không hợp lệ{}; các loại có: {list}", hint.vi),
                    ),
                ))
            }
        }
    }
    s
}
