//! Whether a report's bytes are the RFC 8785 (JCS) canonical form of the JSON they hold, and
//! where its top-level `signature` member lies — in one pass over the bytes, without building the
//! document (a national center reads gigabytes of reports).
//!
//! A signed report is checked on the very bytes read (`shared/spec/cli-and-report.md`,
//! "Signature"): they must equal the JCS form of the document, with at most one trailing newline.
//! Anything else — whitespace, blank lines appended, unsorted or duplicated members, escapes JCS
//! does not write, numbers not in their shortest form — could make two readers see two different
//! documents behind one signature, so it is refused. The check is the definition "bytes equal
//! `serde_json_canonicalizer` of their parse", done as a scan; a test holds the two together.

use std::borrow::Cow;
use std::ops::Range;

/// Deepest nesting scanned (as serde_json's own limit: no report comes near it).
const MAX_DEPTH: usize = 128;

/// What the scan found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scan {
    /// The top-level `signature` member, with the comma that joins it to a neighbour: cutting
    /// this range out leaves the document without the member (still canonical if it was).
    pub signature: Option<Range<usize>>,
    /// The top-level `signature` member's value.
    pub signature_value: Option<Range<usize>>,
    /// `None` when the bytes are canonical; otherwise the first departure: byte offset and what.
    pub departure: Option<(usize, &'static str)>,
}

/// The bytes are not (UTF-8) JSON; serde_json says where.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotJson;

/// Scans `bytes`. `Err` when they are not JSON at all (the caller asks serde_json for a precise
/// message); non-canonical JSON is `Ok` with a `departure`.
pub fn scan(bytes: &[u8]) -> Result<Scan, NotJson> {
    let mut s = Scanner { b: bytes, i: 0, scan: Scan { signature: None, signature_value: None, departure: None } };
    s.value(0).map_err(|()| NotJson)?;
    match &bytes[s.i..] {
        b"" | b"\n" => {}
        rest if rest.iter().all(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r')) => {
            s.depart(s.i, "whitespace or blank lines after the document")
        }
        _ => return Err(NotJson),
    }
    Ok(s.scan)
}

struct Scanner<'a> {
    b: &'a [u8],
    i: usize,
    scan: Scan,
}

/// An object member's key as written: its bytes between the quotes, and whether they are plain
/// ASCII without escapes (then they compare as they are).
#[derive(Clone, Copy)]
struct Key {
    range: (usize, usize),
    plain: bool,
}

impl<'a> Scanner<'a> {
    fn depart(&mut self, at: usize, what: &'static str) {
        if self.scan.departure.is_none() {
            self.scan.departure = Some((at, what));
        }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn ws(&mut self) {
        let start = self.i;
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
        if self.i > start {
            self.depart(start, "whitespace between tokens");
        }
    }

    fn byte(&mut self, c: u8) -> Result<(), ()> {
        self.ws();
        if self.peek() != Some(c) {
            return Err(());
        }
        self.i += 1;
        Ok(())
    }

    fn value(&mut self, depth: usize) -> Result<(), ()> {
        if depth > MAX_DEPTH {
            return Err(());
        }
        self.ws();
        match self.peek().ok_or(())? {
            b'{' => self.object(depth),
            b'[' => self.array(depth),
            b'"' => self.string().map(|_| ()),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            b'-' | b'0'..=b'9' => self.number(),
            _ => Err(()),
        }
    }

    fn literal(&mut self, word: &[u8]) -> Result<(), ()> {
        let here = self.b.get(self.i..self.i + word.len()).ok_or(())?;
        if short_cmp(here, word) != std::cmp::Ordering::Equal {
            return Err(());
        }
        self.i += word.len();
        Ok(())
    }

    fn array(&mut self, depth: usize) -> Result<(), ()> {
        self.i += 1;
        self.ws();
        if self.peek() == Some(b']') {
            self.i += 1;
            return Ok(());
        }
        loop {
            self.value(depth + 1)?;
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    return Ok(());
                }
                _ => return Err(()),
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<(), ()> {
        self.i += 1;
        self.ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(());
        }
        let mut previous: Option<Key> = None;
        let mut comma_before: Option<usize> = None;
        loop {
            self.ws();
            let member_start = self.i;
            if self.peek() != Some(b'"') {
                return Err(());
            }
            let key = self.string()?;
            if let Some(p) = previous
                && self.key_order(p, key) != std::cmp::Ordering::Less
            {
                self.depart(member_start, "object members not sorted, or a member repeated");
            }
            previous = Some(key);
            self.byte(b':')?;
            let value_start = self.i;
            self.value(depth + 1)?;
            let member_end = self.i;
            self.ws();
            let next = self.peek();
            if depth == 0 && self.key_text(key) == "signature" {
                self.scan.signature = Some(match (comma_before, next) {
                    (Some(c), _) => c..member_end,
                    (None, Some(b',')) => member_start..self.i + 1,
                    _ => member_start..member_end,
                });
                self.scan.signature_value = Some(value_start..member_end);
            }
            match next {
                Some(b',') => {
                    comma_before = Some(self.i);
                    self.i += 1;
                }
                Some(b'}') => {
                    self.i += 1;
                    return Ok(());
                }
                _ => return Err(()),
            }
        }
    }

    /// The key's text (unescaped when it has escapes).
    fn key_text(&self, k: Key) -> Cow<'a, str> {
        let raw = &self.b[k.range.0..k.range.1];
        if k.plain {
            // invariant: plain keys are ASCII, checked while scanning them.
            return Cow::Borrowed(std::str::from_utf8(raw).unwrap_or_default());
        }
        let quoted = &self.b[k.range.0 - 1..k.range.1 + 1];
        serde_json::from_slice::<String>(quoted).map(Cow::Owned).unwrap_or_default()
    }

    /// JCS orders members by the UTF-16 code units of their keys.
    fn key_order(&self, a: Key, b: Key) -> std::cmp::Ordering {
        if a.plain && b.plain {
            return short_cmp(&self.b[a.range.0..a.range.1], &self.b[b.range.0..b.range.1]);
        }
        self.key_text(a).encode_utf16().cmp(self.key_text(b).encode_utf16())
    }

    /// A string; returns its contents' range and whether they are plain ASCII without escapes.
    fn string(&mut self) -> Result<Key, ()> {
        self.i += 1;
        let start = self.i;
        let mut plain = true;
        // Most strings are ids and statuses a few bytes long: scan those inline, and leave the
        // long ones (messages) to `memchr2`.
        for (k, &c) in self.b[self.i..].iter().take(24).enumerate() {
            match c {
                b'"' => {
                    self.i += k + 1;
                    return Ok(Key { range: (start, self.i - 1), plain });
                }
                b'\\' => break,
                0x20..=0x7f => {}
                _ => break,
            }
        }
        loop {
            let rest = &self.b[self.i..];
            let at = memchr::memchr2(b'"', b'\\', rest).ok_or(())?;
            let run = &rest[..at];
            // One branch-free pass over the run (it vectorises); the rare runs it flags are then
            // checked for control characters and, outside ASCII, for valid UTF-8 — the only
            // place non-ASCII bytes may appear, as the grammar outside strings is ASCII.
            if run.iter().fold(false, |flag, &c| flag | !(0x20..0x80).contains(&c)) {
                if run.iter().any(|&c| c < 0x20) || std::str::from_utf8(run).is_err() {
                    return Err(());
                }
                plain = false;
            }
            self.i += at;
            if self.b[self.i] == b'"' {
                self.i += 1;
                return Ok(Key { range: (start, self.i - 1), plain });
            }
            plain = false;
            self.escape()?;
        }
    }

    /// One escape; JCS writes `\"`, `\\`, `\b`, `\f`, `\n`, `\r`, `\t` and `\u00xx` (lowercase)
    /// for the other control characters, and every other character as itself.
    fn escape(&mut self) -> Result<(), ()> {
        let at = self.i;
        let c = *self.b.get(at + 1).ok_or(())?;
        match c {
            b'"' | b'\\' | b'b' | b'f' | b'n' | b'r' | b't' => self.i += 2,
            b'/' => {
                self.depart(at, "`\\/` escape (canonical form writes `/`)");
                self.i += 2;
            }
            b'u' => {
                let hex = self.b.get(at + 2..at + 6).ok_or(())?;
                if !hex.iter().all(u8::is_ascii_hexdigit) {
                    return Err(());
                }
                // invariant: four ASCII hex digits, checked above.
                let v = u32::from_str_radix(std::str::from_utf8(hex).unwrap_or("0"), 16).unwrap_or(0);
                let short = matches!(v, 0x08 | 0x09 | 0x0a | 0x0c | 0x0d);
                let lower = hex.iter().all(|h| !h.is_ascii_uppercase());
                if v >= 0x20 || short || !lower {
                    self.depart(at, "a `\\u` escape the canonical form does not write");
                }
                self.i += 6;
            }
            _ => return Err(()),
        }
        Ok(())
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.i += 1;
        }
        self.i - start
    }

    /// A number, in JSON's grammar; canonical when it is the shortest ECMAScript form of its
    /// double (as `serde_json_canonicalizer` writes it).
    fn number(&mut self) -> Result<(), ()> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        let int_start = self.i;
        let int = self.digits();
        if int == 0 || (int > 1 && self.b[int_start] == b'0') {
            return Err(());
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if self.digits() == 0 {
                return Err(());
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if self.digits() == 0 {
                return Err(());
            }
        }
        let token = &self.b[start..self.i];
        // Small non-negative integers are their own canonical form; the rest are re-formatted.
        let plain_int = token.len() <= 15 && token.iter().all(u8::is_ascii_digit);
        if !plain_int && !canonical_number(token) {
            self.depart(start, "a number not in its shortest form");
        }
        Ok(())
    }
}

/// Byte order of two short slices (member keys, literals), inline: they mostly differ in their
/// first bytes, and a `memcmp` call per member showed in the aggregate benchmark.
fn short_cmp(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    for (x, y) in a.iter().zip(b) {
        if x != y {
            return x.cmp(y);
        }
    }
    a.len().cmp(&b.len())
}

fn canonical_number(token: &[u8]) -> bool {
    let Some(v) = std::str::from_utf8(token).ok().and_then(|t| t.parse::<f64>().ok()) else { return false };
    v.is_finite() && serde_json_canonicalizer::to_vec(&v).is_ok_and(|c| c == token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    /// The definition the scan implements: the bytes equal the JCS form of their parse.
    fn by_definition(bytes: &[u8]) -> Option<bool> {
        let v: Value = serde_json::from_slice(bytes).ok()?;
        let c = serde_json_canonicalizer::to_vec(&v).ok()?;
        Some(bytes.strip_suffix(b"\n").unwrap_or(bytes) == c)
    }

    fn canonical(bytes: &[u8]) -> Option<bool> {
        scan(bytes).ok().map(|s| s.departure.is_none())
    }

    #[test]
    fn the_scan_agrees_with_the_definition() {
        let doc = serde_json::json!({"schema": "x", "a": [1, 2.5, -3, 1e25, 0.1, null, true, false],
            "é": "\u{1}\t\"\\/ü😀", "nested": {"b": {}, "a": [], "signature": 1}, "z": 0.4166666666666667,
            "signature": {"alg": "ed25519"}, "\u{e000}": 1, "\u{1f600}": 2});
        let text = serde_json_canonicalizer::to_vec(&doc).unwrap();
        assert_eq!(canonical(&text), Some(true));
        let variants: Vec<Vec<u8>> = vec![
            [text.as_slice(), b"\n"].concat(),
            [text.as_slice(), b"\n\n"].concat(),
            [text.as_slice(), b" "].concat(),
            serde_json::to_vec_pretty(&doc).unwrap(),
            serde_json::to_vec(&doc).unwrap(),
            br#"{"a":1,"a":2}"#.to_vec(),
            br#"{"b":1,"a":2}"#.to_vec(),
            br#"{"a":"\u0041"}"#.to_vec(),
            br#"{"a":"\u001F"}"#.to_vec(),
            br#"{"a":"\u001f"}"#.to_vec(),
            br#"{"a":"\/"}"#.to_vec(),
            br#"{"a":1.0}"#.to_vec(),
            br#"{"a":-0}"#.to_vec(),
            br#"{"a":1E3}"#.to_vec(),
            br#"{"a":100000000000000000000000}"#.to_vec(),
            br#"{"a":1e+21}"#.to_vec(),
        ];
        for v in &variants {
            assert_eq!(canonical(v), by_definition(v), "{}", String::from_utf8_lossy(v));
        }
        // Every byte flipped in turn: the scan and the definition agree on each copy.
        for i in 0..text.len() {
            let mut b = text.clone();
            b[i] ^= 0x01;
            if let (Some(a), Some(d)) = (canonical(&b), by_definition(&b)) {
                assert_eq!(a, d, "byte {i}: {}", String::from_utf8_lossy(&b));
            }
        }
    }

    #[test]
    fn only_the_top_level_signature_is_found() {
        let text = br#"{"a":1,"signature":{"v":2},"tool":{"signature":{"v":3}}}"#;
        let s = scan(text).unwrap();
        assert_eq!(&text[s.signature.unwrap()], br#","signature":{"v":2}"#);
        assert_eq!(&text[s.signature_value.unwrap()], br#"{"v":2}"#);
        let nested = br#"{"a":1,"tool":{"signature":{"v":3}}}"#;
        assert_eq!(scan(nested).unwrap().signature, None);
        let first = br#"{"signature":1,"z":2}"#;
        let s = scan(first).unwrap();
        assert_eq!(&first[s.signature.unwrap()], br#""signature":1,"#);
        assert!(scan(b"{\"a\":").is_err());
        assert!(scan(&[b'['; 200]).is_err(), "nesting is bounded");
    }
}
