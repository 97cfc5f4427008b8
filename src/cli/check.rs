//! `tuanthu check`: evaluate registered systems with the evidence given; no network.

use super::{Common, ExitCode, as_of, fail, invalid, load_policy, write_output};
use crate::diag::{Problem, Problems};
use crate::engine::{self, Evidence, Options, Status};
use crate::import::nmap::read_scoped as import_nmap;
use crate::inventory::Scope;
use crate::report::{Glossary, Report, json, table};
use clap::{Args, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Terminal tables (default)
    Table,
    /// The tuanthu/report/v1 JSON document
    Json,
    /// One self-contained HTML page: charts, then each system's control matrix with titles, clauses and
    /// findings; no external assets, opens offline, prints on A4 with a page per system
    Html,
    /// SARIF 2.1.0 for code scanning (GitHub, GitLab): a result per failed or unknown control and
    /// asset, located at the system's entry in the inventory
    Sarif,
    /// JUnit XML: a test suite per system, a test case per required control (fail and unknown fail)
    Junit,
    /// One row per finding, UTF-8 with BOM (opens in Excel with Vietnamese intact)
    Csv,
    /// Excel workbook: Summary, Systems, Controls, Findings and the Mẫu 08 return. Binary: give
    /// -o FILE.xlsx (or redirect standard output); it is never written to a terminal
    Xlsx,
    /// The yearly return on Decree 331 form Mẫu 08. CSV by default (the per-system table: one row
    /// per system, the form's 12 columns); the whole form (general figures, identification, table)
    /// as an Excel workbook when -o names a .xlsx file
    Mau08,
}

impl Format {
    /// Whether the output is a workbook (binary), given where it goes.
    fn is_binary(self, output: Option<&std::path::Path>) -> bool {
        match self {
            Format::Xlsx => true,
            Format::Mau08 => super::is_xlsx_path(output),
            _ => false,
        }
    }
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

/// What an evaluation reads and how it judges age: shared by `check`, `scan` and `gate`.
#[derive(Debug, Clone, Args)]
pub struct Sources {
    /// Inventory files or directories (tuanthu/inventory/v1)
    #[arg(long, required = true, num_args = 1.., value_name = "PATH")]
    pub inventory: Vec<PathBuf>,
    /// nmap XML results (`nmap -oX`); hosts are matched to the declared assets
    #[arg(long, num_args = 1.., value_name = "FILE.xml")]
    pub nmap: Vec<PathBuf>,
    /// Evidence files, the format read from their content: tuanthu's own (`collect`, `import`),
    /// nmap XML, OpenSCAP/CIS-CAT XCCDF or ARF results, Lynis report.dat, Wazuh agents lists,
    /// Greenbone/OpenVAS and Nessus reports (see `tuanthu import --help`)
    #[arg(long, num_args = 1.., value_name = "FILE")]
    pub evidence: Vec<PathBuf>,
    /// Directory searched for tailoring files after each inventory file's own directory
    #[arg(long, value_name = "DIR")]
    pub tailoring: Vec<PathBuf>,
    /// Let tailoring names in the inventory lead outside the folder they are looked up in (an
    /// absolute path, `..`, a link out of it); by default such a name is refused unread
    #[arg(long)]
    pub allow_outside_inventory: bool,
    /// Evaluate as of this date (YYYY-MM-DD) instead of today: attestation staleness, waiver
    /// expiry and evidence age are judged at it, so a past period can be reproduced exactly
    #[arg(long, value_name = "DATE", env = "TUANTHU_AS_OF")]
    pub as_of: Option<String>,
    /// Evidence older than this many days is not used (default: the catalogue's, 90)
    #[arg(long, value_name = "DAYS")]
    pub max_evidence_age: Option<u32>,
    /// Evaluate every system under this catalogue instead of its own (preview another regime)
    #[arg(long, value_name = "ID")]
    pub catalogue: Option<String>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub sources: Sources,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Which statuses make tuanthu exit 1
    #[arg(long, value_enum, default_value_t = FailOn::Any)]
    pub fail_on: FailOn,
    /// Sign the JSON report with this ed25519 private key (`tuanthu keys generate`); the report
    /// must hold one agency, whose id becomes the key id. Written in canonical (RFC 8785) form
    #[arg(long, value_name = "KEY")]
    pub sign: Option<PathBuf>,
    #[command(flatten)]
    pub common: Common,
}

pub fn run(a: CheckArgs) -> ExitCode {
    match load_inputs(&a) {
        Ok(inputs) => evaluate(&a, inputs, Vec::new()),
        Err(p) => invalid(&p),
    }
}

/// What `check` (and `scan`) evaluate: the policy, the inventory and the evaluation date.
pub(crate) struct Inputs {
    pub policy: crate::policy::Policy,
    pub inventory: crate::inventory::Inventory,
    pub as_of: time::Date,
}

/// Evaluates with the evidence files of the command line plus `live` (the probes of `scan`),
/// renders the report and decides the exit code.
pub(crate) fn evaluate(a: &CheckArgs, inputs: Inputs, live: Vec<crate::evidence::file::EvidenceInput>) -> ExitCode {
    let (report, policy, code) = assess(a, inputs, live);
    if let Err(e) = emit(a, &report, &policy) {
        return fail(e);
    }
    code.max(verdict(&report, a.fail_on))
}

/// Reads the evidence and evaluates. The exit code is `Invalid` when an evidence file was
/// damaged or unusable (each problem is printed); what could be read is still used.
pub(crate) fn assess(
    a: &CheckArgs,
    inputs: Inputs,
    live: Vec<crate::evidence::file::EvidenceInput>,
) -> (Report, crate::policy::Policy, ExitCode) {
    let Inputs { policy, inventory: inv, as_of } = inputs;
    let scope = Scope::of(&inv);
    let mut nmap: Vec<_> = a.sources.nmap.iter().map(|p| import_nmap(p, &scope)).collect();
    let (nmap_evidence, mut probes) = crate::import::load::load_all(&a.sources.evidence, &scope);
    nmap.extend(nmap_evidence);
    probes.extend(live);
    let evidence = Evidence { nmap, probes };
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
        for w in &input.warnings {
            eprintln!("warning: {}: {}", input.file, crate::sanitize::one_line(w));
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
    let opts =
        Options { as_of, max_evidence_age_days: a.sources.max_evidence_age, catalogue: a.sources.catalogue.clone() };
    let assessment = engine::evaluate(&inv, &policy, &evidence, &opts);
    let generated = crate::dates::now();
    (Report::build(assessment, a.common.lang, generated), policy, code)
}

/// Renders `report` in the requested format and writes it to `-o` or standard output.
pub(crate) fn emit(a: &CheckArgs, report: &Report, policy: &crate::policy::Policy) -> Result<(), String> {
    let glossary = Glossary::new(policy, a.common.lang);
    write_output(a.common.output.as_deref(), render(a, report, &glossary)?)
}

/// The report in the requested format.
fn render(a: &CheckArgs, report: &Report, glossary: &Glossary) -> Result<Vec<u8>, String> {
    let lang = a.common.lang;
    Ok(match a.format {
        Format::Xlsx => crate::report::xlsx::render(report, glossary)?,
        Format::Mau08 => {
            let form = crate::report::mau08::Return::build(report, glossary)?;
            if a.format.is_binary(a.common.output.as_deref()) { form.xlsx(lang)? } else { form.csv(lang).into_bytes() }
        }
        Format::Json => render_json(report, a.sign.as_deref())?.into_bytes(),
        Format::Csv => crate::report::csv::render(report, lang).into_bytes(),
        Format::Junit => crate::report::junit::render(report).into_bytes(),
        Format::Sarif => crate::report::sarif::render(report, glossary)?.into_bytes(),
        Format::Html => crate::report::html::render(report, glossary).into_bytes(),
        Format::Table => {
            let detail = if a.common.verbose {
                table::Detail::All
            } else if a.common.quiet {
                table::Detail::Summary
            } else {
                table::Detail::Problems
            };
            table::TableRenderer { lang, detail, width: None }.render(report).into_bytes()
        }
    })
}

/// The JSON report, signed when a key is given.
fn render_json(report: &Report, key: Option<&std::path::Path>) -> Result<String, String> {
    let Some(key) = key else { return json::render(report).map_err(|e| format!("cannot serialise the report: {e}")) };
    let key = crate::report::sign::read_signing_key(key)?;
    let value = serde_json::to_value(report).map_err(|e| format!("cannot serialise the report: {e}"))?;
    crate::report::sign::sign(&value, &key)
}

pub(crate) fn load_inputs(a: &CheckArgs) -> Result<Inputs, Problems> {
    let as_of = as_of(a.sources.as_of.as_deref())?;
    if a.sign.is_some() && a.format != Format::Json {
        return Err(Problems::one(Problem::file("--sign", "only JSON reports are signed: add --format json")));
    }
    let binary = a.format.is_binary(a.common.output.as_deref());
    super::binary_output_allowed(binary, a.common.output.as_deref())
        .map_err(|e| Problems::one(Problem::file("--format", e)))?;
    let policy = load_policy(&a.common)?;
    if let Some(c) = &a.sources.catalogue
        && policy.catalogue(c).is_none()
    {
        return Err(Problems::one(Problem::file("--catalogue", format!("unknown catalogue `{c}`"))));
    }
    let lookup = crate::inventory::tailoring::Lookup {
        dirs: a.sources.tailoring.clone(),
        allow_outside: a.sources.allow_outside_inventory,
    };
    let files = crate::inventory::load_paths_with(&a.sources.inventory, &lookup)?;
    let refs = engine::references::check(&files.inventory, &policy, a.sources.catalogue.as_deref(), as_of);
    if !refs.is_empty() {
        return Err(Problems(refs));
    }
    Ok(Inputs { policy, inventory: files.inventory, as_of })
}

impl FailOn {
    /// Whether a required control with status `s` makes the command say "no".
    pub(crate) fn fails(self, s: Status) -> bool {
        match self {
            FailOn::Any => matches!(s, Status::Fail | Status::Unknown),
            FailOn::Fail => s == Status::Fail,
            FailOn::Never => false,
        }
    }
}

/// Exit 1 when any evaluated system has a required control that fails the `--fail-on` test.
fn verdict(report: &Report, fail_on: FailOn) -> ExitCode {
    let no = report.systems().any(|(_, s)| s.controls.iter().any(|c| fail_on.fails(c.status)));
    if no { ExitCode::No } else { ExitCode::Ok }
}
