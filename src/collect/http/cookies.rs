//! Set-Cookie parsing (RFC 6265bis §5.6): the attributes a compliance rule judges, whether a
//! `__Secure-`/`__Host-` name prefix keeps its promise, and the Mozilla HTTP Observatory's
//! judgement of a response chain's cookies (`cookies-…` result names, [`judge`]).

use crate::evidence::{Cookie, CookieChecks};

/// Cookies set by load balancers and CDNs that the site cannot control, left out of every
/// judgement as the Observatory leaves them out (its issues #121 and #282).
pub const IGNORED_COOKIES: [&str; 2] = ["__cfduid", "heroku-session-affinity"];

/// The Observatory's cookie results, best to worst: [`judge`] keeps the worst one seen.
const WORST_LAST: [&str; 7] = [
    "cookies-without-secure-flag-but-protected-by-hsts",
    "cookies-without-secure-flag",
    "cookies-session-without-secure-flag-but-protected-by-hsts",
    "cookies-samesite-flag-invalid",
    "cookies-anticsrf-without-samesite-flag",
    "cookies-session-without-httponly-flag",
    "cookies-session-without-secure-flag",
];

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
    let lower = name.to_ascii_lowercase();
    let mut c = Cookie {
        name: name.to_string(),
        secure: false,
        http_only: false,
        same_site: None,
        prefix_ok: true,
        same_site_valid: true,
        session: lower.contains("sess") || lower.contains("login"),
        anticsrf: lower.contains("csrf"),
        ignored: IGNORED_COOKIES.contains(&name),
    };
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
    // Browsers drop `SameSite=None` without Secure, and treat an unknown value as absent: either
    // way the site did not get what it asked for.
    c.same_site_valid = match c.same_site.as_deref() {
        None | Some("Strict" | "Lax") => true,
        Some("None") => c.secure,
        Some(_) => false,
    };
    Some(c)
}

/// The Observatory's judgement of the cookies of one chain; `hsts` says whether the site's HSTS
/// policy passes the Observatory's test (valid, at least six months), which softens a missing
/// Secure flag.
pub fn judge(cookies: &[Cookie], hsts: bool) -> CookieChecks {
    let counted: Vec<&Cookie> = cookies.iter().filter(|c| !c.ignored).collect();
    if counted.is_empty() {
        return CookieChecks { result: Some("cookies-not-found".into()) };
    }
    let mut worst: Option<usize> = None;
    let mut saw = |result: &str| {
        let rank = WORST_LAST.iter().position(|r| *r == result);
        worst = worst.max(rank);
    };
    for c in &counted {
        if !c.same_site_valid {
            saw("cookies-samesite-flag-invalid");
        }
        match (c.secure, hsts) {
            (true, _) => {}
            (false, true) => saw("cookies-without-secure-flag-but-protected-by-hsts"),
            (false, false) => saw("cookies-without-secure-flag"),
        }
        if c.anticsrf && !has_same_site(c) {
            saw("cookies-anticsrf-without-samesite-flag");
        }
        match (c.session, c.secure, hsts) {
            (true, false, true) => saw("cookies-session-without-secure-flag-but-protected-by-hsts"),
            (true, false, false) => saw("cookies-session-without-secure-flag"),
            _ => {}
        }
        if c.session && !c.http_only {
            saw("cookies-session-without-httponly-flag");
        }
    }
    let result = match worst {
        Some(i) => WORST_LAST[i],
        None if counted.iter().all(|c| has_same_site(c)) => "cookies-secure-with-httponly-sessions-and-samesite",
        None => "cookies-secure-with-httponly-sessions",
    };
    CookieChecks { result: Some(result.into()) }
}

/// A SameSite value browsers recognise (`None` without Secure is recognised, and then refused:
/// that is `same_site_valid`'s business).
fn has_same_site(c: &Cookie) -> bool {
    matches!(c.same_site.as_deref(), Some("Strict" | "Lax" | "None"))
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
        let valid = match same_site {
            None | Some("Strict" | "Lax") => true,
            Some("None") => secure,
            Some(_) => false,
        };
        let lower = name.to_ascii_lowercase();
        Cookie {
            name: name.into(),
            secure,
            http_only,
            same_site: same_site.map(String::from),
            prefix_ok,
            same_site_valid: valid,
            session: lower.contains("sess") || lower.contains("login"),
            anticsrf: lower.contains("csrf"),
            ignored: false,
        }
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

    #[test]
    fn names_and_same_site_values_are_classified() {
        let c = |line: &str| parse_set_cookie(line, true).unwrap();
        let s = c("PHPSESSID=1; SameSite=None");
        assert!(s.session && !s.anticsrf && !s.ignored && !s.same_site_valid, "None needs Secure");
        assert!(c("user_login=1; Secure; SameSite=None").same_site_valid);
        assert!(!c("a=1; SameSite").same_site_valid);
        assert!(!c("a=1; SameSite=True").same_site_valid);
        // As the Observatory: `csrf` in the name; Angular's `XSRF-TOKEN` is not recognised.
        assert!(c("csrftoken=1").anticsrf && c("X-CSRF-Token=1").anticsrf && !c("XSRF-TOKEN=1").anticsrf);
        assert!(c("__cfduid=1").ignored && c("heroku-session-affinity=1").ignored && !c("__CFDUID=1").ignored);
    }

    #[test]
    fn judgement_keeps_the_worst_result() {
        let j = |lines: &[&str], hsts: bool| {
            let cookies: Vec<Cookie> = lines.iter().filter_map(|l| parse_set_cookie(l, true)).collect();
            judge(&cookies, hsts).result.unwrap()
        };
        assert_eq!(j(&[], false), "cookies-not-found");
        assert_eq!(j(&["__cfduid=1", "heroku-session-affinity=1"], false), "cookies-not-found");
        assert_eq!(
            j(&["sid=1; Secure; HttpOnly; SameSite=Lax", "foo=1; Secure"], false),
            "cookies-secure-with-httponly-sessions"
        );
        assert_eq!(
            j(&["sid=1; Secure; HttpOnly; SameSite=Lax"], false),
            "cookies-secure-with-httponly-sessions-and-samesite"
        );
        assert_eq!(j(&["foo=1"], true), "cookies-without-secure-flag-but-protected-by-hsts");
        assert_eq!(
            j(&["foo=1", "SESSIONID=1; HttpOnly"], true),
            "cookies-session-without-secure-flag-but-protected-by-hsts"
        );
        assert_eq!(j(&["CSRFTOKEN=1; Secure; HttpOnly"], false), "cookies-anticsrf-without-samesite-flag");
        assert_eq!(j(&["SESSIONID=1; Secure; HttpOnly; SameSite=bogus"], false), "cookies-samesite-flag-invalid");
        assert_eq!(j(&["SESSIONID=1; Secure"], false), "cookies-session-without-httponly-flag");
        assert_eq!(j(&["SESSIONID=1; SameSite=bogus", "foo=1"], false), "cookies-session-without-secure-flag");
    }
}
