//! HTTP evidence for one declared URL: redirects (followed by tuanthu itself, hop by hop, within
//! the declared hosts), HSTS, security headers, cookies and version banners.
//!
//! [`probe`] does the network part ([`legacy`] is its fenced fallback for servers that speak only
//! TLS a modern client refuses); [`headers`] and [`cookies`] are pure parsers over recorded
//! header fields, so every judgement can be tested without a network.

pub mod cookies;
pub mod headers;
pub mod legacy;
pub mod probe;

pub use probe::{USER_AGENT, UrlTarget, probe};
