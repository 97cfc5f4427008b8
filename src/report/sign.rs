//! Signed reports (`shared/spec/cli-and-report.md`, "Signature"): the national center must be able
//! to tell an agency's report from a forged, altered or foreign one without trusting the channel.
//!
//! * A signed report holds exactly one agency; the key id is that agency's id, and its public key
//!   is `KEYS/<agency-id>.pub` on the verifier's side.
//! * `signature.value` is the ed25519 signature (base64) of the RFC 8785 (JCS) canonical form of the
//!   report without its `signature` member.
//! * Signed reports are written in canonical form, so a verifier checks the very bytes it read:
//!   a copy that was re-formatted (or edited in any byte) after signing is refused.

use super::rejection::Rejection;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::spki::{DecodePublicKey, EncodePublicKey};
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

pub const ALG: &str = "ed25519";

/// Why a key could not be made or read, or a report could not be signed.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error("the system random number generator failed")]
    Random,
    /// A new key could not be written as PEM (`which`: "private" or "public").
    #[error("cannot encode the {which} key: {detail}")]
    Encode { which: &'static str, detail: String },
    /// A key file that cannot be read (missing, a device, too large...).
    #[error("{}: {source}", path.display())]
    Read { path: PathBuf, source: crate::files::ReadError },
    #[error("{}: not a PEM key (not UTF-8 text)", path.display())]
    NotText { path: PathBuf },
    #[error("{}: not an ed25519 private key in PKCS#8 PEM: {detail}", path.display())]
    NotPrivateKey { path: PathBuf, detail: String },
    #[error("{}: not an ed25519 public key in SPKI PEM: {detail}", path.display())]
    NotPublicKey { path: PathBuf, detail: String },
    #[error("cannot canonicalise the report: {0}")]
    Canonical(serde_json::Error),
    #[error("the agency has no `id`")]
    NoAgencyId,
    #[error("a signed report holds exactly one agency; this one has {0}")]
    SeveralAgencies(usize),
    #[error("not a tuanthu report: no `agencies` array")]
    NotAReport,
}

impl SignError {
    /// The message in both languages (`Display` is the English one).
    pub fn text(&self) -> crate::i18n::Text {
        use crate::text;
        match self {
            SignError::Random => {
                text!("the system random number generator failed", "bộ sinh số ngẫu nhiên của hệ thống bị lỗi")
            }
            SignError::Encode { which, detail } => {
                let which_vi = if *which == "private" { "bí mật" } else { "công khai" };
                text!("cannot encode the {which} key: {detail}", "không mã hoá được khoá {which_vi}: {detail}")
            }
            SignError::Read { path, source } => {
                let (path, why) = (path.display(), source.text());
                let (en, vi) = (&why.en, &why.vi);
                text!("{path}: {en}", "{path}: {vi}")
            }
            SignError::NotText { path } => {
                let path = path.display();
                text!(
                    "{path}: not a PEM key (not UTF-8 text)",
                    "{path}: không phải khoá PEM (không phải văn bản UTF-8)"
                )
            }
            SignError::NotPrivateKey { path, detail } => {
                let path = path.display();
                text!(
                    "{path}: not an ed25519 private key in PKCS#8 PEM: {detail}",
                    "{path}: không phải khoá bí mật ed25519 dạng PKCS#8 PEM: {detail}"
                )
            }
            SignError::NotPublicKey { path, detail } => {
                let path = path.display();
                text!(
                    "{path}: not an ed25519 public key in SPKI PEM: {detail}",
                    "{path}: không phải khoá công khai ed25519 dạng SPKI PEM: {detail}"
                )
            }
            SignError::Canonical(e) => {
                text!("cannot canonicalise the report: {e}", "không chuẩn hoá được báo cáo: {e}")
            }
            SignError::NoAgencyId => text!("the agency has no `id`", "cơ quan không có `id`"),
            SignError::SeveralAgencies(n) => text!(
                "a signed report holds exactly one agency; this one has {n}",
                "báo cáo được ký chỉ chứa đúng một cơ quan; báo cáo này có {n}"
            ),
            SignError::NotAReport => text!(
                "not a tuanthu report: no `agencies` array",
                "không phải báo cáo tuanthu: không có mảng `agencies`"
            ),
        }
    }

    /// Whether the error is the input's fault (a key file or a report that is not what it
    /// should be) rather than the run's.
    pub fn is_bad_input(&self) -> bool {
        !matches!(self, SignError::Random | SignError::Encode { .. } | SignError::Canonical(_))
    }
}

/// A new key pair as PEM: (private key in PKCS#8, public key in SPKI).
pub fn generate() -> Result<(String, String), SignError> {
    let mut seed = [0u8; 32];
    // The operating system's CSPRNG, through the crypto provider tuanthu already ships.
    rustls::crypto::aws_lc_rs::default_provider().secure_random.fill(&mut seed).map_err(|_| SignError::Random)?;
    let key = SigningKey::from_bytes(&seed);
    let private =
        key.to_pkcs8_pem(LineEnding::LF).map_err(|e| SignError::Encode { which: "private", detail: e.to_string() })?;
    let public = key
        .verifying_key()
        .to_public_key_pem(LineEnding::LF)
        .map_err(|e| SignError::Encode { which: "public", detail: e.to_string() })?;
    Ok((private.to_string(), public))
}

/// Largest key file read: a PEM key is a few hundred bytes; the cap keeps a device or a huge
/// file named by mistake from being read whole.
const MAX_KEY_BYTES: u64 = 64 << 10;

/// Reads a key file through the capped reader (devices refused, pipes bounded).
fn read_key_text(path: &Path) -> Result<String, SignError> {
    let bytes = crate::files::read_capped(path, MAX_KEY_BYTES)
        .map_err(|source| SignError::Read { path: path.to_path_buf(), source })?;
    String::from_utf8(bytes).map_err(|_| SignError::NotText { path: path.to_path_buf() })
}

/// Reads an agency's private key (PKCS#8 PEM, as `tuanthu keys generate` writes it).
pub fn read_signing_key(path: &Path) -> Result<SigningKey, SignError> {
    let text = read_key_text(path)?;
    SigningKey::from_pkcs8_pem(&text)
        .map_err(|e| SignError::NotPrivateKey { path: path.to_path_buf(), detail: e.to_string() })
}

/// Reads an agency's public key (SPKI PEM).
pub fn read_verifying_key(path: &Path) -> Result<VerifyingKey, SignError> {
    let text = read_key_text(path)?;
    VerifyingKey::from_public_key_pem(&text)
        .map_err(|e| SignError::NotPublicKey { path: path.to_path_buf(), detail: e.to_string() })
}

/// The canonical (JCS) bytes of a JSON value.
pub fn canonical(v: &Value) -> Result<Vec<u8>, SignError> {
    serde_json_canonicalizer::to_vec(v).map_err(SignError::Canonical)
}

/// The single agency id of a report, which names its key.
pub fn agency_id(report: &Value) -> Result<&str, SignError> {
    match report.get("agencies").and_then(Value::as_array).map(Vec::as_slice) {
        Some([agency]) => agency.get("id").and_then(Value::as_str).ok_or(SignError::NoAgencyId),
        Some(list) => Err(SignError::SeveralAgencies(list.len())),
        None => Err(SignError::NotAReport),
    }
}

/// Signs a report and returns it as canonical JSON text (with a trailing newline).
pub fn sign(report: &Value, key: &SigningKey) -> Result<String, SignError> {
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
    // JCS output is UTF-8 JSON text; a lossy conversion only guards the type.
    let mut text = String::from_utf8_lossy(&canonical(&signed)?).into_owned();
    text.push('\n');
    Ok(text)
}

/// A report's top-level signature, found on the bytes as read (see [`envelope`]).
#[derive(Debug, Clone)]
pub struct Envelope {
    /// The key id (the agency the report claims to be signed by).
    pub key_id: String,
    /// The signature value, decoded.
    pub signature: Vec<u8>,
    /// The bytes signed: the report's bytes without the signature member and trailing newline.
    pub message: Vec<u8>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Member {
    alg: String,
    key_id: String,
    value: String,
}

/// The one signature rule of `shared/spec/cli-and-report.md` ("Signature"), for `verify`,
/// `aggregate` and the service alike: the signature is the top-level `signature` member only (one
/// nested elsewhere, e.g. inside `tool`, signs nothing), and the bytes read must be the canonical
/// (JCS) form of the signed report with at most one trailing newline. `Ok(None)`: unsigned.
pub fn envelope(bytes: &[u8]) -> Result<Option<Envelope>, Rejection> {
    let scan = super::canonical::scan(bytes).map_err(|_| malformed(bytes))?;
    let (Some(member), Some(value)) = (scan.signature, scan.signature_value) else { return Ok(None) };
    if let Some((at, what)) = scan.departure {
        return Err(Rejection::NotCanonical(format!("byte {at}: {what}")));
    }
    let m: Member = serde_json::from_slice(&bytes[value])
        .map_err(|e| Rejection::Malformed(format!("the `signature` member: {e}")))?;
    if m.alg != ALG {
        return Err(Rejection::Malformed(format!(
            "unsupported signature algorithm `{}`",
            crate::sanitize::one_line(&m.alg)
        )));
    }
    let signature = B64.decode(&m.value).map_err(|_| Rejection::BadSignature)?;
    let mut message = Vec::with_capacity(bytes.len());
    message.extend_from_slice(&bytes[..member.start]);
    message.extend_from_slice(&bytes[member.end..]);
    if message.last() == Some(&b'\n') {
        message.pop();
    }
    Ok(Some(Envelope { key_id: m.key_id, signature, message }))
}

/// Why bytes that are not JSON were refused, with serde_json's line and column.
fn malformed(bytes: &[u8]) -> Rejection {
    match serde_json::from_slice::<serde::de::IgnoredAny>(bytes) {
        Err(e) => Rejection::Malformed(format!("line {}, column {}: {e}", e.line(), e.column())),
        Ok(_) => Rejection::Malformed("not UTF-8 JSON, or nested too deeply".into()),
    }
}

/// Checks the envelope's signature with `keys_dir/<key id>.pub`.
pub fn check(envelope: &Envelope, keys_dir: &Path) -> Result<(), Rejection> {
    check_with(envelope, &key_for(keys_dir, &envelope.key_id)?)
}

/// Checks the envelope's signature with one public key (strict ed25519: no malleable encodings).
pub fn check_with(envelope: &Envelope, key: &VerifyingKey) -> Result<(), Rejection> {
    let signature = Signature::from_slice(&envelope.signature).map_err(|_| Rejection::BadSignature)?;
    key.verify_strict(&envelope.message, &signature).map_err(|_| Rejection::BadSignature)
}

/// A public key's fingerprint as `keys generate` prints it and the service's key registry names
/// it: `SHA256:` + base64 of the SHA-256 of its SPKI DER encoding.
pub fn fingerprint(key: &VerifyingKey) -> Result<String, SignError> {
    use sha2::Digest;
    let der = key.to_public_key_der().map_err(|e| SignError::Encode { which: "public", detail: e.to_string() })?;
    Ok(format!("SHA256:{}", B64.encode(sha2::Sha256::digest(der.as_bytes()))))
}

/// Reads a public key from SPKI PEM text (the `.pub` file `keys generate` writes).
pub fn parse_verifying_key(pem: &str) -> Result<VerifyingKey, String> {
    VerifyingKey::from_public_key_pem(pem).map_err(|e| e.to_string())
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

    fn open(bytes: &[u8], dir: &Path) -> Result<String, Rejection> {
        let e = envelope(bytes)?.ok_or(Rejection::Unsigned)?;
        check(&e, dir)?;
        Ok(e.key_id)
    }

    #[test]
    fn a_signed_report_verifies_and_any_change_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let key = keys(dir.path(), "so-a");
        let text = sign(&report("so-a"), &key).unwrap();
        assert_eq!(open(text.as_bytes(), dir.path()).unwrap(), "so-a");
        // Flip every byte in turn: each copy must be refused, whatever the reason.
        let bytes = text.trim_end().as_bytes();
        for i in 0..bytes.len() {
            let mut b = bytes.to_vec();
            b[i] ^= 0x01;
            assert!(open(&b, dir.path()).is_err(), "byte {i} flipped was accepted");
        }
        let value: Value = serde_json::from_str(&text).unwrap();
        let pretty = serde_json::to_string_pretty(&value).unwrap();
        assert!(matches!(open(pretty.as_bytes(), dir.path()), Err(Rejection::NotCanonical(_))));
        let blank = format!("{text}\n\n");
        assert!(matches!(open(blank.as_bytes(), dir.path()), Err(Rejection::NotCanonical(_))));
    }

    #[test]
    fn non_canonical_bytes_signed_raw_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let key = keys(dir.path(), "so-a");
        // Duplicate members: two parsers could read two different reports behind one signature.
        let raw = r#"{"agencies":[{"id":"so-a"}],"schema":"tuanthu/report/v1","schema":"x"}"#;
        let sig = B64.encode(key.sign(raw.as_bytes()).to_bytes());
        let signed = format!(
            r#"{{"agencies":[{{"id":"so-a"}}],"schema":"tuanthu/report/v1","schema":"x","signature":{{"alg":"ed25519","key_id":"so-a","value":"{sig}"}}}}"#
        );
        assert!(matches!(open(signed.as_bytes(), dir.path()), Err(Rejection::NotCanonical(_))));
    }

    #[test]
    fn a_signature_nested_inside_tool_signs_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let key = keys(dir.path(), "so-a");
        let text = sign(&report("so-a"), &key).unwrap();
        let mut v: Value = serde_json::from_str(&text).unwrap();
        let sig = v.as_object_mut().unwrap().remove("signature").unwrap();
        v["tool"] = json!({"name": "tuanthu", "signature": sig});
        let moved = String::from_utf8(canonical(&v).unwrap()).unwrap();
        assert!(matches!(envelope(moved.as_bytes()), Ok(None)), "unsigned");
    }

    #[test]
    fn foreign_and_unknown_keys_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let a = keys(dir.path(), "so-a");
        let _b = keys(dir.path(), "so-b");
        // Key id rewritten to so-b: the signature does not verify with so-b's key.
        let mut relabelled: Value = serde_json::from_str(&sign(&report("so-b"), &a).unwrap()).unwrap();
        relabelled["signature"]["key_id"] = json!("so-b");
        let relabelled = String::from_utf8(canonical(&relabelled).unwrap()).unwrap();
        assert_eq!(open(relabelled.as_bytes(), dir.path()).unwrap_err(), Rejection::BadSignature);
        let c = sign(&report("so-c"), &a).unwrap();
        assert_eq!(open(c.as_bytes(), dir.path()).unwrap_err(), Rejection::UnknownKey("so-c".into()));
        let traversal = sign(&report("../so-a"), &a).unwrap();
        assert!(matches!(open(traversal.as_bytes(), dir.path()), Err(Rejection::UnknownKey(_))));
    }
}
