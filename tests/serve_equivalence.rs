//! Issue 15: for the same signed reports, the service's national view equals `tuanthu aggregate`'s
//! (except `generated_at` and the per-report provenance: file names, rejected and superseded
//! inputs) after submitting them in a shuffled order with duplicates, tampered, foreign-key and
//! replayed copies mixed in — on SQLite and on PostgreSQL.

mod common;
mod serve_support;

use common::reports::{report, system};
use serde_json::{Value, json};
use serve_support::{Db, Server, keypair, run_scenarios, runtime, sign_as, write};
use tuanthu::serve::Limits;
use tuanthu::serve::records::Role;

#[test]
fn national_view_equals_aggregate_on_sqlite_and_postgres() {
    run_scenarios(&[("shuffled submissions with forgeries mixed in", equivalence)]);
}

/// Systems of agency number `n`: a different mix of levels, approvals and missing controls each.
fn systems(n: usize) -> Vec<Value> {
    let mut v = vec![system("portal", 3, "approved", "full", &[])];
    if n.is_multiple_of(2) {
        v.push(system("mail", 2, "approved", "partial", &["NET.01"]));
    }
    if n.is_multiple_of(3) {
        v.push(system("hr", 1, "draft", "none", &[]));
    }
    if n % 4 == 1 {
        v.push(system("gis", 4, "submitted", "partial", &[]));
    }
    v
}

/// A deterministic shuffle (no random crate): a linear congruential sequence.
fn shuffle<T>(v: &mut [T], mut seed: u64) {
    for i in (1..v.len()).rev() {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        v.swap(i, (seed >> 33) as usize % (i + 1));
    }
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

fn equivalence(db: &Db) {
    let dir = tempfile::tempdir().unwrap();
    let (reports, keys) = (dir.path().join("reports"), dir.path().join("keys"));
    std::fs::create_dir_all(&reports).unwrap();
    std::fs::create_dir_all(&keys).unwrap();
    let mut agencies = Vec::new();
    let mut files = Vec::new();
    for n in 1..=7 {
        let id = format!("so-{n}");
        let (key, public) = keypair();
        std::fs::write(keys.join(format!("{id}.pub")), &public).unwrap();
        let r = report(&id, &format!("2026-11-{:02}T08:00:00Z", 10 + n), systems(n));
        files.push(write(&reports, &format!("{id}.json"), &sign_as(&r, &key, &id)));
        agencies.push((id, key, public, r));
    }
    let (a1, a2, a3, a4) = (&agencies[0], &agencies[1], &agencies[2], &agencies[3]);
    // A byte-identical copy, and an older report of the same agency and period.
    files.push(write(&reports, "so-1-copy.json", &std::fs::read_to_string(&files[0]).unwrap()));
    let mut older = report(&a1.0, "2026-11-01T08:00:00Z", systems(5));
    older["agencies"][0]["name"] = json!("Older name");
    files.push(write(&reports, "so-1-older.json", &sign_as(&older, &a1.1, &a1.0)));
    // Tampered after signing, and so-2's report signed with so-3's key.
    let tampered = sign_as(&a2.3, &a2.1, &a2.0).replace("\"name\":\"portal\"", "\"name\":\"Portal\"");
    files.push(write(&reports, "so-2-tampered.json", &tampered));
    files.push(write(&reports, "so-2-foreign.json", &sign_as(&a2.3, &a3.1, &a3.0)));
    // Last year's report of so-4, replayed.
    let mut last_year = report(&a4.0, "2025-11-20T08:00:00Z", systems(1));
    (last_year["as_of"], last_year["period"]) = (json!("2025-11-25"), json!("2025"));
    files.push(write(&reports, "so-4-2025.json", &sign_as(&last_year, &a4.1, &a4.0)));

    let aggregate = |extra: &[&str]| {
        let mut args =
            vec!["aggregate", reports.to_str().unwrap(), "--keys", keys.to_str().unwrap(), "--format", "json"];
        args.extend(extra);
        let o = common::tuanthu(&args);
        assert_eq!(common::code(&o), 1, "aggregate rejects the forgeries: {}", common::stderr(&o));
        serde_json::from_slice::<Value>(&o.stdout).unwrap()
    };
    let expected = aggregate(&["--period", "2026"]);
    assert_eq!(expected["overall"]["agencies"], 7);
    assert_eq!(expected["rejected"].as_array().unwrap().len(), 3, "{}", expected["rejected"]);
    let expected_default = aggregate(&[]);

    runtime().block_on(async {
        let server = Server::start(&db.url, Limits::default()).await;
        for (id, _, public, _) in &agencies {
            server.add_key(id, public, None, None).await;
        }
        let mut order: Vec<_> = files.iter().chain(files.iter().take(3)).collect();
        shuffle(&mut order, 15);
        let mut outcomes = std::collections::BTreeMap::<String, usize>::new();
        for f in order {
            let (status, body) = server.post(std::fs::read(f).unwrap()).await;
            let what = body["status"].as_str().or(body["error"]["code"].as_str()).unwrap_or("?").to_string();
            *outcomes.entry(format!("{status} {what}")).or_default() += 1;
        }
        let center = server.token(Role::Center).await;
        let (status, national) = server.get("/api/v1/national?period=2026", Some(&center)).await;
        assert_eq!(status, 200, "{national}");
        assert_eq!(comparable(national.clone()), comparable(expected.clone()), "outcomes: {outcomes:?}");
        let (_, default) = server.get("/api/v1/national", Some(&center)).await;
        assert_eq!(comparable(default), comparable(expected_default.clone()));
        assert_eq!(national["superseded"].as_array().unwrap().len(), 1, "the older so-1 report");
        assert_eq!(outcomes.get("422 bad_signature").copied(), Some(2), "{outcomes:?}");
        let (_, history) = server.get("/api/v1/agencies/so-4?period=2026", Some(&center)).await;
        let periods: Vec<&str> =
            history["history"].as_array().unwrap().iter().map(|h| h["period"].as_str().unwrap()).collect();
        assert_eq!(periods, ["2025", "2026"], "the replayed 2025 report is kept in its own period");
        server.stop().await;
    });
}
