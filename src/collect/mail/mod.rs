//! The mail probe of a declared `mail:` endpoint: the same TLS enumeration as a `tls:` endpoint
//! (versions, suites, certificate, chain), reached the way a mail client reaches it — through the
//! protocol's STARTTLS dialogue on every connection for `smtp`, `submission`, `imap` and `pop3`,
//! at once for `smtps`, `imaps` and `pop3s`. Facts are `tls` facts plus the mail names of the
//! evidence contract: `mail_protocol`, `starttls`, `starttls_offered`.
//!
//! A server that does not offer STARTTLS is measured (`starttls_offered: false`, no version or
//! suite measured); one that offers it and then refuses it or fails every handshake is a failed
//! measurement with its error class, never "not offered".

pub mod dialogue;

use crate::collect::net::{Dialer, error};
use crate::collect::tls::enumerate::{self, Endpoint, Enumeration, Reached};
use crate::evidence::{ProbeError, TlsFacts};
use crate::inventory::MailProtocol;

/// Probes the mail endpoint `ep` speaking `protocol`. The certificate facts are left to the
/// caller, as for TLS endpoints (they need the name and the trust store).
pub async fn probe(dialer: &Dialer, ep: Endpoint<'_>, protocol: MailProtocol) -> Result<Enumeration, ProbeError> {
    let starttls = protocol.starttls();
    let reached = enumerate::enumerate_with(dialer, ep, starttls).await.map_err(|e| match starttls {
        // Say where the failure happened: after an accepted upgrade, a refusal is TLS's.
        Some(p) => error(e.class.clone(), format!("{} STARTTLS: {}", p.as_str(), e.message)),
        None => e,
    })?;
    let mut found = match reached {
        Reached::Enumerated(found) => *found,
        Reached::NotOffered(why) => not_offered(why),
    };
    found.facts.mail_protocol = Some(protocol.as_str().to_string());
    found.facts.starttls = starttls.map(|p| p.as_str().to_string());
    if starttls.is_none() {
        found.facts.starttls_offered = None;
    }
    Ok(found)
}

/// The facts of a server that speaks only in the clear: every version unmeasured (`null`), no
/// suite, no forward secrecy (nothing is encrypted), no certificate.
fn not_offered(_why: String) -> Enumeration {
    let protocols = ["ssl2", "ssl3", "tls1.0", "tls1.1", "tls1.2", "tls1.3"].iter().map(|v| (v.to_string(), None));
    let facts = TlsFacts {
        protocols: protocols.collect(),
        forward_secrecy: false,
        forward_secrecy_offered: false,
        connections: 1,
        starttls_offered: Some(false),
        ..TlsFacts::default()
    };
    Enumeration { facts, chain: Vec::new() }
}
