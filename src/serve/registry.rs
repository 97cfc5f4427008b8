//! The key registry as a [`KeySource`] for the one verification ([`crate::report::verify`]): the
//! agency's keys, each tried only if unrevoked and valid on the day of receipt. A signature that
//! only a revoked (or expired, or not yet valid) key of the agency verifies is `revoked_key`, so an
//! agency learns why; one no key verifies is `bad_signature`; an agency with no key `unknown_key`.

use super::records::KeyRecord;
use crate::report::sign::{self, Envelope};
use crate::report::verify::{KeySource, Rejection};
use ed25519_dalek::VerifyingKey;
use time::Date;

/// The keys of one agency, read from the registry for one submission.
pub struct Registry {
    pub agency: String,
    keys: Vec<(KeyRecord, VerifyingKey)>,
    /// The day of receipt, in UTC.
    today: Date,
}

impl Registry {
    /// Keys whose stored PEM does not parse are left out (they can verify nothing).
    pub fn new(agency: String, records: Vec<KeyRecord>, today: Date) -> Registry {
        let keys =
            records.into_iter().filter_map(|r| sign::parse_verifying_key(&r.public_pem).ok().map(|k| (r, k))).collect();
        Registry { agency, keys, today }
    }

    fn usable(&self, k: &KeyRecord) -> bool {
        let day = |d: &Option<String>| d.as_deref().and_then(|d| crate::dates::parse(d).ok());
        k.revoked_at.is_none()
            && day(&k.valid_from).is_none_or(|from| from <= self.today)
            && day(&k.valid_until).is_none_or(|until| self.today <= until)
    }
}

impl KeySource for Registry {
    fn check(&self, e: &Envelope) -> Result<String, Rejection> {
        if e.key_id != self.agency || self.keys.is_empty() {
            return Err(Rejection::UnknownKey(crate::sanitize::one_line(&e.key_id)));
        }
        let (usable, other): (Vec<_>, Vec<_>) = self.keys.iter().partition(|(r, _)| self.usable(r));
        if let Some((r, _)) = usable.iter().find(|(_, k)| sign::check_with(e, k).is_ok()) {
            return Ok(r.fingerprint.clone());
        }
        if let Some((r, _)) = other.iter().find(|(_, k)| sign::check_with(e, k).is_ok()) {
            return Err(Rejection::RevokedKey(r.fingerprint.clone()));
        }
        if usable.is_empty() {
            return Err(Rejection::UnknownKey(crate::sanitize::one_line(&e.key_id)));
        }
        Err(Rejection::BadSignature)
    }
}

/// A new read token: 32 random bytes, URL-safe base64, prefixed so it is recognisable in a
/// leaked-secret scan.
pub fn new_token() -> Result<String, sign::SignError> {
    use base64::Engine;
    let mut bytes = [0u8; 32];
    rustls::crypto::aws_lc_rs::default_provider()
        .secure_random
        .fill(&mut bytes)
        .map_err(|_| sign::SignError::Random)?;
    Ok(format!("tt_{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)))
}

/// How a token is stored and looked up: the hex SHA-256 (a token has 256 bits of entropy, so a
/// plain hash is enough — no salt or slow hash needed against guessing).
pub fn token_hash(token: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}
