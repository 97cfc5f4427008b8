//! Certificate facts, chain validation and trust bundles on certificates made here with rcgen
//! (a test root, an intermediate and leaves), plus the openssl-made SHA-1 and 1024-bit RSA
//! fixtures of `tests/fixtures/certs` that rcgen cannot produce. No network.

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose, SignatureAlgorithm,
};
use std::path::{Path, PathBuf};
use time::OffsetDateTime;
use time::macros::datetime;
use tuanthu::collect::tls::certificate;
use tuanthu::collect::tls::trust::TrustStore;

/// The observation time of every rcgen test: leaves are valid 2026-01-01 to 2027-01-01.
const NOW: OffsetDateTime = datetime!(2026-06-01 00:00 UTC);

/// A root and an intermediate CA, both ECDSA P-256.
struct Pki {
    root: CertifiedIssuer<'static, KeyPair>,
    intermediate: CertifiedIssuer<'static, KeyPair>,
}

impl Pki {
    fn new() -> Pki {
        let root =
            CertifiedIssuer::self_signed(ca_params("Test Root CA"), key(&rcgen::PKCS_ECDSA_P256_SHA256)).unwrap();
        let intermediate =
            CertifiedIssuer::signed_by(ca_params("Test Intermediate CA"), key(&rcgen::PKCS_ECDSA_P256_SHA256), &root)
                .unwrap();
        Pki { root, intermediate }
    }

    /// A server certificate for `sans` signed by the intermediate, returned as the chain a server
    /// sends (leaf, intermediate).
    fn chain(&self, params: CertificateParams, alg: &'static SignatureAlgorithm) -> Vec<Vec<u8>> {
        let leaf = params.signed_by(&key(alg), &self.intermediate).unwrap();
        vec![leaf.der().to_vec(), self.intermediate.der().to_vec()]
    }

    fn server_chain(&self, sans: &[&str]) -> Vec<Vec<u8>> {
        self.chain(leaf_params(sans), &rcgen::PKCS_ECDSA_P256_SHA256)
    }

    /// Mozilla's roots plus this root, loaded the way `--ca-bundle` does: from a PEM file.
    fn store(&self) -> TrustStore {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "gov-ca.pem", self.root.pem().as_bytes());
        let mut store = TrustStore::mozilla();
        let before = store.len();
        assert_eq!(store.add_pem_file(&path), Ok(1));
        assert_eq!(store.len(), before + 1);
        store
    }
}

fn key(alg: &'static SignatureAlgorithm) -> KeyPair {
    KeyPair::generate_for(alg).unwrap()
}

fn ca_params(cn: &str) -> CertificateParams {
    let mut p = CertificateParams::default();
    p.distinguished_name = rcgen::DistinguishedName::new();
    p.distinguished_name.push(DnType::CommonName, cn);
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    p.not_before = datetime!(2020-01-01 00:00 UTC);
    p.not_after = datetime!(2040-01-01 00:00 UTC);
    p
}

fn leaf_params(sans: &[&str]) -> CertificateParams {
    let mut p = CertificateParams::new(sans.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap();
    p.distinguished_name = rcgen::DistinguishedName::new();
    p.distinguished_name.push(DnType::CommonName, sans.first().copied().unwrap_or("no name"));
    p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    p.not_before = datetime!(2026-01-01 00:00 UTC);
    p.not_after = datetime!(2027-01-01 00:00 UTC);
    p
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/certs").join(name);
    let pem = std::fs::read(&path).unwrap();
    x509_parser::pem::parse_x509_pem(&pem).unwrap().1.contents
}

fn fixture_store(root: &str) -> TrustStore {
    let mut store = TrustStore::empty();
    assert_eq!(
        store.add_pem_file(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/certs").join(root)),
        Ok(1)
    );
    store
}

#[test]
fn a_complete_chain_to_a_bundle_root_is_valid_and_described() {
    let pki = Pki::new();
    let chain = pki.server_chain(&["www.example.gov.vn"]);
    let f = certificate::analyse(&chain, "www.example.gov.vn", &pki.store(), NOW);
    assert!(f.chain_valid, "{:?}", f.chain_error);
    assert_eq!(f.chain_error, None);
    assert!(f.hostname_match);
    assert!(!f.self_signed && !f.is_ca && !f.weak_signature_in_chain);
    assert_eq!(f.subject.as_deref(), Some("CN=www.example.gov.vn"));
    assert_eq!(f.issuer.as_deref(), Some("CN=Test Intermediate CA"));
    assert_eq!(f.san, ["www.example.gov.vn"]);
    assert_eq!(f.not_before.as_deref(), Some("2026-01-01T00:00:00Z"));
    assert_eq!(f.not_after.as_deref(), Some("2027-01-01T00:00:00Z"));
    assert_eq!(f.days_remaining, Some(214));
    assert_eq!((f.key_type.as_deref(), f.key_bits), (Some("EC"), Some(256)));
    assert_eq!(f.signature_algorithm.as_deref(), Some("ecdsa-with-SHA256"));
    assert_eq!(f.version, Some(3));
    assert_eq!(f.key_usage, ["digitalSignature"]);
    assert_eq!(f.extended_key_usage, ["serverAuth"]);
    assert_eq!(f.server_auth_eku, Some(true));
    assert_eq!(f.chain_length, 2);
    assert_eq!(f.chain.len(), 2);
    assert_eq!(f.chain[1].subject.as_deref(), Some("CN=Test Intermediate CA"));
    assert_eq!(f.chain[1].issuer.as_deref(), Some("CN=Test Root CA"));
    assert_eq!(f.chain[0].sha256, f.sha256);
    assert_ne!(f.chain[1].sha256, f.sha256);
    assert!(f.sha256.len() == 64 && f.sha256.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
    assert!(f.parse_errors.is_empty(), "{:?}", f.parse_errors);
}

#[test]
fn evidence_uses_the_contract_field_names() {
    let pki = Pki::new();
    let f = certificate::analyse(&pki.server_chain(&["www.example.gov.vn"]), "www.example.gov.vn", &pki.store(), NOW);
    let json = serde_json::to_value(&f).unwrap();
    for field in [
        "subject",
        "issuer",
        "san",
        "not_before",
        "not_after",
        "days_remaining",
        "key_type",
        "key_bits",
        "signature_algorithm",
        "self_signed",
        "hostname_match",
        "chain_valid",
        "chain_error",
        "chain_length",
        "sha256",
    ] {
        assert!(json.get(field).is_some(), "missing {field} in {json}");
    }
    assert_eq!(json["key_bits"], 256);
    assert_eq!(json["chain_error"], serde_json::Value::Null);
}

#[test]
fn a_private_root_is_unknown_to_the_mozilla_store() {
    let pki = Pki::new();
    let chain = pki.server_chain(&["www.example.gov.vn"]);
    let f = certificate::analyse(&chain, "www.example.gov.vn", &TrustStore::mozilla(), NOW);
    assert!(!f.chain_valid);
    assert_eq!(f.chain_error.as_deref(), Some("unknown issuer (incomplete chain or untrusted root)"));
    // Facts that do not depend on trust are still there.
    assert!(f.hostname_match);
    assert_eq!(f.key_bits, Some(256));

    let mut with_root = chain.clone();
    with_root.push(pki.root.der().to_vec());
    let f = certificate::analyse(&with_root, "www.example.gov.vn", &TrustStore::mozilla(), NOW);
    assert_eq!(f.chain_error.as_deref(), Some("unknown issuer (the chain ends at a root that is not trusted)"));
    assert_eq!(f.chain_length, 3);
}

#[test]
fn a_missing_intermediate_makes_the_issuer_unknown() {
    let pki = Pki::new();
    let chain = pki.server_chain(&["www.example.gov.vn"]);
    let f = certificate::analyse(&chain[..1], "www.example.gov.vn", &pki.store(), NOW);
    assert!(!f.chain_valid);
    assert_eq!(f.chain_error.as_deref(), Some("unknown issuer (incomplete chain or untrusted root)"));
    assert_eq!(f.chain_length, 1);
}

#[test]
fn expired_and_not_yet_valid_leaves() {
    let pki = Pki::new();
    let mut p = leaf_params(&["old.example.gov.vn"]);
    p.not_after = datetime!(2026-05-01 12:00 UTC);
    let f =
        certificate::analyse(&pki.chain(p, &rcgen::PKCS_ECDSA_P256_SHA256), "old.example.gov.vn", &pki.store(), NOW);
    assert!(!f.chain_valid);
    assert_eq!(f.chain_error.as_deref(), Some("expired"));
    assert_eq!(f.days_remaining, Some(-31));

    let mut p = leaf_params(&["new.example.gov.vn"]);
    p.not_before = datetime!(2026-07-01 00:00 UTC);
    let f =
        certificate::analyse(&pki.chain(p, &rcgen::PKCS_ECDSA_P256_SHA256), "new.example.gov.vn", &pki.store(), NOW);
    assert!(!f.chain_valid);
    assert_eq!(f.chain_error.as_deref(), Some("not yet valid"));
    assert_eq!(f.days_remaining, Some(214));
}

#[test]
fn days_remaining_rounds_down_so_any_expired_certificate_is_negative() {
    let pki = Pki::new();
    let mut p = leaf_params(&["x.example.gov.vn"]);
    p.not_after = NOW + time::Duration::hours(12);
    let chain = pki.chain(p, &rcgen::PKCS_ECDSA_P256_SHA256);
    let f = certificate::analyse(&chain, "x.example.gov.vn", &pki.store(), NOW);
    assert_eq!(f.days_remaining, Some(0));
    let f = certificate::analyse(&chain, "x.example.gov.vn", &pki.store(), NOW + time::Duration::hours(13));
    assert_eq!(f.days_remaining, Some(-1));
    assert_eq!(f.chain_error.as_deref(), Some("expired"));
}

#[test]
fn an_expired_intermediate_is_told_apart_from_an_expired_leaf() {
    let root = CertifiedIssuer::self_signed(ca_params("Root"), key(&rcgen::PKCS_ECDSA_P256_SHA256)).unwrap();
    let mut ip = ca_params("Old Intermediate");
    ip.not_after = datetime!(2026-03-01 00:00 UTC);
    let intermediate = CertifiedIssuer::signed_by(ip, key(&rcgen::PKCS_ECDSA_P256_SHA256), &root).unwrap();
    let leaf =
        leaf_params(&["a.example.gov.vn"]).signed_by(&key(&rcgen::PKCS_ECDSA_P256_SHA256), &intermediate).unwrap();
    let mut store = TrustStore::empty();
    store.add_der(root.der()).unwrap();
    let chain = vec![leaf.der().to_vec(), intermediate.der().to_vec()];
    let f = certificate::analyse(&chain, "a.example.gov.vn", &store, NOW);
    assert_eq!(f.chain_error.as_deref(), Some("a certificate in the chain has expired"));
    assert_eq!(f.chain[1].not_after.as_deref(), Some("2026-03-01T00:00:00Z"));
}

#[test]
fn a_self_signed_leaf_is_named_as_such_and_valid_only_when_trusted_explicitly() {
    let leaf = leaf_params(&["appliance.example.gov.vn"]).self_signed(&key(&rcgen::PKCS_ECDSA_P384_SHA384)).unwrap();
    let chain = vec![leaf.der().to_vec()];
    let f = certificate::analyse(&chain, "appliance.example.gov.vn", &TrustStore::mozilla(), NOW);
    assert!(f.self_signed);
    assert!(!f.chain_valid);
    assert_eq!(f.chain_error.as_deref(), Some("self-signed"));
    assert!(f.hostname_match);

    let mut pinned = TrustStore::mozilla();
    pinned.add_der(leaf.der()).unwrap();
    let f = certificate::analyse(&chain, "appliance.example.gov.vn", &pinned, NOW);
    assert!(f.self_signed);
    assert!(f.chain_valid, "{:?}", f.chain_error);
}

#[test]
fn same_subject_and_issuer_without_a_matching_signature_is_not_self_signed() {
    // A leaf whose issuer name equals its subject but that another key signed.
    let issuer =
        CertifiedIssuer::self_signed(leaf_params(&["twin.example.gov.vn"]), key(&rcgen::PKCS_ECDSA_P256_SHA256))
            .unwrap();
    let leaf = leaf_params(&["twin.example.gov.vn"]).signed_by(&key(&rcgen::PKCS_ECDSA_P256_SHA256), &issuer).unwrap();
    let f = certificate::analyse(&[leaf.der().to_vec()], "twin.example.gov.vn", &TrustStore::mozilla(), NOW);
    assert_eq!(f.subject, f.issuer);
    assert!(!f.self_signed);
    assert_eq!(f.chain_error.as_deref(), Some("unknown issuer (incomplete chain or untrusted root)"));
}

#[test]
fn a_wrong_host_name_does_not_match_but_the_chain_stays_valid() {
    let pki = Pki::new();
    let f = certificate::analyse(&pki.server_chain(&["www.example.gov.vn"]), "mail.example.gov.vn", &pki.store(), NOW);
    assert!(!f.hostname_match);
    assert!(f.chain_valid, "host name and trust are separate facts: {:?}", f.chain_error);
}

#[test]
fn a_wildcard_certificate_covers_exactly_one_label() {
    let pki = Pki::new();
    let store = pki.store();
    let chain = pki.server_chain(&["*.example.gov.vn"]);
    let matched = |name: &str| certificate::analyse(&chain, name, &store, NOW).hostname_match;
    assert!(matched("a.example.gov.vn"));
    assert!(matched("A.EXAMPLE.GOV.VN."));
    assert!(!matched("example.gov.vn"));
    assert!(!matched("a.b.example.gov.vn"));
    assert!(!matched("a.example.gov.vn.evil.vn"));
}

#[test]
fn ip_literals_match_ip_sans_only() {
    let pki = Pki::new();
    let store = pki.store();
    let chain = pki.server_chain(&["192.0.2.7", "2001:db8::7", "portal.example.gov.vn"]);
    let f = certificate::analyse(&chain, "192.0.2.7", &store, NOW);
    assert!(f.hostname_match && f.chain_valid, "{:?}", f.chain_error);
    assert_eq!(f.san, ["192.0.2.7", "2001:db8::7", "portal.example.gov.vn"]);
    assert!(certificate::analyse(&chain, "2001:db8::7", &store, NOW).hostname_match);
    assert!(certificate::analyse(&chain, "[2001:db8::7]", &store, NOW).hostname_match);
    assert!(!certificate::analyse(&chain, "192.0.2.8", &store, NOW).hostname_match);
    // A DNS-named certificate does not cover the address the name resolves to.
    let dns_only = pki.server_chain(&["portal.example.gov.vn"]);
    assert!(!certificate::analyse(&dns_only, "192.0.2.7", &store, NOW).hostname_match);
}

#[test]
fn key_types_sizes_and_signature_algorithms() {
    let pki = Pki::new();
    let store = pki.store();
    let rsa = rcgen::KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048).unwrap();
    let rsa_leaf = leaf_params(&["rsa.example.gov.vn"]).signed_by(&rsa, &pki.intermediate).unwrap();
    let cases: Vec<(Vec<u8>, &str, u32)> = vec![
        (pki.chain(leaf_params(&["k.example.gov.vn"]), &rcgen::PKCS_ECDSA_P256_SHA256)[0].clone(), "EC", 256),
        (pki.chain(leaf_params(&["k.example.gov.vn"]), &rcgen::PKCS_ECDSA_P384_SHA384)[0].clone(), "EC", 384),
        (pki.chain(leaf_params(&["k.example.gov.vn"]), &rcgen::PKCS_ED25519)[0].clone(), "Ed25519", 256),
        (rsa_leaf.der().to_vec(), "RSA", 2048),
    ];
    for (leaf, key_type, bits) in cases {
        let chain = vec![leaf, pki.intermediate.der().to_vec()];
        let f = certificate::analyse(&chain, "k.example.gov.vn", &store, NOW);
        assert_eq!((f.key_type.as_deref(), f.key_bits), (Some(key_type), Some(bits)));
        // The leaf's signature is the intermediate's (P-256): the leaf key does not change it.
        assert_eq!(f.signature_algorithm.as_deref(), Some("ecdsa-with-SHA256"));
        assert!(f.chain_valid, "{key_type} {bits}: {:?}", f.chain_error);
    }
    let rsa_root = CertifiedIssuer::self_signed(ca_params("RSA Root"), rsa).unwrap();
    let f = certificate::analyse(&[rsa_root.der().to_vec()], "x", &TrustStore::empty(), NOW);
    assert_eq!(f.signature_algorithm.as_deref(), Some("sha256WithRSAEncryption"));
    assert!(f.is_ca && f.self_signed);
}

#[test]
fn a_sha1_signed_leaf_is_reported_and_not_trusted() {
    let f = certificate::analyse(
        &[fixture("sha1-leaf.pem")],
        "sha1.test.gov.vn",
        &fixture_store("ca.pem"),
        OffsetDateTime::now_utc(),
    );
    assert!(f.signature_algorithm.as_deref().unwrap().to_lowercase().contains("sha1"), "{:?}", f.signature_algorithm);
    assert_eq!(f.signature_algorithm.as_deref(), Some("sha1WithRSAEncryption"));
    assert!(f.weak_signature_in_chain);
    assert!(!f.chain_valid);
    assert_eq!(f.chain_error.as_deref(), Some("unsupported signature algorithm (SHA-1)"));
    assert!(f.hostname_match);
    assert_eq!((f.key_type.as_deref(), f.key_bits), (Some("RSA"), Some(2048)));
}

#[test]
fn a_1024_bit_rsa_leaf_is_measured_though_its_chain_validates() {
    let f = certificate::analyse(
        &[fixture("rsa1024-leaf.pem")],
        "rsa1024.test.gov.vn",
        &fixture_store("ca.pem"),
        OffsetDateTime::now_utc(),
    );
    assert_eq!((f.key_type.as_deref(), f.key_bits), (Some("RSA"), Some(1024)));
    assert_eq!(f.signature_algorithm.as_deref(), Some("sha256WithRSAEncryption"));
    // Path validation checks the CA's signature, not the leaf key's size: the weak-key rule does.
    assert!(f.chain_valid, "{:?}", f.chain_error);
    assert!(!f.weak_signature_in_chain);
}

#[test]
fn a_ca_with_a_1024_bit_rsa_key_cannot_vouch_for_anything() {
    let f = certificate::analyse(
        &[fixture("under-rsa1024-ca-leaf.pem")],
        "under1024.test.gov.vn",
        &fixture_store("rsa1024-ca.pem"),
        OffsetDateTime::now_utc(),
    );
    assert_eq!((f.key_type.as_deref(), f.key_bits), (Some("RSA"), Some(2048)));
    assert!(!f.chain_valid);
    assert_eq!(
        f.chain_error.as_deref(),
        Some("invalid signature (forged, corrupted, or an issuer key under 2048 bits)")
    );
}

#[test]
fn a_self_signed_sha1_certificate_does_not_weaken_a_chain_it_alone_forms() {
    let f = certificate::analyse(
        &[fixture("sha1-self-signed.pem")],
        "sha1-self.test.gov.vn",
        &TrustStore::mozilla(),
        OffsetDateTime::now_utc(),
    );
    assert!(f.self_signed, "SHA-1 self-signatures verify with x509-parser");
    assert_eq!(f.signature_algorithm.as_deref(), Some("sha1WithRSAEncryption"));
    assert!(!f.weak_signature_in_chain, "a self-issued certificate's own hash is not relied on");
    assert!(f.is_ca, "made CA:TRUE, as `openssl req -x509` does by default");
    assert_eq!(f.chain_error.as_deref(), Some("self-signed (a CA certificate used as the server certificate)"));
}

#[test]
fn a_leaf_without_server_auth_or_a_ca_as_leaf_is_not_valid_for_tls() {
    let pki = Pki::new();
    let store = pki.store();
    let mut p = leaf_params(&["client.example.gov.vn"]);
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let f = certificate::analyse(&pki.chain(p, &rcgen::PKCS_ECDSA_P256_SHA256), "client.example.gov.vn", &store, NOW);
    assert_eq!(f.server_auth_eku, Some(false));
    assert_eq!(f.extended_key_usage, ["clientAuth"]);
    assert!(!f.chain_valid);
    assert!(f.chain_error.as_deref().unwrap().contains("server authentication"), "{:?}", f.chain_error);

    let f = certificate::analyse(&[pki.intermediate.der().to_vec()], "x.example.gov.vn", &store, NOW);
    assert!(f.is_ca);
    assert_eq!(f.chain_error.as_deref(), Some("a CA certificate is used as the server certificate"));
}

#[test]
fn huge_san_lists_are_capped_but_still_matched_in_full() {
    let pki = Pki::new();
    let names: Vec<String> = (0..1500).map(|i| format!("host{i}.example.gov.vn")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let f = certificate::analyse(&pki.server_chain(&refs), "host1400.example.gov.vn", &pki.store(), NOW);
    assert!(f.hostname_match, "a name past the displayed cap still matches");
    assert_eq!(f.san.len(), certificate::MAX_SANS);
    assert!(f.san_truncated);
    assert_eq!(f.san[999], "host999.example.gov.vn");
}

#[test]
fn long_subjects_are_capped() {
    let pki = Pki::new();
    let mut p = leaf_params(&["long.example.gov.vn"]);
    p.distinguished_name.push(DnType::OrganizationName, "Ủy ban ".repeat(700));
    let f =
        certificate::analyse(&pki.chain(p, &rcgen::PKCS_ECDSA_P256_SHA256), "long.example.gov.vn", &pki.store(), NOW);
    let subject = f.subject.unwrap();
    assert_eq!(subject.chars().count(), certificate::MAX_NAME_CHARS + 1);
    assert!(subject.starts_with("CN=long.example.gov.vn, O=Ủy ban") && subject.ends_with('…'));
}

#[test]
fn junk_chains_give_parse_errors_not_panics() {
    let pki = Pki::new();
    let real = pki.server_chain(&["www.example.gov.vn"]).remove(0);
    let mut junk: Vec<Vec<u8>> = (0..50u8)
        .map(|i| match i % 5 {
            0 => Vec::new(),
            1 => vec![0x30, 0x82, 0xff, 0xff, i],
            2 => real[..real.len() / (i as usize % 7 + 2)].to_vec(),
            3 => (0..200u16).map(|b| (b as u8).wrapping_mul(i).wrapping_add(7)).collect(),
            _ => [real.as_slice(), &[0x00, i]].concat(),
        })
        .collect();
    junk.rotate_left(1); // start with a truncated header, not an empty blob
    let f = certificate::analyse(&junk, "www.example.gov.vn", &pki.store(), NOW);
    assert!(!f.chain_valid);
    assert!(
        f.chain_error.as_deref().unwrap().starts_with("the server certificate cannot be parsed"),
        "{:?}",
        f.chain_error
    );
    assert_eq!(f.chain_length, 50);
    assert_eq!(f.chain.len(), certificate::MAX_CHAIN_ENTRIES);
    assert!(f.parse_errors.first().unwrap().starts_with("certificate 1: "));
    assert!(f.parse_errors.len() <= certificate::MAX_PARSE_ERRORS + 1);
    assert_eq!((f.subject, f.not_after, f.key_bits), (None, None, None));

    // A good leaf followed by junk: the leaf is still described, the junk is reported.
    let mut mixed = vec![real];
    mixed.extend(junk.into_iter().take(5));
    let f = certificate::analyse(&mixed, "www.example.gov.vn", &pki.store(), NOW);
    assert_eq!(f.subject.as_deref(), Some("CN=www.example.gov.vn"));
    assert!(f.hostname_match);
    assert!(!f.chain_valid);
    assert!(f.parse_errors.iter().any(|e| e.starts_with("certificate 2: ")), "{:?}", f.parse_errors);
}

#[test]
fn no_certificate_and_the_digest_of_an_unparsable_one() {
    let f = certificate::analyse(&[], "www.example.gov.vn", &TrustStore::mozilla(), NOW);
    assert!(!f.chain_valid);
    assert_eq!(f.chain_error.as_deref(), Some("no certificate presented"));
    assert_eq!(f.chain_length, 0);

    // The fingerprint is of the bytes received, even when they are not a certificate (FIPS 180-2 "abc").
    let f = certificate::analyse(&[b"abc".to_vec()], "www.example.gov.vn", &TrustStore::mozilla(), NOW);
    assert_eq!(f.sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

// ---- trust bundles ----

fn bundle_error(name: &str, bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), name, bytes);
    let mut store = TrustStore::mozilla();
    let before = store.len();
    let err = store.add_pem_file(&path).unwrap_err();
    assert_eq!(store.len(), before, "a refused bundle adds nothing");
    assert!(err.starts_with(&path.display().to_string()), "error must name the file: {err}");
    err
}

#[test]
fn bundles_with_comments_several_roots_and_windows_line_ends_load() {
    let a = CertifiedIssuer::self_signed(ca_params("CA A"), key(&rcgen::PKCS_ECDSA_P256_SHA256)).unwrap();
    let b = CertifiedIssuer::self_signed(ca_params("CA B"), key(&rcgen::PKCS_ECDSA_P384_SHA384)).unwrap();
    // As saved on Windows: byte order mark, CRLF line ends.
    let text = format!("\u{feff}{}\nsubject=CN = CA B\n{}\n", a.pem(), b.pem()).replace('\n', "\r\n");
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "bundle.pem", text.as_bytes());
    let mut store = TrustStore::empty();
    assert_eq!(store.add_pem_file(&path), Ok(2));
    assert_eq!(store.len(), 2);
    assert!(store.sources()[0].contains("bundle.pem (2 certificates)"), "{:?}", store.sources());
}

#[test]
fn bad_bundles_name_the_file_and_the_block() {
    let good = CertifiedIssuer::self_signed(ca_params("Good CA"), key(&rcgen::PKCS_ECDSA_P256_SHA256)).unwrap().pem();

    let err = bundle_error("notes.txt", b"this is not a certificate bundle\n");
    assert!(err.contains("no PEM certificate"), "{err}");

    let der = CertifiedIssuer::self_signed(ca_params("DER CA"), key(&rcgen::PKCS_ECDSA_P256_SHA256)).unwrap();
    let err = bundle_error("root.cer", der.der());
    assert!(err.contains("binary DER") && err.contains("openssl x509 -inform der"), "{err}");

    let err = bundle_error("empty.pem", b"");
    assert!(err.contains("empty"), "{err}");
    let err = bundle_error("blank.pem", b"\n  \n");
    assert!(err.contains("empty"), "{err}");

    // Valid base64 whose content is not a certificate, as block 2.
    let junk = format!("{good}-----BEGIN CERTIFICATE-----\nSGVsbG8sIHdvcmxkIQ==\n-----END CERTIFICATE-----\n");
    let err = bundle_error("junk.pem", junk.as_bytes());
    assert!(err.contains(": block 2: not a usable X.509 certificate"), "{err}");

    let bad64 = "-----BEGIN CERTIFICATE-----\nnot*base64!\n-----END CERTIFICATE-----\n";
    let err = bundle_error("bad64.pem", bad64.as_bytes());
    assert!(err.contains(": block 1: ") && err.contains("base64"), "{err}");

    let cut = &good[..good.len() / 2];
    let err = bundle_error("cut.pem", cut.as_bytes());
    assert!(err.contains(": block 1: no -----END"), "{err}");

    let key_pem = key(&rcgen::PKCS_ECDSA_P256_SHA256).serialize_pem();
    let err = bundle_error("with-key.pem", format!("{good}{key_pem}").as_bytes());
    assert!(err.contains(": block 2: is a PRIVATE KEY, expected a CERTIFICATE"), "{err}");

    let mut store = TrustStore::empty();
    let err = store.add_pem_file(Path::new("/nonexistent/ca.pem")).unwrap_err();
    assert!(err.starts_with("/nonexistent/ca.pem: cannot read"), "{err}");
    assert!(store.add_der(b"\x30\x03\x02\x01\x00").is_err());
}
