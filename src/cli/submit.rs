//! `tuanthu submit`: sends signed reports to the national service (`POST /api/v1/reports`), with
//! retries and backoff when the service cannot answer (connection refused or reset, 5xx, 429).
//! Exit codes (spec): 0 every report accepted (counted, superseded or already there), 1 some
//! rejected (the service's reason printed), 2 a file unreadable or not a report, 3 the service
//! unreachable after the retries.

use super::{Error, ExitCode};
use clap::Args;
use std::path::PathBuf;
use std::time::Duration;
use tuanthu::i18n::{Lang, tr};
use tuanthu::sanitize::one_line;

#[derive(Debug, Args)]
pub struct SubmitArgs {
    /// Signed reports (tuanthu/report/v1 JSON written with `check --sign`)
    #[arg(required = true, value_name = "REPORT.json")]
    pub reports: Vec<PathBuf>,
    /// The service's address, e.g. https://giamsat.example.gov.vn (the path /api/v1/reports is added)
    #[arg(long, value_name = "URL", env = "TUANTHU_SERVICE")]
    pub to: String,
    /// Trust only the CAs in this PEM bundle for an https:// service (a private CA), instead of
    /// the system's
    #[arg(long, value_name = "FILE")]
    pub ca_bundle: Option<PathBuf>,
    /// Attempts after the first when the service cannot answer (waits 0.5 s, 1 s, 2 s, … between)
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub retries: u32,
    /// Language of the messages
    #[arg(long, value_parser = super::lang_parser(), default_value = "en", env = "TUANTHU_LANG")]
    pub lang: Lang,
}

/// What became of one report.
enum Sent {
    /// The 201 body: the receipt, printed in the user's language.
    Accepted(Vec<u8>),
    Rejected(String),
    /// The service says the body is not a report (400): the file is at fault.
    NotAReport(String),
    Unreachable(String),
}

pub fn run(a: SubmitArgs) -> Result<ExitCode, Error> {
    let url = endpoint(&a.to)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::run(format!("cannot start the async runtime: {e}")))?;
    let mut builder =
        reqwest::Client::builder().connect_timeout(Duration::from_secs(10)).timeout(Duration::from_secs(300));
    if let Some(bundle) = &a.ca_bundle {
        builder = builder.tls_certs_only(ca_bundle(bundle)?);
    }
    let client = builder.build().map_err(|e| Error::run(format!("cannot make an HTTP client: {e}")))?;
    let mut code = ExitCode::Ok;
    for path in &a.reports {
        let shown = one_line(&path.display().to_string());
        let bytes = match tuanthu::report::verify::read(path) {
            Ok(b) => b,
            Err(e) => {
                super::error::print(
                    &Error::Invalid(tuanthu::diag::Problem::file_text(shown.as_str(), e.text()).into()),
                    a.lang,
                );
                code = code.max(ExitCode::Invalid);
                continue;
            }
        };
        let sent = runtime.block_on(send(&client, &url, bytes, a.retries));
        code = code.max(print(&shown, sent, a.lang));
    }
    Ok(code)
}

/// The certificates of a PEM CA bundle (`--ca-bundle`); an error names the file.
fn ca_bundle(path: &std::path::Path) -> Result<Vec<reqwest::Certificate>, Error> {
    let shown = one_line(&path.display().to_string());
    let bad = |msg: tuanthu::i18n::Text| Error::Invalid(tuanthu::diag::Problem::file_text(shown.as_str(), msg).into());
    let bytes = std::fs::read(path).map_err(|e| {
        let e = e.to_string();
        bad(tuanthu::text!("cannot read the CA bundle: {e}", "không đọc được tệp CA: {e}"))
    })?;
    match reqwest::Certificate::from_pem_bundle(&bytes) {
        Ok(certs) if !certs.is_empty() => Ok(certs),
        _ => Err(bad(tuanthu::text!(
            "no PEM certificate in the CA bundle (expected -----BEGIN CERTIFICATE----- blocks)",
            "tệp CA không có chứng thư PEM nào (cần các khối -----BEGIN CERTIFICATE-----)"
        ))),
    }
}

/// `URL` → `URL/api/v1/reports` (unless it already ends so).
fn endpoint(to: &str) -> Result<reqwest::Url, Error> {
    let base = to.trim_end_matches('/');
    let full = if base.ends_with("/api/v1/reports") { base.to_string() } else { format!("{base}/api/v1/reports") };
    let url = reqwest::Url::parse(&full).map_err(|e| {
        let to = one_line(to);
        let msg = tuanthu::text!("`{to}` is not a URL: {e}", "`{to}` không phải URL: {e}");
        Error::Invalid(tuanthu::diag::Problem::file_text("--to", msg).into())
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        let msg = tuanthu::text!("expected an http:// or https:// URL", "cần URL http:// hoặc https://");
        return Err(Error::Invalid(tuanthu::diag::Problem::file_text("--to", msg).into()));
    }
    Ok(url)
}

fn print(shown: &str, sent: Sent, lang: Lang) -> ExitCode {
    match sent {
        Sent::Accepted(body) => {
            println!("{shown}: {}", receipt(&body, lang));
            ExitCode::Ok
        }
        Sent::Rejected(m) => {
            println!("{shown}: {}: {m}", tr(lang, "rejected", "bị từ chối"));
            ExitCode::No
        }
        Sent::NotAReport(m) => {
            eprintln!("{} {shown}: {m}", super::error::Prefix::Error.get(lang));
            ExitCode::Invalid
        }
        Sent::Unreachable(m) => {
            eprintln!(
                "{} {shown}: {}: {m}",
                super::error::Prefix::Error.get(lang),
                tr(lang, "the service could not be reached", "không kết nối được dịch vụ")
            );
            ExitCode::Failed
        }
    }
}

/// Posts one report, retrying what a later attempt may fix.
async fn send(client: &reqwest::Client, url: &reqwest::Url, bytes: Vec<u8>, retries: u32) -> Sent {
    let mut wait = Duration::from_millis(500);
    let mut attempt = 0;
    loop {
        let last = attempt >= retries;
        let result =
            client.post(url.clone()).header("content-type", "application/json").body(bytes.clone()).send().await;
        let retry_reason = match result {
            Ok(r) => {
                let status = r.status();
                let body = r.bytes().await.unwrap_or_default();
                match status.as_u16() {
                    201 => return Sent::Accepted(body.to_vec()),
                    400 => return Sent::NotAReport(reason(&body, status)),
                    413 | 422 => return Sent::Rejected(reason(&body, status)),
                    429 | 500..=599 => reason(&body, status),
                    _ => return Sent::Rejected(reason(&body, status)),
                }
            }
            Err(e) => e.to_string(),
        };
        if last {
            return Sent::Unreachable(one_line(&retry_reason));
        }
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(Duration::from_secs(30));
        attempt += 1;
    }
}

/// `counted (id …, key …)` from a 201 body, in `lang` (the status words are the API's).
fn receipt(body: &[u8], lang: Lang) -> String {
    let v: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let s = |k: &str| one_line(v.get(k).and_then(|x| x.as_str()).unwrap_or("?"));
    let (status, id, agency, period, key) = (s("status"), s("id"), s("agency"), s("period"), s("key"));
    let said = match (lang, status.as_str()) {
        (Lang::Vi, "counted") => "được tính",
        (Lang::Vi, "superseded") => "bị thay thế bởi báo cáo mới hơn",
        (Lang::Vi, "duplicate") => "đã nhận trước đó",
        _ => status.as_str(),
    };
    match lang {
        Lang::En => format!("{said} (id {id}, agency {agency}, period {period}, key {key})"),
        Lang::Vi => format!("{said} (mã {id}, cơ quan {agency}, kỳ {period}, khoá {key})"),
    }
}

/// `code: message` from an error body, or the status when the body is not the service's JSON.
fn reason(body: &[u8], status: reqwest::StatusCode) -> String {
    let v: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    match (v["error"]["code"].as_str(), v["error"]["message"].as_str()) {
        (Some(c), Some(m)) => one_line(&format!("{c}: {m}")),
        _ => format!("HTTP {status}"),
    }
}
