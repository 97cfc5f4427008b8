//! Protocol versions as they appear on the wire (the record and ClientHello `version` fields; SSLv2
//! has its own framing and is numbered 2 by convention), and their keys in the evidence facts.

pub const SSL2: u16 = 0x0002;
pub const SSL3: u16 = 0x0300;
pub const TLS10: u16 = 0x0301;
pub const TLS11: u16 = 0x0302;
pub const TLS12: u16 = 0x0303;
pub const TLS13: u16 = 0x0304;

/// Protocol key of a version in the evidence facts (`protocols`, `ciphers`).
pub fn version_key(version: u16) -> &'static str {
    match version {
        SSL2 => "ssl2",
        SSL3 => "ssl3",
        TLS10 => "tls1.0",
        TLS11 => "tls1.1",
        TLS12 => "tls1.2",
        TLS13 => "tls1.3",
        _ => "unknown",
    }
}
