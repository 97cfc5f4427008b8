//! The XML layer shared by the XML importers (XCCDF/ARF, OpenVAS, Nessus), and the detection of
//! their formats from a file's first bytes.
//!
//! A thin pull reader over `quick_xml::Reader` ([`XmlReader`]) that the importers' recursive-descent
//! grammars drive with [`event`](XmlReader::event), [`text`](XmlReader::text) and
//! [`skip`](XmlReader::skip). It decodes the five predefined entities and character references and
//! refuses any other `&name;`; refuses a DOCTYPE that declares entities (billion laughs, external
//! entities: quick-xml never expands or fetches them, so such a file would silently lose content);
//! bounds element nesting ([`Limits::max_depth`]), the text or attribute value kept
//! ([`Limits::max_text_bytes`], longer ones cut and marked with [`TRUNCATION_MARK`]) and the bytes
//! one token may span ([`MAX_TOKEN_BYTES`], so a 100 MB attribute costs at most that much memory);
//! and knows the 1-based line and byte column of every event, counted as input is consumed.
//!
//! Elements are matched by local name (prefix dropped): the grammars read only elements whose
//! names are distinctive in their formats, and the root element and its namespace are checked
//! once, by [`detect`].

use std::borrow::Cow;
use std::io::{self, BufRead, Read};

use quick_xml::errors::{IllFormedError, SyntaxError};
use quick_xml::events::attributes::Attribute;
use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

use super::{ImportError, Limits};
use crate::i18n::Text;
use crate::text;

/// Appended to a text or attribute value cut at [`Limits::max_text_bytes`].
pub const TRUNCATION_MARK: &str = "…[truncated]";

/// Most bytes one tag or text run may span: beyond it the file is refused (memory stays bounded
/// whatever a hostile file holds); text under it but over `max_text_bytes` is cut, not refused.
pub const MAX_TOKEN_BYTES: u64 = 16 << 20;

/// The XML formats the importers read, told apart by root element and namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum XmlFormat {
    /// XCCDF 1.1 `Benchmark` or `TestResult` (namespace `http://checklists.nist.gov/xccdf/1.1`).
    Xccdf11,
    /// XCCDF 1.2 (`http://checklists.nist.gov/xccdf/1.2`).
    Xccdf12,
    /// ARF 1.1 `asset-report-collection` (`http://scap.nist.gov/schema/asset-reporting-format/1.1`).
    Arf,
    /// Greenbone/OpenVAS `report` or `get_reports_response`.
    OpenVas,
    /// Nessus v2 `NessusClientData_v2`.
    Nessus,
}

impl XmlFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            XmlFormat::Xccdf11 => "xccdf-1.1",
            XmlFormat::Xccdf12 => "xccdf-1.2",
            XmlFormat::Arf => "arf",
            XmlFormat::OpenVas => "openvas",
            XmlFormat::Nessus => "nessus",
        }
    }
}

const XCCDF_11: &str = "http://checklists.nist.gov/xccdf/1.1";
const XCCDF_12: &str = "http://checklists.nist.gov/xccdf/1.2";
const ARF_11: &str = "http://scap.nist.gov/schema/asset-reporting-format/1.1";

/// Which of the importers' XML formats `head` (the first few KB of a file) is, from its root
/// element and that element's namespace; `None` when it is none of them or the root element is
/// not within `head`. Never fails: a damaged prologue is simply not recognised.
pub fn detect(head: &[u8]) -> Option<XmlFormat> {
    let mut reader = Reader::from_reader(head);
    loop {
        match reader.read_event() {
            Ok(Event::Start(root) | Event::Empty(root)) => return classify_root(&root),
            Ok(Event::Eof) | Err(_) => return None,
            Ok(_) => {}
        }
    }
}

/// The format a root element names: its local name, and for SCAP formats the namespace its
/// prefix (or the default namespace) is bound to on the root itself.
fn classify_root(root: &BytesStart<'_>) -> Option<XmlFormat> {
    let qname = root.name().0;
    let (prefix, local) = qname.split_once(':').unwrap_or(("", qname));
    let wanted = if prefix.is_empty() { "xmlns".to_owned() } else { format!("xmlns:{prefix}") };
    let namespace = root
        .attributes()
        .flatten()
        .find(|a| a.key.0 == wanted)
        .and_then(|a| a.normalized_value(XmlVersion::default()).ok().map(Cow::into_owned));
    match (local, namespace.as_deref()) {
        ("Benchmark" | "TestResult", Some(XCCDF_11)) => Some(XmlFormat::Xccdf11),
        ("Benchmark" | "TestResult", Some(XCCDF_12)) => Some(XmlFormat::Xccdf12),
        ("asset-report-collection", Some(ARF_11)) => Some(XmlFormat::Arf),
        ("report" | "get_reports_response", None) => Some(XmlFormat::OpenVas),
        ("NessusClientData_v2", None) => Some(XmlFormat::Nessus),
        _ => None,
    }
}

/// Number of `\n` in `bytes`. Byte-wide sums over 64-byte blocks let the compiler vectorise.
fn count_newlines(bytes: &[u8]) -> u64 {
    let mut blocks = bytes.chunks_exact(64);
    let mut n = 0;
    for block in &mut blocks {
        n += u64::from(block.iter().fold(0u8, |acc, &b| acc + u8::from(b == b'\n')));
    }
    n + blocks.remainder().iter().filter(|&&b| b == b'\n').count() as u64
}

/// A 1-based line and byte column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    pub line: u64,
    pub column: u64,
}

/// `BufRead` adapter that counts lines in what quick-xml consumes (so the position of every event
/// start is known without a second pass) and refuses to hand out more than [`MAX_TOKEN_BYTES`]
/// past the start of the current token.
struct Counted<R> {
    inner: R,
    consumed: u64,
    newlines: u64,
    /// Offset just after the last newline consumed.
    line_start: u64,
    token_start: u64,
    over_limit: bool,
}

impl<R> Counted<R> {
    fn pos(&self) -> Pos {
        Pos { line: self.newlines + 1, column: self.consumed - self.line_start + 1 }
    }
}

impl<R: BufRead> Read for Counted<R> {
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

impl<R: BufRead> BufRead for Counted<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        let used = self.consumed - self.token_start;
        if used >= MAX_TOKEN_BYTES {
            self.over_limit = true;
            return Err(io::Error::other("token too large"));
        }
        let room = usize::try_from(MAX_TOKEN_BYTES - used).unwrap_or(usize::MAX);
        let chunk = self.inner.fill_buf()?;
        Ok(chunk.get(..room).unwrap_or(chunk))
    }

    fn consume(&mut self, amt: usize) {
        // The bytes are still in the inner buffer: fill_buf returns them again without reading.
        if let Ok(chunk) = self.inner.fill_buf() {
            let bytes = chunk.get(..amt).unwrap_or(chunk);
            let n = count_newlines(bytes);
            if n > 0 {
                self.newlines += n;
                if let Some(i) = memchr::memrchr(b'\n', bytes) {
                    self.line_start = self.consumed + i as u64 + 1;
                }
            }
        }
        self.consumed += amt as u64;
        self.inner.consume(amt);
    }
}

/// One event of the pull reader. Empty elements arrive as `Open` then `Close`.
pub enum Ev<'a> {
    Open(Tag<'a>),
    Close,
    Text(Cow<'a, str>),
    Eof,
}

/// An opening tag, borrowed from the reader's buffer.
pub struct Tag<'a> {
    start: BytesStart<'a>,
    version: XmlVersion,
    at: Pos,
    depth: usize,
    max_text: usize,
}

impl<'a> Tag<'a> {
    /// The element's name without its namespace prefix.
    pub fn local(&self) -> &str {
        local_part(self.start.name().0)
    }

    /// The value of the attribute whose local name is `key` (decoded, cut at `max_text_bytes`).
    pub fn attr(&self, key: &str) -> Result<Option<String>, ImportError> {
        self.attrs([key]).get(0)
    }

    /// The attributes whose local names are `keys`, found in one pass over the tag and decoded
    /// by [`Attrs::get`]: the same values and errors, in the same order, as [`Tag::attr`] called
    /// for each key in turn (which walks the attributes again for every key).
    pub fn attrs<'k, const N: usize>(&self, keys: [&'k str; N]) -> Attrs<'_, 'a, 'k, N> {
        let mut found: [Option<Attribute<'_>>; N] = [const { None }; N];
        let mut missing = N;
        let mut broken = None;
        for attr in self.start.attributes().with_checks(false) {
            let attr = match attr {
                Ok(a) => a,
                Err(e) => {
                    broken = Some(e);
                    break;
                }
            };
            let local = local_part(attr.key.0);
            if let Some(slot @ None) = keys.iter().position(|k| *k == local).and_then(|i| found.get_mut(i)) {
                *slot = Some(attr);
                missing -= 1;
                if missing == 0 {
                    break;
                }
            }
        }
        Attrs { tag: self, keys, found, broken }
    }

    /// An attribute's value decoded and cut at `max_text_bytes`.
    fn decode(&self, key: &str, attr: &Attribute<'_>) -> Result<String, ImportError> {
        let value = attr.normalized_value(self.version).map_err(|e| {
            let (why, tag) = (entity_message(e), shown(self.local()));
            let (en, vi) = (&why.en, &why.vi);
            malformed(self.at, text!("{en} in attribute {key} of <{tag}>", "{vi} trong thuộc tính {key} của <{tag}>"))
        })?;
        Ok(match value {
            // Decoded into a new string already: kept rather than copied.
            Cow::Owned(s) if s.len() <= self.max_text => s,
            other => capped(&other, self.max_text),
        })
    }

    /// The format this tag names when it is a root element (see [`detect`]).
    pub fn format(&self) -> Option<XmlFormat> {
        classify_root(&self.start)
    }

    /// Its depth (1 = the root element).
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// Where the tag starts.
    pub fn at(&self) -> Pos {
        self.at
    }
}

fn entity_message(e: quick_xml::Error) -> Text {
    match e {
        quick_xml::Error::Escape(quick_xml::escape::EscapeError::UnrecognizedEntity(_, name)) => {
            let name = shown(&name);
            text!("undefined entity &{name};", "thực thể &{name}; không được định nghĩa")
        }
        // quick-xml's own words (English): the library's detail, kept in both languages.
        other => {
            let other = other.to_string();
            Text::new(other.clone(), other)
        }
    }
}

/// Attributes of a tag found in one pass ([`Tag::attrs`]), decoded one by one.
pub struct Attrs<'t, 'a, 'k, const N: usize> {
    tag: &'t Tag<'a>,
    keys: [&'k str; N],
    found: [Option<Attribute<'t>>; N],
    /// The first attribute that does not parse: the pass stopped there, so a key not found
    /// before it is that error (as a walk looking for that key alone would have met it).
    broken: Option<quick_xml::events::attributes::AttrError>,
}

impl<const N: usize> Attrs<'_, '_, '_, N> {
    /// The value of the `i`th key (as [`Tag::attr`] gives it).
    pub fn get(&self, i: usize) -> Result<Option<String>, ImportError> {
        let (Some(key), Some(attr)) = (self.keys.get(i), self.found.get(i)) else { return Ok(None) };
        match (attr, &self.broken) {
            (Some(attr), _) => self.tag.decode(key, attr).map(Some),
            (None, Some(e)) => {
                let tag = shown(self.tag.local());
                Err(malformed(
                    self.tag.at,
                    text!("bad attribute in <{tag}>: {e}", "thuộc tính hỏng trong <{tag}>: {e}"),
                ))
            }
            (None, None) => Ok(None),
        }
    }
}

/// A qualified name without its namespace prefix (after the last `:`). A byte scan: names are
/// short, and this runs for every tag and attribute of a file.
fn local_part(name: &str) -> &str {
    match name.bytes().rposition(|b| b == b':') {
        Some(i) => name.get(i + 1..).unwrap_or(name),
        None => name,
    }
}

/// `s` cut at `max` bytes (on a character boundary) and marked, or whole.
pub fn capped(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    let mut out = String::with_capacity(end + TRUNCATION_MARK.len());
    out.push_str(s.get(..end).unwrap_or_default());
    out.push_str(TRUNCATION_MARK);
    out
}

/// Long names or values quoted in error messages are cut to this many bytes.
const SHOWN: usize = 64;

/// `s` cut to a readable length for an error message.
pub fn shown(s: &str) -> Cow<'_, str> {
    if s.len() <= SHOWN {
        return Cow::Borrowed(s);
    }
    let mut end = SHOWN;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    Cow::Owned(format!("{}…", s.get(..end).unwrap_or_default()))
}

/// quick-xml's reason for an end of input inside markup, in both languages.
pub(crate) fn syntax_text(e: &SyntaxError) -> Text {
    let vi = match e {
        SyntaxError::InvalidBangMarkup => "ký hiệu không rõ hoặc bị thiếu trong thẻ",
        SyntaxError::UnclosedPI => "chỉ thị xử lý chưa đóng: không thấy `?>` trước khi hết dữ liệu",
        SyntaxError::UnclosedXmlDecl => "khai báo XML chưa đóng: không thấy `?>` trước khi hết dữ liệu",
        SyntaxError::UnclosedComment => "chú thích chưa đóng: không thấy `-->` trước khi hết dữ liệu",
        SyntaxError::UnclosedDoctype => "DOCTYPE chưa đóng: không thấy `>` trước khi hết dữ liệu",
        SyntaxError::UnclosedCData => "CDATA chưa đóng: không thấy `]]>` trước khi hết dữ liệu",
        SyntaxError::UnclosedTag => "thẻ chưa đóng: không thấy `>` trước khi hết dữ liệu",
        SyntaxError::UnclosedSingleQuotedAttributeValue => {
            "giá trị thuộc tính chưa đóng: không thấy `'` trước khi hết dữ liệu"
        }
        SyntaxError::UnclosedDoubleQuotedAttributeValue => {
            "giá trị thuộc tính chưa đóng: không thấy `\"` trước khi hết dữ liệu"
        }
    };
    Text::new(e.to_string(), vi)
}

/// quick-xml's reason for an element or reference cut by the end of input, in both languages.
fn ill_formed_text(e: &IllFormedError) -> Text {
    match e {
        IllFormedError::MissingEndTag(tag) => {
            let tag = shown(tag);
            text!(
                "start tag not closed: `</{tag}>` not found before end of input",
                "thẻ mở chưa đóng: không thấy `</{tag}>` trước khi hết dữ liệu"
            )
        }
        IllFormedError::UnclosedReference => text!(
            "entity or character reference not closed: `;` not found before end of input",
            "tham chiếu thực thể hay ký tự chưa đóng: không thấy `;` trước khi hết dữ liệu"
        ),
        other => {
            let other = other.to_string();
            Text::new(other.clone(), other)
        }
    }
}

/// A `Malformed` error at `at`.
pub fn malformed(at: Pos, message: Text) -> ImportError {
    ImportError::Malformed { line: at.line, column: at.column, message }
}

/// "the file is truncated", the error of an end of input inside an element.
pub fn truncated() -> Text {
    text!("file is truncated", "tệp bị cắt cụt")
}

/// The pull reader: see the module docs.
pub struct XmlReader<R> {
    reader: Reader<Counted<R>>,
    buf: Vec<u8>,
    depth: usize,
    max_depth: usize,
    max_text: usize,
    version: XmlVersion,
    /// Where the last event started.
    at: Pos,
    /// Whether the root element was seen (a file with none is not of the format).
    rooted: bool,
}

impl<R: BufRead> XmlReader<R> {
    pub fn new(inner: R, limits: &Limits) -> Self {
        let counted = Counted { inner, consumed: 0, newlines: 0, line_start: 0, token_start: 0, over_limit: false };
        let mut reader = Reader::from_reader(counted);
        reader.config_mut().expand_empty_elements = true;
        Self {
            reader,
            buf: Vec::with_capacity(8 * 1024),
            depth: 0,
            max_depth: limits.max_depth.max(1),
            max_text: limits.max_text_bytes,
            version: XmlVersion::default(),
            at: Pos { line: 1, column: 1 },
            rooted: false,
        }
    }

    /// Where the last event started.
    pub fn at(&self) -> Pos {
        self.at
    }

    /// A `Malformed` error at the last event.
    pub fn error(&self, message: Text) -> ImportError {
        malformed(self.at, message)
    }

    /// Depth of the element last opened (1 = the root).
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// The next event that matters to a grammar (declarations, comments and processing
    /// instructions are passed over). `Eof` only at a proper end of the document; an end of input
    /// inside an element is a "file is truncated" error.
    pub fn event(&mut self) -> Result<Ev<'_>, ImportError> {
        // One quick-xml event per call (a loop returning borrowed events would not borrow-check):
        // declarations, comments, processing instructions and blank text outside the root come
        // back as empty text, which every grammar passes over.
        const NOTHING: Ev<'static> = Ev::Text(Cow::Borrowed(""));
        self.buf.clear();
        let src = self.reader.get_mut();
        src.token_start = src.consumed;
        self.at = src.pos();
        let event = match self.reader.read_event_into(&mut self.buf) {
            Ok(event) => event,
            Err(e) => return Err(map_error(&mut self.reader, e, self.at, self.depth)),
        };
        let at = self.at;
        Ok(match event {
            Event::Start(start) => {
                if self.depth == 0 && self.rooted {
                    return Err(malformed(
                        at,
                        text!(
                            "not well-formed XML: more than one root element",
                            "XML sai cấu trúc: có nhiều hơn một phần tử gốc"
                        ),
                    ));
                }
                self.rooted = true;
                self.depth += 1;
                if self.depth > self.max_depth {
                    let max = self.max_depth;
                    return Err(malformed(
                        at,
                        text!("elements nested deeper than {max} levels", "các phần tử lồng sâu quá {max} cấp"),
                    ));
                }
                Ev::Open(Tag { start, version: self.version, at, depth: self.depth, max_text: self.max_text })
            }
            // invariant: expand_empty_elements turns every empty element into Start + End.
            Event::Empty(_) => {
                return Err(malformed(
                    at,
                    text!("internal error: unexpanded empty element", "lỗi nội bộ: phần tử rỗng chưa được mở rộng"),
                ));
            }
            Event::End(_) => {
                self.depth = self.depth.saturating_sub(1);
                Ev::Close
            }
            Event::Text(text) if self.depth > 0 => Ev::Text(text.xml_content(self.version)),
            Event::CData(text) if self.depth > 0 => Ev::Text(text.xml_content(self.version)),
            Event::GeneralRef(reference) if self.depth > 0 => Ev::Text(resolve_ref(&reference, at)?),
            Event::Text(text) if text.trim_ascii().is_empty() => NOTHING,
            Event::Text(_) | Event::CData(_) | Event::GeneralRef(_) => {
                return Err(malformed(
                    at,
                    text!(
                        "not well-formed XML: text outside the root element",
                        "XML sai cấu trúc: có văn bản nằm ngoài phần tử gốc"
                    ),
                ));
            }
            Event::Decl(decl) => {
                if let Ok(version) = decl.xml_version() {
                    self.version = version;
                }
                NOTHING
            }
            Event::DocType(doctype) => {
                if doctype.contains("<!ENTITY") {
                    return Err(malformed(
                        at,
                        text!("DTD entity declarations are not allowed", "không chấp nhận khai báo thực thể DTD"),
                    ));
                }
                NOTHING
            }
            Event::PI(_) | Event::Comment(_) => NOTHING,
            Event::Eof if self.depth > 0 => {
                let end = self.reader.get_mut().pos();
                let open = self.depth;
                return Err(malformed(
                    end,
                    text!(
                        "file is truncated: {open} element(s) still open",
                        "tệp bị cắt cụt: còn {open} phần tử chưa đóng"
                    ),
                ));
            }
            Event::Eof if !self.rooted => {
                return Err(malformed(
                    at,
                    text!("no root element: the file is empty", "không có phần tử gốc: tệp rỗng"),
                ));
            }
            Event::Eof => Ev::Eof,
        })
    }

    /// The text of the element just opened, up to its end (text of child elements included, their
    /// markup not), cut at `max_text_bytes`.
    pub fn text(&mut self) -> Result<String, ImportError> {
        let max = self.max_text;
        let mut out = String::new();
        let mut cut = false;
        let mut depth = 1usize;
        while depth > 0 {
            match self.event()? {
                Ev::Open(_) => depth += 1,
                Ev::Close => depth -= 1,
                Ev::Text(t) if !cut => {
                    if out.len() + t.len() > max {
                        let mut end = max - out.len();
                        while !t.is_char_boundary(end) {
                            end -= 1;
                        }
                        out.push_str(t.get(..end).unwrap_or_default());
                        out.push_str(TRUNCATION_MARK);
                        cut = true;
                    } else {
                        out.push_str(&t);
                    }
                }
                Ev::Text(_) => {}
                Ev::Eof => return Err(self.error(truncated())),
            }
        }
        Ok(out)
    }

    /// [`text`](Self::text), trimmed.
    pub fn trimmed(&mut self) -> Result<String, ImportError> {
        let text = self.text()?;
        let t = text.trim();
        Ok(if t.len() == text.len() { text } else { t.to_owned() })
    }

    /// Passes over the rest of the element just opened.
    pub fn skip(&mut self) -> Result<(), ImportError> {
        let mut depth = 1usize;
        while depth > 0 {
            match self.event()? {
                Ev::Open(_) => depth += 1,
                Ev::Close => depth -= 1,
                Ev::Text(_) => {}
                Ev::Eof => return Err(self.error(truncated())),
            }
        }
        Ok(())
    }
}

/// Checks that the root element `tag` is one of `wanted` and returns the one it is.
pub fn check_root(tag: &Tag<'_>, wanted: &[&'static str], format: &str) -> Result<&'static str, ImportError> {
    let local = tag.local();
    wanted.iter().copied().find(|w| *w == local).ok_or_else(|| {
        let list = |or: &str| wanted.iter().map(|w| format!("<{w}>")).collect::<Vec<_>>().join(or);
        let (names, names_vi, local) = (list(" or "), list(" hay "), shown(local));
        malformed(
            tag.at,
            text!(
                "root element is <{local}>, not {names}: this is not a {format} file",
                "phần tử gốc là <{local}>, không phải {names_vi}: đây không phải tệp {format}"
            ),
        )
    })
}

/// A quick-xml error as ours, at the best position known.
fn map_error<R: BufRead>(reader: &mut Reader<Counted<R>>, e: quick_xml::Error, at: Pos, depth: usize) -> ImportError {
    let src = reader.get_mut();
    if src.over_limit {
        return malformed(
            at,
            text!(
                "a single tag or text run is longer than {MAX_TOKEN_BYTES} bytes",
                "một thẻ hay một đoạn văn bản dài quá {MAX_TOKEN_BYTES} byte"
            ),
        );
    }
    let end = src.pos();
    match e {
        quick_xml::Error::Io(io) => ImportError::Io(io.to_string()),
        quick_xml::Error::Syntax(SyntaxError::InvalidBangMarkup) => {
            malformed(at, syntax_text(&SyntaxError::InvalidBangMarkup))
        }
        // Every other syntax error means "end of input inside markup".
        quick_xml::Error::Syntax(s) => {
            let Pos { line, column } = at;
            let s = syntax_text(&s);
            let (en, vi) = (s.en, s.vi);
            malformed(
                end,
                text!(
                    "file is truncated: {en} (markup starts at line {line}, column {column}; {depth} element(s) open)",
                    "tệp bị cắt cụt: {vi} (thẻ bắt đầu ở dòng {line}, cột {column}; còn {depth} phần tử mở)"
                ),
            )
        }
        quick_xml::Error::IllFormed(e @ (IllFormedError::UnclosedReference | IllFormedError::MissingEndTag(_))) => {
            let e = ill_formed_text(&e);
            let (en, vi) = (e.en, e.vi);
            malformed(end, text!("file is truncated: {en}", "tệp bị cắt cụt: {vi}"))
        }
        quick_xml::Error::Encoding(e) => malformed(at, text!("not UTF-8 text: {e}", "không phải văn bản UTF-8: {e}")),
        other => malformed(at, text!("not well-formed XML: {other}", "XML sai cấu trúc: {other}")),
    }
}

/// The five predefined XML entities (the nmap reader uses this table too).
pub(crate) fn predefined(name: &str) -> Option<&'static str> {
    Some(match name {
        "lt" => "<",
        "gt" => ">",
        "amp" => "&",
        "apos" => "'",
        "quot" => "\"",
        _ => return None,
    })
}

/// Decodes `&name;` / `&#n;` in text; anything but the predefined entities and valid character
/// references is an error (there is no DTD to consult).
fn resolve_ref(reference: &BytesRef<'_>, at: Pos) -> Result<Cow<'static, str>, ImportError> {
    let name: &str = reference;
    if let Some(text) = predefined(name) {
        return Ok(Cow::Borrowed(text));
    }
    match reference.resolve_char_ref() {
        Ok(Some(c)) => Ok(Cow::Owned(c.to_string())),
        Ok(None) => {
            let name = shown(name);
            Err(malformed(at, text!("undefined entity &{name};", "thực thể &{name}; không được định nghĩa")))
        }
        Err(_) => {
            let name = shown(name);
            Err(malformed(at, text!("invalid character reference &{name};", "tham chiếu ký tự &{name}; không hợp lệ")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(xml: &str) -> Result<Vec<String>, ImportError> {
        let mut r = XmlReader::new(xml.as_bytes(), &Limits::default());
        let mut out = Vec::new();
        loop {
            match r.event()? {
                Ev::Open(t) => out.push(format!("<{}>", t.local())),
                Ev::Close => out.push("/".into()),
                Ev::Text(t) => out.push(t.into_owned()),
                Ev::Eof => return Ok(out),
            }
        }
    }

    #[test]
    fn entities_are_decoded_and_unknown_ones_refused() {
        let got = events("<a>x&amp;&#x41;&#66;</a>").unwrap_or_default();
        assert_eq!(got.concat(), "<a>x&AB/");
        let err = events("<a>&foo;</a>").map(|_| ()).unwrap_err().to_string();
        assert!(err.contains("undefined entity &foo;"), "{err}");
        let err = events("<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>").map(|_| ()).unwrap_err().to_string();
        assert!(err.contains("DTD entity declarations are not allowed"), "{err}");
    }

    #[test]
    fn positions_are_one_based_lines_and_columns() {
        let err = events("<a>\n  <b>\n  &nope;</b></a>").map(|_| ()).unwrap_err();
        assert_eq!(
            err,
            ImportError::Malformed {
                line: 3,
                column: 3,
                message: Text::new("undefined entity &nope;", "thực thể &nope; không được định nghĩa")
            }
        );
    }

    #[test]
    fn truncation_and_depth_are_errors() {
        let err = events("<a><b>text").map(|_| ()).unwrap_err().to_string();
        assert!(err.contains("file is truncated"), "{err}");
        let deep = "<a>".repeat(100);
        let err = events(&deep).map(|_| ()).unwrap_err().to_string();
        assert!(err.contains("nested deeper than 64 levels"), "{err}");
    }

    #[test]
    fn text_is_capped_and_marked() {
        let limits = Limits { max_text_bytes: 4, ..Limits::default() };
        let mut r = XmlReader::new("<a>héllo</a>".as_bytes(), &limits);
        assert!(matches!(r.event(), Ok(Ev::Open(_))));
        assert_eq!(r.text().ok().as_deref(), Some("hél…[truncated]"));
    }

    #[test]
    fn formats_are_detected_from_the_root_and_namespace() {
        let cases = [
            (
                "<?xml version=\"1.0\"?><Benchmark xmlns=\"http://checklists.nist.gov/xccdf/1.1\">",
                Some(XmlFormat::Xccdf11),
            ),
            ("<x:TestResult xmlns:x=\"http://checklists.nist.gov/xccdf/1.2\">", Some(XmlFormat::Xccdf12)),
            (
                "<!-- c --><arf:asset-report-collection xmlns:arf=\"http://scap.nist.gov/schema/asset-reporting-format/1.1\">",
                Some(XmlFormat::Arf),
            ),
            ("<report id=\"x\">", Some(XmlFormat::OpenVas)),
            ("<get_reports_response status=\"200\">", Some(XmlFormat::OpenVas)),
            ("<?xml version=\"1.0\" ?>\n<NessusClientData_v2>", Some(XmlFormat::Nessus)),
            ("<Benchmark xmlns=\"urn:other\">", None),
            ("<nmaprun>", None),
            ("not xml", None),
        ];
        for (head, want) in cases {
            assert_eq!(detect(head.as_bytes()), want, "{head}");
        }
    }
}
