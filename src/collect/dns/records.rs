//! Reading the mail-security records of a domain as their RFCs define them: SPF (RFC 7208),
//! DMARC (RFC 7489), MTA-STS (RFC 8461, the TXT record and the policy file). Pure functions over
//! the text the resolver returned, so every rule of the grammars is tested without a network.

use crate::evidence::{Dmarc, MtaSts};

/// The terms of an SPF record that cost a DNS lookup (RFC 7208 §4.6.4), with the domain an
/// `include` or `redirect` names (whose own record's lookups count too).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SpfTerms {
    /// Terms costing one lookup each in this record.
    pub lookups: usize,
    /// Domains whose records are evaluated too (`include:`, `redirect=`), in order.
    pub follow: Vec<String>,
    /// The qualifier of the `all` mechanism, when there is one.
    pub all: Option<char>,
    /// Terms that do not parse.
    pub bad: Vec<String>,
}

/// Is this TXT string an SPF record (`v=spf1` alone or followed by a space)?
pub fn is_spf(txt: &str) -> bool {
    let t = txt.trim_start();
    t.len() >= 6 && t[..6].eq_ignore_ascii_case("v=spf1") && t[6..].chars().next().is_none_or(|c| c == ' ')
}

/// The lookup-costing terms of one SPF record.
pub fn spf_terms(record: &str) -> SpfTerms {
    let mut out = SpfTerms::default();
    for term in record.split_ascii_whitespace().skip(1) {
        let lower = term.to_ascii_lowercase();
        if let Some(target) = lower.strip_prefix("redirect=") {
            out.lookups += 1;
            out.follow.push(target.to_string());
            continue;
        }
        if lower.contains('=') {
            continue; // another modifier (exp=, unknown ones): no lookup counted
        }
        let (qualifier, mechanism) = match lower.chars().next() {
            Some(q @ ('+' | '-' | '~' | '?')) => (q, &lower[1..]),
            _ => ('+', lower.as_str()),
        };
        let name = mechanism.split([':', '/']).next().unwrap_or_default();
        match name {
            "all" if mechanism == "all" => out.all = Some(qualifier),
            "include" => match mechanism.split_once(':') {
                Some((_, d)) if !d.is_empty() => {
                    out.lookups += 1;
                    out.follow.push(d.to_string());
                }
                _ => out.bad.push(term.to_string()),
            },
            "a" | "mx" | "ptr" => out.lookups += 1,
            "exists" if mechanism.len() > "exists:".len() => out.lookups += 1,
            "ip4" | "ip6" if mechanism.contains(':') => {}
            _ => out.bad.push(term.to_string()),
        }
    }
    out
}

/// Is this TXT string a DMARC record (`v=DMARC1` as the first tag)?
pub fn is_dmarc(txt: &str) -> bool {
    let first = txt.split(';').next().unwrap_or_default();
    first.split_once('=').is_some_and(|(k, v)| k.trim() == "v" && v.trim() == "DMARC1")
}

/// The facts of a domain's DMARC records (all `v=DMARC1` strings at `_dmarc.`).
pub fn dmarc(records: &[String]) -> Dmarc {
    let mut out = Dmarc { records: records.len(), pct: 100, ..Dmarc::default() };
    let [record] = records else {
        // None, or several: RFC 7489 §6.6.3 says no policy applies when there is more than one.
        out.record = records.join(" | ");
        return out;
    };
    out.record = record.clone();
    let tags: Vec<(String, String)> = record
        .split(';')
        .filter_map(|t| t.split_once('='))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let tag = |name: &str| tags.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let policy = |v: &str| {
        let v = v.to_ascii_lowercase();
        matches!(v.as_str(), "none" | "quarantine" | "reject").then_some(v)
    };
    let p = tag("p").and_then(policy);
    out.valid = p.is_some();
    out.p = p.clone().unwrap_or_default();
    out.sp = tag("sp").and_then(policy).or(p).unwrap_or_default();
    out.rua = tag("rua").is_some_and(|v| !v.is_empty());
    out.pct = tag("pct").and_then(|v| v.parse::<u32>().ok()).filter(|&n| n <= 100).unwrap_or(100);
    out
}

/// Is this TXT string an MTA-STS record (`v=STSv1`)?
pub fn is_mta_sts(txt: &str) -> bool {
    txt.split(';').next().and_then(|t| t.split_once('=')).is_some_and(|(k, v)| k.trim() == "v" && v.trim() == "STSv1")
}

/// The `id` of an MTA-STS record.
pub fn mta_sts_id(record: &str) -> String {
    record
        .split(';')
        .filter_map(|t| t.split_once('='))
        .find(|(k, _)| k.trim() == "id")
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_default()
}

/// Reads an MTA-STS policy file (RFC 8461 §3.2) into `into`; an unusable policy sets `error` (and
/// `policy_error` to `content`).
pub fn mta_sts_policy(text: &str, into: &mut MtaSts) {
    let mut version = false;
    for line in text.lines() {
        let Some((k, v)) = line.split_once(':') else { continue };
        let v = v.trim();
        match k.trim() {
            "version" => version = v == "STSv1",
            "mode" => into.mode = v.to_string(),
            "mx" => into.mx.push(v.to_string()),
            "max_age" => into.max_age = v.parse().unwrap_or(0),
            _ => {}
        }
    }
    if !version || !matches!(into.mode.as_str(), "enforce" | "testing" | "none") {
        into.error = "the policy has no `version: STSv1` or no valid `mode`".into();
        into.policy_error = "content".into();
        into.mode.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spf_terms_count_lookups_and_find_all() {
        let t = spf_terms(
            "v=spf1 ip4:192.0.2.0/24 a mx:mail.example.vn include:_spf.example.net exists:%{i}.x.vn ptr -all",
        );
        assert_eq!(
            (t.lookups, t.all, t.follow.as_slice()),
            (5, Some('-'), ["_spf.example.net".to_string()].as_slice())
        );
        let t = spf_terms("v=spf1 redirect=_spf.example.vn");
        assert_eq!((t.lookups, t.all, t.follow.len()), (1, None, 1));
        assert_eq!(spf_terms("v=spf1 +all").all, Some('+'));
        assert_eq!(spf_terms("v=spf1 ?ALL").all, Some('?'));
        assert_eq!(spf_terms("v=spf1 include: bogus -all").bad, ["include:", "bogus"]);
        assert!(is_spf("v=spf1 -all") && is_spf("V=SPF1") && !is_spf("v=spf10 -all") && !is_spf("google-site=x"));
    }

    #[test]
    fn dmarc_reads_policy_reports_and_share() {
        let d = dmarc(&["v=DMARC1; p=quarantine; rua=mailto:r@example.vn; pct=50".into()]);
        assert_eq!((d.valid, d.p.as_str(), d.sp.as_str(), d.rua, d.pct), (true, "quarantine", "quarantine", true, 50));
        let d = dmarc(&["v=DMARC1; p=reject; sp=none".into()]);
        assert_eq!((d.sp.as_str(), d.rua, d.pct), ("none", false, 100));
        let two = dmarc(&["v=DMARC1; p=reject".into(), "v=DMARC1; p=none".into()]);
        assert_eq!((two.valid, two.records, two.p.as_str()), (false, 2, ""));
        assert!(!dmarc(&["v=DMARC1; p=maybe".into()]).valid);
        assert!(is_dmarc("v=DMARC1; p=none") && !is_dmarc("v=spf1 -all"));
    }

    #[test]
    fn mta_sts_record_and_policy() {
        assert!(is_mta_sts("v=STSv1; id=20260101") && !is_mta_sts("v=STSv2; id=1"));
        assert_eq!(mta_sts_id("v=STSv1; id=20260101"), "20260101");
        let mut m = MtaSts::default();
        mta_sts_policy("version: STSv1\r\nmode: testing\r\nmx: mx.example.vn\r\nmax_age: 86400\r\n", &mut m);
        assert_eq!((m.mode.as_str(), m.mx.len(), m.max_age, m.error.as_str()), ("testing", 1, 86400, ""));
        let mut bad = MtaSts::default();
        mta_sts_policy("<html>not found</html>", &mut bad);
        assert_eq!((bad.mode.as_str(), bad.error.is_empty(), bad.policy_error.as_str()), ("", false, "content"));
    }
}
