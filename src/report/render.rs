//! The one signature every renderer has: a document and the words for it in, bytes out.
//!
//! Each output format is one type here. It renders an agency's [`Report`](super::Report) (its
//! `impl` sits in the format's module: [`super::csv`], [`super::html`], …) and, where the format
//! makes sense for it, the national view (`impl Render<National>` in the matching
//! `crate::aggregate` module). The language comes with the glossary ([`Glossary::lang`]), so no
//! renderer takes it apart.

use super::{Glossary, RenderError};

/// Renders a document `D` in one format.
pub trait Render<D> {
    /// `doc` in this format, with control titles and program text from `g`.
    fn render(&self, doc: &D, g: &Glossary) -> Result<Vec<u8>, RenderError>;
}

/// `--format json`: the document itself, pretty-printed, with a trailing newline.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json;

/// `--format csv`: one row per finding (report) or per agency and total (national view).
#[derive(Debug, Clone, Copy, Default)]
pub struct Csv;

/// `--format html`: one self-contained page, no external asset, no script.
#[derive(Debug, Clone, Copy, Default)]
pub struct Html;

/// `--format junit`: a test suite per system, a test case per required control.
#[derive(Debug, Clone, Copy, Default)]
pub struct Junit;

/// `--format sarif`: SARIF 2.1.0, a result per missing control and asset.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sarif;

/// `--format xlsx`: an Excel workbook.
#[derive(Debug, Clone, Copy, Default)]
pub struct Xlsx;

/// `--format mau08`: the Decree 331 yearly return, as a CSV of Part 3 or the whole form as a
/// workbook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mau08 {
    Csv,
    Xlsx,
}

/// `--format table` (the default): text for a terminal. The national view's table is always the
/// same summary: it reads neither `detail` nor `gate`.
#[derive(Debug, Clone, Copy)]
pub struct Table {
    pub detail: Detail,
    /// Fixed width (tests, pipes); `None` = the terminal's.
    pub width: Option<u16>,
    /// When given, the table ends by saying what the exit code means (`check --fail-on`).
    pub gate: Option<Gate>,
}

/// How much the table shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// Summary rows only.
    Summary,
    /// Summary, plus failing and unknown controls with their reasons (the default).
    Problems,
    /// Every control, including passes and the evidence behind them.
    All,
}

/// Which statuses make `check` exit 1 (`--fail-on`), so the report can say what its exit code means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    /// A required control is fail or unknown.
    FailOrUnknown,
    /// A required control is fail.
    Fail,
    /// Never.
    Never,
}

/// Pretty JSON of any serialisable document, newline-terminated.
pub(crate) fn json<T: serde::Serialize>(doc: &T, what: &'static str) -> Result<Vec<u8>, RenderError> {
    let mut s = serde_json::to_string_pretty(doc).map_err(RenderError::serialise(what))?;
    s.push('\n');
    Ok(s.into_bytes())
}
