//! The SSH probe against real OpenSSH servers on loopback (apt `openssh-server`; CI installs it),
//! started by the test with its own configuration and host keys: a modern configuration and a
//! weak one (SHA-1 and 1024-bit group key exchange, CBC and 3DES ciphers, SHA-1/MD5/64-bit MACs, a
//! 1024-bit RSA and a DSA host key). The recorded facts are compared with what the configuration
//! says and with `ssh-keygen -l`; `collect` then `check --evidence` give the rules' verdicts.
//! Hostile peers (not SSH, oversized packets) are served in-process.
//!
//! sshd runs unprivileged: as the test's user, or — when the tests run as root, where sshd would
//! insist on the system's privilege-separation directory — as `nobody` through `setpriv`. It is
//! never the system's sshd and listens only on 127.0.0.1.

mod common;

use common::{code, stderr, tuanthu};
use serde_json::Value;
use std::ffi::OsStr;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;
use tuanthu::collect::net::{Dialer, Limits, Politeness};

const SSHD: &str = "/usr/sbin/sshd";

/// A running sshd, killed when dropped.
struct Sshd {
    _daemon: common::Daemon,
    port: u16,
    dir: tempfile::TempDir,
}

impl Sshd {
    /// `ssh-keygen -l` of a host key: (bits, SHA256:…).
    fn fingerprint(&self, key: &str) -> (u64, String) {
        let o = Command::new("ssh-keygen")
            .arg("-l")
            .arg("-f")
            .arg(self.dir.path().join(format!("{key}.pub")))
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&o.stdout).to_string();
        let mut words = text.split_whitespace();
        (words.next().unwrap().parse().unwrap(), words.next().unwrap().to_string())
    }
}

fn available() -> bool {
    if Path::new(SSHD).exists() {
        return true;
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("{SSHD} is missing under CI=true (.ci/run installs openssh-server)");
    }
    common::skipped(&format!("{SSHD} is absent (apt install openssh-server; CI runs this test)"));
    false
}

/// Starts sshd with `keys` (name, ssh-keygen type, bits) and extra configuration lines.
fn start(keys: &[(&str, &str, &str)], config: &str) -> Sshd {
    let dir = tempfile::tempdir().unwrap();
    let mut conf = String::from(
        "ListenAddress 127.0.0.1\nUsePAM no\nStrictModes no\nPidFile none\nAuthorizedKeysFile none\n\
         PasswordAuthentication no\nKbdInteractiveAuthentication no\nLogLevel ERROR\n",
    );
    for (name, kind, bits) in keys {
        let path = dir.path().join(name);
        let o = Command::new("ssh-keygen")
            .args(["-q", "-N", "", "-t", kind, "-b", bits, "-C", "tuanthu-test", "-f"])
            .arg(&path)
            .output()
            .unwrap();
        assert!(o.status.success(), "ssh-keygen {kind}: {}", String::from_utf8_lossy(&o.stderr));
        conf.push_str(&format!("HostKey {}\n", path.display()));
    }
    conf.push_str(config);
    let conf_path = dir.path().join("sshd_config");
    std::fs::write(&conf_path, conf).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let port_arg = port.to_string();
    let args = [OsStr::new("-D"), "-e".as_ref(), "-f".as_ref(), conf_path.as_ref(), "-p".as_ref(), port_arg.as_ref()];
    let daemon = common::start_daemon(SSHD, args, dir.path(), port);
    Sshd { _daemon: daemon, port, dir }
}

const MODERN_KEYS: &[(&str, &str, &str)] =
    &[("ed25519", "ed25519", "256"), ("rsa", "rsa", "3072"), ("ecdsa", "ecdsa", "256")];
const MODERN: &str = "KexAlgorithms curve25519-sha256,ecdh-sha2-nistp256,diffie-hellman-group16-sha512\n\
Ciphers chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-ctr\n\
MACs hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com\n\
HostKeyAlgorithms ssh-ed25519,rsa-sha2-512,rsa-sha2-256,ecdsa-sha2-nistp256\n";

const WEAK_KEYS: &[(&str, &str, &str)] = &[("rsa1024", "rsa", "1024"), ("dsa", "dsa", "1024")];
const WEAK: &str = "KexAlgorithms diffie-hellman-group1-sha1,diffie-hellman-group14-sha1\n\
Ciphers aes128-cbc,3des-cbc,aes256-ctr\n\
MACs hmac-sha1,hmac-md5,umac-64@openssh.com\n\
HostKeyAlgorithms ssh-rsa,ssh-dss\n\
PubkeyAcceptedAlgorithms ssh-rsa\n";

fn probe(port: u16) -> tuanthu::evidence::SshFacts {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let dialer = Arc::new(Dialer::new(Limits::default(), Politeness::default()));
    rt.block_on(tuanthu::collect::ssh::probe(&dialer, ([127, 0, 0, 1], port).into())).unwrap()
}

fn names(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn a_modern_openssh_is_measured_exactly() {
    if !available() {
        return;
    }
    let sshd = start(MODERN_KEYS, MODERN);
    let f = probe(sshd.port);
    assert!(f.banner.starts_with("SSH-2.0-OpenSSH_"), "{}", f.banner);
    assert_eq!(f.protocol, "2.0");
    assert!(f.software.starts_with("OpenSSH_") && f.openssh_version.is_some(), "{f:?}");
    assert_eq!(f.end_of_life, None);
    assert_eq!(f.kex, names(&["curve25519-sha256", "ecdh-sha2-nistp256", "diffie-hellman-group16-sha512"]));
    assert_eq!(f.host_key_algorithms, names(&["ssh-ed25519", "rsa-sha2-512", "rsa-sha2-256", "ecdsa-sha2-nistp256"]));
    assert_eq!(f.ciphers, names(&["chacha20-poly1305@openssh.com", "aes256-gcm@openssh.com", "aes128-ctr"]));
    assert_eq!(f.macs, names(&["hmac-sha2-512-etm@openssh.com", "hmac-sha2-256-etm@openssh.com"]));
    assert!(f.strict_kex, "OpenSSH 9.2 offers strict kex");
    // One connection per key type: Ed25519, RSA (three names, one key), ECDSA.
    assert_eq!(f.connections, 3);
    assert_eq!(f.host_key_errors, Vec::<String>::new());
    let got: Vec<(String, Option<u32>, String)> =
        f.host_keys.iter().map(|k| (k.key_type.clone(), k.bits, k.sha256.clone())).collect();
    let want: Vec<(String, Option<u32>, String)> =
        [("ssh-ed25519", "ed25519"), ("ssh-rsa", "rsa"), ("ecdsa-sha2-nistp256", "ecdsa")]
            .iter()
            .map(|(t, file)| {
                let (bits, fp) = sshd.fingerprint(file);
                (t.to_string(), Some(bits as u32), fp)
            })
            .collect();
    assert_eq!(got, want, "type, bits and fingerprint as ssh-keygen -l gives them");
    // Only ssh-audit's NIST-curve failures: no rule fails on them (rules/ssh/).
    let weak: Vec<(&str, &str, &str)> =
        f.weak.iter().map(|w| (w.category.as_str(), w.algorithm.as_str(), w.level.as_str())).collect();
    assert_eq!(
        weak,
        vec![("kex", "ecdh-sha2-nistp256", "fail"), ("host_key_algorithm", "ecdsa-sha2-nistp256", "fail")]
    );
}

#[test]
fn a_weak_openssh_is_classified_as_ssh_audit_does() {
    if !available() {
        return;
    }
    let sshd = start(WEAK_KEYS, WEAK);
    let f = probe(sshd.port);
    assert_eq!(f.kex, names(&["diffie-hellman-group1-sha1", "diffie-hellman-group14-sha1"]));
    assert_eq!(f.host_key_algorithms, names(&["ssh-rsa", "ssh-dss"]));
    assert_eq!(f.ciphers, names(&["aes128-cbc", "3des-cbc", "aes256-ctr"]));
    assert_eq!(f.macs, names(&["hmac-sha1", "hmac-md5", "umac-64@openssh.com"]));
    assert_eq!(f.host_key_errors, Vec::<String>::new());
    assert_eq!(f.connections, 2, "one per key type: RSA, DSA");
    let got: Vec<(String, Option<u32>, String)> =
        f.host_keys.iter().map(|k| (k.key_type.clone(), k.bits, k.sha256.clone())).collect();
    let (rsa_bits, rsa_fp) = sshd.fingerprint("rsa1024");
    let (dsa_bits, dsa_fp) = sshd.fingerprint("dsa");
    assert_eq!(
        got,
        vec![
            ("ssh-rsa".to_string(), Some(rsa_bits as u32), rsa_fp),
            ("ssh-dss".to_string(), Some(dsa_bits as u32), dsa_fp)
        ]
    );
    assert_eq!((rsa_bits, dsa_bits), (1024, 1024));
    let weak: Vec<(&str, &str, &str, String)> = f
        .weak
        .iter()
        .map(|w| (w.category.as_str(), w.algorithm.as_str(), w.level.as_str(), w.classes.join("+")))
        .collect();
    let want = vec![
        ("kex", "diffie-hellman-group1-sha1", "fail", "small-modulus+logjam+sha1".to_string()),
        ("kex", "diffie-hellman-group14-sha1", "fail", "sha1".to_string()),
        ("host_key_algorithm", "ssh-rsa", "fail", "sha1".to_string()),
        ("host_key_algorithm", "ssh-dss", "fail", "small-modulus".to_string()),
        ("cipher", "aes128-cbc", "warn", "cbc".to_string()),
        ("cipher", "3des-cbc", "fail", "3des+cbc+block-64".to_string()),
        ("mac", "hmac-sha1", "fail", "sha1".to_string()),
        ("mac", "hmac-md5", "fail", "md5".to_string()),
        ("mac", "umac-64@openssh.com", "warn", "tag-64".to_string()),
        ("host_key", "ssh-rsa", "fail", "small-modulus".to_string()),
        ("host_key", "ssh-dss", "fail", "dsa".to_string()),
    ];
    assert_eq!(weak, want);
}

#[test]
fn every_key_exchange_tuanthu_speaks_reaches_the_host_key() {
    if !available() {
        return;
    }
    // The modern and weak servers cover X25519 and a fixed 1024-bit group; these the rest.
    for kex in [
        "ecdh-sha2-nistp256",
        "ecdh-sha2-nistp384",
        "diffie-hellman-group14-sha256",
        "diffie-hellman-group16-sha512",
        "diffie-hellman-group-exchange-sha256",
        "diffie-hellman-group-exchange-sha1",
    ] {
        let sshd = start(&[("ed25519", "ed25519", "256")], &format!("KexAlgorithms {kex}\n"));
        let f = probe(sshd.port);
        let (_, fp) = sshd.fingerprint("ed25519");
        assert_eq!(f.kex, vec![kex.to_string()]);
        assert_eq!(f.host_key_errors, Vec::<String>::new(), "{kex}");
        let keys: Vec<(&str, Option<u32>, &str)> =
            f.host_keys.iter().map(|k| (k.key_type.as_str(), k.bits, k.sha256.as_str())).collect();
        assert_eq!(keys, vec![("ssh-ed25519", Some(256), fp.as_str())], "{kex}");
    }
}

fn inventory(modern: u16, weak: u16, closed: u16) -> String {
    format!(
        r#"schema: tuanthu/inventory/v1
agency: {{id: test-agency, name: Test agency, catalogue: tt12-2022}}
systems:
  - id: admin
    name: Administration
    level: 3
    approval: {{status: approved, decision: "1/QĐ", date: 2026-09-01}}
    assets:
      ssh:
        - "127.0.0.1:{modern}"
        - {{target: "legacy.test:{weak}", address: 127.0.0.1}}
        - "127.0.0.1:{closed}"
"#
    )
}

#[test]
fn collect_writes_ssh_records_and_check_judges_them_without_probing() {
    if !available() {
        return;
    }
    let (modern, weak) = (start(MODERN_KEYS, MODERN), start(WEAK_KEYS, WEAK));
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let dir = common::dir_with(&[("inventory.yaml", &inventory(modern.port, weak.port, closed))]);
    let (inv, ev) = (dir.path().join("inventory.yaml"), dir.path().join("ev.jsonl"));
    let o =
        tuanthu(&["collect", "--inventory", inv.to_str().unwrap(), "-o", ev.to_str().unwrap(), "-q", "--only", "ssh"]);
    assert_eq!(code(&o), 1, "exit 1: the closed port could not be measured; stderr: {}", stderr(&o));
    let text = std::fs::read_to_string(&ev).unwrap();
    let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let recs = &lines[1..lines.len() - 1];
    assert_eq!(recs.len(), 3, "{recs:#?}");
    let rec = |prefix: &str| recs.iter().find(|r| r["target"].as_str().unwrap().starts_with(prefix)).unwrap();
    let m = rec(&format!("127.0.0.1:{}", modern.port));
    assert_eq!((m["kind"].as_str(), m["error"].is_null()), (Some("ssh"), true), "{m:#}");
    assert_eq!(m["facts"]["kex"][0], "curve25519-sha256");
    let w = rec("legacy.test");
    assert_eq!((w["address"].as_str(), w["sni"].is_null()), (Some("127.0.0.1"), true), "{w:#}");
    assert_eq!(w["facts"]["host_keys"][0]["bits"], 1024);
    let c = rec(&format!("127.0.0.1:{closed}"));
    assert_eq!(c["error"]["class"], "connect", "{c:#}");

    // Judged later from the file alone (the servers are gone).
    drop((modern, weak));
    let report = common::check_collected(&inv, &ev);
    let all = common::findings(&report);
    let legacy = format!("{} @ 127.0.0.1", w["target"].as_str().unwrap());
    let closed_t = format!("127.0.0.1:{closed}");
    let mut failed: Vec<(String, String)> =
        all.iter().filter(|(_, _, o)| o == "fail").map(|(r, a, _)| (r.clone(), a.clone())).collect();
    failed.sort();
    failed.dedup();
    let want: Vec<(String, String)> = ["ssh-weak-ciphers", "ssh-weak-host-keys", "ssh-weak-kex", "ssh-weak-macs"]
        .iter()
        .map(|r| (r.to_string(), legacy.clone()))
        .collect();
    assert_eq!(failed, want, "only the weak server fails, and on the four algorithm rules: {all:#?}");
    // The unmeasured endpoint is unknown (never a pass); the modern one has no finding at all.
    let closed_outcomes: Vec<&str> =
        all.iter().filter(|(_, a, _)| *a == closed_t).map(|(_, _, o)| o.as_str()).collect();
    assert!(!closed_outcomes.is_empty() && closed_outcomes.iter().all(|o| *o == "unknown"), "{all:#?}");
    let modern_t = format!("127.0.0.1:{}", m["target"].as_str().unwrap().rsplit(':').next().unwrap());
    assert!(all.iter().all(|(_, a, _)| *a != modern_t), "{all:#?}");
    let unknown = report.to_string();
    assert!(unknown.contains(&format!("{closed_t} could not be measured: connect")), "{unknown}");
}

/// Serves `script` to every connection (after reading whatever the client sends first), then
/// closes; returns the port.
fn hostile(rt: &tokio::runtime::Runtime, script: Vec<u8>) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let port = listener.local_addr().unwrap().port();
    rt.spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            let script = script.clone();
            tokio::spawn(async move {
                let _ = s.write_all(&script).await;
                let mut sink = [0u8; 4096];
                // Keep reading until the client is done, so it sees our bytes, not a reset.
                while let Ok(n) = s.read(&mut sink).await {
                    if n == 0 {
                        break;
                    }
                }
            });
        }
    });
    port
}

fn probe_err(rt: &tokio::runtime::Runtime, port: u16) -> tuanthu::evidence::ProbeError {
    let limits = Limits { read_timeout: Duration::from_secs(2), ..Limits::default() };
    let dialer = Dialer::new(limits, Politeness::default());
    rt.block_on(tuanthu::collect::ssh::probe(&dialer, ([127, 0, 0, 1], port).into())).unwrap_err()
}

/// One unencrypted packet around `payload`.
fn packet(payload: &[u8]) -> Vec<u8> {
    let padding = 4usize;
    let mut out = ((1 + payload.len() + padding) as u32).to_be_bytes().to_vec();
    out.push(padding as u8);
    out.extend_from_slice(payload);
    out.extend_from_slice(&[0; 4]);
    out
}

fn kexinit(kex: &str) -> Vec<u8> {
    kexinit_with(kex, "ssh-ed25519")
}

fn kexinit_with(kex: &str, host_keys: &str) -> Vec<u8> {
    let mut p = vec![20u8];
    p.extend_from_slice(&[7; 16]);
    for list in [kex, host_keys, "aes128-ctr", "aes128-ctr", "hmac-sha1", "hmac-sha1", "none", "none", "", ""] {
        p.extend_from_slice(&(list.len() as u32).to_be_bytes());
        p.extend_from_slice(list.as_bytes());
    }
    p.extend_from_slice(&[0, 0, 0, 0, 0]);
    p
}

#[test]
fn hostile_peers_get_clear_errors_within_bounds() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let chatty = hostile(&rt, b"not ssh\r\n".repeat(2000));
    let e = probe_err(&rt, chatty);
    assert_eq!(
        (e.class.as_str(), e.message.as_str()),
        ("protocol", "no SSH identification within the first 1024 lines (not an SSH server?)")
    );
    let long = hostile(&rt, vec![b'A'; 5000]);
    let e = probe_err(&rt, long);
    assert_eq!(e.message, "the server sent a line longer than 1024 bytes before its SSH identification");
    let mut huge = b"SSH-2.0-evil\r\n".to_vec();
    huge.extend_from_slice(&[0xff, 0xff, 0xff, 0xf0, 4]);
    let e = probe_err(&rt, hostile(&rt, huge));
    assert_eq!(
        e.message,
        "the server sent a packet of length 4294967280 with 4 bytes of padding (not an SSH binary packet)"
    );
    // A name-list that claims more bytes than its packet holds.
    let mut lying = b"SSH-2.0-evil\r\n".to_vec();
    let mut payload = vec![20u8];
    payload.extend_from_slice(&[0; 16]);
    payload.extend_from_slice(&1_000_000u32.to_be_bytes());
    lying.extend(packet(&payload));
    let e = probe_err(&rt, hostile(&rt, lying));
    assert_eq!(e.message, "a field of 1000000 bytes runs past the end of the packet");
    let mut bye = b"SSH-2.0-evil\r\n".to_vec();
    let mut payload = vec![1u8, 0, 0, 0, 2];
    let reason = b"go\x1b[2Jaway";
    payload.extend_from_slice(&(reason.len() as u32).to_be_bytes());
    payload.extend_from_slice(reason);
    bye.extend(packet(&payload));
    let e = probe_err(&rt, hostile(&rt, bye));
    assert_eq!(
        e.message, "the server disconnected (reason 2): go\u{fffd}[2Jaway",
        "control characters never reach a report"
    );
}

#[test]
fn control_characters_are_stripped_and_an_unknown_kex_is_said() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let mut script = b"SSH-2.0-Evil_1.0 \x1b]0;pwned\x07comment\r\n".to_vec();
    script.extend(packet(&kexinit("weird-kex@example.com,ext-info-s")));
    let port = hostile(&rt, script);
    let dialer = Dialer::new(Limits::default(), Politeness::default());
    let f = rt.block_on(tuanthu::collect::ssh::probe(&dialer, ([127, 0, 0, 1], port).into())).unwrap();
    assert_eq!(f.banner, "SSH-2.0-Evil_1.0 \u{fffd}]0;pwned\u{fffd}comment", "control characters replaced");
    assert_eq!((f.software.as_str(), f.openssh_version.clone()), ("Evil_1.0", None));
    assert_eq!(f.kex, vec!["weird-kex@example.com".to_string()], "the ext-info pseudo-algorithm is not a key exchange");
    assert_eq!(
        f.host_key_errors,
        vec![
            "no key exchange tuanthu speaks is offered (weird-kex@example.com,ext-info-s): host keys not read"
                .to_string()
        ]
    );
    assert_eq!((f.host_keys.len(), f.connections), (0, 1));
    let weak: Vec<&str> = f.weak.iter().map(|w| w.algorithm.as_str()).collect();
    assert_eq!(weak, vec!["hmac-sha1"]);
}

#[test]
fn a_bad_ssh_entry_is_reported_at_its_position() {
    let inv = "schema: tuanthu/inventory/v1\nagency: {id: a, name: A, catalogue: tt12-2022}\nsystems:\n  - id: s\n    name: S\n    level: 3\n    approval: {status: draft}\n    assets:\n      ssh: [bastion.example.vn, {target: \"b.example.vn:22\", address: 10.0.0.300}]\n";
    let dir = common::dir_with(&[("inventory.yaml", inv)]);
    let o = tuanthu(&["validate", dir.path().join("inventory.yaml").to_str().unwrap()]);
    assert_eq!(code(&o), 2);
    let p = dir.path().join("inventory.yaml").display().to_string();
    assert_eq!(
        stderr(&o),
        format!(
            "error: {p}:9:13: `bastion.example.vn` is not an SSH endpoint `host:port` (e.g. bastion.example.gov.vn:22, [2001:db8::1]:22)\nerror: {p}:9:33: address `10.0.0.300` is not a valid IP address\n2 problem(s) in 1 file(s)\n"
        )
    );
}

/// A key-exchange reply carrying an Ed25519 host key blob (signature and server value are not read).
fn reply() -> Vec<u8> {
    let string = |out: &mut Vec<u8>, b: &[u8]| {
        out.extend_from_slice(&(b.len() as u32).to_be_bytes());
        out.extend_from_slice(b);
    };
    let mut blob = Vec::new();
    string(&mut blob, b"ssh-ed25519");
    string(&mut blob, &[9; 32]);
    let mut p = vec![31u8];
    string(&mut p, &blob);
    string(&mut p, &[1; 32]);
    string(&mut p, b"sig");
    packet(&p)
}

#[test]
fn a_server_naming_many_key_types_costs_a_bounded_number_of_connections() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let types: Vec<String> = (0..12).map(|i| format!("k{i}")).collect();
    let limits = Limits { read_timeout: Duration::from_millis(300), ..Limits::default() };
    // Every connection answers with a host key: eight key types are fetched, the rest said.
    let mut script = b"SSH-2.0-Many\r\n".to_vec();
    script.extend(packet(&kexinit_with("curve25519-sha256", &types.join(","))));
    script.extend(reply());
    let port = hostile(&rt, script);
    let dialer = Dialer::new(limits.clone(), Politeness::default());
    let f = rt.block_on(tuanthu::collect::ssh::probe(&dialer, ([127, 0, 0, 1], port).into())).unwrap();
    assert_eq!((f.connections, dialer.connections(), f.host_keys.len()), (8, 8, 1), "{f:?}");
    assert_eq!(
        f.host_key_errors,
        vec!["4 key type(s) not fetched (more key types than tuanthu fetches): k8,k9,k10,k11"]
    );
    // A server that never answers the exchange: two failures, then no more connections.
    let mut script = b"SSH-2.0-Mute\r\n".to_vec();
    script.extend(packet(&kexinit_with("curve25519-sha256", &types.join(","))));
    let port = hostile(&rt, script);
    let dialer = Dialer::new(limits, Politeness::default());
    let f = rt.block_on(tuanthu::collect::ssh::probe(&dialer, ([127, 0, 0, 1], port).into())).unwrap();
    assert_eq!((f.connections, dialer.connections()), (2, 2));
    assert_eq!(
        f.host_key_errors,
        vec![
            "k0: no answer within 0.3 s".to_string(),
            "k1: no answer within 0.3 s".to_string(),
            "10 key type(s) not fetched (after repeated failures): k2,k3,k4,k5,k6,k7,k8,k9,k10,k11".to_string(),
        ]
    );
}
