//! `tuanthu aggregate`: many signed agency reports → one national view.

use super::{Error, ExitCode, write_output};
use clap::{Args, ValueEnum};
use std::path::PathBuf;
use tuanthu::aggregate::{self, Options};
use tuanthu::diag::{Problem, Problems};
use tuanthu::i18n::Lang;
use tuanthu::report::Glossary;
use tuanthu::report::render::Detail;
use tuanthu::report::render::{self, Render};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Headline sentences and tables
    Table,
    /// The tuanthu/national/v1 JSON document
    Json,
    /// One row per agency with every figure and the change, then a row for all agencies; UTF-8
    /// with BOM (opens in Excel with Vietnamese intact)
    Csv,
    /// Excel workbook: Overview (headlines), Agencies, By level, Missing controls, Rejected,
    /// Superseded. Binary: give -o FILE.xlsx (or redirect standard output)
    Xlsx,
    /// One self-contained HTML page: headline sentences, charts, a row per agency, inputs not counted;
    /// no external assets, opens offline, prints on A4
    Html,
}

#[derive(Debug, Args)]
pub struct AggregateArgs {
    /// Agency reports (tuanthu/report/v1 JSON) or directories searched for *.json
    #[arg(required = true, value_name = "REPORT|DIR")]
    pub reports: Vec<PathBuf>,
    /// Directory of agency public keys (`<agency-id>.pub`); every report's signature is checked,
    /// and every report (signed or not) is read against its schema and its figures re-derived
    #[arg(long, value_name = "DIR", required_unless_present = "allow_unsigned")]
    pub keys: Option<PathBuf>,
    /// Also count unsigned reports (the view is then marked `includes_unsigned`); signed reports
    /// are still verified when --keys is given
    #[arg(long)]
    pub allow_unsigned: bool,
    /// The previous period's national view (JSON), to show the change per agency and overall
    #[arg(long, value_name = "NATIONAL.json")]
    pub previous: Option<PathBuf>,
    /// The reporting period to aggregate (YYYY; default: the period most agencies reported for).
    /// Reports of other periods are rejected, so last year's report cannot be replayed
    #[arg(long, value_name = "YYYY")]
    pub period: Option<String>,
    /// Longest "most often missing controls" rankings (0 = all)
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub top: usize,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Language of the table, HTML, CSV and XLSX output
    #[arg(long, value_parser = super::lang_parser(), default_value = "en", env = "TUANTHU_LANG")]
    pub lang: Lang,
    /// Write the output to FILE instead of standard output
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Print only errors
    #[arg(short, long)]
    pub quiet: bool,
}

pub fn run(a: AggregateArgs) -> Result<ExitCode, Error> {
    super::binary_output_allowed(a.format == Format::Xlsx, a.output.as_deref())?;
    if let Some(p) = a.period.as_deref().filter(|p| !aggregate::input::is_year(p)) {
        return Err(Problems::one(Problem::file("--period", format!("`{p}` is not a year (YYYY)"))).into());
    }
    let previous = a.previous.as_deref().map(read_previous).transpose()?;
    let opts = Options {
        keys: a.keys.as_deref(),
        allow_unsigned: a.allow_unsigned,
        previous: previous.as_ref(),
        top: a.top,
        period: a.period.as_deref(),
    };
    let national = aggregate::aggregate(&a.reports, &opts)?;
    // A "previous" view of the same or a later period would make the change meaningless.
    let before = previous.as_ref().and_then(|p| p.get("period")).and_then(|p| p.as_str());
    if let Some(before) = before.filter(|b| !national.period.is_empty() && **b >= *national.period.as_str()) {
        let msg = format!("its period {before} is not before the aggregated period {}", national.period);
        return Err(Problems::one(Problem::file("--previous", msg)).into());
    }
    // Control titles come from the bundled catalogues; without them, the ids stand alone.
    let policy = matches!(a.format, Format::Table | Format::Html | Format::Xlsx)
        .then(tuanthu::policy::Policy::bundled)
        .and_then(Result::ok);
    let g = glossary(&policy, a.lang);
    let bytes = match a.format {
        Format::Json => render::Json.render(&national, &g)?,
        Format::Table => render::Table { detail: Detail::Problems, width: None, gate: None }.render(&national, &g)?,
        Format::Html => render::Html.render(&national, &g)?,
        Format::Csv => render::Csv.render(&national, &g)?,
        Format::Xlsx => render::Xlsx.render(&national, &g)?,
    };
    write_output(a.output.as_deref(), &bytes)?;
    // A table on stdout already ends with the rejected inputs: listing them again on stderr would
    // print each one twice on the terminal. Any other output keeps them on stderr.
    let listed = a.format == Format::Table && a.output.is_none();
    if !a.quiet && !listed {
        for r in &national.rejected {
            let rejected = tuanthu::i18n::tr(a.lang, "rejected", "bị từ chối");
            eprintln!(
                "{rejected}: {}: {}",
                tuanthu::sanitize::one_line(&r.file),
                tuanthu::sanitize::one_line(&r.reason)
            );
        }
    }
    Ok(if national.rejected.is_empty() { ExitCode::Ok } else { ExitCode::No })
}

fn glossary(policy: &Option<tuanthu::policy::Policy>, lang: Lang) -> Glossary<'_> {
    policy.as_ref().map_or(Glossary::empty(lang), |p| Glossary::new(p, lang))
}

/// `--previous`: a national view, read and checked to be one (bad input: exit 2).
fn read_previous(path: &std::path::Path) -> Result<serde_json::Value, Problems> {
    let file = path.display().to_string();
    let bytes = tuanthu::files::read_capped(path, aggregate::input::MAX_REPORT_BYTES)
        .map_err(|e| Problem::file_text(file.as_str(), e.text()))?;
    let v: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|e| Problem::new(file.as_str(), e.line() as u64, e.column() as u64, &e))?;
    if v.get("schema").and_then(|s| s.as_str()) != Some(aggregate::national::SCHEMA) {
        return Err(Problem::file(file, format!("not a {} document", aggregate::national::SCHEMA)).into());
    }
    Ok(v)
}
