//! The dashboard of `tuanthu serve`: server-rendered pages over the same reads as the API
//! ([`Service`]), on the HTML report's look (style sheet, charts, escaping), in English and
//! Vietnamese, usable without JavaScript and printable.
//!
//! Pages: `/` the national view of a period (center only), `/agencies/{id}`, its systems
//! `/agencies/{id}/systems/{system}` and their controls `…/controls/{control}` — the drill-down
//! country → agency → system → control — and `/login`, `/logout`.
//!
//! Access is the API's: a bearer token, or the session cookie `/login` sets after checking a
//! token ([`crate::serve::session`]); a center token sees everything, an agency token only its own
//! agency (`403` page otherwise, before any data is read). Without either a page redirects to
//! `/login` (`303`).
//!
//! Language: `?lang=en|vi`, else the browser's `Accept-Language` (English or Vietnamese, the
//! preferred of the two), else Vietnamese — the service's readers are the ministry's and the
//! agencies' staff. Every link a page writes carries its language.

mod agency;
mod layout;
mod login;
mod national;
mod system;
mod trend;

use super::Service;
use super::records::Role;
use super::session::{self, Sessions};
use crate::i18n::{Lang, Text, tr};
use crate::report::kit::html::page::lang_code;
use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use layout::PageError;
use std::sync::Arc;

pub use login::ServedOverTls;

/// What the dashboard's handlers share: the service and the live sessions.
pub struct Dashboard {
    svc: Arc<Service>,
    sessions: Sessions,
}

type Dash = State<Arc<Dashboard>>;

/// The dashboard's routes, to merge into the service's router.
pub fn router<S: Clone + Send + Sync + 'static>(service: Arc<Service>) -> Router<S> {
    let dash = Arc::new(Dashboard { svc: service, sessions: Sessions::new() });
    Router::new()
        .route("/", get(national_page))
        .route("/login", get(login::form).post(login::submit))
        .route("/logout", get(login::logout).post(login::logout))
        .route("/agencies/{id}", get(agency_page))
        .route("/agencies/{id}/systems/{system}", get(system_page))
        .route("/agencies/{id}/systems/{system}/controls/{control}", get(control_page))
        .with_state(dash)
}

/// The request's query: every member optional, unknown ones ignored.
#[derive(Debug, Default, Clone)]
pub struct PageQuery {
    pub period: Option<String>,
    pub lang: Option<String>,
    pub sort: Option<String>,
    pub dir: Option<String>,
}

impl PageQuery {
    fn parse(query: Option<&str>) -> PageQuery {
        let mut q = PageQuery::default();
        for (k, v) in url::form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
            let slot = match k.as_ref() {
                "period" => &mut q.period,
                "lang" => &mut q.lang,
                "sort" => &mut q.sort,
                "dir" => &mut q.dir,
                _ => continue,
            };
            *slot = Some(v.into_owned());
        }
        q
    }
}

/// One request's context: its language, who is asking, what it asked and where it is.
pub struct Ctx {
    pub lang: Lang,
    pub role: Option<Role>,
    pub query: PageQuery,
    /// The request's path segments, decoded (to rebuild links to this page).
    pub segments: Vec<String>,
}

impl Ctx {
    /// This page in language `l`, with the same period and sorting.
    pub fn here(&self, l: Lang) -> String {
        let segments: Vec<&str> = self.segments.iter().map(String::as_str).collect();
        layout::href(&segments, &self.kept_params(), l)
    }

    fn kept_params(&self) -> Vec<(&str, &str)> {
        let q = &self.query;
        [("period", &q.period), ("sort", &q.sort), ("dir", &q.dir)]
            .into_iter()
            .filter_map(|(k, v)| Some((k, v.as_deref()?)))
            .collect()
    }

    /// The reader's home page: the national view, or their agency's page.
    pub fn home(&self) -> String {
        match &self.role {
            Some(Role::Agency(a)) => layout::href(&["agencies", a], &[], self.lang),
            _ => layout::href(&[], &[], self.lang),
        }
    }

    /// A link to `segments` in this page's language and period (when one was asked for).
    pub fn link(&self, segments: &[&str]) -> String {
        let period: Vec<(&str, &str)> = self.query.period.as_deref().map(|p| ("period", p)).into_iter().collect();
        layout::href(segments, &period, self.lang)
    }
}

/// The language of a request: `?lang=` (an error page when it is neither), else
/// `Accept-Language`, else Vietnamese.
fn language(query: &PageQuery, headers: &HeaderMap) -> Result<Lang, Lang> {
    let preferred = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).and_then(accepted);
    match query.lang.as_deref() {
        Some("en") => Ok(Lang::En),
        Some("vi") => Ok(Lang::Vi),
        Some(_) => Err(preferred.unwrap_or(Lang::Vi)),
        None => Ok(preferred.unwrap_or(Lang::Vi)),
    }
}

/// English or Vietnamese, whichever `Accept-Language` prefers (highest `q`, the first among
/// equals); `None` when it names neither.
fn accepted(header: &str) -> Option<Lang> {
    let mut best: Option<(f32, Lang)> = None;
    for item in header.split(',').take(32) {
        let mut parts = item.split(';');
        let tag = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q =
            parts.find_map(|p| p.trim().strip_prefix("q=").and_then(|q| q.trim().parse::<f32>().ok())).unwrap_or(1.0);
        let lang = match tag.split('-').next() {
            Some("vi") => Lang::Vi,
            Some("en") => Lang::En,
            _ => continue,
        };
        if q > 0.0 && best.is_none_or(|(b, _)| q > b) {
            best = Some((q, lang));
        }
    }
    best.map(|(_, l)| l)
}

/// Which part of the data a page shows: the whole country (center only) or one agency.
enum Scope<'a> {
    Country,
    Agency(&'a str),
}

impl Dashboard {
    /// The request's context once it may see `scope`; otherwise the response: a language error,
    /// the redirect to `/login`, or the `401`/`403` page (before any data is read).
    async fn enter(&self, request: &RequestParts, scope: Scope<'_>) -> Result<Ctx, Response> {
        let query = PageQuery::parse(request.query.as_deref());
        let mut ctx = Ctx { lang: Lang::Vi, role: None, query, segments: request.segments.clone() };
        match language(&ctx.query, &request.headers) {
            Ok(l) => ctx.lang = l,
            Err(l) => {
                ctx.lang = l;
                ctx.query.lang = None;
                let m = Text::new("`lang` is `en` or `vi`.", "`lang` là `en` hoặc `vi`.");
                return Err(PageError::new(StatusCode::BAD_REQUEST, m).page(&ctx));
            }
        }
        let role = match self.role(&request.headers).await {
            Ok(Some(r)) => r,
            Ok(None) => return Err(login::to_login(ctx.lang)),
            Err(e) => return Err(e.page(&ctx)),
        };
        ctx.role = Some(role.clone());
        let refused = match (&role, scope) {
            (Role::Center, _) => None,
            (Role::Agency(a), Scope::Agency(b)) if a == b => None,
            (Role::Agency(_), Scope::Agency(_)) => Some(Text::new(
                "This sign-in shows only its own agency.",
                "Phiên đăng nhập này chỉ xem được cơ quan của mình.",
            )),
            (Role::Agency(_), Scope::Country) => Some(Text::new(
                "The national view is for the national center only.",
                "Số liệu toàn quốc chỉ dành cho trung tâm quốc gia.",
            )),
        };
        if let Some(m) = refused {
            return Err(PageError::new(StatusCode::FORBIDDEN, m).page(&ctx));
        }
        if let Some(p) = &ctx.query.period
            && !crate::aggregate::input::is_year(p)
        {
            let p = crate::sanitize::one_line(p);
            ctx.query.period = None;
            let m = crate::text!("Period `{p}` is not a year (YYYY).", "Kỳ `{p}` không phải là một năm (YYYY).");
            return Err(PageError::new(StatusCode::BAD_REQUEST, m).page(&ctx));
        }
        Ok(ctx)
    }

    /// The role of the request's bearer token or session cookie; `None` without either (or with
    /// a session that ended). A bearer token that is not valid is a `401`.
    async fn role(&self, headers: &HeaderMap) -> Result<Option<Role>, PageError> {
        let bearer = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        if let Some(token) = bearer {
            return match self.svc.authenticate(token).await? {
                Some(r) => Ok(Some(r)),
                None => Err(PageError::new(
                    StatusCode::UNAUTHORIZED,
                    Text::new("The bearer token is not valid.", "Mã truy cập (bearer token) không hợp lệ."),
                )),
            };
        }
        let id = headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(session::from_cookie_header);
        Ok(id.and_then(|id| self.sessions.role(id, std::time::Instant::now())))
    }
}

/// What a page handler needs of its request.
struct RequestParts {
    headers: HeaderMap,
    query: Option<String>,
    segments: Vec<String>,
}

impl RequestParts {
    fn new(request: &Request, segments: &[&str]) -> RequestParts {
        RequestParts {
            headers: request.headers().clone(),
            query: request.uri().query().map(str::to_string),
            segments: segments.iter().map(|s| s.to_string()).collect(),
        }
    }
}

/// The page, or its error page.
fn respond(ctx: &Ctx, page: Result<String, PageError>) -> Response {
    match page {
        Ok(body) => layout::html(StatusCode::OK, body),
        Err(e) => e.page(ctx),
    }
}

async fn national_page(State(d): Dash, request: Request) -> Response {
    let parts = RequestParts::new(&request, &[]);
    let ctx = match d.enter(&parts, Scope::Country).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    respond(&ctx, national::page(&d.svc, &ctx).await)
}

async fn agency_page(State(d): Dash, Path(id): Path<String>, request: Request) -> Response {
    let parts = RequestParts::new(&request, &["agencies", &id]);
    let ctx = match d.enter(&parts, Scope::Agency(&id)).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    respond(&ctx, agency::page(&d.svc, &ctx, &id).await)
}

async fn system_page(State(d): Dash, Path((id, system)): Path<(String, String)>, request: Request) -> Response {
    let parts = RequestParts::new(&request, &["agencies", &id, "systems", &system]);
    let ctx = match d.enter(&parts, Scope::Agency(&id)).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    respond(&ctx, system::page(&d.svc, &ctx, &id, &system).await)
}

async fn control_page(
    State(d): Dash,
    Path((id, system, control)): Path<(String, String, String)>,
    request: Request,
) -> Response {
    let parts = RequestParts::new(&request, &["agencies", &id, "systems", &system, "controls", &control]);
    let ctx = match d.enter(&parts, Scope::Agency(&id)).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    respond(&ctx, system::control_page(&d.svc, &ctx, &id, &system, &control).await)
}

/// `lang` as a query value.
fn lang_param(l: Lang) -> &'static str {
    lang_code(l)
}

/// A `303 See Other` to `location`.
fn see_other(location: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, location.to_string())]).into_response()
}

/// "Level N" in the page's language.
fn level_text(l: Lang, level: u8) -> String {
    format!("{} {level}", tr(l, "Level", "Cấp độ"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_preferred_of_english_and_vietnamese() {
        assert_eq!(accepted("vi-VN,vi;q=0.9,en;q=0.8"), Some(Lang::Vi));
        assert_eq!(accepted("en-US,en;q=0.9,vi;q=0.8"), Some(Lang::En));
        assert_eq!(accepted("fr, vi;q=0.5, en;q=0.7"), Some(Lang::En));
        assert_eq!(accepted("fr, de"), None);
        assert_eq!(accepted("en;q=0, vi;q=0.1"), Some(Lang::Vi));
        assert_eq!(accepted(""), None);
    }

    #[test]
    fn the_query_is_read_leniently() {
        let q = PageQuery::parse(Some("period=2026&sort=approval&dir=desc&lang=en&x=1"));
        assert_eq!(
            (q.period.as_deref(), q.sort.as_deref(), q.dir.as_deref(), q.lang.as_deref()),
            (Some("2026"), Some("approval"), Some("desc"), Some("en"))
        );
        assert!(PageQuery::parse(Some("%zz=&&=")).period.is_none());
    }
}
