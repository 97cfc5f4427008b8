//! The XML layer: a thin, position-aware wrapper over `quick_xml::Reader`.
//!
//! It turns quick-xml events into the few shapes the nmap grammar needs
//! ([`Ev`]), decodes entity references (and rejects undefined ones), refuses
//! DTD entity declarations, bounds the size of one token and the element
//! nesting depth, and knows the 1-based line/column of every event.

use std::borrow::Cow;
use std::io::{self, BufRead, Read};
use std::sync::Arc;

use quick_xml::errors::SyntaxError;
use quick_xml::escape::EscapeError;
use quick_xml::events::attributes::AttrError;
use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

use super::NmapError;

/// Position of an event in the input. `column` counts bytes, so it equals the
/// character column for the ASCII that nmap writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Here {
    pub line: u64,
    pub column: u64,
    pub offset: u64,
}

impl Here {
    pub(super) fn malformed(self, message: impl Into<String>) -> NmapError {
        NmapError::Malformed {
            line: self.line,
            column: self.column,
            byte_offset: self.offset,
            message: message.into(),
        }
    }
}

/// Long names or values quoted in error messages are cut to this many bytes.
const SHOWN: usize = 64;

/// `s` cut to a readable length for an error message.
pub(super) fn shown(s: &str) -> Cow<'_, str> {
    if s.len() <= SHOWN {
        return Cow::Borrowed(s);
    }
    let mut end = SHOWN;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    Cow::Owned(format!("{}…", s.get(..end).unwrap_or_default()))
}

/// `BufRead` adapter that sees every byte quick-xml consumes: it counts lines
/// (per consumed chunk, not per byte) and refuses to feed a single token past
/// `max_token` bytes, which bounds quick-xml's buffer on hostile input.
struct Counting<R> {
    inner: R,
    consumed: u64,
    newlines: u64,
    /// Offset just after the last `\n` consumed.
    line_start: u64,
    token_start: u64,
    max_token: u64,
    over_limit: bool,
}

impl<R> Counting<R> {
    fn here(&self) -> Here {
        Here {
            line: self.newlines + 1,
            column: self.consumed - self.line_start + 1,
            offset: self.consumed,
        }
    }

    /// Position of an already consumed `offset`, when no newline lies between
    /// it and the current position (the only case we can answer without
    /// keeping history).
    fn here_at(&self, offset: u64) -> Option<Here> {
        (offset >= self.line_start && offset <= self.consumed).then(|| Here {
            line: self.newlines + 1,
            column: offset - self.line_start + 1,
            offset,
        })
    }
}

/// Number of `\n` in `bytes` and the index of the last one. `filter().count()`
/// vectorises; `rposition` stops at the last newline.
fn newlines(bytes: &[u8]) -> (u64, Option<usize>) {
    let n = bytes.iter().filter(|&&b| b == b'\n').count() as u64;
    let last = if n > 0 {
        bytes.iter().rposition(|&b| b == b'\n')
    } else {
        None
    };
    (n, last)
}

impl<R: BufRead> Read for Counting<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = {
            let available = self.fill_buf()?;
            let n = available.len().min(out.len());
            if let (Some(dst), Some(src)) = (out.get_mut(..n), available.get(..n)) {
                dst.copy_from_slice(src);
            }
            n
        };
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Counting<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        let used = self.consumed - self.token_start;
        if used > self.max_token {
            self.over_limit = true;
            return Err(io::Error::other("token too large"));
        }
        // Show at most one byte past the cap, so a longer token is caught
        // here whatever the size of the inner buffer.
        let room = usize::try_from(self.max_token - used + 1).unwrap_or(usize::MAX);
        let available = self.inner.fill_buf()?;
        Ok(available.get(..room).unwrap_or(available))
    }

    fn consume(&mut self, amt: usize) {
        if amt > 0 {
            // The bytes are still buffered, so this `fill_buf` does no I/O.
            if let Ok(buffered) = self.inner.fill_buf() {
                let (n, last) = newlines(buffered.get(..amt).unwrap_or(buffered));
                self.newlines += n;
                if let Some(i) = last {
                    self.line_start = self.consumed + i as u64 + 1;
                }
            }
        }
        self.inner.consume(amt);
        self.consumed += amt as u64;
    }
}

/// An element start (`<x ...>` or `<x .../>`).
pub(super) struct Tag<'a> {
    start: BytesStart<'a>,
    pub empty: bool,
    pub at: Here,
    version: XmlVersion,
}

/// What the grammar sees of the XML stream.
pub(super) enum Ev<'a> {
    Open(Tag<'a>),
    /// The end tag of the innermost open element (quick-xml checks the name).
    Close,
    /// Character data, a CDATA section or one decoded entity reference;
    /// consecutive pieces of one text node arrive as several `Text`s.
    Text(Cow<'a, str>),
    Eof,
    /// Comment, processing instruction, XML declaration, accepted DOCTYPE.
    Other,
}

/// Parser state that event conversion updates (kept apart from the buffer
/// so it can be borrowed while an event borrows the buffer).
struct State {
    depth: usize,
    max_depth: usize,
    version: XmlVersion,
}

pub(super) struct XmlStream<R> {
    reader: Reader<Counting<R>>,
    buf: Vec<u8>,
    state: State,
}

impl<R: BufRead> XmlStream<R> {
    /// `max_token`: longest tag or text run accepted; `max_depth`: deepest
    /// element nesting accepted.
    pub(super) fn new(inner: R, max_token: usize, max_depth: usize) -> Self {
        let counting = Counting {
            inner,
            consumed: 0,
            newlines: 0,
            line_start: 0,
            token_start: 0,
            max_token: max_token as u64,
            over_limit: false,
        };
        Self {
            reader: Reader::from_reader(counting),
            buf: Vec::with_capacity(8 * 1024),
            state: State {
                depth: 0,
                max_depth,
                version: XmlVersion::default(),
            },
        }
    }

    /// Reads the next event and where it starts.
    pub(super) fn next(&mut self) -> Result<(Here, Ev<'_>), NmapError> {
        // The buffer is reused: memory stays at the size of the largest token.
        self.buf.clear();
        let src = self.reader.get_mut();
        src.token_start = src.consumed;
        let at = src.here();
        let qx_start = self.reader.buffer_position();
        match self.reader.read_event_into(&mut self.buf) {
            Ok(event) => Ok((at, convert(event, at, &mut self.state)?)),
            // A free function: `self.buf` stays borrowed on this path.
            Err(e) => Err(map_error(&self.reader, e, at, qx_start)),
        }
    }
}

/// Maps a quick-xml error to ours, with the best position we can give.
fn map_error<R>(
    reader: &Reader<Counting<R>>,
    e: quick_xml::Error,
    at: Here,
    qx_start: u64,
) -> NmapError {
    let src = reader.get_ref();
    if src.over_limit {
        return at.malformed(format!(
            "a single tag or text run is longer than {} bytes (max_host_bytes)",
            src.max_token
        ));
    }
    match e {
        quick_xml::Error::Io(io) => NmapError::Io(
            Arc::try_unwrap(io).unwrap_or_else(|io| io::Error::new(io.kind(), io.to_string())),
        ),
        // Every syntax error but this one means "end of input inside markup".
        quick_xml::Error::Syntax(SyntaxError::InvalidBangMarkup) => {
            at.malformed(SyntaxError::InvalidBangMarkup.to_string())
        }
        quick_xml::Error::Syntax(s) => src.here().malformed(format!(
            "file is truncated: {s} (markup starts at line {}, column {})",
            at.line, at.column
        )),
        other => {
            // quick-xml's offsets skip a BOM; ours do not.
            let bom = at.offset.saturating_sub(qx_start);
            let err_at = reader.error_position().saturating_add(bom);
            let pos = if err_at > at.offset {
                src.here_at(err_at).unwrap_or(at)
            } else {
                at
            };
            pos.malformed(format!("not well-formed XML: {other}"))
        }
    }
}

/// Converts one quick-xml event; a free function so that it can borrow the
/// state while the event borrows the buffer.
fn convert<'b>(event: Event<'b>, at: Here, state: &mut State) -> Result<Ev<'b>, NmapError> {
    Ok(match event {
        Event::Start(start) => {
            state.depth += 1;
            if state.depth > state.max_depth {
                return Err(at.malformed(format!(
                    "elements nested deeper than {} levels",
                    state.max_depth
                )));
            }
            Ev::Open(Tag {
                start,
                empty: false,
                at,
                version: state.version,
            })
        }
        Event::Empty(start) => Ev::Open(Tag {
            start,
            empty: true,
            at,
            version: state.version,
        }),
        Event::End(_) => {
            state.depth = state.depth.saturating_sub(1);
            Ev::Close
        }
        Event::Text(text) => Ev::Text(text.xml_content(state.version)),
        Event::CData(text) => Ev::Text(text.xml_content(state.version)),
        Event::GeneralRef(reference) => Ev::Text(resolve_ref(&reference, at)?),
        Event::Decl(decl) => {
            if let Ok(version) = decl.xml_version() {
                state.version = version;
            }
            Ev::Other
        }
        Event::DocType(doctype) => {
            // quick-xml never expands DTD entities, so a document that declares
            // some would silently lose content; refuse it (also: billion laughs).
            if doctype.contains("<!ENTITY") {
                return Err(at.malformed("DTD entity declarations are not allowed"));
            }
            Ev::Other
        }
        Event::PI(_) | Event::Comment(_) => Ev::Other,
        Event::Eof => Ev::Eof,
    })
}

/// Every ASCII character, to hand out decoded character references as `&'static str`.
const ASCII_BYTES: [u8; 128] = {
    let mut bytes = [0u8; 128];
    let mut i = 0;
    while i < 128 {
        bytes[i] = i as u8;
        i += 1;
    }
    bytes
};
const ASCII: &str = match std::str::from_utf8(&ASCII_BYTES) {
    Ok(s) => s,
    Err(_) => "",
};

/// The five predefined XML entities.
fn predefined(name: &str) -> Option<&'static str> {
    Some(match name {
        "lt" => "<",
        "gt" => ">",
        "amp" => "&",
        "apos" => "'",
        "quot" => "\"",
        _ => return None,
    })
}

/// Decodes `&name;` / `&#n;` in text; anything but the predefined entities
/// and valid character references is an error (we have no DTD to consult).
fn resolve_ref(reference: &BytesRef<'_>, at: Here) -> Result<Cow<'static, str>, NmapError> {
    let name: &str = reference;
    if let Some(text) = predefined(name) {
        return Ok(Cow::Borrowed(text));
    }
    match reference.resolve_char_ref() {
        // nmap escapes every newline and tab in text this way: no allocation.
        Ok(Some(c)) if c.is_ascii() => {
            let i = c as usize;
            Ok(Cow::Borrowed(ASCII.get(i..=i).unwrap_or_default()))
        }
        Ok(Some(c)) => Ok(Cow::Owned(c.to_string())),
        Ok(None) => Err(at.malformed(format!("undefined entity &{};", shown(name)))),
        Err(_) => Err(at.malformed(format!("invalid character reference &{};", shown(name)))),
    }
}

impl<'a> Tag<'a> {
    pub(super) fn name(&self) -> &str {
        self.start.name().0
    }

    /// Parses and decodes all attributes, refusing more than `max` of them.
    pub(super) fn attrs(&self, max: usize) -> Result<Attrs<'_>, NmapError> {
        let mut list = Vec::with_capacity(8);
        for attr in self.start.attributes() {
            let attr = attr.map_err(|e| self.attr_error(e))?;
            if list.len() >= max {
                return Err(self.at.malformed(format!(
                    "<{}> has more than {max} attributes",
                    shown(self.name())
                )));
            }
            let key = attr.key.0;
            let value = attr
                .normalized_value(self.version)
                .map_err(|e| self.value_error(key, e))?;
            list.push((key, value));
        }
        Ok(Attrs {
            list,
            elem: self.name(),
            at: self.at,
        })
    }

    /// For elements we skip: still reject undefined entities in attributes,
    /// but only pay for decoding when there is an `&` at all.
    pub(super) fn check_refs(&self) -> Result<(), NmapError> {
        if self.start.attributes_raw().contains('&') {
            self.attrs(usize::MAX)?;
        }
        Ok(())
    }

    fn attr_error(&self, e: AttrError) -> NmapError {
        self.at
            .malformed(format!("bad attribute in <{}>: {e}", shown(self.name())))
    }

    fn value_error(&self, key: &str, e: quick_xml::Error) -> NmapError {
        let what = match e {
            quick_xml::Error::Escape(EscapeError::UnrecognizedEntity(_, name)) => {
                format!("undefined entity &{};", shown(&name))
            }
            other => other.to_string(),
        };
        self.at.malformed(format!(
            "{what} in attribute {} of <{}>",
            shown(key),
            shown(self.name())
        ))
    }
}

/// Decoded attributes of one element, with typed accessors whose errors
/// point at the element.
pub(super) struct Attrs<'a> {
    list: Vec<(&'a str, Cow<'a, str>)>,
    elem: &'a str,
    at: Here,
}

impl Attrs<'_> {
    /// Total bytes of all values (what keeping them would cost).
    pub(super) fn size(&self) -> usize {
        self.list.iter().map(|(_, v)| v.len()).sum()
    }

    pub(super) fn get(&self, key: &str) -> Option<&str> {
        self.list
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.as_ref())
    }

    /// Moves the value out (no copy when decoding already allocated it);
    /// each key is meant to be taken once.
    pub(super) fn opt(&mut self, key: &str) -> Option<String> {
        self.list
            .iter_mut()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| std::mem::take(v).into_owned())
    }

    pub(super) fn req(&mut self, key: &str) -> Result<String, NmapError> {
        self.opt(key).ok_or_else(|| {
            self.at
                .malformed(format!("missing attribute {key} on <{}>", shown(self.elem)))
        })
    }

    /// A number; an absent or empty attribute is `None`, anything else that
    /// does not parse as `T` is an error.
    pub(super) fn num<T: std::str::FromStr>(&self, key: &str) -> Result<Option<T>, NmapError> {
        match self.get(key) {
            None | Some("") => Ok(None),
            Some(raw) => raw.parse().map(Some).map_err(|_| {
                self.at.malformed(format!(
                    "attribute {key}=\"{}\" on <{}> is not a valid number",
                    shown(raw),
                    shown(self.elem)
                ))
            }),
        }
    }

    pub(super) fn req_num<T: std::str::FromStr>(&self, key: &str) -> Result<T, NmapError> {
        self.num(key)?.ok_or_else(|| {
            self.at
                .malformed(format!("missing attribute {key} on <{}>", shown(self.elem)))
        })
    }

    pub(super) fn at(&self) -> Here {
        self.at
    }
}
