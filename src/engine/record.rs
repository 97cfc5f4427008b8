//! The record a failing rule's message and `show:` paths read: the facts bound to the rule's
//! variables (`host`, `port`, `tls`…) and the finding's asset, looked up where they already are.
//!
//! Nothing is copied to build it. A host that answers on every port (a tarpit) has tens of
//! thousands of failing port records, each of which would otherwise carry a copy of the host's
//! facts, open-port list included: quadratic time and memory in the host's port count. The text
//! of one fact is also bounded in work, not only in length: a `show:` of a whole list is
//! serialised only as far as the 200 characters a finding keeps.

use crate::policy::rules::{fill_placeholders_with, lookup};
use serde_json::Value;
use std::io::Write;

/// What one top-level name of a record is bound to.
#[derive(Clone, Copy)]
pub enum Part<'a> {
    Facts(&'a Value),
    Text(&'a str),
}

/// The named parts of one record, e.g. `[("host", …), ("port", …), ("asset", …)]`.
pub struct Record<'a> {
    parts: &'a [(&'a str, Part<'a>)],
}

/// Longest display form of a fact, in characters (as `rules::fact_text` cuts it).
const MAX_CHARS: usize = 200;
/// Bytes of a serialised fact read before the cut: at least `MAX_CHARS + 1` characters of UTF-8.
const MAX_BYTES: usize = 4 * (MAX_CHARS + 1);

impl<'a> Record<'a> {
    pub fn new(parts: &'a [(&'a str, Part<'a>)]) -> Record<'a> {
        Record { parts }
    }

    /// The display form of the fact at dotted `path` ("?" when absent), sanitised and cut to 200
    /// characters: the same text `rules::fact_text` gives on a record holding copies of the parts.
    pub fn fact_text(&self, path: &str) -> String {
        let (head, rest) = match path.split_once('.') {
            Some((head, rest)) => (head, Some(rest)),
            None => (path, None),
        };
        let part = self.parts.iter().find(|(name, _)| *name == head).map(|(_, p)| *p);
        let text = match (part, rest) {
            (Some(Part::Text(s)), None) => Some(prefix(s)),
            (Some(Part::Facts(v)), None) => display(v),
            (Some(Part::Facts(v)), Some(rest)) => lookup(v, rest).and_then(display),
            (Some(Part::Text(_)), Some(_)) | (None, _) => None,
        };
        let text = text.filter(|s| !s.is_empty()).unwrap_or_else(|| "?".to_string());
        crate::sanitize::truncate(&crate::sanitize::one_line(&text), MAX_CHARS)
    }

    /// A view that computes each path's text once: a finding's English and Vietnamese messages
    /// and its `show:` values mostly name the same facts.
    pub fn texts(&self) -> Texts<'_> {
        self.texts_with(&[])
    }

    /// [`Record::texts`] that first looks paths up in `known`: texts of this record's paths
    /// computed once for many records (a check's title, shared by every host where it failed).
    /// Each list holds `(path, fact_text(path))` pairs that this record would give too.
    pub fn texts_with<'k>(&'k self, known: &'k [&'k [(String, String)]]) -> Texts<'k> {
        Texts { record: self, known, done: Vec::new() }
    }
}

/// [`Record::fact_text`] remembered per path, for the texts of one finding.
pub struct Texts<'a> {
    record: &'a Record<'a>,
    known: &'a [&'a [(String, String)]],
    done: Vec<(String, String)>,
}

impl Texts<'_> {
    fn text(&mut self, path: &str) -> &str {
        if let Some((_, t)) = self.known.iter().flat_map(|k| k.iter()).find(|(p, _)| p == path) {
            return t;
        }
        let at = match self.done.iter().position(|(p, _)| p == path) {
            Some(at) => at,
            None => {
                let t = self.record.fact_text(path);
                self.done.push((path.to_string(), t));
                self.done.len() - 1
            }
        };
        &self.done[at].1
    }

    pub fn fact_text(&mut self, path: &str) -> String {
        self.text(path).to_string()
    }

    /// Fills `{dotted.path}` placeholders of a message template, as `rules::render_message` does.
    pub fn render(&mut self, template: &str) -> String {
        fill_placeholders_with(template, |path, out| out.push_str(self.text(path)))
    }
}

/// A fact as text before sanitising: strings as they are, anything else as JSON; `None` for null.
/// Only the first `MAX_CHARS + 1` characters are produced: the rest would be cut anyway.
fn display(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(prefix(s)),
        other => {
            let mut w = Capped(Vec::new());
            // The writer refuses bytes past its cap: the error only means "long enough".
            let _ = serde_json::to_writer(&mut w, other);
            Some(String::from_utf8_lossy(&w.0).into_owned())
        }
    }
}

/// The first `MAX_CHARS + 1` characters of `s` (enough to know whether it is cut).
fn prefix(s: &str) -> String {
    match s.char_indices().nth(MAX_CHARS + 1) {
        Some((i, _)) => s[..i].to_string(),
        None => s.to_string(),
    }
}

/// A writer that keeps at most `MAX_BYTES` bytes and then fails, which stops the serialiser. A
/// character cut at the end becomes U+FFFD past the kept characters, so it never shows.
struct Capped(Vec<u8>);

impl Write for Capped {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let room = MAX_BYTES - self.0.len();
        if room == 0 {
            return Err(std::io::Error::other("enough"));
        }
        let n = buf.len().min(room);
        self.0.extend_from_slice(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::rules::{fact_text, render_message};
    use serde_json::json;

    /// The record view gives exactly what the functions of `rules` give on a copied record.
    #[test]
    fn same_text_as_a_copied_record() {
        let long: Vec<String> = (0..5000).map(|i| format!("tcp/{i}")).collect();
        let host = json!({"address": "10.0.0.1", "open_ports": long, "empty": "", "none": null,
            "nested": {"x": [1, 2]}, "evil": "a\u{1b}[2Jb\nc", "wide": "ư".repeat(500)});
        let port = json!({"portid": 23, "service": {"name": "telnet", "product": ""}});
        let copied = json!({"host": host, "port": port, "asset": "10.0.0.1:23/tcp"});
        let parts =
            [("host", Part::Facts(&host)), ("port", Part::Facts(&port)), ("asset", Part::Text("10.0.0.1:23/tcp"))];
        let record = Record::new(&parts);
        for path in [
            "host",
            "host.open_ports",
            "host.address",
            "host.empty",
            "host.none",
            "host.nested",
            "host.nested.x",
            "host.evil",
            "host.wide",
            "host.missing",
            "host.",
            "port.portid",
            "port.service",
            "port.service.product",
            "asset",
            "asset.x",
            "",
            "nothing",
            "nothing.at.all",
        ] {
            assert_eq!(record.fact_text(path), fact_text(&copied, path), "{path}");
        }
        let template = "{port.service.name} ({port.service.product}) on {asset}: {host.open_ports} {unclosed";
        let mut texts = record.texts();
        assert_eq!(texts.render(template), render_message(template, &copied));
        assert_eq!(texts.render(template), render_message(template, &copied));
        assert_eq!(texts.fact_text("port.portid"), fact_text(&copied, "port.portid"));
    }
}
