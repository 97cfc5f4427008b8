//! Which Wazuh file a head of bytes is, from the object keys it contains.
//!
//! The head may be cut anywhere (the first few KiB of a file), so no parser is used: a small lexer
//! collects the object keys (strings followed by `:`) and the string values, and the shapes are told
//! apart by keys only their records carry.

use super::WazuhFormat;

/// Keys collected from one head; bounded so a hostile head costs nothing.
const MAX_KEYS: usize = 4096;

/// The format of a Wazuh file from its first bytes (a few KiB are enough; a whole file works too),
/// or `None` when it is none of them — including an API response with no records, which cannot be
/// told apart.
///
/// * `data.affected_items` whose records carry `cve` → 4.7 vulnerabilities;
/// * … `policy_id` with `rationale`, `remediation`, `compliance` or `rules`, and no `total_checks`
///   (that is the policies list, `GET /sca/{agent}`) → SCA checks;
/// * … `lastKeepAlive`, `registerIP` or `node_name` → agents;
/// * a search response (`hits`) whose documents have `_source` with `vulnerability`, or an index
///   named `wazuh-states-vulnerabilities…` → 4.8+ vulnerability documents.
pub fn detect(head: &[u8]) -> Option<WazuhFormat> {
    let text = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    if text.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return None;
    }
    let tokens = Tokens::scan(text);
    if tokens.has_key(b"hits")
        && (tokens.has_key(b"_source") && tokens.has_key(b"vulnerability")
            || tokens.has_value_prefix(b"wazuh-states-vulnerabilities"))
    {
        return Some(WazuhFormat::VulnsIndex);
    }
    let items = tokens.keys_after(b"affected_items")?;
    let has = |k: &[u8]| items.contains(&k);
    if has(b"cve") {
        return Some(WazuhFormat::VulnsApi);
    }
    let check_keys = [&b"rationale"[..], b"remediation", b"compliance", b"rules"];
    if has(b"policy_id") && check_keys.iter().any(|k| has(k)) && !has(b"total_checks") {
        return Some(WazuhFormat::Sca);
    }
    if has(b"lastKeepAlive") || has(b"registerIP") || has(b"node_name") {
        return Some(WazuhFormat::Agents);
    }
    None
}

/// Object keys and string values, in order.
struct Tokens<'a> {
    keys: Vec<&'a [u8]>,
    values: Vec<&'a [u8]>,
}

impl<'a> Tokens<'a> {
    fn scan(text: &'a [u8]) -> Tokens<'a> {
        let (mut keys, mut values) = (Vec::new(), Vec::new());
        let mut i = 0;
        while i < text.len() && keys.len() + values.len() < MAX_KEYS {
            if text.get(i) != Some(&b'"') {
                i += 1;
                continue;
            }
            let start = i + 1;
            let mut j = start;
            while j < text.len() && text.get(j) != Some(&b'"') {
                j += if text.get(j) == Some(&b'\\') { 2 } else { 1 };
            }
            let Some(s) = text.get(start..j.min(text.len())) else { break };
            let after = text.get(j + 1..).unwrap_or_default();
            let is_key = after.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b':');
            if is_key {
                keys.push(s)
            } else {
                values.push(s)
            }
            i = j + 1;
        }
        Tokens { keys, values }
    }

    fn has_key(&self, k: &[u8]) -> bool {
        self.keys.contains(&k)
    }

    fn has_value_prefix(&self, p: &[u8]) -> bool {
        self.values.iter().any(|v| v.starts_with(p))
    }

    /// The keys after `k`, or `None` when `k` is absent.
    fn keys_after(&self, k: &[u8]) -> Option<&[&'a [u8]]> {
        let at = self.keys.iter().position(|x| *x == k)?;
        self.keys.get(at + 1..)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_shape_is_told_apart() {
        let agents = br#"{"data": {"affected_items": [{"os": {"name": "Ubuntu"}, "id": "001", "lastKeepAlive": "2026"#;
        assert_eq!(detect(agents), Some(WazuhFormat::Agents));
        let sca = br#"{"data": {"affected_items": [{"policy_id": "cis_debian12", "rationale": "x", "id": 1"#;
        assert_eq!(detect(sca), Some(WazuhFormat::Sca));
        let policies = br#"{"data": {"affected_items": [{"policy_id": "cis", "total_checks": 190, "references": "r"#;
        assert_eq!(detect(policies), None);
        let api = b"\xef\xbb\xbf {\"data\": {\"affected_items\": [{\"name\": \"curl\", \"cve\": \"CVE-1\"";
        assert_eq!(detect(api), Some(WazuhFormat::VulnsApi));
        let index =
            br#"{"took": 8, "hits": {"hits": [{"_index": "wazuh-states-vulnerabilities-x", "_source": {"agent""#;
        assert_eq!(detect(index), Some(WazuhFormat::VulnsIndex));
        assert_eq!(detect(br#"{"data": {"affected_items": []}}"#), None);
        assert_eq!(detect(b"# Lynis Report\n"), None);
        assert_eq!(detect(br#"{"cve": "x", "data": 1}"#), None);
    }

    #[test]
    fn a_hostile_head_is_cheap_and_harmless() {
        let head = format!("{{{}", "\"k\":".repeat(100_000));
        assert_eq!(detect(head.as_bytes()), None);
        assert_eq!(detect(b"{\"\\"), None);
    }
}
