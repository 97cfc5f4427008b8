//! The roots a certificate chain must lead to: Mozilla's (bundled through webpki-roots, so results
//! are reproducible offline and do not depend on the scanning machine's store), plus CA files the
//! operator names with `--ca-bundle`. The Vietnamese national government CA is not in browser
//! stores, so agencies whose services use it must trust it explicitly.
//!
//! A bundle that cannot be read whole is refused whole, with the file, the PEM block and what was
//! wrong: silently skipping a damaged root would turn every chain under it into an "untrusted"
//! finding that is really a configuration mistake.

use rustls_pki_types::{CertificateDer, TrustAnchor};
use std::path::Path;
use x509_parser::pem::Pem;
use x509_parser::prelude::PEMError;

/// Trust anchors and where they came from (for reports: "trusted: Mozilla roots, /etc/gov-ca.pem").
#[derive(Debug, Clone, Default)]
pub struct TrustStore {
    anchors: Vec<TrustAnchor<'static>>,
    sources: Vec<String>,
}

impl TrustStore {
    /// Mozilla's root program, as bundled in the webpki-roots crate.
    pub fn mozilla() -> TrustStore {
        let anchors = webpki_roots::TLS_SERVER_ROOTS.to_vec();
        let sources = vec![format!("Mozilla roots (webpki-roots, {} anchors)", anchors.len())];
        TrustStore { anchors, sources }
    }

    /// No anchors at all: every chain is untrusted until roots are added.
    pub fn empty() -> TrustStore {
        TrustStore::default()
    }

    /// Adds every certificate of a PEM bundle as a trust anchor and returns how many were added.
    /// Text outside `-----BEGIN/END-----` blocks (comments, `openssl x509 -text` output) is
    /// ignored; any block that is not a well-formed certificate, or a file with no certificate,
    /// is an error naming the file and the block, and then nothing from the file is added.
    pub fn add_pem_file(&mut self, path: &Path) -> Result<usize, String> {
        let shown = path.display();
        // A bundle of every public root is about 200 KiB; the cap only stops a device or a runaway pipe.
        let bytes = crate::files::read_capped(path, 16 << 20).map_err(|e| format!("{shown}: {e}"))?;
        let anchors = anchors_from_pem(&bytes).map_err(|e| format!("{shown}: {e}"))?;
        let added = anchors.len();
        self.anchors.extend(anchors);
        self.sources.push(format!("{shown} ({added} certificate{})", if added == 1 { "" } else { "s" }));
        Ok(added)
    }

    /// Adds one DER certificate as a trust anchor.
    pub fn add_der(&mut self, der: &[u8]) -> Result<(), String> {
        self.anchors.push(anchor_from_der(der)?);
        Ok(())
    }

    /// The trust anchors, for path validation.
    pub fn anchors(&self) -> &[TrustAnchor<'static>] {
        &self.anchors
    }

    /// Where the anchors came from, in the order they were added.
    pub fn sources(&self) -> &[String] {
        &self.sources
    }

    pub fn len(&self) -> usize {
        self.anchors.len()
    }

    pub fn is_empty(&self) -> bool {
        self.anchors.is_empty()
    }
}

/// Every block of a PEM bundle as a trust anchor, or the first problem ("block N: …").
fn anchors_from_pem(bytes: &[u8]) -> Result<Vec<TrustAnchor<'static>>, String> {
    // Windows editors start files with a UTF-8 byte order mark, which would hide the first
    // BEGIN line (and so silently drop the first certificate).
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    let mut anchors = Vec::new();
    for (index, block) in Pem::iter_from_buffer(bytes).enumerate() {
        let n = index + 1;
        let pem = block.map_err(|e| format!("block {n}: {}", pem_problem(&e)))?;
        if pem.label != "CERTIFICATE" {
            return Err(format!("block {n}: is a {}, expected a CERTIFICATE", pem.label));
        }
        anchors.push(anchor_from_der(&pem.contents).map_err(|e| format!("block {n}: {e}"))?);
    }
    if anchors.is_empty() {
        return Err(no_certificate(bytes));
    }
    Ok(anchors)
}

fn pem_problem(e: &PEMError) -> String {
    match e {
        PEMError::Base64DecodeError => "the body between BEGIN and END is not valid base64".into(),
        PEMError::IncompletePEM => "no -----END----- line after -----BEGIN-----".into(),
        PEMError::InvalidHeader => "malformed -----BEGIN …----- line".into(),
        other => other.to_string(),
    }
}

/// Why a file yielded no certificate, with a hint for the usual mistake (a DER file).
fn no_certificate(bytes: &[u8]) -> String {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        "no certificate: the file is empty".into()
    } else if bytes.first() == Some(&0x30) {
        "no PEM certificate: this looks like binary DER; convert it with \
         `openssl x509 -inform der -in FILE -out FILE.pem`"
            .into()
    } else {
        "no PEM certificate: no -----BEGIN CERTIFICATE----- block found".into()
    }
}

/// A trust anchor from one DER certificate. webpki keeps only subject, key and name constraints,
/// and borrows them, so they are copied to make the anchor independent of `der`.
fn anchor_from_der(der: &[u8]) -> Result<TrustAnchor<'static>, String> {
    let cert = CertificateDer::from(der);
    match webpki::anchor_from_trusted_cert(&cert) {
        Ok(anchor) => Ok(anchor.to_owned()),
        Err(e) => Err(format!("not a usable X.509 certificate ({}, {} bytes)", webpki_error_name(&e), der.len())),
    }
}

/// The variant name of a webpki error, without the context webpki attaches (which can list every
/// supported algorithm).
pub(super) fn webpki_error_name(e: &webpki::Error) -> String {
    let debug = format!("{e:?}");
    debug.split(['(', ' ', '{']).next().unwrap_or_default().to_string()
}
