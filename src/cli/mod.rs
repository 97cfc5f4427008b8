//! The command line: argument definitions and dispatch. Each command lives in its own module and
//! returns `Result<ExitCode, Error>`; [`run`] hands every error to the one printer
//! ([`error::report`]), which also maps it to its exit code. This is the binary's code: the
//! library (`tuanthu`) knows nothing of clap or of the terminal.

mod aggregate;
mod check;
mod collect;
mod controls;
mod error;
mod explain;
mod gate;
mod import;
mod init;
mod keys;
mod rules;
mod scan;
mod serve;
mod submit;
mod usage;
mod validate;

pub use error::Error;

use clap::{Args, CommandFactory, Parser, Subcommand};
use std::path::PathBuf;
use tuanthu::diag::{Problem, Problems};
use tuanthu::i18n::Lang;

/// Exit codes of the spec: the highest that applies wins (3 > 2 > 1 > 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ExitCode {
    /// Success, and for check: every evaluated system passes the `--fail-on` test.
    Ok = 0,
    /// The command's "no": a required control fails the `--fail-on` test.
    No = 1,
    /// Invalid input or usage (the message names file:line:column).
    Invalid = 2,
    /// The run itself failed (I/O, internal error).
    Failed = 3,
}

#[derive(Debug, Parser)]
#[command(
    name = "tuanthu",
    version,
    about = "Measure how state information systems meet the security requirements of their level",
    long_about = "tuanthu (\"tuân thủ\": compliance) evaluates each registered information system against the \
controls its security level requires (Decree 85/2016/NĐ-CP, Circular 12/2022/TT-BTTTT; Decree 331/2026/NĐ-CP), \
using attested management controls and real evidence (nmap scans, live TLS/HTTP probes of the declared \
assets), and reports approval, compliance and missing controls per system, per agency and nationally \
(signed reports, verified on aggregation).\n\nA control with no evidence is reported as unknown, never as met.",
    after_help = "Examples:\n  tuanthu check --inventory examples/demo/inventory.yaml --nmap examples/demo/scan.xml\n  \
tuanthu check --inventory inventories/ --nmap scan.xml --format json -o report.json --lang vi\n  \
tuanthu collect --inventory inventories/ --ca-bundle gov-ca.pem -o evidence.jsonl\n  \
tuanthu check --inventory inventories/ --evidence evidence.jsonl --format json --sign keys/AGENCY.key -o report.json\n  \
tuanthu check --inventory inventories/ --evidence evidence.jsonl --format html -o report.html\n  \
tuanthu gate --inventory inventory.yaml --system cong-dvc --evidence evidence.json --baseline main.json\n  \
tuanthu aggregate reports/ --keys pubkeys/ --format json -o national.json\n  \
tuanthu validate inventories/ rules/\n  tuanthu controls diff tt12-2022 nd331-2026 --level 3\n\n\
Documentation: docs/README.md in the source tree.",
    propagate_version = true
)]
pub struct Cli {
    /// Language of all user-facing text (also accepted after the command's name)
    #[arg(long, global = true, value_parser = lang_parser(), value_name = "LANG")]
    pub lang: Option<Lang>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Evaluate registered systems against their level profiles using the evidence given (no network)
    #[command(after_help = "Exit codes: 0 every system passes --fail-on; 1 some required control fails it; \
2 invalid input (file:line:column) or a truncated/malformed evidence file; 3 the run failed.")]
    Check(check::CheckArgs),
    /// Probe the declared TLS endpoints, URLs, SSH and mail endpoints (and nothing else) and write an evidence file
    #[command(after_help = "Only assets declared in the inventory are contacted: `tls:` endpoints, the endpoints of \
https URLs, `urls:` (and the http:// form of an https URL's own host, to test the redirect). Redirects \
leaving declared hosts are recorded, never followed.\n\nExamples:\n  tuanthu collect --inventory inventory.yaml -o evidence.jsonl\n  \
tuanthu collect --inventory inventory.yaml --ca-bundle gov-root-ca.pem --per-host 2 -o evidence.json\n\n\
Exit codes: 0 every target measured; 1 some targets could not be measured (recorded as errors, file written); \
2 invalid input; 3 the run failed.")]
    Collect(collect::CollectArgs),
    /// Convert other tools' results (OpenSCAP, Lynis, Wazuh, Greenbone/OpenVAS, Nessus) into an
    /// evidence file
    #[command(after_help = "The format of each file is read from its content (--from forces one). Each host a file \
describes becomes one record: host-audit (XCCDF/ARF, Lynis, Wazuh SCA), vulnerabilities (OpenVAS, Nessus, Wazuh, \
OVAL patch benchmarks) or agent (Wazuh agents list), with the tool's own time. `check --evidence` reads these \
files directly too; import them to send one file to the national center, or for results that name no host.\n\n\
Examples:\n  tuanthu import web01.arf.xml report.dat greenbone.xml -o evidence.jsonl\n  \
tuanthu import sca-003.json --from wazuh-sca --target web01 --observed-at 2026-11-20T02:00:00Z -o web01-sca.jsonl\n\n\
Exit codes: 0 every file read whole; 1 some files partial or unrecognised (listed; the rest written); \
2 nothing usable, or invalid usage; 3 the output could not be written.")]
    Import(import::ImportArgs),
    /// Probe the declared assets, then evaluate like `check` (collect + check in one go)
    #[command(after_help = "Exit codes: as for check.\n\nExample:\n  tuanthu scan --inventory inventory.yaml \
--nmap scan.xml --save-evidence evidence.jsonl --format json -o report.json")]
    Scan(scan::ScanArgs),
    /// Lint inventory, rule, profile, catalogue and tailoring files without evaluating anything
    #[command(after_help = "Every file's kind is read from its `schema:` key; directories are searched for *.yaml. \
Exit codes: 0 valid; 2 errors (all of them are listed).")]
    Validate(validate::ValidateArgs),
    /// List the control catalogue, or the controls a level's profile requires
    Controls(controls::ControlsArgs),
    /// Judge one system for a CI pipeline: exit 1 when a required control fails (or regressed
    /// against a baseline), 2 when there is nothing to judge
    #[command(after_help = "A gate never passes on nothing: no evidence given, an empty or unreadable evidence file, \
nothing measured about the system's own assets, an unknown system or a baseline without it all exit 2. \
Waivers count until they expire; an expired waiver fails like no waiver.\n\nExamples:\n  \
tuanthu gate --inventory inventory.yaml --system cong-dvc --nmap scan.xml --evidence evidence.json\n  \
tuanthu gate --inventory inventory.yaml --system stttt/cong-dvc --live --baseline main-report.json --format sarif -o gate.sarif\n\n\
Exit codes: 0 pass; 1 a required control fails --fail-on (with --baseline: a regression); 2 invalid input or \
no usable evidence; 3 the run failed.")]
    Gate(gate::GateArgs),
    /// Merge agency reports (files or directories) into one national view, verifying signatures
    #[command(after_help = "One report counts per agency and period: the newest valid one; the others are listed as \
superseded. Reports with a bad, foreign or missing signature are rejected and listed with the reason.\n\n\
Example:\n  tuanthu aggregate reports/ --keys keys/ --previous national-2025.json --format json -o national-2026.json\n\n\
Exit codes: 0 all inputs accepted; 1 some inputs rejected (listed; output still written); 2 invalid usage; 3 the run failed.")]
    Aggregate(aggregate::AggregateArgs),
    /// Manage report signing keys
    #[command(subcommand)]
    Keys(keys::KeysCommand),
    /// Check a signed report: its signature against its agency's public key (who sent it), its
    /// schema and its figures re-derived from its control statuses (what it says) — the check
    /// `aggregate` makes
    #[command(after_help = "Exit codes: 0 valid; 1 invalid, unsigned, signed with another agency's key, \
modified after signing, not canonical, off its schema, figures that do not re-derive, or no key for the agency; \
2 not JSON, unreadable or over 256 MiB.")]
    Verify(keys::VerifyArgs),
    /// Run the national monitoring center's service: agencies submit signed reports, the center
    /// reads national, agency and system views (see docs/national-service.md)
    #[command(
        after_help = "Two-minute set-up (SQLite):\n  tuanthu serve keys add --agency stttt-lao-cai stttt-lao-cai.pub\n  \
tuanthu serve tokens create --role center\n  tuanthu serve            # listens on 127.0.0.1:8650, database sqlite:tuanthu.db\n\n\
PostgreSQL: --database postgres://tuanthu@db.example/tuanthu. Migrations are applied at every start \
(--migrate-only: apply and exit). SIGINT/SIGTERM stop accepting and finish the submissions in flight.\n\n\
Exit codes: 0 stopped cleanly (or the admin command succeeded); 2 invalid usage or input; 3 the database or the \
listener failed."
    )]
    Serve(serve::ServeArgs),
    /// Send signed reports to the national service
    #[command(after_help = "Example:\n  tuanthu submit report-2026.json --to https://giamsat.example.gov.vn\n\n\
Connection errors, 5xx and 429 are retried with backoff (--retries). Exit codes: 0 every report accepted \
(counted, superseded or already there); 1 some rejected (the service's reason printed); 2 a file unreadable or \
not a report; 3 the service unreachable after the retries.")]
    Submit(submit::SubmitArgs),
    /// Write a commented starter inventory for an agency (in --lang) that validates as written
    #[command(
        after_help = "Examples:\n  tuanthu init --agency stttt-lao-cai --name \"Sở TT&TT tỉnh Lào Cai\" -o inventory.yaml\n  \
tuanthu init --agency stttt-lao-cai --lang vi -o inventory.yaml\n\nAn existing file is never replaced. \
Exit codes: 0 written; 2 invalid input or the file exists; 3 the run failed."
    )]
    Init(init::InitArgs),
    /// Explain a control: its title, what each level requires (clause), what evidences it, and how to attest it
    #[command(after_help = "Examples:\n  tuanthu explain POL.01\n  tuanthu explain MGT.01 --lang vi\n  \
tuanthu explain DES.03 --catalogue nd331-2026 --format json\n\nExit codes: 0 shown; 2 no such control \
(the nearest ids are suggested) or catalogue.")]
    Explain(explain::ExplainArgs),
    /// Work with rule packs: run their case files
    #[command(subcommand)]
    Rules(rules::RulesCommand),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell)
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) to standard output
    #[command(hide = true)]
    Man {
        /// Write tuanthu.1 and a page per command (tuanthu-check.1, …) into DIR instead
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

/// Options shared by every command that reads policy and writes output.
#[derive(Debug, Clone, Args)]
pub struct Common {
    /// Language of all user-facing text
    #[arg(long, value_parser = lang_parser(), default_value = "en", env = "TUANTHU_LANG")]
    pub lang: Lang,
    /// Rules directory, replacing the rules bundled with tuanthu
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
    /// Add a rule pack to the bundled (or --rules) rules; repeatable; two rules with one id are an error
    #[arg(long, value_name = "DIR")]
    pub add_rules: Vec<PathBuf>,
    /// Profiles directory with catalogues and level profiles (default: the bundled ones)
    #[arg(long, value_name = "DIR")]
    pub profiles: Option<PathBuf>,
    /// Write the output to FILE instead of standard output
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Print only errors
    #[arg(short, long, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Show more detail (every control, with the evidence behind passes)
    #[arg(short, long)]
    pub verbose: bool,
}

/// `--lang`: `en` or `vi` (the library's [`Lang`] knows nothing of clap).
fn lang_parser() -> impl clap::builder::TypedValueParser<Value = Lang> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(["en", "vi"]).map(|s| if s == "vi" { Lang::Vi } else { Lang::En })
}

impl Command {
    /// The language the command's messages are in: its `--lang` (which a `--lang` given before
    /// the command's name reaches too), else `global` for commands without one, else English.
    fn lang(&self, global: Option<Lang>) -> Lang {
        match self {
            Command::Check(a) => a.common.lang,
            Command::Scan(a) => a.check.common.lang,
            Command::Gate(a) => a.common.lang,
            Command::Controls(a) => a.lang(),
            Command::Aggregate(a) => a.lang,
            Command::Import(a) => a.lang,
            Command::Init(a) => a.lang,
            Command::Explain(a) => a.common.lang,
            Command::Validate(a) => a.lang,
            Command::Rules(c) => c.lang(),
            Command::Serve(a) => a.lang,
            Command::Submit(a) => a.lang,
            _ => global.unwrap_or_default(),
        }
    }
}

/// Parses the command line and runs it. A command line clap refuses is answered in the language
/// it asks for (`--lang` anywhere in it, else `TUANTHU_LANG`), like every other error.
pub fn main() -> std::process::ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    match Cli::try_parse_from(&args) {
        Ok(cli) => std::process::ExitCode::from(run(cli) as u8),
        Err(e) => {
            let env = std::env::var("TUANTHU_LANG").ok();
            error::usage(&e, usage::lang_of_args(&args, env.as_deref()))
        }
    }
}

/// Runs the command and ends it: its exit code, or its error printed (the one place errors are
/// printed) with the error's exit code.
pub fn run(cli: Cli) -> ExitCode {
    let lang = cli.command.lang(cli.lang);
    dispatch(cli.command, lang).unwrap_or_else(|e| error::report(&e, lang))
}

fn dispatch(command: Command, lang: Lang) -> Result<ExitCode, Error> {
    use tuanthu::text;
    match command {
        Command::Check(a) => check::run(a),
        Command::Collect(a) => collect::run(a),
        Command::Scan(a) => scan::run(a),
        Command::Validate(a) => validate::run(a),
        Command::Controls(a) => controls::run(a),
        Command::Init(a) => init::run(a),
        Command::Explain(a) => explain::run(a),
        Command::Aggregate(a) => aggregate::run(a),
        Command::Gate(a) => gate::run(a),
        Command::Import(a) => import::run(a),
        Command::Keys(k) => keys::run(k, lang),
        Command::Rules(c) => rules::run(c),
        Command::Verify(a) => keys::verify(a, lang),
        Command::Serve(a) => serve::run(a),
        Command::Submit(a) => submit::run(a),
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "tuanthu", &mut std::io::stdout());
            Ok(ExitCode::Ok)
        }
        Command::Man { dir: Some(dir) } => match clap_mangen::generate_to(Cli::command(), &dir) {
            Ok(()) => Ok(ExitCode::Ok),
            Err(e) => {
                let dir = dir.display();
                let why = text!(
                    "cannot write the manual pages into {dir}: {e}",
                    "không ghi được các trang hướng dẫn vào {dir}: {e}"
                );
                Err(Error::Failed(why))
            }
        },
        Command::Man { dir: None } => match clap_mangen::Man::new(Cli::command()).render(&mut std::io::stdout()) {
            Ok(()) => Ok(ExitCode::Ok),
            Err(e) => {
                Err(Error::Failed(text!("cannot write the manual page: {e}", "không ghi được trang hướng dẫn: {e}")))
            }
        },
    }
}

/// Writes command output to `-o FILE` or standard output. A closed pipe (`| head`) is not an error.
///
/// A file is written beside its destination and renamed into place
/// ([`tuanthu::files::write_atomically`]), so a reader never sees half a report.
pub(crate) fn write_output(path: Option<&std::path::Path>, bytes: impl AsRef<[u8]>) -> Result<(), error::OutputError> {
    use std::io::Write;
    let bytes = bytes.as_ref();
    match path {
        Some(p) => tuanthu::files::write_atomically(p, bytes)
            .map_err(|source| error::OutputError::File { path: p.to_path_buf(), source }),
        None => {
            let mut out = std::io::stdout().lock();
            match out.write_all(bytes).and_then(|()| out.flush()) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(error::OutputError::Stdout(e)),
                _ => Ok(()),
            }
        }
    }
}

/// Whether `-o` names an Excel workbook (`.xlsx`, any case).
pub(crate) fn is_xlsx_path(output: Option<&std::path::Path>) -> bool {
    output.and_then(|p| p.extension()).is_some_and(|e| e.eq_ignore_ascii_case("xlsx"))
}

/// Refuses binary output (a workbook) bound for a terminal: it would garble the screen and help
/// no one. A file (`-o`), a pipe or a redirection is fine.
/// Refused as a problem with `--format`: the option to change.
pub(crate) fn binary_output_allowed(binary: bool, output: Option<&std::path::Path>) -> Result<(), Problems> {
    use std::io::IsTerminal;
    if refuses_terminal(binary, output.is_some(), std::io::stdout().is_terminal()) {
        return Err(Problems::one(Problem::file_text(
            "--format",
            tuanthu::i18n::Text::new(
                "this format is an Excel workbook (binary) and standard output is a terminal: \
write it to a file with -o FILE.xlsx, or redirect standard output",
                "định dạng này là bảng tính Excel (nhị phân) mà đầu ra chuẩn là màn hình: \
ghi ra tệp với -o TỆP.xlsx, hoặc chuyển hướng đầu ra chuẩn",
            ),
        )));
    }
    Ok(())
}

/// The decision behind [`binary_output_allowed`].
fn refuses_terminal(binary: bool, to_file: bool, stdout_is_terminal: bool) -> bool {
    binary && !to_file && stdout_is_terminal
}

/// Loads the policy named by `--profiles`/`--rules` (or the bundled one).
pub(crate) fn load_policy(c: &Common) -> Result<tuanthu::policy::Policy, Problems> {
    tuanthu::policy::Policy::load_with(c.profiles.as_deref(), c.rules.as_deref(), &c.add_rules)
}

/// Parses `--as-of` (default: today, UTC).
pub(crate) fn as_of(arg: Option<&str>) -> Result<time::Date, Problems> {
    match arg {
        None => Ok(tuanthu::dates::today()),
        Some(s) => tuanthu::dates::parse(s).map_err(|e| Problems::one(Problem::file_text("--as-of", e.text()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn binary_output_is_refused_only_on_a_terminal_without_a_file() {
        assert!(refuses_terminal(true, false, true));
        assert!(!refuses_terminal(true, true, true), "-o FILE");
        assert!(!refuses_terminal(true, false, false), "a pipe or a redirection");
        assert!(!refuses_terminal(false, false, true), "text formats");
    }

    #[test]
    fn xlsx_paths_are_recognised_by_extension() {
        use std::path::Path;
        assert!(is_xlsx_path(Some(Path::new("out/mau08.xlsx"))));
        assert!(is_xlsx_path(Some(Path::new("MAU08.XLSX"))));
        assert!(!is_xlsx_path(Some(Path::new("mau08.csv"))));
        assert!(!is_xlsx_path(Some(Path::new("xlsx"))));
        assert!(!is_xlsx_path(None));
    }

    #[test]
    fn exit_codes_order_by_severity() {
        assert!(
            ExitCode::Failed > ExitCode::Invalid && ExitCode::Invalid > ExitCode::No && ExitCode::No > ExitCode::Ok
        );
    }

    #[test]
    fn output_replaces_regular_files_and_writes_through_links_and_devices() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("report.json");
        std::fs::write(&file, "old").unwrap();
        write_output(Some(&file), "new").unwrap();
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "new");
        // A link stays a link, and its target gets the bytes.
        let link = dir.path().join("latest.json");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        write_output(Some(&link), "via link").unwrap();
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "via link");
        // A device is written to, never replaced by a file.
        write_output(Some(std::path::Path::new("/dev/null")), "x").unwrap();
        assert!(!std::fs::symlink_metadata("/dev/null").unwrap().file_type().is_file());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2, "no temporary file left behind");
    }
}
