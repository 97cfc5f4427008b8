//! The live probes behind `collect`: TLS enumeration plus certificate analysis for `tls`
//! targets, the HTTP probe for `http` targets, the SSH probe for `ssh` targets, the mail probe
//! (the TLS enumeration behind STARTTLS, or implicit TLS) for `mail` targets. All only ever
//! connect through the shared [`Dialer`], so the politeness bounds hold across kinds.

use super::plan::{Kind, Target};
use super::runner::{ProbeFuture, ProbeResult, Prober};
use crate::collect::dns::DnsSettings;
use crate::collect::http::{self, UrlTarget};
use crate::collect::net::Dialer;
use crate::collect::tls::certificate;
use crate::collect::tls::enumerate::{self, Endpoint};
use crate::collect::tls::trust::TrustStore;
use crate::evidence::{ErrorClass, Facts};
use std::net::SocketAddr;
use std::sync::Arc;

pub struct LiveProber {
    dialer: Arc<Dialer>,
    trust: Arc<TrustStore>,
    declared_hosts: Vec<String>,
    /// The resolver and trust anchor of DNS targets, and the declared mail hosts MX records
    /// are matched against.
    dns: Option<(DnsSettings, Vec<String>)>,
}

impl LiveProber {
    pub fn new(dialer: Arc<Dialer>, trust: Arc<TrustStore>, declared_hosts: Vec<String>) -> LiveProber {
        LiveProber { dialer, trust, declared_hosts, dns: None }
    }

    /// Sets how DNS targets are asked (without it, a DNS target is an internal error).
    pub fn with_dns(mut self, settings: DnsSettings, declared_mail: Vec<String>) -> LiveProber {
        self.dns = Some((settings, declared_mail));
        self
    }

    async fn dns(&self, t: &Target) -> ProbeResult {
        let (settings, mail) =
            self.dns.as_ref().ok_or_else(|| crate::collect::net::error(ErrorClass::Internal, "no resolver was set"))?;
        Ok(Facts::Dns(Box::new(crate::collect::dns::probe(&self.dialer, settings, &t.host, mail).await?)))
    }

    async fn tls(&self, t: &Target, addr: SocketAddr) -> ProbeResult {
        let ep = Endpoint { addr, sni: t.sni() };
        let found = match t.mail {
            Some(protocol) => crate::collect::mail::probe(&self.dialer, ep, protocol).await?,
            None => enumerate::enumerate(&self.dialer, ep).await?,
        };
        let mut facts = found.facts;
        // Certificate facts are judged at observation time; rules recompute expiry at --as-of.
        if !found.chain.is_empty() {
            let now = time::OffsetDateTime::now_utc();
            facts.certificate = Some(certificate::analyse(&found.chain, &t.host, &self.trust, now));
        }
        Ok(Facts::Tls(Box::new(facts)))
    }

    async fn http(&self, t: &Target, addr: SocketAddr) -> ProbeResult {
        let url = t
            .url
            .clone()
            .ok_or_else(|| crate::collect::net::error(ErrorClass::Internal, "an http target without URL"))?;
        let target =
            UrlTarget { url, address: Some(addr.ip()), declared_hosts: self.declared_hosts.clone(), http_port: None };
        Ok(Facts::Http(Box::new(http::probe(&self.dialer, &target).await?)))
    }
}

impl Prober for LiveProber {
    fn probe(self: Arc<Self>, target: Arc<Target>, addr: SocketAddr) -> ProbeFuture {
        Box::pin(async move {
            match target.kind {
                Kind::Tls | Kind::Mail => self.tls(&target, addr).await,
                Kind::Http => self.http(&target, addr).await,
                Kind::Dns => self.dns(&target).await,
                Kind::Ssh => Ok(Facts::Ssh(Box::new(crate::collect::ssh::probe(&self.dialer, addr).await?))),
            }
        })
    }
}
