//! The national service (`tuanthu serve`, `shared/spec/cli-and-report.md`, "National service"):
//! the center's long-running form of `aggregate`. Agencies `POST` signed reports; each is checked
//! by the one verification ([`crate::report::verify`]) against the agency's registered keys
//! ([`registry`]), its figures computed once ([`figures`]) and stored with its raw bytes in one
//! transaction ([`records`], [`store`]: SQLite or PostgreSQL); reads need a token and are built by
//! `aggregate`'s own code ([`crate::aggregate::national`]) from the stored figures.
//!
//! Layers: [`store`] (back ends, migrations) → [`records`] (what is stored, per transaction) →
//! [`service`] (operations, no HTTP) → [`api`] (axum handlers, thin).

pub mod api;
pub mod dashboard;
pub mod figures;
pub mod limit;
pub mod records;
pub mod registry;
pub mod service;
pub mod session;
pub mod store;
pub mod tls;

pub use service::{Limits, Service};
pub use store::{Store, StoreError};

use time::OffsetDateTime;

/// Now, as the service stores times: RFC 3339 UTC with microseconds, fixed width (text order is
/// time order).
pub fn now_text() -> String {
    time_text(OffsetDateTime::now_utc())
}

pub fn time_text(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        t.year(),
        t.month() as u8,
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.microsecond()
    )
}

/// A structured log line on standard error: one JSON object (control characters escaped by the
/// JSON encoder, so hostile ids cannot forge lines).
pub fn log(level: &str, event: serde_json::Value) {
    let mut line = serde_json::json!({"at": now_text(), "level": level});
    if let (Some(l), serde_json::Value::Object(e)) = (line.as_object_mut(), event) {
        l.extend(e);
    }
    eprintln!("{line}");
}

/// Serves the API on `listener` until `shutdown` resolves; then stops accepting connections and
/// lets the requests in flight (submissions included) finish.
pub async fn run(
    listener: tokio::net::TcpListener,
    service: std::sync::Arc<Service>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    run_with(listener, None, service, shutdown).await
}

/// [`run`], over TLS when `tls` is given ([`tls::server_config`]).
pub async fn run_with(
    listener: tokio::net::TcpListener,
    tls: Option<std::sync::Arc<rustls::ServerConfig>>,
    service: std::sync::Arc<Service>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use axum::serve::ListenerExt;
    let addr = listener.local_addr()?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    log("info", serde_json::json!({"event": "listening", "address": addr.to_string(), "scheme": scheme}));
    // The peer address reaches the handlers (the per-client limit) either way.
    let router = api::router(service);
    match tls {
        None => {
            let app = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
            axum::serve(listener, app).with_graceful_shutdown(shutdown).await?
        }
        Some(config) => {
            // Every request of a TLS listener is marked so, for the session cookie's `Secure`.
            let router = router.layer(axum::Extension(dashboard::ServedOverTls));
            let app = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
            let listener = tls::TlsListener::new(listener, config)?.tap_io(|_| {});
            axum::serve(listener, app).with_graceful_shutdown(shutdown).await?
        }
    }
    log("info", serde_json::json!({"event": "stopped"}));
    Ok(())
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let term = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut s) => {
                    s.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        tokio::select! { _ = interrupt => {}, _ = term => {} }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
    log("info", serde_json::json!({"event": "shutting_down"}));
}
