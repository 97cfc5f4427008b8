//! Certificate facts against material nobody on the team wrote (`shared/corpora`, see its README):
//!
//! * badssl.com's real chains, whose leaf facts were extracted with openssl into `FACTS.tsv`:
//!   every row is asserted (certificates in the file, key type and size, signature algorithm,
//!   notAfter, subject);
//! * x509-limbo's path-validation testcases: for each server-authentication case we can express,
//!   `chain_valid && hostname_match` is compared with the expected result. Agreement must not fall
//!   below [`LIMBO_FLOOR`] (measured; raise it when the analysis improves).
//!
//! Without `../shared` the tests print why and pass, except under `CI=true`, where they fail.

mod common;

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use time::macros::datetime;
use tuanthu::collect::tls::certificate;
use tuanthu::collect::tls::trust::TrustStore;
use tuanthu::evidence::CertificateFacts;

/// limbo testcases (of those considered) where our verdict agrees with the expected one
/// (measured: 126 of 181 considered).
const LIMBO_FLOOR: usize = 126;

/// Testcases where we knowingly differ from limbo. All but the last two are listed, with the same
/// reasons, in rustls-webpki's own `third-party/x509-limbo/exceptions.json`: `chain_valid` is
/// webpki's verdict, and tuanthu reports key size, signature and usage problems as separate facts.
/// A disagreement not listed here fails the test.
const KNOWN_DISAGREEMENTS: &[&str] = &[
    // webpki refuses CA certificates as leaves, and self-issued intermediates.
    "pathlen::validation-ignores-pathlen-in-leaf",
    "rfc5280::ca-as-leaf",
    "pathlen::self-issued-certs-pathlen",
    "rfc5280::nc::permitted-self-issued",
    // RFC 5280 / CA/B profile rules webpki does not enforce (extension presence and criticality,
    // serial numbers, trust anchor contents, EKU presence, AIA syntax).
    "rfc5280::aki::critical-aki",
    "rfc5280::aki::cross-signed-root-missing-aki",
    "rfc5280::aki::intermediate-missing-aki",
    "rfc5280::aki::leaf-missing-aki",
    "rfc5280::ca-empty-subject",
    "rfc5280::leaf-ku-keycertsign",
    "rfc5280::nc::invalid-dnsname-leading-period",
    "rfc5280::nc::not-allowed-in-ee-critical",
    "rfc5280::nc::not-allowed-in-ee-noncritical",
    "rfc5280::nc::permitted-dns-match-noncritical",
    "rfc5280::pc::ica-noncritical-pc",
    "rfc5280::root-inconsistent-ca-extensions",
    "rfc5280::root-missing-basic-constraints",
    "rfc5280::root-non-critical-basic-constraints",
    "rfc5280::san::noncritical-with-empty-subject",
    "rfc5280::serial::too-long",
    "rfc5280::serial::zero",
    "rfc5280::ski::critical-ski",
    "rfc5280::ski::intermediate-missing-ski",
    "rfc5280::ski::root-missing-ski",
    "rfc5280::unknown-critical-extension-root",
    "rfc5280::validity::expired-root",
    "webpki::aki::root-with-aki-all-fields",
    "webpki::aki::root-with-aki-authoritycertissuer",
    "webpki::aki::root-with-aki-authoritycertserialnumber",
    "webpki::aki::root-with-aki-missing-keyidentifier",
    "webpki::aki::root-with-aki-ski-mismatch",
    "webpki::eku::ee-anyeku",
    "webpki::eku::ee-critical-eku",
    "webpki::eku::ee-without-eku",
    "webpki::eku::root-has-eku",
    "webpki::malformed-aia",
    "webpki::nc::intermediate-permitted-excluded-subtrees-both-empty-sequences",
    "webpki::nc::intermediate-permitted-excluded-subtrees-both-null",
    "webpki::san::san-critical-with-nonempty-subject",
    // The subject CN must repeat a SAN byte for byte (a CA/B issuance lint): names are matched on
    // SANs only, so these certificates do name the peer.
    "webpki::cn::case-mismatch",
    "webpki::cn::ipv4-hex-mismatch",
    "webpki::cn::ipv4-leading-zeros-mismatch",
    "webpki::cn::ipv6-non-rfc5952-mismatch",
    "webpki::cn::ipv6-uncompressed-mismatch",
    "webpki::cn::ipv6-uppercase-mismatch",
    "webpki::cn::not-in-san",
    "webpki::cn::punycode-not-in-san",
    "webpki::cn::utf8-vs-punycode-mismatch",
    // Leaf keys CA/B forbids (DSA, P-192, RSA 1024, sizes not a multiple of 8): path validation
    // passes; `key_type`/`key_bits` carry them to the weak-key rule.
    "webpki::forbidden-dsa-leaf",
    "webpki::forbidden-p192-leaf",
    "webpki::forbidden-rsa-key-not-divisible-by-8-in-leaf",
    "webpki::forbidden-rsa-not-divisible-by-8-in-root",
    "webpki::forbidden-weak-rsa-in-leaf",
    // Wildcards over multi-label public suffixes: no public suffix list is bundled (hostname.rs).
    "webpki::san::public-suffix-multi-label-wildcard-san",
    "webpki::san::public-suffix-private-namespace-wildcard-san",
];

/// `../shared/corpora`, or `None` (the test says it skipped) when `../shared` is absent outside CI.
fn corpora() -> Option<PathBuf> {
    Some(common::shared()?.join("corpora"))
}

/// Every DER certificate of a PEM text, in order.
fn pem_chain(text: &[u8]) -> Vec<Vec<u8>> {
    x509_parser::pem::Pem::iter_from_buffer(text).map(|p| p.expect("corpus PEM block").contents).collect()
}

// ---- badssl ----

/// One row of `FACTS.tsv`: openssl's reading of a chain file's leaf.
struct Row {
    file: String,
    certs_in_file: usize,
    leaf_key: String,
    leaf_sig_alg: String,
    leaf_not_after: String,
    leaf_subject: String,
}

fn facts_rows(tsv: &str) -> Vec<Row> {
    let mut lines = tsv.lines();
    assert_eq!(
        lines.next(),
        Some("file\tcerts_in_file\tleaf_key\tleaf_sig_alg\tleaf_not_after\tleaf_subject"),
        "FACTS.tsv header changed"
    );
    lines
        .filter(|l| !l.is_empty())
        .map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            assert_eq!(c.len(), 6, "malformed FACTS.tsv row: {l}");
            Row {
                file: c[0].into(),
                certs_in_file: c[1].parse().unwrap(),
                leaf_key: c[2].into(),
                leaf_sig_alg: c[3].into(),
                leaf_not_after: c[4].into(),
                leaf_subject: c[5].into(),
            }
        })
        .collect()
}

/// openssl's `notAfter` ("Mar 25 12:00:00 2020 GMT", day padded with a space) as RFC 3339.
fn openssl_date(s: &str) -> String {
    let p: Vec<&str> = s.split_whitespace().collect();
    assert!(p.len() == 5 && p[4] == "GMT", "unexpected date {s}");
    let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let month = months.iter().position(|m| *m == p[0]).unwrap() + 1;
    format!("{}-{month:02}-{:02}T{}Z", p[3], p[1].parse::<u8>().unwrap(), p[2])
}

/// The attribute values of a one-line subject, in order. openssl writes `C = US, O = X` and
/// x509-parser `C=US, O=X`, and they name some attributes differently (`jurisdictionC` vs
/// `msJurisdictionCountry`), so values are what is compared.
fn subject_values(s: &str) -> Vec<&str> {
    s.split(", ").filter_map(|rdn| rdn.split_once('=').map(|(_, v)| v.trim_start())).collect()
}

/// openssl's subject was cut at 50 characters by the extraction: its values must open ours, the
/// last one possibly cut short.
fn same_subject(openssl: &str, ours: &str) -> bool {
    let (theirs, ours) = (subject_values(openssl), subject_values(ours));
    theirs.len() <= ours.len()
        && theirs
            .iter()
            .zip(&ours)
            .enumerate()
            .all(|(i, (t, o))| if i + 1 == theirs.len() { o.starts_with(t) } else { t == o })
}

fn check_row(dir: &Path, row: &Row) -> CertificateFacts {
    let chain = pem_chain(&std::fs::read(dir.join(&row.file)).unwrap());
    assert_eq!(chain.len(), row.certs_in_file, "{}: certificates in file", row.file);
    // The chains expired long ago; facts other than expiry do not depend on the time.
    let f = certificate::analyse(&chain, "badssl.com", &TrustStore::mozilla(), datetime!(2016-01-01 00:00 UTC));
    let (kind, bits) = row.leaf_key.split_once('-').unwrap();
    assert_eq!(f.key_type.as_deref(), Some(kind), "{}: key type", row.file);
    assert_eq!(f.key_bits, Some(bits.parse().unwrap()), "{}: key bits", row.file);
    assert_eq!(f.signature_algorithm.as_deref(), Some(row.leaf_sig_alg.as_str()), "{}: signature", row.file);
    assert_eq!(f.not_after, Some(openssl_date(&row.leaf_not_after)), "{}: notAfter", row.file);
    let subject = f.subject.clone().unwrap();
    assert!(same_subject(&row.leaf_subject, &subject), "{}: subject {subject} vs {}", row.file, row.leaf_subject);
    assert_eq!(f.chain_length, row.certs_in_file);
    assert!(f.parse_errors.is_empty(), "{}: {:?}", row.file, f.parse_errors);
    f
}

#[test]
fn badssl_chains_match_the_openssl_facts() {
    let Some(corpora) = corpora() else { return };
    let dir = corpora.join("badssl-certs");
    let rows = facts_rows(&std::fs::read_to_string(dir.join("FACTS.tsv")).unwrap());
    assert_eq!(rows.len(), 34, "FACTS.tsv rows");
    let facts: BTreeMap<String, CertificateFacts> = rows.iter().map(|r| (r.file.clone(), check_row(&dir, r))).collect();
    println!("badssl: {} FACTS.tsv rows checked", facts.len());

    let f = &facts["subdomain-10000-sans.pem"];
    assert!(f.san_truncated && f.san.len() == certificate::MAX_SANS);
    assert!(!facts["subdomain-1000-sans.pem"].san_truncated);
    assert!(facts["wildcard-sha1-2016.pem"].weak_signature_in_chain);
    assert!(facts["wildcard-sha1-intermediate.pem"].weak_signature_in_chain, "SHA-1 on the intermediate only");
    assert!(!facts["wildcard-sha384.pem"].weak_signature_in_chain);
    assert!(facts["wildcard-self-signed.pem"].self_signed);
    assert!(!facts["wildcard-rsa2048.pem"].self_signed);
    assert!(facts["subdomain-no-subject.pem"].subject.as_deref() == Some(""));
}

#[test]
fn badssl_host_names_and_chain_verdicts() {
    let Some(corpora) = corpora() else { return };
    let dir = corpora.join("badssl-certs");
    let analyse = |file: &str, name: &str, now: OffsetDateTime| {
        let chain = pem_chain(&std::fs::read(dir.join(file)).unwrap());
        certificate::analyse(&chain, name, &TrustStore::mozilla(), now)
    };
    let during = datetime!(2021-06-01 00:00 UTC);
    let f = analyse("wildcard-rsa2048.pem", "rsa2048.badssl.com", during);
    assert_eq!(f.san, ["*.badssl.com", "badssl.com"]);
    assert!(f.hostname_match);
    assert!(analyse("wildcard-rsa2048.pem", "badssl.com", during).hostname_match);
    assert!(!analyse("wildcard-rsa2048.pem", "a.b.badssl.com", during).hostname_match);
    assert!(!analyse("wildcard-rsa2048.pem", "badssl.org", during).hostname_match);
    assert!(analyse("subdomain-10000-sans.pem", "10000-sans.badssl.com", during).hostname_match);
    assert!(
        analyse("subdomain-xn--n1aae7f7o.pem", "xn--n1aae7f7o.badssl.com", during - time::Duration::days(400))
            .hostname_match
    );
    assert!(
        !analyse("subdomain-no-common-name.pem", "no-common-name.badssl.com", during).subject.unwrap().contains("CN=")
    );

    let expired = analyse("wildcard-expired.pem", "expired.badssl.com", during);
    assert_eq!(expired.chain_error.as_deref(), Some("expired"));
    assert!(expired.days_remaining.unwrap() < -2000);
    let incomplete = analyse("wildcard-incomplete-chain.pem", "incomplete-chain.badssl.com", during);
    assert_eq!(incomplete.chain_error.as_deref(), Some("unknown issuer (incomplete chain or untrusted root)"));
    let selfsigned = analyse("wildcard-self-signed.pem", "self-signed.badssl.com", datetime!(2018-01-01 00:00 UTC));
    assert_eq!(selfsigned.chain_error.as_deref(), Some("self-signed"));
}

// ---- x509-limbo ----

/// The parts of a limbo testcase (`limbo-schema.json`) this test uses.
#[derive(Deserialize)]
struct Limbo {
    testcases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    id: String,
    features: Option<Vec<String>>,
    validation_kind: String,
    trusted_certs: Vec<String>,
    untrusted_intermediates: Vec<String>,
    peer_certificate: String,
    validation_time: Option<String>,
    expected_result: String,
    expected_peer_name: Option<PeerName>,
    extended_key_usage: Vec<String>,
    key_usage: Vec<String>,
    max_chain_depth: Option<u32>,
}

#[derive(Deserialize)]
struct PeerName {
    kind: String,
    value: String,
}

/// Why a case cannot be put to `analyse`, or `None` when it can.
fn skip_reason(c: &Case) -> Option<&'static str> {
    let features = c.features.as_deref().unwrap_or_default();
    if c.validation_kind != "SERVER" {
        Some("client validation")
    } else if features.iter().any(|f| f == "has-crl") {
        Some("needs CRL checking")
    } else if !c.expected_peer_name.as_ref().is_some_and(|p| p.kind == "DNS" || p.kind == "IP") {
        Some("no DNS or IP peer name")
    } else if c.max_chain_depth.is_some() {
        Some("custom maximum chain depth")
    } else if !c.key_usage.is_empty() || c.extended_key_usage.iter().any(|e| e != "serverAuth") {
        Some("usage other than TLS server authentication")
    } else {
        None
    }
}

/// Our verdict: `Ok(())` when the chain validates and names the peer, else why not.
fn verdict(c: &Case) -> Result<(), String> {
    let mut store = TrustStore::empty();
    for pem in &c.trusted_certs {
        // A root webpki cannot use as an anchor simply is not one: the chain then fails.
        pem_chain(pem.as_bytes()).iter().for_each(|der| drop(store.add_der(der)));
    }
    let mut chain = pem_chain(c.peer_certificate.as_bytes());
    chain.extend(c.untrusted_intermediates.iter().flat_map(|p| pem_chain(p.as_bytes())));
    let now = match &c.validation_time {
        Some(t) => OffsetDateTime::parse(t, &Rfc3339).unwrap(),
        None => OffsetDateTime::now_utc(),
    };
    let name = &c.expected_peer_name.as_ref().unwrap().value;
    let f = certificate::analyse(&chain, name, &store, now);
    match (f.chain_valid, f.hostname_match) {
        (true, true) => Ok(()),
        (false, _) => Err(f.chain_error.unwrap_or_default()),
        (true, false) => Err("host name mismatch".into()),
    }
}

#[test]
fn x509_limbo_verdicts_agree_with_expectations() {
    let Some(corpora) = corpora() else { return };
    let text = std::fs::read_to_string(corpora.join("x509-limbo/limbo-nobettertls.json")).unwrap();
    let limbo: Limbo = serde_json::from_str(&text).unwrap();
    let mut skipped: BTreeMap<&str, usize> = BTreeMap::new();
    let (mut agree, mut disagree, mut unexpected) = (0, Vec::new(), Vec::new());
    for c in &limbo.testcases {
        if let Some(reason) = skip_reason(c) {
            *skipped.entry(reason).or_default() += 1;
            continue;
        }
        let ours = verdict(c);
        if ours.is_ok() == (c.expected_result == "SUCCESS") {
            agree += 1;
        } else {
            let line = format!("{} (expected {}, ours {:?})", c.id, c.expected_result, ours);
            if !KNOWN_DISAGREEMENTS.contains(&&*c.id) {
                unexpected.push(line.clone());
            }
            disagree.push(line);
        }
    }
    let considered = agree + disagree.len();
    println!(
        "x509-limbo: {} testcases, {considered} considered, {agree} agree, {} disagree",
        limbo.testcases.len(),
        disagree.len()
    );
    println!("skipped: {skipped:?}");
    for d in &disagree {
        println!("  disagree: {d}");
    }
    assert!(unexpected.is_empty(), "disagreements not in KNOWN_DISAGREEMENTS:\n{}", unexpected.join("\n"));
    assert!(agree >= LIMBO_FLOOR, "agreement {agree} fell below the floor {LIMBO_FLOOR}");
}

/// The leaf keys limbo expects refused (and webpki accepts) are visible in the key facts, which is
/// where the weak-key rule reads them.
#[test]
fn x509_limbo_forbidden_leaf_keys_are_measured() {
    let Some(corpora) = corpora() else { return };
    let text = std::fs::read_to_string(corpora.join("x509-limbo/limbo-nobettertls.json")).unwrap();
    let limbo: Limbo = serde_json::from_str(&text).unwrap();
    let leaf_key = |id: &str| {
        let c = limbo.testcases.iter().find(|c| c.id == id).unwrap();
        let f = certificate::analyse(
            &pem_chain(c.peer_certificate.as_bytes()),
            "x",
            &TrustStore::empty(),
            OffsetDateTime::now_utc(),
        );
        (f.key_type.unwrap(), f.key_bits.unwrap())
    };
    assert_eq!(leaf_key("webpki::forbidden-weak-rsa-in-leaf"), ("RSA".to_string(), 1024));
    assert_eq!(leaf_key("webpki::forbidden-p192-leaf"), ("EC".to_string(), 192));
    let (kind, bits) = leaf_key("webpki::forbidden-dsa-leaf");
    assert_eq!(kind, "DSA");
    assert!(bits >= 1024 && bits % 8 == 0, "DSA prime size {bits}");
    let (kind, bits) = leaf_key("webpki::forbidden-rsa-key-not-divisible-by-8-in-leaf");
    assert!(kind == "RSA" && bits % 8 != 0 && bits > 2048, "{kind} {bits}");
}
