//! The key-exchange messages tuanthu sends and reads: the server's KEXINIT offer (RFC 4253 §7.1),
//! and a key exchange taken only as far as the server's reply, which carries its host key (K_S).
//! No key is ever derived, NEWKEYS never sent, nothing authenticated: the reply's signature and
//! the shared secret are of no use to a probe, and the connection is closed right after.
//!
//! The client's ephemeral keys are real (X25519 and P-256/P-384 from the TLS stack's aws-lc
//! provider), so the exchange is one any server accepts. For finite-field Diffie-Hellman the
//! client value is 256 random bits: within (1, p−1) for every group and with enough bits set to
//! pass OpenSSH's `dh_pub_is_valid`, and the server's work is the same as for any client.

use super::wire::{Reader, put_mpint, put_string, put_u32};
use crate::collect::net;
use crate::evidence::{ErrorClass, HostKey, ProbeError};

pub const MSG_KEXINIT: u8 = 20;
pub const MSG_KEX_INIT: u8 = 30;
pub const MSG_KEX_REPLY: u8 = 31;
pub const MSG_GEX_REQUEST: u8 = 34;
pub const MSG_GEX_GROUP: u8 = 31;
pub const MSG_GEX_INIT: u8 = 32;
pub const MSG_GEX_REPLY: u8 = 33;

/// The server's algorithm offer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KexInit {
    pub kex: Vec<String>,
    pub host_key_algorithms: Vec<String>,
    pub ciphers_c2s: Vec<String>,
    pub ciphers_s2c: Vec<String>,
    pub macs_c2s: Vec<String>,
    pub macs_s2c: Vec<String>,
    pub compression_c2s: Vec<String>,
    pub compression_s2c: Vec<String>,
}

/// Reads a KEXINIT payload (message number included).
pub fn parse_kexinit(payload: &[u8]) -> Result<KexInit, ProbeError> {
    let mut r = Reader::new(payload);
    let msg = r.u8()?;
    if msg != MSG_KEXINIT {
        return Err(net::error(ErrorClass::Protocol, format!("expected the server's KEXINIT (20), got message {msg}")));
    }
    r.bytes(16)?;
    Ok(KexInit {
        kex: r.name_list()?,
        host_key_algorithms: r.name_list()?,
        ciphers_c2s: r.name_list()?,
        ciphers_s2c: r.name_list()?,
        macs_c2s: r.name_list()?,
        macs_s2c: r.name_list()?,
        compression_c2s: r.name_list()?,
        compression_s2c: r.name_list()?,
    })
}

/// Our KEXINIT: exactly one key exchange and one host-key algorithm (so the server must use
/// them), and the server's own cipher, MAC and compression lists (so negotiation cannot fail on
/// what the probe never uses).
pub fn client_kexinit(server: &KexInit, kex: &str, host_key_algorithm: &str) -> Result<Vec<u8>, ProbeError> {
    let mut out = vec![MSG_KEXINIT];
    out.extend_from_slice(&random::<16>()?);
    let list = |l: &[String]| l.join(",").into_bytes();
    put_string(&mut out, kex.as_bytes());
    put_string(&mut out, host_key_algorithm.as_bytes());
    for l in [
        &server.ciphers_c2s,
        &server.ciphers_s2c,
        &server.macs_c2s,
        &server.macs_s2c,
        &server.compression_c2s,
        &server.compression_s2c,
    ] {
        put_string(&mut out, &list(l));
    }
    put_string(&mut out, b"");
    put_string(&mut out, b"");
    out.push(0); // first_kex_packet_follows
    put_u32(&mut out, 0);
    Ok(out)
}

/// A key-exchange method tuanthu can take as far as the host key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    X25519,
    P256,
    P384,
    /// A fixed finite-field group (RFC 4253 §8, RFC 8268).
    Dh,
    /// Group exchange (RFC 4419).
    Gex,
}

/// The methods tuanthu uses, most preferred first.
const METHODS: &[(&str, Method)] = &[
    ("curve25519-sha256", Method::X25519),
    ("curve25519-sha256@libssh.org", Method::X25519),
    ("ecdh-sha2-nistp256", Method::P256),
    ("ecdh-sha2-nistp384", Method::P384),
    ("diffie-hellman-group14-sha256", Method::Dh),
    ("diffie-hellman-group16-sha512", Method::Dh),
    ("diffie-hellman-group18-sha512", Method::Dh),
    ("diffie-hellman-group-exchange-sha256", Method::Gex),
    ("diffie-hellman-group14-sha1", Method::Dh),
    ("diffie-hellman-group-exchange-sha1", Method::Gex),
    ("diffie-hellman-group1-sha1", Method::Dh),
];

/// The method to use with a server offering `kex`, if any.
pub fn choose(kex: &[String]) -> Option<(&'static str, Method)> {
    METHODS.iter().find(|(name, _)| kex.iter().any(|k| k == name)).copied()
}

fn random<const N: usize>() -> Result<[u8; N], ProbeError> {
    let mut b = [0u8; N];
    rustls::crypto::aws_lc_rs::default_provider()
        .secure_random
        .fill(&mut b)
        .map_err(|_| net::error(ErrorClass::Internal, "no random numbers from the system"))?;
    Ok(b)
}

/// The client's first key-exchange message for a fixed method (not group exchange).
pub fn client_init(method: Method) -> Result<Vec<u8>, ProbeError> {
    use rustls::crypto::aws_lc_rs::kx_group::{SECP256R1, SECP384R1, X25519};
    let public = match method {
        Method::X25519 | Method::P256 | Method::P384 => {
            let group = match method {
                Method::X25519 => X25519,
                Method::P256 => SECP256R1,
                _ => SECP384R1,
            };
            let kx = group.start().map_err(|e| net::error(ErrorClass::Internal, format!("no ephemeral key: {e}")))?;
            let mut out = vec![MSG_KEX_INIT];
            put_string(&mut out, kx.pub_key());
            return Ok(out);
        }
        Method::Dh | Method::Gex => dh_public()?,
    };
    let mut out = vec![if method == Method::Gex { MSG_GEX_INIT } else { MSG_KEX_INIT }];
    put_mpint(&mut out, &public);
    Ok(out)
}

/// 256 random bits with the top and the low four bits set: below any group's p − 1 (every SSH
/// group is at least 1024 bits) and never a trivial value.
fn dh_public() -> Result<[u8; 32], ProbeError> {
    let mut e = random::<32>()?;
    e[0] |= 0x80;
    e[31] |= 0x0f;
    Ok(e)
}

/// The group-exchange request (RFC 4419 §3): 2048 bits preferred, 1024–8192 accepted, so that
/// a server with only small groups still answers (its group size is what a rule would judge).
pub fn gex_request() -> Vec<u8> {
    let mut out = vec![MSG_GEX_REQUEST];
    for v in [1024u32, 2048, 8192] {
        put_u32(&mut out, v);
    }
    out
}

/// The host key blob (K_S) of the server's reply.
pub fn reply_host_key(payload: &[u8], method: Method) -> Result<Vec<u8>, ProbeError> {
    let want = if method == Method::Gex { MSG_GEX_REPLY } else { MSG_KEX_REPLY };
    let mut r = Reader::new(payload);
    let msg = r.u8()?;
    if msg != want {
        return Err(net::error(
            ErrorClass::Protocol,
            format!("expected the server's key exchange reply ({want}), got message {msg}"),
        ));
    }
    Ok(r.string()?.to_vec())
}

/// Checks a group-exchange GROUP message (the group itself is not needed: our value fits any).
pub fn gex_group(payload: &[u8]) -> Result<u32, ProbeError> {
    let mut r = Reader::new(payload);
    let msg = r.u8()?;
    if msg != MSG_GEX_GROUP {
        return Err(net::error(
            ErrorClass::Protocol,
            format!("expected the server's DH group (31), got message {msg}"),
        ));
    }
    r.mpint_bits()
}

/// Type, size and OpenSSH fingerprint of a host key blob (RFC 4253 §6.6, RFC 5656 §3.1,
/// RFC 8709 §4, OpenSSH PROTOCOL.certkeys).
pub fn host_key(blob: &[u8]) -> Result<HostKey, ProbeError> {
    let mut r = Reader::new(blob);
    let key_type = crate::sanitize::truncate(&crate::sanitize::one_line(&String::from_utf8_lossy(r.string()?)), 128);
    let base = key_type.strip_suffix("-cert-v01@openssh.com").unwrap_or(&key_type);
    if base != key_type {
        r.string()?; // the certificate's nonce precedes the key fields
    }
    let bits = match base {
        "ssh-rsa" => {
            r.string()?; // e
            Some(r.mpint_bits()?)
        }
        "ssh-dss" => Some(r.mpint_bits()?), // p
        "ssh-ed25519" => Some(256),
        "ssh-ed448" => Some(448),
        b if b.starts_with("ecdsa-sha2-nistp") => b["ecdsa-sha2-nistp".len()..].parse().ok(),
        b if b.starts_with("sk-ecdsa-sha2-nistp256") => Some(256),
        b if b.starts_with("sk-ssh-ed25519") => Some(256),
        _ => None,
    };
    Ok(HostKey { key_type, bits, sha256: fingerprint(blob) })
}

/// `SHA256:` and the unpadded base64 of the blob's SHA-256, as `ssh-keygen -l` prints it.
pub fn fingerprint(blob: &[u8]) -> String {
    use rustls::crypto::aws_lc_rs::cipher_suite::TLS13_AES_128_GCM_SHA256;
    // The TLS 1.3 suite's hash provider is aws-lc's SHA-256: no direct dependency for one digest.
    let Some(suite) = TLS13_AES_128_GCM_SHA256.tls13() else {
        return String::new();
    };
    format!("SHA256:{}", base64_unpadded(suite.common.hash_provider.hash(blob).as_ref()))
}

fn base64_unpadded(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, &b)| n | (b as u32) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

/// The host-key algorithms worth one exchange each: one per key type (the RSA signature
/// algorithms `ssh-rsa`, `rsa-sha2-256` and `rsa-sha2-512` all show the same RSA key), each the
/// first of its type in the server's order.
pub fn key_types(algorithms: &[String]) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for a in algorithms {
        let family = key_family(a);
        if !seen.contains(&family) {
            seen.push(family);
            out.push(a.clone());
        }
    }
    out
}

fn key_family(algorithm: &str) -> String {
    for rsa in ["rsa-sha2-256", "rsa-sha2-512"] {
        if let Some(rest) = algorithm.strip_prefix(rsa) {
            return format!("ssh-rsa{rest}");
        }
    }
    algorithm.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_match_ssh_keygen() {
        // RFC 4648 test vectors for the encoder; the fingerprint itself is checked against
        // `ssh-keygen -l` in tests/ssh.rs.
        assert_eq!(base64_unpadded(b"f"), "Zg");
        assert_eq!(base64_unpadded(b"fo"), "Zm8");
        assert_eq!(base64_unpadded(b"foo"), "Zm9v");
        assert_eq!(base64_unpadded(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn one_exchange_per_key_type() {
        let algs: Vec<String> = ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa", "ecdsa-sha2-nistp256", "ssh-ed25519"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(key_types(&algs), vec!["rsa-sha2-512", "ecdsa-sha2-nistp256", "ssh-ed25519"]);
        let certs = vec!["rsa-sha2-512-cert-v01@openssh.com".to_string(), "ssh-rsa-cert-v01@openssh.com".to_string()];
        assert_eq!(key_types(&certs), vec!["rsa-sha2-512-cert-v01@openssh.com"]);
    }

    #[test]
    fn kexinit_names_are_read_in_order_and_bounded() {
        let server = KexInit { ciphers_c2s: vec!["aes128-ctr".into()], ..KexInit::default() };
        let ours = client_kexinit(&server, "curve25519-sha256", "ssh-ed25519").unwrap();
        let back = parse_kexinit(&ours).unwrap();
        assert_eq!(
            (back.kex, back.ciphers_c2s),
            (vec!["curve25519-sha256".to_string()], vec!["aes128-ctr".to_string()])
        );
        assert_eq!(
            parse_kexinit(&ours[..30]).unwrap_err().message,
            "a field of 17 bytes runs past the end of the packet"
        );
        assert_eq!(parse_kexinit(&[21]).unwrap_err().message, "expected the server's KEXINIT (20), got message 21");
    }
}
