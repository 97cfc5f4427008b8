//! The one HTTPS fetch a declared domain allows: its MTA-STS policy,
//! `https://mta-sts.<domain>/.well-known/mta-sts.txt` (RFC 8461 §3.3), at the address the
//! resolver gave, without following redirects, the body capped.
//!
//! The certificate is part of the policy: RFC 8461 §3.3 requires the policy host to present a
//! certificate valid for `mta-sts.<domain>` that chains to a trusted root, and a policy fetched
//! otherwise is not a policy (an attacker on the path could serve their own). It is checked
//! against the roots the rest of `collect` uses (Mozilla's and `--ca-bundle`), and a failure is
//! kept apart from other failures (`certificate`) with webpki's reason.

use super::{DnsSettings, MAX_POLICY_BYTES};
use crate::collect::net::Dialer;
use crate::collect::tls::trust::TrustStore;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

/// Why no policy was read: `class` is the `mta_sts.policy_error` fact, `message` the `error`.
pub struct Failure {
    pub class: &'static str,
    pub message: String,
}

fn failure(class: &'static str, message: impl AsRef<str>) -> Failure {
    Failure { class, message: crate::sanitize::one_line(message.as_ref()) }
}

/// Fetches the policy of `domain` from `addr`.
pub async fn fetch(dialer: &Dialer, settings: &DnsSettings, domain: &str, addr: IpAddr) -> Result<String, Failure> {
    let host = format!("mta-sts.{domain}");
    let peer = SocketAddr::new(addr, settings.https_port);
    let limits = &dialer.limits;
    let _permit = dialer.permit(addr).await;
    let url = if settings.https_port == 443 {
        format!("https://{host}/.well-known/mta-sts.txt")
    } else {
        format!("https://{host}:{}/.well-known/mta-sts.txt", settings.https_port)
    };
    let (tls, rejected) = verifying_config(&settings.trust).map_err(|e| failure("connect", e))?;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .retry(reqwest::retry::never())
        .no_proxy()
        .pool_max_idle_per_host(0)
        .connect_timeout(limits.connect_timeout)
        .read_timeout(limits.read_timeout)
        .tls_backend_preconfigured(tls)
        .user_agent(crate::collect::http::probe::USER_AGENT)
        .resolve(&host, peer)
        .build()
        .map_err(|e| failure("connect", format!("cannot set up an HTTP client: {e}")))?;
    let sent = client.get(&url).send().await;
    // The verifier's own reason, when it refused the certificate, says more than the
    // connection error it turns into.
    if let Some(why) = rejected.lock().unwrap_or_else(|e| e.into_inner()).take() {
        return Err(failure("certificate", format!("GET {url}: the certificate of {host} is not valid: {why}")));
    }
    let mut response = sent.map_err(|e| failure("connect", format!("GET {url}: {e}")))?;
    if response.status().as_u16() != 200 {
        return Err(failure("http", format!("GET {url}: HTTP {}", response.status().as_u16())));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| failure("connect", format!("GET {url}: {e}")))? {
        body.extend_from_slice(&chunk);
        if body.len() > MAX_POLICY_BYTES {
            return Err(failure("content", format!("GET {url}: the policy exceeds {MAX_POLICY_BYTES} bytes")));
        }
    }
    Ok(String::from_utf8_lossy(&body).into_owned())
}

/// Where the verifier leaves its reason when it refuses a certificate.
type Rejection = Arc<Mutex<Option<String>>>;

/// A rustls client configuration that checks the chain and the name against `trust`, and the
/// slot where the verifier leaves its reason when it refuses.
fn verifying_config(trust: &TrustStore) -> Result<(rustls::ClientConfig, Rejection), String> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let roots = rustls::RootCertStore { roots: trust.anchors().to_vec() };
    let inner = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .map_err(|e| format!("no trusted root to check the policy host's certificate against: {e}"))?;
    let rejected = Arc::new(Mutex::new(None));
    let verifier = Arc::new(Recording { inner, rejected: rejected.clone() });
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("cannot set up TLS: {e}"))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    Ok((config, rejected))
}

/// webpki's verifier, remembering why it refused a certificate.
#[derive(Debug)]
struct Recording {
    inner: Arc<WebPkiServerVerifier>,
    rejected: Rejection,
}

impl ServerCertVerifier for Recording {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.inner.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now).inspect_err(|e| {
            *self.rejected.lock().unwrap_or_else(|p| p.into_inner()) = Some(reason(e));
        })
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// The reason a reader needs, in the words of the tls probe's findings.
fn reason(e: &rustls::Error) -> String {
    match e {
        rustls::Error::InvalidCertificate(c) => match c {
            CertificateError::UnknownIssuer => "it does not chain to a trusted root".into(),
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                "it is not valid for this name".into()
            }
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => "it has expired".into(),
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => "it is not valid yet".into(),
            CertificateError::Revoked => "it is revoked".into(),
            other => format!("{other:?}"),
        },
        other => other.to_string(),
    }
}
