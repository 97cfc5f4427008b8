//! Aggregation: many agency reports → one national view (`tuanthu/national/v1`).
//!
//! Nothing is trusted blindly and nothing is dropped silently: every input is verified as
//! `tuanthu verify` does ([`crate::report::verify`]: the signature for who, the schema and the
//! re-derived figures for what) and is either counted, rejected (with the reason: bad signature,
//! foreign key, unsigned, not canonical, off its schema, inconsistent figures, malformed…) or
//! superseded by a newer report of the same agency and period (never a signed one by an unsigned
//! one) — and the output lists all three.

pub mod csv;
pub mod html;
pub mod input;
pub mod national;
pub mod table;
pub mod tally;
pub mod words;
pub mod xlsx;

pub use national::National;

use crate::report::render::{Json, Render};
use crate::report::{Glossary, RenderError};

impl Render<National> for Json {
    fn render(&self, n: &National, _: &Glossary) -> Result<Vec<u8>, RenderError> {
        crate::report::render::json(n, "the national view")
    }
}

use std::path::{Path, PathBuf};

/// Why an aggregation could not start: its inputs cannot be listed, or the bundled policy the
/// reports are checked against is broken. (A bad report is never an error: it is rejected.)
#[derive(Debug, thiserror::Error)]
pub enum AggregateError {
    /// A named input that does not exist.
    #[error("{}: no such file or directory", .0.display())]
    NotFound(PathBuf),
    /// A directory that cannot be walked.
    #[error(transparent)]
    Walk(#[from] crate::files::WalkError),
    #[error(transparent)]
    BundledPolicy(#[from] crate::report::verify::BundledPolicyError),
}

impl AggregateError {
    /// The message in both languages (`Display` is the English one).
    pub fn text(&self) -> crate::i18n::Text {
        match self {
            AggregateError::NotFound(p) => {
                let p = p.display();
                crate::text!("{p}: no such file or directory", "{p}: không có tệp hay thư mục này")
            }
            AggregateError::Walk(e) => e.text(),
            AggregateError::BundledPolicy(e) => e.text(),
        }
    }
}

/// What to aggregate and how.
pub struct Options<'a> {
    pub keys: Option<&'a Path>,
    pub allow_unsigned: bool,
    pub previous: Option<&'a serde_json::Value>,
    /// Longest missing-control rankings (0 = all).
    pub top: usize,
    /// The reporting period to aggregate (e.g. "2026"); `None`: the period most agencies'
    /// valid reports are of (the newest among equals).
    pub period: Option<&'a str>,
}

/// Reads, verifies and aggregates every report under `paths`. Errs only when the inputs cannot be
/// listed at all; unreadable or invalid reports are `rejected` entries.
pub fn aggregate(paths: &[PathBuf], opts: &Options<'_>) -> Result<National, AggregateError> {
    let files = input::discover(paths)?;
    let policy = crate::report::verify::bundled_policy()?;
    let dir = opts.keys.map(crate::report::verify::KeyDir);
    let verifier = crate::report::verify::Verifier {
        keys: dir.as_ref().map(|d| d as &dyn crate::report::verify::KeySource),
        allow_unsigned: opts.allow_unsigned,
        policy: &policy,
        now: time::OffsetDateTime::now_utc(),
    };
    let loaded = crate::par::map(&files, |f| input::load(f, &verifier));
    let (mut ok, mut rejected) = (Vec::new(), Vec::new());
    for r in loaded {
        match r {
            Ok(l) => ok.push(l),
            Err(e) => rejected.push(e),
        }
    }
    let period = opts.period.map(str::to_string).or_else(|| usual_period(&ok));
    let (ok, other_periods) = national::of_period(ok, period.as_deref());
    rejected.extend(other_periods);
    let (counted, superseded) = national::select(ok);
    let generated_at = crate::dates::now();
    let period = period.unwrap_or_default();
    Ok(national::build(&counted, rejected, superseded, opts.previous, &period, generated_at, opts.top))
}

/// The period most agencies reported for, the newest among equals: one report filed for a wrong
/// (or future) year cannot turn every other agency's report into a rejection, and a replayed
/// older report cannot pull the view back a year.
pub fn usual_period(loaded: &[input::Loaded]) -> Option<String> {
    usual_period_of(loaded.iter().map(|l| (l.period.as_str(), l.agency.as_str())))
}

/// [`usual_period`] over (period, agency) pairs: the national service chooses its default period
/// from its stored submissions by the same rule.
pub fn usual_period_of<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Option<String> {
    let mut agencies: std::collections::BTreeMap<&str, std::collections::BTreeSet<&str>> = Default::default();
    for (period, agency) in pairs {
        agencies.entry(period).or_default().insert(agency);
    }
    agencies.into_iter().max_by(|a, b| a.1.len().cmp(&b.1.len()).then(a.0.cmp(b.0))).map(|(p, _)| p.to_string())
}
