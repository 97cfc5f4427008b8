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
}

/// Content-Security-Policy analysis. When several policies are sent (repeated fields or a comma
/// list) browsers enforce all of them, so a behaviour counts as allowed only if every policy
/// allows it; the shown directive values are the first policy's that has the directive.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Csp {
    #[serde(default)]
    pub present: bool,
    /// Number of policies enforced.
    #[serde(default)]
    pub policies: usize,
    pub default_src: Option<String>,
    /// The effective script sources (`script-src`, else `default-src`).
    pub script_src: Option<String>,
    pub frame_ancestors: Option<String>,
    /// Inline or `data:` scripts may run: `'unsafe-inline'` not neutralised by a nonce or hash,
    /// `data:` in the script sources, or no script restriction at all.
    #[serde(default)]
    pub unsafe_inline: bool,
    /// `eval()` may run: `'unsafe-eval'`, or no script restriction at all.
    #[serde(default)]
    pub unsafe_eval: bool,
    /// Inline styles are allowed (the Observatory tolerates this one).
    #[serde(default)]
    pub unsafe_inline_style: bool,
    /// Scripts or plugins may load from anywhere (`*`, `https:`, `http:` …, or no restriction).
    #[serde(default)]
    pub broad_sources: bool,
    /// An https page allows active content over `http:` or `ftp:`.
    #[serde(default)]
    pub insecure_sources: bool,
    /// `frame-ancestors` is set and does not allow every origin.
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
    /// The effective Referrer-Policy: the last token browsers recognise.
    pub referrer_policy: Option<String>,
    /// That policy never sends the path cross-origin (Observatory's "private" policies).
    #[serde(default)]
    pub referrer_policy_private: bool,
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
}
