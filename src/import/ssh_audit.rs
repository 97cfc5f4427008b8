//! ssh-audit's JSON output (`ssh-audit -j HOST`, one object; several targets: an array of them)
//! as `ssh` facts, the same names `tuanthu collect` writes (`docs/evidence.md`).
//!
//! The lists are taken in the server's order as ssh-audit printed them. Weak algorithms are
//! classified by tuanthu's copy of ssh-audit's database ([`crate::evidence::ssh::weak`]) rather than
//! from the notes in the file, so an import and a live probe of the same server give the same
//! `weak` facts whatever ssh-audit version wrote the file; ssh-audit's CVE list is kept under
//! `extra.cves`. Host keys: one per key type the `key` list names, with ssh-audit's `keysize`
//! (else the curve's size) and its SHA-256 fingerprint when the file has `fingerprints`.
//!
//! The file does not say when the scan ran, so it is read only with `--observed-at`
//! (`tuanthu import FILE --from ssh-audit --observed-at TIME -o evidence.jsonl`), as the evidence
//! contract asks of every format without its own time.

use super::{ImportError, Limits};
use crate::evidence::ssh::{software, weak};
use crate::evidence::{HostKey, SshFacts};
use crate::i18n::Text;
use crate::text;
use serde_json::Value;
use std::io::Read;

/// Does this JSON look like ssh-audit's: a `banner` with `raw`, and `kex`, `enc`, `mac` lists.
pub fn detect(head: &[u8]) -> bool {
    let window = &head[..head.len().min(16 << 10)];
    let has = |s: &str| memchr::memmem::find(window, s.as_bytes()).is_some();
    has("\"banner\"") && has("\"raw\"") && has("\"kex\"") && has("\"enc\"") && has("\"mac\"")
}

/// One audited endpoint: ssh-audit's `target` (`host:port`) and its facts.
#[derive(Debug, Clone, PartialEq)]
pub struct Audit {
    pub target: String,
    pub facts: SshFacts,
}

fn malformed(message: Text) -> ImportError {
    ImportError::whole(message)
}

/// Reads every audit of the file.
pub fn read(reader: impl Read, limits: &Limits) -> Result<Vec<Audit>, ImportError> {
    let mut bytes = Vec::new();
    reader.take(limits.max_file_bytes + 1).read_to_end(&mut bytes).map_err(|e| ImportError::Io(e.to_string()))?;
    if bytes.len() as u64 > limits.max_file_bytes {
        let max = limits.max_file_bytes;
        return Err(malformed(text!("the file is larger than {max} bytes", "tệp lớn quá {max} byte")));
    }
    let doc: Value = serde_json::from_slice(&bytes).map_err(|e| {
        let (line, column) = crate::evidence::json_error::position(&e, &bytes);
        let why = crate::evidence::json_error::reason(&e);
        let (en, vi) = (why.en, why.vi);
        ImportError::at(line, column, text!("not valid JSON: {en}", "không phải JSON hợp lệ: {vi}"))
    })?;
    let items = match doc {
        Value::Array(items) => items,
        one => vec![one],
    };
    let numbered = |i: usize, e: Text| {
        let (n, en, vi) = (i + 1, e.en, e.vi);
        malformed(text!("audit {n}: {en}", "lần kiểm tra {n}: {vi}"))
    };
    items.iter().enumerate().map(|(i, v)| audit(v).map_err(|e| numbered(i, e))).collect()
}

fn text(v: &Value, limits: usize) -> String {
    crate::sanitize::truncate(&crate::sanitize::one_line(v.as_str().unwrap_or_default()), limits)
}

/// The `algorithm` names of one of ssh-audit's lists, in order.
fn names(v: &Value, key: &str) -> Result<Vec<String>, Text> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(list)) => Ok(list
            .iter()
            .map(|e| match e {
                Value::String(_) => text(e, 128),
                _ => text(&e["algorithm"], 128),
            })
            .filter(|n| !n.is_empty())
            .collect()),
        Some(_) => Err(text!("`{key}` is not a list", "`{key}` không phải danh sách")),
    }
}

fn audit(v: &Value) -> Result<Audit, Text> {
    let Some(banner) = v.get("banner").filter(|b| b.is_object()) else {
        return Err(text!(
            "no `banner` object (is this ssh-audit -j output?)",
            "không có đối tượng `banner` (đây có phải kết quả của ssh-audit -j?)"
        ));
    };
    let target = text(&v["target"], 300);
    if target.is_empty() {
        return Err(text!("no `target`", "không có `target`"));
    }
    let raw = text(&banner["raw"], 1024);
    let parts = software::parse(&raw).unwrap_or_default();
    let software_name = Some(text(&banner["software"], 256)).filter(|s| !s.is_empty()).unwrap_or(parts.software);
    let offered = names(v, "kex")?;
    let strict_kex = offered.iter().any(|k| k == "kex-strict-s-v00@openssh.com");
    let kex: Vec<String> =
        offered.into_iter().filter(|k| !k.starts_with("ext-info-") && !k.starts_with("kex-strict-")).collect();
    let host_key_algorithms = names(v, "key")?;
    let (ciphers, macs) = (names(v, "enc")?, names(v, "mac")?);
    let host_keys = host_keys(v);
    let weak = weak::classify(
        &[
            (weak::Category::Kex, &kex),
            (weak::Category::HostKeyAlgorithm, &host_key_algorithms),
            (weak::Category::Cipher, &ciphers),
            (weak::Category::Mac, &macs),
        ],
        &host_keys,
    );
    let mut extra = crate::evidence::Extra::new();
    if let Some(Value::Array(cves)) = v.get("cves").filter(|c| c.as_array().is_some_and(|a| !a.is_empty())) {
        let kept: Vec<Value> = cves
            .iter()
            .take(1000)
            .map(|c| serde_json::json!({"name": text(&c["name"], 64), "cvss": c["cvssv2"].as_f64(), "description": text(&c["description"], 512)}))
            .collect();
        extra.insert("cves".into(), Value::Array(kept));
    }
    Ok(Audit {
        target,
        facts: SshFacts {
            openssh_version: software::openssh_version(&software_name),
            end_of_life: software::end_of_life(&software_name),
            banner: raw,
            protocol: Some(text(&banner["protocol"], 16)).filter(|s| !s.is_empty()).unwrap_or(parts.protocol),
            comments: Some(text(&banner["comments"], 256)).filter(|s| !s.is_empty()).or(parts.comments),
            software: software_name,
            kex,
            host_key_algorithms,
            ciphers,
            macs,
            compression: names(v, "compression")?,
            strict_kex,
            host_keys,
            weak,
            host_key_errors: Vec::new(),
            connections: 0,
            extra,
        },
    })
}

/// One host key per key type of the `key` list: RSA signature names share the `ssh-rsa` key.
fn host_keys(v: &Value) -> Vec<HostKey> {
    let mut out: Vec<HostKey> = Vec::new();
    for k in v["key"].as_array().into_iter().flatten() {
        let alg = text(&k["algorithm"], 128);
        let key_type = if alg.starts_with("rsa-sha2-") { "ssh-rsa".to_string() } else { alg.clone() };
        if key_type.is_empty() || out.iter().any(|h| h.key_type == key_type) {
            continue;
        }
        let bits = k["keysize"].as_u64().map(|b| b as u32).or_else(|| match key_type.as_str() {
            "ssh-ed25519" => Some(256),
            "ssh-ed448" => Some(448),
            t => t.strip_prefix("ecdsa-sha2-nistp").and_then(|n| n.parse().ok()),
        });
        let sha256 = v["fingerprints"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|f| f["hash_alg"] == "SHA256" && f["hostkey"].as_str() == Some(key_type.as_str()))
            .map(|f| format!("SHA256:{}", text(&f["hash"], 64)))
            .unwrap_or_default();
        out.push(HostKey { key_type, bits, sha256 });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minimal_audit_converts_and_a_wrong_shape_says_so() {
        let json = br#"{"target": "bastion.example.vn:22", "banner": {"raw": "SSH-2.0-OpenSSH_7.2p2 Ubuntu-4", "software": "OpenSSH_7.2p2", "protocol": "2.0", "comments": "Ubuntu-4"},
            "kex": [{"algorithm": "diffie-hellman-group1-sha1"}], "key": [{"algorithm": "ssh-rsa", "keysize": 1024}],
            "enc": [{"algorithm": "aes128-cbc"}], "mac": [{"algorithm": "hmac-md5"}], "compression": ["none"]}"#;
        assert!(detect(json));
        let a = read(&json[..], &Limits::default()).unwrap();
        assert_eq!(a.len(), 1);
        let f = &a[0].facts;
        assert_eq!((a[0].target.as_str(), f.openssh_version.as_deref()), ("bastion.example.vn:22", Some("7.2p2")));
        assert!(f.end_of_life.is_some());
        assert_eq!(f.host_keys, vec![HostKey { key_type: "ssh-rsa".into(), bits: Some(1024), sha256: String::new() }]);
        let weak: Vec<&str> = f.weak.iter().map(|w| w.category.as_str()).collect();
        assert_eq!(weak, vec!["kex", "host_key_algorithm", "cipher", "mac", "host_key"]);
        let bad = read(&br#"{"target": "x:22", "kex": 3}"#[..], &Limits::default()).unwrap_err();
        assert_eq!(bad.to_string(), "audit 1: no `banner` object (is this ssh-audit -j output?)");
        let bad = read(&br#"{"target": "x:22", "banner": {}, "kex": 3}"#[..], &Limits::default()).unwrap_err();
        assert_eq!(bad.to_string(), "audit 1: `kex` is not a list");
    }
}
