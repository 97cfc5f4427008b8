//! Issue 15: the national service's submission API and reads, each scenario against SQLite and
//! PostgreSQL (a throw-away cluster: tests/serve_support). Submissions are accepted, duplicate or
//! superseded; every refusal has its code and status; reads need a token and an agency token
//! reads only its agency; hostile ids are stored verbatim or refused, never interpreted.

mod common;
mod serve_support;

use common::reports::{report, system};
use serde_json::{Value, json};
use serve_support::{Db, Server, keypair, run_scenarios, runtime, sign_as};
use tuanthu::serve::Limits;
use tuanthu::serve::records::Role;

#[test]
fn service_api_on_sqlite_and_postgres() {
    run_scenarios(&[
        ("accepted, duplicate, superseded", accepted_duplicate_superseded),
        ("every refusal has its code and status", refusals),
        ("rate limit per agency", rate_limited),
        ("reads need a token; an agency token reads its own agency", access),
        ("hostile ids are stored verbatim or refused", hostile_ids),
        ("oversized body", oversized),
        ("migrations are versioned and idempotent", migrations),
        ("rows stored before the tallies were kept count the same", rows_without_tallies),
        ("a version 2 database migrates to 3 with the same national view", version_2_migrates),
    ]);
}

fn genuine(agency: &str, generated_at: &str) -> Value {
    report(
        agency,
        generated_at,
        vec![system("a1", 3, "approved", "full", &[]), system("a2", 2, "approved", "partial", &["NET.01"])],
    )
}

fn accepted_duplicate_superseded(db: &Db) {
    runtime().block_on(async {
        let server = Server::start(&db.url, Limits::default()).await;
        let (key, public) = keypair();
        let fingerprint = server.add_key("so-a", &public, None, None).await;
        let first = sign_as(&genuine("so-a", "2026-11-20T08:00:00Z"), &key, "so-a");

        let (status, body) = server.post(first.clone()).await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(body["status"], "counted");
        assert_eq!(body["agency"], "so-a");
        assert_eq!(body["period"], "2026");
        assert_eq!(body["key"], fingerprint.as_str());
        let id = body["id"].as_str().unwrap().to_string();

        let (status, again) = server.post(first.clone()).await;
        assert_eq!(
            (status, again["status"].as_str(), again["id"].as_str()),
            (201, Some("duplicate"), Some(id.as_str()))
        );
        // The same signed report without its trailing newline is the same report.
        let (status, trimmed) = server.post(first.trim_end().to_string()).await;
        assert_eq!(
            (status, trimmed["status"].as_str(), trimmed["id"].as_str()),
            (201, Some("duplicate"), Some(id.as_str()))
        );

        let newer = sign_as(&genuine("so-a", "2026-11-21T08:00:00Z"), &key, "so-a");
        let (status, body) = server.post(newer).await;
        assert_eq!((status, body["status"].as_str()), (201, Some("counted")));
        let newer_id = body["id"].as_str().unwrap().to_string();

        let older = sign_as(&genuine("so-a", "2026-11-19T08:00:00Z"), &key, "so-a");
        let (status, body) = server.post(older).await;
        assert_eq!((status, body["status"].as_str()), (201, Some("superseded")));

        let center = server.token(Role::Center).await;
        let (status, national) = server.get("/api/v1/national?period=2026", Some(&center)).await;
        assert_eq!(status, 200, "{national}");
        assert_eq!(national["schema"], "tuanthu/national/v1");
        assert_eq!(national["overall"]["agencies"], 1);
        assert_eq!(national["agencies"][0]["report"], newer_id.as_str());
        assert_eq!(national["superseded"].as_array().unwrap().len(), 2, "{national}");
        // The stored bytes are the legal record, byte for byte.
        let raw = reqwest::Client::new()
            .get(format!("{}/api/v1/reports/{id}", server.base))
            .bearer_auth(&center)
            .send()
            .await
            .unwrap();
        assert_eq!(raw.status().as_u16(), 200);
        assert_eq!(raw.bytes().await.unwrap().as_ref(), first.as_bytes());
        server.stop().await;
    });
}

/// The body, its expected status and error code.
fn refusal_cases(
    key: &ed25519_dalek::SigningKey,
    other: &ed25519_dalek::SigningKey,
    unknown: &ed25519_dalek::SigningKey,
) -> Vec<(&'static str, String, u16, &'static str)> {
    let good = genuine("so-a", "2026-11-20T08:00:00Z");
    let signed = |v: &Value| sign_as(v, key, "so-a");
    let mut out = vec![
        ("not JSON", "{not json".to_string(), 400, "malformed"),
        ("an array", "[1, 2]".to_string(), 400, "malformed"),
        ("not a report", "{}".to_string(), 400, "not_a_report"),
        ("another schema", r#"{"schema":"tuanthu/national/v1"}"#.to_string(), 400, "not_a_report"),
    ];
    out.push(("unsigned", format!("{}\n", serde_json_canonicalizer::to_string(&good).unwrap()), 422, "unsigned"));
    out.push(("tampered", signed(&good).replace("Agency so-a", "Agency so-z"), 422, "bad_signature"));
    out.push(("foreign key", sign_as(&good, other, "so-b"), 422, "bad_signature"));
    out.push(("wrong key of the agency", sign_as(&good, other, "so-a"), 422, "bad_signature"));
    out.push((
        "unknown agency",
        sign_as(&genuine("so-x", "2026-11-20T08:00:00Z"), unknown, "so-x"),
        422,
        "unknown_key",
    ));
    out.push((
        "not canonical",
        serde_json::to_string_pretty(&serde_json::from_str::<Value>(&signed(&good)).unwrap()).unwrap(),
        422,
        "not_canonical",
    ));
    let mut two = good.clone();
    let a = two["agencies"][0].clone();
    two["agencies"] = json!([a.clone(), a]);
    out.push(("several agencies", signed(&two), 422, "several_agencies"));
    let mut level = good.clone();
    level["agencies"][0]["systems"][0]["level"] = json!(9);
    out.push(("level 9", signed(&level), 422, "schema"));
    let mut claimed = good.clone();
    claimed["agencies"][0]["systems_approved"] = json!(5);
    out.push(("inconsistent figures", signed(&claimed), 422, "inconsistent"));
    let mut period = good.clone();
    period["period"] = json!("9999");
    out.push(("bad period", signed(&period), 422, "bad_period"));
    out
}

fn refusals(db: &Db) {
    runtime().block_on(async {
        let server = Server::start(&db.url, Limits::default()).await;
        let (key, public) = keypair();
        let (other, other_public) = keypair();
        let (unknown, _) = keypair();
        server.add_key("so-a", &public, None, None).await;
        server.add_key("so-b", &other_public, None, None).await;
        let mut wrong = Vec::new();
        for (name, body, status, code) in refusal_cases(&key, &other, &unknown) {
            let (s, b) = server.post(body).await;
            if (s, b["error"]["code"].as_str()) != (status, Some(code))
                || b["error"]["message"].as_str().is_none_or(str::is_empty)
            {
                wrong.push(format!("{name}: expected {status} {code}, got {s} {b}"));
            }
        }
        // Revoked: a second key of so-a, revoked; a report it signs is refused as revoked_key,
        // while the one it signed before stays counted.
        let (rotated, rotated_public) = keypair();
        let fp = server.add_key("so-a", &rotated_public, None, None).await;
        let (s, before) = server.post(sign_as(&genuine("so-a", "2026-11-20T09:00:00Z"), &rotated, "so-a")).await;
        assert_eq!((s, before["status"].as_str(), before["key"].as_str()), (201, Some("counted"), Some(fp.as_str())));
        server.revoke("so-a", &fp).await;
        let (s, b) = server.post(sign_as(&genuine("so-a", "2026-11-20T10:00:00Z"), &rotated, "so-a")).await;
        if (s, b["error"]["code"].as_str()) != (422, Some("revoked_key")) {
            wrong.push(format!("revoked key: got {s} {b}"));
        }
        // A key outside its validity window is not tried either.
        let (late, late_public) = keypair();
        server.add_key("so-b", &late_public, Some("2099-01-01"), None).await;
        let (s, b) = server.post(sign_as(&genuine("so-b", "2026-11-20T10:00:00Z"), &late, "so-b")).await;
        if (s, b["error"]["code"].as_str()) != (422, Some("revoked_key")) {
            wrong.push(format!("key not yet valid: got {s} {b}"));
        }
        let center = server.token(Role::Center).await;
        let (_, national) = server.get("/api/v1/national?period=2026", Some(&center)).await;
        assert_eq!(
            national["agencies"][0]["report"], before["id"],
            "the revoked key's earlier submission still counts"
        );
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
        // Refusals of a report (422) are audited with the claimed agency and the code; a body
        // that is not a report (400) is not.
        let refused = server
            .store()
            .tx(|c| c.query("SELECT detail FROM audit WHERE action = 'submission.refused' ORDER BY seq", &[]))
            .await
            .unwrap();
        let refused: Vec<String> = refused.iter().map(|r| r.text(0).unwrap()).collect();
        assert_eq!(refused.len(), 12, "{refused:?}");
        assert_eq!(refused[0], "claimed_agency=- code=unsigned");
        assert_eq!(refused[11], "claimed_agency=so-b code=revoked_key");
        server.stop().await;
    });
}

fn rate_limited(db: &Db) {
    runtime().block_on(async {
        let limits = Limits { burst: 2, per_minute: 1, ..Limits::default() };
        let server = Server::start(&db.url, limits).await;
        let (key, public) = keypair();
        server.add_key("so-a", &public, None, None).await;
        let body = sign_as(&genuine("so-a", "2026-11-20T08:00:00Z"), &key, "so-a");
        assert_eq!(server.post(body.clone()).await.0, 201);
        assert_eq!(server.post(body.clone()).await.0, 201);
        let (s, b) = server.post(body).await;
        assert_eq!((s, b["error"]["code"].as_str()), (429, Some("rate_limited")), "{b}");
        server.stop().await;
    });
}

fn access(db: &Db) {
    runtime().block_on(async {
        let server = Server::start(&db.url, Limits::default()).await;
        let (ka, pa) = keypair();
        let (kb, pb) = keypair();
        server.add_key("so-a", &pa, None, None).await;
        server.add_key("so-b", &pb, None, None).await;
        server.add_key("so-c", &keypair().1, None, None).await;
        let mut with_finding = genuine("so-a", "2026-11-20T08:00:00Z");
        let finding = json!({"rule": "net-telnet", "asset": "10.0.0.5:23/tcp", "message": "telnet open", "evidence": "scan.xml#host=10.0.0.5"});
        for c in with_finding["agencies"][0]["systems"][1]["controls"].as_array_mut().unwrap() {
            if c["id"] == "NET.01" {
                c["findings"] = json!([finding.clone()]);
            }
        }
        let (_, ra) = server.post(sign_as(&with_finding, &ka, "so-a")).await;
        let (_, rb) = server.post(sign_as(&genuine("so-b", "2026-11-20T08:00:00Z"), &kb, "so-b")).await;
        let center = server.token(Role::Center).await;
        let agency_a = server.token(Role::Agency("so-a".into())).await;

        for path in ["/api/v1/national", "/api/v1/missing", "/api/v1/agencies/so-a", "/api/v1/agencies/so-a/systems/a1"] {
            let (s, b) = server.get(path, None).await;
            assert_eq!((s, b["error"]["code"].as_str()), (401, Some("unauthorized")), "{path} without a token");
            let (s, _) = server.get(path, Some("tt_not-a-token")).await;
            assert_eq!(s, 401, "{path} with an unknown token");
        }
        for path in ["/api/v1/national", "/api/v1/missing", "/api/v1/agencies/so-b", "/api/v1/agencies/so-b/systems/a1"] {
            let (s, b) = server.get(path, Some(&agency_a)).await;
            assert_eq!((s, b["error"]["code"].as_str()), (403, Some("forbidden")), "{path} with so-a's token");
        }
        let rb_path = format!("/api/v1/reports/{}", rb["id"].as_str().unwrap());
        assert_eq!(server.get(&rb_path, Some(&agency_a)).await.0, 403, "another agency's report");
        let ra_path = format!("/api/v1/reports/{}", ra["id"].as_str().unwrap());
        assert_eq!(server.get(&ra_path, Some(&agency_a)).await.0, 200, "its own report");

        let (s, a) = server.get("/api/v1/agencies/so-a?period=2026", Some(&agency_a)).await;
        assert_eq!(s, 200, "{a}");
        assert_eq!(a["agency"]["id"], "so-a");
        assert_eq!(a["agency"]["systems_total"], 2);
        assert_eq!(a["systems"].as_array().unwrap().len(), 2);
        assert_eq!(a["history"].as_array().unwrap().len(), 1);
        let (s, sys) = server.get("/api/v1/agencies/so-a/systems/a2", Some(&agency_a)).await;
        assert_eq!(s, 200, "{sys}");
        assert_eq!(sys["system"]["missing_controls"], json!(["NET.01"]));
        let net01 = sys["system"]["controls"].as_array().unwrap().iter().find(|c| c["id"] == "NET.01").unwrap();
        assert_eq!((net01["status"].as_str(), &net01["findings"]), (Some("fail"), &json!([finding])));
        let (s, _) = server.get("/api/v1/agencies/so-a/systems/nope", Some(&agency_a)).await;
        assert_eq!(s, 404);

        let (s, missing) = server.get("/api/v1/missing?period=2026", Some(&center)).await;
        assert_eq!(s, 200);
        assert_eq!(missing["agencies"], json!([{"id": "so-c", "name": null}]), "{missing}");
        let (s, b) = server.get("/api/v1/national?period=26", Some(&center)).await;
        assert_eq!((s, b["error"]["code"].as_str()), (400, Some("bad_request")));
        let (s, csv) = server.get("/api/v1/national.csv?period=2026", Some(&center)).await;
        assert_eq!(s, 200);
        let csv = csv.as_str().unwrap().to_string();
        assert!(csv.contains("so-a") && csv.contains("so-b"), "{csv}");
        assert_eq!(server.get("/api/v1/national.xlsx", Some(&agency_a)).await.0, 403);
        let xlsx = reqwest::Client::new().get(format!("{}/api/v1/national.xlsx?lang=vi", server.base)).bearer_auth(&center).send().await.unwrap();
        assert_eq!(xlsx.status().as_u16(), 200);
        assert!(xlsx.bytes().await.unwrap().starts_with(b"PK"), "a workbook (zip)");
        assert_eq!(server.get("/healthz", None).await.0, 200);
        assert_eq!(server.get("/readyz", None).await.0, 200);
        let (s, b) = server.get("/api/v1/nothing", None).await;
        assert_eq!((s, b["error"]["code"].as_str()), (404, Some("not_found")));

        // Every submission and administrative action is in the audit log; no token is.
        let log = server
            .store()
            .tx(|c| c.query("SELECT actor, action, detail FROM audit ORDER BY seq", &[]))
            .await
            .unwrap();
        let actions: Vec<String> = log.iter().map(|r| format!("{} {}", r.text(0).unwrap(), r.text(1).unwrap())).collect();
        assert_eq!(
            actions,
            ["test key.add", "test key.add", "test key.add", "agency submission", "agency submission", "test token.create", "test token.create"]
        );
        for r in &log {
            let detail = r.text(2).unwrap();
            assert!(!detail.contains(&center) && !detail.contains(&agency_a), "a token in the audit log: {detail}");
        }
        assert!(log[3].text(2).unwrap().starts_with("agency=so-a period=2026 id="), "{:?}", log[3]);
        server.stop().await;
    });
}

fn hostile_ids(db: &Db) {
    runtime().block_on(async {
        let server = Server::start(&db.url, Limits::default()).await;
        let (key, public) = keypair();
        server.add_key("so-a", &public, None, None).await;
        let center = server.token(Role::Center).await;
        // A system id with SQL and path characters is stored verbatim and read back by it.
        let odd = "s'; DROP TABLE submissions;--/../x";
        let r = report("so-a", "2026-11-20T08:00:00Z", vec![system(odd, 3, "approved", "full", &[])]);
        let (s, b) = server.post(sign_as(&r, &key, "so-a")).await;
        assert_eq!(s, 201, "{b}");
        let encoded: String = odd.bytes().map(|b| format!("%{b:02X}")).collect();
        let (s, sys) = server.get(&format!("/api/v1/agencies/so-a/systems/{encoded}"), Some(&center)).await;
        assert_eq!(s, 200, "{sys}");
        assert_eq!(sys["system"]["id"], odd);
        // An agency id with SQL characters is refused by the schema, never interpreted.
        let bad = report("x' OR '1'='1", "2026-11-20T08:00:00Z", vec![system("a1", 3, "approved", "full", &[])]);
        let (s, b) = server.post(sign_as(&bad, &key, "x' OR '1'='1")).await;
        assert_eq!((s, b["error"]["code"].as_str()), (422, Some("unknown_key")), "{b}");
        for path in [
            "/api/v1/agencies/x'%20OR%20'1'='1",
            "/api/v1/reports/1'%20OR%20'1'='1",
            "/api/v1/reports/..%2F..%2Fetc%2Fpasswd",
        ] {
            let (s, b) = server.get(path, Some(&center)).await;
            assert_eq!((s, b["error"]["code"].as_str()), (404, Some("not_found")), "{path}: {b}");
        }
        let (s, _) = server.get("/api/v1/national", Some("' OR '1'='1")).await;
        assert_eq!(s, 401);
        // Still one submission, and the tables are all there.
        let (s, national) = server.get("/api/v1/national", Some(&center)).await;
        assert_eq!((s, national["overall"]["agencies"].as_u64()), (200, Some(1)), "{national}");
        server.stop().await;
    });
}

fn oversized(db: &Db) {
    runtime().block_on(async {
        let server = Server::start(&db.url, Limits { max_body: 1 << 20, ..Limits::default() }).await;
        let big = format!("{{\"schema\":\"tuanthu/report/v1\",\"pad\":\"{}\"}}", "x".repeat(2 << 20));
        let (s, b) = server.post(big).await;
        assert_eq!((s, b["error"]["code"].as_str()), (413, Some("too_large")), "{b}");
        // Sent in chunks without a length: refused all the same once the limit is passed.
        assert_eq!(chunked_post(&server.base, 3 << 20).await, "HTTP/1.1 413 Payload Too Large");
        server.stop().await;
    });
}

/// POSTs `size` bytes with `Transfer-Encoding: chunked` (no length announced) over a raw
/// connection; the response's status line.
async fn chunked_post(base: &str, size: usize) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut conn = tokio::net::TcpStream::connect(base.trim_start_matches("http://")).await.unwrap();
    let head = "POST /api/v1/reports HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n";
    conn.write_all(head.as_bytes()).await.unwrap();
    let chunk = vec![b' '; 1 << 16];
    for _ in 0..size / chunk.len() {
        // The server may answer and stop reading before the end: a failed write is expected then.
        if conn.write_all(format!("{:x}\r\n", chunk.len()).as_bytes()).await.is_err()
            || conn.write_all(&chunk).await.is_err()
            || conn.write_all(b"\r\n").await.is_err()
        {
            break;
        }
    }
    let _ = conn.write_all(b"0\r\n\r\n").await;
    let mut response = Vec::new();
    let _ = conn.read_to_end(&mut response).await;
    String::from_utf8_lossy(&response).lines().next().unwrap_or("").to_string()
}

fn migrations(db: &Db) {
    runtime().block_on(async {
        let store = tuanthu::serve::Store::open(&db.url).unwrap();
        assert_eq!(store.migrate().await.unwrap(), vec![1, 2, 3]);
        assert_eq!(store.migrate().await.unwrap(), Vec::<i64>::new(), "a second start applies nothing");
    });
}

/// Submissions stored before schema version 2 have no tallies: the national view then reads their
/// full figures, with the same result.
fn rows_without_tallies(db: &Db) {
    runtime().block_on(async {
        let server = Server::start(&db.url, Limits::default()).await;
        for (agency, generated_at) in [("so-a", "2026-11-20T08:00:00Z"), ("so-b", "2026-11-21T08:00:00Z")] {
            let (key, public) = keypair();
            server.add_key(agency, &public, None, None).await;
            assert_eq!(server.post(sign_as(&genuine(agency, generated_at), &key, agency)).await.0, 201);
        }
        let center = server.token(Role::Center).await;
        let (_, before) = server.get("/api/v1/national?period=2026", Some(&center)).await;
        assert_eq!(before["overall"]["agencies"], 2, "{before}");
        let cleared = server
            .store()
            .tx(|c| {
                c.execute(
                    "DELETE FROM submission_tallies WHERE id IN (SELECT id FROM submissions WHERE agency = 'so-a')",
                    &[],
                )
            })
            .await;
        assert_eq!(cleared.unwrap(), 1);
        let (status, after) = server.get("/api/v1/national?period=2026", Some(&center)).await;
        assert_eq!(status, 200, "{after}");
        assert_eq!(without_generated_at(after), without_generated_at(before));
        server.stop().await;
    });
}

/// The columns of `keys`.
const KEYS: &str = "fingerprint, agency, public_pem, valid_from, valid_until, added_at, revoked_at";

/// The columns of `submissions` at schema version 2, `tally` last.
const SUBMISSIONS_V2: &str = "id, agency, period, generated_at, received_at, key_fingerprint, status, superseded_by, \
                              agency_name, digest, figures, raw, tally";

/// A database as schema version 2 left it (the tallies in the `tally` column of `submissions`,
/// and an agency whose rows were stored before version 2, without any) migrates to version 3, and
/// the national view is the one the same reports give when stored by this version.
fn version_2_migrates(db: &Db) {
    use tuanthu::serve::store::{Cell, Param, Row};
    runtime().block_on(async {
        // The reports stored by this version: the rows a version 2 database holds for them.
        let server = Server::start(&db.url, Limits::default()).await;
        for agency in ["so-a", "so-b", "so-c"] {
            let (key, public) = keypair();
            server.add_key(agency, &public, None, None).await;
            for generated_at in ["2026-11-20T08:00:00Z", "2026-11-21T08:00:00Z"] {
                assert_eq!(server.post(sign_as(&genuine(agency, generated_at), &key, agency)).await.0, 201);
            }
        }
        let center = server.token(Role::Center).await;
        let (_, before) = server.get("/api/v1/national?period=2026", Some(&center)).await;
        let superseded = before["superseded"].as_array().map(Vec::len);
        assert_eq!((before["overall"]["agencies"].as_u64(), superseded), (Some(3), Some(3)), "{before}");
        let rows = server
            .store()
            .tx(|c| {
                let tally = ", (SELECT tally FROM submission_tallies t WHERE t.id = submissions.id)";
                let v2 = SUBMISSIONS_V2.replace(", tally", tally);
                Ok((
                    c.query("SELECT id, name, registered_at FROM agencies", &[])?,
                    c.query(&format!("SELECT {KEYS} FROM keys"), &[])?,
                    c.query(&format!("SELECT {v2} FROM submissions"), &[])?,
                ))
            })
            .await
            .unwrap();
        server.stop().await;

        // The same database rebuilt at version 2 by the real migrations, holding those rows.
        let store = tuanthu::serve::Store::open(&db.url).unwrap();
        let dropped = "DROP TABLE submission_tallies; DROP TABLE audit; DROP TABLE tokens; DROP TABLE submissions; \
                       DROP TABLE keys; DROP TABLE agencies; DROP TABLE schema_migrations;";
        store.tx(|c| c.batch(dropped)).await.unwrap();
        assert_eq!(store.migrate_to(2).await.unwrap(), vec![1, 2]);
        fn params(r: &Row) -> Vec<Param<'_>> {
            r.0.iter()
                .map(|cell| match cell {
                    Cell::Null => Param::Opt(None),
                    Cell::Text(t) => Param::Text(t),
                    Cell::Bytes(b) => Param::Bytes(b),
                    Cell::Int(n) => panic!("no integer column is copied: {n}"),
                })
                .collect()
        }
        let (agencies, keys, submissions) = rows;
        store
            .tx(move |c| {
                for r in &agencies {
                    c.execute("INSERT INTO agencies (id, name, registered_at) VALUES ($1, $2, $3)", &params(r))?;
                }
                for r in &keys {
                    c.execute(&format!("INSERT INTO keys ({KEYS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"), &params(r))?;
                }
                for r in &submissions {
                    let mut p = params(r);
                    if r.0[1] == Cell::Text("so-c".into()) {
                        p[12] = Param::Opt(None); // stored before version 2: no tallies
                    }
                    let values = "$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13";
                    let sql = format!("INSERT INTO submissions ({SUBMISSIONS_V2}) VALUES ({values})");
                    c.execute(&sql, &p)?;
                }
                Ok(())
            })
            .await
            .unwrap();

        assert_eq!(store.migrate().await.unwrap(), vec![3]);
        let kept = store
            .tx(|c| c.query("SELECT CAST(COUNT(*) AS TEXT) FROM submission_tallies", &[])?[0].text(0))
            .await
            .unwrap();
        assert_eq!(kept, "4", "the tallies of so-a and so-b moved, so-c has none");
        let server = Server::start(&db.url, Limits::default()).await;
        let center = server.token(Role::Center).await;
        let (status, after) = server.get("/api/v1/national?period=2026", Some(&center)).await;
        assert_eq!(status, 200, "{after}");
        assert_eq!(without_generated_at(after), without_generated_at(before));
        server.stop().await;
    });
}

/// A national document without its `generated_at`, to compare two views of the same data.
fn without_generated_at(mut v: Value) -> Value {
    v.as_object_mut().unwrap().remove("generated_at");
    v
}
