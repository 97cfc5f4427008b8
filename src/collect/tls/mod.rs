//! TLS evidence for one endpoint: which protocol versions and cipher suites the server accepts
//! (hand-built ClientHellos, so legacy versions are detected whatever the local TLS library
//! speaks), and the facts of the certificate chain it presents.

pub mod certificate;
pub mod enumerate;
pub mod handshake;
pub mod hello;
pub mod hostname;
pub mod merge;
pub mod suites;
pub mod trust;
pub mod version;
