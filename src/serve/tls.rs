//! TLS for `tuanthu serve --tls-cert FILE --tls-key FILE`: rustls with the aws-lc-rs provider
//! (the project's one crypto provider), TLS 1.2 and 1.3, HTTP/1.1.
//!
//! [`TlsListener`] is an axum listener: a background task accepts TCP connections and runs each
//! handshake in its own task under a timeout, so a slow or silent client cannot hold up the
//! others; finished handshakes are handed to axum, which serves them as it serves plain TCP
//! (graceful shutdown included). A client speaking plain HTTP to the TLS port gets a plain
//! `400` that says to use `https://` (as nginx does), then the connection is closed.

use rustls::ServerConfig;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

/// Longest a client may take to finish its handshake.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Handshakes finished but not yet taken by the server (back-pressure on the accept loop).
const QUEUE: usize = 64;

/// Why the certificate or key could not be used; each names its file.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("{path}: cannot read the certificate chain: {reason}")]
    Certificate { path: String, reason: String },
    #[error(
        "{path}: no certificate in the file (expected PEM `-----BEGIN CERTIFICATE-----` blocks, the server's first)"
    )]
    NoCertificate { path: String },
    #[error("{path}: cannot read the private key: {reason} (expected a PEM PKCS#8, PKCS#1 or SEC1 key)")]
    Key { path: String, reason: String },
    #[error("{cert} and {key}: {reason}")]
    Mismatch { cert: String, key: String, reason: String },
}

/// The server configuration for a PEM certificate chain (the server's certificate first) and its
/// PEM private key.
pub fn server_config(cert: &Path, key: &Path) -> Result<Arc<ServerConfig>, TlsError> {
    let shown = |p: &Path| crate::sanitize::one_line(&p.display().to_string());
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<Result<_, _>>())
        .map_err(|e| TlsError::Certificate { path: shown(cert), reason: pem_reason(&e) })?;
    if chain.is_empty() {
        return Err(TlsError::NoCertificate { path: shown(cert) });
    }
    let private =
        PrivateKeyDer::from_pem_file(key).map_err(|e| TlsError::Key { path: shown(key), reason: pem_reason(&e) })?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mismatch = |e: rustls::Error| TlsError::Mismatch { cert: shown(cert), key: shown(key), reason: e.to_string() };
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(mismatch)?
        .with_no_client_auth()
        .with_single_cert(chain, private)
        .map_err(mismatch)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

fn pem_reason(e: &rustls_pki_types::pem::Error) -> String {
    match e {
        rustls_pki_types::pem::Error::Io(io) => io.to_string(),
        rustls_pki_types::pem::Error::NoItemsFound => "no PEM block of that kind in the file".into(),
        other => format!("not valid PEM ({other:?})"),
    }
}

/// Accepted TLS connections, for `axum::serve`.
pub struct TlsListener {
    local: SocketAddr,
    ready: tokio::sync::mpsc::Receiver<(TlsStream<tokio::net::TcpStream>, SocketAddr)>,
    accept_loop: tokio::task::JoinHandle<()>,
}

impl TlsListener {
    /// Starts accepting on `listener` with `config`.
    pub fn new(listener: TcpListener, config: Arc<ServerConfig>) -> std::io::Result<TlsListener> {
        let local = listener.local_addr()?;
        let (tx, ready) = tokio::sync::mpsc::channel(QUEUE);
        let acceptor = TlsAcceptor::from(config);
        let accept_loop = tokio::spawn(async move {
            loop {
                let (tcp, peer) = match listener.accept().await {
                    Ok(c) => c,
                    Err(e) => {
                        // Out of file descriptors and the like: wait rather than spin.
                        super::log("error", serde_json::json!({"event": "accept_error", "message": e.to_string()}));
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                };
                let (acceptor, tx) = (acceptor.clone(), tx.clone());
                tokio::spawn(async move {
                    if let Some(stream) = handshake(&acceptor, tcp, peer).await {
                        let _ = tx.send((stream, peer)).await;
                    }
                });
            }
        });
        Ok(TlsListener { local, ready, accept_loop })
    }
}

impl Drop for TlsListener {
    fn drop(&mut self) {
        self.accept_loop.abort();
    }
}

/// The handshake of one connection; `None` (logged) when it fails, times out or is plain HTTP.
async fn handshake(
    acceptor: &TlsAcceptor,
    mut tcp: tokio::net::TcpStream,
    peer: SocketAddr,
) -> Option<TlsStream<tokio::net::TcpStream>> {
    let mut first = [0u8; 1];
    // A TLS connection opens with a handshake record (0x16); an ASCII letter is plain HTTP.
    let peeked = tokio::time::timeout(HANDSHAKE_TIMEOUT, tcp.peek(&mut first)).await;
    if matches!(peeked, Ok(Ok(1))) && first[0].is_ascii_alphabetic() {
        let body = r#"{"error":{"code":"bad_request","message":"this port speaks TLS: use https://"}}"#;
        let response = format!(
            "HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        let _ = tcp.write_all(response.as_bytes()).await;
        let _ = tcp.shutdown().await;
        super::log("info", serde_json::json!({"event": "plain_http_on_tls_port", "peer": peer.to_string()}));
        return None;
    }
    match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
        Ok(Ok(stream)) => Some(stream),
        Ok(Err(e)) => {
            let event = serde_json::json!({"event": "tls_handshake_failed", "peer": peer.to_string(), "message": e.to_string()});
            super::log("info", event);
            None
        }
        Err(_) => {
            super::log("info", serde_json::json!({"event": "tls_handshake_timeout", "peer": peer.to_string()}));
            None
        }
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<tokio::net::TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(c) => c,
            // invariant: the accept loop holds a sender and only ends when this listener is
            // dropped (it aborts it), so the channel cannot close while `accept` is awaited.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local)
    }
}
