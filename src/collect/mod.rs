//! Evidence collectors: turn scan output and live TLS/HTTP probes into evidence the engine can
//! judge. Collectors only ever look at assets the inventory declares.

pub mod evidence_file;
pub mod evidence_writer;
pub mod http;
pub mod live;
pub mod net;
pub mod nmap;
pub mod nmap_evidence;
pub mod scope;
pub mod tls;

pub use nmap_evidence::{NmapInput, ScannedHost, Unregistered, import as import_nmap};
pub use scope::Scope;
