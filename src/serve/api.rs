//! The HTTP API under `/api/v1` (axum): thin handlers over [`Service`], JSON errors
//! `{"error": {"code", "message"}}` with the spec's status codes, bearer tokens for reads.

use super::records::Role;
use super::service::{ReadError, Service, SubmitError};
use super::store::StoreError;
use crate::report::render::{Csv, Render, Xlsx};
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

/// Longest a request may take, body included (a slow client cannot hold a connection forever).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

/// Declares the API's routes once: the router is built from the list, and [`ROUTES`] (method,
/// path) is what the OpenAPI document must describe (tests/serve_openapi.rs holds the two equal).
macro_rules! routes {
    ($($method:ident $path:literal => $handler:ident),* $(,)?) => {
        /// Every route of the API, as (method, path).
        pub const ROUTES: &[(&str, &str)] = &[$((stringify!($method), $path)),*];

        fn api_routes(r: Router<Arc<Service>>) -> Router<Arc<Service>> {
            r$(.route($path, $method($handler)))*
        }
    };
}

routes! {
    post "/api/v1/reports" => submit,
    get "/api/v1/reports/{id}" => report,
    get "/api/v1/national" => national,
    get "/api/v1/national.csv" => national_csv,
    get "/api/v1/national.xlsx" => national_xlsx,
    get "/api/v1/agencies/{id}" => agency,
    get "/api/v1/agencies/{id}/systems/{system}" => system,
    get "/api/v1/missing" => missing,
    get "/api/v1/openapi.json" => openapi,
    get "/healthz" => healthz,
    get "/readyz" => readyz,
}

/// The OpenAPI 3.1 document of the API, written by hand as data.
pub const OPENAPI: &str = include_str!("openapi.json");

/// The service's routes.
pub fn router(service: Arc<Service>) -> Router {
    api_routes(Router::new())
        // The dashboard's pages (HTML, not part of the API document).
        .merge(super::dashboard::router(service.clone()))
        .fallback(not_found)
        .layer(axum::middleware::from_fn(access_log))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, REQUEST_TIMEOUT))
        .with_state(service)
}

/// An error response: status, `error.code`, `error.message`.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Seconds for a `Retry-After` header (`429`, `503`).
    pub retry_after: Option<u64>,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError { status, code, message: message.into(), retry_after: None }
    }

    fn retry_after(self, seconds: u64) -> ApiError {
        ApiError { retry_after: Some(seconds.max(1)), ..self }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({"error": {"code": self.code, "message": crate::sanitize::one_line(&self.message)}});
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(s) = self.retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, s.into());
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        super::log("error", json!({"event": "store_error", "message": e.to_string()}));
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "the database is unavailable; retry later")
    }
}

impl From<SubmitError> for ApiError {
    fn from(e: SubmitError) -> ApiError {
        match e {
            SubmitError::NotAReport { code, message } => ApiError::new(StatusCode::BAD_REQUEST, code, message),
            SubmitError::Rejected(r) => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, r.code(), r.to_string()),
            SubmitError::RateLimited { retry, .. } => {
                let seconds = retry.as_secs_f64().ceil() as u64;
                ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", e.to_string()).retry_after(seconds)
            }
            SubmitError::Busy => ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "busy", e.to_string()).retry_after(2),
            SubmitError::Store(s) => s.into(),
        }
    }
}

impl From<ReadError> for ApiError {
    fn from(e: ReadError) -> ApiError {
        match e {
            ReadError::NotFound(m) => ApiError::new(StatusCode::NOT_FOUND, "not_found", m),
            ReadError::BadRequest(m) => ApiError::new(StatusCode::BAD_REQUEST, "bad_request", m),
            ReadError::Store(s) => s.into(),
        }
    }
}

type Svc = State<Arc<Service>>;

async fn submit(State(svc): Svc, request: Request) -> Result<Response, ApiError> {
    let limit = svc.limits().max_body;
    let too_large =
        || ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", format!("the body is larger than {limit} bytes"));
    let declared = request.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    let client = client_address(&request, svc.limits().trust_forwarded_for);
    let admitted = svc.admit(&client, declared).map_err(|e| {
        super::log("info", json!({"event": "submission_refused", "client": client, "reason": e.to_string()}));
        ApiError::from(e)
    })?;
    let body = axum::body::to_bytes(request.into_body(), limit).await.map_err(|_| too_large())?;
    let outcome = svc.submit(body.to_vec()).await;
    drop(admitted);
    match &outcome {
        Ok(r) => super::log(
            "info",
            json!({"event": "submission", "id": r.id, "agency": r.agency, "period": r.period, "status": r.status, "key": r.key}),
        ),
        Err(e) => super::log("info", json!({"event": "submission_refused", "reason": e.to_string()})),
    }
    let receipt = outcome?;
    Ok((StatusCode::CREATED, axum::Json(receipt)).into_response())
}

/// The client's address for the per-client limit: the connection's peer, or — behind a trusted
/// reverse proxy — the last `X-Forwarded-For` entry (the one the proxy appended; earlier ones are
/// whatever the client sent). `-` when neither is known (a router served without connection
/// information).
fn client_address(request: &Request, trust_forwarded_for: bool) -> String {
    if trust_forwarded_for {
        let forwarded = request.headers().get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).next_back();
        if let Some(last) = forwarded.and_then(|v| v.rsplit(',').next()).map(str::trim).filter(|v| !v.is_empty()) {
            return last.chars().take(64).collect();
        }
    }
    request
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map_or_else(|| "-".to_string(), |c| c.0.ip().to_string())
}

#[derive(Deserialize)]
struct PeriodQuery {
    period: Option<String>,
}

#[derive(Deserialize)]
struct ExportQuery {
    period: Option<String>,
    /// `en` (default) or `vi`.
    lang: Option<String>,
}

impl ExportQuery {
    fn lang(&self) -> Result<crate::i18n::Lang, ApiError> {
        match self.lang.as_deref() {
            None | Some("en") => Ok(crate::i18n::Lang::En),
            Some("vi") => Ok(crate::i18n::Lang::Vi),
            Some(_) => Err(ApiError::new(StatusCode::BAD_REQUEST, "bad_request", "lang is `en` or `vi`")),
        }
    }
}

/// The role of the request's bearer token; `401` without a valid one.
async fn access(svc: &Service, headers: &HeaderMap) -> Result<Role, ApiError> {
    let unauthorized = || {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "reads need `Authorization: Bearer TOKEN` with a valid token",
        )
    };
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(unauthorized)?;
    svc.authenticate(token).await?.ok_or_else(unauthorized)
}

/// `403` unless the role may read `agency` (`None`: the whole country, center only).
fn allow(role: &Role, agency: Option<&str>) -> Result<(), ApiError> {
    match (role, agency) {
        (Role::Center, _) => Ok(()),
        (Role::Agency(a), Some(b)) if a == b => Ok(()),
        (Role::Agency(_), Some(_)) => {
            Err(ApiError::new(StatusCode::FORBIDDEN, "forbidden", "this token reads only its own agency"))
        }
        (Role::Agency(_), None) => {
            Err(ApiError::new(StatusCode::FORBIDDEN, "forbidden", "the national view is for the center's tokens only"))
        }
    }
}

async fn national(State(svc): Svc, headers: HeaderMap, Query(q): Query<PeriodQuery>) -> Result<Response, ApiError> {
    allow(&access(&svc, &headers).await?, None)?;
    Ok(axum::Json(svc.national(q.period.as_deref()).await?).into_response())
}

/// `aggregate --format csv` of the same view.
async fn national_csv(State(svc): Svc, headers: HeaderMap, Query(q): Query<ExportQuery>) -> Result<Response, ApiError> {
    allow(&access(&svc, &headers).await?, None)?;
    let lang = q.lang()?;
    let national = svc.national(q.period.as_deref()).await?;
    let body = Csv.render(&national, &crate::report::Glossary::empty(lang)).map_err(render_failed)?;
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], body).into_response())
}

/// `aggregate --format xlsx` of the same view.
async fn national_xlsx(
    State(svc): Svc,
    headers: HeaderMap,
    Query(q): Query<ExportQuery>,
) -> Result<Response, ApiError> {
    allow(&access(&svc, &headers).await?, None)?;
    let lang = q.lang()?;
    let national = svc.national(q.period.as_deref()).await?;
    let glossary = crate::report::Glossary::new(svc.policy(), lang);
    let body = Xlsx.render(&national, &glossary).map_err(render_failed)?;
    let xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    Ok(([(header::CONTENT_TYPE, xlsx)], body).into_response())
}

/// A renderer's failure: logged, and a 500 without the detail.
fn render_failed(e: crate::report::RenderError) -> ApiError {
    super::log("error", json!({"event": "render_error", "message": e.to_string()}));
    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "the export could not be written")
}

async fn missing(State(svc): Svc, headers: HeaderMap, Query(q): Query<PeriodQuery>) -> Result<Response, ApiError> {
    allow(&access(&svc, &headers).await?, None)?;
    Ok(axum::Json(svc.missing(q.period.as_deref()).await?).into_response())
}

async fn agency(
    State(svc): Svc,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<PeriodQuery>,
) -> Result<Response, ApiError> {
    allow(&access(&svc, &headers).await?, Some(&id))?;
    Ok(axum::Json(svc.agency(&id, q.period.as_deref()).await?).into_response())
}

async fn system(
    State(svc): Svc,
    headers: HeaderMap,
    Path((id, system)): Path<(String, String)>,
    Query(q): Query<PeriodQuery>,
) -> Result<Response, ApiError> {
    allow(&access(&svc, &headers).await?, Some(&id))?;
    Ok(axum::Json(svc.system(&id, &system, q.period.as_deref()).await?).into_response())
}

async fn report(State(svc): Svc, headers: HeaderMap, Path(id): Path<String>) -> Result<Response, ApiError> {
    let role = access(&svc, &headers).await?;
    let (agency, bytes) = svc.report(&id).await?;
    allow(&role, Some(&agency))?;
    Ok(([(header::CONTENT_TYPE, "application/json")], Body::from(bytes)).into_response())
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

async fn healthz() -> Response {
    axum::Json(json!({"status": "ok"})).into_response()
}

async fn readyz(State(svc): Svc) -> Response {
    match svc.store.ping().await {
        Ok(()) => axum::Json(json!({"status": "ready"})).into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}

async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such endpoint (see docs/national-service.md)")
}

/// One structured line per request: method, path, status, milliseconds.
async fn access_log(request: Request, next: axum::middleware::Next) -> Response {
    let (method, path) = (request.method().to_string(), request.uri().path().to_string());
    let started = std::time::Instant::now();
    let response = next.run(request).await;
    super::log(
        "info",
        json!({"event": "request", "method": method, "path": path, "status": response.status().as_u16(),
               "ms": started.elapsed().as_millis() as u64}),
    );
    response
}
