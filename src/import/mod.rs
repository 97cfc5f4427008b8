//! Importers: the result files of the host-audit, vulnerability and monitoring tools that agencies
//! already run (OpenSCAP and CIS-CAT XCCDF/ARF, Lynis, Wazuh, Greenbone/OpenVAS, Nessus), read
//! into typed values that say what the tool measured on which host and when.
//!
//! # Contract of every importer
//! * **Streaming.** Formats that can be large (ARF, XCCDF, OpenVAS, Nessus) are read with quick-xml
//!   one element at a time and hand their results to a callback per host (or per result), so memory
//!   does not grow with the file. Small formats (Lynis `report.dat`, Wazuh API responses) may be read
//!   whole through [`crate::files::read_capped`].
//! * **Hostile input.** Result files come from the hosts being judged. No DTD entity is expanded or
//!   fetched (a DOCTYPE that declares entities is refused), sizes, counts and nesting are capped by a
//!   [`Limits`], strings keep their content (control characters are stripped only when rendered, by
//!   the renderers' sanitiser), and no input makes an importer panic or recurse without bound.
//! * **Damaged files** yield an [`ImportError`] with the 1-based line and column of the damage,
//!   *after* everything complete before it was delivered, so callers can keep it as partial evidence.
//! * **The tool's own words are kept** (its result and severity names, ids, titles) next to their
//!   mapping onto the shared scales below; each importer's module docs state that mapping.
//!
//! The importers do not know the inventory: matching results to declared hosts and judging them
//! belongs to the engine.

pub mod format;
pub mod json;
pub mod load;
pub mod lynis;
pub mod nessus;
pub mod nmap;
pub mod openvas;
pub mod records;
pub mod ssh_audit;
pub mod wazuh;
pub mod xccdf;
pub mod xml;

use std::fmt;

use crate::evidence::{CheckResult, Severity};
use crate::i18n::{Lang, Text};
use crate::text;

/// Caps on what one file may make an importer keep or walk through.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Longest text or attribute value kept (longer ones are cut and the cut is marked).
    pub max_text_bytes: usize,
    /// Deepest element nesting accepted.
    pub max_depth: usize,
    /// Most results (rule results, findings, warnings) kept for one host.
    pub max_results_per_host: usize,
    /// Largest file read whole (formats that are not streamed).
    pub max_file_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_text_bytes: 64 << 10, max_depth: 64, max_results_per_host: 100_000, max_file_bytes: 64 << 20 }
    }
}

/// Why an import stopped. Everything complete before the error has been delivered.
///
/// Its text is in both languages ([`ImportError::text`]); `Display` is the English one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportError {
    /// The file could not be read (the operating system's reason).
    Io(String),
    /// Not well-formed, truncated, of the wrong shape, or over a limit, at a 1-based line and column
    /// (0 when unknown).
    Malformed { line: u64, column: u64, message: Text },
    /// The callback asked to stop.
    Callback(String),
}

impl ImportError {
    /// A `Malformed` error at a 1-based `line` and `column` (0 when unknown).
    pub fn at(line: u64, column: u64, message: Text) -> ImportError {
        ImportError::Malformed { line, column, message }
    }

    /// A `Malformed` error about the whole file.
    pub fn whole(message: Text) -> ImportError {
        ImportError::at(0, 0, message)
    }

    /// The error in both languages, with its position when known.
    pub fn text(&self) -> Text {
        match self {
            ImportError::Io(e) => text!("read error: {e}", "lỗi đọc tệp: {e}"),
            ImportError::Malformed { line: 0, message, .. } => message.clone(),
            ImportError::Malformed { line, column, message } => crate::diag::at_position(*line, *column, message),
            ImportError::Callback(e) => Text::new(e.clone(), e.clone()),
        }
    }

    /// The error in `lang`.
    pub fn render(&self, lang: Lang) -> String {
        self.text().get(lang).to_string()
    }
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(Lang::En))
    }
}

impl std::error::Error for ImportError {}
