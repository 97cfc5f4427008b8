//! `tuanthu rules test [DIR]...`: run a rule pack's case files, so a rule author can write and
//! test rules without Rust or cargo. With no DIR, the bundled pack tests itself (its case files
//! ship in the binary beside its rules).

use super::{Error, ExitCode, lang_parser};
use clap::{Args, Subcommand};
use std::path::PathBuf;
use tuanthu::diag::Collector;
use tuanthu::i18n::Lang;
use tuanthu::policy::Policy;
use tuanthu::policy::cases::{self, Outcome};
use tuanthu::sanitize::one_line;

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Run a rule pack's case files (`*.cases.yaml`, `schema: tuanthu/rule-cases/v1`) against its rules
    #[command(after_help = "A pack is a directory of rule files (`schema: tuanthu/rule/v1`) and their case files, \
each rule beside its `<rule-id>.cases.yaml`. Every rule needs a case file with a case it fails (for `select:` \
rules: selects) and one it does not. A failing case's message and `show:` paths must name facts the record has. \
The case format is in docs/rules.md.\n\nExamples:\n  tuanthu rules test                 # the bundled rules\n  \
tuanthu rules test my-pack/\n  tuanthu rules test my-pack/ --profiles my-profiles/\n\n\
Exit codes: 0 every case passes; 1 some fail (each listed with file:line); 2 invalid rule or case files.")]
    Test(TestArgs),
}

#[derive(Debug, Args)]
pub struct TestArgs {
    /// Pack directories (rules and their case files); default: the bundled pack
    #[arg(value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
    /// Profiles directory with catalogues and level profiles (default: the bundled ones)
    #[arg(long, value_name = "DIR")]
    pub profiles: Option<PathBuf>,
    /// Print only failures and errors
    #[arg(short, long)]
    pub quiet: bool,
    /// Language of the messages
    #[arg(long, value_parser = lang_parser(), default_value = "en", env = "TUANTHU_LANG")]
    pub lang: Lang,
}

impl RulesCommand {
    pub fn lang(&self) -> Lang {
        match self {
            RulesCommand::Test(a) => a.lang,
        }
    }
}

pub fn run(c: RulesCommand) -> Result<ExitCode, Error> {
    match c {
        RulesCommand::Test(a) => test(a),
    }
}

fn test(a: TestArgs) -> Result<ExitCode, Error> {
    let (rules_dir, added) = match a.dirs.split_first() {
        Some((first, rest)) => (Some(first.as_path()), rest),
        None => (None, &[][..]),
    };
    let mut p = Collector::default();
    let policy = Policy::load_with(a.profiles.as_deref(), rules_dir, added).map_err(|e| p.extend(e)).ok();
    let files = if a.dirs.is_empty() {
        cases::bundled()
    } else {
        let sources: Vec<_> =
            a.dirs.iter().flat_map(|d| tuanthu::policy::source::sources(Some(d), "rules/", &mut p)).collect();
        cases::from_sources(&sources)
    };
    let files = files.map_err(|e| p.extend(e)).ok();
    let (Some(policy), Some(files)) = (policy, files) else {
        return Err(p.into_problems().map_or_else(|| Error::Usage("no rules loaded".into()), Error::Invalid));
    };
    let outcome = cases::run(&policy, &files)?;
    if !a.quiet {
        for pk in &policy.packs {
            println!("pack {} {}: {}", one_line(&pk.id), one_line(&pk.version), one_line(pk.title.get(a.lang)));
        }
    }
    print(&outcome, a.lang, a.quiet);
    Ok(if outcome.failures.is_empty() { ExitCode::Ok } else { ExitCode::No })
}

fn print(o: &Outcome, l: Lang, quiet: bool) {
    for f in &o.failures {
        let at = if f.line > 0 { format!("{}:{}", f.origin, f.line) } else { f.origin.clone() };
        let what = if f.case.is_empty() { f.rule.clone() } else { format!("{} / {}", f.rule, f.case) };
        println!("FAIL {} {}: {}", one_line(&at), one_line(&what), one_line(f.message.get(l)));
    }
    if quiet && o.failures.is_empty() {
        return;
    }
    let failed = o.cases - o.passed;
    match l {
        Lang::En => println!(
            "{} rules, {} case files, {} cases: {} passed, {failed} failed{}",
            o.rules,
            o.files,
            o.cases,
            o.passed,
            rule_failures(o, " (and {} rule-level problems)")
        ),
        Lang::Vi => println!(
            "{} quy tắc, {} tệp ca kiểm thử, {} ca: {} đạt, {failed} không đạt{}",
            o.rules,
            o.files,
            o.cases,
            o.passed,
            rule_failures(o, " (và {} lỗi ở mức quy tắc)")
        ),
    }
}

/// The count of failures about a whole rule or file (no case file, a one-sided case file).
fn rule_failures(o: &Outcome, template: &str) -> String {
    let n = o.failures.iter().filter(|f| f.case.is_empty()).count();
    if n == 0 { String::new() } else { template.replace("{}", &n.to_string()) }
}
