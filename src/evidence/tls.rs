//! `tls` records: the protocol versions, suites and certificate of one declared endpoint (names
//! per the evidence contract, `docs/evidence.md`). The facts rules decide on are required when a
//! record is read (a missing one would read as a default that could pass); descriptive ones and
//! those added since default to "nothing seen".

use super::ProbeError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The facts of one TLS endpoint.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TlsFacts {
    /// Every key of "ssl2" … "tls1.3": true when the server accepted a handshake at that version,
    /// false when it refused, `None` when the probe failed (see `probe_errors`).
    pub protocols: BTreeMap<String, Option<bool>>,
    /// Per accepted version, IANA suite names in the server's order of preference.
    #[serde(default)]
    pub ciphers: BTreeMap<String, Vec<String>>,
    /// Whether the server imposes its own suite order (None: fewer than two suites to compare,
    /// or the comparison probe failed).
    pub server_cipher_order: Option<bool>,
    /// Every accepted suite (all versions) has forward secrecy.
    pub forward_secrecy: bool,
    /// At least one accepted suite has forward secrecy.
    #[serde(default)]
    pub forward_secrecy_offered: bool,
    /// Sorted, deduplicated weak classes (`collect::tls::suites::class`).
    pub weak_cipher_classes: Vec<String>,
    /// Smallest DHE prime seen, in bits.
    pub dh_min_bits: Option<u32>,
    /// What a modern client (rustls) negotiates; None when rustls could not connect.
    pub negotiated: Option<Negotiated>,
    /// Versions whose probe failed with an error (timeout, garbage…) rather than a refusal:
    /// `null` in `protocols`: not measured.
    #[serde(default)]
    pub probe_errors: BTreeMap<String, ProbeError>,
    /// Connections the enumeration opened (or tried to).
    #[serde(default)]
    pub connections: usize,
    /// The leaf certificate and the chain presented; null when none was.
    pub certificate: Option<CertificateFacts>,
    /// Mail endpoints only: the declared protocol (`smtp`, `submission`, `imap`, `pop3`, `smtps`,
    /// `imaps`, `pop3s`), so mail rules know the record is a mail server's, implicit TLS included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mail_protocol: Option<String>,
    /// Mail endpoints upgraded in the clear: the STARTTLS dialogue run before every handshake
    /// (`smtp`, `imap`, `pop3`); absent for implicit TLS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starttls: Option<String>,
    /// With `starttls`: whether the server offered STARTTLS. `false` is a measurement (the server
    /// speaks only in the clear), and then no version or suite was measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starttls_offered: Option<bool>,
    /// Facts a newer collector keeps that this version has no name for.
    #[serde(default, skip_serializing_if = "super::Extra::is_empty")]
    pub extra: super::Extra,
}

impl TlsFacts {
    /// The facts only mail endpoints carry: absent from other records' files, null to rules
    /// ([`crate::evidence::Facts::to_value`]).
    pub const MAIL_FACTS: &'static [&'static str] = &["mail_protocol", "starttls", "starttls_offered"];
}

/// What a modern client (rustls) negotiates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Negotiated {
    /// Protocol key ("tls1.2", "tls1.3").
    pub version: String,
    /// IANA cipher-suite name.
    pub cipher: String,
    /// IANA key-exchange group name ("x25519", "secp256r1", "X25519MLKEM768").
    pub group: Option<String>,
}

/// The `certificate` facts of a TLS evidence record. Leaf-derived values are `null` when the leaf
/// could not be parsed, so rules that need them report "unknown" instead of judging a default.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CertificateFacts {
    /// Subject DN of the leaf, RFC 4514-like (`CN=…, O=…`), as encoded in the certificate.
    pub subject: Option<String>,
    pub issuer: Option<String>,
    /// The leaf's `dNSName` and `iPAddress` SANs in certificate order (other SAN types omitted).
    pub san: Vec<String>,
    /// More than the collector's cap (1000) entries: `san` lists the first ones.
    #[serde(default)]
    pub san_truncated: bool,
    /// RFC 3339 UTC.
    pub not_before: Option<String>,
    pub not_after: Option<String>,
    /// Whole days from the observation time to `not_after`, rounded down: negative once expired.
    pub days_remaining: Option<i64>,
    /// "RSA", "EC", "Ed25519", "Ed448", "DSA", or the key algorithm OID.
    pub key_type: Option<String>,
    /// Modulus size for RSA, curve size for EC (P-521 is 521).
    pub key_bits: Option<u32>,
    /// OpenSSL's name for the leaf's signature algorithm (`sha256WithRSAEncryption`,
    /// `ecdsa-with-SHA256`, …), or the OID when it has none.
    pub signature_algorithm: Option<String>,
    /// Subject equals issuer and the signature verifies with the leaf's own key.
    #[serde(default)]
    pub self_signed: bool,
    /// The host name the client used is named by the leaf's SANs (RFC 6125 matching).
    pub hostname_match: bool,
    /// The presented chain validates to a trust anchor for TLS server authentication at the
    /// observation time (rustls-webpki). Says nothing about the host name.
    pub chain_valid: bool,
    /// Why `chain_valid` is false, for people: "expired", "unknown issuer (…)", "self-signed", …
    pub chain_error: Option<String>,
    /// Certificates the server presented, leaf included.
    #[serde(default)]
    pub chain_length: usize,
    /// SHA-256 of the leaf DER, lower-case hex (empty when no certificate was presented).
    #[serde(default)]
    pub sha256: String,
    /// Serial number, colon-separated hex.
    pub serial: Option<String>,
    /// X.509 version (3 for v3).
    pub version: Option<u32>,
    /// The leaf's basicConstraints has cA=true: a CA certificate used as a server certificate.
    #[serde(default)]
    pub is_ca: bool,
    /// keyUsage bits set (RFC 5280 names: digitalSignature, keyEncipherment, …).
    #[serde(default)]
    pub key_usage: Vec<String>,
    /// extendedKeyUsage purposes (serverAuth, clientAuth, …, or OIDs).
    #[serde(default)]
    pub extended_key_usage: Vec<String>,
    /// `None` without an EKU extension (any use allowed); otherwise whether serverAuth is listed.
    /// anyExtendedKeyUsage does not count: webpki and the CA/B requirements refuse it for TLS.
    pub server_auth_eku: Option<bool>,
    /// A presented certificate other than a self-issued root is signed with SHA-1 or MD5.
    #[serde(default)]
    pub weak_signature_in_chain: bool,
    /// The presented certificates, leaf first (at most 16).
    #[serde(default)]
    pub chain: Vec<ChainEntry>,
    /// What could not be read, "certificate N: …" (N from 1 = leaf).
    #[serde(default)]
    pub parse_errors: Vec<String>,
}

/// One presented certificate, described briefly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChainEntry {
    pub subject: Option<String>,
    pub issuer: Option<String>,
    pub not_after: Option<String>,
    pub key_type: Option<String>,
    pub key_bits: Option<u32>,
    pub signature_algorithm: Option<String>,
    pub sha256: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::{Facts, RecordKind};

    #[test]
    fn mail_facts_are_typed_when_read_and_absent_elsewhere() {
        let value = serde_json::json!({"protocols": {"tls1.2": true}, "server_cipher_order": null,
            "forward_secrecy": true, "weak_cipher_classes": [], "dh_min_bits": null, "negotiated": null,
            "certificate": null, "mail_protocol": "smtp", "starttls": "smtp", "starttls_offered": false});
        let Ok(Facts::Tls(f)) = Facts::from_value(&RecordKind::Tls, value) else { panic!("not tls facts") };
        assert_eq!((f.mail_protocol.as_deref(), f.starttls.as_deref()), (Some("smtp"), Some("smtp")));
        assert_eq!(f.starttls_offered, Some(false));
        assert!(f.extra.is_empty(), "{:?}", f.extra);
        let web = serde_json::to_value(TlsFacts::default()).unwrap();
        assert!(TlsFacts::MAIL_FACTS.iter().all(|n| web.get(n).is_none()), "{web}");
        let seen = Facts::Tls(Box::default()).to_value();
        assert!(TlsFacts::MAIL_FACTS.iter().all(|n| seen[n].is_null() && seen.get(n).is_some()), "{seen}");
    }
}
