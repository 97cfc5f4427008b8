//! The dashboard's page shell over the HTML report's ([`crate::report::kit::html::page`]): the same
//! document, style sheet and escaping writer, plus what a served page needs — navigation
//! (breadcrumbs, language switch, log out; hidden when printed), links whose every path segment
//! is percent-encoded, tables whose cells and headings may be links, and error pages.

use super::Ctx;
use crate::i18n::{Lang, Text, tr};
use crate::report::kit::html::page::{self, Html};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Added to the report's style sheet: navigation, links in tables, the period selector. No `<`
/// or `&` (it stays XML text).
const CSS: &str = "
nav.top { display: flex; flex-wrap: wrap; gap: 6px 18px; align-items: center; padding: 6px 0;
  border-bottom: 1px solid #cfd8dc; font-size: 0.95em; }
nav.top .crumbs a, nav.top .crumbs span { margin-right: 4px; }
nav.top .who { margin-left: auto; color: #455a64; }
nav.top form { display: inline; margin: 0; }
nav.top button { font: inherit; padding: 1px 8px; }
ul.periods { list-style: none; padding: 0; margin: 0.4em 0; display: flex; flex-wrap: wrap; gap: 4px 12px; }
ul.periods .current { font-weight: bold; }
th a { color: inherit; }
th a.sorted { text-decoration: underline double; }
a { color: #0d47a1; }
form.login { max-width: 32em; display: grid; gap: 8px; margin: 1em 0; }
form.login input { font: inherit; padding: 4px 6px; }
form.login button { font: inherit; padding: 4px 10px; justify-self: start; }
@media print {
  nav.top, form.logout, .screen-only { display: none; }
}
";

/// Percent-encodes one path segment: everything but unreserved characters, so an id holding
/// `/`, `?`, `#`, `..` or spaces stays one segment and means itself.
pub fn segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    // `.` and `..` alone would be folded away by a browser.
    match out.as_str() {
        "." => "%2E".into(),
        ".." => "%2E%2E".into(),
        _ => out,
    }
}

/// A link to `segments` (each encoded) with the query `params` and the page's language.
pub fn href(segments: &[&str], params: &[(&str, &str)], lang: Lang) -> String {
    let path: Vec<String> = segments.iter().map(|s| segment(s)).collect();
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in params {
        q.append_pair(k, v);
    }
    q.append_pair("lang", page::lang_code(lang));
    format!("/{}?{}", path.join("/"), q.finish())
}

/// A breadcrumb: its text and, unless it is the current page, its link.
pub struct Crumb {
    pub text: String,
    pub href: Option<String>,
}

/// A whole dashboard page: navigation, then `body`, then the report's footer.
pub fn shell(ctx: &Ctx, title: &str, crumbs: &[Crumb], body: impl FnOnce(&mut Html)) -> String {
    let l = ctx.lang;
    page::document_with(l, title, CSS, |h| {
        nav(h, ctx, crumbs);
        body(h);
        crate::report::kit::html::footer(h, env!("CARGO_PKG_VERSION"), &crate::dates::now(), l);
    })
}

fn nav(h: &mut Html, ctx: &Ctx, crumbs: &[Crumb]) {
    let l = ctx.lang;
    h.el("nav", &[("class", &"top")], |h| {
        h.el("span", &[("class", &"crumbs")], |h| {
            for (i, c) in crumbs.iter().enumerate() {
                if i > 0 {
                    h.text("› ");
                }
                match &c.href {
                    Some(link) => h.leaf("a", &[("href", link)], &c.text),
                    None => h.leaf("span", &[("aria-current", &"page")], &c.text),
                };
            }
        });
        let other = match l {
            Lang::En => Lang::Vi,
            Lang::Vi => Lang::En,
        };
        h.leaf(
            "a",
            &[("href", &ctx.here(other)), ("hreflang", &page::lang_code(other))],
            tr(l, "Tiếng Việt", "English"),
        );
        if let Some(role) = &ctx.role {
            let who = match role {
                super::Role::Center => tr(l, "national center", "trung tâm quốc gia").to_string(),
                super::Role::Agency(a) => format!("{} {a}", tr(l, "agency", "cơ quan")),
            };
            h.leaf("span", &[("class", &"who")], &format!("{} {who}", tr(l, "Signed in:", "Đăng nhập:")));
            h.el("form", &[("class", &"logout"), ("method", &"post"), ("action", &"/logout")], |h| {
                h.leaf("button", &[("type", &"submit")], tr(l, "Log out", "Đăng xuất"));
            });
        }
    });
}

/// The `<header>` of a page: its title and metadata.
pub fn header(h: &mut Html, title: &str, meta: &[(&str, String)]) {
    h.el("header", &[("class", &"doc")], |h| {
        h.leaf("h1", &[], title);
        page::meta_list(h, meta);
    });
}

/// The period selector: a link per period, the current one marked.
pub fn periods(h: &mut Html, l: Lang, periods: &[String], current: &str, link: impl Fn(&str) -> String) {
    if periods.is_empty() {
        return;
    }
    h.el("ul", &[("class", &"periods")], |h| {
        h.leaf("li", &[], tr(l, "Periods:", "Các kỳ:"));
        for p in periods {
            h.el("li", &[], |h| {
                if p == current {
                    h.leaf("span", &[("class", &"current"), ("aria-current", &"page")], p);
                } else {
                    h.leaf("a", &[("href", &link(p))], p);
                }
            });
        }
    });
}

/// A table cell: text, or text linking somewhere.
pub enum Cell {
    Text(String),
    Link(String, String),
}

/// A column heading; `href` makes it a (sorting) link, `sorted` marks the current sort.
pub struct Heading {
    pub title: String,
    pub numeric: bool,
    pub href: Option<String>,
    pub sorted: bool,
}

impl Heading {
    pub fn text(title: &str, numeric: bool) -> Heading {
        Heading { title: title.to_string(), numeric, href: None, sorted: false }
    }
}

pub struct Row {
    pub cells: Vec<Cell>,
    /// `flagged`: a row that needs attention (red background).
    pub class: &'static str,
}

/// A table whose cells and headings may be links (every string escaped by [`Html`]).
pub fn table(h: &mut Html, caption: &str, headings: &[Heading], rows: &[Row]) {
    h.el("table", &[], |h| {
        if !caption.is_empty() {
            h.leaf("caption", &[], caption);
        }
        h.el("thead", &[], |h| {
            h.el("tr", &[], |h| {
                for c in headings {
                    let class = if c.numeric { "num" } else { "" };
                    h.el("th", &[("class", &class), ("scope", &"col")], |h| match &c.href {
                        Some(link) => {
                            let class = if c.sorted { "sorted" } else { "" };
                            h.leaf("a", &[("href", link), ("class", &class)], &c.title);
                        }
                        None => {
                            h.text(&c.title);
                        }
                    });
                }
            });
        });
        h.el("tbody", &[], |h| {
            for row in rows {
                h.el("tr", &[("class", &row.class)], |h| {
                    for (i, cell) in row.cells.iter().enumerate() {
                        let class = if headings.get(i).is_some_and(|c| c.numeric) { "num" } else { "" };
                        h.el("td", &[("class", &class)], |h| match cell {
                            Cell::Text(t) => {
                                h.text(t);
                            }
                            Cell::Link(t, link) => {
                                h.leaf("a", &[("href", link)], t);
                            }
                        });
                    }
                });
            }
        });
    });
}

/// An HTML response with the headers every page carries: no caching of figures that need a token,
/// and a content security policy that runs no script and loads nothing from elsewhere (a second
/// wall behind the escaping).
pub fn html(status: StatusCode, body: String) -> Response {
    let mut r = (status, body).into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    r
}

/// A page that could not be shown: its status and what to tell the reader.
#[derive(Debug)]
pub struct PageError {
    pub status: StatusCode,
    pub message: Text,
}

impl PageError {
    pub fn new(status: StatusCode, message: Text) -> PageError {
        PageError { status, message }
    }

    pub fn not_found(message: Text) -> PageError {
        PageError::new(StatusCode::NOT_FOUND, message)
    }

    /// The error page, in `ctx`'s language.
    pub fn page(&self, ctx: &Ctx) -> Response {
        let l = ctx.lang;
        let title = match self.status {
            StatusCode::NOT_FOUND => tr(l, "Not found", "Không tìm thấy"),
            StatusCode::FORBIDDEN => tr(l, "Not allowed", "Không được phép"),
            StatusCode::UNAUTHORIZED => tr(l, "Sign-in needed", "Cần đăng nhập"),
            StatusCode::BAD_REQUEST => tr(l, "Bad request", "Yêu cầu không hợp lệ"),
            s if s.is_server_error() => tr(l, "Service unavailable", "Dịch vụ tạm thời không khả dụng"),
            _ => tr(l, "Error", "Lỗi"),
        };
        let home = Crumb { text: tr(l, "Home", "Trang chủ").into(), href: Some(ctx.home()) };
        let body = shell(ctx, title, &[home], |h| {
            h.el("header", &[("class", &"doc")], |h| {
                h.leaf("h1", &[], &format!("{} ({})", title, self.status.as_u16()));
            });
            h.leaf("p", &[("class", &"error")], self.message.get(l));
        });
        html(self.status, body)
    }
}

impl From<crate::serve::StoreError> for PageError {
    fn from(e: crate::serve::StoreError) -> PageError {
        crate::serve::log("error", serde_json::json!({"event": "store_error", "message": e.to_string()}));
        PageError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            crate::text!(
                "The database is unavailable; retry later.",
                "Cơ sở dữ liệu tạm thời không truy cập được; hãy thử lại sau."
            ),
        )
    }
}

/// A read's error: `not_found` says, in both languages, what was not there.
pub fn read_error(e: crate::serve::service::ReadError, not_found: impl FnOnce() -> Text) -> PageError {
    use crate::serve::service::ReadError;
    match e {
        ReadError::NotFound(_) => PageError::not_found(not_found()),
        ReadError::BadRequest(m) => {
            let m = crate::sanitize::one_line(&m);
            PageError::new(StatusCode::BAD_REQUEST, Text::new(m.clone(), m))
        }
        ReadError::Store(s) => s.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hostile_id_stays_one_segment() {
        assert_eq!(segment("so-1.x_y~"), "so-1.x_y~");
        assert_eq!(segment("a/b?c#d e"), "a%2Fb%3Fc%23d%20e");
        assert_eq!(segment(".."), "%2E%2E");
        assert_eq!(segment("<\"'>"), "%3C%22%27%3E");
        assert_eq!(segment("Sở"), "S%E1%BB%9F");
        assert_eq!(href(&["agencies", "a/b"], &[("period", "2026")], Lang::Vi), "/agencies/a%2Fb?period=2026&lang=vi");
    }
}
