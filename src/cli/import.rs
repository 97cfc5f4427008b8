//! `tuanthu import`: other tools' result files, normalised into one evidence file that `check`,
//! `gate` and the national center can re-evaluate.

use super::ExitCode;
use super::error::{self, Error, warn};
use clap::Args;
use std::path::PathBuf;
use tuanthu::diag::{Problem, Problems};
use tuanthu::evidence::file::EvidenceInput;
use tuanthu::evidence::writer::EvidenceWriter;
use tuanthu::evidence::{Facts, Record, RecordKind};
use tuanthu::i18n::{Lang, Text, tr};
use tuanthu::import::format::{self, Format};
use tuanthu::import::records::{self, Hints};

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
    /// wazuh-sca, wazuh-vulns, openvas, nessus, ssh-audit, evidence
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
    #[arg(long, value_parser = super::lang_parser(), default_value = "en", env = "TUANTHU_LANG")]
    pub lang: Lang,
    /// Print only errors
    #[arg(short, long)]
    pub quiet: bool,
}

pub fn run(a: ImportArgs) -> Result<ExitCode, Error> {
    let hints = hints(&a).map_err(Error::Usage)?;
    let forced = match a.from.as_deref() {
        None => None,
        Some(name) => Some(Format::parse(name).ok_or_else(|| {
            let name = tuanthu::sanitize::one_line(name);
            let why = tr(
                a.lang,
                "not a format tuanthu reads; known formats",
                "không phải định dạng tuanthu đọc được; các định dạng biết",
            );
            Error::Usage(format!("--from {name}: {why}: {}", Format::names()))
        })?),
    };
    let mut code = ExitCode::Ok;
    // Records go to the output as they are read (bounded memory for JSON Lines); the file is
    // created with the first record, so that nothing is written when nothing is usable.
    let started = tuanthu::dates::now();
    let mut writer: Option<EvidenceWriter> = None;
    let mut write_error = None;
    let mut written = 0usize;
    let limits = tuanthu::import::Limits::default();
    for path in &a.files {
        let shown = path.display().to_string();
        let found = match forced {
            Some(f) => Ok(f),
            None => format::detect_file(path),
        };
        let format = match found {
            Ok(Format::Nmap) => {
                let why = Text::new(
                    "nmap XML is read by `check --nmap` or `--evidence` directly, not converted",
                    "XML của nmap được `check --nmap` hoặc `--evidence` đọc trực tiếp, không cần chuyển đổi",
                );
                code = code.max(refuse(&shown, &why, a.lang));
                continue;
            }
            Ok(f) => f,
            Err(e) => {
                code = code.max(refuse(&shown, &e.text(), a.lang));
                continue;
            }
        };
        let mut sink = |mut r: Record| -> Result<(), String> {
            if !a.quiet {
                eprintln!("{shown}: {}", tuanthu::sanitize::one_line(&summary(&r, a.lang)));
            }
            r.position = String::new();
            let pushed = match &mut writer {
                Some(w) => w.push(r),
                None => EvidenceWriter::create(&a.output, &started).and_then(|w| writer.insert(w).push(r)),
            };
            // The sink's own message is never shown: the write error itself ends the import.
            pushed.map_err(|e| {
                write_error = Some(e);
                "the output could not be written".to_string()
            })?;
            written += 1;
            Ok(())
        };
        let input = if format == Format::Evidence {
            let mut input = records::read(path, format, &hints, &limits);
            for r in std::mem::take(&mut input.records) {
                input.counted += 1;
                if sink(r).is_err() {
                    break;
                }
            }
            input
        } else {
            records::read_into(path, format, &hints, &limits, &mut sink)
        };
        if let Some(e) = write_error.take() {
            return Err(Error::from(e));
        }
        code = code.max(report(&input, &a));
    }
    let Some(w) = writer else {
        let out = a.output.display();
        return Err(Error::Usage(match a.lang {
            tuanthu::i18n::Lang::En => format!("nothing usable was read, so {out} was not written"),
            tuanthu::i18n::Lang::Vi => format!("không đọc được gì dùng được, nên {out} không được ghi"),
        }));
    };
    w.finish(&tuanthu::dates::now()).map_err(Error::from)?;
    if !a.quiet {
        let out = a.output.display();
        eprintln!(
            "tuanthu: {}",
            tuanthu::text!("wrote {written} record(s) to {out}", "đã ghi {written} bản ghi vào {out}").get(a.lang)
        );
    }
    Ok(code)
}

fn hints(a: &ImportArgs) -> Result<Hints, String> {
    let observed_at = match a.observed_at.as_deref() {
        None => None,
        Some(t) => {
            Some(time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).map_err(|_| {
                format!(
                    "--observed-at {}: {} (e.g. 2026-11-20T02:00:00Z, 2026-11-20T09:00:00+07:00)",
                    tuanthu::sanitize::one_line(t),
                    tr(a.lang, "not an RFC 3339 time", "không phải thời điểm RFC 3339")
                )
            })?)
        }
    };
    let target = a.target.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(str::to_string);
    Ok(Hints { target, observed_at })
}

/// Says that nothing of `file` is written, and why; a file refused makes the import exit 1.
fn refuse(file: &str, why: &Text, lang: Lang) -> ExitCode {
    let (en, vi) = (&why.en, &why.vi);
    let why = tuanthu::text!("{en} (nothing of it is written)", "{vi} (không phần nào của tệp được ghi)");
    error::print(&Error::Invalid(Problems::one(Problem::file_text(file, why))), lang);
    ExitCode::No
}

/// Prints what was read of one file (unless quiet) and its problems; exit 1 when it is partial.
fn report(input: &EvidenceInput, a: &ImportArgs) -> ExitCode {
    let file = &input.file;
    if let Some(e) = &input.fatal {
        return refuse(file, e, a.lang);
    }
    let problems = input.problems.iter().map(|p| Problem::file_text(file, p.clone())).collect();
    if let Some(problems) = Problems::from_vec(problems) {
        error::print(&Error::Invalid(problems), a.lang);
    }
    for w in &input.warnings {
        warn(format!("{file}: {}", w.get(a.lang)), a.lang);
    }
    if input.counted == 0 && input.problems.is_empty() {
        let none = tr(
            a.lang,
            "it describes no host, so it adds no record",
            "tệp không mô tả máy nào, nên không thêm bản ghi nào",
        );
        warn(format!("{file}: {none}"), a.lang);
    }
    if input.partial { ExitCode::No } else { ExitCode::Ok }
}

/// One line about a record in `lang`: its kind, host, time and counts.
fn summary(r: &tuanthu::evidence::Record, lang: Lang) -> String {
    use tuanthu::text;
    let at = r.observed_at.as_deref().unwrap_or(tr(lang, "no time", "không rõ thời điểm"));
    let what = match r.facts() {
        Some(Facts::HostAudit(f)) => {
            let (n, c) = (f.results.len(), f.counts);
            let (pass, fail, na, nc, unknown) = (c.pass, c.fail, c.notapplicable, c.notchecked, c.error + c.unknown);
            text!(
                "{n} check(s): {pass} pass, {fail} fail, {na} not applicable, {nc} not checked, {unknown} error/unknown",
                "{n} mục kiểm tra: {pass} đạt, {fail} không đạt, {na} không áp dụng, {nc} không kiểm tra, {unknown} lỗi/không rõ"
            )
        }
        Some(Facts::Vulnerabilities(f)) => {
            let (n, c) = (f.findings.len(), f.counts);
            let (critical, high, medium, low) = (c.critical, c.high, c.medium, c.low);
            text!(
                "{n} finding(s): {critical} critical, {high} high, {medium} medium, {low} low",
                "{n} phát hiện: {critical} nghiêm trọng, {high} cao, {medium} trung bình, {low} thấp"
            )
        }
        Some(Facts::Agent(f)) => {
            let (id, status) = (&f.agent_id, &f.status);
            text!("agent {id} {status}", "tác tử {id} {status}")
        }
        Some(Facts::Ssh(f)) => {
            let (software, weak) = (&f.software, f.weak.len());
            text!("{software}, {weak} weak algorithm(s) or key(s)", "{software}, {weak} thuật toán hoặc khoá yếu")
        }
        _ => Text::default(),
    };
    let kind: &RecordKind = r.kind();
    format!("{kind} {} ({at}): {}", r.target, what.get(lang))
}
