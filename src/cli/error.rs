//! The command line's one error path. Every command returns `Result<ExitCode, Error>`; [`report`]
//! is the only place an error reaches standard error and becomes an exit code:
//!
//! * one prefix, `error: ` (`lỗi: ` under `--lang vi`, see [`Prefix`]), on every line (one line
//!   per problem of bad input);
//! * sanitised: file names and messages may quote scanned or hand-edited input, so control
//!   characters are replaced before they reach a terminal ([`tuanthu::sanitize`]);
//! * one mapping to the spec's exit codes: bad input and usage exit 2, a failed run exits 3.
//!
//! Problems that do not stop a command (a damaged evidence file among good ones) go through
//! [`print`] too, and the command folds exit 2 into its code. Warnings go through [`warn`]. Usage
//! errors found by clap before any command runs go through [`usage`], in the language of the
//! command line ([`super::usage`]).

use super::ExitCode;
use tuanthu::diag::{Problem, Problems};
use tuanthu::i18n::{Lang, Text, tr};
use tuanthu::sanitize::one_line;

/// The word before each line written to standard error: the one place it is chosen, in `--lang`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prefix {
    /// Something went wrong (it changes the exit code).
    Error,
    /// Something the user should know that changes no exit code.
    Warning,
}

impl Prefix {
    pub fn get(self, lang: Lang) -> &'static str {
        match self {
            Prefix::Error => tr(lang, "error:", "lỗi:"),
            Prefix::Warning => tr(lang, "warning:", "cảnh báo:"),
        }
    }
}

/// Why a command stopped.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input, each problem with its file and position when known (exit 2).
    #[error("{0}")]
    Invalid(#[from] Problems),
    /// Bad usage with no file to name: options that do not go together, a report that is not
    /// a report (exit 2).
    #[error("{0}")]
    Usage(String),
    /// A catalogue named on the command line that the policy does not have (exit 2).
    #[error(transparent)]
    Catalogue(#[from] tuanthu::policy::diff::DiffError),
    /// The gate has nothing to judge; it never passes on nothing (exit 2).
    #[error(transparent)]
    NoVerdict(#[from] tuanthu::gate::NoVerdict),
    /// The reports to aggregate cannot be listed (exit 2).
    #[error(transparent)]
    Aggregate(#[from] tuanthu::aggregate::AggregateError),
    /// A renderer failed (exit 3).
    #[error(transparent)]
    Render(#[from] tuanthu::report::RenderError),
    /// A key could not be made or a report signed (exit 3; an unreadable key given as input is
    /// reported as [`Error::Invalid`] before the run).
    #[error(transparent)]
    Sign(#[from] tuanthu::report::sign::SignError),
    /// The bundled policy does not load: a broken build (exit 3).
    #[error(transparent)]
    BundledPolicy(#[from] tuanthu::report::verify::BundledPolicyError),
    /// The output could not be written (exit 3).
    #[error(transparent)]
    Output(#[from] OutputError),
    /// A failure of the run (exit 3) said in both languages (the evidence writer's).
    #[error("{}", .0.en)]
    Failed(Text),
    /// Any other failure of the run (exit 3): the errors of the probes and the internal checks,
    /// carried as they come.
    #[error("{0}")]
    Run(Box<dyn std::error::Error + Send + Sync>),
}

impl From<tuanthu::evidence::writer::WriteError> for Error {
    fn from(e: tuanthu::evidence::writer::WriteError) -> Error {
        Error::Failed(e.text())
    }
}

impl Error {
    /// A failure of the run (exit 3) from any error or message.
    pub fn run(e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Error {
        Error::Run(e.into())
    }

    /// The spec's exit code for this error: 2 for bad input or usage, 3 for a failed run.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Error::Invalid(_) | Error::Usage(_) | Error::Catalogue(_) | Error::NoVerdict(_) | Error::Aggregate(_) => {
                ExitCode::Invalid
            }
            Error::Render(_)
            | Error::Sign(_)
            | Error::BundledPolicy(_)
            | Error::Output(_)
            | Error::Failed(_)
            | Error::Run(_) => ExitCode::Failed,
        }
    }
}

/// Why the output could not be written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("cannot write {}: {source}", path.display())]
    File { path: std::path::PathBuf, source: std::io::Error },
    #[error("cannot write to standard output: {0}")]
    Stdout(std::io::Error),
}

impl OutputError {
    fn text(&self) -> Text {
        use tuanthu::text;
        match self {
            OutputError::File { path, source } => {
                let path = path.display();
                text!("cannot write {path}: {source}", "không ghi được {path}: {source}")
            }
            OutputError::Stdout(e) => {
                text!("cannot write to standard output: {e}", "không ghi được ra đầu ra chuẩn: {e}")
            }
        }
    }
}

/// Prints `e` to standard error and returns its exit code: the end of every failed command.
pub fn report(e: &Error, lang: Lang) -> ExitCode {
    print(e, lang);
    e.exit_code()
}

/// Prints `e` to standard error, `error: ` (in `lang`) before each line, in `lang` (`--lang`):
/// problems of bad input carry both languages; usage errors are written in the command's language.
pub fn print(e: &Error, lang: Lang) {
    for line in lines(e, lang) {
        eprintln!("{line}");
    }
}

/// The lines [`print`] writes, without their ends.
fn lines(e: &Error, lang: Lang) -> Vec<String> {
    let error = Prefix::Error.get(lang);
    match e {
        // `Problem::render` replaces control characters; a problem's message may span lines.
        Error::Invalid(problems) => problems.iter().map(|p| format!("{error} {}", p.render(lang))).collect(),
        Error::Failed(text) => vec![format!("{error} {}", one_line(text.get(lang)))],
        Error::Output(e) => vec![format!("{error} {}", one_line(e.text().get(lang)))],
        Error::Catalogue(e) => vec![format!("{error} {}", one_line(e.text().get(lang)))],
        Error::NoVerdict(e) => vec![format!("{error} {}", one_line(e.text().get(lang)))],
        Error::Aggregate(e) => vec![format!("{error} {}", one_line(e.text().get(lang)))],
        Error::Render(e) => vec![format!("{error} {}", one_line(e.text().get(lang)))],
        Error::Sign(e) => vec![format!("{error} {}", one_line(e.text().get(lang)))],
        Error::BundledPolicy(e) => vec![format!("{error} {}", one_line(e.text().get(lang)))],
        other => vec![format!("{error} {}", one_line(&other.to_string()))],
    }
}

/// Prints a warning in `lang`: something the user should know that changes no exit code.
pub fn warn(msg: impl std::fmt::Display, lang: Lang) {
    eprintln!("{} {}", Prefix::Warning.get(lang), one_line(&msg.to_string()));
}

/// Prints each problem as a warning (`warning: file:line:column: message`), in `lang`.
pub fn warn_problems<'a>(problems: impl IntoIterator<Item = &'a Problem>, lang: Lang) {
    for p in problems {
        eprintln!("{} {}", Prefix::Warning.get(lang), p.render(lang));
    }
}

/// Ends a command line clap refused (or answered: `--help`, `--version`): the usage error in
/// `lang` with its prefix, on standard error, exit 2; help and version as clap prints them, exit 0.
pub fn usage(e: &clap::Error, lang: Lang) -> std::process::ExitCode {
    use clap::error::ErrorKind;
    let help = matches!(e.kind(), ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand);
    if !e.use_stderr() || help {
        // A closed pipe (`--help | head`) is not an error.
        let _ = e.print();
        return std::process::ExitCode::from(if help { ExitCode::Invalid } else { ExitCode::Ok } as u8);
    }
    // Argument values are the user's own words, yet may hold control characters: cleaned.
    let message = tuanthu::sanitize::clean(&super::usage::message(e, lang));
    eprintln!("{} {message}", Prefix::Error.get(lang));
    std::process::ExitCode::from(ExitCode::Invalid as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_has_one_prefix_and_its_exit_code() {
        let invalid = Error::from(Problems::one(Problem::new("inv.yaml", 4, 29, "level must be 1, 2, 3, 4 or 5")));
        assert_eq!(lines(&invalid, Lang::En), ["error: inv.yaml:4:29: level must be 1, 2, 3, 4 or 5"]);
        assert_eq!(invalid.exit_code(), ExitCode::Invalid);
        let failed = Error::run("cannot start the probe runtime: no threads");
        assert_eq!(lines(&failed, Lang::En), ["error: cannot start the probe runtime: no threads"]);
        assert_eq!(failed.exit_code(), ExitCode::Failed);
        let gate = Error::from(tuanthu::gate::NoVerdict::EmptyEvidence(vec!["e.json".into()]));
        assert_eq!(lines(&gate, Lang::En), ["error: empty evidence file: e.json (a gate never passes on nothing)"]);
        assert_eq!(gate.exit_code(), ExitCode::Invalid);
    }

    #[test]
    fn problems_are_printed_in_the_commands_language() {
        let p = Problem::text("inv.yaml", 9, 12, tuanthu::i18n::Text::new("level is wrong", "cấp độ sai"));
        let e = Error::from(Problems::one(p));
        assert_eq!(lines(&e, Lang::En), ["error: inv.yaml:9:12: level is wrong"]);
        assert_eq!(lines(&e, Lang::Vi), ["lỗi: inv.yaml:9:12: cấp độ sai"]);
    }

    #[test]
    fn hostile_text_in_an_error_cannot_act_on_the_terminal() {
        let e = Error::Usage("`\u{1b}[2Jx\ny`".into());
        assert_eq!(lines(&e, Lang::En), ["error: `\u{fffd}[2Jx y`"]);
    }
}
