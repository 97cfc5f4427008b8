//! `tuanthu check`: evaluate registered systems with the evidence given; no network.

use super::error::{self, Error, warn};
use super::{Common, ExitCode, as_of, load_policy, write_output};
use clap::{Args, ValueEnum};
use std::path::PathBuf;
use tuanthu::diag::{Problem, Problems};
use tuanthu::engine::{self, Evidence, Options, Status};
use tuanthu::import::nmap::read_scoped as import_nmap;
use tuanthu::inventory::Scope;
use tuanthu::report::{Glossary, RenderError, Report};

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

pub fn run(a: CheckArgs) -> Result<ExitCode, Error> {
    let inputs = load_inputs(&a)?;
    evaluate(&a, inputs, Vec::new())
}

/// What `check` (and `scan`) evaluate: the policy, the inventory and the evaluation date, and
/// the key to sign with (`--sign`), read before anything is evaluated.
pub(crate) struct Inputs {
    pub policy: tuanthu::policy::Policy,
    pub inventory: tuanthu::inventory::Inventory,
    pub as_of: time::Date,
    pub key: Option<ed25519_dalek::SigningKey>,
}

/// Evaluates with the evidence files of the command line plus `live` (the probes of `scan`),
/// renders the report and decides the exit code.
pub(crate) fn evaluate(
    a: &CheckArgs,
    mut inputs: Inputs,
    live: Vec<tuanthu::evidence::file::EvidenceInput>,
) -> Result<ExitCode, Error> {
    let key = inputs.key.take();
    let (report, policy, code) = assess(a, inputs, live);
    emit(a, &report, &policy, key.as_ref(), true)?;
    Ok(code.max(verdict(&report, a.fail_on)))
}

/// Reads the evidence and evaluates. The exit code is `Invalid` when an evidence file was
/// damaged or unusable (each problem is printed, through the one printer); what could be read
/// is still used.
pub(crate) fn assess(
    a: &CheckArgs,
    inputs: Inputs,
    live: Vec<tuanthu::evidence::file::EvidenceInput>,
) -> (Report, tuanthu::policy::Policy, ExitCode) {
    let Inputs { policy, inventory: inv, as_of, key: _ } = inputs;
    let scope = Scope::of(&inv);
    let mut nmap: Vec<_> = a.sources.nmap.iter().map(|p| import_nmap(p, &scope)).collect();
    let (nmap_evidence, mut probes) = tuanthu::import::load::load_all(&a.sources.evidence, &scope);
    nmap.extend(nmap_evidence);
    probes.extend(live);
    let evidence = Evidence { nmap, probes };
    let code = match evidence_problems(&evidence) {
        Some(problems) => {
            error::print(&Error::Invalid(problems), a.common.lang);
            ExitCode::Invalid
        }
        None => ExitCode::Ok,
    };
    for input in &evidence.probes {
        for w in &input.warnings {
            warn(format!("{}: {}", input.file, w.get(a.common.lang)), a.common.lang);
        }
    }
    let opts =
        Options { as_of, max_evidence_age_days: a.sources.max_evidence_age, catalogue: a.sources.catalogue.clone() };
    let assessment = engine::evaluate(&inv, &policy, &evidence, &opts);
    let generated = tuanthu::dates::now();
    (Report::build(assessment, a.common.lang, generated), policy, code)
}

/// What was wrong with the evidence files: a file that could not be used at all, damaged
/// records, an nmap file cut short (what was read before the damage is still used).
fn evidence_problems(evidence: &Evidence) -> Option<Problems> {
    let one_line = tuanthu::sanitize::one_line;
    let mut found = Vec::new();
    for input in &evidence.probes {
        if let Some(e) = &input.fatal {
            let (en, vi) = (one_line(&e.en), one_line(&e.vi));
            let why = tuanthu::text!("{en} (no record of it is used)", "{vi} (không bản ghi nào của tệp được dùng)");
            found.push(Problem::file_text(&input.file, why));
        }
        found.extend(input.problems.iter().map(|p| Problem::file_text(&input.file, p.map(one_line))));
    }
    for input in &evidence.nmap {
        if let Some(e) = &input.error {
            let (en, vi, n) = (one_line(&e.en), one_line(&e.vi), input.run.hosts_parsed);
            let why = tuanthu::text!(
                "{en} (the {n} host(s) read before it are used; the evidence is marked partial)",
                "{vi} ({n} máy đọc được trước chỗ đó vẫn được dùng; bằng chứng được đánh dấu là không đầy đủ)"
            );
            found.push(Problem::file_text(&input.file, why));
        }
    }
    Problems::from_vec(found)
}

/// Renders `report` in the requested format (signed with `key` when given) and writes it to `-o`
/// or standard output. `exit_line`: the table ends saying what `--fail-on` makes of the exit code
/// (not for `gate`, which decides its exit code itself and says so on standard error).
pub(crate) fn emit(
    a: &CheckArgs,
    report: &Report,
    policy: &tuanthu::policy::Policy,
    key: Option<&ed25519_dalek::SigningKey>,
    exit_line: bool,
) -> Result<(), Error> {
    // `-q` prints only errors: the table, meant for the terminal, is written only to `-o`.
    if a.common.quiet && a.format == Format::Table && a.common.output.is_none() {
        return Ok(());
    }
    let glossary = Glossary::new(policy, a.common.lang);
    write_output(a.common.output.as_deref(), render(a, report, &glossary, key, exit_line)?)?;
    Ok(())
}

/// The report in the requested format.
fn render(
    a: &CheckArgs,
    report: &Report,
    glossary: &Glossary,
    key: Option<&ed25519_dalek::SigningKey>,
    exit_line: bool,
) -> Result<Vec<u8>, Error> {
    use tuanthu::report::render::{self, Render};
    let g = glossary;
    Ok(match a.format {
        Format::Xlsx => render::Xlsx.render(report, g)?,
        Format::Mau08 if a.format.is_binary(a.common.output.as_deref()) => render::Mau08::Xlsx.render(report, g)?,
        Format::Mau08 => render::Mau08::Csv.render(report, g)?,
        Format::Json => render_json(report, g, key)?,
        Format::Csv => render::Csv.render(report, g)?,
        Format::Junit => render::Junit.render(report, g)?,
        Format::Sarif => render::Sarif.render(report, g)?,
        Format::Html => render::Html.render(report, g)?,
        Format::Table => {
            let detail = if a.common.verbose {
                render::Detail::All
            } else if a.common.quiet {
                render::Detail::Summary
            } else {
                render::Detail::Problems
            };
            let gate = exit_line.then_some(match a.fail_on {
                FailOn::Any => render::Gate::FailOrUnknown,
                FailOn::Fail => render::Gate::Fail,
                FailOn::Never => render::Gate::Never,
            });
            render::Table { detail, width: None, gate }.render(report, g)?
        }
    })
}

/// The JSON report, signed when a key is given.
fn render_json(report: &Report, g: &Glossary, key: Option<&ed25519_dalek::SigningKey>) -> Result<Vec<u8>, Error> {
    use tuanthu::report::render::{Json, Render};
    let Some(key) = key else { return Ok(Json.render(report, g)?) };
    let value = serde_json::to_value(report).map_err(RenderError::serialise("the report"))?;
    Ok(tuanthu::report::sign::sign(&value, key)?.into_bytes())
}

pub(crate) fn load_inputs(a: &CheckArgs) -> Result<Inputs, Problems> {
    let as_of = as_of(a.sources.as_of.as_deref())?;
    if a.sign.is_some() && a.format != Format::Json {
        return Err(Problems::one(Problem::file_text(
            "--sign",
            tuanthu::text!(
                "only JSON reports are signed: add --format json",
                "chỉ báo cáo JSON được ký: thêm --format json"
            ),
        )));
    }
    let binary = a.format.is_binary(a.common.output.as_deref());
    super::binary_output_allowed(binary, a.common.output.as_deref())?;
    // An unreadable key is bad input, found before anything is evaluated (exit 2).
    let key = match &a.sign {
        Some(path) => {
            Some(tuanthu::report::sign::read_signing_key(path).map_err(|e| Problems::one(Problem::file("--sign", e)))?)
        }
        None => None,
    };
    let policy = load_policy(&a.common)?;
    if let Some(c) = &a.sources.catalogue
        && policy.catalogue(c).is_none()
    {
        let known: Vec<&str> = policy.catalogues.iter().map(|c| c.id.as_str()).collect();
        let known = known.join(", ");
        return Err(Problems::one(Problem::file_text(
            "--catalogue",
            tuanthu::text!(
                "unknown catalogue `{c}` (known: {known})",
                "không có danh mục `{c}` (các danh mục có: {known})"
            ),
        )));
    }
    nmap_files(&a.sources.nmap)?;
    let lookup = tuanthu::inventory::tailoring::Lookup {
        dirs: a.sources.tailoring.clone(),
        allow_outside: a.sources.allow_outside_inventory,
    };
    let files = tuanthu::inventory::load_paths_with(&a.sources.inventory, &lookup)?;
    let forced = a.sources.catalogue.as_deref();
    let mut refs = engine::references::check(&files.inventory, &policy, forced, as_of);
    let checked = tuanthu::engine::checks::check(&files.inventory, &policy, forced, as_of);
    refs.extend(checked.errors);
    if let Some(problems) = Problems::from_vec(refs) {
        return Err(problems);
    }
    error::warn_problems(files.warnings.iter().chain(&checked.warnings), a.common.lang);
    Ok(Inputs { policy, inventory: files.inventory, as_of, key })
}

/// Every `--nmap` file must exist and be nmap XML: a missing file or another tool's output is bad
/// input (exit 2) found before anything is evaluated, not a report of nothing. Normal output
/// (`-oN`) is told to use `-oX` by the format detection `--evidence` uses. Only regular files are
/// read here (their first bytes); a pipe could be read only once.
fn nmap_files(paths: &[PathBuf]) -> Result<(), Problems> {
    use tuanthu::import::format::{self, Format};
    let mut found = Vec::new();
    for path in paths {
        let shown = path.display().to_string();
        // Standard input (`-`), pipes and devices are read once, by the importer, which refuses
        // what it must: only regular files are looked at here.
        let meta = std::fs::metadata(path);
        if meta.as_ref().is_ok_and(|m| !m.is_file()) || path.as_os_str() == "-" {
            continue;
        }
        if meta.is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound) {
            found.push(Problem::file_text(
                shown,
                tuanthu::text!(
                    "--nmap file not found (give the XML file nmap wrote with -oX)",
                    "không tìm thấy tệp --nmap (hãy đưa tệp XML do nmap ghi với -oX)"
                ),
            ));
            continue;
        }
        match format::detect_file(path) {
            Ok(Format::Nmap) => {}
            Ok(other) => found.push(Problem::file_text(
                shown,
                tuanthu::text!(
                    "--nmap reads nmap XML (`nmap -oX`), and this is {other}: give it with --evidence",
                    "--nmap đọc XML của nmap (`nmap -oX`), còn tệp này là {other}: hãy đưa vào bằng --evidence"
                ),
            )),
            Err(format::DetectError::Read(e)) => {
                let (en, vi) = (e.en, e.vi);
                found.push(Problem::file_text(shown, tuanthu::text!("--nmap file: {en}", "tệp --nmap: {vi}")))
            }
            Err(e) => {
                let (en, vi) = (e.text().en, e.text().vi);
                found.push(Problem::file_text(
                    shown,
                    tuanthu::text!(
                        "--nmap reads nmap XML (`nmap -oX`); this is {en}",
                        "--nmap đọc XML của nmap (`nmap -oX`); tệp này là {vi}"
                    ),
                ))
            }
        }
    }
    match Problems::from_vec(found) {
        Some(p) => Err(p),
        None => Ok(()),
    }
}

impl FailOn {
    /// Whether a required control with status `s` makes the command say "no".
    pub(crate) fn fails(self, s: Status) -> bool {
        match self {
            FailOn::Any => s.is_missing(),
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
