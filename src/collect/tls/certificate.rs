//! Facts about the certificate chain a TLS server presented: what the leaf says (names, dates,
//! key, signature), whether the chain validates to a trusted root, and whether it names the host.
//!
//! Each fact is computed on its own. rustls-webpki decides `chain_valid` but stops at its first
//! error, so expiry, key size, SHA-1, self-signing and the host name are read with x509-parser
//! independently: a certificate that is expired *and* SHA-1 *and* for the wrong host shows all
//! three. The field names of [`CertificateFacts`] are the evidence contract
//! (`shared/spec/evidence.md`, `certificate`); rules read them.
//!
//! Certificate contents are attacker-controlled. Strings are kept as received (reports sanitise
//! them at display) but bounded, so a certificate with 10 000 SANs or a megabyte subject cannot
//! bloat evidence files. [`analyse`] never panics and never fails: what cannot be read is reported
//! in `parse_errors`, and an unreadable leaf makes the chain invalid with that reason.

use super::hostname;
use super::trust::{TrustStore, webpki_error_name as variant_name};
use crate::evidence::{CertificateFacts, ChainEntry};
use crate::sanitize::truncate;
use rustls_pki_types::{CertificateDer, UnixTime};
use std::net::IpAddr;
use time::OffsetDateTime;
use x509_parser::asn1_rs::Oid;
use x509_parser::oid_registry::{
    OID_EC_P256, OID_KEY_TYPE_DSA, OID_KEY_TYPE_EC_PUBLIC_KEY, OID_NIST_EC_P384, OID_NIST_EC_P521,
    OID_PKCS1_RSAENCRYPTION, OID_PKCS1_RSASSAPSS, OID_SIG_ED448, OID_SIG_ED25519,
};
use x509_parser::prelude::{
    ASN1Time, ExtendedKeyUsage, FromDer, GeneralName, KeyUsage, SubjectPublicKeyInfo, X509Certificate,
};
use x509_parser::public_key::RSAPublicKey;

/// Longest subject, issuer or serial kept, in characters (longer values end with "…").
pub const MAX_NAME_CHARS: usize = 1024;
/// Most SAN entries listed in `san` (matching always uses all of them).
pub const MAX_SANS: usize = 1000;
/// Longest single SAN entry kept (a DNS name has at most 253 characters).
pub const MAX_SAN_CHARS: usize = 255;
/// Most chain entries described in `chain` (`chain_length` still counts all presented).
pub const MAX_CHAIN_ENTRIES: usize = 16;
/// Most messages kept in `parse_errors`.
pub const MAX_PARSE_ERRORS: usize = 20;

/// Facts about `chain_der` (leaf first, as presented) when reached as `name` (the host name or
/// IP literal the client used), judged against `trust` at time `now`.
pub fn analyse(chain_der: &[Vec<u8>], name: &str, trust: &TrustStore, now: OffsetDateTime) -> CertificateFacts {
    let parsed: Vec<Result<X509Certificate<'_>, String>> = chain_der.iter().map(|der| parse(der)).collect();
    let mut facts = CertificateFacts { chain_length: chain_der.len(), ..CertificateFacts::default() };
    facts.chain = chain_der.iter().zip(&parsed).take(MAX_CHAIN_ENTRIES).map(|(d, p)| chain_entry(d, p)).collect();
    for (i, p) in parsed.iter().enumerate() {
        if let Err(e) = p {
            facts.note(i, e);
        }
    }
    let Some(leaf_der) = chain_der.first() else {
        facts.chain_error = Some("no certificate presented".into());
        return facts;
    };
    facts.sha256 = sha256_hex(leaf_der);
    match &parsed[0] {
        Ok(leaf) => {
            describe_leaf(&mut facts, leaf, name, now);
            facts.weak_signature_in_chain =
                parsed.iter().flatten().any(|c| !is_self_issued(c) && weak_hash(c).is_some());
            let verdict = validate(chain_der, trust, now);
            facts.chain_valid = verdict.is_ok();
            facts.chain_error = verdict.err().map(|e| explain(&e, &parsed, now));
        }
        Err(e) => facts.chain_error = Some(format!("the server certificate cannot be parsed: {e}")),
    }
    facts
}

impl CertificateFacts {
    /// Records a problem with certificate `index` (0 = leaf), keeping at most [`MAX_PARSE_ERRORS`].
    fn note(&mut self, index: usize, problem: impl std::fmt::Display) {
        if self.parse_errors.len() < MAX_PARSE_ERRORS {
            self.parse_errors.push(format!("certificate {}: {problem}", index + 1));
        } else if self.parse_errors.len() == MAX_PARSE_ERRORS {
            self.parse_errors.push("further problems not listed".into());
        }
    }
}

/// Parses one DER certificate; trailing bytes are tolerated here (webpki rejects them when it
/// validates, which is the verdict that counts) so the facts can still be read.
fn parse(der: &[u8]) -> Result<X509Certificate<'_>, String> {
    match X509Certificate::from_der(der) {
        Ok((_, cert)) => Ok(cert),
        Err(e) => Err(format!("not a parsable X.509 certificate ({} bytes): {e}", der.len())),
    }
}

fn chain_entry(der: &[u8], parsed: &Result<X509Certificate<'_>, String>) -> ChainEntry {
    let cert = parsed.as_ref().ok();
    let (key_type, key_bits) = cert.map(|c| key_facts(c.public_key())).unwrap_or((None, None));
    ChainEntry {
        subject: cert.map(|c| truncate(&c.subject().to_string(), MAX_NAME_CHARS)),
        issuer: cert.map(|c| truncate(&c.issuer().to_string(), MAX_NAME_CHARS)),
        not_after: cert.map(|c| crate::dates::rfc3339(c.validity().not_after.to_datetime())),
        key_type,
        key_bits,
        signature_algorithm: cert.map(signature_name),
        sha256: sha256_hex(der),
    }
}

fn describe_leaf(facts: &mut CertificateFacts, leaf: &X509Certificate<'_>, name: &str, now: OffsetDateTime) {
    facts.subject = Some(truncate(&leaf.subject().to_string(), MAX_NAME_CHARS));
    facts.issuer = Some(truncate(&leaf.issuer().to_string(), MAX_NAME_CHARS));
    let not_after = leaf.validity().not_after.to_datetime();
    facts.not_before = Some(crate::dates::rfc3339(leaf.validity().not_before.to_datetime()));
    facts.not_after = Some(crate::dates::rfc3339(not_after));
    facts.days_remaining = Some((not_after - now).whole_seconds().div_euclid(86_400));
    (facts.key_type, facts.key_bits) = key_facts(leaf.public_key());
    facts.signature_algorithm = Some(signature_name(leaf));
    facts.self_signed = is_self_signed(leaf);
    facts.serial = Some(truncate(&leaf.raw_serial_as_string(), MAX_NAME_CHARS));
    facts.version = Some(leaf.version().0 + 1);
    describe_names(facts, leaf, name);
    describe_usage(facts, leaf);
}

/// SAN facts and the host name verdict.
fn describe_names(facts: &mut CertificateFacts, leaf: &X509Certificate<'_>, name: &str) {
    let general_names = match leaf.subject_alternative_name() {
        Ok(Some(ext)) => ext.value.general_names.as_slice(),
        Ok(None) => &[],
        Err(e) => {
            facts.note(0, format!("subjectAltName: {e}"));
            &[]
        }
    };
    let sans = Sans::from(general_names);
    facts.hostname_match = hostname::matches(name, &sans.dns, &sans.ips);
    facts.san_truncated = sans.listed.len() > MAX_SANS;
    facts.san = sans.listed.iter().take(MAX_SANS).map(|s| truncate(s, MAX_SAN_CHARS)).collect();
}

/// The SANs that identify a server: `dNSName` strings, well-formed `iPAddress` entries (4 or 16
/// bytes; other lengths are name-constraint masks, meaningless in a leaf), and both as listed in
/// evidence, in certificate order.
struct Sans {
    dns: Vec<String>,
    ips: Vec<IpAddr>,
    listed: Vec<String>,
}

impl From<&[GeneralName<'_>]> for Sans {
    fn from(names: &[GeneralName<'_>]) -> Sans {
        let mut sans = Sans { dns: Vec::new(), ips: Vec::new(), listed: Vec::new() };
        for n in names {
            match n {
                GeneralName::DNSName(d) => {
                    sans.dns.push(d.to_string());
                    sans.listed.push(d.to_string());
                }
                GeneralName::IPAddress(bytes) => {
                    if let Some(ip) = ip_from_bytes(bytes) {
                        sans.ips.push(ip);
                        sans.listed.push(ip.to_string());
                    }
                }
                _ => {}
            }
        }
        sans
    }
}

fn ip_from_bytes(bytes: &[u8]) -> Option<IpAddr> {
    match bytes.len() {
        4 => <[u8; 4]>::try_from(bytes).ok().map(IpAddr::from),
        16 => <[u8; 16]>::try_from(bytes).ok().map(IpAddr::from),
        _ => None,
    }
}

/// basicConstraints, keyUsage and extendedKeyUsage of the leaf.
fn describe_usage(facts: &mut CertificateFacts, leaf: &X509Certificate<'_>) {
    match leaf.basic_constraints() {
        Ok(bc) => facts.is_ca = bc.is_some_and(|b| b.value.ca),
        Err(e) => facts.note(0, format!("basicConstraints: {e}")),
    }
    match leaf.key_usage() {
        Ok(ku) => facts.key_usage = ku.map(|k| key_usage_names(k.value)).unwrap_or_default(),
        Err(e) => facts.note(0, format!("keyUsage: {e}")),
    }
    match leaf.extended_key_usage() {
        Ok(Some(eku)) => {
            facts.extended_key_usage = eku_names(eku.value);
            facts.server_auth_eku = Some(eku.value.server_auth);
        }
        Ok(None) => {}
        Err(e) => facts.note(0, format!("extendedKeyUsage: {e}")),
    }
}

fn key_usage_names(ku: &KeyUsage) -> Vec<String> {
    let bits = [
        (ku.digital_signature(), "digitalSignature"),
        (ku.non_repudiation(), "nonRepudiation"),
        (ku.key_encipherment(), "keyEncipherment"),
        (ku.data_encipherment(), "dataEncipherment"),
        (ku.key_agreement(), "keyAgreement"),
        (ku.key_cert_sign(), "keyCertSign"),
        (ku.crl_sign(), "cRLSign"),
        (ku.encipher_only(), "encipherOnly"),
        (ku.decipher_only(), "decipherOnly"),
    ];
    bits.iter().filter(|(set, _)| *set).map(|(_, name)| name.to_string()).collect()
}

fn eku_names(eku: &ExtendedKeyUsage<'_>) -> Vec<String> {
    let known = [
        (eku.server_auth, "serverAuth"),
        (eku.client_auth, "clientAuth"),
        (eku.code_signing, "codeSigning"),
        (eku.email_protection, "emailProtection"),
        (eku.time_stamping, "timeStamping"),
        (eku.ocsp_signing, "OCSPSigning"),
        (eku.any, "anyExtendedKeyUsage"),
    ];
    let mut names: Vec<String> = known.iter().filter(|(set, _)| *set).map(|(_, n)| n.to_string()).collect();
    names.extend(eku.other.iter().take(MAX_SANS).map(|oid| oid.to_id_string()));
    names
}

/// Key algorithm and size. Sizes are computed here rather than with x509-parser's `key_size`,
/// which miscounts RSA moduli without a leading zero byte and EC keys on P-521.
fn key_facts(spki: &SubjectPublicKeyInfo<'_>) -> (Option<String>, Option<u32>) {
    let alg = &spki.algorithm.algorithm;
    let key = spki.subject_public_key.data.as_ref();
    let (kind, bits) = if *alg == OID_PKCS1_RSAENCRYPTION || *alg == OID_PKCS1_RSASSAPSS {
        ("RSA", RSAPublicKey::from_der(key).ok().map(|(_, k)| unsigned_bits(k.modulus)))
    } else if *alg == OID_KEY_TYPE_EC_PUBLIC_KEY {
        ("EC", ec_bits(spki, key))
    } else if *alg == OID_SIG_ED25519 {
        ("Ed25519", Some(256))
    } else if *alg == OID_SIG_ED448 {
        ("Ed448", Some(456))
    } else if *alg == OID_KEY_TYPE_DSA {
        ("DSA", dsa_bits(spki))
    } else {
        return (Some(alg.to_id_string()), None);
    };
    (Some(kind.to_string()), bits)
}

/// The size of an EC key from its named curve, or from the point length for other curves.
fn ec_bits(spki: &SubjectPublicKeyInfo<'_>, point: &[u8]) -> Option<u32> {
    let curve = spki.algorithm.parameters.as_ref().and_then(|p| Oid::try_from(p).ok());
    let named = match curve {
        Some(c) if c == OID_EC_P256 => Some(256),
        Some(c) if c == OID_NIST_EC_P384 => Some(384),
        Some(c) if c == OID_NIST_EC_P521 => Some(521),
        Some(c) => match c.to_id_string().as_str() {
            "1.2.840.10045.3.1.1" => Some(192),   // prime192v1
            "1.3.132.0.33" => Some(224),          // secp224r1
            "1.3.132.0.10" => Some(256),          // secp256k1
            "1.3.36.3.3.2.8.1.1.7" => Some(256),  // brainpoolP256r1
            "1.3.36.3.3.2.8.1.1.11" => Some(384), // brainpoolP384r1
            "1.3.36.3.3.2.8.1.1.13" => Some(512), // brainpoolP512r1
            _ => None,
        },
        None => None,
    };
    // An uncompressed point is 04 || X || Y.
    named.or_else(|| (point.first() == Some(&4) && point.len() > 1).then(|| ((point.len() - 1) / 2 * 8) as u32))
}

/// DSA strength is the size of the prime p, the first integer of the Dss-Parms.
fn dsa_bits(spki: &SubjectPublicKeyInfo<'_>) -> Option<u32> {
    let params = spki.algorithm.parameters.as_ref()?;
    let (_, p) = x509_parser::der_parser::der::parse_der_integer(params.data).ok()?;
    Some(unsigned_bits(p.as_slice().ok()?))
}

/// Bit length of a big-endian unsigned integer (leading zero bytes and bits do not count).
fn unsigned_bits(bytes: &[u8]) -> u32 {
    match bytes.iter().position(|&b| b != 0) {
        None => 0,
        Some(i) => (bytes.len() - i - 1) as u32 * 8 + (8 - bytes[i].leading_zeros()),
    }
}

/// OpenSSL's short name for a signature algorithm, as administrators see it in
/// `openssl x509 -text`; the dotted OID for anything else.
fn signature_name(cert: &X509Certificate<'_>) -> String {
    let oid = cert.signature_algorithm.algorithm.to_id_string();
    let name = match oid.as_str() {
        "1.2.840.113549.1.1.2" => "md2WithRSAEncryption",
        "1.2.840.113549.1.1.4" => "md5WithRSAEncryption",
        "1.2.840.113549.1.1.5" => "sha1WithRSAEncryption",
        "1.3.14.3.2.29" => "sha1WithRSA",
        "1.2.840.113549.1.1.10" => "rsassaPss",
        "1.2.840.113549.1.1.11" => "sha256WithRSAEncryption",
        "1.2.840.113549.1.1.12" => "sha384WithRSAEncryption",
        "1.2.840.113549.1.1.13" => "sha512WithRSAEncryption",
        "1.2.840.113549.1.1.14" => "sha224WithRSAEncryption",
        "1.2.840.10045.4.1" => "ecdsa-with-SHA1",
        "1.2.840.10045.4.3.1" => "ecdsa-with-SHA224",
        "1.2.840.10045.4.3.2" => "ecdsa-with-SHA256",
        "1.2.840.10045.4.3.3" => "ecdsa-with-SHA384",
        "1.2.840.10045.4.3.4" => "ecdsa-with-SHA512",
        "1.2.840.10040.4.3" => "dsaWithSHA1",
        "2.16.840.1.101.3.4.3.2" => "dsa_with_SHA256",
        "1.3.101.112" => "ED25519",
        "1.3.101.113" => "ED448",
        _ => return oid,
    };
    name.to_string()
}

/// "SHA-1" or "MD5" when the certificate's signature uses that broken hash. RSA-PSS names its
/// hash in parameters; only the common SHA-2 forms are produced by CAs, so PSS is not flagged.
fn weak_hash(cert: &X509Certificate<'_>) -> Option<&'static str> {
    match cert.signature_algorithm.algorithm.to_id_string().as_str() {
        "1.2.840.113549.1.1.5" | "1.3.14.3.2.29" | "1.2.840.10045.4.1" | "1.2.840.10040.4.3" => Some("SHA-1"),
        "1.2.840.113549.1.1.4" | "1.2.840.113549.1.1.2" => Some("MD5"),
        _ => None,
    }
}

/// Subject and issuer are the same name: a root (or a self-signed leaf), whose own signature is
/// not relied on by anyone, so its hash does not weaken the chain.
fn is_self_issued(cert: &X509Certificate<'_>) -> bool {
    cert.subject().as_raw() == cert.issuer().as_raw()
}

/// Self-issued and signed by its own key. Algorithms x509-parser cannot verify (MD5, DSA) give
/// `false`: the self-signature is then not proven.
fn is_self_signed(cert: &X509Certificate<'_>) -> bool {
    is_self_issued(cert) && cert.verify_signature(None).is_ok()
}

/// webpki's path validation for TLS server authentication at `now`.
fn validate(chain_der: &[Vec<u8>], trust: &TrustStore, now: OffsetDateTime) -> Result<(), webpki::Error> {
    let leaf = CertificateDer::from(chain_der[0].as_slice());
    let ee = webpki::EndEntityCert::try_from(&leaf)?;
    let intermediates: Vec<CertificateDer<'_>> =
        chain_der[1..].iter().map(|der| CertificateDer::from(der.as_slice())).collect();
    let time = UnixTime::since_unix_epoch(std::time::Duration::from_secs(now.unix_timestamp().max(0) as u64));
    ee.verify_for_usage(
        webpki::ALL_VERIFICATION_ALGS,
        trust.anchors(),
        &intermediates,
        time,
        webpki::KeyUsage::server_auth(),
        None,
        None,
    )
    .map(|_| ())
}

/// A webpki error in words a system owner can act on, refined with what x509-parser read (webpki
/// does not say which certificate failed).
fn explain(e: &webpki::Error, parsed: &[Result<X509Certificate<'_>, String>], now: OffsetDateTime) -> String {
    use webpki::Error as E;
    let leaf = parsed.first().and_then(|p| p.as_ref().ok());
    let at = ASN1Time::new(now);
    #[allow(deprecated)] // the context-free variants are still produced by some code paths
    let text = match e {
        E::CertExpired { .. } if leaf.is_some_and(|l| l.validity().not_after < at) => "expired",
        E::CertExpired { .. } => "a certificate in the chain has expired",
        E::CertNotValidYet { .. } if leaf.is_some_and(|l| l.validity().not_before > at) => "not yet valid",
        E::CertNotValidYet { .. } => "a certificate in the chain is not yet valid",
        E::UnknownIssuer if leaf.is_some_and(is_self_signed) => "self-signed",
        E::UnknownIssuer if ends_at_root(parsed) => "unknown issuer (the chain ends at a root that is not trusted)",
        E::UnknownIssuer => "unknown issuer (incomplete chain or untrusted root)",
        E::UnsupportedSignatureAlgorithm | E::UnsupportedSignatureAlgorithmContext(_) => {
            return unsupported_algorithm(parsed);
        }
        E::UnsupportedSignatureAlgorithmForPublicKey | E::UnsupportedSignatureAlgorithmForPublicKeyContext(_) => {
            "signature algorithm does not match the issuer's key"
        }
        E::InvalidSignatureForPublicKey => "invalid signature (forged, corrupted, or an issuer key under 2048 bits)",
        E::NameConstraintViolation => "name constraints violated",
        E::PathLenConstraintViolated => "path length constraint violated",
        // OpenSSL's `req -x509` makes self-signed certificates CA:TRUE, so appliances often send one.
        E::CaUsedAsEndEntity if leaf.is_some_and(is_self_signed) => {
            "self-signed (a CA certificate used as the server certificate)"
        }
        E::CaUsedAsEndEntity => "a CA certificate is used as the server certificate",
        E::EndEntityUsedAsCa => "a non-CA certificate is used as an issuer",
        E::RequiredEkuNotFound | E::RequiredEkuNotFoundContext(_) => {
            "not valid for TLS server authentication (extended key usage lacks serverAuth)"
        }
        E::EmptyEkuExtension => "empty extended key usage",
        E::CertDistrusted => "the issuing CA is distrusted",
        E::CertRevoked => "revoked",
        E::UnsupportedCertVersion => "unsupported certificate version (only X.509 v3 is accepted)",
        E::UnsupportedCriticalExtension => "unsupported critical extension",
        E::InvalidCertValidity => "invalid validity period (not_after before not_before)",
        E::InvalidSerialNumber => "invalid serial number",
        E::MaximumPathDepthExceeded => "chain too long",
        E::MaximumSignatureChecksExceeded | E::MaximumPathBuildCallsExceeded => {
            "chain too complex to build (too many candidate issuers)"
        }
        E::BadDer
        | E::BadDerTime
        | E::TrailingData(_)
        | E::MalformedExtensions
        | E::ExtensionValueInvalid
        | E::MalformedDnsIdentifier
        | E::MalformedNameConstraint
        | E::InvalidNetworkMaskConstraint => return format!("malformed certificate ({})", variant_name(e)),
        other => return variant_name(other),
    };
    text.to_string()
}

/// UnsupportedSignatureAlgorithm almost always means SHA-1 or MD5; say which when we can see it.
fn unsupported_algorithm(parsed: &[Result<X509Certificate<'_>, String>]) -> String {
    let weak = parsed.iter().flatten().filter(|c| !is_self_issued(c)).find_map(weak_hash);
    match weak {
        Some(hash) => format!("unsupported signature algorithm ({hash})"),
        None => "unsupported signature algorithm".to_string(),
    }
}

/// The last presented certificate is a self-signed root (which the store does not hold).
fn ends_at_root(parsed: &[Result<X509Certificate<'_>, String>]) -> bool {
    parsed.len() > 1 && parsed.last().is_some_and(|p| p.as_ref().is_ok_and(is_self_signed))
}

/// SHA-256 of `der` in lower-case hex. rustls exposes its aws-lc-rs SHA-256 only through a cipher
/// suite's hash provider; using it avoids a direct aws-lc-rs dependency for one digest.
fn sha256_hex(der: &[u8]) -> String {
    use rustls::crypto::aws_lc_rs::cipher_suite::TLS13_AES_128_GCM_SHA256;
    let Some(suite) = TLS13_AES_128_GCM_SHA256.tls13() else {
        return String::new();
    };
    suite.common.hash_provider.hash(der).as_ref().iter().map(|b| format!("{b:02x}")).collect()
}
