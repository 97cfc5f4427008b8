//! `http` records: what the probe of one declared URL found (names per the evidence contract,
//! `docs/evidence.md`). Core names of the contract are required when a record is read; facts added
//! since (`csp`, `header_checks`, `hops` …) default to "nothing seen", which no rule reads as a pass.

use super::ProbeError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What the probe of one URL found (`facts` of an `http` evidence record).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HttpFacts {
    /// Status of the last response fetched in the declared URL's chain.
    pub status: u16,
    /// URL of that response; every header fact below describes it.
    #[serde(default)]
    pub final_url: String,
    /// Protocol of that response: `HTTP/1.1`, `HTTP/2` …
    #[serde(default)]
    pub http_version: String,
    /// Address (`ip:port`) the declared URL itself was fetched from.
    #[serde(default)]
    pub connected_to: String,
    /// `URL -> Location` for each redirect of the declared URL's chain, followed or not.
    pub redirect_chain: Vec<String>,
    #[serde(default)]
    pub hops: Vec<Hop>,
    /// A redirect target outside the declared hosts, recorded and not followed.
    pub left_declared_hosts: Option<String>,
    /// Whether plain HTTP ends on HTTPS on a declared host: for an `https` URL, the answer of its
    /// `http://` form; for an `http` URL, its own chain. Null when the plain-HTTP form could not
    /// be reached (see `http_redirect_error`): a host that does not serve HTTP at all leaks nothing.
    pub http_redirects_to_https: Option<bool>,
    /// `URL -> Location` for each redirect of that plain-HTTP test.
    #[serde(default)]
    pub http_redirect_chain: Vec<String>,
    #[serde(default)]
    pub http_hops: Vec<Hop>,
    /// Why the plain-HTTP test could not conclude (null result), or how it ended badly (a loop).
    pub http_redirect_error: Option<ProbeError>,
    /// Strict-Transport-Security (only honoured over HTTPS: absent for an `http` final response).
    pub hsts: Hsts,
    /// The headers rules read, every key present, repeated fields joined with ", ".
    pub headers: BTreeMap<String, Option<String>>,
    #[serde(default)]
    pub csp: Csp,
    #[serde(default)]
    pub header_checks: HeaderChecks,
    /// Cookies set by any response of the declared URL's chain.
    pub cookies: Vec<Cookie>,
    /// The judgement of those cookies as a whole.
    #[serde(default)]
    pub cookie_checks: CookieChecks,
    /// The final response's `Server` header.
    pub server_banner: Option<String>,
    /// Some response tuanthu fetched for this URL names a software version.
    pub version_disclosed: bool,
    /// `header: value` of each banner that names a version, from any response fetched.
    #[serde(default)]
    pub version_banners: Vec<String>,
    /// Body bytes read from the final response, at most `max_body_bytes`.
    #[serde(default)]
    pub body_bytes_read: u64,
    /// Why reading the final response's body stopped early (the header facts stand).
    pub body_error: Option<ProbeError>,
    /// Set when the modern client (rustls) could not complete a handshake and the page was read
    /// over the legacy-TLS fallback: the site is reachable only with TLS a modern client refuses.
    /// Absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legacy_tls: Option<LegacyTls>,
    /// Facts a newer collector keeps that this version has no name for.
    #[serde(default, skip_serializing_if = "super::Extra::is_empty")]
    pub extra: super::Extra,
}

/// How the legacy-TLS fallback reached a page the modern client could not.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegacyTls {
    /// The version the fallback negotiated (`tls1.0`, `tls1.1`, `tls1.2`).
    pub version: String,
    /// The suite it negotiated (IANA name).
    pub cipher: String,
    /// Why the modern client failed (its handshake error).
    pub modern_error: String,
    /// Connections the fallback opened, counted apart from the modern client's.
    pub connections: usize,
}

impl HttpFacts {
    /// The facts absent (not null) unless they apply.
    pub const OPTIONAL_FACTS: &'static [&'static str] = &["legacy_tls"];
}

/// One response in a redirect chain.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hop {
    pub url: String,
    pub status: u16,
    /// The redirect target, resolved against `url` (as received when it is not a valid URL).
    pub location: Option<String>,
    /// Whether tuanthu fetched `location`.
    #[serde(default)]
    pub followed: bool,
    /// Why a `location` was not followed.
    pub reason: Option<String>,
}

/// The Strict-Transport-Security policy of a response received over HTTPS.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hsts {
    /// A Strict-Transport-Security field was received over HTTPS.
    pub present: bool,
    /// It parses per RFC 6797 §6.1 and browsers honour it.
    #[serde(default)]
    pub valid: bool,
    /// Effective max-age in seconds: 0 when absent or invalid (browsers then keep no policy), so
    /// rules can compare it without null checks. Capped at `i64::MAX` (rule values are signed).
    pub max_age: u64,
    pub include_subdomains: bool,
    /// The `preload` token of the hstspreload.org convention (not part of RFC 6797).
    pub preload: bool,
    /// Number of Strict-Transport-Security fields in the response.
    #[serde(default)]
    pub fields: usize,
    /// Why the header is invalid, when it is.
    pub error: Option<String>,
    /// The Observatory's judgement: `hsts-not-implemented`, `hsts-header-invalid`,
    /// `hsts-implemented-max-age-less-than-six-months` or
    /// `hsts-implemented-max-age-at-least-six-months` (six months counted as 15 552 000 s, as the
    /// Observatory does). Null in evidence written before judgements were recorded.
    #[serde(default)]
    pub result: Option<String>,
}

impl Hsts {
    /// The Observatory's six months (180 days; it accepts this "white lie" for 15 768 000).
    pub const SIX_MONTHS: u64 = 15_552_000;
}

/// Content-Security-Policy analysis, judged as the Mozilla HTTP Observatory judges it (its result
/// names and policy flags; `docs/http-checks.md`). Each Content-Security-Policy field, and each
/// comma-separated part of one, is a policy; browsers enforce all of them, so a weakness counts
/// only if every policy has it and a protection if any policy gives it. The shown directive
/// values are the first policy's that has the directive.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Csp {
    #[serde(default)]
    pub present: bool,
    /// Number of policies enforced, `<meta>` ones included.
    #[serde(default)]
    pub policies: usize,
    /// Some policy came from a `<meta http-equiv="Content-Security-Policy">` of the page.
    #[serde(default)]
    pub meta: bool,
    pub default_src: Option<String>,
    /// The effective script sources (`script-src`, else `default-src`).
    pub script_src: Option<String>,
    pub frame_ancestors: Option<String>,
    /// The Observatory's judgement of the whole policy, worst first: `csp-not-implemented`,
    /// `csp-header-invalid`, `csp-implemented-with-unsafe-inline`,
    /// `csp-implemented-with-insecure-scheme`, `csp-implemented-with-unsafe-eval`,
    /// `csp-implemented-with-insecure-scheme-in-passive-content-only`,
    /// `csp-implemented-with-unsafe-inline-in-style-src-only`,
    /// `csp-implemented-with-no-unsafe-default-src-none`, `csp-implemented-with-no-unsafe`.
    /// Null in evidence written before judgements were recorded.
    #[serde(default)]
    pub result: Option<String>,
    /// Why the policy is invalid (`csp-header-invalid`): too short to hold a directive, a
    /// directive repeated, `'strict-dynamic'` without a nonce or hash.
    #[serde(default)]
    pub error: Option<String>,
    /// Scripts are not restricted (the Observatory's `unsafeInline`): `'unsafe-inline'` not
    /// cancelled by a nonce or hash, `data:`, a source matching any host (`*`, `https:`, `http:`,
    /// `ftp:` …) in the script sources, such a source in the object sources, or no
    /// `script-src`/`object-src`/`default-src` at all.
    #[serde(default)]
    pub unsafe_inline: bool,
    /// `'unsafe-eval'` in the script or style sources.
    #[serde(default)]
    pub unsafe_eval: bool,
    /// Inline, `data:` or any-host styles are allowed (the Observatory tolerates this one).
    #[serde(default)]
    pub unsafe_inline_style: bool,
    /// Scripts or plugins may load from any host (`*`, `https:`, `http:` …, or no restriction).
    #[serde(default)]
    pub broad_sources: bool,
    /// An HTTPS page allows active content over `http:` or `ftp:` (`insecureSchemeActive`).
    #[serde(default)]
    pub insecure_sources: bool,
    /// An HTTPS page allows images or media over `http:` or `ftp:` (`insecureSchemePassive`).
    #[serde(default)]
    pub insecure_sources_passive: bool,
    /// Plugins (`object-src`, else `default-src`) may load from any host (`unsafeObjects`).
    #[serde(default)]
    pub unsafe_objects: bool,
    /// `base-uri` is absent or allows any host (`insecureBaseUri`).
    #[serde(default)]
    pub insecure_base_uri: bool,
    /// `form-action` is absent or allows any host (`insecureFormAction`).
    #[serde(default)]
    pub insecure_form_action: bool,
    /// `default-src` is `'none'` and nothing else (`defaultNone`).
    #[serde(default)]
    pub default_none: bool,
    /// `'strict-dynamic'` with a nonce or hash: host and scheme script sources are ignored.
    #[serde(default)]
    pub strict_dynamic: bool,
    /// `frame-ancestors` is set (in a header: browsers ignore it in `<meta>`) and does not allow
    /// any host.
    #[serde(default)]
    pub anti_clickjacking: bool,
}

/// Normalised readings of the simpler security headers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeaderChecks {
    /// `X-Content-Type-Options` starts with `nosniff` (Fetch: only the first value counts).
    #[serde(default)]
    pub nosniff: bool,
    /// `DENY` or `SAMEORIGIN` when every X-Frame-Options value agrees on one of them; browsers
    /// ignore conflicting values and the obsolete `ALLOW-FROM`.
    pub frame_options: Option<String>,
    /// The effective Referrer-Policy: the last token browsers recognise, the page's
    /// `<meta name="referrer">` read after the header.
    pub referrer_policy: Option<String>,
    /// That policy never sends the path cross-origin (Observatory's "private" policies).
    #[serde(default)]
    pub referrer_policy_private: bool,
    /// The Observatory's judgement of X-Content-Type-Options: `x-content-type-options-nosniff`,
    /// `x-content-type-options-header-invalid` or `x-content-type-options-not-implemented`.
    #[serde(default)]
    pub content_type_options_result: Option<String>,
    /// The Observatory's judgement of framing: `x-frame-options-implemented-via-csp` (a
    /// Content-Security-Policy header sets `frame-ancestors`), `x-frame-options-sameorigin-or-deny`,
    /// `x-frame-options-allow-from-origin`, `x-frame-options-header-invalid` or
    /// `x-frame-options-not-implemented`.
    #[serde(default)]
    pub frame_options_result: Option<String>,
    /// The Observatory's judgement of Referrer-Policy: `referrer-policy-private`,
    /// `referrer-policy-no-referrer-when-downgrade`, `referrer-policy-unsafe` (`origin`,
    /// `origin-when-cross-origin`, `unsafe-url`), `referrer-policy-header-invalid` (no value
    /// browsers know) or `referrer-policy-not-implemented`.
    #[serde(default)]
    pub referrer_policy_result: Option<String>,
}

/// The judgement of a response chain's cookies as a whole.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CookieChecks {
    /// The Observatory's judgement, the worst of every cookie not [`Cookie::ignored`]:
    /// `cookies-not-found`, `cookies-secure-with-httponly-sessions-and-samesite`,
    /// `cookies-secure-with-httponly-sessions`, `cookies-without-secure-flag-but-protected-by-hsts`,
    /// `cookies-without-secure-flag`, `cookies-session-without-secure-flag-but-protected-by-hsts`,
    /// `cookies-samesite-flag-invalid`, `cookies-anticsrf-without-samesite-flag`,
    /// `cookies-session-without-httponly-flag`, `cookies-session-without-secure-flag`.
    /// Null in evidence written before judgements were recorded.
    pub result: Option<String>,
}

/// One cookie as a browser would store it from one Set-Cookie field.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cookie {
    pub name: String,
    pub secure: bool,
    pub http_only: bool,
    /// `Strict`, `Lax` or `None` when recognised (any case), otherwise the value as sent; null
    /// when the attribute is absent (browsers then default to Lax).
    pub same_site: Option<String>,
    /// A `__Secure-` prefix requires Secure and a secure origin; `__Host-` also requires `Path=/`
    /// and no Domain. Browsers reject cookies that break this. True for unprefixed names.
    #[serde(default)]
    pub prefix_ok: bool,
    /// `SameSite` is absent or names a value browsers know (`Strict`, `Lax`, or `None` together
    /// with `Secure`); an empty or unknown value, or `None` without `Secure`, is invalid.
    #[serde(default = "yes")]
    pub same_site_valid: bool,
    /// A session or login cookie by its name (`sess` or `login` in it, any case), as the
    /// Observatory recognises them: it must be HttpOnly.
    #[serde(default)]
    pub session: bool,
    /// An anti-CSRF token by its name (`csrf` in it, any case): it must carry `SameSite`.
    #[serde(default)]
    pub anticsrf: bool,
    /// A load-balancer or CDN cookie the site does not control (`__cfduid`,
    /// `heroku-session-affinity`), which the Observatory and the rules leave out.
    #[serde(default)]
    pub ignored: bool,
}

fn yes() -> bool {
    true
}
