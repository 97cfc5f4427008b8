//! The page shell shared by the report and the national view: a markup writer that escapes every
//! string it is given, the document skeleton with its inline style sheet, and small widgets
//! (metadata lists, headline figures, notices, plain tables).
//!
//! Markup is polyglot: it parses as HTML5 and as well-formed XML (every element closed or written
//! `<void/>`, every attribute quoted, only the five XML entities), so tests read it back with an
//! XML parser. Tag and attribute names are `&'static str`; everything else — text and attribute
//! values — goes through [`esc`], so scanned data cannot open a tag or an attribute.

use crate::i18n::Lang;
use std::fmt::{self, Display, Write};

/// An attribute: its name and its value (escaped when written).
pub type Attr<'a> = (&'static str, &'a dyn Display);

/// The XHTML namespace, so the page is also valid when served as XML.
const XHTML_NS: &str = "http://www.w3.org/1999/xhtml";

/// HTML elements that have no content and are written `<tag/>`.
const VOID: [&str; 5] = ["meta", "br", "col", "hr", "input"];

/// Elements after whose end tag a line break keeps the source readable.
const BLOCKS: [&str; 22] = [
    "html", "head", "body", "main", "header", "footer", "section", "div", "p", "h1", "h2", "h3", "ul", "li", "dl",
    "table", "thead", "tbody", "tr", "figure", "svg", "style",
];

/// Status colours: (status class, background, text colour). The style sheet and the charts both
/// read them, so a status has one colour everywhere.
pub const PASS: (&str, &str, &str) = ("pass", "#2e7d32", "#ffffff");
pub const FAIL: (&str, &str, &str) = ("fail", "#c62828", "#ffffff");
pub const UNKNOWN: (&str, &str, &str) = ("unknown", "#f9a825", "#000000");
pub const WAIVED: (&str, &str, &str) = ("waived", "#6a1b9a", "#ffffff");
pub const NOT_APPLICABLE: (&str, &str, &str) = ("not_applicable", "#757575", "#ffffff");
const STATUSES: [(&str, &str, &str); 5] = [PASS, FAIL, UNKNOWN, WAIVED, NOT_APPLICABLE];

/// Series colours of the charts that are not statuses.
pub const BLUE_GREY: &str = "#90a4ae";
pub const BLUE: &str = "#1565c0";
pub const TEAL: &str = "#00897b";
pub const GREEN: &str = PASS.1;
pub const ORANGE: &str = "#e65100";

/// Escapes text for HTML and XML alike (see [`crate::sanitize::markup`]).
pub use crate::sanitize::markup as esc;

/// A coordinate or length, written with at most one decimal and no locale: `12`, `12.5`.
#[derive(Debug, Clone, Copy)]
pub struct Px(pub f64);

impl Display for Px {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // -0.0 == 0.0: normalise it so that no "-0" appears.
        let v = if self.0 == 0.0 || !self.0.is_finite() { 0.0 } else { self.0 };
        let s = format!("{v:.1}");
        f.write_str(s.strip_suffix(".0").unwrap_or(&s))
    }
}

/// Writes markup. Elements are closed in the order they were opened ([`Html::close`] pops the
/// innermost), so the output is balanced by construction.
#[derive(Debug, Default)]
pub struct Html {
    buf: String,
    open: Vec<&'static str>,
}

impl Html {
    pub fn new() -> Html {
        Html::default()
    }

    fn start_tag(&mut self, tag: &'static str, attrs: &[Attr<'_>]) {
        self.buf.push('<');
        self.buf.push_str(tag);
        for (name, value) in attrs {
            let value = value.to_string();
            // An empty class is the same as none: leave it out.
            if *name == "class" && value.is_empty() {
                continue;
            }
            let _ = write!(self.buf, " {name}=\"{}\"", esc(&value));
        }
    }

    /// Opens `<tag …>`; close it with [`Html::close`].
    pub fn open(&mut self, tag: &'static str, attrs: &[Attr<'_>]) -> &mut Html {
        self.start_tag(tag, attrs);
        self.buf.push('>');
        self.open.push(tag);
        self
    }

    /// Closes the innermost open element.
    pub fn close(&mut self) -> &mut Html {
        debug_assert!(!self.open.is_empty(), "close() without an open element");
        if let Some(tag) = self.open.pop() {
            let _ = write!(self.buf, "</{tag}>");
            if BLOCKS.contains(&tag) {
                self.buf.push('\n');
            }
        }
        self
    }

    /// `<tag …>` + whatever `body` writes + `</tag>`.
    pub fn el(&mut self, tag: &'static str, attrs: &[Attr<'_>], body: impl FnOnce(&mut Html)) -> &mut Html {
        self.open(tag, attrs);
        body(self);
        self.close()
    }

    /// `<tag …>text</tag>`.
    pub fn leaf(&mut self, tag: &'static str, attrs: &[Attr<'_>], text: &str) -> &mut Html {
        self.open(tag, attrs).text(text).close()
    }

    /// `<tag …/>`: an HTML void element, or an element inside `<svg>` (where XML rules apply).
    pub fn void(&mut self, tag: &'static str, attrs: &[Attr<'_>]) -> &mut Html {
        debug_assert!(VOID.contains(&tag) || self.open.contains(&"svg"), "<{tag}/> is not a void element");
        self.start_tag(tag, attrs);
        self.buf.push_str("/>");
        self
    }

    /// Escaped text.
    pub fn text(&mut self, s: &str) -> &mut Html {
        self.buf.push_str(&esc(s));
        self
    }

    /// Markup written by the program itself (the doctype, the style sheet): never data.
    fn raw(&mut self, markup: &str) -> &mut Html {
        self.buf.push_str(markup);
        self
    }

    /// The markup, with any element left open closed.
    pub fn finish(mut self) -> String {
        debug_assert!(self.open.is_empty(), "unclosed elements: {:?}", self.open);
        while !self.open.is_empty() {
            self.close();
        }
        self.buf
    }
}

pub fn lang_code(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "en",
        Lang::Vi => "vi",
    }
}

/// A whole document: doctype, head (charset, viewport, title, style sheet) and a `<main>` that
/// `body` fills.
pub fn document(lang: Lang, title: &str, body: impl FnOnce(&mut Html)) -> String {
    document_with(lang, title, "", body)
}

/// [`document`] with `extra_css` (program text, never data: it must contain no `<` or `&`)
/// after the shared style sheet: the service's dashboard adds its navigation this way.
pub fn document_with(lang: Lang, title: &str, extra_css: &str, body: impl FnOnce(&mut Html)) -> String {
    debug_assert!(!extra_css.contains(['<', '&']), "the extra style sheet must stay XML text");
    let mut h = Html::new();
    h.raw("<!DOCTYPE html>\n");
    h.el("html", &[("xmlns", &XHTML_NS), ("lang", &lang_code(lang)), ("xml:lang", &lang_code(lang))], |h| {
        h.el("head", &[], |h| {
            h.void("meta", &[("charset", &"utf-8")]);
            h.void("meta", &[("name", &"viewport"), ("content", &"width=device-width, initial-scale=1")]);
            h.void("meta", &[("name", &"generator"), ("content", &concat!("tuanthu ", env!("CARGO_PKG_VERSION")))]);
            h.leaf("title", &[], title);
            h.open("style", &[]).raw(&style_sheet()).raw(extra_css).close();
        });
        h.el("body", &[], |h| {
            h.el("main", &[], body);
        });
    });
    h.finish()
}

/// The style sheet: screen and print (A4, colours kept, tables never clipped). It contains no
/// `<` or `&`, so it stays well-formed XML without a CDATA section.
pub fn style_sheet() -> String {
    let mut css = String::from(CSS);
    for (class, background, ink) in STATUSES {
        let _ = writeln!(css, ".st-{class} {{ background: {background}; color: {ink}; border-color: {background}; }}");
        let _ = writeln!(css, "tr.row-{class} > td:first-child {{ border-left: 5px solid {background}; }}");
        let _ = writeln!(css, "li.o-{class} > .outcome {{ color: {background}; }}");
    }
    css
}

const CSS: &str = "
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0; background: #ffffff; color: #1a1a1a; font-size: 14px; line-height: 1.4;
  font-family: \"DejaVu Sans\", \"Noto Sans\", \"Segoe UI\", Roboto, Arial, sans-serif; }
main { max-width: 1200px; margin: 0 auto; padding: 16px 24px 48px; }
h1 { font-size: 1.6em; margin: 0.2em 0 0.4em; }
h2 { font-size: 1.3em; margin: 1.6em 0 0.5em; padding-bottom: 0.2em; border-bottom: 2px solid #37474f; }
h3 { font-size: 1.05em; margin: 1.2em 0 0.4em; }
code { font-family: \"DejaVu Sans Mono\", Menlo, Consolas, monospace; font-size: 0.92em; overflow-wrap: anywhere; }
header.doc { border-bottom: 4px solid #1565c0; margin-bottom: 1em; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0.5em 0; }
dl.meta dt { font-weight: bold; color: #37474f; }
dl.meta dd { margin: 0; overflow-wrap: anywhere; }
.figures { display: flex; flex-wrap: wrap; gap: 10px; margin: 0.8em 0; }
.figure { flex: 1 1 160px; min-width: 160px; padding: 8px 12px; border: 1px solid #cfd8dc;
  border-top: 4px solid #1565c0; break-inside: avoid; }
.figure .value { display: block; font-size: 1.6em; font-weight: bold; }
.figure .label { display: block; color: #37474f; }
.figure .note { display: block; font-size: 0.85em; color: #455a64; }
.figure.good { border-top-color: #2e7d32; }
.figure.bad { border-top-color: #c62828; }
.figure.warn { border-top-color: #f9a825; background: #fff8e1; }
.notice { margin: 0.8em 0; padding: 8px 12px; border: 2px solid #f9a825; background: #fff8e1; font-weight: bold; }
.notice.alarm { border-color: #c62828; background: #ffebee; }
ul.headlines { font-size: 1.1em; padding-left: 1.2em; }
ul.legend { list-style: none; padding: 0; margin: 0.5em 0; }
ul.legend li { margin: 0.2em 0; }
figure.chart { margin: 1em 0; break-inside: avoid; }
figure.chart figcaption { font-weight: bold; margin-bottom: 0.3em; }
figure.chart svg { display: block; width: 100%; max-width: 760px; height: auto; }
table { width: 100%; margin: 0.5em 0 1em; border-collapse: collapse; }
caption { text-align: left; font-weight: bold; padding: 0.2em 0; }
th, td { padding: 4px 6px; border: 1px solid #b0bec5; text-align: left; vertical-align: top; }
th { overflow-wrap: normal; }
td { overflow-wrap: anywhere; }
.nowrap { white-space: nowrap; }
table.compact { width: auto; min-width: 50%; }
thead { display: table-header-group; }
thead th { background: #eceff1; }
tr { break-inside: avoid; }
td.num, th.num { text-align: right; }
td.num { white-space: nowrap; }
th.c-id { width: 8em; }
th.c-status { width: 8em; }
th.c-req { width: 30%; }
.badge { display: inline-block; padding: 1px 6px; border: 1px solid transparent; border-radius: 3px;
  font-weight: bold; font-size: 0.9em; white-space: nowrap; }
ul.findings { margin: 0; padding-left: 1.1em; }
ul.findings li { margin: 0 0 0.35em; }
.outcome { font-size: 0.8em; font-weight: bold; text-transform: uppercase; }
li.o-info > .outcome { color: #546e7a; }
.muted { color: #546e7a; font-size: 0.9em; }
.clause { display: block; color: #455a64; font-size: 0.85em; }
.fix { margin: 0.3em 0 0; padding-left: 6px; border-left: 3px solid #90a4ae; font-size: 0.9em; }
.waiver { margin: 0.3em 0 0; padding-left: 6px; border-left: 3px solid #6a1b9a; font-size: 0.9em; }
.flag { font-weight: bold; color: #b71c1c; }
tr.flagged > td { background: #ffebee; }
.mark { font-weight: bold; color: #6a1b9a; }
section.system { margin-top: 2.5em; }
footer.doc { margin-top: 3em; padding-top: 0.5em; border-top: 1px solid #b0bec5; color: #546e7a; font-size: 0.9em; }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { font-size: 9pt; }
  main { max-width: none; padding: 0; }
  section.system { break-before: page; }
  h1, h2, h3, caption, figcaption { break-after: avoid; }
  figure.chart svg { max-width: 100%; }
  a { color: inherit; text-decoration: none; }
}
";

/// A `<dl>` of label → value rows; rows whose value is empty are left out.
pub fn meta_list(h: &mut Html, rows: &[(&str, String)]) {
    h.el("dl", &[("class", &"meta")], |h| {
        for (label, value) in rows.iter().filter(|(_, v)| !v.is_empty()) {
            h.leaf("dt", &[], label);
            h.leaf("dd", &[], value);
        }
    });
}

/// One headline figure: a big value, its label and an optional note.
pub struct Figure {
    pub label: String,
    pub value: String,
    pub note: String,
    /// `good`, `bad`, `warn` or empty.
    pub tone: &'static str,
}

impl Figure {
    pub fn new(label: &str, value: String) -> Figure {
        Figure { label: label.to_string(), value, note: String::new(), tone: "" }
    }

    pub fn note(mut self, note: String) -> Figure {
        self.note = note;
        self
    }

    pub fn tone(mut self, tone: &'static str) -> Figure {
        self.tone = tone;
        self
    }
}

pub fn figures(h: &mut Html, items: &[Figure]) {
    h.el("div", &[("class", &"figures")], |h| {
        for f in items {
            let class = if f.tone.is_empty() { "figure".to_string() } else { format!("figure {}", f.tone) };
            h.el("div", &[("class", &class)], |h| {
                h.leaf("span", &[("class", &"value")], &f.value);
                h.leaf("span", &[("class", &"label")], &f.label);
                if !f.note.is_empty() {
                    h.leaf("span", &[("class", &"note")], &f.note);
                }
            });
        }
    });
}

/// A highlighted paragraph: `warn` (amber) or `alarm` (red).
pub fn notice(h: &mut Html, tone: &'static str, text: &str) {
    h.leaf("p", &[("class", &format!("notice {tone}"))], text);
}

/// A column of a [`text_table`]: its heading and whether it holds numbers (right-aligned).
#[derive(Debug, Clone, Copy)]
pub struct Column<'a> {
    pub title: &'a str,
    pub numeric: bool,
}

pub fn col(title: &str) -> Column<'_> {
    Column { title, numeric: false }
}

pub fn num(title: &str) -> Column<'_> {
    Column { title, numeric: true }
}

/// A row of a [`text_table`]; `class` marks it (`flagged`: a row that needs attention).
pub struct Row {
    pub cells: Vec<String>,
    pub class: &'static str,
}

impl From<Vec<String>> for Row {
    fn from(cells: Vec<String>) -> Row {
        Row { cells, class: "" }
    }
}

/// A table of plain text cells.
///
/// It is only as wide as its content needs (up to the page's width, then cells wrap).
pub fn text_table(h: &mut Html, caption: &str, columns: &[Column<'_>], rows: impl IntoIterator<Item = Row>) {
    h.el("table", &[("class", &"compact")], |h| {
        if !caption.is_empty() {
            h.leaf("caption", &[], caption);
        }
        h.el("thead", &[], |h| {
            h.el("tr", &[], |h| {
                for c in columns {
                    let class = if c.numeric { "num" } else { "" };
                    h.leaf("th", &[("class", &class), ("scope", &"col")], c.title);
                }
            });
        });
        h.el("tbody", &[], |h| {
            for row in rows {
                h.el("tr", &[("class", &row.class)], |h| {
                    for (i, cell) in row.cells.iter().enumerate() {
                        let class = if columns.get(i).is_some_and(|c| c.numeric) { "num" } else { "" };
                        h.leaf("td", &[("class", &class)], cell);
                    }
                });
            }
        });
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_attributes_are_escaped_after_control_characters_are_replaced() {
        assert_eq!(
            esc("<script>alert('x' & \"y\")</script>"),
            "&lt;script&gt;alert(&#39;x&#39; &amp; &quot;y&quot;)&lt;/script&gt;"
        );
        let e = esc("a\u{1b}[2J\u{9b}b\u{202e}c\u{FFFF}");
        assert!(!e.chars().any(|c| c.is_control() && c != '\n' && c != '\t'), "{e:?}");
        assert!(!e.contains(['\u{202e}', '\u{FFFF}']), "{e:?}");
        let mut h = Html::new();
        h.leaf("p", &[("title", &"\"><img src=x>")], "<b>");
        assert_eq!(h.finish(), "<p title=\"&quot;&gt;&lt;img src=x&gt;\">&lt;b&gt;</p>\n");
    }

    #[test]
    fn elements_close_in_order() {
        let mut h = Html::new();
        h.open("div", &[]).open("span", &[]).text("x");
        h.close().close();
        assert_eq!(h.finish(), "<div><span>x</span></div>\n");
    }

    #[test]
    fn numbers_have_no_locale_and_no_negative_zero() {
        assert_eq!(Px(12.0).to_string(), "12");
        assert_eq!(Px(12.345).to_string(), "12.3");
        assert_eq!(Px(-0.0).to_string(), "0");
        assert_eq!(Px(f64::NAN).to_string(), "0");
        assert_eq!(Px(1234567.0).to_string(), "1234567");
    }

    #[test]
    fn the_style_sheet_is_xml_text_and_loads_nothing() {
        let css = style_sheet();
        assert!(!css.contains(['<', '&']));
        assert!(!css.contains("@import") && !css.contains("url("));
        assert!(css.contains("@media print") && css.contains("size: A4"));
    }
}
