//! Cipher-suite knowledge: IANA names and properties (from tls-parser's copy of the IANA registry),
//! the suites offered per protocol version, forward secrecy and the weak classes rules judge.

use super::version::{SSL3, TLS10, TLS12, TLS13};
use tls_parser::{TlsCipherAu as Au, TlsCipherEnc as Enc, TlsCipherEncMode as Mode, TlsCipherKx as Kx};
use tls_parser::{TlsCipherMac as Mac, TlsCipherSuite};

/// Weak-class names (`weak_cipher_classes` facts). Stable: rules match on them.
pub mod class {
    pub const NULL: &str = "NULL";
    pub const ANON: &str = "ANON";
    pub const EXPORT: &str = "EXPORT";
    pub const RC4: &str = "RC4";
    pub const DES: &str = "DES";
    pub const TRIPLE_DES: &str = "3DES";
    /// CBC suites accepted under SSLv3 or TLS 1.0 (BEAST, POODLE: no per-record IV).
    pub const CBC_TLS10: &str = "CBC_TLS1.0";
    /// A DHE group (prime) smaller than 2048 bits (Logjam).
    pub const DH_WEAK: &str = "DH_WEAK";
    pub const MD5: &str = "MD5";
}

/// Smallest DHE prime not counted as weak.
pub const DH_STRONG_BITS: u32 = 2048;

/// The 5 TLS 1.3 suites of RFC 8446, offered first and in this order.
const TLS13_STANDARD: [u16; 5] = [0x1301, 0x1302, 0x1303, 0x1304, 0x1305];

pub fn info(id: u16) -> Option<&'static TlsCipherSuite> {
    TlsCipherSuite::from_id(id)
}

/// The IANA name, or the hexadecimal code point for suites the registry copy does not know.
pub fn name(id: u16) -> String {
    info(id).map_or_else(|| format!("0x{id:04X}"), |s| s.name.to_string())
}

/// Whether the key exchange is ephemeral: ECDHE, DHE, every TLS 1.3 suite, and the anonymous
/// (DH_anon, ECDH_anon) suites, whose keys are ephemeral too (they are flagged ANON instead).
pub fn forward_secret(id: u16) -> bool {
    info(id).is_some_and(|s| match s.kx {
        Kx::Ecdhe | Kx::Dhe | Kx::Tls13 => true,
        Kx::Dh | Kx::Ecdh => s.au == Au::Null,
        _ => false,
    })
}

/// Whether the server sends finite-field DH parameters in its ServerKeyExchange (DHE, DH_anon).
pub fn sends_dh_params(id: u16) -> bool {
    info(id).is_some_and(|s| s.kx == Kx::Dhe || (s.kx == Kx::Dh && s.au == Au::Null))
}

/// The weak classes of a suite accepted under `version` (DH_WEAK depends on the group, not the
/// suite, and is judged from the ServerKeyExchange instead).
pub fn weak_classes(id: u16, version: u16) -> Vec<&'static str> {
    let Some(s) = info(id) else { return Vec::new() };
    let mut out = Vec::new();
    let mut add = |cond: bool, c: &'static str| {
        if cond {
            out.push(c)
        }
    };
    add(s.enc == Enc::Null, class::NULL);
    add(s.au == Au::Null && s.kx != Kx::Tls13, class::ANON);
    add(s.name.contains("EXPORT"), class::EXPORT);
    add(s.enc == Enc::Rc4, class::RC4);
    add(s.enc == Enc::Des, class::DES);
    add(s.enc == Enc::TripleDes, class::TRIPLE_DES);
    add(s.mac == Mac::HmacMd5, class::MD5);
    add(s.enc_mode == Mode::Cbc && (version == SSL3 || version == TLS10), class::CBC_TLS10);
    out
}

/// Suites no server picks without extra client-side configuration (pre-shared keys, SRP
/// passwords, Kerberos tickets), the signalling values, and NULL_WITH_NULL_NULL (never negotiable).
/// Offering them would only add chunks, hence connections.
fn never_offered(s: &TlsCipherSuite) -> bool {
    s.id.0 == 0x0000 || ["PSK", "SRP", "KRB5", "ECCPWD", "SCSV"].iter().any(|w| s.name.contains(w))
}

/// Order in which suites are offered: mainstream suites first, so that the first chunk of a
/// hello holds what real servers accept and the server-side removal loop stays in one chunk.
fn offer_rank(s: &TlsCipherSuite) -> (u8, u8, u8, u16) {
    let kx = match s.kx {
        Kx::Ecdhe => 0,
        Kx::Dhe => 1,
        Kx::Rsa => 2,
        _ => 3,
    };
    let authenticated = kx < 3 && s.au != Au::Null && !s.name.contains("EXPORT");
    let tier = match s.enc {
        Enc::Aes | Enc::Chacha20_Poly1305 if authenticated => 0,
        Enc::Camellia | Enc::Aria | Enc::Seed | Enc::TripleDes | Enc::Rc4 if authenticated => 1,
        _ => 2,
    };
    let aead = u8::from(s.mac != Mac::Aead);
    (tier, kx, aead, s.id.0)
}

/// Every suite worth offering under `version`, in offer order.
pub fn candidates(version: u16) -> Vec<u16> {
    if version >= TLS13 {
        let mut v = TLS13_STANDARD.to_vec();
        let mut extra: Vec<u16> = tls_parser::CIPHERS
            .values()
            .filter(|s| s.kx == Kx::Tls13 && !TLS13_STANDARD.contains(&s.id.0))
            .map(|s| s.id.0)
            .collect();
        extra.sort_unstable();
        v.extend(extra);
        return v;
    }
    // Suites with SHA-256/384 MACs or AEAD ciphers exist only from TLS 1.2 on.
    let legacy_mac = |s: &TlsCipherSuite| matches!(s.mac, Mac::HmacMd5 | Mac::HmacSha1);
    let mut suites: Vec<&TlsCipherSuite> = tls_parser::CIPHERS
        .values()
        .filter(|s| s.kx != Kx::Tls13 && !never_offered(s))
        .filter(|s| version >= TLS12 || legacy_mac(s))
        .collect();
    suites.sort_by_key(|s| offer_rank(s));
    suites.into_iter().map(|s| s.id.0).collect()
}

/// An SSLv2 cipher kind (3-byte code) with the name of the SSLv2 specification.
pub struct Ssl2Cipher {
    pub code: [u8; 3],
    pub name: &'static str,
    pub classes: &'static [&'static str],
}

/// Every cipher kind SSLv2 defines (all use MD5 as MAC).
pub const SSL2_CIPHERS: [Ssl2Cipher; 7] = [
    Ssl2Cipher { code: [0x01, 0x00, 0x80], name: "SSL_CK_RC4_128_WITH_MD5", classes: &[class::RC4, class::MD5] },
    Ssl2Cipher {
        code: [0x02, 0x00, 0x80],
        name: "SSL_CK_RC4_128_EXPORT40_WITH_MD5",
        classes: &[class::EXPORT, class::RC4, class::MD5],
    },
    Ssl2Cipher { code: [0x03, 0x00, 0x80], name: "SSL_CK_RC2_128_CBC_WITH_MD5", classes: &[class::MD5] },
    Ssl2Cipher {
        code: [0x04, 0x00, 0x80],
        name: "SSL_CK_RC2_128_CBC_EXPORT40_WITH_MD5",
        classes: &[class::EXPORT, class::MD5],
    },
    Ssl2Cipher { code: [0x05, 0x00, 0x80], name: "SSL_CK_IDEA_128_CBC_WITH_MD5", classes: &[class::MD5] },
    Ssl2Cipher { code: [0x06, 0x00, 0x40], name: "SSL_CK_DES_64_CBC_WITH_MD5", classes: &[class::DES, class::MD5] },
    Ssl2Cipher {
        code: [0x07, 0x00, 0xC0],
        name: "SSL_CK_DES_192_EDE3_CBC_WITH_MD5",
        classes: &[class::TRIPLE_DES, class::MD5],
    },
];

pub fn ssl2_cipher(code: [u8; 3]) -> Option<&'static Ssl2Cipher> {
    SSL2_CIPHERS.iter().find(|c| c.code == code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collect::tls::version::TLS11;

    fn id(name: &str) -> u16 {
        TlsCipherSuite::from_name(name).unwrap_or_else(|| panic!("{name} not in the registry")).id.0
    }

    #[test]
    fn names_come_from_the_iana_registry() {
        assert_eq!(name(0xC02F), "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
        assert_eq!(name(0x1301), "TLS_AES_128_GCM_SHA256");
        assert_eq!(name(0x0005), "TLS_RSA_WITH_RC4_128_SHA");
        assert_eq!(name(0xFEFE), "0xFEFE");
    }

    #[test]
    fn forward_secrecy_follows_the_key_exchange() {
        assert!(forward_secret(id("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")));
        assert!(forward_secret(id("TLS_DHE_RSA_WITH_AES_256_CBC_SHA")));
        assert!(forward_secret(id("TLS_CHACHA20_POLY1305_SHA256")));
        assert!(forward_secret(id("TLS_DH_anon_WITH_AES_128_CBC_SHA")));
        assert!(!forward_secret(id("TLS_RSA_WITH_AES_128_GCM_SHA256")));
        assert!(!forward_secret(id("TLS_ECDH_RSA_WITH_AES_128_CBC_SHA")), "static ECDH");
        assert!(!forward_secret(0xFEFE));
        assert!(sends_dh_params(id("TLS_DHE_RSA_WITH_AES_128_GCM_SHA256")));
        assert!(sends_dh_params(id("TLS_DH_anon_WITH_AES_128_CBC_SHA")));
        assert!(!sends_dh_params(id("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")));
        assert!(!sends_dh_params(id("TLS_DH_RSA_WITH_AES_128_CBC_SHA")), "static DH: no ServerKeyExchange");
    }

    #[test]
    fn weak_classes_of_suites() {
        assert_eq!(weak_classes(id("TLS_RSA_WITH_RC4_128_MD5"), TLS12), ["RC4", "MD5"]);
        assert_eq!(weak_classes(id("TLS_RSA_WITH_3DES_EDE_CBC_SHA"), TLS12), ["3DES"]);
        assert_eq!(weak_classes(id("TLS_RSA_WITH_3DES_EDE_CBC_SHA"), TLS10), ["3DES", "CBC_TLS1.0"]);
        assert_eq!(weak_classes(id("TLS_RSA_WITH_AES_128_CBC_SHA"), SSL3), ["CBC_TLS1.0"]);
        assert_eq!(weak_classes(id("TLS_RSA_WITH_AES_128_CBC_SHA"), TLS11), Vec::<&str>::new());
        assert_eq!(weak_classes(id("TLS_RSA_EXPORT_WITH_DES40_CBC_SHA"), TLS11), ["EXPORT", "DES"]);
        assert_eq!(weak_classes(id("TLS_RSA_WITH_NULL_SHA256"), TLS12), ["NULL"]);
        assert_eq!(weak_classes(id("TLS_DH_anon_WITH_AES_128_GCM_SHA256"), TLS12), ["ANON"]);
        assert_eq!(weak_classes(id("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"), TLS12), Vec::<&str>::new());
        assert_eq!(weak_classes(id("TLS_AES_128_GCM_SHA256"), TLS13), Vec::<&str>::new());
        assert_eq!(weak_classes(id("TLS_SHA256_SHA256"), TLS13), ["NULL"], "integrity-only TLS 1.3 suite");
    }

    #[test]
    fn candidates_fit_their_version_and_put_mainstream_suites_first() {
        let tls13 = candidates(TLS13);
        assert_eq!(&tls13[..5], &TLS13_STANDARD);
        assert!(tls13.iter().all(|&s| info(s).unwrap().kx == Kx::Tls13));

        let tls12 = candidates(TLS12);
        assert_eq!(tls12[0], id("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"));
        assert!(!tls12.contains(&0x00FF) && !tls12.contains(&0x5600) && !tls12.contains(&0x0000));
        assert!(!tls12.iter().any(|&s| name(s).contains("PSK") || info(s).unwrap().kx == Kx::Tls13));
        let first_weak = tls12.iter().position(|&s| !weak_classes(s, TLS12).is_empty()).unwrap();
        let mainstream = tls12.iter().filter(|&&s| offer_rank(info(s).unwrap()).0 == 0).count();
        assert!(first_weak >= mainstream, "mainstream suites come before weak ones");

        let tls10 = candidates(TLS10);
        assert!(tls10.contains(&id("TLS_RSA_WITH_RC4_128_SHA")));
        assert!(tls10.contains(&id("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA")));
        assert!(!tls10.contains(&id("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")), "GCM is TLS 1.2 only");
        assert!(tls10.len() < tls12.len());
    }

    #[test]
    fn ssl2_ciphers_are_classified() {
        let rc4 = ssl2_cipher([0x01, 0x00, 0x80]).unwrap();
        assert_eq!(rc4.name, "SSL_CK_RC4_128_WITH_MD5");
        assert_eq!(rc4.classes, ["RC4", "MD5"]);
        assert!(ssl2_cipher([0x09, 0x00, 0x80]).is_none());
    }
}
