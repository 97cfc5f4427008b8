//! Turning the DS lines of `--dnssec-anchor` into trusted keys (RFC 4035 §5: a DS vouches for a
//! key by its digest). The zone's DNSKEY set is asked of the resolver, with its signatures, over
//! TCP (the set and its RRSIGs easily pass 512 bytes, and TCP leaves no answer to spoof); the keys
//! a DS matches (key tag, algorithm and digest) are trusted only when one of them signs the whole
//! set with a signature valid now. Otherwise the domain's validation is `bogus`, with the reason.

use super::anchor::{Anchors, DsAnchor};
use crate::collect::net::Dialer;
use hickory_resolver::proto::dnssec::rdata::{DNSKEY, DNSSECRData, RRSIG};
use hickory_resolver::proto::dnssec::{TrustAnchors, Verifier};
use hickory_resolver::proto::op::{Edns, Message, Query, ResponseCode};
use hickory_resolver::proto::rr::{DNSClass, LowerName, Name, RData, Record, RecordType};
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Why a domain's validation is not `secure` before it starts: the verdict and the reason.
pub struct Failure {
    pub dnssec: &'static str,
    pub reason: String,
}

/// The trust anchors for one probe: the file's keys plus the keys its DS lines vouch for, each
/// DS zone's DNSKEY set asked once. `queries` counts the questions sent.
pub async fn trusted_keys(
    dialer: &Dialer,
    resolver: SocketAddr,
    anchors: &Anchors,
    file: &str,
    queries: &mut usize,
) -> Result<TrustAnchors, Failure> {
    let mut keys = anchors.keys.clone();
    let mut zones: Vec<&Name> = Vec::new();
    for d in &anchors.ds {
        if !zones.contains(&&d.zone) {
            zones.push(&d.zone);
        }
    }
    for zone in zones {
        let ds: Vec<&DsAnchor> = anchors.ds.iter().filter(|d| &d.zone == zone).collect();
        *queries += 1;
        let answer = dnskey_set(dialer, resolver, zone).await.map_err(|e| Failure {
            dnssec: "indeterminate",
            reason: format!("the DNSKEY set of `{zone}` (for the DS anchor of {file}) could not be read: {e}"),
        })?;
        for key in vouched_keys(zone, &answer, &ds, file)? {
            keys.insert_with_name(key.public_key(), LowerName::from(zone));
        }
    }
    Ok(keys)
}

/// The keys of `answer` (the DNSKEY set of `zone` with its RRSIGs) that `ds` vouches for, once
/// one of them signs the set.
pub fn vouched_keys(zone: &Name, answer: &[Record], ds: &[&DsAnchor], file: &str) -> Result<Vec<DNSKEY>, Failure> {
    let bogus = |reason: String| Failure { dnssec: "bogus", reason };
    let set: Vec<&Record> =
        answer.iter().filter(|r| r.record_type() == RecordType::DNSKEY && &r.name == zone).collect();
    let keys: Vec<&DNSKEY> = set.iter().filter_map(|r| dnskey(&r.data)).collect();
    let named = || {
        ds.iter()
            .map(|d| format!("key tag {}, algorithm {}, line {}", d.ds.key_tag(), u8::from(d.ds.algorithm()), d.line))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let matching: Vec<&DNSKEY> = keys
        .iter()
        .copied()
        .filter(|k| {
            ds.iter().any(|d| {
                k.algorithm() == d.ds.algorithm()
                    && k.calculate_key_tag().ok() == Some(d.ds.key_tag())
                    && d.ds.covers(zone, k).unwrap_or(false)
            })
        })
        .filter(|k| !k.revoke())
        .collect();
    if matching.is_empty() {
        return Err(bogus(format!(
            "no DNSKEY of `{zone}` ({} served) matches the DS anchor of {file} ({})",
            keys.len(),
            named()
        )));
    }
    let now = u32::try_from(time::OffsetDateTime::now_utc().unix_timestamp()).unwrap_or(u32::MAX);
    let signed = answer.iter().filter_map(|r| rrsig(&r.data)).any(|sig| {
        let input = sig.input();
        input.type_covered == RecordType::DNSKEY
            && &input.signer_name == zone
            && input.sig_inception.get() <= now
            && now <= input.sig_expiration.get()
            && matching.iter().any(|k| {
                k.calculate_key_tag().ok() == Some(input.key_tag)
                    && k.algorithm() == input.algorithm
                    && k.verify_rrsig(zone, DNSClass::IN, sig, set.iter().copied()).is_ok()
            })
    });
    if !signed {
        return Err(bogus(format!(
            "the DNSKEY set of `{zone}` is not signed (with a signature valid now) by the key the DS anchor of {file} names ({})",
            named()
        )));
    }
    Ok(matching.into_iter().cloned().collect())
}

fn dnskey(data: &RData) -> Option<&DNSKEY> {
    match data {
        RData::DNSSEC(DNSSECRData::DNSKEY(k)) => Some(k),
        _ => None,
    }
}

fn rrsig(data: &RData) -> Option<&RRSIG> {
    match data {
        RData::DNSSEC(DNSSECRData::RRSIG(s)) => Some(s),
        _ => None,
    }
}

/// Asks `resolver` over TCP for the DNSKEY set of `zone` with DNSSEC records (the DO bit), within
/// the dialer's bounds and read timeout. The answer is at most 64 KiB (TCP's length prefix).
async fn dnskey_set(dialer: &Dialer, resolver: SocketAddr, zone: &Name) -> Result<Vec<Record>, String> {
    let mut query = Message::query();
    query.metadata.id = std::process::id() as u16 ^ 0x5a5a;
    query.metadata.recursion_desired = true;
    query.add_query(Query::query(zone.clone(), RecordType::DNSKEY));
    let mut edns = Edns::new();
    edns.set_dnssec_ok(true).set_max_payload(4096);
    query.set_edns(edns);
    let bytes = query.to_vec().map_err(|e| format!("cannot encode the query: {e}"))?;
    let len = u16::try_from(bytes.len()).map_err(|_| "the query is too long".to_string())?;
    let mut conn = dialer.connect(resolver).await.map_err(|e| e.message)?;
    let timeout = dialer.limits.read_timeout;
    let exchange = async {
        conn.stream.write_all(&len.to_be_bytes()).await?;
        conn.stream.write_all(&bytes).await?;
        let mut head = [0u8; 2];
        conn.stream.read_exact(&mut head).await?;
        let mut body = vec![0u8; usize::from(u16::from_be_bytes(head))];
        conn.stream.read_exact(&mut body).await?;
        Ok::<Vec<u8>, std::io::Error>(body)
    };
    let body = match tokio::time::timeout(timeout, exchange).await {
        Err(_) => return Err(format!("no answer from {resolver} within {} s", timeout.as_secs_f32())),
        Ok(Err(e)) => return Err(format!("{resolver}: {e}")),
        Ok(Ok(b)) => b,
    };
    let answer = Message::from_vec(&body).map_err(|e| format!("{resolver} sent an answer that does not parse: {e}"))?;
    if answer.metadata.id != query.metadata.id {
        return Err(format!("{resolver} answered another question"));
    }
    if answer.metadata.response_code != ResponseCode::NoError {
        return Err(format!("{resolver} answered {}", answer.metadata.response_code));
    }
    Ok(answer.answers.into_iter().take(super::MAX_RECORDS).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use hickory_resolver::proto::dnssec::rdata::DS;
    use hickory_resolver::proto::dnssec::{Algorithm, DigestType, PublicKeyBuf};

    /// A key-signing DNSKEY with made-up key bytes (never used to verify here).
    fn key(byte: u8) -> DNSKEY {
        DNSKEY::with_flags(257, PublicKeyBuf::new(vec![byte; 64], Algorithm::ECDSAP256SHA256))
    }

    fn anchor(zone: &Name, k: &DNSKEY) -> DsAnchor {
        let digest = k.to_digest(zone, DigestType::SHA256).map(|d| d.as_ref().to_vec()).unwrap_or_default();
        let tag = k.calculate_key_tag().unwrap_or_default();
        DsAnchor {
            zone: zone.clone(),
            ds: DS::new(tag, Algorithm::ECDSAP256SHA256, DigestType::SHA256, digest),
            line: 3,
        }
    }

    fn reason(r: Result<Vec<DNSKEY>, Failure>) -> (&'static str, String) {
        match r {
            Ok(keys) => ("trusted", keys.len().to_string()),
            Err(f) => (f.dnssec, f.reason),
        }
    }

    #[test]
    fn a_ds_must_match_a_served_key_and_that_key_must_sign_the_set() {
        let zone = Name::from_ascii("internal.vn.").unwrap_or_default();
        let (served, other) = (key(7), key(9));
        let set = [Record::from_rdata(zone.clone(), 3600, RData::DNSSEC(DNSSECRData::DNSKEY(served.clone())))];
        let tag = |k: &DNSKEY| k.calculate_key_tag().unwrap_or_default();
        // The DS names a key the zone does not serve.
        let ds = anchor(&zone, &other);
        assert_eq!(
            reason(vouched_keys(&zone, &set, &[&ds], "a.ds")),
            (
                "bogus",
                format!(
                    "no DNSKEY of `internal.vn.` (1 served) matches the DS anchor of a.ds (key tag {}, algorithm 13, line 3)",
                    tag(&other)
                )
            )
        );
        // The DS names the served key, but no signature of it covers the set.
        let ds = anchor(&zone, &served);
        assert_eq!(
            reason(vouched_keys(&zone, &set, &[&ds], "a.ds")),
            (
                "bogus",
                format!(
                    "the DNSKEY set of `internal.vn.` is not signed (with a signature valid now) by the key the DS anchor of a.ds names (key tag {}, algorithm 13, line 3)",
                    tag(&served)
                )
            )
        );
    }
}
