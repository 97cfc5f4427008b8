//! `--dnssec-anchor FILE`: the trust anchors DNSSEC is validated from, replacing the root keys
//! built in (tests sign their own zones; an agency may validate an internal signed zone). The file
//! holds DNSKEY lines in zone-file syntax (`example.vn. 3600 IN DNSKEY 257 3 13 …`); comments
//! start with `;`.

use hickory_resolver::proto::dnssec::TrustAnchors;
use std::str::FromStr;

/// Reads the anchors of `text` (from the file `name`), each line on its own so that an error
/// names its line.
pub fn parse(name: &str, text: &str) -> Result<TrustAnchors, String> {
    let mut lines = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let body = line.split(';').next().unwrap_or_default().trim();
        if body.is_empty() {
            continue;
        }
        let upper: Vec<String> = body.split_ascii_whitespace().map(str::to_ascii_uppercase).collect();
        if upper.iter().any(|t| t == "DS") {
            return Err(format!(
                "{name}, line {}: DS anchors are not read yet; give the zone's key-signing DNSKEY line instead (dig DNSKEY <zone>, or the .key file of ldns-keygen)",
                i + 1
            ));
        }
        if !upper.iter().any(|t| t == "DNSKEY") {
            return Err(format!(
                "{name}, line {}: expected a DNSKEY record (`<zone>. IN DNSKEY 257 3 <alg> <key>`)",
                i + 1
            ));
        }
        TrustAnchors::from_str(body).map_err(|e| format!("{name}, line {}: {e}", i + 1))?;
        lines.push(body.to_string());
    }
    if lines.is_empty() {
        return Err(format!("{name}: no DNSKEY line (the file would trust nothing)"));
    }
    TrustAnchors::from_str(&lines.join("\n")).map_err(|e| format!("{name}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_checked_one_by_one() {
        let err = |text: &str| parse("a.key", text).err().unwrap_or_default();
        assert_eq!(err("; nothing\n"), "a.key: no DNSKEY line (the file would trust nothing)");
        assert_eq!(
            err("example.vn. IN A 192.0.2.1\n"),
            "a.key, line 1: expected a DNSKEY record (`<zone>. IN DNSKEY 257 3 <alg> <key>`)"
        );
        assert!(err("; key\nexample.vn. IN DS 1 13 2 ABCD\n").starts_with("a.key, line 2: DS anchors"));
        let key = ". IN DNSKEY 257 3 13 IZe9XwJIzvs0o6m9Mxb5FKOPMTrE8F9zefS9lBTMhp9t3zC9yJTrtVmKYZkT4v5O1ScxfwtQFD+hnTXLFXX52A== ;{id = 47136 (ksk)}";
        assert_eq!(parse("a.key", key).map(|a| a.len()).ok(), Some(1), "a root key is a root anchor");
    }
}
