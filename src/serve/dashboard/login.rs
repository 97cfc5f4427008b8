//! `/login` and `/logout`. The form posts a read token; a valid one starts a session (an opaque
//! random id in an `HttpOnly; SameSite=Strict; Path=/` cookie, `Secure` over TLS — see
//! [`crate::serve::session`]) and redirects to the national view (center) or the agency's page.
//!
//! Cross-site forgery: the cookie is `SameSite=Strict`, and a `POST` whose `Origin` is present but
//! is not this host is refused (`403`). The token is never logged (the access log has the path
//! only) and never stored.

use super::layout::{self, Crumb, PageError};
use super::{Ctx, Dash, PageQuery, see_other};
use crate::i18n::{Lang, Text, tr};
use crate::serve::session;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;

/// Marks a request that arrived over TLS (a TLS acceptor inserts it as a request extension): the
/// session cookie is then `Secure`. Behind a reverse proxy, `X-Forwarded-Proto: https` does the
/// same (it can only make the cookie stricter).
#[derive(Debug, Clone, Copy)]
pub struct ServedOverTls;

/// Longest login body: a token is 46 characters; a form with it fits easily.
const MAX_BODY: usize = 4096;

fn secure(request: &Request) -> bool {
    request.extensions().get::<ServedOverTls>().is_some()
        || request
            .headers()
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"))
}

/// The redirect of an unauthenticated page request.
pub fn to_login(l: Lang) -> Response {
    see_other(&layout::href(&["login"], &[], l))
}

fn ctx_of(request: &Request) -> Ctx {
    let query = PageQuery::parse(request.uri().query());
    let lang = super::language(&query, request.headers()).unwrap_or_else(|l| l);
    Ctx { lang, role: None, query: PageQuery::default(), segments: vec!["login".into()] }
}

/// The login page, with an optional error above the form.
fn page(ctx: &Ctx, status: StatusCode, error: Option<&Text>) -> Response {
    let l = ctx.lang;
    let title = tr(l, "Sign in — national monitoring service", "Đăng nhập — hệ thống giám sát quốc gia");
    let body = layout::shell(
        ctx,
        title,
        &[Crumb { text: tr(l, "Sign in", "Đăng nhập").into(), href: None }],
        |h| {
            layout::header(h, title, &[]);
            h.leaf(
            "p",
            &[],
            tr(
                l,
                "Enter the read token the national center gave you. A center token shows the whole country; an agency token shows that agency only.",
                "Nhập mã truy cập (token) do trung tâm quốc gia cấp. Mã của trung tâm xem được toàn quốc; mã của cơ quan chỉ xem được cơ quan đó.",
            ),
        );
            if let Some(e) = error {
                crate::report::kit::html::page::notice(h, "alarm", e.get(l));
            }
            h.el("form", &[("class", &"login"), ("method", &"post"), ("action", &"/login")], |h| {
                h.leaf("label", &[("for", &"token")], tr(l, "Read token", "Mã truy cập"));
                h.void(
                    "input",
                    &[
                        ("id", &"token"),
                        ("name", &"token"),
                        ("type", &"password"),
                        ("autocomplete", &"off"),
                        ("required", &"required"),
                    ],
                );
                h.void("input", &[("type", &"hidden"), ("name", &"lang"), ("value", &super::lang_param(l))]);
                h.leaf("button", &[("type", &"submit")], tr(l, "Sign in", "Đăng nhập"));
            });
        },
    );
    layout::html(status, body)
}

pub async fn form(request: Request) -> Response {
    page(&ctx_of(&request), StatusCode::OK, None)
}

/// Whether `Origin`, when present, is this host (same scheme-less authority as `Host`).
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else { return true };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let authority = origin.to_str().ok().and_then(|o| o.strip_prefix("http://").or_else(|| o.strip_prefix("https://")));
    matches!((authority, host), (Some(a), Some(h)) if a.eq_ignore_ascii_case(h))
}

pub async fn submit(State(d): Dash, request: Request) -> Response {
    let mut ctx = ctx_of(&request);
    if !same_origin(request.headers()) {
        let m =
            Text::new("This form can only be sent from this site.", "Biểu mẫu này chỉ được gửi từ chính trang này.");
        return PageError::new(StatusCode::FORBIDDEN, m).page(&ctx);
    }
    let secure = secure(&request);
    let Ok(body) = axum::body::to_bytes(request.into_body(), MAX_BODY).await else {
        let m = crate::text!("The form is larger than {MAX_BODY} bytes.", "Biểu mẫu lớn hơn {MAX_BODY} byte.");
        return PageError::new(StatusCode::PAYLOAD_TOO_LARGE, m).page(&ctx);
    };
    let mut token = String::new();
    for (k, v) in url::form_urlencoded::parse(&body) {
        match k.as_ref() {
            "token" => token = v.trim().to_string(),
            "lang" if v == "en" => ctx.lang = Lang::En,
            "lang" if v == "vi" => ctx.lang = Lang::Vi,
            _ => {}
        }
    }
    let role = if token.is_empty() { Ok(None) } else { d.svc.authenticate(&token).await };
    let role = match role {
        Ok(Some(r)) => r,
        Ok(None) => {
            let m = Text::new("The token is not valid.", "Mã truy cập không hợp lệ.");
            return page(&ctx, StatusCode::UNAUTHORIZED, Some(&m));
        }
        Err(e) => return PageError::from(e).page(&ctx),
    };
    let Some(id) = d.sessions.start(role.clone(), std::time::Instant::now()) else {
        let m = Text::new("No session could be started; retry.", "Không tạo được phiên làm việc; hãy thử lại.");
        return PageError::new(StatusCode::SERVICE_UNAVAILABLE, m).page(&ctx);
    };
    ctx.role = Some(role);
    let mut r = see_other(&ctx.home());
    if let Ok(v) = HeaderValue::from_str(&session::set_cookie(&id, secure)) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

/// Ends the session (if any), clears the cookie and returns to `/login`.
pub async fn logout(State(d): Dash, request: Request) -> Response {
    let ctx = ctx_of(&request);
    if !same_origin(request.headers()) {
        let m =
            Text::new("This form can only be sent from this site.", "Biểu mẫu này chỉ được gửi từ chính trang này.");
        return PageError::new(StatusCode::FORBIDDEN, m).page(&ctx);
    }
    let cookies = request.headers().get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok());
    for id in cookies.filter_map(session::from_cookie_header) {
        d.sessions.end(id);
    }
    let mut r = to_login(ctx.lang);
    if let Ok(v) = HeaderValue::from_str(&session::clear_cookie(secure(&request))) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(k.clone(), HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn a_post_from_another_origin_is_refused() {
        assert!(same_origin(&headers(&[(header::HOST, "127.0.0.1:8650")])), "no Origin: a same-site form");
        assert!(same_origin(&headers(&[(header::HOST, "127.0.0.1:8650"), (header::ORIGIN, "http://127.0.0.1:8650")])));
        assert!(!same_origin(&headers(&[(header::HOST, "127.0.0.1:8650"), (header::ORIGIN, "http://evil.example")])));
        assert!(!same_origin(&headers(&[(header::HOST, "127.0.0.1:8650"), (header::ORIGIN, "null")])));
    }
}
