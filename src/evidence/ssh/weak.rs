//! Which offered algorithms and host keys are weak, as ssh-audit classifies them (its algorithm
//! database, [`super::weak_db`]), so that tuanthu's `weak` facts and an imported ssh-audit report
//! agree.
//!
//! Kept: every ssh-audit *failure* (SHA-1 and MD5 hashes, 1024-bit groups and Logjam, broken
//! ciphers, NIST curves, unproven or unknown constructions…) and the warnings that name a
//! weakness of the algorithm itself (CBC and other weak cipher modes, 64-bit blocks, 64- and
//! 96-bit MAC tags, experimental algorithms). Left out, because ssh-audit raises them for
//! algorithms every current OpenSSH offers by default and they name no attack today: "does not
//! provide protection against post-quantum attacks", "2048-bit modulus only provides 112-bits of
//! symmetric strength" (NIST SP 800-57 accepts 112 bits through 2030), "using encrypt-and-MAC
//! mode" (hmac-sha2-256) and "using weak random number generator could reveal the key" (ECDSA).
//! The rules decide which classes fail a control (`rules/ssh/`).
//!
//! Host keys are judged on their size too: RSA under 2048 bits fails (ssh-audit's threshold), and
//! a DSA key always (1024 bits by its standard, FIPS 186-2; removed from OpenSSH 10.0).

pub use super::weak_db::Category;
use super::weak_db::{ALGORITHMS, REASONS};
use crate::evidence::{HostKey, WeakAlgorithm};

/// Smallest RSA host key not judged weak, in bits.
pub const MIN_RSA_BITS: u32 = 2048;

fn reason(class: &str) -> String {
    REASONS.iter().find(|(c, _)| *c == class).map_or_else(|| class.to_string(), |(_, r)| r.to_string())
}

/// The weakness of one offered algorithm, or `None` when ssh-audit finds none (or does not know it).
pub fn algorithm(category: Category, name: &str) -> Option<WeakAlgorithm> {
    let (_, _, fails, warns) = ALGORITHMS.iter().find(|(c, n, _, _)| *c == category && *n == name)?;
    let classes: Vec<String> = fails.iter().chain(warns.iter()).map(|c| c.to_string()).collect();
    Some(WeakAlgorithm {
        category: category.as_str().to_string(),
        algorithm: name.to_string(),
        level: if fails.is_empty() { "warn" } else { "fail" }.to_string(),
        reasons: classes.iter().map(|c| reason(c)).collect(),
        classes,
    })
}

/// The weakness of one host key's type or size.
pub fn host_key(key: &HostKey) -> Option<WeakAlgorithm> {
    let weak = |class: &str, reason: String| WeakAlgorithm {
        category: "host_key".to_string(),
        algorithm: key.key_type.clone(),
        level: "fail".to_string(),
        classes: vec![class.to_string()],
        reasons: vec![reason],
    };
    let base = key.key_type.split("-cert-v01@openssh.com").next().unwrap_or_default();
    match (base, key.bits) {
        ("ssh-dss", _) => Some(weak("dsa", "DSA host key (1024-bit by FIPS 186-2; removed from OpenSSH 10.0)".into())),
        ("ssh-rsa", Some(bits)) if bits < MIN_RSA_BITS => {
            Some(weak("small-modulus", format!("using small {bits}-bit modulus")))
        }
        _ => None,
    }
}

/// Every weak algorithm of the offer (each list once, in its order) and every weak host key.
pub fn classify(lists: &[(Category, &[String])], keys: &[HostKey]) -> Vec<WeakAlgorithm> {
    let mut out: Vec<WeakAlgorithm> = Vec::new();
    for (category, names) in lists {
        for name in names.iter() {
            if out.iter().any(|w| w.category == category.as_str() && w.algorithm == *name) {
                continue;
            }
            out.extend(algorithm(*category, name));
        }
    }
    out.extend(keys.iter().filter_map(host_key));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_follow_ssh_audit() {
        let g1 = algorithm(Category::Kex, "diffie-hellman-group1-sha1").unwrap();
        assert_eq!(
            (g1.level.as_str(), g1.classes.clone()),
            ("fail", vec!["small-modulus".into(), "logjam".into(), "sha1".into()])
        );
        assert_eq!(g1.reasons[2], "using broken SHA-1 hash algorithm");
        let cbc = algorithm(Category::Cipher, "aes128-cbc").unwrap();
        assert_eq!((cbc.level.as_str(), cbc.classes.clone()), ("warn", vec!["cbc".to_string()]));
        assert_eq!(algorithm(Category::Mac, "hmac-sha1").unwrap().classes, vec!["sha1".to_string()]);
        assert_eq!(algorithm(Category::Mac, "umac-64@openssh.com").unwrap().classes, vec!["tag-64".to_string()]);
        assert_eq!(algorithm(Category::Mac, "hmac-md5").unwrap().classes, vec!["md5".to_string()]);
        assert_eq!(algorithm(Category::Cipher, "arcfour").unwrap().classes, vec!["rc4".to_string()]);
        assert_eq!(algorithm(Category::HostKeyAlgorithm, "ssh-rsa").unwrap().classes, vec!["sha1".to_string()]);
        // The modern defaults carry none of the kept weaknesses.
        for (c, n) in [
            (Category::Kex, "curve25519-sha256"),
            (Category::Kex, "diffie-hellman-group14-sha256"),
            (Category::Kex, "sntrup761x25519-sha512@openssh.com"),
            (Category::HostKeyAlgorithm, "ssh-ed25519"),
            (Category::HostKeyAlgorithm, "rsa-sha2-512"),
            (Category::Cipher, "chacha20-poly1305@openssh.com"),
            (Category::Cipher, "aes256-ctr"),
            (Category::Mac, "hmac-sha2-256"),
            (Category::Mac, "hmac-sha2-512-etm@openssh.com"),
        ] {
            assert_eq!(algorithm(c, n), None, "{n}");
        }
        assert_eq!(algorithm(Category::Kex, "ecdh-sha2-nistp256").unwrap().classes, vec!["nist-curve".to_string()]);
    }

    #[test]
    fn host_keys_by_type_and_size() {
        let key = |t: &str, bits| HostKey { key_type: t.into(), bits: Some(bits), sha256: String::new() };
        assert_eq!(host_key(&key("ssh-rsa", 1024)).unwrap().reasons, vec!["using small 1024-bit modulus".to_string()]);
        assert_eq!(host_key(&key("ssh-rsa", 2048)), None);
        assert_eq!(host_key(&key("ssh-dss", 1024)).unwrap().classes, vec!["dsa".to_string()]);
        assert_eq!(
            host_key(&key("ssh-rsa-cert-v01@openssh.com", 1024)).unwrap().classes,
            vec!["small-modulus".to_string()]
        );
        assert_eq!(host_key(&key("ssh-ed25519", 256)), None);
    }
}
