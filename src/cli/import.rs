//! `tuanthu import`: other tools' result files, normalised into one evidence file that `check`,
//! `gate` and the national center can re-evaluate.

use super::{ExitCode, fail};
use crate::evidence::file::EvidenceInput;
use crate::evidence::writer::EvidenceWriter;
use crate::evidence::{Facts, RecordKind};
use crate::import::format::{self, Format};
use crate::import::records::{self, Hints};
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Result files of OpenSCAP/CIS-CAT (XCCDF, ARF), Lynis (report.dat), Wazuh (API responses,
    /// vulnerability index documents), Greenbone/OpenVAS or Nessus (.nessus)
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Where to write the evidence: `*.jsonl` for JSON Lines, anything else one JSON document
    #[arg(short = 'o', long, value_name = "EVIDENCE")]
    pub output: PathBuf,
    /// Read every file as this format instead of detecting it: xccdf, arf, lynis, wazuh-agents,
    /// wazuh-sca, wazuh-vulns, openvas, nessus, evidence
    #[arg(long, value_name = "FMT")]
    pub from: Option<String>,
    /// The host the files are about, for results that do not name it (a Wazuh agent's SCA
    /// checks or vulnerabilities); it also replaces the host a file names
    #[arg(long, value_name = "HOST")]
    pub target: Option<String>,
    /// When the tool ran (RFC 3339, e.g. 2026-11-20T02:00:00Z), for results that do not say;
    /// it also replaces the time a file gives
    #[arg(long, value_name = "TIME")]
    pub observed_at: Option<String>,
    /// Language of messages
    #[arg(long, value_enum, default_value_t = crate::i18n::Lang::En, env = "TUANTHU_LANG")]
    pub lang: crate::i18n::Lang,
    /// Print only errors
    #[arg(short, long)]
    pub quiet: bool,
}

pub fn run(a: ImportArgs) -> ExitCode {
    let hints = match hints(&a) {
        Ok(h) => h,
        Err(msg) => return usage(&msg),
    };
    let forced = match a.from.as_deref().map(|f| (f, Format::parse(f))) {
        None => None,
        Some((_, Some(f))) => Some(f),
        Some((name, None)) => {
            let name = crate::sanitize::one_line(name);
            return usage(&format!("--from {name}: not a format tuanthu reads; known formats: {}", Format::names()));
        }
    };
    let mut inputs = Vec::new();
    let mut code = ExitCode::Ok;
    for path in &a.files {
        let shown = path.display().to_string();
        let found = match forced {
            Some(f) => Ok(f),
            None => format::detect_file(path),
        };
        let input = match found {
            Ok(Format::Nmap) => {
                eprintln!(
                    "error: {shown}: nmap XML is read by `check --nmap` or `--evidence` directly, not converted (nothing of it is written)"
                );
                code = code.max(ExitCode::No);
                continue;
            }
            Ok(f) => records::read(path, f, &hints, &crate::import::Limits::default()),
            Err(e) => {
                eprintln!("error: {shown}: {e} (nothing of it is written)");
                code = code.max(ExitCode::No);
                continue;
            }
        };
        code = code.max(report(&input, a.quiet));
        inputs.push(input);
    }
    if inputs.iter().all(|i| i.records.is_empty()) {
        eprintln!("error: nothing usable was read, so {} was not written", a.output.display());
        return ExitCode::Invalid;
    }
    match write(&a, inputs) {
        Ok(n) => {
            if !a.quiet {
                eprintln!("wrote {n} record(s) to {}", a.output.display());
            }
            code
        }
        Err(e) => fail(e),
    }
}

fn usage(msg: &str) -> ExitCode {
    eprintln!("error: {msg}");
    ExitCode::Invalid
}

fn hints(a: &ImportArgs) -> Result<Hints, String> {
    let observed_at = match a.observed_at.as_deref() {
        None => None,
        Some(t) => {
            Some(time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).map_err(|_| {
                format!(
                    "--observed-at {}: not an RFC 3339 time (e.g. 2026-11-20T02:00:00Z or 2026-11-20T09:00:00+07:00)",
                    crate::sanitize::one_line(t)
                )
            })?)
        }
    };
    let target = a.target.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(str::to_string);
    Ok(Hints { target, observed_at })
}

/// Prints what was read of one file (unless quiet) and its problems; exit 1 when it is partial.
fn report(input: &EvidenceInput, quiet: bool) -> ExitCode {
    let file = &input.file;
    if let Some(e) = &input.fatal {
        eprintln!("error: {file}: {} (nothing of it is written)", crate::sanitize::one_line(e));
        return ExitCode::No;
    }
    for p in &input.problems {
        eprintln!("error: {file}: {}", crate::sanitize::one_line(p));
    }
    for w in &input.warnings {
        eprintln!("warning: {file}: {}", crate::sanitize::one_line(w));
    }
    if input.records.is_empty() && input.problems.is_empty() {
        eprintln!("warning: {file}: it describes no host, so it adds no record");
    }
    if !quiet {
        for r in &input.records {
            eprintln!("{file}: {}", crate::sanitize::one_line(&summary(r)));
        }
    }
    if input.partial { ExitCode::No } else { ExitCode::Ok }
}

/// One line about a record: its kind, host, time and counts.
fn summary(r: &crate::evidence::Record) -> String {
    let at = r.observed_at.as_deref().unwrap_or("no time");
    let what = match r.facts() {
        Some(Facts::HostAudit(f)) => {
            let c = f.counts;
            format!(
                "{} check(s): {} pass, {} fail, {} not applicable, {} not checked, {} error/unknown",
                f.results.len(),
                c.pass,
                c.fail,
                c.notapplicable,
                c.notchecked,
                c.error + c.unknown
            )
        }
        Some(Facts::Vulnerabilities(f)) => {
            let c = f.counts;
            format!(
                "{} finding(s): {} critical, {} high, {} medium, {} low",
                f.findings.len(),
                c.critical,
                c.high,
                c.medium,
                c.low
            )
        }
        Some(Facts::Agent(f)) => format!("agent {} {}", f.agent_id, f.status),
        _ => String::new(),
    };
    let kind: &RecordKind = r.kind();
    format!("{kind} {} ({at}): {what}", r.target)
}

fn write(a: &ImportArgs, inputs: Vec<EvidenceInput>) -> Result<usize, crate::evidence::writer::WriteError> {
    let started = crate::dates::now();
    let mut w = EvidenceWriter::create(&a.output, &started)?;
    let mut n = 0;
    for input in inputs {
        for mut r in input.records {
            r.position = String::new();
            w.push(r)?;
            n += 1;
        }
    }
    w.finish(&crate::dates::now())?;
    Ok(n)
}
