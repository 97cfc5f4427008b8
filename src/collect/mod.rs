//! Live collectors: probe the declared TLS endpoints, URLs, SSH and mail endpoints and write what they find as
//! evidence records ([`crate::evidence`]). Collectors only ever look at assets the inventory
//! declares.

pub mod dns;
pub mod http;
pub mod live;
pub mod mail;
pub mod net;
pub mod ssh;
pub mod tls;
