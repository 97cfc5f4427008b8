//! Security-header analysis of one recorded response: HSTS (RFC 6797), Content-Security-Policy
//! (CSP Level 3, judged with the Mozilla HTTP Observatory's rules of thumb), X-Content-Type-Options,
//! X-Frame-Options, Referrer-Policy and version banners. Pure functions over header fields, so every
//! case is testable without a network.

use crate::evidence::{Csp, HeaderChecks, Hsts};
use std::collections::BTreeMap;

/// Header fields of one response in received order: names lowercase, values as received (bytes
/// that are not UTF-8 replaced). Repeated fields stay separate entries.
pub type Fields = [(String, String)];

/// The headers copied into the facts (`http.headers`). Every key is always present (null when the
/// response lacks it), so rules can index them without `has()` guards.
pub const REPORTED_HEADERS: [&str; 8] = [
    "content-security-policy",
    "x-content-type-options",
    "x-frame-options",
    "referrer-policy",
    "permissions-policy",
    "strict-transport-security",
    "server",
    "x-powered-by",
];

/// Headers whose value can name a software version (`version_disclosed`).
pub const BANNER_HEADERS: [&str; 4] = ["server", "x-powered-by", "x-aspnet-version", "x-aspnetmvc-version"];

/// Every value of the field `name` (lowercase), in received order.
pub fn values<'a>(fields: &'a Fields, name: &str) -> Vec<&'a str> {
    fields.iter().filter(|(n, _)| n == name).map(|(_, v)| v.as_str()).collect()
}

/// The value of `name` as one string: repeated fields joined with ", " (RFC 9110 §5.3).
pub fn joined(fields: &Fields, name: &str) -> Option<String> {
    let v = values(fields, name);
    if v.is_empty() { None } else { Some(v.join(", ")) }
}

/// The [`REPORTED_HEADERS`] of a response.
pub fn reported(fields: &Fields) -> BTreeMap<String, Option<String>> {
    REPORTED_HEADERS.iter().map(|n| (n.to_string(), joined(fields, n))).collect()
}

// ---------------------------------------------------------------------------------------------
// HSTS

/// Parses the Strict-Transport-Security fields of a response that came over HTTPS (over plain
/// HTTP the header must be ignored, RFC 6797 §8.1; the caller passes no fields then).
///
/// More than one field makes the policy invalid: RFC 6797 §8.1 keeps only the first, but Chromium
/// joins the fields and rejects the result, and the Observatory calls it invalid, so a second field
/// cannot be relied on.
pub fn parse_hsts(fields: &[&str]) -> Hsts {
    let mut h = Hsts { present: !fields.is_empty(), fields: fields.len(), ..Hsts::default() };
    let Some(first) = fields.first() else { return h };
    let parsed = if fields.len() > 1 {
        Err(format!("{} Strict-Transport-Security fields; browsers may ignore them all", fields.len()))
    } else {
        parse_hsts_value(first)
    };
    match parsed {
        Ok((max_age, include_subdomains, preload)) => {
            h.valid = true;
            h.max_age = max_age;
            h.include_subdomains = include_subdomains;
            h.preload = preload;
        }
        Err(e) => h.error = Some(e),
    }
    h
}

/// One STS field value → (max-age, includeSubDomains, preload), or why it is invalid.
fn parse_hsts_value(value: &str) -> Result<(u64, bool, bool), String> {
    let directives = split_directives(value)?;
    let mut seen: Vec<String> = Vec::new();
    let (mut max_age, mut include_subdomains, mut preload) = (None, false, false);
    for (name, val) in directives {
        let lname = name.to_ascii_lowercase();
        // RFC 6797 §6.1: "All directives MUST appear only once".
        if seen.contains(&lname) {
            return Err(format!("directive `{name}` appears more than once"));
        }
        seen.push(lname.clone());
        match (lname.as_str(), val) {
            ("max-age", Some(v)) => max_age = Some(delta_seconds(&v)?),
            ("max-age", None) => return Err("max-age has no value".into()),
            ("includesubdomains", None) => include_subdomains = true,
            ("includesubdomains", Some(_)) => return Err("includeSubDomains must not have a value".into()),
            ("preload", None) => preload = true,
            // Unknown directives are ignored (RFC 6797 §6.1), `preload=x` included.
            _ => {}
        }
    }
    let max_age = max_age.ok_or("max-age is missing")?;
    Ok((max_age, include_subdomains, preload))
}

/// RFC 6797 `delta-seconds`: one or more digits, saturating at `i64::MAX` like browsers cap it.
fn delta_seconds(v: &str) -> Result<u64, String> {
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("max-age `{v}` is not a number of seconds"));
    }
    Ok(v.parse::<u64>().unwrap_or(u64::MAX).min(i64::MAX as u64))
}

/// RFC 7230 `tchar`.
fn is_tchar(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

/// Splits an RFC 6797 directive list (`name[=token|quoted-string]` separated by `;`) into
/// (name, unquoted value) pairs. Empty directives are allowed by the grammar and skipped; a comma
/// outside a quoted string means several fields were joined, which is invalid.
fn split_directives(value: &str) -> Result<Vec<(String, Option<String>)>, String> {
    let mut out = Vec::new();
    for piece in split_outside_quotes(value, ';')? {
        let piece = piece.trim_matches([' ', '\t']);
        if piece.is_empty() {
            continue;
        }
        let (name, val) = match piece.split_once('=') {
            Some((n, v)) => (n.trim_matches([' ', '\t']), Some(directive_value(v.trim_matches([' ', '\t']))?)),
            None => (piece, None),
        };
        if name.is_empty() || !name.chars().all(is_tchar) {
            return Err(format!("`{piece}` is not a directive"));
        }
        out.push((name.to_string(), val));
    }
    Ok(out)
}

/// A directive value: a token, or a quoted-string with its quotes and escapes removed.
fn directive_value(v: &str) -> Result<String, String> {
    if let Some(inner) = v.strip_prefix('"') {
        let inner = inner.strip_suffix('"').ok_or_else(|| format!("unterminated quoted value `{v}`"))?;
        let mut out = String::new();
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            out.push(if c == '\\' { chars.next().unwrap_or('\\') } else { c });
        }
        Ok(out)
    } else if !v.is_empty() && v.chars().all(is_tchar) {
        Ok(v.to_string())
    } else {
        Err(format!("`{v}` is not a token or quoted string"))
    }
}

/// Splits on `sep` outside double-quoted strings; a comma outside quotes is an error.
fn split_outside_quotes(value: &str, sep: char) -> Result<Vec<&str>, String> {
    let (mut out, mut start, mut quoted, mut escaped) = (Vec::new(), 0, false, false);
    for (i, c) in value.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            ',' if !quoted => return Err("a comma outside quotes (several fields joined?)".into()),
            c if c == sep && !quoted => {
                out.push(&value[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    if quoted {
        return Err("unterminated quoted string".into());
    }
    out.push(&value[start..]);
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// CSP

/// Sources whose presence means "from anywhere" (Observatory's DANGEROUSLY_BROAD).
const BROAD: [&str; 8] = ["*", "http:", "https:", "ftp:", "http://*", "http://*.*", "https://*", "https://*.*"];

/// One policy: directive name (lowercase) → sources (lowercase), first occurrence wins (CSP3 §2.2.1).
struct Policy {
    directives: Vec<(String, Vec<String>)>,
}

impl Policy {
    fn parse(text: &str) -> Policy {
        let mut directives: Vec<(String, Vec<String>)> = Vec::new();
        for d in text.split(';') {
            let mut tokens = d.split_ascii_whitespace();
            let Some(name) = tokens.next().map(str::to_ascii_lowercase) else { continue };
            if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                || directives.iter().any(|(n, _)| *n == name)
            {
                continue;
            }
            directives.push((name, tokens.map(str::to_ascii_lowercase).collect()));
        }
        Policy { directives }
    }

    fn get(&self, name: &str) -> Option<&[String]> {
        self.directives.iter().find(|(n, _)| n == name).map(|(_, s)| s.as_slice())
    }

    /// A fetch directive's sources, falling back to `default-src`.
    fn effective(&self, name: &str) -> Option<&[String]> {
        self.get(name).or_else(|| self.get("default-src"))
    }
}

fn has(sources: &[String], s: &str) -> bool {
    sources.iter().any(|x| x == s)
}

/// A nonce or hash source makes CSP2+ browsers ignore `'unsafe-inline'`.
fn has_nonce_or_hash(sources: &[String]) -> bool {
    sources.iter().any(|s| ["'nonce-", "'sha256-", "'sha384-", "'sha512-"].iter().any(|p| s.starts_with(p)))
}

fn inline_allowed(sources: Option<&[String]>) -> bool {
    match sources {
        None => true,
        Some(s) => (has(s, "'unsafe-inline'") && !has_nonce_or_hash(s)) || has(s, "data:"),
    }
}

fn broad(sources: Option<&[String]>) -> bool {
    sources.is_none_or(|s| s.iter().any(|x| BROAD.contains(&x.as_str())))
}

/// Broad script sources, except where `'strict-dynamic'` with a nonce or hash makes browsers
/// ignore host and scheme sources.
fn broad_script(sources: Option<&[String]>) -> bool {
    match sources {
        Some(s) if has(s, "'strict-dynamic'") && has_nonce_or_hash(s) => false,
        other => broad(other),
    }
}

fn insecure(p: &Policy) -> bool {
    const PASSIVE: [&str; 2] = ["img-src", "media-src"];
    p.directives
        .iter()
        .filter(|(n, _)| !PASSIVE.contains(&n.as_str()))
        .flat_map(|(_, s)| s)
        .any(|s| s.starts_with("http:") || s.starts_with("ftp:"))
}

/// Analyses the Content-Security-Policy fields of a response; `https` says whether the page came
/// over HTTPS (only then are `http:` sources a downgrade).
pub fn analyse_csp(fields: &[&str], https: bool) -> Csp {
    let policies: Vec<Policy> = fields
        .iter()
        .flat_map(|f| f.split(','))
        .filter(|p| !p.trim().is_empty())
        .map(Policy::parse)
        .filter(|p| !p.directives.is_empty())
        .collect();
    if policies.is_empty() {
        return Csp::default();
    }
    let all = |f: &dyn Fn(&Policy) -> bool| policies.iter().all(f);
    let shown = |name: &str| policies.iter().find_map(|p| p.get(name)).map(|s| s.join(" "));
    let script = |p: &Policy| p.effective("script-src").map(<[String]>::to_vec);
    Csp {
        present: true,
        policies: policies.len(),
        default_src: shown("default-src"),
        script_src: policies.iter().find_map(script).map(|s| s.join(" ")),
        frame_ancestors: shown("frame-ancestors"),
        unsafe_inline: all(&|p| inline_allowed(p.effective("script-src"))),
        unsafe_eval: all(&|p| p.effective("script-src").is_none_or(|s| has(s, "'unsafe-eval'"))),
        unsafe_inline_style: all(&|p| inline_allowed(p.effective("style-src"))),
        broad_sources: all(&|p| broad_script(p.effective("script-src")) || broad(p.effective("object-src"))),
        insecure_sources: https && all(&insecure),
        anti_clickjacking: policies.iter().any(|p| p.get("frame-ancestors").is_some_and(|s| !broad(Some(s)))),
    }
}

// ---------------------------------------------------------------------------------------------
// Other security headers

const REFERRER_POLICIES: [&str; 8] = [
    "no-referrer",
    "no-referrer-when-downgrade",
    "same-origin",
    "origin",
    "strict-origin",
    "origin-when-cross-origin",
    "strict-origin-when-cross-origin",
    "unsafe-url",
];
const PRIVATE_REFERRER_POLICIES: [&str; 4] =
    ["no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"];

pub fn header_checks(fields: &Fields) -> HeaderChecks {
    let list = |name: &str| -> Vec<String> {
        values(fields, name).iter().flat_map(|v| v.split(',')).map(|t| t.trim().to_ascii_lowercase()).collect()
    };
    let nosniff = list("x-content-type-options").first().is_some_and(|v| v == "nosniff");
    let xfo = list("x-frame-options");
    let frame_options = match xfo.first().map(String::as_str) {
        Some(v @ ("deny" | "sameorigin")) if xfo.iter().all(|x| x == v) => Some(v.to_ascii_uppercase()),
        _ => None,
    };
    let referrer_policy = list("referrer-policy").into_iter().rev().find(|t| REFERRER_POLICIES.contains(&t.as_str()));
    let referrer_policy_private = referrer_policy.as_deref().is_some_and(|p| PRIVATE_REFERRER_POLICIES.contains(&p));
    HeaderChecks { nosniff, frame_options, referrer_policy, referrer_policy_private }
}

// ---------------------------------------------------------------------------------------------
// Version banners

/// Whether a banner names a software version: a dotted number (`nginx/1.18.0`, `Jetty(9.4.43)`,
/// `4.0.30319`) or a bare number right after a product slash (`PHP/8`, `Apache/2`). Numbers glued
/// to letters are not versions (`ECS (sjc/4E5D)`, `Oracle-11g`, host names like `mw1234`).
pub fn discloses_version(banner: &str) -> bool {
    let b = banner.as_bytes();
    let alnum = |i: usize| b.get(i).is_some_and(u8::is_ascii_alphanumeric);
    (0..b.len()).any(|i| {
        // A number starts after a non-alphanumeric, or after a lone `v` (`v2.3`).
        let starts = b[i].is_ascii_digit()
            && (i == 0 || !alnum(i - 1) || (matches!(b[i - 1], b'v' | b'V') && (i == 1 || !alnum(i - 2))));
        if !starts {
            return false;
        }
        let end = (i..b.len()).find(|&j| !(b[j].is_ascii_digit() || b[j] == b'.')).unwrap_or(b.len());
        let token = banner[i..end].trim_end_matches('.');
        // A dotted number is a version whatever follows (`1.1.1f`, `7.4.3-1ubuntu`); a bare one
        // only right after a product slash and not glued to letters.
        let dotted = token.contains('.') && token.split('.').all(|p| !p.is_empty());
        dotted || (i > 0 && b[i - 1] == b'/' && !alnum(i + token.len()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hsts_table() {
        // (fields, valid, max_age, includeSubDomains, preload)
        let cases: &[(&[&str], bool, u64, bool, bool)] = &[
            (&["max-age=31536000; includeSubDomains; preload"], true, 31_536_000, true, true),
            (&["max-age=31536000"], true, 31_536_000, false, false),
            (&["MAX-AGE=\"600\" ; INCLUDESUBDOMAINS"], true, 600, true, false),
            (&["max-age=0"], true, 0, false, false),
            (&["max-age=300;;"], true, 300, false, false),
            (&["max-age=31536000; foo=\"a;b\"; bar"], true, 31_536_000, false, false),
            (&["max-age=99999999999999999999999"], true, i64::MAX as u64, false, false),
            (&["includeSubDomains"], false, 0, false, false),
            (&["max-age=abc"], false, 0, false, false),
            (&["max-age=-1"], false, 0, false, false),
            (&["max-age="], false, 0, false, false),
            (&["max-age"], false, 0, false, false),
            (&["max-age=100; max-age=200"], false, 0, false, false),
            (&["max-age=100; includeSubDomains; includesubdomains"], false, 0, false, false),
            (&["max-age=100; includeSubDomains=yes"], false, 0, false, false),
            (&["max-age=\"100"], false, 0, false, false),
            (&["max-age=100, max-age=200"], false, 0, false, false),
            (&["max-age=100", "max-age=100"], false, 0, false, false),
            (&["max age=100"], false, 0, false, false),
        ];
        for (fields, valid, max_age, sub, preload) in cases {
            let h = parse_hsts(fields);
            assert!(h.present, "{fields:?}");
            assert_eq!(
                (h.valid, h.max_age, h.include_subdomains, h.preload),
                (*valid, *max_age, *sub, *preload),
                "{fields:?}"
            );
            assert_eq!(h.error.is_none(), *valid, "{fields:?}: {:?}", h.error);
        }
        assert_eq!(parse_hsts(&[]), Hsts::default());
    }

    #[test]
    fn csp_table() {
        let a = |f: &[&str]| analyse_csp(f, true);
        let strict = a(&["default-src 'none'; script-src 'self'; object-src 'none'; frame-ancestors 'self'"]);
        assert!(strict.present && !strict.unsafe_inline && !strict.unsafe_eval && !strict.broad_sources);
        assert!(strict.anti_clickjacking && !strict.insecure_sources);
        assert_eq!(strict.frame_ancestors.as_deref(), Some("'self'"));
        assert_eq!(strict.default_src.as_deref(), Some("'none'"));
        assert_eq!(strict.script_src.as_deref(), Some("'self'"));

        let inline = a(&["default-src 'self' 'unsafe-inline' 'unsafe-eval'"]);
        assert!(inline.unsafe_inline && inline.unsafe_eval && inline.unsafe_inline_style && !inline.anti_clickjacking);
        assert_eq!(inline.script_src.as_deref(), Some("'self' 'unsafe-inline' 'unsafe-eval'"));

        // A nonce neutralises 'unsafe-inline' (CSP2+); data: does not.
        assert!(!a(&["script-src 'nonce-abc' 'unsafe-inline'; object-src 'none'"]).unsafe_inline);
        assert!(a(&["script-src 'self' data:; object-src 'none'"]).unsafe_inline);
        // A policy without script restrictions allows everything.
        let only_frames = a(&["frame-ancestors 'none'"]);
        assert!(only_frames.unsafe_inline && only_frames.unsafe_eval && only_frames.broad_sources);
        assert!(only_frames.anti_clickjacking);
        assert!(!a(&["frame-ancestors *"]).anti_clickjacking);
        // Broad sources, and strict-dynamic with a nonce that makes browsers ignore them.
        assert!(a(&["script-src https:; object-src 'none'"]).broad_sources);
        assert!(a(&["script-src 'self'"]).broad_sources, "object-src falls back to nothing: plugins from anywhere");
        assert!(!a(&["script-src 'strict-dynamic' 'nonce-x' https:; object-src 'none'"]).broad_sources);
        // Insecure schemes count for https pages and active content only.
        assert!(a(&["default-src 'self' http://cdn.example"]).insecure_sources);
        assert!(!analyse_csp(&["default-src 'self' http://cdn.example"], false).insecure_sources);
        assert!(!a(&["default-src 'self'; img-src http:"]).insecure_sources);
        // Directive names are case-insensitive and the first duplicate wins.
        assert!(!a(&["SCRIPT-SRC 'self'; script-src 'unsafe-inline'; object-src 'none'"]).unsafe_inline);
        // Two policies: a behaviour is allowed only when both allow it.
        let two = a(&["script-src 'unsafe-inline' 'unsafe-eval'", "script-src 'self' 'unsafe-eval'"]);
        assert_eq!((two.policies, two.unsafe_inline, two.unsafe_eval), (2, false, true));
        assert_eq!(a(&["default-src 'self', script-src 'self'"]).policies, 2);
        // Absent or empty.
        assert_eq!(analyse_csp(&[], true), Csp::default());
        assert!(!a(&[" ; , "]).present);
    }

    #[test]
    fn header_checks_table() {
        let f = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect()
        };
        let c = header_checks(&f(&[
            ("x-content-type-options", "NoSniff "),
            ("x-frame-options", "sameorigin"),
            ("referrer-policy", "no-referrer, strict-origin-when-cross-origin, made-up"),
        ]));
        assert!(c.nosniff && c.referrer_policy_private);
        assert_eq!(c.frame_options.as_deref(), Some("SAMEORIGIN"));
        assert_eq!(c.referrer_policy.as_deref(), Some("strict-origin-when-cross-origin"));
        let c = header_checks(&f(&[
            ("x-content-type-options", "sniff, nosniff"),
            ("x-frame-options", "DENY"),
            ("x-frame-options", "SAMEORIGIN"),
            ("referrer-policy", "unsafe-url"),
        ]));
        assert!(!c.nosniff && c.frame_options.is_none() && !c.referrer_policy_private);
        assert!(header_checks(&f(&[("x-frame-options", "ALLOW-FROM https://a.example")])).frame_options.is_none());
        assert_eq!(header_checks(&[]), HeaderChecks::default());
    }

    #[test]
    fn version_banner_table() {
        let disclosed = [
            "nginx/1.18.0",
            "nginx/1.18.0 (Ubuntu)",
            "PHP/7.4.3",
            "Microsoft-IIS/10.0",
            "Apache/2.4.41 (Ubuntu) OpenSSL/1.1.1f",
            "Apache/2",
            "PHP/8",
            "Jetty(9.4.43.v20210629)",
            "4.0.30319",
            "MyServer v2.3",
            "Werkzeug/2.0.1 Python/3.9.5",
        ];
        let hidden = [
            "nginx",
            "Apache",
            "Microsoft-IIS",
            "ASP.NET",
            "cloudflare",
            "ECS (sjc/4E5D)",
            "Oracle-11g",
            "mw1234.eqiad",
            "",
            "AmazonS3",
        ];
        for b in disclosed {
            assert!(discloses_version(b), "{b} should count as disclosed");
        }
        for b in hidden {
            assert!(!discloses_version(b), "{b} should not count as disclosed");
        }
    }

    #[test]
    fn reported_headers_always_have_every_key() {
        let fields = vec![("server".to_string(), "a".to_string()), ("server".to_string(), "b".to_string())];
        let r = reported(&fields);
        assert_eq!(r.len(), REPORTED_HEADERS.len());
        assert_eq!(r["server"].as_deref(), Some("a, b"));
        assert_eq!(r["x-powered-by"], None);
    }
}
