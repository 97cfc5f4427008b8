//! A rule pack's header (`pack.yaml`, `schema: tuanthu/rule-pack/v1`): what the pack is, its
//! version, where it comes from and what it rests on. Every directory of rules — the bundled one,
//! `--rules DIR`, `--add-rules DIR`, `tuanthu rules test DIR` — carries one, so a report's rules and
//! a failing case can be traced to a named, versioned pack rather than to a folder.

use super::source::Source;
use crate::diag::{Collector, Problem, Problems};
use crate::i18n::Text;
use serde::Deserialize;
use serde_saphyr::Spanned;

pub const SCHEMA: &str = "tuanthu/rule-pack/v1";

/// The file name a pack's header has at the pack's root.
pub const FILE: &str = "pack.yaml";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PackFile {
    schema: Spanned<String>,
    id: Spanned<String>,
    version: Spanned<String>,
    title: Text,
    source: String,
    #[serde(default)]
    references: Vec<String>,
}

/// A loaded pack header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pack {
    pub id: String,
    pub version: String,
    pub title: Text,
    /// Who maintains it, and where (an organisation, a repository URL).
    pub source: String,
    pub references: Vec<String>,
    pub origin: String,
}

/// Whether a pack file is its header (by its `schema:`).
pub fn is_header(s: &Source) -> bool {
    crate::yaml::schema_of(&s.origin, &s.text).is_ok_and(|k| k == SCHEMA)
}

/// Parses a pack header, listing every problem of it.
pub fn parse(origin: &str, text: &str) -> Result<Pack, Problems> {
    let f: PackFile = crate::yaml::parse_all(origin, text)?;
    let mut p = Collector::default();
    if f.schema.value != SCHEMA {
        p.push(Problem::at_text(
            origin,
            f.schema.referenced,
            crate::i18n::Text::new(format!("expected `schema: {SCHEMA}`"), format!("cần `schema: {SCHEMA}`")),
        ));
    }
    let id_ok = !f.id.value.is_empty()
        && f.id.value.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !f.id.value.starts_with('-');
    if !id_ok {
        p.push(Problem::at_text(
            origin,
            f.id.referenced,
            crate::text!(
                "a pack id is lowercase letters, digits and hyphens",
                "mã bộ quy tắc chỉ gồm chữ thường, chữ số và dấu gạch ngang"
            ),
        ));
    }
    let v = &f.version.value;
    let parts: Vec<&str> = v.split('.').collect();
    if parts.len() != 3 || parts.iter().any(|x| x.is_empty() || !x.bytes().all(|b| b.is_ascii_digit())) {
        p.push(Problem::at_text(
            origin,
            f.version.referenced,
            crate::text!(
                "version `{v}` is not MAJOR.MINOR.PATCH (e.g. \"1.2.0\"): raise it when a rule changes",
                "phiên bản `{v}` không theo dạng MAJOR.MINOR.PATCH (ví dụ \"1.2.0\"): tăng khi một quy tắc thay đổi"
            ),
        ));
    }
    if !f.title.is_complete() {
        p.push(Problem::at_text(
            origin,
            f.id.referenced,
            crate::i18n::Text::new("title needs both `en` and `vi` text", "title cần cả văn bản `en` và `vi`"),
        ));
    }
    p.finish(Pack {
        id: f.id.value,
        version: f.version.value,
        title: f.title,
        source: f.source,
        references: f.references,
        origin: origin.to_string(),
    })
}

/// Checks that one directory's files hold exactly one header (its content is checked with the
/// other files, by [`parse`]).
pub fn check_dir(dir: &str, files: &[Source], p: &mut Collector) {
    let headers: Vec<&Source> = files.iter().filter(|s| is_header(s)).collect();
    match headers.as_slice() {
        [] => p.push(Problem::file_text(
            dir,
            crate::text!(
                "a rule pack needs a header: add {dir}/{FILE} with `schema: {SCHEMA}`, `id`, `version`, `title` (en, vi) and `source` (see docs/rules.md)",
                "bộ quy tắc cần có phần đầu: thêm {dir}/{FILE} với `schema: {SCHEMA}`, `id`, `version`, `title` (en, vi) và `source` (xem docs/rules.md)"
            ),
        )),
        [_] => {}
        [first, more @ ..] => {
            for m in more {
                let f = &first.origin;
                p.push(Problem::file_text(
                    &m.origin,
                    crate::text!(
                        "a second pack header (the first is {f})",
                        "phần đầu bộ quy tắc thứ hai (phần đầu thứ nhất: {f})"
                    ),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_header_needs_a_semantic_version_and_both_titles() {
        let text = "schema: tuanthu/rule-pack/v1\nid: My_Pack\nversion: \"1.2\"\ntitle: {en: Pack}\nsource: x\n";
        let e = parse("pack.yaml", text).unwrap_err();
        assert_eq!(e.to_string(), "pack.yaml:4:9: `vi` is required but missing");
        let text =
            "schema: tuanthu/rule-pack/v1\nid: My_Pack\nversion: \"1.2\"\ntitle: {en: Pack, vi: Bộ}\nsource: x\n";
        let got: Vec<String> = parse("pack.yaml", text).unwrap_err().iter().map(|p| p.to_string()).collect();
        assert_eq!(
            got,
            [
                "pack.yaml:2:5: a pack id is lowercase letters, digits and hyphens",
                "pack.yaml:3:10: version `1.2` is not MAJOR.MINOR.PATCH (e.g. \"1.2.0\"): raise it when a rule changes",
            ]
        );
    }
}
