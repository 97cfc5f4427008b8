//! Reading agency reports for aggregation: find the files, verify each one (the signature for
//! who sent it, its schema and re-derived figures for what it says: [`crate::report::verify`],
//! the same check as `tuanthu verify`), and keep only the small summary the national figures
//! need — memory holds one report per worker thread at a time, never the whole input.

use super::tally::ReportTally;
use crate::report::verify::{self, Verifier};
use std::path::{Path, PathBuf};

/// Largest report file read (a province with thousands of systems stays far below).
pub const MAX_REPORT_BYTES: u64 = verify::MAX_REPORT_BYTES;

/// One input file, read and reduced to its tallies: what the national figures need of it, a few
/// hundred numbers whatever the report's size, so memory holds the aggregate and not the inputs.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub file: String,
    pub agency: String,
    pub agency_name: String,
    pub generated_at: String,
    /// `generated_at` as a time (reports may state it with any UTC offset).
    pub written: time::OffsetDateTime,
    pub period: String,
    pub tally: ReportTally,
    /// The key id that signed it; `None` when accepted unsigned (`--allow-unsigned`).
    pub signed_by: Option<String>,
    /// Tells a byte-identical resubmission apart: the signature (deterministic in ed25519, and
    /// over all the bytes but itself), or the SHA-256 of an unsigned file.
    pub digest: Vec<u8>,
}

/// Why a file was not counted (listed as such in the national view).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Rejected {
    pub file: String,
    pub reason: String,
}

/// Every `*.json` under the given files and directories, sorted, each once.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>, super::AggregateError> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            out.extend(crate::files::walk(p, |f| f.extension().is_some_and(|e| e.eq_ignore_ascii_case("json")))?);
        } else if p.exists() {
            out.push(p.clone());
        } else {
            return Err(super::AggregateError::NotFound(p.clone()));
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// Reads and verifies one report ([`verify::verify`]) and reduces it to its tallies.
pub fn load(path: &Path, verifier: &Verifier) -> Result<Loaded, Rejected> {
    let file = path.display().to_string();
    let reject = |reason: String| Rejected { file: file.clone(), reason };
    let bytes = verify::read(path).map_err(|e| reject(e.to_string()))?;
    let v = verify::verify(&bytes, verifier).map_err(|r| reject(r.to_string()))?;
    let agency = v.agency();
    Ok(Loaded {
        agency: agency.id.to_string(),
        agency_name: agency.name.clone(),
        tally: ReportTally::of(&agency.systems),
        generated_at: v.report.generated_at.clone(),
        written: v.written,
        period: v.report.period.clone(),
        signed_by: v.signed_by,
        digest: v.digest,
        file,
    })
}

/// A reporting period: four digits.
pub fn is_year(s: &str) -> bool {
    verify::is_year(s)
}
