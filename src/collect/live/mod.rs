//! Live evidence: probe the declared TLS endpoints and URLs and write what was found as an
//! evidence file. `plan` decides what may be probed (only declared assets), `runner` schedules
//! the probes politely and guarantees one record per target.

pub mod plan;
pub mod probers;
pub mod runner;

pub use plan::{Filter, Kind, Target, declared_hosts, declared_mail_hosts, pin_resolver, plan};
pub use probers::LiveProber;
pub use runner::{Prober, Settings, Summary, run};
