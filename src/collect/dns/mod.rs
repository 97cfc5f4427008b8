//! The DNS probe of a declared domain (`domains:`): its SPF, DMARC, MTA-STS, CAA and MX records
//! read through one resolver (the system's, or `--resolver`), and its DNSSEC status validated by
//! tuanthu itself from a trust anchor (the root keys built into hickory, or the DNSKEY and DS lines
//! of `--dnssec-anchor`, [`ds`] turning DS lines into keys), never taken from the resolver's AD bit.
//!
//! Scope: only the declared domain and the names its own records point the evaluation at are
//! asked (`_dmarc.`, `_mta-sts.`, `mta-sts.`, and the SPF `include:`/`redirect=` targets, which
//! RFC 7208 counts towards the 10-lookup limit); every query goes to the resolver, never to the
//! domain's servers (a DS anchor's DNSKEY set too, over TCP). The one HTTPS fetch a domain allows
//! is its MTA-STS policy, only when the `_mta-sts.` record exists, and read only over a certificate
//! valid for its host (`policy`). MX hosts are named, never contacted here.
//!
//! Politeness: each query holds a [`Dialer`] permit for the resolver's address, so queries to one
//! resolver are spaced and bounded like connections to any host. Answers are capped (records per
//! answer, bytes per TXT record).

pub mod anchor;
pub mod ds;
mod policy;
pub mod records;

use crate::collect::net::{Dialer, error};
use crate::collect::tls::trust::TrustStore;
use crate::evidence::{Caa, DnsFacts, ErrorClass, MtaSts, Mx, ProbeError, Spf};
use hickory_resolver::config::{NameServerConfig, ResolverConfig, ResolverOpts};
use hickory_resolver::net::NetError;
use hickory_resolver::proto::dnssec::{Proof, TrustAnchors};
use hickory_resolver::proto::rr::{RData, RecordType};
use hickory_resolver::{TokioResolver, net::runtime::TokioRuntimeProvider};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

/// Most records read from one answer; more are ignored (and said so in the count).
pub const MAX_RECORDS: usize = 64;
/// Most bytes kept of one TXT record (its strings joined).
pub const MAX_TXT_BYTES: usize = 4096;
/// Most bytes of an MTA-STS policy file (RFC 8461 §3.3 suggests 64 KiB).
pub const MAX_POLICY_BYTES: usize = 64 << 10;
/// RFC 7208 §4.6.4: more DNS-querying terms than this is a permanent error.
pub const SPF_LOOKUP_LIMIT: usize = 10;

/// How the DNS probe asks: where, and from which trust anchor DNSSEC is validated.
#[derive(Clone)]
pub struct DnsSettings {
    /// The resolver every query goes to.
    pub resolver: SocketAddr,
    /// `system` or the `--resolver` value, as the records say it.
    pub resolver_label: String,
    /// The DNSKEY and DS anchors DNSSEC is validated from.
    pub anchor: Arc<anchor::Anchors>,
    /// `root`, or the `--dnssec-anchor` file.
    pub anchor_label: String,
    /// The roots the MTA-STS policy host's certificate must chain to (Mozilla's and
    /// `--ca-bundle`, as for the tls probe).
    pub trust: Arc<TrustStore>,
    /// The port of the MTA-STS policy fetch (443; tests serve it elsewhere).
    pub https_port: u16,
}

impl DnsSettings {
    /// The system's resolver (the first of `/etc/resolv.conf`) with the built-in root anchor.
    pub fn system() -> Result<DnsSettings, String> {
        let (config, _) = hickory_resolver::system_conf::read_system_conf()
            .map_err(|e| format!("cannot read the system's resolver configuration: {e}"))?;
        let ns = config.name_servers().first().ok_or("the system's resolver configuration names no server")?;
        let port = ns.connections.first().map_or(53, |c| c.port);
        Ok(DnsSettings::at(SocketAddr::new(ns.ip, port), "system".into()))
    }

    /// The resolver at `addr`, with the built-in root anchor.
    pub fn at(resolver: SocketAddr, label: String) -> DnsSettings {
        DnsSettings {
            resolver,
            resolver_label: label,
            anchor: Arc::new(anchor::Anchors::default()),
            anchor_label: "root".into(),
            trust: Arc::new(TrustStore::mozilla()),
            https_port: 443,
        }
    }
}

/// One probe's resolver: a plain one reads the records (a bogus zone's records are still worth
/// reporting); a validating one, built from the anchors once DS anchors are resolved, decides
/// `dnssec`.
struct Client<'a> {
    dialer: &'a Dialer,
    plain: TokioResolver,
    at: SocketAddr,
    queries: usize,
}

fn resolver(s: &DnsSettings, dialer: &Dialer, anchors: Option<Arc<TrustAnchors>>) -> Result<TokioResolver, ProbeError> {
    let mut ns = NameServerConfig::udp_and_tcp(s.resolver.ip());
    for c in &mut ns.connections {
        c.port = s.resolver.port();
    }
    let config = ResolverConfig::from_name_servers(vec![ns]);
    let mut opts = ResolverOpts::default();
    opts.timeout = dialer.limits.read_timeout;
    opts.attempts = 2;
    opts.cache_size = 64;
    opts.edns0 = true;
    opts.validate = anchors.is_some();
    let mut b = TokioResolver::builder_with_config(config, TokioRuntimeProvider::default()).with_options(opts);
    if let Some(a) = anchors {
        b = b.with_trust_anchor(a);
    }
    b.build().map_err(|e| error(ErrorClass::Internal, format!("cannot set up the resolver: {e}")))
}

/// What a lookup found: the records (capped), or that there are none.
enum Answer {
    Records(Vec<RData>),
    None,
}

impl Client<'_> {
    async fn lookup(&mut self, name: &str, rtype: RecordType) -> Result<Answer, ProbeError> {
        let _permit = self.dialer.permit(self.at.ip()).await;
        self.queries += 1;
        let fqdn = format!("{}.", name.trim_end_matches('.'));
        match self.plain.lookup(fqdn.as_str(), rtype).await {
            Ok(l) => Ok(Answer::Records(
                l.answers()
                    .iter()
                    .filter(|r| r.record_type() == rtype)
                    .take(MAX_RECORDS)
                    .map(|r| r.data.clone())
                    .collect(),
            )),
            Err(e) if e.is_no_records_found() || is_nxdomain(&e) => Ok(Answer::None),
            Err(e) => Err(classify(&e, name, rtype, self.at)),
        }
    }

    async fn txt(&mut self, name: &str) -> Result<Vec<String>, ProbeError> {
        Ok(match self.lookup(name, RecordType::TXT).await? {
            Answer::None => Vec::new(),
            Answer::Records(rs) => rs
                .iter()
                .filter_map(|r| match r {
                    RData::TXT(t) => {
                        let joined: Vec<u8> =
                            t.txt_data.iter().flat_map(|s| s.iter().copied()).take(MAX_TXT_BYTES).collect();
                        Some(crate::sanitize::one_line(&String::from_utf8_lossy(&joined)))
                    }
                    _ => None,
                })
                .collect(),
        })
    }

    /// `secure`, `insecure`, `bogus` or `indeterminate`, from validating the domain's SOA answer
    /// from the anchors (DS anchors first turned into keys), and why when it is not a proof.
    async fn dnssec(&mut self, settings: &DnsSettings, domain: &str) -> Result<(String, String), ProbeError> {
        let keys =
            match ds::trusted_keys(self.dialer, self.at, &settings.anchor, &settings.anchor_label, &mut self.queries)
                .await
            {
                Ok(keys) => keys,
                Err(f) => return Ok((f.dnssec.to_string(), crate::sanitize::one_line(&f.reason))),
            };
        let validating = resolver(settings, self.dialer, Some(Arc::new(keys)))?;
        let _permit = self.dialer.permit(self.at.ip()).await;
        self.queries += 1;
        let fqdn = format!("{}.", domain.trim_end_matches('.'));
        let (proof, detail) = match validating.lookup(fqdn.as_str(), RecordType::SOA).await {
            Ok(l) => (
                l.answers().iter().map(|r| r.proof).min_by_key(|p| proof_rank(*p)).unwrap_or(Proof::Indeterminate),
                String::new(),
            ),
            Err(e) => (proof_of_error(&e), format!(": {}", crate::sanitize::one_line(&e.to_string()))),
        };
        let anchor = &settings.anchor_label;
        let reason = match proof {
            Proof::Bogus => format!("the SOA answer of {domain} does not validate from {anchor}{detail}"),
            Proof::Secure | Proof::Insecure => String::new(),
            _ => format!("no proof either way for the SOA answer of {domain} from {anchor}{detail}"),
        };
        let verdict = match proof {
            Proof::Secure => "secure",
            Proof::Insecure => "insecure",
            Proof::Bogus => "bogus",
            _ => "indeterminate",
        };
        Ok((verdict.to_string(), reason))
    }
}

/// Orders proofs so that the weakest of an RRset decides (a bogus record spoils a secure set).
fn proof_rank(p: Proof) -> u8 {
    match p {
        Proof::Bogus => 0,
        Proof::Indeterminate => 1,
        Proof::Insecure => 2,
        _ => 3,
    }
}

fn proof_of_error(e: &NetError) -> Proof {
    use hickory_resolver::net::{DnsError, NetError as N};
    match e {
        N::Dns(DnsError::DnssecBogus) => Proof::Bogus,
        N::Dns(DnsError::Nsec { proof, .. }) => *proof,
        // An unsigned "no such record" the validator let through carries no proof: insecure.
        e if e.is_no_records_found() => Proof::Insecure,
        _ => {
            let text = e.to_string();
            if text.contains("DNSSEC") || text.contains("bogus") || text.contains("Bogus") {
                Proof::Bogus
            } else {
                Proof::Indeterminate
            }
        }
    }
}

fn is_nxdomain(e: &NetError) -> bool {
    use hickory_resolver::net::{DnsError, NetError as N};
    use hickory_resolver::proto::op::ResponseCode;
    match e {
        N::Dns(DnsError::NoRecordsFound(n)) => n.response_code == ResponseCode::NXDomain,
        N::Dns(DnsError::ResponseCode(ResponseCode::NXDomain)) => true,
        _ => false,
    }
}

fn classify(e: &NetError, name: &str, rtype: RecordType, at: SocketAddr) -> ProbeError {
    let text = crate::sanitize::one_line(&e.to_string());
    let class = if text.contains("timed out") || text.contains("timeout") {
        ErrorClass::Timeout
    } else if text.contains("refused") || text.contains("unreachable") {
        ErrorClass::Connect
    } else {
        ErrorClass::Dns
    };
    error(class, format!("{rtype} {name} asked of {at}: {text}"))
}

/// Measures `domain`. `declared_mail` holds the host names declared as `mail:` endpoints (MX
/// hosts among them are marked `declared`).
pub async fn probe(
    dialer: &Dialer,
    settings: &DnsSettings,
    domain: &str,
    declared_mail: &[String],
) -> Result<DnsFacts, ProbeError> {
    let mut c = Client { dialer, plain: resolver(settings, dialer, None)?, at: settings.resolver, queries: 0 };
    // The first query also tells a dead resolver apart: its error makes the record an error.
    let txt = c.txt(domain).await?;
    let spf = spf(&mut c, &txt).await?;
    let dmarc: Vec<String> =
        c.txt(&format!("_dmarc.{domain}")).await?.into_iter().filter(|t| records::is_dmarc(t)).collect();
    let dmarc = records::dmarc(&dmarc);
    let mut mta_sts = MtaSts::default();
    let sts: Vec<String> =
        c.txt(&format!("_mta-sts.{domain}")).await?.into_iter().filter(|t| records::is_mta_sts(t)).collect();
    if let Some(first) = sts.first() {
        mta_sts.record = first.clone();
        mta_sts.id = records::mta_sts_id(first);
        match policy_address(&mut c, domain).await {
            Err(e) => (mta_sts.policy_error, mta_sts.error) = ("address".into(), e),
            Ok(addr) => match policy::fetch(c.dialer, settings, domain, addr).await {
                Ok(text) => records::mta_sts_policy(&text, &mut mta_sts),
                Err(e) => (mta_sts.policy_error, mta_sts.error) = (e.class.to_string(), e.message),
            },
        }
    }
    mta_sts.missing = mta_sts.what_is_missing();
    let caa = caa(&mut c, domain).await?;
    let mx = mx(&mut c, domain, declared_mail).await?;
    let (dnssec, dnssec_reason) = c.dnssec(settings, domain).await?;
    Ok(DnsFacts {
        spf,
        dmarc,
        mta_sts,
        caa,
        dnssec,
        dnssec_reason,
        mx,
        dnssec_anchor: settings.anchor_label.clone(),
        resolver: settings.resolver_label.clone(),
        queries: c.queries,
        extra: crate::evidence::Extra::new(),
    })
}

/// The SPF facts: the record, its `all`, and its lookups counted through includes and redirects
/// until the limit is passed (then counting stops: the result is already a permanent error).
async fn spf(c: &mut Client<'_>, txt: &[String]) -> Result<Spf, ProbeError> {
    let found: Vec<&String> = txt.iter().filter(|t| records::is_spf(t)).collect();
    let mut out = Spf { records: found.len(), result: "none".into(), ..Spf::default() };
    let Some(first) = found.first() else { return Ok(out) };
    out.record = (*first).clone();
    let top = records::spf_terms(first);
    out.all = top.all.map(String::from).unwrap_or_default();
    out.problems.extend(top.bad.iter().map(|t| format!("term `{t}` does not parse")));
    if found.len() > 1 {
        out.problems.push(format!("{} SPF records (RFC 7208 §4.5: more than one is a permerror)", found.len()));
    }
    out.lookups = top.lookups;
    let mut queue: Vec<String> = top.follow;
    let mut seen = 0;
    while let Some(next) = queue.pop() {
        if out.lookups > SPF_LOOKUP_LIMIT || seen >= SPF_LOOKUP_LIMIT {
            break;
        }
        seen += 1;
        let txt = c.txt(&next).await?;
        let Some(rec) = txt.iter().find(|t| records::is_spf(t)) else {
            out.problems.push(format!("`{next}` (included) has no SPF record"));
            continue;
        };
        let t = records::spf_terms(rec);
        out.lookups += t.lookups;
        queue.extend(t.follow);
    }
    if out.lookups > SPF_LOOKUP_LIMIT {
        out.problems.push(format!("more than {SPF_LOOKUP_LIMIT} DNS lookups (RFC 7208 §4.6.4)"));
    }
    out.result = if out.problems.is_empty() { "pass" } else { "permerror" }.into();
    Ok(out)
}

async fn caa(c: &mut Client<'_>, domain: &str) -> Result<Caa, ProbeError> {
    let mut out = Caa::default();
    let Answer::Records(rs) = c.lookup(domain, RecordType::CAA).await? else { return Ok(out) };
    for r in &rs {
        let RData::CAA(caa) = r else { continue };
        out.records += 1;
        let value = crate::sanitize::one_line(&String::from_utf8_lossy(&caa.value));
        let name = value.split(';').next().unwrap_or_default().trim().to_string();
        match caa.tag.to_ascii_lowercase().as_str() {
            "issue" => out.issuers.push(name),
            "issuewild" => out.issuewild.push(name),
            "iodef" => out.iodef.push(value),
            _ => {}
        }
    }
    Ok(out)
}

async fn mx(c: &mut Client<'_>, domain: &str, declared_mail: &[String]) -> Result<Vec<Mx>, ProbeError> {
    let Answer::Records(rs) = c.lookup(domain, RecordType::MX).await? else { return Ok(Vec::new()) };
    let mut out: Vec<Mx> = rs
        .iter()
        .filter_map(|r| match r {
            RData::MX(m) => {
                let host = crate::sanitize::one_line(&m.exchange.to_ascii()).trim_end_matches('.').to_ascii_lowercase();
                let declared = declared_mail.iter().any(|d| crate::inventory::same_name(d, &host));
                Some(Mx { host, preference: m.preference, declared })
            }
            _ => None,
        })
        .collect();
    out.sort_by(|a, b| (a.preference, &a.host).cmp(&(b.preference, &b.host)));
    Ok(out)
}

/// The address of `mta-sts.<domain>` through the same resolver (A, then AAAA), or why there is
/// none (the record then has no policy).
async fn policy_address(c: &mut Client<'_>, domain: &str) -> Result<IpAddr, String> {
    let host = format!("mta-sts.{domain}");
    for rtype in [RecordType::A, RecordType::AAAA] {
        if let Answer::Records(rs) = c.lookup(&host, rtype).await.map_err(|e| e.message)?
            && let Some(a) = rs.iter().find_map(|r| r.ip_addr())
        {
            return Ok(a);
        }
    }
    Err(format!("{host} has no address"))
}
