//! Loading YAML that may come from semi-trusted hands (agency inventories, third-party rule packs).
//!
//! Every file is read through serde-saphyr with a tight budget: size, nesting depth, node count and
//! alias count are capped, so an alias bomb ("billion laughs") or a deeply nested document fails
//! with a clear message instead of exhausting memory or the stack. Duplicate keys are errors, and
//! every error carries the file, line and column.

use crate::diag::Problem;
use serde::de::DeserializeOwned;
use std::path::Path;

/// Largest YAML file accepted (an inventory of thousands of systems is well below this).
pub const MAX_FILE_BYTES: usize = 16 << 20;

fn options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_reader_input_bytes: Some(MAX_FILE_BYTES),
            max_depth: 32,
            max_nodes: 1_000_000,
            max_aliases: 1_000,
            max_anchors: 1_000,
            max_documents: 1,
            max_total_scalar_bytes: MAX_FILE_BYTES,
        },
        // Aliases are legitimate (shared waiver text) but a few nested ones can multiply a small
        // file into millions of nodes: cap what their expansion may replay.
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: 100_000,
            max_replay_stack_depth: 16,
        },
        duplicate_keys: serde_saphyr::DuplicateKeyPolicy::Error,
        strict_booleans: true,
        with_snippet: false,
    }
}

/// Reads a file to a string, with the size cap (on the bytes read, so pipes and devices are
/// bounded too) and a UTF-8 check.
pub fn read_text(path: &Path) -> Result<String, Problem> {
    let name = path.display().to_string();
    let bytes = crate::files::read_capped(path, MAX_FILE_BYTES as u64).map_err(|e| Problem::file(&name, e))?;
    String::from_utf8(bytes).map_err(|e| {
        let (line, column) = line_col(&e.as_bytes()[..e.utf8_error().valid_up_to()]);
        Problem::new(&name, line, column, "file is not valid UTF-8")
    })
}

/// Parses YAML text into `T`, turning any error into a positioned [`Problem`].
pub fn parse<T: DeserializeOwned>(name: &str, text: &str) -> Result<T, Problem> {
    if text.len() > MAX_FILE_BYTES {
        return Err(Problem::file(name, format!("document is larger than {MAX_FILE_BYTES} bytes")));
    }
    serde_saphyr::from_str_with_options::<T>(text, options()).map_err(|e| {
        let (line, column) = e.location().map(|l| (l.line(), l.column())).unwrap_or((0, 0));
        Problem::new(name, line, column, first_line(&e.without_snippet().to_string()))
    })
}

/// Reads the `schema:` key of a document without interpreting the rest, so `validate` can tell
/// the kinds of file apart.
pub fn schema_of(name: &str, text: &str) -> Result<String, Problem> {
    #[derive(serde::Deserialize)]
    struct Head {
        schema: Option<String>,
    }
    // Unknown fields are fine here: only the kind is wanted.
    let head: Head = parse(name, text)?;
    head.schema.ok_or_else(|| Problem::new(name, 1, 1, "missing `schema:` key (e.g. `schema: tuanthu/inventory/v1`)"))
}

fn first_line(s: &str) -> String {
    // serde-saphyr prefixes "line L column C:"; the position is reported separately.
    let s = s.lines().next().unwrap_or("").trim();
    let s = match s.strip_prefix("line ") {
        Some(rest) => rest.split_once(": ").map(|(_, m)| m).unwrap_or(rest),
        None => s,
    };
    s.to_string()
}

fn line_col(prefix: &[u8]) -> (u64, u64) {
    let line = prefix.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
    let col = prefix.iter().rev().take_while(|&&b| b != b'\n').count() as u64 + 1;
    (line, col)
}
