//! `tuanthu check`: evaluate registered systems with the evidence given; no network.

use super::{Common, ExitCode, as_of, fail, invalid, load_policy, write_output};
use crate::collect::{Scope, import_nmap};
use crate::diag::{Problem, Problems};
use crate::engine::{self, Evidence, Options, Status};
use crate::report::{Report, json, table};
use clap::{Args, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Terminal tables (default)
    Table,
    /// The tuanthu/report/v1 JSON document
    Json,
}

/// Which statuses make the command say "no" (exit 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// A required control is `fail` or `unknown` (default: no evidence is not a pass)
    Any,
    /// Only `fail`
    Fail,
    /// Never exit 1 (report only)
    Never,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Inventory files or directories (tuanthu/inventory/v1)
    #[arg(long, required = true, num_args = 1.., value_name = "PATH")]
    pub inventory: Vec<PathBuf>,
    /// nmap XML results (`nmap -oX`); hosts are matched to the declared assets
    #[arg(long, num_args = 1.., value_name = "FILE.xml")]
    pub nmap: Vec<PathBuf>,
    /// Evidence files of live TLS/HTTP probes (tuanthu/evidence/v1, JSON or JSON Lines)
    #[arg(long, num_args = 1.., value_name = "FILE")]
    pub evidence: Vec<PathBuf>,
    /// Directory searched for tailoring files after each inventory file's own directory
    #[arg(long, value_name = "DIR")]
    pub tailoring: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Evaluate as of this date (YYYY-MM-DD) instead of today: attestation staleness, waiver
    /// expiry and evidence age are judged at it, so a past period can be reproduced exactly
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// Evidence older than this many days is not used (default: the catalogue's, 90)
    #[arg(long, value_name = "DAYS")]
    pub max_evidence_age: Option<u32>,
    /// Evaluate every system under this catalogue instead of its own (preview another regime)
    #[arg(long, value_name = "ID")]
    pub catalogue: Option<String>,
    /// Which statuses make tuanthu exit 1
    #[arg(long, value_enum, default_value_t = FailOn::Any)]
    pub fail_on: FailOn,
    #[command(flatten)]
    pub common: Common,
}

pub fn run(a: CheckArgs) -> ExitCode {
    let (policy, inv, as_of) = match load_inputs(&a) {
        Ok(x) => x,
        Err(p) => return invalid(&p),
    };
    let scope = Scope::of(&inv);
    let evidence = Evidence {
        nmap: a.nmap.iter().map(|p| import_nmap(p, &scope)).collect(),
        probes: a.evidence.iter().map(|p| crate::collect::evidence_file::read(p)).collect(),
    };
    let mut code = ExitCode::Ok;
    for input in &evidence.probes {
        if let Some(e) = &input.fatal {
            eprintln!("error: {}: {} (no record of it is used)", input.file, crate::sanitize::one_line(e));
            code = code.max(ExitCode::Invalid);
        }
        for p in &input.problems {
            eprintln!("error: {}: {}", input.file, crate::sanitize::one_line(p));
            code = code.max(ExitCode::Invalid);
        }
    }
    for input in &evidence.nmap {
        if let Some(e) = &input.error {
            eprintln!(
                "error: {}: {} (the {} host(s) read before it are used; the evidence is marked partial)",
                input.file,
                crate::sanitize::one_line(&e.to_string()),
                input.run.hosts_parsed
            );
            code = code.max(ExitCode::Invalid);
        }
    }
    let opts = Options { as_of, max_evidence_age_days: a.max_evidence_age, catalogue: a.catalogue.clone() };
    let assessment = engine::evaluate(&inv, &policy, &evidence, &opts);
    let generated = crate::dates::rfc3339(time::OffsetDateTime::now_utc());
    let report = Report::build(assessment, a.common.lang, generated);
    let text = match a.format {
        Format::Json => match json::render(&report) {
            Ok(t) => t,
            Err(e) => return fail(format!("cannot serialise the report: {e}")),
        },
        Format::Table => {
            let detail = if a.common.verbose {
                table::Detail::All
            } else if a.common.quiet {
                table::Detail::Summary
            } else {
                table::Detail::Problems
            };
            table::TableRenderer { lang: a.common.lang, detail, width: None }.render(&report)
        }
    };
    if let Err(e) = write_output(a.common.output.as_deref(), &text) {
        return fail(e);
    }
    code.max(verdict(&report, a.fail_on))
}

fn load_inputs(a: &CheckArgs) -> Result<(crate::policy::Policy, crate::inventory::Inventory, time::Date), Problems> {
    let as_of = as_of(a.as_of.as_deref())?;
    let policy = load_policy(&a.common)?;
    if let Some(c) = &a.catalogue
        && policy.catalogue(c).is_none()
    {
        return Err(Problems::one(Problem::file("--catalogue", format!("unknown catalogue `{c}`"))));
    }
    let files = crate::inventory::load_paths(&a.inventory, &a.tailoring)?;
    let refs = engine::references::check(&files.inventory, &policy, a.catalogue.as_deref(), as_of);
    if !refs.is_empty() {
        return Err(Problems(refs));
    }
    Ok((policy, files.inventory, as_of))
}

/// Exit 1 when any evaluated system has a required control that fails the `--fail-on` test.
fn verdict(report: &Report, fail_on: FailOn) -> ExitCode {
    let bad = |s: Status| match fail_on {
        FailOn::Any => matches!(s, Status::Fail | Status::Unknown),
        FailOn::Fail => s == Status::Fail,
        FailOn::Never => false,
    };
    let no = report.systems().any(|(_, s)| s.controls.iter().any(|c| bad(c.status)));
    if no { ExitCode::No } else { ExitCode::Ok }
}
