//! The mail probe end to end, loopback only, through the real polite `Dialer`: in-process tokio
//! servers speaking SMTP, IMAP and POP3 with STARTTLS over tokio-rustls (rcgen certificates), one
//! that does not offer STARTTLS, one that offers it and then fails every handshake, one that
//! refuses it after offering it, implicit TLS, and hostile greetings (a huge line, endless lines)
//! refused within the caps. `collect` then `check --evidence` give the mail rules' verdicts.

mod common;

use common::{code, stderr, tuanthu};
use serde_json::Value;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tuanthu::collect::mail;
use tuanthu::collect::net::{Dialer, Limits, Politeness};
use tuanthu::collect::tls::enumerate::{Endpoint, Enumeration};
use tuanthu::evidence::{ErrorClass, ProbeError};
use tuanthu::inventory::MailProtocol;

/// What the server does with the client.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Behaviour {
    /// Lists STARTTLS and upgrades with rustls.
    Starttls,
    /// Lists no STARTTLS.
    Plain,
    /// Lists STARTTLS, accepts the command, then answers every hello with a handshake_failure alert.
    BrokenTls,
    /// Lists STARTTLS, then refuses the command (SMTP 454).
    Refuses,
    /// TLS from the first byte.
    Implicit,
    /// Sends 1 MiB without a line end.
    HugeLine,
    /// Sends continuation lines forever.
    EndlessLines,
}

fn acceptor() -> tokio_rustls::TlsAcceptor {
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["mail.localhost".to_string()]).unwrap().self_signed(&key).unwrap();
    let provider = rustls::crypto::aws_lc_rs::default_provider();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(provider))
        .with_protocol_versions(rustls::ALL_VERSIONS)
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(cert.der().to_vec())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
        .unwrap();
    tokio_rustls::TlsAcceptor::from(Arc::new(config))
}

/// Starts a server on a loopback port.
async fn server(protocol: MailProtocol, behaviour: Behaviour) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let tls = acceptor();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let tls = tls.clone();
            tokio::spawn(async move {
                let _ = serve(stream, protocol, behaviour, tls).await;
            });
        }
    });
    addr
}

/// Reads one line, byte by byte (so nothing past it is consumed before a handshake).
async fn line(s: &mut TcpStream) -> std::io::Result<String> {
    let mut out = Vec::new();
    loop {
        let b = s.read_u8().await?;
        if b == b'\n' {
            return Ok(String::from_utf8_lossy(&out).trim_end().to_string());
        }
        out.push(b);
    }
}

async fn serve(
    mut s: TcpStream,
    protocol: MailProtocol,
    behaviour: Behaviour,
    tls: tokio_rustls::TlsAcceptor,
) -> std::io::Result<()> {
    match behaviour {
        Behaviour::Implicit => {
            let _ = tls.accept(s).await;
            return Ok(());
        }
        Behaviour::HugeLine => {
            s.write_all(b"220 ").await?;
            s.write_all(&vec![b'x'; 1 << 20]).await?;
            return Ok(());
        }
        Behaviour::EndlessLines => loop {
            s.write_all(b"220-still greeting you\r\n").await?;
        },
        _ => {}
    }
    let offer = behaviour != Behaviour::Plain;
    let upgrade = match protocol {
        MailProtocol::Imap => {
            s.write_all(b"* OK IMAP4rev1 ready\r\n").await?;
            loop {
                let l = line(&mut s).await?;
                let tag = l.split(' ').next().unwrap_or("*").to_string();
                if l.to_ascii_uppercase().ends_with("CAPABILITY") {
                    let caps = if offer {
                        "* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED\r\n"
                    } else {
                        "* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n"
                    };
                    s.write_all(caps.as_bytes()).await?;
                    s.write_all(format!("{tag} OK CAPABILITY completed\r\n").as_bytes()).await?;
                } else if l.to_ascii_uppercase().ends_with("STARTTLS") {
                    s.write_all(format!("{tag} OK Begin TLS negotiation now\r\n").as_bytes()).await?;
                    break true;
                } else {
                    s.write_all(format!("{tag} OK bye\r\n").as_bytes()).await?;
                    break false;
                }
            }
        }
        MailProtocol::Pop3 => {
            s.write_all(b"+OK POP3 ready\r\n").await?;
            loop {
                let l = line(&mut s).await?.to_ascii_uppercase();
                if l == "CAPA" {
                    let stls = if offer { "STLS\r\n" } else { "" };
                    s.write_all(
                        format!("+OK Capability list follows\r\nTOP\r\nUIDL\r\n{stls}USER\r\n.\r\n").as_bytes(),
                    )
                    .await?;
                } else if l == "STLS" {
                    s.write_all(b"+OK Begin TLS negotiation\r\n").await?;
                    break true;
                } else {
                    s.write_all(b"+OK bye\r\n").await?;
                    break false;
                }
            }
        }
        _ => {
            s.write_all(b"220 mail.localhost ESMTP ready\r\n").await?;
            loop {
                let l = line(&mut s).await?.to_ascii_uppercase();
                if l.starts_with("EHLO") {
                    let tls = if offer { "250-STARTTLS\r\n" } else { "" };
                    s.write_all(format!("250-mail.localhost\r\n250-PIPELINING\r\n{tls}250 8BITMIME\r\n").as_bytes())
                        .await?;
                } else if l == "STARTTLS" && behaviour == Behaviour::Refuses {
                    s.write_all(b"454 4.7.0 TLS not available due to local problem\r\n").await?;
                } else if l == "STARTTLS" {
                    s.write_all(b"220 2.0.0 Ready to start TLS\r\n").await?;
                    break true;
                } else {
                    s.write_all(b"221 2.0.0 Bye\r\n").await?;
                    break false;
                }
            }
        }
    };
    if !upgrade {
        return Ok(());
    }
    if behaviour == Behaviour::BrokenTls {
        // Read the hello, answer with a fatal handshake_failure alert.
        let mut buf = [0u8; 4096];
        let _ = s.read(&mut buf).await?;
        s.write_all(&[0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]).await?;
        return Ok(());
    }
    let _ = tls.accept(s).await;
    Ok(())
}

fn dialer() -> Dialer {
    Dialer::new(
        Limits { connect_timeout: Duration::from_secs(2), read_timeout: Duration::from_secs(2), ..Default::default() },
        Politeness { global: 16, per_host: 3, min_interval: Duration::ZERO },
    )
}

async fn probe(addr: SocketAddr, protocol: MailProtocol) -> (Result<Enumeration, ProbeError>, usize) {
    let d = dialer();
    let r = mail::probe(&d, Endpoint { addr, sni: Some("mail.localhost") }, protocol).await;
    assert!(d.peak(addr.ip()) <= 3, "at most per_host connections at once");
    (r, d.connections())
}

fn accepted(e: &Enumeration) -> Vec<&str> {
    e.facts.protocols.iter().filter(|(_, on)| **on == Some(true)).map(|(k, _)| k.as_str()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starttls_on_smtp_submission_imap_and_pop3_reaches_the_same_enumeration() {
    for (protocol, dialogue) in [
        (MailProtocol::Smtp, "smtp"),
        (MailProtocol::Submission, "smtp"),
        (MailProtocol::Imap, "imap"),
        (MailProtocol::Pop3, "pop3"),
    ] {
        let addr = server(protocol, Behaviour::Starttls).await;
        let (found, connections) = probe(addr, protocol).await;
        let found = found.unwrap_or_else(|e| panic!("{dialogue}: {e:?}"));
        eprintln!("{}: {connections} connections", protocol.as_str());
        let f = &found.facts;
        assert_eq!(accepted(&found), ["tls1.2", "tls1.3"], "{dialogue}: {f:#?}");
        assert_eq!(f.mail_protocol.as_deref(), Some(protocol.as_str()));
        assert_eq!((f.starttls.as_deref(), f.starttls_offered), (Some(dialogue), Some(true)));
        assert!(f.negotiated.is_some(), "{dialogue}: the rustls handshake after the dialogue works too");
        assert_eq!(found.chain.len(), 1, "{dialogue}: the certificate was read");
        assert!(f.probe_errors.is_empty(), "{dialogue}: {:?}", f.probe_errors);
        assert_eq!(f.connections, connections, "{dialogue}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn implicit_tls_has_no_starttls_facts() {
    let addr = server(MailProtocol::Imaps, Behaviour::Implicit).await;
    let (found, _) = probe(addr, MailProtocol::Imaps).await;
    let found = found.unwrap();
    assert_eq!(accepted(&found), ["tls1.2", "tls1.3"]);
    assert_eq!(found.facts.mail_protocol.as_deref(), Some("imaps"));
    assert_eq!((found.facts.starttls.as_deref(), found.facts.starttls_offered), (None, None));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_without_starttls_is_measured_as_not_offering_it_with_one_connection() {
    for protocol in [MailProtocol::Smtp, MailProtocol::Imap, MailProtocol::Pop3] {
        let addr = server(protocol, Behaviour::Plain).await;
        let (found, connections) = probe(addr, protocol).await;
        let f = found.unwrap().facts;
        assert_eq!(f.starttls_offered, Some(false), "{}", protocol.as_str());
        assert!(f.protocols.values().all(Option::is_none), "no version measured: {:?}", f.protocols);
        assert_eq!((f.certificate, f.negotiated, f.forward_secrecy), (None, None, false));
        assert_eq!((connections, f.connections), (1, 1));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offering_starttls_then_failing_is_a_failed_measurement_not_not_offered() {
    let addr = server(MailProtocol::Smtp, Behaviour::BrokenTls).await;
    let (r, _) = probe(addr, MailProtocol::Smtp).await;
    let e = r.unwrap_err();
    assert_eq!(
        (e.class, e.message.as_str()),
        (ErrorClass::Tls, "smtp STARTTLS: the server refused every protocol version and cipher suite offered")
    );
    let addr = server(MailProtocol::Submission, Behaviour::Refuses).await;
    let (r, connections) = probe(addr, MailProtocol::Submission).await;
    let e = r.unwrap_err();
    assert_eq!(
        (e.class, e.message.as_str()),
        (
            ErrorClass::Tls,
            "smtp STARTTLS: the server offered STARTTLS, then refused it: `454 4.7.0 TLS not available due to local problem`"
        )
    );
    assert_eq!(connections, 1, "a refusal on the first connection stops the probe");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_greetings_are_refused_within_the_caps() {
    let addr = server(MailProtocol::Smtp, Behaviour::HugeLine).await;
    let e = probe(addr, MailProtocol::Smtp).await.0.unwrap_err();
    assert_eq!(
        (e.class, e.message.as_str()),
        (ErrorClass::TooLarge, "smtp STARTTLS: the server sent a line longer than 8192 bytes")
    );
    let addr = server(MailProtocol::Smtp, Behaviour::EndlessLines).await;
    let e = probe(addr, MailProtocol::Smtp).await.0.unwrap_err();
    assert_eq!(
        (e.class, e.message.as_str()),
        (ErrorClass::TooLarge, "smtp STARTTLS: the server sent a reply of more than 128 lines")
    );
}

fn inventory(ports: &[(u16, &str)]) -> String {
    let mut mail = String::new();
    for (port, protocol) in ports {
        mail.push_str(&format!(
            "        - {{target: \"mail.localhost:{port}\", protocol: {protocol}, address: 127.0.0.1}}\n"
        ));
    }
    format!(
        r#"schema: tuanthu/inventory/v1
agency: {{id: test-agency, name: Test agency, catalogue: tt12-2022}}
systems:
  - id: mail
    name: Mail
    level: 3
    approval: {{status: approved, decision: "1/QĐ", date: 2026-09-01}}
    assets:
      mail:
{mail}"#
    )
}

#[test]
fn collect_writes_mail_records_and_check_judges_them_without_probing() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let good = rt.block_on(server(MailProtocol::Submission, Behaviour::Starttls)).port();
    let plain = rt.block_on(server(MailProtocol::Smtp, Behaviour::Plain)).port();
    let broken = rt.block_on(server(MailProtocol::Imap, Behaviour::BrokenTls)).port();
    let inv_text = inventory(&[(good, "submission"), (plain, "smtp"), (broken, "imap")]);
    let dir = common::dir_with(&[("inventory.yaml", &inv_text)]);
    let (inv, ev) = (dir.path().join("inventory.yaml"), dir.path().join("ev.jsonl"));
    let o =
        tuanthu(&["collect", "--inventory", inv.to_str().unwrap(), "-o", ev.to_str().unwrap(), "-q", "--only", "mail"]);
    assert_eq!(code(&o), 1, "exit 1: the broken server could not be measured; stderr: {}", stderr(&o));
    let text = std::fs::read_to_string(&ev).unwrap();
    let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let recs = &lines[1..lines.len() - 1];
    assert_eq!(recs.len(), 3, "{recs:#?}");
    let rec = |port: u16| recs.iter().find(|r| r["target"] == format!("mail.localhost:{port}")).unwrap();
    let g = rec(good);
    assert_eq!((g["kind"].as_str(), g["sni"].as_str()), (Some("tls"), Some("mail.localhost")), "{g:#}");
    assert_eq!(g["facts"]["starttls"], "smtp");
    assert_eq!(g["facts"]["starttls_offered"], true);
    assert_eq!(g["facts"]["mail_protocol"], "submission");
    assert_eq!(g["facts"]["certificate"]["hostname_match"], true);
    let p = rec(plain);
    assert_eq!(
        (p["facts"]["starttls_offered"].as_bool(), p["facts"]["mail_protocol"].as_str()),
        (Some(false), Some("smtp"))
    );
    let b = rec(broken);
    assert_eq!(b["error"]["class"], "tls", "{b:#}");

    // Judged later from the file alone (the servers are gone).
    drop(rt);
    let report = common::check_collected(&inv, &ev);
    let all = common::findings(&report);
    let outcome = |rule: &str, port: u16| -> Vec<String> {
        let asset = format!("mail.localhost:{port} @ 127.0.0.1");
        let mut o: Vec<String> =
            all.iter().filter(|(r, a, _)| r == rule && *a == asset).map(|(_, _, o)| o.clone()).collect();
        o.dedup();
        o
    };
    assert_eq!(outcome("mail-starttls-missing", plain), ["fail"], "{all:#?}");
    // Self-signed: the good server's certificate is not trusted.
    assert_eq!(outcome("mail-certificate-invalid", good), ["fail"], "{all:#?}");
    assert!(outcome("mail-starttls-missing", good).is_empty(), "{all:#?}");
    assert!(outcome("mail-legacy-tls", good).is_empty(), "rustls offers no legacy version: {all:#?}");
    // A failed measurement makes every control it would speak for unknown, with the reason.
    assert_eq!(outcome("tls", broken), ["unknown"], "{all:#?}");
    assert!(outcome("mail-starttls-missing", broken).is_empty(), "{all:#?}");
    let why = format!(
        "mail.localhost:{broken} @ 127.0.0.1 could not be measured: tls: imap STARTTLS: the server refused every protocol version and cipher suite offered"
    );
    assert!(report.to_string().contains(&why), "{why}");
}

#[test]
fn a_bad_mail_entry_is_reported_at_its_position() {
    let inv = "schema: tuanthu/inventory/v1\nagency: {id: a, name: A, catalogue: tt12-2022}\nsystems:\n  - id: s\n    name: S\n    level: 3\n    approval: {status: draft}\n    assets:\n      mail: [mail.example.vn:25, {target: \"mail.example.vn\", protocol: smtp}, {target: \"mail.example.vn:993\", protocol: imap4}]\n";
    let dir = common::dir_with(&[("inventory.yaml", inv)]);
    let o = tuanthu(&["validate", dir.path().join("inventory.yaml").to_str().unwrap()]);
    assert_eq!(code(&o), 2);
    let p = dir.path().join("inventory.yaml").display().to_string();
    assert_eq!(
        stderr(&o),
        format!(
            "error: {p}:9:14: a `mail` entry is a mapping `{{target: host:port, protocol: smtp}}` (protocol: smtp, submission, imap, pop3, smtps, imaps or pop3s)\n\
             error: {p}:9:34: `mail.example.vn` is not a mail endpoint `host:port` (e.g. mail.example.gov.vn:25, [2001:db8::1]:993)\n\
             error: {p}:9:121: `imap4` is not an accepted `protocol` (did you mean `imap` or `imaps`?); use one of: smtp, submission, imap, pop3, smtps, imaps, pop3s\n\
             3 problem(s) in 1 file(s)\n"
        )
    );
}
