//! Set-Cookie parsing (RFC 6265bis §5.6): the attributes a compliance rule judges, and whether a
//! `__Secure-`/`__Host-` name prefix keeps its promise.

use crate::evidence::Cookie;

/// Parses one Set-Cookie field value received from a secure (`https`) or plain origin. `None`
/// when browsers would ignore the field: control characters, or neither name nor value.
pub fn parse_set_cookie(line: &str, secure_origin: bool) -> Option<Cookie> {
    if line.chars().any(|c| c.is_control() && c != '\t') {
        return None;
    }
    let (pair, attributes) = line.split_once(';').unwrap_or((line, ""));
    // A pair without `=` is a value with an empty name (RFC 6265bis §5.6 step 4).
    let (name, value) = pair.split_once('=').unwrap_or(("", pair));
    let (name, value) = (name.trim_matches([' ', '\t']), value.trim_matches([' ', '\t']));
    if name.is_empty() && value.is_empty() {
        return None;
    }
    let mut c = Cookie { name: name.to_string(), secure: false, http_only: false, same_site: None, prefix_ok: true };
    let (mut domain, mut path) = (None, None);
    for attr in attributes.split(';') {
        let (k, v) = attr.split_once('=').unwrap_or((attr, ""));
        let (k, v) = (k.trim_matches([' ', '\t']).to_ascii_lowercase(), v.trim_matches([' ', '\t']));
        // Later attributes of the same name win (§5.7: "the last attribute").
        match k.as_str() {
            "secure" => c.secure = true,
            "httponly" => c.http_only = true,
            "samesite" => c.same_site = Some(same_site(v)),
            "domain" => domain = Some(v.to_string()).filter(|d| !d.is_empty()),
            "path" => path = Some(v.to_string()),
            _ => {}
        }
    }
    c.prefix_ok = prefix_ok(name, value, &c, secure_origin, domain.is_some(), path.as_deref());
    Some(c)
}

fn same_site(v: &str) -> String {
    match v.to_ascii_lowercase().as_str() {
        "strict" => "Strict".into(),
        "lax" => "Lax".into(),
        "none" => "None".into(),
        _ => v.to_string(),
    }
}

fn starts_with_ci(s: &str, prefix: &str) -> bool {
    s.get(..prefix.len()).is_some_and(|p| p.eq_ignore_ascii_case(prefix))
}

/// Prefix rules of RFC 6265bis §4.1.3 (matched case-insensitively, as current drafts and browsers
/// do, so `__SECURE-` cannot dodge them); a nameless cookie whose value looks prefixed is refused.
fn prefix_ok(name: &str, value: &str, c: &Cookie, secure_origin: bool, domain: bool, path: Option<&str>) -> bool {
    if name.is_empty() {
        return !(starts_with_ci(value, "__Secure-") || starts_with_ci(value, "__Host-"));
    }
    let secure = c.secure && secure_origin;
    if starts_with_ci(name, "__Host-") {
        secure && !domain && path == Some("/")
    } else if starts_with_ci(name, "__Secure-") {
        secure
    } else {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cookie(name: &str, secure: bool, http_only: bool, same_site: Option<&str>, prefix_ok: bool) -> Cookie {
        Cookie { name: name.into(), secure, http_only, same_site: same_site.map(String::from), prefix_ok }
    }

    #[test]
    fn set_cookie_table() {
        let cases = [
            ("sid=abc; Secure; HttpOnly; SameSite=Strict", cookie("sid", true, true, Some("Strict"), true)),
            ("sid=abc", cookie("sid", false, false, None, true)),
            (" lang = vi ;path=/; secure ; samesite=lax", cookie("lang", true, false, Some("Lax"), true)),
            ("a=b; SameSite=NONE; SameSite=strict", cookie("a", false, false, Some("Strict"), true)),
            ("a=b; SameSite=bogus", cookie("a", false, false, Some("bogus"), true)),
            ("a=b; httponly=whatever; Expires=Wed, 21 Oct 2026 07:28:00 GMT", cookie("a", false, true, None, true)),
            ("__Secure-id=1; Secure", cookie("__Secure-id", true, false, None, true)),
            ("__Secure-id=1", cookie("__Secure-id", false, false, None, false)),
            ("__SECURE-id=1", cookie("__SECURE-id", false, false, None, false)),
            ("__Host-id=1; Secure; Path=/", cookie("__Host-id", true, false, None, true)),
            ("__Host-id=1; Secure; Path=/; Domain=example.gov.vn", cookie("__Host-id", true, false, None, false)),
            ("__Host-id=1; Secure; Path=/app", cookie("__Host-id", true, false, None, false)),
            ("__Host-id=1; Secure", cookie("__Host-id", true, false, None, false)),
            ("justavalue", cookie("", false, false, None, true)),
            ("__Host-x; Secure; Path=/", cookie("", true, false, None, false)),
        ];
        for (line, want) in cases {
            assert_eq!(parse_set_cookie(line, true), Some(want), "{line}");
        }
    }

    #[test]
    fn prefixes_need_a_secure_origin_and_garbage_is_ignored() {
        assert!(!parse_set_cookie("__Secure-id=1; Secure", false).unwrap().prefix_ok);
        assert!(!parse_set_cookie("__Host-id=1; Secure; Path=/", false).unwrap().prefix_ok);
        assert!(parse_set_cookie("plain=1; Secure", false).unwrap().prefix_ok);
        assert_eq!(parse_set_cookie("", true), None);
        assert_eq!(parse_set_cookie(" = ; Secure", true), None);
        assert_eq!(parse_set_cookie("a=b\u{7}; Secure", true), None);
    }
}
