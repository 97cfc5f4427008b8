//! Issue 15: crash safety, on SQLite and PostgreSQL. The real `tuanthu serve` binary receives
//! distinct signed reports from 50 concurrent clients and is killed (SIGKILL) right after the
//! K-th acknowledgement, with submissions still in flight; it is restarted on the same database.
//!
//! What must hold afterwards (and what is allowed):
//! - every acknowledged submission (a `201` reached its client) is stored, byte for byte;
//! - a submission whose `201` was lost in the kill may be stored or not (its transaction committed
//!   or it did not) — nothing else is stored: every stored row is one of the reports sent;
//! - nothing is half-stored: a submission row exists exactly when its figures (all its systems)
//!   and its audit entry do;
//! - per agency and period exactly one stored submission is counted, the newest stored one;
//! - `GET /api/v1/national` equals `tuanthu aggregate` over exactly the stored reports
//!   (acknowledged ∪ committed-but-unacknowledged), except `generated_at` and provenance;
//! - sending every report again (as `tuanthu submit` retries) is accepted, and the national view
//!   then equals `aggregate` over all of them.
//!
//! Deterministic: the kill follows the K-th acknowledgement, not a delay.

mod common;
mod serve_support;

use common::reports::{report, system};
use serde_json::Value;
use serve_support::{Db, keypair, run_scenarios, sign_as};
use std::collections::{BTreeMap, BTreeSet};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tuanthu::serve::Store;
use tuanthu::serve::records::{self, KeyRecord, Role};

const CLIENTS: usize = 50;
/// Reports per client (one agency each): four of one period, sent out of order.
const GENERATED: [&str; 4] =
    ["2026-11-11T08:00:00Z", "2026-11-13T08:00:00Z", "2026-11-10T08:00:00Z", "2026-11-12T08:00:00Z"];
/// Acknowledgements before the kill.
const KILL_AFTER: usize = 60;

#[test]
fn a_killed_server_keeps_every_acknowledged_submission_on_sqlite_and_postgres() {
    run_scenarios(&[("SIGKILL while 50 clients submit", crash)]);
}

/// One report sent: its agency, its bytes.
struct Sent {
    agency: String,
    generated_at: &'static str,
    bytes: String,
}

fn start(url: &str, port: u16, log: &std::path::Path) -> Child {
    let log = std::fs::File::create(log).unwrap();
    Command::new(env!("CARGO_BIN_EXE_tuanthu"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--database", url])
        .args(["--client-burst", "100000", "--client-per-minute", "100000"])
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start tuanthu serve")
}

/// Waits until the server answers `/readyz` (polling; the process must stay alive).
async fn ready(child: &Mutex<Child>, base: &str) {
    for _ in 0..2_000 {
        if let Ok(r) = reqwest::get(format!("{base}/readyz")).await
            && r.status() == 200
        {
            return;
        }
        let exited = child.lock().unwrap().try_wait().unwrap();
        assert!(exited.is_none(), "tuanthu serve exited before it was ready: {exited:?}");
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("tuanthu serve never became ready");
}

fn crash(db: &Db) {
    let dir = tempfile::tempdir().unwrap();
    let keys_dir = dir.path().join("keys");
    std::fs::create_dir_all(&keys_dir).unwrap();
    let mut sent = Vec::new();
    let mut keys = Vec::new();
    for n in 0..CLIENTS {
        let agency = format!("so-{n}");
        let (key, public) = keypair();
        std::fs::write(keys_dir.join(format!("{agency}.pub")), &public).unwrap();
        for g in GENERATED {
            let r = report(
                &agency,
                g,
                vec![system("portal", 3, "approved", "full", &[]), system("mail", 2, "draft", "partial", &["NET.01"])],
            );
            sent.push(Sent { agency: agency.clone(), generated_at: g, bytes: sign_as(&r, &key, &agency) });
        }
        keys.push((agency, public));
    }
    let sent = Arc::new(sent);
    let rt = serve_support::runtime();
    let center = rt.block_on(async {
        let store = Store::open(&db.url).unwrap();
        store.migrate().await.unwrap();
        for (agency, public) in keys {
            let fingerprint =
                tuanthu::report::sign::fingerprint(&tuanthu::report::sign::parse_verifying_key(&public).unwrap())
                    .unwrap();
            let record = KeyRecord {
                fingerprint,
                agency,
                public_pem: public,
                valid_from: None,
                valid_until: None,
                added_at: tuanthu::serve::now_text(),
                revoked_at: None,
            };
            store.tx(move |c| records::add_key(c, &record, "test")).await.unwrap();
        }
        let token = tuanthu::serve::registry::new_token().unwrap();
        let hash = tuanthu::serve::registry::token_hash(&token);
        store.tx(move |c| records::add_token(c, &hash, &Role::Center, "test")).await.unwrap();
        token
    });

    let port = serve_support::free_port();
    let base = format!("http://127.0.0.1:{port}");
    let child = Arc::new(Mutex::new(start(&db.url, port, &dir.path().join("serve-1.log"))));
    // Index of the report → the id its 201 gave.
    let acked: BTreeMap<usize, String> = rt.block_on(async {
        ready(&child, &base).await;
        let count = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for c in 0..CLIENTS {
            let (sent, count, child, url) =
                (sent.clone(), count.clone(), child.clone(), format!("{base}/api/v1/reports"));
            tasks.push(tokio::spawn(async move {
                let client = reqwest::Client::new();
                let mut mine = Vec::new();
                for i in c * GENERATED.len()..(c + 1) * GENERATED.len() {
                    let Ok(r) = client.post(&url).body(sent[i].bytes.clone()).send().await else { break };
                    let status = r.status().as_u16();
                    let Ok(body) = r.bytes().await else { break };
                    assert_eq!(
                        status,
                        201,
                        "before the kill every report is accepted: {}",
                        String::from_utf8_lossy(&body)
                    );
                    let v: Value = serde_json::from_slice(&body).unwrap();
                    mine.push((i, v["id"].as_str().unwrap().to_string()));
                    if count.fetch_add(1, Ordering::SeqCst) + 1 == KILL_AFTER {
                        child.lock().unwrap().kill().expect("SIGKILL the server");
                    }
                }
                mine
            }));
        }
        let mut acked = BTreeMap::new();
        for t in tasks {
            acked.extend(t.await.unwrap());
        }
        acked
    });
    let status = child.lock().unwrap().wait().unwrap();
    assert_eq!(status.code(), None, "killed by a signal, not exited: {status:?}");
    assert!(acked.len() >= KILL_AFTER, "{} acknowledged", acked.len());
    assert!(acked.len() < sent.len(), "the kill interrupted the clients: all {} acknowledged", acked.len());

    let child = Arc::new(Mutex::new(start(&db.url, port, &dir.path().join("serve-2.log"))));
    rt.block_on(async {
        ready(&child, &base).await;
        let store = Store::open(&db.url).unwrap();
        let rows = store
            .tx(|c| {
                let subs = c.query("SELECT id, agency, period, generated_at, status, figures FROM submissions", &[])?;
                let audit = c.query("SELECT detail FROM audit WHERE action = 'submission'", &[])?;
                Ok((subs, audit))
            })
            .await
            .unwrap();
        let (subs, audit) = rows;
        let client = reqwest::Client::new();
        let get = |path: String| {
            let req = client.get(format!("{base}{path}")).header("authorization", format!("Bearer {center}"));
            async move {
                let r = req.send().await.unwrap();
                (r.status().as_u16(), r.bytes().await.unwrap())
            }
        };

        // Stored: which report each row is (by its stored bytes), whole.
        let mut stored = BTreeMap::<String, usize>::new();
        let mut per_agency = BTreeMap::<String, Vec<(String, String, String)>>::new();
        for row in &subs {
            let (id, agency, status) = (row.text(0).unwrap(), row.text(1).unwrap(), row.text(4).unwrap());
            let (code, raw) = get(format!("/api/v1/reports/{id}")).await;
            assert_eq!(code, 200);
            let i = sent
                .iter()
                .position(|s| s.bytes.as_bytes() == raw)
                .unwrap_or_else(|| panic!("stored {id} is none of the reports sent"));
            assert_eq!(
                (agency.as_str(), row.text(3).unwrap().as_str()),
                (sent[i].agency.as_str(), sent[i].generated_at)
            );
            let figures: Value = serde_json::from_str(&row.text(5).unwrap()).expect("figures are whole JSON");
            assert_eq!(figures["systems"].as_array().map(Vec::len), Some(2), "{id}: both systems stored");
            stored.insert(id.clone(), i);
            per_agency.entry(agency).or_default().push((row.text(3).unwrap(), status, id));
        }
        eprintln!(
            "[{}] {} sent, {} acknowledged before the kill, {} stored (committed but unacknowledged: {})",
            db.backend,
            sent.len(),
            acked.len(),
            stored.len(),
            stored.len() - acked.len()
        );
        // Every acknowledged submission is there.
        for (i, id) in &acked {
            assert_eq!(stored.get(id), Some(i), "acknowledged submission {id} is stored");
        }
        // Row ⇔ audit entry.
        let audited: BTreeSet<String> = audit
            .iter()
            .map(|r| {
                let d = r.text(0).unwrap();
                d.split(' ').find_map(|w| w.strip_prefix("id=")).unwrap().to_string()
            })
            .collect();
        assert_eq!(audited, stored.keys().cloned().collect::<BTreeSet<_>>(), "one audit entry per stored submission");
        // One counted per agency: the newest stored.
        for (agency, mut list) in per_agency {
            list.sort();
            let statuses: Vec<&str> = list.iter().map(|(_, s, _)| s.as_str()).collect();
            let mut want = vec!["superseded"; list.len() - 1];
            want.push("counted");
            assert_eq!(statuses, want, "{agency}: {list:?}");
        }

        // The national view is aggregate's over exactly the stored reports.
        let national = |extra: &str| {
            let g = get(format!("/api/v1/national?period=2026{extra}"));
            async move {
                let (code, body) = g.await;
                assert_eq!(code, 200);
                serde_json::from_slice::<Value>(&body).unwrap()
            }
        };
        let only_stored: Vec<usize> = stored.values().copied().collect();
        assert_eq!(comparable(national("").await), aggregate(&dir, &sent, &only_stored, "stored"));

        // Every report again, as a retrying client sends it: accepted, and then all count.
        let mut outcomes = BTreeMap::<String, usize>::new();
        for (i, s) in sent.iter().enumerate() {
            let r = client.post(format!("{base}/api/v1/reports")).body(s.bytes.clone()).send().await.unwrap();
            assert_eq!(r.status().as_u16(), 201, "report {i} again");
            let v: Value = serde_json::from_slice(&r.bytes().await.unwrap()).unwrap();
            *outcomes.entry(v["status"].as_str().unwrap().to_string()).or_default() += 1;
        }
        assert_eq!(outcomes.get("duplicate").copied().unwrap_or(0), stored.len(), "{outcomes:?}");
        let all: Vec<usize> = (0..sent.len()).collect();
        assert_eq!(comparable(national("").await), aggregate(&dir, &sent, &all, "all"));
    });
    let _ = child.lock().unwrap().kill();
    let _ = child.lock().unwrap().wait();
}

/// `tuanthu aggregate --period 2026` over the reports `which`, without what may differ.
fn aggregate(dir: &tempfile::TempDir, sent: &[Sent], which: &[usize], name: &str) -> Value {
    let reports = dir.path().join(name);
    std::fs::create_dir_all(&reports).unwrap();
    for &i in which {
        std::fs::write(reports.join(format!("r{i}.json")), &sent[i].bytes).unwrap();
    }
    let keys = dir.path().join("keys");
    let o = common::tuanthu(&[
        "aggregate",
        reports.to_str().unwrap(),
        "--keys",
        keys.to_str().unwrap(),
        "--format",
        "json",
        "--period",
        "2026",
    ]);
    assert!(matches!(common::code(&o), 0 | 1), "aggregate: {}", common::stderr(&o));
    comparable(serde_json::from_slice(&o.stdout).unwrap())
}

/// The view without what may differ: generation time and per-report provenance.
fn comparable(mut v: Value) -> Value {
    let o = v.as_object_mut().unwrap();
    for k in ["generated_at", "rejected", "superseded"] {
        o.remove(k);
    }
    for a in v["agencies"].as_array_mut().unwrap() {
        a.as_object_mut().unwrap().remove("report");
    }
    v
}
