//! Reading agency reports for aggregation: find the files, verify each signature, and keep only
//! the small summary the national figures need — memory holds one report per worker thread at a
//! time, never the whole input.

use super::national::ReportTally;
use crate::report::sign::{self, Rejection};
use serde::Deserialize;
use std::borrow::Cow;
use std::path::{Path, PathBuf};

/// Largest report file read (a province with thousands of systems stays far below).
pub const MAX_REPORT_BYTES: u64 = 256 << 20;

/// The fields of `tuanthu/report/v1` aggregation needs. Strings borrow from the file's bytes
/// where they can (ids and statuses never need unescaping): a thousand reports hold millions of
/// control entries, and each would otherwise be two allocations.
#[derive(Debug, Clone, Deserialize)]
pub struct Summary<'a> {
    pub schema: String,
    pub generated_at: String,
    pub period: String,
    #[serde(borrow)]
    pub agencies: Vec<AgencySummary<'a>>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AgencySummary<'a> {
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(borrow)]
    pub systems: Vec<SystemSummary<'a>>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SystemSummary<'a> {
    pub level: u8,
    #[serde(default, borrow)]
    pub catalogue: Cow<'a, str>,
    #[serde(borrow)]
    pub approval: Cow<'a, str>,
    pub fully_implemented: bool,
    #[serde(borrow)]
    pub deployment: Cow<'a, str>,
    /// Required controls only (optional ones are listed apart in the report).
    #[serde(default, borrow)]
    pub controls: Vec<ControlSummary<'a>>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ControlSummary<'a> {
    #[serde(borrow)]
    pub id: Cow<'a, str>,
    #[serde(borrow)]
    pub status: Cow<'a, str>,
}

impl SystemSummary<'_> {
    /// Required controls not met: `fail` or `unknown` (no evidence is not a pass).
    pub fn missing(&self) -> impl Iterator<Item = &str> {
        self.controls.iter().filter(|c| c.status == "fail" || c.status == "unknown").map(|c| c.id.as_ref())
    }
}

/// One input file, read and reduced to its tallies: what the national figures need of it, a few
/// hundred numbers whatever the report's size, so memory holds the aggregate and not the inputs.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub file: String,
    pub agency: String,
    pub agency_name: String,
    pub generated_at: String,
    pub period: String,
    pub tally: ReportTally,
    /// The key id that signed it; `None` when accepted unsigned (`--allow-unsigned`).
    pub signed_by: Option<String>,
    /// Tells a byte-identical resubmission apart: the signature (deterministic in ed25519, and
    /// over all the bytes but itself), or the SHA-256 of an unsigned file.
    pub digest: Vec<u8>,
}

/// Why a file was not counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    pub file: String,
    pub reason: String,
}

/// Every `*.json` under the given files and directories, sorted, each once.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            out.extend(crate::files::walk(p, |f| f.extension().is_some_and(|e| e.eq_ignore_ascii_case("json")))?);
        } else if p.exists() {
            out.push(p.clone());
        } else {
            return Err(format!("{}: no such file or directory", p.display()));
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// Reads and checks one report: signature against `keys` (unless unsigned reports are allowed and
/// this one carries none), schema, and exactly one agency.
pub fn load(path: &Path, keys: Option<&Path>, allow_unsigned: bool) -> Result<Loaded, Rejected> {
    let file = path.display().to_string();
    let reject = |reason: String| Rejected { file: file.clone(), reason };
    let bytes = crate::files::read_capped(path, MAX_REPORT_BYTES).map_err(&reject)?;
    // Fast path: a file as `sign` wrote it verifies without re-canonicalising; anything else goes
    // through the full check, which names the reason for refusing it.
    let fast = keys.and_then(|k| sign::verify_bytes(&bytes, k));
    // The canonical form a fully verified report was checked in; the summary borrows from it.
    let verified: serde_json::Value;
    let (mut summary, signed_by, digest): (Summary, _, _) = match fast {
        Some((agency, signature)) => (summarise(&bytes).map_err(&reject)?, Some(agency), signature),
        None => match keys.map(|k| sign::verify(&bytes, k)) {
            Some(Ok(v)) => {
                verified = v.report;
                let s = Summary::deserialize(&verified).map_err(|e| reject(format!("not a tuanthu report: {e}")))?;
                (s, Some(v.agency), sha256(&bytes).to_vec())
            }
            Some(Err(Rejection::Unsigned)) | None if allow_unsigned => {
                (summarise(&bytes).map_err(&reject)?, None, sha256(&bytes).to_vec())
            }
            Some(Err(r)) => return Err(reject(r.to_string())),
            None => return Err(reject("unsigned reports are not accepted without --keys".into())),
        },
    };
    if let (Some(key), Some(agency)) = (&signed_by, summary.agencies.first())
        && *key != agency.id
    {
        let r = Rejection::ForeignKey { agency: agency.id.clone(), key_id: key.clone() };
        return Err(reject(r.to_string()));
    }
    if !is_year(&summary.period) {
        return Err(reject(format!("period `{}` is not a year (YYYY)", crate::sanitize::one_line(&summary.period))));
    }
    if summary.schema != "tuanthu/report/v1" {
        return Err(reject(format!("schema `{}` is not tuanthu/report/v1", summary.schema)));
    }
    if summary.agencies.len() != 1 {
        return Err(reject(format!("a report must hold exactly one agency, this one has {}", summary.agencies.len())));
    }
    // invariant: exactly one agency, checked above.
    let agency = summary.agencies.swap_remove(0);
    let tally = ReportTally::of(&agency.systems);
    Ok(Loaded {
        file,
        agency: agency.id,
        agency_name: agency.name,
        generated_at: summary.generated_at,
        period: summary.period,
        tally,
        signed_by,
        digest,
    })
}

/// Reads the summary straight from the bytes (fields it does not need are skipped unparsed).
fn summarise(bytes: &[u8]) -> Result<Summary<'_>, String> {
    serde_json::from_slice(bytes).map_err(|e| match e.classify() {
        serde_json::error::Category::Data => format!("not a tuanthu report: {e}"),
        _ => format!("malformed JSON at line {}, column {}: {e}", e.line(), e.column()),
    })
}

/// A reporting period: four digits.
pub fn is_year(s: &str) -> bool {
    s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit())
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).into()
}
