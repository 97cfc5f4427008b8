//! Evidence collectors: turn scan output and probes into evidence records.

pub mod nmap;
