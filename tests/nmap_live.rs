//! A real nmap run: the test starts stand-in services on 127.0.0.1 (a telnetd that negotiates
//! options like netkit's, a Redis that answers INFO), scans exactly those ports with
//! `nmap -sV`, and checks what tuanthu concludes from the XML. Loopback only.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::Command;

fn nmap_available() -> bool {
    match Command::new("nmap").arg("--version").output() {
        Ok(o) if o.status.success() => true,
        _ if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("nmap is not installed, but CI=true: .ci/run must install it")
        }
        _ => {
            common::skipped("nmap is not installed (apt-get install nmap)");
            false
        }
    }
}

/// Serves every connection on `l` with `handler` on background threads.
fn serve(l: TcpListener, handler: fn(std::net::TcpStream)) {
    std::thread::spawn(move || {
        for conn in l.incoming().flatten() {
            std::thread::spawn(move || handler(conn));
        }
    });
}

fn telnetd(mut s: std::net::TcpStream) {
    // DO TERMINAL-TYPE, DO TERMINAL-SPEED, DO X-DISPLAY-LOCATION, DO NEW-ENVIRON.
    let _ = s.write_all(b"\xff\xfd\x18\xff\xfd\x20\xff\xfd\x23\xff\xfd\x27");
    let mut buf = [0u8; 512];
    let _ = s.set_read_timeout(Some(std::time::Duration::from_secs(10)));
    let _ = s.read(&mut buf);
}

fn redis(mut s: std::net::TcpStream) {
    let _ = s.set_read_timeout(Some(std::time::Duration::from_secs(10)));
    let mut buf = [0u8; 1024];
    while let Ok(n) = s.read(&mut buf) {
        if n == 0 {
            return;
        }
        let req = String::from_utf8_lossy(&buf[..n]).to_ascii_lowercase();
        let reply: Vec<u8> = if req.contains("info") {
            let body = "# Server\r\nredis_version:6.0.16\r\nredis_mode:standalone\r\nos:Linux\r\n";
            format!("${}\r\n{}\r\n", body.len(), body).into_bytes()
        } else if req.contains("ping") {
            b"+PONG\r\n".to_vec()
        } else {
            b"-ERR unknown command\r\n".to_vec()
        };
        if s.write_all(&reply).is_err() {
            return;
        }
        // Hang up after an answer nmap did not ask for: otherwise nmap waits out every probe's
        // timeout (5 s each) before trying the next one.
        if !req.contains("info") && !req.contains("ping") {
            return;
        }
    }
}

#[test]
fn real_nmap_scan_of_loopback_stand_ins() {
    if !nmap_available() {
        return;
    }
    let tl = TcpListener::bind("127.0.0.1:0").unwrap();
    let rl = TcpListener::bind("127.0.0.1:0").unwrap();
    let (tp, rp) = (tl.local_addr().unwrap().port(), rl.local_addr().unwrap().port());
    serve(tl, telnetd);
    serve(rl, redis);

    let dir = tempfile::tempdir().unwrap();
    let xml = dir.path().join("scan.xml");
    // Only these two ports of 127.0.0.1; --version-all because the Redis probe is rare (8).
    let out = Command::new("nmap")
        .args(["-sV", "--version-all", "-Pn", "-n", "-T4", "--max-retries", "1", "-p"])
        .arg(format!("{tp},{rp}"))
        .arg("-oX")
        .arg(&xml)
        .arg("127.0.0.1")
        .output()
        .expect("run nmap");
    assert!(out.status.success(), "nmap failed: {}", String::from_utf8_lossy(&out.stderr));

    let inv = dir.path().join("inv.yaml");
    std::fs::write(
        &inv,
        common::inventory(3, "    assets:\n      hosts: [127.0.0.1]\n      allowed_ports: [tcp/443]\n"),
    )
    .unwrap();
    let o = common::tuanthu(&[
        "check",
        "--inventory",
        inv.to_str().unwrap(),
        "--nmap",
        xml.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(common::code(&o), 1, "{}", common::stderr(&o));
    let doc: serde_json::Value = serde_json::from_str(&common::stdout(&o)).unwrap();
    let sys = &doc["agencies"][0]["systems"][0];
    let control = |id: &str| sys["controls"].as_array().unwrap().iter().find(|c| c["id"] == id).unwrap().clone();
    let has = |c: &serde_json::Value, rule: &str, port: u16| {
        c["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == rule && f["asset"] == format!("127.0.0.1:{port}/tcp"))
    };

    let net06 = control("NET.06");
    assert_eq!(net06["status"], "fail", "{net06:#}");
    assert!(has(&net06, "nmap-cleartext-admin", tp), "telnet identified by nmap -sV: {net06:#}");
    let des08 = control("DES.08");
    assert_eq!(des08["status"], "fail", "{des08:#}");
    assert!(has(&des08, "nmap-database-exposed", rp), "redis identified by nmap -sV: {des08:#}");
    let net01 = control("NET.01");
    assert!(has(&net01, "nmap-port-not-allowed", tp) && has(&net01, "nmap-port-not-allowed", rp), "{net01:#}");
    assert_eq!(doc["unregistered_assets"].as_array().unwrap().len(), 0);
    assert_eq!(doc["inputs"][0]["partial"], false);
}
