//! Shared by the national service's tests (tests/serve_*.rs): a throw-away PostgreSQL cluster
//! (initdb into a temporary directory, a free loopback port, run as the unprivileged `postgres`
//! user when the tests run as root — initdb refuses root — and stopped and removed when dropped),
//! a fresh database per scenario on each back end, an in-process server, and signed reports.
//!
//! Every scenario runs against SQLite and PostgreSQL: [`run_scenarios`] runs each one on both and
//! reports every failure with its back end and name (one cluster per test binary, owned by the
//! test function, so its guard's `Drop` stops it).
#![allow(dead_code)]

use ed25519_dalek::SigningKey;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tuanthu::report::sign;
use tuanthu::serve::records::{self, KeyRecord, Role};
use tuanthu::serve::{Limits, Service, Store};

/// The directory holding initdb, pg_ctl and postgres: on PATH (a source build in /usr/local/bin)
/// or Debian's /usr/lib/postgresql/N/bin.
fn pg_bin() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .find(|d| d.join("initdb").is_file() && d.join("pg_ctl").is_file());
    on_path.or_else(|| {
        let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(|e| Some(e.ok()?.path().join("bin")))
            .filter(|d| d.join("initdb").is_file())
            .collect();
        dirs.sort();
        dirs.pop()
    })
}

fn is_root() -> bool {
    let out = Command::new("id").arg("-u").output().expect("run id -u");
    String::from_utf8_lossy(&out.stdout).trim() == "0"
}

/// A running throw-away cluster; dropped: stopped and its directory removed.
pub struct Cluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    pub port: u16,
    as_postgres: bool,
    next: AtomicUsize,
}

impl Cluster {
    /// Starts a cluster, or `None` when PostgreSQL is not installed outside CI (CI installs it:
    /// there its absence fails the test).
    pub fn start() -> Option<Cluster> {
        Cluster::start_with(false)
    }

    /// [`Cluster::start`]; `durable`: with `fsync` on, as production runs (benchmarks), instead
    /// of off (tests: faster, and a test cluster need not survive a power loss).
    pub fn start_with(durable: bool) -> Option<Cluster> {
        let Some(bin) = pg_bin() else {
            assert!(std::env::var_os("CI").is_none(), "PostgreSQL (initdb, pg_ctl) is not installed");
            crate::common::skipped(
                "the PostgreSQL half: PostgreSQL (initdb, pg_ctl) is not installed; the SQLite half runs",
            );
            return None;
        };
        let dir = tempfile::tempdir().expect("temp dir");
        let as_postgres = is_root();
        if as_postgres {
            let ok = Command::new("chown").args(["-R", "postgres:"]).arg(dir.path()).status().expect("chown");
            assert!(ok.success(), "chown the cluster directory to postgres");
        }
        let port = free_port();
        let c = Cluster { dir, bin, port, as_postgres, next: AtomicUsize::new(0) };
        let data = c.data();
        let out = c.run("initdb", &["-D", &data, "-U", "tuanthu", "--auth=trust", "-E", "UTF8", "--no-sync"]);
        assert!(out.status.success(), "initdb failed: {}", String::from_utf8_lossy(&out.stderr));
        let fsync = if durable { "on" } else { "off" };
        let opts = format!("-c listen_addresses=127.0.0.1 -p {port} -k {} -c fsync={fsync}", c.dir.path().display());
        let log = c.dir.path().join("log").display().to_string();
        let out = c.run("pg_ctl", &["-D", &data, "-l", &log, "-o", &opts, "-w", "start"]);
        if !out.status.success() {
            let log = std::fs::read_to_string(&log).unwrap_or_default();
            panic!("pg_ctl start failed: {}\n{log}", String::from_utf8_lossy(&out.stderr));
        }
        Some(c)
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn run(&self, tool: &str, args: &[&str]) -> std::process::Output {
        let exe = self.bin.join(tool);
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&exe);
            c
        } else {
            Command::new(&exe)
        };
        cmd.args(args).current_dir(self.dir.path()).output().unwrap_or_else(|e| panic!("run {tool}: {e}"))
    }

    /// A new empty database on this cluster; its URL.
    pub fn fresh_database(&self) -> String {
        let name = format!("t{}", self.next.fetch_add(1, Ordering::SeqCst));
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let url = format!("postgres://tuanthu@127.0.0.1:{}/postgres", self.port);
            let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await.expect("connect");
            let task = tokio::spawn(conn);
            client.batch_execute(&format!("CREATE DATABASE {name}")).await.expect("create database");
            drop(client);
            let _ = task.await;
        });
        format!("postgres://tuanthu@127.0.0.1:{}/{name}", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.data();
        let _ = self.run("pg_ctl", &["-D", &data, "-m", "immediate", "-w", "stop"]);
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// One scenario's database: its URL and what keeps it alive (a SQLite file's directory).
pub struct Db {
    pub url: String,
    pub backend: &'static str,
    _dir: Option<tempfile::TempDir>,
}

/// A scenario: its name and the function running it on one database.
pub type Scenario = (&'static str, fn(&Db));

/// Runs every scenario on a fresh SQLite file and a fresh PostgreSQL database; fails listing
/// every scenario that failed, with its back end.
pub fn run_scenarios(scenarios: &[Scenario]) {
    let cluster = Cluster::start();
    let mut failed = Vec::new();
    for (name, f) in scenarios {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite:{}", dir.path().join("center.db").display());
        let mut dbs = vec![Db { url, backend: "sqlite", _dir: Some(dir) }];
        if let Some(c) = &cluster {
            dbs.push(Db { url: c.fresh_database(), backend: "postgres", _dir: None });
        }
        for db in &dbs {
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(db)));
            if let Err(e) = result {
                let msg = e
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                failed.push(format!("[{}] {name}: {msg}", db.backend));
            }
        }
    }
    drop(cluster);
    assert!(failed.is_empty(), "{} scenario run(s) failed:\n{}", failed.len(), failed.join("\n"));
}

/// A runtime for one scenario.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

/// A server running in this process on a loopback port; stopped (gracefully) when dropped.
pub struct Server {
    pub base: String,
    pub service: Arc<Service>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Server {
    pub async fn start(url: &str, limits: Limits) -> Server {
        let store = Store::open(url).expect("open store");
        store.migrate().await.expect("migrate");
        let policy = tuanthu::report::verify::bundled_policy().expect("policy");
        let service = Arc::new(Service::new(store, policy, limits));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let s = service.clone();
        let task = tokio::spawn(async move {
            tuanthu::serve::run(listener, s, async {
                let _ = stopped.await;
            })
            .await
            .expect("serve");
        });
        Server { base, service, stop: Some(stop), task: Some(task) }
    }

    pub async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
    }

    pub fn store(&self) -> &Store {
        &self.service.store
    }

    /// Registers `public` (PEM) as a key of `agency`; its fingerprint.
    pub async fn add_key(&self, agency: &str, public: &str, from: Option<&str>, until: Option<&str>) -> String {
        let key = sign::parse_verifying_key(public).unwrap();
        let fingerprint = sign::fingerprint(&key).unwrap();
        let record = KeyRecord {
            fingerprint: fingerprint.clone(),
            agency: agency.to_string(),
            public_pem: public.to_string(),
            valid_from: from.map(str::to_string),
            valid_until: until.map(str::to_string),
            added_at: tuanthu::serve::now_text(),
            revoked_at: None,
        };
        assert!(self.store().tx(move |c| records::add_key(c, &record, "test")).await.unwrap());
        fingerprint
    }

    pub async fn revoke(&self, agency: &str, fingerprint: &str) {
        let (a, f) = (agency.to_string(), fingerprint.to_string());
        assert!(self.store().tx(move |c| records::revoke_key(c, &a, &f, "test")).await.unwrap());
    }

    /// A new token for `role`.
    pub async fn token(&self, role: Role) -> String {
        let token = tuanthu::serve::registry::new_token().unwrap();
        let hash = tuanthu::serve::registry::token_hash(&token);
        self.store().tx(move |c| records::add_token(c, &hash, &role, "test")).await.unwrap();
        token
    }

    pub async fn post(&self, body: impl Into<reqwest::Body>) -> (u16, Value) {
        let r = reqwest::Client::new().post(format!("{}/api/v1/reports", self.base)).body(body).send().await.unwrap();
        let status = r.status().as_u16();
        (status, serde_json::from_slice(&r.bytes().await.unwrap()).unwrap_or(Value::Null))
    }

    /// GET `path` with an optional bearer token: status and body (JSON, or `Value::String` of
    /// the text when not JSON).
    pub async fn get(&self, path: &str, token: Option<&str>) -> (u16, Value) {
        let mut req = reqwest::Client::new().get(format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        let bytes = r.bytes().await.unwrap();
        let body =
            serde_json::from_slice(&bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()));
        (status, body)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

/// A new key pair: the signing key and the public key's PEM.
pub fn keypair() -> (SigningKey, String) {
    let (private, public) = sign::generate().unwrap();
    (ed25519_dalek::pkcs8::DecodePrivateKey::from_pkcs8_pem(&private).unwrap(), public)
}

/// `report` signed by `key` under the key id `key_id` (the agency's own id for a genuine report,
/// another agency's for a foreign-key forgery).
pub fn sign_as(report: &Value, key: &SigningKey, key_id: &str) -> String {
    let mut unsigned = report.clone();
    unsigned.as_object_mut().unwrap().remove("signature");
    let message = serde_json_canonicalizer::to_vec(&unsigned).unwrap();
    let sig = ed25519_dalek::Signer::sign(key, &message);
    let value = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, sig.to_bytes());
    unsigned["signature"] = json!({"alg": "ed25519", "key_id": key_id, "value": value});
    format!("{}\n", serde_json_canonicalizer::to_string(&unsigned).unwrap())
}

/// Writes `text` to `dir/name`; its path.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}
