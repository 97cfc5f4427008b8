//! `ssh` records: what one declared SSH endpoint (`host:port`) offers before any login — its
//! identification string, the algorithms of its key-exchange offer in the server's order, its host
//! keys, and the weak ones among them (names per the evidence contract, `docs/evidence.md`). Core
//! names are required when a record is read; facts added since default to "nothing seen".
//!
//! The knowledge that turns what a server offers into these facts lives here too, so the live probe
//! (`collect::ssh`) and the ssh-audit importer (`import::ssh_audit`) judge alike: [`weak`] (ssh-audit's
//! algorithm database) and [`software`] (the identification line and end of life).

pub mod software;
pub mod weak;
mod weak_db;

use serde::{Deserialize, Serialize};

/// The facts of one SSH endpoint.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SshFacts {
    /// The server's identification line (`SSH-2.0-OpenSSH_9.2p1 Debian-2`), control characters
    /// removed.
    pub banner: String,
    /// The software version of the identification line (`OpenSSH_9.2p1`).
    pub software: String,
    /// The protocol version of the identification line (`2.0`; `1.99` also accepts SSH-1).
    pub protocol: String,
    /// Key-exchange methods, in the server's order.
    pub kex: Vec<String>,
    /// Host-key (signature) algorithms, in the server's order.
    pub host_key_algorithms: Vec<String>,
    /// Ciphers, server to client (the server's order; the client-to-server list in `extra` when
    /// it differs).
    pub ciphers: Vec<String>,
    /// MACs, server to client, in the server's order.
    pub macs: Vec<String>,
    /// The host keys received, one per key type the server offers.
    pub host_keys: Vec<HostKey>,
    /// The weak algorithms and keys, classified as ssh-audit does.
    pub weak: Vec<WeakAlgorithm>,
    /// The comments after the software version (`Debian-2`), when any.
    #[serde(default)]
    pub comments: Option<String>,
    /// The OpenSSH version of the banner (`9.2p1`), when the server says it is OpenSSH.
    #[serde(default)]
    pub openssh_version: Option<String>,
    /// Set when the banner names a software release past its end of life.
    #[serde(default)]
    pub end_of_life: Option<EndOfLife>,
    /// Compression methods, server to client.
    #[serde(default)]
    pub compression: Vec<String>,
    /// The server offers `kex-strict-s-v00@openssh.com` (the Terrapin counter-measure).
    #[serde(default)]
    pub strict_kex: bool,
    /// Host-key algorithms offered whose key could not be fetched, with why.
    #[serde(default)]
    pub host_key_errors: Vec<String>,
    /// Connections the probe opened (or tried to).
    #[serde(default)]
    pub connections: usize,
    /// Facts a newer collector keeps that this version has no name for.
    #[serde(default, skip_serializing_if = "super::Extra::is_empty")]
    pub extra: super::Extra,
}

/// One host key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostKey {
    /// The key's type as SSH names it (`ssh-ed25519`, `ssh-rsa`, `ecdsa-sha2-nistp256`, `ssh-dss`).
    #[serde(rename = "type")]
    pub key_type: String,
    /// RSA and DSA modulus bits, the EC curve size, 256 for Ed25519.
    pub bits: Option<u32>,
    /// OpenSSH's fingerprint: `SHA256:` and the unpadded base64 of the key blob's SHA-256.
    pub sha256: String,
}

/// One weak algorithm or key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeakAlgorithm {
    /// `kex`, `host_key_algorithm`, `cipher`, `mac` or `host_key`.
    pub category: String,
    /// The algorithm name, or for `host_key` the key type.
    pub algorithm: String,
    /// ssh-audit's level: `fail` or `warn`.
    pub level: String,
    /// Short names of the weaknesses (`sha1`, `cbc`, `small-modulus`, `nist-curve`, …).
    pub classes: Vec<String>,
    /// ssh-audit's own words for each weakness.
    pub reasons: Vec<String>,
}

/// A software release past its end of life.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndOfLife {
    /// The software and version, as the banner gives them.
    pub software: String,
    /// The first version not judged end-of-life (`7.4`).
    pub cutoff: String,
    /// Why versions before the cutoff are end-of-life, with the source.
    pub reason: String,
}

#[cfg(test)]
mod tests {
    use crate::evidence::{Facts, Record, RecordKind};
    use serde_json::json;

    fn facts() -> serde_json::Value {
        json!({"banner": "SSH-2.0-OpenSSH_9.2p1", "software": "OpenSSH_9.2p1", "protocol": "2.0",
               "kex": ["curve25519-sha256"], "host_key_algorithms": ["ssh-ed25519"], "ciphers": ["aes128-ctr"],
               "macs": ["hmac-sha2-256-etm@openssh.com"],
               "host_keys": [{"type": "ssh-ed25519", "bits": 256, "sha256": "SHA256:x"}], "weak": [],
               "newer_fact": 1})
    }

    #[test]
    fn records_round_trip_and_core_names_are_required() {
        let rec = Record::from_value(json!({"kind": "ssh", "target": "b.example.vn:22", "facts": facts()})).unwrap();
        assert_eq!(rec.kind(), &RecordKind::Ssh);
        let Some(Facts::Ssh(f)) = rec.facts() else { panic!("{rec:?}") };
        assert_eq!((f.host_keys[0].key_type.as_str(), f.host_keys[0].bits), ("ssh-ed25519", Some(256)));
        assert_eq!(f.extra["newer_fact"], 1, "unknown facts are kept under extra");
        let back = serde_json::to_value(&rec).unwrap();
        assert_eq!(back["facts"]["host_keys"][0]["type"], "ssh-ed25519");
        let mut missing = facts();
        missing.as_object_mut().unwrap().remove("weak");
        let err =
            Record::from_value(json!({"kind": "ssh", "target": "b.example.vn:22", "facts": missing})).unwrap_err();
        assert_eq!(
            err,
            crate::i18n::Text::new(
                "ssh facts of b.example.vn:22: missing field `weak`",
                "dữ kiện ssh của b.example.vn:22: thiếu trường `weak`"
            )
        );
    }
}
