//! Loading YAML that may come from semi-trusted hands (agency inventories, third-party rule packs).
//!
//! Every file is read through serde-saphyr with a tight budget: size, nesting depth, node count and
//! alias count are capped, so an alias bomb ("billion laughs") or a deeply nested document fails
//! with a clear message instead of exhausting memory or the stack. Duplicate keys are errors, and
//! every error carries the file, line and column.
//!
//! YAML tags (`!!binary`, `!!python/object:…`, `!custom`, even the core `!!int`) are refused: no
//! tuanthu file needs one, and a tag either changes what a value means (`!!binary` decodes base64
//! into the string, `!!int "3"` turns text into a number) or asks for an object no one checks.
//! serde-saphyr's `reject_unsupported_tags` would refuse only the tags it does not know, so the
//! text is first read as a stream of parser events (serde-saphyr's own parser, so quoting and
//! block scalars are understood exactly as the loader will understand them) and the first tag is
//! reported with its position. Integer fields are checked for their spelling by [`plain_int`].
//!
//! Errors are written for the person who edits the file, in both languages: the position once,
//! the accepted values and the nearest one for an unknown field or value, no advice meant for
//! programmers, a tab at the line that holds it. Two ways to read a file so that *every* mistake
//! is listed in one run: [`parse_tree`] keeps the whole document as a tree of positioned values
//! for a loader that checks it field by field (inventories, tailoring), and [`parse_all`] re-reads
//! a typed document with each unknown field or value taken out (rules, profiles, catalogues).

use crate::diag::Problem;
use serde::de::DeserializeOwned;
use serde_saphyr::Spanned;
use std::path::Path;

/// Largest YAML file accepted (an inventory of thousands of systems is well below this).
pub const MAX_FILE_BYTES: usize = 16 << 20;

fn options() -> serde_saphyr::Options {
    options_with(serde_saphyr::DuplicateKeyPolicy::Error)
}

/// The loader's options; `duplicates` is `PassThrough` for [`parse_tree`], which reports every
/// repeated key itself (with both positions) instead of stopping at the first.
fn options_with(duplicates: serde_saphyr::DuplicateKeyPolicy) -> serde_saphyr::Options {
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
        duplicate_keys: duplicates,
        strict_booleans: true,
        with_snippet: false,
    }
}

/// Reads a file to a string, with the size cap (on the bytes read, so pipes and devices are
/// bounded too) and a UTF-8 check.
pub fn read_text(path: &Path) -> Result<String, Problem> {
    let name = path.display().to_string();
    let bytes =
        crate::files::read_capped(path, MAX_FILE_BYTES as u64).map_err(|e| Problem::file_text(&name, e.text()))?;
    String::from_utf8(bytes).map_err(|e| {
        let (line, column) = line_col(&e.as_bytes()[..e.utf8_error().valid_up_to()]);
        Problem::text(&name, line, column, crate::text!("file is not valid UTF-8", "tệp không phải UTF-8 hợp lệ"))
    })
}

/// Parses YAML text into `T`, turning any error into a positioned [`Problem`].
pub fn parse<T: DeserializeOwned>(name: &str, text: &str) -> Result<T, Problem> {
    check_size(name, text)?;
    refuse_tags(name, text)?;
    serde_saphyr::from_str_with_options::<T>(text, options()).map_err(|e| problem_of(name, text, &e))
}

/// Most problems [`parse_all`] lists for one file: past this the file is more wrong than right.
const MAX_PROBLEMS: usize = 100;

/// [`parse`], listing every unknown field and every value outside its list rather than only the
/// first: after each, the offending entry is blanked out (or the value replaced by an accepted
/// one) in a working copy that keeps every line where it is, and the text is parsed again. Other
/// errors (a missing field, a value of the wrong type) end the list, as they would end a parse.
pub fn parse_all<T: DeserializeOwned>(name: &str, text: &str) -> Result<T, crate::diag::Problems> {
    check_size(name, text)?;
    refuse_tags(name, text)?;
    let mut work = std::borrow::Cow::Borrowed(text);
    let mut found: Vec<Problem> = Vec::new();
    loop {
        let e = match serde_saphyr::from_str_with_options::<T>(&work, options()) {
            Ok(v) if found.is_empty() => return Ok(v),
            Ok(_) => break,
            Err(e) => e,
        };
        let p = problem_of(name, &work, &e);
        if found.contains(&p) {
            break; // no progress
        }
        found.push(p);
        match neutralise(&work, e.without_snippet()) {
            Some(next) if found.len() < MAX_PROBLEMS => work = std::borrow::Cow::Owned(next),
            _ => break,
        }
    }
    found.sort_by_key(|p| (p.line, p.column));
    // The loop only ends without returning after pushing at least one problem.
    Err(crate::diag::Problems::from_vec(found)
        .unwrap_or_else(|| crate::diag::Problems::one(Problem::file(name, "the file could not be read"))))
}

/// `text` with the cause of `e` taken out, lines kept in place: an unknown field's entry in a
/// block mapping blanked (its key line from the key on, and the lines indented under it), an
/// unknown value replaced by the first accepted one. `None` when `e` is of another kind or the
/// place cannot be edited safely (a flow mapping).
fn neutralise(text: &str, e: &serde_saphyr::Error) -> Option<String> {
    let (loc, replacement) = match e {
        serde_saphyr::Error::SerdeUnknownField { location, .. } => (location, None),
        serde_saphyr::Error::SerdeUnknownVariant { location, expected, .. } => (location, Some(*expected.first()?)),
        _ => return None,
    };
    let at = usize::try_from(loc.span().byte_offset()?).ok()?;
    let line_start = text.get(..at)?.rfind('\n').map_or(0, |i| i + 1);
    match replacement {
        Some(value) => {
            let len = usize::try_from(loc.span().byte_len()?).ok().filter(|&l| l > 0)?;
            let mut out = String::with_capacity(text.len());
            out.push_str(&text[..at]);
            out.push_str(value);
            out.push_str(text.get(at + len..)?);
            Some(out)
        }
        None => {
            // Only a block key: nothing but indentation and sequence dashes before it.
            if !text[line_start..at].bytes().all(|b| b == b' ' || b == b'-') {
                return None;
            }
            let indent = at - line_start;
            let mut end = text[at..].find('\n').map_or(text.len(), |i| at + i);
            while end < text.len() {
                let next = &text[end + 1..];
                let line = next.split('\n').next().unwrap_or("");
                let deeper = line.len() - line.trim_start_matches(' ').len() > indent;
                if !(line.trim().is_empty() || deeper) {
                    break;
                }
                end = end + 1 + line.len();
            }
            let blank: String = text[at..end].chars().map(|c| if c == '\n' { '\n' } else { ' ' }).collect();
            Some(format!("{}{blank}{}", &text[..at], &text[end..]))
        }
    }
}

/// Parses YAML text into a [`Node`] tree that keeps the position of every value, so a loader can
/// check the whole document and report every problem of it, not just the first. Repeated keys are
/// kept (see [`entries`]); syntax errors, tags and the budget still stop the parse.
pub fn parse_tree(name: &str, text: &str) -> Result<Node, Problem> {
    check_size(name, text)?;
    refuse_tags(name, text)?;
    let opts = options_with(serde_saphyr::DuplicateKeyPolicy::PassThrough);
    serde_saphyr::from_str_with_options::<Node>(text, opts).map_err(|e| problem_of(name, text, &e))
}

fn check_size(name: &str, text: &str) -> Result<(), Problem> {
    if text.len() > MAX_FILE_BYTES {
        return Err(Problem::file_text(
            name,
            crate::text!("document is larger than {MAX_FILE_BYTES} bytes", "tài liệu lớn hơn {MAX_FILE_BYTES} byte"),
        ));
    }
    Ok(())
}

/// A parse error as a problem written for the person who edits the file: the position once (not
/// also inside the message), no advice meant for programmers, the accepted values listed and the
/// nearest one suggested, and a tab at the place it is.
fn problem_of(name: &str, text: &str, e: &serde_saphyr::Error) -> Problem {
    use serde_saphyr::MessageFormatter;
    let (mut line, mut column) = e.location().map(|l| (l.line(), l.column())).unwrap_or((0, 0));
    // The user formatter drops programmers' advice (`DuplicateKeyPolicy`); unknown fields and
    // values are written here with the accepted ones and the nearest.
    let e = e.without_snippet();
    let msg = match e {
        serde_saphyr::Error::SerdeUnknownVariant { variant, expected, .. } => unknown_value(variant, expected),
        serde_saphyr::Error::SerdeUnknownField { field, expected, .. } => unknown_field(field, expected),
        serde_saphyr::Error::DuplicateMappingKey { key: Some(k), .. } => twice(k, None),
        _ => {
            let m = first_line(&serde_saphyr::UserMessageFormatter.format_message(e));
            parser_message(&m)
        }
    };
    if msg.en.to_ascii_lowercase().contains("tab")
        && let Some((l, c)) = tab_at_or_after(text, line)
    {
        (line, column) = (l, c);
        let msg = crate::text!(
            "a tab character is used for indentation; YAML indents with spaces only",
            "có ký tự tab dùng để thụt lề; YAML chỉ thụt lề bằng dấu cách"
        );
        return Problem::text(name, line, column, msg);
    }
    Problem::text(name, line, column, msg)
}

/// The first tab at the start of a line (in its indentation), on `line` or after it; the parser
/// reports it on the line before the one that holds it.
fn tab_at_or_after(text: &str, line: u64) -> Option<(u64, u64)> {
    let from = line.saturating_sub(1).max(1);
    text.lines().enumerate().skip(usize::try_from(from - 1).ok()?).find_map(|(i, l)| {
        let indent = l.len() - l.trim_start_matches([' ', '\t']).len();
        l[..indent].find('\t').map(|c| (i as u64 + 1, c as u64 + 1))
    })
}

/// "`x` is not an accepted value; use one of: …", with the nearest accepted value ("variant" is
/// serde's word, not the officer's).
pub fn unknown_value(found: &str, accepted: &[&str]) -> crate::i18n::Text {
    let hint = did_you_mean(found, accepted.iter().copied());
    let list = accepted.join(", ");
    crate::i18n::Text::new(
        format!("`{found}` is not an accepted value{}; use one of: {list}", hint.en),
        format!("`{found}` không phải giá trị hợp lệ{}; dùng một trong: {list}", hint.vi),
    )
}

/// "unknown field `x` (did you mean `y`?)", or with the known fields listed when none is near.
pub fn unknown_field(found: &str, known: &[&str]) -> crate::i18n::Text {
    let hint = did_you_mean(found, known.iter().copied());
    if !hint.en.is_empty() {
        return crate::i18n::Text::new(
            format!("unknown field `{found}`{}", hint.en),
            format!("trường `{found}` không hợp lệ{}", hint.vi),
        );
    }
    let list = known.join(", ");
    crate::i18n::Text::new(
        format!("unknown field `{found}`; known fields here: {list}"),
        format!("trường `{found}` không hợp lệ; các trường hợp lệ ở đây: {list}"),
    )
}

/// "`k` is given twice; keep one", with the line of the first when known.
pub fn twice(key: &str, first_line: Option<u64>) -> crate::i18n::Text {
    match first_line {
        Some(l) => crate::text!(
            "`{key}` is given twice (first at line {l}); keep one",
            "`{key}` được khai báo hai lần (lần đầu ở dòng {l}); chỉ giữ một"
        ),
        None => crate::text!("`{key}` is given twice; keep one", "`{key}` được khai báo hai lần; chỉ giữ một"),
    }
}

/// " (did you mean `x`?)" when a known word is within a typo of `found`, else nothing.
pub fn did_you_mean<'a>(found: &str, known: impl IntoIterator<Item = &'a str>) -> crate::i18n::Text {
    let near = crate::suggest::nearest(found, known);
    if near.is_empty() {
        return crate::i18n::Text::default();
    }
    let list: Vec<String> = near.iter().map(|n| format!("`{n}`")).collect();
    crate::i18n::Text::new(
        format!(" (did you mean {}?)", list.join(" or ")),
        format!(" (có phải là {}?)", list.join(" hoặc ")),
    )
}

// ---- a tree with positions ---------------------------------------------------------------------

/// A YAML value with the position of every node (where it is used, and where an alias's anchor
/// defined it).
pub type Node = Spanned<Value>;

/// A YAML value as written, before any meaning is given to it.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    /// Entries in file order; a repeated key is kept (the loader reports it).
    Map(Vec<(Node, Node)>),
}

impl Value {
    /// What kind of value this is, for messages ("a list", "a number"…).
    pub fn kind(&self) -> crate::i18n::Text {
        let (en, vi) = match self {
            Value::Null => ("empty", "trống"),
            Value::Bool(_) => ("true/false", "true/false"),
            Value::Int(_) | Value::Float(_) => ("a number", "một số"),
            Value::Str(_) => ("text", "văn bản"),
            Value::Seq(_) => ("a list", "một danh sách"),
            Value::Map(_) => ("a mapping", "một ánh xạ"),
        };
        crate::i18n::Text::new(en, vi)
    }
}

impl<'de> serde::Deserialize<'de> for Value {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Value;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any YAML value")
            }
            fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
                Ok(Value::Bool(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
                Ok(Value::Int(v.into()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
                Ok(Value::Int(v.into()))
            }
            fn visit_i128<E>(self, v: i128) -> Result<Value, E> {
                Ok(Value::Int(v))
            }
            fn visit_u128<E: serde::de::Error>(self, v: u128) -> Result<Value, E> {
                Ok(i128::try_from(v).map(Value::Int).unwrap_or(Value::Float(v as f64)))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
                Ok(Value::Float(v))
            }
            fn visit_str<E>(self, v: &str) -> Result<Value, E> {
                Ok(Value::Str(v.to_string()))
            }
            fn visit_string<E>(self, v: String) -> Result<Value, E> {
                Ok(Value::Str(v))
            }
            fn visit_unit<E>(self) -> Result<Value, E> {
                Ok(Value::Null)
            }
            fn visit_none<E>(self) -> Result<Value, E> {
                Ok(Value::Null)
            }
            fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
                <Value as serde::Deserialize>::deserialize(d)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
                let mut out = Vec::new();
                while let Some(n) = seq.next_element::<Node>()? {
                    out.push(n);
                }
                Ok(Value::Seq(out))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut m: A) -> Result<Value, A::Error> {
                let mut out = Vec::new();
                while let Some(k) = m.next_key::<Node>()? {
                    out.push((k, m.next_value::<Node>()?));
                }
                Ok(Value::Map(out))
            }
        }
        d.deserialize_any(Visit)
    }
}

/// The text of a scalar as written in `text` (quotes included), judged where an alias's anchor
/// defined it.
pub fn raw<'t>(text: &'t str, n: &Node) -> Option<&'t str> {
    let span = n.defined.span();
    let at = usize::try_from(span.byte_offset()?).ok()?;
    let len = usize::try_from(span.byte_len()?).ok()?;
    text.get(at..at.checked_add(len)?)
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
    head.schema.ok_or_else(|| {
        Problem::text(
            name,
            1,
            1,
            crate::text!(
                "missing `schema:` key (e.g. `schema: tuanthu/inventory/v1`)",
                "thiếu khóa `schema:` (ví dụ `schema: tuanthu/inventory/v1`)"
            ),
        )
    })
}

/// The first explicit tag of the document, as an error at its node. A syntax error ends the scan
/// quietly: the loader reports it next, with its own message.
fn refuse_tags(name: &str, text: &str) -> Result<(), Problem> {
    // Every tag starts with `!`: a file without one (nearly all) skips the second parse, which
    // would otherwise double the load time of large inventories.
    if memchr::memchr(b'!', text.as_bytes()).is_none() {
        return Ok(());
    }
    for event in granit_parser::Parser::new_from_str(text) {
        let Ok((event, span)) = event else { return Ok(()) };
        let Some(tag) = event.tag() else { continue };
        let original = tag.original();
        let shown: String = original.chars().take(64).collect();
        // The event's span starts at the node's content; point at the tag before it when found.
        let node = span.start.byte_offset().unwrap_or(0).min(text.len());
        let (line, column) = match text.get(..node).and_then(|before| before.rfind(&original)) {
            Some(at) => line_col(&text.as_bytes()[..at]),
            None => (span.start.line() as u64, span.start.col() as u64 + 1),
        };
        return Err(Problem::text(
            name,
            line,
            column,
            crate::i18n::Text::new(
                format!("YAML tag `{shown}` is not accepted: tuanthu files hold plain values (remove the tag)"),
                format!("không chấp nhận thẻ YAML `{shown}`: tệp tuanthu chỉ chứa giá trị thuần (hãy bỏ thẻ)"),
            ),
        ));
    }
    Ok(())
}

/// A scalar read without interpreting it, so that its written form can be judged (see
/// [`plain_int`]). Sequences and mappings are refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scalar;

impl<'de> serde::Deserialize<'de> for Scalar {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl serde::de::Visitor<'_> for Visit {
            type Value = Scalar;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a plain decimal integer")
            }
            fn visit_bool<E>(self, _: bool) -> Result<Scalar, E> {
                Ok(Scalar)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Scalar, E> {
                Ok(Scalar)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Scalar, E> {
                Ok(Scalar)
            }
            fn visit_i128<E>(self, _: i128) -> Result<Scalar, E> {
                Ok(Scalar)
            }
            fn visit_u128<E>(self, _: u128) -> Result<Scalar, E> {
                Ok(Scalar)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Scalar, E> {
                Ok(Scalar)
            }
            fn visit_str<E>(self, _: &str) -> Result<Scalar, E> {
                Ok(Scalar)
            }
            fn visit_unit<E>(self) -> Result<Scalar, E> {
                Ok(Scalar)
            }
        }
        d.deserialize_any(Visit)
    }
}

/// Why an integer field was refused by [`plain_int`]: the field's name and (the start of) the
/// text found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IntError {
    #[error("`{field}` is out of range, found `{found}`")]
    OutOfRange { field: String, found: String },
    #[error("`{field}` must be a plain decimal integer (e.g. `{field}: 3`), found `{found}`")]
    NotPlain { field: String, found: String },
}

/// The integer an integer `field` holds, read from its text in `text`: it must be written as a
/// plain decimal integer (`3`, `-1`), not `"3"`, `+3`, `0x3`, `0o3`, `03`, `3_0` or `3.0`, which
/// a YAML loader would read as the same number or as text. A value reached through an alias is
/// judged where it is defined.
pub fn plain_int(text: &str, v: &Spanned<Scalar>, field: &str) -> Result<i64, IntError> {
    let span = v.defined.span();
    let raw = span
        .byte_offset()
        .zip(span.byte_len())
        .and_then(|(at, len)| text.get(usize::try_from(at).ok()?..usize::try_from(at.checked_add(len)?).ok()?));
    let digits = raw.map(|r| r.strip_prefix('-').unwrap_or(r));
    let plain = digits
        .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()) && (d == "0" || !d.starts_with('0')));
    let shown: String = raw.unwrap_or("").chars().take(32).collect();
    match raw.filter(|_| plain).map(str::parse::<i64>) {
        Some(Ok(n)) => Ok(n),
        Some(Err(_)) => Err(IntError::OutOfRange { field: field.to_string(), found: shown }),
        None => Err(IntError::NotPlain { field: field.to_string(), found: shown }),
    }
}

/// A parser's own message, said for the officer in both languages: the budget and nesting limits
/// in words, serde's "missing field" and "invalid type" turned round, YAML syntax named as such
/// (the parser's detail stays as it wrote it).
fn parser_message(m: &str) -> crate::i18n::Text {
    if m.contains("recursion limit exceeded") {
        return crate::text!(
            "values are nested too deeply (a tuanthu file nests a few levels at most)",
            "giá trị lồng nhau quá sâu (tệp tuanthu chỉ lồng vài cấp)"
        );
    }
    if m.contains("too large or too complex") {
        return crate::text!(
            "the file is too large or expands too much (anchors and aliases `*name` repeated beyond the limit a tuanthu file needs)",
            "tệp quá lớn hoặc bung ra quá nhiều (neo và bí danh `*tên` lặp lại vượt giới hạn một tệp tuanthu cần)"
        );
    }
    if let Some(field) = m.strip_prefix("missing field ") {
        return crate::text!("{field} is required but missing", "thiếu trường bắt buộc {field}");
    }
    if let Some((found, expected)) = m.strip_prefix("invalid type: ").and_then(|r| r.split_once(", expected ")) {
        return crate::text!("expected {expected}, found {found}", "cần {expected}, gặp {found}");
    }
    if let Some((found, expected)) = m.strip_prefix("invalid value: ").and_then(|r| r.split_once(", expected ")) {
        return crate::text!("expected {expected}, found {found}", "cần {expected}, gặp {found}");
    }
    crate::text!("YAML syntax: {m}", "lỗi cú pháp YAML: {m}")
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

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    struct Doc {
        #[serde(default)]
        name: Option<String>,
        #[serde(default)]
        level: Option<Spanned<Scalar>>,
    }

    #[test]
    fn every_tag_is_refused_with_its_position() {
        for (text, tag, line, col) in [
            ("name: !!binary aGVsbG8=\n", "!!binary", 1, 7),
            ("name: !!python/object:os.system x\n", "!!python/object:os.system", 1, 7),
            ("level: !!int \"3\"\n", "!!int", 1, 8),
            ("name: ok\nlevel: !local 3\n", "!local", 2, 8),
            ("name: !<tag:example.com,2000:x> x\n", "!<tag:example.com,2000:x>", 1, 7),
            ("name: ok\nmore: !!map\n  a: b\n", "!!map", 2, 7),
        ] {
            let e = parse::<Doc>("f.yaml", text).unwrap_err();
            assert!(e.message.en.contains(&format!("YAML tag `{tag}`")), "{text}: {e}");
            assert_eq!((e.line, e.column), (line, col), "{text}: {e}");
        }
        // A tag-like text inside quotes or a block scalar is a value, not a tag.
        let d: Doc = parse("f.yaml", "name: \"!!binary x\"\n").unwrap();
        assert_eq!(d.name.as_deref(), Some("!!binary x"));
        let d: Doc = parse("f.yaml", "name: |\n  !!python/object x\n").unwrap();
        assert_eq!(d.name.as_deref(), Some("!!python/object x\n"));
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Strict {
        status: Status,
        #[serde(default)]
        owner: Option<String>,
        #[serde(default)]
        list: Vec<String>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(rename_all = "lowercase")]
    enum Status {
        Implemented,
        Partial,
    }

    fn all(text: &str) -> Vec<String> {
        parse_all::<Strict>("f.yaml", text).unwrap_err().iter().map(|p| p.to_string()).collect()
    }

    #[test]
    fn every_unknown_field_and_value_of_a_file_is_listed() {
        let text = "status: Implemented\nowner: a\nownr: b\nextra:\n  deep: 1\n  more: [1, 2]\nlist: [a]\n";
        assert_eq!(
            all(text),
            [
                "f.yaml:1:9: `Implemented` is not an accepted value (did you mean `implemented`?); use one of: implemented, partial",
                "f.yaml:3:1: unknown field `ownr` (did you mean `owner`?)",
                "f.yaml:4:1: unknown field `extra`; known fields here: status, owner, list",
            ]
        );
        // No advice meant for programmers, and no position inside the message.
        assert_eq!(all("status: partial\nowner: a\nowner: b\n"), ["f.yaml:3:1: `owner` is given twice; keep one"]);
        // A flow mapping cannot be edited line by line: its first problem is reported.
        assert_eq!(
            all("{status: partial, x: 1, y: 2}\n"),
            ["f.yaml:1:19: unknown field `x`; known fields here: status, owner, list"]
        );
        assert!(parse_all::<Strict>("f.yaml", "status: partial\n").is_ok());
    }

    #[test]
    fn integers_must_be_plain_decimals() {
        let level = |text: &str| {
            let d: Doc = parse("f.yaml", text).unwrap();
            plain_int(text, &d.level.unwrap(), "level")
        };
        assert_eq!(level("level: 3\n"), Ok(3));
        assert_eq!(level("level: -1 # comment\n"), Ok(-1));
        assert_eq!(level("a: &l 3\nlevel: *l\n"), Ok(3));
        for bad in ["\"3\"", "'3'", "+3", "0x3", "0o3", "03", "3_0", "3.0", "three", "true"] {
            let e = level(&format!("level: {bad}\n")).unwrap_err().to_string();
            assert_eq!(e, format!("`level` must be a plain decimal integer (e.g. `level: 3`), found `{bad}`"));
        }
    }
}
