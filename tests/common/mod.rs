//! Shared helpers for the integration tests.
#![allow(dead_code)]

pub mod reports;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn demo() -> PathBuf {
    root().join("examples/demo")
}

/// Runs the tuanthu binary with `args`.
pub fn tuanthu(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tuanthu"))
        .args(args)
        .current_dir(root())
        .env_remove("TUANTHU_LANG")
        .env_remove("TUANTHU_AS_OF")
        .output()
        .expect("run tuanthu")
}

/// What a bounded run ended with: the output, or `None` in `output` when the timeout killed it.
pub struct Bounded {
    pub output: Option<Output>,
    pub elapsed: std::time::Duration,
}

/// Runs the tuanthu binary with `args` under an address-space limit (`limit_mib`, through the
/// shell's `ulimit -v`) and a timeout after which the child is killed. Hostile-input tests use it
/// to assert a clear answer within bounds measured by the harness, never by the code under test.
/// Any `stdin` text is written to the child's standard input.
pub fn tuanthu_bounded(args: &[&str], limit_mib: u64, timeout: std::time::Duration, cwd: &Path) -> Bounded {
    use std::io::Read;
    use std::process::Stdio;
    let start = std::time::Instant::now();
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {} && exec \"$0\" \"$@\"", limit_mib * 1024))
        .arg(env!("CARGO_BIN_EXE_tuanthu"))
        .args(args)
        .current_dir(cwd)
        .env_remove("TUANTHU_LANG")
        .env_remove("TUANTHU_AS_OF")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run tuanthu under sh");
    // Drain both pipes on threads so a chatty child cannot block on a full pipe.
    let mut out = child.stdout.take().expect("stdout piped");
    let mut err = child.stderr.take().expect("stderr piped");
    let out_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let err_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for tuanthu") {
            break Some(status);
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let stdout = out_t.join().unwrap_or_default();
    let stderr = err_t.join().unwrap_or_default();
    Bounded { output: status.map(|status| Output { status, stdout, stderr }), elapsed: start.elapsed() }
}

/// [`tuanthu_bounded`] that must finish: panics with the elapsed time when the timeout killed it.
pub fn tuanthu_within(args: &[&str], limit_mib: u64, timeout: std::time::Duration, cwd: &Path) -> Output {
    let b = tuanthu_bounded(args, limit_mib, timeout, cwd);
    b.output.unwrap_or_else(|| panic!("tuanthu {args:?} did not finish within {timeout:?} (killed)"))
}

/// The demo's inputs without evidence file: inventory, scan and the fixed evaluation date.
/// The README's main command (the demo evaluated with its scan, its recorded TLS/HTTP evidence and
/// its hosts' audits and vulnerability report; the shell expands the README's `dvc-*`).
/// A rule pack's header, for tests that write a pack of their own (every rules directory has one).
pub const PACK_HEADER: &str = "schema: tuanthu/rule-pack/v1
id: test-pack
version: \"1.0.0\"
title: {en: \"Test pack\", vi: \"Bộ quy tắc thử\"}
source: tests
";

pub const README_DEMO: [&str; 11] = [
    "--inventory",
    "examples/demo/inventory.yaml",
    "--nmap",
    "examples/demo/scan.xml",
    "--evidence",
    "examples/demo/evidence.json",
    "examples/demo/dvc-app-report.dat",
    "examples/demo/dvc-db-greenbone.xml",
    "examples/demo/dvc-web.xccdf.xml",
    "--as-of",
    "2026-11-25",
];

pub const DEMO_SCAN: [&str; 6] =
    ["--inventory", "examples/demo/inventory.yaml", "--nmap", "examples/demo/scan.xml", "--as-of", "2026-11-25"];

/// `tuanthu check` on the demo's inventory and scan, plus `extra` arguments.
pub fn check_demo(extra: &[&str]) -> Output {
    let mut args = vec!["check"];
    args.extend(DEMO_SCAN);
    args.extend(extra);
    tuanthu(&args)
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

/// Writes `files` (name, contents) into a fresh temporary directory.
pub fn dir_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let d = tempfile::tempdir().expect("tempdir");
    for (name, text) in files {
        let p = d.path().join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(p, text).expect("write");
    }
    d
}

pub fn path_str(p: &Path) -> String {
    p.display().to_string()
}

/// `../shared` beside the checkout, or the folder `TUANTHU_SHARED` names (so a test can see what
/// a clone without it prints).
pub fn shared_path() -> PathBuf {
    std::env::var_os("TUANTHU_SHARED").map_or_else(|| root().join("../shared"), PathBuf::from)
}

/// [`shared_path`]: present in CI, maybe absent in a user's clone. Returns None (after saying
/// so with [`skipped`]) when it is absent outside CI; under CI=true its absence is a failure.
pub fn shared() -> Option<PathBuf> {
    let p = shared_path();
    if p.is_dir() {
        return Some(p);
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("{} is missing under CI=true: the corpora tests cannot run", p.display());
    }
    skipped(&format!("{} is absent (the test corpora; CI runs this test with them)", p.display()));
    None
}

/// Says that the running test skipped its checks: "skipped: TEST: why" on stderr. Stable Rust's
/// test harness has no runtime skip (the test is counted as passed), and it captures `eprintln!`
/// and shows it only for a failed test; so the line is written to stderr directly, where a
/// user's `cargo test` shows it among the results.
pub fn skipped(why: &str) {
    use std::io::Write;
    let thread = std::thread::current();
    // The harness names each test's thread after the test.
    let test = thread.name().filter(|n| *n != "main").map(|n| format!("{n}: ")).unwrap_or_default();
    let _ = writeln!(std::io::stderr().lock(), "skipped: {test}{why}");
}

/// Whether `tool` (run with `arg`, e.g. `version`) is installed: outside CI a missing tool skips
/// the test, saying how to install it; under `CI=true` it is an error, since `.ci/run` installs it.
pub fn tool_available(tool: &str, arg: &str, package: &str) -> bool {
    match std::process::Command::new(tool).arg(arg).output() {
        Ok(o) if o.status.success() => true,
        _ if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("{tool} is not installed, but CI=true: .ci/run must install it")
        }
        _ => {
            skipped(&format!("{tool} is not installed (apt-get install {package})"));
            false
        }
    }
}

/// `check` of a freshly collected evidence file, judged from the file alone (the servers gone):
/// the JSON report, after asserting the run says "no" (exit 1) — a test's servers offer weak
/// configurations on purpose.
pub fn check_collected(inventory: &Path, evidence: &Path) -> serde_json::Value {
    let (inv, ev) = (inventory.to_str().expect("utf-8 path"), evidence.to_str().expect("utf-8 path"));
    let args = ["check", "--inventory", inv, "--evidence", ev, "--format", "json", "--max-evidence-age", "2"];
    let check = tuanthu(&args);
    assert_eq!(code(&check), 1, "{}", stderr(&check));
    serde_json::from_str(&stdout(&check)).expect("a JSON report")
}

/// Every finding of the first system's controls in a JSON report: (rule, asset, outcome).
pub fn findings(report: &serde_json::Value) -> Vec<(String, String, String)> {
    let sys = &report["agencies"][0]["systems"][0];
    let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
    sys["controls"]
        .as_array()
        .expect("controls")
        .iter()
        .flat_map(|c| c["findings"].as_array().into_iter().flatten())
        .map(|f| (text(&f["rule"]), text(&f["asset"]), text(&f["outcome"])))
        .collect()
}

/// A minimal valid inventory with one system; `system_extra` is inserted into the system mapping
/// (indented by 4 spaces).
pub fn inventory(level: u8, system_extra: &str) -> String {
    format!(
        "schema: tuanthu/inventory/v1\nagency:\n  id: test-agency\n  name: Cơ quan thử nghiệm\n  catalogue: tt12-2022\nsystems:\n  - id: sys-a\n    name: Hệ thống A\n    level: {level}\n    approval: {{status: approved, decision: \"1/QĐ\", date: 2025-01-10}}\n{system_extra}"
    )
}

/// Signs `check`'s JSON report of `inventory` with a new key for `agency` into `out`.
pub fn signed_report(keys: &Path, agency: &str, inventory: &str, out: &Path) {
    let o = tuanthu(&["keys", "generate", "--agency", agency, "-o", keys.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let key = keys.join(format!("{agency}.key"));
    let o = tuanthu(&[
        "check",
        "--inventory",
        inventory,
        "--as-of",
        "2026-11-25",
        "--format",
        "json",
        "--sign",
        key.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(code(&o) <= 1, "{}", stderr(&o));
}

/// [`inventory`] at level 2 for `agency`, its system's approval `status`, written into `dir`.
pub fn small_inventory(dir: &Path, agency: &str, status: &str) -> String {
    let text =
        inventory(2, "").replace("test-agency", agency).replace("status: approved", &format!("status: {status}"));
    let path = dir.join(format!("{agency}.yaml"));
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

/// Reports of three agencies (the demo's, signed; a small one, signed; a small one, unsigned), a
/// resubmitted copy and a malformed file.
pub fn national_inputs(root: &Path) -> (PathBuf, PathBuf) {
    let (keys, reports) = (root.join("keys"), root.join("reports"));
    std::fs::create_dir_all(&reports).unwrap();
    signed_report(&keys, "skhcn-binh-an", "examples/demo/inventory.yaml", &reports.join("binh-an.json"));
    let small = small_inventory(root, "so-nho", "submitted");
    signed_report(&keys, "so-nho", &small, &reports.join("so-nho.json"));
    std::fs::copy(reports.join("so-nho.json"), reports.join("so-nho-again.json")).unwrap();
    let unsigned = small_inventory(root, "so-chua-ky", "approved");
    let o = tuanthu(&["check", "--inventory", &unsigned, "--as-of", "2026-11-25", "--format", "json"]);
    std::fs::write(reports.join("so-chua-ky.json"), stdout(&o)).unwrap();
    std::fs::write(reports.join("garbage.json"), "{\"schema\": ").unwrap();
    (keys, reports)
}

/// `check` of one approved level-3 Circular 12 system declaring `host`, with `evidence` files, as
/// of `as_of`: the JSON report's controls by id (status, basis, failing findings as
/// "rule asset evidence").
pub fn check_one_host(
    host: &str,
    evidence: &[&Path],
    as_of: &str,
) -> std::collections::BTreeMap<String, (String, String, Vec<String>)> {
    let dir = tempfile::tempdir().expect("tempdir");
    let inv = dir.path().join("inventory.yaml");
    std::fs::write(
        &inv,
        format!(
            "schema: tuanthu/inventory/v1\nagency:\n  id: so-test\n  name: Test\nsystems:\n  - id: s\n    name: S\n    level: 3\n    approval: {{status: approved, decision: \"1/QĐ\", date: 2025-06-01}}\n    owner: T\n    operator: T\n    assets:\n      hosts: [\"{host}\"]\n"
        ),
    )
    .expect("write inventory");
    let out = dir.path().join("r.json");
    let mut args = vec!["check".to_string(), "--inventory".into(), path_str(&inv), "--evidence".into()];
    args.extend(evidence.iter().map(|p| path_str(p)));
    args.extend(["--as-of".into(), as_of.into(), "--format".into(), "json".into(), "-o".into(), path_str(&out)]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = tuanthu(&args);
    assert!(matches!(code(&o), 0 | 1), "check: {}", stderr(&o));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("report")).expect("JSON");
    let system = &report["agencies"][0]["systems"][0];
    system["controls"]
        .as_array()
        .expect("controls")
        .iter()
        .map(|c| {
            let fails = c["findings"]
                .as_array()
                .expect("findings")
                .iter()
                .filter(|f| f["outcome"] == "fail")
                .map(|f| {
                    format!(
                        "{} {} {}",
                        f["rule"].as_str().unwrap_or(""),
                        f["asset"].as_str().unwrap_or("-"),
                        f["evidence"].as_str().unwrap_or("-")
                    )
                })
                .collect();
            let id = c["id"].as_str().unwrap_or_default().to_string();
            (
                id,
                (
                    c["status"].as_str().unwrap_or_default().to_string(),
                    c["basis"].as_str().unwrap_or_default().to_string(),
                    fails,
                ),
            )
        })
        .collect()
}

/// A loopback daemon a test started itself (sshd, unbound): killed and reaped when dropped.
pub struct Daemon(std::process::Child);

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Whether the tests run as root (CI does).
pub fn is_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0").unwrap_or(false)
}

/// Starts `program args…`, which must listen on 127.0.0.1:`port`, and returns once it does (or
/// panics with the daemon's own reason if it exits first): readiness, not a timed assertion. As
/// root it runs as `nobody` through `setpriv` — daemons refuse root or insist on the system's own
/// directories — and `dir` (its configuration and keys) is made readable for that user.
pub fn start_daemon<I>(program: &str, args: I, dir: &Path, port: u16) -> Daemon
where
    I: IntoIterator,
    I::Item: AsRef<std::ffi::OsStr>,
{
    use std::io::Read;
    use std::process::Stdio;
    let mut cmd = if is_root() {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        for e in std::fs::read_dir(dir).unwrap() {
            std::fs::set_permissions(e.unwrap().path(), std::fs::Permissions::from_mode(0o644)).unwrap();
        }
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", program]);
        c
    } else {
        Command::new(program)
    };
    cmd.args(args).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped());
    let mut daemon = Daemon(cmd.spawn().unwrap_or_else(|e| panic!("{program}: {e}")));
    for _ in 0..200 {
        if let Ok(Some(status)) = daemon.0.try_wait() {
            let mut err = String::new();
            daemon.0.stderr.take().unwrap().read_to_string(&mut err).unwrap();
            panic!("{program} exited with {status}: {err}");
        }
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return daemon;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("{program} did not listen on 127.0.0.1:{port}");
}

/// A TLS acceptor for an in-process HTTPS test server: a fresh self-signed certificate for `name`,
/// HTTP/1.1 only (the test servers speak HTTP/1), aws-lc-rs as everywhere in tuanthu.
pub fn https_acceptor(name: &str) -> tokio_rustls::TlsAcceptor {
    use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
    let ck = rcgen::generate_simple_self_signed(vec![name.to_string()]).unwrap();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(ck.signing_key.serialize_der()));
    let provider = std::sync::Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![ck.cert.der().clone()], key)
        .unwrap();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(config))
}
