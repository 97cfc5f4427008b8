//! Issue 15: the service's commands as a center and an agency use them — `serve --migrate-only`,
//! `serve keys add|list|revoke`, `serve tokens create`, `serve` itself (a real process, stopped
//! with SIGTERM) and `submit`'s exit codes against it — on SQLite and PostgreSQL.

mod common;
mod serve_support;

use common::{code, stderr, stdout};
use serde_json::Value;
use serve_support::{Db, free_port, run_scenarios, sign_as, write};
use std::process::{Command, Stdio};

#[test]
fn serve_and_submit_commands_on_sqlite_and_postgres() {
    run_scenarios(&[("center and agency commands", commands)]);
}

fn tuanthu(args: &[&str]) -> std::process::Output {
    common::tuanthu(args)
}

fn genuine(generated_at: &str) -> Value {
    common::reports::report("so-a", generated_at, vec![common::reports::system("a1", 3, "approved", "full", &[])])
}

/// A `tuanthu serve` process; killed if still running when dropped.
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Waits until the server answers /healthz (a bounded number of tries, not a timed assertion).
fn wait_ready(base: &str) {
    let rt = serve_support::runtime();
    for _ in 0..300 {
        let ok = rt.block_on(async { reqwest::get(format!("{base}/healthz")).await.is_ok_and(|r| r.status() == 200) });
        if ok {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("the server at {base} never answered /healthz");
}

fn commands(db: &Db) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let url = db.url.as_str();

    let o = tuanthu(&["serve", "--migrate-only", "--database", url]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stderr(&o).contains("database migrated to schema version 1, 2, 3"), "{}", stderr(&o));
    let o = tuanthu(&["serve", "--migrate-only", "--database", url]);
    assert_eq!((code(&o), stderr(&o).as_str()), (0, ""), "a second migration applies nothing");
    let o = tuanthu(&["serve", "--migrate-only", "--database", "mysql://x"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("is not a database URL (expected sqlite:PATH or postgres://"), "{}", stderr(&o));
    let o = tuanthu(&["serve", "--migrate-only", "--database", "postgres://u@h:notaport/db"]);
    assert_eq!(code(&o), 2, "a PostgreSQL URL that does not parse is bad input: {}", stderr(&o));

    let keys = d.join("keys");
    let o = tuanthu(&["keys", "generate", "--agency", "so-a", "-o", keys.to_str().unwrap()]);
    assert_eq!(code(&o), 0);
    let fingerprint = stderr(&o)
        .lines()
        .find_map(|l| l.strip_prefix("tuanthu: public key fingerprint ").map(str::to_string))
        .expect("keys generate prints the fingerprint");
    assert!(fingerprint.starts_with("SHA256:"), "{fingerprint}");
    let public = keys.join("so-a.pub");
    let public = public.to_str().unwrap();

    let o = tuanthu(&["serve", "keys", "add", "--agency", "so-a", public, "--database", url]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), format!("added key of so-a: {fingerprint}\n"));
    let o = tuanthu(&["serve", "keys", "add", "--agency", "so-a", public, "--database", url]);
    assert_eq!(code(&o), 2);
    assert_eq!(stderr(&o), format!("error: {public}: key {fingerprint} is already registered\n"));
    let o = tuanthu(&["serve", "keys", "add", "--agency", "x'; DROP TABLE keys;--", public, "--database", url]);
    assert_eq!(code(&o), 2);
    assert_eq!(stderr(&o), "error: --agency: `x'; DROP TABLE keys;--` is not an agency id\n");
    let o = tuanthu(&["serve", "keys", "add", "--agency", "so-b", public, "--from", "2026-13-01", "--database", url]);
    assert_eq!((code(&o), stderr(&o).as_str()), (2, "error: --from: `2026-13-01` is not a date (YYYY-MM-DD)\n"));
    let o = tuanthu(&["serve", "keys", "list", "--database", url]);
    assert_eq!(stdout(&o), format!("so-a\t{fingerprint}\t..\tactive\n"));

    let o = tuanthu(&["serve", "tokens", "create", "--role", "center", "--database", url]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    let token = out.lines().last().unwrap().to_string();
    assert!(
        token.starts_with("tt_") && out.ends_with(&format!("\n{token}\n")),
        "the token alone on the last line: {out}"
    );
    let o = tuanthu(&["serve", "tokens", "create", "--role", "agency", "--database", url]);
    assert_eq!(code(&o), 2, "an agency token needs --agency: {}", stderr(&o));

    // The service itself, as a process.
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let child = Command::new(env!("CARGO_BIN_EXE_tuanthu"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--database", url])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut server = Running(child);
    wait_ready(&base);

    let private = keys.join("so-a.key");
    let key = tuanthu::report::sign::read_signing_key(&private).unwrap();
    let good = write(d, "good.json", &sign_as(&genuine("2026-11-20T08:00:00Z"), &key, "so-a"));
    let good = good.to_str().unwrap();
    let tampered =
        write(d, "tampered.json", &std::fs::read_to_string(good).unwrap().replace("Agency so-a", "Agency so-z"));
    let tampered = tampered.to_str().unwrap();
    let not_report = write(d, "not-report.json", "{}");
    let not_report = not_report.to_str().unwrap();

    let o = tuanthu(&["submit", good, "--to", &base]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let id = tuanthu::serve::service::submission_id(&{
        let e = tuanthu::report::sign::envelope(&std::fs::read(good).unwrap()).unwrap().unwrap();
        e.signature
    });
    assert_eq!(stdout(&o), format!("{good}: counted (id {id}, agency so-a, period 2026, key {fingerprint})\n"));
    let o = tuanthu(&["submit", good, "--to", &format!("{base}/")]);
    assert_eq!(
        (code(&o), stdout(&o)),
        (0, format!("{good}: duplicate (id {id}, agency so-a, period 2026, key {fingerprint})\n"))
    );
    let o = tuanthu(&["submit", good, "--to", &base, "--lang", "vi"]);
    assert_eq!(
        (code(&o), stdout(&o)),
        (0, format!("{good}: đã nhận trước đó (mã {id}, cơ quan so-a, kỳ 2026, khoá {fingerprint})\n"))
    );
    let o = tuanthu(&["submit", good, tampered, "--to", &base]);
    assert_eq!(code(&o), 1);
    assert!(
        stdout(&o)
            .ends_with(&format!("{tampered}: rejected: bad_signature: bad signature (content altered or wrong key)\n")),
        "{}",
        stdout(&o)
    );
    let missing = d.join("missing.json");
    let o = tuanthu(&["submit", missing.to_str().unwrap(), good, "--to", &base]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).starts_with(&format!("error: {}: ", missing.display())), "{}", stderr(&o));
    let o = tuanthu(&["submit", not_report, "--to", &base]);
    assert_eq!(code(&o), 2);
    assert_eq!(
        stderr(&o),
        format!("error: {not_report}: not_a_report: not a tuanthu/report/v1 document (no or another `schema`)\n")
    );

    let o = tuanthu(&["serve", "keys", "revoke", "--agency", "so-a", "--key", &fingerprint, "--database", url]);
    assert_eq!((code(&o), stdout(&o)), (0, format!("revoked key of so-a: {fingerprint}\n")), "{}", stderr(&o));
    let newer = write(d, "newer.json", &sign_as(&genuine("2026-11-21T08:00:00Z"), &key, "so-a"));
    let o = tuanthu(&["submit", newer.to_str().unwrap(), "--to", &base]);
    assert_eq!(code(&o), 1);
    assert!(stdout(&o).contains(": rejected: revoked_key: signed with key SHA256:"), "{}", stdout(&o));

    let rt = serve_support::runtime();
    let national: Value = rt.block_on(async {
        let r = reqwest::Client::new().get(format!("{base}/api/v1/national")).bearer_auth(&token).send().await.unwrap();
        serde_json::from_slice(&r.bytes().await.unwrap()).unwrap()
    });
    assert_eq!(national["agencies"][0]["report"], id.as_str(), "the revoked key's earlier submission still counts");

    // SIGTERM: the server stops accepting, finishes what is in flight and exits 0.
    let pid = server.0.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let status = server.0.wait().unwrap();
    let mut log = String::new();
    std::io::Read::read_to_string(server.0.stderr.as_mut().unwrap(), &mut log).unwrap();
    assert_eq!(status.code(), Some(0), "{log}");
    assert!(log.contains("\"event\":\"shutting_down\"") && log.contains("\"event\":\"stopped\""), "{log}");
    assert!(!log.contains(&token), "a token never reaches the log");

    // Nobody listening: exit 3 after the retries.
    let o = tuanthu(&["submit", good, "--to", &base, "--retries", "1"]);
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    assert!(stderr(&o).starts_with(&format!("error: {good}: the service could not be reached: ")), "{}", stderr(&o));
}
