//! The DNS probe against a real DNS server on loopback: `unbound` (apt; CI installs it) started by
//! the test as an unprivileged process with its own configuration, serving zone files the test
//! writes and signs with `ldns-keygen`/`ldns-signzone` (apt `ldnsutils`): a signed root holding
//! the delegations and DS records, a signed zone, a zone whose SOA signature the test breaks
//! (bogus) and an unsigned one. tuanthu validates DNSSEC itself from `--dnssec-anchor` (the
//! test's own root key, as its DNSKEY line or as the DS line `ldns-key2ds` makes of it), never
//! from unbound's answer. The MTA-STS policy is served by an in-process HTTPS server on loopback,
//! the domain's `mta-sts.` name pointing at it, with a certificate from the test's own CA (trusted
//! the way `--ca-bundle` trusts it), or one for another name, or the CA left untrusted.
//!
//! unbound runs as the test's user, or as `nobody` through `setpriv` when the tests run as root;
//! it listens only on 127.0.0.1 and is never the system's unbound.

mod common;

use common::{code, stderr, tuanthu};
use serde_json::Value;
use std::ffi::OsStr;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;

/// A running unbound, killed when dropped.
struct Unbound {
    _daemon: common::Daemon,
    port: u16,
    dir: tempfile::TempDir,
}

fn available() -> bool {
    common::tool_available("unbound", "-V", "unbound")
        && common::tool_available("ldns-keygen", "-v", "ldnsutils")
        && common::tool_available("ldns-signzone", "-v", "ldnsutils")
    // ldns-key2ds comes in the same package (and has no option that exits 0 without a key).
}

fn run(dir: &Path, cmd: &str, args: &[&str]) -> String {
    let o = Command::new(cmd).current_dir(dir).args(args).output().unwrap();
    assert!(o.status.success(), "{cmd} {args:?}: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

/// A zone file: SOA, NS and its name server's address, then `records`.
fn zone(origin: &str, records: &str) -> String {
    let at = if origin == "." { ".".to_string() } else { format!("{origin}.") };
    let ns = if origin == "." { "ns.".to_string() } else { format!("ns.{origin}.") };
    let admin = if origin == "." { "admin.".to_string() } else { format!("admin.{origin}.") };
    format!("$TTL 300\n{at} IN SOA {ns} {admin} 1 3600 600 86400 300\n{at} IN NS {ns}\n{ns} IN A 127.0.0.1\n{records}")
}

/// Signs `name`'s zone file with one new key (a combined signing key) and returns its DS lines.
fn sign(dir: &Path, name: &str) -> String {
    let key = run(dir, "ldns-keygen", &["-a", "ECDSAP256SHA256", "-k", name]);
    let file = if name == "." { "root.zone".to_string() } else { format!("{name}.zone") };
    run(dir, "ldns-signzone", &["-n", &file, &key]);
    std::fs::read_to_string(dir.join(format!("{key}.ds"))).unwrap_or_default() + "\n" + &key
}

/// Writes the zones, signs them, breaks bogus.vn's SOA signature, and starts unbound serving them.
fn start() -> Unbound {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let write = |name: &str, text: String| std::fs::write(d.join(name), text).unwrap();
    // signed.vn: what a careful agency publishes.
    write(
        "signed.vn.zone",
        zone(
            "signed.vn",
            "signed.vn. IN TXT \"v=spf1 mx include:_spf.signed.vn -all\"\n_spf.signed.vn. IN TXT \"v=spf1 ip4:192.0.2.0/24 a -all\"\n\
             _dmarc.signed.vn. IN TXT \"v=DMARC1; p=reject; rua=mailto:dmarc@signed.vn\"\n\
             _mta-sts.signed.vn. IN TXT \"v=STSv1; id=20261201\"\nmta-sts.signed.vn. IN A 127.0.0.1\n\
             signed.vn. IN CAA 0 issue \"letsencrypt.org\"\nsigned.vn. IN CAA 0 iodef \"mailto:pki@signed.vn\"\n\
             signed.vn. IN MX 20 mx2.signed.vn.\nsigned.vn. IN MX 10 mx.signed.vn.\n",
        ),
    );
    // bogus.vn: the same kind of zone, signed, then one signature broken.
    write("bogus.vn.zone", zone("bogus.vn", "bogus.vn. IN TXT \"v=spf1 -all\"\n"));
    // plain.vn: unsigned, permissive SPF, two DMARC records, no CAA, an MX, no MTA-STS.
    write(
        "plain.vn.zone",
        zone(
            "plain.vn",
            "plain.vn. IN TXT \"v=spf1 +all\"\nplain.vn. IN TXT \"google-site-verification=x\"\n\
             _dmarc.plain.vn. IN TXT \"v=DMARC1; p=none\"\n_dmarc.plain.vn. IN TXT \"v=DMARC1; p=reject\"\n\
             plain.vn. IN MX 10 mail.plain.vn.\n",
        ),
    );
    let ds_signed = sign(d, "signed.vn");
    let ds_bogus = sign(d, "bogus.vn");
    let broken: String = std::fs::read_to_string(d.join("bogus.vn.zone.signed"))
        .unwrap()
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            if f.len() > 5 && f[3] == "RRSIG" && f[4] == "SOA" {
                let sig = f[f.len() - 1];
                let flipped = if sig.as_bytes()[10] == b'A' { "B" } else { "A" };
                let sig = format!("{}{flipped}{}", &sig[..10], &sig[11..]);
                format!("{} {sig}\n", f[..f.len() - 1].join(" "))
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    write("bogus.vn.zone.signed", broken);
    let ds: String =
        [ds_signed, ds_bogus].iter().map(|s| s.lines().next().unwrap_or_default().to_string() + "\n").collect();
    let glue = ["signed.vn", "bogus.vn", "plain.vn"]
        .iter()
        .map(|z| format!("{z}. IN NS ns.{z}.\nns.{z}. IN A 127.0.0.1\n"))
        .collect::<String>();
    write("root.zone", zone(".", &(glue + &ds)));
    let root_key = sign(d, ".");
    let key_file = root_key.lines().last().unwrap().to_string();
    std::fs::copy(d.join(format!("{key_file}.key")), d.join("root-anchor.key")).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut conf = format!(
        "server:\n  interface: 127.0.0.1\n  port: {port}\n  do-daemonize: no\n  username: \"\"\n  chroot: \"\"\n  \
         directory: \"{dir}\"\n  pidfile: \"\"\n  use-syslog: no\n  logfile: \"\"\n  do-ip6: no\n  \
         access-control: 127.0.0.0/8 allow\n  module-config: \"iterator\"\nremote-control:\n  control-enable: no\n",
        dir = d.display()
    );
    for (name, file) in [
        (".", "root.zone.signed"),
        ("signed.vn", "signed.vn.zone.signed"),
        ("bogus.vn", "bogus.vn.zone.signed"),
        ("plain.vn", "plain.vn.zone"),
    ] {
        conf.push_str(&format!(
            "auth-zone:\n  name: \"{name}\"\n  zonefile: \"{}\"\n  for-downstream: yes\n  for-upstream: no\n",
            d.join(file).display()
        ));
    }
    write("unbound.conf", conf);
    let conf_path = d.join("unbound.conf");
    let daemon = common::start_daemon("unbound", [OsStr::new("-d"), "-c".as_ref(), conf_path.as_ref()], d, port);
    Unbound { _daemon: daemon, port, dir }
}

fn inventory(level: u8, domains: &str) -> String {
    common::inventory(
        level,
        &format!(
            "    assets:\n      domains: [{domains}]\n      mail: [{{target: \"mx.signed.vn:25\", protocol: smtp}}]\n"
        ),
    )
}

fn facts<'a>(evidence: &'a Value, domain: &str) -> &'a Value {
    let rec = evidence["records"].as_array().unwrap().iter().find(|r| r["target"] == domain).unwrap();
    assert_eq!(rec["error"], Value::Null, "{rec}");
    &rec["facts"]
}

#[test]
fn collect_reads_the_records_and_validates_dnssec_itself_then_check_judges_them() {
    if !available() {
        return;
    }
    let ub = start();
    let d = ub.dir.path();
    std::fs::write(d.join("inventory.yaml"), inventory(3, "signed.vn, plain.vn, bogus.vn")).unwrap();
    let (inv, ev) = (d.join("inventory.yaml"), d.join("evidence.json"));
    let resolver = format!("127.0.0.1:{}", ub.port);
    let anchor = d.join("root-anchor.key");
    let args =
        ["collect", "--inventory", inv.to_str().unwrap(), "--only", "dns", "--resolver", &resolver, "--dnssec-anchor"];
    let o = tuanthu(&[&args[..], &[anchor.to_str().unwrap(), "-o", ev.to_str().unwrap(), "-q"]].concat());
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let evidence: Value = serde_json::from_str(&std::fs::read_to_string(&ev).unwrap()).unwrap();
    let signed = facts(&evidence, "signed.vn");
    assert_eq!(signed["dnssec"], "secure");
    assert_eq!(
        (signed["dnssec_anchor"].as_str(), signed["resolver"].as_str()),
        (Some("root-anchor.key"), Some(resolver.as_str()))
    );
    assert_eq!(
        signed["spf"],
        serde_json::json!({"record": "v=spf1 mx include:_spf.signed.vn -all", "records": 1, "all": "-",
            "lookups": 3, "result": "pass", "problems": []}),
        "mx and include here, a in the included record"
    );
    assert_eq!(
        signed["dmarc"],
        serde_json::json!({"record": "v=DMARC1; p=reject; rua=mailto:dmarc@signed.vn", "records": 1, "valid": true,
            "p": "reject", "sp": "reject", "rua": true, "pct": 100})
    );
    assert_eq!(
        signed["caa"],
        serde_json::json!({"records": 2, "issuers": ["letsencrypt.org"], "issuewild": [], "iodef": ["mailto:pki@signed.vn"]})
    );
    assert_eq!(
        signed["mx"],
        serde_json::json!([{"host": "mx.signed.vn", "preference": 10, "declared": true},
                           {"host": "mx2.signed.vn", "preference": 20, "declared": false}])
    );
    // The policy host is 127.0.0.1:443, where nothing of this test listens: the record exists,
    // the policy could not be read, so the mode stays unknown (empty), never "enforce".
    assert_eq!(
        (signed["mta_sts"]["record"].as_str(), signed["mta_sts"]["mode"].as_str()),
        (Some("v=STSv1; id=20261201"), Some(""))
    );
    assert_eq!(
        (signed["mta_sts"]["policy_error"].as_str(), signed["mta_sts"]["missing"]["en"].as_str()),
        (Some("connect"), Some("the `_mta-sts` record exists but no policy was fetched"))
    );
    assert_eq!(signed["dnssec_reason"], "");
    assert!(
        signed["mta_sts"]["error"]
            .as_str()
            .unwrap()
            .starts_with("GET https://mta-sts.signed.vn/.well-known/mta-sts.txt")
    );
    let plain = facts(&evidence, "plain.vn");
    assert_eq!(plain["dnssec"], "insecure", "no DS in the signed root: a provably unsigned delegation");
    assert_eq!((plain["spf"]["all"].as_str(), plain["spf"]["result"].as_str()), (Some("+"), Some("pass")));
    assert_eq!((plain["dmarc"]["records"].as_u64(), plain["dmarc"]["valid"].as_bool()), (Some(2), Some(false)));
    assert_eq!((plain["caa"]["records"].as_u64(), plain["mta_sts"]["record"].as_str()), (Some(0), Some("")));
    assert_eq!(plain["mta_sts"]["missing"]["vi"], "không có bản ghi TXT `_mta-sts`");
    let bogus = facts(&evidence, "bogus.vn");
    assert_eq!(bogus["dnssec"], "bogus", "the SOA signature was broken");
    assert_eq!(
        bogus["dnssec_reason"],
        "the SOA answer of bogus.vn does not validate from root-anchor.key: DNS error: DNSSEC validation failed"
    );
    assert_eq!(bogus["spf"]["record"], "v=spf1 -all", "a bogus zone's records are still reported");

    // Judged from the file alone, the server gone.
    let report = common::check_collected(&inv, &ev);
    let mut got: Vec<(String, String)> = common::findings(&report)
        .into_iter()
        .filter(|(rule, _, outcome)| rule.starts_with("dns-") && outcome == "fail")
        .map(|(rule, asset, _)| (rule, asset))
        .collect();
    got.sort();
    got.dedup();
    let want: Vec<(String, String)> = [
        ("dns-caa-missing", "bogus.vn"),
        ("dns-caa-missing", "plain.vn"),
        ("dns-dmarc-missing", "bogus.vn"),
        ("dns-dmarc-missing", "plain.vn"),
        ("dns-dnssec-bogus", "bogus.vn"),
        ("dns-dnssec-unsigned", "plain.vn"),
        ("dns-mta-sts-missing", "plain.vn"),
        ("dns-mta-sts-missing", "signed.vn"),
        ("dns-spf-permissive", "plain.vn"),
    ]
    .iter()
    .map(|(r, a)| (r.to_string(), a.to_string()))
    .collect();
    assert_eq!(got, want);
}

/// The test's CA and the PEM file `--ca-bundle` would be given.
struct Ca {
    issuer: rcgen::CertifiedIssuer<'static, rcgen::KeyPair>,
    pem: std::path::PathBuf,
}

fn ca(dir: &Path) -> Ca {
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params.distinguished_name.push(rcgen::DnType::CommonName, "tuanthu test CA");
    let issuer = rcgen::CertifiedIssuer::self_signed(params, rcgen::KeyPair::generate().unwrap()).unwrap();
    let pem = dir.join("test-ca.pem");
    std::fs::write(&pem, issuer.pem()).unwrap();
    Ca { issuer, pem }
}

/// An HTTPS server on loopback answering every request with `body`, its certificate for `name`
/// issued by `ca` (one connection at a time).
async fn policy_server(ca: &Ca, name: &str, body: &'static str) -> u16 {
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec![name.to_string()]).unwrap().signed_by(&key, &ca.issuer).unwrap();
    let provider = rustls::crypto::aws_lc_rs::default_provider();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(provider))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(cert.der().to_vec()), CertificateDer::from(ca.issuer.der().to_vec())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let Ok(mut tls) = acceptor.accept(tcp).await else { continue };
            let mut buf = vec![0u8; 4096];
            let _ = tls.read(&mut buf).await;
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = tls.write_all(head.as_bytes()).await;
            let _ = tls.write_all(body.as_bytes()).await;
            let _ = tls.shutdown().await;
        }
    });
    port
}

const POLICY: &str = "version: STSv1\r\nmode: enforce\r\nmx: mx.signed.vn\r\nmx: *.signed.vn\r\nmax_age: 604800\r\n";

/// Probes signed.vn with its policy served on `port`, the roots Mozilla's plus `bundle` when
/// given (as `--ca-bundle` adds them), and returns the MTA-STS facts and the query count.
async fn probe_signed(ub: &Unbound, port: u16, bundle: Option<&Path>) -> (Value, usize, String) {
    let dialer = tuanthu::collect::net::Dialer::new(Default::default(), Default::default());
    let text = std::fs::read_to_string(ub.dir.path().join("root-anchor.key")).unwrap();
    let mut settings = tuanthu::collect::dns::DnsSettings::at(([127, 0, 0, 1], ub.port).into(), "test".into());
    settings.anchor = Arc::new(tuanthu::collect::dns::anchor::parse("root-anchor.key", &text).unwrap());
    settings.https_port = port;
    let mut trust = tuanthu::collect::tls::trust::TrustStore::mozilla();
    if let Some(b) = bundle {
        assert_eq!(trust.add_pem_file(b), Ok(1));
    }
    settings.trust = Arc::new(trust);
    let f = tuanthu::collect::dns::probe(&dialer, &settings, "signed.vn", &[]).await.unwrap();
    (serde_json::to_value(&f.mta_sts).unwrap(), f.queries, f.dnssec)
}

#[test]
fn the_mta_sts_policy_is_read_only_over_a_certificate_valid_for_its_host() {
    if !available() {
        return;
    }
    let ub = start();
    let ca = ca(ub.dir.path());
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async {
        // Valid: the test's CA trusted, the certificate names mta-sts.signed.vn.
        let port = policy_server(&ca, "mta-sts.signed.vn", POLICY).await;
        let (sts, queries, dnssec) = probe_signed(&ub, port, Some(&ca.pem)).await;
        assert_eq!(
            sts,
            serde_json::json!({"record": "v=STSv1; id=20261201", "id": "20261201", "mode": "enforce",
                "mx": ["mx.signed.vn", "*.signed.vn"], "max_age": 604800, "error": "", "policy_error": "",
                "missing": {"en": "", "vi": ""}})
        );
        assert_eq!(dnssec, "secure");
        // TXT domain, _spf include, _dmarc, _mta-sts, A mta-sts, CAA, MX, and the validated SOA.
        assert_eq!(queries, 8);

        // The same server, the CA not given: the chain leads nowhere trusted, so there is no policy.
        let (sts, _, _) = probe_signed(&ub, port, None).await;
        let url = format!("https://mta-sts.signed.vn:{port}/.well-known/mta-sts.txt");
        assert_eq!(
            (sts["mode"].as_str(), sts["policy_error"].as_str(), sts["error"].as_str()),
            (
                Some(""),
                Some("certificate"),
                Some(format!("GET {url}: the certificate of mta-sts.signed.vn is not valid: it does not chain to a trusted root").as_str())
            )
        );
        assert_eq!(sts["missing"]["en"], "no policy: the policy host's certificate is not valid (RFC 8461 §3.3)");

        // The CA trusted, but the certificate is for another name.
        let port = policy_server(&ca, "www.signed.vn", POLICY).await;
        let (sts, _, _) = probe_signed(&ub, port, Some(&ca.pem)).await;
        let url = format!("https://mta-sts.signed.vn:{port}/.well-known/mta-sts.txt");
        assert_eq!(
            (sts["mode"].as_str(), sts["policy_error"].as_str(), sts["error"].as_str()),
            (
                Some(""),
                Some("certificate"),
                Some(format!("GET {url}: the certificate of mta-sts.signed.vn is not valid: it is not valid for this name").as_str())
            )
        );
    });
}

/// Runs `collect --only dns` on `domains` with `anchor` as `--dnssec-anchor` and returns the
/// evidence.
fn collect_with_anchor(ub: &Unbound, domains: &str, anchor: &Path) -> Value {
    let d = ub.dir.path();
    std::fs::write(d.join("inventory.yaml"), inventory(3, domains)).unwrap();
    let (inv, ev) = (d.join("inventory.yaml"), d.join("evidence.json"));
    let resolver = format!("127.0.0.1:{}", ub.port);
    let o = tuanthu(&[
        "collect",
        "--inventory",
        inv.to_str().unwrap(),
        "--only",
        "dns",
        "--resolver",
        &resolver,
        "--dnssec-anchor",
        anchor.to_str().unwrap(),
        "-o",
        ev.to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    serde_json::from_str(&std::fs::read_to_string(&ev).unwrap()).unwrap()
}

#[test]
fn a_ds_anchor_from_ldns_key2ds_validates_and_a_wrong_digest_is_bogus_with_its_reason() {
    if !available() {
        return;
    }
    let ub = start();
    let d = ub.dir.path();
    // The DS line of the test's own root key, as ldns-key2ds writes it (`.  3600  IN  DS  …`).
    let ds = run(d, "ldns-key2ds", &["-n", "-2", "root-anchor.key"]);
    let fields: Vec<&str> = ds.split_whitespace().collect();
    assert_eq!((fields[0], fields[3], fields[5], fields[6]), (".", "DS", "13", "2"), "{ds}");
    let tag = fields[4];
    std::fs::write(d.join("root.ds"), format!("; the test root's KSK\n{ds}\n")).unwrap();
    let evidence = collect_with_anchor(&ub, "signed.vn, plain.vn", &d.join("root.ds"));
    let signed = facts(&evidence, "signed.vn");
    assert_eq!(
        (signed["dnssec"].as_str(), signed["dnssec_reason"].as_str(), signed["dnssec_anchor"].as_str()),
        (Some("secure"), Some(""), Some("root.ds"))
    );
    assert_eq!(facts(&evidence, "plain.vn")["dnssec"], "insecure");

    // The same line with the digest's last digit changed: no served key matches it.
    let last = ds.chars().last().unwrap();
    let wrong = format!("{}{}", &ds[..ds.len() - 1], if last == '0' { '1' } else { '0' });
    std::fs::write(d.join("wrong.ds"), format!("{wrong}\n")).unwrap();
    let evidence = collect_with_anchor(&ub, "signed.vn", &d.join("wrong.ds"));
    let signed = facts(&evidence, "signed.vn");
    assert_eq!(signed["dnssec"], "bogus");
    assert_eq!(
        signed["dnssec_reason"],
        format!("no DNSKEY of `.` (1 served) matches the DS anchor of wrong.ds (key tag {tag}, algorithm 13, line 1)")
    );
    let report = common::check_collected(&d.join("inventory.yaml"), &d.join("evidence.json"));
    assert!(
        common::findings(&report)
            .iter()
            .any(|(rule, asset, outcome)| rule == "dns-dnssec-bogus" && asset == "signed.vn" && outcome == "fail"),
        "the bogus verdict is a finding"
    );
}

#[test]
fn a_dead_resolver_makes_an_error_record_and_bad_options_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("inventory.yaml"), inventory(3, "example.vn")).unwrap();
    let inv = d.join("inventory.yaml");
    let ev = d.join("evidence.json");
    // Nothing listens on this loopback port: the record says so, exit 1 (something not measured).
    let free = std::net::UdpSocket::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let resolver = format!("127.0.0.1:{free}");
    let args = ["collect", "--inventory", inv.to_str().unwrap(), "--resolver", &resolver, "--read-timeout", "0.5"];
    let o = tuanthu(&[&args[..], &["-o", ev.to_str().unwrap(), "-q"]].concat());
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let evidence: Value = serde_json::from_str(&std::fs::read_to_string(&ev).unwrap()).unwrap();
    let rec = &evidence["records"][0];
    assert_eq!(
        (rec["kind"].as_str(), rec["target"].as_str(), rec["address"].as_str()),
        (Some("dns"), Some("example.vn"), Some("127.0.0.1"))
    );
    assert!(["timeout", "connect"].contains(&rec["error"]["class"].as_str().unwrap()), "{}", rec["error"]);
    let o = tuanthu(&[
        "collect",
        "--inventory",
        inv.to_str().unwrap(),
        "--resolver",
        "dns.example:53",
        "-o",
        ev.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 2);
    assert_eq!(
        stderr(&o),
        "error: --resolver: `dns.example:53` is not an address with an optional port (e.g. 192.0.2.53, 192.0.2.53:5353, [2001:db8::53]:53)\n"
    );
    std::fs::write(d.join("anchor.key"), "example.vn. IN A 192.0.2.1\n").unwrap();
    let anchor = d.join("anchor.key");
    let with_anchor = [
        "collect",
        "--inventory",
        inv.to_str().unwrap(),
        "--resolver",
        "127.0.0.1",
        "--dnssec-anchor",
        anchor.to_str().unwrap(),
        "-o",
        ev.to_str().unwrap(),
    ];
    let o = tuanthu(&with_anchor);
    assert_eq!(code(&o), 2);
    let a = anchor.display().to_string();
    let forms =
        "`<zone>. IN DNSKEY 257 3 <algorithm> <key>` or `<zone>. IN DS <key tag> <algorithm> <digest type> <digest>`";
    assert_eq!(stderr(&o), format!("error: {a}:1:1: expected a DNSKEY or DS record ({forms})\n"));
    // A DS line with an unknown digest type and one with a short digest: refused at their place,
    // in the language asked for.
    let digest = "9215efb7bf54b5560788382edd816dd0b0ac7e32c963d37273b74bf75e745151";
    for (line, en, vi) in [
        (
            format!(".\t3600\tIN\tDS\t2581 13 3 {digest}"),
            "2:22: expected digest type 1 (SHA-1), 2 (SHA-256) or 4 (SHA-384), found `3`",
            "2:22: cần loại digest 1 (SHA-1), 2 (SHA-256) hoặc 4 (SHA-384), gặp `3`",
        ),
        (
            "example.vn. IN DS 2581 13 2 9215efb7".to_string(),
            "2:29: expected a digest of 64 hexadecimal digits for digest type 2, found 8",
            "2:29: digest của loại 2 cần 64 chữ số thập lục phân, gặp 8",
        ),
    ] {
        std::fs::write(&anchor, format!("; anchors\n{line}\n")).unwrap();
        let o = tuanthu(&with_anchor);
        assert_eq!((code(&o), stderr(&o)), (2, format!("error: {a}:{en}\n")));
        let o = tuanthu(&[&with_anchor[..], &["--lang", "vi"]].concat());
        assert_eq!((code(&o), stderr(&o)), (2, format!("lỗi: {a}:{vi}\n")));
    }
}

#[test]
fn a_bad_domains_entry_is_reported_at_its_position() {
    let inv = "schema: tuanthu/inventory/v1\nagency: {id: a, name: A, catalogue: tt12-2022}\nsystems:\n  - id: s\n    name: S\n    level: 3\n    approval: {status: draft}\n    assets:\n      domains: [laocai.gov.vn, 10.0.0.1, mail_.vn]\n";
    let dir = common::dir_with(&[("inventory.yaml", inv)]);
    let o = tuanthu(&["validate", dir.path().join("inventory.yaml").to_str().unwrap()]);
    assert_eq!(code(&o), 2);
    let p = dir.path().join("inventory.yaml").display().to_string();
    assert_eq!(
        stderr(&o),
        format!(
            "error: {p}:9:32: `10.0.0.1` is not a domain name (e.g. laocai.gov.vn): letters, digits and hyphens in dot-separated labels\nerror: {p}:9:42: `mail_.vn` is not a domain name (e.g. laocai.gov.vn): letters, digits and hyphens in dot-separated labels\n2 problem(s) in 1 file(s)\n"
        )
    );
}
