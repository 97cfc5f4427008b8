//! Issue 15: the submission endpoint's admission control (src/serve/limit.rs), on SQLite and
//! PostgreSQL. Junk claiming an agency spends its sender's bucket, never the agency's: the real
//! agency still submits. The in-flight budget refuses with `503 busy` and `Retry-After` while a
//! body holds it, and admits again once it is given back.

mod common;
mod serve_support;

use common::reports::{report, system};
use serde_json::Value;
use serve_support::{Db, Server, keypair, run_scenarios, runtime, sign_as};
use std::net::IpAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tuanthu::serve::Limits;

#[test]
fn admission_control_on_sqlite_and_postgres() {
    run_scenarios(&[
        ("junk claiming an agency cannot lock the agency out", junk_cannot_lock_out),
        ("the in-flight budget refuses with 503 while held", in_flight_cap),
    ]);
}

fn genuine(agency: &str, generated_at: &str) -> Value {
    report(agency, generated_at, vec![system("a1", 3, "approved", "full", &[])])
}

/// POSTs `body` from the loopback source address `from`: status, `error.code` (or `status`), and
/// the `Retry-After` header.
async fn post_from(server: &Server, from: &str, body: String) -> (u16, String, Option<String>) {
    let client = reqwest::Client::builder().local_address(from.parse::<IpAddr>().unwrap()).build().unwrap();
    let r = client.post(format!("{}/api/v1/reports", server.base)).body(body).send().await.unwrap();
    let status = r.status().as_u16();
    let retry = r.headers().get("retry-after").map(|v| v.to_str().unwrap().to_string());
    let v: Value = serde_json::from_slice(&r.bytes().await.unwrap()).unwrap_or(Value::Null);
    let code = v["error"]["code"].as_str().or(v["status"].as_str()).unwrap_or("").to_string();
    (status, code, retry)
}

fn junk_cannot_lock_out(db: &Db) {
    runtime().block_on(async {
        // The agency may submit twice; any one address five times.
        let limits = Limits { burst: 2, per_minute: 1, client_burst: 5, client_per_minute: 1, ..Limits::default() };
        let server = Server::start(&db.url, limits).await;
        let (key, public) = keypair();
        let (forger, _) = keypair();
        server.add_key("so-a", &public, None, None).await;

        // An attacker at 127.0.0.2 sends reports claiming so-a, signed with its own key: far more
        // than so-a's burst. Each is refused on its signature until the attacker's address is
        // over its own limit.
        let junk = sign_as(&genuine("so-a", "2026-11-20T08:00:00Z"), &forger, "so-a");
        for _ in 0..5 {
            assert_eq!(post_from(&server, "127.0.0.2", junk.clone()).await, (422, "bad_signature".into(), None));
        }
        let (status, code, retry) = post_from(&server, "127.0.0.2", junk.clone()).await;
        assert_eq!((status, code.as_str()), (429, "rate_limited"));
        assert_retry_within_a_minute(retry);

        // so-a, from its own address, is not affected: both of its submissions are counted.
        let first = sign_as(&genuine("so-a", "2026-11-21T08:00:00Z"), &key, "so-a");
        assert_eq!(post_from(&server, "127.0.0.1", first).await, (201, "counted".into(), None));
        let second = sign_as(&genuine("so-a", "2026-11-22T08:00:00Z"), &key, "so-a");
        assert_eq!(post_from(&server, "127.0.0.1", second).await, (201, "counted".into(), None));
        // Its own bucket is still charged once its signature verified: a third is over the rate.
        let third = sign_as(&genuine("so-a", "2026-11-23T08:00:00Z"), &key, "so-a");
        let (status, code, retry) = post_from(&server, "127.0.0.1", third).await;
        assert_eq!((status, code.as_str()), (429, "rate_limited"));
        assert_retry_within_a_minute(retry);
        server.stop().await;
    });
}

/// At one submission per minute, a token is back within 60 s (how much less depends on how long
/// the requests took, so the exact value is not asserted).
fn assert_retry_within_a_minute(retry: Option<String>) {
    let seconds: u64 = retry.as_deref().expect("Retry-After").parse().expect("Retry-After is seconds");
    assert!((1..=60).contains(&seconds), "Retry-After: {seconds}");
}

fn in_flight_cap(db: &Db) {
    runtime().block_on(async {
        let limits = Limits { max_body: 64 << 10, in_flight: 64 << 10, ..Limits::default() };
        let server = Server::start(&db.url, limits).await;
        let (key, public) = keypair();
        server.add_key("so-a", &public, None, None).await;

        // A slow client declares the largest body and sends only its first bytes: its
        // reservation fills the budget until the body is complete.
        let addr = server.base.trim_start_matches("http://").to_string();
        let mut slow = tokio::net::TcpStream::connect(&addr).await.unwrap();
        let declared = 64 << 10;
        let head = format!("POST /api/v1/reports HTTP/1.1\r\nhost: {addr}\r\ncontent-length: {declared}\r\n\r\n{{");
        slow.write_all(head.as_bytes()).await.unwrap();
        // Waits until the handler has reserved the body (polling; not a timing assertion).
        for _ in 0..10_000 {
            if server.service.in_flight() > 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        assert_eq!(server.service.in_flight(), 64 << 10, "the slow body holds the whole budget");

        let body = sign_as(&genuine("so-a", "2026-11-21T08:00:00Z"), &key, "so-a");
        assert_eq!(post_from(&server, "127.0.0.1", body.clone()).await, (503, "busy".into(), Some("2".into())));

        // The slow body completes (it is not JSON: 400), which gives its reservation back.
        slow.write_all(&vec![b'x'; declared - 1]).await.unwrap();
        let mut response = Vec::new();
        let mut buf = [0u8; 4096];
        while !String::from_utf8_lossy(&response).contains("\"malformed\"") {
            let n = slow.read(&mut buf).await.unwrap();
            assert!(n > 0, "connection closed before the response: {}", String::from_utf8_lossy(&response));
            response.extend_from_slice(&buf[..n]);
        }
        assert!(
            String::from_utf8_lossy(&response).starts_with("HTTP/1.1 400"),
            "{}",
            String::from_utf8_lossy(&response)
        );
        drop(slow);
        assert_eq!(server.service.in_flight(), 0);
        assert_eq!(post_from(&server, "127.0.0.1", body).await, (201, "counted".into(), None));
        server.stop().await;
    });
}
