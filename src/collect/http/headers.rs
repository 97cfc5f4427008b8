//! Security-header analysis of one recorded response: HSTS (RFC 6797), Content-Security-Policy
//! (CSP Level 3), X-Content-Type-Options, X-Frame-Options, Referrer-Policy and version banners.
//! Each header gets a judgement named as the Mozilla HTTP Observatory names its results (its
//! vocabulary, its rules, held against its own test vectors in `tests/http_observatory.rs`),
//! except where browsers read a header differently (`docs/http-checks.md`). Pure functions over
//! header fields, so every case is testable without a network.

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
    let Some(first) = fields.first() else {
        h.result = Some(hsts_result(&h).into());
        return h;
    };
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
    h.result = Some(hsts_result(&h).into());
    h
}

/// The Observatory's HSTS result for a response received over HTTPS.
fn hsts_result(h: &Hsts) -> &'static str {
    match h {
        Hsts { present: false, .. } => "hsts-not-implemented",
        Hsts { valid: false, .. } => "hsts-header-invalid",
        Hsts { max_age, .. } if *max_age < Hsts::SIX_MONTHS => "hsts-implemented-max-age-less-than-six-months",
        _ => "hsts-implemented-max-age-at-least-six-months",
    }
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

/// Sources that match any host (the Observatory's "dangerously broad" sources).
const BROAD: [&str; 8] = ["*", "http:", "https:", "ftp:", "http://*", "http://*.*", "https://*", "https://*.*"];
/// Sources that let inline code run.
const INLINE: [&str; 2] = ["'unsafe-inline'", "data:"];
/// How nonce and hash sources start: with one, CSP2+ browsers ignore `'unsafe-inline'`.
const NONCES_HASHES: [&str; 4] = ["'nonce-", "'sha256-", "'sha384-", "'sha512-"];
/// Directives of passive content: an `http:` source there only lets images and media be altered.
const PASSIVE: [&str; 2] = ["img-src", "media-src"];
/// The shortest text the Observatory accepts as a policy: one character less than `img-src`.
const SHORTEST_POLICY: usize = 6;

/// One policy: directive name (lowercase) → sources (lowercase; a directive without sources
/// holds `'none'`, which is what browsers make of it).
struct Policy {
    directives: Vec<(String, Vec<String>)>,
}

impl Policy {
    /// Parses one serialized policy. Invalid, as the Observatory judges it: a text too short to
    /// hold a directive, or a directive repeated (browsers keep the first silently, so the
    /// author's intent is lost either way).
    fn parse(text: &str) -> Result<Policy, String> {
        let text: String = text.chars().filter(|c| !matches!(c, '\r' | '\n')).collect();
        let text = text.trim();
        if text.len() < SHORTEST_POLICY {
            return Err(format!("`{text}` is too short to be a policy"));
        }
        let mut directives: Vec<(String, Vec<String>)> = Vec::new();
        for d in text.split(';') {
            let mut tokens = d.split_whitespace();
            let Some(name) = tokens.next().map(str::to_ascii_lowercase) else { continue };
            if directives.iter().any(|(n, _)| *n == name) {
                return Err(format!("directive `{name}` appears more than once"));
            }
            let mut sources: Vec<String> = tokens.map(str::to_ascii_lowercase).collect();
            if sources.is_empty() {
                sources.push("'none'".into());
            }
            directives.push((name, sources));
        }
        Ok(Policy { directives })
    }

    fn get(&self, name: &str) -> Option<&[String]> {
        self.directives.iter().find(|(n, _)| n == name).map(|(_, s)| s.as_slice())
    }

    /// A fetch directive's sources, falling back to `default-src`, else any host.
    fn fetch(&self, name: &str) -> Vec<String> {
        self.get(name).or_else(|| self.get("default-src")).map_or_else(any_host, <[String]>::to_vec)
    }

    /// A directive that does not fall back to `default-src`: absent allows any host.
    fn own(&self, name: &str) -> Vec<String> {
        self.get(name).map_or_else(any_host, <[String]>::to_vec)
    }
}

fn any_host() -> Vec<String> {
    vec!["*".to_string()]
}

fn has(sources: &[String], s: &str) -> bool {
    sources.iter().any(|x| x == s)
}

fn any_of(sources: &[String], set: &[&str]) -> bool {
    sources.iter().any(|x| set.contains(&x.as_str()))
}

fn has_nonce_or_hash(sources: &[String]) -> bool {
    sources.iter().any(|s| NONCES_HASHES.iter().any(|p| s.starts_with(p)))
}

/// An `http:` or `ftp:` scheme anywhere in a source (`http:`, `http://cdn.example` …).
fn insecure_scheme(sources: &[String]) -> bool {
    sources.iter().any(|s| s.contains("http:") || s.contains("ftp:"))
}

/// What one policy allows, in the Observatory's terms (its `policy` flags).
#[derive(Debug, Default, Clone, Copy)]
struct Flags {
    unsafe_inline: bool,
    unsafe_eval: bool,
    unsafe_inline_style: bool,
    broad_sources: bool,
    insecure_active: bool,
    insecure_passive: bool,
    unsafe_objects: bool,
    insecure_base_uri: bool,
    insecure_form_action: bool,
    default_none: bool,
    strict_dynamic: bool,
    anti_clickjacking: bool,
    /// `'strict-dynamic'` without a nonce or hash: browsers then load no script at all, which
    /// the Observatory calls invalid since it cannot be what was meant.
    dynamic_without_nonce: bool,
}

impl Flags {
    /// Several enforced policies: a weakness only if every policy has it, a protection if any
    /// policy gives it.
    fn and(self, o: Flags) -> Flags {
        Flags {
            unsafe_inline: self.unsafe_inline && o.unsafe_inline,
            unsafe_eval: self.unsafe_eval && o.unsafe_eval,
            unsafe_inline_style: self.unsafe_inline_style && o.unsafe_inline_style,
            broad_sources: self.broad_sources && o.broad_sources,
            insecure_active: self.insecure_active && o.insecure_active,
            insecure_passive: self.insecure_passive && o.insecure_passive,
            unsafe_objects: self.unsafe_objects && o.unsafe_objects,
            insecure_base_uri: self.insecure_base_uri && o.insecure_base_uri,
            insecure_form_action: self.insecure_form_action && o.insecure_form_action,
            default_none: self.default_none || o.default_none,
            strict_dynamic: self.strict_dynamic || o.strict_dynamic,
            anti_clickjacking: self.anti_clickjacking || o.anti_clickjacking,
            dynamic_without_nonce: self.dynamic_without_nonce || o.dynamic_without_nonce,
        }
    }

    /// The Observatory's result: the first that applies, from worst to best.
    fn result(&self) -> &'static str {
        let order = [
            (self.dynamic_without_nonce, "csp-header-invalid"),
            (self.unsafe_inline, "csp-implemented-with-unsafe-inline"),
            (self.insecure_active, "csp-implemented-with-insecure-scheme"),
            (self.unsafe_eval, "csp-implemented-with-unsafe-eval"),
            (self.insecure_passive, "csp-implemented-with-insecure-scheme-in-passive-content-only"),
            (self.unsafe_inline_style, "csp-implemented-with-unsafe-inline-in-style-src-only"),
            (self.default_none, "csp-implemented-with-no-unsafe-default-src-none"),
        ];
        order.iter().find(|(on, _)| *on).map_or("csp-implemented-with-no-unsafe", |(_, r)| r)
    }
}

/// Judges one policy of a page fetched over HTTPS (`https`) or not.
fn judge(p: &Policy, https: bool) -> Flags {
    let mut script = p.fetch("script-src");
    let mut style = p.fetch("style-src");
    let object = p.fetch("object-src");
    // CSP2+: a nonce or hash makes browsers ignore 'unsafe-inline' (Observatory issues 88, 277).
    for list in [&mut script, &mut style] {
        if has_nonce_or_hash(list) {
            list.retain(|s| s != "'unsafe-inline'");
        }
    }
    let mut f = Flags::default();
    if has(&script, "'strict-dynamic'") {
        if has_nonce_or_hash(&script) {
            // Browsers then ignore host and scheme sources, 'self' and 'unsafe-inline'.
            script.retain(|s| !(BROAD.iter().any(|b| s.starts_with(b)) || s == "'self'" || s == "'unsafe-inline'"));
            f.strict_dynamic = true;
        } else {
            f.dynamic_without_nonce = true;
        }
    }
    let active: Vec<String> = p
        .directives
        .iter()
        .filter(|(n, _)| !PASSIVE.contains(&n.as_str()) && n != "script-src")
        .flat_map(|(_, s)| s.iter().cloned())
        .chain(script.iter().cloned())
        .collect();
    let passive: Vec<String> =
        PASSIVE.iter().flat_map(|d| p.get(d).or_else(|| p.get("default-src")).unwrap_or_default().to_vec()).collect();
    let script_broad = any_of(&script, &BROAD);
    f.unsafe_objects = any_of(&object, &BROAD);
    f.unsafe_inline = script_broad || any_of(&script, &INLINE) || f.unsafe_objects;
    f.broad_sources = script_broad || f.unsafe_objects;
    f.insecure_active = https && !f.strict_dynamic && insecure_scheme(&active);
    f.unsafe_eval = has(&script, "'unsafe-eval'") || has(&style, "'unsafe-eval'");
    f.insecure_passive = https && insecure_scheme(&passive);
    f.unsafe_inline_style = any_of(&style, &BROAD) || any_of(&style, &INLINE);
    f.default_none = p.get("default-src").is_some_and(|s| s.iter().all(|x| x == "'none'"));
    f.anti_clickjacking = !any_of(&p.own("frame-ancestors"), &BROAD);
    let base = p.own("base-uri");
    f.insecure_base_uri = any_of(&base, &BROAD) || any_of(&base, &INLINE);
    f.insecure_form_action = any_of(&p.own("form-action"), &BROAD);
    f
}

/// The policies of a response's Content-Security-Policy fields: each field, and each
/// comma-separated part of one (CSP3 §3.1: a header value is a list of policies). A field left
/// blank is one (invalid) policy; blank parts beside others are skipped, as browsers skip them.
fn policy_texts<'a>(fields: &[&'a str]) -> Vec<&'a str> {
    fields
        .iter()
        .flat_map(|f| {
            let parts: Vec<&str> = f.split(',').collect();
            let blank = |p: &&str| p.trim().is_empty();
            if parts.len() > 1 && !parts.iter().all(blank) {
                parts.into_iter().filter(|p| !blank(p)).collect()
            } else {
                vec![*f]
            }
        })
        .collect()
}

/// Analyses the Content-Security-Policy fields of a response and the policies of its `<meta>`
/// elements (`meta`, see [`meta_headers`]); `https` says whether the page came over HTTPS (only
/// then are `http:` sources a downgrade). Browsers ignore `frame-ancestors` in `<meta>`.
pub fn analyse_csp(fields: &[&str], meta: &[String], https: bool) -> Csp {
    let mut texts: Vec<(&str, bool)> = policy_texts(fields).into_iter().map(|t| (t, false)).collect();
    texts.extend(meta.iter().map(|m| (m.as_str(), true)));
    if texts.is_empty() {
        return Csp { result: Some("csp-not-implemented".into()), ..Csp::default() };
    }
    let mut error = None;
    let mut policies = Vec::new();
    for (t, in_meta) in &texts {
        match Policy::parse(t) {
            Ok(p) => policies.push((p, *in_meta)),
            Err(e) => error = error.or(Some(e)),
        }
    }
    let flags = policies
        .iter()
        .map(|(p, in_meta)| {
            // Browsers ignore frame-ancestors in <meta>.
            let f = judge(p, https);
            Flags { anti_clickjacking: f.anti_clickjacking && !in_meta, ..f }
        })
        .reduce(Flags::and)
        .unwrap_or_default();
    if flags.dynamic_without_nonce {
        error = error.or(Some("'strict-dynamic' without a nonce or hash".into()));
    }
    let result = if error.is_some() { "csp-header-invalid" } else { flags.result() };
    let shown = |name: &str| policies.iter().find_map(|(p, _)| p.get(name)).map(|s| s.join(" "));
    let script = |(p, _): &(Policy, bool)| p.get("script-src").or_else(|| p.get("default-src")).map(|s| s.join(" "));
    let header_only =
        |name: &str| policies.iter().filter(|(_, m)| !m).find_map(|(p, _)| p.get(name)).map(|s| s.join(" "));
    Csp {
        present: true,
        policies: texts.len(),
        meta: !meta.is_empty(),
        default_src: shown("default-src"),
        script_src: policies.iter().find_map(script),
        frame_ancestors: header_only("frame-ancestors"),
        result: Some(result.into()),
        error,
        unsafe_inline: flags.unsafe_inline,
        unsafe_eval: flags.unsafe_eval,
        unsafe_inline_style: flags.unsafe_inline_style,
        broad_sources: flags.broad_sources,
        insecure_sources: flags.insecure_active,
        insecure_sources_passive: flags.insecure_passive,
        unsafe_objects: flags.unsafe_objects,
        insecure_base_uri: flags.insecure_base_uri,
        insecure_form_action: flags.insecure_form_action,
        default_none: flags.default_none,
        strict_dynamic: flags.strict_dynamic,
        anti_clickjacking: flags.anti_clickjacking,
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
/// Policies that send the origin, or the whole URL, to other sites.
const UNSAFE_REFERRER_POLICIES: [&str; 3] = ["origin", "origin-when-cross-origin", "unsafe-url"];

/// The simpler security headers, judged as browsers read them and named as the Observatory
/// names its results. `csp` is the page's analysed Content-Security-Policy (its
/// `frame-ancestors` supersedes X-Frame-Options); `meta_referrer` the page's
/// `<meta name="referrer">`, which comes after the header.
pub fn header_checks(fields: &Fields, csp: &Csp, meta_referrer: Option<&str>) -> HeaderChecks {
    let list = |name: &str| -> Vec<String> {
        values(fields, name).iter().flat_map(|v| v.split(',')).map(|t| t.trim().to_ascii_lowercase()).collect()
    };
    let present = |name: &str| !values(fields, name).is_empty();
    // Fetch "determine nosniff": only the first value counts.
    let nosniff = list("x-content-type-options").first().is_some_and(|v| v == "nosniff");
    let content_type_options_result = match (present("x-content-type-options"), nosniff) {
        (false, _) => "x-content-type-options-not-implemented",
        (true, true) => "x-content-type-options-nosniff",
        (true, false) => "x-content-type-options-header-invalid",
    };
    let xfo = list("x-frame-options");
    let frame_options = frame_options(&xfo);
    let frame_options_result = if csp.frame_ancestors.is_some() {
        "x-frame-options-implemented-via-csp"
    } else if !present("x-frame-options") {
        "x-frame-options-not-implemented"
    } else if frame_options.is_some() {
        "x-frame-options-sameorigin-or-deny"
    } else if xfo.len() == 1 && xfo[0].starts_with("allow-from ") {
        "x-frame-options-allow-from-origin"
    } else {
        "x-frame-options-header-invalid"
    };
    let mut referrer_tokens = list("referrer-policy");
    referrer_tokens.extend(meta_referrer.iter().flat_map(|m| m.split(',')).map(|t| t.trim().to_ascii_lowercase()));
    let referrer_policy = referrer_tokens.into_iter().rev().find(|t| REFERRER_POLICIES.contains(&t.as_str()));
    let referrer_policy_private = referrer_policy.as_deref().is_some_and(|p| PRIVATE_REFERRER_POLICIES.contains(&p));
    let referrer_policy_result = match referrer_policy.as_deref() {
        _ if !present("referrer-policy") && meta_referrer.is_none() => "referrer-policy-not-implemented",
        None => "referrer-policy-header-invalid",
        Some("no-referrer-when-downgrade") => "referrer-policy-no-referrer-when-downgrade",
        Some(p) if UNSAFE_REFERRER_POLICIES.contains(&p) => "referrer-policy-unsafe",
        Some(_) => "referrer-policy-private",
    };
    HeaderChecks {
        nosniff,
        frame_options,
        referrer_policy,
        referrer_policy_private,
        content_type_options_result: Some(content_type_options_result.into()),
        frame_options_result: Some(frame_options_result.into()),
        referrer_policy_result: Some(referrer_policy_result.into()),
    }
}

/// What browsers make of the X-Frame-Options values (HTML, "check a navigation response's
/// adherence to X-Frame-Options"): one `deny` or `sameorigin` (repeats are one value); several
/// different values of which one is `deny`, `sameorigin` or `allowall` refuse every framing,
/// as `DENY` does; anything else (`ALLOW-FROM` included) protects nothing.
fn frame_options(values: &[String]) -> Option<String> {
    let mut set: Vec<&str> = values.iter().map(String::as_str).collect();
    set.sort_unstable();
    set.dedup();
    match set.as_slice() {
        [one @ ("deny" | "sameorigin")] => Some(one.to_ascii_uppercase()),
        many if many.len() > 1 && many.iter().any(|v| matches!(*v, "deny" | "sameorigin" | "allowall")) => {
            Some("DENY".into())
        }
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// <meta> elements that act as headers

/// The most `<meta http-equiv="Content-Security-Policy">` policies read from one page: a hostile
/// page cannot make the analysis quadratic.
const MAX_META_POLICIES: usize = 16;

/// What a page's `<head>` declares in `<meta>` elements that browsers treat like headers: CSP
/// policies (`http-equiv="Content-Security-Policy"`, in order) and the referrer policy
/// (`name="referrer"`, the last one).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Meta {
    pub csp: Vec<String>,
    pub referrer: Option<String>,
}

/// Reads the `<meta>` elements of the head of `html` (the first bytes of a page: the caller
/// bounds them). A lenient scanner, not an HTML parser: it stops at `</head>` or `<body`, and
/// reads quoted, single-quoted and bare attribute values.
pub fn meta_headers(html: &[u8]) -> Meta {
    let text = String::from_utf8_lossy(html);
    // ASCII lowercasing keeps byte offsets, so `lower`'s positions index `text`.
    let lower = text.to_ascii_lowercase();
    let end = ["</head", "<body"].iter().filter_map(|t| lower.find(t)).min().unwrap_or(lower.len());
    let mut out = Meta::default();
    let mut at = 0;
    while let Some(i) = lower[at..end].find("<meta") {
        let start = at + i + "<meta".len();
        let (attrs, close) = attributes(&text[start..end]);
        at = start + close;
        let get = |name: &str| attrs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        let Some(content) = get("content") else { continue };
        if get("http-equiv").is_some_and(|e| e.trim().eq_ignore_ascii_case("content-security-policy")) {
            if out.csp.len() < MAX_META_POLICIES {
                out.csp.push(content.to_string());
            }
        } else if get("name").is_some_and(|n| n.trim().eq_ignore_ascii_case("referrer")) {
            out.referrer = Some(content.to_string());
        }
    }
    out
}

/// The attributes of a tag whose name has been read: (lowercase name, value) pairs, and the
/// offset just past the closing `>` (or the end of `tag`).
fn attributes(tag: &str) -> (Vec<(String, String)>, usize) {
    let b = tag.as_bytes();
    let mut attrs = Vec::new();
    let mut i = 0;
    let skip_space = |i: &mut usize| {
        while *i < b.len() && (b[*i].is_ascii_whitespace() || b[*i] == b'/') {
            *i += 1;
        }
    };
    loop {
        skip_space(&mut i);
        if i >= b.len() {
            return (attrs, b.len());
        }
        if b[i] == b'>' {
            return (attrs, i + 1);
        }
        let name_start = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && !matches!(b[i], b'=' | b'>' | b'/') {
            i += 1;
        }
        let name = tag[name_start..i].to_ascii_lowercase();
        skip_space(&mut i);
        let mut value = String::new();
        if i < b.len() && b[i] == b'=' {
            i += 1;
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            let (from, to, next) = match b.get(i) {
                Some(q @ (b'"' | b'\'')) => {
                    let close = tag[i + 1..].find(*q as char).map_or(b.len(), |j| i + 1 + j);
                    (i + 1, close, (close + 1).min(b.len()))
                }
                _ => {
                    let mut j = i;
                    while j < b.len() && !b[j].is_ascii_whitespace() && b[j] != b'>' {
                        j += 1;
                    }
                    (i, j, j)
                }
            };
            value = tag[from..to].to_string();
            i = next;
        }
        if !name.is_empty() {
            attrs.push((name, value));
        }
    }
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
        assert_eq!(parse_hsts(&[]), Hsts { result: Some("hsts-not-implemented".into()), ..Hsts::default() });
        let result = |f: &str| parse_hsts(&[f]).result.unwrap();
        assert_eq!(result("max-age=15552000"), "hsts-implemented-max-age-at-least-six-months");
        assert_eq!(result("max-age=15551999"), "hsts-implemented-max-age-less-than-six-months");
        assert_eq!(result("includeSubDomains; preload"), "hsts-header-invalid");
    }

    #[test]
    fn csp_table() {
        let a = |f: &[&str]| analyse_csp(f, &[], true);
        let r = |f: &[&str]| a(f).result.unwrap();
        let strict = a(&["default-src 'none'; script-src 'self'; object-src 'none'; frame-ancestors 'self'"]);
        assert!(strict.present && !strict.unsafe_inline && !strict.unsafe_eval && !strict.broad_sources);
        assert!(strict.anti_clickjacking && !strict.insecure_sources && strict.default_none);
        assert_eq!(strict.result.as_deref(), Some("csp-implemented-with-no-unsafe-default-src-none"));
        assert_eq!(strict.frame_ancestors.as_deref(), Some("'self'"));
        assert_eq!(strict.default_src.as_deref(), Some("'none'"));
        assert_eq!(strict.script_src.as_deref(), Some("'self'"));

        let inline = a(&["default-src 'self' 'unsafe-inline' 'unsafe-eval'"]);
        assert!(inline.unsafe_inline && inline.unsafe_eval && inline.unsafe_inline_style && !inline.anti_clickjacking);
        assert_eq!(inline.script_src.as_deref(), Some("'self' 'unsafe-inline' 'unsafe-eval'"));
        assert_eq!(inline.result.as_deref(), Some("csp-implemented-with-unsafe-inline"));

        // A nonce or hash cancels 'unsafe-inline' (CSP2+); data: is not cancelled.
        assert_eq!(
            r(&["script-src 'nonce-abc' 'unsafe-inline'; object-src 'none'; style-src 'self'"]),
            "csp-implemented-with-no-unsafe"
        );
        assert_eq!(r(&["script-src 'self' data:; object-src 'none'"]), "csp-implemented-with-unsafe-inline");
        // Keywords are case-insensitive.
        assert_eq!(r(&["default-src 'UNSAFE-INLINE'"]), "csp-implemented-with-unsafe-inline");
        // No script or object restriction at all; any-host sources.
        assert_eq!(r(&["frame-ancestors 'none'"]), "csp-implemented-with-unsafe-inline");
        assert_eq!(r(&["script-src 'self'"]), "csp-implemented-with-unsafe-inline", "objects from anywhere");
        assert_eq!(r(&["script-src https:; object-src 'none'"]), "csp-implemented-with-unsafe-inline");
        assert!(a(&["script-src https:; object-src 'none'"]).broad_sources);
        // strict-dynamic with a nonce makes browsers ignore host sources; without one it is invalid.
        let sd = a(&["default-src 'none'; script-src 'strict-dynamic' 'nonce-x' https: 'unsafe-inline'"]);
        assert!(sd.strict_dynamic && !sd.broad_sources && !sd.unsafe_inline);
        let bad = a(&["default-src 'none'; script-src 'strict-dynamic'"]);
        assert_eq!(
            (bad.result.as_deref(), bad.error.as_deref()),
            (Some("csp-header-invalid"), Some("'strict-dynamic' without a nonce or hash"))
        );
        // Insecure schemes count for HTTPS pages only, active apart from passive.
        assert_eq!(r(&["default-src 'none'; script-src ftp://a.example"]), "csp-implemented-with-insecure-scheme");
        assert!(!analyse_csp(&["default-src 'self' http://cdn.example"], &[], false).insecure_sources);
        let passive = a(&["default-src 'self'; img-src http:"]);
        assert!(!passive.insecure_sources && passive.insecure_sources_passive);
        assert_eq!(passive.result.as_deref(), Some("csp-implemented-with-insecure-scheme-in-passive-content-only"));
        // Style only, eval.
        assert_eq!(
            r(&["default-src 'none'; style-src 'unsafe-inline'"]),
            "csp-implemented-with-unsafe-inline-in-style-src-only"
        );
        assert_eq!(r(&["default-src 'none'; script-src 'unsafe-eval'"]), "csp-implemented-with-unsafe-eval");
        // Invalid: repeated directives (any case), too short, blank.
        let rep = a(&["SCRIPT-SRC 'self'; script-src 'unsafe-inline'; object-src 'none'"]);
        assert_eq!(
            (rep.result.as_deref(), rep.error.as_deref()),
            (Some("csp-header-invalid"), Some("directive `script-src` appears more than once"))
        );
        for f in ["defa", "", "  ", " ; , "] {
            assert_eq!(r(&[f]), "csp-header-invalid", "{f:?}");
        }
        // Several policies: a weakness only when every policy has it.
        let two =
            a(&["script-src 'unsafe-inline' 'unsafe-eval'", "script-src 'self' 'unsafe-eval'; object-src 'none'"]);
        assert_eq!((two.policies, two.unsafe_inline, two.unsafe_eval), (2, false, true));
        assert_eq!(a(&["default-src 'self', frame-ancestors 'none'"]).policies, 2);
        assert_eq!(
            r(&["default-src 'none'; script-src 'none', object-src *"]),
            "csp-implemented-with-no-unsafe-default-src-none"
        );
        // Other flags.
        let f = a(&["default-src 'none'; base-uri https:; form-action 'self'; frame-ancestors *"]);
        assert!(f.insecure_base_uri && !f.insecure_form_action && !f.anti_clickjacking && !f.unsafe_objects);
        assert!(a(&["default-src *"]).unsafe_objects && a(&["default-src 'none'"]).insecure_form_action);
        // Absent.
        assert_eq!(analyse_csp(&[], &[], true), Csp { result: Some("csp-not-implemented".into()), ..Csp::default() });
    }

    #[test]
    fn meta_elements_of_the_head_act_as_headers() {
        let html = br#"<!DOCTYPE html><html><HEAD><meta charset="utf-8">
<meta http-equiv=" Content-SECURITY-Policy " content="default-src 'none'; img-src 'self'">
<meta name=referrer content='no-referrer'><meta http-equiv="content-security-policy" content="a>b">
<meta http-equiv="Content-Security-Policy"></head><body><meta name="referrer" content="unsafe-url">"#;
        let m = meta_headers(html);
        assert_eq!(m.csp, ["default-src 'none'; img-src 'self'", "a>b"]);
        assert_eq!(m.referrer.as_deref(), Some("no-referrer"), "a <meta> in the body does not count");
        assert_eq!(
            meta_headers(b"<meta content=x http-equiv=content-security-policy"),
            Meta { csp: vec!["x".into()], referrer: None }
        );
        assert_eq!(meta_headers(b"\xff<meta\x00 name=\"referrer"), Meta::default());
        let many = "<meta http-equiv=content-security-policy content=x>".repeat(100);
        assert_eq!(meta_headers(many.as_bytes()).csp.len(), MAX_META_POLICIES);
        // A header and a <meta> policy are both enforced; frame-ancestors counts only in the header.
        let both = analyse_csp(&["img-src 'none'"], &["default-src 'none'; frame-ancestors 'none'".into()], true);
        assert_eq!(both.result.as_deref(), Some("csp-implemented-with-no-unsafe-default-src-none"));
        assert!(both.meta && !both.anti_clickjacking && both.frame_ancestors.is_none());
        let c = header_checks(
            &[("referrer-policy".into(), "unsafe-url".into())],
            &Csp::default(),
            Some("no-referrer, same-origin"),
        );
        assert_eq!(c.referrer_policy.as_deref(), Some("same-origin"));
    }

    #[test]
    fn header_checks_table() {
        let f = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect()
        };
        let none = Csp::default();
        let c = header_checks(
            &f(&[
                ("x-content-type-options", "NoSniff "),
                ("x-frame-options", "sameorigin"),
                ("referrer-policy", "no-referrer, strict-origin-when-cross-origin, made-up"),
            ]),
            &none,
            None,
        );
        assert!(c.nosniff && c.referrer_policy_private);
        assert_eq!(c.frame_options.as_deref(), Some("SAMEORIGIN"));
        assert_eq!(c.referrer_policy.as_deref(), Some("strict-origin-when-cross-origin"));
        assert_eq!(c.content_type_options_result.as_deref(), Some("x-content-type-options-nosniff"));
        assert_eq!(c.frame_options_result.as_deref(), Some("x-frame-options-sameorigin-or-deny"));
        assert_eq!(c.referrer_policy_result.as_deref(), Some("referrer-policy-private"));
        let c = header_checks(
            &f(&[
                ("x-content-type-options", "sniff, nosniff"),
                ("x-frame-options", "DENY"),
                ("x-frame-options", "SAMEORIGIN"),
                ("referrer-policy", "unsafe-url"),
            ]),
            &none,
            None,
        );
        assert!(!c.nosniff && !c.referrer_policy_private);
        assert_eq!(c.frame_options.as_deref(), Some("DENY"), "conflicting values refuse every framing");
        assert_eq!(c.content_type_options_result.as_deref(), Some("x-content-type-options-header-invalid"));
        assert_eq!(c.referrer_policy_result.as_deref(), Some("referrer-policy-unsafe"));
        let allow = header_checks(&f(&[("x-frame-options", "ALLOW-FROM https://a.example")]), &none, None);
        assert!(allow.frame_options.is_none());
        assert_eq!(allow.frame_options_result.as_deref(), Some("x-frame-options-allow-from-origin"));
        let via_csp = analyse_csp(&["frame-ancestors 'self'"], &[], true);
        let c = header_checks(&f(&[("x-frame-options", "whimsy"), ("referrer-policy", "whimsy")]), &via_csp, None);
        assert_eq!(c.frame_options_result.as_deref(), Some("x-frame-options-implemented-via-csp"));
        assert_eq!(c.referrer_policy_result.as_deref(), Some("referrer-policy-header-invalid"));
        let empty = header_checks(&[], &none, None);
        assert_eq!(empty.content_type_options_result.as_deref(), Some("x-content-type-options-not-implemented"));
        assert_eq!(empty.frame_options_result.as_deref(), Some("x-frame-options-not-implemented"));
        assert_eq!(empty.referrer_policy_result.as_deref(), Some("referrer-policy-not-implemented"));
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
