//! Issue 15 item 5: the dashboard of `tuanthu serve`, on SQLite and on PostgreSQL. Signed reports
//! of three agencies over two periods (one agency registered but silent, one with a hostile name,
//! system name and finding) are submitted; then the pages are read as the center and as an agency:
//! the national page carries `aggregate --format html`'s headline sentences and figures verbatim,
//! sort links order the rows as they say, the login flow sets the session cookie with its flags,
//! an agency token (cookie or bearer) gets `403` outside its agency, hostile text is escaped,
//! both languages are served, unknown things are `404` pages — and headless Chromium renders the
//! pages, every link on them answers `200` with the same cookie, and a page prints to PDF.
//!
//! Chromium: `chromium` or `chromium-browser` on PATH, or `TUANTHU_CHROMIUM`; without it the
//! browser scenario says it skipped, except under `CI=true`, where it fails.

mod common;
mod serve_support;

use common::reports::{report, system};
use reqwest::header::HeaderMap;
use serde_json::{Value, json};
use serve_support::{Db, Server, keypair, run_scenarios, runtime, sign_as, write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tuanthu::serve::Limits;
use tuanthu::serve::records::Role;

const HOSTILE_AGENCY: &str = "<script>alert(\"x\")</script> O'Brien \u{1b}[31m & Co";
const HOSTILE_SYSTEM: &str = "<b onmouseover='x'>mail</b>\u{7}";
const HOSTILE_FINDING: &str = "<img src=x onerror=alert(1)>";

#[test]
fn dashboard_pages_on_sqlite_and_postgres() {
    run_scenarios(&[
        ("national page equals aggregate, sorting", national_page),
        ("agency, system and control pages", drill_down),
        ("login flow and cookie flags", login_flow),
        ("agency tokens stay in their agency", confinement),
        ("hostile names are escaped", hostile_text),
        ("languages and error pages", languages_and_errors),
        ("headless chromium renders, links resolve, prints", chromium),
    ]);
}

/// The submitted reports, their files (for `aggregate`) and the server.
struct Fixture {
    server: Server,
    dir: tempfile::TempDir,
    center: String,
    so1: String,
}

impl Fixture {
    fn reports(&self, period: &str) -> PathBuf {
        self.dir.path().join("reports").join(period)
    }

    fn keys(&self) -> PathBuf {
        self.dir.path().join("keys")
    }

    /// `tuanthu aggregate` over the period's files in `format` and `lang`.
    fn aggregate(&self, period: &str, format: &str, lang: &str) -> String {
        let (r, k) = (self.reports(period), self.keys());
        let o = common::tuanthu(&[
            "aggregate",
            r.to_str().unwrap(),
            "--keys",
            k.to_str().unwrap(),
            "--format",
            format,
            "--lang",
            lang,
        ]);
        assert_eq!(common::code(&o), 0, "{}", common::stderr(&o));
        String::from_utf8(o.stdout).unwrap()
    }
}

fn with_finding(mut s: Value, control: &str) -> Value {
    for c in s["controls"].as_array_mut().unwrap() {
        if c["id"] == control {
            c["findings"] = json!([{"rule": "telnet-open", "outcome": "fail", "asset": "10.0.0.1:23/tcp",
                                    "message": HOSTILE_FINDING, "evidence": "scan.xml#host=10.0.0.1"}]);
        }
    }
    s
}

/// so-1 (hostile name; 2025 and 2026), so-2 (0% approval; 2025 and 2026), so-3 (2026 only), so-4
/// registered and silent.
async fn fixture(db: &Db) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys");
    std::fs::create_dir_all(&keys).unwrap();
    for p in ["2025", "2026"] {
        std::fs::create_dir_all(dir.path().join("reports").join(p)).unwrap();
    }
    let server = Server::start(&db.url, Limits::default()).await;
    let mut mail = with_finding(system("mail", 2, "approved", "partial", &["NET.01"]), "NET.01");
    mail["name"] = json!(HOSTILE_SYSTEM);
    let now: [(&str, Vec<Value>); 3] = [
        ("so-1", vec![system("portal", 3, "approved", "full", &[]), mail]),
        ("so-2", vec![system("portal", 3, "draft", "none", &[]), system("hr", 1, "draft", "none", &[])]),
        ("so-3", vec![system("portal", 3, "approved", "full", &[]), system("gis", 4, "submitted", "partial", &[])]),
    ];
    let before: [(&str, Vec<Value>); 2] = [
        ("so-1", vec![system("portal", 3, "submitted", "partial", &[]), system("mail", 2, "approved", "partial", &[])]),
        ("so-2", vec![system("portal", 3, "approved", "full", &[])]),
    ];
    let mut signing = std::collections::BTreeMap::new();
    for id in ["so-1", "so-2", "so-3", "so-4"] {
        let (key, public) = keypair();
        std::fs::write(keys.join(format!("{id}.pub")), &public).unwrap();
        server.add_key(id, &public, None, None).await;
        signing.insert(id, key);
    }
    let submit = async |id: &str, mut r: Value, period: &str| {
        if id == "so-1" {
            r["agencies"][0]["name"] = json!(HOSTILE_AGENCY);
        }
        let signed = sign_as(&r, &signing[id], id);
        write(&dir.path().join("reports").join(period), &format!("{id}.json"), &signed);
        let (status, body) = server.post(signed.into_bytes()).await;
        assert_eq!((status, body["status"].as_str()), (201, Some("counted")), "{body}");
    };
    for (id, systems) in before {
        let mut r = report(id, "2025-11-20T08:00:00Z", systems);
        (r["as_of"], r["period"]) = (json!("2025-11-25"), json!("2025"));
        submit(id, r, "2025").await;
    }
    for (id, systems) in now {
        submit(id, report(id, "2026-11-20T08:00:00Z", systems), "2026").await;
    }
    let center = server.token(Role::Center).await;
    let so1 = server.token(Role::Agency("so-1".into())).await;
    Fixture { server, dir, center, so1 }
}

/// How a request authenticates.
#[derive(Clone, Copy)]
enum Auth<'a> {
    None,
    Bearer(&'a str),
    Cookie(&'a str),
}

struct Page {
    status: u16,
    headers: HeaderMap,
    body: String,
}

impl Page {
    fn location(&self) -> &str {
        self.headers.get("location").and_then(|v| v.to_str().ok()).unwrap_or("")
    }

    fn set_cookie(&self) -> &str {
        self.headers.get("set-cookie").and_then(|v| v.to_str().ok()).unwrap_or("")
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

async fn get(base: &str, path: &str, auth: Auth<'_>, extra: &[(&str, &str)]) -> Page {
    let mut req = client().get(format!("{base}{path}"));
    match auth {
        Auth::None => {}
        Auth::Bearer(t) => req = req.header("authorization", format!("Bearer {t}")),
        Auth::Cookie(c) => req = req.header("cookie", c),
    }
    for (k, v) in extra {
        req = req.header(*k, *v);
    }
    let r = req.send().await.unwrap();
    let (status, headers) = (r.status().as_u16(), r.headers().clone());
    Page { status, headers, body: r.text().await.unwrap() }
}

async fn post(base: &str, path: &str, form: &str, extra: &[(&str, &str)]) -> Page {
    let mut req = client()
        .post(format!("{base}{path}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form.to_string());
    for (k, v) in extra {
        req = req.header(*k, *v);
    }
    let r = req.send().await.unwrap();
    let (status, headers) = (r.status().as_u16(), r.headers().clone());
    Page { status, headers, body: r.text().await.unwrap() }
}

/// Logs in with `token`; the `Cookie` header value of the session.
async fn login(base: &str, token: &str) -> String {
    let p = post(base, "/login", &format!("token={token}&lang=en"), &[]).await;
    assert_eq!(p.status, 303, "{}", p.body);
    p.set_cookie().split(';').next().unwrap().to_string()
}

/// The text between `from` (included) and the next `to` after it (excluded).
fn between<'a>(s: &'a str, from: &str, to: &str) -> &'a str {
    let start = s.find(from).unwrap_or_else(|| panic!("no {from:?} in:\n{s}"));
    let end = s[start + from.len()..].find(to).map_or(s.len(), |e| start + from.len() + e);
    &s[start..end]
}

/// The `href` values of `html`, unescaped.
fn hrefs(html: &str) -> Vec<String> {
    html.split("href=\"").skip(1).map(|rest| rest[..rest.find('"').unwrap()].replace("&amp;", "&")).collect()
}

/// The agency ids of the rows of the national page's agencies table, in order.
fn agency_order(html: &str) -> Vec<String> {
    let table = between(html, "<h2>Per agency</h2>", "</table>");
    let body = between(table, "<tbody>", "</tbody>");
    hrefs(body).into_iter().map(|h| h.trim_start_matches("/agencies/").split('?').next().unwrap().to_string()).collect()
}

fn national_page(db: &Db) {
    runtime().block_on(async {
        let f = fixture(db).await;
        let base = f.server.base.clone();
        let center = Auth::Bearer(&f.center);
        for lang in ["en", "vi"] {
            let expected = f.aggregate("2026", "html", lang);
            let page = get(&base, &format!("/?period=2026&lang={lang}"), center, &[]).await;
            assert_eq!(page.status, 200, "{}", page.body);
            let headlines = between(&expected, "<ul class=\"headlines\">", "</ul>");
            assert!(page.body.contains(headlines), "{lang}: aggregate's headlines {headlines}\nnot in:\n{}", page.body);
            let overall_title = if lang == "en" { "<h2>Overall</h2>" } else { "<h2>Toàn quốc</h2>" };
            let figures = between(&expected, overall_title, "<h2>");
            assert!(page.body.contains(figures), "{lang}: aggregate's overall figures {figures}");
        }
        let en = get(&base, "/?period=2026&lang=en", center, &[]).await.body;
        assert!(en.contains("<li>1 of 3 agencies have an approval rate below 50%.</li>"), "{en}");
        // Per agency: so-2 has 0% approval (flagged), so-4 has not reported (flagged).
        assert!(en.contains("<td class=\"num\">0 (0.0%) — BELOW 50%</td>"), "{en}");
        let absent = between(&en, "<h2>Agencies that have not reported</h2>", "</table>");
        assert!(absent.contains("<tr class=\"flagged\"><td>so-4</td>"), "{absent}");
        assert!(!absent.contains("so-1") && !absent.contains("so-3"), "{absent}");
        // Trend lines over both stored periods, and the period selector.
        assert!(en.contains("<title>approval rate 2025: 66.7%</title>"), "{en}");
        assert!(en.contains("<title>approval rate 2026: 50.0%</title>"), "{en}");
        assert!(en.contains("<a href=\"/?period=2025&amp;lang=en\">2025</a>"), "{en}");

        // Sort links: the order the rows are in is the one they say.
        let national: Value = f.server.get("/api/v1/national?period=2026", Some(&f.center)).await.1;
        let rate = |id: &str, key: &str| {
            national["agencies"].as_array().unwrap().iter().find(|a| a["id"] == id).unwrap()[key].as_f64()
        };
        assert_eq!((rate("so-1", "approval_rate"), rate("so-2", "approval_rate")), (Some(1.0), Some(0.0)));
        let sorted = get(&base, "/?period=2026&sort=approval&dir=desc&lang=en", center, &[]).await.body;
        assert_eq!(agency_order(&sorted), ["so-1", "so-3", "so-2"]);
        assert!(sorted.contains("href=\"/?period=2026&amp;sort=approval&amp;dir=asc&amp;lang=en\" class=\"sorted\""));
        let ascending = get(&base, "/?period=2026&sort=approval&dir=asc&lang=en", center, &[]).await.body;
        assert_eq!(agency_order(&ascending), ["so-2", "so-3", "so-1"]);
        let fully = get(&base, "/?period=2026&sort=fully&dir=desc&lang=en", center, &[]).await.body;
        assert_eq!(agency_order(&fully), ["so-1", "so-3", "so-2"], "50% and 50% (then by id), 0% fully implemented");
        // By name: so-1's name starts with `<`, before the letters.
        let by_name = get(&base, "/?period=2026&sort=name&lang=en", center, &[]).await.body;
        assert_eq!(agency_order(&by_name), ["so-1", "so-2", "so-3"]);
        let bad = get(&base, "/?sort=evil&lang=en", center, &[]).await;
        assert_eq!(bad.status, 400);
        assert!(bad.body.contains("`sort` is one of name, systems, approval, fully, measured."), "{}", bad.body);
        f.server.stop().await;
    });
}

fn drill_down(db: &Db) {
    runtime().block_on(async {
        let f = fixture(db).await;
        let base = f.server.base.clone();
        let center = Auth::Bearer(&f.center);
        let api = f.server.get("/api/v1/agencies/so-3?period=2026", Some(&f.center)).await.1;
        let agency = get(&base, "/agencies/so-3?period=2026&lang=en", center, &[]).await;
        assert_eq!(agency.status, 200, "{}", agency.body);
        let approved = format!("{} (50.0%)", api["agency"]["systems_approved"]);
        assert!(agency.body.contains(&format!("<span class=\"value\">{approved}</span>")), "{}", agency.body);
        assert!(agency.body.contains("href=\"/agencies/so-3/systems/gis?period=2026&amp;lang=en\""));
        // so-1's page: its two periods, a trend line and its history.
        let so1 = get(&base, "/agencies/so-1?period=2026&lang=en", center, &[]).await.body;
        assert!(so1.contains("<title>approval rate 2025: 50.0%</title>"), "{so1}");
        assert!(so1.contains("<title>approval rate 2026: 100.0%</title>"), "{so1}");
        // The system page: controls with status and basis, the finding, its history.
        let system = get(&base, "/agencies/so-1/systems/mail?period=2026&lang=en", center, &[]).await;
        assert_eq!(system.status, 200, "{}", system.body);
        assert!(system.body.contains(
            "<a href=\"/agencies/so-1/systems/mail/controls/NET.01?period=2026&amp;lang=en\"><code>NET.01</code></a>"
        ));
        assert!(system.body.contains("<span class=\"badge st-fail\">FAIL</span>"), "{}", system.body);
        assert!(system.body.contains("<code>10.0.0.1:23/tcp</code>: &lt;img src=x onerror=alert(1)&gt;"));
        assert!(
            system
                .body
                .contains("<li class=\"o-fail\"><span class=\"outcome\">fail</span> <strong>telnet-open</strong>")
        );
        let vi = get(&base, "/agencies/so-1/systems/mail?period=2026&lang=vi", center, &[]).await.body;
        assert!(vi.contains("<span class=\"outcome\">không đạt</span>"), "the outcome in the page's language");
        let history = between(&system.body, "<h2>Across periods</h2>", "</table>");
        assert_eq!(history.matches("<tr>").count(), 3, "a heading and two periods: {history}");
        // The control page: its findings and its status in each period.
        let control = get(&base, "/agencies/so-1/systems/mail/controls/NET.01?period=2026&lang=en", center, &[]).await;
        assert_eq!(control.status, 200, "{}", control.body);
        let history = between(&control.body, "<h2>Across periods</h2>", "</table>");
        assert!(history.contains("?period=2025&amp;lang=en\">2025</a></td>"), "required in 2025 too: {history}");
        assert!(history.contains(">2026</a></td><td>FAIL</td>"), "{history}");
        assert!(control.body.contains("evidence: <code>scan.xml#host=10.0.0.1</code>"), "{}", control.body);
        f.server.stop().await;
    });
}

fn login_flow(db: &Db) {
    runtime().block_on(async {
        let f = fixture(db).await;
        let base = f.server.base.clone();
        // Unauthenticated: to the login page, in the browser's language (Vietnamese by default).
        let p = get(&base, "/?period=2026", Auth::None, &[]).await;
        assert_eq!((p.status, p.location()), (303, "/login?lang=vi"));
        let p = get(&base, "/agencies/so-1", Auth::None, &[("accept-language", "en-GB,en;q=0.9")]).await;
        assert_eq!((p.status, p.location()), (303, "/login?lang=en"));
        let form = get(&base, "/login?lang=en", Auth::None, &[]).await;
        assert_eq!(form.status, 200);
        assert!(form.body.contains("<input id=\"token\" name=\"token\" type=\"password\""), "{}", form.body);
        // A wrong token: the form again, 401, saying so.
        let wrong = post(&base, "/login", "token=tt_nope&lang=en", &[]).await;
        assert_eq!(wrong.status, 401);
        assert!(wrong.body.contains("The token is not valid."), "{}", wrong.body);
        assert_eq!(wrong.set_cookie(), "");
        // A center token: the session cookie with its flags, then the national view.
        let ok = post(&base, "/login", &format!("token={}&lang=en", f.center), &[]).await;
        assert_eq!((ok.status, ok.location()), (303, "/?lang=en"));
        let cookie = ok.set_cookie().to_string();
        let (pair, flags) = cookie.split_once("; ").unwrap();
        assert_eq!(flags, "HttpOnly; SameSite=Strict; Path=/");
        let id = pair.strip_prefix("tuanthu_session=").unwrap();
        assert!(id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit()), "an opaque id, not the token: {id}");
        let page = get(&base, "/?lang=en", Auth::Cookie(pair), &[]).await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(page.body.contains("National view, period 2026"));
        // An agency token lands on its agency's page; behind TLS the cookie is Secure.
        let agency =
            post(&base, "/login", &format!("token={}&lang=en", f.so1), &[("x-forwarded-proto", "https")]).await;
        assert_eq!((agency.status, agency.location()), (303, "/agencies/so-1?lang=en"));
        assert!(
            agency.set_cookie().ends_with("; HttpOnly; SameSite=Strict; Path=/; Secure"),
            "{}",
            agency.set_cookie()
        );
        // A login posted from another site is refused.
        let forged = post(&base, "/login", &format!("token={}", f.center), &[("origin", "http://evil.example")]).await;
        assert_eq!(forged.status, 403);
        assert_eq!(forged.set_cookie(), "");
        // Logging out ends the session: the same cookie then leads to the login page.
        let out = post(&base, "/logout", "", &[("cookie", pair)]).await;
        assert_eq!((out.status, out.location()), (303, "/login?lang=vi"));
        assert!(out.set_cookie().contains("Max-Age=0"), "{}", out.set_cookie());
        let after = get(&base, "/?lang=en", Auth::Cookie(pair), &[]).await;
        assert_eq!((after.status, after.location()), (303, "/login?lang=en"));
        // A bearer token that is not valid is a 401 page, not a redirect.
        let bad = get(&base, "/?lang=en", Auth::Bearer("tt_nope"), &[]).await;
        assert_eq!(bad.status, 401);
        assert!(bad.body.contains("The bearer token is not valid."), "{}", bad.body);
        f.server.stop().await;
    });
}

fn confinement(db: &Db) {
    runtime().block_on(async {
        let f = fixture(db).await;
        let base = f.server.base.clone();
        let cookie = login(&base, &f.so1).await;
        for auth in [Auth::Cookie(&cookie), Auth::Bearer(&f.so1)] {
            let own = get(&base, "/agencies/so-1?period=2026&lang=en", auth, &[]).await;
            assert_eq!(own.status, 200, "{}", own.body);
            assert!(!own.body.contains("href=\"/?"), "no link to the national view for an agency");
            for path in [
                "/?lang=en",
                "/?period=2025&lang=en",
                "/agencies/so-2?lang=en",
                "/agencies/so-2/systems/portal?period=2026&lang=en",
                "/agencies/so-2/systems/portal/controls/NET.01?lang=en",
                "/agencies/nobody?lang=en",
            ] {
                let p = get(&base, path, auth, &[]).await;
                assert_eq!(p.status, 403, "{path}: {}", p.body);
                assert!(p.body.contains("<h1>Not allowed (403)</h1>"), "{path}: {}", p.body);
                assert!(!p.body.contains("Agency so-2") && !p.body.contains("so-3"), "{path}: no data: {}", p.body);
            }
            let national = get(&base, "/?lang=vi", auth, &[]).await.body;
            assert!(national.contains("Số liệu toàn quốc chỉ dành cho trung tâm quốc gia."), "{national}");
            let other = get(&base, "/agencies/so-2?lang=en", auth, &[]).await.body;
            assert!(other.contains("This sign-in shows only its own agency."), "{other}");
        }
        f.server.stop().await;
    });
}

fn hostile_text(db: &Db) {
    runtime().block_on(async {
        let f = fixture(db).await;
        let base = f.server.base.clone();
        let center = Auth::Bearer(&f.center);
        let escaped_agency = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; O&#39;Brien \u{FFFD}[31m &amp; Co";
        let escaped_system = "&lt;b onmouseover=&#39;x&#39;&gt;mail&lt;/b&gt;\u{FFFD}";
        for (path, expected) in [
            ("/?period=2026&lang=en", escaped_agency),
            ("/agencies/so-1?period=2026&lang=en", escaped_agency),
            ("/agencies/so-1?period=2026&lang=en", escaped_system),
            ("/agencies/so-1/systems/mail?period=2026&lang=en", escaped_system),
            ("/agencies/so-1/systems/mail/controls/NET.01?period=2026&lang=en", "&lt;img src=x onerror=alert(1)&gt;"),
        ] {
            let p = get(&base, path, center, &[]).await;
            assert_eq!(p.status, 200, "{path}");
            assert!(p.body.contains(expected), "{path}: {expected} not in:\n{}", p.body);
            for raw in ["<script", "<img", "<b ", "\u{1b}", "\u{7}"] {
                assert!(!p.body.contains(raw), "{path}: {raw:?} unescaped");
            }
            let csp = p.headers.get("content-security-policy").unwrap().to_str().unwrap();
            assert!(csp.starts_with("default-src 'none';"), "{csp}");
        }
        f.server.stop().await;
    });
}

fn languages_and_errors(db: &Db) {
    runtime().block_on(async {
        let f = fixture(db).await;
        let base = f.server.base.clone();
        let center = Auth::Bearer(&f.center);
        let vi = get(&base, "/?period=2026", center, &[]).await.body;
        assert!(vi.contains("<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"vi\""), "Vietnamese by default");
        assert!(vi.contains("<li>1/3 cơ quan có tỷ lệ hệ thống được phê duyệt hồ sơ cấp độ dưới 50%.</li>"), "{vi}");
        let en = get(&base, "/?period=2026", center, &[("accept-language", "en-US,en;q=0.9,vi;q=0.5")]).await.body;
        assert!(en.contains("lang=\"en\"") && en.contains("Per agency"), "from Accept-Language");
        let forced = get(&base, "/?period=2026&lang=vi", center, &[("accept-language", "en")]).await.body;
        assert!(forced.contains("lang=\"vi\""), "?lang= overrides the header");
        assert!(forced.contains("<a href=\"/?period=2026&amp;lang=en\" hreflang=\"en\">English</a>"), "{forced}");
        for (path, status, message) in [
            ("/agencies/nobody?lang=en", 404, "Agency `nobody` has no counted report."),
            ("/agencies/so-3?period=2025&lang=en", 404, "Agency `so-3` has no counted report for period 2025."),
            ("/agencies/so-1/systems/nothing?period=2026&lang=en", 404, "Agency `so-1` has no system `nothing`"),
            (
                "/agencies/so-1/systems/mail/controls/NOPE.1?period=2026&lang=en",
                404,
                "System `mail` lists no control `NOPE.1`",
            ),
            ("/?period=2019&lang=en", 404, "No report has been submitted for period 2019."),
            ("/?period=2019&lang=vi", 404, "Chưa có báo cáo nào được nộp cho kỳ 2019."),
            ("/?period=soon&lang=en", 400, "Period `soon` is not a year (YYYY)."),
            ("/?lang=fr", 400, "`lang` là `en` hoặc `vi`."),
        ] {
            let p = get(&base, path, center, &[]).await;
            assert_eq!(p.status, status, "{path}: {}", p.body);
            assert!(p.body.contains(message), "{path}: {message} not in:\n{}", p.body);
            assert_eq!(p.headers.get("content-type").unwrap(), "text/html; charset=utf-8");
        }
        f.server.stop().await;
    });
}

// --- Chromium -----------------------------------------------------------------------------------

const TIMEOUT: Duration = Duration::from_secs(120);

/// The browser, or `None` (the scenario says it skipped) outside CI.
fn browser() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("TUANTHU_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    let found = ["chromium", "chromium-browser"]
        .iter()
        .find_map(|name| std::env::split_paths(&path).map(|d| d.join(name)).find(|p| p.is_file()));
    if found.is_none() {
        assert_ne!(std::env::var("CI").as_deref(), Ok("true"), "Chromium is not installed, but CI=true");
        common::skipped("the browser scenario: Chromium is not installed (apt-get install -y chromium)");
    }
    found
}

/// Runs headless Chromium on `url` with `output` (`--dump-dom` or `--print-to-pdf=…`); its
/// stdout. Its process group is killed after [`TIMEOUT`].
fn run_browser(exe: &Path, dir: &Path, job: &str, url: &str, output: &str) -> String {
    let out_path = dir.join(format!("{job}.out"));
    let err_path = dir.join(format!("{job}.err"));
    let mut child = Command::new(exe)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"])
        .args(["--no-pdf-header-footer", "--window-size=1280,2000"])
        .arg(format!("--user-data-dir={}", dir.join(format!("profile-{job}")).display()))
        .arg(output)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .process_group(0)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", exe.display()));
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let err = std::fs::read_to_string(&err_path).unwrap_or_default();
            assert!(status.success(), "chromium ({job}) exited with {status}:\n{err}");
            return std::fs::read_to_string(&out_path).unwrap();
        }
        if started.elapsed() > TIMEOUT {
            let _ = Command::new("kill").args(["-KILL", "--", &format!("-{}", child.id())]).status();
            let _ = child.wait();
            panic!("chromium ({job}) did not finish within {} s; killed", TIMEOUT.as_secs());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A loopback proxy that adds the session cookie to every request (headless Chromium cannot be
/// given a cookie on its command line): the browser reads the pages exactly as served.
async fn cookie_proxy(target: String, cookie: String) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = axum::Router::new().fallback(move |request: axum::extract::Request| {
        let (target, cookie) = (target.clone(), cookie.clone());
        async move {
            let path = request.uri().path_and_query().map_or("/", |p| p.as_str()).to_string();
            let r = client().get(format!("{target}{path}")).header("cookie", cookie).send().await.unwrap();
            let mut response = axum::response::Response::builder().status(r.status().as_u16());
            for (k, v) in r.headers() {
                response = response.header(k.as_str(), v.as_bytes());
            }
            response.body(axum::body::Body::from(r.bytes().await.unwrap())).unwrap()
        }
    });
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

fn chromium(db: &Db) {
    let Some(exe) = browser() else { return };
    runtime().block_on(async {
        let f = fixture(db).await;
        let base = f.server.base.clone();
        let cookie = login(&base, &f.center).await;
        let proxy = cookie_proxy(base.clone(), cookie.clone()).await;
        let dir = tempfile::tempdir().unwrap();
        let pages = [
            ("national", "/?period=2026&lang=en", "1 of 3 agencies have an approval rate below 50%."),
            ("agency", "/agencies/so-3?period=2026&lang=en", "Agency so-3 (so-3) — period 2026"),
            ("system", "/agencies/so-1/systems/mail?period=2026&lang=vi", "Biện pháp bắt buộc"),
        ];
        let mut links = std::collections::BTreeSet::new();
        for (job, path, text) in pages {
            let (exe, dir, url) = (exe.clone(), dir.path().to_path_buf(), format!("{proxy}{path}"));
            let dom =
                tokio::task::spawn_blocking(move || run_browser(&exe, &dir, job, &url, "--dump-dom")).await.unwrap();
            assert!(dom.contains(text), "{job}: {text:?} not in the rendered page:\n{dom}");
            assert!(dom.contains("<svg") || job == "system", "{job}: the charts render");
            let found = hrefs(&dom);
            assert!(found.len() > 3, "{job}: {found:?}");
            links.extend(found);
        }
        // Every link on the three pages answers 200 with the same cookie.
        let mut followed = 0;
        for link in &links {
            assert!(link.starts_with('/'), "a link inside the dashboard: {link}");
            let p = get(&base, link, Auth::Cookie(&cookie), &[]).await;
            assert_eq!(p.status, 200, "{link}: {}", p.body);
            followed += 1;
        }
        assert!(followed >= 20, "{followed} links followed: {links:?}");
        // Printed to PDF.
        let pdf_path = dir.path().join("national.pdf");
        let (e, d, url, out) =
            (exe.clone(), dir.path().to_path_buf(), format!("{proxy}/?period=2026&lang=en"), pdf_path.clone());
        tokio::task::spawn_blocking(move || {
            run_browser(&e, &d, "pdf", &url, &format!("--print-to-pdf={}", out.display()))
        })
        .await
        .unwrap();
        let pdf = std::fs::read(&pdf_path).unwrap();
        assert!(pdf.starts_with(b"%PDF-") && pdf.len() > 10_000, "the PDF is {} bytes", pdf.len());
        f.server.stop().await;
    });
}
