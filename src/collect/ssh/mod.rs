//! The SSH probe of a declared `ssh:` endpoint: what the server offers before any login.
//!
//! One connection reads the server's identification line and its KEXINIT (every algorithm list,
//! in the server's order), then takes a key exchange as far as the server's reply, which carries
//! the host key of the first key type offered; one more connection per further key type fetches
//! that type's key (RSA's three signature algorithms share one key, so one exchange). So a
//! typical OpenSSH server costs three connections (RSA, ECDSA, Ed25519), all through the
//! [`Dialer`] and so within the run's politeness bounds. tuanthu never authenticates, never sends
//! a user name or credentials, never sends NEWKEYS: each connection ends with a DISCONNECT right
//! after the reply.
//!
//! Weak algorithms and keys are classified as ssh-audit does ([`weak`]); an end-of-life OpenSSH is
//! recognised from the banner ([`software`]).

mod kex;
pub mod wire;

use crate::collect::net::{self, Dialer};
use crate::evidence::ssh::{software, weak};
use crate::evidence::{ErrorClass, HostKey, ProbeError, SshFacts};
use kex::{KexInit, Method};
use std::net::SocketAddr;
use weak::Category;
use wire::Wire;

/// Most key types fetched (one connection each): a hostile server could name thousands.
pub const MAX_KEY_TYPES: usize = 8;
/// Failed fetches after which the remaining key types are not tried: the next would fail alike.
const MAX_FAILED_FETCHES: usize = 2;

/// What tuanthu says it is (RFC 4253 §4.2): honest, so that a server's log names the scanner.
pub const IDENTIFICATION: &str = concat!("SSH-2.0-tuanthu_", env!("CARGO_PKG_VERSION"), "\r\n");

/// Probes the SSH server at `addr`.
pub async fn probe(dialer: &Dialer, addr: SocketAddr) -> Result<SshFacts, ProbeError> {
    let mut connections = 1;
    let mut wire = open(dialer, addr).await?;
    let banner = wire.identification().await?;
    let Some(parts) = software::parse(&banner) else {
        return Err(net::error(ErrorClass::Protocol, format!("not an SSH identification line: {banner}")));
    };
    if !parts.protocol.starts_with('2') && parts.protocol != "1.99" {
        // An SSH-1-only server sends no KEXINIT: what it is is all there is to record.
        wire.close().await;
        return Ok(facts(banner, parts, KexInit::default(), Vec::new(), Vec::new(), connections));
    }
    let offer = kex::parse_kexinit(&wire.packet().await?)?;
    let types = kex::key_types(&offer.host_key_algorithms);
    let mut keys = Vec::new();
    let mut errors = Vec::new();
    let Some((kex_name, method)) = kex::choose(&offer.kex) else {
        wire.close().await;
        errors.push(format!("no key exchange tuanthu speaks is offered ({}): host keys not read", offer.kex.join(",")));
        return Ok(facts(banner, parts, offer, keys, errors, connections));
    };
    // The first key type on the connection already open; one more connection for each other.
    let mut first = Some(wire);
    let mut failed = 0;
    for (i, algorithm) in types.iter().enumerate() {
        if i == MAX_KEY_TYPES || failed == MAX_FAILED_FETCHES {
            let why = if failed == MAX_FAILED_FETCHES {
                "after repeated failures"
            } else {
                "more key types than tuanthu fetches"
            };
            errors.push(format!("{} key type(s) not fetched ({why}): {}", types.len() - i, types[i..].join(",")));
            break;
        }
        let result = match first.take() {
            Some(wire) => exchange(wire, &offer, kex_name, method, algorithm).await,
            None => {
                connections += 1;
                fetch_key(dialer, addr, &offer, kex_name, method, algorithm).await
            }
        };
        match result {
            Ok(key) if !keys.iter().any(|k: &HostKey| k.sha256 == key.sha256) => keys.push(key),
            Ok(_) => {}
            Err(e) => {
                failed += 1;
                errors.push(format!("{algorithm}: {}", e.message));
            }
        }
    }
    if let Some(wire) = first {
        wire.close().await;
    }
    Ok(facts(banner, parts, offer, keys, errors, connections))
}

async fn open(dialer: &Dialer, addr: SocketAddr) -> Result<Wire, ProbeError> {
    let conn = dialer.connect(addr).await?;
    let mut wire = Wire::new(conn, dialer.limits.max_handshake_bytes, dialer.limits.read_timeout);
    wire.write(IDENTIFICATION.as_bytes()).await?;
    Ok(wire)
}

/// A new connection to fetch one more host key: identification and KEXINIT again, then the
/// exchange.
async fn fetch_key(
    dialer: &Dialer,
    addr: SocketAddr,
    offer: &KexInit,
    kex_name: &str,
    method: Method,
    algorithm: &str,
) -> Result<HostKey, ProbeError> {
    let mut wire = open(dialer, addr).await?;
    wire.identification().await?;
    let again = kex::parse_kexinit(&wire.packet().await?)?;
    if !again.host_key_algorithms.iter().any(|a| a == algorithm) {
        wire.close().await;
        return Err(net::error(ErrorClass::Protocol, "no longer offered on a second connection"));
    }
    exchange(wire, offer, kex_name, method, algorithm).await
}

/// Our KEXINIT and the key exchange up to the server's reply; the host key it carries.
async fn exchange(
    mut wire: Wire,
    offer: &KexInit,
    kex_name: &str,
    method: Method,
    algorithm: &str,
) -> Result<HostKey, ProbeError> {
    wire.send(&kex::client_kexinit(offer, kex_name, algorithm)?).await?;
    if method == Method::Gex {
        wire.send(&kex::gex_request()).await?;
        kex::gex_group(&wire.packet().await?)?;
    }
    wire.send(&kex::client_init(method)?).await?;
    let reply = wire.packet().await?;
    wire.close().await;
    kex::host_key(&kex::reply_host_key(&reply, method)?)
}

fn facts(
    banner: String,
    parts: software::Banner,
    offer: KexInit,
    host_keys: Vec<HostKey>,
    host_key_errors: Vec<String>,
    connections: usize,
) -> SshFacts {
    let mut ciphers = offer.ciphers_s2c.clone();
    let mut macs = offer.macs_s2c.clone();
    // Both directions are judged; the lists are recorded once when they agree (they always do
    // for OpenSSH), else the client-to-server algorithms missing from the other are appended.
    for c in &offer.ciphers_c2s {
        if !ciphers.contains(c) {
            ciphers.push(c.clone());
        }
    }
    for m in &offer.macs_c2s {
        if !macs.contains(m) {
            macs.push(m.clone());
        }
    }
    let weak = weak::classify(
        &[
            (Category::Kex, &offer.kex),
            (Category::HostKeyAlgorithm, &offer.host_key_algorithms),
            (Category::Cipher, &ciphers),
            (Category::Mac, &macs),
        ],
        &host_keys,
    );
    let strict_kex = offer.kex.iter().any(|k| k == "kex-strict-s-v00@openssh.com");
    // The pseudo-algorithms (RFC 8308 ext-info, strict kex) are not key exchanges.
    let kex = offer.kex.into_iter().filter(|k| !k.starts_with("ext-info-") && !k.starts_with("kex-strict-")).collect();
    SshFacts {
        openssh_version: software::openssh_version(&parts.software),
        end_of_life: software::end_of_life(&parts.software),
        banner,
        software: parts.software,
        protocol: parts.protocol,
        comments: parts.comments,
        kex,
        host_key_algorithms: offer.host_key_algorithms,
        ciphers,
        macs,
        compression: offer.compression_s2c,
        strict_kex,
        host_keys,
        weak,
        host_key_errors,
        connections,
        extra: Default::default(),
    }
}
