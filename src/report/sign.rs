//! Signed reports (`shared/spec/cli-and-report.md`, "Signature"): the national center must be able
//! to tell an agency's report from a forged, altered or foreign one without trusting the channel.
//!
//! * A signed report holds exactly one agency; the key id is that agency's id, and its public key
//!   is `KEYS/<agency-id>.pub` on the verifier's side.
//! * `signature.value` is the ed25519 signature (base64) of the RFC 8785 (JCS) canonical form of the
//!   report without its `signature` member.
//! * Signed reports are written in canonical form, so a verifier checks the very bytes it read:
//!   a copy that was re-formatted (or edited in any byte) after signing is refused.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::spki::{DecodePublicKey, EncodePublicKey};
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde_json::{Value, json};
use std::path::Path;

pub const ALG: &str = "ed25519";

/// A new key pair as PEM: (private key in PKCS#8, public key in SPKI).
pub fn generate() -> Result<(String, String), String> {
    let mut seed = [0u8; 32];
    // The operating system's CSPRNG, through the crypto provider tuanthu already ships.
    rustls::crypto::aws_lc_rs::default_provider()
        .secure_random
        .fill(&mut seed)
        .map_err(|_| "the system random number generator failed".to_string())?;
    let key = SigningKey::from_bytes(&seed);
    let private = key.to_pkcs8_pem(LineEnding::LF).map_err(|e| format!("cannot encode the private key: {e}"))?;
    let public = key
        .verifying_key()
        .to_public_key_pem(LineEnding::LF)
        .map_err(|e| format!("cannot encode the public key: {e}"))?;
    Ok((private.to_string(), public))
}

pub fn read_signing_key(path: &Path) -> Result<SigningKey, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    SigningKey::from_pkcs8_pem(&text)
        .map_err(|e| format!("{}: not an ed25519 private key in PKCS#8 PEM: {e}", path.display()))
}

pub fn read_verifying_key(path: &Path) -> Result<VerifyingKey, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    VerifyingKey::from_public_key_pem(&text)
        .map_err(|e| format!("{}: not an ed25519 public key in SPKI PEM: {e}", path.display()))
}

/// The canonical (JCS) bytes of a JSON value.
pub fn canonical(v: &Value) -> Result<Vec<u8>, String> {
    serde_json_canonicalizer::to_vec(v).map_err(|e| format!("cannot canonicalise the report: {e}"))
}

/// The single agency id of a report, which names its key.
fn agency_id(report: &Value) -> Result<&str, String> {
    match report.get("agencies").and_then(Value::as_array).map(Vec::as_slice) {
        Some([agency]) => agency.get("id").and_then(Value::as_str).ok_or_else(|| "the agency has no `id`".to_string()),
        Some(list) => Err(format!("a signed report holds exactly one agency; this one has {}", list.len())),
        None => Err("not a tuanthu report: no `agencies` array".into()),
    }
}

/// Signs a report and returns it as canonical JSON text (with a trailing newline).
pub fn sign(report: &Value, key: &SigningKey) -> Result<String, String> {
    let agency = agency_id(report)?.to_string();
    let mut unsigned = report.clone();
    if let Some(m) = unsigned.as_object_mut() {
        m.remove("signature");
    }
    let signature = key.sign(&canonical(&unsigned)?);
    let mut signed = unsigned;
    if let Some(m) = signed.as_object_mut() {
        m.insert("signature".into(), json!({"alg": ALG, "key_id": agency, "value": B64.encode(signature.to_bytes())}));
    }
    let mut text = String::from_utf8(canonical(&signed)?).map_err(|e| e.to_string())?;
    text.push('\n');
    Ok(text)
}

/// Why a report is not accepted as its agency's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    /// Not JSON, or not a report.
    Malformed(String),
    /// No `signature` member.
    Unsigned,
    /// The verifier holds no public key for the agency.
    UnknownKey(String),
    /// Signed with a key id that is not the report's agency (another agency's key).
    ForeignKey { agency: String, key_id: String },
    /// The bytes are not the canonical form the signer wrote (edited or re-formatted since).
    NotCanonical,
    /// The signature does not match the content and the agency's key.
    BadSignature,
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Rejection::Malformed(m) => write!(f, "malformed report: {m}"),
            Rejection::Unsigned => f.write_str("unsigned"),
            Rejection::UnknownKey(a) => write!(f, "no public key for agency `{a}`"),
            Rejection::ForeignKey { agency, key_id } => {
                write!(f, "report of agency `{agency}` signed with the key of `{key_id}`")
            }
            Rejection::NotCanonical => {
                f.write_str("not in the canonical form it was signed in (modified after signing)")
            }
            Rejection::BadSignature => f.write_str("bad signature (content altered or wrong key)"),
        }
    }
}

/// A report whose signature checked out.
#[derive(Debug, Clone)]
pub struct Verified {
    pub agency: String,
    pub report: Value,
}

/// Parses a report and checks its signature against `keys_dir/<agency>.pub`.
pub fn verify(bytes: &[u8], keys_dir: &Path) -> Result<Verified, Rejection> {
    let report: Value = serde_json::from_slice(bytes)
        .map_err(|e| Rejection::Malformed(format!("line {}, column {}: {e}", e.line(), e.column())))?;
    let agency = agency_id(&report).map_err(Rejection::Malformed)?.to_string();
    let Some(sig) = report.get("signature") else { return Err(Rejection::Unsigned) };
    let field = |k: &str| sig.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
    if field("alg") != ALG {
        return Err(Rejection::Malformed(format!("unsupported signature algorithm `{}`", field("alg"))));
    }
    let key_id = field("key_id");
    if key_id != agency {
        return Err(Rejection::ForeignKey { agency, key_id });
    }
    let body = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    if canonical(&report).map_err(Rejection::Malformed)? != body {
        return Err(Rejection::NotCanonical);
    }
    let key = key_for(keys_dir, &agency)?;
    let value = B64.decode(field("value")).map_err(|_| Rejection::BadSignature)?;
    let signature = Signature::from_slice(&value).map_err(|_| Rejection::BadSignature)?;
    let mut unsigned = report.clone();
    if let Some(m) = unsigned.as_object_mut() {
        m.remove("signature");
    }
    let message = canonical(&unsigned).map_err(Rejection::Malformed)?;
    key.verify_strict(&message, &signature).map_err(|_| Rejection::BadSignature)?;
    Ok(Verified { agency, report })
}

/// The fast check for files written by `sign`: the signature member is cut out of the bytes as
/// read (in canonical form it is the top-level `"signature"` member, between `schema` and `tool`)
/// and the rest is verified as is, without parsing or re-canonicalising the report. Returns the
/// key id and the signature when they verify; `None` sends the caller to [`verify`], which also
/// says why a report is refused. Sound because only the key holder can make bytes that verify;
/// the caller must still check that the report's agency is the key id.
pub fn verify_bytes(bytes: &[u8], keys_dir: &Path) -> Option<(String, Vec<u8>)> {
    const OPEN: &[u8] = b",\"signature\":{\"alg\":\"ed25519\",\"key_id\":\"";
    let start = memrfind(bytes, OPEN)?;
    let rest = &bytes[start + OPEN.len()..];
    let key_end = rest.iter().position(|&b| b == b'"')?;
    let key_id = std::str::from_utf8(&rest[..key_end]).ok()?;
    const VALUE: &[u8] = b"\",\"value\":\"";
    let rest = rest[key_end..].strip_prefix(VALUE)?;
    let value_end = rest.iter().position(|&b| b == b'"')?;
    let value = B64.decode(&rest[..value_end]).ok()?;
    let after = rest[value_end..].strip_prefix(b"\"}")?;
    let end = bytes.len() - after.len();
    let mut message = Vec::with_capacity(bytes.len());
    message.extend_from_slice(&bytes[..start]);
    message.extend_from_slice(&bytes[end..]);
    while message.last() == Some(&b'\n') {
        message.pop();
    }
    let signature = Signature::from_slice(&value).ok()?;
    let key = key_for(keys_dir, key_id).ok()?;
    key.verify_strict(&message, &signature).ok()?;
    Some((key_id.to_string(), value))
}

fn memrfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

/// Whether an agency id can name a key file: ids become file names, so anything that could
/// leave the key directory (separators, `..`, hidden names) is refused.
pub fn valid_key_id(agency: &str) -> bool {
    !agency.is_empty()
        && !agency.starts_with('.')
        && agency.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// The agency's public key.
fn key_for(dir: &Path, agency: &str) -> Result<VerifyingKey, Rejection> {
    if !valid_key_id(agency) {
        return Err(Rejection::UnknownKey(agency.to_string()));
    }
    let path = dir.join(format!("{agency}.pub"));
    if !path.is_file() {
        return Err(Rejection::UnknownKey(agency.to_string()));
    }
    read_verifying_key(&path).map_err(|_| Rejection::UnknownKey(agency.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(agency: &str) -> Value {
        json!({"schema": "tuanthu/report/v1", "generated_at": "2026-11-25T08:00:00Z",
               "agencies": [{"id": agency, "name": "Sở Khoa học", "approval_rate": 0.4166666666666667}]})
    }

    fn keys(dir: &Path, agency: &str) -> SigningKey {
        let (private, public) = generate().unwrap();
        std::fs::write(dir.join(format!("{agency}.pub")), public).unwrap();
        SigningKey::from_pkcs8_pem(&private).unwrap()
    }

    #[test]
    fn a_signed_report_verifies_and_any_change_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let key = keys(dir.path(), "so-a");
        let text = sign(&report("so-a"), &key).unwrap();
        let ok = verify(text.as_bytes(), dir.path()).unwrap();
        assert_eq!(ok.agency, "so-a");
        // Flip every byte in turn: each copy must be refused, whatever the reason.
        let bytes = text.trim_end().as_bytes();
        for i in 0..bytes.len() {
            let mut b = bytes.to_vec();
            b[i] ^= 0x01;
            assert!(verify(&b, dir.path()).is_err(), "byte {i} flipped was accepted");
        }
        assert_eq!(verify_bytes(text.as_bytes(), dir.path()).unwrap().0, "so-a", "the fast path agrees");
        for i in 0..bytes.len() {
            let mut b = bytes.to_vec();
            b[i] ^= 0x01;
            assert!(verify_bytes(&b, dir.path()).is_none(), "byte {i} flipped passed the fast path");
        }
        let pretty = serde_json::to_string_pretty(&ok.report).unwrap();
        assert_eq!(verify(pretty.as_bytes(), dir.path()).unwrap_err(), Rejection::NotCanonical);
    }

    #[test]
    fn unsigned_foreign_and_unknown_keys_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let a = keys(dir.path(), "so-a");
        let _b = keys(dir.path(), "so-b");
        let unsigned = String::from_utf8(canonical(&report("so-a")).unwrap()).unwrap();
        assert_eq!(verify(unsigned.as_bytes(), dir.path()).unwrap_err(), Rejection::Unsigned);
        // so-a's key signing a report that claims to be so-b's: the key id names so-a.
        let mut forged: Value = serde_json::from_str(&sign(&report("so-a"), &a).unwrap()).unwrap();
        forged["agencies"][0]["id"] = json!("so-b");
        let forged = String::from_utf8(canonical(&forged).unwrap()).unwrap();
        assert!(matches!(verify(forged.as_bytes(), dir.path()), Err(Rejection::ForeignKey { .. })));
        // Key id rewritten to match: the signature no longer verifies with so-b's key.
        let mut relabelled: Value = serde_json::from_str(&forged).unwrap();
        relabelled["signature"]["key_id"] = json!("so-b");
        let relabelled = String::from_utf8(canonical(&relabelled).unwrap()).unwrap();
        assert_eq!(verify(relabelled.as_bytes(), dir.path()).unwrap_err(), Rejection::BadSignature);
        let c = sign(&report("so-c"), &a).unwrap();
        assert_eq!(verify(c.as_bytes(), dir.path()).unwrap_err(), Rejection::UnknownKey("so-c".into()));
        let traversal = sign(&report("../so-a"), &a).unwrap();
        assert!(matches!(verify(traversal.as_bytes(), dir.path()), Err(Rejection::UnknownKey(_))));
    }
}
