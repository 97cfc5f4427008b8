//! Why a target could not be measured: an error record's `error`, and the per-version or
//! per-step errors some facts keep.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The class of a measurement error. Collectors write one of the named classes; a class this
/// version does not know (a newer collector's) is kept as it was written and reported as a warning
/// when the file is read, and its target counts as not measured like any other error.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
#[non_exhaustive]
pub enum ErrorClass {
    /// The name did not resolve.
    Dns,
    /// The connection was refused or the network is unreachable.
    Connect,
    /// No answer within the connect or read timeout.
    Timeout,
    /// The target's overall deadline (or the run's) passed.
    Deadline,
    /// The peer closed or reset the connection before a complete answer.
    Closed,
    /// The peer answered with something that is not the protocol spoken (garbage, wrong protocol).
    Protocol,
    /// The peer sent more than tuanthu accepts (certificate chain, headers, redirect hops).
    TooLarge,
    /// A TLS handshake could not be completed with any offer.
    Tls,
    /// An HTTP exchange failed (redirect loop, bad response).
    Http,
    /// Anything else from the operating system.
    Io,
    /// A bug in tuanthu (a probe that stopped unexpectedly): the target was not measured.
    Internal,
    /// A class this version does not know, as written.
    Other(String),
}

impl ErrorClass {
    /// Every class this version writes, in the order they are documented.
    pub const KNOWN: [ErrorClass; 11] = [
        ErrorClass::Dns,
        ErrorClass::Connect,
        ErrorClass::Timeout,
        ErrorClass::Deadline,
        ErrorClass::Closed,
        ErrorClass::Protocol,
        ErrorClass::TooLarge,
        ErrorClass::Tls,
        ErrorClass::Http,
        ErrorClass::Io,
        ErrorClass::Internal,
    ];

    pub fn as_str(&self) -> &str {
        match self {
            ErrorClass::Dns => "dns",
            ErrorClass::Connect => "connect",
            ErrorClass::Timeout => "timeout",
            ErrorClass::Deadline => "deadline",
            ErrorClass::Closed => "closed",
            ErrorClass::Protocol => "protocol",
            ErrorClass::TooLarge => "too_large",
            ErrorClass::Tls => "tls",
            ErrorClass::Http => "http",
            ErrorClass::Io => "io",
            ErrorClass::Internal => "internal",
            ErrorClass::Other(s) => s,
        }
    }

    /// Whether this version knows the class.
    pub fn is_known(&self) -> bool {
        !matches!(self, ErrorClass::Other(_))
    }
}

impl From<String> for ErrorClass {
    fn from(s: String) -> Self {
        ErrorClass::KNOWN.into_iter().find(|c| c.as_str() == s).unwrap_or(ErrorClass::Other(s))
    }
}

impl From<ErrorClass> for String {
    fn from(c: ErrorClass) -> Self {
        match c {
            ErrorClass::Other(s) => s,
            known => known.as_str().to_string(),
        }
    }
}

impl fmt::Display for ErrorClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a target (or one step of its measurement) could not be measured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeError {
    pub class: ErrorClass,
    #[serde(default)]
    pub message: String,
}

impl ProbeError {
    pub fn new(class: ErrorClass, message: impl Into<String>) -> ProbeError {
        ProbeError { class, message: message.into() }
    }
}

impl fmt::Display for ProbeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.class, self.message)
    }
}

impl std::error::Error for ProbeError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_read_back_as_written_and_unknown_ones_are_kept() {
        for c in ErrorClass::KNOWN {
            assert_eq!(ErrorClass::from(c.as_str().to_string()), c);
        }
        let odd = ErrorClass::from("gremlins".to_string());
        assert_eq!(odd, ErrorClass::Other("gremlins".into()));
        assert!(!odd.is_known() && ErrorClass::Internal.is_known());
        let e: ProbeError = serde_json::from_str(r#"{"class": "too_large", "message": "m"}"#).unwrap();
        assert_eq!(e, ProbeError::new(ErrorClass::TooLarge, "m"));
        assert_eq!(serde_json::to_string(&e).unwrap(), r#"{"class":"too_large","message":"m"}"#);
    }
}
