//! Bounded JSON reading for the importers of JSON API responses (Wazuh): the file is read whole up
//! to a cap, its nesting is measured before any parsing, and the one array of records the format
//! carries is walked one record at a time, so a response never becomes a tree in memory.
//!
//! # Why a depth pre-scan
//! serde_json stops at 128 levels of recursion (its `remaining_depth`), which bounds the stack but
//! not our own [`Limits::max_depth`]; its `IgnoredAny` path (used for every field we skip) is not
//! depth-limited at all. One linear, string-aware pass over the bytes refuses deeper input with the
//! line and column of the first bracket past the limit, before serde sees it.
//!
//! # Records
//! [`for_each_record`] walks `{"data": {"affected_items": [...]}}` (the Wazuh server API envelope) or
//! `{"hits": {"hits": [{"_source": ...}]}}` (an OpenSearch search response) and hands each record,
//! deserialized as `T` and checked by its [`Record::check`], to a callback, in file order, as soon as
//! it is read. Records complete before damage are delivered before the error; errors carry
//! serde_json's 1-based line and column, and say "truncated" when the damage is the end of the file.

use std::fmt;
use std::io::Read;

use serde::de::{self, DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::{ImportError, Limits};
use crate::text;

/// Appended to a string cut at [`Limits::max_text_bytes`].
pub const CUT_MARK: &str = "…[truncated]";

/// Reads all of `input`, refusing more than `max` bytes (memory stays at most `max` + 1).
pub fn read_capped<R: Read>(input: R, max: u64) -> Result<Vec<u8>, ImportError> {
    let mut bytes = Vec::new();
    input.take(max.saturating_add(1)).read_to_end(&mut bytes).map_err(|e| ImportError::Io(e.to_string()))?;
    if bytes.len() as u64 > max {
        let mib = max >> 20;
        return Err(ImportError::whole(text!(
            "the file is larger than {mib} MiB, the most this format is read whole",
            "tệp lớn quá {mib} MiB, mức tối đa định dạng này được đọc một lần"
        )));
    }
    Ok(bytes)
}

/// The 1-based line and byte column of `offset` in `bytes`.
pub fn position(bytes: &[u8], offset: usize) -> (u64, u64) {
    let before = bytes.get(..offset).unwrap_or(bytes);
    let line = memchr::memchr_iter(b'\n', before).count() as u64 + 1;
    let line_start = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
    (line, (before.len() - line_start) as u64 + 1)
}

/// Refuses nesting of arrays and objects deeper than `max_depth`, with the position of the first
/// bracket too deep. Brackets inside strings do not count. Well-formedness is left to serde.
pub fn check_depth(bytes: &[u8], max_depth: usize) -> Result<(), ImportError> {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for (i, &b) in bytes.iter().enumerate() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > max_depth {
                    let (line, column) = position(bytes, i);
                    return Err(ImportError::at(
                        line,
                        column,
                        text!("JSON nested deeper than {max_depth} levels", "JSON lồng sâu quá {max_depth} cấp"),
                    ));
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// A serde_json error in `bytes` as a positioned [`ImportError`]; an error at the very end of the
/// input (a cut number, string or object) says the file is truncated.
pub fn malformed(e: &serde_json::Error, bytes: &[u8]) -> ImportError {
    let message = crate::evidence::json_error::reason(e);
    // serde_json counts a column of 0 before a line's first byte: the end of the line before.
    let (line, column) = crate::evidence::json_error::position(e, bytes);
    let (end_line, end_column) = position(bytes, bytes.len());
    let at_end = e.line() as u64 == end_line && e.column() as u64 + 1 >= end_column;
    let message = if e.is_eof() || (at_end && e.is_syntax()) {
        let (en, vi) = (message.en, message.vi);
        text!("{en} (the file is truncated)", "{vi} (tệp bị cắt cụt)")
    } else {
        message
    };
    ImportError::at(line, column, message)
}

/// Cuts `s` to at most `max` bytes (on a character boundary) and marks the cut.
pub fn cap(s: &mut String, max: usize) {
    if s.len() <= max {
        return;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.truncate(end);
    s.push_str(CUT_MARK);
}

/// Where the records are in the response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Envelope {
    /// The Wazuh server API: `{"data": {"affected_items": [...], "total_affected_items": n}, "error": 0}`.
    Api,
    /// An OpenSearch search response: `{"hits": {"total": {"value": n}, "hits": [{"_source": {...}}]}}`.
    Search,
}

/// What the envelope said besides its records.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnvelopeInfo {
    /// Records the file says match (`total_affected_items`, `hits.total.value`); a number larger
    /// than the records delivered means the file is one page of a longer answer.
    pub declared_total: Option<u64>,
    /// `data.total_failed_items` of an API response: items the server could not return.
    pub failed_items: Option<u64>,
    /// The API's own error (`error` not 0, with `message`/`detail`/`title`).
    pub api_error: Option<String>,
}

/// A record type: says whether a deserialized record has what makes it one (so that a response
/// of another kind, whose fields are all optional here, is not read as this one).
pub trait Record {
    /// `Err(what is missing)` when the record is not of this type.
    fn check(&self) -> Result<(), crate::i18n::Text>;
}

/// Walks the records of `bytes` (already read through [`read_capped`]) in `envelope`, giving each
/// one to `on_record`; at most `limits.max_results_per_host` records are accepted.
pub fn for_each_record<T: DeserializeOwned + Record>(
    bytes: &[u8],
    envelope: Envelope,
    limits: &Limits,
    on_record: &mut dyn FnMut(T) -> Result<(), String>,
) -> Result<EnvelopeInfo, ImportError> {
    check_depth(bytes, limits.max_depth)?;
    let mut walk = Walk {
        on_record,
        max: limits.max_results_per_host,
        seen: 0,
        callback_error: None,
        refusal: None,
        found: false,
    };
    let mut info = EnvelopeInfo::default();
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let outcome = TopSeed { walk: &mut walk, envelope, info: &mut info }.deserialize(&mut de).and_then(|()| de.end());
    if let Some(e) = walk.callback_error.take() {
        return Err(ImportError::Callback(e));
    }
    outcome.map_err(|e| match walk.refusal.take() {
        Some(why) => {
            let (line, column) = crate::evidence::json_error::position(&e, bytes);
            ImportError::at(line, column, why)
        }
        None => malformed(&e, bytes),
    })?;
    if !walk.found {
        let place = match envelope {
            Envelope::Api => "data.affected_items",
            Envelope::Search => "hits.hits",
        };
        return Err(ImportError::whole(match info.api_error.as_deref() {
            None => text!("no `{place}` array", "không có mảng `{place}`"),
            Some(e) => text!(
                "no `{place}` array: the API answered with an error: {e}",
                "không có mảng `{place}`: API đã trả lời bằng một lỗi: {e}"
            ),
        }));
    }
    Ok(info)
}

/// The callback and the count shared by every level of the walk.
struct Walk<'a, T> {
    on_record: &'a mut dyn FnMut(T) -> Result<(), String>,
    max: usize,
    seen: usize,
    /// A callback's refusal, kept apart from parse errors.
    callback_error: Option<String>,
    /// Why the walk refused a record, in both languages (serde_json carries only its English).
    refusal: Option<crate::i18n::Text>,
    /// Whether the records array was found.
    found: bool,
}

impl<T> Walk<'_, T> {
    /// Stops the walk for `why`: serde_json carries the English, `refusal` both languages.
    fn refuse<E: de::Error>(&mut self, why: crate::i18n::Text) -> E {
        let e = E::custom(&why.en);
        self.refusal = Some(why);
        e
    }
}

/// The top-level object.
struct TopSeed<'w, 'a, T> {
    walk: &'w mut Walk<'a, T>,
    envelope: Envelope,
    info: &'w mut EnvelopeInfo,
}

impl<'de, T: DeserializeOwned + Record> DeserializeSeed<'de> for TopSeed<'_, '_, T> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, T: DeserializeOwned + Record> Visitor<'de> for TopSeed<'_, '_, T> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self.envelope {
            Envelope::Api => f.write_str("a Wazuh API response object ({\"data\": {\"affected_items\": [...]}})"),
            Envelope::Search => f.write_str("a search response object ({\"hits\": {\"hits\": [...]}})"),
        }
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let (mut error_code, mut texts) = (None::<i64>, Vec::new());
        while let Some(key) = map.next_key::<String>()? {
            match (self.envelope, key.as_str()) {
                (Envelope::Api, "data") | (Envelope::Search, "hits") => map.next_value_seed(InnerSeed {
                    walk: &mut *self.walk,
                    envelope: self.envelope,
                    info: &mut *self.info,
                })?,
                (Envelope::Api, "error") => error_code = map.next_value::<Option<i64>>()?,
                (Envelope::Api, "message" | "detail" | "title") => {
                    if let Some(mut text) = map.next_value::<Option<String>>()? {
                        cap(&mut text, 512);
                        texts.push(text);
                    }
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if error_code.is_some_and(|c| c != 0) {
            let code = error_code.unwrap_or_default();
            self.info.api_error = Some(format!("error {code}: {}", texts.join("; ")));
        }
        Ok(())
    }
}

/// `data` of an API response, `hits` of a search response.
struct InnerSeed<'w, 'a, T> {
    walk: &'w mut Walk<'a, T>,
    envelope: Envelope,
    info: &'w mut EnvelopeInfo,
}

impl<'de, T: DeserializeOwned + Record> DeserializeSeed<'de> for InnerSeed<'_, '_, T> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

/// `hits.total`: a number (Elasticsearch 6) or `{"value": n, "relation": "eq"}`.
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum Total {
    Number(u64),
    Object { value: u64 },
}

impl<'de, T: DeserializeOwned + Record> Visitor<'de> for InnerSeed<'_, '_, T> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(match self.envelope {
            Envelope::Api => "`data` as an object",
            Envelope::Search => "`hits` as an object",
        })
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        // `"data": null` (an error response) has no records; the caller says so.
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            match (self.envelope, key.as_str()) {
                (Envelope::Api, "affected_items") | (Envelope::Search, "hits") => {
                    self.walk.found = true;
                    map.next_value_seed(RecordsSeed { walk: &mut *self.walk, envelope: self.envelope })?
                }
                (Envelope::Api, "total_affected_items") => self.info.declared_total = map.next_value()?,
                (Envelope::Api, "total_failed_items") => self.info.failed_items = map.next_value()?,
                (Envelope::Search, "total") => {
                    self.info.declared_total = map.next_value::<Option<Total>>()?.map(|t| match t {
                        Total::Number(n) | Total::Object { value: n } => n,
                    })
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// The records array.
struct RecordsSeed<'w, 'a, T> {
    walk: &'w mut Walk<'a, T>,
    envelope: Envelope,
}

impl<'de, T: DeserializeOwned + Record> DeserializeSeed<'de> for RecordsSeed<'_, '_, T> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

/// One search hit: only its `_source` is a record.
#[derive(serde::Deserialize)]
struct Hit<T> {
    #[serde(rename = "_source")]
    source: Option<T>,
}

impl<'de, T: DeserializeOwned + Record> Visitor<'de> for RecordsSeed<'_, '_, T> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of records")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        loop {
            let record = match self.envelope {
                Envelope::Api => match seq.next_element::<T>()? {
                    Some(r) => r,
                    None => return Ok(()),
                },
                Envelope::Search => match seq.next_element::<Hit<T>>()? {
                    Some(Hit { source: Some(r) }) => r,
                    Some(Hit { source: None }) => {
                        return Err(self.walk.refuse(text!(
                            "a search hit without `_source`",
                            "một kết quả tìm kiếm không có `_source`"
                        )));
                    }
                    None => return Ok(()),
                },
            };
            self.walk.seen += 1;
            if let Err(missing) = record.check() {
                let (n, en, vi) = (self.walk.seen, missing.en, missing.vi);
                return Err(self.walk.refuse(text!("record {n}: {en}", "bản ghi {n}: {vi}")));
            }
            if self.walk.seen > self.walk.max {
                let max = self.walk.max;
                return Err(self
                    .walk
                    .refuse(text!("more than {max} records in one file", "một tệp có nhiều hơn {max} bản ghi")));
            }
            if let Err(e) = (self.walk.on_record)(record) {
                self.walk.callback_error = Some(e);
                return Err(de::Error::custom("stopped by the caller"));
            }
        }
    }
}

/// A JSON value that is a string or a number, kept as text (Wazuh writes SCA check ids as numbers,
/// agent ids as strings; scores are numbers, occasionally strings).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Scalar(pub String);

impl<'de> serde::Deserialize<'de> for Scalar {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or a number")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

impl Scalar {
    /// The value as a number, when it is one.
    pub fn number(&self) -> Option<f64> {
        self.0.trim().parse::<f64>().ok().filter(|n| n.is_finite())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Item {
        id: Scalar,
    }

    impl Record for Item {
        fn check(&self) -> Result<(), crate::i18n::Text> {
            if self.id.0 == "bad" { Err(crate::i18n::Text::new("a bad id", "a bad id")) } else { Ok(()) }
        }
    }

    fn records(text: &str, envelope: Envelope) -> (Vec<String>, Result<EnvelopeInfo, ImportError>) {
        let mut got = Vec::new();
        let r = for_each_record::<Item>(text.as_bytes(), envelope, &Limits::default(), &mut |i| {
            got.push(i.id.0);
            Ok(())
        });
        (got, r)
    }

    #[test]
    fn serde_json_alone_stops_at_128_levels() {
        // The claim in the module docs: serde_json's own recursion limit is 128.
        let ok = format!("{}{}", "[".repeat(127), "]".repeat(127));
        assert!(serde_json::from_str::<serde_json::Value>(&ok).is_ok());
        let deep = format!("{}{}", "[".repeat(129), "]".repeat(129));
        let e = serde_json::from_str::<serde_json::Value>(&deep).unwrap_err();
        assert!(e.to_string().contains("recursion limit exceeded"), "{e}");
    }

    #[test]
    fn depth_is_capped_with_a_position_and_strings_do_not_count() {
        let ok = format!("{{\"a\": \"{}\"}}", "[".repeat(1000));
        assert!(check_depth(ok.as_bytes(), 4).is_ok());
        let deep = format!("{{\"a\":\n  {}", "[".repeat(10));
        let e = check_depth(deep.as_bytes(), 4).unwrap_err();
        assert_eq!(
            e,
            ImportError::Malformed {
                line: 2,
                column: 6,
                message: text!("JSON nested deeper than 4 levels", "JSON lồng sâu quá 4 cấp")
            }
        );
    }

    #[test]
    fn api_records_are_delivered_in_order_with_the_declared_total() {
        let (got, r) = records(
            r#"{"data": {"affected_items": [{"id": 1}, {"id": "002"}], "total_affected_items": 9}}"#,
            Envelope::Api,
        );
        assert_eq!(got, ["1", "002"]);
        assert_eq!(r.unwrap().declared_total, Some(9));
    }

    #[test]
    fn search_hits_and_their_total() {
        let text =
            r#"{"hits": {"total": {"value": 125, "relation": "eq"}, "hits": [{"_id": "x", "_source": {"id": "a"}}]}}"#;
        let (got, r) = records(text, Envelope::Search);
        assert_eq!(got, ["a"]);
        assert_eq!(r.unwrap().declared_total, Some(125));
    }

    #[test]
    fn records_before_damage_are_delivered_then_a_positioned_error() {
        let (got, r) = records("{\"data\": {\"affected_items\": [{\"id\": 1},\n {\"id\": 2}, {\"id\"", Envelope::Api);
        assert_eq!(got, ["1", "2"]);
        match r.unwrap_err() {
            ImportError::Malformed { line: 2, message, .. } => assert!(message.en.contains("truncated"), "{message:?}"),
            e => panic!("{e:?}"),
        }
    }

    #[test]
    fn a_record_of_another_kind_is_refused_with_its_position() {
        let (got, r) = records("{\"data\": {\"affected_items\": [{\"id\": 1},\n {\"id\": \"bad\"}]}}", Envelope::Api);
        assert_eq!(got, ["1"]);
        assert_eq!(
            r.unwrap_err(),
            ImportError::Malformed {
                line: 2, column: 15, message: text!("record 2: a bad id", "bản ghi 2: a bad id")
            }
        );
    }

    #[test]
    fn an_api_error_response_says_what_the_server_said() {
        let (got, r) =
            records(r#"{"title": "Unauthorized", "detail": "Invalid credentials", "error": 6000}"#, Envelope::Api);
        assert!(got.is_empty());
        let e = r.unwrap_err().to_string();
        assert!(e.contains("no `data.affected_items` array") && e.contains("Invalid credentials"), "{e}");
    }

    #[test]
    fn caps_mark_the_cut_on_a_character_boundary() {
        let mut s = "ăăă".to_string();
        cap(&mut s, 3);
        assert_eq!(s, format!("ă{CUT_MARK}"));
        let mut short = "ok".to_string();
        cap(&mut short, 3);
        assert_eq!(short, "ok");
    }

    #[test]
    fn the_read_cap_holds_on_a_stream() {
        let e = read_capped(std::io::repeat(b' ').take(3 << 20), 2 << 20).unwrap_err();
        assert!(e.to_string().contains("larger than 2 MiB"), "{e}");
    }
}
