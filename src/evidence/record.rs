//! One evidence record: the facts of one target of one kind, or the error that kept it from being
//! measured — never both, never neither, and the facts always of the record's kind (the
//! constructors are the only way to make one).

use super::agent::AgentFacts;
use super::dns::DnsFacts;
use super::host::HostAuditFacts;
use super::http::HttpFacts;
use super::ssh::SshFacts;
use super::tls::TlsFacts;
use super::vuln::VulnerabilityFacts;
use super::{Extra, ProbeError};
use crate::i18n::Text;
use crate::text;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;
use time::OffsetDateTime;

/// What a record is about. A kind this version does not know (a newer collector's) is kept as
/// written and reported as a warning when the file is read; no rule reads it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum RecordKind {
    /// A TLS endpoint (`host:port`), measured by `tuanthu collect`.
    Tls,
    /// A declared URL, measured by `tuanthu collect`.
    Http,
    /// A configuration audit of one host (OpenSCAP, CIS-CAT, Lynis, Wazuh SCA).
    HostAudit,
    /// A vulnerability scan of one host (Greenbone/OpenVAS, Nessus, Wazuh).
    Vulnerabilities,
    /// A monitoring agent enrolled for one host (Wazuh).
    Agent,
    /// An SSH endpoint (`host:port`), measured by `tuanthu collect` or imported from ssh-audit.
    Ssh,
    /// A declared domain's DNS records, measured by `tuanthu collect`.
    Dns,
    /// A kind this version does not know, as written.
    Other(String),
}

impl RecordKind {
    /// Every kind this version evaluates.
    pub const KNOWN: [RecordKind; 7] = [
        RecordKind::Tls,
        RecordKind::Http,
        RecordKind::HostAudit,
        RecordKind::Vulnerabilities,
        RecordKind::Agent,
        RecordKind::Ssh,
        RecordKind::Dns,
    ];

    pub fn as_str(&self) -> &str {
        match self {
            RecordKind::Tls => "tls",
            RecordKind::Http => "http",
            RecordKind::HostAudit => "host-audit",
            RecordKind::Vulnerabilities => "vulnerabilities",
            RecordKind::Agent => "agent",
            RecordKind::Ssh => "ssh",
            RecordKind::Dns => "dns",
            RecordKind::Other(s) => s,
        }
    }

    pub fn parse(s: &str) -> RecordKind {
        RecordKind::KNOWN.into_iter().find(|k| k.as_str() == s).unwrap_or_else(|| RecordKind::Other(s.to_string()))
    }

    pub fn is_known(&self) -> bool {
        !matches!(self, RecordKind::Other(_))
    }
}

impl fmt::Display for RecordKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The typed facts of a measured record, one variant per kind.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Facts {
    Tls(Box<TlsFacts>),
    Http(Box<HttpFacts>),
    HostAudit(Box<HostAuditFacts>),
    Vulnerabilities(Box<VulnerabilityFacts>),
    Agent(Box<AgentFacts>),
    Ssh(Box<SshFacts>),
    Dns(Box<DnsFacts>),
    /// The facts of a kind this version does not know, kept verbatim.
    Other(String, Value),
}

/// Written as the facts object alone: the kind is the record's.
impl Serialize for Facts {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Facts::Tls(f) => f.serialize(s),
            Facts::Http(f) => f.serialize(s),
            Facts::HostAudit(f) => f.serialize(s),
            Facts::Vulnerabilities(f) => f.serialize(s),
            Facts::Agent(f) => f.serialize(s),
            Facts::Ssh(f) => f.serialize(s),
            Facts::Dns(f) => f.serialize(s),
            Facts::Other(_, v) => v.serialize(s),
        }
    }
}

impl Facts {
    pub fn kind(&self) -> RecordKind {
        match self {
            Facts::Tls(_) => RecordKind::Tls,
            Facts::Http(_) => RecordKind::Http,
            Facts::HostAudit(_) => RecordKind::HostAudit,
            Facts::Vulnerabilities(_) => RecordKind::Vulnerabilities,
            Facts::Agent(_) => RecordKind::Agent,
            Facts::Ssh(_) => RecordKind::Ssh,
            Facts::Dns(_) => RecordKind::Dns,
            Facts::Other(kind, _) => RecordKind::Other(kind.clone()),
        }
    }

    /// The facts as the rule language's JSON: every name of the contract present, the optional
    /// ones (absent from evidence files when they do not apply) as null, so that rules test
    /// `tls.starttls_offered != null` rather than `has(…)`, which the CEL interpreter evaluates by
    /// copying the whole record (seconds on a megabyte record, per rule and system).
    pub fn to_value(&self) -> Value {
        // invariant: the fact types have string keys and derived serialisers, which cannot fail.
        let mut v = serde_json::to_value(self).unwrap_or_else(|_| Value::Object(Extra::new()));
        let optional = match self {
            Facts::Tls(_) => TlsFacts::MAIL_FACTS,
            Facts::Http(_) => HttpFacts::OPTIONAL_FACTS,
            _ => &[],
        };
        if let Value::Object(m) = &mut v {
            for name in optional {
                m.entry(name.to_string()).or_insert(Value::Null);
            }
        }
        v
    }

    /// Reads the `facts` of a record of `kind`: the contract's names typed, any other top-level
    /// fact kept under `extra` (never dropped).
    pub fn from_value(kind: &RecordKind, facts: Value) -> Result<Facts, Text> {
        Ok(match kind {
            RecordKind::Tls => Facts::Tls(typed(facts)?),
            RecordKind::Http => Facts::Http(typed(facts)?),
            RecordKind::HostAudit => Facts::HostAudit(typed(facts)?),
            RecordKind::Vulnerabilities => Facts::Vulnerabilities(typed(facts)?),
            RecordKind::Agent => Facts::Agent(typed(facts)?),
            RecordKind::Ssh => Facts::Ssh(typed(facts)?),
            RecordKind::Dns => Facts::Dns(typed(facts)?),
            RecordKind::Other(k) => Facts::Other(k.clone(), facts),
        })
    }
}

/// The fact types of the contract: every one keeps unknown facts in its `extra`.
trait Typed: DeserializeOwned + Serialize + Default {
    /// Names the default value does not write (skipped when absent) but the contract knows.
    const OPTIONAL: &'static [&'static str] = &[];
    fn extra(&mut self) -> &mut Extra;
}

macro_rules! typed_facts {
    ($($t:ty),*) => {$(
        impl Typed for $t {
            fn extra(&mut self) -> &mut Extra {
                &mut self.extra
            }
        }
    )*};
}
typed_facts!(HostAuditFacts, VulnerabilityFacts, AgentFacts, SshFacts, DnsFacts);

impl Typed for HttpFacts {
    const OPTIONAL: &'static [&'static str] = HttpFacts::OPTIONAL_FACTS;
    fn extra(&mut self) -> &mut Extra {
        &mut self.extra
    }
}

impl Typed for TlsFacts {
    const OPTIONAL: &'static [&'static str] = TlsFacts::MAIL_FACTS;
    fn extra(&mut self) -> &mut Extra {
        &mut self.extra
    }
}

/// Deserialises `facts` as `T`, moving top-level names `T` does not have into `extra`.
fn typed<T: Typed>(facts: Value) -> Result<Box<T>, Text> {
    let Value::Object(mut map) = facts else {
        return Err(Text::new("`facts` is not an object", "`facts` không phải một đối tượng"));
    };
    let known = known_names::<T>();
    let unknown: Vec<String> = map.keys().filter(|k| !known.contains(k.as_str())).cloned().collect();
    let moved: Vec<(String, Value)> = unknown.into_iter().filter_map(|k| map.remove_entry(&k)).collect();
    let mut t: T = serde_json::from_value(Value::Object(map)).map_err(|e| super::json_error::reason(&e))?;
    let extra = t.extra();
    for (k, v) in moved {
        extra.entry(k).or_insert(v);
    }
    Ok(Box::new(t))
}

/// The top-level names of `T`: those of its default value written out, plus `extra`.
fn known_names<T: Typed>() -> std::collections::HashSet<String> {
    let mut names: std::collections::HashSet<String> = match serde_json::to_value(T::default()) {
        Ok(Value::Object(m)) => m.into_iter().map(|(k, _)| k).collect(),
        _ => Default::default(),
    };
    names.insert("extra".into());
    names.extend(T::OPTIONAL.iter().map(|n| n.to_string()));
    names
}

/// Where a record's facts came from when another tool measured them (imports).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    /// The file the tool wrote, as named on the command line.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub file: String,
    /// The format it was read as (`arf`, `xccdf`, `lynis`, `openvas`, …).
    pub format: String,
    /// The tool and version that wrote it, when the file says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool: Option<String>,
}

/// One evidence record.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    kind: RecordKind,
    facts: Option<Facts>,
    error: Option<ProbeError>,
    /// What was measured: `host:port`, a URL, a host address or name, a domain.
    pub target: String,
    /// The address the target was measured at.
    pub address: Option<String>,
    /// Every address the tool gave for the host (host records).
    pub addresses: Vec<String>,
    /// Every host name the tool gave for the host (host records).
    pub hostnames: Vec<String>,
    /// The name sent as TLS SNI.
    pub sni: Option<String>,
    /// When the target was measured (RFC 3339, the tool's own time).
    pub observed_at: Option<String>,
    pub source: Option<Source>,
    /// Where the record is in its file (record index for documents, line for JSON Lines).
    pub position: String,
}

impl Record {
    /// A measured target.
    pub fn measured(target: impl Into<String>, facts: Facts) -> Record {
        Record { kind: facts.kind(), facts: Some(facts), error: None, ..Record::blank(target.into()) }
    }

    /// A target of `kind` that could not be measured.
    pub fn failed(kind: RecordKind, target: impl Into<String>, error: ProbeError) -> Record {
        Record { kind, facts: None, error: Some(error), ..Record::blank(target.into()) }
    }

    fn blank(target: String) -> Record {
        Record {
            kind: RecordKind::Other(String::new()),
            facts: None,
            error: None,
            target,
            address: None,
            addresses: Vec::new(),
            hostnames: Vec::new(),
            sni: None,
            observed_at: None,
            source: None,
            position: String::new(),
        }
    }

    pub fn kind(&self) -> &RecordKind {
        &self.kind
    }

    /// The facts, when the target was measured.
    pub fn facts(&self) -> Option<&Facts> {
        self.facts.as_ref()
    }

    /// Why the target could not be measured, when it could not.
    pub fn error(&self) -> Option<&ProbeError> {
        self.error.as_ref()
    }

    /// When it was observed, if the time is given and valid RFC 3339.
    pub fn observed(&self) -> Option<OffsetDateTime> {
        let t = self.observed_at.as_deref()?;
        OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok()
    }

    /// Reads one record as written in an evidence file.
    pub fn from_value(v: Value) -> Result<Record, Text> {
        let wire: WireIn = serde_json::from_value(v).map_err(|e| super::json_error::reason(&e))?;
        let kind = RecordKind::parse(&wire.kind);
        let mut rec = match (wire.error, wire.facts) {
            (Some(error), _) => Record::failed(kind, wire.target, error),
            (None, Some(facts)) if !facts.is_null() => {
                let facts = Facts::from_value(&kind, facts).map_err(|e| {
                    let (target, en, vi) = (crate::sanitize::one_line(&wire.target), e.en, e.vi);
                    text!("{kind} facts of {target}: {en}", "dữ kiện {kind} của {target}: {vi}")
                })?;
                Record::measured(wire.target, facts)
            }
            (None, _) => {
                let target = crate::sanitize::one_line(&wire.target);
                return Err(text!(
                    "record for {target} has neither `facts` nor `error`",
                    "bản ghi của {target} không có cả `facts` lẫn `error`"
                ));
            }
        };
        rec.address = wire.address;
        rec.addresses = wire.addresses;
        rec.hostnames = wire.hostnames;
        rec.sni = wire.sni;
        rec.observed_at = wire.observed_at;
        rec.source = wire.source;
        Ok(rec)
    }
}

/// A record as written: `error` and `facts` always present (one of them null), the host fields
/// only when set.
#[derive(Serialize, Deserialize)]
struct Wire<F> {
    kind: String,
    target: String,
    #[serde(default)]
    address: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    addresses: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    hostnames: Vec<String>,
    #[serde(default)]
    sni: Option<String>,
    #[serde(default)]
    observed_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    source: Option<Source>,
    #[serde(default)]
    error: Option<ProbeError>,
    #[serde(default)]
    facts: Option<F>,
}

type WireIn = Wire<Value>;

impl Serialize for Record {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Wire {
            kind: self.kind.as_str().to_string(),
            target: self.target.clone(),
            address: self.address.clone(),
            addresses: self.addresses.clone(),
            hostnames: self.hostnames.clone(),
            sni: self.sni.clone(),
            observed_at: self.observed_at.clone(),
            source: self.source.clone(),
            error: self.error.clone(),
            facts: self.facts.as_ref(),
        }
        .serialize(s)
    }
}
