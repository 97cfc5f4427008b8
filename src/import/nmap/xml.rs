//! The XML layer: a thin, position-aware wrapper over `quick_xml::Reader`.
//!
//! It turns quick-xml events into the few shapes the nmap grammar needs
//! ([`Ev`]), decodes entity references (and rejects undefined ones), refuses
//! DTD entity declarations, bounds the size of one token and the element
//! nesting depth, and can tell the 1-based line/column of an error. It can
//! also cut a `<host>` element out of the stream for a worker thread
//! ([`XmlStream::cut_host`]), and start a stream in the middle of a file
//! ([`Origin`]) so that the worker reports the same positions.

use std::borrow::Cow;
use std::cell::Cell;
use std::io::{self, BufRead, Read};
use std::sync::Arc;

use quick_xml::errors::SyntaxError;
use quick_xml::escape::EscapeError;
use quick_xml::events::attributes::{AttrError, Attribute};
use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

use super::NmapError;
use super::cut::{BodyScanner, CUT_CAP, Scan};
use crate::i18n::Text;
use crate::text;

/// Byte offset where an event starts. Errors are built with it alone; the
/// 1-based line and column are filled in by [`XmlStream::locate`] once
/// reading has stopped, so the hot path never counts lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Here(pub u64);

impl Here {
    /// A `Malformed` error at this offset; line and column still 0.
    pub(super) fn malformed(self, message: Text) -> NmapError {
        NmapError::Malformed { line: 0, column: 0, byte_offset: self.0, message }
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

/// Number of `\n` in `bytes`. Byte-wide sums over 64-byte blocks let the
/// compiler vectorise (a `usize` counter per byte does not, or badly).
fn count_newlines(bytes: &[u8]) -> u64 {
    let mut blocks = bytes.chunks_exact(64);
    let mut n = 0;
    for block in &mut blocks {
        n += u64::from(block.iter().fold(0u8, |acc, &b| acc + u8::from(b == b'\n')));
    }
    n + blocks.remainder().iter().filter(|&&b| b == b'\n').count() as u64
}

/// 1-based line and byte column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct LineCol {
    line: u64,
    column: u64,
}

/// Line bookkeeping at the start of the current chunk.
#[derive(Debug, Clone, Copy)]
struct Lines {
    /// Offset of the chunk's first byte.
    chunk_start: u64,
    /// Newlines before `chunk_start`, and the offset just after the last one.
    newlines: u64,
    line_start: u64,
}

impl Lines {
    /// Position of the chunk's first byte.
    fn at_start(self) -> LineCol {
        LineCol { line: self.newlines + 1, column: self.chunk_start - self.line_start + 1 }
    }

    /// The bookkeeping after `bytes`, which start at `chunk_start`.
    fn advance(self, bytes: &[u8]) -> Lines {
        let n = count_newlines(bytes);
        let last = if n > 0 { bytes.iter().rposition(|&b| b == b'\n') } else { None };
        Lines {
            chunk_start: self.chunk_start + bytes.len() as u64,
            newlines: self.newlines + n,
            line_start: last.map_or(self.line_start, |i| self.chunk_start + i as u64 + 1),
        }
    }

    /// Position of `offset`, given the chunk's bytes (up to `offset` at least).
    fn locate_in(self, chunk: &[u8], offset: u64) -> Option<LineCol> {
        let upto = usize::try_from(offset.checked_sub(self.chunk_start)?).ok()?;
        Some(self.advance(chunk.get(..upto)?).at_start())
    }
}

/// `BufRead` adapter that can look further ahead than the caller's reader
/// buffers, to find the end of a `<host>` element before parsing it.
///
/// Until [`peek`](Self::peek) is called it hands out the caller's chunks as
/// they are (no copy); `peek` moves the current chunk and the ones after it
/// into its own buffer, which is served first. A read error met while
/// peeking is kept and reported when the bytes before it have been read,
/// where reading without look-ahead would have met it.
struct Window<R> {
    inner: R,
    /// Bytes taken from `inner` and not consumed yet: `buf[start..]`.
    buf: Vec<u8>,
    start: usize,
    ended: bool,
    error: Option<io::Error>,
}

impl<R: BufRead> Window<R> {
    fn new(inner: R) -> Self {
        Self { inner, buf: Vec::new(), start: 0, ended: false, error: None }
    }

    /// Reads ahead until at least `n` bytes are available to `fill_buf` (fewer
    /// at the end of input or on a read error); returns how many there are.
    /// Copies no more than needed: the caller's chunks may be huge (a slice
    /// reader's chunk is the whole input).
    fn peek(&mut self, n: usize) -> usize {
        while self.buf.len() - self.start < n && !self.ended && self.error.is_none() {
            let missing = n - (self.buf.len() - self.start);
            match self.inner.fill_buf() {
                Ok([]) => self.ended = true,
                Ok(chunk) => {
                    if self.start > 0 && self.start >= self.buf.len() / 2 {
                        self.buf.drain(..self.start);
                        self.start = 0;
                    }
                    let part = chunk.get(..missing).unwrap_or(chunk);
                    self.buf.extend_from_slice(part);
                    let len = part.len();
                    self.inner.consume(len);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => self.error = Some(e),
            }
        }
        self.buf.len() - self.start
    }
}

/// `Read::read` for a type whose reading is defined by its `BufRead` side.
fn read_through_buffer(b: &mut impl BufRead, out: &mut [u8]) -> io::Result<usize> {
    let n = {
        let available = b.fill_buf()?;
        let n = available.len().min(out.len());
        if let (Some(dst), Some(src)) = (out.get_mut(..n), available.get(..n)) {
            dst.copy_from_slice(src);
        }
        n
    };
    b.consume(n);
    Ok(n)
}

impl<R: BufRead> Read for Window<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        read_through_buffer(self, out)
    }
}

impl<R: BufRead> BufRead for Window<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.start < self.buf.len() {
            return Ok(self.buf.get(self.start..).unwrap_or_default());
        }
        if let Some(error) = self.error.take() {
            return Err(error);
        }
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        if self.start < self.buf.len() {
            self.start = (self.start + amt).min(self.buf.len());
            if self.start == self.buf.len() {
                self.buf.clear();
                self.start = 0;
            }
        } else {
            self.inner.consume(amt);
        }
    }
}

/// `BufRead` adapter between the caller's reader and quick-xml.
///
/// It keeps the inner reader's current chunk un-consumed until quick-xml has
/// used all of it, so that the bytes of the current chunk stay available to
/// compute a line and column on error; lines are counted once per retired
/// chunk, never per event. It also refuses to feed a single token past
/// `max_token` bytes, which bounds quick-xml's buffer on hostile input.
struct Chunked<R> {
    inner: R,
    /// Bytes of the inner chunk already handed to quick-xml, and its length
    /// (the inner reader keeps the whole chunk until we retire it).
    pos: usize,
    chunk_len: usize,
    lines: Lines,
    token_start: u64,
    /// Position of `token_start`, saved when its chunk is retired.
    token_at: Option<LineCol>,
    /// Line bookkeeping at an offset in the current chunk, so that the
    /// successive host starts of one chunk are located in one pass.
    cursor: Lines,
    max_token: u64,
    over_limit: bool,
}

impl<R: BufRead> Chunked<R> {
    fn consumed(&self) -> u64 {
        self.lines.chunk_start + self.pos as u64
    }

    fn start_token(&mut self) -> Here {
        self.token_start = self.consumed();
        self.token_at = None;
        Here(self.token_start)
    }

    /// Line and column of an offset in the current chunk or of the current
    /// token's start; otherwise of the current chunk's start (a token that
    /// spans chunks and fails in its middle: near enough).
    fn locate(&mut self, offset: u64) -> LineCol {
        let lines = self.lines;
        if offset < lines.chunk_start {
            let saved = self.token_at.filter(|_| offset == self.token_start);
            return saved.unwrap_or_else(|| lines.at_start());
        }
        match self.inner.fill_buf() {
            Ok(chunk) => lines.locate_in(chunk, offset).unwrap_or_else(|| lines.at_start()),
            Err(_) => lines.at_start(),
        }
    }

    /// As [`locate`](Self::locate), for offsets that do not decrease from one
    /// call to the next: counts lines from the previous offset, not from the
    /// chunk's start.
    fn locate_forward(&mut self, offset: u64) -> LineCol {
        let lines = self.lines;
        if offset < lines.chunk_start {
            return self.locate(offset);
        }
        if self.cursor.chunk_start < lines.chunk_start || self.cursor.chunk_start > offset {
            self.cursor = lines;
        }
        let cursor = self.cursor;
        let from = usize::try_from(cursor.chunk_start - lines.chunk_start).ok();
        let to = usize::try_from(offset - lines.chunk_start).ok();
        let bytes = match (self.inner.fill_buf(), from, to) {
            (Ok(chunk), Some(from), Some(to)) => chunk.get(from..to),
            _ => None,
        };
        match bytes {
            Some(bytes) => {
                self.cursor = cursor.advance(bytes);
                self.cursor.at_start()
            }
            None => self.locate(offset),
        }
    }

    /// Counts the lines of the fully used chunk and releases it.
    fn retire_chunk(&mut self) -> io::Result<()> {
        self.retire(self.chunk_len)
    }

    /// Counts the lines of the first `n` bytes of the chunk (all used) and
    /// releases them.
    fn retire(&mut self, n: usize) -> io::Result<()> {
        let lines = self.lines;
        let chunk = self.inner.fill_buf()?;
        let chunk = chunk.get(..n).unwrap_or(chunk);
        let len = chunk.len();
        // One pass over the chunk, split where the current token starts if
        // it starts here (its position must outlive the chunk).
        let token_in_chunk = self.token_start.checked_sub(lines.chunk_start);
        let split = token_in_chunk.and_then(|i| usize::try_from(i).ok()).filter(|&i| i < len);
        self.lines = match split.and_then(|i| chunk.split_at_checked(i)) {
            Some((head, tail)) if self.token_at.is_none() => {
                let at_token = lines.advance(head);
                self.token_at = Some(at_token.at_start());
                at_token.advance(tail)
            }
            _ => lines.advance(chunk),
        };
        self.inner.consume(len);
        self.pos -= len.min(self.pos);
        self.chunk_len -= len.min(self.chunk_len);
        Ok(())
    }
}

impl<R: BufRead> Read for Chunked<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        read_through_buffer(self, out)
    }
}

impl<R: BufRead> BufRead for Chunked<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        let used = self.consumed() - self.token_start;
        if used > self.max_token {
            self.over_limit = true;
            return Err(io::Error::other("token too large"));
        }
        if self.pos >= self.chunk_len {
            if self.chunk_len > 0 {
                self.retire_chunk()?;
            }
            self.chunk_len = self.inner.fill_buf()?.len();
        }
        // Show at most one byte past the cap, so a longer token is caught
        // on the next call whatever the size of the inner buffer.
        let room = usize::try_from(self.max_token - used + 1).unwrap_or(usize::MAX);
        let chunk = self.inner.fill_buf()?;
        let rest = chunk.get(self.pos..self.chunk_len).unwrap_or_default();
        Ok(rest.get(..room).unwrap_or(rest))
    }

    fn consume(&mut self, amt: usize) {
        self.pos += amt;
    }
}

impl<R: BufRead> Chunked<Window<R>> {
    /// Length of the `<host>` body that starts at the current position, up
    /// to its `</host>`, looking at most `cap` bytes ahead; `None` when the
    /// splitter declines or the input ends first.
    fn host_body_len(&mut self, cap: usize) -> Option<usize> {
        let mut scanner = BodyScanner::default();
        loop {
            let chunk = self.inner.fill_buf().ok()?;
            // What `peek` added belongs to the current chunk from now on.
            self.chunk_len = chunk.len();
            // Never more than `cap` bytes (and one to tell), however much is buffered.
            let body = chunk.get(self.pos..)?;
            let body = body.get(..cap.saturating_add(1)).unwrap_or(body);
            match scanner.scan(body) {
                Scan::End(len) => return Some(len).filter(|&len| len <= cap),
                Scan::Decline => return None,
                Scan::More if body.len() > cap => return None,
                Scan::More => {
                    // Release what is behind, so that the look-ahead buffer
                    // holds this host only, not everything since it was
                    // last drained.
                    let have = body.len();
                    self.retire(self.pos).ok()?;
                    let want = (have * 2).max(64 * 1024).min(cap + 1);
                    if self.inner.peek(want) <= have {
                        return None;
                    }
                }
            }
        }
    }

    /// Appends the next `len` bytes of the current chunk to `out` and skips them.
    fn take(&mut self, len: usize, out: &mut Vec<u8>) -> io::Result<()> {
        let chunk = self.inner.fill_buf()?;
        let bytes = chunk.get(self.pos..self.pos + len).ok_or_else(|| io::Error::other("host body not buffered"))?;
        out.extend_from_slice(bytes);
        self.pos += len;
        Ok(())
    }
}

/// Where a stream starts in the file, and the parser state there: lets a
/// worker parse one `<host>` cut out of the file and report the positions
/// and errors a whole-file parse would.
#[derive(Debug, Clone, Copy)]
pub(super) struct Origin {
    offset: u64,
    line: u64,
    column: u64,
    /// Elements open before the first byte.
    depth: usize,
    version: XmlVersion,
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
    reader: Reader<Chunked<Window<R>>>,
    buf: Vec<u8>,
    state: State,
}

impl<R: BufRead> XmlStream<R> {
    /// `max_token`: longest tag or text run accepted; `max_depth`: deepest
    /// element nesting accepted.
    pub(super) fn new(inner: R, max_token: usize, max_depth: usize) -> Self {
        let lines = Lines { chunk_start: 0, newlines: 0, line_start: 0 };
        let chunked = Chunked {
            inner: Window::new(inner),
            pos: 0,
            chunk_len: 0,
            lines,
            token_start: 0,
            token_at: None,
            cursor: lines,
            max_token: max_token as u64,
            over_limit: false,
        };
        Self {
            reader: Reader::from_reader(chunked),
            buf: Vec::with_capacity(8 * 1024),
            state: State { depth: 0, max_depth, version: XmlVersion::default() },
        }
    }

    /// Called right after the start tag of a `<host>` at `at`, whose copy
    /// `<...>` is in `job`: if the splitter finds the matching `</host>`,
    /// appends the body and `</host>` to `job`, skips the body (the next
    /// event is the host's end), and returns where the copy starts.
    /// Otherwise (declined, or longer than [`CUT_CAP`]) nothing is consumed.
    ///
    /// The copy is at most `max_token` bytes long, so that no token in it can
    /// break that limit: [`HostStream`] need not check it.
    pub(super) fn cut_host(&mut self, job: &mut Vec<u8>, at: Here) -> Result<Option<Origin>, NmapError> {
        let (depth, version) = (self.state.depth.saturating_sub(1), self.state.version);
        let src = self.reader.get_mut();
        let max_token = usize::try_from(src.max_token).unwrap_or(usize::MAX);
        let cap = CUT_CAP.min(max_token).saturating_sub(job.len() + "</host>".len());
        let Some(len) = src.host_body_len(cap) else {
            return Ok(None);
        };
        let start = src.locate_forward(at.0);
        job.reserve(len + "</host>".len());
        src.take(len, job)?;
        job.extend_from_slice(b"</host>");
        Ok(Some(Origin { offset: at.0, line: start.line, column: start.column, depth, version }))
    }

    /// Offset of the next byte to read.
    pub(super) fn position(&mut self) -> u64 {
        self.reader.get_mut().consumed()
    }

    /// A start tag rebuilt from a copy of its text between `<` and `>`.
    pub(super) fn rebuilt_tag<'t>(&self, content: &'t str, at: Here) -> Tag<'t> {
        let name_len = content.bytes().position(|b| matches!(b, b' ' | b'\r' | b'\n' | b'\t')).unwrap_or(content.len());
        Tag { start: BytesStart::from_content(content, name_len), empty: false, at, version: self.state.version }
    }
}

/// Where the grammar reads events from: a whole file ([`XmlStream`]) or one
/// host cut out of it ([`HostStream`]).
pub(super) trait Events {
    /// Reads the next event and where it starts.
    fn next(&mut self) -> Result<(Here, Ev<'_>), NmapError>;

    /// Fills in the line and column of a `Malformed` error from its offset;
    /// valid for errors at or after the start of the last event read.
    fn locate(&mut self, error: NmapError) -> NmapError;
}

impl<R: BufRead> Events for XmlStream<R> {
    fn next(&mut self) -> Result<(Here, Ev<'_>), NmapError> {
        // The buffer is reused: memory stays at the size of the largest token.
        self.buf.clear();
        let at = self.reader.get_mut().start_token();
        let qx_start = self.reader.buffer_position();
        match self.reader.read_event_into(&mut self.buf) {
            Ok(event) => Ok((at, convert(event, at, &mut self.state)?)),
            // A free function: `self.buf` stays borrowed on this path.
            Err(e) => Err(map_error(&mut self.reader, e, at, qx_start)),
        }
    }

    fn locate(&mut self, error: NmapError) -> NmapError {
        let src = self.reader.get_mut();
        located(error, |offset| src.locate(offset))
    }
}

/// `error` with its line and column, if it is `Malformed` and has none yet.
fn located(error: NmapError, locate: impl FnOnce(u64) -> LineCol) -> NmapError {
    match error {
        NmapError::Malformed { line: 0, byte_offset, message, .. } => {
            let at = locate(byte_offset);
            NmapError::Malformed { line: at.line, column: at.column, byte_offset, message }
        }
        other => other,
    }
}

/// One `<host>` element cut out of the file ([`XmlStream::cut_host`]), read
/// straight from its bytes with quick-xml's slice reader: no copy into an
/// event buffer, no `BufRead` layers. Positions and errors are those of the
/// whole-file stream at the same place; the element is shorter than the
/// token limit, which therefore cannot be broken.
pub(super) struct HostStream<'a> {
    reader: Reader<&'a [u8]>,
    bytes: &'a [u8],
    origin: Origin,
    state: State,
}

impl<'a> HostStream<'a> {
    pub(super) fn new(bytes: &'a [u8], origin: Origin, max_depth: usize) -> Self {
        Self {
            reader: Reader::from_reader(bytes),
            bytes,
            origin,
            state: State { depth: origin.depth, max_depth, version: origin.version },
        }
    }

    fn line_col(&self, offset: u64) -> LineCol {
        let start = Lines {
            chunk_start: self.origin.offset,
            newlines: self.origin.line.saturating_sub(1),
            line_start: self.origin.offset.saturating_sub(self.origin.column.saturating_sub(1)),
        };
        let upto = usize::try_from(offset.saturating_sub(self.origin.offset)).unwrap_or(usize::MAX);
        start.advance(self.bytes.get(..upto).unwrap_or(self.bytes)).at_start()
    }

    /// As [`map_error`], for this stream.
    fn map_error(&self, e: quick_xml::Error, at: Here) -> NmapError {
        let err_at = self.reader.error_position().saturating_add(self.origin.offset);
        let end = self.origin.offset.saturating_add(self.reader.buffer_position());
        classify(e, at, err_at, end, |offset| self.line_col(offset))
    }
}

impl Events for HostStream<'_> {
    fn next(&mut self) -> Result<(Here, Ev<'_>), NmapError> {
        let at = Here(self.origin.offset.saturating_add(self.reader.buffer_position()));
        match self.reader.read_event() {
            Ok(event) => Ok((at, convert(event, at, &mut self.state)?)),
            Err(e) => Err(self.map_error(e, at)),
        }
    }

    fn locate(&mut self, error: NmapError) -> NmapError {
        located(error, |offset| self.line_col(offset))
    }
}

/// Maps a quick-xml error to ours, with the best position we can give.
fn map_error<R: BufRead>(reader: &mut Reader<Chunked<R>>, e: quick_xml::Error, at: Here, qx_start: u64) -> NmapError {
    // quick-xml's offsets skip a BOM and the host bodies cut out for
    // workers, and start at 0 in a worker; ours are file offsets.
    let shift = at.0.saturating_sub(qx_start);
    let err_at = reader.error_position().saturating_add(shift);
    let src = reader.get_mut();
    if src.over_limit {
        let max = src.max_token;
        return at.malformed(text!(
            "a single tag or text run is longer than {max} bytes (max_host_bytes)",
            "một thẻ hay một đoạn văn bản dài quá {max} byte (max_host_bytes)"
        ));
    }
    let end = src.consumed();
    classify(e, at, err_at, end, |offset| src.locate(offset))
}

/// A quick-xml error as ours: `at` is where the markup being read starts, `err_at` where
/// quick-xml saw the error, `end` how far the input was read (for truncation).
fn classify(e: quick_xml::Error, at: Here, err_at: u64, end: u64, locate: impl FnOnce(u64) -> LineCol) -> NmapError {
    match e {
        quick_xml::Error::Io(io) => {
            NmapError::Io(Arc::try_unwrap(io).unwrap_or_else(|io| io::Error::new(io.kind(), io.to_string())))
        }
        // Every syntax error but this one means "end of input inside markup".
        quick_xml::Error::Syntax(SyntaxError::InvalidBangMarkup) => {
            at.malformed(crate::import::xml::syntax_text(&SyntaxError::InvalidBangMarkup))
        }
        quick_xml::Error::Syntax(s) => {
            let start = locate(at.0);
            let (line, column) = (start.line, start.column);
            let s = crate::import::xml::syntax_text(&s);
            let (en, vi) = (s.en, s.vi);
            Here(end).malformed(text!(
                "file is truncated: {en} (markup starts at line {line}, column {column})",
                "tệp bị cắt cụt: {vi} (thẻ bắt đầu ở dòng {line}, cột {column})"
            ))
        }
        other => Here(err_at.max(at.0)).malformed(text!("not well-formed XML: {other}", "XML sai cấu trúc: {other}")),
    }
}

/// Converts one quick-xml event; a free function so that it can borrow the
/// state while the event borrows the buffer.
fn convert<'b>(event: Event<'b>, at: Here, state: &mut State) -> Result<Ev<'b>, NmapError> {
    Ok(match event {
        Event::Start(start) => {
            state.depth += 1;
            if state.depth > state.max_depth {
                let max = state.max_depth;
                return Err(at.malformed(text!(
                    "elements nested deeper than {max} levels",
                    "các phần tử lồng sâu quá {max} cấp"
                )));
            }
            Ev::Open(Tag { start, empty: false, at, version: state.version })
        }
        Event::Empty(start) => Ev::Open(Tag { start, empty: true, at, version: state.version }),
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
                return Err(at.malformed(text!(
                    "DTD entity declarations are not allowed",
                    "không chấp nhận khai báo thực thể DTD"
                )));
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

/// Decodes `&name;` / `&#n;` in text; anything but the predefined entities
/// and valid character references is an error (we have no DTD to consult).
fn resolve_ref(reference: &BytesRef<'_>, at: Here) -> Result<Cow<'static, str>, NmapError> {
    let name: &str = reference;
    if let Some(text) = crate::import::xml::predefined(name) {
        return Ok(Cow::Borrowed(text));
    }
    match reference.resolve_char_ref() {
        // nmap escapes every newline and tab in text this way: no allocation.
        Ok(Some(c)) if c.is_ascii() => {
            let i = c as usize;
            Ok(Cow::Borrowed(ASCII.get(i..=i).unwrap_or_default()))
        }
        Ok(Some(c)) => Ok(Cow::Owned(c.to_string())),
        Ok(None) => {
            let name = shown(name);
            Err(at.malformed(text!("undefined entity &{name};", "thực thể &{name}; không được định nghĩa")))
        }
        Err(_) => {
            let name = shown(name);
            Err(at.malformed(text!("invalid character reference &{name};", "tham chiếu ký tự &{name}; không hợp lệ")))
        }
    }
}

/// Duplicate attributes are looked for among the first this many.
const DUP_CHECKED: usize = 16;

impl Tag<'_> {
    pub(super) fn name(&self) -> &str {
        self.start.name().0
    }

    /// The tag's text between `<` and `>` (without the `/` of an empty tag).
    pub(super) fn content(&self) -> &str {
        &self.start
    }

    /// Hands each attribute to `f` in one pass (no allocation), refusing more
    /// than `max` attributes and duplicates. Values `f` does not decode are
    /// still checked for undefined entities. Returns the raw size of all
    /// values, what keeping them could cost.
    ///
    /// quick-xml's own duplicate check allocates per element, so we do ours
    /// on the stack.
    pub(super) fn read_attrs(
        &self,
        max: usize,
        mut f: impl FnMut(&Attr<'_, '_>) -> Result<(), NmapError>,
    ) -> Result<usize, NmapError> {
        let mut seen = [""; DUP_CHECKED];
        let (mut count, mut size) = (0, 0);
        let mut iter = self.start.attributes();
        iter.with_checks(false);
        for attr in iter {
            let attr = attr.map_err(|e| self.attr_error(e))?;
            let key = attr.key.0;
            if count >= max {
                let name = shown(self.name());
                return Err(self.at.malformed(text!(
                    "<{name}> has more than {max} attributes",
                    "<{name}> có nhiều hơn {max} thuộc tính"
                )));
            }
            if seen.iter().take(count).any(|k| *k == key) {
                let name = shown(self.name());
                return Err(self.at.malformed(text!(
                    "duplicate attribute {key} on <{name}>",
                    "thuộc tính {key} bị lặp trên <{name}>"
                )));
            }
            if let Some(slot) = seen.get_mut(count) {
                *slot = key;
            }
            count += 1;
            size += attr.value.len();
            let attr = Attr { inner: attr, tag: self, decoded: Cell::new(false) };
            f(&attr)?;
            if !attr.decoded.get() && attr.inner.value.contains('&') {
                attr.decode()?;
            }
        }
        Ok(size)
    }

    /// For elements we skip: still reject undefined entities in attributes.
    pub(super) fn check_refs(&self) -> Result<(), NmapError> {
        if self.start.attributes_raw().contains('&') {
            self.read_attrs(usize::MAX, |_| Ok(()))?;
        }
        Ok(())
    }

    pub(super) fn missing(&self, key: &str) -> NmapError {
        let name = shown(self.name());
        self.at.malformed(text!("missing attribute {key} on <{name}>", "thiếu thuộc tính {key} trên <{name}>"))
    }

    fn attr_error(&self, e: AttrError) -> NmapError {
        let name = shown(self.name());
        self.at.malformed(text!("bad attribute in <{name}>: {e}", "thuộc tính hỏng trong <{name}>: {e}"))
    }
}

/// One attribute of a [`Tag`], decoded on demand.
pub(super) struct Attr<'a, 't> {
    inner: Attribute<'t>,
    tag: &'t Tag<'a>,
    decoded: Cell<bool>,
}

impl Attr<'_, '_> {
    pub(super) fn key(&self) -> &str {
        self.inner.key.0
    }

    fn decode(&self) -> Result<Cow<'_, str>, NmapError> {
        self.decoded.set(true);
        self.inner.normalized_value(self.tag.version).map_err(|e| self.error(e))
    }

    /// The decoded value.
    pub(super) fn string(&self) -> Result<String, NmapError> {
        Ok(self.decode()?.into_owned())
    }

    /// The value as a number; empty is `None`, anything else that does not
    /// parse as `T` is an error.
    pub(super) fn number<T: std::str::FromStr>(&self) -> Result<Option<T>, NmapError> {
        let value = self.decode()?;
        if value.is_empty() {
            return Ok(None);
        }
        value.parse().map(Some).map_err(|_| {
            let (key, value, name) = (shown(self.key()), shown(&value), shown(self.tag.name()));
            self.tag.at.malformed(text!(
                "attribute {key}=\"{value}\" on <{name}> is not a valid number",
                "thuộc tính {key}=\"{value}\" trên <{name}> không phải số hợp lệ"
            ))
        })
    }

    /// The attribute as a time in seconds since 1970 (`start`, `starttime`, `endtime`, `time`):
    /// a number that is no date (past the year 9999) is refused with its position rather than
    /// read as a missing time, which would hide that the file is damaged or forged.
    pub(super) fn unix_time(&self) -> Result<Option<i64>, NmapError> {
        let t: Option<i64> = self.number()?;
        if t.is_some_and(|t| time::OffsetDateTime::from_unix_timestamp(t).is_err()) {
            let (key, t, name) = (shown(self.key()), t.unwrap_or_default(), shown(self.tag.name()));
            return Err(self.tag.at.malformed(text!(
                "attribute {key}=\"{t}\" on <{name}> is not a time (seconds since 1970, up to the year 9999)",
                "thuộc tính {key}=\"{t}\" trên <{name}> không phải thời điểm (số giây từ năm 1970, đến năm 9999)"
            )));
        }
        Ok(t)
    }

    fn error(&self, e: quick_xml::Error) -> NmapError {
        let (key, elem) = (shown(self.key()), shown(self.tag.name()));
        match e {
            quick_xml::Error::Escape(EscapeError::UnrecognizedEntity(_, name)) => {
                let name = shown(&name);
                self.tag.at.malformed(text!(
                    "undefined entity &{name}; in attribute {key} of <{elem}>",
                    "thực thể &{name}; không được định nghĩa trong thuộc tính {key} của <{elem}>"
                ))
            }
            // quick-xml's own words (English) are kept as its detail.
            other => self.tag.at.malformed(text!(
                "{other} in attribute {key} of <{elem}>",
                "{other} trong thuộc tính {key} của <{elem}>"
            )),
        }
    }
}
