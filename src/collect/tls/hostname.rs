//! Does a certificate name the host a client connected to? RFC 6125 as narrowed by the CA/Browser
//! Forum baseline requirements and implemented by browsers, so the answer is the one users see:
//!
//! * only subjectAltName entries count: a DNS name against `dNSName` entries, an IP address
//!   (v4 or v6, optionally in brackets) against `iPAddress` entries only. An IP address written as
//!   a `dNSName` does not name that address.
//! * **No fallback to the subject common name**, even when the certificate has no SAN extension:
//!   browsers dropped it (Chrome 58, Firefox 48) and rustls-webpki never had it, so a SAN-less
//!   certificate fails in clients and must fail here. The caller therefore passes SANs only.
//! * comparison is ASCII case-insensitive; one trailing dot (an absolute name) is ignored on both
//!   sides. A reference name in Unicode is converted to its IDNA A-labels first; SAN entries must
//!   already be A-labels (a `dNSName` is an IA5String), so a non-ASCII SAN never matches.
//! * labels must be letter-digit-hyphen, 1 to 63 characters: a SAN with an underscore, an empty
//!   label or any other character is malformed and names nothing (RFC 5280 §4.2.1.6, CA/B 7.1.2.7).
//! * a wildcard is only the whole left-most label (`*.example.gov.vn`) and stands for exactly one
//!   non-empty label: not the parent (`example.gov.vn`), not two labels (`a.b.example.gov.vn`).
//!   Partial wildcards (`f*.example.com`, `*oo.example.com`, `xn--*.example.com`) are refused, as
//!   CA/B 7.1.2.7.2 forbids them and browsers ignore them.
//! * a wildcard must leave at least two labels after it (`*.com`, `*.vn` name nothing), and may not
//!   sit directly over a generic Vietnamese second-level domain ([`VN_GENERIC_SUFFIXES`], e.g.
//!   `*.gov.vn`): such a certificate would cover every agency. No full public suffix list is
//!   bundled, so `*.co.uk` still matches `example.co.uk`; CAs may not issue it (CA/B 3.2.2.6).

use std::net::IpAddr;

/// Generic second-level domains under `.vn` (VNNIC), registered by many unrelated organisations:
/// a wildcard directly over one of them is never legitimate.
pub const VN_GENERIC_SUFFIXES: &[&str] = &[
    "ac.vn",
    "biz.vn",
    "com.vn",
    "edu.vn",
    "gov.vn",
    "health.vn",
    "info.vn",
    "int.vn",
    "name.vn",
    "net.vn",
    "org.vn",
    "pro.vn",
];

/// Whether `name` (the host a client connects to: DNS name or IP literal) is named by the
/// certificate's `dNSName` SANs `dns_sans` or `iPAddress` SANs `ip_sans`. See the module notes.
pub fn matches(name: &str, dns_sans: &[String], ip_sans: &[IpAddr]) -> bool {
    if let Some(ip) = ip_literal(name) {
        return ip_sans.contains(&ip);
    }
    let Some(reference) = reference_name(name) else {
        return false;
    };
    dns_sans.iter().any(|san| san_matches(&reference, san))
}

/// `name` as an IP address: dotted-quad IPv4 or IPv6, with or without `[` `]`. The standard
/// parsers are strict (no octal or hex IPv4 parts), so `010.1.1.1` is not 8.1.1.1 here.
fn ip_literal(name: &str) -> Option<IpAddr> {
    let bare = name.strip_prefix('[').and_then(|n| n.strip_suffix(']')).unwrap_or(name);
    bare.parse().ok()
}

/// The reference name in canonical form (lower-case A-labels, no trailing dot), or `None` when it
/// is not a valid host name.
fn reference_name(name: &str) -> Option<String> {
    let ascii = if name.is_ascii() { name.to_ascii_lowercase() } else { to_a_labels(name)? };
    let bare = strip_root(&ascii);
    bare.split('.').all(is_ldh_label).then(|| bare.to_string())
}

/// IDNA (UTS #46) conversion of a Unicode host name, through the `url` crate's host parser.
fn to_a_labels(name: &str) -> Option<String> {
    match url::Host::parse(name).ok()? {
        url::Host::Domain(d) => Some(d),
        url::Host::Ipv4(_) | url::Host::Ipv6(_) => None,
    }
}

/// Whether the SAN `dNSName` entry `san` names the canonical reference name `reference`.
fn san_matches(reference: &str, san: &str) -> bool {
    if !san.is_ascii() {
        return false;
    }
    let san = san.to_ascii_lowercase();
    let san = strip_root(&san);
    match san.strip_prefix("*.") {
        Some(base) => wildcard_matches(reference, base),
        // The reference is already letter-digit-hyphen, so equality also rejects malformed SANs.
        None => san == reference,
    }
}

/// `*.base` against `reference`: the wildcard covers exactly the first label of `reference`.
fn wildcard_matches(reference: &str, base: &str) -> bool {
    if !base.contains('.') || VN_GENERIC_SUFFIXES.contains(&base) {
        return false;
    }
    match reference.split_once('.') {
        Some((_, rest)) => rest == base,
        None => false,
    }
}

fn strip_root(name: &str) -> &str {
    name.strip_suffix('.').unwrap_or(name)
}

/// A letter-digit-hyphen label of 1 to 63 characters, not starting or ending with a hyphen.
fn is_ldh_label(label: &str) -> bool {
    (1..=63).contains(&label.len())
        && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !label.starts_with('-')
        && !label.ends_with('-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dns(name: &str, sans: &[&str]) -> bool {
        let sans: Vec<String> = sans.iter().map(|s| s.to_string()).collect();
        matches(name, &sans, &[])
    }

    #[test]
    fn exact_names_are_case_insensitive_and_ignore_one_root_dot() {
        let table: &[(&str, &[&str], bool)] = &[
            ("example.gov.vn", &["example.gov.vn"], true),
            ("EXAMPLE.gov.VN", &["example.GOV.vn"], true),
            ("example.gov.vn.", &["example.gov.vn"], true),
            ("example.gov.vn", &["example.gov.vn."], true),
            ("example.gov.vn..", &["example.gov.vn"], false),
            ("example.gov.vn", &["other.gov.vn", "example.gov.vn"], true),
            ("example.gov.vn", &["example.gov.vn.evil.com"], false),
            ("www.example.gov.vn", &["example.gov.vn"], false),
            ("example.gov.vn", &["www.example.gov.vn"], false),
            ("example.gov.vn", &[], false),
            ("", &[""], false),
        ];
        for (name, sans, want) in table {
            assert_eq!(dns(name, sans), *want, "{name} against {sans:?}");
        }
    }

    #[test]
    fn wildcards_cover_exactly_one_left_most_label() {
        let table: &[(&str, &str, bool)] = &[
            ("a.example.gov.vn", "*.example.gov.vn", true),
            ("A.Example.Gov.Vn", "*.EXAMPLE.gov.vn", true),
            ("xn--bcher-kva.example.gov.vn", "*.example.gov.vn", true),
            ("example.gov.vn", "*.example.gov.vn", false),
            ("a.b.example.gov.vn", "*.example.gov.vn", false),
            (".example.gov.vn", "*.example.gov.vn", false),
            ("foo.example.com", "f*.example.com", false),
            ("foo.example.com", "*oo.example.com", false),
            ("foo.example.com", "f*o.example.com", false),
            ("xn--foo.example.com", "xn--*.example.com", false),
            ("foo.bar.example.com", "foo.*.example.com", false),
            ("foo.example.com", "**.example.com", false),
            ("foo.example.com", "*.*.com", false),
            ("example.com", "*", false),
            ("com", "*", false),
            ("example.com", "*.com", false),
            ("example.vn", "*.vn", false),
            ("moit.gov.vn", "*.gov.vn", false),
            ("shop.com.vn", "*.com.vn", false),
            ("a.hanoi.gov.vn", "*.hanoi.gov.vn", true),
        ];
        for (name, san, want) in table {
            assert_eq!(dns(name, &[san]), *want, "{name} against {san}");
        }
    }

    #[test]
    fn malformed_names_match_nothing() {
        let table: &[(&str, &str)] = &[
            ("foo_bar.example.com", "foo_bar.example.com"),
            ("a..example.com", "a..example.com"),
            ("-a.example.com", "-a.example.com"),
            ("a b.example.com", "a b.example.com"),
            ("example.com\0.evil", "example.com\0.evil"),
        ];
        for (name, san) in table {
            assert!(!dns(name, &[san]), "{name:?} against {san:?}");
        }
        let long = "a".repeat(64) + ".example.com";
        assert!(!dns(&long, &[&long]));
    }

    #[test]
    fn unicode_reference_names_compare_as_a_labels() {
        assert!(dns("bücher.example.vn", &["xn--bcher-kva.example.vn"]));
        assert!(dns("BÜCHER.example.vn", &["xn--bcher-kva.example.vn"]));
        assert!(dns("cổngdịchvụ.gov.vn", &[&to_a_labels("cổngdịchvụ.gov.vn").unwrap()]));
        // The SAN must be the A-label form: a U-label in a dNSName is malformed.
        assert!(!dns("bücher.example.vn", &["bücher.example.vn"]));
        assert!(!dns("xn--bcher-kva.example.vn", &["bücher.example.vn"]));
    }

    #[test]
    fn ip_literals_match_only_ip_sans() {
        let v4: IpAddr = "192.0.2.10".parse().unwrap();
        let v6: IpAddr = "2001:db8::1".parse().unwrap();
        let ips = [v4, v6];
        assert!(matches("192.0.2.10", &[], &ips));
        assert!(matches("2001:db8::1", &[], &ips));
        assert!(matches("[2001:db8::1]", &[], &ips));
        assert!(matches("2001:DB8:0:0:0:0:0:1", &[], &ips));
        assert!(!matches("192.0.2.11", &[], &ips));
        assert!(!matches("::1", &[], &ips));
        // An address written as a dNSName does not name it, and names never match IP SANs.
        assert!(!matches("192.0.2.10", &["192.0.2.10".to_string()], &[]));
        assert!(!matches("example.gov.vn", &[], &ips));
        // Leading zeros are not octal, they are invalid, so the name is not an address at all.
        assert!(!matches("192.000.002.010", &[], &ips));
        // An IPv4-mapped IPv6 address is a different identity from the IPv4 address.
        assert!(!matches("::ffff:192.0.2.10", &[], &ips));
    }
}
