//! Evidence files (`tuanthu/evidence/v1`, see `shared/spec/evidence.md`): what `tuanthu collect`
//! writes and `tuanthu check --evidence` reads, so that results can be re-evaluated with newer rules
//! without probing again.
//!
//! Two encodings are accepted: one JSON document with a `records` array, or JSON Lines — a header
//! line (`schema`, `tool`, `started_at`), one record per line, then a trailer line (`finished_at`
//! and counts). A JSON Lines file without its trailer is an interrupted run: the records read are
//! kept and the input is marked partial. Damaged lines are reported with their line number and do
//! not stop the reading of the lines after them. The trailer's counts must be those of the lines
//! read: a trailer that disagrees (or whose counts are not counts) leaves the input partial, with
//! both figures, since records were lost or added after the run.
//!
//! A record of a kind this version does not evaluate, or with an error class it does not know, is
//! kept as it is and reported as a warning (one per kind or class, with the first position): never
//! dropped silently.
//!
//! Record facts come from the network and are kept exactly as received; they are sanitised only
//! when displayed.

use super::json_error;
use super::{Record, RecordKind};
use crate::i18n::Text;
use crate::text;
use serde::Deserialize;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

pub const SCHEMA: &str = "tuanthu/evidence/v1";
/// Largest evidence file read as one JSON document.
pub const MAX_DOCUMENT_BYTES: u64 = 512 << 20;
/// Longest JSON Lines record accepted (a record carries at most a certificate chain and headers).
pub const MAX_LINE_BYTES: usize = 16 << 20;

#[derive(Debug, Clone, Default, Deserialize, serde::Serialize)]
pub struct Tool {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub version: String,
}

/// One evidence file as read.
#[derive(Debug, Clone, Default)]
pub struct EvidenceInput {
    pub file: String,
    pub tool: Option<Tool>,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    pub records: Vec<Record>,
    /// Interrupted (no trailer) or damaged: the records read are used, the rest is unknown.
    pub partial: bool,
    /// Problems found while reading, each with its position; empty when the file is sound.
    pub problems: Vec<Text>,
    /// What was read but is not used, each with its first position (records of unknown kinds).
    pub warnings: Vec<Text>,
    /// The file could not be used at all (unreadable, not an evidence file).
    pub fatal: Option<Text>,
    /// Records handed on as they were read instead of kept in `records` (`import::records::read_into`).
    pub counted: usize,
}

#[derive(Deserialize)]
struct Document {
    schema: String,
    #[serde(default)]
    tool: Option<Tool>,
    #[serde(default)]
    started_at: Option<String>,
    #[serde(default)]
    finished_at: Option<String>,
    records: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
struct Header {
    schema: String,
    #[serde(default)]
    tool: Option<Tool>,
    #[serde(default)]
    started_at: Option<String>,
}

/// Reads an evidence file. Never fails: what could not be read is described in `problems` or
/// `fatal`, so the caller can report it and go on with the other inputs; what was read but is
/// not used is described in `warnings`.
pub fn read(path: &Path) -> EvidenceInput {
    let mut input = read_file(path);
    input.warnings = unused(&input.records);
    input
}

fn read_file(path: &Path) -> EvidenceInput {
    let mut input = EvidenceInput { file: path.display().to_string(), ..Default::default() };
    let file = match crate::files::open(path) {
        Ok(f) => f,
        Err(e) => {
            input.fatal = Some(cannot_open(&e));
            return input;
        }
    };
    let mut reader = BufReader::with_capacity(256 << 10, file);
    let first = match read_line(&mut reader) {
        Ok(Some(l)) => l,
        Ok(None) => {
            input.fatal = Some(text!("the file is empty: no evidence", "tệp rỗng: không có bằng chứng nào"));
            return input;
        }
        // One JSON document written on a single line can exceed the line cap: read it as a
        // document instead (the document cap applies).
        Err(LineError::TooLong) => match crate::files::open(path) {
            Ok(f) => {
                read_document(&mut input, String::new(), BufReader::new(f));
                return input;
            }
            Err(e) => {
                input.fatal = Some(cannot_open(&e));
                return input;
            }
        },
        Err(e) => {
            input.fatal = Some(e.text());
            return input;
        }
    };
    // A header line is a complete JSON object without `records`; anything else is the start of
    // one JSON document (pretty-printed or on one line).
    match serde_json::from_str::<serde_json::Value>(&first) {
        Ok(v) if v.get("records").is_none() && v.is_object() => read_lines(&mut input, v, reader),
        _ => read_document(&mut input, first, reader),
    }
    input
}

/// A file that could not be opened, in both languages.
fn cannot_open(e: &crate::files::OpenError) -> Text {
    e.text()
}

/// Why a line could not be read.
enum LineError {
    /// Longer than [`MAX_LINE_BYTES`].
    TooLong,
    Io(std::io::Error),
    NotUtf8,
}

impl LineError {
    fn text(&self) -> Text {
        match self {
            LineError::TooLong => {
                text!("a line is longer than {MAX_LINE_BYTES} bytes", "có dòng dài quá {MAX_LINE_BYTES} byte")
            }
            LineError::Io(e) => text!("read error: {e}", "lỗi đọc tệp: {e}"),
            LineError::NotUtf8 => text!("the file is not valid UTF-8", "tệp không phải văn bản UTF-8 hợp lệ"),
        }
    }
}

/// Reads one line (without its end), refusing lines over [`MAX_LINE_BYTES`].
fn read_line(r: &mut impl BufRead) -> Result<Option<String>, LineError> {
    let mut buf = Vec::new();
    let n = r.take(MAX_LINE_BYTES as u64 + 1).read_until(b'\n', &mut buf).map_err(LineError::Io)?;
    if n == 0 {
        return Ok(None);
    }
    if buf.len() > MAX_LINE_BYTES {
        return Err(LineError::TooLong);
    }
    while buf.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
        buf.pop();
    }
    String::from_utf8(buf).map(Some).map_err(|_| LineError::NotUtf8)
}

/// `line L: message` in both languages.
fn on_line(line: u64, message: &Text) -> Text {
    let (en, vi) = (&message.en, &message.vi);
    text!("line {line}: {en}", "dòng {line}: {vi}")
}

/// A serde_json error in `text` at its 1-based position, in both languages.
fn json_problem(e: &serde_json::Error, text: &[u8]) -> Text {
    let (line, column) = json_error::position(e, text);
    crate::diag::at_position(line, column, &json_error::reason(e))
}

fn read_document(input: &mut EvidenceInput, first: String, mut reader: impl Read) {
    let mut text = first;
    text.push('\n');
    let limit = MAX_DOCUMENT_BYTES.saturating_sub(text.len() as u64);
    if let Err(e) = reader.by_ref().take(limit + 1).read_to_string(&mut text) {
        input.fatal = Some(if e.kind() == std::io::ErrorKind::InvalidData {
            LineError::NotUtf8.text()
        } else {
            LineError::Io(e).text()
        });
        return;
    }
    if text.len() as u64 > MAX_DOCUMENT_BYTES {
        input.fatal = Some(text!(
            "larger than {MAX_DOCUMENT_BYTES} bytes; write JSON Lines for large runs",
            "lớn quá {MAX_DOCUMENT_BYTES} byte; hãy ghi dạng JSON Lines cho các lần đo lớn"
        ));
        return;
    }
    let doc: Document = match serde_json::from_str(&text) {
        Ok(d) => d,
        Err(e) => {
            input.fatal = Some(json_problem(&e, text.as_bytes()));
            return;
        }
    };
    if doc.schema != SCHEMA {
        input.fatal = Some(wrong_schema(&doc.schema));
        return;
    }
    input.tool = doc.tool;
    input.started_at = doc.started_at;
    input.finished_at = doc.finished_at;
    if input.finished_at.is_none() {
        input.partial = true;
        input.problems.push(text!(
            "no `finished_at`: the run was interrupted",
            "không có `finished_at`: lần đo đã bị ngắt giữa chừng"
        ));
    }
    for (i, v) in doc.records.into_iter().enumerate() {
        add_record(input, v, format!("records[{i}]"));
    }
}

/// A `schema` that is not this file format's.
fn wrong_schema(found: &str) -> Text {
    let found = crate::sanitize::truncate(&crate::sanitize::one_line(found), 80);
    text!(
        "expected `\"schema\": \"{SCHEMA}\"`, found `{found}`",
        "cần `\"schema\": \"{SCHEMA}\"`, nhưng tệp ghi `{found}`"
    )
}

fn read_lines(input: &mut EvidenceInput, header: serde_json::Value, mut reader: impl BufRead) {
    match serde_json::from_value::<Header>(header) {
        Ok(h) if h.schema == SCHEMA => {
            input.tool = h.tool;
            input.started_at = h.started_at;
        }
        Ok(h) => {
            input.fatal = Some(on_line(1, &wrong_schema(&h.schema)));
            return;
        }
        Err(e) => {
            let (en, vi) = (e.to_string(), json_error::reason(&e).vi);
            let why = text!("not an evidence header: {en}", "không phải dòng đầu của tệp bằng chứng: {vi}");
            input.fatal = Some(on_line(1, &why));
            return;
        }
    }
    let mut line_no = 1u64;
    let mut trailer = false;
    // Record lines met, damaged ones included: what the trailer's `records` count must be.
    let mut lines_read = 0u64;
    loop {
        line_no += 1;
        let line = match read_line(&mut reader) {
            Ok(Some(l)) => l,
            Ok(None) => break,
            Err(e) => {
                let (en, vi) = (e.text().en, e.text().vi);
                input.problems.push(on_line(line_no, &text!("{en}; reading stopped", "{vi}; ngừng đọc")));
                input.partial = true;
                return;
            }
        };
        if line.trim().is_empty() {
            continue;
        }
        if trailer {
            input.problems.push(on_line(
                line_no,
                &text!("data after the trailer line is ignored", "dữ liệu sau dòng kết thúc bị bỏ qua"),
            ));
            input.partial = true;
            break;
        }
        match serde_json::from_str::<serde_json::Value>(&line) {
            Ok(v) if v.get("finished_at").is_some() && v.get("kind").is_none() => {
                input.finished_at = v.get("finished_at").and_then(|t| t.as_str()).map(str::to_string);
                trailer = true;
                if let Err(e) = check_counts(&v, lines_read, &input.records) {
                    input.problems.push(on_line(line_no, &e));
                    input.partial = true;
                }
            }
            Ok(v) => {
                lines_read += 1;
                add_record(input, v, format!("line {line_no}"));
            }
            Err(e) => {
                lines_read += 1;
                // One line read alone: serde_json's line is 1, the file's is `line_no`.
                let (_, column) = json_error::position(&e, line.as_bytes());
                input.problems.push(crate::diag::at_position(line_no, column, &json_error::reason(&e)));
                input.partial = true;
            }
        }
    }
    if !trailer {
        input.partial = true;
        input.problems.push(text!(
            "no trailer line: the run was interrupted; the records before it are used",
            "không có dòng kết thúc: lần đo đã bị ngắt giữa chừng; các bản ghi trước đó được dùng"
        ));
    }
}

fn add_record(input: &mut EvidenceInput, v: serde_json::Value, position: String) {
    match Record::from_value(v) {
        Ok(mut r) => {
            r.position = position;
            input.records.push(r);
        }
        Err(e) => {
            let (en, vi, place) = (e.en, e.vi, place_vi(&position));
            input.problems.push(text!(
                "{position}: not an evidence record: {en}",
                "{place}: không phải bản ghi bằng chứng: {vi}"
            ));
            input.partial = true;
        }
    }
}

/// A record's position (`line 7`, `records[3]`) in Vietnamese.
fn place_vi(position: &str) -> String {
    position.strip_prefix("line ").map_or_else(|| position.to_string(), |n| format!("dòng {n}"))
}

/// Checks a trailer's `records` and `errors` against the `lines` record lines read and the
/// `records` kept: both must be counts, and the same as what was read.
fn check_counts(trailer: &serde_json::Value, lines: u64, records: &[Record]) -> Result<(), Text> {
    let count = |key: &str| {
        match trailer.get(key) {
        None => Err(text!(
            "the trailer has no `{key}` count, so the file cannot be shown complete",
            "dòng kết thúc không có số đếm `{key}`, nên không chứng minh được tệp còn nguyên vẹn"
        )),
        Some(v) => v.as_u64().ok_or_else(|| {
            let shown = crate::sanitize::truncate(&v.to_string(), 40);
            text!(
                "the trailer's `{key}` is {shown}, not a count of records, so the file cannot be shown complete",
                "`{key}` của dòng kết thúc là {shown}, không phải số bản ghi, nên không chứng minh được tệp còn nguyên vẹn"
            )
        }),
    }
    };
    let (stated, stated_errors) = (count("records")?, count("errors")?);
    let errors = records.iter().filter(|r| r.error().is_some()).count() as u64;
    if (stated, stated_errors) != (lines, errors) {
        return Err(text!(
            "the trailer counts {stated} record(s) and {stated_errors} error(s), but {lines} record(s) and {errors} error(s) were read: records were lost or added after the run; the records read are used",
            "dòng kết thúc ghi {stated} bản ghi và {stated_errors} lỗi, nhưng đọc được {lines} bản ghi và {errors} lỗi: bản ghi đã bị mất hoặc thêm vào sau lần đo; các bản ghi đọc được vẫn được dùng"
        ));
    }
    Ok(())
}

/// One warning per record kind this version does not evaluate and per unknown error class, with
/// how many records have it and where the first is.
fn unused(records: &[Record]) -> Vec<Text> {
    let mut kinds: std::collections::BTreeMap<&str, (usize, &str)> = std::collections::BTreeMap::new();
    let mut classes = kinds.clone();
    for r in records {
        if !r.kind().is_known() {
            kinds.entry(r.kind().as_str()).or_insert((0, &r.position)).0 += 1;
        }
        if let Some(e) = r.error().filter(|e| !e.class.is_known()) {
            classes.entry(e.class.as_str()).or_insert((0, &r.position)).0 += 1;
        }
    }
    let shown = |s: &str| crate::sanitize::truncate(&crate::sanitize::one_line(s), 64);
    let known: Vec<String> = RecordKind::KNOWN.iter().map(|k| format!("`{k}`")).collect();
    let known = known.join(", ");
    let kinds = kinds.into_iter().map(|(kind, (n, first))| {
        let (kind, place) = (shown(kind), place_vi(first));
        text!(
            "{first}: {n} record(s) of kind `{kind}`, which this version does not evaluate (it reads {known}): kept, but no rule reads them",
            "{place}: {n} bản ghi loại `{kind}`, loại mà phiên bản này không đánh giá (phiên bản này đọc {known}): được giữ lại, nhưng không quy tắc nào đọc"
        )
    });
    let classes = classes.into_iter().map(|(class, (n, first))| {
        let (class, place) = (shown(class), place_vi(first));
        text!(
            "{first}: {n} record(s) with the unknown error class `{class}`: kept; their targets count as not measured",
            "{place}: {n} bản ghi có loại lỗi `{class}` không được biết: được giữ lại; các đối tượng của chúng được tính là chưa đo"
        )
    });
    kinds.chain(classes).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The English texts of `list`.
    fn en(list: &[Text]) -> Vec<&str> {
        list.iter().map(|t| t.en.as_str()).collect()
    }

    fn read_str(name: &str, text: &str) -> EvidenceInput {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join(name);
        std::fs::write(&p, text).unwrap();
        read(&p)
    }

    const REC: &str = r#"{"kind": "tls", "target": "a.example.vn:443", "observed_at": "2026-11-25T08:00:01Z", "error": null, "facts": {"protocols": {"tls1.2": true}, "ciphers": {}, "forward_secrecy": true, "weak_cipher_classes": []}}"#;

    #[test]
    fn json_document() {
        let doc = format!(
            "{{\n  \"schema\": \"tuanthu/evidence/v1\",\n  \"tool\": {{\"name\": \"tuanthu\", \"version\": \"0.2.0\"}},\n  \"started_at\": \"2026-11-25T08:00:00Z\", \"finished_at\": \"2026-11-25T08:00:09Z\",\n  \"records\": [{REC}]\n}}\n"
        );
        let e = read_str("e.json", &doc);
        assert!(e.fatal.is_none() && !e.partial, "{:?}", e.problems);
        assert_eq!(e.records.len(), 1);
        assert_eq!(e.records[0].observed().map(|t| t.hour()), Some(8));
    }

    #[test]
    fn json_lines_with_and_without_trailer() {
        let header = r#"{"schema": "tuanthu/evidence/v1", "tool": {"name": "tuanthu", "version": "0.2.0"}, "started_at": "2026-11-25T08:00:00Z"}"#;
        let trailer = r#"{"finished_at": "2026-11-25T08:00:09Z", "records": 2, "errors": 0}"#;
        let full = read_str("e.jsonl", &format!("{header}\n{REC}\n{REC}\n{trailer}\n"));
        assert!(!full.partial && full.fatal.is_none(), "{:?}", full.problems);
        assert_eq!(full.records.len(), 2);
        let cut = read_str("e.jsonl", &format!("{header}\n{REC}\n{{\"kind\": \"tls\", \"tar"));
        assert!(cut.partial);
        assert_eq!(cut.records.len(), 1, "the complete record before the cut is kept");
        assert!(cut.problems.iter().any(|p| p.en.starts_with("line 3, column")), "{:?}", cut.problems);
    }

    const HEADER: &str = r#"{"schema": "tuanthu/evidence/v1", "started_at": "2026-11-25T08:00:00Z"}"#;

    #[test]
    fn trailer_counts_must_match_what_was_read() {
        let with = |trailer: &str| read_str("e.jsonl", &format!("{HEADER}\n{REC}\n{trailer}\n"));
        let sound = with(r#"{"finished_at": "2026-11-25T08:00:09Z", "records": 1, "errors": 0}"#);
        assert!(!sound.partial && sound.problems.is_empty(), "{:?}", sound.problems);
        let forged = with(r#"{"finished_at": "2026-11-25T08:00:09Z", "records": 999, "errors": -5}"#);
        assert!(forged.partial);
        assert_eq!(
            en(&forged.problems),
            ["line 3: the trailer's `errors` is -5, not a count of records, so the file cannot be shown complete"]
        );
        let short = with(r#"{"finished_at": "2026-11-25T08:00:09Z", "records": 2, "errors": 0}"#);
        assert!(short.partial);
        assert_eq!(
            en(&short.problems),
            [
                "line 3: the trailer counts 2 record(s) and 0 error(s), but 1 record(s) and 0 error(s) were read: records were lost or added after the run; the records read are used"
            ]
        );
        let bare = with(r#"{"finished_at": "2026-11-25T08:00:09Z"}"#);
        assert!(bare.partial && bare.problems[0].en.contains("no `records` count"), "{:?}", bare.problems);
        assert_eq!(short.records.len(), 1, "the records read are kept");
    }

    #[test]
    fn unknown_kinds_and_error_classes_are_kept_and_reported() {
        let odd = r#"{"kind": "quantum", "target": "q:1", "facts": {"x": 1}}"#;
        let class = r#"{"kind": "tls", "target": "b:443", "error": {"class": "gremlins", "message": "?"}}"#;
        let trailer = r#"{"finished_at": "2026-11-25T08:00:09Z", "records": 4, "errors": 1}"#;
        let e = read_str("e.jsonl", &format!("{HEADER}\n{odd}\n{REC}\n{odd}\n{class}\n{trailer}\n"));
        assert!(!e.partial && e.problems.is_empty(), "{:?}", e.problems);
        assert_eq!(e.records.len(), 4, "nothing is dropped");
        assert_eq!(
            en(&e.warnings),
            [
                "line 2: 2 record(s) of kind `quantum`, which this version does not evaluate (it reads `tls`, `http`, `host-audit`, `vulnerabilities`, `agent`, `ssh`, `dns`): kept, but no rule reads them",
                "line 5: 1 record(s) with the unknown error class `gremlins`: kept; their targets count as not measured",
            ]
        );
        assert!(read_str("e.jsonl", &format!("{HEADER}\n{REC}\n")).warnings.is_empty());
    }

    #[test]
    fn facts_are_read_against_the_contract() {
        let missing = r#"{"kind": "tls", "target": "c:443", "observed_at": "2026-11-25T08:00:01Z", "facts": {"protocols": {}, "ciphers": {}, "weak_cipher_classes": []}}"#;
        let wrong = r#"{"kind": "http", "target": "https://d/", "facts": {"status": "200"}}"#;
        let newer = r#"{"kind": "tls", "target": "e:443", "facts": {"protocols": {}, "ciphers": {}, "forward_secrecy": false, "weak_cipher_classes": [], "quantum_safe": true}}"#;
        let trailer = r#"{"finished_at": "2026-11-25T08:00:09Z", "records": 4, "errors": 0}"#;
        let e = read_str("e.jsonl", &format!("{HEADER}\n{missing}\n{wrong}\n{newer}\n{REC}\n{trailer}\n"));
        assert_eq!(
            en(&e.problems),
            [
                "line 2: not an evidence record: tls facts of c:443: missing field `forward_secrecy`",
                "line 3: not an evidence record: http facts of https://d/: invalid type: string \"200\", expected u16",
            ]
        );
        assert!(e.partial, "a record that breaks the contract is reported, so the input is partial");
        assert_eq!(e.records.len(), 2);
        let Some(crate::evidence::Facts::Tls(tls)) = e.records[0].facts() else { panic!("{:?}", e.records[0]) };
        assert_eq!(tls.extra.get("quantum_safe"), Some(&serde_json::Value::Bool(true)), "kept under `extra`");
        assert_eq!(e.records[0].position, "line 4");
    }

    #[test]
    fn a_one_line_document_longer_than_the_line_cap_is_read() {
        let big = "x".repeat(MAX_LINE_BYTES + 10);
        let rec = REC.replace("\"error\": null", &format!("\"error\": null, \"note\": \"{big}\""));
        let doc = format!(
            "{{\"schema\": \"tuanthu/evidence/v1\", \"finished_at\": \"2026-11-25T08:00:09Z\", \"records\": [{rec}]}}"
        );
        let e = read_str("big.json", &doc);
        assert!(e.fatal.is_none(), "{:?}", e.fatal);
        assert_eq!(e.records.len(), 1);
    }

    #[test]
    fn empty_and_foreign_files_are_fatal() {
        assert!(read_str("e.json", "").fatal.unwrap().en.contains("empty"));
        assert!(
            read_str("e.json", "{\"schema\": \"other\", \"records\": []}")
                .fatal
                .unwrap()
                .en
                .contains("tuanthu/evidence/v1")
        );
        let bad = read_str("e.json", "{\n  \"schema\": \"tuanthu/evidence/v1\",\n  \"records\": [1,\n");
        // serde_json says line 4, column 0: the input ends after the newline of line 3.
        assert_eq!(
            bad.fatal,
            Some(Text::new(
                "line 3, column 17: EOF while parsing a value",
                "dòng 3, cột 17: tệp kết thúc khi còn chờ một giá trị"
            ))
        );
        assert!(read(Path::new("/nonexistent/e.json")).fatal.is_some());
    }
}
